//! `POST /Appointment`: validate under the edition's rules, store, answer 201 with the new
//! appointment's URL in `Location` and the edition's success body (D6); a patient token may book
//! only for its patient (403 otherwise, D29).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use crate::build::new_appointment;
use crate::error::ApiError;
use crate::extract::{JsonBody, TokenPatient};
use crate::interaction::Mode;
use crate::mutant::Mutant;
use crate::rules::{check_rules, slot_taken};
use crate::shape::parse_shape;
use crate::state::AppState;
use crate::store::Write;
use crate::success::{Written, success};

pub(crate) async fn create(
    State(state): State<AppState>,
    TokenPatient(token_patient): TokenPatient,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let ctx = state.ctx(Mode::Create);
    let changes = check_rules(parse_shape(&body, None, &ctx)?, &ctx)?;
    if let Some(patient) = &token_patient {
        let booked = changes.participants.as_ref().and_then(|(_, p)| p.as_ref());
        if booked != Some(patient) {
            return Err(ApiError::OtherPatient);
        }
    }
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
