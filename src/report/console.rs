//! The console report: one line per case (verdict, name, behaviour IDs), and for each failure the
//! step, the request, and every finding as `file:line:col` with expected and actual values; for a
//! run of several targets, the comparison table.

use std::fmt::Write as _;
use std::sync::Arc;

use crate::case::Case;
use crate::edition::Edition;
use crate::outcome::{CaseOutcome, SnapshotStatus, SnapshotWrite, Tally, Verdict};
use crate::report::comparison::Comparison;
use crate::report::failing::{Dialect, failing_steps};
use crate::report::model::{CleanupEntry, FindingReport};
use crate::run::RunReport;
use crate::run::preflight::Gate;
use crate::source::{Diagnostic, Location, Pos};

/// How the console dresses its lines; outcomes and findings stay plain data.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Style {
    /// Colour the verdict word (the caller decides: stdout is a terminal and NO_COLOR is unset).
    pub colour: bool,
}

/// The line for one case, plus details when it did not pass.
pub fn case_block(outcome: &CaseOutcome, case: Option<&Case>) -> String {
    case_block_styled(outcome, case, Style::default())
}

/// [`case_block`], with the verdict word coloured when `style` asks for it.
pub fn case_block_styled(outcome: &CaseOutcome, case: Option<&Case>, style: Style) -> String {
    let mut out = String::new();
    let ids = outcome.behaviours.join(" ");
    let _ = write!(
        out,
        "{} {} ({})  [{ids}]",
        verdict_word(&outcome.verdict, style),
        outcome.name,
        outcome.edition
    );
    match &outcome.verdict {
        Verdict::Skipped(reason) => {
            let _ = write!(out, "  ({reason})");
        }
        _ => {
            let steps = outcome.steps.len();
            let _ = write!(
                out,
                "  ({steps} step{}, {} ms)",
                if steps == 1 { "" } else { "s" },
                outcome.duration_ms
            );
        }
    }
    out.push('\n');
    if matches!(outcome.verdict, Verdict::Fail | Verdict::Error) {
        out.push_str(&details(outcome, case));
    }
    for snapshot in outcome.steps.iter().filter_map(|s| s.snapshot.as_ref()) {
        if snapshot.status == SnapshotStatus::Drifted {
            let written = match &snapshot.written {
                SnapshotWrite::Pending => {
                    ".snap.new written beside it; review with `cargo insta review`".to_owned()
                }
                SnapshotWrite::Stored => "accepted as the new .snap".to_owned(),
                SnapshotWrite::Withheld(why) => format!("nothing written: {why}"),
                SnapshotWrite::Nothing => "nothing written".to_owned(),
            };
            let _ = writeln!(
                out,
                "      snapshot drifted (observed behaviour changed): {} ({written})",
                snapshot.path
            );
            for line in snapshot.diff.as_deref().unwrap_or_default().lines() {
                let _ = writeln!(out, "        {line}");
            }
        } else if snapshot.status == SnapshotStatus::DiffersFromReference {
            let _ = writeln!(
                out,
                "      differs from the reference server (information, not a failure: this target has no snapshots of its own): {}",
                snapshot.path
            );
            for line in snapshot.diff.as_deref().unwrap_or_default().lines() {
                let _ = writeln!(out, "        {line}");
            }
        }
    }
    out
}

pub use crate::outcome::drifted;

