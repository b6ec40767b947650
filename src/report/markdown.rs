//! `summary.md`: a GitHub Actions job summary (append it to `$GITHUB_STEP_SUMMARY`): the totals (and
//! for several targets, where they differ), a
//! table of the cases and behaviours that did not pass, snapshot drift and cleanup problems, kept
//! under [`MAX_BYTES`] by cutting long lists (the full story is in report.html / report.json).

use std::fmt::Write as _;

use crate::report::comparison::Comparison;
use crate::report::console::step_title;
use crate::report::model::{CaseReport, Report, VerdictWord};

/// The summary's size limit (GitHub allows 1 MiB per step; a summary should be far smaller).
pub const MAX_BYTES: usize = 60 * 1024;
/// Room kept for the closing sections while the tables grow.
const RESERVE: usize = 6 * 1024;
/// Longest text in one table cell.
const CELL_CHARS: usize = 280;
/// Differing steps shown per behaviour in the comparison (report.json has them all).
const MD_STEPS: usize = 2;
/// Lines of one snapshot diff shown.
const DIFF_LINES: usize = 40;

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let verdict = match report.verdict.word() {
        "passed" => "✅ passed",
        "not judged" => "⛔ not judged",
        "set-up problem" => "⚠️ set-up problem",
        _ => "❌ failed",
    };
    let _ = writeln!(
        out,
        "## {} {}: {verdict}\n",
        report.tool.name, report.tool.version
    );
    if let Some(cause) = &report.verdict.cause {
        let _ = writeln!(out, "**Cause:** {}\n", paragraph(cause));
    }
    if let Some(partial) = &report.verdict.partial {
        let _ = writeln!(out, "**Partial:** {}\n", cell(partial));
    }
    if !report.verdict.passed {
        let _ = writeln!(
            out,
            "**Why:** {}\n",
            cell(&report.verdict.reasons.join("; "))
        );
    }
    let c = report.totals.cases;
    let b = report.totals.behaviours;
    let _ = writeln!(
        out,
        "**{} cases:** {} passed, {} failed, {} errored, {} skipped · **{} behaviours:** {} pass, {} fail, {} error, {} not decided, {} skipped · run `{}` · {:.2} s{}\n",
        c.total,
        c.passed,
        c.failed,
        c.errored,
        c.skipped,
        b.total,
        b.passed,
        b.failed,
        b.errored,
        b.not_decided,
        b.skipped,
        cell(&report.run_id),
        report.duration_ms as f64 / 1000.0,
        match report.traffic.requests {
            0 => String::new(),
            n => format!(" · {n} requests"),
        }
    );
    let editions: Vec<String> = report
        .editions
        .iter()
        .map(|e| format!("`{}` ({})", e.edition, cell(&e.title)))
        .collect();
    if !editions.is_empty() {
        let _ = writeln!(out, "**Editions:** {}\n", editions.join(" · "));
    }
    let (f, k) = (
        report.totals.fhir_behaviours,
        report.totals.canvas_behaviours,
    );
    let _ = writeln!(
        out,
        "**FHIR R4 rules** (any conformant FHIR server): {} · **Canvas rules**: {}\n",
        rule_counts(&f),
        rule_counts(&k)
    );
    match &report.comparison {
        Some(comparison) => comparison_section(&mut out, comparison),
        None => {
            for target in &report.targets {
                let _ = writeln!(
                    out,
                    "- target **{}**: {} (profile {})",
                    cell(&target.label),
                    cell(&target.base_url),
                    cell(&target.profile)
                );
            }
        }
    }
    out.push('\n');

    let cases: Vec<_> = report
        .cases
        .iter()
        .filter(|c| c.verdict != VerdictWord::Pass)
        .collect();
    if !cases.is_empty() {
        out.push_str("### Cases that did not pass\n\n| verdict | case | behaviours | why |\n|---|---|---|---|\n");
        let rows = cases.iter().map(|case| {
            let why = match case.verdict {
                VerdictWord::Skipped => case.reason.clone().unwrap_or_default(),
                _ => case.first_problem().unwrap_or_default(),
            };
            format!(
                "| {} | {} | {} | {} |\n",
                word(case.verdict),
                cell(&case_title(report, case)),
                cell(&case.behaviours.join(", ")),
                cell(&why)
            )
        });
        push_rows(&mut out, rows, cases.len());
        out.push('\n');
    }

    let behaviours: Vec<_> = report
        .behaviours
        .iter()
        .filter(|b| b.verdict != VerdictWord::Pass)
        .collect();
    if !behaviours.is_empty() {
        out.push_str("### Behaviours that did not pass\n\n| verdict | ID | rule | level | statement | why |\n|---|---|---|---|---|---|\n");
        let rows = behaviours.iter().map(|b| {
            let why = match b.verdict {
                VerdictWord::Skipped | VerdictWord::NotDecided => {
                    b.reason.clone().unwrap_or_default()
                }
                _ => b
                    .evidence
                    .first()
                    .map(|e| format!("{} ({})", e.summary, e.case))
                    .unwrap_or_default(),
            };
            format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                word(b.verdict),
                cell(&format!("{} ({})", b.id, b.edition)),
                b.rule.as_str(),
                b.level.as_str(),
                cell(&b.statement),
                cell(&why)
            )
        });
        push_rows(&mut out, rows, behaviours.len());
        out.push('\n');
    }

    let sections = [
        (
            &report.snapshot_drift,
            "### Snapshot drift (observed behaviour changed from this target's own snapshots)\n\n",
        ),
        (
            &report.reference_differences,
            "### Where this target differs from the reference server (information, not a failure)\n\n",
        ),
    ];
    for (list, heading) in sections.into_iter().filter(|(l, _)| !l.is_empty()) {
        out.push_str(heading);
        let blocks = list.iter().map(|d| {
            let mut block = format!(
                "- **{}** `{}` step {} ({}): {}\n",
                d.snapshot.status,
                cell(&d.case),
                cell(&d.step),
                cell(&d.snapshot.path),
                cell(&d.location.display)
            );
            if let Some(diff) = &d.snapshot.diff {
                block.push_str(&diff_block(diff));
            }
            block
        });
        push_rows(&mut out, blocks, list.len());
        out.push('\n');
    }

    // Not cancelled, found by the sweep, not created, or cancelled only through a fallback (a note
    // other than `already cancelled`).
    let listed: Vec<_> = report
        .cleanup
        .entries
        .iter()
        .filter_map(|e| e.fate().map(|(fate, why)| (e, fate, why)))
        .collect();
    let stopped: Vec<_> = report
        .cleanup
        .sweeps
        .iter()
        .filter(|s| s.stopped.is_some())
        .collect();
    if report.cleanup.created > 0 || !listed.is_empty() || !stopped.is_empty() {
        let swept = match report.cleanup.found_by_sweep {
            0 => String::new(),
            n => format!(" The sweep found {n} of them (the ledger did not hold their id)."),
        };
        let _ = writeln!(
            out,
            "### Cleanup\n\nCancelled {} of {} appointment(s) this run created.{swept}\n",
            report.cleanup.cancelled, report.cleanup.created
        );
        let rows = listed.iter().map(|(e, fate, why)| {
            format!(
                "- {fate}: {} (case {}, target {}): {}\n",
                cell(&e.subject()),
                cell(&e.case),
                cell(&e.target),
                cell(why)
            )
        });
        push_rows(&mut out, rows, listed.len());
        for sweep in stopped {
            let _ = writeln!(
                out,
                "- sweep of {} incomplete ({} search(es), {} found): {}",
                cell(&sweep.target),
                sweep.searches.len(),
                sweep.found,
                cell(sweep.stopped.as_deref().unwrap_or_default())
            );
        }
        if !report.cleanup.sweeps.is_empty() {
            out.push('\n');
        }
    }
    // The verdict and its set-up cause close the summary, as they open it.
    let _ = writeln!(out, "**Verdict:** {}\n", cell(&report.verdict.headline()));
    if let Some(cause) = report
        .verdict
        .cause
        .as_ref()
        .filter(|_| !report.verdict.not_judged)
    {
        let _ = writeln!(out, "**Cause:** {}\n", paragraph(cause));
    }
    out
}

