//! The OperationOutcome check, as FHIR R4 defines the resource: `issue` 1..*, each issue with a
//! `severity` and a `code` (1..1). The first issue's severity (default `error`) and code are compared
//! when the case gives them; `details.text` (0..1 in FHIR) only when the case checks Canvas's own
//! text (`text`, which may hold `{placeholders}`). Findings about the OperationOutcome's shape (and
//! a `text` that asks only for some text) are evidence for ERR-OO; those about an expected value,
//! for the case.

use serde_json::Value;
use serde_saphyr::Spanned;

use crate::case::model::OutcomeExpect;
use crate::check::value::{shorten, show};
use crate::check::{CheckContext, Finding};
use crate::exchange::Received;
use crate::source::{Location, Pos};
use crate::template::render_str;

/// The behaviour every error body's shape is evidence for.
pub const ERR_OO: &str = "ERR-OO";

pub fn check(
    spec: &Spanned<OutcomeExpect>,
    ctx: &CheckContext<'_>,
    received: &Received,
) -> Vec<Finding> {
    let location = ctx.at(Pos::of(spec));
    // ERR-OO is about error bodies: a success where an error was expected is the case's finding
    // (its status expectation says so), not evidence against ERR-OO.
    let shape = |finding: Finding| {
        if received.status >= 400 {
            finding.for_behaviour(ERR_OO)
        } else {
            finding
        }
    };
    let body = match &received.json {
        Some(body @ Value::Object(_))
            if body.get("resourceType").and_then(Value::as_str) == Some("OperationOutcome") =>
        {
            body
        }
        Some(other) => {
            let kind = other.get("resourceType").map_or_else(|| show(other), show);
            return vec![shape(Finding::fail(
                "outcome",
                location,
                "OperationOutcome",
                "an OperationOutcome",
                kind,
            ))];
        }
        None => {
            let actual = if received.body.trim().is_empty() {
                "(empty body)".to_owned()
            } else {
                shorten(&received.body, 300)
            };
            return vec![shape(Finding::fail(
                "outcome",
                location,
                "OperationOutcome",
                "an OperationOutcome",
                actual,
            ))];
        }
    };
    let issues = match body.get("issue").and_then(Value::as_array) {
        Some(issues) if !issues.is_empty() => issues,
        other => {
            return vec![shape(Finding::fail(
                "outcome",
                location,
                "issue",
                "at least one issue (1..*)",
                other.map_or_else(|| "(absent)".to_owned(), |_| "[]".to_owned()),
            ))];
        }
    };
    let mut findings = Vec::new();
    // FHIR R4: every issue carries a severity and a code (1..1); the first issue's are compared below.
    for (i, issue) in issues.iter().enumerate().skip(1) {
        for field in ["severity", "code"] {
            let actual = issue.get(field);
            if actual.and_then(Value::as_str).is_none_or(str::is_empty) {
                findings.push(shape(Finding::fail(
                    "outcome",
                    location.clone(),
                    format!("issue[{i}].{field}"),
                    "a non-empty string (1..1)",
                    actual.map_or_else(|| "(absent)".to_owned(), show),
                )));
            }
        }
    }
    let issue = &issues[0];
    let severity_expected = spec
        .value
        .severity
        .as_ref()
        .map_or_else(|| "error".to_owned(), |s| s.value.clone());
    let severity_at = spec
        .value
        .severity
        .as_ref()
        .map_or_else(|| location.clone(), |s| ctx.at(Pos::of(s)));
    // A severity the case does not write is ERR-OO's `error`, not the case's own expectation.
    let default_severity = spec.value.severity.is_none();
    let fields: [Field<'_>; 2] = [
        (
            "issue[0].severity",
            issue.get("severity"),
            Some((severity_expected, severity_at)),
        ),
        (
            "issue[0].code",
            issue.get("code"),
            spec.value
                .code
                .as_ref()
                .map(|c| (c.value.clone(), ctx.at(Pos::of(c)))),
        ),
    ];
    let text: Option<Field<'_>> = spec.value.text.as_ref().map(|t| {
        (
            "issue[0].details.text",
            issue.get("details").and_then(|d| d.get("text")),
            Some((t.value.clone(), ctx.at(Pos::of(t)))),
        )
    });
    for (subject, actual, expected) in fields.into_iter().chain(text) {
        let actual_text = actual.and_then(Value::as_str);
        match expected {
            None if actual_text.is_none_or(str::is_empty) => {
                findings.push(shape(Finding::fail(
                    "outcome",
                    location.clone(),
                    subject,
                    "a non-empty string",
                    actual.map_or_else(|| "(absent)".to_owned(), show),
                )));
            }
            None => {}
            Some((template, at)) => match render_str(&template, ctx.scope) {
                Ok(expected) => {
                    if !actual_text.is_some_and(|a| text_matches(&expected, a)) {
                        // ERR-OO's own: the default severity, and a text that asks for any text.
                        let is_shape = (default_severity && subject == "issue[0].severity")
                            || (subject == "issue[0].details.text" && is_any_text(&expected));
                        let finding = Finding::fail(
                            "outcome",
                            at,
                            subject,
                            show(&Value::String(expected)),
                            actual.map_or_else(|| "(absent)".to_owned(), show),
                        );
                        findings.push(if is_shape { shape(finding) } else { finding });
                    }
                }
                Err(e) => findings.push(Finding::error("outcome", at, subject, e.to_string())),
            },
        }
    }
    findings
}

