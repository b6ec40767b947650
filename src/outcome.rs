//! ⑤ Outcomes: the verdict of each step and case (Pass, Fail, Error, Skipped with a reason) and the
//! roll-up per behaviour ID. Plain data that every reporter renders; no formatting here.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::check::{Finding, FindingKind};
use crate::edition::Edition;
use crate::exchange::{Exchange, PASSING_BODY_CAP};
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
    /// Skipped (with the reason) when the step could not run because an earlier step did not
    /// capture what it needs.
    pub verdict: Verdict,
    /// The behaviour IDs its expectations judge (the case's, or the step's own `behaviour:`, and
    /// each expectation's): they carry its step error, and stay undecided when it is blocked.
    pub behaviours: Vec<String>,
    /// When blocked: the behaviours whose failure in an earlier step left it without its inputs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub blocked_by: Vec<String>,
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
    /// What the store wrote for it: what every message about new or drifted snapshots says.
    pub written: SnapshotWrite,
    /// The normalized response compared (for the `cargo test` face, which asserts it with insta).
    #[serde(skip)]
    pub observed: String,
}

/// What the snapshot store wrote for a step, so that no message claims a file that is not there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotWrite {
    /// Nothing needed writing (it matched).
    Nothing,
    /// `.snap.new` beside the stored file, for review.
    Pending,
    /// The `.snap` itself (accepted as the baseline).
    Stored,
    /// Something was observed that could have been written, but nothing was, for this reason
    /// (`replay never writes snapshots`, `the target has no baseline of its own`, …).
    Withheld(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotStatus {
    /// The observed response equals the stored snapshot.
    Matched,
    /// No snapshot existed (what was written, if anything, is [`SnapshotOutcome::written`]).
    New,
    /// The stored snapshot was replaced (`--update-snapshots` / `INSTA_UPDATE=always`).
    Updated,
    /// The observed response differs from the stored snapshot (`.snap.new` beside it, if
    /// [`SnapshotOutcome::written`] says so).
    Drifted,
    /// The target has no baseline of its own (an unprofiled `--target`): compared with the
    /// reference server's snapshot, it differs. Information, never a failure; nothing is written.
    DiffersFromReference,
}

impl StepOutcome {
    /// A step that has not been decided yet: no verdict, no findings, nothing sent.
    pub fn new(name: String, location: Location, behaviours: Vec<String>) -> StepOutcome {
        StepOutcome {
            name,
            location,
            verdict: Verdict::Pass,
            behaviours,
            blocked_by: Vec::new(),
            error: None,
            findings: Vec::new(),
            exchange: None,
            walk: Vec::new(),
            snapshot: None,
        }
    }

    /// Derives the verdict from the error and the findings (notes do not count).
    pub fn decide(mut self) -> StepOutcome {
        self.verdict =
            if self.error.is_some() || self.findings.iter().any(|f| f.kind == FindingKind::Error) {
                Verdict::Error
            } else if self.findings.iter().any(|f| f.kind == FindingKind::Fail) {
                Verdict::Fail
            } else {
                Verdict::Pass
            };
        self
    }

    /// A passing step keeps only the start of its response bodies ([`PASSING_BODY_CAP`] bytes,
    /// marked as cut) and drops their parsed JSON: every check has seen them whole, and a run's
    /// memory then follows its largest response rather than the sum of all of them. A failing or
    /// erroring step keeps everything as evidence.
    pub fn slim_if_passed(mut self) -> StepOutcome {
        if self.verdict == Verdict::Pass {
            if let Some(exchange) = &mut self.exchange {
                exchange.slim(PASSING_BODY_CAP);
            }
            for page in &mut self.walk {
                page.slim(PASSING_BODY_CAP);
            }
        }
        self
    }

    /// Not run: `reason` says which input is missing; `blocked_by` why it is.
    pub fn blocked(mut self, reason: String, blocked_by: Vec<String>) -> StepOutcome {
        self.verdict = Verdict::Skipped(reason);
        self.blocked_by = blocked_by;
        self
    }

    /// The behaviours that made it fail or error: its failing findings' IDs, else (a step error,
    /// a capture that found nothing on its own) the step's own.
    pub fn failed_behaviours(&self) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for finding in self.findings.iter().filter(|f| f.counts()) {
            for id in &finding.behaviours {
                if !ids.contains(id) {
                    ids.push(id.clone());
                }
            }
        }
        if ids.is_empty() {
            ids = self.behaviours.clone();
        }
        ids
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct CaseOutcome {
    pub name: String,
    /// The edition whose suite the case belongs to (its behaviour IDs are that catalogue's).
    pub edition: Edition,
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
            edition: Edition::default(),
            location,
            behaviours,
            target: None,
            verdict: Verdict::Skipped(reason),
            steps: Vec::new(),
            duration_ms: 0,
        }
    }

    /// The same outcome, of a case of `edition`.
    pub fn in_edition(mut self, edition: Edition) -> CaseOutcome {
        self.edition = edition;
        self
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

/// The run's one verdict, decided once (cases, cleanup, snapshot drift under the run's policy,
/// interruption) and read by the exit code, the console summary and every report.
#[derive(Clone, Debug, Default, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct RunVerdict {
    pub passed: bool,
    /// Why it failed, one short sentence each (empty when it passed).
    pub reasons: Vec<String>,
}

/// What [`RunVerdict::decide`] weighs.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunFacts {
    pub cases: Tally,
    /// Appointments the run created and could not cancel.
    pub cleanup_problems: usize,
    /// Snapshots that drifted from the target's own baseline.
    pub drifted: usize,
    /// `run --allow-drift`: drift is reported, not failed.
    pub allow_drift: bool,
    /// Ctrl-C stopped the run before every case ran.
    pub interrupted: bool,
}

