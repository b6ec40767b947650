//! The suite against a generic FHIR R4 server, rehearsed on loopback: a proxy in front of the
//! reference server that behaves as a standard FHIR server does where Canvas does not.
//! - A POST or PUT body that is not valid FHIR R4 (the project's schema and cardinalities) answers
//!   400 with an OperationOutcome carrying `diagnostics` (no `details.text`), and goes no further.
//! - PUT replaces the whole resource: a read (or a search) of an appointment written by PUT answers exactly the
//!   body written (an element left out of the PUT is gone), as FHIR's update does.
//!
//! The run must show no request of the harness's own making refused (only bodies a case declares
//! `deliberately_invalid` are), no Error verdict at all (a refusal fails its step first), failures
//! only in behaviours marked `canvas` (Canvas's own rules), and a cleanup that cancels everything
//! while keeping every other field.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{Method, Response, StatusCode};
use canvas_conformance::case::model::SchemaName;
use canvas_conformance::check::FindingKind;
use canvas_conformance::check::schema::element_violations;
use canvas_conformance::outcome::Verdict;
use canvas_conformance::requirements::Rule;
use canvas_conformance::run::RunControl;
use canvas_conformance::run::ledger::Tidied;
use canvas_conformance::target::{Auth, Profile, Secret, Target};
use canvas_sandbox::{ServerConfig, spawn};
use serde_json::{Value, json};

use super::common::{client, pass_on, project_suite, proxy_http, run_suite, serve_loopback};
use crate::common::relayed;

/// The header the proxy puts on a refusal of its own, so the test can tell them apart.
const REFUSED: &str = "x-refused-by-generic-fhir";

