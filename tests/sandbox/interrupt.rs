//! Ctrl-C, rehearsed through the library: once the interrupt is set (here by the target itself,
//! the moment it receives a create, so the timing is fixed), the running step finishes, no further
//! step or case starts, and what the run created is still cancelled.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::Response;
use canvas_conformance::outcome::Verdict;
use canvas_conformance::run::RunControl;
use canvas_conformance::run::interrupt::{INTERRUPTED, Interrupt};
use canvas_conformance::suite::load_suite;
use canvas_conformance::target::{Auth, Profile, Secret, Target};
use canvas_sandbox::{ServerConfig, spawn};

use super::common::{client, outcome, run_suite, scratch_cases};

const CREATE: &str = r#"name: a/create-then-read
description: Creates an appointment (the target interrupts the run meanwhile), then reads it.
behaviours: [CREATE-201]
requires: { writes: true }
steps:
  - name: create
    request:
      method: POST
      path: /Appointment
      headers: { X-Interrupt: now }
      body:
        resourceType: Appointment
        start: "{{ slot }}"
        end: "{{ slot + 30m }}"
        participant:
          - actor: { reference: "Practitioner/{{ practitioner }}" }
            status: accepted
    expect:
      status: 201
    capture:
      id: { header: Location, extract: appointment-id }
  - name: read it
    request: { method: GET, path: "/Appointment/{{ id }}" }
    expect:
      status: 200
"#;

const READ: &str = r#"name: b/read
description: Reads a fixture; never starts, because the run was interrupted before it.
behaviours: [READ-200]
steps:
  - name: read
    request: { method: GET, path: "/Appointment/{{ appt_confirmed }}" }
    expect:
      status: 200
"#;

#[derive(Clone)]
struct Relay {
    upstream: String,
    interrupt: Interrupt,
    http: reqwest::Client,
}

/// Forwards to the reference server; a request with `X-Interrupt` sets the run's interrupt first.
async fn relay(State(relay): State<Relay>, request: Request) -> Response<Body> {
    let (parts, body) = request.into_parts();
    if parts.headers.contains_key("x-interrupt") {
        relay.interrupt.trigger();
    }
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let body = to_bytes(body, 1024 * 1024).await.unwrap_or_default();
    let mut upstream = relay
        .http
        .request(parts.method.clone(), format!("{}{path}", relay.upstream))
        .body(body.to_vec());
    for (name, value) in &parts.headers {
        if name != "host" && name != "content-length" {
            upstream = upstream.header(name, value);
        }
    }
    let answer = upstream.send().await.expect("upstream answers");
    let mut response = Response::builder().status(answer.status());
    for (name, value) in answer.headers() {
        if name != "content-length" && name != "transfer-encoding" {
            response = response.header(name, value);
        }
    }
    let bytes = answer.bytes().await.unwrap_or_default();
    response.body(Body::from(bytes)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupt_stops_new_work_and_still_cleans_up() {
    let server = spawn(ServerConfig::reference()).await.expect("server");
    let control = RunControl::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let app = Router::new().fallback(relay).with_state(Relay {
        upstream: server.base_url().to_owned(),
        interrupt: control.interrupt.clone(),
        http: reqwest::Client::new(),
    });
    tokio::spawn(async move { axum::serve(listener, app).await });
    let dir = scratch_cases("interrupt", &[("a.yaml", CREATE), ("b.yaml", READ)]);
    let suite = load_suite(&dir).expect("cases load");
    let target = Target {
        label: "relayed".to_owned(),
        base_url: base,
        auth: Auth::static_token(Secret::new("dev-token".to_owned())),
        profile: Arc::new(Profile::reference()),
    };
    let report = run_suite(
        &suite,
        vec![target],
        client(Duration::from_secs(10)),
        &control,
        1,
    )
    .await;

    let created = outcome(&report, "a/create-then-read");
    assert_eq!(created.verdict, Verdict::Error, "{created:?}");
    assert_eq!(created.steps.len(), 2);
    assert_eq!(
        created.steps[0].verdict,
        Verdict::Pass,
        "the running step finished"
    );
    assert_eq!(created.steps[1].error.as_deref(), Some(INTERRUPTED));
    assert!(
        created.steps[1].exchange.is_none(),
        "the next step sent nothing"
    );
    assert_eq!(
        outcome(&report, "b/read").verdict,
        Verdict::Skipped(INTERRUPTED.to_owned())
    );
    // The create was recorded and cancelled; the ledger is empty afterwards.
    assert_eq!(report.cleanup.len(), 1, "{:?}", report.cleanup);
    assert_eq!(report.cleanup[0].problem, None);
    assert!(control.ledger.pending().is_empty());
    let read = reqwest::Client::new()
        .get(format!(
            "{}/Appointment/{}",
            server.base_url(),
            report.cleanup[0].id
        ))
        .bearer_auth("dev-token")
        .send()
        .await
        .expect("read")
        .json::<serde_json::Value>()
        .await
        .expect("json");
    assert_eq!(read["status"], "cancelled");
    server.shutdown().await;
}
