//! Shape parsing of a create or update body (FHIR Appointment JSON), under the served edition's
//! [`Policy`](super::edition::Policy): every 400 (shape, types, references to the instance's
//! practitioners, patients and locations), checked in a fixed order before any business rule.

use serde_json::{Map, Value};

use super::domain::{MEETING_ENDPOINT_ID, MEETING_ENDPOINT_ID_0};
use super::edition::CreateStatus;
use super::error::ApiError;
use super::identifier::{IdentifierInput, parse_identifiers};
use super::instant::{InstantError, parse_instant};
use super::interaction::{Ctx, Mode};
use super::mutant::Mutant;
use super::settings::CANVAS_BOT_ID;
use super::status::CanvasStatus;

/// A body that passed every shape check (400), before the page's business rules (422).
pub(crate) struct Shape {
    pub status: Option<Requested>,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    /// (practitioner id, patient id)
    pub participants: Option<(String, Option<String>)>,
    /// The canonical Location id.
    pub location: Option<String>,
    /// The contained meeting Endpoint's address that `supportingInformation` names.
    pub meeting_link: Option<String>,
    pub reason: Option<ReasonParts>,
    /// The one (system, code) of appointmentType, or the 2023-09 edition's refusal of its
    /// coding-count or system rule, a 422 that waits for the business rules' turn.
    pub appointment_type: Option<Result<(String, String), ApiError>>,
    /// `identifier[]` when sent (current edition, D14).
    pub identifiers: Option<Vec<IdentifierInput>>,
    /// The body's `id` (ignored on create, CREATE-ID-EXCLUDED; only a mutant reads it).
    pub body_id: Option<String>,
}

/// A status an update asks for, before the business rules look at it.
pub(crate) enum Requested {
    Status(CanvasStatus),
    Waitlist,
}

/// A reason for visit as sent, before its structured code is looked up.
pub(crate) struct ReasonParts {
    pub code: Option<String>,
    pub text: Option<String>,
}

/// The raw, shape-checked appointmentType coding list, resolved against settings later.
struct TypeCodings(Vec<(Option<String>, String)>);

/// Checks the shape of a create or update body: every 400 (shape, types, references), in a
/// fixed order. `url_id` is the id of the updated appointment.
pub(crate) fn parse_shape(
    body: &Value,
    url_id: Option<&str>,
    ctx: &Ctx<'_>,
) -> Result<Shape, ApiError> {
    let policy = ctx.policy;
    // D27: `null` is an absent element at any depth (REQ-NULL-ABSENT).
    let without_nulls;
    let body = if policy.null_as_absent && !ctx.is(Mutant::NullRefused) {
        without_nulls = drop_nulls(body);
        &without_nulls
    } else {
        body
    };
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
    // D27: the v1 wrapper is known by its `resource` member, not by a missing resourceType.
    if policy.resource_type_optional && obj.get("resource").is_some_and(Value::is_object) {
        return Err(wrapped());
    }
    let resource_type_required = !policy.resource_type_optional
        || ctx.create_mutant(Mutant::CreateResourceTypeRequired)
        || (!ctx.creating() && ctx.is(Mutant::UpdateResourceTypeRequired));
    match obj.get("resourceType") {
        Some(Value::String(kind)) if kind == "Appointment" => {}
        Some(Value::String(kind)) => {
            return Err(ApiError::bad(
                "Appointment.resourceType",
                format!("resourceType must be \"Appointment\", got {kind:?}"),
            ));
        }
        Some(_) => return Err(not_string("Appointment.resourceType")),
        None if obj.contains_key("resource") => return Err(wrapped()),
        None if !resource_type_required => {}
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
    Ok(Shape {
        status,
        start_ms,
        end_ms,
        participants,
        location,
        meeting_link,
        reason: reason_parts,
        appointment_type: picked_type,
        identifiers,
        body_id,
    })
}

/// The 400 for a v1 body `{"resource": {…}}` (REQ-BARE-RESOURCE).
fn wrapped() -> ApiError {
    ApiError::bad(
        "Appointment",
        "the body must be the bare Appointment resource, not wrapped in {\"resource\": …}",
    )
}

/// `value` without its `null` object members, at any depth (D27); array items stay as they are
/// (a `null` item is no absent element, and the shape checks refuse it).
fn drop_nulls(value: &Value) -> Value {
    match value {
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .filter(|(_, item)| !item.is_null())
                .map(|(key, item)| (key.clone(), drop_nulls(item)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(drop_nulls).collect()),
        other => other.clone(),
    }
}

/// A 400 for a field that must be a JSON string.
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

/// Where the appointmentType coding rules point.
pub(crate) const TYPE_AT: &str = "Appointment.appointmentType.coding";

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
