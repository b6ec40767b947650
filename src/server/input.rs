//! FHIR Appointment JSON → validated changes, then → a stored row (create) or a changed row
//! (update), under the served edition's [`Policy`]. Checks run in a fixed order: every 400
//! (shape, references) before any 422 (the page's business rules), so nothing is written unless
//! the whole request is acceptable.

use serde_json::{Map, Value};

use super::edition::{CreateStatus, Policy, TypeTexts};
use super::fhir::{MEETING_ENDPOINT_ID, MEETING_ENDPOINT_ID_0};
use super::identifier::{IdentifierInput, merge_identifiers, new_identifiers, parse_identifiers};
use super::instant::{InstantError, now_ms, parse_instant};
use super::mutant::Mutant;
use super::outcome::ApiError;
use super::settings::{CANVAS_BOT_ID, Coding, Settings, check_seeds};
use super::status::CanvasStatus;
use super::store::Appointment;

/// Which interaction a body belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Create,
    Update,
}

/// A reason for visit: an optional structured coding and an optional text (the comment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reason {
    pub coding: Option<Coding>,
    pub text: Option<String>,
}

/// What a request body asks for; `None` means "not in the body".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Changes {
    pub status: Option<CanvasStatus>,
    pub appointment_type: Option<Coding>,
    pub reason: Option<Reason>,
    pub meeting_link: Option<String>,
    pub location: Option<String>,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    /// (practitioner id, patient id)
    pub participants: Option<(String, Option<String>)>,
    /// `identifier[]` when sent (current edition, D14).
    pub identifiers: Option<Vec<IdentifierInput>>,
    /// The body's `id` (ignored on create, CREATE-ID-EXCLUDED; only a mutant reads it).
    pub body_id: Option<String>,
    /// `If-Unmodified-Since` of an update, in whole seconds since the epoch (D10).
    pub if_unmodified_since: Option<i64>,
}

/// The context every check needs.
pub(crate) struct Ctx<'a> {
    pub settings: &'a Settings,
    pub policy: &'static Policy,
    pub mutant: Option<Mutant>,
    pub mode: Mode,
}

impl Ctx<'_> {
    fn is(&self, mutant: Mutant) -> bool {
        self.mutant == Some(mutant)
    }

    fn creating(&self) -> bool {
        self.mode == Mode::Create
    }

    /// Whether a CREATE-* mutant bites here (they leave update alone: one behaviour each).
    fn create_mutant(&self, mutant: Mutant) -> bool {
        self.creating() && self.is(mutant)
    }
}

/// The raw, shape-checked appointmentType coding list, resolved against settings later.
struct TypeCodings(Vec<(Option<String>, String)>);

