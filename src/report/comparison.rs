//! Many targets, one report: the per-target reports of one `run` with several `--target`/`--profile`
//! joined into one [`Report`] whose `comparison` holds behaviours × targets with each verdict and,
//! where the targets disagree on a behaviour, each target's side of the steps that judged it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::edition::Edition;
use crate::outcome::{RunVerdict, Tally};
use crate::report::merge::combine;
use crate::report::model::{
    CaseReport, CleanupReport, EditionRef, Report, StepReport, TargetInfo, Totals, VerdictWord,
};
use crate::requirements::{Level, Rule};

/// Behaviours × targets (`report.json`'s `comparison`; absent from a run of one target).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Comparison {
    /// The targets in the order they were given, each with its own run's verdict.
    pub targets: Vec<ComparedTarget>,
    /// Every behaviour of the editions the targets speak, in catalogue order (oldest edition first).
    pub behaviours: Vec<ComparedBehaviour>,
    /// How many behaviours the targets disagree on.
    pub differing: usize,
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

/// Labels made unique: a label given twice gets ` #2`, ` #3`… (the same server named twice).
pub fn unique_labels(labels: &[String]) -> Vec<String> {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    labels
        .iter()
        .map(|label| {
            let n = seen.entry(label.as_str()).or_insert(0);
            *n += 1;
            if *n == 1 {
                label.clone()
            } else {
                format!("{label} #{n}")
            }
        })
        .collect()
}

/// Joins the reports of one run per target (each built by [`Report::build`] from its own run,
/// labels already unique) into one report: every case (with its target), each behaviour's worst
/// verdict over the targets, every cleanup and snapshot entry, one verdict (failed when any target
/// failed, each reason naming its target), and the [`Comparison`].
///
/// `None` when there is no report to join.
pub fn compare(reports: Vec<Report>) -> Option<Report> {
    let comparison = comparison(&reports);
    let mut reports = reports.into_iter();
    let mut joined = reports.next()?;
    label_cases(&mut joined);
    let mut reasons = target_reasons(&joined);
    for mut report in reports {
        label_cases(&mut report);
        reasons.extend(target_reasons(&report));
        joined.run_id = format!("{}+{}", joined.run_id, report.run_id);
        joined.duration_ms += report.duration_ms;
        joined.started_at = joined.started_at.min(report.started_at);
        for edition in report.editions {
            if !joined.editions.contains(&edition) {
                joined.editions.push(edition);
            }
        }
        joined.targets.extend(report.targets);
        joined.cases.extend(report.cases);
        for theirs in report.behaviours {
            match joined
                .behaviours
                .iter_mut()
                .find(|b| b.id == theirs.id && b.edition == theirs.edition)
            {
                Some(mine) => combine(mine, theirs),
                None => joined.behaviours.push(theirs),
            }
        }
        for theirs in report.contradictions {
            if !joined
                .contradictions
                .iter()
                .any(|c| c.id == theirs.id && c.edition == theirs.edition)
            {
                joined.contradictions.push(theirs);
            }
        }
        joined.cleanup.entries.extend(report.cleanup.entries);
        joined.snapshot_drift.extend(report.snapshot_drift);
        joined.snapshot_new.extend(report.snapshot_new);
        joined
            .reference_differences
            .extend(report.reference_differences);
        joined.interrupted |= report.interrupted;
    }
    joined.editions.sort_by_key(|e: &EditionRef| e.edition);
    joined.behaviours.sort_by_key(|b| b.edition);
    joined.cleanup = CleanupReport {
        created: joined.cleanup.entries.len(),
        cancelled: joined
            .cleanup
            .entries
            .iter()
            .filter(|e| e.cancelled)
            .count(),
        entries: std::mem::take(&mut joined.cleanup.entries),
    };
    joined.verdict = RunVerdict {
        passed: reasons.is_empty(),
        reasons,
    };
    joined.totals = Totals::of(&joined);
    joined.comparison = Some(comparison);
    Some(joined)
}

/// Every case of a one-target report names that target (a case the plan skipped has none yet).
fn label_cases(report: &mut Report) {
    let Some(label) = report.targets.first().map(|t| t.label.clone()) else {
        return;
    };
    for case in &mut report.cases {
        case.target = Some(label.clone());
    }
    for case in report
        .behaviours
        .iter_mut()
        .flat_map(|b| b.cases.iter_mut())
    {
        case.target = Some(label.clone());
    }
    for evidence in report
        .behaviours
        .iter_mut()
        .flat_map(|b| b.evidence.iter_mut().chain(b.notes.iter_mut()))
    {
        evidence.target = Some(label.clone());
    }
}

/// A target's failure reasons, each naming the target.
fn target_reasons(report: &Report) -> Vec<String> {
    let label = report.targets.first().map_or("?", |t| t.label.as_str());
    report
        .verdict
        .reasons
        .iter()
        .map(|reason| format!("{label}: {reason}"))
        .collect()
}

