//! `testreport.json`: the report model as a FHIR R4 `TestReport`, for the FHIR testing tools that
//! read one (Touchstone, Inferno-style dashboards): a `test` per case, per step an operation action
//! then one assert action per finding, judged behaviour and snapshot. Mapping: `docs/reports.md`.

use serde::Serialize;

use crate::report::model::{
    CaseReport, CleanupEntry, FindingReport, Report, SnapshotReport, StepReport, VerdictWord,
};
// The HTML report in the same folder, whose behaviour rows the asserts' `detail` link to.
use crate::report::html::{HTML_FILE, slug};

/// `TestReport.identifier.system` of every report: the run id is the value.
pub const RUN_ID_SYSTEM: &str = "urn:canvas-conformance:run-id";

/// `TestReport.testScript.identifier.system`: the suite digest ([`crate::report::SuiteRef`]) is the
/// value, so shards of one suite name the same script.
pub const SUITE_SYSTEM: &str = "urn:canvas-conformance:suite";

/// A FHIR R4 `TestReport` (hl7.org/fhir/R4/testreport.html §7.4, "Resource Content"; code lists in
/// its "Terminology Bindings", invariants in "Constraints"): `resourceType`, `identifier`, `name`,
/// `status`, `testScript`, `result`, `score`, `tester`, `issued`, `participant[]`, `test[]` and
/// `teardown`, in the order of the R4 element table. `setup` is never written (the harness has no
/// setup the report could show).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TestReport {
    /// Always `"TestReport"`.
    pub resource_type: &'static str,
    /// `{system: RUN_ID_SYSTEM, value: run id}` (a merged report's ids are joined by `+`).
    pub identifier: Identifier,
    /// `canvas-conformance run <run id>`.
    pub name: String,
    /// R4 `report-status-codes` (Terminology Bindings): `completed`, or `stopped` when Ctrl-C
    /// interrupted the run.
    pub status: &'static str,
    /// The suite the run executed (R4: `Reference(TestScript)`, 1..1), by identifier and display.
    pub test_script: Reference,
    /// R4 `report-result-codes` (Terminology Bindings): `pass` when the run's verdict passed, else
    /// `fail` (never `pending`: the file is written once the run is over).
    pub result: &'static str,
    /// The percentage of the cases that ran (not skipped) that passed, to two decimals; absent when
    /// no case ran.
    pub score: Option<f64>,
    /// `canvas-conformance <version>`.
    pub tester: String,
    /// When the run ended: its start plus its duration (an R4 `dateTime` with seconds and `Z`);
    /// absent when the report's start time does not parse.
    pub issued: Option<String>,
    /// The harness (`test-engine`) and each target (`server`, its base URL, never a token).
    pub participant: Vec<Participant>,
    /// One per case, in the report's order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub test: Vec<Test>,
    /// The set-up cause of the run (R4 `TestReport.setup`: one operation): `error` when the set-up
    /// kept the run (or some cases) from being judged, `warning` when it only makes the verdicts
    /// suspect (an edition mismatch); its message is the cause with its fix. Absent without one.
    pub setup: Option<Setup>,
    /// The cleanup ledger: one cancel operation per appointment the run created; absent when none.
    pub teardown: Option<Teardown>,
}

/// R4 `TestReport.setup`: `{action[1..*]}`.
#[derive(Clone, Debug, Serialize)]
pub struct Setup {
    pub action: Vec<Action>,
}

/// R4 `Identifier`: `{system, value}`.
#[derive(Clone, Debug, Serialize)]
pub struct Identifier {
    pub system: &'static str,
    pub value: String,
}

/// R4 `Reference`: `{identifier, display}` (no `reference`: the suite is no FHIR TestScript).
#[derive(Clone, Debug, Serialize)]
pub struct Reference {
    pub identifier: Identifier,
    pub display: String,
}

/// R4 `TestReport.participant` (Resource Content): `{type, uri, display}`, `type` one of
/// `test-engine | client | server` (R4 `report-participant-type`, Terminology Bindings).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Serialize)]
pub struct Participant {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub uri: String,
    pub display: Option<String>,
}