/// Parses and validates a create or update body. `url_id` is the id of the updated appointment.
pub(crate) fn parse_changes(
    body: &Value,
    url_id: Option<&str>,
    ctx: &Ctx<'_>,
) -> Result<Changes, ApiError> {
    let policy = ctx.policy;
    // ---- 400s: shape, types, references ----
    let unwrapped;
    let body = match body.get("resource") {
        Some(inner @ Value::Object(_))
            if body.get("resourceType").is_none() && ctx.is(Mutant::WrappedResourceAccepted) =>
        {
            unwrapped = inner.clone();
            &unwrapped
        }
        _ => body,
    };
    let Some(obj) = body.as_object() else {
        return Err(ApiError::bad(
            "Appointment",
            "the request body must be a JSON object",
        ));
    };
    if policy.nonempty_strings
        && !ctx.is(Mutant::EmptyStringsAccepted)
        && let Some(at) = empty_string(body, "Appointment")
    {
        return Err(ApiError::bad(
            at,
            "FHIR strings have at least one character; an empty string is not allowed",
        ));
    }
    match obj.get("resourceType") {
        Some(Value::String(kind)) if kind == "Appointment" => {}
        Some(Value::String(kind)) => {
            return Err(ApiError::bad(
                "Appointment.resourceType",
                format!("resourceType must be \"Appointment\", got {kind:?}"),
            ));
        }
        Some(_) => return Err(not_string("Appointment.resourceType")),
        None if obj.contains_key("resource") => {
            return Err(ApiError::bad(
                "Appointment",
                "the body must be the bare Appointment resource, not wrapped in {\"resource\": …}",
            ));
        }
        None => {
            return Err(ApiError::bad(
                "Appointment.resourceType",
                "resourceType \"Appointment\" is required",
            ));
        }
    }
    let body_id = match obj.get("id") {
        Some(Value::String(id)) => Some(id.clone()),
        // CREATE-ID-EXCLUDED: create ignores any body id; update needs a string.
        Some(_) if ctx.creating() => None,
        Some(_) => return Err(not_string("Appointment.id")),
        None => None,
    };
    if let (Some(expected), Some(id)) = (url_id, &body_id)
        && id != expected
        && !ctx.is(Mutant::UpdateIdMismatchAccepted)
    {
        let diagnostics = if policy.update_requires_all {
            "Logical Id in URL must match logical Id in resource".to_string()
        } else {
            format!("body id {id:?} does not match the id in the URL {expected:?}")
        };
        return Err(ApiError::bad("Appointment.id", diagnostics));
    }
    if obj.contains_key("extension") && ctx.create_mutant(Mutant::ExtensionRefused) {
        return Err(ApiError::bad(
            "Appointment.extension",
            "extension is not accepted",
        ));
    }
    let all_required = ctx.creating() || policy.update_requires_all;
    let status = parse_status(obj.get("status"), ctx)?;
    let relaxed = !ctx.creating() && ctx.is(Mutant::UpdateRequiredRelaxed);
    let start_ms = parse_time(obj, "start", all_required && !relaxed, ctx)?;
    let end_ms = parse_time(obj, "end", all_required && !relaxed, ctx)?;
    if let (Some(start), Some(end)) = (start_ms, end_ms)
        && end < start
        && ctx.create_mutant(Mutant::EndBeforeStartRejected)
    {
        return Err(ApiError::bad(
            "Appointment.end",
            "end must not be before start",
        ));
    }
    let participants = match obj.get("participant") {
        Some(value) => Some(parse_participants(value, ctx)?),
        None if all_required => {
            return Err(ApiError::bad(
                "Appointment.participant",
                "participant is required, with one Practitioner/<id> actor",
            ));
        }
        None => None,
    };
    let supporting = obj.get("supportingInformation");
    if supporting.is_none()
        && policy.strict_required
        && all_required
        && !ctx.create_mutant(Mutant::SupportingInformationOptional)
    {
        return Err(ApiError::bad(
            "Appointment.supportingInformation",
            "supportingInformation is required",
        ));
    }
    let (location, wanted_endpoint) = parse_supporting(supporting, ctx)?;
    let endpoint = parse_contained(obj.get("contained"), ctx)?;
    let meeting_link = match (wanted_endpoint, endpoint) {
        (Some(wanted), Some((id, address))) if wanted == id => Some(address),
        (Some(wanted), _) => {
            return Err(ApiError::bad(
                "Appointment.contained",
                format!(
                    "supportingInformation references #{wanted} but contained has no Endpoint with id {wanted}"
                ),
            ));
        }
        (None, _) => None,
    };
    let reason_parts = parse_reason(obj, ctx)?;
    let type_codings = match obj.get("appointmentType") {
        Some(value) => Some(parse_type_shape(value)?),
        None => None,
    };
    // The coding-count and system rules: 400 in the current edition (D1), 422 in 2023-09.
    let picked_type = type_codings.map(|codings| pick_type(codings, ctx));
    let picked_type = match picked_type {
        Some(Err(err)) if policy.shape_errors_are_400 => return Err(err),
        other => other,
    };
    let identifiers = match obj.get("identifier") {
        Some(value) if policy.identifiers => Some(parse_identifiers(value)?),
        _ => None,
    };

    // ---- 422s: the page's business rules ----
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

/// Applies update changes to the stored appointment (only fields present in the body change),
/// after the rules that need the stored appointment: 412 (D10), the Other Event type (400),
/// the fixed patient (D9) and the cancelled status (D8).
pub(crate) fn apply_update(
    changes: Changes,
    stored: Appointment,
    ctx: &Ctx<'_>,
) -> Result<Appointment, ApiError> {
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
    let mut row = stored;
    if let Some((practitioner, patient)) = changes.participants {
        row.practitioner = practitioner;
        if !policy.patient_fixed_on_update || ctx.is(Mutant::PatientChangeable) {
            row.patient = patient;
        } else if let Some(patient) = patient
            && row.patient.as_deref() != Some(patient.as_str())
        {
            return Err(ApiError::rule(
                "Appointment.participant",
                "Cannot change patient for an existing appointment. Please cancel this appointment and create a new one for the new patient.",
            ));
        }
    }
    match changes.status {
        Some(requested) => {
            if row.status == CanvasStatus::Cancelled
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
            row.status = requested;
        }
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
    Ok(row)
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

// ---- field parsers ----

fn not_string(expression: &str) -> ApiError {
    ApiError::bad(expression, format!("{expression} must be a string"))
}

/// The path of the first empty string in `value`, if any (REQ-NONEMPTY-STRINGS).
fn empty_string(value: &Value, at: &str) -> Option<String> {
    match value {
        Value::String(text) if text.is_empty() => Some(at.to_string()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| empty_string(item, &format!("{at}[{i}]"))),
        Value::Object(fields) => fields
            .iter()
            .find_map(|(key, item)| empty_string(item, &format!("{at}.{key}"))),
        _ => None,
    }
}

/// The rejection of `entered-in-error` or `waitlist` when update reaches the 422 phase
/// (2023-09; the current edition refuses them earlier with 400).
fn unsupported_status(code: &str) -> ApiError {
    ApiError::rule(
        "Appointment.status",
        format!("Appointment Update Error: status {code} is not supported"),
    )
}

/// A status an update asks for, before the business rules look at it.
enum Requested {
    Status(CanvasStatus),
    Waitlist,
}

const CREATABLE: &str =
    "proposed, pending, booked, arrived, checked-in, fulfilled, noshow, cancelled";

/// The status of a body, under the edition's rules (CREATE-STATUS-PROPOSED or
/// CREATE-STATUS-VALUES; UPDATE-STATUS-SET, UPDATE-STATUS-UNSUPPORTED, UPDATE-REQUIRED).
fn parse_status(value: Option<&Value>, ctx: &Ctx<'_>) -> Result<Option<Requested>, ApiError> {
    let policy = ctx.policy;
    let required = match ctx.mode {
        Mode::Create => policy.create_status == CreateStatus::Required,
        Mode::Update => policy.update_requires_all,
    };
    let Some(value) = value else {
        if required {
            return Err(ApiError::bad(
                "Appointment.status",
                format!("status is required; expected one of {CREATABLE}"),
            ));
        }
        return Ok(None);
    };
    if ctx.creating() && policy.create_status == CreateStatus::AlwaysProposed {
        let kept = value
            .as_str()
            .and_then(CanvasStatus::from_fhir_code)
            .filter(|s| s.settable() && ctx.is(Mutant::CreateKeepsStatus));
        return Ok(kept.map(Requested::Status));
    }
    let code = value
        .as_str()
        .ok_or_else(|| not_string("Appointment.status"))?;
    if code == "checked-in" && ctx.is(Mutant::UpdateRejectsCheckedIn) && !ctx.creating() {
        return Err(ApiError::bad(
            "Appointment.status",
            "unknown status \"checked-in\"",
        ));
    }
    let unsupported = |code: &str| {
        ApiError::bad(
            "Appointment.status",
            format!("status {code:?} cannot be set; expected one of {CREATABLE}"),
        )
    };
    match CanvasStatus::from_fhir_code(code) {
        Some(status) if !status.settable() && policy.shape_errors_are_400 => {
            if ctx.is(Mutant::UpdateAcceptsEnteredInError) && !ctx.creating() {
                return Ok(Some(Requested::Status(status)));
            }
            Err(unsupported(code))
        }
        Some(_) if ctx.create_mutant(Mutant::CreateStatusProposed) => {
            Ok(Some(Requested::Status(CanvasStatus::Unconfirmed)))
        }
        Some(status) => Ok(Some(Requested::Status(status))),
        None if code == "waitlist" && policy.shape_errors_are_400 => Err(unsupported(code)),
        None if code == "waitlist" => Ok(Some(Requested::Waitlist)),
        None => Err(ApiError::bad(
            "Appointment.status",
            format!("unknown status {code:?}; expected one of {CREATABLE}"),
        )),
    }
}

fn parse_time(
    obj: &Map<String, Value>,
    field: &str,
    required: bool,
    ctx: &Ctx<'_>,
) -> Result<Option<i64>, ApiError> {
    let expression = format!("Appointment.{field}");
    let Some(value) = obj.get(field) else {
        if required {
            return Err(ApiError::bad(&expression, format!("{field} is required")));
        }
        return Ok(None);
    };
    let text = value.as_str().ok_or_else(|| not_string(&expression))?;
    if ctx.create_mutant(Mutant::StartWithoutSecondsRejected) && text.get(16..17) != Some(":") {
        return Err(ApiError::bad(
            &expression,
            format!("{field} {text:?}: {}", InstantError::Shape),
        ));
    }
    parse_instant(text)
        .map(Some)
        .map_err(|err| ApiError::bad(&expression, format!("{field} {text:?}: {err}")))
}

fn parse_participants(value: &Value, ctx: &Ctx<'_>) -> Result<(String, Option<String>), ApiError> {
    let policy = ctx.policy;
    let items = value
        .as_array()
        .ok_or_else(|| ApiError::bad("Appointment.participant", "participant must be an array"))?;
    let mut practitioners = Vec::new();
    let mut patients = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = format!("Appointment.participant[{i}].actor.reference");
        let reference = item
            .get("actor")
            .and_then(|actor| actor.get("reference"))
            .ok_or_else(|| ApiError::bad(&at, format!("participant[{i}] needs actor.reference")))?
            .as_str()
            .ok_or_else(|| not_string(&at))?;
        if policy.participant_status_accepted && !ctx.create_mutant(Mutant::ParticipantStatusAny) {
            let status_at = format!("Appointment.participant[{i}].status");
            match item.get("status") {
                Some(Value::String(status)) if status == "accepted" => {}
                Some(Value::String(status)) => {
                    return Err(ApiError::bad(
                        status_at,
                        format!(
                            "participant[{i}].status {status:?} is not allowed; expected accepted"
                        ),
                    ));
                }
                Some(_) => return Err(not_string(&status_at)),
                None => {
                    return Err(ApiError::bad(
                        status_at,
                        format!("participant[{i}].status is required (accepted)"),
                    ));
                }
            }
        }
        if ctx.create_mutant(Mutant::ParticipantByPosition) {
            let id = reference.split_once('/').map_or(reference, |(_, id)| id);
            if i == 0 {
                practitioners.push((at, id.to_string()));
            } else {
                patients.push((at, id.to_string()));
            }
        } else if let Some(id) = reference.strip_prefix("Practitioner/") {
            practitioners.push((at, id.to_string()));
        } else if let Some(id) = reference.strip_prefix("Patient/") {
            patients.push((at, id.to_string()));
        } else {
            return Err(ApiError::bad(
                at,
                format!(
                    "participant[{i}] reference {reference:?} must be Practitioner/<id> or Patient/<id>"
                ),
            ));
        }
    }
    let practitioner = match practitioners.as_slice() {
        [(at, id)] => {
            if id.is_empty() && policy.blank_practitioner_is_bot {
                CANVAS_BOT_ID.to_string()
            } else if id.is_empty() {
                return Err(ApiError::bad(
                    at,
                    "the Practitioner/<id> reference needs an id",
                ));
            } else if ctx.settings.has_practitioner(id) {
                id.clone()
            } else {
                return Err(ApiError::bad(at, format!("unknown practitioner {id:?}")));
            }
        }
        [] => {
            return Err(ApiError::bad(
                "Appointment.participant",
                "participant must include one Practitioner/<id> actor",
            ));
        }
        [_, (at, _), ..] => {
            return Err(ApiError::bad(
                at,
                "participant must include exactly one Practitioner/<id> actor",
            ));
        }
    };
    let patient = match patients.as_slice() {
        [] => None,
        [(at, id)] => {
            if !ctx.settings.has_patient(id) {
                return Err(ApiError::bad(at, format!("unknown patient {id:?}")));
            }
            Some(id.clone())
        }
        [_, (at, _), ..] => {
            return Err(ApiError::bad(
                at,
                "participant may include at most one Patient/<id> actor",
            ));
        }
    };
    Ok((practitioner, patient))
}

/// Returns the canonical Location id (if any) and the contained id a `#…` reference names.
fn parse_supporting(
    value: Option<&Value>,
    ctx: &Ctx<'_>,
) -> Result<(Option<String>, Option<String>), ApiError> {
    let Some(value) = value else {
        return Ok((None, None));
    };
    let items = value.as_array().ok_or_else(|| {
        ApiError::bad(
            "Appointment.supportingInformation",
            "supportingInformation must be an array",
        )
    })?;
    let mut location = None;
    let mut endpoint = None;
    for (i, item) in items.iter().enumerate() {
        let at = format!("Appointment.supportingInformation[{i}].reference");
        let reference = item
            .get("reference")
            .ok_or_else(|| {
                ApiError::bad(&at, format!("supportingInformation[{i}] needs a reference"))
            })?
            .as_str()
            .ok_or_else(|| not_string(&at))?;
        if let Some(id) = reference.strip_prefix("Location/") {
            let canonical = ctx
                .settings
                .location_id(id)
                .filter(|canonical| *canonical == id || !ctx.is(Mutant::LegacyLocationRefused))
                .ok_or_else(|| ApiError::bad(&at, format!("unknown location {id:?}")))?;
            // the same location named twice (or by its legacy id) is still one location
            if location.as_deref().is_some_and(|known| known != canonical) {
                return Err(ApiError::bad(
                    at,
                    "supportingInformation may name at most one Location",
                ));
            }
            location = Some(canonical.to_string());
        } else if let Some(local) = reference.strip_prefix('#') {
            let known = local == MEETING_ENDPOINT_ID || local == MEETING_ENDPOINT_ID_0;
            if !known && ctx.policy.strict_contained {
                return Err(ApiError::bad(
                    at,
                    format!(
                        "#{local} is not a meeting Endpoint; expected #{MEETING_ENDPOINT_ID_0} or #{MEETING_ENDPOINT_ID}"
                    ),
                ));
            }
            if known {
                if endpoint.as_deref().is_some_and(|named| named != local) {
                    return Err(ApiError::bad(
                        at,
                        "supportingInformation may name at most one meeting Endpoint",
                    ));
                }
                endpoint = Some(local.to_string());
            }
        }
    }
    Ok((location, endpoint))
}

/// The (id, address) of the contained meeting Endpoint, if any. Both ids are accepted (D5); the
/// current edition also refuses another id, a missing field, or more than one contained
/// resource (CREATE-TELEHEALTH, D26).
fn parse_contained(
    value: Option<&Value>,
    ctx: &Ctx<'_>,
) -> Result<Option<(String, String)>, ApiError> {
    let Some(value) = value else {
        return Ok(None);
    };
    let items = value
        .as_array()
        .ok_or_else(|| ApiError::bad("Appointment.contained", "contained must be an array"))?;
    let strict = ctx.policy.strict_contained;
    if strict && items.len() > 1 {
        return Err(ApiError::bad(
            "Appointment.contained[1]",
            "contained may hold exactly one resource, the meeting Endpoint",
        ));
    }
    for (i, item) in items.iter().enumerate() {
        let at = format!("Appointment.contained[{i}]");
        let kind = item.get("resourceType").and_then(Value::as_str);
        let id = item.get("id").and_then(Value::as_str);
        let is_meeting_id = matches!(id, Some(MEETING_ENDPOINT_ID | MEETING_ENDPOINT_ID_0));
        if strict {
            if kind != Some("Endpoint") {
                return Err(ApiError::bad(
                    format!("{at}.resourceType"),
                    "the contained resource must have resourceType Endpoint",
                ));
            }
            if !is_meeting_id {
                return Err(ApiError::bad(
                    format!("{at}.id"),
                    format!(
                        "the contained Endpoint's id must be {MEETING_ENDPOINT_ID_0} or {MEETING_ENDPOINT_ID}"
                    ),
                ));
            }
        } else if kind != Some("Endpoint") || !is_meeting_id {
            continue;
        }
        let id = id.unwrap_or(MEETING_ENDPOINT_ID).to_string();
        return match item.get("address").and_then(Value::as_str) {
            Some(address) if !address.trim().is_empty() => Ok(Some((id, address.to_string()))),
            _ => Err(ApiError::bad(
                format!("{at}.address"),
                "the meeting Endpoint needs a non-empty string address",
            )),
        };
    }
    Ok(None)
}

/// A reason for visit as sent, before its structured code is looked up.
struct ReasonParts {
    code: Option<String>,
    text: Option<String>,
}

/// Returns the reason when reasonCode or description is in the body.
fn parse_reason(obj: &Map<String, Value>, ctx: &Ctx<'_>) -> Result<Option<ReasonParts>, ApiError> {
    let description = match obj.get("description") {
        Some(value) => Some(
            value
                .as_str()
                .ok_or_else(|| not_string("Appointment.description"))?
                .to_string(),
        ),
        None => None,
    };
    let Some(value) = obj.get("reasonCode") else {
        return Ok(description.map(|text| ReasonParts {
            code: None,
            text: Some(text),
        }));
    };
    let items = value.as_array().ok_or_else(|| {
        ApiError::bad(
            "Appointment.reasonCode",
            "reasonCode must be an array of CodeableConcept (the page's example sends a JSON-encoded string)",
        )
    })?;
    let chosen = if ctx.create_mutant(Mutant::RfvUsesLast) {
        items.len().checked_sub(1)
    } else if items.is_empty() {
        None
    } else {
        Some(0)
    };
    let Some(index) = chosen else {
        return Ok(Some(ReasonParts {
            code: None,
            text: description,
        }));
    };
    let item = &items[index];
    let at = format!("Appointment.reasonCode[{index}]");
    let concept = item
        .as_object()
        .ok_or_else(|| ApiError::bad(&at, format!("{at} must be an object")))?;
    let code = match concept.get("coding") {
        None => None,
        Some(coding) => {
            let codings = coding.as_array().ok_or_else(|| {
                ApiError::bad(
                    format!("{at}.coding"),
                    format!("{at}.coding must be an array"),
                )
            })?;
            match codings.first() {
                None => None,
                Some(first) => {
                    let code_at = format!("{at}.coding[0].code");
                    let code = first
                        .get("code")
                        .ok_or_else(|| ApiError::bad(&code_at, format!("{code_at} is required")))?
                        .as_str()
                        .ok_or_else(|| not_string(&code_at))?;
                    Some(code.to_string())
                }
            }
        }
    };
    let text = match concept.get("text") {
        Some(text) => Some(
            text.as_str()
                .ok_or_else(|| not_string(&format!("{at}.text")))?
                .to_string(),
        ),
        None => None,
    };
    Ok(Some(ReasonParts {
        code,
        text: text.or(description),
    }))
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

fn parse_type_shape(value: &Value) -> Result<TypeCodings, ApiError> {
    let obj = value.as_object().ok_or_else(|| {
        ApiError::bad(
            "Appointment.appointmentType",
            "appointmentType must be a CodeableConcept object",
        )
    })?;
    let Some(coding) = obj.get("coding") else {
        return Ok(TypeCodings(Vec::new()));
    };
    let items = coding.as_array().ok_or_else(|| {
        ApiError::bad(
            "Appointment.appointmentType.coding",
            "appointmentType.coding must be an array",
        )
    })?;
    let mut codings = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = format!("Appointment.appointmentType.coding[{i}]");
        let item = item
            .as_object()
            .ok_or_else(|| ApiError::bad(&at, format!("{at} must be an object")))?;
        let system = match item.get("system") {
            Some(system) => Some(
                system
                    .as_str()
                    .ok_or_else(|| not_string(&format!("{at}.system")))?
                    .to_string(),
            ),
            None => None,
        };
        let code = item
            .get("code")
            .ok_or_else(|| ApiError::bad(format!("{at}.code"), format!("{at}.code is required")))?
            .as_str()
            .ok_or_else(|| not_string(&format!("{at}.code")))?;
        codings.push((system, code.to_string()));
    }
    Ok(TypeCodings(codings))
}

const TYPE_AT: &str = "Appointment.appointmentType.coding";

/// The one (system, code) of an appointmentType, after the coding-count and system rules
/// (CREATE-TYPE-ONE-CODING, CREATE-TYPE-SYSTEM): 400 in the current edition, 422 in 2023-09.
fn pick_type(codings: TypeCodings, ctx: &Ctx<'_>) -> Result<(String, String), ApiError> {
    let refuse = |text: &str| {
        if ctx.policy.shape_errors_are_400 {
            ApiError::bad(TYPE_AT, text)
        } else {
            ApiError::rule(TYPE_AT, format!("Appointment Create Error: {text}"))
        }
    };
    let codings = codings.0;
    let first = match codings.as_slice() {
        [one] => one,
        [first, _, ..] if ctx.create_mutant(Mutant::TypeManyCodingsAccepted) => first,
        _ => return Err(refuse("appointmentType must contain exactly one coding")),
    };
    let (system, code) = first;
    let system = system.as_deref().unwrap_or_default();
    let allowed = matches!(system, "http://snomed.info/sct" | "INTERNAL");
    if !allowed && !ctx.create_mutant(Mutant::TypeAnySystemAccepted) {
        return Err(refuse(
            "appointmentType coding system must be http://snomed.info/sct or INTERNAL",
        ));
    }
    Ok((system.to_string(), code.clone()))
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
