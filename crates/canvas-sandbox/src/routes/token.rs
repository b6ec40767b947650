//! `POST /auth/token/`: OAuth2 client credentials (HTTP Basic or form, never both) with an optional
//! `scope` (2023-09: a subset of the client's words; current: SMART scopes granted as far as the
//! client reaches, D28, and `patient` tokens, D29); RFC 6749 §5.2 errors, not OperationOutcome.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::auth::SMART_STYLE_PATH;
use crate::extract::RawBody;
use crate::mutant::Mutant;
use crate::oauth::{ClientAuth, OAuthError, authenticate_client, form_fields, oauth_error};
use crate::scope::{self, ScopeError};
use crate::settings::OAuthClient;
use crate::state::AppState;

/// The 2023-09 scope: the client's whole scope without `scope`, else the requested subset of its
/// words; a word outside the client's is `invalid_scope` (RFC 6749 §5.2).
fn granted_words(client: &OAuthClient, requested: Option<&String>) -> Result<String, OAuthError> {
    let allowed: Vec<&str> = client.scope.split_whitespace().collect();
    let Some(requested) = requested else {
        return Ok(allowed.join(" "));
    };
    let mut granted: Vec<&str> = Vec::new();
    for scope in requested.split_whitespace() {
        if !allowed.contains(&scope) {
            return Err(invalid_scope(&format!(
                "scope {scope:?} is not allowed for this client"
            )));
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

fn invalid_scope(description: &str) -> OAuthError {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_scope", description)
}

/// What a current-edition token is granted (D28) and for which patient (D29): an unparseable
/// scope or a request that grants nothing is `invalid_scope`, an unknown patient
/// `invalid_request`.
fn smart_grant(
    state: &AppState,
    client: &OAuthClient,
    requested: Option<&String>,
    patient: Option<&String>,
) -> Result<String, OAuthError> {
    let granted = scope::grant(
        requested.map(String::as_str),
        &client.scope,
        patient.is_some(),
    );
    if let Err(err @ ScopeError::Unparseable(_)) = &granted {
        return Err(invalid_scope(&err.to_string()));
    }
    if let Some(patient) = patient
        && !state.settings.has_patient(patient)
    {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            &format!("unknown patient {patient:?}"),
        ));
    }
    granted.map_err(|err| match (&err, patient) {
        (ScopeError::NothingGranted, Some(_)) => invalid_scope(
            "a patient token needs a patient/ scope this client may have (patient/Appointment.*, .read, .write or v2 letters)",
        ),
        _ => invalid_scope(&err.to_string()),
    })
}

pub(crate) async fn token(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Response, OAuthError> {
    let policy = state.policy();
    let extra: &[&str] = if policy.patient_tokens {
        &["patient"]
    } else {
        &[]
    };
    let fields = form_fields(&body, extra)?;
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
    let client = match authenticate_client(
        &state.settings.oauth_clients,
        &state.auth_failures,
        &headers,
        &fields,
    )? {
        ClientAuth::Client(client) => client,
        ClientAuth::Absent => {
            return Err(oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "client authentication is required (HTTP Basic or client_id and client_secret)",
            ));
        }
    };
    let requested = fields.get("scope");
    let patient = fields.get("patient");
    let (scope, answered) = if policy.scope_grammar {
        let granted = smart_grant(&state, client, requested, patient)?;
        let answered = match requested {
            Some(text) if state.mutant == Some(Mutant::ScopeAnswerEchoed) => text.clone(),
            _ => granted.clone(),
        };
        (granted, answered)
    } else {
        let granted = granted_words(client, requested)?;
        (granted.clone(), granted)
    };
    let mut out = Map::new();
    out.insert(
        "access_token".into(),
        json!(
            state
                .tokens
                .issue(&client.client_id, scope, patient.cloned())
        ),
    );
    out.insert("token_type".into(), json!("Bearer"));
    out.insert("expires_in".into(), json!(state.tokens.lifetime_secs()));
    out.insert("scope".into(), json!(answered));
    if let Some(patient) = patient {
        out.insert("patient".into(), json!(patient));
        out.insert("need_patient_banner".into(), json!(true));
        out.insert(
            "smart_style_url".into(),
            json!(format!("{}{SMART_STYLE_PATH}", state.base_url(&headers))),
        );
    }
    let mut response = Json(Value::Object(out)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
