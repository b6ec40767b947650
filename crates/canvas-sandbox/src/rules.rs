//! The page's business rules (422) on a shape-checked body, and the rules an update checks
//! against the stored appointment (412, D8, D9). Nothing is written unless every rule passes;
//! the texts are the edition's own.

use super::domain::{Appointment, Changes, Reason};
use super::edition::TypeTexts;
use super::error::ApiError;
use super::interaction::Ctx;
use super::mutant::Mutant;
use super::settings::Coding;
use super::shape::{ReasonParts, Requested, Shape, TYPE_AT};
use super::status::CanvasStatus;

/// One minute in milliseconds (D32).
const MINUTE_MS: i64 = 60_000;

/// Applies the page's business rules (422) to a shape-checked body: the status an update may
/// set, the whole-minute length and a positive duration (current edition), the appointment type
/// and the reason for visit looked up in the instance's settings.
pub(crate) fn check_rules(shape: Shape, ctx: &Ctx<'_>) -> Result<Changes, ApiError> {
    let policy = ctx.policy;
    // In the order the rules look at them; the fields after `reason` pass through unchanged.
    let Shape {
        status,
        start_ms,
        end_ms,
        appointment_type: picked_type,
        reason: reason_parts,
        participants,
        location,
        meeting_link,
        identifiers,
        body_id,
    } = shape;
    let status = match status {
        Some(Requested::Status(requested))
            if !requested.settable() && !ctx.is(Mutant::UpdateAcceptsEnteredInError) =>
        {
            return Err(unsupported_status(requested.fhir_code()));
        }
        Some(Requested::Status(requested)) => Some(requested),
        Some(Requested::Waitlist) => return Err(unsupported_status("waitlist")),
        None => None,
    };
    // D32: Canvas keeps the length in whole minutes (CREATE-DURATION-MINUTES); a span under a
    // minute is then no positive duration.
    let end_ms = match (start_ms, end_ms) {
        (Some(start), Some(end))
            if policy.whole_minutes
                && end > start
                && !ctx.create_mutant(Mutant::DurationSecondsKept) =>
        {
            Some(start + (end - start) / MINUTE_MS * MINUTE_MS)
        }
        _ => end_ms,
    };
    if policy.positive_duration
        && let (Some(start), Some(end)) = (start_ms, end_ms)
        && end <= start
        && !ctx.create_mutant(Mutant::ZeroDurationAccepted)
    {
        return Err(ApiError::unprocessable(
            "Appointment.end",
            "The duration of the appointment must be greater than 0 minutes: end must be after start",
        ));
    }
    let appointment_type = match picked_type {
        Some(picked) => Some(resolve_type(picked?, ctx)?),
        None => None,
    };
    let reason = match reason_parts {
        Some(parts) => Some(resolve_reason(parts, ctx)?),
        None => None,
    };
    Ok(Changes {
        status,
        appointment_type,
        reason,
        meeting_link: meeting_link.filter(|_| !ctx.create_mutant(Mutant::TelehealthLinkIgnored)),
        location,
        start_ms,
        end_ms,
        participants,
        identifiers,
        body_id,
        if_unmodified_since: None,
    })
}

/// The rules an update checks against the stored appointment, in this order: 412 (D10), the
/// Other Event type (400), the fixed patient (D9, 422) and the cancelled status (D8, 422).
pub(crate) fn check_update(
    changes: &Changes,
    stored: &Appointment,
    ctx: &Ctx<'_>,
) -> Result<(), ApiError> {
    let policy = ctx.policy;
    if policy.if_unmodified_since
        && let Some(since) = changes.if_unmodified_since
        && stored.updated_ms.div_euclid(1000) > since
        && !ctx.is(Mutant::IfUnmodifiedSinceIgnored)
    {
        return Err(ApiError::PreconditionFailed);
    }
    let stored_type = ctx.settings.find_type(
        &stored.appointment_type.system,
        &stored.appointment_type.code,
    );
    if policy.event_type_required_on_update
        && changes.appointment_type.is_none()
        && stored_type.is_some_and(|t| t.other_event)
        && !ctx.is(Mutant::EventTypeOptional)
    {
        return Err(ApiError::bad(
            "Appointment.appointmentType",
            "an Other Event must send appointmentType on update to pass validation",
        ));
    }
    if let Some((_, Some(patient))) = &changes.participants
        && policy.patient_fixed_on_update
        && !ctx.is(Mutant::PatientChangeable)
        && stored.patient.as_deref() != Some(patient.as_str())
    {
        return Err(ApiError::rule(
            "Appointment.participant",
            "Cannot change patient for an existing appointment. Please cancel this appointment and create a new one for the new patient.",
        ));
    }
    if let Some(requested) = changes.status
        && stored.status == CanvasStatus::Cancelled
        && requested != CanvasStatus::Cancelled
        && !ctx.is(Mutant::CancelledReopenable)
    {
        return Err(match policy.type_texts {
            TypeTexts::Sept2023 => ApiError::rule(
                "Appointment.status",
                "Appointment Update Error: a cancelled appointment cannot change status",
            ),
            TypeTexts::Current => ApiError::unprocessable(
                "Appointment.status",
                "a cancelled appointment should not be updated to a different status",
            ),
        });
    }
    Ok(())
}

