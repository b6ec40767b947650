//! Faults nobody here wrote a case for, injected by a proxy in front of the reference server:
//! every red verdict must belong to the behaviour that owns the fault. Paging links that name
//! another host make SEARCH-LINKS red and nothing else (the ids the walk could not gather are not
//! decided); a server without authentication makes AUTH-BEARER red, never ERR-OO (no error was
//! answered); a body cut short (its Content-Length rewritten to match) fails its case under the
//! response's format; and a generic FHIR R4 server's legal shapes (no links on a page that holds
//! every match, `search.mode`, absolute `fullUrl`, other OperationOutcome codes) leave every
//! behaviour marked `fhir` passing.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Response};
use canvas_conformance::edition::Edition;
use canvas_conformance::outcome::{BehaviourVerdict, per_behaviour};
use canvas_conformance::requirements::Rule;
use canvas_conformance::run::{RunControl, RunReport};
use canvas_conformance::target::{Auth, Profile, Secret, Target};
use canvas_sandbox::{ServerConfig, spawn};
use serde_json::Value;

use crate::common::{bad_gateway, entries_with_full_url_and_search_mode, relayed};

use super::common::{
    client, not_passed, pass_on, project_suite, proxy_http, run_suite, serve_loopback,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    /// Every paging link names another host (a reverse proxy that leaks its upstream).
    LinksOtherHost,
    /// No authentication: a missing token is replaced by a valid one.
    NoAuth,
    /// A read's body cut in half, with a Content-Length that matches the cut.
    TruncatedRead,
    /// Legal FHIR R4 shapes Canvas does not use: no `link` on a page that holds every match,
    /// `search.mode` and an absolute `fullUrl` on entries, and other issue codes of the same
    /// family on error answers (`invalid` → `value`, `not-found` → `processing`).
    GenericFhir,
}

#[derive(Clone)]
struct Proxy {
    upstream: String,
    fault: Fault,
    http: reqwest::Client,
    /// How often the fault changed an answer (it must, or the test proves nothing).
    applied: Arc<AtomicU64>,
}

async fn forward(State(proxy): State<Proxy>, request: Request) -> Response<Body> {
    let (mut parts, body) = request.into_parts();
    let path = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let body = to_bytes(body, 4 * 1024 * 1024).await.unwrap_or_default();
    let applied = || proxy.applied.fetch_add(1, Ordering::Relaxed);
    if proxy.fault == Fault::NoAuth && !parts.headers.contains_key("authorization") {
        parts.headers.insert(
            "authorization",
            HeaderValue::from_static("Bearer dev-token"),
        );
        applied();
    }
    let Some(answer) = pass_on(
        &proxy.http,
        &parts.method,
        format!("{}{path}", proxy.upstream),
        &parts.headers,
        body.to_vec(),
    )
    .await
    else {
        return bad_gateway();
    };
    let mut bytes = answer.body.to_vec();
    let read = parts.method == axum::http::Method::GET
        && parts.uri.path().starts_with("/Appointment/")
        && answer.status == 200;
    let mut json: Option<Value> = serde_json::from_slice(&bytes).ok();
    match (proxy.fault, json.as_mut()) {
        (Fault::LinksOtherHost, Some(bundle)) => {
            for link in links(bundle) {
                if let Some(url) = link.get_mut("url") {
                    let old = url.as_str().unwrap_or_default().to_owned();
                    let tail = old
                        .split_once("/Appointment")
                        .map_or(old.as_str(), |(_, tail)| tail);
                    *url = Value::String(format!(
                        "https://elsewhere.example:8443/fhir/Appointment{tail}"
                    ));
                    applied();
                }
            }
        }
        (Fault::GenericFhir, Some(body)) => {
            let changed = generic_fhir(body, &proxy.upstream);
            if changed {
                applied();
            }
        }
        _ => {}
    }
    if let Some(value) = &json
        && proxy.fault != Fault::TruncatedRead
    {
        bytes = serde_json::to_vec(value).unwrap_or_default();
    }
    if proxy.fault == Fault::TruncatedRead && read {
        bytes.truncate(bytes.len() / 2);
        applied();
    }
    let response = relayed(answer.status, &answer.headers);
    response
        .header("content-length", bytes.len())
        .body(Body::from(bytes))
        .unwrap_or_default()
}

/// The links of a Bundle, if it is one.
fn links(body: &mut Value) -> impl Iterator<Item = &mut Value> {
    body.get_mut("link")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
}

/// The generic FHIR server's shapes; whether any applied.
fn generic_fhir(body: &mut Value, upstream: &str) -> bool {
    let mut changed = false;
    match body.get("resourceType").and_then(Value::as_str) {
        Some("Bundle") => {
            let total = body.get("total").and_then(Value::as_u64);
            let entries = body
                .get("entry")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            // One page holds every match: R4's Bundle.link (0..*) may be left out.
            if total == Some(entries as u64)
                && let Some(map) = body.as_object_mut()
                && map.remove("link").is_some()
            {
                changed = true;
            }
            changed |= entries_with_full_url_and_search_mode(body, upstream);
        }
        Some("OperationOutcome") => {
            for issue in body
                .get_mut("issue")
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                let sibling = match issue.get("code").and_then(Value::as_str) {
                    Some("invalid") => "value",
                    Some("not-found") => "processing",
                    _ => continue,
                };
                issue["code"] = Value::String(sibling.to_owned());
                changed = true;
            }
        }
        _ => {}
    }
    changed
}