/// One line counting snapshot results, and the stored snapshots nothing compared against.
pub fn snapshot_summary(outcomes: &[CaseOutcome], unreferenced: &[std::path::PathBuf]) -> String {
    let mut counts = [0usize; 5];
    // The new ones by what was written: `.snap.new`, `.snap`, or nothing (and why).
    let (mut pending, mut stored) = (0usize, 0usize);
    // Where the `.snap.new` files went (the profile's folder), said so a user can find them.
    let mut pending_dir: Option<String> = None;
    let mut withheld: Vec<(&str, usize)> = Vec::new();
    for snapshot in outcomes
        .iter()
        .flat_map(|o| o.steps.iter().filter_map(|s| s.snapshot.as_ref()))
    {
        if snapshot.status == SnapshotStatus::New {
            match &snapshot.written {
                SnapshotWrite::Pending => {
                    pending += 1;
                    pending_dir.get_or_insert_with(|| {
                        std::path::Path::new(&snapshot.path)
                            .parent()
                            .map_or_else(String::new, |p| p.display().to_string())
                    });
                }
                SnapshotWrite::Stored => stored += 1,
                SnapshotWrite::Withheld(why) => match withheld.iter_mut().find(|(w, _)| w == why) {
                    Some((_, n)) => *n += 1,
                    None => withheld.push((why, 1)),
                },
                SnapshotWrite::Nothing => {}
            }
        }
        counts[match snapshot.status {
            SnapshotStatus::Matched => 0,
            SnapshotStatus::New => 1,
            SnapshotStatus::Updated => 2,
            SnapshotStatus::Drifted => 3,
            SnapshotStatus::DiffersFromReference => 4,
        }] += 1;
    }
    let mut out = String::new();
    if counts.iter().sum::<usize>() > 0 {
        let _ = write!(
            out,
            "snapshots: {} matched, {} new, {} updated, {} drifted",
            counts[0], counts[1], counts[2], counts[3]
        );
        let mut new: Vec<String> = Vec::new();
        if pending > 0 {
            let dir = pending_dir
                .as_deref()
                .filter(|d| !d.is_empty())
                .map(|d| format!(" in {d}/"))
                .unwrap_or_default();
            new.push(format!(
                "{pending} written as .snap.new{dir}: accept them with --update-snapshots, or \
                 `cargo insta review` in the project that holds them"
            ));
        }
        if stored > 0 {
            new.push(format!("{stored} recorded as .snap"));
        }
        for (why, n) in &withheld {
            new.push(format!("{n} not written: {why}"));
        }
        if !new.is_empty() {
            let _ = write!(out, " (new: {})", new.join("; "));
        }
        if counts[4] > 0 {
            let _ = write!(
                out,
                ", {} differ from the reference server (information)",
                counts[4]
            );
        }
        out.push('\n');
    }
    for path in unreferenced {
        let _ = writeln!(
            out,
            "  unreferenced snapshot (no step compares against it): {}",
            path.display()
        );
    }
    out
}

/// The verdict label padded to five columns, in ANSI colour when asked (padding first, so colour
/// codes never shift the columns).
fn verdict_word(verdict: &Verdict, style: Style) -> String {
    let padded = format!("{:<5}", verdict.label());
    if !style.colour {
        return padded;
    }
    let code = match verdict {
        Verdict::Pass => "32",
        Verdict::Fail => "1;31",
        Verdict::Error => "1;35",
        Verdict::Skipped(_) => "33",
    };
    let label = verdict.label();
    format!(
        "\x1b[{code}m{label}\x1b[0m{}",
        " ".repeat(padded.len() - label.len())
    )
}

/// The evidence for a case that did not pass (the shared renderer, console dialect).
pub fn details(outcome: &CaseOutcome, case: Option<&Case>) -> String {
    let report = crate::report::model::case_report(outcome);
    let source_line = |finding: &FindingReport| {
        let case = case?;
        let pos = Pos {
            line: finding.location.line,
            col: finding.location.col,
        };
        let location = Location::new(&Arc::from(finding.location.file.as_str()), pos);
        Diagnostic::new(location, "", Some(&case.source)).line_text
    };
    failing_steps(&report, Dialect::Console, &source_line)
}

/// Most cases a grouped line names before `… +N more`.
const GROUP_NAMES: usize = 6;

/// What the preflight found, for the lines before the cases: by default only what stands in the
/// way or colours the verdicts (`preflight: <cause>`), with `verbose` every check as `doctor`
/// prints it.
pub fn preflight(gate: &Gate, verbose: bool) -> String {
    let mut out = String::new();
    if verbose {
        for check in &gate.checks.checks {
            let _ = writeln!(out, "preflight {:<7} {}", check.level.word(), check.text);
            for line in &check.detail {
                let _ = writeln!(out, "                    {line}");
            }
        }
        return out;
    }
    if let Some(stop) = &gate.stop {
        let _ = writeln!(out, "preflight: {stop}");
        let _ = writeln!(
            out,
            "preflight: nothing is judged until this is fixed (`{}` checks the set-up; --verbose shows every check)",
            gate.doctor
        );
        return out;
    }
    if let Some(edition) = &gate.edition {
        let _ = writeln!(out, "preflight: {edition}");
    }
    for cause in gate.refused.values() {
        let _ = writeln!(out, "preflight: {cause} (the cases using it are not sent)");
    }
    out
}

