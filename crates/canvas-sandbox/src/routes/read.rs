//! `GET /Appointment/{id}`: the stored appointment as FHIR JSON, or 404; 403 for a patient
//! token when the appointment is not its patient's (D29).

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::extract::{TokenPatient, appointment_id};
use crate::mutant::Mutant;
use crate::render::appointment_json;
use crate::state::AppState;

pub(crate) async fn read(
    State(state): State<AppState>,
    TokenPatient(token_patient): TokenPatient,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let raw = path.as_ref().map(|p| p.0.clone()).unwrap_or_default();
    let found = match appointment_id(path) {
        Some(id) => state.with_store_inline(|store| Ok(store.get(&id)?))?,
        None => None,
    };
    let Some(row) = found else {
        if state.mutant == Some(Mutant::ReadMissing404As200) {
            let mut response = ApiError::unknown("Appointment", &raw).into_response();
            *response.status_mut() = StatusCode::OK;
            return Ok(response);
        }
        return Err(ApiError::unknown("Appointment", &raw));
    };
    if let Some(patient) = &token_patient
        && row.patient.as_ref() != Some(patient)
    {
        return Err(ApiError::OtherPatient);
    }
    let mut resource = appointment_json(&row, state.policy(), state.mutant);
    if state.mutant == Some(Mutant::ReadWrongId)
        && let Some(obj) = resource.as_object_mut()
    {
        obj.insert("id".into(), json!(uuid::Uuid::new_v4().to_string()));
    }
    Ok(Json::<Value>(resource).into_response())
}
