//! `POST /Appointment`: validate, store as proposed (unconfirmed), answer 201 with the new
//! appointment's URL in `Location` and the body `null`.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::server::app::AppState;
use crate::server::extract::JsonBody;
use crate::server::input::{Mode, new_appointment, parse_changes};
use crate::server::mutant::Mutant;
use crate::server::outcome::ApiError;
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
    let location = format!("{}/Appointment/{id}", state.base_url(&headers));
    let status = if state.mutant == Some(Mutant::CreateAnswers200) {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let mut response = (status, Json(Value::Null)).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}
