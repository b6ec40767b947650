//! Error answers: `ApiError` is the one error type of the API, and this file is the one place
//! that renders it as a FHIR OperationOutcome (status, issue code, the edition's exact text, and
//! the precise diagnostics/expression), for any edition and error mutant.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::edition::{Edition, NotFoundText, Policy};
use super::mutant::Mutant;

/// Everything the API can refuse a request with.
#[derive(Debug, Clone, thiserror::Error)]
pub(crate) enum ApiError {
    /// 400: malformed request; `diagnostics` says what is wrong, `expression` where.
    #[error("bad request: {diagnostics}")]
    BadRequest {
        diagnostics: String,
        expression: Option<String>,
    },
    /// 401: no, unknown or expired bearer token.
    #[error("authentication failed")]
    Unauthorized,
    /// 403: the token's scope does not allow the operation (D12).
    #[error("authorization failed")]
    Forbidden,
    /// 403: a patient token and an appointment (or a search, create or update) of another
    /// patient or of none (D29).
    #[error("authorization failed: another patient")]
    OtherPatient,
    /// 404: an unknown resource (its type and the id as requested) or an unknown route
    /// (`missing` None).
    #[error("not found: {diagnostics}")]
    NotFound {
        missing: Option<Missing>,
        diagnostics: String,
    },
    /// 405: the route exists, the method does not.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 412: `If-Unmodified-Since` is earlier than the appointment's last change (D10).
    #[error("precondition failed")]
    PreconditionFailed,
    /// 413: body over the limit.
    #[error("request body too large")]
    PayloadTooLarge,
    /// 414: the request target is over the limit.
    #[error("URI too long")]
    UriTooLong,
    /// 422: a documented business rule; `text` is the page's message (D23: `Unprocessable
    /// entity` with `diagnostics` naming the rule where the page gives no text).
    #[error("{text}")]
    BusinessRule {
        text: String,
        diagnostics: Option<String>,
        expression: Option<String>,
    },
    /// 431: the request headers are over the limit.
    #[error("request headers too large")]
    HeadersTooLarge,
    /// 500: our fault (storage); logged, never caused by client input.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// A 400 naming the offending field or parameter.
    pub(crate) fn bad(expression: impl Into<String>, diagnostics: impl Into<String>) -> Self {
        Self::BadRequest {
            diagnostics: diagnostics.into(),
            expression: Some(expression.into()),
        }
    }

    /// A 422 with the page's text, pointing at a field.
    pub(crate) fn rule(expression: impl Into<String>, text: impl Into<String>) -> Self {
        Self::BusinessRule {
            text: text.into(),
            diagnostics: None,
            expression: Some(expression.into()),
        }
    }

    /// A 422 for a rule the page gives no text for: `Unprocessable entity`, the rule in
    /// `diagnostics` (D23).
    pub(crate) fn unprocessable(
        expression: impl Into<String>,
        diagnostics: impl Into<String>,
    ) -> Self {
        Self::BusinessRule {
            text: "Unprocessable entity".to_string(),
            diagnostics: Some(diagnostics.into()),
            expression: Some(expression.into()),
        }
    }

    /// A 404 for an id of `resource` (a FHIR resource type: `Appointment`, `Practitioner`, …),
    /// echoing the id as requested (READ-404, UPDATE-404).
    pub(crate) fn unknown(resource: &'static str, id: &str) -> Self {
        Self::NotFound {
            missing: Some(Missing {
                resource,
                id: id.to_string(),
            }),
            diagnostics: format!("no {resource} with id {id:?}"),
        }
    }

    /// The answer for the served edition of `policy`, with an error mutant applied (one of
    /// `ErrorsPlainText`, `BadRequestWrongText`, `BadRequestCodeStructure`,
    /// `BusinessRuleCodeInvalid`, or `None`).
    pub(crate) fn render(&self, policy: &Policy, mutant: Option<Mutant>) -> Response {
        self.issue(policy).render(mutant)
    }

