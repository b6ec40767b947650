//! Many targets, one report: the per-target reports of one `run` with several `--target`/`--profile`
//! joined into one [`Report`] whose `comparison` holds behaviours × targets with each verdict and,
//! where the targets disagree on a behaviour, each target's side of the steps that judged it.

use std::collections::BTreeMap;

use crate::edition::Edition;
use crate::outcome::RunVerdict;
pub use crate::report::compared::{
    ComparedBehaviour, ComparedStep, ComparedTarget, ComparedVerdict, Comparison, StepSide,
};
use crate::report::model::{
    CaseReport, EditionRef, Report, StepReport, TargetInfo, Totals, VerdictWord,
};

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
        joined.append_aftermath(&mut report);
        joined.run_id = format!("{}+{}", joined.run_id, report.run_id);
        joined.duration_ms += report.duration_ms;
        joined.traffic = joined.traffic.plus(report.traffic);
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
                Some(mine) => mine.combine(theirs),
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
    }
    joined.editions.sort_by_key(|e: &EditionRef| e.edition);
    joined.behaviours.sort_by_key(|b| b.edition);
    joined.cleanup.recount();
    joined.verdict = RunVerdict {
        passed: reasons.is_empty(),
        reasons,
        ..RunVerdict::default()
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
            let compared = verdicts.iter().flatten().count() >= 2;
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
                compared,
                differs,
                evidence,
            });
        }
    }
    behaviours.sort_by_key(|b| b.edition);
    Comparison {
        differing: behaviours.iter().filter(|b| b.differs).count(),
        not_comparable: behaviours.iter().filter(|b| !b.compared).count(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{RunFacts, Verdict};
    use crate::report::model::tests::{report_on, run};

    /// The fixed run on a target `label`; `fixed`: the failing step of `read/b` passes there, and
    /// nothing is left uncancelled or drifted, so that target's run passes.
    fn on(label: &str, fixed: bool) -> Report {
        let mut run = run();
        if fixed {
            let case = &mut run.outcomes[1];
            case.verdict = Verdict::Pass;
            case.steps[0].verdict = Verdict::Pass;
            case.steps[0].findings.clear();
            if let Some(exchange) = &mut case.steps[0].exchange
                && let Some(response) = &mut exchange.response
            {
                response.status = 201;
            }
            run.outcomes[0].steps[0].snapshot = None;
            run.cleanup.retain(|t| t.problem.is_none());
            run.verdict = RunVerdict::decide(RunFacts::default());
        }
        for outcome in &mut run.outcomes {
            outcome.target = outcome.target.as_ref().map(|_| label.to_owned());
        }
        report_on(&run, label, &format!("http://{label}"))
    }

    #[test]
    fn targets_that_disagree_show_the_differing_behaviours_side_by_side() {
        let joined = compare(vec![on("good", true), on("bad", false)]).expect("two reports");
        let comparison = joined.comparison.as_ref().expect("a comparison");
        let differing: Vec<&str> = comparison
            .behaviours
            .iter()
            .filter(|b| b.differs)
            .map(|b| b.id.as_str())
            .collect();
        assert_eq!(differing, ["A-1", "B-2"]);
        assert_eq!(comparison.differing, 2);
        let a = &comparison.behaviours[0];
        let verdicts: Vec<VerdictWord> = a.verdicts.iter().flatten().map(|v| v.verdict).collect();
        assert_eq!(verdicts, [VerdictWord::Pass, VerdictWord::Fail]);
        // Only the step that judged it differently: read/b's, not read/a's (it passed on both).
        assert_eq!(a.evidence.len(), 1, "{:?}", a.evidence);
        let step = &a.evidence[0];
        assert_eq!(
            (step.case.as_str(), step.step.as_str()),
            ("read/b", "status <maps>")
        );
        let [Some(good), Some(bad)] = step.sides.as_slice() else {
            panic!("two sides: {:?}", step.sides);
        };
        assert_eq!((good.verdict, good.status), (VerdictWord::Pass, Some(201)));
        assert!(good.findings.is_empty());
        assert_eq!((bad.verdict, bad.status), (VerdictWord::Fail, Some(200)));
        assert!(bad.findings[0].starts_with("cases/read/b.yaml:12:7: json $.status"));
        // C-3 was skipped on both: the same verdict, no difference.
        assert!(!comparison.behaviours[2].differs);
        assert!(comparison.behaviours[2].evidence.is_empty());
        // One verdict: failed, because of the bad target only, each reason naming it.
        assert!(!joined.verdict.passed);
        assert!(
            joined
                .verdict
                .reasons
                .iter()
                .all(|r| r.starts_with("bad: ")),
            "{:?}",
            joined.verdict.reasons
        );
        assert_eq!(joined.cases.len(), 6);
        assert_eq!(joined.totals.cases.failed, 1);
        // Each behaviour's worst verdict over the targets, its evidence naming the target.
        assert_eq!(joined.behaviours[0].verdict, VerdictWord::Fail);
        assert_eq!(
            joined.behaviours[0].evidence[0].target.as_deref(),
            Some("bad")
        );
        assert!(joined.cases.iter().all(|c| c.target.is_some()));
    }

    #[test]
    fn the_same_answers_twice_differ_nowhere_and_pass_together() {
        let joined = compare(vec![on("one", true), on("two", true)]).expect("two reports");
        let comparison = joined.comparison.as_ref().expect("a comparison");
        assert_eq!(comparison.differing, 0);
        assert!(comparison.behaviours.iter().all(|b| b.evidence.is_empty()));
        assert!(joined.verdict.passed, "{:?}", joined.verdict);
        assert_eq!(comparison.targets.len(), 2);
    }

    /// The fixed run on `label`, as if its target spoke the current edition (its own catalogue).
    fn on_current(label: &str) -> Report {
        let mut report = on(label, true);
        for edition in &mut report.editions {
            edition.edition = Edition::Current;
        }
        for behaviour in &mut report.behaviours {
            behaviour.edition = Edition::Current;
        }
        for case in &mut report.cases {
            case.edition = Edition::Current;
        }
        report
    }

    #[test]
    fn targets_of_different_editions_compare_nothing_and_say_so_everywhere() {
        let joined = compare(vec![on("old", false), on_current("new")]).expect("two reports");
        let comparison = joined.comparison.as_ref().expect("a comparison");
        assert_eq!(comparison.behaviours.len(), 6);
        assert!(
            comparison
                .behaviours
                .iter()
                .all(|b| !b.compared && !b.differs)
        );
        assert_eq!((comparison.differing, comparison.not_comparable), (0, 6));
        assert_eq!(comparison.compared(), 0);
        let headline = comparison.headline();
        assert!(headline.starts_with("nothing compared"), "{headline}");
        assert!(!headline.contains("0 differ"), "{headline}");
        let console = crate::report::console::comparison(comparison);
        assert!(
            console.contains("comparison: nothing compared"),
            "{console}"
        );
        assert!(!console.contains("0 differ"), "{console}");
        assert_eq!(console.lines().filter(|l| l.starts_with("--")).count(), 6);
        let markdown = crate::report::markdown::render(&joined);
        assert!(
            markdown.contains("**Compared: nothing compared"),
            "{markdown}"
        );
        assert!(!markdown.contains("0 of 6"), "{markdown}");
        let html = crate::report::html::render(&joined).expect("html");
        assert!(html.contains("Nothing was compared"), "{html}");
        assert!(!html.contains("0 of 6"), "{html}");
        let json = crate::report::json::render(&joined).expect("json");
        assert!(json.contains("\"not_comparable\": 6"), "{json}");
    }

    #[test]
    fn rows_one_target_judged_are_counted_apart_from_those_that_agree() {
        let mut old = on("old", true);
        let mut current = on_current("new");
        // Both also ran the 2023-09 suite: its rows are compared, the current ones are not.
        current.behaviours.extend(old.behaviours.clone());
        current.editions.extend(old.editions.clone());
        old.cases.clear();
        let joined = compare(vec![old, current]).expect("two reports");
        let comparison = joined.comparison.as_ref().expect("a comparison");
        assert_eq!((comparison.compared(), comparison.not_comparable), (3, 3));
        assert_eq!(
            comparison.headline(),
            "3 behaviour(s) compared across 2 targets: 0 differ, 3 agree; 3 judged on one target only, not compared (the targets ran different editions' catalogues)"
        );
    }

    #[test]
    fn a_label_given_twice_is_numbered() {
        let labels = ["a", "b", "a", "a"].map(str::to_owned);
        assert_eq!(unique_labels(&labels), ["a", "b", "a #2", "a #3"]);
    }

    #[test]
    fn nothing_to_compare_is_none() {
        assert!(compare(Vec::new()).is_none());
    }
}
