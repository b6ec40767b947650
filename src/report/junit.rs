//! `junit.xml`: one testcase per case (classname = its folder; named `<case> (<edition>)`, plus
//! `@ <target>` in a report of several targets), Fail → `<failure>`, Error →
//! `<error>`, Skipped → `<skipped>`; behaviour IDs as testcase properties, the targets, run id and
//! verdict as testsuite properties; a set-up cause as a first `<error>` testcase `set-up
//! (preflight)`; the cleanup ledger as a second testsuite `cleanup` (an appointment that
//! could not be cancelled is a `<failure>` with the reason). Written with `quick-junit` (nextest's
//! writer) from the report model.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestSuite};

use crate::report::failing::{Dialect, failing_steps};
use crate::report::model::{CaseReport, Report, TOOL_NAME, VerdictWord};

/// The JUnit XML document for a report.
pub fn render(report: &Report) -> Result<String, quick_junit::SerializeError> {
    let mut suite = TestSuite::new(TOOL_NAME);
    suite.add_property(Property::new("run_id", report.run_id.as_str()));
    suite.add_property(Property::new("tool_version", report.tool.version.as_str()));
    suite.add_property(Property::new("verdict", report.verdict.headline()));
    if let Some(cause) = &report.verdict.cause {
        suite.add_property(Property::new("cause", cause.as_str()));
    }
    for target in &report.targets {
        suite.add_property(Property::new(
            format!("target.{}", target.label),
            format!("{} (profile {})", target.base_url, target.profile),
        ));
    }
    suite.set_time(Duration::from_millis(report.duration_ms));
    let timestamp = chrono::DateTime::parse_from_rfc3339(&report.started_at).ok();
    if let Some(timestamp) = timestamp {
        suite.set_timestamp(timestamp);
    }
    let compared = report.comparison.is_some();
    // A set-up cause is an error of its own, first, so a CI test tab shows it before any case.
    if let Some(cause) = &report.verdict.cause {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
        status.set_message(cause.as_str());
        status.set_description(format!("{}\n{cause}", report.verdict.headline()));
        let mut test = TestCase::new("set-up (preflight)", status);
        test.set_classname("set-up");
        suite.add_test_case(test);
    }
    suite.add_test_cases(report.cases.iter().map(|case| test_case(case, compared)));

    let mut junit = quick_junit::Report::new(TOOL_NAME);
    junit.set_time(Duration::from_millis(report.duration_ms));
    if let Some(timestamp) = timestamp {
        junit.set_timestamp(timestamp);
    }
    junit.add_test_suite(suite);
    if !report.cleanup.entries.is_empty() {
        junit.add_test_suite(cleanup_suite(report));
    }
    junit.to_string()
}

/// The cleanup ledger as a testsuite `cleanup`: one testcase per appointment the run created (or
/// create whose answer was lost), failed (with the reason) when it could not be cancelled; the
/// properties say which the sweep found (`found_by`) and which were not created (`not_created`).
fn cleanup_suite(report: &Report) -> TestSuite {
    let mut suite = TestSuite::new("cleanup");
    suite.add_test_cases(report.cleanup.entries.iter().map(|entry| {
        let status = match &entry.problem {
            None => TestCaseStatus::success(),
            Some(problem) => {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status.set_message(format!("not cancelled: {problem}"));
                status.set_type("cleanup");
                status
            }
        };
        let mut test = TestCase::new(format!("cancel {}", entry.subject()), status);
        test.set_classname("cleanup");
        test.add_property(Property::new("case", entry.case.as_str()));
        test.add_property(Property::new("target", entry.target.as_str()));
        if let Some(found_by) = &entry.found_by {
            test.add_property(Property::new("found_by", found_by.as_str()));
        }
        if entry.not_created {
            test.add_property(Property::new("not_created", "true"));
        }
        test
    }));
    suite
}

