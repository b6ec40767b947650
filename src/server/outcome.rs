//! Error answers: `ApiError` is the one error type of the API, and this file is the one place
//! that renders it as a FHIR OperationOutcome (status, issue code, the page's exact text, and the
//! precise diagnostics/expression). The error mutants re-render here too.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::app::AppState;
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
    /// 404: unknown appointment id or route.
    #[error("not found: {0}")]
    NotFound(String),
    /// 405: the route exists, the method does not.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 413: body over the limit.
    #[error("request body too large")]
    PayloadTooLarge,
    /// 422: a documented business rule; `text` is the page's message.
    #[error("{text}")]
    BusinessRule {
        text: String,
        expression: Option<String>,
    },
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
            expression: Some(expression.into()),
        }
    }

    fn issue(&self) -> Issue {
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
            Self::NotFound(diagnostics) => (
                StatusCode::NOT_FOUND,
                "not-found",
                "Resource not found".to_string(),
                Some(diagnostics.clone()),
                None,
            ),
            Self::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "not-supported",
                "Method not allowed".to_string(),
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
            Self::BusinessRule { text, expression } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "business-rule",
                text.clone(),
                None,
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
        }
    }
}

/// The rendered content of an error answer, kept on the response so the mutant layer can
/// re-render it.
#[derive(Debug, Clone)]
struct Issue {
    status: StatusCode,
    code: &'static str,
    text: String,
    diagnostics: Option<String>,
    expression: Option<String>,
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
        let mut issue = Map::new();
        issue.insert("severity".into(), json!("error"));
        issue.insert("code".into(), json!(self.code));
        issue.insert("details".into(), json!({ "text": text }));
        if let Some(diagnostics) = &self.diagnostics {
            issue.insert("diagnostics".into(), json!(diagnostics));
        }
        if let Some(expression) = &self.expression {
            issue.insert("expression".into(), json!([expression]));
        }
        let body = json!({
            "resourceType": "OperationOutcome",
            "id": uuid::Uuid::new_v4().to_string(),
            "issue": [Value::Object(issue)],
        });
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Internal(reason) = &self {
            tracing::error!(%reason, "internal error");
        }
        let issue = self.issue();
        let mut response = issue.render(None);
        response.extensions_mut().insert(issue);
        response
    }
}

/// Outermost layer: when an error mutant is active, re-renders every error answer through it.
pub(crate) async fn mutate_errors(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let response = next.run(request).await;
    let mutant = state.mutant;
    if !matches!(
        mutant,
        Some(Mutant::ErrorsPlainText | Mutant::BadRequestWrongText)
    ) {
        return response;
    }
    match response.extensions().get::<Issue>() {
        Some(issue) => issue.render(mutant),
        None => response,
    }
}

impl From<super::store::StoreError> for ApiError {
    fn from(err: super::store::StoreError) -> Self {
        Self::Internal(err.to_string())
    }
}
