//! Current-edition mutants: every observable ID of BEHAVIOURS-CURRENT.md has one, each runs only
//! in its editions, and each changes what a client observes. A fixed probe script runs against
//! the current reference and every current mutant; normalized transcripts (ids → ordinals, base
//! URL → BASE, the correlation id → its presence) must be equal for the reference run twice and
//! differ for each mutant.

use std::collections::HashSet;

use canvas_sandbox::settings::DoubleBooking;
use canvas_sandbox::{Edition, Mutant, ServerConfig, Settings};
use serde_json::{Value, json};

use super::common::*;

/// Every live ID of BEHAVIOURS-CURRENT.md a client can observe (ERR-5XX needs a server fault).
const CURRENT_IDS: &[&str] = &[
    "AUTH-BEARER",
    "AUTH-403-SCOPE",
    "AUTH-SCOPE-GRANT",
    "AUTH-PATIENT-TOKEN",
    "ERR-OO",
    "ERR-400",
    "ERR-405",
    "ERR-422",
    "REQ-BARE-RESOURCE",
    "REQ-NONEMPTY-STRINGS",
    "RESP-CORRELATION-ID",
    "REQ-NULL-ABSENT",
    "RESP-FHIR-JSON",
    "READ-200",
    "READ-404",
    "READ-STATUS-MAP",
    "READ-SHAPE",
    "READ-LOCATION",
    "READ-ENCOUNTER",
    "READ-RESCHEDULE",
    "READ-COSCHEDULED",
    "READ-DESCRIPTION",
    "READ-TELEHEALTH",
    "READ-NOTE-EXTENSION",
    "READ-IDENTIFIER",
    "READ-PARTICIPANT",
    "CREATE-201",
    "CREATE-REQUIRED",
    "CREATE-STATUS-VALUES",
    "CREATE-ID-EXCLUDED",
    "CREATE-IGNORED-FIELDS",
    "CREATE-TYPE-DEFAULT",
    "CREATE-TYPE-ONE-CODING",
    "CREATE-TYPE-SYSTEM",
    "CREATE-TYPE-UNKNOWN",
    "CREATE-TYPE-UNSCHEDULABLE",
    "CREATE-RFV-FIRST",
    "CREATE-RFV-STRUCTURED",
    "CREATE-RFV-TEXT",
    "CREATE-RFV-DEFAULT",
    "CREATE-TELEHEALTH",
    "CREATE-TELEHEALTH-DEFAULT",
    "CREATE-LOCATION",
    "CREATE-START-FORMAT",
    "CREATE-DURATION-POSITIVE",
    "CREATE-PARTICIPANT",
    "CREATE-PARTICIPANT-STATUS",
    "CREATE-IDENTIFIER",
    "CREATE-DOUBLE-BOOKING",
    "CREATE-EVENT-NO-NOTE",
    "CREATE-DURATION-MINUTES",
    "UPDATE-200",
    "UPDATE-REQUIRED",
    "UPDATE-ID-MATCH",
    "UPDATE-STATUS-SET",
    "UPDATE-STATUS-UNSUPPORTED",
    "UPDATE-CANCELLED-FINAL",
    "UPDATE-PARTIAL",
    "UPDATE-TYPE-RULES",
    "UPDATE-TYPE-OMITTED-KEPT",
    "UPDATE-TYPE-EVENT-REQUIRED",
    "UPDATE-RFV-REPLACE",
    "UPDATE-RFV-OMITTED-KEPT",
    "UPDATE-TELEHEALTH",
    "UPDATE-PATIENT-FIXED",
    "UPDATE-IDENTIFIER",
    "UPDATE-412",
    "UPDATE-IN-PLACE",
    "UPDATE-404",
    "SEARCH-BUNDLE",
    "SEARCH-PARAMS",
    "SEARCH-IDENTIFIER",
    "SEARCH-APPOINTMENT-TYPE-TOKEN",
    "SEARCH-DATE",
    "SEARCH-PAGING",
    "SEARCH-LINKS",
    "SEARCH-EMPTY",
    "SEARCH-COUNT-MAX",
    "SEARCH-SORT",
    "SEARCH-400",
];

