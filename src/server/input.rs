//! FHIR Appointment JSON → validated changes, then → a stored row (create) or a changed row
//! (update). Checks run in a fixed order: every 400 (shape, references) before any 422 (the
//! page's business rules), so nothing is written unless the whole request is acceptable.

use serde_json::{Map, Value};

use super::fhir::MEETING_ENDPOINT_ID;
use super::instant::{InstantError, parse_instant};
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
}

/// The context every check needs.
pub(crate) struct Ctx<'a> {
    pub settings: &'a Settings,
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
    // ---- 400s: shape, types, references ----
    let Some(obj) = body.as_object() else {
        return Err(ApiError::bad(
            "Appointment",
            "the request body must be a JSON object",
        ));
    };
    match obj.get("resourceType") {
        Some(Value::String(kind)) if kind == "Appointment" => {}
        Some(Value::String(kind)) => {
            return Err(ApiError::bad(
                "Appointment.resourceType",
                format!("resourceType must be \"Appointment\", got {kind:?}"),
            ));
        }
        Some(_) => return Err(not_string("Appointment.resourceType")),
        None => {
            return Err(ApiError::bad(
                "Appointment.resourceType",
                "resourceType \"Appointment\" is required",
            ));
        }
    }
    if let (Some(expected), Some(id)) = (url_id, obj.get("id")) {
        let id = id.as_str().ok_or_else(|| not_string("Appointment.id"))?;
        if id != expected {
            return Err(ApiError::bad(
                "Appointment.id",
                format!("body id {id:?} does not match the id in the URL {expected:?}"),
            ));
        }
    }
    let status = parse_status(obj.get("status"), ctx)?;
    let start_ms = parse_time(obj, "start", ctx)?;
    let end_ms = parse_time(obj, "end", ctx)?;
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
        None if ctx.creating() => {
            return Err(ApiError::bad(
                "Appointment.participant",
                "participant is required, with one Practitioner/<id> actor",
            ));
        }
        None => None,
    };
    let (location, wants_endpoint) = parse_supporting(obj.get("supportingInformation"), ctx)?;
    let endpoint = parse_contained(obj.get("contained"))?;
    let meeting_link = match (wants_endpoint, endpoint) {
        (true, Some(address)) => Some(address),
        (true, None) => {
            return Err(ApiError::bad(
                "Appointment.contained",
                format!(
                    "supportingInformation references #{MEETING_ENDPOINT_ID} but contained has no Endpoint with id {MEETING_ENDPOINT_ID}"
                ),
            ));
        }
        (false, _) => None,
    };
    let reason_parts = parse_reason(obj, ctx)?;
    let type_codings = match obj.get("appointmentType") {
        Some(value) => Some(parse_type_shape(value)?),
        None => None,
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
    let appointment_type = match type_codings {
        Some(codings) => Some(resolve_type(codings, ctx)?),
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
    })
}

/// Builds a new appointment (status proposed, defaults filled in) from create changes.
pub(crate) fn new_appointment(changes: Changes, ctx: &Ctx<'_>) -> Result<Appointment, ApiError> {
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
    let (rfv_coding, rfv_text) = changes
        .reason
        .map_or((None, None), |reason| (reason.coding, reason.text));
    Ok(Appointment {
        id: uuid::Uuid::new_v4().to_string(),
        status: changes.status.unwrap_or(CanvasStatus::Unconfirmed),
        appointment_type,
        rfv_coding,
        rfv_text,
        meeting_link: changes.meeting_link,
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
        practitioner,
        patient,
        rescheduled_from: None,
        rescheduled_to: None,
    })
}

