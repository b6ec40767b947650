//! Current edition, CREATE-*: required fields, the eight statuses, the new 422 texts, positive
//! durations, accepted participants, identifiers, telehealth defaults, Other Events and the
//! empty 201 with `Location: [base]/Appointment/<id>` (D6).

use canvas_sandbox::settings::{Coding, DoubleBooking};
use canvas_sandbox::{Edition, ServerConfig, Settings};
use serde_json::{Value, json};

use super::common::*;

/// The number of stored appointments (a refused write must leave it unchanged).
async fn total(api: &Api) -> u64 {
    api.search("_count=1").await["total"].as_u64().unwrap()
}

#[tokio::test]
async fn create_201_empty_body_and_plain_location() {
    let api = Api::current().await;
    let reply = api
        .post(
            "/Appointment",
            &current_appointment("2031-01-01T10:00Z", "2031-01-01T10:30Z"),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.text, "");
    assert_eq!(reply.header("content-type"), None);
    let location = reply.header("location").unwrap();
    let id = location
        .strip_prefix(&format!("{}/Appointment/", api.server.base_url()))
        .expect(location);
    assert!(uuid::Uuid::try_parse(id).is_ok(), "{location}");
    assert_eq!(api.read(id).await["status"], "booked");
    api.stop().await;
}

#[tokio::test]
async fn create_required_fields_are_400_and_store_nothing() {
    let api = Api::current().await;
    let good = current_appointment("2031-01-02T10:00Z", "2031-01-02T10:30Z");
    let before = total(&api).await;
    for field in [
        "status",
        "start",
        "end",
        "participant",
        "supportingInformation",
    ] {
        let reply = api
            .post("/Appointment", &without(good.clone(), field))
            .await;
        current_outcome(&reply, 400, "invalid", "Bad request");
    }
    let mut no_status = good.clone();
    no_status["participant"][0] =
        json!({"actor": {"reference": format!("Practitioner/{PRACTITIONER}")}});
    current_outcome(
        &api.post("/Appointment", &no_status).await,
        400,
        "invalid",
        "Bad request",
    );
    let mut no_address = good.clone();
    no_address["supportingInformation"] = json!([{"reference": "#appointment-meeting-endpoint-0"}]);
    no_address["contained"] =
        json!([{"resourceType": "Endpoint", "id": "appointment-meeting-endpoint-0"}]);
    current_outcome(
        &api.post("/Appointment", &no_address).await,
        400,
        "invalid",
        "Bad request",
    );
    assert_eq!(total(&api).await, before);
    api.stop().await;
}

#[tokio::test]
async fn create_status_values_are_stored_as_sent() {
    let api = Api::current().await;
    let good = current_appointment("2031-01-03T10:00Z", "2031-01-03T10:30Z");
    for status in [
        "proposed",
        "pending",
        "booked",
        "arrived",
        "checked-in",
        "fulfilled",
        "noshow",
        "cancelled",
    ] {
        let id = api
            .create(&with(good.clone(), "status", json!(status)))
            .await;
        assert_eq!(api.read(&id).await["status"], status);
    }
    let before = total(&api).await;
    for status in [
        json!("entered-in-error"),
        json!("waitlist"),
        json!("done"),
        json!(3),
    ] {
        let reply = api
            .post("/Appointment", &with(good.clone(), "status", status))
            .await;
        current_outcome(&reply, 400, "invalid", "Bad request");
    }
    assert_eq!(total(&api).await, before);
    api.stop().await;
}

