//! Shared helpers: scratch case folders, running a plan, and reading its verdicts.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use canvas_conformance::exchange::Client;
use canvas_conformance::outcome::{CaseOutcome, Verdict};
use canvas_conformance::plan::{Selection, build};
use canvas_conformance::report::console;
use canvas_conformance::run::{RunControl, RunOptions, RunReport, run_plan_with};
use canvas_conformance::suite::{Suite, load_suite};
use canvas_conformance::target::Target;

/// The project's own suite.
pub fn project_suite() -> Suite {
    load_suite(&Path::new(env!("CARGO_MANIFEST_DIR")).join("cases"))
        .expect("the project's cases load")
}

/// A scratch folder holding the catalogue plus the given case files.
pub fn scratch_cases(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "cc-sandbox-{name}-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("cases/requirements.yaml"),
        dir.join("requirements.yaml"),
    )
    .expect("copy catalogue");
    for (file, content) in files {
        std::fs::write(dir.join(file), content).expect("write case");
    }
    dir
}

/// Runs every case of `suite` of the editions `targets` speak on them.
pub async fn run_suite(
    suite: &Suite,
    targets: Vec<Target>,
    client: Client,
    control: &RunControl,
    jobs: usize,
) -> RunReport {
    // The suites of the editions the targets speak, as a run session selects them.
    let mut editions: Vec<_> = targets.iter().map(|t| t.profile.edition).collect();
    editions.sort();
    editions.dedup();
    let selection = Selection {
        editions,
        ..Selection::default()
    };
    let plan = build(&suite.cases, &targets, &selection);
    let options = RunOptions {
        jobs,
        run_id: canvas_conformance::run::scope::new_run_id(),
        snapshots: None,
        allow_drift: false,
        cause: None,
        require_all: false,
    };
    run_plan_with(&plan, Arc::new(targets), client, &options, control, |_| {}).await
}

pub fn client(timeout: Duration) -> Client {
    Client::new(timeout).expect("client")
}

pub fn outcome<'a>(report: &'a RunReport, name: &str) -> &'a CaseOutcome {
    report
        .outcomes
        .iter()
        .find(|o| o.name == name)
        .unwrap_or_else(|| panic!("no outcome for {name}"))
}

/// Every case that neither passed nor was skipped, with its evidence.
pub fn not_passed(report: &RunReport) -> String {
    report
        .outcomes
        .iter()
        .filter(|o| matches!(o.verdict, Verdict::Fail | Verdict::Error))
        .map(|o| {
            format!(
                "{} {}\n{}",
                o.verdict.label(),
                o.name,
                console::details(o, None)
            )
        })
        .collect()
}

pub fn skipped(report: &RunReport) -> Vec<(&str, &str)> {
    report
        .outcomes
        .iter()
        .filter_map(|o| match &o.verdict {
            Verdict::Skipped(reason) => Some((o.name.as_str(), reason.as_str())),
            _ => None,
        })
        .collect()
}

pub fn passed(report: &RunReport) -> usize {
    report
        .outcomes
        .iter()
        .filter(|o| o.verdict == Verdict::Pass)
        .count()
}

/// What an upstream server answered to a request a test proxy passed on.
pub struct Upstream {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

/// Passes a request on to `url` with its Authorization, Content-Type and Accept headers and reads
/// the whole answer (the part every loopback proxy of these tests shares); `None` when the
/// upstream could not be reached.
pub async fn pass_on(
    http: &reqwest::Client,
    method: &reqwest::Method,
    url: String,
    headers: &reqwest::header::HeaderMap,
    body: Vec<u8>,
) -> Option<Upstream> {
    let mut upstream = http.request(method.clone(), url).body(body);
    // What a request means travels on: its credentials, media types and preconditions.
    for name in [
        "authorization",
        "content-type",
        "accept",
        "if-unmodified-since",
        "if-match",
    ] {
        if let Some(value) = headers.get(name) {
            upstream = upstream.header(name, value.as_bytes());
        }
    }
    let answer = upstream.send().await.ok()?;
    let status = answer.status().as_u16();
    let headers = answer.headers().clone();
    let body = answer.bytes().await.unwrap_or_default().to_vec();
    Some(Upstream {
        status,
        headers,
        body,
    })
}

/// The client a test proxy passes requests on with: redirects are the harness's business, so the
/// proxy hands them back untouched.
pub fn proxy_http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Serves a test proxy on 127.0.0.1 (a free port): `app` gets the proxy's own base URL and builds
/// its router. Returns that base URL.
pub async fn serve_loopback(app: impl FnOnce(&str) -> axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let own = format!("http://{}", listener.local_addr().expect("addr"));
    let router = app(&own);
    tokio::spawn(async move { axum::serve(listener, router).await });
    own
}
