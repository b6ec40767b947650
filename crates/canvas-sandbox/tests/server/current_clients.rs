//! Current edition, the requests Canvas's own clients send, in our own words: the patient app's
//! booking (`contained: null`) and cancel (a PUT without `resourceType`), the SDK's FHIR JSON, a
//! migration helper's dateTime check (D27, D31, D32, D4); 2023-09 answers them as before.

use serde_json::{Value, json};

use super::common::*;

/// A booking as a patient app makes it for an office visit: the patient first, the reason as
/// text, and `contained: null` because no meeting link goes with it.
fn app_booking(start: &str, end: &str) -> Value {
    json!({
        "resourceType": "Appointment",
        "status": "proposed",
        "appointmentType": {"coding": [{"system": "http://snomed.info/sct", "code": "308335008", "display": "Office Visit"}]},
        "reasonCode": [{"text": "Follow-up on my prescription"}],
        "description": "Follow-up on my prescription",
        "start": start,
        "end": end,
        "contained": null,
        "supportingInformation": [{"reference": format!("Location/{LOCATION_UUID}")}],
        "participant": [
            {"actor": {"reference": format!("Patient/{PATIENT}"), "type": "Patient"}, "status": "accepted"},
            {"actor": {"reference": format!("Practitioner/{PRACTITIONER}"), "type": "Practitioner"}, "status": "accepted"},
        ],
    })
}

#[tokio::test]
async fn the_patient_apps_booking_and_cancel_succeed() {
    let api = Api::current().await;
    let id = api
        .create(&app_booking("2044-02-01T15:00Z", "2044-02-01T15:30Z"))
        .await;
    let read = api.read(&id).await;
    assert_eq!(read["status"], "proposed");
    assert!(read.get("contained").is_none(), "{read}");
    assert_eq!(read["description"], "Follow-up on my prescription");
    // the cancel: what was read, without resourceType, with the new status
    let mut cancel = read.clone();
    if let Some(fields) = cancel.as_object_mut() {
        fields.remove("resourceType");
    }
    cancel["status"] = json!("cancelled");
    let reply = api.update(&id, &cancel).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(api.read(&id).await["status"], "cancelled");
    // `null` is absent at any depth; for a required element it is a missing one
    let mut nested = app_booking("2044-02-01T16:00Z", "2044-02-01T16:30Z");
    nested["reasonCode"][0]["coding"] = Value::Null;
    nested["participant"][0]["actor"]["type"] = Value::Null;
    nested["description"] = Value::Null;
    let id = api.create(&nested).await;
    assert_eq!(
        api.read(&id).await["reasonCode"][0]["text"],
        "Follow-up on my prescription"
    );
    for required in ["status", "start", "participant", "supportingInformation"] {
        let body = with(
            app_booking("2044-02-01T17:00Z", "2044-02-01T17:30Z"),
            required,
            Value::Null,
        );
        let reply = api.post("/Appointment", &body).await;
        current_outcome(&reply, 400, "invalid", "Bad request");
    }
    let mut status_null = app_booking("2044-02-01T17:00Z", "2044-02-01T17:30Z");
    status_null["participant"][1]["status"] = Value::Null;
    let reply = api.post("/Appointment", &status_null).await;
    current_outcome(&reply, 400, "invalid", "Bad request");
    // without resourceType on create too; a wrong one and the v1 wrapper still refused
    let id = api
        .create(&without(
            app_booking("2044-02-02T09:00Z", "2044-02-02T09:30Z"),
            "resourceType",
        ))
        .await;
    assert_eq!(api.read(&id).await["resourceType"], "Appointment");
    let wrong = with(
        app_booking("2044-02-02T10:00Z", "2044-02-02T10:30Z"),
        "resourceType",
        json!("Patient"),
    );
    current_outcome(
        &api.post("/Appointment", &wrong).await,
        400,
        "invalid",
        "Bad request",
    );
    let inner = app_booking("2044-02-02T11:00Z", "2044-02-02T11:30Z");
    for wrapped in [
        json!({ "resource": inner.clone() }),
        json!({ "resource": without(inner.clone(), "resourceType") }),
        json!({ "resourceType": "Appointment", "resource": inner.clone() }),
    ] {
        let reply = api.post("/Appointment", &wrapped).await;
        current_outcome(&reply, 400, "invalid", "Bad request");
    }
    api.stop().await;
}

