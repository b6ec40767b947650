//! Current edition, UPDATE-*: every required field, `Logical Id…`, statuses, the fixed patient,
//! kept omitted parts, Other Events, identifiers, `If-Unmodified-Since` and the empty 200 with
//! `Location` (D6).

use serde_json::{Value, json};

use super::common::*;

/// Creates a booked appointment (Office Visit, reason "r") and returns its id and its body.
async fn fresh(api: &Api, start: &str, end: &str) -> (String, Value) {
    let body = with(
        current_appointment(start, end),
        "reasonCode",
        json!([{"text": "r"}]),
    );
    (api.create(&body).await, body)
}

#[tokio::test]
async fn update_200_empty_body_with_location_in_place() {
    let api = Api::current().await;
    let (id, body) = fresh(&api, "2032-02-01T10:00Z", "2032-02-01T10:30Z").await;
    let moved = with(body, "start", json!("2032-02-01T09:00Z"));
    let reply = api.update(&id, &moved).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.text, "");
    assert_eq!(reply.header("content-type"), None);
    assert_eq!(
        reply.header("location"),
        Some(format!("{}/Appointment/{id}", api.server.base_url()).as_str())
    );
    // UPDATE-IN-PLACE: same id, no reschedule links
    let read = api.read(&id).await;
    assert_eq!(read["start"], "2032-02-01T09:00:00+00:00");
    assert!(supporting(&read, "Appointment").is_empty(), "{read}");
    assert_eq!(api.search("_count=100").await["total"], 14);
    api.stop().await;
}

#[tokio::test]
async fn update_required_fields_and_id_match() {
    let api = Api::current().await;
    let (id, body) = fresh(&api, "2032-02-02T10:00Z", "2032-02-02T10:30Z").await;
    let before = api.read(&id).await;
    for field in [
        "status",
        "start",
        "end",
        "participant",
        "supportingInformation",
    ] {
        let reply = api.update(&id, &without(body.clone(), field)).await;
        current_outcome(&reply, 400, "invalid", "Bad request");
    }
    let reply = api
        .update(&id, &with(body.clone(), "id", json!(seeded(1))))
        .await;
    let issue = current_outcome(&reply, 400, "invalid", "Bad request");
    assert_eq!(
        issue["diagnostics"],
        "Logical Id in URL must match logical Id in resource"
    );
    assert_eq!(api.read(&id).await, before);
    // D7: the same id, or none, is fine
    let reply = api.update(&id, &with(body, "id", json!(id))).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    api.stop().await;
}

#[tokio::test]
async fn update_statuses_set_unsupported_and_cancelled_final() {
    let api = Api::current().await;
    let (id, body) = fresh(&api, "2032-02-03T10:00Z", "2032-02-03T10:30Z").await;
    for status in [
        "proposed",
        "pending",
        "booked",
        "arrived",
        "checked-in",
        "fulfilled",
        "noshow",
    ] {
        let reply = api
            .update(&id, &with(body.clone(), "status", json!(status)))
            .await;
        assert_eq!(reply.status, 200, "{status}: {}", reply.text);
        assert_eq!(api.read(&id).await["status"], status);
    }
    for status in ["entered-in-error", "waitlist"] {
        let reply = api
            .update(&id, &with(body.clone(), "status", json!(status)))
            .await;
        current_outcome(&reply, 400, "invalid", "Bad request");
    }
    assert_eq!(api.read(&id).await["status"], "noshow");
    let cancelled = with(body.clone(), "status", json!("cancelled"));
    assert_eq!(api.update(&id, &cancelled).await.status, 200);
    let reply = api
        .update(&id, &with(body, "status", json!("booked")))
        .await;
    current_outcome(&reply, 422, "business-rule", "Unprocessable entity");
    assert_eq!(api.read(&id).await["status"], "cancelled");
    // keeping cancelled is not a change
    assert_eq!(api.update(&id, &cancelled).await.status, 200);
    api.stop().await;
}

