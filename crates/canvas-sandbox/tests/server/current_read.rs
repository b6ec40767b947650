//! Current edition, READ-*: `serve --edition current` answers reads as BEHAVIOURS-CURRENT.md and
//! REFERENCE-INSTANCE.md's "Current edition" say (location UUID, note ids, identifiers,
//! co-scheduled pair, `-0` Endpoint, `Unknown Appointment resource '<id>'`).

use serde_json::json;

use super::common::*;

#[tokio::test]
async fn read_200_and_status_map_of_every_seed() {
    let api = Api::current().await;
    let expected = [
        "proposed",
        "pending",
        "booked",
        "arrived",
        "checked-in",
        "fulfilled",
        "noshow",
        "cancelled",
        "entered-in-error",
    ];
    for (n, status) in (1..).zip(expected) {
        let read = api.read(&seeded(n)).await;
        assert_eq!(read["resourceType"], "Appointment");
        assert_eq!(read["id"], seeded(n));
        assert_eq!(read["status"], status, "seed {n}");
    }
    api.stop().await;
}

#[tokio::test]
async fn read_404_echoes_the_id_as_requested_without_outcome_id() {
    let api = Api::current().await;
    for id in [
        "a47c7b0ebbb442cdbc4adf259d148ea1",
        "a47c7b0e-bbb4-42cd-bc4a-df259d148ea1",
        "not-a-uuid",
    ] {
        let reply = api.get(&format!("/Appointment/{id}")).await;
        current_outcome(
            &reply,
            404,
            "not-found",
            &format!("Unknown Appointment resource '{id}'"),
        );
    }
    api.stop().await;
}

#[tokio::test]
async fn read_shape_location_encounter_note_and_participants_of_a_seed() {
    let api = Api::current().await;
    let read = api.read(&seeded(1)).await;
    assert_eq!(read["start"], "2023-06-06T09:00:00+00:00");
    assert_eq!(read["end"], "2023-06-06T09:30:00+00:00");
    assert_eq!(read["description"], "Seeded unconfirmed");
    assert_eq!(read["reasonCode"][0]["text"], "Seeded unconfirmed");
    // READ-LOCATION: the UUID, for seeds too (D13)
    assert_eq!(
        supporting(&read, "Location"),
        vec![&json!({"reference": format!("Location/{LOCATION_UUID}"), "type": "Location"})]
    );
    // READ-ENCOUNTER
    assert_eq!(
        supporting(&read, "Encounter")[0]["reference"],
        "Encounter/e0000000-0000-4000-8000-000000000001"
    );
    // READ-NOTE-EXTENSION (D15)
    assert_eq!(
        read["extension"],
        json!([{
            "url": "http://schemas.canvasmedical.com/fhir/extensions/note-id",
            "valueId": "d0000000-0000-4000-8000-000000000001",
        }])
    );
    // READ-PARTICIPANT: practitioner first, both accepted, with types
    assert_eq!(
        read["participant"],
        json!([
            {"actor": {"reference": format!("Practitioner/{PRACTITIONER}"), "type": "Practitioner"}, "status": "accepted"},
            {"actor": {"reference": format!("Patient/{PATIENT}"), "type": "Patient"}, "status": "accepted"},
        ])
    );
    // no identifiers on the eleven first seeds
    assert!(read.get("identifier").is_none());
    api.stop().await;
}

#[tokio::test]
async fn read_reschedule_and_coscheduled_links() {
    let api = Api::current().await;
    let original = api.read(&seeded(10)).await;
    assert_eq!(
        supporting(&original, "Appointment"),
        vec![
            &json!({"reference": format!("Appointment/{}", seeded(11)), "type": "Appointment", "display": "Rescheduled Replacement Appointment"})
        ]
    );
    let replacement = api.read(&seeded(11)).await;
    assert_eq!(
        supporting(&replacement, "Appointment")[0]["display"],
        "Previously Rescheduled Appointment"
    );
    for (me, other, practitioner) in [(12, 13, PRACTITIONER), (13, 12, PRACTITIONER_2)] {
        let read = api.read(&seeded(me)).await;
        assert_eq!(read["status"], "booked");
        assert_eq!(read["start"], "2023-06-09T09:00:00+00:00");
        assert_eq!(read["description"], "Seeded co-visit");
        assert_eq!(
            read["participant"][0]["actor"]["reference"],
            format!("Practitioner/{practitioner}")
        );
        assert_eq!(
            read["participant"][1]["actor"]["reference"],
            format!("Patient/{PATIENT_2}")
        );
        assert_eq!(
            supporting(&read, "Appointment"),
            vec![
                &json!({"reference": format!("Appointment/{}", seeded(other)), "type": "Appointment", "display": "Co-scheduled Appointment"})
            ]
        );
        assert_eq!(
            read["extension"][0]["valueId"],
            format!("d0000000-0000-4000-8000-{me:012}")
        );
    }
    api.stop().await;
}

#[tokio::test]
async fn read_identifier_without_assigner() {
    let api = Api::current().await;
    let read = api.read(&seeded(13)).await;
    assert_eq!(
        read["identifier"],
        json!([
            {"id": "f0000000-0000-4000-8000-000000000131", "use": "usual", "system": "https://scheduler.example.com/appointment", "value": "SCHED-13", "period": {"start": "1970-01-01", "end": "2100-12-31"}},
            {"id": "f0000000-0000-4000-8000-000000000132", "use": "old", "system": "https://scheduler.example.com/appointment", "value": "LEGACY-13", "period": {"start": "2020-01-01", "end": "2020-12-31"}},
        ])
    );
    assert_eq!(
        api.read(&seeded(12)).await["identifier"][0]["value"],
        "SCHED-12"
    );
    api.stop().await;
}

#[tokio::test]
async fn read_telehealth_endpoint_is_the_dash_zero_shape() {
    let api = Api::current().await;
    let mut body = current_appointment("2031-03-01T10:00Z", "2031-03-01T10:30Z");
    body["supportingInformation"] = json!([
        {"reference": "Location/1"},
        {"reference": "#appointment-meeting-endpoint", "type": "Endpoint"},
    ]);
    body["contained"] = json!([{"resourceType": "Endpoint", "id": "appointment-meeting-endpoint", "address": "https://meet.example.com/x"}]);
    let id = api.create(&body).await;
    let read = api.read(&id).await;
    assert_eq!(
        read["contained"],
        json!([{
            "resourceType": "Endpoint",
            "id": "appointment-meeting-endpoint-0",
            "status": "active",
            "connectionType": {"code": "https"},
            "payloadType": [{"coding": [{"code": "video-call"}]}],
            "address": "https://meet.example.com/x",
        }])
    );
    assert_eq!(
        supporting(&read, "Endpoint"),
        vec![&json!({"reference": "#appointment-meeting-endpoint-0", "type": "Endpoint"})]
    );
    // READ-LOCATION: written with Location/1, read with the UUID
    assert_eq!(
        supporting(&read, "Location")[0]["reference"],
        format!("Location/{LOCATION_UUID}")
    );
    api.stop().await;
}
