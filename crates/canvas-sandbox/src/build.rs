//! Domain rows from validated changes: a new appointment on create (the edition's defaults
//! filled in), the stored one changed by an update, and the settings' seeded appointments.

use super::domain::{Appointment, Changes};
use super::error::ApiError;
use super::identifier::{merge_identifiers, new_identifiers};
use super::instant::{now_ms, parse_instant};
use super::interaction::Ctx;
use super::mutant::Mutant;
use super::settings::{Settings, check_seeds};
use super::status::CanvasStatus;

/// Builds a new appointment (defaults filled in) from create changes.
pub(crate) fn new_appointment(changes: Changes, ctx: &Ctx<'_>) -> Result<Appointment, ApiError> {
    let policy = ctx.policy;
    let appointment_type = match changes.appointment_type {
        Some(kind) => kind,
        None => {
            let fallback = if ctx.is(Mutant::CreateDefaultTypeWrong) {
                ctx.settings.appointment_types.last()
            } else {
                ctx.settings.default_type()
            };
            fallback
                .ok_or_else(|| {
                    ApiError::Internal("the settings have no default appointment type".into())
                })?
                .coding()
        }
    };
    let (Some(start_ms), Some(end_ms), Some((practitioner, patient))) =
        (changes.start_ms, changes.end_ms, changes.participants)
    else {
        return Err(ApiError::Internal(
            "create changes lack start, end or participant".into(),
        ));
    };
    let configured = ctx
        .settings
        .find_type(&appointment_type.system, &appointment_type.code);
    if patient.is_none()
        && configured.is_some_and(|t| t.other_event)
        && ctx.is(Mutant::EventNeedsPatient)
    {
        return Err(ApiError::bad(
            "Appointment.participant",
            "participant must include one Patient/<id> actor",
        ));
    }
    let (rfv_coding, mut rfv_text) = changes
        .reason
        .map_or((None, None), |reason| (reason.coding, reason.text));
    if rfv_coding.is_none() && rfv_text.is_none() && !ctx.is(Mutant::RfvDefaultMissing) {
        rfv_text = policy.default_reason_text.map(str::to_string);
    }
    let meeting_link = changes.meeting_link.or_else(|| {
        let telehealth = configured.is_some_and(|t| t.telehealth);
        (policy.telehealth_room_default && telehealth && !ctx.is(Mutant::TelehealthRoomMissing))
            .then(|| {
                ctx.settings
                    .practitioner(&practitioner)
                    .and_then(|p| p.meeting_room.clone())
            })
            .flatten()
    });
    let id = match changes.body_id {
        Some(id) if ctx.is(Mutant::CreateKeepsBodyId) && uuid::Uuid::try_parse(&id).is_ok() => id,
        _ => uuid::Uuid::new_v4().to_string(),
    };
    let identifiers = changes
        .identifiers
        .map(|items| new_identifiers(items, ctx.is(Mutant::IdentifierUseMissing)))
        .unwrap_or_default();
    Ok(Appointment {
        id,
        status: changes.status.unwrap_or(CanvasStatus::Unconfirmed),
        appointment_type,
        rfv_coding,
        rfv_text,
        meeting_link,
        location: changes.location.unwrap_or_else(|| {
            if ctx.is(Mutant::LocationOmittedNotDefault) {
                "0".to_string()
            } else {
                ctx.settings.default_location().to_string()
            }
        }),
        encounter: uuid::Uuid::new_v4().to_string(),
        start_ms,
        end_ms,
        note_id: (policy.note_extension && patient.is_some())
            .then(|| uuid::Uuid::new_v4().to_string()),
        practitioner,
        patient,
        rescheduled_from: None,
        rescheduled_to: None,
        identifiers,
        coscheduled: Vec::new(),
        updated_ms: now_ms(),
    })
}

