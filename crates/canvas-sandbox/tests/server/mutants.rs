//! Mutants: names are unique, every behaviour ID has one, and each one changes what a client
//! observes. A fixed probe script runs against the reference and against every mutant; the
//! normalized transcripts (ids → ordinals, base URL → BASE) must be equal for the reference run
//! twice and differ for each mutant.

use std::collections::HashSet;

use canvas_sandbox::settings::DoubleBooking;
use canvas_sandbox::{Mutant, ServerConfig, Settings};
use serde_json::json;

use super::common::*;

/// Every behaviour ID of BEHAVIOURS.md.
const BEHAVIOURS: &[&str] = &[
    "AUTH-BEARER",
    "ERR-OO",
    "ERR-400",
    "READ-200",
    "READ-404",
    "READ-STATUS-MAP",
    "READ-SHAPE",
    "READ-LOCATION",
    "READ-ENCOUNTER",
    "READ-RESCHEDULE",
    "READ-DESCRIPTION",
    "READ-TELEHEALTH",
    "CREATE-201",
    "CREATE-STATUS-PROPOSED",
    "CREATE-TYPE-DEFAULT",
    "CREATE-TYPE-ONE-CODING",
    "CREATE-TYPE-SYSTEM",
    "CREATE-TYPE-UNKNOWN",
    "CREATE-TYPE-UNSCHEDULABLE",
    "CREATE-RFV-FIRST",
    "CREATE-RFV-STRUCTURED",
    "CREATE-RFV-TEXT",
    "CREATE-TELEHEALTH",
    "CREATE-LOCATION",
    "CREATE-START-FORMAT",
    "CREATE-END-UNVALIDATED",
    "CREATE-PARTICIPANT",
    "CREATE-DOUBLE-BOOKING",
    "UPDATE-200",
    "UPDATE-STATUS-SET",
    "UPDATE-STATUS-UNSUPPORTED",
    "UPDATE-CANCELLED-FINAL",
    "UPDATE-STATUS-OMITTED",
    "UPDATE-PARTIAL",
    "UPDATE-TYPE-RULES",
    "UPDATE-RFV-REPLACE",
    "UPDATE-TELEHEALTH",
    "UPDATE-404",
    "SEARCH-BUNDLE",
    "SEARCH-PARAMS",
    "SEARCH-DATE",
    "SEARCH-PAGING",
    "SEARCH-LINKS",
    "SEARCH-SORT",
    "SEARCH-400",
];

#[test]
fn mutant_list_is_unique_and_covers_every_behaviour() {
    assert_eq!(BEHAVIOURS.len(), 45);
    let names: HashSet<&str> = Mutant::ALL.iter().map(|m| m.name()).collect();
    assert_eq!(names.len(), Mutant::ALL.len(), "names are unique");
    for m in Mutant::ALL {
        assert!(
            BEHAVIOURS.contains(&m.behaviour()),
            "{} → {}",
            m.name(),
            m.behaviour()
        );
        assert_eq!(Mutant::from_name(m.name()), Some(*m));
    }
    let covered: HashSet<&str> = Mutant::ALL.iter().map(|m| m.behaviour()).collect();
    let missing: Vec<_> = BEHAVIOURS
        .iter()
        .filter(|b| !covered.contains(*b))
        .collect();
    assert!(missing.is_empty(), "no mutant for {missing:?}");
}

/// The id a create's `Location` names (or a placeholder when the create was refused).
fn created(reply: &Reply) -> String {
    reply
        .header("location")
        .and_then(location_id)
        .unwrap_or_else(|| uuid::Uuid::nil().to_string())
}

fn probe_config(mutant: Option<Mutant>) -> ServerConfig {
    let mut settings = Settings::reference();
    settings.double_booking = DoubleBooking::Disallowed;
    ServerConfig {
        settings,
        mutant,
        ..ServerConfig::reference()
    }
}