/// Appends rows while they fit the budget, then one line saying how many were left out.
/// `name (edition)`, and `@ target` in a report of several targets.
fn case_title(report: &Report, case: &CaseReport) -> String {
    match (&report.comparison, &case.target) {
        (Some(_), Some(target)) => format!("{} ({}) @ {target}", case.name, case.edition),
        _ => format!("{} ({})", case.name, case.edition),
    }
}

/// The targets compared, each with its verdict, and the behaviours they disagree on with each
/// target's verdict and the first differing step side by side.
fn comparison_section(out: &mut String, comparison: &Comparison) {
    out.push_str("### Targets compared\n\n| target | base URL | profile | cases | verdict |\n|---|---|---|---|---|\n");
    for t in &comparison.targets {
        let _ = writeln!(
            out,
            "| **{}** | {} | {} | {} passed, {} failed, {} errored, {} skipped | {} |",
            cell(&t.label),
            cell(&t.base_url),
            cell(&t.profile),
            t.cases.passed,
            t.cases.failed,
            t.cases.errored,
            t.cases.skipped,
            cell(&t.verdict.headline())
        );
    }
    let _ = writeln!(out, "\n**Compared: {}.**", cell(&comparison.headline()));
    let differing: Vec<_> = comparison.behaviours.iter().filter(|b| b.differs).collect();
    if differing.is_empty() {
        return;
    }
    out.push_str("\n| behaviour |");
    for t in &comparison.targets {
        let _ = write!(out, " {} |", cell(&t.label));
    }
    out.push_str(" differing steps |\n|---|");
    for _ in &comparison.targets {
        out.push_str("---|");
    }
    out.push_str("---|\n");
    let rows = differing.iter().flat_map(|b| {
        let mut row = format!("| {} ({}) |", cell(&b.id), b.edition);
        for verdict in &b.verdicts {
            let text = verdict.as_ref().map_or("—", |v| word(v.verdict));
            let _ = write!(row, " {text} |");
        }
        let _ = writeln!(row, " {} |", b.evidence.len());
        let steps = b.evidence.iter().take(MD_STEPS).map(|step| {
            let mut line = format!("| ↳ {} |", cell(&step_title(&step.case, &step.step)));
            for side in &step.sides {
                let text = side
                    .as_ref()
                    .map_or("—".to_owned(), |s| cell(&s.one_line()));
                let _ = write!(line, " {text} |");
            }
            line.push_str(" |\n");
            line
        });
        std::iter::once(row).chain(steps).collect::<Vec<_>>()
    });
    let rows: Vec<String> = rows.collect();
    let total = rows.len();
    push_rows(out, rows.into_iter(), total);
}

