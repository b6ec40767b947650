//! `POST /Appointment`: validate under the edition's rules, store, answer 201 with the new
//! appointment's URL in `Location` and the edition's success body (D6).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use crate::server::build::new_appointment;
use crate::server::error::ApiError;
use crate::server::extract::JsonBody;
use crate::server::interaction::Mode;
use crate::server::mutant::Mutant;
use crate::server::rules::{check_rules, slot_taken};
use crate::server::shape::parse_shape;
use crate::server::state::AppState;
use crate::server::store::Write;
use crate::server::success::{Written, success};

pub(crate) async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let ctx = state.ctx(Mode::Create);
    let changes = check_rules(parse_shape(&body, None, &ctx)?, &ctx)?;
    let row = new_appointment(changes, &ctx)?;
    let id = row.id.clone();
    let guard = state.guard_double_booking();
    match state
        .with_store(move |store| Ok(store.insert(&row, guard)?))
        .await?
    {
        Write::Done => {}
        Write::SlotTaken => return Err(slot_taken()),
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