/// Runs the suite of `edition` through a proxy injecting `fault`; the report and how often the
/// fault applied.
async fn through(fault: Fault, edition: Edition) -> (RunReport, u64) {
    let server = spawn(ServerConfig::reference_for(edition))
        .await
        .expect("server");
    let applied = Arc::new(AtomicU64::new(0));
    let upstream = server.base_url().to_owned();
    let counter = Arc::clone(&applied);
    let base = serve_loopback(move |_| {
        Router::new().fallback(forward).with_state(Proxy {
            upstream,
            fault,
            http: proxy_http(),
            applied: counter,
        })
    })
    .await;
    let target = Target {
        label: format!("{fault:?}"),
        base_url: base,
        auth: Auth::static_token(Secret::new("dev-token".to_owned())),
        profile: Arc::new(Profile::reference_for(edition)),
    };
    let report = run_suite(
        &project_suite(),
        vec![target],
        client(Duration::from_secs(30)),
        &RunControl::default(),
        2,
    )
    .await;
    server.shutdown().await;
    (report, applied.load(Ordering::Relaxed))
}

/// The behaviours the run found wrong (fail or error), by ID.
fn red(report: &RunReport) -> BTreeMap<String, BehaviourVerdict> {
    per_behaviour(&report.outcomes)
        .into_iter()
        .filter(|(_, v)| v.is_problem())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_naming_another_host_make_only_search_links_red() {
    for edition in Edition::ALL {
        let (report, applied) = through(Fault::LinksOtherHost, edition).await;
        assert!(applied > 0, "{edition}: the fault never applied");
        let red = red(&report);
        assert_eq!(
            red.keys().map(String::as_str).collect::<Vec<_>>(),
            ["SEARCH-LINKS"],
            "{edition}: {red:?}\n{}",
            not_passed(&report)
        );
        // What the walk could not gather is not decided, blocked by SEARCH-LINKS, not failed.
        let verdicts = per_behaviour(&report.outcomes);
        let blocked: Vec<&String> = verdicts
            .iter()
            .filter(|(_, v)| {
                matches!(v, BehaviourVerdict::NotDecided { blocked_by, .. } if blocked_by.iter().any(|b| b == "SEARCH-LINKS"))
            })
            .map(|(id, _)| id)
            .collect();
        assert!(!blocked.is_empty(), "{edition}: {verdicts:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_without_authentication_fails_auth_bearer_never_err_oo() {
    for edition in Edition::ALL {
        let (report, applied) = through(Fault::NoAuth, edition).await;
        assert!(applied > 0, "{edition}: the fault never applied");
        let red = red(&report);
        assert!(red.contains_key("AUTH-BEARER"), "{edition}: {red:?}");
        assert!(!red.contains_key("ERR-OO"), "{edition}: {red:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_cut_short_fails_its_case_under_the_answers_format() {
    let (report, applied) = through(Fault::TruncatedRead, Edition::Sept2023).await;
    assert!(applied > 0, "the fault never applied");
    let format_failures: Vec<String> = report
        .outcomes
        .iter()
        .flat_map(|o| o.steps.iter().map(move |s| (o, s)))
        .filter(|(_, s)| s.findings.iter().any(|f| f.check == "format" && f.counts()))
        .map(|(o, s)| format!("{} / {}", o.name, s.name))
        .collect();
    assert!(!format_failures.is_empty(), "no step judged the cut body");
    // Every case that read an appointment failed (a step that checks only the status included).
    let read_only_status = report
        .outcomes
        .iter()
        .find(|o| o.name == "read/unknown-id")
        .map(|o| o.verdict.clone());
    assert!(read_only_status.is_some());
    let shape = report
        .outcomes
        .iter()
        .find(|o| o.name == "read/shape")
        .expect("read/shape ran");
    assert_eq!(
        shape.verdict,
        canvas_conformance::outcome::Verdict::Fail,
        "{format_failures:?}"
    );
    assert!(red(&report).contains_key("READ-200"), "{:?}", red(&report));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generic_fhir_servers_legal_shapes_leave_every_fhir_behaviour_passing() {
    let suite = project_suite();
    for edition in Edition::ALL {
        let (report, applied) = through(Fault::GenericFhir, edition).await;
        assert!(applied > 0, "{edition}: the reshape never applied");
        let catalogue = suite.catalogue(edition).expect("catalogue");
        let fhir: BTreeSet<&str> = catalogue
            .behaviours
            .iter()
            .filter(|b| b.rule == Rule::Fhir)
            .map(|b| b.id.as_str())
            .collect();
        let verdicts = per_behaviour(&report.outcomes);
        let not_passing: Vec<(&str, &BehaviourVerdict)> = fhir
            .iter()
            .filter_map(|id| verdicts.get(*id).map(|v| (*id, v)))
            .filter(|(_, v)| !matches!(v, BehaviourVerdict::Pass))
            .collect();
        assert!(
            not_passing.is_empty(),
            "{edition}: fhir behaviours not passing on legal FHIR R4 shapes: {not_passing:?}\n{}",
            not_passed(&report)
        );
    }
}
