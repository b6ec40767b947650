//! Paging links resolved as RFC 3986 §5.2 says, against a base URL with a path: a proxy serves the
//! reference server under `http://127.0.0.1:<port>/fhir` and writes its paging links in one form
//! per run (absolute path `/fhir/Appointment?…`, full URL, relative `Appointment?…`). The search
//! cases walk every form; a `next` link to a missing page is reported with the URL actually fetched.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{Response, StatusCode};
use canvas_conformance::plan::{Selection, build};
use canvas_conformance::run::{RunControl, RunOptions, RunReport, run_plan_with};
use canvas_conformance::target::{Auth, Profile, Secret, Target};
use canvas_sandbox::{ServerConfig, spawn};
use serde_json::Value;

use super::common::{
    client, not_passed, outcome, pass_on, project_suite, proxy_http, serve_loopback,
};

const PREFIX: &str = "/fhir";

/// How the proxy writes the paging links of a search Bundle.
#[derive(Clone, Copy, Debug)]
enum LinkForm {
    /// `/fhir/Appointment?…`
    AbsolutePath,
    /// `http://127.0.0.1:<port>/fhir/Appointment?…`
    FullUrl,
    /// `Appointment?…` (relative to the page's own URL)
    RelativePath,
    /// `next` points at `/fhir/Gone?…`, which does not exist.
    BrokenNext,
}

#[derive(Clone)]
struct Proxy {
    upstream: String,
    own: String,
    form: LinkForm,
    http: reqwest::Client,
    links_rewritten: Arc<AtomicU64>,
}

fn rewrite_links(bundle: &mut Value, proxy: &Proxy) {
    let Some(links) = bundle.get_mut("link").and_then(Value::as_array_mut) else {
        return;
    };
    for link in links {
        let relation = link["relation"].as_str().unwrap_or_default().to_owned();
        let Some(url) = link.get_mut("url") else {
            continue;
        };
        let Some(rest) = url.as_str().and_then(|u| u.strip_prefix("/Appointment")) else {
            continue;
        };
        let rewritten = match proxy.form {
            LinkForm::AbsolutePath => format!("{PREFIX}/Appointment{rest}"),
            LinkForm::FullUrl => format!("{}{PREFIX}/Appointment{rest}", proxy.own),
            LinkForm::RelativePath => format!("Appointment{rest}"),
            LinkForm::BrokenNext if relation == "next" => format!("{PREFIX}/Gone{rest}"),
            LinkForm::BrokenNext => format!("{PREFIX}/Appointment{rest}"),
        };
        proxy.links_rewritten.fetch_add(1, Ordering::Relaxed);
        *url = Value::String(rewritten);
    }
}

