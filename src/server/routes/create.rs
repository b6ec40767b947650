//! `POST /Appointment`: validate under the edition's rules, store, answer 201 with the new
//! appointment's URL in `Location` and the edition's success body (D6).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use crate::server::app::AppState;
use crate::server::extract::JsonBody;
use crate::server::input::{Mode, new_appointment, parse_changes};
use crate::server::mutant::Mutant;
use crate::server::outcome::ApiError;
use crate::server::routes::success::{Written, success};
use crate::server::store::Write;

/// The page's double-booking message.
pub(crate) const SLOT_TAKEN: &str = "This appointment time is no longer available.";

pub(crate) async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let ctx = state.ctx(Mode::Create);
    let changes = parse_changes(&body, None, &ctx)?;
    let row = new_appointment(changes, &ctx)?;
    let id = row.id.clone();
    let guard = state.guard_double_booking();
    match state
        .with_store(move |store| Ok(store.insert(&row, guard)?))
        .await?
    {
        Write::Done => {}
        Write::SlotTaken => return Err(ApiError::rule("Appointment.start", SLOT_TAKEN)),
        Write::Missing => return Err(ApiError::Internal("insert reported a missing row".into())),
    }
    let status = if state.mutant == Some(Mutant::CreateAnswers200) {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok(success(
        state.policy(),
        Written::Created,
        status,
        &state.base_url(&headers),
        &id,
    ))
}
