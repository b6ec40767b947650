//! OAuth2 client authentication (RFC 6749 §2.3.1: HTTP Basic or form credentials, never both),
//! the form fields the token and introspection endpoints read, and RFC 6749 §5.2 error answers
//! (`{"error": …}`, not OperationOutcome).

use std::collections::HashMap;

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::json;

use super::auth::secrets_equal;
use super::lockout::AuthFailures;
use super::settings::OAuthClient;

/// An RFC 6749 §5.2 error answer (401 ones carry `WWW-Authenticate: Basic`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: String,
    /// Seconds for `Retry-After` (429 after too many failed authentications).
    retry_after: Option<u64>,
}

/// Builds an [`OAuthError`]: `error` is the RFC 6749 code, `description` never holds a secret.
pub(crate) fn oauth_error(
    status: StatusCode,
    error: &'static str,
    description: &str,
) -> OAuthError {
    OAuthError {
        status,
        error,
        description: description.to_string(),
        retry_after: None,
    }
}

/// 429: `client_id` failed to authenticate too often lately; retry after `seconds`.
pub(crate) fn too_many_failures(seconds: u64) -> OAuthError {
    OAuthError {
        status: StatusCode::TOO_MANY_REQUESTS,
        error: "invalid_client",
        description: "too many failed authentications of this client; retry later".to_string(),
        retry_after: Some(seconds),
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = json!({"error": self.error, "error_description": self.description});
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic"));
        }
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// The form fields the token and introspection endpoints read.
const KNOWN_FIELDS: [&str; 5] = ["grant_type", "client_id", "client_secret", "scope", "token"];

/// The known form fields by name, plus `extra` ones the served edition reads (`patient`, D29);
/// others are ignored (RFC 6749 §3.1), and a repeated known field is an `invalid_request`
/// (RFC 6749 §3.2).
pub(crate) fn form_fields(
    body: &[u8],
    extra: &[&str],
) -> Result<HashMap<String, String>, OAuthError> {
    let mut fields = HashMap::new();
    for (name, value) in form_urlencoded::parse(body) {
        if !KNOWN_FIELDS.contains(&name.as_ref()) && !extra.contains(&name.as_ref()) {
            continue;
        }
        if fields
            .insert(name.clone().into_owned(), value.into_owned())
            .is_some()
        {
            return Err(oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                &format!("{name} given twice"),
            ));
        }
    }
    Ok(fields)
}

/// The (client_id, client_secret) of an `Authorization: Basic …` header: base64 of the
/// form-urlencoded id, a colon, and the form-urlencoded secret (RFC 6749 §2.3.1).
fn basic_credentials(headers: &HeaderMap) -> Option<Result<(String, String), ()>> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok());
    let Some(decoded) = decoded else {
        return Some(Err(()));
    };
    let Some((id, secret)) = decoded.split_once(':') else {
        return Some(Err(()));
    };
    let unescape = |text: &str| -> String {
        form_urlencoded::parse(format!("x={text}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Some(Ok((unescape(id), unescape(secret))))
}

/// What a request's client authentication came to.
pub(crate) enum ClientAuth<'a> {
    /// A known client with the right secret.
    Client(&'a OAuthClient),
    /// No client authentication in the request.
    Absent,
}

/// Authenticates the client by HTTP Basic or by the form's `client_id`/`client_secret`
/// (RFC 6749 §2.3.1) against the instance's `clients`; both at once is an `invalid_request`, a
/// wrong pair an `invalid_client`. Secrets are compared in constant time; a known client that
/// failed too often lately answers 429 (`failures`).
pub(crate) fn authenticate_client<'a>(
    clients: &'a [OAuthClient],
    failures: &AuthFailures,
    headers: &HeaderMap,
    fields: &HashMap<String, String>,
) -> Result<ClientAuth<'a>, OAuthError> {
    let form = (fields.get("client_id"), fields.get("client_secret"));
    let (id, secret) = match (basic_credentials(headers), form) {
        (Some(_), (_, Some(_))) => {
            return Err(oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "use one client authentication method: HTTP Basic or client_secret in the form, not both",
            ));
        }
        (Some(Err(())), _) => {
            return Err(oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "the Basic credentials are not base64 of client_id:client_secret",
            ));
        }
        (Some(Ok((id, _))), (Some(form_id), None)) if *form_id != id => {
            return Err(oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "client_id in the form differs from the Basic credentials",
            ));
        }
        (Some(Ok(pair)), _) => pair,
        (None, (Some(id), Some(secret))) => (id.clone(), secret.clone()),
        (None, (None, None)) => return Ok(ClientAuth::Absent),
        (None, _) => {
            return Err(oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "unknown client or wrong secret",
            ));
        }
    };
    let wrong = || {
        oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "unknown client or wrong secret",
        )
    };
    // the client id is not secret; its secret is
    let Some(client) = clients.iter().find(|client| client.client_id == id) else {
        return Err(wrong());
    };
    if let Some(seconds) = failures.locked(&client.client_id) {
        return Err(too_many_failures(seconds));
    }
    if secrets_equal(&secret, &client.client_secret) {
        failures.succeeded(&client.client_id);
        Ok(ClientAuth::Client(client))
    } else {
        failures.failed(&client.client_id);
        tracing::warn!(client_id = %client.client_id, "failed client authentication");
        Err(wrong())
    }
}