/// R4 `TestReport.test`: `{name, description, action[1..*]}`.
#[derive(Clone, Debug, Serialize)]
pub struct Test {
    /// The case name and edition (`read/status-map (2023-09)`), with `@ <target>` in a comparison.
    pub name: String,
    /// Where the case is, its target and the behaviour IDs it checks.
    pub description: String,
    pub action: Vec<Action>,
}

/// R4 `TestReport.test.action` (Resource Content): `{operation}` or `{assert}`, exactly one of the
/// two (invariant inv-2, Constraints; both are 0..1).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Serialize)]
pub struct Action {
    pub operation: Option<Outcome>,
    #[serde(rename = "assert", skip_serializing_if = "Option::is_none")]
    pub assertion: Option<Outcome>,
}

/// R4 `TestReport.teardown`: `{action[1..*]}`, each action an operation.
#[derive(Clone, Debug, Serialize)]
pub struct Teardown {
    pub action: Vec<TeardownAction>,
}

/// R4 `TestReport.teardown.action`: `{operation}` (1..1).
#[derive(Clone, Debug, Serialize)]
pub struct TeardownAction {
    pub operation: Outcome,
}

/// R4 `TestReport...operation` and `...assert` share this shape: `{result, message, detail}`;
/// `result` is R4 `report-action-result-codes` (`pass | skip | fail | warning | error`), `message`
/// markdown, `detail` a link (an operation's is a `uri`, an assert's a `string`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    pub result: ActionResult,
    pub message: Option<String>,
    pub detail: Option<String>,
}

/// R4 `report-action-result-codes` (Terminology Bindings): `pass | skip | fail | warning | error`.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ActionResult {
    Pass,
    Skip,
    Fail,
    Warning,
    Error,
}

/// The report as a pretty-printed R4 `TestReport`, ending with a newline.
pub fn render(report: &Report) -> Result<String, serde_json::Error> {
    let mut text = serde_json::to_string_pretty(&build(report))?;
    text.push('\n');
    Ok(text)
}

/// Maps the report model onto a `TestReport` (see the module doc and `docs/reports.md`).
pub fn build(report: &Report) -> TestReport {
    let ran = report.totals.cases.total - report.totals.cases.skipped;
    let score = (ran > 0).then(|| {
        let percent = report.totals.cases.passed as f64 * 100.0 / ran as f64;
        (percent * 100.0).round() / 100.0
    });
    let tester = format!("{} {}", report.tool.name, report.tool.version);
    let mut participant = vec![Participant {
        kind: "test-engine",
        uri: format!("urn:{}:{}", report.tool.name, report.tool.version),
        display: text(&tester),
    }];
    participant.extend(report.targets.iter().filter_map(|t| {
        let uri: String = t.base_url.split_whitespace().collect();
        (!uri.is_empty()).then(|| Participant {
            kind: "server",
            uri,
            display: text(&format!("{} (profile {})", t.label, t.profile)),
        })
    }));
    let teardown = (!report.cleanup.entries.is_empty()).then(|| Teardown {
        action: report
            .cleanup
            .entries
            .iter()
            .map(|entry| TeardownAction {
                operation: cancel(entry),
            })
            .collect(),
    });
    TestReport {
        resource_type: "TestReport",
        identifier: Identifier {
            system: RUN_ID_SYSTEM,
            value: or_dash(text(&report.run_id)),
        },
        name: or_dash(text(&format!("{} run {}", report.tool.name, report.run_id))),
        status: if report.interrupted {
            "stopped"
        } else {
            "completed"
        },
        test_script: suite_reference(report),
        result: if report.ok() { "pass" } else { "fail" },
        score,
        tester: or_dash(text(&tester)),
        issued: issued(report),
        participant,
        test: report.cases.iter().map(|c| test(report, c)).collect(),
        setup: report.verdict.cause.as_ref().map(|cause| {
            let result = if report.verdict.not_judged || report.verdict.setup_cases > 0 {
                ActionResult::Error
            } else {
                ActionResult::Warning
            };
            Setup {
                action: vec![Action::operation(outcome(
                    result,
                    // A run not judged says its cause in its headline already.
                    &if report.verdict.not_judged {
                        report.verdict.headline()
                    } else {
                        format!("{}; cause: {cause}", report.verdict.headline())
                    },
                    None,
                ))],
            }
        }),
        teardown,
    }
}