#[tokio::test]
async fn update_partial_keeps_omitted_parts() {
    let api = Api::current().await;
    let mut body = current_appointment("2032-02-04T10:00Z", "2032-02-04T10:30Z");
    body["appointmentType"] = type_coding("INTERNAL", "INIV");
    body["reasonCode"] = json!([{"coding": [{"code": "INIV30"}], "text": "why"}]);
    body["supportingInformation"] =
        json!([{"reference": "Location/1"}, {"reference": "#appointment-meeting-endpoint-0"}]);
    body["contained"] = json!([{"resourceType": "Endpoint", "id": "appointment-meeting-endpoint-0", "address": "https://m.example.com/keep"}]);
    body["identifier"] = json!([{"system": "urn:s", "value": "KEEP"}]);
    let id = api.create(&body).await;
    let before = api.read(&id).await;
    // only the required fields, without the patient, the type, the reason, the link, the location
    let minimal = json!({
        "resourceType": "Appointment",
        "status": "booked",
        "start": "2032-02-04T10:00Z",
        "end": "2032-02-04T10:30Z",
        "supportingInformation": [],
        "participant": [{"actor": {"reference": format!("Practitioner/{PRACTITIONER}")}, "status": "accepted"}],
    });
    let reply = api.update(&id, &minimal).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(
        api.read(&id).await,
        before,
        "UPDATE-PARTIAL, -TYPE-OMITTED-KEPT, -RFV-OMITTED-KEPT"
    );
    // UPDATE-RFV-REPLACE and UPDATE-TELEHEALTH
    let mut changed = minimal.clone();
    changed["reasonCode"] = json!([{"text": "new reason"}]);
    changed["supportingInformation"] = json!([{"reference": "#appointment-meeting-endpoint"}]);
    changed["contained"] = json!([{"resourceType": "Endpoint", "id": "appointment-meeting-endpoint", "address": "https://m.example.com/new"}]);
    assert_eq!(api.update(&id, &changed).await.status, 200);
    let read = api.read(&id).await;
    assert_eq!(read["reasonCode"], json!([{"text": "new reason"}]));
    assert_eq!(read["description"], "new reason");
    assert_eq!(read["contained"][0]["address"], "https://m.example.com/new");
    assert_eq!(read["contained"][0]["id"], "appointment-meeting-endpoint-0");
    api.stop().await;
}

#[tokio::test]
async fn update_type_rules_and_other_event() {
    let api = Api::current().await;
    let (id, body) = fresh(&api, "2032-02-05T10:00Z", "2032-02-05T10:30Z").await;
    let reply = api
        .update(
            &id,
            &with(
                body.clone(),
                "appointmentType",
                type_coding("INTERNAL", "CHART"),
            ),
        )
        .await;
    current_outcome(
        &reply,
        422,
        "business-rule",
        "Note type: Chart Review is not scheduleable",
    );
    let reply = api
        .update(
            &id,
            &with(
                body.clone(),
                "appointmentType",
                type_coding("INTERNAL", "NOPE"),
            ),
        )
        .await;
    current_outcome(
        &reply,
        422,
        "business-rule",
        "Appointment Type does not exist with code: NOPE and system: INTERNAL",
    );
    let reply = api
        .update(
            &id,
            &with(
                body.clone(),
                "appointmentType",
                type_coding("urn:x", "INIV"),
            ),
        )
        .await;
    current_outcome(&reply, 400, "invalid", "Bad request");
    // UPDATE-TYPE-EVENT-REQUIRED
    let mut event = current_appointment("2032-02-05T12:00Z", "2032-02-05T12:30Z");
    event["appointmentType"] = type_coding("INTERNAL", "EVENT");
    event["participant"] = json!([{"actor": {"reference": format!("Practitioner/{PRACTITIONER}")}, "status": "accepted"}]);
    let event_id = api.create(&event).await;
    let reply = api
        .update(&event_id, &without(event.clone(), "appointmentType"))
        .await;
    current_outcome(&reply, 400, "invalid", "Bad request");
    assert_eq!(api.update(&event_id, &event).await.status, 200);
    api.stop().await;
}

