//! CREATE-*: creating appointments.

use std::sync::Arc;

use canvas_sandbox::settings::DoubleBooking;
use canvas_sandbox::{ServerConfig, Settings};
use serde_json::{Value, json};

use super::common::*;

#[tokio::test]
async fn create_201_with_history_location_and_null_body() {
    let api = Api::start().await;
    let reply = api
        .post(
            "/Appointment",
            &appointment("2032-01-01T10:00Z", "2032-01-01T10:30Z"),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.text, "null");
    assert!(
        reply
            .header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    // D6: the 2023-09 Location ends in /_history/1
    let location = reply.header("location").unwrap();
    let prefix = format!("{}/Appointment/", api.server.base_url());
    let id = location
        .strip_prefix(&prefix)
        .and_then(|rest| rest.strip_suffix("/_history/1"))
        .expect(location);
    assert_eq!(api.read(id).await["id"], id);
    // the Location base follows the Host header
    let reply = api
        .send(
            api.client
                .post(api.url("/Appointment"))
                .bearer_auth(TOKEN)
                .header("host", "fumage-example.test")
                .json(&appointment("2032-01-01T11:00Z", "2032-01-01T11:30Z")),
        )
        .await;
    assert!(
        reply
            .header("location")
            .unwrap()
            .starts_with("http://fumage-example.test/Appointment/")
    );
}

#[tokio::test]
async fn create_status_proposed_whatever_is_sent() {
    let api = Api::start().await;
    let body = appointment("2032-01-02T10:00Z", "2032-01-02T10:30Z");
    for status in [
        json!("booked"),
        json!("cancelled"),
        json!("nonsense"),
        json!(7),
    ] {
        let id = api.create(&with(body.clone(), "status", status)).await;
        assert_eq!(api.read(&id).await["status"], "proposed");
    }
    let id = api.create(&without(body, "status")).await;
    assert_eq!(api.read(&id).await["status"], "proposed");
}

#[tokio::test]
async fn create_type_default_when_omitted() {
    let api = Api::start().await;
    let id = api
        .create(&appointment("2032-01-03T10:00Z", "2032-01-03T10:30Z"))
        .await;
    assert_eq!(
        api.read(&id).await["appointmentType"],
        json!({"coding": [{"system": "http://snomed.info/sct", "code": "308335008", "display": "Office Visit"}]})
    );
    // a custom default is honoured
    let mut settings = Settings::reference();
    for kind in &mut settings.appointment_types {
        kind.default = kind.code == "439708006";
    }
    let custom = Api::with(ServerConfig {
        settings,
        ..ServerConfig::reference()
    })
    .await;
    let id = custom
        .create(&appointment("2032-01-03T10:00Z", "2032-01-03T10:30Z"))
        .await;
    assert_eq!(
        custom.read(&id).await["appointmentType"]["coding"][0]["code"],
        "439708006"
    );
}

const ONE_CODING: &str =
    "Appointment Create Error: appointmentType must contain exactly one coding";
const SYSTEM: &str = "Appointment Create Error: appointmentType coding system must be http://snomed.info/sct or INTERNAL";
const UNSCHEDULEABLE: &str = "Appointment Create Error: Appointment type must be scheduleable";

fn typed(kind: Value) -> Value {
    with(
        appointment("2032-01-04T10:00Z", "2032-01-04T10:30Z"),
        "appointmentType",
        kind,
    )
}

#[tokio::test]
async fn create_type_one_coding() {
    let api = Api::start().await;
    for kind in [
        json!({"coding": []}),
        json!({}),
        json!({"coding": [
            {"system": "http://snomed.info/sct", "code": "308335008"},
            {"system": "http://snomed.info/sct", "code": "448337001"},
        ]}),
    ] {
        api.post("/Appointment", &typed(kind))
            .await
            .rule(ONE_CODING);
    }
    let id = api
        .create(&typed(type_coding("http://snomed.info/sct", "448337001")))
        .await;
    assert_eq!(
        api.read(&id).await["appointmentType"]["coding"],
        json!([{"system": "http://snomed.info/sct", "code": "448337001", "display": "Telemedicine"}])
    );
}

#[tokio::test]
async fn create_type_system_snomed_or_internal() {
    let api = Api::start().await;
    for system in [Some("http://loinc.org"), Some("internal"), Some(""), None] {
        let mut coding = json!({"code": "308335008"});
        if let Some(system) = system {
            coding["system"] = json!(system);
        }
        api.post("/Appointment", &typed(json!({"coding": [coding]})))
            .await
            .rule(SYSTEM);
    }
    api.create(&typed(type_coding("INTERNAL", "INIV"))).await;
}

#[tokio::test]
async fn create_type_unknown() {
    let api = Api::start().await;
    api.post("/Appointment", &typed(type_coding("http://snomed.info/sct", "99999")))
        .await
        .rule("Appointment Create Error: Appointment Type does not exist with system: http://snomed.info/sct and code: 99999");
    // the code exists, but under the other system
    api.post("/Appointment", &typed(type_coding("INTERNAL", "308335008")))
        .await
        .rule("Appointment Create Error: Appointment Type does not exist with system: INTERNAL and code: 308335008");
}

#[tokio::test]
async fn create_type_unschedulable() {
    let api = Api::start().await;
    api.post("/Appointment", &typed(type_coding("INTERNAL", "CHART")))
        .await
        .rule(UNSCHEDULEABLE);
}

fn reasoned(reason: Value) -> Value {
    with(
        appointment("2032-01-05T10:00Z", "2032-01-05T10:30Z"),
        "reasonCode",
        reason,
    )
}

#[tokio::test]
async fn create_rfv_first_item_only() {
    let api = Api::start().await;
    let id = api
        .create(&reasoned(json!([
            {"text": "First"},
            {"coding": [{"system": "INTERNAL", "code": "NOPE"}], "text": "Second"},
        ])))
        .await;
    let read = api.read(&id).await;
    assert_eq!(read["reasonCode"], json!([{"text": "First"}]));
    assert_eq!(read["description"], "First");
}

#[tokio::test]
async fn create_rfv_structured_codes_must_be_configured() {
    let api = Api::start().await;
    api.post(
        "/Appointment",
        &reasoned(json!([{"coding": [{"system": "INTERNAL", "code": "NOPE"}]}])),
    )
    .await
    .rule("structured reason for visit with code NOPE does not exist");
    let id = api
        .create(&reasoned(
            json!([{"coding": [{"system": "INTERNAL", "code": "9903", "display": "whatever"}]}]),
        ))
        .await;
    let read = api.read(&id).await;
    assert_eq!(
        read["reasonCode"],
        json!([{"coding": [{"system": "INTERNAL", "code": "9903", "display": "Urgent Visit", "userSelected": false}]}])
    );
    assert!(read.get("description").is_none());
}

#[tokio::test]
async fn create_rfv_text_reads_back_in_reason_code_and_description() {
    let api = Api::start().await;
    let id = api
        .create(&reasoned(json!([{"coding": [{"system": "INTERNAL", "code": "INIV30"}], "text": "Weekly check-in"}])))
        .await;
    let read = api.read(&id).await;
    assert_eq!(read["reasonCode"][0]["text"], "Weekly check-in");
    assert_eq!(read["reasonCode"][0]["coding"][0]["code"], "INIV30");
    assert_eq!(read["description"], "Weekly check-in");
    // description alone is the text
    let body = with(
        appointment("2032-01-05T11:00Z", "2032-01-05T11:30Z"),
        "description",
        json!("Only a description"),
    );
    let read = api.read(&api.create(&body).await).await;
    assert_eq!(read["reasonCode"], json!([{"text": "Only a description"}]));
    assert_eq!(read["description"], "Only a description");
    // a structured coding without text takes the description as its comment
    let body = with(
        reasoned(json!([{"coding": [{"system": "INTERNAL", "code": "9903"}]}])),
        "description",
        json!("Comment"),
    );
    let read = api.read(&api.create(&body).await).await;
    assert_eq!(read["reasonCode"][0]["text"], "Comment");
    assert_eq!(read["reasonCode"][0]["coding"][0]["code"], "9903");
}

#[tokio::test]
async fn create_telehealth_stores_the_meeting_address() {
    let api = Api::start().await;
    let (supporting_info, contained) =
        telehealth("https://url-for-video-chat.example.com?meetingi=abc123");
    let mut body = appointment("2032-01-06T10:00Z", "2032-01-06T10:30Z");
    body["supportingInformation"] = supporting_info;
    body["contained"] = contained;
    let read = api.read(&api.create(&body).await).await;
    assert_eq!(
        read["contained"][0]["address"],
        "https://url-for-video-chat.example.com?meetingi=abc123"
    );
    // a contained Endpoint that supportingInformation does not reference is not a meeting link
    let (_, contained) = telehealth("https://ignored.example.com");
    let body = with(
        appointment("2032-01-06T11:00Z", "2032-01-06T11:30Z"),
        "contained",
        contained,
    );
    assert!(
        api.read(&api.create(&body).await)
            .await
            .get("contained")
            .is_none()
    );
}

#[tokio::test]
async fn create_location_from_supporting_information_or_the_first_configured() {
    let mut settings = Settings::reference();
    settings.locations.push(canvas_sandbox::settings::Location {
        id: "2".into(),
        name: "Second".into(),
        legacy_id: None,
    });
    let api = Api::with(ServerConfig {
        settings,
        ..ServerConfig::reference()
    })
    .await;
    let location = |read: &Value| supporting(read, "Location")[0]["reference"].clone();
    let id = api
        .create(&appointment("2032-01-07T10:00Z", "2032-01-07T10:30Z"))
        .await;
    assert_eq!(location(&api.read(&id).await), "Location/1");
    let body = with(
        appointment("2032-01-07T11:00Z", "2032-01-07T11:30Z"),
        "supportingInformation",
        json!([{"reference": "Location/2"}]),
    );
    assert_eq!(
        location(&api.read(&api.create(&body).await).await),
        "Location/2"
    );
    let body = with(
        body,
        "supportingInformation",
        json!([{"reference": "Location/3"}]),
    );
    api.post("/Appointment", &body)
        .await
        .bad_request("location");
}

#[tokio::test]
async fn create_start_format_accepts_documented_instants_only() {
    let api = Api::start().await;
    for (start, read_back) in [
        ("2032-01-08T10:00Z", "2032-01-08T10:00:00+00:00"),
        ("2032-01-08T10:00:30Z", "2032-01-08T10:00:30+00:00"),
        ("2032-01-08T10:00:30.123Z", "2032-01-08T10:00:30.123+00:00"),
        ("2032-01-08T10:00:00.000Z", "2032-01-08T10:00:00+00:00"),
        ("2032-01-08T12:00+02:00", "2032-01-08T10:00:00+00:00"),
        ("2032-01-08T05:00:00-05:00", "2032-01-08T10:00:00+00:00"),
        // D20: an instant without an offset is UTC
        ("2032-01-08T10:00", "2032-01-08T10:00:00+00:00"),
        ("2032-01-08T10:00:00", "2032-01-08T10:00:00+00:00"),
    ] {
        let id = api.create(&appointment(start, "2032-01-08T11:00Z")).await;
        assert_eq!(api.read(&id).await["start"], read_back, "{start}");
    }
    for bad in [
        "2032-01-08",
        "2032-01-08T10",
        "2032-01-08 10:00Z",
        "0000-12-31T00:01:00Z",
        "2032-01-08T10:00+14:30",
        "2032-02-30T10:00Z",
        "2032-01-08T25:00Z",
        "tomorrow",
    ] {
        api.post("/Appointment", &appointment(bad, "2032-01-08T11:00Z"))
            .await
            .bad_request("start");
        api.post("/Appointment", &appointment("2032-01-08T10:00Z", bad))
            .await
            .bad_request("end");
    }
}

#[tokio::test]
async fn create_end_unvalidated_before_start_is_accepted() {
    let api = Api::start().await;
    let id = api
        .create(&appointment("2032-01-09T10:00Z", "2032-01-09T09:00Z"))
        .await;
    let read = api.read(&id).await;
    assert_eq!(read["start"], "2032-01-09T10:00:00+00:00");
    assert_eq!(read["end"], "2032-01-09T09:00:00+00:00");
}

#[tokio::test]
async fn create_participant_by_reference_type() {
    let api = Api::start().await;
    let participants = |items: Value| {
        with(
            appointment("2032-01-10T10:00Z", "2032-01-10T10:30Z"),
            "participant",
            items,
        )
    };
    let actors = |read: &Value| -> Vec<String> {
        read["participant"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["actor"]["reference"].as_str().unwrap().to_string())
            .collect()
    };
    // patient first, as the page's example does
    let id = api
        .create(&participants(json!([
            {"actor": {"reference": format!("Patient/{PATIENT_3}")}, "status": "accepted"},
            {"actor": {"reference": format!("Practitioner/{PRACTITIONER_2}")}, "status": "accepted"},
        ])))
        .await;
    assert_eq!(
        actors(&api.read(&id).await),
        [
            format!("Practitioner/{PRACTITIONER_2}"),
            format!("Patient/{PATIENT_3}")
        ]
    );
    // an empty practitioner id is Canvas Bot; the patient is optional; status is not validated
    let id = api
        .create(&participants(
            json!([{"actor": {"reference": "Practitioner/"}, "status": "whatever"}]),
        ))
        .await;
    let read = api.read(&id).await;
    assert_eq!(actors(&read), [format!("Practitioner/{CANVAS_BOT}")]);
    assert_eq!(read["participant"][0]["status"], "accepted");
    // exactly one practitioner
    api.post("/Appointment", &participants(json!([])))
        .await
        .bad_request("Practitioner");
    api.post(
        "/Appointment",
        &participants(json!([
            {"actor": {"reference": format!("Practitioner/{PRACTITIONER}")}},
            {"actor": {"reference": format!("Practitioner/{PRACTITIONER_2}")}},
        ])),
    )
    .await
    .bad_request("exactly one");
    api.post(
        "/Appointment",
        &participants(json!([
            {"actor": {"reference": format!("Practitioner/{PRACTITIONER}")}},
            {"actor": {"reference": format!("Patient/{PATIENT}")}},
            {"actor": {"reference": format!("Patient/{PATIENT_2}")}},
        ])),
    )
    .await
    .bad_request("at most one");
}

fn disallowing() -> ServerConfig {
    let mut settings = Settings::reference();
    settings.double_booking = DoubleBooking::Disallowed;
    ServerConfig {
        settings,
        ..ServerConfig::reference()
    }
}

const TAKEN: &str = "This appointment time is no longer available.";

#[tokio::test]
async fn create_double_booking_allowed_by_default() {
    let api = Api::start().await;
    let body = appointment("2032-01-11T10:00Z", "2032-01-11T10:30Z");
    api.create(&body).await;
    api.create(&body).await;
}

#[tokio::test]
async fn create_double_booking_disallowed() {
    let api = Api::with(disallowing()).await;
    let first = api
        .create(&appointment("2032-01-12T10:00Z", "2032-01-12T11:00Z"))
        .await;
    for (start, end) in [
        ("2032-01-12T10:00Z", "2032-01-12T11:00Z"),
        ("2032-01-12T10:30Z", "2032-01-12T10:45Z"),
        ("2032-01-12T09:30Z", "2032-01-12T10:01Z"),
        ("2032-01-12T10:59Z", "2032-01-12T12:00Z"),
        ("2032-01-12T10:30Z", "2032-01-12T10:30Z"),
        ("2032-01-12T12:00Z", "2032-01-12T10:30Z"),
    ] {
        api.post("/Appointment", &appointment(start, end))
            .await
            .rule(TAKEN);
    }
    // touching slots, other practitioners, and freed slots are fine
    api.create(&appointment("2032-01-12T11:00Z", "2032-01-12T11:30Z"))
        .await;
    api.create(&appointment("2032-01-12T09:00Z", "2032-01-12T10:00Z"))
        .await;
    let other = with(
        appointment("2032-01-12T10:00Z", "2032-01-12T11:00Z"),
        "participant",
        json!([{"actor": {"reference": format!("Practitioner/{PRACTITIONER_2}")}}]),
    );
    api.create(&other).await;
    let cancel = json!({"resourceType": "Appointment", "status": "cancelled"});
    assert_eq!(api.update(&first, &cancel).await.status, 200);
    api.create(&appointment("2032-01-12T10:00Z", "2032-01-12T11:00Z"))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_double_booking_holds_under_50_concurrent_creates() {
    let api = Arc::new(Api::with(disallowing()).await);
    let body = Arc::new(appointment("2032-01-13T10:00Z", "2032-01-13T10:30Z"));
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let api = Arc::clone(&api);
        let body = Arc::clone(&body);
        tasks.push(tokio::spawn(async move {
            api.post("/Appointment", &body).await
        }));
    }
    let mut created = 0;
    let mut refused = 0;
    for task in tasks {
        let reply = task.await.unwrap();
        match reply.status {
            201 => created += 1,
            422 => {
                reply.rule(TAKEN);
                refused += 1;
            }
            other => panic!("unexpected {other}: {}", reply.text),
        }
    }
    assert_eq!((created, refused), (1, 49));
    let bundle = api.search("date=2032-01-13").await;
    assert_eq!(bundle["total"], 1);
}

#[tokio::test]
async fn create_accepts_the_page_example_with_reason_code_as_an_array() {
    let api = Api::start().await;
    let body = json!({
        "resourceType": "Appointment",
        "reasonCode": [{"coding": [{"system": "INTERNAL", "code": "9903", "display": "Urgent Visit"}], "text": "Weekly check-in"}],
        "description": "Weekly check-in.",
        "participant": [
            {"actor": {"reference": format!("Patient/{PATIENT_3}")}, "status": "accepted"},
            {"actor": {"reference": format!("Practitioner/{PRACTITIONER}")}, "status": "accepted"},
        ],
        "appointmentType": {"coding": [{"system": "http://snomed.info/sct", "code": "448337001", "display": "Telemedicine consultation with patient (procedure)"}]},
        "start": "2022-03-20T13:30:00.000Z",
        "end": "2022-03-20T14:00:00.000Z",
        "supportingInformation": [{"reference": "Location/1"}, {"reference": "#appointment-meeting-endpoint", "type": "Endpoint"}],
        "contained": [{
            "resourceType": "Endpoint", "id": "appointment-meeting-endpoint", "status": "active",
            "connectionType": {"code": "https"}, "payloadType": [{"coding": [{"code": "video-call"}]}],
            "address": "https://url-for-video-chat.example.com?meetingi=abc123",
        }],
        "status": "proposed",
    });
    let read = api.read(&api.create(&body).await).await;
    assert_eq!(read["description"], "Weekly check-in");
    assert_eq!(
        read["appointmentType"]["coding"][0]["display"],
        "Telemedicine"
    );
    assert_eq!(read["start"], "2022-03-20T13:30:00+00:00");
}
