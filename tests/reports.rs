//! `run --report-dir` end to end through the built binary: the four files of a passing, a failing
//! and a partly skipped run agree with each other, report.json validates against its schema, and a
//! canary token never reaches stdout, stderr or any report file.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use canvas_sandbox::ServerConfig;
use serde_json::Value;

use common::{binary, read, root, scratch, start_server, text};

const CANARY: &str = "canary-7c1e0b9d-report-token";

fn validator() -> jsonschema::Validator {
    let path = root().join("schemas/report.schema.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("schema"))
        .expect("the schema is JSON");
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{} does not compile: {e}", path.display()))
}

fn schema_errors(document: &Value) -> Vec<String> {
    validator()
        .iter_errors(document)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// Runs the CLI with `--report-dir` and returns the output and the parsed report.json.
fn run_with_reports(name: &str, args: &[&str]) -> (Output, PathBuf, Value) {
    let dir = scratch(name);
    let output = binary()
        .arg("run")
        .args(args)
        .arg("--report-dir")
        .arg(&dir)
        // Snapshots of these runs stay in the scratch folder, never in the repository.
        .arg("--snapshots")
        .arg(PathBuf::from(format!("{}-snapshots", dir.display())))
        .output()
        .expect("run");
    let json: Value = serde_json::from_str(&read(&dir, "report.json"))
        .unwrap_or_else(|e| panic!("report.json is not JSON: {e}\n{}", text(&output)));
    (output, dir, json)
}

/// Every output names a finding's check once: no `status status`, `header header Location`,
/// `decision decision D1`; and no finding of report.json has a subject repeating its check.
fn assert_check_names_once(console: &str, dir: &Path, report: &Value) {
    let files = ["junit.xml", "report.json", "report.html", "summary.md"];
    let texts = files
        .iter()
        .map(|f| (*f, read(dir, f)))
        .chain([("console", console.to_owned())]);
    for (name, text) in texts {
        for check in ["status", "header", "body", "decision", "capture", "edition"] {
            let doubled = format!("{check} {check}");
            assert!(!text.contains(&doubled), "{name} says `{doubled}`");
        }
    }
    for case in report["cases"].as_array().expect("cases") {
        for step in case["steps"].as_array().expect("steps") {
            for finding in step["findings"].as_array().expect("findings") {
                let check = finding["check"].as_str().expect("check");
                let subject = finding["subject"].as_str().expect("subject");
                assert!(
                    subject != check && !subject.starts_with(&format!("{check} ")),
                    "{finding}"
                );
            }
        }
    }
}

fn behaviour<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["behaviours"]
        .as_array()
        .and_then(|all| all.iter().find(|b| b["id"] == id))
        .unwrap_or_else(|| panic!("no behaviour {id}"))
}

#[test]
fn a_passing_run_writes_four_files_that_agree() {
    let (output, dir, report) = run_with_reports("pass", &[]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(0), "{all}");
    for file in [
        "junit.xml",
        "report.json",
        "report.html",
        "summary.md",
        "testreport.json",
    ] {
        assert!(
            all.contains(&format!("report: {}", dir.join(file).display())),
            "the path of {file} is printed: {all}"
        );
    }
    assert_eq!(schema_errors(&report), Vec::<String>::new());
    assert_eq!(report["format_version"], 2);
    assert_check_names_once(&all, &dir, &report);
    // report.json and summary.md carry the request count the console prints.
    let requests = report["traffic"]["requests"].as_u64().expect("traffic");
    assert!(requests > 0, "{report}");
    assert!(all.contains(&format!(", {requests} requests")), "{all}");
    assert!(
        read(&dir, "summary.md").contains(&format!(" · {requests} requests")),
        "summary.md"
    );

    // A passing step keeps at most 4000 bytes of each body; a cut one says how long it was.
    let mut cut = 0;
    for case in report["cases"].as_array().expect("cases") {
        for step in case["steps"].as_array().expect("steps") {
            let pages = step["walk"].as_array().cloned().unwrap_or_default();
            for exchange in std::iter::once(&step["exchange"]).chain(&pages) {
                let Some(response) = exchange.get("response") else {
                    continue;
                };
                let body = response["body"].as_str().expect("body");
                assert!(body.len() <= 4000, "{}: {} bytes", case["name"], body.len());
                if let Some(bytes) = response["truncated"]["bytes"].as_u64() {
                    assert!(bytes > 4000 && body.len() as u64 <= bytes, "{response}");
                    cut += 1;
                }
            }
        }
    }
    assert!(
        cut > 0,
        "the default suite has bodies over 4000 bytes (the _count cap search)"
    );
    assert_eq!(report["verdict"]["passed"], true, "{all}");
    let cases = report["cases"].as_array().expect("cases");
    assert!(cases.len() >= 40, "{}", cases.len());
    assert_eq!(report["totals"]["cases"]["total"], cases.len());
    assert_eq!(report["totals"]["cases"]["passed"], cases.len());
    // Both editions ran, each against its own servers, and each reports its own behaviours.
    let behaviours = report["behaviours"].as_array().expect("behaviours");
    let of = |edition: &str| {
        behaviours
            .iter()
            .filter(|b| b["edition"] == edition)
            .count()
    };
    assert_eq!((of("2023-09"), of("current")), (45, 81));
    assert_eq!(report["totals"]["behaviours"]["passed"], 126);
    let editions: Vec<&str> = report["editions"]
        .as_array()
        .expect("editions")
        .iter()
        .filter_map(|e| e["edition"].as_str())
        .collect();
    assert_eq!(editions, ["2023-09", "current"]);
    let (fhir, canvas) = (
        report["totals"]["fhir_behaviours"]["total"]
            .as_u64()
            .expect("fhir"),
        report["totals"]["canvas_behaviours"]["total"]
            .as_u64()
            .expect("canvas"),
    );
    assert!(
        fhir > 0 && canvas > 0 && fhir + canvas == 126,
        "{fhir} + {canvas}"
    );
    assert_eq!(report["targets"].as_array().map(Vec::len), Some(4));
    assert!(
        report["contradictions"]
            .as_array()
            .is_some_and(|c| !c.is_empty())
    );
    let created = report["cleanup"]["created"].as_u64().expect("created");
    assert!(created > 0);
    assert_eq!(report["cleanup"]["cancelled"], created);
    assert!(
        cases[0]["steps"][0]["exchange"]["response"]["status"].is_u64(),
        "exchanges are recorded: {}",
        cases[0]
    );

    let junit = read(&dir, "junit.xml");
    // One testcase per case, and one per appointment of the cleanup ledger (testsuite `cleanup`).
    assert_eq!(
        junit.matches("<testcase ").count() as u64,
        cases.len() as u64 + created,
        "{junit}"
    );
    assert_eq!(
        junit.matches(r#"classname="cleanup""#).count() as u64,
        created,
        "{junit}"
    );
    assert!(junit.contains(r#"classname="create""#), "{junit}");
    assert!(
        junit.contains(r#"name="create/returns-201 (2023-09)""#),
        "{junit}"
    );
    assert!(
        junit.contains(r#"<property name="behaviour" value="CREATE-201"/>"#),
        "{junit}"
    );
    assert!(!junit.contains("<failure"), "{junit}");

    let html = read(&dir, "report.html");
    assert_eq!(html.matches("<tr data-behaviour=").count(), 126);
    assert_eq!(
        html.matches(r#"data-verdict="pass""#).count(),
        126 + cases.len()
    );

    let md = read(&dir, "summary.md");
    assert!(md.len() <= 60 * 1024, "{} bytes", md.len());
    assert!(
        md.contains(&format!(
            "**{} cases:** {} passed, 0 failed",
            cases.len(),
            cases.len()
        )),
        "{md}"
    );
    assert!(md.contains("✅ passed"), "{md}");

    // testreport.json: a valid R4 TestReport, one test per case, every action passing.
    let fhir = testreport(&dir);
    assert_eq!(testreport_problems(&fhir), Vec::<String>::new());
    assert_eq!(
        (&fhir["status"], &fhir["result"], &fhir["score"]),
        (
            &Value::from("completed"),
            &Value::from("pass"),
            &Value::from(100.0)
        )
    );
    assert_eq!(fhir["identifier"]["value"], report["run_id"]);
    assert_eq!(
        fhir["testScript"]["identifier"]["value"],
        report["suite"]["digest"]
    );
    let tests = fhir["test"].as_array().expect("tests");
    assert_eq!(tests.len(), cases.len());
    let outcomes = test_outcomes(&fhir, "create/returns-201 (2023-09)");
    assert_eq!(outcomes[0].0, "operation");
    assert!(
        outcomes
            .iter()
            .any(|(_, o)| o["detail"] == "report.html#behaviour-create-201"),
        "{outcomes:?}"
    );
    for test in tests {
        for action in test["action"].as_array().expect("actions") {
            let outcome = action.get("operation").or_else(|| action.get("assert"));
            assert_eq!(
                outcome.map(|o| &o["result"]),
                Some(&Value::from("pass")),
                "{test}"
            );
        }
    }
    // The harness and the four embedded servers, by base URL.
    let participants = fhir["participant"].as_array().expect("participants");
    assert_eq!(participants.len(), 5);
    assert_eq!(participants[0]["type"], "test-engine");
    assert_eq!(participants[1]["uri"], report["targets"][0]["base_url"]);
    assert_eq!(
        fhir["teardown"]["action"].as_array().map(Vec::len),
        Some(created as usize)
    );
}

#[test]
fn a_failing_run_shows_the_failure_in_every_file() {
    let (output, dir, report) = run_with_reports(
        "fail",
        &["--edition", "2023-09", "--mutant", "roomed-as-check-in"],
    );
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert_eq!(schema_errors(&report), Vec::<String>::new());
    assert_check_names_once(&all, &dir, &report);
    let line = std::fs::read_to_string(root().join("cases/read/status-map.yaml"))
        .expect("case")
        .lines()
        .position(|l| l.contains("equals: checked-in"))
        .expect("the expectation")
        + 1;
    let at = format!("cases/read/status-map.yaml:{line}:");

    let status_map = behaviour(&report, "READ-STATUS-MAP");
    assert_eq!(status_map["verdict"], "fail");
    let evidence = status_map["evidence"][0]["summary"]
        .as_str()
        .expect("evidence");
    assert!(evidence.starts_with(&at), "{evidence}");
    assert!(
        evidence.contains(r#"expected "checked-in", actual "check-in""#),
        "{evidence}"
    );
    assert_eq!(behaviour(&report, "READ-200")["verdict"], "pass");
    assert_eq!(report["totals"]["cases"]["failed"], 2);

    let junit = read(&dir, "junit.xml");
    assert_eq!(junit.matches("<failure ").count(), 2, "{junit}");
    assert!(
        junit.contains(&format!(r#"<failure message="{at}"#)),
        "the message is the first finding: {junit}"
    );
    assert!(
        junit.contains("expected: &quot;checked-in&quot;"),
        "{junit}"
    );
    assert!(junit.contains("actual:   &quot;check-in&quot;"), "{junit}");
    assert!(junit.contains(r#"failures="2""#), "{junit}");

    let html = read(&dir, "report.html");
    assert_eq!(html.matches(r#"class="failure""#).count(), 2);
    assert!(html.contains(
        r#"<tr data-behaviour="READ-STATUS-MAP" data-verdict="fail" data-rule="canvas""#
    ));
    assert!(html.contains(r#"<tbody data-rule="fhir">"#));
    assert!(html.contains(&at), "the finding's location is shown");
    assert!(html.contains("HTTP 200"), "the transcript is shown");

    let md = read(&dir, "summary.md");
    assert!(md.contains("❌ failed"), "{md}");
    assert!(
        md.contains("| ❌ fail | read/status-map (2023-09) | READ-STATUS-MAP |"),
        "{md}"
    );
    assert!(
        md.contains("| ❌ fail | READ-STATUS-MAP (2023-09) | canvas | MUST |"),
        "{md}"
    );

    let fhir = testreport(&dir);
    assert_eq!(testreport_problems(&fhir), Vec::<String>::new());
    assert_eq!(fhir["result"], "fail");
    let failed: Vec<&Value> = test_outcomes(&fhir, "read/status-map (2023-09)")
        .into_iter()
        .filter(|(kind, o)| *kind == "assert" && o["result"] == "fail")
        .map(|(_, o)| o)
        .collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    let message = failed[0]["message"].as_str().expect("message");
    assert!(message.starts_with(&at), "{message}");
    assert!(
        message.contains(r#"expected "checked-in", actual "check-in""#),
        "{message}"
    );
    assert_eq!(failed[0]["detail"], "report.html#behaviour-read-status-map");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skipped_cases_carry_their_reason_and_the_canary_token_appears_nowhere() {
    let mut config = ServerConfig::reference();
    config.static_token = CANARY.to_owned();
    let server = start_server(config).await;
    let profile = scratch("profile.yaml");
    std::fs::write(&profile, "name: read-only\nallow_writes: false\n").expect("profile");
    let runs = [
        (
            "canary-full",
            vec!["--target", server.base_url(), "--token", CANARY],
        ),
        (
            "canary-readonly",
            vec![
                "--target",
                server.base_url(),
                "--token",
                CANARY,
                "--profile",
                profile.to_str().expect("utf-8 path"),
            ],
        ),
    ];
    let mut dirs = Vec::new();
    for (name, args) in &runs {
        let (output, dir, report) = run_with_reports(name, args);
        let all = text(&output);
        assert_eq!(output.status.code(), Some(0), "{name}: {all}");
        assert_eq!(schema_errors(&report), Vec::<String>::new(), "{name}");
        assert!(
            !all.contains(CANARY),
            "{name}: the token leaked to the console: {all}"
        );
        let mut scanned = 0;
        for entry in std::fs::read_dir(&dir).expect("report dir") {
            let path = entry.expect("entry").path();
            let bytes = std::fs::read(&path).expect("report file");
            assert!(
                !String::from_utf8_lossy(&bytes).contains(CANARY),
                "{name}: the token leaked into {}",
                path.display()
            );
            scanned += 1;
        }
        assert_eq!(scanned, 5, "{name}");
        // The token was sent (and the run authenticated), only never shown.
        assert!(
            read(&dir, "report.json").contains("Bearer [redacted]"),
            "{name}"
        );
        dirs.push((dir, report));
    }
    server.shutdown().await;

    let (dir, report) = &dirs[1];
    let skipped = report["totals"]["cases"]["skipped"]
        .as_u64()
        .expect("skipped");
    assert!(skipped > 0, "a read-only profile skips the writing cases");
    let writes = report["cases"]
        .as_array()
        .and_then(|cases| cases.iter().find(|c| c["name"] == "create/returns-201"))
        .expect("create/returns-201");
    assert_eq!(writes["verdict"], "skipped");
    let reason = writes["reason"].as_str().expect("a reason");
    assert!(reason.contains("does not allow writes"), "{reason}");
    let junit = read(dir, "junit.xml");
    assert_eq!(
        junit.matches("<skipped ").count() as u64,
        skipped,
        "{junit}"
    );
    assert!(
        junit.contains(&format!(r#"<skipped message="{reason}"/>"#)),
        "{junit}"
    );
    let fhir = testreport(dir);
    assert_eq!(testreport_problems(&fhir), Vec::<String>::new());
    let outcomes = test_outcomes(&fhir, "create/returns-201 (2023-09)");
    assert!(outcomes.len() >= 2, "{outcomes:?}");
    for (_, outcome) in &outcomes {
        assert_eq!(outcome["result"], "skip", "{outcome}");
        assert!(
            outcome["message"]
                .as_str()
                .is_some_and(|m| m.contains(reason)),
            "{outcome}"
        );
    }
    assert_eq!(behaviour(report, "CREATE-201")["verdict"], "skipped");
    assert_eq!(behaviour(report, "CREATE-201")["reason"], reason);
    let md = read(dir, "summary.md");
    assert!(
        md.contains("| ⏭️ skipped | create/returns-201 (2023-09) |"),
        "{md}"
    );
}

/// A way to break a valid report.
type Mutation = fn(&mut Value);

#[test]
fn the_schema_rejects_what_format_2_forbids() {
    let (_, dir, report) = run_with_reports("schema", &["--filter", "read/"]);
    // And the R4 TestReport checks reject a broken testreport.json of the same run.
    let fhir = testreport(&dir);
    assert_eq!(testreport_problems(&fhir), Vec::<String>::new());
    let fhir_mutations: [(&str, Mutation); 6] = [
        ("an unknown status", |r| r["status"] = "done".into()),
        ("no testScript", |r| {
            r.as_object_mut().map(|o| o.remove("testScript"));
        }),
        ("a result outside report-action-result-codes", |r| {
            r["test"][0]["action"][0]["operation"]["result"] = "passed".into()
        }),
        ("an element R4 does not define", |r| {
            r["test"][0]["verdict"] = "pass".into()
        }),
        ("an action with both an operation and an assert", |r| {
            r["test"][0]["action"][0]["assert"] = serde_json::json!({"result": "pass"})
        }),
        ("a test without actions", |r| {
            r["test"][0]["action"] = serde_json::json!([])
        }),
    ];
    for (what, mutate) in fhir_mutations {
        let mut broken = fhir.clone();
        mutate(&mut broken);
        assert!(
            !testreport_problems(&broken).is_empty(),
            "the TestReport checks accept {what}"
        );
    }
    assert_eq!(schema_errors(&report), Vec::<String>::new());
    let mutations: [(&str, Mutation); 7] = [
        ("another format version", |r| r["format_version"] = 1.into()),
        ("a failed verdict without a reason", |r| {
            r["verdict"]["passed"] = false.into()
        }),
        ("a finding attributed to nothing", |r| {
            r["cases"][0]["steps"][0]["findings"] = serde_json::json!([{
                "kind": "fail", "behaviours": [], "check": "status", "subject": "",
                "expected": "200", "actual": "500",
                "location": {"file": "f", "line": 1, "col": 1, "display": "f:1:1"}
            }])
        }),
        ("an unknown verdict", |r| {
            r["cases"][0]["verdict"] = "maybe".into()
        }),
        ("a token field on a target", |r| {
            r["targets"][0]["token"] = "x".into()
        }),
        ("a skipped case without a reason", |r| {
            r["cases"][0]["verdict"] = "skipped".into();
        }),
        ("a missing totals", |r| {
            r.as_object_mut().map(|o| o.remove("totals"));
        }),
    ];
    for (what, mutate) in mutations {
        let mut broken = report.clone();
        mutate(&mut broken);
        assert!(
            !schema_errors(&broken).is_empty(),
            "the schema accepts {what}"
        );
    }
}

#[test]
fn a_file_as_report_dir_is_a_usage_error_before_anything_runs() {
    let file = scratch("not-a-dir");
    std::fs::write(&file, "x").expect("file");
    let output = binary()
        .arg("run")
        .arg("--report-dir")
        .arg(&file)
        .output()
        .expect("run");
    let all = text(&output);
    assert_eq!(output.status.code(), Some(2), "{all}");
    assert!(all.contains("is a file, not a folder"), "{all}");
    assert!(!all.contains("PASS"), "nothing ran: {all}");
}

/// `run --partition hash:M/3` three times and `report merge` give the verdict, case verdicts and
/// behaviour table of one full run; merging the wrong shards is refused with a clear error.
#[test]
fn shards_merged_equal_one_full_run() {
    let (output, _, full) = run_with_reports("shard-full", &[]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let mut dirs = Vec::new();
    let mut sizes = Vec::new();
    let mut requests = 0;
    for m in 1..=3 {
        let partition = format!("hash:{m}/3");
        let (output, dir, shard) =
            run_with_reports(&format!("shard-{m}"), &["--partition", &partition]);
        assert_eq!(output.status.code(), Some(0), "{}", text(&output));
        assert_eq!(schema_errors(&shard), Vec::<String>::new());
        assert_eq!(shard["partition"]["shard"], m);
        assert_eq!(shard["suite"], full["suite"]);
        sizes.push(shard["cases"].as_array().map_or(0, Vec::len));
        requests += shard["traffic"]["requests"]
            .as_u64()
            .expect("a shard's request count");
        dirs.push(dir);
    }
    assert_eq!(
        sizes.iter().sum::<usize>(),
        full["cases"].as_array().map_or(0, Vec::len)
    );
    assert!(sizes.iter().all(|&n| n > 0), "{sizes:?}");

    let out = scratch("merged");
    let merged = binary()
        .args(["report", "merge"])
        .args(&dirs)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("merge");
    assert_eq!(merged.status.code(), Some(0), "{}", text(&merged));
    let report: Value = serde_json::from_str(&read(&out, "report.json")).expect("merged json");
    assert_eq!(schema_errors(&report), Vec::<String>::new());
    let verdicts = |r: &Value, list: &str, key: &str| -> Vec<(String, String)> {
        let mut rows: Vec<(String, String)> = r[list]
            .as_array()
            .expect("list")
            .iter()
            .map(|x| {
                (
                    x[key].as_str().unwrap_or_default().to_owned(),
                    x["verdict"].to_string(),
                )
            })
            .collect();
        rows.sort();
        rows
    };
    assert_eq!(
        verdicts(&report, "cases", "name"),
        verdicts(&full, "cases", "name")
    );
    assert_eq!(
        verdicts(&report, "behaviours", "id"),
        verdicts(&full, "behaviours", "id")
    );
    assert_eq!(report["verdict"], full["verdict"]);
    for key in [
        "cases",
        "behaviours",
        "fhir_behaviours",
        "canvas_behaviours",
        "cleanup_problems",
    ] {
        assert_eq!(report["totals"][key], full["totals"][key], "{key}");
    }
    assert_eq!(report["cleanup"]["created"], full["cleanup"]["created"]);
    // The merged report counts what every shard sent.
    assert_eq!(report["traffic"]["requests"], requests);
    let fhir = testreport(&out);
    assert_eq!(testreport_problems(&fhir), Vec::<String>::new());
    assert_eq!(
        fhir["test"].as_array().map(Vec::len),
        full["cases"].as_array().map(Vec::len)
    );

    let refusals: [(&[&PathBuf], &str); 3] = [
        (&[&dirs[0], &dirs[1]], "shard(s) 3 of 3 missing"),
        (
            &[&dirs[0], &dirs[0], &dirs[1], &dirs[2]],
            "are the same shard",
        ),
        (&[&out], "is not a partitioned run"),
    ];
    for (shards, message) in refusals {
        let refused = binary()
            .args(["report", "merge"])
            .args(shards)
            .arg("--out")
            .arg(scratch("refused"))
            .output()
            .expect("merge");
        let all = text(&refused);
        assert_eq!(refused.status.code(), Some(2), "{all}");
        assert!(all.contains(message), "{message}: {all}");
    }
    let (_, other, _) = run_with_reports(
        "shard-other",
        &["--filter", "read/", "--partition", "hash:3/3"],
    );
    let refused = binary()
        .args(["report", "merge"])
        .args([&dirs[0], &dirs[1], &other])
        .arg("--out")
        .arg(scratch("refused-suite"))
        .output()
        .expect("merge");
    let all = text(&refused);
    assert_eq!(refused.status.code(), Some(2), "{all}");
    assert!(all.contains("ran another suite"), "{all}");
}

/// HL7's FHIR R4 JSON Schema for `TestReport` (the subset `schemas/fhir/extract.py` carries), as
/// draft-06 like the whole R4 schema.
fn testreport_validator() -> jsonschema::Validator {
    let path = root().join("schemas/fhir/fhir-r4-testreport.schema.json");
    let base: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("schema"))
        .expect("the schema is JSON");
    let schema = serde_json::json!({
        "$schema": base["$schema"],
        "definitions": base["definitions"],
        "allOf": [{"$ref": "#/definitions/TestReport"}],
    });
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft6)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{} does not compile: {e}", path.display()))
}

/// Why `document` is not a valid R4 TestReport: its schema errors, then the R4 rules the JSON
/// Schema cannot say (1..1 `status`, `result`, `participant.type`/`uri`, each action's `result`;
/// 1..* `action`; inv-1/inv-2: an action holds an `operation` or an `assert`, not both).
fn testreport_problems(document: &Value) -> Vec<String> {
    let mut problems: Vec<String> = testreport_validator()
        .iter_errors(document)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    for key in ["status", "result"] {
        if document.get(key).is_none() {
            problems.push(format!("TestReport.{key} is missing"));
        }
    }
    for (i, participant) in document["participant"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        for key in ["type", "uri"] {
            if participant.get(key).is_none() {
                problems.push(format!("participant[{i}].{key} is missing"));
            }
        }
    }
    let sections = document["test"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, t)| (format!("test[{i}]"), t))
        .chain(
            ["setup", "teardown"]
                .into_iter()
                .filter_map(|s| document.get(s).map(|v| (s.to_owned(), v))),
        );
    for (at, section) in sections {
        let actions = section["action"].as_array().map_or(&[][..], Vec::as_slice);
        if actions.is_empty() {
            problems.push(format!("{at} has no action"));
        }
        for (j, action) in actions.iter().enumerate() {
            match (action.get("operation"), action.get("assert")) {
                (Some(outcome), None) | (None, Some(outcome)) => {
                    if outcome.get("result").is_none() {
                        problems.push(format!("{at}.action[{j}] has no result"));
                    }
                }
                _ => problems.push(format!(
                    "{at}.action[{j}] holds not exactly one of operation and assert"
                )),
            }
        }
    }
    problems
}

fn testreport(dir: &Path) -> Value {
    serde_json::from_str(&read(dir, "testreport.json"))
        .unwrap_or_else(|e| panic!("testreport.json is not JSON: {e}"))
}

/// Every action's outcome of the test named `name`: (`operation` or `assert`, the outcome).
fn test_outcomes<'a>(document: &'a Value, name: &str) -> Vec<(&'static str, &'a Value)> {
    let test = document["test"]
        .as_array()
        .and_then(|tests| tests.iter().find(|t| t["name"] == name))
        .unwrap_or_else(|| panic!("no test {name}"));
    test["action"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| {
            a.get("operation")
                .map(|o| ("operation", o))
                .or_else(|| a.get("assert").map(|o| ("assert", o)))
        })
        .collect()
}