/// Applies update changes to the stored appointment: only fields present in the body change
/// (after `check_update` in `rules.rs` passed).
pub(crate) fn apply_update(changes: Changes, stored: Appointment, ctx: &Ctx<'_>) -> Appointment {
    let policy = ctx.policy;
    let mut row = stored;
    if let Some((practitioner, patient)) = changes.participants {
        row.practitioner = practitioner;
        if !policy.patient_fixed_on_update || ctx.is(Mutant::PatientChangeable) {
            row.patient = patient;
        }
    }
    match changes.status {
        Some(requested) => row.status = requested,
        None if ctx.is(Mutant::OmittedStatusResets) => row.status = CanvasStatus::Unconfirmed,
        None => {}
    }
    match changes.appointment_type {
        Some(kind) => row.appointment_type = kind,
        None if ctx.is(Mutant::UpdateOmittedTypeDefault)
            || ctx.is(Mutant::UpdateOmittedTypeReset) =>
        {
            if let Some(kind) = ctx.settings.default_type() {
                row.appointment_type = kind.coding();
            }
        }
        None => {}
    }
    match changes.reason {
        Some(reason) if !ctx.is(Mutant::UpdateRfvKept) => {
            row.rfv_coding = reason.coding;
            row.rfv_text = reason.text;
        }
        Some(_) => {}
        None if ctx.is(Mutant::UpdateOmittedRfvCleared) => {
            row.rfv_coding = None;
            row.rfv_text = None;
        }
        None => {}
    }
    match changes.meeting_link {
        Some(link) if !ctx.is(Mutant::UpdateTelehealthIgnored) => row.meeting_link = Some(link),
        Some(_) => {}
        None if ctx.is(Mutant::UpdateDropsMeetingLink) => row.meeting_link = None,
        None => {}
    }
    if let Some(location) = changes.location {
        row.location = location;
    }
    if let Some(start_ms) = changes.start_ms {
        if start_ms != row.start_ms && ctx.is(Mutant::UpdateAddsRescheduleLink) {
            row.rescheduled_from = Some(row.id.clone());
        }
        row.start_ms = start_ms;
    }
    if let Some(end_ms) = changes.end_ms {
        row.end_ms = end_ms;
    }
    if let Some(sent) = changes.identifiers {
        row.identifiers = merge_identifiers(
            sent,
            std::mem::take(&mut row.identifiers),
            ctx.is(Mutant::IdentifiersAllReplaced),
        );
    }
    row.updated_ms = now_ms();
    row
}

/// The settings' seeded appointments as stored rows (fresh Encounter and note ids where none is
/// fixed; note ids only for appointments with a patient).
pub(crate) fn seed_rows(settings: &Settings) -> Result<Vec<Appointment>, String> {
    check_seeds(settings, &settings.seed_appointments)?;
    let policy = settings.edition.policy();
    let now = now_ms();
    let mut rows = Vec::new();
    for seed in &settings.seed_appointments {
        let kind = settings
            .appointment_types
            .iter()
            .find(|t| t.code == seed.appointment_type)
            .ok_or_else(|| format!("unknown appointment type {}", seed.appointment_type))?;
        let status = CanvasStatus::from_canvas_name(&seed.status)
            .ok_or_else(|| format!("unknown status {}", seed.status))?;
        let time = |text: &str| parse_instant(text).map_err(|e| format!("{text}: {e}"));
        let location = match &seed.location {
            Some(id) => settings
                .location_id(id)
                .ok_or_else(|| format!("unknown location {id}"))?
                .to_string(),
            None => settings.default_location().to_string(),
        };
        let note_id = seed.note_id.clone().or_else(|| {
            (policy.note_extension && seed.patient.is_some())
                .then(|| uuid::Uuid::new_v4().to_string())
        });
        rows.push(Appointment {
            id: seed.id.clone(),
            status,
            appointment_type: kind.coding(),
            rfv_coding: None,
            rfv_text: seed.reason.clone(),
            meeting_link: None,
            location,
            encounter: seed
                .encounter
                .clone()
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
            start_ms: time(&seed.start)?,
            end_ms: time(&seed.end)?,
            practitioner: seed.practitioner.clone(),
            patient: seed.patient.clone(),
            rescheduled_from: seed.rescheduled_from.clone(),
            rescheduled_to: seed.rescheduled_to.clone(),
            note_id,
            identifiers: seed.identifiers.clone(),
            coscheduled: seed.coscheduled.clone(),
            updated_ms: now,
        });
    }
    Ok(rows)
}