/// What the proxy saw, in order, per appointment id.
#[derive(Default)]
struct Journal {
    /// Appointments as last written by PUT: what a full-replace server holds.
    stored: HashMap<String, Value>,
    /// `("GET", view served)` and `("PUT", body accepted)` per id, in order.
    events: BTreeMap<String, Vec<(&'static str, Value)>>,
    /// Bodies refused as not valid FHIR R4: `METHOD path: violations`.
    refused: Vec<String>,
}

#[derive(Clone)]
struct Proxy {
    upstream: String,
    http: reqwest::Client,
    journal: Arc<Mutex<Journal>>,
}

fn outcome_400(diagnostics: String) -> Response<Body> {
    let body = json!({"resourceType": "OperationOutcome", "issue": [
        {"severity": "error", "code": "invalid", "diagnostics": diagnostics}
    ]});
    Response::builder()
        .status(StatusCode::BAD_REQUEST)
        .header("content-type", "application/fhir+json")
        .header(REFUSED, "1")
        .body(Body::from(body.to_string()))
        .expect("response")
}

/// The appointment id of `/Appointment/<id>`, if the path is one.
fn instance_id(path: &str) -> Option<String> {
    let id = path.split('?').next()?.strip_prefix("/Appointment/")?;
    (!id.is_empty() && !id.contains('/')).then(|| id.to_owned())
}

async fn forward(State(proxy): State<Proxy>, request: Request) -> Response<Body> {
    let (parts, body) = request.into_parts();
    let path = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let bytes = to_bytes(body, 4 * 1024 * 1024).await.unwrap_or_default();
    let writes = parts.method == Method::POST || parts.method == Method::PUT;
    let mut written: Option<Value> = None;
    if writes && path.starts_with("/Appointment") {
        let problems = match serde_json::from_slice::<Value>(&bytes) {
            Ok(json @ Value::Object(_)) => element_violations(SchemaName::Appointment, &json)
                .expect("the FHIR schema compiles")
                .into_iter()
                .map(|v| format!("{}: {}", v.element, v.message))
                .collect::<Vec<_>>(),
            Ok(_) => vec!["the body is not a JSON object".to_owned()],
            Err(e) => vec![format!("the body is not JSON: {e}")],
        };
        if !problems.is_empty() {
            let text = problems.join("; ");
            let mut journal = proxy.journal.lock().expect("journal");
            journal
                .refused
                .push(format!("{} {path}: {text}", parts.method));
            return outcome_400(text);
        }
        written = serde_json::from_slice(&bytes).ok();
    }
    let Some(answer) = pass_on(
        &proxy.http,
        &parts.method,
        format!("{}{path}", proxy.upstream),
        &parts.headers,
        bytes.to_vec(),
    )
    .await
    else {
        return Response::builder()
            .status(StatusCode::BAD_GATEWAY)
            .body(Body::empty())
            .expect("response");
    };
    let status = answer.status;
    let headers = answer.headers;
    let mut body = answer.body;
    let id = instance_id(&path);
    {
        let mut journal = proxy.journal.lock().expect("journal");
        match (&parts.method, id, written) {
            // Full replace: what was PUT is the resource now, nothing else.
            (&Method::PUT, Some(id), Some(mut resource)) if (200..300).contains(&status) => {
                resource["id"] = json!(id);
                journal
                    .events
                    .entry(id.clone())
                    .or_default()
                    .push(("PUT", resource.clone()));
                journal.stored.insert(id, resource);
            }
            (&Method::GET, Some(id), _) if status == 200 => {
                if let Some(resource) = journal.stored.get(&id).cloned() {
                    body = serde_json::to_vec(&resource).expect("JSON");
                }
                if let Ok(view) = serde_json::from_slice::<Value>(&body) {
                    journal.events.entry(id).or_default().push(("GET", view));
                }
            }
            // A search answers what a whole-replace server stores, as its reads do; each entry
            // is an observation of its appointment like a read.
            (&Method::GET, None, _) if status == 200 && path.starts_with("/Appointment?") => {
                if let Ok(mut bundle) = serde_json::from_slice::<Value>(&body) {
                    let entries = bundle.get_mut("entry").and_then(Value::as_array_mut);
                    for entry in entries.into_iter().flatten() {
                        let Some(id) = entry
                            .pointer("/resource/id")
                            .and_then(Value::as_str)
                            .map(str::to_owned)
                        else {
                            continue;
                        };
                        if let Some(resource) = journal.stored.get(&id).cloned() {
                            entry["resource"] = resource;
                        }
                        let view = entry["resource"].clone();
                        journal.events.entry(id).or_default().push(("GET", view));
                    }
                    body = serde_json::to_vec(&bundle).expect("JSON");
                }
            }
            _ => {}
        }
    }
    let response = relayed(status, &headers);
    response.body(Body::from(body)).expect("response")
}

async fn start_proxy(upstream: &str, journal: Arc<Mutex<Journal>>) -> String {
    serve_loopback(|_| {
        let proxy = Proxy {
            upstream: upstream.to_owned(),
            http: proxy_http(),
            journal,
        };
        Router::new().fallback(forward).with_state(proxy)
    })
    .await
}

/// Each cancel wrote back what the run last read of it (a read or a search entry), with only the
/// status changed to cancelled.
fn cancels_wrote_back_what_they_read(cleanup: &[Tidied], journal: &Journal) {
    for tidied in cleanup {
        let events = journal.events.get(&tidied.id).cloned().unwrap_or_default();
        if tidied.note.as_deref() == Some("already cancelled") {
            let (_, last) = events.last().expect("it was read");
            assert_eq!(last["status"], "cancelled", "{}", tidied.id);
            continue;
        }
        assert_eq!(tidied.note, None, "{}", tidied.id);
        let put = events
            .iter()
            .rposition(|(kind, _)| *kind == "PUT")
            .unwrap_or_else(|| panic!("{}: never written", tidied.id));
        let (_, written) = &events[put];
        let (_, read) = events[..put]
            .iter()
            .rev()
            .find(|(kind, _)| *kind == "GET")
            .unwrap_or_else(|| panic!("{}: not read before the cancel", tidied.id));
        assert_eq!(written["status"], "cancelled", "{}", tidied.id);
        assert_eq!(
            without_status(written),
            without_status(read),
            "{}: the cancel changed more than the status",
            tidied.id
        );
    }
}

fn without_status(resource: &Value) -> Value {
    let mut copy = resource.clone();
    if let Some(map) = copy.as_object_mut() {
        map.remove("status");
    }
    copy
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generic_fhir_server_refuses_nothing_undeclared_and_cleanup_keeps_every_field() {
    let server = spawn(ServerConfig::reference()).await.expect("server");
    let journal = Arc::new(Mutex::new(Journal::default()));
    let base = start_proxy(server.base_url(), Arc::clone(&journal)).await;
    let target = Target {
        label: "generic-fhir".to_owned(),
        base_url: base.clone(),
        auth: Auth::static_token(Secret::new("dev-token".to_owned())),
        profile: Arc::new(Profile::reference()),
    };
    let suite = project_suite();
    let report = run_suite(
        &suite,
        vec![target],
        client(Duration::from_secs(30)),
        &RunControl::default(),
        2,
    )
    .await;

    // 1. Only bodies a case declares deliberately invalid were refused.
    let mut undeclared = Vec::new();
    let mut refusals = 0;
    for outcome in &report.outcomes {
        let case = suite
            .cases
            .iter()
            .find(|c| c.name() == outcome.name)
            .expect("the outcome's case");
        for step in &outcome.steps {
            let refused = step
                .exchange
                .as_ref()
                .and_then(|e| e.response.as_ref())
                .is_some_and(|r| r.header(REFUSED).is_some());
            if !refused {
                continue;
            }
            refusals += 1;
            let spec = case
                .spec
                .steps
                .value
                .iter()
                .find(|s| s.name.value == step.name)
                .expect("the step's spec");
            if spec.request.deliberately_invalid.is_empty() {
                undeclared.push(format!("{} / {}", outcome.name, step.name));
            }
        }
    }
    let refused_log = journal.lock().expect("journal").refused.clone();
    assert!(
        undeclared.is_empty(),
        "the harness's own valid requests were refused: {undeclared:?}\n{refused_log:#?}"
    );
    assert!(
        refusals > 0,
        "the proxy refused nothing: it did not validate"
    );

    // 2. No Error at all: a refusal makes its step Fail (the capture it prevented is a note).
    let errors: Vec<String> = report
        .outcomes
        .iter()
        .flat_map(|o| o.steps.iter().map(move |s| (o, s)))
        .filter(|(_, s)| s.verdict == Verdict::Error)
        .map(|(o, s)| format!("{} / {}: {:?} {:?}", o.name, s.name, s.error, s.findings))
        .collect();
    assert!(
        errors.is_empty(),
        "Errors of the harness's making: {errors:#?}"
    );

    // 2b. What failed is Canvas's own rules, never a behaviour any FHIR R4 server should meet.
    let failed: std::collections::BTreeSet<&str> = report
        .outcomes
        .iter()
        .flat_map(|o| &o.steps)
        .flat_map(|s| &s.findings)
        .filter(|f| f.kind == FindingKind::Fail)
        .flat_map(|f| f.behaviours.iter().map(String::as_str))
        .collect();
    let fhir_failed: Vec<&str> = failed
        .iter()
        .copied()
        .filter(|id| {
            suite
                .catalogue_2023_09()
                .behaviours
                .iter()
                .find(|b| b.id == *id)
                .is_none_or(|b| b.rule != Rule::Canvas)
        })
        .collect();
    assert!(
        fhir_failed.is_empty(),
        "behaviours any FHIR R4 server should meet failed: {fhir_failed:?} (all failed: {failed:?})"
    );
    assert!(
        failed.contains("UPDATE-PARTIAL") && failed.contains("CREATE-STATUS-PROPOSED"),
        "the declared Canvas-only bodies were refused, so their behaviours fail: {failed:?}"
    );

    // 3. Cleanup cancelled everything, each by writing back what it read, with only the status changed.
    assert!(
        report.cleanup.len() >= 10,
        "{} tidied",
        report.cleanup.len()
    );
    let problems: Vec<_> = report
        .cleanup
        .iter()
        .filter(|t| t.problem.is_some())
        .collect();
    assert!(problems.is_empty(), "not cancelled: {problems:#?}");
    cancels_wrote_back_what_they_read(&report.cleanup, &journal.lock().expect("journal"));

    // 4. Read back after the run, through the full-replace proxy: cancelled, nothing else lost.
    let http = reqwest::Client::new();
    for tidied in &report.cleanup {
        let read: Value = http
            .get(format!("{base}/Appointment/{}", tidied.id))
            .bearer_auth("dev-token")
            .send()
            .await
            .expect("read back")
            .json()
            .await
            .expect("an Appointment");
        assert_eq!(read["status"], "cancelled", "{}: {read}", tidied.id);
        assert!(
            read["participant"]
                .as_array()
                .is_some_and(|p| !p.is_empty()),
            "{}: participants erased: {read}",
            tidied.id
        );
        assert!(read["start"].is_string(), "{}: {read}", tidied.id);
    }
    server.shutdown().await;
}