/// Behaviours × targets from the per-target reports.
fn comparison(reports: &[Report]) -> Comparison {
    let targets: Vec<ComparedTarget> = reports
        .iter()
        .map(|r| {
            let info = r.targets.first().cloned().unwrap_or(TargetInfo {
                label: String::new(),
                base_url: String::new(),
                profile: String::new(),
            });
            ComparedTarget {
                label: info.label,
                base_url: info.base_url,
                profile: info.profile,
                editions: r.editions.iter().map(|e| e.edition).collect(),
                run_id: r.run_id.clone(),
                cases: r.totals.cases,
                behaviours: r.totals.behaviours,
                verdict: r.verdict.clone(),
            }
        })
        .collect();
    let mut behaviours: Vec<ComparedBehaviour> = Vec::new();
    for report in reports {
        for b in &report.behaviours {
            if behaviours
                .iter()
                .any(|c| c.id == b.id && c.edition == b.edition)
            {
                continue;
            }
            let verdicts: Vec<Option<ComparedVerdict>> = reports
                .iter()
                .map(|r| {
                    r.behaviours
                        .iter()
                        .find(|o| o.id == b.id && o.edition == b.edition)
                        .map(|o| ComparedVerdict {
                            verdict: o.verdict,
                            reason: o.reason.clone(),
                        })
                })
                .collect();
            let mut judged = verdicts.iter().flatten().map(|v| v.verdict);
            let first = judged.next();
            let differs = judged.any(|v| Some(v) != first);
            let evidence = if differs {
                side_by_side(&b.id, b.edition, reports)
            } else {
                Vec::new()
            };
            behaviours.push(ComparedBehaviour {
                id: b.id.clone(),
                edition: b.edition,
                area: b.area.clone(),
                level: b.level,
                rule: b.rule,
                statement: b.statement.clone(),
                verdicts,
                differs,
                evidence,
            });
        }
    }
    behaviours.sort_by_key(|b| b.edition);
    Comparison {
        differing: behaviours.iter().filter(|b| b.differs).count(),
        targets,
        behaviours,
    }
}

/// The steps of the cases checking `id` (naming it, or with a finding attributed to it) whose judgement of it differs between the targets: whether
/// the step ran, and the failing findings and errors attributed to `id` (their check and subject,
/// not their values, which name per-run ids). When no step differs so (every side failed in the
/// same place, but for different verdicts), the steps whose verdicts differ.
fn side_by_side(id: &str, edition: Edition, reports: &[Report]) -> Vec<ComparedStep> {
    let mut case_names: Vec<&str> = Vec::new();
    for report in reports {
        for case in report.cases.iter().filter(|c| c.edition == edition) {
            let checks = case.behaviours.iter().any(|b| b == id)
                || case.steps.iter().any(|step| judges(step, id));
            if checks && !case_names.contains(&case.name.as_str()) {
                case_names.push(&case.name);
            }
        }
    }
    let mut by_judgement = Vec::new();
    let mut by_verdict = Vec::new();
    for name in case_names {
        let cases: Vec<Option<&CaseReport>> = reports
            .iter()
            .map(|r| {
                r.cases
                    .iter()
                    .find(|c| c.name == name && c.edition == edition)
            })
            .collect();
        let mut steps: Vec<&str> = Vec::new();
        for case in cases.iter().flatten() {
            for step in &case.steps {
                if judges(step, id) && !steps.contains(&step.name.as_str()) {
                    steps.push(&step.name);
                }
            }
        }
        if steps.is_empty() {
            // No side ran it: the case itself is the evidence (skipped on one, … on another).
            steps.push("");
        }
        for step in steps {
            let judged: Vec<Option<(StepSide, Judgement)>> = cases
                .iter()
                .map(|case| case.map(|c| side(c, step, id)))
                .collect();
            let keys: Vec<&Judgement> = judged.iter().flatten().map(|(_, key)| key).collect();
            let key_differs = keys.windows(2).any(|w| w[0] != w[1]);
            let sides: Vec<Option<StepSide>> = judged
                .into_iter()
                .map(|j| j.map(|(side, _)| side))
                .collect();
            let verdicts: Vec<_> = sides.iter().flatten().map(|s| s.verdict).collect();
            let compared = ComparedStep {
                case: name.to_owned(),
                step: step.to_owned(),
                sides,
            };
            if key_differs {
                by_judgement.push(compared);
            } else if verdicts.windows(2).any(|w| w[0] != w[1]) {
                by_verdict.push(compared);
            }
        }
    }
    if by_judgement.is_empty() {
        by_verdict
    } else {
        by_judgement
    }
}

/// Whether a step judges `id`: it names it, or a finding of it is attributed to it.
fn judges(step: &StepReport, id: &str) -> bool {
    step.behaviours.iter().any(|b| b == id)
        || step
            .findings
            .iter()
            .any(|f| f.behaviours.iter().any(|b| b == id))
}

/// What a side says about a behaviour, without per-run values: whether the step ran, and the
/// check and subject of each failing finding and whether the step errored.
type Judgement = (bool, Vec<(String, String, String)>, bool);

/// One target's side of a step (`step` empty, or absent from the case: the case's own verdict),
/// and its [`Judgement`].
fn side(case: &CaseReport, step: &str, id: &str) -> (StepSide, Judgement) {
    let Some(report) = case.steps.iter().find(|s| s.name == step) else {
        let side = StepSide {
            verdict: case.verdict,
            status: None,
            findings: Vec::new(),
            reason: case.reason.clone(),
        };
        return (side, (false, Vec::new(), false));
    };
    let against: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.kind != "note" && f.behaviours.iter().any(|b| b == id))
        .collect();
    let mut findings: Vec<String> = against.iter().map(|f| f.one_line()).collect();
    if let Some(error) = &report.error {
        findings.push(format!("{}: {error}", report.location.display));
    }
    let ran = !matches!(
        report.verdict,
        VerdictWord::Skipped | VerdictWord::NotDecided
    );
    let key = (
        ran,
        against
            .iter()
            .map(|f| (f.kind.clone(), f.check.clone(), f.subject.clone()))
            .collect(),
        report.error.is_some(),
    );
    let side = StepSide {
        verdict: report.verdict,
        status: report
            .exchange
            .as_ref()
            .and_then(|e| e.response.as_ref())
            .map(|r| r.status),
        findings,
        reason: report.reason.clone(),
    };
    (side, key)
}
