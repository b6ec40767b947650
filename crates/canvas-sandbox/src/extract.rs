//! Request extractors: the body (axum's own rejections, too large, unreadable, not JSON, become
//! `ApiError`s, so every failure is an OperationOutcome), the appointment id of the path, and
//! the patient a patient token is limited to (D29).

use std::convert::Infallible;

use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde_json::Value;

use super::auth::Grant;
use super::error::ApiError;

/// The raw request body, within the body limit.
pub(crate) struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        Bytes::from_request(request, state)
            .await
            .map(RawBody)
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge
                } else {
                    ApiError::BadRequest {
                        diagnostics: rejection.body_text(),
                        expression: None,
                    }
                }
            })
    }
}

/// The request body parsed as JSON (any JSON value; the interaction checks its shape).
pub(crate) struct JsonBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let RawBody(bytes) = RawBody::from_request(request, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::bad(
                "Appointment",
                "the request body is empty; expected a JSON Appointment",
            ));
        }
        serde_json::from_slice(&bytes).map(JsonBody).map_err(|err| {
            ApiError::bad("Appointment", format!("the body is not valid JSON: {err}"))
        })
    }
}

/// The appointment id of the URL, when it can name one (ids are UUIDs; anything else is unknown).
pub(crate) fn appointment_id(path: Result<Path<String>, PathRejection>) -> Option<String> {
    let Path(id) = path.ok()?;
    uuid::Uuid::try_parse(&id).is_ok().then_some(id)
}

/// The patient a patient-scoped token is limited to (D29), from the grant the bearer check
/// (`middleware.rs`) left in the request's extensions; `None` for a system token.
pub(crate) struct TokenPatient(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for TokenPatient {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        Ok(TokenPatient(
            parts
                .extensions
                .get::<Grant>()
                .and_then(|grant| grant.patient.clone()),
        ))
    }
}
