//! Many targets, one report, through the built binary: `run --target A --target B` against reference
//! servers on 127.0.0.1:0 that differ (one with a mutant) shows exactly the behaviour the mutant
//! breaks (or the double-booking setting one of them has), side by side, and fails; the same
//! server twice differs nowhere and passes.

mod common;

use std::path::Path;

use canvas_sandbox::{Mutant, RunningServer, ServerConfig, settings};
use serde_json::Value;

use common::{binary, read, root, scratch, start_server, text};

/// A 2023-09 reference server, with `mutant` broken if given.
async fn server(mutant: Option<&str>) -> RunningServer {
    let mut config = ServerConfig::reference();
    config.mutant = mutant.map(|name| Mutant::from_name(name).expect("a known mutant"));
    start_server(config).await
}

/// `run` against `urls` with a report folder; the exit code, the console and report.json.
async fn run_against(urls: &[&str], extra: &[&str], dir: &Path) -> (Option<i32>, String, Value) {
    let mut command = binary();
    command.arg("run");
    for url in urls {
        command.args(["--target", url]);
    }
    command.args(extra).arg("--report-dir").arg(dir);
    // The servers run on this test's runtime: wait for the child off it.
    let output = tokio::task::spawn_blocking(move || command.output().expect("run"))
        .await
        .expect("joined");
    let all = text(&output);
    let json: Value = serde_json::from_str(&read(dir, "report.json"))
        .unwrap_or_else(|e| panic!("report.json: {e}\n{all}"));
    (output.status.code(), all, json)
}

fn schema_errors(document: &Value) -> Vec<String> {
    let schema: Value =
        serde_json::from_str(&read(&root().join("schemas"), "report.schema.json")).expect("schema");
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&schema)
        .expect("the schema compiles");
    validator
        .iter_errors(document)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// The IDs of the behaviours the comparison marks as differing.
