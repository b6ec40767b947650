//! The OperationOutcome check: the body is an OperationOutcome whose first issue has the expected
//! severity (default `error`), code and `details.text`; text may hold `{placeholders}`. Findings about
//! the OperationOutcome's shape are evidence for ERR-OO; those about an expected value, for the case.

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
    let Some(issue) = body
        .get("issue")
        .and_then(Value::as_array)
        .and_then(|issues| issues.first())
    else {
        return vec![shape(Finding::fail(
            "outcome",
            location,
            "issue[0]",
            "at least one issue",
            "no issue",
        ))];
    };
    let mut findings = Vec::new();
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
    let fields: [Field<'_>; 3] = [
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
        (
            "issue[0].details.text",
            issue.get("details").and_then(|d| d.get("text")),
            spec.value
                .text
                .as_ref()
                .map(|t| (t.value.clone(), ctx.at(Pos::of(t)))),
        ),
    ];
    for (subject, actual, expected) in fields {
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
                        let finding = Finding::fail(
                            "outcome",
                            at,
                            subject,
                            show(&Value::String(expected)),
                            actual.map_or_else(|| "(absent)".to_owned(), show),
                        );
                        findings.push(if default_severity && subject == "issue[0].severity" {
                            shape(finding)
                        } else {
                            finding
                        });
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
    regex::Regex::new(&pattern).is_ok_and(|r| r.is_match(actual))
}

fn is_placeholder(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::text_matches;

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