/// The page's double-booking message.
pub(crate) const SLOT_TAKEN: &str = "This appointment time is no longer available.";

/// The 422 for a practitioner's taken slot (double booking disallowed); the store finds it, in
/// the transaction of the write it refuses.
pub(crate) fn slot_taken() -> ApiError {
    ApiError::rule("Appointment.start", SLOT_TAKEN)
}

/// The rejection of `entered-in-error` or `waitlist` when update reaches the 422 phase
/// (2023-09; the current edition refuses them earlier with 400).
fn unsupported_status(code: &str) -> ApiError {
    ApiError::rule(
        "Appointment.status",
        format!("Appointment Update Error: status {code} is not supported"),
    )
}

fn resolve_reason(parts: ReasonParts, ctx: &Ctx<'_>) -> Result<Reason, ApiError> {
    const AT: &str = "Appointment.reasonCode[0].coding[0].code";
    let ReasonParts { code, text } = parts;
    let coding = match code {
        None => None,
        Some(code) => match ctx.settings.find_rfv(&code) {
            Some(_) if ctx.settings.rfv_count(&code) > 1 => {
                return Err(ApiError::unprocessable(
                    AT,
                    format!("structured reason for visit with code {code} is not unique"),
                ));
            }
            Some(coding) => Some(coding.clone()),
            None if ctx.create_mutant(Mutant::RfvUnknownCodeAccepted) => None,
            None => {
                return Err(ApiError::rule(
                    AT,
                    format!("structured reason for visit with code {code} does not exist"),
                ));
            }
        },
    };
    let text = if coding.is_some() && ctx.create_mutant(Mutant::RfvTextDropped) {
        None
    } else {
        text
    };
    Ok(Reason { coding, text })
}

/// Looks the type up (CREATE-TYPE-UNKNOWN) and checks it is scheduleable
/// (CREATE-TYPE-UNSCHEDULABLE), with the edition's texts.
fn resolve_type((system, code): (String, String), ctx: &Ctx<'_>) -> Result<Coding, ApiError> {
    let found = if ctx.create_mutant(Mutant::TypeAnySystemAccepted) {
        ctx.settings.find_type_by_code(&code)
    } else {
        ctx.settings.find_type(&system, &code)
    };
    let current_text = match ctx.policy.type_texts {
        TypeTexts::Sept2023 => ctx.create_mutant(Mutant::TypeUnknownWrongText),
        TypeTexts::Current => !ctx.create_mutant(Mutant::TypeUnknownOldText),
    };
    let Some(kind) = found else {
        let text = match (current_text, ctx.policy.type_texts) {
            (true, TypeTexts::Current) => {
                format!("Appointment Type does not exist with code: {code} and system: {system}")
            }
            (true, TypeTexts::Sept2023) => format!(
                "Appointment Create Error: Appointment Type does not exist with code: {code} and system: {system}"
            ),
            (false, _) => format!(
                "Appointment Create Error: Appointment Type does not exist with system: {system} and code: {code}"
            ),
        };
        return Err(ApiError::rule(TYPE_AT, text));
    };
    let skip_schedulable = if ctx.creating() {
        ctx.is(Mutant::TypeUnschedulableAccepted)
    } else {
        ctx.is(Mutant::UpdateAcceptsUnschedulable)
    };
    if !kind.scheduleable && !skip_schedulable {
        let text = match ctx.policy.type_texts {
            TypeTexts::Sept2023 => {
                "Appointment Create Error: Appointment type must be scheduleable".to_string()
            }
            TypeTexts::Current => format!("Note type: {} is not scheduleable", kind.display),
        };
        return Err(ApiError::rule(TYPE_AT, text));
    }
    Ok(kind.coding())
}
