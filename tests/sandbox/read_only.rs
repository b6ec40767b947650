//! `auth: read_only` (AUTH-403-SCOPE, D12) end to end against the current reference server: the
//! read-only token from the reference client (static `dev-token` target) and from a target's own
//! OAuth client, cached; it reads and is refused writes; it never reaches a recorded exchange; a
//! target with another static token cannot have one, and its case is skipped.

use std::time::Duration;

use canvas_conformance::case::model::{AuthMode, Method};
use canvas_conformance::exchange::Outgoing;
use canvas_conformance::target::{Auth, Secret};

use super::common::{client, current_server, other_static_token_target, reference_client, target};

fn create(auth: AuthMode) -> Outgoing {
    let body = serde_json::json!({
        "resourceType": "Appointment",
        "status": "booked",
        "start": "2031-03-04T09:00:00Z",
        "end": "2031-03-04T09:30:00Z",
        "participant": [
            {"actor": {"reference": "Practitioner/3a182f42885645e0bc3d608e7c02aad8"}, "status": "accepted"},
            {"actor": {"reference": "Patient/a29eaebb284143ba97c76b01fdb46964"}, "status": "accepted"}
        ],
        "supportingInformation": [{"reference": "Location/c1a4e5d2-7b3f-4e69-8a0d-5f2b9c6e1d47"}]
    });
    Outgoing {
        method: Method::Post,
        path: "/Appointment".to_owned(),
        query: Vec::new(),
        headers: Vec::new(),
        body: Some(body.to_string()),
        auth,
        token: None,
    }
}

#[tokio::test]
async fn a_reference_server_hands_out_a_read_only_token_that_reads_and_may_not_write() {
    let server = current_server().await;
    let target = target(
        &server,
        Auth::static_token(Secret::new("dev-token".to_owned())),
    );
    assert_eq!(target.read_only_unavailable(), None);
    let token = target.read_only_bearer().await.expect("a read-only token");
    assert_ne!(token.expose(), "dev-token");
    assert_eq!(format!("{token} {token:?}"), "[redacted] [redacted]");

    let client = client(Duration::from_secs(10));
    let read = Outgoing::get(
        "/Appointment/00000000-0000-4000-8000-000000000001".to_owned(),
        Vec::new(),
        AuthMode::ReadOnly,
    );
    let exchange = client.send(&target, &read).await;
    assert_eq!(
        exchange.response.as_ref().map(|r| r.status),
        Some(200),
        "{exchange:?}"
    );
    let exchange = client.send(&target, &create(AuthMode::ReadOnly)).await;
    let response = exchange.response.as_ref().expect("an answer");
    assert_eq!(response.status, 403, "{}", response.body);
    assert!(
        response.body.contains("Authorization failed"),
        "{}",
        response.body
    );
    // the token is never recorded: the Authorization header is redacted, and nothing holds it
    let recorded = format!("{exchange:?}");
    assert!(!recorded.contains(token.expose().as_str()), "{recorded}");
    assert!(
        exchange
            .request
            .headers
            .iter()
            .any(|(name, value)| name == "Authorization" && value == "Bearer [redacted]"),
        "{:?}",
        exchange.request.headers
    );
    // the full token still writes
    let exchange = client.send(&target, &create(AuthMode::Target)).await;
    assert_eq!(
        exchange.response.as_ref().map(|r| r.status),
        Some(201),
        "{exchange:?}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn an_oauth_target_asks_its_own_client_for_the_scope_once() {
    let server = current_server().await;
    let auth = reference_client(server.base_url());
    let target = target(&server, auth);
    assert_eq!(target.read_only_unavailable(), None);
    let full = target.auth.bearer().await.expect("a full token");
    let first = target.read_only_bearer().await.expect("a read-only token");
    let second = target.read_only_bearer().await.expect("a read-only token");
    assert_ne!(first, full, "the scoped token is another token");
    assert_eq!(first, second, "the scoped token is cached");
    assert_eq!(
        target.auth.token_fetches(),
        2,
        "one full and one scoped fetch"
    );
    let exchange = client(Duration::from_secs(10))
        .send(&target, &create(AuthMode::ReadOnly))
        .await;
    assert_eq!(
        exchange.response.as_ref().map(|r| r.status),
        Some(403),
        "{exchange:?}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn another_static_token_cannot_be_narrowed_and_says_so() {
    let server = current_server().await;
    let target = other_static_token_target(&server, "canary-6d1e");
    let reason = target.read_only_unavailable().expect("no read-only token");
    assert!(
        reason.contains("my-sandbox") && reason.contains("oauth"),
        "{reason}"
    );
    let err = target.read_only_bearer().await.unwrap_err().to_string();
    assert!(err.contains("system/Appointment.read"), "{err}");
    assert!(!err.contains("canary-6d1e"), "{err}");
    // the case asking for one is skipped on such a target, with that reason
    let suite = super::common::project_suite();
    let plan = canvas_conformance::plan::build(
        &suite.cases,
        std::slice::from_ref(&target),
        &Default::default(),
    );
    let item = plan
        .items
        .iter()
        .find(|i| i.case.name() == "auth/read-only-scope")
        .expect("the case is in the suite");
    assert_eq!(
        item.placement,
        canvas_conformance::plan::Placement::Skip(reason)
    );
    server.shutdown().await;
}