/// Runs the probe script; every behaviour ID has at least one probe that shows it.
async fn probe(mutant: Option<Mutant>) -> (Vec<String>, u16) {
    let api = Api::with(probe_config(mutant)).await;
    let mut t = Transcript::new(api.server.base_url());
    let read_path = |id: &str| format!("/Appointment/{id}");

    // AUTH-BEARER, ERR-OO
    let reply = api
        .send(api.client.get(api.url(&read_path(&seeded(1)))))
        .await;
    t.record("read without token", &reply);
    let reply = api
        .send(
            api.client
                .get(api.url(&read_path(&seeded(1))))
                .bearer_auth("nope"),
        )
        .await;
    t.record("read with a wrong token", &reply);
    // READ-200, READ-STATUS-MAP, READ-SHAPE, READ-LOCATION, READ-ENCOUNTER, READ-DESCRIPTION
    let roomed = read_path(&seeded(5));
    let seeded_read_status = t.record(&format!("GET {roomed}"), &api.get(&roomed).await);
    // READ-RESCHEDULE
    for n in [10, 11] {
        let path = read_path(&seeded(n));
        t.record(&format!("GET {path}"), &api.get(&path).await);
    }
    // READ-404
    let unknown = read_path("00000000-0000-4000-8000-0000000000ff");
    t.record(&format!("GET {unknown}"), &api.get(&unknown).await);

    // CREATE-201, -STATUS-PROPOSED, -RFV-TEXT, -TELEHEALTH, -START-FORMAT, -PARTICIPANT; READ-TELEHEALTH
    let (supporting_info, contained) = telehealth("https://meet.example.com/a");
    let full = json!({
        "resourceType": "Appointment",
        "status": "booked",
        "appointmentType": type_coding("http://snomed.info/sct", "448337001"),
        "reasonCode": [{"coding": [{"system": "INTERNAL", "code": "INIV30"}], "text": "Check-up"}],
        "supportingInformation": supporting_info,
        "contained": contained,
        "start": "2040-01-01T10:00Z",
        "end": "2040-01-01T10:30Z",
        "participant": [
            {"actor": {"reference": format!("Patient/{PATIENT_2}")}, "status": "active"},
            {"actor": {"reference": format!("Practitioner/{PRACTITIONER}")}, "status": "active"},
        ],
    });
    let reply = api.post("/Appointment", &full).await;
    t.record("create full", &reply);
    let a = created(&reply);
    t.record("read full", &api.get(&read_path(&a)).await);

    // CREATE-TYPE-DEFAULT, CREATE-RFV-FIRST, CREATE-END-UNVALIDATED
    let second = json!({
        "resourceType": "Appointment",
        "reasonCode": [{"text": "first"}, {"text": "second"}],
        "start": "2040-01-02T10:00:00Z",
        "end": "2040-01-02T09:30:00Z",
        "participant": [{"actor": {"reference": format!("Practitioner/{PRACTITIONER_2}")}}],
    });
    let reply = api.post("/Appointment", &second).await;
    t.record("create default type", &reply);
    t.record(
        "read default type",
        &api.get(&read_path(&created(&reply))).await,
    );

    // CREATE-TYPE-ONE-CODING, -SYSTEM, -UNKNOWN, -UNSCHEDULABLE, CREATE-RFV-STRUCTURED, CREATE-LOCATION, ERR-400
    let slot = |day: u32| {
        appointment(
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
                json!({"coding": [
            {"system": "http://snomed.info/sct", "code": "308335008"},
            {"system": "http://snomed.info/sct", "code": "448337001"}]}),
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
            with(
                slot(3),
                "appointmentType",
                type_coding("http://snomed.info/sct", "999"),
            ),
        ),
        (
            "unschedulable type",
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
            "unknown location",
            with(
                slot(6),
                "supportingInformation",
                json!([{"reference": "Location/99"}]),
            ),
        ),
        ("string body", json!("not an appointment")),
    ];
    for (what, body) in refusals {
        t.record(what, &api.post("/Appointment", &body).await);
    }

    // CREATE-DOUBLE-BOOKING
    t.record("book slot", &api.post("/Appointment", &slot(20)).await);
    t.record("double book", &api.post("/Appointment", &slot(20)).await);

    // UPDATE-200, -STATUS-SET, -PARTIAL, -STATUS-UNSUPPORTED, -STATUS-OMITTED, -TYPE-RULES,
    // -RFV-REPLACE, -TELEHEALTH, -CANCELLED-FINAL, -404
    let (supporting_info, contained) = telehealth("https://meet.example.com/b");
    let updates = [
        json!({"resourceType": "Appointment", "status": "checked-in"}),
        json!({"resourceType": "Appointment", "status": "entered-in-error"}),
        json!({"resourceType": "Appointment"}),
        json!({"resourceType": "Appointment", "appointmentType": type_coding("INTERNAL", "CHART")}),
        json!({"resourceType": "Appointment", "reasonCode": [{"text": "changed"}]}),
        json!({"resourceType": "Appointment", "supportingInformation": supporting_info, "contained": contained}),
        json!({"resourceType": "Appointment", "status": "cancelled"}),
        json!({"resourceType": "Appointment", "status": "booked"}),
    ];
    for body in updates {
        t.record(&format!("PUT full {body}"), &api.update(&a, &body).await);
        t.record("read full", &api.get(&read_path(&a)).await);
    }
    let missing = "00000000-0000-4000-8000-0000000000fe";
    t.record(
        "PUT unknown",
        &api.update(missing, &json!({"resourceType": "Appointment"}))
            .await,
    );

    // SEARCH-PARAMS, -DATE, -PAGING, -LINKS, -SORT, -BUNDLE, -400
    for query in [
        format!("patient=Patient/{PATIENT_2}"),
        "date=gt2023-06-06".to_string(),
        "_count=2&_offset=1&_sort=-date".to_string(),
        "bogus=1".to_string(),
    ] {
        t.record(
            &format!("search {query}"),
            &api.get(&format!("/Appointment?{query}")).await,
        );
    }
    api.stop().await;
    (t.lines, seeded_read_status)
}

#[tokio::test]
async fn every_mutant_starts_answers_a_read_and_changes_something_observable() {
    let (reference, status) = probe(None).await;
    assert_eq!(status, 200);
    let (again, _) = probe(None).await;
    assert_eq!(reference, again, "the probe transcript is deterministic");
    let mut silent = Vec::new();
    for mutant in Mutant::ALL {
        let (lines, status) = probe(Some(*mutant)).await;
        assert_eq!(status, 200, "{} answers a read", mutant.name());
        if lines == reference {
            silent.push(mutant.name());
        }
    }
    assert!(
        silent.is_empty(),
        "mutants with no observable effect: {silent:?}"
    );
}