async fn forward(State(proxy): State<Proxy>, request: Request) -> Response<Body> {
    let (parts, body) = request.into_parts();
    let full = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let Some(path) = full.strip_prefix(PREFIX).filter(|p| p.starts_with('/')) else {
        return Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(Body::from("not under /fhir"))
            .expect("response");
    };
    let body = to_bytes(body, 4 * 1024 * 1024).await.unwrap_or_default();
    let Some(answer) = pass_on(
        &proxy.http,
        &parts.method,
        format!("{}{path}", proxy.upstream),
        &parts.headers,
        body.to_vec(),
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
    let bytes = answer.body;
    let body = match serde_json::from_slice::<Value>(&bytes) {
        Ok(mut json) if json["resourceType"] == "Bundle" => {
            rewrite_links(&mut json, &proxy);
            serde_json::to_vec(&json).expect("JSON")
        }
        _ => bytes.to_vec(),
    };
    let mut response = Response::builder().status(status);
    for (name, value) in &headers {
        match name.as_str() {
            "content-length" | "transfer-encoding" | "connection" => {}
            "location" => {
                let location = value.to_str().unwrap_or_default();
                response = response.header("location", format!("{PREFIX}{location}"));
            }
            _ => response = response.header(name, value),
        }
    }
    response.body(Body::from(body)).expect("response")
}

/// Starts the proxy in front of `upstream`; returns its base URL, ending in `/fhir`.
async fn start_proxy(upstream: &str, form: LinkForm, rewritten: Arc<AtomicU64>) -> String {
    let own = serve_loopback(|own| {
        let proxy = Proxy {
            upstream: upstream.to_owned(),
            own: own.to_owned(),
            form,
            http: proxy_http(),
            links_rewritten: rewritten,
        };
        Router::new().fallback(forward).with_state(proxy)
    })
    .await;
    format!("{own}{PREFIX}")
}

/// Runs the search cases against the reference server behind a `/fhir` proxy writing `form` links.
async fn search_cases_through(form: LinkForm) -> (RunReport, String, u64) {
    let server = spawn(ServerConfig::reference()).await.expect("server");
    let rewritten = Arc::new(AtomicU64::new(0));
    let base = start_proxy(server.base_url(), form, Arc::clone(&rewritten)).await;
    let target = Target {
        label: "under-a-path".to_owned(),
        base_url: base.clone(),
        auth: Auth::static_token(Secret::new("dev-token".to_owned())),
        profile: Arc::new(Profile::reference()),
    };
    let suite = project_suite();
    let selection = Selection {
        filter: Some("search/".to_owned()),
        ..Selection::default()
    };
    let plan = build(&suite.cases, std::slice::from_ref(&target), &selection);
    let options = RunOptions {
        jobs: 2,
        run_id: canvas_conformance::run::scope::new_run_id(),
        snapshots: None,
        allow_drift: false,
        cause: None,
        require_all: false,
    };
    let report = run_plan_with(
        &plan,
        Arc::new(vec![target]),
        client(Duration::from_secs(30)),
        &options,
        &RunControl::default(),
        |_| {},
    )
    .await;
    server.shutdown().await;
    (report, base, rewritten.load(Ordering::Relaxed))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_walks_resolve_every_link_form_under_a_base_path() {
    for form in [
        LinkForm::AbsolutePath,
        LinkForm::FullUrl,
        LinkForm::RelativePath,
    ] {
        let (report, base, rewritten) = search_cases_through(form).await;
        assert!(rewritten > 0, "{form:?}: the proxy rewrote no link");
        let paging = outcome(&report, "search/paging");
        let walked: Vec<&str> = paging
            .steps
            .iter()
            .flat_map(|s| &s.walk)
            .map(|page| page.request.url.as_str())
            .collect();
        assert!(!walked.is_empty(), "{form:?}: search/paging walked nothing");
        for url in &walked {
            assert!(
                url.starts_with(&format!("{base}/Appointment?")),
                "{form:?}: walked {url}"
            );
        }
        let walk_problems: Vec<String> = paging
            .steps
            .iter()
            .flat_map(|s| &s.findings)
            .filter(|f| f.subject == "walk" || f.subject.starts_with("walk page"))
            .map(|f| format!("{}: {}", f.subject, f.actual))
            .collect();
        assert!(walk_problems.is_empty(), "{form:?}: {walk_problems:?}");
        // Link form is judged by the search semantics (relative links expected), not by the walk.
        if !matches!(form, LinkForm::AbsolutePath) {
            continue;
        }
        assert_eq!(not_passed(&report), "", "{form:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_page_names_the_url_actually_fetched() {
    let (report, base, _) = search_cases_through(LinkForm::BrokenNext).await;
    let paging = outcome(&report, "search/paging");
    let walk_problem: Vec<&str> = paging
        .steps
        .iter()
        .flat_map(|s| &s.findings)
        .filter(|f| f.subject == "walk")
        .map(|f| f.actual.as_str())
        .collect();
    let fetched = format!("fetching {base}/Gone?");
    assert!(
        walk_problem
            .iter()
            .any(|p| p.starts_with(&fetched) && p.ends_with("answered 404")),
        "{walk_problem:?}"
    );
}
