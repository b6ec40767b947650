//! `GET /Appointment?…`: a searchset Bundle of the matches, paged and linked; a patient token
//! finds only its patient's appointments, and naming another patient is 403 (D29).

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use serde_json::Value;

use crate::error::ApiError;
use crate::extract::TokenPatient;
use crate::mutant::Mutant;
use crate::render::appointment_json;
use crate::search::{LinkBase, bundle, links, parse_query};
use crate::state::AppState;

pub(crate) async fn search(
    State(state): State<AppState>,
    TokenPatient(token_patient): TokenPatient,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let policy = state.policy();
    let request = parse_query(raw.as_deref(), policy, state.mutant)?;
    let mut filters = request.filters.clone();
    // D13: a legacy location id (`1`) searches the location it names.
    if let Some(location) = &filters.location
        && let Some(canonical) = state.settings.location_id(location)
    {
        filters.location = Some(canonical.to_string());
    }
    if let Some(patient) = token_patient
        && state.mutant != Some(Mutant::PatientTokenSearchesAll)
    {
        if filters
            .patient
            .as_ref()
            .is_some_and(|asked| *asked != patient)
        {
            return Err(ApiError::OtherPatient);
        }
        filters.patient = Some(patient);
    }
    let (total, rows) = state
        .with_store(move |store| Ok(store.search(&filters)?))
        .await?;
    let base =
        (state.mutant == Some(Mutant::SearchLinksAbsolute)).then(|| state.base_url(&headers));
    let base = LinkBase {
        path: "/Appointment",
        absolute_base: base.as_deref(),
    };
    let links = links(base, &request.paged, total, policy, state.mutant);
    let resources = rows
        .iter()
        .map(|row| appointment_json(row, policy, state.mutant))
        .collect();
    Ok(Json(bundle(total, links, resources, state.mutant)))
}