/// The suite as a `Reference(TestScript)`: its digest, case count and the catalogue page of each
/// edition the run judged.
fn suite_reference(report: &Report) -> Reference {
    let pages: Vec<String> = if report.editions.is_empty() {
        vec![format!("{} ({})", report.source.title, report.source.file)]
    } else {
        report
            .editions
            .iter()
            .map(|e| format!("{} (edition {}, {})", e.title, e.edition, e.file))
            .collect()
    };
    let mut display = format!(
        "{} suite of {} case{}; catalogue: {}",
        report.tool.name,
        report.suite.cases,
        if report.suite.cases == 1 { "" } else { "s" },
        pages.join("; ")
    );
    if let Some(partition) = &report.partition {
        display.push_str(&format!("; shard {partition}"));
    }
    Reference {
        identifier: Identifier {
            system: SUITE_SYSTEM,
            value: or_dash(text(&report.suite.digest)),
        },
        display: or_dash(text(&display)),
    }
}

/// The run's end: `started_at` plus `duration_ms`, as RFC 3339 in UTC.
fn issued(report: &Report) -> Option<String> {
    let start: jiff::Timestamp = report.started_at.parse().ok()?;
    let millis = i64::try_from(report.duration_ms).ok()?;
    let end = start
        .checked_add(jiff::SignedDuration::from_millis(millis))
        .unwrap_or(start);
    Some(end.to_string())
}

/// One case as a `test`: its steps' actions, or (a case skipped before any step ran) one skipped
/// operation and a skipped assert per behaviour it checks.
fn test(report: &Report, case: &CaseReport) -> Test {
    let mut name = format!("{} ({})", case.name, case.edition);
    if report.comparison.is_some()
        && let Some(target) = &case.target
    {
        name.push_str(&format!(" @ {target}"));
    }
    let mut description = case.location.display.clone();
    if let Some(target) = &case.target {
        description.push_str(&format!(" on {target}"));
    }
    if !case.behaviours.is_empty() {
        description.push_str(&format!(
            "; checks {} (edition {})",
            case.behaviours.join(", "),
            case.edition
        ));
    }
    let mut action = Vec::new();
    for step in &case.steps {
        step_actions(report, case, step, &mut action);
    }
    if action.is_empty() {
        let reason = case
            .reason
            .clone()
            .unwrap_or_else(|| format!("no step ran (case verdict {})", case.verdict.as_str()));
        let result = match case.verdict {
            VerdictWord::Skipped | VerdictWord::Pass | VerdictWord::NotDecided => {
                ActionResult::Skip
            }
            VerdictWord::Fail => ActionResult::Fail,
            VerdictWord::Error => ActionResult::Error,
        };
        action.push(Action::operation(outcome(
            result,
            &format!("not run: {reason}"),
            None,
        )));
        for id in &case.behaviours {
            action.push(Action::assertion(outcome(
                ActionResult::Skip,
                &format!("{id}: not checked: {reason}"),
                Some(behaviour_link(id, case)),
            )));
        }
    }
    Test {
        name: or_dash(text(&name)),
        description: or_dash(text(&description)),
        action,
    }
}

