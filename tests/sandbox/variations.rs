//! Zero false verdicts: the whole suite through a proxy that answers in a legal but different shape,
//! one variation at a time (narrative, meta, unknown extensions, `application/fhir+json`, media-type
//! parameters, the written resource in a 201/200, other offsets and milliseconds, decoded links, no
//! `previous`, `fullUrl` and `search.mode`, other Location forms, participant order, OperationOutcome
//! extras…). Every variation must apply, and no case may end in Fail or Error.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{Method, Response};
use canvas_conformance::run::RunControl;
use canvas_conformance::target::{Auth, Profile, Secret, Target};
use canvas_sandbox::{ServerConfig, spawn};
use serde_json::{Value, json};

use crate::common::{bad_gateway, entries_with_full_url_and_search_mode};

use super::common::{
    client, not_passed, pass_on, project_suite, proxy_http, run_suite, serve_loopback,
};

/// One legal way to answer differently from the reference server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Variation {
    /// A generated narrative on every Appointment (FHIR R4 `Resource.text`).
    Narrative,
    /// `meta.versionId` and `meta.lastUpdated` on every Appointment.
    Meta,
    /// An extension the harness does not know on every Appointment.
    UnknownExtension,
    /// `Content-Type: application/fhir+json` (FHIR's own media type) on every JSON answer.
    FhirJson,
    /// Media-type parameters: `application/json; charset=utf-8; fhirVersion=4.0`.
    MediaTypeParameters,
    /// A create answers 201 with the created Appointment (FHIR's `return=representation`).
    CreateReturnsResource,
    /// An update answers 200 with the updated Appointment.
    UpdateReturnsResource,
    /// Every instant at `+02:00` instead of UTC (the same instant).
    OtherOffset,
    /// Every instant with milliseconds (`…:00.000+00:00`).
    Milliseconds,
    /// Paging links with their query parameters decoded (`patient=Patient/x`) or otherwise encoded.
    LinksDecoded,
    /// No `previous` links (the page only promises links to the subsequent pages).
    NoPreviousLinks,
    /// `fullUrl` and `search.mode: match` on every Bundle entry.
    EntryFullUrlAndSearchMode,
    /// `id`, `meta` and `timestamp` on the Bundle.
    BundleIdMetaTimestamp,
    /// `Location` naming another host (a reverse proxy's upstream) and `/_history/1`.
    LocationUpstreamHost,
    /// A relative `Location: Appointment/<id>/_history/1` (FHIR's own form).
    LocationRelative,
    /// Participants in the opposite order (the page's examples disagree on it).
    ParticipantsReversed,
    /// OperationOutcomes with a narrative, `diagnostics` and `expression`, and without `id`.
    OutcomeExtras,
    /// `display` on every supportingInformation reference that has none.
    ReferenceDisplays,
    /// Extra response headers (`ETag`, `Last-Modified`, `X-Request-Id`).
    ExtraHeaders,
}

const ALL: [Variation; 19] = [
    Variation::Narrative,
    Variation::Meta,
    Variation::UnknownExtension,
    Variation::FhirJson,
    Variation::MediaTypeParameters,
    Variation::CreateReturnsResource,
    Variation::UpdateReturnsResource,
    Variation::OtherOffset,
    Variation::Milliseconds,
    Variation::LinksDecoded,
    Variation::NoPreviousLinks,
    Variation::EntryFullUrlAndSearchMode,
    Variation::BundleIdMetaTimestamp,
    Variation::LocationUpstreamHost,
    Variation::LocationRelative,
    Variation::ParticipantsReversed,
    Variation::OutcomeExtras,
    Variation::ReferenceDisplays,
    Variation::ExtraHeaders,
];

#[derive(Clone)]
struct Proxy {
    upstream: String,
    variation: Variation,
    http: reqwest::Client,
    /// How often the variation changed an answer (it must, or the test proves nothing).
    applied: Arc<AtomicU64>,
}

impl Proxy {
    fn applied(&self) {
        self.applied.fetch_add(1, Ordering::Relaxed);
    }
}

