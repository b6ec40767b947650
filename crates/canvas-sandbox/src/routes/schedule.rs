//! `GET /Schedule` (`_id`, `actor`): one Schedule per location and practitioner but Canvas Bot,
//! the ids Slot search takes (docs.canvasmedical.com/api/schedule/, which lists no parameters;
//! `_id` and `actor` are FHIR's). Bundle type `searchset`.

use axum::Json;
use axum::extract::{RawQuery, State};
use serde_json::Value;

use crate::error::ApiError;
use crate::lookup_query::{LookupQuery, listed};
use crate::resources::{Schedule, schedule_json, schedules};
use crate::state::AppState;

/// A searchset of the schedules whose id is in `_id` (a comma list; an unknown id matches
/// nothing) and whose practitioner is `actor` (`Practitioner/<id>` or `<id>`).
pub(crate) async fn search(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let policy = state.policy();
    let query = LookupQuery::parse(raw.as_deref(), &["_id", "actor"], policy)?;
    let ids = query.list("_id")?;
    let actor = query.reference("actor", "Practitioner")?;
    let matches: Vec<Schedule<'_>> = schedules(&state.settings)
        .into_iter()
        .filter(|s| listed(ids.as_deref(), [s.id().as_str()].into_iter()))
        .filter(|s| {
            actor
                .as_ref()
                .is_none_or(|actor| *actor == s.practitioner.id)
        })
        .collect();
    Ok(Json(query.searchset(
        "/Schedule",
        matches,
        schedule_json,
        policy,
    )))
}