/// One case; in a report of several targets (`compared`) the name ends with `@ <target>`, so the
/// same case on two targets keeps two distinct names.
fn test_case(case: &CaseReport, compared: bool) -> TestCase {
    let status = match case.verdict {
        VerdictWord::Pass => TestCaseStatus::success(),
        VerdictWord::Fail => non_success(case, NonSuccessKind::Failure),
        VerdictWord::Error => non_success(case, NonSuccessKind::Error),
        // Cases are never `not_decided` (only behaviours are); a blocked case reads as skipped.
        VerdictWord::Skipped | VerdictWord::NotDecided => {
            let mut status = TestCaseStatus::skipped();
            if let Some(reason) = &case.reason {
                status.set_message(reason.as_str());
            }
            status
        }
    };
    // The same case runs once per edition: the name says which.
    let mut name = format!("{} ({})", case.name, case.edition);
    if compared && let Some(target) = &case.target {
        name.push_str(&format!(" @ {target}"));
    }
    let mut test = TestCase::new(name, status);
    test.set_classname(case.group.as_str());
    test.set_time(Duration::from_millis(case.duration_ms));
    for id in &case.behaviours {
        test.add_property(Property::new("behaviour", id.as_str()));
    }
    if let Some(target) = &case.target {
        test.add_property(Property::new("target", target.as_str()));
    }
    test
}

fn non_success(case: &CaseReport, kind: NonSuccessKind) -> TestCaseStatus {
    let mut status = TestCaseStatus::non_success(kind);
    let message = case
        .first_problem()
        .unwrap_or_else(|| format!("the case {}", verdict_text(case.verdict)));
    status.set_message(message);
    status.set_type(match kind {
        NonSuccessKind::Failure => "conformance failure",
        NonSuccessKind::Error => "could not decide",
    });
    status.set_description(details(case));
    status
}

fn verdict_text(verdict: VerdictWord) -> &'static str {
    match verdict {
        VerdictWord::Pass => "passed",
        VerdictWord::Fail => "failed",
        VerdictWord::Error => "errored",
        VerdictWord::Skipped => "was skipped",
        VerdictWord::NotDecided => "was not decided",
    }
}

/// Every finding and step error, with the request that produced it (the shared renderer).
fn details(case: &CaseReport) -> String {
    failing_steps(case, Dialect::Junit, &|_| None)
}

#[cfg(test)]
mod tests {
    use crate::report::model::tests::report;

    /// The whole file of a fixed run (fixed run id, times and targets), as insta pins it.
    #[test]
    fn a_fixed_run_renders_as_pinned() {
        insta::assert_snapshot!(super::render(&report()).expect("junit"));
    }

    #[test]
    fn maps_verdicts_to_junit_elements() {
        let xml = super::render(&report()).expect("junit");
        // Three cases, and the two appointments of the cleanup ledger.
        assert_eq!(xml.matches("<testcase ").count(), 5, "{xml}");
        assert!(
            xml.contains(
                r#"<failure message="not cancelled: cancelling answered 500" type="cleanup""#
            ),
            "{xml}"
        );
        assert!(xml.contains(r#"name="cancel Appointment/left-2""#), "{xml}");
        assert!(xml.contains(r#"classname="read""#), "{xml}");
        assert!(xml.contains(r#"classname="create""#), "{xml}");
        assert!(
            xml.contains(r#"<property name="run_id" value="r-123"/>"#),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<property name="target.reference" value="http://127.0.0.1:1 (profile reference)"/>"#),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<property name="behaviour" value="B-2"/>"#),
            "{xml}"
        );
        assert!(
            xml.contains("<failure message=\"cases/read/b.yaml:12:7: json $.status: expected"),
            "{xml}"
        );
        assert!(xml.contains("expected: &quot;&lt;script&gt;"), "{xml}");
        assert!(xml.contains("actual:   &quot;booked | x&quot;"), "{xml}");
        assert!(
            xml.contains(r#"<skipped message="profile `x` does not allow writes"/>"#),
            "{xml}"
        );
        assert!(!xml.contains("<script>"), "{xml}");
        assert!(
            xml.contains(r#"failures="1""#) && xml.contains(r#"skipped="1""#),
            "{xml}"
        );
    }
}
