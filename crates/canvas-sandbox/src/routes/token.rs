//! `POST /auth/token/`: OAuth2 client credentials (form-encoded), with the client authenticated
//! by HTTP Basic (RFC 6749 §2.3.1) or by `client_id`/`client_secret` in the form, never both, and
//! an optional `scope` that narrows the grant (D12). Errors follow RFC 6749 §5.2 (`{"error": …}`),
//! as a real authorization server answers, not OperationOutcome (except a body over the limit,
//! which is the server-wide 413).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::extract::RawBody;
use crate::oauth::{ClientAuth, OAuthError, authenticate_client, form_fields, oauth_error};
use crate::settings::OAuthClient;
use crate::state::AppState;

/// The scope to grant: the client's whole scope without `scope`, else the requested subset
/// (D12); a scope outside the client's is `invalid_scope` (RFC 6749 §5.2).
fn granted_scope(client: &OAuthClient, requested: Option<&String>) -> Result<String, OAuthError> {
    let allowed: Vec<&str> = client.scope.split_whitespace().collect();
    let Some(requested) = requested else {
        return Ok(allowed.join(" "));
    };
    let mut granted: Vec<&str> = Vec::new();
    for scope in requested.split_whitespace() {
        if !allowed.contains(&scope) {
            return Err(oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_scope",
                &format!("scope {scope:?} is not allowed for this client"),
            ));
        }
        if !granted.contains(&scope) {
            granted.push(scope);
        }
    }
    if granted.is_empty() {
        return Ok(allowed.join(" "));
    }
    Ok(granted.join(" "))
}

pub(crate) async fn token(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Response, OAuthError> {
    let fields = form_fields(&body)?;
    let Some(grant_type) = fields.get("grant_type") else {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "grant_type is required",
        ));
    };
    if grant_type != "client_credentials" {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "only client_credentials is supported",
        ));
    }
    let client = match authenticate_client(&state.settings.oauth_clients, &headers, &fields)? {
        ClientAuth::Client(client) => client,
        ClientAuth::Absent => {
            return Err(oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "client authentication is required (HTTP Basic or client_id and client_secret)",
            ));
        }
    };
    let scope = granted_scope(client, fields.get("scope"))?;
    let mut response = Json(json!({
        "access_token": state.tokens.issue(&client.client_id, scope.clone()),
        "token_type": "Bearer",
        "expires_in": state.tokens.lifetime_secs(),
        "scope": scope,
    }))
    .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
