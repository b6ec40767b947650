//! READ-*: reading seeded and created appointments.

use serde_json::{Value, json};

use super::common::*;

#[tokio::test]
async fn read_200_answers_the_appointment_with_its_id() {
    let api = Api::start().await;
    for n in 1..=11 {
        let body = api.read(&seeded(n)).await;
        assert_eq!(body["resourceType"], "Appointment");
        assert_eq!(body["id"], seeded(n));
    }
    let reply = api.get(&format!("/Appointment/{}", seeded(1))).await;
    assert!(
        reply
            .header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
}

#[tokio::test]
async fn read_404_unknown_ids() {
    let api = Api::start().await;
    for id in [
        uuid::Uuid::new_v4().to_string(),
        "not-a-uuid".to_string(),
        "00000000-0000-4000-8000-000000000099".to_string(),
        "%FF".to_string(),
    ] {
        let reply = api.get(&format!("/Appointment/{id}")).await;
        reply.outcome(404, "not-found", "Resource not found");
    }
}

#[tokio::test]
async fn read_status_map_covers_every_canvas_status() {
    let api = Api::start().await;
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
        assert_eq!(api.read(&seeded(n)).await["status"], status, "seed {n}");
    }
}

#[tokio::test]
async fn read_shape_matches_the_page() {
    let api = Api::start().await;
    let (supporting_info, contained) = telehealth("https://meet.example.com/abc");
    let mut body = appointment("2031-03-01T10:00:00.250+02:00", "2031-03-01T10:30Z");
    body["reasonCode"] =
        json!([{"coding": [{"system": "INTERNAL", "code": "INIV30"}], "text": "Comment"}]);
    body["supportingInformation"] = supporting_info;
    body["contained"] = contained;
    body["appointmentType"] = type_coding("INTERNAL", "INIV");
    let id = api.create(&body).await;
    let read = api.read(&id).await;
    let keys: Vec<&str> = read
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "resourceType",
            "id",
            "status",
            "appointmentType",
            "reasonCode",
            "description",
            "supportingInformation",
            "contained",
            "start",
            "end",
            "participant"
        ]
    );
    assert_eq!(
        read["appointmentType"],
        json!({"coding": [{"system": "INTERNAL", "code": "INIV", "display": "Initial Visit"}]})
    );
    assert_eq!(
        read["reasonCode"],
        json!([{"coding": [{"system": "INTERNAL", "code": "INIV30", "display": "Initial Visit 30", "userSelected": false}], "text": "Comment"}])
    );
    assert_eq!(read["start"], "2031-03-01T08:00:00.250+00:00");
    assert_eq!(read["end"], "2031-03-01T10:30:00+00:00");
    assert_eq!(
        read["participant"],
        json!([
            {"actor": {"reference": format!("Practitioner/{PRACTITIONER}"), "type": "Practitioner"}, "status": "accepted"},
            {"actor": {"reference": format!("Patient/{PATIENT}"), "type": "Patient"}, "status": "accepted"},
        ])
    );
    let kinds: Vec<&str> = read["supportingInformation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["Location", "Encounter", "Endpoint"]);
    // without reason or patient the optional parts disappear
    let bare = api
        .create(&json!({
            "resourceType": "Appointment",
            "start": "2031-03-02T10:00Z",
            "end": "2031-03-02T10:30Z",
            "participant": [{"actor": {"reference": format!("Practitioner/{PRACTITIONER}")}}],
        }))
        .await;
    let bare = api.read(&bare).await;
    for absent in ["reasonCode", "description", "contained"] {
        assert!(bare.get(absent).is_none(), "{absent}: {bare}");
    }
    assert_eq!(bare["participant"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn read_location_is_in_supporting_information() {
    let api = Api::start().await;
    let read = api.read(&seeded(3)).await;
    assert_eq!(
        supporting(&read, "Location"),
        [&json!({"reference": "Location/1", "type": "Location"})]
    );
}

#[tokio::test]
async fn read_encounter_reference_is_stable_and_unique() {
    let api = Api::start().await;
    let a = api
        .create(&appointment("2031-03-03T10:00Z", "2031-03-03T10:30Z"))
        .await;
    let b = api
        .create(&appointment("2031-03-03T11:00Z", "2031-03-03T11:30Z"))
        .await;
    let encounter = |read: &Value| supporting(read, "Encounter")[0]["reference"].clone();
    let (a1, a2, b1) = (
        encounter(&api.read(&a).await),
        encounter(&api.read(&a).await),
        encounter(&api.read(&b).await),
    );
    assert_eq!(a1, a2);
    assert_ne!(a1, b1);
    let id = a1.as_str().unwrap().strip_prefix("Encounter/").unwrap();
    assert!(uuid::Uuid::try_parse(id).is_ok());
    assert_eq!(
        encounter(&api.read(&seeded(1)).await),
        "Encounter/e0000000-0000-4000-8000-000000000001"
    );
}

#[tokio::test]
async fn read_reschedule_links_both_ways() {
    let api = Api::start().await;
    let original = api.read(&seeded(10)).await;
    assert_eq!(original["status"], "cancelled");
    assert_eq!(
        supporting(&original, "Appointment"),
        [
            &json!({"reference": format!("Appointment/{}", seeded(11)), "type": "Appointment", "display": "Rescheduled Replacement Appointment"})
        ]
    );
    let replacement = api.read(&seeded(11)).await;
    assert_eq!(
        supporting(&replacement, "Appointment"),
        [
            &json!({"reference": format!("Appointment/{}", seeded(10)), "type": "Appointment", "display": "Previously Rescheduled Appointment"})
        ]
    );
    assert!(supporting(&api.read(&seeded(1)).await, "Appointment").is_empty());
}

#[tokio::test]
async fn read_description_matches_the_reason_text() {
    let api = Api::start().await;
    let seeded_read = api.read(&seeded(5)).await;
    assert_eq!(seeded_read["description"], "Seeded roomed");
    assert_eq!(seeded_read["reasonCode"][0]["text"], "Seeded roomed");
    let mut body = appointment("2031-03-04T10:00Z", "2031-03-04T10:30Z");
    body["reasonCode"] = json!([{"text": "Back pain"}]);
    body["description"] = json!("Something else");
    let read = api.read(&api.create(&body).await).await;
    assert_eq!(read["reasonCode"], json!([{"text": "Back pain"}]));
    assert_eq!(read["description"], "Back pain");
}

#[tokio::test]
async fn read_telehealth_returns_the_full_contained_endpoint() {
    let api = Api::start().await;
    let (supporting_info, contained) = telehealth("https://meet.example.com/x?y=1");
    let mut body = appointment("2031-03-05T10:00Z", "2031-03-05T10:30Z");
    body["supportingInformation"] = supporting_info;
    body["contained"] = contained;
    let read = api.read(&api.create(&body).await).await;
    assert_eq!(
        read["contained"],
        json!([{
            "resourceType": "Endpoint",
            "id": "appointment-meeting-endpoint",
            "status": "active",
            "connectionType": {"system": "http://terminology.hl7.org/CodeSystem/endpoint-connection-type", "code": "https"},
            "payloadType": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/endpoint-payload-type", "code": "video-call"}]}],
            "address": "https://meet.example.com/x?y=1",
        }])
    );
    assert_eq!(
        supporting(&read, "Endpoint"),
        [&json!({"reference": "#appointment-meeting-endpoint", "type": "Endpoint"})]
    );
    assert!(api.read(&seeded(1)).await.get("contained").is_none());
}
