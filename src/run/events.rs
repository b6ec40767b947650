//! The stream of events a run publishes as it goes (plan size, each case in plan order, cleanup,
//! the verdict), consumed synchronously by the console, progress, reports, the harness and bench.

use crate::case::Case;
use crate::outcome::{CaseOutcome, RunVerdict};
use crate::run::ledger::Tidied;

/// One thing that happened in a run, in this order: `Started`, one `CaseFinished` per plan item
/// (in plan order, whatever the scheduling), `CleanupFinished`, `Finished`.
#[derive(Clone, Copy, Debug)]
pub enum RunEvent<'a> {
    /// The run begins with this many plan items (cases × placements, skipped ones included).
    Started { cases: usize },
    /// A case is done (or was skipped or not started); `case` is its parsed file.
    CaseFinished {
        outcome: &'a CaseOutcome,
        case: &'a Case,
    },
    /// Everything the run created has been cancelled, or failed to be (`problem` set).
    CleanupFinished { tidied: &'a [Tidied] },
    /// The run's one verdict (exit code, console, every report).
    Finished { verdict: &'a RunVerdict },
}