/// Applies update changes to the stored appointment (only fields present in the body change).
pub(crate) fn apply_update(
    changes: Changes,
    stored: Appointment,
    ctx: &Ctx<'_>,
) -> Result<Appointment, ApiError> {
    let mut row = stored;
    match changes.status {
        Some(requested) => {
            if row.status == CanvasStatus::Cancelled
                && requested != CanvasStatus::Cancelled
                && !ctx.is(Mutant::CancelledReopenable)
            {
                return Err(ApiError::rule(
                    "Appointment.status",
                    "Appointment Update Error: a cancelled appointment cannot change status",
                ));
            }
            row.status = requested;
        }
        None if ctx.is(Mutant::OmittedStatusResets) => row.status = CanvasStatus::Unconfirmed,
        None => {}
    }
    match changes.appointment_type {
        Some(kind) => row.appointment_type = kind,
        None if ctx.is(Mutant::UpdateOmittedTypeDefault) => {
            if let Some(kind) = ctx.settings.default_type() {
                row.appointment_type = kind.coding();
            }
        }
        None => {}
    }
    if let Some(reason) = changes.reason
        && !ctx.is(Mutant::UpdateRfvKept)
    {
        row.rfv_coding = reason.coding;
        row.rfv_text = reason.text;
    }
    if let Some(link) = changes.meeting_link
        && !ctx.is(Mutant::UpdateTelehealthIgnored)
    {
        row.meeting_link = Some(link);
    }
    if let Some(location) = changes.location {
        row.location = location;
    }
    if let Some(start_ms) = changes.start_ms {
        row.start_ms = start_ms;
    }
    if let Some(end_ms) = changes.end_ms {
        row.end_ms = end_ms;
    }
    if let Some((practitioner, patient)) = changes.participants {
        row.practitioner = practitioner;
        row.patient = patient;
    }
    Ok(row)
}

/// The settings' seeded appointments as stored rows (fresh Encounter ids where none is fixed).
pub(crate) fn seed_rows(settings: &Settings) -> Result<Vec<Appointment>, String> {
    check_seeds(settings, &settings.seed_appointments)?;
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
        rows.push(Appointment {
            id: seed.id.clone(),
            status,
            appointment_type: kind.coding(),
            rfv_coding: None,
            rfv_text: seed.reason.clone(),
            meeting_link: None,
            location: seed
                .location
                .clone()
                .unwrap_or_else(|| settings.default_location().to_string()),
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
        });
    }
    Ok(rows)
}

// ---- field parsers ----

fn not_string(expression: &str) -> ApiError {
    ApiError::bad(expression, format!("{expression} must be a string"))
}

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

/// Create ignores status (CREATE-STATUS-PROPOSED); update validates it.
fn parse_status(value: Option<&Value>, ctx: &Ctx<'_>) -> Result<Option<Requested>, ApiError> {
    let Some(value) = value else {
        return Ok(None);
    };
    if ctx.creating() {
        let kept = value
            .as_str()
            .and_then(CanvasStatus::from_fhir_code)
            .filter(|s| s.settable() && ctx.is(Mutant::CreateKeepsStatus));
        return Ok(kept.map(Requested::Status));
    }
    let code = value
        .as_str()
        .ok_or_else(|| not_string("Appointment.status"))?;
    if code == "checked-in" && ctx.is(Mutant::UpdateRejectsCheckedIn) {
        return Err(ApiError::bad(
            "Appointment.status",
            "unknown status \"checked-in\"",
        ));
    }
    match CanvasStatus::from_fhir_code(code) {
        Some(status) => Ok(Some(Requested::Status(status))),
        None if code == "waitlist" => Ok(Some(Requested::Waitlist)),
        None => Err(ApiError::bad(
            "Appointment.status",
            format!(
                "unknown status {code:?}; expected one of proposed, pending, booked, arrived, fulfilled, cancelled, noshow, checked-in"
            ),
        )),
    }
}

