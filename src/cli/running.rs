//! What `run` and its several-target form (`cli::compare`) share, below both: the run's options
//! ([`RunArgs`], [`NetArgs`]), the console's progress, Ctrl-C handling, the targets line and the
//! cleanup ledger's lines. Imports nothing from `cli::run` or `cli::compare`.

use std::path::PathBuf;

use crate::cli::CliError;
use crate::cli::selection::SelectionArgs;
use crate::cli::target_args::TargetArgs;
use crate::exchange::send::ClientOptions;
use crate::plan::Plan;
use crate::report::model::CleanupEntry;
use crate::report::progress::{ConsoleMode, Progress, Terminal};
use crate::run::options::NetOptions;
use crate::run::{RunControl, RunEvent, RunReport, RunSession};

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub target_args: TargetArgs,
    #[command(flatten)]
    pub select: SelectionArgs,
    /// Cases in flight at once on each target (default: 32 against a remote target, whose work
    /// is waiting on the network; the number of cores against embedded servers).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    #[command(flatten)]
    pub net: NetArgs,
    /// Print the planned requests as curl lines (Authorization masked) and send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Folder of snapshot files (default: `snapshots/` beside the case folder).
    #[arg(long, value_name = "DIR")]
    pub snapshots: Option<PathBuf>,
    /// Accept what was observed: overwrite drifted and new snapshots (like INSTA_UPDATE=always).
    #[arg(long)]
    pub update_snapshots: bool,
    /// Report snapshot drift without failing the run.
    #[arg(long)]
    pub allow_drift: bool,
    /// Run against embedded reference servers with this behaviour broken (see `serve --list-mutants`).
    #[arg(long, value_name = "NAME", conflicts_with = "target")]
    pub mutant: Option<String>,
    /// Write junit.xml, report.json, report.html, summary.md and testreport.json into this folder
    /// (created if missing).
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,
    /// Stream every exchange of the run (secrets scrubbed) to DIR/recording.jsonl, for `replay DIR`
    /// (see docs/recording.md).
    #[arg(long, value_name = "DIR", conflicts_with = "dry_run")]
    pub record: Option<PathBuf>,
    /// Print every case and every preflight check (by default: problems, skips grouped by reason,
    /// set-up errors grouped by cause).
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// A partial run (cases skipped, or not judged for the set-up) does not pass: exit 1. For CI
    /// gates that want the whole suite (also `require_all: true` in the profile).
    #[arg(long)]
    pub require_all: bool,
}

/// How requests are paced, bounded and retried (shared by `run` and `doctor`).
#[derive(Debug, Clone, clap::Args)]
pub struct NetArgs {
    /// Whole-request timeout per attempt, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    pub timeout: f64,
    /// Connect timeout, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    pub connect_timeout: f64,
    /// Longest silence while reading a response, in seconds (default: the timeout).
    #[arg(long, value_name = "SECS")]
    pub read_timeout: Option<f64>,
    /// At most this many requests per second, over all cases (default: no limit).
    #[arg(long, value_name = "N")]
    pub rps: Option<f64>,
    /// Attempts per request when the target answers 429 or 503 (1: no retry).
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub max_attempts: u32,
    /// Longest wait before a retry, in seconds, whatever Retry-After asks.
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    pub max_retry_wait: f64,
}

impl NetArgs {
    /// These arguments as the library's options.
    pub fn options(&self) -> NetOptions {
        NetOptions {
            timeout: self.timeout,
            connect_timeout: self.connect_timeout,
            read_timeout: self.read_timeout,
            rps: self.rps,
            max_attempts: self.max_attempts,
            max_retry_wait: self.max_retry_wait,
        }
    }

    /// The client options these arguments ask for, or a usage error.
    pub fn client_options(&self) -> Result<ClientOptions, CliError> {
        self.options()
            .client_options()
            .map_err(|e| CliError::Usage(e.to_string()))
    }
}

/// Runs `plan` on `session` with the console's progress (one line per case, or a bar on a
/// terminal) and returns the run's report.
pub(crate) async fn run_with_progress(
    session: &RunSession,
    plan: &Plan,
    verbose: bool,
) -> RunReport {
    let mut progress = None;
    let report = session
        .run(plan, |event| match event {
            RunEvent::Started { cases } => {
                progress = Some(Progress::start(
                    ConsoleMode::choose(Terminal::detect(), cases, verbose),
                    cases,
                ));
            }
            RunEvent::CaseFinished { outcome, case } => {
                if let Some(progress) = &progress {
                    progress.case(outcome, Some(case));
                }
            }
            RunEvent::CleanupFinished { .. } | RunEvent::Finished { .. } => {}
        })
        .await;
    if let Some(progress) = progress {
        progress.finish();
    }
    report
}

/// First Ctrl-C: stop starting cases, let running steps finish, clean up (the run goes on to its
/// end). Second Ctrl-C: quit at once (exit 130), listing what is left uncancelled.
pub(crate) async fn watch_ctrl_c(control: RunControl) {
    if tokio::signal::ctrl_c().await.is_err() {
        return;
    }
    control.interrupt.trigger();
    eprintln!(
        "\ninterrupted: no new case starts; running steps finish, then everything this run created \
         is cancelled (Ctrl-C again to quit at once, leaving it in place)"
    );
    if tokio::signal::ctrl_c().await.is_err() {
        return;
    }
    let pending = control.ledger.pending();
    let uncertain = control.ledger.uncertain();
    eprintln!(
        "interrupted again: quitting without finishing cleanup; {} appointment(s) this run created may remain:",
        pending.len() + uncertain.len()
    );
    for created in pending {
        eprintln!(
            "  Appointment/{} (case {}, target #{})",
            created.id, created.case, created.target
        );
    }
    for lost in uncertain {
        eprintln!(
            "  the create of step \"{}\" (case {}, target #{}) may have created one: {}",
            lost.step, lost.case, lost.target, lost.why
        );
    }
    std::process::exit(130);
}

/// The cleanup ledger after an interrupted run: each appointment the run created and its fate.
pub(crate) fn ledger_lines(report: &RunReport) -> String {
    let mut out = format!(
        "ledger: {} appointment(s) created by this run\n",
        report.cleanup.iter().filter(|t| t.was_created()).count()
    );
    for tidied in &report.cleanup {
        let entry = CleanupEntry::of(tidied);
        let fate = match (&entry.problem, entry.not_created) {
            (Some(problem), _) => format!("NOT cancelled: {problem}"),
            (None, true) => "not created (the sweep found nothing it made)".to_owned(),
            (None, false) if entry.found_by.is_some() => "found by the sweep, cancelled".to_owned(),
            (None, false) => "cancelled".to_owned(),
        };
        out.push_str(&format!(
            "  {} (case {}, target {}): {fate}\n",
            entry.subject(),
            entry.case,
            entry.target
        ));
    }
    out
}

/// One line per target of `session`: its label, base URL, profile and how it authenticates.
pub(crate) fn print_targets(session: &RunSession) {
    for target in session.targets() {
        println!(
            "target {}: {} (profile {}; {})",
            target.label,
            target.base_url,
            target.profile.name,
            target.auth.describe()
        );
    }
}