/// The cases the console did not print one by one (unless `verbose`): skipped cases, one line per
/// reason, and cases the set-up kept from being judged, one line per cause, each with a count and
/// the first few names.
pub fn grouped(outcomes: &[CaseOutcome], verbose: bool) -> String {
    let mut out = String::new();
    if verbose {
        return out;
    }
    let mut skipped: Vec<(&str, Vec<&str>)> = Vec::new();
    let mut setup: Vec<(&str, Vec<&str>)> = Vec::new();
    for outcome in outcomes {
        let (groups, key) = match (&outcome.verdict, outcome.setup_cause()) {
            (Verdict::Skipped(reason), _) => (&mut skipped, reason.as_str()),
            (_, Some(cause)) => (&mut setup, group_key(cause)),
            _ => continue,
        };
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, names)) => names.push(&outcome.name),
            None => groups.push((key, vec![&outcome.name])),
        }
    }
    for (cause, names) in &setup {
        let _ = writeln!(
            out,
            "ERROR {} case(s) not judged, set-up cause: {cause}\n      cases: {}",
            names.len(),
            named(names)
        );
    }
    // Cases that erred for a cause already shown in full (the first of them) are counted here.
    let mut errors: Vec<(String, Vec<&str>)> = Vec::new();
    for outcome in outcomes {
        if let Some(cause) = error_cause(outcome) {
            match errors.iter_mut().find(|(c, _)| *c == cause) {
                Some((_, names)) => names.push(&outcome.name),
                None => errors.push((cause, vec![&outcome.name])),
            }
        }
    }
    for (cause, names) in errors.iter().filter(|(_, names)| names.len() > 1) {
        let _ = writeln!(
            out,
            "ERROR {} more case(s), the same cause as {} above: {cause}\n      cases: {}",
            names.len() - 1,
            names[0],
            named(&names[1..])
        );
    }
    for (reason, names) in &skipped {
        let _ = writeln!(
            out,
            "SKIP  {} case(s): {reason} ({})",
            names.len(),
            named(names)
        );
    }
    out
}

/// The cause a case erred for, when the harness (not the set-up) could not decide it: its first
/// erring step's error, else its first error finding. Cases with the same cause (a target that
/// went away mid-run) are printed once and grouped.
pub fn error_cause(outcome: &CaseOutcome) -> Option<String> {
    if outcome.verdict != Verdict::Error || outcome.setup_cause().is_some() {
        return None;
    }
    let step = outcome.steps.iter().find(|s| s.verdict == Verdict::Error)?;
    step.why_undecided().map(str::to_owned)
}

/// A set-up cause without what is particular to one step (`not sent: `, `not run: it needs …`,
/// `first refused at <request>`), so the cases one fixture kept from running group under one line.
pub fn group_key(cause: &str) -> &str {
    let from = cause.rfind("fixture `").unwrap_or(0);
    let cause = &cause[from..];
    match cause.find(" (first refused at ") {
        Some(end) => &cause[..end],
        None => cause,
    }
}

/// `a, b, c, … +N more`.
fn named(names: &[&str]) -> String {
    let mut text = names
        .iter()
        .take(GROUP_NAMES)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > GROUP_NAMES {
        let _ = write!(text, ", … +{} more", names.len() - GROUP_NAMES);
    }
    text
}