fn differing(json: &Value) -> Vec<String> {
    json["comparison"]["behaviours"]
        .as_array()
        .expect("behaviours")
        .iter()
        .filter(|b| b["differs"] == true)
        .map(|b| b["id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_with_a_mutant_differs_in_exactly_its_behaviour_side_by_side() {
    let good = server(None).await;
    let bad = server(Some("create-answers-200")).await;
    let dir = scratch("mutant");
    let (code, all, json) = run_against(&[good.base_url(), bad.base_url()], &[], &dir).await;
    assert_eq!(code, Some(1), "{all}");
    assert_eq!(schema_errors(&json), Vec::<String>::new());
    // Exactly the mutant's behaviour, though its failure shows in many cases.
    assert_eq!(differing(&json), ["CREATE-201"], "{all}");
    assert_eq!(json["comparison"]["differing"], 1);
    let targets = json["comparison"]["targets"].as_array().expect("targets");
    let labels: Vec<&str> = targets.iter().filter_map(|t| t["label"].as_str()).collect();
    assert_eq!(targets[0]["verdict"]["passed"], true, "{all}");
    assert_eq!(targets[1]["verdict"]["passed"], false, "{all}");
    let behaviour = json["comparison"]["behaviours"]
        .as_array()
        .and_then(|b| b.iter().find(|b| b["id"] == "CREATE-201"))
        .expect("CREATE-201");
    assert_eq!(behaviour["verdicts"][0]["verdict"], "pass");
    assert_eq!(behaviour["verdicts"][1]["verdict"], "fail");
    let steps = behaviour["evidence"].as_array().expect("evidence");
    assert!(!steps.is_empty());
    // Every differing step: 201 and pass on the good server, 200 and the status finding on the bad.
    for step in steps {
        assert_eq!(step["sides"][0]["verdict"], "pass", "{step}");
        assert_eq!(step["sides"][0]["status"], 201, "{step}");
        assert_eq!(step["sides"][1]["verdict"], "fail", "{step}");
        assert_eq!(step["sides"][1]["status"], 200, "{step}");
        let finding = step["sides"][1]["findings"][0].as_str().unwrap_or_default();
        assert!(finding.contains("expected 201, actual 200"), "{step}");
    }
    assert!(
        steps
            .iter()
            .any(|s| s["case"] == "create/returns-201" && s["step"] == "create"),
        "{steps:?}"
    );
    // The one verdict names the failing target only.
    let reasons = json["verdict"]["reasons"].as_array().expect("reasons");
    assert!(
        reasons
            .iter()
            .all(|r| r.as_str().unwrap_or_default().starts_with(labels[1])),
        "{reasons:?}"
    );
    // The console: one marked row, the steps side by side, the run's one verdict last.
    let marked: Vec<&str> = all.lines().filter(|l| l.starts_with("<>")).collect();
    assert_eq!(marked.len(), 1, "{all}");
    assert!(marked[0].contains("CREATE-201"), "{all}");
    assert!(all.contains("  create/returns-201 › create"), "{all}");
    assert!(
        all.contains("pass (201)") && all.contains("fail (200)"),
        "{all}"
    );
    assert!(
        all.trim_end()
            .lines()
            .last()
            .is_some_and(|l| l.starts_with("verdict: failed: ")),
        "{all}"
    );
    // The other files: a comparison in each, and junit names kept unique by the target.
    let summary = read(&dir, "summary.md");
    assert!(summary.contains("### Targets compared"), "{summary}");
    assert!(
        summary.contains(
            "**Compared: 45 behaviour(s) compared across 2 targets: 1 differ, 44 agree.**"
        ),
        "{summary}"
    );
    assert!(
        summary.contains("| CREATE-201 (2023-09) | ✅ pass | ❌ fail |"),
        "{summary}"
    );
    let html = read(&dir, "report.html");
    assert_eq!(html.matches("class=\"differs\"").count(), 1);
    assert!(html.contains("id=\"comparison-table\""));
    let junit = read(&dir, "junit.xml");
    let names: Vec<&str> = junit
        .split("<testcase name=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    let unique: std::collections::BTreeSet<&str> = names.iter().copied().collect();
    assert_eq!(unique.len(), names.len(), "duplicate testcase names");
    assert!(
        names
            .iter()
            .any(|n| *n == format!("create/returns-201 (2023-09) @ {}", labels[1])),
        "{names:?}"
    );
    good.shutdown().await;
    bad.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_disallows_double_booking_differs_in_that_behaviour_only() {
    let allows = server(None).await;
    let mut config = ServerConfig::reference();
    config.settings.double_booking = settings::DoubleBooking::Disallowed;
    let disallows = start_server(config).await;
    let dir = scratch("double-booking");
    // Both named with the reference profile, which says double booking is allowed.
    let (code, all, json) =
        run_against(&[allows.base_url(), disallows.base_url()], &[], &dir).await;
    assert_eq!(code, Some(1), "{all}");
    assert_eq!(differing(&json), ["CREATE-DOUBLE-BOOKING"], "{all}");
    let behaviour = json["comparison"]["behaviours"]
        .as_array()
        .and_then(|b| b.iter().find(|b| b["differs"] == true))
        .expect("the differing behaviour");
    let again = behaviour["evidence"]
        .as_array()
        .and_then(|steps| steps.iter().find(|s| s["step"] == "book it again"))
        .expect("the second booking, side by side");
    assert_eq!(again["case"], "create/double-booking-allowed");
    assert_eq!(again["sides"][0]["status"], 201, "{again}");
    assert_eq!(again["sides"][1]["status"], 422, "{again}");
    allows.shutdown().await;
    disallows.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_server_twice_differs_nowhere_and_passes() {
    let one = server(None).await;
    let dir = scratch("twice");
    let (code, all, json) = run_against(&[one.base_url(), one.base_url()], &[], &dir).await;
    assert_eq!(code, Some(0), "{all}");
    assert_eq!(schema_errors(&json), Vec::<String>::new());
    assert_eq!(differing(&json), Vec::<String>::new(), "{all}");
    let labels: Vec<&str> = json["comparison"]["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .filter_map(|t| t["label"].as_str())
        .collect();
    assert_eq!(labels.len(), 2);
    assert_eq!(labels[1], format!("{} #2", labels[0]));
    assert!(!all.lines().any(|l| l.starts_with("<>")), "{all}");
    assert!(
        all.contains("across 2 targets: 0 differ, 45 agree"),
        "{all}"
    );
    // Each target ran every case in its own run, and cleaned up after itself.
    assert_eq!(
        json["cases"].as_array().map(Vec::len),
        json["suite"]["cases"].as_u64().map(|n| 2 * n as usize)
    );
    assert_eq!(json["cleanup"]["created"], json["cleanup"]["cancelled"]);
    one.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shard_of_a_comparison_is_not_merged() {
    let one = server(None).await;
    let dir = scratch("shard");
    let (code, all, _) = run_against(
        &[one.base_url(), one.base_url()],
        &["--partition", "slice:1/1"],
        &dir,
    )
    .await;
    assert_eq!(code, Some(0), "{all}");
    let output = binary()
        .args(["report", "merge"])
        .arg(&dir)
        .arg("--out")
        .arg(scratch("merged"))
        .output()
        .expect("merge");
    let all = text(&output);
    assert_eq!(output.status.code(), Some(2), "{all}");
    assert!(all.contains("compares several targets"), "{all}");
    one.shutdown().await;
}
