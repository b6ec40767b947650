//! A finding: one way a response differs from what the case expects (or, as a note, which legal
//! variant the target chose), with the case file location of the expectation, the expected and
//! actual values as plain text (no colour, no markup), and the behaviour IDs it is evidence for.

use serde::Serialize;

use crate::source::Location;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// The target is wrong.
    Fail,
    /// The harness could not decide (a template could not render, a value could not be compared).
    Error,
    /// Not a problem: what the target chose where the page allows several answers (e.g. a 201 that
    /// carries the created Appointment), or a consequence of an earlier failure. Never changes a verdict.
    Note,
    /// The check could not judge: its input is incomplete because another behaviour failed
    /// (`blocked_by`: a walk its links cut short, a body that is not JSON). Its behaviours are not
    /// decided, never failed; it does not change the step's verdict.
    NotDecided,
}

#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub kind: FindingKind,
    /// The check that produced it: status, header, body, json, schema, outcome, search, capture.
    pub check: &'static str,
    /// What was checked within the check, e.g. `$.status` (check `json`) or `Location` (check
    /// `header`); empty where the check itself says it (`status`, `body`). Never repeats the check:
    /// outputs show the two together as one label (`header Location`).
    pub subject: String,
    pub expected: String,
    pub actual: String,
    /// Where the expectation is written.
    pub location: Location,
    /// The behaviour IDs this finding is evidence for. A check sets it where the finding belongs to
    /// a behaviour of its own (search semantics, the OperationOutcome shape); the expectation's
    /// `behaviour:` fills it next; the runner gives what is still empty the case's IDs.
    pub behaviours: Vec<String>,
    /// For a [`FindingKind::NotDecided`] finding: the behaviours whose failure left its input
    /// incomplete.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub blocked_by: Vec<String>,
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
            behaviours: Vec::new(),
            blocked_by: Vec::new(),
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
            behaviours: Vec::new(),
            blocked_by: Vec::new(),
        }
    }

    /// An observation that does not change the verdict: `subject: what` (e.g. `body: the created
    /// Appointment, as FHIR's return=representation`).
    pub fn note(
        check: &'static str,
        location: Location,
        subject: impl Into<String>,
        what: impl Into<String>,
    ) -> Finding {
        Finding {
            kind: FindingKind::Note,
            check,
            subject: subject.into(),
            expected: String::new(),
            actual: what.into(),
            location,
            behaviours: Vec::new(),
            blocked_by: Vec::new(),
        }
    }

    /// The same finding, evidence for `id` (a built-in attribution).
    pub fn for_behaviour(mut self, id: &str) -> Finding {
        self.behaviours = vec![id.to_owned()];
        self
    }

    /// The same check, not decided: its input was incomplete because `blocked_by` failed (`why`
    /// says how). What it would have said is kept in `actual`, marked as such.
    pub fn not_decided(mut self, blocked_by: &[String], why: &str) -> Finding {
        if self.kind == FindingKind::Fail || self.kind == FindingKind::Error {
            self.kind = FindingKind::NotDecided;
            self.actual = format!("not decided ({why}); on what it saw: {}", self.actual);
            self.blocked_by = blocked_by.to_vec();
        }
        self
    }

    /// Whether it speaks against the target or the harness (a note or a check that could not
    /// judge does not).
    pub fn counts(&self) -> bool {
        matches!(self.kind, FindingKind::Fail | FindingKind::Error)
    }
}

/// Gives every finding not yet attributed these behaviour IDs.
pub fn attribute(findings: &mut [Finding], ids: &[String]) {
    for finding in findings.iter_mut().filter(|f| f.behaviours.is_empty()) {
        finding.behaviours = ids.to_vec();
    }
}
