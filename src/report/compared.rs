//! The comparison as data (`report.json`'s `comparison`): behaviours × targets with each verdict
//! and, where targets disagree, each one's side of the steps that judged it. Below the report
//! model, which carries it; `report::comparison` builds it.

use serde::{Deserialize, Serialize};

use crate::edition::Edition;
use crate::outcome::{RunVerdict, Tally};
use crate::report::verdict_word::VerdictWord;
use crate::requirements::{Level, Rule};

/// Behaviours × targets (`report.json`'s `comparison`; absent from a run of one target).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Comparison {
    /// The targets in the order they were given, each with its own run's verdict.
    pub targets: Vec<ComparedTarget>,
    /// Every behaviour of the editions the targets speak, in catalogue order (oldest edition first).
    pub behaviours: Vec<ComparedBehaviour>,
    /// How many behaviours the targets disagree on (of those compared).
    pub differing: usize,
    /// How many behaviours only one target judged (the others ran another edition's catalogue):
    /// not compared, so counted neither as differing nor as agreeing.
    #[serde(default)]
    pub not_comparable: usize,
}

impl Comparison {
    /// Behaviours judged on two targets or more: the only ones compared.
    pub fn compared(&self) -> usize {
        self.behaviours.len() - self.not_comparable
    }

    /// One sentence: how many behaviours differ, agree, or could not be compared, and why not.
    /// Never counts a behaviour as agreeing that only one target judged.
    pub fn headline(&self) -> String {
        let targets = self.targets.len();
        let compared = self.compared();
        let apart = if self.not_comparable == 0 {
            String::new()
        } else {
            format!(
                "; {} judged on one target only, not compared (the targets ran different editions' catalogues)",
                self.not_comparable
            )
        };
        if compared == 0 {
            return format!(
                "nothing compared: each of the {} behaviour(s) was judged on one of the {targets} targets only (the targets ran different editions' catalogues)",
                self.behaviours.len()
            );
        }
        format!(
            "{compared} behaviour(s) compared across {targets} targets: {} differ, {} agree{apart}",
            self.differing,
            compared - self.differing
        )
    }
}

/// One target of a comparison and how its own run went.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ComparedTarget {
    pub label: String,
    pub base_url: String,
    pub profile: String,
    /// The editions its run judged (its profile's, or `run --edition`).
    pub editions: Vec<Edition>,
    pub run_id: String,
    pub cases: Tally,
    pub behaviours: Tally,
    pub verdict: RunVerdict,
}

/// One behaviour judged on every target that speaks its edition.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ComparedBehaviour {
    pub id: String,
    pub edition: Edition,
    pub area: String,
    pub level: Level,
    pub rule: Rule,
    pub statement: String,
    /// One per target, in the targets' order; `null` where the target speaks another edition.
    pub verdicts: Vec<Option<ComparedVerdict>>,
    /// Two targets or more judged it (speak its edition); a behaviour only one target judged is
    /// not compared, and neither differs nor agrees.
    #[serde(default = "compared_by_default")]
    pub compared: bool,
    /// Two targets that judged it gave different verdicts.
    pub differs: bool,
    /// Only when it differs (else empty): the steps whose judgement of it differs, side by side.
    #[serde(default)]
    pub evidence: Vec<ComparedStep>,
}

/// A behaviour's verdict on one target.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ComparedVerdict {
    pub verdict: VerdictWord,
    /// Why it was skipped or not decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One step of a case, as each target went through it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ComparedStep {
    pub case: String,
    pub step: String,
    /// One per target, in the targets' order; `null` where the case is not in its run.
    pub sides: Vec<Option<StepSide>>,
}

/// What one target did in one step, for one behaviour.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct StepSide {
    /// The step's verdict (the case's when the step never ran: a skipped case).
    pub verdict: VerdictWord,
    /// The HTTP status the target answered, if it answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The failing or erroring findings attributed to the behaviour (`file:line:col: …`), and the
    /// step's error.
    pub findings: Vec<String>,
    /// Why the step (or the case) did not run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl StepSide {
    /// One line: `fail (201): <finding>`, `pass (409)`, `skipped: <reason>`.
    pub fn one_line(&self) -> String {
        let mut line = self.verdict.as_str().to_owned();
        if let Some(status) = self.status {
            line.push_str(&format!(" ({status})"));
        }
        if let Some(first) = self.findings.first() {
            line.push_str(": ");
            line.push_str(first);
            if self.findings.len() > 1 {
                line.push_str(&format!(" (+{} more)", self.findings.len() - 1));
            }
        } else if let Some(reason) = &self.reason {
            line.push_str(": ");
            line.push_str(reason);
        }
        line
    }
}

/// Reports written before `compared` existed compared every row they listed.
fn compared_by_default() -> bool {
    true
}
