//! The one renderer of a failing case's details (the target, each step that did not pass, its
//! request line, its error, and every finding with `file:line:col` and expected/actual, the ones
//! that made it fail or err before the notes), which the
//! console and `junit.xml` both use; a [`Dialect`] holds the few places where they differ.

use std::fmt::Write as _;

use crate::check::operation_outcome::target_words;
use crate::report::model::{CaseReport, FindingReport, VerdictWord};

/// Where the text goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// Under the case's console line: indented six columns; findings name their behaviours and
    /// kind, a skipped step its reason, and (when the case's source is at hand) the source line.
    Console,
    /// A JUnit `<failure>`/`<error>` description: flush left, findings as expected/actual only.
    Junit,
}

/// The details of the steps of `case` that did not pass. `source_line` gives the case file's text
/// at a finding's line (console only; `None` leaves it out).
pub fn failing_steps(
    case: &CaseReport,
    dialect: Dialect,
    source_line: &dyn Fn(&FindingReport) -> Option<String>,
) -> String {
    let console = dialect == Dialect::Console;
    let pad = if console { "      " } else { "" };
    let mut out = String::new();
    if let Some(target) = &case.target {
        let _ = writeln!(out, "{pad}target: {target}");
    }
    for step in case.steps.iter().filter(|s| s.verdict != VerdictWord::Pass) {
        let _ = writeln!(out, "{pad}step `{}` ({})", step.name, step.location.display);
        if let Some(exchange) = &step.exchange {
            let status = exchange
                .response
                .as_ref()
                .map_or_else(|| "no response".to_owned(), |r| r.status.to_string());
            let _ = writeln!(
                out,
                "{pad}  {} {} -> {status}",
                exchange.request.method, exchange.request.url
            );
        }
        // The target's own words for every error status, whatever the case checks of the body.
        if let Some(words) = step
            .exchange
            .as_ref()
            .and_then(|e| e.response.as_ref())
            .filter(|r| r.status >= 400)
            .and_then(|r| serde_json::from_str(&r.body).ok())
            .and_then(|json| target_words(&json))
        {
            let _ = writeln!(out, "{pad}  the target said: {words}");
        }
        if let Some(error) = &step.error {
            let _ = writeln!(out, "{pad}  error: {error}");
        }
        if console
            && step.verdict == VerdictWord::Skipped
            && let Some(reason) = &step.reason
        {
            let _ = writeln!(out, "{pad}  {reason}");
        }
        // What made the step fail or err first; notes (which never change a verdict) after it.
        let (notes, counting): (Vec<&FindingReport>, Vec<&FindingReport>) = step
            .findings
            .iter()
            .partition(|f| f.kind == "note" || f.kind == "not_decided");
        for finding in counting.into_iter().chain(notes) {
            if console {
                let blocked = format!(
                    " (not decided: blocked by {})",
                    finding.blocked_by.join(", ")
                );
                let tag = match finding.kind.as_str() {
                    "error" => " (could not decide)",
                    "note" => " (note)",
                    "not_decided" => blocked.as_str(),
                    _ => "",
                };
                let _ = writeln!(
                    out,
                    "{pad}  {}: {}{tag} [{}]",
                    finding.location.display,
                    finding.label(),
                    finding.behaviours.join(", ")
                );
            } else {
                let _ = writeln!(out, "  {}: {}", finding.location.display, finding.label());
            }
            match (finding.kind.as_str(), dialect) {
                ("error", Dialect::Console) => {
                    let _ = writeln!(out, "{pad}    problem:  {}", finding.actual);
                }
                ("error", Dialect::Junit) => {
                    let _ = writeln!(out, "    could not decide: {}", finding.actual);
                }
                ("note", Dialect::Console) => {
                    let _ = writeln!(out, "{pad}    {}", finding.actual);
                }
                _ => {
                    let _ = writeln!(out, "{pad}    expected: {}", finding.expected);
                    let _ = writeln!(out, "{pad}    actual:   {}", finding.actual);
                }
            }
            if console && let Some(line) = source_line(finding) {
                let _ = writeln!(
                    out,
                    "{pad}    {:>4} | {}",
                    finding.location.line,
                    line.trim_end()
                );
            }
        }
    }
    out
}
