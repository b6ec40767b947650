//! The lookup resources built from the settings, as FHIR JSON in the shapes of Canvas's pages:
//! Practitioner, Patient, Location, the Schedules (one per location and practitioner but Canvas
//! Bot, ids `Location.<legacy id, else id>-Staff.<practitioner id>`) and Slots.

use serde_json::{Map, Value, json};

use super::free_slots::Span;
use super::instant::format_instant;
use super::settings::{AppointmentType, CANVAS_BOT_ID, Location, Patient, Practitioner, Settings};

/// `{"resourceType": "Practitioner", "id", "active": true, "name": [{"use": "usual", "text"}]}`
/// (docs.canvasmedical.com/api/practitioner/).
pub(crate) fn practitioner_json(practitioner: &Practitioner) -> Value {
    json!({
        "resourceType": "Practitioner",
        "id": practitioner.id,
        "active": true,
        "name": [{"use": "usual", "text": practitioner.name}],
    })
}

/// `{"resourceType": "Patient", "id", "active": true}`, then `name`, `birthDate` and `gender`
/// when configured (docs.canvasmedical.com/api/patient/).
pub(crate) fn patient_json(patient: &Patient) -> Value {
    let mut out = Map::new();
    out.insert("resourceType".into(), json!("Patient"));
    out.insert("id".into(), json!(patient.id));
    out.insert("active".into(), json!(true));
    if let Some(name) = &patient.name {
        out.insert("name".into(), json!([{"use": "usual", "text": name}]));
    }
    if let Some(date) = &patient.birth_date {
        out.insert("birthDate".into(), json!(date));
    }
    if let Some(gender) = &patient.gender {
        out.insert("gender".into(), json!(gender));
    }
    Value::Object(out)
}

/// `{"resourceType": "Location", "id", "status": "active", "mode": "instance", "name"}`, under
/// its canonical id (docs.canvasmedical.com/api/location/).
pub(crate) fn location_json(location: &Location) -> Value {
    json!({
        "resourceType": "Location",
        "id": location.id,
        "status": "active",
        "mode": "instance",
        "name": location.name,
    })
}

/// A practitioner's availability at one location.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Schedule<'a> {
    pub location: &'a Location,
    pub practitioner: &'a Practitioner,
}

impl Schedule<'_> {
    /// `Location.<legacy id, else id>-Staff.<practitioner id>` (`Location.1-Staff.3a18…` in both
    /// reference instances), as Canvas's Schedule and Appointment pages show.
    pub(crate) fn id(&self) -> String {
        let location = self
            .location
            .legacy_id
            .as_deref()
            .unwrap_or(&self.location.id);
        format!("Location.{location}-Staff.{}", self.practitioner.id)
    }

    /// `Schedule for <practitioner name> at <location name>`.
    fn comment(&self) -> String {
        format!(
            "Schedule for {} at {}",
            self.practitioner.name, self.location.name
        )
    }
}

/// Every schedule of the instance: for each location, each practitioner but Canvas Bot, in
/// settings order.
pub(crate) fn schedules(settings: &Settings) -> Vec<Schedule<'_>> {
    settings
        .locations
        .iter()
        .flat_map(|location| {
            settings
                .practitioners
                .iter()
                .filter(|p| p.id != CANVAS_BOT_ID)
                .map(move |practitioner| Schedule {
                    location,
                    practitioner,
                })
        })
        .collect()
}

/// `{"resourceType": "Schedule", "id", "text": {"status": "generated", "div"}, "actor":
/// [{"reference": "Practitioner/<id>", "type": "Practitioner"}], "comment"}`
/// (docs.canvasmedical.com/api/schedule/).
pub(crate) fn schedule_json(schedule: &Schedule<'_>) -> Value {
    let comment = schedule.comment();
    json!({
        "resourceType": "Schedule",
        "id": schedule.id(),
        "text": {"status": "generated", "div": format!("<div>{comment}</div>")},
        "actor": [{
            "reference": format!("Practitioner/{}", schedule.practitioner.id),
            "type": "Practitioner",
        }],
        "comment": comment,
    })
}