fn push_rows(out: &mut String, rows: impl Iterator<Item = String>, total: usize) {
    let mut shown = 0;
    for row in rows {
        if out.len() + row.len() > MAX_BYTES - RESERVE {
            break;
        }
        out.push_str(&row);
        shown += 1;
    }
    if shown < total {
        let _ = writeln!(
            out,
            "\n… and {} more (see report.html or report.json)",
            total - shown
        );
    }
}

fn word(verdict: VerdictWord) -> &'static str {
    match verdict {
        VerdictWord::Pass => "✅ pass",
        VerdictWord::Fail => "❌ fail",
        VerdictWord::Error => "⚠️ error",
        VerdictWord::Skipped => "⏭️ skipped",
        VerdictWord::NotDecided => "⏸️ not decided",
    }
}

/// Text made safe for a Markdown table cell: one line, no HTML, no table or code delimiters,
/// and at most [`CELL_CHARS`] characters.
fn cell(text: &str) -> String {
    escaped(text, Some(CELL_CHARS))
}

/// `text` escaped as [`cell`] does, at any length: a run's cause is read whole (its fix comes last).
fn paragraph(text: &str) -> String {
    escaped(text, None)
}

fn escaped(text: &str, limit: Option<usize>) -> String {
    let mut out = String::with_capacity(text.len());
    for (count, c) in text.chars().enumerate() {
        if Some(count) == limit {
            out.push('…');
            break;
        }
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '`' => out.push_str("&#96;"),
            '\\' | '*' | '_' | '[' | ']' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A fenced `diff` block of at most [`DIFF_LINES`] lines; the fence is longer than any backtick
/// run inside, so the diff cannot close it.
fn diff_block(diff: &str) -> String {
    let longest = diff.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat((longest + 1).max(3));
    let lines: Vec<&str> = diff.lines().collect();
    let mut block = format!("\n  {fence}diff\n");
    for line in lines.iter().take(DIFF_LINES) {
        let _ = writeln!(block, "  {line}");
    }
    if lines.len() > DIFF_LINES {
        let _ = writeln!(block, "  … {} more lines", lines.len() - DIFF_LINES);
    }
    let _ = writeln!(block, "  {fence}\n");
    block
}

/// `10 of 12 pass, 2 skipped`: how many of a kind of rule passed, and what became of the rest
/// (only the verdicts that occur), so a skipped rule never reads as a failed one.
fn rule_counts(t: &crate::outcome::Tally) -> String {
    let mut out = format!("{} of {} pass", t.passed, t.total);
    for (n, word) in [
        (t.failed, "failed"),
        (t.errored, "errored"),
        (t.not_decided, "not decided"),
        (t.skipped, "skipped"),
    ] {
        if n > 0 {
            let _ = write!(out, ", {n} {word}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::model::tests::report;

    /// The whole summary of a fixed run, as insta pins it.
    #[test]
    fn a_fixed_run_renders_as_pinned() {
        insta::assert_snapshot!(render(&report()));
    }

    #[test]
    fn lists_what_did_not_pass_with_escaped_cells() {
        let md = render(&report());
        assert!(md.contains("❌ failed"), "{md}");
        assert!(
            md.contains("**3 cases:** 1 passed, 1 failed, 0 errored, 1 skipped"),
            "{md}"
        );
        assert!(md.contains("| ❌ fail | read/b (2023-09) | A-1, B-2 | cases/read/b.yaml:12:7: json $.status: expected \"&lt;script&gt;alert(1)&lt;/script&gt;\", actual \"booked \\| x\" \\[A-1, B-2\\] |"), "{md}");
        assert!(md.contains("| ⏭️ skipped | create/c (2023-09) |"), "{md}");
        assert!(
            md.contains("| ❌ fail | A-1 (2023-09) | fhir | MUST |"),
            "{md}"
        );
        assert!(
            md.contains("**FHIR R4 rules** (any conformant FHIR server): 0 of 1 pass, 1 failed · **Canvas rules**: 0 of 2 pass"),
            "{md}"
        );
        assert!(md.contains("**drifted** `read/a`"), "{md}");
        assert!(md.contains("```diff\n  -old <x>\n  +new <y>\n"), "{md}");
        assert!(md.contains("Cancelled 1 of 2"), "{md}");
        assert!(md.contains("not tidied: Appointment/left-2"), "{md}");
        assert!(
            !md.contains("| read/a |"),
            "a passing case is not listed: {md}"
        );
    }

    #[test]
    fn a_cancel_that_fell_back_is_listed_with_its_note() {
        let mut report = report();
        report.cleanup.entries[0].note = Some("reading it back failed".to_owned());
        let md = render(&report);
        assert!(
            md.contains("- cancelled, but: Appointment/ok-1 (case read/b, target reference): reading it back failed"),
            "{md}"
        );
        assert!(md.contains("- not tidied: Appointment/left-2"), "{md}");
    }

    #[test]
    fn a_long_cause_is_written_whole_with_its_fix() {
        let mut report = report();
        let cause = format!(
            "GET {}/Appointment answered 404: does not serve the Appointment API; use http://127.0.0.1:8090 as --target / base_url",
            "http://127.0.0.1:8090/a-very-long-path".repeat(8)
        );
        assert!(cause.chars().count() > CELL_CHARS);
        report.verdict.cause = Some(cause);
        let md = render(&report);
        assert!(
            md.contains("use http://127.0.0.1:8090 as --target / base\\_url"),
            "{md}"
        );
    }

    #[test]
    fn stays_under_the_size_limit() {
        let mut report = report();
        let template = report.cases[1].clone();
        for i in 0..2000 {
            let mut case = template.clone();
            case.name = format!("read/generated-{i}");
            report.cases.push(case);
        }
        let md = render(&report);
        assert!(md.len() <= MAX_BYTES, "{} bytes", md.len());
        assert!(md.contains("more (see report.html or report.json)"), "{md}");
        assert!(
            md.contains("Cancelled 1 of 2"),
            "the closing sections survive"
        );
    }

    #[test]
    fn a_backtick_run_cannot_close_the_fence() {
        let block = diff_block("+a ```` b\n");
        assert!(block.contains("`````diff"), "{block}");
    }
}
