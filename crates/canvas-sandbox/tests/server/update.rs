//! UPDATE-*: changing appointments.

use canvas_sandbox::settings::DoubleBooking;
use canvas_sandbox::{ServerConfig, Settings};
use serde_json::{Value, json};

use super::common::*;

fn only(fields: Value) -> Value {
    let mut body = json!({"resourceType": "Appointment"});
    if let (Some(target), Some(extra)) = (body.as_object_mut(), fields.as_object()) {
        for (k, v) in extra {
            target.insert(k.clone(), v.clone());
        }
    }
    body
}

async fn fresh(api: &Api, start: &str) -> String {
    let end = start.replace("T10:00Z", "T10:30Z");
    let mut body = appointment(start, &end);
    body["appointmentType"] = type_coding("http://snomed.info/sct", "448337001");
    body["reasonCode"] =
        json!([{"coding": [{"system": "INTERNAL", "code": "INIV30"}], "text": "Original"}]);
    let (supporting_info, contained) = telehealth("https://meet.example.com/original");
    body["supportingInformation"] = supporting_info;
    body["contained"] = contained;
    api.create(&body).await
}

#[tokio::test]
async fn update_200_with_null_body_and_no_location() {
    let api = Api::start().await;
    let id = fresh(&api, "2033-01-01T10:00Z").await;
    let reply = api
        .update(&id, &only(json!({"id": id, "status": "booked"})))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.text, "null");
    // D6: no Location on a 2023-09 update
    assert_eq!(reply.header("location"), None);
    assert!(
        reply
            .header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(api.read(&id).await["status"], "booked");
}

#[tokio::test]
async fn update_status_set_every_supported_status() {
    let api = Api::start().await;
    let id = fresh(&api, "2033-01-02T10:00Z").await;
    for status in [
        "pending",
        "booked",
        "arrived",
        "checked-in",
        "fulfilled",
        "noshow",
        "proposed",
        "cancelled",
    ] {
        let reply = api.update(&id, &only(json!({"status": status}))).await;
        assert_eq!(reply.status, 200, "{status}: {}", reply.text);
        assert_eq!(api.read(&id).await["status"], status);
    }
}

#[tokio::test]
async fn update_status_unsupported_entered_in_error_and_waitlist() {
    let api = Api::start().await;
    let id = fresh(&api, "2033-01-03T10:00Z").await;
    for status in ["entered-in-error", "waitlist"] {
        api.update(&id, &only(json!({"status": status})))
            .await
            .rule(&format!(
                "Appointment Update Error: status {status} is not supported"
            ));
    }
    api.update(&id, &only(json!({"status": "check-in"})))
        .await
        .bad_request("check-in");
    assert_eq!(api.read(&id).await["status"], "proposed");
}

#[tokio::test]
async fn update_cancelled_final() {
    let api = Api::start().await;
    let id = fresh(&api, "2033-01-04T10:00Z").await;
    assert_eq!(
        api.update(&id, &only(json!({"status": "cancelled"})))
            .await
            .status,
        200
    );
    for status in ["proposed", "booked", "checked-in"] {
        api.update(
            &id,
            &only(json!({"status": status, "description": "changed"})),
        )
        .await
        .rule("Appointment Update Error: a cancelled appointment cannot change status");
    }
    let read = api.read(&id).await;
    assert_eq!(read["status"], "cancelled");
    assert_eq!(
        read["description"], "Original",
        "a refused update changes nothing"
    );
    assert_eq!(
        api.update(&id, &only(json!({"status": "cancelled"})))
            .await
            .status,
        200
    );
    assert_eq!(
        api.update(&id, &only(json!({"description": "still editable"})))
            .await
            .status,
        200
    );
    assert_eq!(api.read(&id).await["status"], "cancelled");
    // the seeded cancelled appointment too
    api.update(&seeded(8), &only(json!({"status": "booked"})))
        .await
        .rule("Appointment Update Error: a cancelled appointment cannot change status");
}