/// Applies `f` to every Appointment in a body: the body itself, or each Bundle entry's resource.
fn each_appointment(body: &mut Value, f: &mut impl FnMut(&mut serde_json::Map<String, Value>)) {
    match body.get("resourceType").and_then(Value::as_str) {
        Some("Appointment") => {
            if let Some(map) = body.as_object_mut() {
                f(map);
            }
        }
        Some("Bundle") => {
            for entry in body
                .get_mut("entry")
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                if let Some(map) = entry.get_mut("resource").and_then(Value::as_object_mut) {
                    f(map);
                }
            }
        }
        _ => {}
    }
}

/// Every string that is an instant, rewritten.
fn each_instant(value: &mut Value, f: &impl Fn(&str) -> Option<String>) -> u64 {
    match value {
        Value::String(text) => match f(text) {
            Some(new) => {
                *text = new;
                1
            }
            None => 0,
        },
        Value::Array(items) => items.iter_mut().map(|v| each_instant(v, f)).sum(),
        Value::Object(map) => map.values_mut().map(|v| each_instant(v, f)).sum(),
        _ => 0,
    }
}

fn utc_instant(text: &str) -> Option<jiff::Timestamp> {
    (text.len() >= 20 && text.as_bytes().get(10) == Some(&b'T') && text.ends_with("+00:00"))
        .then(|| text.parse().ok())
        .flatten()
}

