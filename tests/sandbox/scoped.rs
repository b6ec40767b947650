//! Tokens of a case's own scope against the current reference server: a token request step is
//! recorded without the client's credentials or its token, a refusal is an answer to judge, and
//! `auth: { scope, patient }` carries a patient token that sees only its patient's appointments.

use std::time::Duration;

use canvas_conformance::case::model::{AuthMode, Method};
use canvas_conformance::exchange::{Outgoing, TokenUse};
use canvas_conformance::target::{Auth, Secret, TokenFields};

use super::common::{client, current_server, other_static_token_target, reference_client, target};

fn fields(scope: &str, patient: Option<&str>) -> TokenFields {
    TokenFields {
        scope: Some(scope.to_owned()),
        patient: patient.map(str::to_owned),
    }
}

fn token_request(fields: TokenFields) -> Outgoing {
    Outgoing {
        method: Method::Post,
        path: String::new(),
        query: Vec::new(),
        headers: Vec::new(),
        body: None,
        auth: AuthMode::None,
        token: Some(TokenUse::Request(fields)),
    }
}

#[tokio::test]
async fn a_token_request_step_is_recorded_without_credentials_or_the_token() {
    let server = current_server().await;
    let auth = reference_client(server.base_url());
    let target = target(&server, auth);
    assert_eq!(target.scoped_tokens_unavailable(), None);
    let client = client(Duration::from_secs(10));
    let exchange = client
        .send(
            &target,
            &token_request(fields("system/Appointment.rs", None)),
        )
        .await;
    let response = exchange.response.as_ref().expect("an answer");
    assert_eq!(response.status, 200, "{}", response.body);
    let json = response.json.as_ref().expect("JSON");
    assert_eq!(json["scope"], "system/Appointment.rs");
    assert_eq!(json["access_token"], "[redacted]");
    assert_eq!(exchange.request.url, target.token_url());
    let sent = exchange.request.body.as_deref().unwrap_or_default();
    assert!(
        sent.contains("scope=system%2FAppointment.rs") && sent.contains("%5Bredacted%5D"),
        "{sent}"
    );
    let recorded = format!("{exchange:?}");
    assert!(!recorded.contains("conformance-secret"), "{recorded}");
    assert!(!recorded.contains("client_id=conformance"), "{recorded}");
    // a refusal is the answer a case judges, not an error of the harness
    let exchange = client
        .send(&target, &token_request(fields("Appointment.read", None)))
        .await;
    assert!(exchange.error.is_none(), "{exchange:?}");
    let response = exchange.response.as_ref().expect("an answer");
    assert_eq!(response.status, 400);
    assert_eq!(
        response.json.as_ref().map(|j| j["error"].clone()),
        Some(serde_json::json!("invalid_scope"))
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_patient_token_reads_only_its_patients_appointments() {
    let server = current_server().await;
    let target = target(
        &server,
        Auth::static_token(Secret::new("dev-token".to_owned())),
    );
    // the reference client answers for a dev-token target
    assert_eq!(target.scoped_tokens_unavailable(), None);
    let patient = fields(
        "patient/Appointment.*",
        Some("9420c5f6c44e47ec82d7e48f78d5723a"),
    );
    let read = |id: &str| Outgoing {
        token: Some(TokenUse::Bearer(patient.clone())),
        ..Outgoing::get(format!("/Appointment/{id}"), Vec::new(), AuthMode::Scoped)
    };
    let client = client(Duration::from_secs(10));
    // …0012 is that patient's; …0001 another's
    let own = client
        .send(&target, &read("00000000-0000-4000-8000-000000000012"))
        .await;
    assert_eq!(
        own.response.as_ref().map(|r| r.status),
        Some(200),
        "{own:?}"
    );
    let other = client
        .send(&target, &read("00000000-0000-4000-8000-000000000001"))
        .await;
    assert_eq!(
        other.response.as_ref().map(|r| r.status),
        Some(403),
        "{other:?}"
    );
    assert!(
        other
            .request
            .headers
            .iter()
            .any(|(name, value)| name == "Authorization" && value == "Bearer [redacted]")
    );
    server.shutdown().await;
}

#[tokio::test]
async fn another_static_token_cannot_send_token_requests() {
    let server = current_server().await;
    let target = other_static_token_target(&server, "canary-7f3a");
    let reason = target
        .scoped_tokens_unavailable()
        .expect("no tokens of its own");
    assert!(reason.contains("my-sandbox"), "{reason}");
    let exchange = client(Duration::from_secs(10))
        .send(
            &target,
            &token_request(fields("system/Appointment.rs", None)),
        )
        .await;
    assert!(exchange.response.is_none());
    let error = exchange.error.expect("an error").to_string();
    assert!(!error.contains("canary-7f3a"), "{error}");
    server.shutdown().await;
}
