//! Set-up faults through the binary, one per kind: each is reported as the set-up's, never as the
//! target's. A fault that makes the target unusable (unreachable, a wrong base path, HTML at the
//! base URL, a refused token or OAuth client) stops the run before any case: exit 2, the cause on
//! the first lines and the last, under 30 lines. A wrong fixture (found by the preflight or during
//! the run) keeps its cases from being judged: no behaviour of the target fails, the cause is said
//! first and last. An edition mismatch headlines the run. Writes off: "partial" in every report.

use std::path::{Path, PathBuf};

use canvas_conformance::target::Profile;
use canvas_sandbox::{Edition, ServerConfig, spawn};
use serde_json::Value;

use crate::common::{run_binary, scratch_dir, strings};

use super::common::serve_loopback;
use super::oauth::{harbour_profile, spawn_harbour};

/// The harbour instance's real client secret (tests/sandbox/oauth.rs).
const HARBOUR_SECRET: &str = "harbour-ci-secret-3c1f";

/// Runs the binary; a `run` gets a scratch snapshots folder (a run against a profile records new
/// snapshots beside its baseline: never the project's).
async fn run(mut args: Vec<String>, env: Vec<(&'static str, String)>) -> (Option<i32>, String) {
    if args.first().is_some_and(|a| a == "run") {
        args.push("--snapshots".to_owned());
        args.push(scratch_dir("setup-snapshots").display().to_string());
    }
    run_binary(args, env).await
}

/// A profile of the reference instance of `edition` at `base`, with `changes` to its fixtures
/// (`None` leaves one out) and `header` lines (allow_writes, edition…).
fn profile(dir: &Path, base: &str, header: &str, changes: &[(&str, &str)]) -> PathBuf {
    let edition = if header.contains("edition: current") {
        canvas_conformance::edition::Edition::Current
    } else {
        canvas_conformance::edition::Edition::Sept2023
    };
    let mut text = format!("name: trial\nbase_url: {base}\n{header}fixtures:\n");
    for (key, value) in Profile::reference_for(edition).fixtures {
        let value = changes
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(value.as_str(), |(_, v)| *v)
            .to_owned();
        text.push_str(&format!("  {key}: \"{value}\"\n"));
    }
    let path = dir.join("trial.yaml");
    std::fs::write(&path, text).expect("profile");
    path
}

/// The run stopped before any case: exit 2, `cause` on the first lines and on the last one, no
/// case of the target failed or erred, under 30 lines; with `dir`, its reports say the same.
fn assert_stopped(code: Option<i32>, all: &str, cause: &str, dir: Option<&Path>) {
    assert_eq!(code, Some(2), "{all}");
    let lines: Vec<&str> = all.lines().collect();
    assert!(lines.len() < 30, "{} lines: {all}", lines.len());
    let first = lines.iter().position(|l| l.contains(cause));
    assert!(
        first.is_some_and(|at| at <= 2),
        "not on the first lines: {all}"
    );
    let last = lines.last().copied().unwrap_or_default();
    assert!(
        last.starts_with("verdict: not judged: ") && last.contains(cause),
        "not the last line: {all}"
    );
    assert!(!all.contains("FAIL ") && !all.contains("ERROR "), "{all}");
    assert!(
        all.contains("0 passed, 0 failed, 0 errored, ") && all.contains(" not judged ("),
        "the counts do not say the cases were not judged: {all}"
    );
    if let Some(dir) = dir {
        let report = report_json(dir);
        assert_eq!(report["verdict"]["not_judged"], Value::Bool(true));
        let said = report["verdict"]["cause"].as_str().unwrap_or_default();
        assert!(said.contains(cause), "{said}");
        assert_no_behaviour_failed(&report);
        let summary = std::fs::read_to_string(dir.join("summary.md")).expect("summary.md");
        assert!(summary.contains("⛔ not judged"), "{summary}");
        // summary.md writes backticks as `&#96;` inside its cells.
        assert!(summary.contains(&cause.replace('`', "&#96;")), "{summary}");
        let junit = std::fs::read_to_string(dir.join("junit.xml")).expect("junit.xml");
        assert!(junit.contains("set-up (preflight)"), "{junit}");
    }
}

/// The verdict report.json gives the case `name` (which must have run).
fn verdict_of<'a>(report: &'a Value, name: &str) -> &'a Value {
    &report["cases"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("{name} ran"))["verdict"]
}