#[test]
fn every_observable_current_id_has_a_mutant_of_the_current_edition() {
    assert_eq!(
        CURRENT_IDS.len(),
        80,
        "76 live IDs and the amendments' 5, minus ERR-5XX"
    );
    let mutants = Mutant::of(Edition::Current);
    let covered: HashSet<&str> = mutants.iter().map(|m| m.behaviour()).collect();
    let missing: Vec<_> = CURRENT_IDS
        .iter()
        .filter(|id| !covered.contains(*id))
        .collect();
    assert!(missing.is_empty(), "no current mutant for {missing:?}");
    for m in &mutants {
        assert!(
            CURRENT_IDS.contains(&m.behaviour()),
            "{} → {}",
            m.name(),
            m.behaviour()
        );
    }
    // the 2023-09 list (the harness's mutation analysis) holds no current-only mutant
    for m in Mutant::ALL {
        assert!(m.editions().contains(&Edition::Sept2023), "{}", m.name());
    }
}

fn created(reply: &Reply) -> String {
    reply
        .header("location")
        .and_then(location_id)
        .unwrap_or_else(|| uuid::Uuid::nil().to_string())
}

fn config(mutant: Option<Mutant>) -> ServerConfig {
    let mut settings = Settings::reference_for(Edition::Current);
    settings.double_booking = DoubleBooking::Disallowed;
    ServerConfig {
        settings,
        mutant,
        ..ServerConfig::reference()
    }
}

fn participants(patient: &str) -> Value {
    json!([
        {"actor": {"reference": format!("Practitioner/{PRACTITIONER}")}, "status": "accepted"},
        {"actor": {"reference": format!("Patient/{patient}")}, "status": "accepted"},
    ])
}