/// What cleanup did, in the closing lines: how many it cancelled of those the run created (and how
/// many of them the sweep found), then each one not tidied, found by the sweep, not created, or
/// cancelled only by a fallback, and each sweep that could not finish. Nothing when the run created
/// nothing and swept nothing amiss.
pub fn cleanup_lines(report: &RunReport) -> String {
    let mut out = String::new();
    let created = report.cleanup.iter().filter(|t| t.was_created()).count();
    let problems = report
        .cleanup
        .iter()
        .filter(|t| t.problem.is_some())
        .count();
    let swept = report.cleanup.iter().filter(|t| t.found_by_sweep()).count();
    if !report.cleanup.is_empty() {
        let _ = writeln!(
            out,
            "cleanup: cancelled {} of {created} appointment(s) this run created{}",
            created - problems,
            match swept {
                0 => String::new(),
                n => format!(" ({n} found by the sweep)"),
            }
        );
    }
    for tidied in &report.cleanup {
        let entry = CleanupEntry::of(tidied);
        if let Some((fate, why)) = entry.fate() {
            let _ = writeln!(
                out,
                "  {fate}: {} (case {}, target {}): {why}",
                entry.subject(),
                entry.case,
                entry.target,
            );
        }
    }
    for sweep in &report.sweeps {
        if let Some(stopped) = &sweep.stopped {
            let _ = writeln!(
                out,
                "  sweep of {} incomplete ({} search(es), {} of the run's appointment(s) found): {stopped}",
                sweep.target,
                sweep.searches.len(),
                sweep.found
            );
        }
    }
    out
}

/// The closing lines: counts, duration, and what cleanup did.
pub fn summary(report: &RunReport) -> String {
    summary_as(report, "verdict")
}

/// [`summary`] of one target's run among several compared: its last line is `verdict of <label>:`
/// (the run's one verdict comes after the comparison).
pub fn target_summary(report: &RunReport, label: &str) -> String {
    summary_as(report, &format!("verdict of {label}"))
}

/// `, 540 requests (3 retries)` for a run that sent any; nothing for a replay.
fn traffic_words(requests: u64, retries: u64) -> String {
    match (requests, retries) {
        (0, _) => String::new(),
        (requests, 0) => format!(", {requests} requests"),
        (requests, retries) => format!(", {requests} requests ({retries} retries)"),
    }
}

fn summary_as(report: &RunReport, verdict_word: &str) -> String {
    let tally = Tally::of(&report.outcomes);
    let mut out = String::new();
    out.push_str(&cleanup_lines(report));
    // Errors the set-up caused are not the harness's: said apart.
    let errored = match report.verdict.setup_cases.min(tally.errored) {
        0 => format!("{} errored", tally.errored),
        setup => format!("{} errored ({setup} for the set-up)", tally.errored),
    };
    // A run the set-up stopped sent no case: its "skipped" are cases not judged.
    let skipped_word = if report.verdict.not_judged {
        "not judged"
    } else {
        "skipped"
    };
    let _ = writeln!(
        out,
        "{} passed, {} failed, {errored}, {} {skipped_word} ({} cases, run {}, {:.2} s{})",
        tally.passed,
        tally.failed,
        tally.skipped,
        report.outcomes.len(),
        report.run_id,
        report.duration_ms as f64 / 1000.0,
        traffic_words(report.traffic.requests, report.traffic.retries)
    );
    // A run of several editions counts each apart: they are separate suites.
    let mut editions: Vec<Edition> = report.outcomes.iter().map(|o| o.edition).collect();
    editions.sort();
    editions.dedup();
    if editions.len() > 1 {
        for edition in editions {
            let t = Tally::of(report.outcomes.iter().filter(|o| o.edition == edition));
            let _ = writeln!(
                out,
                "  edition {edition}: {} passed, {} failed, {} errored, {} {skipped_word}",
                t.passed, t.failed, t.errored, t.skipped
            );
        }
    }
    let _ = writeln!(out, "{verdict_word}: {}", report.verdict.headline());
    // The set-up cause is the last line, as it was (nearly) the first.
    if let Some(cause) = report
        .verdict
        .cause
        .as_ref()
        .filter(|_| !report.verdict.not_judged)
    {
        let _ = writeln!(out, "cause: {cause}");
    }
    out
}

/// Differing steps the console shows per behaviour (the report files have them all).
const CONSOLE_STEPS: usize = 3;