/// One step's actions: the operation (its request), then an assert per finding, one for a step
/// error the operation does not carry, one per judged behaviour no failing finding names, and one
/// for its snapshot.
fn step_actions(report: &Report, case: &CaseReport, step: &StepReport, out: &mut Vec<Action>) {
    if step.verdict == VerdictWord::Skipped {
        let mut reason = step.reason.clone().unwrap_or_else(|| "not run".to_owned());
        if !step.blocked_by.is_empty() {
            reason.push_str(&format!(" (blocked by {})", step.blocked_by.join(", ")));
        }
        out.push(Action::operation(outcome(
            ActionResult::Skip,
            &format!("{} `{}`: {reason}", step.location.display, step.name),
            None,
        )));
        for id in &step.behaviours {
            out.push(Action::assertion(outcome(
                ActionResult::Skip,
                &format!("{id}: not checked: {reason}"),
                Some(behaviour_link(id, case)),
            )));
        }
        return;
    }
    let request_failed = step.exchange_error.is_some()
        || step
            .exchange
            .as_ref()
            .is_none_or(|e| e.error.is_some() || e.response.is_none());
    let operation_error = request_failed && (step.error.is_some() || step.exchange_error.is_some());
    out.push(Action::operation(if operation_error {
        let error = step
            .error
            .clone()
            .or_else(|| step.exchange.as_ref().and_then(|e| e.error.clone()))
            .unwrap_or_else(|| "the request failed".to_owned());
        outcome(
            ActionResult::Error,
            &format!("{} `{}`: {error}", step.location.display, step.name),
            None,
        )
    } else {
        outcome(ActionResult::Pass, &request_summary(step), None)
    }));

    // Behaviours a failing or erroring finding (or the step's own error) speaks against.
    let mut judged: Vec<&str> = Vec::new();
    for finding in &step.findings {
        if finding.kind == "fail" || finding.kind == "error" {
            judged.extend(finding.behaviours.iter().map(String::as_str));
        }
        out.push(Action::assertion(finding_assert(finding, case)));
    }
    if let Some(error) = &step.error {
        judged.extend(step.behaviours.iter().map(String::as_str));
        if !operation_error {
            out.push(Action::assertion(outcome(
                ActionResult::Error,
                &format!(
                    "{}: could not decide: {error} [{}]",
                    step.location.display,
                    step.behaviours.join(", ")
                ),
                links(&step.behaviours, case),
            )));
        }
    }
    for id in step
        .behaviours
        .iter()
        .filter(|id| !judged.contains(&id.as_str()))
    {
        out.push(Action::assertion(outcome(
            ActionResult::Pass,
            &format!("{id}: no check of this step found against it"),
            Some(behaviour_link(id, case)),
        )));
    }
    if let Some(snapshot) = &step.snapshot
        && let Some(assertion) = snapshot_assert(report, snapshot)
    {
        out.push(Action::assertion(assertion));
    }
}

/// `GET <url> → HTTP 200 in 3 ms`, and how many more pages a search walk fetched.
fn request_summary(step: &StepReport) -> String {
    let mut summary = format!("{} `{}`", step.location.display, step.name);
    if let Some(exchange) = &step.exchange {
        summary.push_str(&format!(
            ": {} {}",
            exchange.request.method, exchange.request.url
        ));
        if let Some(response) = &exchange.response {
            summary.push_str(&format!(
                " → HTTP {} in {} ms",
                response.status, response.elapsed_ms
            ));
        }
    }
    if !step.walk.is_empty() {
        summary.push_str(&format!(
            "; then {} more page(s) of the search",
            step.walk.len()
        ));
    }
    summary
}

/// A finding as an assert: `fail` → fail, `error` → error, `note` (an allowed answer the target
/// chose) → pass; the message is the finding's one line (location, check, expected vs actual,
/// IDs).
fn finding_assert(finding: &FindingReport, case: &CaseReport) -> Outcome {
    let (result, message) = match finding.kind.as_str() {
        "fail" => (ActionResult::Fail, finding.one_line()),
        "note" => (ActionResult::Pass, format!("note: {}", finding.one_line())),
        "not_decided" => (
            ActionResult::Skip,
            format!("not decided: {}", finding.one_line()),
        ),
        _ => (ActionResult::Error, finding.one_line()),
    };
    outcome(result, &message, links(&finding.behaviours, case))
}

