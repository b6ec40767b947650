//! A finding: one way a response differs from what the case expects, with the case file location
//! of the expectation and the expected and actual values as plain text (no colour, no markup).

use serde::Serialize;

use crate::source::Location;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// The target is wrong.
    Fail,
    /// The harness could not decide (a template could not render, a value could not be compared).
    Error,
}

#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub kind: FindingKind,
    /// The check that produced it: status, header, body, json, schema, outcome, search, capture.
    pub check: &'static str,
    /// What was checked, e.g. `$.status` or `header Location`.
    pub subject: String,
    pub expected: String,
    pub actual: String,
    /// Where the expectation is written.
    pub location: Location,
}

impl Finding {
    pub fn fail(
        check: &'static str,
        location: Location,
        subject: impl Into<String>,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> Finding {
        Finding {
            kind: FindingKind::Fail,
            check,
            subject: subject.into(),
            expected: expected.into(),
            actual: actual.into(),
            location,
        }
    }

    pub fn error(
        check: &'static str,
        location: Location,
        subject: impl Into<String>,
        problem: impl Into<String>,
    ) -> Finding {
        Finding {
            kind: FindingKind::Error,
            check,
            subject: subject.into(),
            expected: String::new(),
            actual: problem.into(),
            location,
        }
    }
}
