//! Both editions side by side: the edition fingerprints F1–F9 and W1–W7 of BEHAVIOURS-CURRENT.md
//! answered by `serve --edition 2023-09` and `serve --edition current`, and the `serve` options.

use canvas_sandbox::Edition;
use serde_json::{Value, json};

use super::common::*;

#[tokio::test]
async fn read_side_fingerprints_differ_as_documented() {
    let old = Api::start().await;
    let new = Api::current().await;
    // F1
    let unknown = "/Appointment/00000000-0000-4000-8000-0000000000ff";
    old.get(unknown)
        .await
        .outcome(404, "not-found", "Resource not found");
    current_outcome(
        &new.get(unknown).await,
        404,
        "not-found",
        "Unknown Appointment resource '00000000-0000-4000-8000-0000000000ff'",
    );
    // F2
    assert_eq!(
        old.get("/Appointment")
            .await
            .header("fumage-correlation-id"),
        None
    );
    assert!(
        new.get("/Appointment")
            .await
            .header("fumage-correlation-id")
            .is_some()
    );
    // F3
    let all = old.search("").await;
    assert_eq!(all["entry"].as_array().unwrap().len(), 11);
    assert_eq!(all["link"][0]["url"], "/Appointment");
    let paged = new.search("").await;
    assert_eq!(paged["entry"].as_array().unwrap().len(), 10);
    // F4
    let relations = |bundle: &serde_json::Value| -> Vec<String> {
        bundle["link"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["relation"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(relations(&old.search("_count=1&_offset=1").await).contains(&"previous".to_string()));
    assert!(!relations(&new.search("_count=1&_offset=1").await).contains(&"previous".to_string()));
    // F5, F9
    assert_eq!(old.get("/Appointment?foo=bar").await.status, 400);
    assert_eq!(new.get("/Appointment?foo=bar").await.status, 200);
    assert_eq!(old.get("/Appointment?identifier=x").await.status, 400);
    assert_eq!(new.get("/Appointment?identifier=x").await.status, 200);
    // F6, F7
    let (a, b) = (old.read(&seeded(1)).await, new.read(&seeded(1)).await);
    assert!(a.get("extension").is_none());
    assert!(b.get("extension").is_some());
    assert_eq!(supporting(&a, "Location")[0]["reference"], "Location/1");
    assert_eq!(
        supporting(&b, "Location")[0]["reference"],
        format!("Location/{LOCATION_UUID}")
    );
    // SEARCH-EMPTY: links in 2023-09, none in current
    assert!(old.search("date=1999-01-01").await.get("link").is_some());
    assert!(new.search("date=1999-01-01").await.get("link").is_none());
    old.stop().await;
    new.stop().await;
}

#[tokio::test]
async fn write_side_fingerprints_differ_as_documented() {
    let old = Api::start().await;
    let new = Api::current().await;
    // Location/1 names the practice location in both editions (D13)
    let body = with(
        current_appointment("2034-01-01T10:00Z", "2034-01-01T10:30Z"),
        "supportingInformation",
        json!([{"reference": "Location/1"}]),
    );
    // F8: both accept either Endpoint id (D5); reads differ
    let mut tele = body.clone();
    tele["supportingInformation"] =
        json!([{"reference": "Location/1"}, {"reference": "#appointment-meeting-endpoint"}]);
    tele["contained"] = json!([{"resourceType": "Endpoint", "id": "appointment-meeting-endpoint", "address": "https://m.example.com/f8"}]);
    assert_eq!(
        old.read(&old.create(&tele).await).await["contained"][0]["id"],
        "appointment-meeting-endpoint"
    );
    assert_eq!(
        new.read(&new.create(&tele).await).await["contained"][0]["id"],
        "appointment-meeting-endpoint-0"
    );
    // W1
    let no_status = without(body.clone(), "status");
    assert_eq!(
        old.read(&old.create(&no_status).await).await["status"],
        "proposed"
    );
    assert_eq!(new.post("/Appointment", &no_status).await.status, 400);
    // W2
    assert_eq!(
        old.read(&old.create(&body).await).await["status"],
        "proposed"
    );
    assert_eq!(new.read(&new.create(&body).await).await["status"], "booked");
    // W3
    let backwards = with(body.clone(), "end", json!("2034-01-01T09:00Z"));
    assert_eq!(old.post("/Appointment", &backwards).await.status, 201);
    assert_eq!(new.post("/Appointment", &backwards).await.status, 422);
    // W4
    let (a, b) = (
        old.post("/Appointment", &body).await,
        new.post("/Appointment", &body).await,
    );
    assert_eq!(a.text, "null");
    assert!(a.header("location").unwrap().ends_with("/_history/1"));
    assert_eq!(b.text, "");
    assert!(!b.header("location").unwrap().contains("_history"));
    // W5
    let unknown = with(
        body.clone(),
        "appointmentType",
        type_coding("INTERNAL", "NOPE"),
    );
    old.post("/Appointment", &unknown).await.rule(
        "Appointment Create Error: Appointment Type does not exist with system: INTERNAL and code: NOPE",
    );
    current_outcome(
        &new.post("/Appointment", &unknown).await,
        422,
        "business-rule",
        "Appointment Type does not exist with code: NOPE and system: INTERNAL",
    );
    // W6, W7
    let old_id = old.create(&body).await;
    let new_id = new.create(&body).await;
    assert_eq!(
        old.update(&old_id, &without(body.clone(), "status"))
            .await
            .status,
        200
    );
    assert_eq!(
        new.update(&new_id, &without(body.clone(), "status"))
            .await
            .status,
        400
    );
    let mut other_patient = body.clone();
    other_patient["participant"][1]["actor"]["reference"] = json!(format!("Patient/{PATIENT_3}"));
    assert_eq!(old.update(&old_id, &other_patient).await.status, 200);
    assert_eq!(
        old.read(&old_id).await["participant"][1]["actor"]["reference"],
        format!("Patient/{PATIENT_3}")
    );
    assert_eq!(new.update(&new_id, &other_patient).await.status, 422);
    old.stop().await;
    new.stop().await;
}

#[test]
fn edition_names_parse_and_settings_files_carry_them() {
    assert_eq!("current".parse::<Edition>(), Ok(Edition::Current));
    assert_eq!("2023-09".parse::<Edition>(), Ok(Edition::Sept2023));
    assert!("2026".parse::<Edition>().is_err());
    let text = "edition: current\nlocations:\n  - {id: c1a4e5d2-7b3f-4e69-8a0d-5f2b9c6e1d47, name: Main, legacy_id: '1'}\nappointment_types:\n  - {system: INTERNAL, code: A, display: A, default: true}\n";
    let settings =
        canvas_sandbox::Settings::from_yaml_str(text, std::path::Path::new("s.yaml")).unwrap();
    assert_eq!(settings.edition, Edition::Current);
    let text = "edition: 2024\nlocations:\n  - {id: '1', name: Main}\nappointment_types:\n  - {system: INTERNAL, code: A, display: A, default: true}\n";
    let err =
        canvas_sandbox::Settings::from_yaml_str(text, std::path::Path::new("s.yaml")).unwrap_err();
    assert!(err.to_string().starts_with("s.yaml:1:"), "{err}");
}

/// The served document of each edition, with `schema` as its root (refs resolve in components).
#[tokio::test]
async fn openapi_describes_the_served_edition_and_agrees_with_the_server() {
    let api = Api::current().await;
    let doc = api
        .send(api.client.get(api.url("/openapi.json")))
        .await
        .json();
    assert_eq!(doc["info"]["version"], "current");
    assert!(doc["components"]["parameters"]["identifier"].is_object());
    assert!(doc["paths"]["/auth/introspect/"].is_object());
    let create = document_schema(&doc, "AppointmentCreate");
    // a valid request by the document is accepted by the server
    let good = current_appointment("2035-01-01T10:00Z", "2035-01-01T10:30Z");
    assert!(
        create.is_valid(&good),
        "{:?}",
        create
            .iter_errors(&good)
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
    );
    assert_eq!(api.post("/Appointment", &good).await.status, 201);
    // dates that cannot exist, a free-string status, a missing field: invalid by both
    for bad in [
        with(good.clone(), "start", json!("2035-02-30T10:00Z")),
        with(good.clone(), "start", json!("0000-01-01T10:00Z")),
        with(good.clone(), "status", json!("entered-in-error")),
        without(good.clone(), "status"),
        with(
            good.clone(),
            "participant",
            json!([{"actor": {"reference": format!("Practitioner/{PRACTITIONER}")}, "status": "active"}]),
        ),
    ] {
        assert!(!create.is_valid(&bad), "{bad}");
        assert_eq!(api.post("/Appointment", &bad).await.status, 400, "{bad}");
    }
    let leap = with(good.clone(), "start", json!("2036-02-29T10:00Z"));
    assert!(create.is_valid(&leap));
    // the amendments (D27): resourceType optional, null absent for optional elements and
    // missing for required ones, the v1 wrapper refused
    let mut amended = without(good.clone(), "resourceType");
    amended["contained"] = Value::Null;
    amended["description"] = Value::Null;
    amended["start"] = json!("2035-01-02T10:00Z");
    amended["end"] = json!("2035-01-02T10:30Z");
    assert!(
        create.is_valid(&amended),
        "{:?}",
        create
            .iter_errors(&amended)
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
    );
    assert_eq!(api.post("/Appointment", &amended).await.status, 201);
    for bad in [
        with(good.clone(), "start", Value::Null),
        with(good.clone(), "status", Value::Null),
        json!({ "resource": good.clone() }),
    ] {
        assert!(!create.is_valid(&bad), "{bad}");
        assert_eq!(api.post("/Appointment", &bad).await.status, 400, "{bad}");
    }
    // D31: the document's media type is the one answered
    let read = &doc["paths"]["/Appointment/{id}"]["get"]["responses"]["200"]["content"];
    assert!(read["application/fhir+json"].is_object(), "{read}");
    let token = &doc["paths"]["/auth/token/"]["post"]["responses"]["200"]["content"];
    assert!(token["application/json"].is_object(), "{token}");
    // D4 and D30: the search parameters take dateTimes and the four token forms
    let pattern = |name: &str, value: &str| {
        let schema = &doc["components"]["parameters"][name]["schema"];
        let schema = schema.get("items").unwrap_or(schema);
        let pattern = schema["pattern"].as_str().expect("a pattern");
        regex::Regex::new(pattern).expect("regex").is_match(value)
    };
    for date in [
        "2024",
        "ge2024-03",
        "2024-03-05",
        "eq2024-03-05T09:00:00-05:00",
        "lt2024-03-05T09:00",
    ] {
        assert!(pattern("date", date), "{date}");
        let reply = api
            .get(&format!("/Appointment?date={}", date.replace('+', "%2B")))
            .await;
        assert_eq!(reply.status, 200, "{date}: {}", reply.text);
    }
    for date in ["ne2024-03-05", "2024-13", "2024-03-05T24:00Z"] {
        assert!(!pattern("date", date), "{date}");
        assert_eq!(
            api.get(&format!("/Appointment?date={date}")).await.status,
            400
        );
    }
    for token in ["c", "s|c", "|c", "s|"] {
        assert!(
            pattern("identifier", token) && pattern("appointment-type", token),
            "{token}"
        );
    }
    assert!(!pattern("identifier", "|"));
    api.stop().await;
    let old = Api::start().await;
    let doc = old
        .send(old.client.get(old.url("/openapi.json")))
        .await
        .json();
    assert_eq!(doc["info"]["version"], "2023-09");
    let create = document_schema(&doc, "AppointmentCreate");
    let body = with(
        good,
        "supportingInformation",
        json!([{"reference": "Location/1", "type": "Location"}]),
    );
    assert!(
        create.is_valid(&body),
        "{:?}",
        create
            .iter_errors(&body)
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
    );
    assert_eq!(old.post("/Appointment", &body).await.status, 201);
    old.stop().await;
}

#[tokio::test]
async fn token_faults_are_fixed_in_2023_09_too() {
    let api = Api::start().await;
    // HTTP Basic client authentication with only grant_type in the form (RFC 6749 §2.3.1)
    let reply = api
        .send(
            api.client
                .post(api.url("/auth/token/"))
                .basic_auth("conformance", Some("conformance-secret"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body("grant_type=client_credentials&scope=system%2FAppointment.read"),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json()["scope"], "system/Appointment.read");
    let token = reply.json()["access_token"].as_str().unwrap().to_string();
    // the requested scope is honoured (D12): read yes, write 403
    let reply = api
        .send(
            api.client
                .get(api.url(&format!("/Appointment/{}", seeded(1))))
                .bearer_auth(&token),
        )
        .await;
    assert_eq!(reply.status, 200);
    let reply = api
        .send(
            api.client
                .post(api.url("/Appointment"))
                .bearer_auth(&token)
                .json(&appointment("2036-01-01T10:00Z", "2036-01-01T10:30Z")),
        )
        .await;
    reply.outcome(403, "forbidden", "Authorization failed");
    // _count too large is accepted (no maximum in 2023-09), not "at least 1"
    assert_eq!(api.search("_count=4294967296").await["total"], 11);
    api.stop().await;
}