/// The comparison of several targets: one row per behaviour with each target's verdict (`-` where
/// the target speaks another edition), differing rows marked `<>`, then each differing behaviour's
/// steps side by side.
pub fn comparison(comparison: &Comparison) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "comparison: {}", comparison.headline());
    if comparison.not_comparable > 0 {
        let _ = writeln!(
            out,
            "   (`<>` the targets differ, `--` judged on one target only: not compared)"
        );
    }
    let id_width = comparison
        .behaviours
        .iter()
        .map(|b| b.id.len() + b.edition.as_str().len() + 3)
        .max()
        .unwrap_or(0)
        .max("behaviour".len());
    let widths: Vec<usize> = comparison
        .targets
        .iter()
        .map(|t| t.label.len().max("not_decided".len()))
        .collect();
    let mut header = format!("   {:id_width$}", "behaviour");
    for (target, width) in comparison.targets.iter().zip(&widths) {
        let _ = write!(header, "  {:width$}", target.label);
    }
    let _ = writeln!(out, "{}", header.trim_end());
    for behaviour in &comparison.behaviours {
        let name = format!("{} ({})", behaviour.id, behaviour.edition);
        let mark = match (behaviour.compared, behaviour.differs) {
            (false, _) => "--",
            (true, true) => "<>",
            (true, false) => "  ",
        };
        let mut line = format!("{mark} {name:id_width$}");
        for (verdict, width) in behaviour.verdicts.iter().zip(&widths) {
            let word = verdict.as_ref().map_or("-", |v| v.verdict.as_str());
            let _ = write!(line, "  {word:width$}");
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    let label_width = widths.iter().copied().max().unwrap_or(0);
    for behaviour in comparison.behaviours.iter().filter(|b| b.differs) {
        let _ = writeln!(
            out,
            "differs: {} ({}): {}",
            behaviour.id, behaviour.edition, behaviour.statement
        );
        for (target, verdict) in comparison.targets.iter().zip(&behaviour.verdicts) {
            if let Some(verdict) = verdict {
                let reason = verdict
                    .reason
                    .as_deref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "  {:label_width$}  {}{reason}",
                    target.label,
                    verdict.verdict.as_str()
                );
            }
        }
        for step in behaviour.evidence.iter().take(CONSOLE_STEPS) {
            let _ = writeln!(out, "  {}", step_title(&step.case, &step.step));
            for (target, side) in comparison.targets.iter().zip(&step.sides) {
                if let Some(side) = side {
                    let _ = writeln!(
                        out,
                        "    {:label_width$}  {}",
                        target.label,
                        side.one_line()
                    );
                }
            }
        }
        if behaviour.evidence.len() > CONSOLE_STEPS {
            let _ = writeln!(
                out,
                "  … {} more step(s) differ (report.json, report.html)",
                behaviour.evidence.len() - CONSOLE_STEPS
            );
        }
    }
    out
}