#[tokio::test]
async fn create_id_excluded_and_ignored_fields_accepted() {
    let api = Api::current().await;
    let chosen = "11111111-2222-4333-8444-555555555555";
    let mut body = current_appointment("2031-01-04T10:00Z", "2031-01-04T10:30Z");
    body["id"] = json!(chosen);
    body["extension"] = json!([{"url": "http://example.com/x", "valueString": "y"}]);
    body["appointmentType"] = json!({"coding": [{"system": "http://snomed.info/sct", "code": "448337001", "display": "Whatever"}]});
    body["reasonCode"] = json!([{"coding": [{"system": "X", "code": "INIV30", "display": "Y", "userSelected": true}], "text": "t"}]);
    body["supportingInformation"] = json!([
        {"reference": format!("Location/{LOCATION_UUID}"), "display": "shown"},
        {"reference": "#appointment-meeting-endpoint-0", "type": "Endpoint"},
    ]);
    body["contained"] = json!([{
        "resourceType": "Endpoint", "id": "appointment-meeting-endpoint-0", "status": "off",
        "connectionType": {"code": "x"}, "payloadType": [{"text": "y"}], "address": "https://m.example.com/1",
    }]);
    body["identifier"] = json!([{"id": "not-kept", "system": "urn:s", "value": "v"}]);
    let id = api.create(&body).await;
    assert_ne!(id, chosen, "CREATE-ID-EXCLUDED");
    let read = api.read(&id).await;
    assert_eq!(
        read["appointmentType"]["coding"][0]["display"],
        "Telemedicine"
    );
    assert_eq!(
        read["reasonCode"][0]["coding"][0]["display"],
        "Initial Visit 30"
    );
    assert_eq!(read["contained"][0]["status"], "active");
    assert_ne!(read["identifier"][0]["id"], "not-kept");
    assert_eq!(read["extension"].as_array().unwrap().len(), 1);
    api.stop().await;
}