/// A snapshot as an assert: drift fails (a warning under `--allow-drift`), a difference from the
/// reference server's snapshot is a warning (information), anything else passes.
fn snapshot_assert(report: &Report, snapshot: &SnapshotReport) -> Option<Outcome> {
    let (result, what) = match snapshot.status.as_str() {
        "drifted" if report.allow_drift => (
            ActionResult::Warning,
            "drifted from the target's own baseline (allowed by --allow-drift)",
        ),
        "drifted" => (ActionResult::Fail, "drifted from the target's own baseline"),
        "differs_from_reference" => (
            ActionResult::Warning,
            "differs from the reference server's snapshot (for information)",
        ),
        "matched" => (ActionResult::Pass, "matched"),
        "new" => (ActionResult::Pass, "recorded for the first time"),
        "updated" => (ActionResult::Pass, "updated"),
        _ => return None,
    };
    let mut message = format!("snapshot `{}` {what}", snapshot.name);
    if let Some(diff) = &snapshot.diff
        && result != ActionResult::Pass
    {
        message.push_str(&format!(":\n\n```diff\n{}\n```", diff.trim_end()));
    }
    Some(outcome(result, &message, text(&snapshot.path)))
}

/// A cleanup ledger entry as a teardown operation: `pass` when cancelled (or not created), else
/// `fail`.
fn cancel(entry: &CleanupEntry) -> Outcome {
    let mut message = format!(
        "cancel {} (created by {} on {})",
        entry.subject(),
        entry.case,
        entry.target
    );
    let result = match &entry.problem {
        Some(problem) => {
            message.push_str(&format!(": not cancelled: {problem}"));
            ActionResult::Fail
        }
        None if entry.not_created => {
            message.push_str(": not created (its create lost its answer; the sweep found nothing)");
            ActionResult::Pass
        }
        None => {
            message.push_str(": cancelled");
            ActionResult::Pass
        }
    };
    if entry.found_by.is_some() {
        message.push_str(" (found by the sweep)");
    }
    if let Some(note) = &entry.note {
        message.push_str(&format!(" ({note})"));
    }
    outcome(result, &message, None)
}

impl Action {
    fn operation(outcome: Outcome) -> Action {
        Action {
            operation: Some(outcome),
            assertion: None,
        }
    }

    fn assertion(outcome: Outcome) -> Action {
        Action {
            operation: None,
            assertion: Some(outcome),
        }
    }
}

fn outcome(result: ActionResult, message: &str, detail: Option<String>) -> Outcome {
    Outcome {
        result,
        message: text(message),
        detail: detail.and_then(|d| text(&d)),
    }
}

/// The behaviour's row in `report.html` beside this file (`report.html#behaviour-read-200`, with
/// `-current` for the current edition), where its catalogue entry (level, statement) and verdict
/// are.
pub fn behaviour_link(id: &str, case: &CaseReport) -> String {
    let mut anchor = format!("{HTML_FILE}#behaviour-{}", slug(id));
    if case.edition != crate::edition::Edition::Sept2023 {
        anchor.push('-');
        anchor.push_str(case.edition.as_str());
    }
    anchor
}

/// The links of several behaviours, space-separated (an assert's `detail` is one R4 `string`).
fn links(ids: &[String], case: &CaseReport) -> Option<String> {
    let all: Vec<String> = ids.iter().map(|id| behaviour_link(id, case)).collect();
    (!all.is_empty()).then(|| all.join(" "))
}