/// Runs the probe script and returns its transcript.
async fn probe(mutant: Option<Mutant>) -> Vec<String> {
    let api = Api::with(config(mutant)).await;
    let mut t = Transcript::new(api.server.base_url());
    let path = |id: &str| format!("/Appointment/{id}");

    // AUTH-BEARER, ERR-OO, RESP-CORRELATION-ID
    let reply = api
        .send(
            api.client
                .get(api.url(&path(&seeded(1))))
                .bearer_auth("nope"),
        )
        .await;
    t.record("read with a wrong token", &reply);
    // READ-*
    for n in [1, 5, 10, 11, 12, 13] {
        t.record(&format!("GET seed {n}"), &api.get(&path(&seeded(n))).await);
    }
    t.record(
        "GET unknown",
        &api.get(&path("00000000-0000-4000-8000-0000000000ff")).await,
    );
    // ERR-405
    let reply = api
        .send(
            api.client
                .delete(api.url(&path(&seeded(1))))
                .bearer_auth(TOKEN),
        )
        .await;
    t.record("DELETE", &reply);
    // AUTH-403-SCOPE
    let form = "grant_type=client_credentials&client_id=conformance&client_secret=conformance-secret&scope=system%2FAppointment.read";
    let reply = api
        .send(
            api.client
                .post(api.url("/auth/token/"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form),
        )
        .await;
    let read_only = reply.json()["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let body = current_appointment("2040-03-01T10:00Z", "2040-03-01T10:30Z");
    let reply = api
        .send(
            api.client
                .post(api.url("/Appointment"))
                .bearer_auth(&read_only)
                .json(&body),
        )
        .await;
    t.record("create with a read-only token", &reply);
    // AUTH-SCOPE-GRANT, AUTH-403-SCOPE (v2 letters), AUTH-PATIENT-TOKEN
    let token = |scope: &str, patient: Option<&str>| {
        let mut form = vec![
            ("grant_type", "client_credentials"),
            ("client_id", "conformance"),
            ("client_secret", "conformance-secret"),
            ("scope", scope),
        ];
        form.extend(patient.map(|p| ("patient", p)));
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        api.client
            .post(api.url("/auth/token/"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
    };
    let reply = api.send(token("system/*.read", None)).await;
    t.lines
        .push(format!("scope of system/*.read: {}", reply.json()["scope"]));
    let reply = api.send(token("system/Appointment.s", None)).await;
    let search_only = reply.json()["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let reply = api
        .send(
            api.client
                .get(api.url(&path(&seeded(1))))
                .bearer_auth(&search_only),
        )
        .await;
    t.record("read with a search-only token", &reply);
    let reply = api
        .send(token("patient/Appointment.*", Some(PATIENT_2)))
        .await;
    let patient_token = reply.json()["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let reply = api
        .send(
            api.client
                .get(api.url("/Appointment"))
                .bearer_auth(&patient_token),
        )
        .await;
    t.record("search with a patient token", &reply);
    // REQ-NULL-ABSENT, CREATE-REQUIRED (no resourceType), CREATE-DURATION-MINUTES
    let amended = [
        (
            "contained null",
            with(
                current_appointment("2040-04-01T10:00Z", "2040-04-01T10:30Z"),
                "contained",
                Value::Null,
            ),
        ),
        (
            "no resourceType",
            without(
                current_appointment("2040-04-02T10:00Z", "2040-04-02T10:30Z"),
                "resourceType",
            ),
        ),
        (
            "29 min 30 s",
            current_appointment("2040-04-03T10:00Z", "2040-04-03T10:29:30Z"),
        ),
    ];
    for (what, body) in amended {
        let reply = api.post("/Appointment", &body).await;
        t.record(what, &reply);
        t.record("read it", &api.get(&path(&created(&reply))).await);
    }

    // CREATE-201, -STATUS-VALUES, -ID-EXCLUDED, -IGNORED-FIELDS, -RFV-FIRST, -RFV-TEXT,
    // -TELEHEALTH, -PARTICIPANT, -IDENTIFIER, -START-FORMAT; READ-TELEHEALTH, -IDENTIFIER
    let chosen = "11111111-2222-4333-8444-555555555555";
    let full = json!({
        "resourceType": "Appointment",
        "id": chosen,
        "status": "arrived",
        "extension": [{"url": "http://example.com/x", "valueString": "y"}],
        "identifier": [{"system": "urn:probe", "value": "P-1"}],
        "appointmentType": type_coding("http://snomed.info/sct", "448337001"),
        "reasonCode": [{"coding": [{"code": "INIV30"}], "text": "first"}, {"text": "second"}],
        "supportingInformation": [{"reference": format!("Location/{LOCATION_UUID}")}, {"reference": "#appointment-meeting-endpoint-0", "type": "Endpoint"}],
        "contained": [{"resourceType": "Endpoint", "id": "appointment-meeting-endpoint-0", "address": "https://meet.example.com/a"}],
        "start": "2040-01-01T10:00Z",
        "end": "2040-01-01T10:30Z",
        "participant": [
            {"actor": {"reference": format!("Patient/{PATIENT_2}")}, "status": "accepted"},
            {"actor": {"reference": format!("Practitioner/{PRACTITIONER}")}, "status": "accepted"},
        ],
    });
    let reply = api.post("/Appointment", &full).await;
    t.record(&format!("create full (body id {chosen})"), &reply);
    let a = created(&reply);
    t.record("read full", &api.get(&path(&a)).await);

    // CREATE-TYPE-DEFAULT, -RFV-DEFAULT, -LOCATION (legacy id)
    let minimal = with(
        current_appointment("2040-01-02T10:00Z", "2040-01-02T10:30Z"),
        "supportingInformation",
        json!([{"reference": "Location/1"}]),
    );
    let reply = api.post("/Appointment", &minimal).await;
    t.record("create minimal", &reply);
    t.record("read minimal", &api.get(&path(&created(&reply))).await);
    // CREATE-TELEHEALTH-DEFAULT
    let tele = with(
        current_appointment("2040-01-03T10:00Z", "2040-01-03T10:30Z"),
        "appointmentType",
        type_coding("http://snomed.info/sct", "448337001"),
    );
    let reply = api.post("/Appointment", &tele).await;
    t.record("create telemedicine", &reply);
    t.record("read telemedicine", &api.get(&path(&created(&reply))).await);
    // CREATE-EVENT-NO-NOTE
    let mut event = current_appointment("2040-01-04T10:00Z", "2040-01-04T10:30Z");
    event["appointmentType"] = type_coding("INTERNAL", "EVENT");
    event["participant"] = json!([{"actor": {"reference": format!("Practitioner/{PRACTITIONER_2}")}, "status": "accepted"}]);
    let reply = api.post("/Appointment", &event).await;
    t.record("create event", &reply);
    let event_id = created(&reply);

    // refusals: CREATE-REQUIRED, -TYPE-*, -RFV-STRUCTURED, -DURATION-POSITIVE,
    // -PARTICIPANT-STATUS, REQ-*, ERR-400, ERR-422
    let slot = |day: u32| {
        current_appointment(
            &format!("2040-02-{day:02}T10:00Z"),
            &format!("2040-02-{day:02}T10:30Z"),
        )
    };
    let refusals = [
        (
            "two codings",
            with(
                slot(1),
                "appointmentType",
                json!({"coding": [{"system": "INTERNAL", "code": "INIV"}, {"system": "INTERNAL", "code": "INIV"}]}),
            ),
        ),
        (
            "loinc system",
            with(
                slot(2),
                "appointmentType",
                type_coding("http://loinc.org", "308335008"),
            ),
        ),
        (
            "unknown type",
            with(slot(3), "appointmentType", type_coding("INTERNAL", "NOPE")),
        ),
        (
            "unschedulable",
            with(slot(4), "appointmentType", type_coding("INTERNAL", "CHART")),
        ),
        (
            "unknown rfv",
            with(
                slot(5),
                "reasonCode",
                json!([{"coding": [{"code": "NOPE"}]}]),
            ),
        ),
        (
            "zero duration",
            with(slot(6), "end", json!("2040-02-06T10:00Z")),
        ),
        (
            "participant active",
            with(
                slot(7),
                "participant",
                json!([{"actor": {"reference": format!("Practitioner/{PRACTITIONER}")}, "status": "active"}]),
            ),
        ),
        (
            "no supportingInformation",
            without(slot(8), "supportingInformation"),
        ),
        ("wrapped", json!({"resource": slot(9)})),
        (
            "empty description",
            with(slot(10), "description", json!("")),
        ),
        ("string body", json!("not an appointment")),
    ];
    for (what, body) in refusals {
        let reply = api.post("/Appointment", &body).await;
        t.record(what, &reply);
        if reply.status < 300 {
            t.record("read refused", &api.get(&path(&created(&reply))).await);
        }
    }
    // CREATE-DOUBLE-BOOKING
    t.record("book slot", &api.post("/Appointment", &slot(20)).await);
    t.record("double book", &api.post("/Appointment", &slot(20)).await);

    // UPDATE-*: on the full appointment, with only the required fields and the patient
    let required = json!({
        "resourceType": "Appointment",
        "status": "checked-in",
        "start": "2040-01-01T10:00Z",
        "end": "2040-01-01T10:30Z",
        "supportingInformation": [],
        "participant": participants(PATIENT_2),
    });
    let (tele_info, tele_contained) = (
        json!([{"reference": "#appointment-meeting-endpoint"}]),
        json!([{"resourceType": "Endpoint", "id": "appointment-meeting-endpoint", "address": "https://meet.example.com/b"}]),
    );
    let mut stale = required.clone();
    stale["status"] = json!("noshow");
    let updates: Vec<(&str, Value)> = vec![
        ("required only", required.clone()),
        (
            "no start/end",
            without(without(required.clone(), "start"), "end"),
        ),
        (
            "entered-in-error",
            with(required.clone(), "status", json!("entered-in-error")),
        ),
        (
            "id mismatch",
            with(required.clone(), "id", json!(seeded(1))),
        ),
        (
            "unschedulable",
            with(
                required.clone(),
                "appointmentType",
                type_coding("INTERNAL", "CHART"),
            ),
        ),
        (
            "new reason",
            with(required.clone(), "reasonCode", json!([{"text": "changed"}])),
        ),
        (
            "new link",
            with(
                with(required.clone(), "supportingInformation", tele_info),
                "contained",
                tele_contained,
            ),
        ),
        (
            "other patient",
            with(required.clone(), "participant", participants(PATIENT_3)),
        ),
        (
            "moved",
            with(required.clone(), "start", json!("2040-01-01T09:00Z")),
        ),
        (
            "cancelled",
            with(required.clone(), "status", json!("cancelled")),
        ),
        (
            "booked again",
            with(required.clone(), "status", json!("booked")),
        ),
        ("no resourceType", without(required.clone(), "resourceType")),
    ];
    for (what, body) in updates {
        t.record(&format!("PUT full: {what}"), &api.update(&a, &body).await);
        t.record("read full", &api.get(&path(&a)).await);
    }
    // UPDATE-412
    let fresh_reply = api.post("/Appointment", &slot(21)).await;
    let b = created(&fresh_reply);
    let reply = api
        .send(
            api.client
                .put(api.url(&path(&b)))
                .bearer_auth(TOKEN)
                .header("if-unmodified-since", "Sun, 06 Nov 1994 08:49:37 GMT")
                .json(&with(slot(21), "status", json!("noshow"))),
        )
        .await;
    t.record("stale PUT", &reply);
    t.record("read stale", &api.get(&path(&b)).await);
    // UPDATE-TYPE-EVENT-REQUIRED
    t.record(
        "PUT event without type",
        &api.update(&event_id, &without(event.clone(), "appointmentType"))
            .await,
    );
    // UPDATE-IDENTIFIER: SCHED-13 sent, the ended LEGACY-13 left out
    let mut seed13 = json!({
        "resourceType": "Appointment",
        "status": "booked",
        "start": "2023-06-09T09:00Z",
        "end": "2023-06-09T09:30Z",
        "supportingInformation": [],
        "participant": [{"actor": {"reference": format!("Practitioner/{PRACTITIONER_2}")}, "status": "accepted"}],
    });
    seed13["identifier"] = json!([{"id": "f0000000-0000-4000-8000-000000000131", "system": "https://scheduler.example.com/appointment", "value": "SCHED-13"}]);
    t.record(
        "PUT seed 13 identifiers",
        &api.update(&seeded(13), &seed13).await,
    );
    t.record("read seed 13", &api.get(&path(&seeded(13))).await);
    // UPDATE-404
    t.record(
        "PUT unknown",
        &api.update("00000000-0000-4000-8000-0000000000fe", &required)
            .await,
    );

    // SEARCH-*
    for query in [
        String::new(),
        format!("patient=Patient/{PATIENT_2}"),
        "date=gt2023-06-08".to_string(),
        "_count=2&_offset=1&_sort=-date".to_string(),
        "identifier=SCHED-12".to_string(),
        "appointment-type=http://loinc.org|308335008".to_string(),
        "date=1999-01-01".to_string(),
        "_count=101&date=2023-06-06".to_string(),
        "status=bogus".to_string(),
        "date=2023-06-06T09:00Z".to_string(),
        "identifier=https://scheduler.example.com/appointment|".to_string(),
        "appointment-type=|308335008".to_string(),
    ] {
        t.record(
            &format!("search {query}"),
            &api.get(&format!("/Appointment?{query}")).await,
        );
    }
    api.stop().await;
    t.lines
}

#[tokio::test]
async fn every_current_mutant_changes_something_observable() {
    let reference = probe(None).await;
    assert_eq!(
        reference,
        probe(None).await,
        "the probe transcript is deterministic"
    );
    let mut silent = Vec::new();
    for mutant in Mutant::of(Edition::Current) {
        if probe(Some(mutant)).await == reference {
            silent.push(mutant.name());
        }
    }
    assert!(
        silent.is_empty(),
        "current mutants with no observable effect: {silent:?}"
    );
}
