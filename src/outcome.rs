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

#[serde_with::skip_serializing_none]
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
    pub error: Option<String>,
    /// When the set-up, not the target, kept it from being judged (a fixture of the profile the
    /// target refused): that cause, in one sentence with the fix. The step is an Error, and the
    /// behaviours it checks are not decided (never failed).
    pub setup: Option<String>,
    pub findings: Vec<Finding>,
    pub exchange: Option<Exchange>,
    /// Pages fetched by a search walk.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub walk: Vec<Exchange>,
    /// The snapshot comparison of this step's response, when the step asks for one.
    pub snapshot: Option<SnapshotOutcome>,
}

/// What the snapshot check found: observed behaviour compared with the stored `.snap` file.
/// Drift is reported apart from conformance failures ("observed behaviour changed", not
/// "documented behaviour broken") and does not change the step's verdict.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Serialize)]
pub struct SnapshotOutcome {
    /// `<case>__<step>` (the `.snap` file's stem).
    pub name: String,
    /// The `.snap` file, relative to the project.
    pub path: String,
    pub status: SnapshotStatus,
    /// A unified diff (stored → observed) when the snapshot drifted.
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
            setup: None,
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

    /// Why the step could not be decided: its error, else its first error finding's words.
    pub fn why_undecided(&self) -> Option<&str> {
        self.error.as_deref().or_else(|| {
            self.findings
                .iter()
                .find(|f| f.kind == FindingKind::Error)
                .map(|f| f.actual.as_str())
        })
    }

    /// Not judged because of the set-up: an Error whose cause is `cause` (see [`StepOutcome::setup`]).
    pub fn set_up_fault(mut self, cause: String) -> StepOutcome {
        self.error = Some(cause.clone());
        self.setup = Some(cause);
        self.verdict = Verdict::Error;
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

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Serialize)]
pub struct CaseOutcome {
    pub name: String,
    /// The edition whose suite the case belongs to (its behaviour IDs are that catalogue's).
    pub edition: Edition,
    pub location: Location,
    pub behaviours: Vec<String>,
    /// The label of the target it ran against, if it ran.
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