fn report_json(dir: &Path) -> Value {
    let text = std::fs::read_to_string(dir.join("report.json")).expect("report.json");
    serde_json::from_str(&text).expect("report.json parses")
}

/// No behaviour is reported failed or erred.
fn assert_no_behaviour_failed(report: &Value) {
    let red: Vec<&str> = report["behaviours"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|b| matches!(b["verdict"].as_str(), Some("fail" | "error")))
        .filter_map(|b| b["id"].as_str())
        .collect();
    assert!(red.is_empty(), "behaviours reported red: {red:?}");
}

/// `run --profile path --report-dir reports` with the reference token.
async fn run_profile(path: &Path, reports: &Path) -> (Option<i32>, String) {
    run(
        strings(&[
            "run",
            "--profile",
            &path.display().to_string(),
            "--token",
            "dev-token",
            "--report-dir",
            &reports.display().to_string(),
        ]),
        Vec::new(),
    )
    .await
}

/// A run with one wrong fixture in an otherwise right profile of `server`: exit 2 (a set-up
/// problem), under 30 lines, the fixture named on the first lines and in the last one with its
/// profile line, no case failed and no behaviour red. Returns the console and report.json.
async fn assert_one_wrong_fixture(
    server: &canvas_sandbox::RunningServer,
    header: &str,
    fixture: &str,
    value: &str,
) -> (String, Value) {
    let dir = scratch_dir(&format!("setup-{fixture}"));
    let path = profile(&dir, server.base_url(), header, &[(fixture, value)]);
    let reports = dir.join("report");
    let (code, all) = run_profile(&path, &reports).await;
    assert_eq!(code, Some(2), "{all}");
    let lines: Vec<&str> = all.lines().collect();
    assert!(lines.len() < 30, "{} lines: {all}", lines.len());
    let cause = format!("fixture `{fixture}` (profile ");
    assert!(lines.iter().take(3).any(|l| l.contains(&cause)), "{all}");
    assert!(
        lines
            .last()
            .is_some_and(|l| l.starts_with("cause: ") && l.contains(&cause)),
        "{all}"
    );
    assert!(
        all.contains("trial.yaml:"),
        "the profile line is named: {all}"
    );
    assert!(!all.contains("FAIL "), "{all}");
    // The summary line says which errors were the set-up's.
    let setup = report_json(&reports)["verdict"]["setup_cases"]
        .as_u64()
        .unwrap_or(0);
    assert!(
        all.contains(&format!("errored ({setup} for the set-up)")),
        "{all}"
    );
    let report = report_json(&reports);
    assert_no_behaviour_failed(&report);
    let summary = std::fs::read_to_string(reports.join("summary.md")).expect("summary.md");
    assert!(summary.contains("⚠️ set-up problem"), "{summary}");
    (all, report)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_stops_the_run_with_one_cause() {
    let server = spawn(ServerConfig::reference()).await.expect("server");
    let dir = scratch_dir("setup-token");
    let reports = dir.join("report");
    let (code, all) = run(
        strings(&[
            "run",
            "--target",
            server.base_url(),
            "--token",
            "not-the-token-7c2a",
        ])
        .into_iter()
        .chain(["--report-dir".to_owned(), reports.display().to_string()])
        .collect(),
        Vec::new(),
    )
    .await;
    assert_stopped(
        code,
        &all,
        "the target refused the token: 401 `Authentication failed` at GET",
        Some(&reports),
    );
    assert!(all.contains("check --token / CANVAS_TOKEN"), "{all}");
    assert!(
        !all.contains("not-the-token-7c2a"),
        "the token leaked: {all}"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_target_stops_the_run_with_one_cause() {
    // A loopback port nobody listens on any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let (code, all) = run(
        strings(&[
            "run",
            "--target",
            &url,
            "--token",
            "any",
            "--max-attempts",
            "1",
        ]),
        Vec::new(),
    )
    .await;
    assert_stopped(
        code,
        &all,
        &format!("cannot reach the target at {url}"),
        None,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_base_path_stops_the_run_with_one_cause() {
    let server = spawn(ServerConfig::reference()).await.expect("server");
    let base = format!("{}/fhir/r4", server.base_url());
    let (code, all) = run(strings(&["run", "--target", &base]), Vec::new()).await;
    assert_stopped(
        code,
        &all,
        &format!("GET {base}/Appointment answered 404"),
        None,
    );
    assert!(all.contains("does not serve the Appointment API"), "{all}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_base_url_ending_in_appointment_is_told_to_drop_it() {
    let server = spawn(ServerConfig::reference()).await.expect("server");
    let base = server.base_url().to_owned();
    let given = format!("{base}/Appointment/");
    let (code, all) = run(strings(&["run", "--target", &given]), Vec::new()).await;
    assert_stopped(
        code,
        &all,
        &format!("without /Appointment: use {base} as --target / base_url"),
        None,
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_html_page_at_the_base_url_stops_the_run_with_one_cause() {
    // What a login page or the EMR host (not the fumage- one) answers: 200 and HTML.
    let base = serve_loopback(|_| {
        axum::Router::new().fallback(|| async {
            (
                [("content-type", "text/html; charset=utf-8")],
                "<!doctype html><html><body>Sign in</body></html>",
            )
        })
    })
    .await;
    let (code, all) = run(strings(&["run", "--target", &base]), Vec::new()).await;
    assert_stopped(
        code,
        &all,
        "with an HTML page (text/html; charset=utf-8), not FHIR JSON",
        None,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirecting_base_url_stops_the_run_naming_the_base_to_use() {
    // What an http:// URL of an https-only host answers (or a base URL missing its path): a
    // redirect with an empty body, which every case would otherwise fail on.
    let base = serve_loopback(|_| {
        axum::Router::new().fallback(|| async {
            (
                axum::http::StatusCode::PERMANENT_REDIRECT,
                [(
                    "location",
                    "https://fumage-example.canvasmedical.com/Appointment?_count=1",
                )],
            )
        })
    })
    .await;
    let (code, all) = run(strings(&["run", "--target", &base]), Vec::new()).await;
    assert_stopped(
        code,
        &all,
        &format!(
            "GET {base}/Appointment answered 308 redirecting to https://fumage-example.canvasmedical.com/Appointment"
        ),
        None,
    );
    assert!(
        all.contains("use https://fumage-example.canvasmedical.com as --target / base_url"),
        "{all}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_oauth_client_stops_the_run_with_one_cause() {
    let server = spawn_harbour().await;
    let dir = scratch_dir("setup-oauth");
    let path = dir.join("harbour.yaml");
    std::fs::write(&path, harbour_profile(server.base_url())).expect("profile");
    let (code, all) = run(
        strings(&["run", "--profile", &path.display().to_string()]),
        vec![
            ("HARBOUR_CLIENT_ID", "harbour-ci".to_owned()),
            (
                "HARBOUR_CLIENT_SECRET",
                "not-the-secret-canary-3".to_owned(),
            ),
        ],
    )
    .await;
    assert_stopped(code, &all, "answered 401 invalid_client", None);
    assert!(!all.contains("not-the-secret-canary-3"), "{all}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_url_into_the_fhir_api_is_not_blamed_on_the_credentials() {
    // The FHIR server's 401 (an OperationOutcome) at the token URL: the secret is right.
    let server = spawn_harbour().await;
    let dir = scratch_dir("setup-token-url");
    let path = dir.join("harbour.yaml");
    let base = server.base_url().to_owned();
    let profile = harbour_profile(&base).replace(
        &format!("token_url: \"{base}/auth/token/\""),
        &format!("token_url: \"{base}/Appointment\""),
    );
    assert!(profile.contains("/Appointment\""), "{profile}");
    std::fs::write(&path, profile).expect("profile");
    let (code, all) = run(
        strings(&["run", "--profile", &path.display().to_string()]),
        vec![
            ("HARBOUR_CLIENT_ID", "harbour-ci".to_owned()),
            ("HARBOUR_CLIENT_SECRET", HARBOUR_SECRET.to_owned()),
        ],
    )
    .await;
    assert_stopped(code, &all, "that URL answered as a FHIR server", None);
    assert!(
        !all.contains("check HARBOUR_CLIENT_ID") && all.contains("check oauth.token_url"),
        "{all}"
    );
    assert!(!all.contains(HARBOUR_SECRET), "{all}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_appointment_fixture_keeps_its_cases_from_being_sent() {
    let server = spawn(ServerConfig::reference()).await.expect("server");
    let unknown = "0badf00d-0000-4000-8000-00000000dead";
    let (_, report) =
        assert_one_wrong_fixture(&server, "allow_writes: true\n", "appt_confirmed", unknown).await;
    // The cases that needed it were not sent; the others were judged and passed.
    assert!(
        report["verdict"]["setup_cases"].as_u64().unwrap_or(0) >= 3,
        "{report}"
    );
    assert!(report["totals"]["cases"]["passed"].as_u64().unwrap_or(0) > 20);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_location_found_during_the_run_is_the_profiles_problem() {
    let server = spawn(ServerConfig::reference_for(Edition::Current))
        .await
        .expect("server");
    let unknown = "ffffffff-0000-4000-8000-00000000dead";
    let header = "edition: current\nallow_writes: true\n";
    let (all, report) = assert_one_wrong_fixture(&server, header, "location", unknown).await;
    // The target's own words name it.
    assert!(all.contains(unknown), "{all}");
    assert!(report["verdict"]["setup_cases"].as_u64().unwrap_or(0) > 20);
    server.shutdown().await;
}

/// A wrong default type code (a fixture no read can verify; `init` marks it GUESSED): the case
/// that only compares the target's default with it runs before the case whose create the target
/// refuses for that code, yet it is not a failure of the target either: the comparison is decided
/// once every refusal of the run is known, whatever order the cases ran in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_type_code_is_the_profiles_problem_even_where_compared_before_it_was_refused() {
    for edition in [Edition::Sept2023, Edition::Current] {
        let server = spawn(ServerConfig::reference_for(edition))
            .await
            .expect("server");
        let header = if edition == Edition::Current {
            "edition: current\nallow_writes: true\n"
        } else {
            "allow_writes: true\n"
        };
        let (all, report) =
            assert_one_wrong_fixture(&server, header, "type_default_code", "999999999").await;
        assert_eq!(verdict_of(&report, "create/default-type"), "error", "{all}");
        server.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_practitioner_found_during_the_run_is_the_profiles_problem() {
    let server = spawn(ServerConfig::reference()).await.expect("server");
    let unknown = "0badf00d0badf00d0badf00d0badf00d";
    let (_, report) =
        assert_one_wrong_fixture(&server, "allow_writes: true\n", "practitioner", unknown).await;
    assert!(report["verdict"]["setup_cases"].as_u64().unwrap_or(0) > 10);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edition_mismatch_is_the_headline_first_and_last() {
    let server = spawn(ServerConfig::reference()).await.expect("server");
    let dir = scratch_dir("setup-edition");
    let path = profile(&dir, server.base_url(), "edition: current\n", &[]);
    let reports = dir.join("report");
    let (code, all) = run_profile(&path, &reports).await;
    assert_ne!(code, Some(0), "{all}");
    let cause = "the target speaks the 2023-09 edition";
    let lines: Vec<&str> = all.lines().collect();
    assert!(lines.iter().take(3).any(|l| l.contains(cause)), "{all}");
    assert!(
        lines
            .last()
            .is_some_and(|l| l.starts_with("cause: ") && l.contains(cause)),
        "{all}"
    );
    // The fix works as printed: the same profile, the edition the target speaks.
    let fix = format!("--profile {} --edition 2023-09", path.display());
    assert!(all.contains(&fix), "{all}");
    let summary = std::fs::read_to_string(reports.join("summary.md")).expect("summary.md");
    assert!(summary.contains(cause), "{summary}");
    let html = std::fs::read_to_string(reports.join("report.html")).expect("report.html");
    assert!(
        html.contains("id=\"verdict-cause\""),
        "the cause heads the page"
    );
    assert!(html.contains(cause));
    let (code, all) = run(
        strings(&[
            "run",
            "--profile",
            &path.display().to_string(),
            "--token",
            "dev-token",
            "--edition",
            "2023-09",
        ]),
        Vec::new(),
    )
    .await;
    assert_eq!(code, Some(0), "the printed fix works: {all}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_with_writes_off_says_partial_in_every_report() {
    let server = spawn(ServerConfig::reference()).await.expect("server");
    let dir = scratch_dir("setup-writes-off");
    let path = profile(&dir, server.base_url(), "allow_writes: false\n", &[]);
    let reports = dir.join("report");
    let args = |extra: &[&str]| {
        let mut args = strings(&[
            "run",
            "--profile",
            &path.display().to_string(),
            "--token",
            "dev-token",
        ]);
        args.extend(strings(extra));
        args
    };
    let (code, all) = run(
        args(&["--report-dir", &reports.display().to_string()]),
        Vec::new(),
    )
    .await;
    assert_eq!(code, Some(0), "{all}");
    let partial = "passed (partial: ";
    assert!(
        all.lines()
            .last()
            .is_some_and(|l| l.starts_with(&format!("verdict: {partial}"))
                && l.contains("behaviours judged")
                && l.contains("does not allow writes")),
        "{all}"
    );
    assert!(all.lines().count() < 30, "{all}");
    let report = report_json(&reports);
    let said = report["verdict"]["partial"].as_str().unwrap_or_default();
    assert!(said.contains(" of 45 behaviours judged"), "{said}");
    for file in ["summary.md", "report.html", "junit.xml"] {
        let text = std::fs::read_to_string(reports.join(file)).expect(file);
        assert!(text.contains(partial), "{file} does not say partial");
    }
    // A CI gate that wants the whole suite.
    let (code, all) = run(args(&["--require-all"]), Vec::new()).await;
    assert_eq!(code, Some(1), "{all}");
    assert!(all.contains("under --require-all"), "{all}");
    server.shutdown().await;
}

/// The `cargo test` face (`CONFORMANCE_TARGET`) goes through the same preflight as `run`: a
/// refused token or a wrong base path is one set-up cause before any trial, naming the face's
/// variables and never the token; a target of the other edition, given without a profile or an
/// edition, is judged in the edition it speaks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cargo_test_face_says_a_set_up_fault_once_before_any_trial() {
    use canvas_conformance::harness::{FaceEnv, open};
    use canvas_conformance::plan::Placement;

    let suite = super::common::project_suite();
    let cases = crate::common::root().join("cases");
    let server = spawn(ServerConfig::reference()).await.expect("server");
    let refused = FaceEnv {
        target: Some(server.base_url().to_owned()),
        token: Some("not-the-token-5e1d".to_owned()),
        ..FaceEnv::default()
    };
    let Err(cause) = open(&refused, &cases, &suite.cases).await else {
        panic!("a refused token must stop the face before any trial");
    };
    assert!(
        cause.contains("the target refused the token: 401"),
        "{cause}"
    );
    assert!(cause.contains("CONFORMANCE_TOKEN"), "{cause}");
    assert!(
        !cause.contains("not-the-token-5e1d"),
        "the token leaked: {cause}"
    );
    let wrong_path = FaceEnv {
        target: Some(format!("{}/fhir/r4", server.base_url())),
        ..FaceEnv::default()
    };
    let Err(cause) = open(&wrong_path, &cases, &suite.cases).await else {
        panic!("a wrong base path must stop the face before any trial");
    };
    assert!(
        cause.contains("does not serve the Appointment API"),
        "{cause}"
    );
    server.shutdown().await;

    let current = spawn(ServerConfig::reference_for(Edition::Current))
        .await
        .expect("server");
    let assumed = FaceEnv {
        target: Some(current.base_url().to_owned()),
        ..FaceEnv::default()
    };
    let opened = match open(&assumed, &cases, &suite.cases).await {
        Ok(opened) => opened,
        Err(cause) => panic!("the current reference server can be judged: {cause}"),
    };
    assert!(
        opened
            .notice
            .contains("the target speaks the current edition"),
        "{}",
        opened.notice
    );
    let targets = opened.session.targets();
    assert_eq!(
        targets[0].profile.edition,
        canvas_conformance::edition::Edition::Current
    );
    let runnable = opened
        .plan
        .items
        .iter()
        .filter(|item| matches!(item.placement, Placement::Run(_)))
        .count();
    assert!(runnable > 40, "the current suite runs: {runnable}");
    opened.session.close().await;
    current.shutdown().await;
}

/// A recorded run with wrong fixtures (one the preflight refused, one the target refused during
/// the run) replays with the same verdict: the set-up's problem, never the target's. The replay
/// takes the recorded profile's origin, the preflight's refusals and the cause it headlined.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_set_up_fault_is_still_the_set_ups() {
    let server = spawn(ServerConfig::reference_for(Edition::Current))
        .await
        .expect("server");
    let dir = scratch_dir("setup-replay");
    let path = profile(
        &dir,
        server.base_url(),
        "edition: current\nallow_writes: true\n",
        &[
            ("location", "ffffffff-0000-4000-8000-00000000dead"),
            ("appt_confirmed", "0badf00d-0000-4000-8000-00000000dead"),
        ],
    );
    let recorded = dir.join("report");
    let recording = dir.join("recording");
    let (code, all) = run(
        strings(&[
            "run",
            "--profile",
            &path.display().to_string(),
            "--token",
            "dev-token",
            "--report-dir",
            &recorded.display().to_string(),
            "--record",
            &recording.display().to_string(),
        ]),
        Vec::new(),
    )
    .await;
    assert_eq!(code, Some(2), "{all}");
    server.shutdown().await;
    let replayed = dir.join("replayed");
    let (replay_code, replay_all) = run(
        strings(&[
            "replay",
            &recording.display().to_string(),
            "--report-dir",
            &replayed.display().to_string(),
        ]),
        Vec::new(),
    )
    .await;
    assert_eq!(replay_code, code, "{replay_all}");
    assert!(!replay_all.contains("FAIL "), "{replay_all}");
    assert!(!replay_all.contains("not_recorded"), "{replay_all}");
    let (live, again) = (report_json(&recorded), report_json(&replayed));
    assert_no_behaviour_failed(&again);
    for key in ["cause", "setup_cases", "passed"] {
        assert_eq!(again["verdict"][key], live["verdict"][key], "{key}");
    }
    assert_eq!(again["totals"]["cases"], live["totals"]["cases"]);
    assert!(
        again["verdict"]["cause"]
            .as_str()
            .is_some_and(|c| c.contains("trial.yaml:")),
        "{}",
        again["verdict"]
    );
}

/// An appointment fixture that reads back in another valid status than its name says is a wrong
/// fixture as likely as a wrong target: the step it fails is the set-up's, with both readings in
/// the cause. A status outside FHIR's set (the page's `check-in`) no fixture explains: with the
/// right fixtures, that mutant still fails read/status-map.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fixture_in_another_status_is_doubted_but_an_invalid_status_is_the_targets() {
    let server = spawn(ServerConfig::reference_for(Edition::Current))
        .await
        .expect("server");
    let confirmed = Profile::reference_for(canvas_conformance::edition::Edition::Current)
        .fixtures
        .get("appt_confirmed")
        .cloned()
        .expect("the reference appt_confirmed");
    let header = "edition: current\nallow_writes: true\n";
    let (all, report) = assert_one_wrong_fixture(&server, header, "appt_roomed", &confirmed).await;
    assert!(
        all.contains("reads back as `booked`, not `checked-in`"),
        "{all}"
    );
    assert_eq!(verdict_of(&report, "read/status-map"), "error", "{all}");
    server.shutdown().await;

    let mut config = ServerConfig::reference_for(Edition::Current);
    config.mutant = Some(canvas_sandbox::Mutant::RoomedAsCheckIn);
    let mutant = spawn(config).await.expect("the mutant server");
    let dir = scratch_dir("setup-check-in");
    let path = profile(&dir, mutant.base_url(), header, &[]);
    let (code, all) = run_profile(&path, &dir.join("report")).await;
    assert_eq!(code, Some(1), "{all}");
    assert!(all.contains("FAIL  read/status-map"), "{all}");
    mutant.shutdown().await;
}

/// An `appt_confirmed` without a reason for visit cannot show a description made of one: the
/// preflight says so, and read/description is the set-up's, not a failure of the target.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confirmed_fixture_without_a_reason_is_the_set_ups_for_the_description() {
    let mut config = ServerConfig::reference_for(Edition::Current);
    let confirmed = Profile::reference_for(canvas_conformance::edition::Edition::Current)
        .fixtures
        .get("appt_confirmed")
        .cloned()
        .expect("the reference appt_confirmed");
    let mut bare = config
        .settings
        .seed_appointments
        .iter()
        .find(|s| s.id == confirmed)
        .cloned()
        .expect("the seeded confirmed appointment");
    bare.id = "00000000-0000-4000-8000-0000000000fe".to_owned();
    bare.reason = None;
    bare.encounter = None;
    bare.note_id = None;
    bare.identifiers.clear();
    bare.coscheduled.clear();
    config.settings.seed_appointments.push(bare.clone());
    let server = spawn(config).await.expect("server");
    let header = "edition: current\nallow_writes: true\n";
    let (all, report) = assert_one_wrong_fixture(&server, header, "appt_confirmed", &bare.id).await;
    assert!(all.contains("has no reason for visit"), "{all}");
    assert_eq!(verdict_of(&report, "read/description"), "error", "{all}");
    server.shutdown().await;
}