/// One issue field: its name, its value in the response, and the expected template with its location.
type Field<'a> = (&'static str, Option<&'a Value>, Option<(String, Location)>);

/// Exact text, where each `{name}` in `expected` stands for any non-empty text.
/// What an error answer says in words: the texts of an OperationOutcome's issues
/// (`details.text` and `diagnostics`, each once, joined by `; `), or another JSON error body's
/// `message` / `detail` / `error_description`. `None` when it says nothing in words.
pub fn target_words(json: &Value) -> Option<String> {
    let mut texts: Vec<&str> = Vec::new();
    match json.get("issue").and_then(Value::as_array) {
        Some(issues) => {
            for issue in issues {
                for text in [issue.pointer("/details/text"), issue.get("diagnostics")]
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                {
                    if !text.is_empty() && !texts.contains(&text) {
                        texts.push(text);
                    }
                }
            }
        }
        None => texts.extend(
            ["message", "detail", "error_description"]
                .iter()
                .filter_map(|k| json.get(*k).and_then(Value::as_str)),
        ),
    }
    (!texts.is_empty()).then(|| texts.join("; "))
}

pub fn text_matches(expected: &str, actual: &str) -> bool {
    if !expected.contains('{') {
        return expected == actual;
    }
    let mut pattern = String::from("^");
    let mut rest = expected;
    while let Some(open) = rest.find('{') {
        match rest[open..].find('}') {
            Some(close) if is_placeholder(&rest[open + 1..open + close]) => {
                pattern.push_str(&regex::escape(&rest[..open]));
                pattern.push_str(".+?");
                rest = &rest[open + close + 1..];
            }
            _ => {
                pattern.push_str(&regex::escape(&rest[..=open]));
                rest = &rest[open + 1..];
            }
        }
    }
    pattern.push_str(&regex::escape(rest));
    pattern.push('$');
    crate::case::pattern::compiled(&pattern).is_ok_and(|r| r.is_match(actual))
}

/// A text that is one `{placeholder}` and nothing else: any non-empty text.
fn is_any_text(expected: &str) -> bool {
    expected
        .strip_prefix('{')
        .and_then(|rest| rest.strip_suffix('}'))
        .is_some_and(is_placeholder)
}

fn is_placeholder(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use super::{check, text_matches};
    use crate::case::load::parse_case;
    use crate::check::{CheckContext, Finding};
    use crate::exchange::Received;
    use crate::template::Scope;

    /// The findings of the first step's `outcome` expectation against this body.
    fn findings(outcome_yaml: &str, body: serde_json::Value) -> Vec<Finding> {
        let text = format!(
            "name: t\ndescription: t\nbehaviours: [ERR-OO]\nsteps:\n  - name: s\n    request: {{ method: GET, path: /Appointment }}\n    expect: {{ outcome: {outcome_yaml} }}\n"
        );
        let case = parse_case(Arc::from("t.yaml"), &text).expect("test case parses");
        let scope = Scope::default();
        let ctx = CheckContext {
            case: &case,
            scope: &scope,
            query: &[],
            method: crate::case::model::Method::Get,
            path: "/Appointment",
            edition: crate::edition::Edition::Sept2023,
        };
        let received = Received {
            status: 404,
            headers: Vec::new(),
            body: body.to_string(),
            json: Some(body),
            elapsed_ms: 0,
            truncated: None,
        };
        let spec = case.spec.steps.value[0]
            .expect
            .outcome
            .as_ref()
            .expect("the step has an outcome expectation");
        check(spec, &ctx, &received)
    }

    #[test]
    fn a_plain_outcome_takes_diagnostics_without_details_text() {
        let generic = json!({"resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": "not-found", "diagnostics": "Appointment/x is not known"}]});
        assert!(findings("{}", generic).is_empty());
    }

    #[test]
    fn every_issue_needs_a_severity_and_a_code() {
        let missing = json!({"resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": "invalid"}, {"severity": "warning"}]});
        let found = findings("{}", missing);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].subject, "issue[1].code");
        let none = json!({"resourceType": "OperationOutcome", "issue": []});
        assert_eq!(findings("{}", none)[0].subject, "issue");
    }

    #[test]
    fn canvas_text_is_checked_only_when_the_case_asks() {
        let generic = json!({"resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": "invalid", "diagnostics": "bad"}]});
        let found = findings("{ text: \"{message}\" }", generic);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].subject, "issue[0].details.text");
        let canvas = json!({"resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": "invalid", "details": {"text": "Bad request"}}]});
        assert!(findings("{ text: \"{message}\" }", canvas.clone()).is_empty());
        assert!(findings("{ code: invalid, text: Bad request }", canvas).is_empty());
    }

    #[test]
    fn placeholders_match_any_text() {
        let page = "Appointment Type does not exist with system: {system} and code: {code}";
        assert!(text_matches(
            page,
            "Appointment Type does not exist with system: INTERNAL and code: X1"
        ));
        assert!(!text_matches(
            page,
            "Appointment Type does not exist with code: X1"
        ));
        assert!(text_matches("Bad request", "Bad request"));
        assert!(!text_matches("Bad request", "Bad request."));
        assert!(text_matches("a {b c} d", "a {b c} d"));
    }
}