#[tokio::test]
async fn the_sdks_fhir_json_requests_are_taken_and_its_success_bodies_are_empty() {
    let api = Api::current().await;
    let body = current_appointment("2044-03-01T09:00Z", "2044-03-01T09:30Z").to_string();
    let reply = api
        .send(
            api.client
                .post(api.url("/Appointment"))
                .bearer_auth(TOKEN)
                .header("content-type", "application/fhir+json")
                .header("accept", "application/fhir+json")
                .body(body.clone()),
        )
        .await;
    // D6: 201 with an empty body and no Content-Type, as real Canvas answers; a client that
    // parses the body as JSON (the SDK's create() and update()) fails on it
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert!(reply.text.is_empty());
    assert_eq!(reply.header("content-type"), None);
    assert!(serde_json::from_str::<Value>(&reply.text).is_err());
    let id = reply
        .header("location")
        .and_then(location_id)
        .expect("Location");
    let reply = api
        .send(
            api.client
                .put(api.url(&format!("/Appointment/{id}")))
                .bearer_auth(TOKEN)
                .header("content-type", "application/fhir+json; charset=utf-8")
                .body(body.replace("\"booked\"", "\"arrived\"")),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(reply.text.is_empty());
    // D31: every JSON answer is FHIR JSON: a read, a search, an error, a lookup
    for path in [
        format!("/Appointment/{id}"),
        "/Appointment?status=arrived".to_string(),
        format!("/Practitioner/{PRACTITIONER}"),
    ] {
        let reply = api.get(&path).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.text);
        assert_eq!(reply.header("content-type"), Some(FHIR_JSON), "{path}");
    }
    current_outcome(
        &api.get("/Appointment/00000000-0000-4000-8000-0000000000ff")
            .await,
        404,
        "not-found",
        "Unknown Appointment resource '00000000-0000-4000-8000-0000000000ff'",
    );
    let reply = api.send(api.client.get(api.url("/Appointment"))).await;
    current_outcome(&reply, 401, "unknown", "Authentication failed");
    // the OAuth endpoints answer RFC 6749's application/json
    let reply = request_token(&api, &[]).await;
    assert_eq!(reply.header("content-type"), Some("application/json"));
    api.stop().await;
}

#[tokio::test]
async fn a_migration_helpers_duplicate_check_by_date_time_finds_the_one_appointment() {
    let api = Api::current().await;
    // 09:00 and 10:00 in New York on one day
    let nine = api
        .create(&current_appointment(
            "2024-03-05T14:00:00Z",
            "2024-03-05T14:30:00Z",
        ))
        .await;
    let ten = api
        .create(&current_appointment(
            "2024-03-05T15:00:00Z",
            "2024-03-05T15:30:00Z",
        ))
        .await;
    assert_eq!(
        api.search_ids("date=eq2024-03-05T09:00:00-05:00").await,
        vec![nine.clone()]
    );
    assert_eq!(
        api.search_ids("date=2024-03-05T10:00-05:00").await,
        vec![ten.clone()]
    );
    assert_eq!(
        api.search_ids("date=2024-03-05").await,
        vec![nine.clone(), ten.clone()]
    );
    assert_eq!(
        api.search_ids("date=ge2024-03-05T09:30-05:00&date=lt2024-03-05T11:00-05:00")
            .await,
        vec![ten]
    );
    assert_eq!(
        api.search_ids("date=ge2024-03-05&date=le2024-03-05T09:00-05:00")
            .await,
        [nine]
    );
    api.stop().await;
}

#[tokio::test]
async fn lengths_are_whole_minutes() {
    let api = Api::current().await;
    let id = api
        .create(&current_appointment(
            "2044-04-01T09:00:00Z",
            "2044-04-01T09:29:30Z",
        ))
        .await;
    assert_eq!(api.read(&id).await["end"], "2044-04-01T09:29:00+00:00");
    // an update is held to the same minutes (D25)
    let body = current_appointment("2044-04-01T09:00:00Z", "2044-04-01T09:45:59.900Z");
    assert_eq!(api.update(&id, &body).await.status, 200);
    assert_eq!(api.read(&id).await["end"], "2044-04-01T09:45:00+00:00");
    // under a minute is no positive duration
    let reply = api
        .post(
            "/Appointment",
            &current_appointment("2044-04-01T10:00:00Z", "2044-04-01T10:00:30Z"),
        )
        .await;
    current_outcome(&reply, 422, "business-rule", "Unprocessable entity");
    api.stop().await;
}

#[tokio::test]
async fn the_2023_09_edition_answers_these_requests_as_before() {
    let api = Api::start().await;
    let body = with(
        appointment("2044-05-01T09:00Z", "2044-05-01T09:30Z"),
        "contained",
        Value::Null,
    );
    assert_eq!(api.post("/Appointment", &body).await.status, 400);
    let body = without(
        appointment("2044-05-01T10:00Z", "2044-05-01T10:30Z"),
        "resourceType",
    );
    assert_eq!(api.post("/Appointment", &body).await.status, 400);
    let id = api
        .create(&appointment("2044-05-01T11:00Z", "2044-05-01T11:29:30Z"))
        .await;
    let read = api.get(&format!("/Appointment/{id}")).await;
    assert_eq!(read.header("content-type"), Some("application/json"));
    assert_eq!(read.json()["end"], "2044-05-01T11:29:30+00:00");
    for query in [
        "date=2044-05-01T11:00Z",
        "date=2044-05",
        "appointment-type=http://snomed.info/sct|",
        "appointment-type=|308335008",
    ] {
        let reply = api.get(&format!("/Appointment?{query}")).await;
        reply.outcome(400, "invalid", "Bad request");
    }
    api.stop().await;
}