/// Reshapes one JSON body; returns whether anything changed.
fn vary_body(proxy: &Proxy, body: &mut Value) -> bool {
    let mut changed = false;
    match proxy.variation {
        Variation::Narrative => each_appointment(body, &mut |a| {
            a.insert(
                "text".into(),
                json!({"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">An appointment, with its own text</div>"}),
            );
            changed = true;
        }),
        Variation::Meta => each_appointment(body, &mut |a| {
            a.insert(
                "meta".into(),
                json!({"versionId": "3", "lastUpdated": "2024-01-01T00:00:00.000Z"}),
            );
            changed = true;
        }),
        Variation::UnknownExtension => each_appointment(body, &mut |a| {
            let extension = a.entry("extension").or_insert_with(|| json!([]));
            if let Some(list) = extension.as_array_mut() {
                list.push(json!({"url": "http://example.org/fhir/StructureDefinition/unknown", "valueString": "x"}));
                changed = true;
            }
        }),
        Variation::OtherOffset => {
            changed = each_instant(body, &|t| {
                let ts = utc_instant(t)?;
                let zoned = ts.to_zoned_datetime(jiff::tz::TimeZone::fixed(jiff::tz::offset(2)));
                Some(zoned.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string())
            }) > 0;
        }
        Variation::Milliseconds => {
            changed = each_instant(body, &|t| {
                utc_instant(t)?;
                Some(format!("{}.000+00:00", &t[..t.len() - 6]))
            }) > 0;
        }
        Variation::LinksDecoded | Variation::NoPreviousLinks => {
            if let Some(links) = body.get_mut("link").and_then(Value::as_array_mut) {
                if proxy.variation == Variation::NoPreviousLinks {
                    let before = links.len();
                    links.retain(|l| l.get("relation").and_then(Value::as_str) != Some("previous"));
                    changed = links.len() != before;
                } else {
                    for link in links {
                        if let Some(Value::String(url)) = link.get_mut("url") {
                            let decoded = url.replace("%2F", "/").replace("%7C", "|");
                            // The other spelling of the same form encoding: `:` as %3A.
                            let respelled = decoded.replace(':', "%3A");
                            changed |= respelled != *url;
                            *url = respelled;
                        }
                    }
                }
            }
        }
        Variation::EntryFullUrlAndSearchMode => {
            changed = entries_with_full_url_and_search_mode(body, &proxy.upstream);
        }
        Variation::BundleIdMetaTimestamp => {
            if body.get("resourceType").and_then(Value::as_str) == Some("Bundle")
                && let Some(map) = body.as_object_mut()
            {
                map.insert("id".into(), json!(uuid::Uuid::new_v4().to_string()));
                map.insert(
                    "meta".into(),
                    json!({"lastUpdated": "2026-11-30T00:00:00Z"}),
                );
                map.insert("timestamp".into(), json!("2026-11-30T00:00:00Z"));
                changed = true;
            }
        }
        Variation::ParticipantsReversed => each_appointment(body, &mut |a| {
            if let Some(list) = a.get_mut("participant").and_then(Value::as_array_mut)
                && list.len() > 1
            {
                list.reverse();
                changed = true;
            }
        }),
        Variation::OutcomeExtras => {
            if body.get("resourceType").and_then(Value::as_str) == Some("OperationOutcome")
                && let Some(map) = body.as_object_mut()
            {
                map.remove("id");
                map.insert(
                    "text".into(),
                    json!({"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">error</div>"}),
                );
                for issue in map
                    .get_mut("issue")
                    .and_then(Value::as_array_mut)
                    .into_iter()
                    .flatten()
                {
                    if let Some(issue) = issue.as_object_mut() {
                        issue.insert("diagnostics".into(), json!("more detail for people"));
                        issue.insert("expression".into(), json!(["Appointment"]));
                    }
                }
                changed = true;
            }
        }
        Variation::ReferenceDisplays => each_appointment(body, &mut |a| {
            for reference in a
                .get_mut("supportingInformation")
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                if let Some(map) = reference.as_object_mut()
                    && !map.contains_key("display")
                {
                    let kind = map.get("type").cloned().unwrap_or(json!("Reference"));
                    map.insert("display".into(), kind);
                    changed = true;
                }
            }
        }),
        Variation::FhirJson
        | Variation::MediaTypeParameters
        | Variation::CreateReturnsResource
        | Variation::UpdateReturnsResource
        | Variation::LocationUpstreamHost
        | Variation::LocationRelative
        | Variation::ExtraHeaders => {}
    }
    changed
}

async fn forward(State(proxy): State<Proxy>, request: Request) -> Response<Body> {
    let (parts, body) = request.into_parts();
    let path = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let body = to_bytes(body, 4 * 1024 * 1024).await.unwrap_or_default();
    let auth = parts.headers.get("authorization").cloned();
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
    let status = answer.status;
    let headers = answer.headers;
    let bytes = answer.body;
    let mut json: Option<Value> = serde_json::from_slice(&bytes)
        .ok()
        .filter(|v: &Value| !v.is_null());
    let location = headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let id = location.as_deref().and_then(|l| {
        l.rsplit_once("/Appointment/")
            .map(|(_, rest)| rest.split('/').next().unwrap_or(rest).to_owned())
    });
    // The written resource as the body of a successful create or update.
    let wants_resource = match (proxy.variation, &parts.method, status) {
        (Variation::CreateReturnsResource, &Method::POST, 201) => {
            id.clone().map(|id| format!("/Appointment/{id}"))
        }
        (Variation::UpdateReturnsResource, &Method::PUT, 200) => Some(parts.uri.path().to_owned()),
        _ => None,
    };
    if let Some(read_path) = wants_resource {
        let mut read = proxy.http.get(format!("{}{read_path}", proxy.upstream));
        if let Some(auth) = &auth {
            read = read.header("authorization", auth.as_bytes());
        }
        if let Ok(answer) = read.send().await
            && let Ok(resource) = answer.json::<Value>().await
        {
            json = Some(resource);
            proxy.applied();
        }
    }
    if let Some(body) = json.as_mut()
        && vary_body(&proxy, body)
    {
        proxy.applied();
    }
    let out_body = match &json {
        Some(value) => serde_json::to_vec(value).unwrap_or_default(),
        None => bytes.to_vec(),
    };
    let mut response = Response::builder().status(status);
    for (name, value) in &headers {
        match name.as_str() {
            "content-length" | "transfer-encoding" | "connection" => {}
            "content-type" if json.is_some() => {}
            "location" => {
                let new = match (proxy.variation, &id) {
                    (Variation::LocationUpstreamHost, Some(id)) => {
                        proxy.applied();
                        format!("https://upstream.internal:8443/fhir/Appointment/{id}/_history/1")
                    }
                    (Variation::LocationRelative, Some(id)) => {
                        proxy.applied();
                        format!("Appointment/{id}/_history/1")
                    }
                    _ => value.to_str().unwrap_or_default().to_owned(),
                };
                response = response.header("location", new);
            }
            _ => response = response.header(name, value),
        }
    }
    if json.is_some() {
        let media = match proxy.variation {
            Variation::FhirJson => {
                proxy.applied();
                "application/fhir+json"
            }
            Variation::MediaTypeParameters => {
                proxy.applied();
                "application/json; charset=utf-8; fhirVersion=4.0"
            }
            _ => "application/json",
        };
        response = response.header("content-type", media);
    }
    if proxy.variation == Variation::ExtraHeaders {
        proxy.applied();
        response = response
            .header("etag", "W/\"3\"")
            .header("last-modified", "Mon, 30 Nov 2026 10:00:00 GMT")
            .header("x-request-id", uuid::Uuid::new_v4().to_string());
    }
    response
        .body(Body::from(out_body))
        .unwrap_or_else(|_| bad_gateway())
}

async fn start_proxy(upstream: &str, variation: Variation) -> (String, Arc<AtomicU64>) {
    let applied = Arc::new(AtomicU64::new(0));
    let own = serve_loopback(|_| {
        let proxy = Proxy {
            upstream: upstream.to_owned(),
            variation,
            http: proxy_http(),
            applied: Arc::clone(&applied),
        };
        Router::new().fallback(forward).with_state(proxy)
    })
    .await;
    (own, applied)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legal_variations_never_fail_a_case() {
    let suite = project_suite();
    let mut problems = Vec::new();
    for variation in ALL {
        // A server of its own per variation: runs with other run ids cannot share its days.
        let server = spawn(ServerConfig::reference()).await.expect("server");
        let (base, applied) = start_proxy(server.base_url(), variation).await;
        let target = Target {
            label: format!("{variation:?}"),
            base_url: base,
            auth: Auth::static_token(Secret::new("dev-token".to_owned())),
            profile: Arc::new(Profile::reference()),
        };
        let report = run_suite(
            &suite,
            vec![target],
            client(Duration::from_secs(30)),
            &RunControl::default(),
            2,
        )
        .await;
        let failing = not_passed(&report);
        if !failing.is_empty() {
            problems.push(format!("{variation:?}:\n{failing}"));
        }
        assert!(
            applied.load(Ordering::Relaxed) > 0,
            "{variation:?} never changed an answer: the test would prove nothing"
        );
        assert!(
            report.cleanup.iter().all(|t| t.problem.is_none()),
            "{variation:?}: {:?}",
            report.cleanup
        );
        server.shutdown().await;
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The built binary, run from the project root without a token in the environment.
fn binary() -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_canvas-conformance"));
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("CANVAS_TOKEN")
        .env_remove("INSTA_UPDATE")
        .env_remove("CI");
    command
}

fn output_text(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Runs the CLI with these arguments (and `INSTA_UPDATE`, when given) off the async runtime.
async fn run_cli(
    args: Vec<std::ffi::OsString>,
    insta_update: Option<&'static str>,
) -> std::process::Output {
    tokio::task::spawn_blocking(move || {
        let mut command = binary();
        command.args(&args);
        if let Some(mode) = insta_update {
            command.env("INSTA_UPDATE", mode);
        }
        command.output().expect("run")
    })
    .await
    .expect("join")
}

/// `OsString` arguments from anything path- or string-like.
macro_rules! args {
    ($($arg:expr),* $(,)?) => { vec![$(std::ffi::OsString::from($arg)),*] };
}

/// A profile file with the reference instance's fixtures under another name.
fn profile_with_reference_fixtures(path: &std::path::Path, header: &str) {
    let mut text = format!("{header}fixtures:\n");
    for (key, value) in canvas_conformance::target::Profile::reference().fixtures {
        text.push_str(&format!("  {key}: \"{value}\"\n"));
    }
    std::fs::write(path, text).expect("profile");
}

/// A scratch copy of the project's snapshots, so a run may write beside them.
fn snapshot_copy(name: &str) -> std::path::PathBuf {
    let from = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots/reference");
    let to = std::env::temp_dir().join(format!(
        "cc-variations-{name}-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(to.join("reference")).expect("scratch snapshots");
    for entry in std::fs::read_dir(&from)
        .expect("snapshots/reference")
        .flatten()
    {
        std::fs::copy(entry.path(), to.join("reference").join(entry.file_name())).expect("copy");
    }
    to
}

fn files_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// A target without a profile is compared with the reference server's snapshots for information:
/// `application/fhir+json` and a proxy's upstream host in `Location` pass every case, exit 0, say
/// where they differ, and write nothing. With a profile, the target records its own baseline, and
/// a second run shows no drift.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unprofiled_target_is_compared_with_the_reference_for_information_only() {
    let server = spawn(ServerConfig::reference()).await.expect("server");
    let (base, _) = start_proxy(server.base_url(), Variation::FhirJson).await;
    let snapshots = snapshot_copy("unprofiled");
    let before = files_in(&snapshots.join("reference"));
    let output = run_cli(
        args![
            "run",
            "--verbose",
            "--target",
            &base,
            "--token",
            "dev-token",
            "--snapshots",
            &snapshots
        ],
        None,
    )
    .await;
    let all = output_text(&output);
    assert_eq!(output.status.code(), Some(0), "{all}");
    assert!(all.contains("differs from the reference server"), "{all}");
    assert!(
        all.contains("+    \"content-type\": \"application/fhir+json\""),
        "{all}"
    );
    assert!(all.contains("verdict: passed"), "{all}");
    assert_eq!(
        files_in(&snapshots.join("reference")),
        before,
        "nothing written"
    );

    // With a profile of its own: the first run records, the second matches.
    let profile = snapshots.join("fhir-json.yaml");
    profile_with_reference_fixtures(
        &profile,
        "name: fhir-json\nallow_writes: true\ndouble_booking: allowed\n",
    );
    for round in ["records", "matches"] {
        let output = run_cli(
            args![
                "run",
                "--target",
                &base,
                "--token",
                "dev-token",
                "--profile",
                &profile,
                "--snapshots",
                &snapshots
            ],
            Some("unseen"),
        )
        .await;
        let all = output_text(&output);
        assert_eq!(output.status.code(), Some(0), "{round}: {all}");
        assert!(all.contains(" 0 drifted"), "{round}: {all}");
        if round == "matches" {
            assert!(all.contains(" 0 new"), "{round}: {all}");
        }
    }
    assert!(snapshots.join("fhir-json").is_dir());
    server.shutdown().await;
}

/// Absolute paging links (a SEARCH-LINKS fault) make SEARCH-LINKS the only red behaviour, although
/// every case with a search step fails; and a run that fails headlines "failed" in every report.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_links_fault_is_blamed_on_search_links_only_and_every_report_says_failed() {
    let dir = std::env::temp_dir().join(format!(
        "cc-links-absolute-{}",
        uuid::Uuid::new_v4().simple()
    ));
    let snapshots = snapshot_copy("links");
    let output = run_cli(
        args![
            "run",
            "--mutant",
            "search-links-absolute",
            "--report-dir",
            &dir,
            "--snapshots",
            &snapshots
        ],
        None,
    )
    .await;
    let all = output_text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).expect("json"))
            .expect("report.json");
    let red: Vec<&str> = report["behaviours"]
        .as_array()
        .expect("behaviours")
        .iter()
        .filter(|b| b["verdict"] != "pass")
        .filter_map(|b| b["id"].as_str())
        .collect();
    // The mutant breaks both editions' servers: SEARCH-LINKS, once per edition, and nothing else.
    assert_eq!(red, ["SEARCH-LINKS", "SEARCH-LINKS"], "{all}");
    let failing_cases = report["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter(|c| c["verdict"] == "fail")
        .count();
    assert!(failing_cases >= 3, "{failing_cases}: {all}");
    assert_eq!(report["verdict"]["passed"], false);
    assert!(all.contains("verdict: failed"), "{all}");
    let summary = std::fs::read_to_string(dir.join("summary.md")).expect("summary");
    assert!(
        summary.lines().next().is_some_and(|l| l.contains("failed")),
        "{summary}"
    );
    let html = std::fs::read_to_string(dir.join("report.html")).expect("html");
    assert!(html.contains("id=\"overall\">failed<"), "html headline");
}

/// Drift alone fails the run, and every report headlines it the same way; `--allow-drift` passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_fails_the_run_in_every_report_with_one_count() {
    let snapshots = snapshot_copy("drift");
    let snap = snapshots.join("reference/read-unknown-id__read-a-random-unknown-id.snap");
    let stored = std::fs::read_to_string(&snap).expect("a stored snapshot");
    std::fs::write(&snap, stored.replace("not-found", "not-fuond")).expect("edit");
    let dir = std::env::temp_dir().join(format!("cc-drift-{}", uuid::Uuid::new_v4().simple()));
    let run = |extra: &'static str| {
        let mut args = args![
            "run",
            "--edition",
            "2023-09",
            "--filter",
            "read/unknown-id",
            "--report-dir",
            &dir,
            "--snapshots",
            &snapshots
        ];
        if !extra.is_empty() {
            args.push(extra.into());
        }
        run_cli(args, Some("no"))
    };
    let output = run("").await;
    let all = output_text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert!(
        all.contains("1 passed, 0 failed"),
        "the case itself passes: {all}"
    );
    assert!(
        all.contains("verdict: failed: 1 snapshot(s) drifted"),
        "{all}"
    );
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).expect("json"))
            .expect("report.json");
    assert_eq!(report["verdict"]["passed"], false);
    assert_eq!(report["totals"]["snapshot_drift"], 1);
    assert_eq!(report["snapshot_drift"].as_array().map(Vec::len), Some(1));
    let summary = std::fs::read_to_string(dir.join("summary.md")).expect("summary");
    assert!(summary.contains("❌ failed"), "{summary}");
    assert!(summary.contains("1 snapshot(s) drifted"), "{summary}");
    let html = std::fs::read_to_string(dir.join("report.html")).expect("html");
    assert!(html.contains("id=\"overall\">failed<"), "html headline");
    let junit = std::fs::read_to_string(dir.join("junit.xml")).expect("junit");
    assert!(junit.contains("tests=\"1\""), "{junit}");

    let output = run("--allow-drift").await;
    let all = output_text(&output);
    assert_eq!(output.status.code(), Some(0), "{all}");
    let summary = std::fs::read_to_string(dir.join("summary.md")).expect("summary");
    assert!(summary.contains("✅ passed"), "{summary}");
}

/// Unreferenced-snapshot warnings name only snapshots of steps that could have run on this target:
/// with writes off, the snapshots of every writing case are not named; a stale file is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreferenced_snapshots_are_only_those_that_could_have_run() {
    let server = spawn(ServerConfig::reference()).await.expect("server");
    let snapshots = snapshot_copy("unreferenced");
    std::fs::rename(snapshots.join("reference"), snapshots.join("read-only")).expect("rename");
    std::fs::write(
        snapshots.join("read-only/gone-case__gone-step.snap"),
        "---\nsource: \"cases/gone.yaml\"\nexpression: \"GET /x\"\n---\n{}\n",
    )
    .expect("stale snapshot");
    let profile = snapshots.join("read-only.yaml");
    profile_with_reference_fixtures(&profile, "name: read-only\nallow_writes: false\n");
    let output = run_cli(
        args![
            "run",
            "--target",
            server.base_url(),
            "--token",
            "dev-token",
            "--profile",
            &profile,
            "--snapshots",
            &snapshots
        ],
        Some("no"),
    )
    .await;
    let all = output_text(&output);
    let named: Vec<&str> = all
        .lines()
        .filter(|l| l.contains("unreferenced snapshot"))
        .collect();
    assert_eq!(named.len(), 1, "{all}");
    assert!(named[0].contains("gone-case__gone-step.snap"), "{all}");
    assert_eq!(output.status.code(), Some(0), "{all}");
    server.shutdown().await;
}