#[tokio::test]
async fn update_patient_is_fixed() {
    let api = Api::current().await;
    let (id, body) = fresh(&api, "2032-02-06T10:00Z", "2032-02-06T10:30Z").await;
    let mut other = body.clone();
    other["participant"][1]["actor"]["reference"] = json!(format!("Patient/{PATIENT_3}"));
    let reply = api.update(&id, &other).await;
    current_outcome(
        &reply,
        422,
        "business-rule",
        "Cannot change patient for an existing appointment. Please cancel this appointment and create a new one for the new patient.",
    );
    assert_eq!(
        api.read(&id).await["participant"][1]["actor"]["reference"],
        format!("Patient/{PATIENT}")
    );
    api.stop().await;
}

#[tokio::test]
async fn update_identifiers_replace_keep_ended_and_delete_running() {
    let api = Api::current().await;
    let read = api.read(&seeded(13)).await;
    // send SCHED-13 (by id, changed) and a new one; LEGACY-13 has ended, so it stays
    let mut body = read.clone();
    body["identifier"] = json!([
        {"id": "f0000000-0000-4000-8000-000000000131", "system": "https://scheduler.example.com/appointment", "value": "SCHED-13b"},
        {"system": "urn:new", "value": "NEW"},
    ]);
    let reply = api.update(&seeded(13), &body).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let after = api.read(&seeded(13)).await;
    let values: Vec<&str> = after["identifier"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["value"].as_str().unwrap())
        .collect();
    assert_eq!(values, ["SCHED-13b", "NEW", "LEGACY-13"]);
    assert_eq!(
        after["identifier"][0]["id"],
        "f0000000-0000-4000-8000-000000000131"
    );
    // an omitted running identifier is deleted; an update without identifier keeps them all
    let mut only_new = after.clone();
    only_new["identifier"] = json!([after["identifier"][1].clone()]);
    assert_eq!(api.update(&seeded(13), &only_new).await.status, 200);
    let values: Vec<String> = api.read(&seeded(13)).await["identifier"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["value"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(values, ["NEW", "LEGACY-13"]);
    assert_eq!(
        api.update(&seeded(13), &without(only_new, "identifier"))
            .await
            .status,
        200
    );
    assert_eq!(
        api.read(&seeded(13)).await["identifier"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    api.stop().await;
}

#[tokio::test]
async fn update_412_if_unmodified_since() {
    let api = Api::current().await;
    let (id, body) = fresh(&api, "2032-02-07T10:00Z", "2032-02-07T10:30Z").await;
    let before = api.read(&id).await;
    let stale = api
        .send(
            api.client
                .put(api.url(&format!("/Appointment/{id}")))
                .bearer_auth(TOKEN)
                .header("if-unmodified-since", "Sun, 06 Nov 1994 08:49:37 GMT")
                .json(&with(body.clone(), "status", json!("arrived"))),
        )
        .await;
    current_outcome(
        &stale,
        412,
        "conflict",
        "Resource updated since If-Unmodified-Since date",
    );
    assert_eq!(api.read(&id).await, before);
    let fresh_reply = api
        .send(
            api.client
                .put(api.url(&format!("/Appointment/{id}")))
                .bearer_auth(TOKEN)
                .header("if-unmodified-since", "Fri, 31 Dec 2100 23:59:59 GMT")
                .json(&with(body, "status", json!("arrived"))),
        )
        .await;
    assert_eq!(fresh_reply.status, 200, "{}", fresh_reply.text);
    assert_eq!(api.read(&id).await["status"], "arrived");
    api.stop().await;
}

#[tokio::test]
async fn update_404_unknown_appointment_text() {
    let api = Api::current().await;
    let missing = "a47c7b0e-bbb4-42cd-bc4a-df259d148ea1";
    let body = current_appointment("2032-02-08T10:00Z", "2032-02-08T10:30Z");
    let reply = api.update(missing, &body).await;
    current_outcome(
        &reply,
        404,
        "not-found",
        &format!("Unknown Appointment resource '{missing}'"),
    );
    api.stop().await;
}
