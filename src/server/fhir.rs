//! Stored appointment → FHIR R4 Appointment JSON, in the key order of the page's read example.
//! Read and search entries both come from here, so they always have the same shape.

use serde_json::{Map, Value, json};

use super::instant::{format_instant, format_instant_local};
use super::mutant::Mutant;
use super::status::CanvasStatus;
use super::store::Appointment;

/// The contained Endpoint's id, both in requests and in reads (seed edition).
pub(crate) const MEETING_ENDPOINT_ID: &str = "appointment-meeting-endpoint";

/// Renders one appointment the way Canvas's read answers it.
pub(crate) fn appointment_json(row: &Appointment, mutant: Option<Mutant>) -> Value {
    let is = |m: Mutant| mutant == Some(m);
    let mut out = Map::new();
    out.insert("resourceType".into(), json!("Appointment"));
    out.insert("id".into(), json!(row.id));
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
    out.insert("supportingInformation".into(), supporting(row, mutant));
    if let Some(address) = &row.meeting_link {
        let endpoint = if is(Mutant::TelehealthEndpointBare) {
            json!({"resourceType": "Endpoint", "id": MEETING_ENDPOINT_ID, "address": address})
        } else {
            json!({
                "resourceType": "Endpoint",
                "id": MEETING_ENDPOINT_ID,
                "status": "active",
                "connectionType": {
                    "system": "http://terminology.hl7.org/CodeSystem/endpoint-connection-type",
                    "code": "https",
                },
                "payloadType": [{"coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/endpoint-payload-type",
                    "code": "video-call",
                }]}],
                "address": address,
            })
        };
        out.insert("contained".into(), json!([endpoint]));
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
    if let Some(patient) = &row.patient {
        participants.push(json!({
            "actor": {"reference": format!("Patient/{patient}"), "type": "Patient"},
            "status": "accepted",
        }));
    }
    out.insert("participant".into(), Value::Array(participants));
    Value::Object(out)
}

/// Location, Encounter, meeting Endpoint, then reschedule links, in that order.
fn supporting(row: &Appointment, mutant: Option<Mutant>) -> Value {
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
        items.push(json!({"reference": format!("#{MEETING_ENDPOINT_ID}"), "type": "Endpoint"}));
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
    Value::Array(items)
}