    fn issue(&self, policy: &Policy) -> Issue {
        let (status, code, text, diagnostics, expression) = match self {
            Self::BadRequest {
                diagnostics,
                expression,
            } => (
                StatusCode::BAD_REQUEST,
                "invalid",
                "Bad request".to_string(),
                Some(diagnostics.clone()),
                expression.clone(),
            ),
            Self::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unknown",
                "Authentication failed".to_string(),
                None,
                None,
            ),
            Self::Forbidden => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "Authorization failed".to_string(),
                Some("the token's scope does not allow this operation".to_string()),
                None,
            ),
            Self::OtherPatient => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "Authorization failed".to_string(),
                Some(
                    "a patient token reaches only its own patient's appointments (D29)".to_string(),
                ),
                None,
            ),
            Self::NotFound {
                missing,
                diagnostics,
            } => {
                let text = match (policy.not_found, missing) {
                    (NotFoundText::UnknownResource, Some(Missing { resource, id })) => {
                        format!("Unknown {resource} resource '{id}'")
                    }
                    _ => "Resource not found".to_string(),
                };
                (
                    StatusCode::NOT_FOUND,
                    "not-found",
                    text,
                    Some(diagnostics.clone()),
                    None,
                )
            }
            Self::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "not-supported",
                policy.method_not_allowed_text.to_string(),
                None,
                None,
            ),
            Self::PreconditionFailed => (
                StatusCode::PRECONDITION_FAILED,
                "conflict",
                "Resource updated since If-Unmodified-Since date".to_string(),
                None,
                None,
            ),
            Self::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-long",
                "Request body too large".to_string(),
                Some("the request body is limited to 1 MiB".to_string()),
                None,
            ),
            Self::UriTooLong => (
                StatusCode::URI_TOO_LONG,
                "too-long",
                "URI too long".to_string(),
                Some(format!(
                    "the request target is limited to {MAX_URI_BYTES} bytes"
                )),
                None,
            ),
            Self::HeadersTooLarge => (
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "too-long",
                "Request headers too large".to_string(),
                Some(format!(
                    "the request headers are limited to {MAX_HEADER_BYTES} bytes and {MAX_HEADER_COUNT} fields"
                )),
                None,
            ),
            Self::BusinessRule {
                text,
                diagnostics,
                expression,
            } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "business-rule",
                text.clone(),
                diagnostics.clone(),
                expression.clone(),
            ),
            Self::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "exception",
                "Internal server error".to_string(),
                None,
                None,
            ),
        };
        Issue {
            status,
            code,
            text,
            diagnostics,
            expression,
            with_id: policy.outcome_id,
        }
    }
}

/// What a 404 could not find: a resource type and the id as requested.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Missing {
    /// The FHIR resource type (`Appointment`, `Practitioner`, `Patient`, `Location`).
    pub resource: &'static str,
    pub id: String,
}

/// The largest request target (path and query) answered normally; longer ones get 414.
pub(crate) const MAX_URI_BYTES: usize = 8 * 1024;
/// The largest total of header names and values answered normally; more gets 431.
pub(crate) const MAX_HEADER_BYTES: usize = 32 * 1024;
/// The most header fields answered normally; more gets 431 (up to hyper's own limit, above
/// which hyper answers an empty 431 itself: `listen::MAX_HEADER_FIELDS`).
pub(crate) const MAX_HEADER_COUNT: usize = 100;

/// The rendered content of an error answer.
#[derive(Debug, Clone)]
struct Issue {
    status: StatusCode,
    code: &'static str,
    text: String,
    diagnostics: Option<String>,
    expression: Option<String>,
    with_id: bool,
}

impl Issue {
    fn render(&self, mutant: Option<Mutant>) -> Response {
        if matches!(mutant, Some(Mutant::ErrorsPlainText)) {
            return (self.status, self.text.clone()).into_response();
        }
        let text = if matches!(mutant, Some(Mutant::BadRequestWrongText))
            && self.status == StatusCode::BAD_REQUEST
        {
            "Invalid request".to_string()
        } else {
            self.text.clone()
        };
        let code = if matches!(mutant, Some(Mutant::BusinessRuleCodeInvalid))
            && self.status == StatusCode::UNPROCESSABLE_ENTITY
        {
            "invalid"
        } else if matches!(mutant, Some(Mutant::BadRequestCodeStructure))
            && self.status == StatusCode::BAD_REQUEST
        {
            "structure"
        } else {
            self.code
        };
        let mut issue = Map::new();
        issue.insert("severity".into(), json!("error"));
        issue.insert("code".into(), json!(code));
        issue.insert("details".into(), json!({ "text": text }));
        if let Some(diagnostics) = &self.diagnostics {
            issue.insert("diagnostics".into(), json!(diagnostics));
        }
        if let Some(expression) = &self.expression {
            issue.insert("expression".into(), json!([expression]));
        }
        let mut body = Map::new();
        body.insert("resourceType".into(), json!("OperationOutcome"));
        if self.with_id {
            body.insert("id".into(), json!(uuid::Uuid::new_v4().to_string()));
        }
        body.insert("issue".into(), json!([Value::Object(issue)]));
        let mut response = (self.status, Json(Value::Object(body))).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl IntoResponse for ApiError {
    /// Renders as the 2023-09 edition would; the edition layer (`middleware.rs`) re-renders for
    /// the served one from the `ApiError` left in the response's extensions.
    fn into_response(self) -> Response {
        if let Self::Internal(reason) = &self {
            tracing::error!(%reason, "internal error");
        }
        let mut response = self.render(Edition::Sept2023.policy(), None);
        response.extensions_mut().insert(self);
        response
    }
}