#[tokio::test]
async fn create_type_rules_and_texts() {
    let api = Api::current().await;
    let good = current_appointment("2031-01-05T10:00Z", "2031-01-05T10:30Z");
    // CREATE-TYPE-DEFAULT
    let id = api.create(&good).await;
    assert_eq!(
        api.read(&id).await["appointmentType"]["coding"][0]["code"],
        "308335008"
    );
    let before = total(&api).await;
    // CREATE-TYPE-ONE-CODING, CREATE-TYPE-SYSTEM: 400 (D1)
    for kind in [
        json!({"coding": []}),
        json!({"coding": [{"system": "INTERNAL", "code": "INIV"}, {"system": "INTERNAL", "code": "INIV"}]}),
        type_coding("http://loinc.org", "308335008"),
    ] {
        let reply = api
            .post("/Appointment", &with(good.clone(), "appointmentType", kind))
            .await;
        current_outcome(&reply, 400, "invalid", "Bad request");
    }
    // CREATE-TYPE-UNKNOWN, CREATE-TYPE-UNSCHEDULABLE
    let reply = api
        .post(
            "/Appointment",
            &with(
                good.clone(),
                "appointmentType",
                type_coding("http://snomed.info/sct", "999"),
            ),
        )
        .await;
    current_outcome(
        &reply,
        422,
        "business-rule",
        "Appointment Type does not exist with code: 999 and system: http://snomed.info/sct",
    );
    let reply = api
        .post(
            "/Appointment",
            &with(
                good.clone(),
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
    assert_eq!(total(&api).await, before);
    api.stop().await;
}

#[tokio::test]
async fn create_reason_first_structured_text_and_default() {
    let api = Api::current().await;
    let good = current_appointment("2031-01-06T10:00Z", "2031-01-06T10:30Z");
    // CREATE-RFV-DEFAULT
    let id = api.create(&good).await;
    let read = api.read(&id).await;
    assert_eq!(
        read["reasonCode"],
        json!([{"text": "No description given"}])
    );
    assert_eq!(read["description"], "No description given");
    let id = api
        .create(&with(
            good.clone(),
            "description",
            json!("from description"),
        ))
        .await;
    assert_eq!(
        api.read(&id).await["reasonCode"][0]["text"],
        "from description"
    );
    // CREATE-RFV-FIRST, CREATE-RFV-TEXT
    let body = with(
        good.clone(),
        "reasonCode",
        json!([{"coding": [{"code": "9903"}], "text": "first"}, {"text": "second"}]),
    );
    let read = api.read(&api.create(&body).await).await;
    assert_eq!(read["reasonCode"][0]["coding"][0]["code"], "9903");
    assert_eq!(read["reasonCode"][0]["text"], "first");
    assert_eq!(read["description"], "first");
    // CREATE-RFV-STRUCTURED: unknown code
    let reply = api
        .post(
            "/Appointment",
            &with(
                good.clone(),
                "reasonCode",
                json!([{"coding": [{"code": "NOPE"}]}]),
            ),
        )
        .await;
    current_outcome(
        &reply,
        422,
        "business-rule",
        "structured reason for visit with code NOPE does not exist",
    );
    api.stop().await;
    // … and a code configured twice
    let mut config = ServerConfig::reference_for(Edition::Current);
    config.settings.rfv_codings.push(Coding {
        system: "INTERNAL".into(),
        code: "9903".into(),
        display: "Urgent again".into(),
    });
    let api = Api::with(config).await;
    let reply = api
        .post(
            "/Appointment",
            &with(good, "reasonCode", json!([{"coding": [{"code": "9903"}]}])),
        )
        .await;
    let issue = current_outcome(&reply, 422, "business-rule", "Unprocessable entity");
    assert!(
        issue["diagnostics"]
            .as_str()
            .unwrap()
            .contains("not unique"),
        "{issue}"
    );
    api.stop().await;
}

fn telehealth_body(reference: &str, contained: Value) -> Value {
    let mut body = current_appointment("2031-01-07T10:00Z", "2031-01-07T10:30Z");
    body["supportingInformation"] =
        json!([{"reference": "Location/1"}, {"reference": reference, "type": "Endpoint"}]);
    body["contained"] = contained;
    body
}

#[tokio::test]
async fn create_telehealth_both_ids_and_refusals() {
    let api = Api::current().await;
    for id in [
        "appointment-meeting-endpoint-0",
        "appointment-meeting-endpoint",
    ] {
        let body = telehealth_body(
            &format!("#{id}"),
            json!([{"resourceType": "Endpoint", "id": id, "address": "https://meet.example.com/z"}]),
        );
        let read = api.read(&api.create(&body).await).await;
        assert_eq!(
            read["contained"][0]["address"], "https://meet.example.com/z",
            "{id}"
        );
    }
    let before = total(&api).await;
    for body in [
        telehealth_body("#appointment-meeting-endpoint-0", json!([])),
        telehealth_body(
            "#other",
            json!([{"resourceType": "Endpoint", "id": "other", "address": "https://m"}]),
        ),
        telehealth_body(
            "#appointment-meeting-endpoint-0",
            json!([
                {"resourceType": "Endpoint", "id": "appointment-meeting-endpoint-0", "address": "https://m"},
                {"resourceType": "Endpoint", "id": "appointment-meeting-endpoint", "address": "https://n"},
            ]),
        ),
        telehealth_body(
            "#appointment-meeting-endpoint-0",
            json!([{"resourceType": "Endpoint", "id": "appointment-meeting-endpoint", "address": "https://m"}]),
        ),
    ] {
        let reply = api.post("/Appointment", &body).await;
        current_outcome(&reply, 400, "invalid", "Bad request");
    }
    assert_eq!(total(&api).await, before);
    api.stop().await;
}

#[tokio::test]
async fn create_telehealth_default_is_the_practitioner_room() {
    let api = Api::current().await;
    let body = with(
        current_appointment("2031-01-08T10:00Z", "2031-01-08T10:30Z"),
        "appointmentType",
        type_coding("http://snomed.info/sct", "448337001"),
    );
    let read = api.read(&api.create(&body).await).await;
    assert_eq!(
        read["contained"][0]["address"],
        format!("https://meet.example.com/room/{PRACTITIONER}")
    );
    // other types get a link only when one is sent
    let read = api
        .read(
            &api.create(&current_appointment(
                "2031-01-08T11:00Z",
                "2031-01-08T11:30Z",
            ))
            .await,
        )
        .await;
    assert!(read.get("contained").is_none(), "{read}");
    api.stop().await;
}

#[tokio::test]
async fn create_location_uuid_or_legacy_one() {
    let api = Api::current().await;
    for reference in [
        format!("Location/{LOCATION_UUID}"),
        "Location/1".to_string(),
    ] {
        let body = with(
            current_appointment("2031-01-09T10:00Z", "2031-01-09T10:30Z"),
            "supportingInformation",
            json!([{"reference": reference}]),
        );
        let read = api.read(&api.create(&body).await).await;
        assert_eq!(
            supporting(&read, "Location")[0]["reference"],
            format!("Location/{LOCATION_UUID}")
        );
    }
    let body = with(
        current_appointment("2031-01-09T10:00Z", "2031-01-09T10:30Z"),
        "supportingInformation",
        json!([{"reference": "Location/2"}]),
    );
    current_outcome(
        &api.post("/Appointment", &body).await,
        400,
        "invalid",
        "Bad request",
    );
    api.stop().await;
}

#[tokio::test]
async fn create_start_format_and_positive_duration() {
    let api = Api::current().await;
    // D20: no offset means UTC
    let id = api
        .create(&current_appointment(
            "2031-01-10T10:00",
            "2031-01-10T10:30:00",
        ))
        .await;
    let read = api.read(&id).await;
    assert_eq!(read["start"], "2031-01-10T10:00:00+00:00");
    assert_eq!(read["end"], "2031-01-10T10:30:00+00:00");
    // the edges of FHIR's instant
    let id = api
        .create(&current_appointment(
            "9999-12-31T23:00:00Z",
            "9999-12-31T23:59:59.999Z",
        ))
        .await;
    // D32: the length is kept in whole minutes (59 min 59.999 s → 59 min)
    assert_eq!(api.read(&id).await["end"], "9999-12-31T23:59:00+00:00");
    let before = total(&api).await;
    for bad in [
        "2031-01-10",
        "2031-01-10T10",
        "0000-12-31T00:01:00Z",
        "-001-12-31T00:01:00Z",
        "2031-02-30T10:00Z",
    ] {
        let reply = api
            .post(
                "/Appointment",
                &current_appointment(bad, "2031-01-10T10:30Z"),
            )
            .await;
        current_outcome(&reply, 400, "invalid", "Bad request");
    }
    // CREATE-DURATION-POSITIVE: 422 (D1, D23)
    for end in ["2031-01-10T10:00Z", "2031-01-10T09:00Z"] {
        let reply = api
            .post(
                "/Appointment",
                &current_appointment("2031-01-10T10:00Z", end),
            )
            .await;
        let issue = current_outcome(&reply, 422, "business-rule", "Unprocessable entity");
        assert!(
            issue["diagnostics"]
                .as_str()
                .unwrap()
                .contains("greater than 0 minutes")
        );
    }
    assert_eq!(total(&api).await, before);
    api.stop().await;
}

#[tokio::test]
async fn create_participant_rules_and_status_accepted() {
    let api = Api::current().await;
    let good = current_appointment("2031-01-11T10:00Z", "2031-01-11T10:30Z");
    // found by reference type; actor.type optional
    let mut swapped = good.clone();
    swapped["participant"] = json!([
        {"actor": {"reference": format!("Patient/{PATIENT}"), "type": "Patient"}, "status": "accepted"},
        {"actor": {"reference": format!("Practitioner/{PRACTITIONER_2}")}, "status": "accepted"},
    ]);
    let read = api.read(&api.create(&swapped).await).await;
    assert_eq!(
        read["participant"][0]["actor"]["reference"],
        format!("Practitioner/{PRACTITIONER_2}")
    );
    let before = total(&api).await;
    let refusals = [
        json!([{"actor": {"reference": format!("Patient/{PATIENT}")}, "status": "accepted"}]),
        json!([{"actor": {"reference": "Practitioner/"}, "status": "accepted"}]),
        json!([{"actor": {"reference": format!("Practitioner/{PRACTITIONER}")}, "status": "active"}]),
        json!([{"actor": {"reference": format!("Practitioner/{PRACTITIONER}")}}]),
        json!([{"actor": {"reference": format!("Practitioner/{PRACTITIONER}")}, "status": "tentative"}]),
    ];
    for participants in refusals {
        let reply = api
            .post(
                "/Appointment",
                &with(good.clone(), "participant", participants),
            )
            .await;
        current_outcome(&reply, 400, "invalid", "Bad request");
    }
    assert_eq!(total(&api).await, before);
    api.stop().await;
}

#[tokio::test]
async fn create_identifier_defaults() {
    let api = Api::current().await;
    let body = with(
        current_appointment("2031-01-12T10:00Z", "2031-01-12T10:30Z"),
        "identifier",
        json!([
            {"system": "urn:ext", "value": "E-1"},
            {"use": "secondary", "value": "E-2", "period": {"start": "2024-01-01T10:00:00Z", "end": "2030-06-30"}, "assigner": {"display": "Someone"}},
        ]),
    );
    let read = api.read(&api.create(&body).await).await;
    let identifiers = read["identifier"].as_array().unwrap();
    assert_eq!(identifiers.len(), 2);
    assert!(uuid::Uuid::try_parse(identifiers[0]["id"].as_str().unwrap()).is_ok());
    assert_eq!(identifiers[0]["use"], "usual");
    assert_eq!(
        identifiers[0]["period"],
        json!({"start": "1970-01-01", "end": "2100-12-31"})
    );
    assert_eq!(identifiers[1]["use"], "secondary");
    assert_eq!(
        identifiers[1]["period"],
        json!({"start": "2024-01-01", "end": "2030-06-30"})
    );
    assert!(identifiers.iter().all(|i| i.get("assigner").is_none()));
    api.stop().await;
}

#[tokio::test]
async fn create_double_booking_disallowed_is_422() {
    let mut settings = Settings::reference_for(Edition::Current);
    settings.double_booking = DoubleBooking::Disallowed;
    let api = Api::with(ServerConfig {
        settings,
        ..ServerConfig::reference()
    })
    .await;
    let body = current_appointment("2031-01-13T10:00Z", "2031-01-13T10:30Z");
    api.create(&body).await;
    let reply = api.post("/Appointment", &body).await;
    current_outcome(
        &reply,
        422,
        "business-rule",
        "This appointment time is no longer available.",
    );
    api.stop().await;
}

#[tokio::test]
async fn create_other_event_without_patient_has_no_note() {
    let api = Api::current().await;
    let mut body = current_appointment("2031-01-14T10:00Z", "2031-01-14T10:30Z");
    body["appointmentType"] = type_coding("INTERNAL", "EVENT");
    body["participant"] = json!([{"actor": {"reference": format!("Practitioner/{PRACTITIONER}")}, "status": "accepted"}]);
    let read = api.read(&api.create(&body).await).await;
    assert_eq!(
        read["appointmentType"]["coding"][0]["display"],
        "Other Event"
    );
    assert!(read.get("extension").is_none(), "{read}");
    assert_eq!(read["participant"].as_array().unwrap().len(), 1);
    // an appointment with a patient gets a fresh note id of its own
    let one = api
        .read(
            &api.create(&current_appointment(
                "2031-01-14T11:00Z",
                "2031-01-14T11:30Z",
            ))
            .await,
        )
        .await;
    let two = api
        .read(
            &api.create(&current_appointment(
                "2031-01-14T12:00Z",
                "2031-01-14T12:30Z",
            ))
            .await,
        )
        .await;
    let note = |r: &Value| r["extension"][0]["valueId"].as_str().unwrap().to_string();
    assert!(uuid::Uuid::try_parse(&note(&one)).is_ok());
    assert_ne!(note(&one), note(&two));
    api.stop().await;
}
