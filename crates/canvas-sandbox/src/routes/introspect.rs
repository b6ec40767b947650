//! `/auth/introspect/`: OAuth2 token introspection (RFC 7662) as `POST` with a form; a token or
//! client credentials in the query string (`GET ?token=…`, as Canvas's request collection sends
//! it) are refused with 400, since URLs end up in logs (§2.1). The caller authenticates as a
//! client (HTTP Basic or form credentials) or with a bearer token this server accepts. The answer
//! is `{"active": false}` for an unknown or expired token, else `active`, `scope`, `client_id`,
//! `token_type`, `exp` (issued tokens) and `patient` (patient tokens, D29).

use std::collections::HashMap;

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::auth::bearer;
use crate::extract::RawBody;
use crate::oauth::{ClientAuth, OAuthError, authenticate_client, form_fields, oauth_error};
use crate::state::AppState;

pub(crate) async fn introspect_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    RawBody(body): RawBody,
) -> Result<Response, OAuthError> {
    refuse_secrets_in(query.as_deref())?;
    introspect(&state, &headers, &form_fields(&body, &[])?)
}

/// `GET /auth/introspect/`: always 400 (RFC 7662 §2.1 takes a POST form).
pub(crate) async fn introspect_query(RawQuery(query): RawQuery) -> Result<Response, OAuthError> {
    refuse_secrets_in(query.as_deref())?;
    Err(oauth_error(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "introspection takes a POST form (RFC 7662 §2.1)",
    ))
}

/// Query parameters that carry a secret or a token, which a URL must never hold.
const SECRET_PARAMETERS: [&str; 3] = ["token", "client_id", "client_secret"];

/// 400 when the query string names a token or client credentials.
fn refuse_secrets_in(query: Option<&str>) -> Result<(), OAuthError> {
    let named = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .any(|(name, _)| SECRET_PARAMETERS.contains(&name.as_ref()));
    if named {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "tokens and client credentials go in the POST form body, never in the query string (RFC 7662 §2.1)",
        ));
    }
    Ok(())
}

fn introspect(
    state: &AppState,
    headers: &HeaderMap,
    fields: &HashMap<String, String>,
) -> Result<Response, OAuthError> {
    let caller_ok = match authenticate_client(
        &state.settings.oauth_clients,
        &state.auth_failures,
        headers,
        fields,
    )? {
        ClientAuth::Client(_) => true,
        ClientAuth::Absent => bearer(headers).is_some_and(|t| state.tokens.grant(t).is_some()),
    };
    if !caller_ok {
        return Err(oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "introspection needs client authentication or a valid bearer token",
        ));
    }
    let Some(token) = fields.get("token").filter(|t| !t.is_empty()) else {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "token is required",
        ));
    };
    let mut out = Map::new();
    match state.tokens.grant(token) {
        None => {
            out.insert("active".into(), json!(false));
        }
        Some(grant) => {
            out.insert("active".into(), json!(true));
            out.insert("scope".into(), json!(grant.scope));
            if let Some(client_id) = grant.client_id {
                out.insert("client_id".into(), json!(client_id));
            }
            out.insert("token_type".into(), json!("Bearer"));
            if let Some(exp) = grant.exp {
                out.insert("exp".into(), json!(exp));
            }
            if let Some(patient) = grant.patient {
                out.insert("patient".into(), json!(patient));
            }
        }
    }
    let mut response = Json(Value::Object(out)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
