//! Record and replay end to end, through the built binary: a full default run recorded against the
//! embedded servers replays offline with the same verdicts (no connection is made: the recorded
//! base URLs point at a listener that must stay untouched), an edited expectation fails that case
//! only, an edited request is named as no longer matching, and another suite or edition is refused.

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

use serde_json::Value;

use common::{binary, root, scratch_dir as scratch, text};

fn report(dir: &Path) -> Value {
    let path = dir.join("report.json");
    serde_json::from_str(&std::fs::read_to_string(&path).expect("report.json")).expect("JSON")
}

/// One full default run (both editions, embedded servers), recorded once for every test here:
/// (the recording folder, its live report folder). The servers stopped with that process.
fn recorded_run() -> &'static (PathBuf, PathBuf) {
    static RECORDED: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    RECORDED.get_or_init(|| {
        let dir = scratch("full");
        let (recording, live) = (dir.join("recording"), dir.join("live"));
        let output = binary()
            .arg("run")
            .arg("--record")
            .arg(&recording)
            .arg("--report-dir")
            .arg(&live)
            .output()
            .expect("run");
        assert_eq!(output.status.code(), Some(0), "{}", text(&output));
        assert!(text(&output).contains("recording: "), "{}", text(&output));
        (recording, live)
    })
}

/// A copy of the recording whose recorded base URLs all point at `to`.
fn pointed_at(recording: &Path, to: &str) -> PathBuf {
    let original = std::fs::read_to_string(recording.join("recording.jsonl")).expect("recording");
    let header: Value =
        serde_json::from_str(original.lines().next().expect("a header")).expect("JSON");
    let mut rewritten = original.clone();
    for target in header["targets"].as_array().expect("targets") {
        let base = target["base_url"].as_str().expect("a base URL");
        for after in ['/', '"', '?'] {
            rewritten = rewritten.replace(&format!("{base}{after}"), &format!("{to}{after}"));
        }
    }
    let copy = scratch("pointed");
    std::fs::write(copy.join("recording.jsonl"), rewritten).expect("write the copy");
    copy
}