#[tokio::test]
async fn update_status_omitted_keeps_it() {
    let api = Api::start().await;
    let id = fresh(&api, "2033-01-05T10:00Z").await;
    api.update(&id, &only(json!({"status": "arrived"}))).await;
    assert_eq!(
        api.update(&id, &only(json!({"description": "x"})))
            .await
            .status,
        200
    );
    assert_eq!(api.read(&id).await["status"], "arrived");
    // seeded statuses the API cannot set survive an update without status
    assert_eq!(api.update(&seeded(6), &only(json!({}))).await.status, 200);
    assert_eq!(api.read(&seeded(6)).await["status"], "fulfilled");
}

#[tokio::test]
async fn update_partial_keeps_what_the_body_leaves_out() {
    let api = Api::start().await;
    let id = fresh(&api, "2033-01-06T10:00Z").await;
    let before = api.read(&id).await;
    let reply = api
        .update(&id, &only(json!({"start": "2033-01-06T09:00Z"})))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let after = api.read(&id).await;
    assert_eq!(after["start"], "2033-01-06T09:00:00+00:00");
    let mut expected = before.clone();
    expected["start"] = after["start"].clone();
    assert_eq!(
        after, expected,
        "only start changed (type kept, not reset to the default)"
    );
    // participants, end and location are replaced when present
    let reply = api
        .update(
            &id,
            &only(json!({
                "end": "2033-01-06T09:45Z",
                "participant": [{"actor": {"reference": format!("Practitioner/{PRACTITIONER_2}")}}],
                "supportingInformation": [{"reference": "Location/1"}],
            })),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let after = api.read(&id).await;
    assert_eq!(after["end"], "2033-01-06T09:45:00+00:00");
    assert_eq!(
        after["participant"],
        json!([{"actor": {"reference": format!("Practitioner/{PRACTITIONER_2}"), "type": "Practitioner"}, "status": "accepted"}])
    );
    assert_eq!(after["contained"], before["contained"], "meeting link kept");
    assert_eq!(after["appointmentType"], before["appointmentType"]);
}

#[tokio::test]
async fn update_type_rules_match_create() {
    let api = Api::start().await;
    let id = fresh(&api, "2033-01-07T10:00Z").await;
    let kind = |value: Value| only(json!({"appointmentType": value}));
    api.update(&id, &kind(json!({"coding": []})))
        .await
        .rule("Appointment Create Error: appointmentType must contain exactly one coding");
    api.update(&id, &kind(type_coding("http://loinc.org", "1")))
        .await
        .rule("Appointment Create Error: appointmentType coding system must be http://snomed.info/sct or INTERNAL");
    api.update(&id, &kind(type_coding("INTERNAL", "NOPE")))
        .await
        .rule("Appointment Create Error: Appointment Type does not exist with system: INTERNAL and code: NOPE");
    api.update(&id, &kind(type_coding("INTERNAL", "CHART")))
        .await
        .rule("Appointment Create Error: Appointment type must be scheduleable");
    assert_eq!(
        api.read(&id).await["appointmentType"]["coding"][0]["code"],
        "448337001"
    );
    assert_eq!(
        api.update(&id, &kind(type_coding("INTERNAL", "INIV")))
            .await
            .status,
        200
    );
    assert_eq!(
        api.read(&id).await["appointmentType"]["coding"][0]["code"],
        "INIV"
    );
}

#[tokio::test]
async fn update_rfv_replace() {
    let api = Api::start().await;
    let id = fresh(&api, "2033-01-08T10:00Z").await;
    api.update(&id, &only(json!({"reasonCode": [{"text": "New text"}]})))
        .await;
    let read = api.read(&id).await;
    assert_eq!(read["reasonCode"], json!([{"text": "New text"}]));
    assert_eq!(read["description"], "New text");
    api.update(&id, &only(json!({"description": "Via description"})))
        .await;
    let read = api.read(&id).await;
    assert_eq!(read["reasonCode"], json!([{"text": "Via description"}]));
    assert_eq!(read["description"], "Via description");
    api.update(
        &id,
        &only(json!({"reasonCode": [{"coding": [{"code": "9903"}], "text": "Urgent"}]})),
    )
    .await;
    let read = api.read(&id).await;
    assert_eq!(
        read["reasonCode"][0]["coding"][0]["display"],
        "Urgent Visit"
    );
    assert_eq!(read["description"], "Urgent");
    api.update(
        &id,
        &only(json!({"reasonCode": [{"coding": [{"code": "NOPE"}]}]})),
    )
    .await
    .rule("structured reason for visit with code NOPE does not exist");
    assert_eq!(api.read(&id).await["description"], "Urgent");
}

#[tokio::test]
async fn update_telehealth_changes_the_meeting_link() {
    let api = Api::start().await;
    let id = fresh(&api, "2033-01-09T10:00Z").await;
    let (supporting_info, contained) = telehealth("https://meet.example.com/changed");
    let reply = api
        .update(
            &id,
            &only(json!({"supportingInformation": supporting_info, "contained": contained})),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let read = api.read(&id).await;
    assert_eq!(
        read["contained"][0]["address"],
        "https://meet.example.com/changed"
    );
    assert_eq!(read["contained"][0]["status"], "active");
    // an appointment without a link can get one
    let plain = api
        .create(&appointment("2033-01-09T12:00Z", "2033-01-09T12:30Z"))
        .await;
    let (supporting_info, contained) = telehealth("https://meet.example.com/new");
    api.update(
        &plain,
        &only(json!({"supportingInformation": supporting_info, "contained": contained})),
    )
    .await;
    assert_eq!(
        api.read(&plain).await["contained"][0]["address"],
        "https://meet.example.com/new"
    );
}

#[tokio::test]
async fn update_404_unknown_ids() {
    let api = Api::start().await;
    for id in [uuid::Uuid::new_v4().to_string(), "nope".to_string()] {
        api.update(&id, &only(json!({"status": "booked"})))
            .await
            .outcome(404, "not-found", "Resource not found");
    }
}

#[tokio::test]
async fn update_refused_changes_nothing_and_read_back_round_trips() {
    let api = Api::start().await;
    let id = fresh(&api, "2033-01-10T10:00Z").await;
    let before = api.read(&id).await;
    let reply = api
        .update(
            &id,
            &only(json!({"status": "booked", "description": "x", "start": "2033-01-10T10"})),
        )
        .await;
    reply.bad_request("start");
    assert_eq!(api.read(&id).await, before);
    // a read, sent back as an update, is accepted and changes nothing
    let reply = api.update(&id, &before).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(api.read(&id).await, before);
}

#[tokio::test]
async fn update_double_booking_disallowed() {
    let mut settings = Settings::reference();
    settings.double_booking = DoubleBooking::Disallowed;
    let api = Api::with(ServerConfig {
        settings,
        ..ServerConfig::reference()
    })
    .await;
    let a = api
        .create(&appointment("2033-01-11T10:00Z", "2033-01-11T10:30Z"))
        .await;
    let b = api
        .create(&appointment("2033-01-11T11:00Z", "2033-01-11T11:30Z"))
        .await;
    // moving within its own slot is fine; onto another's is not
    assert_eq!(
        api.update(&a, &only(json!({"end": "2033-01-11T10:45Z"})))
            .await
            .status,
        200
    );
    api.update(&b, &only(json!({"start": "2033-01-11T10:40Z"})))
        .await
        .rule("This appointment time is no longer available.");
    assert_eq!(api.read(&b).await["start"], "2033-01-11T11:00:00+00:00");
    // a cancelled appointment frees its slot
    api.update(&a, &only(json!({"status": "cancelled"}))).await;
    assert_eq!(
        api.update(&b, &only(json!({"start": "2033-01-11T10:00Z"})))
            .await
            .status,
        200
    );
}
