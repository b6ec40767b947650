//! The lookups of the instance's directory (`/Practitioner`, `/Patient`, `/Location`): one
//! search (`_id`, `name`) and one read for every kind of entry, each kind saying through
//! [`Directory`] where its entries are, their ids and name, and their FHIR shape.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use serde_json::Value;

use crate::error::ApiError;
use crate::lookup_query::{LookupQuery, listed, read_answer};
use crate::settings::Settings;
use crate::state::AppState;

/// A kind of directory entry served read-only from the settings.
pub(crate) trait Directory: Sized + Send + Sync + 'static {
    /// The FHIR resource type (`Practitioner`), as 404s name it.
    const RESOURCE: &'static str;
    /// The search path (`/Practitioner`), as paging links name it.
    const PATH: &'static str;
    /// Every entry of the instance, in settings order.
    fn all(settings: &Settings) -> &[Self];
    /// The entry a read asks for by `id` (or by any other id it answers to).
    fn find<'a>(settings: &'a Settings, id: &str) -> Option<&'a Self>;
    /// The ids `_id` matches: its id, and any legacy id.
    fn ids(&self) -> Vec<&str>;
    /// What `name` searches; an entry without one never matches `name`.
    fn name(&self) -> Option<&str>;
    /// The entry as a FHIR resource.
    fn render(&self) -> Value;
}

/// `GET /<Resource>?_id=…&name=…`: a searchset of the entries whose ids meet `_id` (a comma
/// list) and whose name contains `name` (case-insensitive), in settings order, paged as
/// Appointment search is. Errors: the 400s of [`LookupQuery`].
pub(crate) async fn search<T: Directory>(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let policy = state.policy();
    let query = LookupQuery::parse(raw.as_deref(), &["_id", "name"], policy)?;
    let wanted = query.list("_id")?;
    let matches: Vec<&T> = T::all(&state.settings)
        .iter()
        .filter(|entry| listed(wanted.as_deref(), entry.ids().into_iter()))
        .filter(|entry| query.matches_name(entry.name()))
        .collect();
    Ok(Json(query.searchset(
        T::PATH,
        matches,
        |entry| entry.render(),
        policy,
    )))
}

/// `GET /<Resource>/{id}`: the entry, or 404 (`Unknown <Resource> resource '<id>'` in current).
pub(crate) async fn read<T: Directory>(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    read_answer(T::RESOURCE, path, |id| {
        T::find(&state.settings, id).map(Directory::render)
    })
}