impl RunVerdict {
    pub fn decide(facts: RunFacts) -> RunVerdict {
        let mut reasons = Vec::new();
        if facts.cases.failed > 0 {
            reasons.push(format!("{} case(s) failed", facts.cases.failed));
        }
        if facts.cases.errored > 0 {
            reasons.push(format!(
                "{} case(s) could not be decided",
                facts.cases.errored
            ));
        }
        if facts.cleanup_problems > 0 {
            reasons.push(format!(
                "{} appointment(s) the run created could not be cancelled",
                facts.cleanup_problems
            ));
        }
        if facts.drifted > 0 && !facts.allow_drift {
            reasons.push(format!(
                "{} snapshot(s) drifted from the target's baseline",
                facts.drifted
            ));
        }
        if facts.interrupted {
            reasons.push("the run was interrupted".to_owned());
        }
        RunVerdict {
            passed: reasons.is_empty(),
            reasons,
        }
    }

    /// `passed`, or `failed: reason; reason`.
    pub fn headline(&self) -> String {
        if self.passed {
            "passed".to_owned()
        } else {
            format!("failed: {}", self.reasons.join("; "))
        }
    }
}

/// Every snapshot that drifted from the target's own baseline: the one drift count of a run.
pub fn drifted(outcomes: &[CaseOutcome]) -> impl Iterator<Item = &SnapshotOutcome> {
    outcomes
        .iter()
        .flat_map(|o| o.steps.iter().filter_map(|s| s.snapshot.as_ref()))
        .filter(|s| s.status == SnapshotStatus::Drifted)
}

/// Counts of verdicts: of cases (a run's, a report's totals) or of behaviours (a report's totals).
/// The one counter type; `not_decided` is only ever non-zero for behaviours.
#[derive(Clone, Copy, Debug, Default, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Tally {
    /// Everything counted.
    pub total: usize,
    pub passed: usize,
    pub failed: usize,
    pub errored: usize,
    pub skipped: usize,
    /// Behaviours whose checks were blocked by another behaviour's failure (never cases).
    #[serde(default)]
    pub not_decided: usize,
}

