//! Body extractors: axum's own rejections (too large, unreadable, not JSON) become `ApiError`s,
//! so every failure is an OperationOutcome.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde_json::Value;

use super::outcome::ApiError;

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
