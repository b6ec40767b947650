//! `GET /Location` (`_id`, `name`) and `GET /Location/{id}`: the instance's practice locations,
//! found by their id or legacy id (D13) and answered under their canonical id
//! (docs.canvasmedical.com/api/location/).

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use serde_json::Value;

use crate::error::ApiError;
use crate::lookup_query::{LookupQuery, listed, read_answer};
use crate::resources::location_json;
use crate::state::AppState;

/// A searchset of the locations whose id or legacy id is in `_id` (a comma list) and whose name
/// contains `name` (case-insensitive), in settings order.
pub(crate) async fn search(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let policy = state.policy();
    let query = LookupQuery::parse(raw.as_deref(), &["_id", "name"], policy)?;
    let ids = query.list("_id")?;
    let matches: Vec<_> = state
        .settings
        .locations
        .iter()
        .filter(|l| {
            let names = std::iter::once(l.id.as_str()).chain(l.legacy_id.as_deref());
            listed(ids.as_deref(), names)
        })
        .filter(|l| query.matches_name(Some(&l.name)))
        .collect();
    let bundle = query.searchset("/Location", matches, |l| location_json(l), policy);
    Ok(Json(bundle))
}

/// One location by its id or legacy id, or 404 (`Unknown Location resource '<id>'` in current).
pub(crate) async fn read(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    read_answer("Location", path, |id| {
        state.settings.location(id).map(location_json)
    })
}
