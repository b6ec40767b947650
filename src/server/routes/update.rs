//! `PUT /Appointment/{id}`: validate the body, then change only what it names, in one
//! transaction with the status and double-booking rules; 200 with the body `null`.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::server::app::AppState;
use crate::server::extract::JsonBody;
use crate::server::input::{Ctx, Mode, apply_update, parse_changes};
use crate::server::mutant::Mutant;
use crate::server::outcome::ApiError;
use crate::server::routes::create::SLOT_TAKEN;
use crate::server::routes::read::{appointment_id, not_found};
use crate::server::store::Write;

pub(crate) async fn update(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let raw = path.as_ref().map(|p| p.0.clone()).unwrap_or_default();
    let changes = parse_changes(&body, Some(&raw), &state.ctx(Mode::Update))?;
    let write = match appointment_id(path) {
        None => Write::Missing,
        Some(id) => {
            let guard = state.guard_double_booking();
            let settings = state.settings.clone();
            let mutant = state.mutant;
            state
                .with_store(move |store| {
                    let ctx = Ctx {
                        settings: &settings,
                        mutant,
                        mode: Mode::Update,
                    };
                    store.update(&id, guard, |stored| apply_update(changes, stored, &ctx))
                })
                .await?
        }
    };
    match write {
        Write::Done => {}
        Write::SlotTaken => return Err(ApiError::rule("Appointment.start", SLOT_TAKEN)),
        Write::Missing if state.mutant == Some(Mutant::UpdateMissingAs200) => {}
        Write::Missing => return Err(not_found(&raw)),
    }
    if state.mutant == Some(Mutant::UpdateAnswers204) {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    Ok((StatusCode::OK, Json(Value::Null)).into_response())
}
