//! Unknown routes (404) and known routes with the wrong method (405), as OperationOutcomes.

use axum::extract::State;
use axum::http::Uri;

use crate::error::ApiError;
use crate::mutant::Mutant;
use crate::state::AppState;

pub(crate) async fn not_found(uri: Uri) -> ApiError {
    ApiError::NotFound {
        missing: None,
        diagnostics: format!("no route for {}", uri.path()),
    }
}

/// 405 (D11 in the current edition: DELETE, PATCH, `POST /Appointment/{id}`, `PUT /Appointment`).
pub(crate) async fn method_not_allowed(State(state): State<AppState>, uri: Uri) -> ApiError {
    if state.mutant == Some(Mutant::UnsupportedMethod404) {
        return not_found(uri).await;
    }
    ApiError::MethodNotAllowed
}
