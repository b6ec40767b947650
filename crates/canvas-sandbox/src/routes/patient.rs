//! `GET /Patient` (`_id`, `name`) and `GET /Patient/{id}`: the instance's patients, with the
//! name, birth date and gender their settings give (docs.canvasmedical.com/api/patient/).

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use serde_json::Value;

use crate::error::ApiError;
use crate::lookup_query::{LookupQuery, listed, read_answer};
use crate::resources::patient_json;
use crate::state::AppState;

/// A searchset of the patients whose id is in `_id` (a comma list) and whose name contains
/// `name` (case-insensitive; a patient without a name never matches it), in settings order.
pub(crate) async fn search(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let policy = state.policy();
    let query = LookupQuery::parse(raw.as_deref(), &["_id", "name"], policy)?;
    let ids = query.list("_id")?;
    let matches: Vec<_> = state
        .settings
        .patients
        .iter()
        .filter(|p| listed(ids.as_deref(), [p.id.as_str()].into_iter()))
        .filter(|p| query.matches_name(p.name.as_deref()))
        .collect();
    let bundle = query.searchset("/Patient", matches, |p| patient_json(p), policy);
    Ok(Json(bundle))
}

/// One patient, or 404 (`Unknown Patient resource '<id>'` in current).
pub(crate) async fn read(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    read_answer("Patient", path, |id| {
        state.settings.patient(id).map(patient_json)
    })
}