    /// The set-up cause that kept this case from being judged: set when it erred and every step
    /// that erred did so for the set-up (see [`StepOutcome::setup`]), with the first such cause.
    pub fn setup_cause(&self) -> Option<&str> {
        if self.verdict != Verdict::Error {
            return None;
        }
        let erring: Vec<&StepOutcome> = self
            .steps
            .iter()
            .filter(|s| s.verdict == Verdict::Error)
            .collect();
        if erring.is_empty() || erring.iter().any(|s| s.setup.is_none()) {
            return None;
        }
        erring.first().and_then(|s| s.setup.as_deref())
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
/// interruption, the set-up) and read by the exit code, the console summary and every report.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct RunVerdict {
    /// Every judged case passed, cleanup and snapshots were fine, and the set-up kept nothing from
    /// being judged.
    pub passed: bool,
    /// Why it did not pass, one short sentence each (empty when it passed).
    pub reasons: Vec<String>,
    /// The set-up cause the run headlines first and last, with its fix: why nothing was judged
    /// ([`RunVerdict::not_judged`]), why cases were not judged (a fixture the target refused), or
    /// what makes the verdicts suspect (the target speaks another edition than the one judged).
    pub cause: Option<String>,
    /// Nothing was judged: the preflight found that the target cannot be used (unreachable, not
    /// a FHIR Appointment endpoint, credentials refused). Exit 2.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_judged: bool,
    /// Cases the set-up kept from being judged (Errors whose cause is the profile, not the target).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub setup_cases: usize,
    /// How much a run that left behaviours unjudged judged: `17 of 76 behaviours judged; 59
    /// case(s) skipped: allow_writes is false` (see [`partial_of`]). `None` when nothing was left.
    pub partial: Option<String>,
    /// The run was told to judge everything (`--require-all`, or `require_all: true` in the
    /// profile): a partial run does not pass.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub require_all: bool,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// What [`RunVerdict::decide`] weighs.
#[derive(Clone, Debug, Default)]
pub struct RunFacts {
    pub cases: Tally,
    /// Of the errored cases, those whose every error was the set-up's (a refused fixture).
    pub setup_cases: usize,
    /// Appointments the run created and could not cancel.
    pub cleanup_problems: usize,
    /// Snapshots that drifted from the target's own baseline.
    pub drifted: usize,
    /// `run --allow-drift`: drift is reported, not failed.
    pub allow_drift: bool,
    /// Ctrl-C stopped the run before every case ran.
    pub interrupted: bool,
    /// The set-up cause found before or during the run (see [`RunVerdict::cause`]).
    pub cause: Option<String>,
    /// See [`RunVerdict::partial`].
    pub partial: Option<String>,
    /// See [`RunVerdict::require_all`].
    pub require_all: bool,
}

impl RunVerdict {
    pub fn decide(facts: RunFacts) -> RunVerdict {
        let mut reasons = Vec::new();
        if facts.cases.failed > 0 {
            reasons.push(format!("{} case(s) failed", facts.cases.failed));
        }
        let harness_errors = facts.cases.errored.saturating_sub(facts.setup_cases);
        if harness_errors > 0 {
            reasons.push(format!("{harness_errors} case(s) could not be decided"));
        }
        if facts.setup_cases > 0 {
            reasons.push(format!(
                "{} case(s) not judged: the set-up kept them from running (see the cause)",
                facts.setup_cases
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
        if facts.require_all
            && let Some(partial) = &facts.partial
        {
            reasons.push(format!("partial ({partial}) under --require-all"));
        }
        RunVerdict {
            passed: reasons.is_empty(),
            reasons,
            cause: facts.cause,
            not_judged: false,
            setup_cases: facts.setup_cases,
            partial: facts.partial,
            require_all: facts.require_all,
        }
    }

    /// Nothing was judged: the preflight found the target unusable for `cause` (with its fix).
    pub fn not_judged(cause: String) -> RunVerdict {
        RunVerdict {
            passed: false,
            reasons: vec!["nothing was judged: the set-up stopped the run".to_owned()],
            cause: Some(cause),
            not_judged: true,
            ..RunVerdict::default()
        }
    }

    /// Whether the set-up, and nothing the target did, stands between this run and a pass: the
    /// run stopped before judging, or its only problems are set-up Errors (exit 2, not 1).
    pub fn set_up_only(&self) -> bool {
        if self.not_judged {
            return true;
        }
        self.setup_cases > 0 && self.reasons.len() == 1
    }

    /// The verdict in a word or two: `passed`, `failed`, `not judged` (the set-up stopped the run)
    /// or `set-up problem` (the set-up kept cases from being judged, and nothing else failed).
    pub fn word(&self) -> &'static str {
        if self.not_judged {
            "not judged"
        } else if self.passed {
            "passed"
        } else if self.set_up_only() {
            "set-up problem"
        } else {
            "failed"
        }
    }

    /// `passed`, `passed (partial: …)`, `failed: reason; reason`, or `not judged: cause`.
    pub fn headline(&self) -> String {
        if self.not_judged {
            return format!(
                "not judged: {}",
                self.cause
                    .as_deref()
                    .unwrap_or("the set-up stopped the run")
            );
        }
        if self.passed {
            match &self.partial {
                Some(partial) => format!("passed (partial: {partial})"),
                None => "passed".to_owned(),
            }
        } else if self.set_up_only() {
            format!("set-up problem: {}", self.reasons.join("; "))
        } else {
            let mut text = format!("failed: {}", self.reasons.join("; "));
            if let Some(partial) = self.partial.as_ref().filter(|_| !self.require_all) {
                text.push_str(&format!(" (partial: {partial})"));
            }
            text
        }
    }

    /// The process exit code it asks for: 0 passed, 1 the target failed (or a partial run under
    /// `--require-all`), 2 the set-up kept the run from judging (nothing, or some cases).
    pub fn exit_code(&self) -> u8 {
        if self.passed {
            0
        } else if self.set_up_only() {
            2
        } else {
            1
        }
    }
}

/// How much of the selected suite a run judged, when it skipped cases: `17 of 76 behaviours
/// judged; 59 cases skipped: allow_writes is false` (the two commonest skip reasons, then
/// `…`). `None` when no case was skipped and the set-up kept none from being judged.
pub fn partial_of(outcomes: &[CaseOutcome]) -> Option<String> {
    let skipped: Vec<&str> = outcomes
        .iter()
        .filter_map(|o| match &o.verdict {
            Verdict::Skipped(reason) => Some(reason.as_str()),
            _ => None,
        })
        .collect();
    let setup = outcomes
        .iter()
        .filter(|o| o.setup_cause().is_some())
        .count();
    let behaviours = per_behaviour(outcomes);
    let judged = behaviours
        .values()
        .filter(|v| {
            matches!(
                v,
                BehaviourVerdict::Pass | BehaviourVerdict::Fail | BehaviourVerdict::Error
            )
        })
        .count();
    partial_text(judged, behaviours.len(), &skipped, setup)
}

/// The words of [`partial_of`] from counts: `judged` of `total` behaviours, the skip reasons of
/// the skipped cases (one entry per case), and the cases the set-up kept from being judged.
pub fn partial_text(judged: usize, total: usize, skipped: &[&str], setup: usize) -> Option<String> {
    // Skipped cases whose behaviours other cases judged leave nothing unjudged.
    if judged >= total && setup == 0 {
        return None;
    }
    let mut text = format!("{judged} of {total} behaviours judged");
    if !skipped.is_empty() {
        let mut by_reason: BTreeMap<&str, usize> = BTreeMap::new();
        for reason in skipped {
            *by_reason.entry(reason).or_default() += 1;
        }
        let mut reasons: Vec<(&str, usize)> = by_reason.into_iter().collect();
        reasons.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let shown: Vec<String> = reasons
            .iter()
            .take(2)
            .map(|(reason, n)| {
                if reasons.len() == 1 {
                    (*reason).to_owned()
                } else {
                    format!("{n} {reason}")
                }
            })
            .collect();
        text.push_str(&format!(
            "; {} case(s) skipped: {}{}",
            skipped.len(),
            shown.join(", "),
            if reasons.len() > 2 { ", …" } else { "" }
        ));
    }
    if setup > 0 {
        text.push_str(&format!("; {setup} case(s) not judged for the set-up"));
    }
    Some(text)
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
    /// Some of its checks could not run, because an earlier step failed for these behaviours
    /// (`blocked_by`), or because the set-up kept them from being judged (`setup`: the causes).
    NotDecided {
        blocked_by: Vec<String>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        setup: Vec<String>,
    },
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
                BehaviourVerdict::NotDecided { blocked_by, setup },
                BehaviourVerdict::NotDecided {
                    blocked_by: more,
                    setup: more_setup,
                },
            ) => {
                for id in more {
                    if !blocked_by.contains(&id) {
                        blocked_by.push(id);
                    }
                }
                for cause in more_setup {
                    if !setup.contains(&cause) {
                        setup.push(cause);
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
            // The set-up kept this step from being judged: its findings say nothing of the target.
            if let Some(cause) = &step.setup {
                for id in &step.behaviours {
                    raise(
                        id,
                        BehaviourVerdict::NotDecided {
                            blocked_by: Vec::new(),
                            setup: vec![cause.clone()],
                        },
                    );
                }
                continue;
            }
            for finding in &step.findings {
                let verdict = match finding.kind {
                    FindingKind::Fail => BehaviourVerdict::Fail,
                    FindingKind::Error => BehaviourVerdict::Error,
                    FindingKind::NotDecided => BehaviourVerdict::NotDecided {
                        blocked_by: finding.blocked_by.clone(),
                        setup: Vec::new(),
                    },
                    FindingKind::Note => continue,
                };
                for id in &finding.behaviours {
                    raise(id, verdict.clone());
                }
            }
            let own = match (&step.verdict, &step.error) {
                (Verdict::Skipped(_), _) => BehaviourVerdict::NotDecided {
                    blocked_by: step.blocked_by.clone(),
                    setup: Vec::new(),
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
