//! `POST /auth/token/`: OAuth2 client credentials (form-encoded). Errors follow RFC 6749
//! (`{"error": …}`), as a real authorization server answers, not OperationOutcome (except a body
//! over the limit, which is the server-wide 413).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::server::app::AppState;
use crate::server::extract::RawBody;

/// The scope issued tokens carry.
const SCOPE: &str = "system/Appointment.read system/Appointment.write";

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let body = json!({"error": error, "error_description": description});
    let mut response = (status, Json(body)).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic"));
    }
    response
}

pub(crate) async fn token(State(state): State<AppState>, RawBody(body): RawBody) -> Response {
    let mut grant_type = None;
    let mut client_id = None;
    let mut client_secret = None;
    for (name, value) in form_urlencoded::parse(&body) {
        let slot = match name.as_ref() {
            "grant_type" => &mut grant_type,
            "client_id" => &mut client_id,
            "client_secret" => &mut client_secret,
            _ => continue,
        };
        if slot.is_some() {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                &format!("{name} given twice"),
            );
        }
        *slot = Some(value.into_owned());
    }
    let Some(grant_type) = grant_type else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "grant_type is required",
        );
    };
    if grant_type != "client_credentials" {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "only client_credentials is supported",
        );
    }
    let known = state.settings.oauth_clients.iter().any(|client| {
        Some(client.client_id.as_str()) == client_id.as_deref()
            && Some(client.client_secret.as_str()) == client_secret.as_deref()
    });
    if !known {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "unknown client or wrong secret",
        );
    }
    let mut response = Json(json!({
        "access_token": state.tokens.issue(),
        "token_type": "Bearer",
        "expires_in": state.tokens.lifetime_secs(),
        "scope": SCOPE,
    }))
    .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