impl Tally {
    /// The counts of these cases' verdicts.
    pub fn of<'a>(outcomes: impl IntoIterator<Item = &'a CaseOutcome>) -> Tally {
        let mut tally = Tally::default();
        for outcome in outcomes {
            tally.total += 1;
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

/// A behaviour's verdict over a run, decided by the findings attributed to it (not by the
/// verdicts of the cases naming it): Fail > Error > NotDecided > Pass > Skipped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum BehaviourVerdict {
    /// A case naming it ran, and no finding speaks against it.
    Pass,
    /// A finding attributed to it says the target is wrong.
    Fail,
    /// A finding or step error attributed to it says the harness could not decide.
    Error,
    /// Some of its checks could not run, because an earlier step failed for these behaviours.
    NotDecided { blocked_by: Vec<String> },
    /// No case naming it ran, and why.
    Skipped { reason: String },
}

impl BehaviourVerdict {
    fn rank(&self) -> u8 {
        match self {
            BehaviourVerdict::Skipped { .. } => 0,
            BehaviourVerdict::Pass => 1,
            BehaviourVerdict::NotDecided { .. } => 2,
            BehaviourVerdict::Error => 3,
            BehaviourVerdict::Fail => 4,
        }
    }

    /// Whether the suite noticed something wrong with it (Fail or Error).
    pub fn is_problem(&self) -> bool {
        matches!(self, BehaviourVerdict::Fail | BehaviourVerdict::Error)
    }

    /// Keeps the worse of the two; two NotDecided merge their blocking behaviours.
    fn raise(&mut self, other: BehaviourVerdict) {
        match (&mut *self, other) {
            (
                BehaviourVerdict::NotDecided { blocked_by },
                BehaviourVerdict::NotDecided { blocked_by: more },
            ) => {
                for id in more {
                    if !blocked_by.contains(&id) {
                        blocked_by.push(id);
                    }
                }
            }
            (current, other) if other.rank() > current.rank() => *current = other,
            _ => {}
        }
    }
}

/// The verdict per behaviour ID, from the findings attributed to it: every ID a case names or a
/// finding is attributed to appears. A skipped case's IDs are Skipped unless something else ran.
pub fn per_behaviour<'a>(
    outcomes: impl IntoIterator<Item = &'a CaseOutcome>,
) -> BTreeMap<String, BehaviourVerdict> {
    let mut map: BTreeMap<String, BehaviourVerdict> = BTreeMap::new();
    let mut raise = |id: &str, verdict: BehaviourVerdict| match map.get_mut(id) {
        Some(current) => current.raise(verdict),
        None => {
            map.insert(id.to_owned(), verdict);
        }
    };
    for outcome in outcomes {
        if let Verdict::Skipped(reason) = &outcome.verdict {
            for id in &outcome.behaviours {
                raise(
                    id,
                    BehaviourVerdict::Skipped {
                        reason: reason.clone(),
                    },
                );
            }
            continue;
        }
        for id in &outcome.behaviours {
            raise(id, BehaviourVerdict::Pass);
        }
        for step in &outcome.steps {
            for finding in &step.findings {
                let verdict = match finding.kind {
                    FindingKind::Fail => BehaviourVerdict::Fail,
                    FindingKind::Error => BehaviourVerdict::Error,
                    FindingKind::Note => continue,
                };
                for id in &finding.behaviours {
                    raise(id, verdict.clone());
                }
            }
            let own = match (&step.verdict, &step.error) {
                (Verdict::Skipped(_), _) => BehaviourVerdict::NotDecided {
                    blocked_by: step.blocked_by.clone(),
                },
                (_, Some(_)) => BehaviourVerdict::Error,
                _ => continue,
            };
            for id in &step.behaviours {
                raise(id, own.clone());
            }
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    fn big_step(failing: bool) -> StepOutcome {
        let location = Location::new(
            &std::sync::Arc::from("c.yaml"),
            crate::source::Pos { line: 1, col: 1 },
        );
        let mut step = StepOutcome::new("s".to_owned(), location.clone(), Vec::new());
        let body = format!("[{}0]", "0,".repeat(5_000));
        step.exchange = Some(Exchange {
            request: crate::exchange::SentRequest {
                method: "GET".to_owned(),
                url: "http://127.0.0.1:1/Appointment".to_owned(),
                headers: Vec::new(),
                body: None,
            },
            response: Some(crate::exchange::Received {
                status: 200,
                headers: Vec::new(),
                json: serde_json::from_str(&body).ok(),
                body,
                elapsed_ms: 0,
                truncated: None,
            }),
            error: None,
        });
        step.walk = step.exchange.clone().into_iter().collect();
        if failing {
            step.findings
                .push(Finding::fail("status", location, "", "201", "200"));
        }
        step.decide().slim_if_passed()
    }

    #[test]
    fn a_passing_step_keeps_the_start_of_its_bodies_and_a_failing_one_all_of_them() {
        let passed = big_step(false);
        for exchange in passed.exchange.iter().chain(&passed.walk) {
            let response = exchange.response.as_ref().expect("response");
            assert_eq!(response.body.len(), PASSING_BODY_CAP);
            assert_eq!(response.truncated.as_ref().map(|t| t.bytes), Some(10_003));
            assert!(response.json.is_none());
        }
        let failed = big_step(true);
        for exchange in failed.exchange.iter().chain(&failed.walk) {
            let response = exchange.response.as_ref().expect("response");
            assert_eq!(response.body.len(), 10_003);
            assert!(response.truncated.is_none() && response.json.is_some());
        }
    }

    #[test]
    fn worst_verdict_wins() {
        assert!(Verdict::Error.rank() > Verdict::Fail.rank());
        assert!(Verdict::Fail.rank() > Verdict::Pass.rank());
        assert!(Verdict::Pass.rank() > Verdict::Skipped(String::new()).rank());
    }
}