/// `{"resourceType": "Slot", "schedule": {"reference": "Schedule/<id>", "type": "Schedule"},
/// "status": "free", "start", "end"}` with UTC instants (`+00:00`), and `appointmentType` (its
/// one coding) when the search named a type (docs.canvasmedical.com/api/slot/).
pub(crate) fn slot_json(
    schedule_id: &str,
    span: Span,
    appointment_type: Option<&AppointmentType>,
) -> Value {
    let mut out = Map::new();
    out.insert("resourceType".into(), json!("Slot"));
    if let Some(kind) = appointment_type {
        out.insert(
            "appointmentType".into(),
            json!({"coding": [{"system": kind.system, "code": kind.code, "display": kind.display}]}),
        );
    }
    out.insert(
        "schedule".into(),
        json!({"reference": format!("Schedule/{schedule_id}"), "type": "Schedule"}),
    );
    out.insert("status".into(), json!("free"));
    out.insert("start".into(), json!(format_instant(span.start_ms)));
    out.insert("end".into(), json!(format_instant(span.end_ms)));
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edition::Edition;
    use crate::instant::parse_instant;

    #[test]
    fn schedules_skip_canvas_bot_and_use_the_legacy_location_id() {
        for edition in Edition::ALL {
            let settings = Settings::reference_for(edition);
            let all = schedules(&settings);
            let ids: Vec<String> = all.iter().map(Schedule::id).collect();
            assert_eq!(
                ids,
                [
                    "Location.1-Staff.3a182f42885645e0bc3d608e7c02aad8",
                    "Location.1-Staff.fc87cbb2525f4c5eb50294f620c7a15e",
                ]
            );
            assert_eq!(
                schedule_json(&all[0]),
                json!({
                    "resourceType": "Schedule",
                    "id": "Location.1-Staff.3a182f42885645e0bc3d608e7c02aad8",
                    "text": {
                        "status": "generated",
                        "div": "<div>Schedule for Youta Priti MD at Main practice location</div>",
                    },
                    "actor": [{
                        "reference": "Practitioner/3a182f42885645e0bc3d608e7c02aad8",
                        "type": "Practitioner",
                    }],
                    "comment": "Schedule for Youta Priti MD at Main practice location",
                })
            );
        }
    }

    #[test]
    fn resources_have_the_pages_shapes() {
        let settings = Settings::reference_for(Edition::Current);
        assert_eq!(
            location_json(&settings.locations[0]),
            json!({
                "resourceType": "Location",
                "id": "c1a4e5d2-7b3f-4e69-8a0d-5f2b9c6e1d47",
                "status": "active",
                "mode": "instance",
                "name": "Main practice location",
            })
        );
        assert_eq!(
            practitioner_json(&settings.practitioners[2]),
            json!({
                "resourceType": "Practitioner",
                "id": CANVAS_BOT_ID,
                "active": true,
                "name": [{"use": "usual", "text": "Canvas Bot"}],
            })
        );
        assert_eq!(
            patient_json(&settings.patients[0]),
            json!({"resourceType": "Patient", "id": "a29eaebb284143ba97c76b01fdb46964", "active": true})
        );
        let named = Patient {
            id: "p".into(),
            name: Some("Ana Diaz".into()),
            birth_date: Some("1980-02-29".into()),
            gender: Some("female".into()),
        };
        assert_eq!(
            patient_json(&named),
            json!({
                "resourceType": "Patient", "id": "p", "active": true,
                "name": [{"use": "usual", "text": "Ana Diaz"}],
                "birthDate": "1980-02-29", "gender": "female",
            })
        );
        let start_ms = parse_instant("2026-12-07T09:00Z").unwrap();
        let span = Span {
            start_ms,
            end_ms: start_ms + 20 * 60_000,
        };
        assert_eq!(
            slot_json("Location.1-Staff.x", span, None),
            json!({
                "resourceType": "Slot",
                "schedule": {"reference": "Schedule/Location.1-Staff.x", "type": "Schedule"},
                "status": "free",
                "start": "2026-12-07T09:00:00+00:00",
                "end": "2026-12-07T09:20:00+00:00",
            })
        );
        let kind = settings.default_type();
        assert_eq!(
            slot_json("s", span, kind)["appointmentType"]["coding"][0]["code"],
            "308335008"
        );
    }
}
