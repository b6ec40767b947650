//! Unknown routes (404) and known routes with the wrong method (405), as OperationOutcomes.

use axum::http::Uri;

use crate::server::outcome::ApiError;

pub(crate) async fn not_found(uri: Uri) -> ApiError {
    ApiError::NotFound(format!("no route for {}", uri.path()))
}

pub(crate) async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
