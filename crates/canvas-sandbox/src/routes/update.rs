//! `PUT /Appointment/{id}`: validate the body, then change only what it names, in one
//! transaction with the precondition (D10), patient, status and double-booking rules; 200 with
//! the edition's success body (D6). A patient token may change only its patient's appointments,
//! and may not name another patient (403, D29).

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::build::apply_update;
use crate::error::ApiError;
use crate::extract::{JsonBody, TokenPatient, appointment_id};
use crate::interaction::{Ctx, Mode};
use crate::mutant::Mutant;
use crate::rules::{check_rules, check_update, slot_taken};
use crate::shape::parse_shape;
use crate::state::AppState;
use crate::store::Write;
use crate::success::{Written, success};

/// `If-Unmodified-Since` as whole seconds since the epoch; an absent or invalid HTTP date is
/// ignored (RFC 9110 §13.1.4).
fn if_unmodified_since(headers: &HeaderMap) -> Option<i64> {
    let text = headers.get(header::IF_UNMODIFIED_SINCE)?.to_str().ok()?;
    let time = httpdate::parse_http_date(text.trim()).ok()?;
    let secs = time.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    i64::try_from(secs).ok()
}

pub(crate) async fn update(
    State(state): State<AppState>,
    TokenPatient(token_patient): TokenPatient,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let raw = path.as_ref().map(|p| p.0.clone()).unwrap_or_default();
    let ctx = state.ctx(Mode::Update);
    let mut changes = check_rules(parse_shape(&body, Some(&raw), &ctx)?, &ctx)?;
    changes.if_unmodified_since = if_unmodified_since(&headers);
    let write = match appointment_id(path) {
        None => Write::Missing,
        Some(id) => {
            let guard = state.guard_double_booking();
            let settings = state.settings.clone();
            let policy = state.policy();
            let mutant = state.mutant;
            state
                .with_store(move |store| {
                    let ctx = Ctx {
                        settings: &settings,
                        policy,
                        mutant,
                        mode: Mode::Update,
                    };
                    store.update(&id, guard, |stored| {
                        if let Some(patient) = &token_patient {
                            let named = changes.participants.as_ref().and_then(|(_, p)| p.as_ref());
                            if stored.patient.as_ref() != Some(patient)
                                || named.is_some_and(|named| named != patient)
                            {
                                return Err(ApiError::OtherPatient);
                            }
                        }
                        check_update(&changes, &stored, &ctx)?;
                        Ok::<_, ApiError>(apply_update(changes, stored, &ctx))
                    })
                })
                .await?
        }
    };
    match write {
        Write::Done => {}
        Write::SlotTaken => return Err(slot_taken()),
        Write::Missing if state.mutant == Some(Mutant::UpdateMissingAs200) => {}
        Write::Missing => return Err(ApiError::unknown("Appointment", &raw)),
    }
    if state.mutant == Some(Mutant::UpdateAnswers204) {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    Ok(success(
        state.policy(),
        Written::Updated,
        StatusCode::OK,
        &state.base_url(&headers),
        &raw,
    ))
}
