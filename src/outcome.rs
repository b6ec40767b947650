//! ⑤ Outcomes: the verdict of each step and case (Pass, Fail, Error, Skipped with a reason) and the
//! roll-up per behaviour ID. Plain data that every reporter renders; no formatting here.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::check::{Finding, FindingKind};
use crate::exchange::Exchange;
use crate::source::Location;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", content = "reason", rename_all = "snake_case")]
pub enum Verdict {
    /// Every expectation held.
    Pass,
    /// The target is wrong: at least one expectation did not hold.
    Fail,
    /// The harness could not decide (no response, timeout, a value it could not render or capture).
    Error,
    /// Not run, and why.
    Skipped(String),
}

impl Verdict {
    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Error => "ERROR",
            Verdict::Skipped(_) => "SKIP",
        }
    }

    /// Worse verdicts win when combining: Error > Fail > Pass > Skipped.
    fn rank(&self) -> u8 {
        match self {
            Verdict::Skipped(_) => 0,
            Verdict::Pass => 1,
            Verdict::Fail => 2,
            Verdict::Error => 3,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct StepOutcome {
    pub name: String,
    pub location: Location,
    pub verdict: Verdict,
    /// Why the step could not be decided, when it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub findings: Vec<Finding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exchange: Option<Exchange>,
    /// Pages fetched by a search walk.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub walk: Vec<Exchange>,
    /// The snapshot comparison of this step's response, when the step asks for one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<SnapshotOutcome>,
}

/// What the snapshot check found: observed behaviour compared with the stored `.snap` file.
/// Drift is reported apart from conformance failures ("observed behaviour changed", not
/// "documented behaviour broken") and does not change the step's verdict.
#[derive(Clone, Debug, Serialize)]
pub struct SnapshotOutcome {
    /// `<case>__<step>` (the `.snap` file's stem).
    pub name: String,
    /// The `.snap` file, relative to the project.
    pub path: String,
    pub status: SnapshotStatus,
    /// A unified diff (stored → observed) when the snapshot drifted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotStatus {
    /// The observed response equals the stored snapshot.
    Matched,
    /// No snapshot existed; one was written (`.snap.new`, or `.snap` when updating).
    New,
    /// The stored snapshot was replaced (`--update-snapshots` / `INSTA_UPDATE=always`).
    Updated,
    /// The observed response differs from the stored snapshot; `.snap.new` was written beside it.
    Drifted,
}

impl StepOutcome {
    /// Derives the verdict from the error and the findings.
    pub fn decide(mut self) -> StepOutcome {
        self.verdict =
            if self.error.is_some() || self.findings.iter().any(|f| f.kind == FindingKind::Error) {
                Verdict::Error
            } else if self.findings.is_empty() {
                Verdict::Pass
            } else {
                Verdict::Fail
            };
        self
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct CaseOutcome {
    pub name: String,
    pub location: Location,
    pub behaviours: Vec<String>,
    /// The label of the target it ran against, if it ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    pub verdict: Verdict,
    pub steps: Vec<StepOutcome>,
    pub duration_ms: u64,
}

impl CaseOutcome {
    pub fn skipped(
        name: String,
        location: Location,
        behaviours: Vec<String>,
        reason: String,
    ) -> CaseOutcome {
        CaseOutcome {
            name,
            location,
            behaviours,
            target: None,
            verdict: Verdict::Skipped(reason),
            steps: Vec::new(),
            duration_ms: 0,
        }
    }

    /// The case verdict from its steps: the worst step wins.
    pub fn verdict_of(steps: &[StepOutcome]) -> Verdict {
        steps
            .iter()
            .map(|s| s.verdict.clone())
            .max_by_key(Verdict::rank)
            .unwrap_or(Verdict::Pass)
    }
}

/// Counts of case verdicts.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Tally {
    pub passed: usize,
    pub failed: usize,
    pub errored: usize,
    pub skipped: usize,
}

impl Tally {
    pub fn of(outcomes: &[CaseOutcome]) -> Tally {
        let mut tally = Tally::default();
        for outcome in outcomes {
            match outcome.verdict {
                Verdict::Pass => tally.passed += 1,
                Verdict::Fail => tally.failed += 1,
                Verdict::Error => tally.errored += 1,
                Verdict::Skipped(_) => tally.skipped += 1,
            }
        }
        tally
    }

    pub fn all_passed(&self) -> bool {
        self.failed == 0 && self.errored == 0
    }
}

/// The verdict per behaviour ID: the worst verdict of the cases naming it, Skipped when none ran.
pub fn per_behaviour(outcomes: &[CaseOutcome]) -> BTreeMap<String, Verdict> {
    let mut map: BTreeMap<String, Verdict> = BTreeMap::new();
    for outcome in outcomes {
        for id in &outcome.behaviours {
            let entry = map
                .entry(id.clone())
                .or_insert_with(|| outcome.verdict.clone());
            if outcome.verdict.rank() > entry.rank() {
                *entry = outcome.verdict.clone();
            }
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_verdict_wins() {
        assert!(Verdict::Error.rank() > Verdict::Fail.rank());
        assert!(Verdict::Fail.rank() > Verdict::Pass.rank());
        assert!(Verdict::Pass.rank() > Verdict::Skipped(String::new()).rank());
    }
}