/// `case › step`, or the case alone when no step of it judged the behaviour.
pub fn step_title(case: &str, step: &str) -> String {
    if step.is_empty() {
        case.to_owned()
    } else {
        format!("{case} › {step}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every case block and the closing lines of a fixed run, as insta pins them.
    #[test]
    fn a_fixed_run_renders_as_pinned() {
        let run = crate::report::model::tests::run();
        let mut text: String = run.outcomes.iter().map(|o| case_block(o, None)).collect();
        text.push_str(&snapshot_summary(&run.outcomes, &[]));
        text.push_str(&summary(&run));
        insta::assert_snapshot!(text);
    }

    /// Cases that erred for one cause (a target gone mid-run) or were kept from running by one
    /// set-up cause are one line each at the end; skips one line per reason.
    #[test]
    fn one_cause_is_said_once_with_its_cases() {
        let run = crate::report::model::tests::run();
        let template = run.outcomes[0].clone();
        let erred = |name: &str, error: &str, setup: bool| {
            let mut outcome = template.clone();
            outcome.name = name.to_owned();
            let mut step = outcome.steps[0].clone();
            step.findings.clear();
            step = if setup {
                step.set_up_fault(error.to_owned())
            } else {
                step.error = Some(error.to_owned());
                step.decide()
            };
            outcome.steps = vec![step];
            outcome.verdict = Verdict::Error;
            outcome
        };
        let mut outcomes: Vec<CaseOutcome> = (0..5)
            .map(|i| erred(&format!("read/c{i}"), "could not connect: refused", false))
            .collect();
        outcomes.extend((0..3).map(|i| {
            erred(
                &format!("create/c{i}"),
                "fixture `location` (profile p.yaml:3:13) was refused by the target: 422; set it (first refused at POST /x)",
                true,
            )
        }));
        outcomes.push(erred("update/c", "another harness problem", false));
        assert_eq!(
            error_cause(&outcomes[0]).as_deref(),
            Some("could not connect: refused")
        );
        assert_eq!(
            error_cause(&outcomes[5]),
            None,
            "a set-up Error is not the harness's"
        );
        let text = grouped(&outcomes, false);
        assert!(
            text.contains(
                "ERROR 4 more case(s), the same cause as read/c0 above: could not connect: refused"
            ),
            "{text}"
        );
        assert!(
            text.contains("cases: read/c1, read/c2, read/c3, read/c4"),
            "{text}"
        );
        assert!(
            text.contains("ERROR 3 case(s) not judged, set-up cause: fixture `location` (profile p.yaml:3:13) was refused by the target: 422; set it\n"),
            "{text}"
        );
        assert!(
            !text.contains("another harness problem"),
            "shown once, in full: {text}"
        );
        assert_eq!(
            grouped(&outcomes, true),
            "",
            "--verbose prints every case instead"
        );
    }

    #[test]
    fn new_snapshots_are_said_to_be_written_only_when_they_were() {
        let mut run = crate::report::model::tests::run();
        let snapshot = |written| crate::outcome::SnapshotOutcome {
            name: "read__a".to_owned(),
            path: "snapshots/reference/read__a.snap".to_owned(),
            status: SnapshotStatus::New,
            diff: None,
            written,
            observed: String::new(),
        };
        let replayed = "replay never writes snapshots".to_owned();
        run.outcomes[0].steps[0].snapshot = Some(snapshot(SnapshotWrite::Withheld(replayed)));
        let text = snapshot_summary(&run.outcomes, &[]);
        assert!(!text.contains(".snap.new"), "{text}");
        assert!(
            text.contains("1 new") && text.contains("1 not written: replay never writes snapshots"),
            "{text}"
        );
        let unprofiled = "the target has no baseline of its own (no profile)".to_owned();
        run.outcomes[0].steps[0].snapshot = Some(snapshot(SnapshotWrite::Withheld(unprofiled)));
        let text = snapshot_summary(&run.outcomes, &[]);
        assert!(!text.contains(".snap.new"), "{text}");
        assert!(text.contains("no baseline of its own"), "{text}");
        run.outcomes[0].steps[0].snapshot = Some(snapshot(SnapshotWrite::Pending));
        let text = snapshot_summary(&run.outcomes, &[]);
        assert!(text.contains("1 written as .snap.new"), "{text}");
        // A drift under a store that writes nothing does not claim a .snap.new either.
        let mut drift = snapshot(SnapshotWrite::Withheld(
            "replay never writes snapshots".to_owned(),
        ));
        drift.status = SnapshotStatus::Drifted;
        run.outcomes[0].steps[0].snapshot = Some(drift);
        let block = case_block(&run.outcomes[0], None);
        assert!(!block.contains(".snap.new"), "{block}");
        assert!(
            block.contains("nothing written: replay never writes"),
            "{block}"
        );
    }

    #[test]
    fn a_cancel_that_fell_back_is_named_and_one_already_cancelled_is_not() {
        let mut run = crate::report::model::tests::run();
        run.cleanup[0].note = Some(
            "reading it back failed (the read answered 500): cancelled with a status-only body"
                .to_owned(),
        );
        let mut quiet = run.cleanup[0].clone();
        quiet.id = "done-3".to_owned();
        quiet.note = Some("already cancelled".to_owned());
        run.cleanup.push(quiet);
        let text = summary(&run);
        assert!(
            text.contains("cancelled, but: Appointment/ok-1 (case read/b, target reference): reading it back failed"),
            "{text}"
        );
        assert!(!text.contains("done-3"), "{text}");
        assert!(text.contains("not tidied: Appointment/left-2"), "{text}");
    }

    #[test]
    fn colour_only_when_asked_and_only_on_the_verdict_word() {
        let plain = verdict_word(&Verdict::Fail, Style::default());
        assert_eq!(plain, "FAIL ");
        let coloured = verdict_word(&Verdict::Fail, Style { colour: true });
        assert_eq!(coloured, "\x1b[1;31mFAIL\x1b[0m ");
        assert_eq!(
            verdict_word(&Verdict::Error, Style { colour: true }),
            "\x1b[1;35mERROR\x1b[0m"
        );
    }
}