/// Text as a FHIR `string`/`markdown` allows it (schema pattern `^[ \r\n\t\S]+$`): other whitespace
/// becomes a space, control characters U+FFFD, ends trimmed; `None` when nothing is left.
fn text(raw: &str) -> Option<String> {
    let cleaned: String = raw
        .chars()
        .map(|c| match c {
            ' ' | '\t' | '\r' | '\n' => c,
            c if c.is_whitespace() => ' ',
            c if c.is_control() => '\u{FFFD}',
            c => c,
        })
        .collect();
    let trimmed = cleaned.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

/// A required string that came out empty: `-` (FHIR has no empty strings).
fn or_dash(text: Option<String>) -> String {
    text.unwrap_or_else(|| "-".to_owned())
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::report::model::tests::report;

    const SCHEMA: &str = include_str!("../../schemas/fhir/fhir-r4-testreport.schema.json");

    fn validator() -> jsonschema::Validator {
        let base: Value = serde_json::from_str(SCHEMA).expect("the schema is JSON");
        let root = serde_json::json!({
            "$schema": base["$schema"],
            "definitions": base["definitions"],
            "allOf": [{"$ref": "#/definitions/TestReport"}],
        });
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft6)
            .build(&root)
            .expect("the TestReport schema compiles")
    }

    fn errors(document: &Value) -> Vec<String> {
        validator()
            .iter_errors(document)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect()
    }

    fn json(report: &Report) -> Value {
        serde_json::from_str(&render(report).expect("renders")).expect("JSON")
    }

    /// The actions of the test named `name`.
    fn test_actions<'a>(document: &'a Value, name: &str) -> &'a Vec<Value> {
        document["test"]
            .as_array()
            .and_then(|t| t.iter().find(|t| t["name"] == name))
            .and_then(|t| t["action"].as_array())
            .unwrap_or_else(|| panic!("no test {name}: {document}"))
    }

    #[test]
    fn the_fixture_is_a_valid_r4_test_report_and_an_invalid_one_is_not() {
        let document = json(&report());
        assert_eq!(errors(&document), Vec::<String>::new());
        let mut broken = document.clone();
        broken["test"][0]["action"][0]["operation"]["result"] = "passed".into();
        broken["status"] = "done".into();
        let found = errors(&broken);
        assert!(found.iter().any(|e| e.starts_with("/status")), "{found:?}");
        assert!(
            found
                .iter()
                .any(|e| e.starts_with("/test/0/action/0/operation/result")),
            "{found:?}"
        );
        let mut unknown = document.clone();
        unknown["test"][0]["verdict"] = "pass".into();
        assert!(!errors(&unknown).is_empty());
        let mut no_script = document;
        if let Some(object) = no_script.as_object_mut() {
            object.remove("testScript");
        }
        assert!(!errors(&no_script).is_empty());
    }

    /// A set-up cause is the setup's one operation: `error` when it kept the run from judging,
    /// with the verdict and the cause as its message; the resource stays valid R4.
    #[test]
    fn a_set_up_cause_is_the_setup_operation() {
        let mut stopped = report();
        stopped.verdict = crate::outcome::RunVerdict::not_judged(
            "the target refused the token: 401 at GET /Appointment".to_owned(),
        );
        let document = json(&stopped);
        assert_eq!(errors(&document), Vec::<String>::new());
        let operation = &document["setup"]["action"][0]["operation"];
        assert_eq!(operation["result"], "error");
        let message = operation["message"].as_str().unwrap_or_default();
        assert_eq!(
            message,
            "not judged: the target refused the token: 401 at GET /Appointment"
        );
        assert!(json(&report()).get("setup").is_none(), "no cause, no setup");
    }

    #[test]
    fn the_resource_names_its_run_suite_tester_and_participants() {
        let document = json(&report());
        assert_eq!(document["resourceType"], "TestReport");
        assert_eq!(document["status"], "completed");
        assert_eq!(document["result"], "fail");
        assert_eq!(document["identifier"]["value"], "r-123");
        assert_eq!(document["testScript"]["identifier"]["system"], SUITE_SYSTEM);
        let display = document["testScript"]["display"].as_str().expect("display");
        assert!(
            display.contains("3 cases")
                && display.contains("The page (edition 2023-09, seeds/page.txt)"),
            "{display}"
        );
        assert_eq!(
            document["tester"],
            format!("canvas-conformance {}", env!("CARGO_PKG_VERSION"))
        );
        // One of the two cases that ran passed.
        assert_eq!(document["score"], 50.0);
        assert_eq!(document["issued"], "1970-01-01T00:00:01.234Z");
        assert_eq!(document["participant"][0]["type"], "test-engine");
        assert_eq!(document["participant"][1]["type"], "server");
        assert_eq!(document["participant"][1]["uri"], "http://127.0.0.1:1");
        assert_eq!(document["test"].as_array().map(Vec::len), Some(3));
        assert!(!render(&report()).expect("renders").contains("Bearer"));
    }

    #[test]
    fn a_failing_steps_assert_fails_with_the_findings_message() {
        let document = json(&report());
        let actions = test_actions(&document, "read/b (2023-09)");
        assert_eq!(actions[0]["operation"]["result"], "pass");
        let message = actions[0]["operation"]["message"]
            .as_str()
            .expect("message");
        assert!(
            message.contains("GET http://127.0.0.1:1/Appointment/x?a=<b> → HTTP 200"),
            "{message}"
        );
        let failed = &actions[1]["assert"];
        assert_eq!(failed["result"], "fail");
        assert_eq!(
            failed["message"],
            "cases/read/b.yaml:12:7: json $.status: expected \"<script>alert(1)</script>\", actual \"booked | x\" [A-1, B-2]"
        );
        assert_eq!(
            failed["detail"],
            "report.html#behaviour-a-1 report.html#behaviour-b-2"
        );
        // Both of the step's behaviours are named by the failing finding: no pass assert for them.
        assert_eq!(actions.len(), 2, "{actions:?}");
    }

    #[test]
    fn a_passing_step_passes_each_behaviour_it_judges_and_reports_its_snapshot() {
        let document = json(&report());
        let actions = test_actions(&document, "read/a (2023-09)");
        let results: Vec<(&str, &Value)> = actions
            .iter()
            .map(|a| match (a.get("operation"), a.get("assert")) {
                (Some(o), None) => ("operation", &o["result"]),
                (None, Some(a)) => ("assert", &a["result"]),
                _ => panic!("an action holds an operation or an assert, not both: {a}"),
            })
            .collect();
        assert_eq!(
            results,
            [
                ("operation", &Value::from("pass")),
                ("assert", &Value::from("pass")),
                ("assert", &Value::from("fail")),
            ]
        );
        assert_eq!(actions[1]["assert"]["detail"], "report.html#behaviour-a-1");
        let drift = actions[2]["assert"]["message"].as_str().expect("message");
        assert!(drift.starts_with("snapshot `read__a` drifted"), "{drift}");
        assert!(drift.contains("+new <y>"), "{drift}");
        assert_eq!(actions[2]["assert"]["detail"], "snapshots/read__a.snap");

        let mut allowed = report();
        allowed.allow_drift = true;
        let document = json(&allowed);
        assert_eq!(
            test_actions(&document, "read/a (2023-09)")[2]["assert"]["result"],
            "warning"
        );
    }

    #[test]
    fn a_skipped_cases_actions_are_skip_with_the_reason() {
        let document = json(&report());
        let actions = test_actions(&document, "create/c (2023-09)");
        assert_eq!(actions.len(), 2, "{actions:?}");
        for action in actions {
            let outcome = action
                .get("operation")
                .or_else(|| action.get("assert"))
                .expect("an outcome");
            assert_eq!(outcome["result"], "skip", "{action}");
            let message = outcome["message"].as_str().expect("message");
            assert!(
                message.contains("profile `x` does not allow writes"),
                "{message}"
            );
        }
        assert_eq!(actions[1]["assert"]["detail"], "report.html#behaviour-c-3");
    }

    #[test]
    fn a_blocked_step_is_skipped_naming_what_blocked_it() {
        let mut report = report();
        let mut blocked = report.cases[0].steps[0].clone();
        blocked.verdict = VerdictWord::Skipped;
        blocked.reason = Some("not run: it needs `id`".to_owned());
        blocked.blocked_by = vec!["A-1".to_owned()];
        blocked.exchange = None;
        blocked.snapshot = None;
        report.cases[0].steps.push(blocked);
        let document = json(&report);
        let actions = test_actions(&document, "read/a (2023-09)");
        let skipped = &actions[3]["operation"];
        assert_eq!(skipped["result"], "skip");
        assert!(
            skipped["message"]
                .as_str()
                .is_some_and(|m| m.ends_with("not run: it needs `id` (blocked by A-1)")),
            "{skipped}"
        );
        assert_eq!(actions[4]["assert"]["result"], "skip");
    }

    #[test]
    fn an_errored_step_is_an_error_operation_and_its_behaviours_are_not_passed() {
        let mut report = report();
        let step = &mut report.cases[0].steps[0];
        step.verdict = VerdictWord::Error;
        step.error = Some("could not connect: refused".to_owned());
        // Set as report.json carries it (a report module names no exchange type).
        step.exchange_error = Some(
            serde_json::from_value(serde_json::json!({"kind": "connect", "detail": "refused"}))
                .expect("an exchange error"),
        );
        step.snapshot = None;
        let document = json(&report);
        assert_eq!(errors(&document), Vec::<String>::new());
        let actions = test_actions(&document, "read/a (2023-09)");
        assert_eq!(actions[0]["operation"]["result"], "error");
        assert_eq!(
            actions[0]["operation"]["message"],
            "cases/read/a.yaml:5:7 `reads`: could not connect: refused"
        );
        assert_eq!(actions.len(), 1, "no behaviour passes: {actions:?}");
    }

    #[test]
    fn a_step_error_after_a_good_response_is_an_error_assert() {
        let mut report = report();
        let step = &mut report.cases[0].steps[0];
        step.verdict = VerdictWord::Error;
        step.error = Some("capture `id`: $.id matched nothing".to_owned());
        step.snapshot = None;
        let document = json(&report);
        let actions = test_actions(&document, "read/a (2023-09)");
        assert_eq!(actions[0]["operation"]["result"], "pass");
        assert_eq!(actions[1]["assert"]["result"], "error");
        assert_eq!(actions.len(), 2, "{actions:?}");
    }

    #[test]
    fn an_interrupted_run_is_stopped_and_cleanup_is_the_teardown() {
        let mut report = report();
        report.interrupted = true;
        let document = json(&report);
        assert_eq!(document["status"], "stopped");
        let teardown = document["teardown"]["action"].as_array().expect("teardown");
        assert_eq!(teardown.len(), 2);
        assert_eq!(teardown[0]["operation"]["result"], "pass");
        assert_eq!(teardown[1]["operation"]["result"], "fail");
        assert!(
            teardown[1]["operation"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("not cancelled: cancelling answered 500")),
            "{teardown:?}"
        );
    }

    #[test]
    fn text_is_made_fhir_legal() {
        assert_eq!(text("  a\u{a0}b\u{0}\n "), Some("a b\u{FFFD}".to_owned()));
        assert_eq!(text(" \u{2028} "), None);
        // The schema rejects such text unless it is cleaned, and accepts it cleaned.
        let mut raw = json(&report());
        raw["test"][1]["action"][1]["assert"]["message"] = "\u{2003}".into();
        assert!(!errors(&raw).is_empty(), "{raw}");
        let mut report = report();
        report.cases[1].steps[0].findings[0].actual = "\u{2003}x\u{1}".to_owned();
        report.cases[1].steps[0].findings[0].check = "\u{2003}".to_owned();
        assert_eq!(errors(&json(&report)), Vec::<String>::new());
    }

    #[test]
    fn behaviour_links_point_at_rows_of_the_html_report() {
        let report = report();
        let html = crate::report::html::render(&report).expect("html");
        for case in &report.cases {
            for id in &case.behaviours {
                let link = behaviour_link(id, case);
                let anchor = link.trim_start_matches("report.html#");
                assert!(
                    html.contains(&format!("id=\"{anchor}\"")),
                    "{link} has no row in report.html"
                );
            }
        }
        let mut current = report.cases[0].clone();
        current.edition = crate::edition::Edition::Current;
        assert_eq!(
            behaviour_link("READ-200", &current),
            "report.html#behaviour-read-200-current"
        );
    }
}
