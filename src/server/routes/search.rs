//! `GET /Appointment?…`: a searchset Bundle of the matches, paged and linked.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use serde_json::Value;

use crate::server::app::AppState;
use crate::server::fhir::appointment_json;
use crate::server::mutant::Mutant;
use crate::server::outcome::ApiError;
use crate::server::search::{bundle, links, parse_query};

pub(crate) async fn search(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let request = parse_query(raw.as_deref(), state.mutant)?;
    let filters = request.filters.clone();
    let (total, rows) = state
        .with_store(move |store| Ok(store.search(&filters)?))
        .await?;
    let base =
        (state.mutant == Some(Mutant::SearchLinksAbsolute)).then(|| state.base_url(&headers));
    let links = links(&request, total, base.as_deref());
    let resources = rows
        .iter()
        .map(|row| appointment_json(row, state.mutant))
        .collect();
    Ok(Json(bundle(total, links, resources, state.mutant)))
}
