//! Stored appointment → FHIR R4 Appointment JSON, in the key order of the edition's read
//! example, under its [`Policy`] (Endpoint id, note-id extension, identifiers, co-scheduled
//! links). Read and search entries both come from here, so they always have the same shape.

use serde_json::{Map, Value, json};

use super::domain::Appointment;
use super::edition::Policy;
use super::identifier::identifier_json;
use super::instant::{format_instant, format_instant_local};
use super::mutant::Mutant;
use super::status::CanvasStatus;

/// The note-id extension's URL (READ-NOTE-EXTENSION).
pub(crate) const NOTE_ID_URL: &str = "http://schemas.canvasmedical.com/fhir/extensions/note-id";

/// Renders one appointment the way Canvas's read answers it in the edition of `policy`.
pub(crate) fn appointment_json(
    row: &Appointment,
    policy: &Policy,
    mutant: Option<Mutant>,
) -> Value {
    let is = |m: Mutant| mutant == Some(m);
    let mut out = Map::new();
    out.insert("resourceType".into(), json!("Appointment"));
    out.insert("id".into(), json!(row.id));
    if policy.note_extension
        && let Some(note) = &row.note_id
        && row.patient.is_some()
        && !is(Mutant::NoteExtensionMissing)
    {
        out.insert(
            "extension".into(),
            json!([{"url": NOTE_ID_URL, "valueId": note}]),
        );
    }
    if policy.identifiers && !row.identifiers.is_empty() {
        let items = row
            .identifiers
            .iter()
            .map(|i| identifier_json(i, is(Mutant::IdentifierAssignerShown)))
            .collect();
        out.insert("identifier".into(), Value::Array(items));
    }
    let status = if row.status == CanvasStatus::Roomed && is(Mutant::RoomedAsCheckIn) {
        "check-in"
    } else {
        row.status.fhir_code()
    };
    out.insert("status".into(), json!(status));
    let kind = &row.appointment_type;
    out.insert(
        "appointmentType".into(),
        json!({"coding": [{"system": kind.system, "code": kind.code, "display": kind.display}]}),
    );
    if row.rfv_coding.is_some() || row.rfv_text.is_some() {
        let mut reason = Map::new();
        if let Some(coding) = &row.rfv_coding {
            reason.insert(
                "coding".into(),
                json!([{
                    "system": coding.system,
                    "code": coding.code,
                    "display": coding.display,
                    "userSelected": false,
                }]),
            );
        }
        if let Some(text) = &row.rfv_text {
            reason.insert("text".into(), json!(text));
        }
        out.insert("reasonCode".into(), json!([Value::Object(reason)]));
    }
    if let Some(text) = &row.rfv_text {
        let description = if is(Mutant::DescriptionTrailingPeriod) {
            format!("{text}.")
        } else {
            text.clone()
        };
        out.insert("description".into(), json!(description));
    }
    out.insert(
        "supportingInformation".into(),
        supporting(row, policy, mutant),
    );
    if let Some(address) = &row.meeting_link {
        out.insert(
            "contained".into(),
            json!([endpoint(
                address,
                policy,
                is(Mutant::TelehealthEndpointBare)
            )]),
        );
    }
    let instant = if is(Mutant::ReadStartWithoutOffset) {
        format_instant_local
    } else {
        format_instant
    };
    out.insert("start".into(), json!(instant(row.start_ms)));
    out.insert("end".into(), json!(instant(row.end_ms)));
    let mut participants = vec![json!({
        "actor": {"reference": format!("Practitioner/{}", row.practitioner), "type": "Practitioner"},
        "status": "accepted",
    })];
    if let Some(patient) = &row.patient
        && !is(Mutant::ReadPatientMissing)
    {
        participants.push(json!({
            "actor": {"reference": format!("Patient/{patient}"), "type": "Patient"},
            "status": "accepted",
        }));
    }
    out.insert("participant".into(), Value::Array(participants));
    Value::Object(out)
}

/// The contained meeting Endpoint (READ-TELEHEALTH of the edition; `bare` is the
/// `telehealth-endpoint-bare` mutant).
fn endpoint(address: &str, policy: &Policy, bare: bool) -> Value {
    let id = policy.endpoint_read_id;
    if bare {
        return json!({"resourceType": "Endpoint", "id": id, "address": address});
    }
    let (connection, payload) = if policy.endpoint_systems {
        (
            json!({
                "system": "http://terminology.hl7.org/CodeSystem/endpoint-connection-type",
                "code": "https",
            }),
            json!([{"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/endpoint-payload-type",
                "code": "video-call",
            }]}]),
        )
    } else {
        (
            json!({"code": "https"}),
            json!([{"coding": [{"code": "video-call"}]}]),
        )
    };
    json!({
        "resourceType": "Endpoint",
        "id": id,
        "status": "active",
        "connectionType": connection,
        "payloadType": payload,
        "address": address,
    })
}

/// Location, Encounter, meeting Endpoint, then reschedule and co-scheduled links, in that order.
fn supporting(row: &Appointment, policy: &Policy, mutant: Option<Mutant>) -> Value {
    let is = |m: Mutant| mutant == Some(m);
    let mut items = Vec::new();
    if !is(Mutant::ReadLocationMissing) {
        items.push(json!({"reference": format!("Location/{}", row.location), "type": "Location"}));
    }
    if !is(Mutant::ReadEncounterMissing) {
        items.push(
            json!({"reference": format!("Encounter/{}", row.encounter), "type": "Encounter"}),
        );
    }
    if row.meeting_link.is_some() {
        items.push(
            json!({"reference": format!("#{}", policy.endpoint_read_id), "type": "Endpoint"}),
        );
    }
    let (replacement, previous) = if is(Mutant::RescheduleDisplaysSwapped) {
        (
            "Previously Rescheduled Appointment",
            "Rescheduled Replacement Appointment",
        )
    } else {
        (
            "Rescheduled Replacement Appointment",
            "Previously Rescheduled Appointment",
        )
    };
    for (link, display) in [
        (&row.rescheduled_to, replacement),
        (&row.rescheduled_from, previous),
    ] {
        if let Some(id) = link {
            items.push(json!({
                "reference": format!("Appointment/{id}"),
                "type": "Appointment",
                "display": display,
            }));
        }
    }
    if policy.coscheduled && !is(Mutant::CoscheduledMissing) {
        for id in &row.coscheduled {
            items.push(json!({
                "reference": format!("Appointment/{id}"),
                "type": "Appointment",
                "display": "Co-scheduled Appointment",
            }));
        }
    }
    Value::Array(items)
}