/// A copy of the project's `cases/` with `edit` applied to `file` (which must change it).
fn edited_cases(file: &str, from: &str, to: &str) -> PathBuf {
    let cases = scratch("cases").join("cases");
    copy_tree(&root().join("cases"), &cases);
    let path = cases.join(file);
    let original = std::fs::read_to_string(&path).expect("the case");
    assert!(original.contains(from), "{file} has no `{from}`");
    std::fs::write(&path, original.replacen(from, to, 1)).expect("edit the case");
    cases
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

fn replay(recording: &Path, extra: &[&str], reports: &Path) -> Output {
    binary()
        .arg("replay")
        .arg(recording)
        .args(extra)
        .arg("--snapshots")
        .arg(root().join("snapshots"))
        .arg("--report-dir")
        .arg(reports)
        .output()
        .expect("replay")
}

/// Every case that did not pass: (edition, name, verdict).
fn not_passed(report: &Value) -> Vec<(String, String, String)> {
    report["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter(|c| c["verdict"] != "pass")
        .map(|c| {
            (
                c["edition"].as_str().unwrap_or_default().to_owned(),
                c["name"].as_str().unwrap_or_default().to_owned(),
                c["verdict"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_recorded_default_run_replays_offline_with_the_same_verdicts() {
    let (recording, live) = recorded_run();
    // Nothing may connect: every recorded base URL now names this listener, which is never read.
    let listener = TcpListener::bind("127.0.0.1:0").expect("a listener");
    listener.set_nonblocking(true).expect("non-blocking");
    let address = format!("http://{}", listener.local_addr().expect("address"));
    let copy = pointed_at(recording, &address);
    let reports = scratch("replayed");
    let output = replay(&copy, &[], &reports);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(0), "{all}");
    assert!(all.contains("nothing is sent"), "{all}");
    match listener.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("the replay connected to a recorded target: {other:?}"),
    }
    let (live, replayed) = (report(live), report(&reports));
    assert_eq!(replayed["run_id"], live["run_id"]);
    assert_eq!(replayed["totals"]["cases"], live["totals"]["cases"]);
    assert_eq!(replayed["totals"]["cases"]["passed"], 123, "{all}");
    let verdicts = |report: &Value| -> Vec<(Value, Value, Value)> {
        report["behaviours"]
            .as_array()
            .expect("behaviours")
            .iter()
            .map(|b| (b["edition"].clone(), b["id"].clone(), b["verdict"].clone()))
            .collect()
    };
    assert_eq!(verdicts(&replayed), verdicts(&live));
    // Cleanup was judged from the recording too (its order follows case completion).
    let tidied = |report: &Value| -> Vec<String> {
        let mut entries: Vec<String> = report["cleanup"]["entries"]
            .as_array()
            .expect("cleanup entries")
            .iter()
            .map(Value::to_string)
            .collect();
        entries.sort();
        entries
    };
    assert_eq!(
        replayed["cleanup"]["cancelled"],
        live["cleanup"]["cancelled"]
    );
    assert!(tidied(&replayed) == tidied(&live), "cleanup differs");
}

#[test]
fn every_line_of_a_recording_matches_its_schema() {
    let (recording, _) = recorded_run();
    let path = root().join("schemas/recording.schema.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("schema")).expect("JSON");
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{} does not compile: {e}", path.display()));
    let text = std::fs::read_to_string(recording.join("recording.jsonl")).expect("recording");
    let mut kinds = std::collections::BTreeMap::<String, usize>::new();
    for (number, line) in text.lines().enumerate() {
        let value: Value = serde_json::from_str(line).expect("each line is JSON");
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "line {}: {errors:?}", number + 1);
        *kinds
            .entry(value["kind"].as_str().unwrap_or_default().to_owned())
            .or_default() += 1;
    }
    assert_eq!(kinds.get("header"), Some(&1));
    assert_eq!(kinds.get("case"), Some(&123));
    // Walk pages and cleanup are recorded as well as the steps' own requests.
    assert!(text.contains(r#""case":"(cleanup)""#));
    assert!(text.contains(r#""ordinal":1"#));
}

#[test]
fn an_edited_expectation_fails_that_case_only() {
    let (recording, _) = recorded_run();
    // The 2023-09 text of read/unknown-id (the current edition's override keeps its own).
    let cases = edited_cases(
        "read/unknown-id.yaml",
        "text: Resource not found",
        "text: Resource was not found",
    );
    let reports = scratch("edited-expectation");
    let output = replay(
        recording,
        &["--cases", cases.to_str().expect("utf-8")],
        &reports,
    );
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert_eq!(
        not_passed(&report(&reports)),
        [(
            "2023-09".to_owned(),
            "read/unknown-id".to_owned(),
            "fail".to_owned()
        )],
        "{all}"
    );
    assert!(all.contains("Resource was not found"), "{all}");
}

#[test]
fn an_edited_request_is_named_as_no_longer_matching() {
    let (recording, _) = recorded_run();
    let cases = edited_cases(
        "update/unknown-id.yaml",
        "status: booked",
        "status: proposed",
    );
    let reports = scratch("edited-request");
    let output = replay(
        recording,
        &["--cases", cases.to_str().expect("utf-8")],
        &reports,
    );
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    let report = report(&reports);
    let errored: Vec<(String, String, String)> = ["2023-09", "current"]
        .iter()
        .map(|e| {
            (
                (*e).to_owned(),
                "update/unknown-id".to_owned(),
                "error".to_owned(),
            )
        })
        .collect();
    assert_eq!(not_passed(&report), errored, "{all}");
    let case = report["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["name"] == "update/unknown-id")
        .expect("the case")
        .to_string();
    assert!(
        case.contains(
            "no longer matches the recording at request 1 of step `update an unknown id`"
        ),
        "{case}"
    );
    assert!(case.contains("the body differs"), "{case}");
    assert!(case.contains(r#"\"status\":\"booked\""#), "{case}");
    assert!(case.contains(r#"\"status\":\"proposed\""#), "{case}");
}

#[test]
fn a_recording_of_another_suite_or_edition_is_refused() {
    let dir = scratch("current");
    let recording = dir.join("recording");
    let output = binary()
        .args(["run", "--edition", "current", "--filter", "read/unknown-id"])
        .arg("--record")
        .arg(&recording)
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    // A case folder with the 2023-09 catalogue only.
    let old = scratch("old-cases");
    std::fs::copy(
        root().join("cases/requirements.yaml"),
        old.join("requirements.yaml"),
    )
    .expect("catalogue");
    std::fs::copy(
        root().join("cases/read/unknown-id.yaml"),
        old.join("unknown-id.yaml"),
    )
    .expect("case");
    let output = replay(&recording, &["--cases", old.to_str().expect("utf-8")], &dir);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(2), "{all}");
    assert!(
        all.contains("the recording is of edition current") && all.contains("no catalogue"),
        "{all}"
    );
    // A case folder of both editions that lacks the recorded case.
    let other = scratch("other-cases");
    for file in ["requirements.yaml", "requirements.current.yaml"] {
        std::fs::copy(root().join("cases").join(file), other.join(file)).expect("catalogue");
    }
    std::fs::copy(
        root().join("cases/read/shape.yaml"),
        other.join("shape.yaml"),
    )
    .expect("case");
    let output = replay(
        &recording,
        &["--cases", other.to_str().expect("utf-8")],
        &dir,
    );
    let all = text(&output);
    assert_eq!(output.status.code(), Some(2), "{all}");
    assert!(
        all.contains("another suite") && all.contains("current/read/unknown-id"),
        "{all}"
    );
    // Not a recording at all.
    let output = replay(&dir, &[], &dir);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(2), "{all}");
    assert!(all.contains("recording.jsonl"), "{all}");
}
