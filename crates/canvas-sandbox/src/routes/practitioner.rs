//! `GET /Practitioner` (`_id`, `name`) and `GET /Practitioner/{id}`: the instance's
//! practitioners, Canvas Bot included (docs.canvasmedical.com/api/practitioner/).

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use serde_json::Value;

use crate::error::ApiError;
use crate::lookup_query::{LookupQuery, listed, read_answer};
use crate::resources::practitioner_json;
use crate::state::AppState;

/// A searchset of the practitioners whose id is in `_id` (a comma list) and whose name contains
/// `name` (case-insensitive), in settings order.
pub(crate) async fn search(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let policy = state.policy();
    let query = LookupQuery::parse(raw.as_deref(), &["_id", "name"], policy)?;
    let ids = query.list("_id")?;
    let matches: Vec<_> = state
        .settings
        .practitioners
        .iter()
        .filter(|p| listed(ids.as_deref(), [p.id.as_str()].into_iter()))
        .filter(|p| query.matches_name(Some(&p.name)))
        .collect();
    let bundle = query.searchset("/Practitioner", matches, |p| practitioner_json(p), policy);
    Ok(Json(bundle))
}

/// One practitioner, or 404 (`Unknown Practitioner resource '<id>'` in current).
pub(crate) async fn read(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    read_answer("Practitioner", path, |id| {
        state.settings.practitioner(id).map(practitioner_json)
    })
}