fn parse_time(
    obj: &Map<String, Value>,
    field: &str,
    ctx: &Ctx<'_>,
) -> Result<Option<i64>, ApiError> {
    let expression = format!("Appointment.{field}");
    let Some(value) = obj.get(field) else {
        if ctx.creating() {
            return Err(ApiError::bad(
                &expression,
                format!("{field} is required on create"),
            ));
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
            if id.is_empty() {
                CANVAS_BOT_ID.to_string()
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

/// Returns the Location id (if any) and whether the meeting Endpoint is referenced.
fn parse_supporting(
    value: Option<&Value>,
    ctx: &Ctx<'_>,
) -> Result<(Option<String>, bool), ApiError> {
    let Some(value) = value else {
        return Ok((None, false));
    };
    let items = value.as_array().ok_or_else(|| {
        ApiError::bad(
            "Appointment.supportingInformation",
            "supportingInformation must be an array",
        )
    })?;
    let mut location = None;
    let mut endpoint = false;
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
            if location.is_some() {
                return Err(ApiError::bad(
                    at,
                    "supportingInformation may name at most one Location",
                ));
            }
            if !ctx.settings.has_location(id) {
                return Err(ApiError::bad(at, format!("unknown location {id:?}")));
            }
            location = Some(id.to_string());
        } else if reference == format!("#{MEETING_ENDPOINT_ID}") {
            endpoint = true;
        }
    }
    Ok((location, endpoint))
}

/// The meeting address of the contained Endpoint `appointment-meeting-endpoint`, if any.
fn parse_contained(value: Option<&Value>) -> Result<Option<String>, ApiError> {
    let Some(value) = value else {
        return Ok(None);
    };
    let items = value
        .as_array()
        .ok_or_else(|| ApiError::bad("Appointment.contained", "contained must be an array"))?;
    for (i, item) in items.iter().enumerate() {
        let is_endpoint = item.get("resourceType").and_then(Value::as_str) == Some("Endpoint")
            && item.get("id").and_then(Value::as_str) == Some(MEETING_ENDPOINT_ID);
        if !is_endpoint {
            continue;
        }
        let at = format!("Appointment.contained[{i}].address");
        return match item.get("address").and_then(Value::as_str) {
            Some(address) if !address.trim().is_empty() => Ok(Some(address.to_string())),
            _ => Err(ApiError::bad(
                at,
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
    let ReasonParts { code, text } = parts;
    let coding = match code {
        None => None,
        Some(code) => match ctx.settings.find_rfv(&code) {
            Some(coding) => Some(coding.clone()),
            None if ctx.create_mutant(Mutant::RfvUnknownCodeAccepted) => None,
            None => {
                return Err(ApiError::rule(
                    "Appointment.reasonCode[0].coding[0].code",
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

fn resolve_type(codings: TypeCodings, ctx: &Ctx<'_>) -> Result<Coding, ApiError> {
    const AT: &str = "Appointment.appointmentType.coding";
    let codings = codings.0;
    let first = match codings.as_slice() {
        [one] => one,
        [first, _, ..] if ctx.create_mutant(Mutant::TypeManyCodingsAccepted) => first,
        _ => {
            return Err(ApiError::rule(
                AT,
                "Appointment Create Error: appointmentType must contain exactly one coding",
            ));
        }
    };
    let (system, code) = first;
    let system = system.as_deref().unwrap_or_default();
    let allowed = matches!(system, "http://snomed.info/sct" | "INTERNAL");
    if !allowed && !ctx.create_mutant(Mutant::TypeAnySystemAccepted) {
        return Err(ApiError::rule(
            AT,
            "Appointment Create Error: appointmentType coding system must be http://snomed.info/sct or INTERNAL",
        ));
    }
    let found = if ctx.create_mutant(Mutant::TypeAnySystemAccepted) {
        ctx.settings.find_type_by_code(code)
    } else {
        ctx.settings.find_type(system, code)
    };
    let Some(kind) = found else {
        let text = if ctx.create_mutant(Mutant::TypeUnknownWrongText) {
            format!(
                "Appointment Create Error: Appointment Type does not exist with code: {code} and system: {system}"
            )
        } else {
            format!(
                "Appointment Create Error: Appointment Type does not exist with system: {system} and code: {code}"
            )
        };
        return Err(ApiError::rule(AT, text));
    };
    let skip_schedulable = if ctx.creating() {
        ctx.is(Mutant::TypeUnschedulableAccepted)
    } else {
        ctx.is(Mutant::UpdateAcceptsUnschedulable)
    };
    if !kind.scheduleable && !skip_schedulable {
        return Err(ApiError::rule(
            AT,
            "Appointment Create Error: Appointment type must be scheduleable",
        ));
    }
    Ok(kind.coding())
}
