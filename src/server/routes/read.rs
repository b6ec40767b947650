//! `GET /Appointment/{id}`: the stored appointment as FHIR JSON, or 404.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::server::app::AppState;
use crate::server::fhir::appointment_json;
use crate::server::mutant::Mutant;
use crate::server::outcome::ApiError;

/// The appointment id of the URL, when it can name one (ids are UUIDs; anything else is unknown).
pub(crate) fn appointment_id(path: Result<Path<String>, PathRejection>) -> Option<String> {
    let Path(id) = path.ok()?;
    uuid::Uuid::try_parse(&id).is_ok().then_some(id)
}

/// The 404 for an unknown appointment id, echoing the id as requested (READ-404, UPDATE-404).
pub(crate) fn not_found(id: &str) -> ApiError {
    ApiError::unknown_appointment(id)
}

pub(crate) async fn read(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let raw = path.as_ref().map(|p| p.0.clone()).unwrap_or_default();
    let found = match appointment_id(path) {
        Some(id) => state.with_store(move |store| Ok(store.get(&id)?)).await?,
        None => None,
    };
    let Some(row) = found else {
        if state.mutant == Some(Mutant::ReadMissing404As200) {
            let mut response = not_found(&raw).into_response();
            *response.status_mut() = StatusCode::OK;
            return Ok(response);
        }
        return Err(not_found(&raw));
    };
    let mut resource = appointment_json(&row, state.policy(), state.mutant);
    if state.mutant == Some(Mutant::ReadWrongId)
        && let Some(obj) = resource.as_object_mut()
    {
        obj.insert("id".into(), json!(uuid::Uuid::new_v4().to_string()));
    }
    Ok(Json::<Value>(resource).into_response())
}
