//! READ-* against FHIR R4: every read the reference server answers (a created telehealth
//! appointment, one without reason or patient, the eleven seeds) passes the harness's R4 schema
//! check (`schemas/fhir/`, plus the cardinalities the JSON Schema cannot express).

use canvas_conformance::case::SchemaName;
use canvas_conformance::check::schema::violations;
use canvas_sandbox::{ServerConfig, spawn};
use serde_json::{Value, json};

const PRACTITIONER: &str = "3a182f42885645e0bc3d608e7c02aad8";
const PATIENT: &str = "a29eaebb284143ba97c76b01fdb46964";

fn assert_valid_appointment(resource: &Value) {
    let errors =
        violations(SchemaName::Appointment, resource).expect("the embedded schema compiles");
    assert!(errors.is_empty(), "{errors:?}\n{resource:#}");
}

#[tokio::test]
async fn reads_of_the_reference_server_are_valid_fhir_r4() {
    let config = ServerConfig::reference();
    let token = config.static_token.clone();
    let server = spawn(config).await.expect("server starts");
    let client = reqwest::Client::new();
    let base = server.base_url().to_owned();
    let create = |body: Value| {
        let request = client
            .post(format!("{base}/Appointment"))
            .bearer_auth(&token)
            .json(&body);
        async move {
            let answer = request.send().await.expect("create answers");
            assert_eq!(answer.status(), 201);
            let location = answer
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .expect("a Location header")
                .to_owned();
            location
                .split("/Appointment/")
                .nth(1)
                .and_then(|rest| rest.split('/').next())
                .expect("an id in Location")
                .to_owned()
        }
    };
    let read = |id: String| {
        let request = client
            .get(format!("{base}/Appointment/{id}"))
            .bearer_auth(&token);
        async move {
            let answer = request.send().await.expect("read answers");
            assert_eq!(answer.status(), 200);
            answer.json::<Value>().await.expect("a JSON read")
        }
    };
    let telehealth = create(json!({
        "resourceType": "Appointment",
        "start": "2031-03-01T10:00:00.250+02:00",
        "end": "2031-03-01T10:30Z",
        "appointmentType": {"coding": [{"system": "INTERNAL", "code": "INIV"}]},
        "reasonCode": [{"coding": [{"system": "INTERNAL", "code": "INIV30"}], "text": "Comment"}],
        "supportingInformation": [
            {"reference": "Location/1", "type": "Location"},
            {"reference": "#appointment-meeting-endpoint", "type": "Endpoint"},
        ],
        "contained": [{
            "resourceType": "Endpoint",
            "id": "appointment-meeting-endpoint",
            "address": "https://meet.example.com/abc",
        }],
        "participant": [
            {"actor": {"reference": format!("Practitioner/{PRACTITIONER}")}, "status": "active"},
            {"actor": {"reference": format!("Patient/{PATIENT}")}, "status": "active"},
        ],
    }))
    .await;
    let bare = create(json!({
        "resourceType": "Appointment",
        "start": "2031-03-02T10:00Z",
        "end": "2031-03-02T10:30Z",
        "participant": [{"actor": {"reference": format!("Practitioner/{PRACTITIONER}")}}],
    }))
    .await;
    let mut ids = vec![telehealth, bare];
    ids.extend((1..=11u32).map(|n| format!("00000000-0000-4000-8000-{n:012}")));
    for id in ids {
        assert_valid_appointment(&read(id).await);
    }
    server.shutdown().await;
}
