//! `replay DIR`: re-judge a recording (`run --record DIR`) with the current cases and checks,
//! offline: the recorded targets and run id, every answer from the recording, no socket opened.
//! Prints and writes what `run` does (`--report-dir`); exit 0 (all passed) or 1.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::cli::running::run_with_progress;
use crate::cli::{CliError, exit_for, folder_option, write_and_name};
use crate::exchange::Client;
use crate::exchange::replay::Replayer;
use crate::exchange::send::ClientOptions;
use crate::exchange::tape::Header;
use crate::plan::Selection;
use crate::report::console;
use crate::report::{Report, ReportInput, SuiteRef, TargetInfo};
use crate::requirements::Catalogue;
use crate::run::options::{default_jobs, default_snapshots_dir};
use crate::run::snapshots::{ReadOnly, UpdateMode};
use crate::run::{RunSession, SessionOptions, TargetChoice};
use crate::suite::{Suite, load_suite};

#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// The folder `run --record DIR` wrote (or its recording.jsonl).
    #[arg(value_name = "DIR")]
    pub recording: PathBuf,
    /// Folder of case files to judge with (default: the project's `cases/`).
    #[arg(long, value_name = "DIR")]
    pub cases: Option<PathBuf>,
    /// Folder of snapshot files (default: `snapshots/` beside the case folder); nothing is written.
    #[arg(long, value_name = "DIR")]
    pub snapshots: Option<PathBuf>,
    /// Report snapshot drift without failing.
    #[arg(long)]
    pub allow_drift: bool,
    /// Cases judged at once (default: the number of cores).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Write junit.xml, report.json, report.html, summary.md and testreport.json into this folder
    /// (created if missing).
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,
    /// Print every case (by default: problems, skips grouped by reason).
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

pub async fn run(args: ReplayArgs) -> Result<u8, CliError> {
    folder_option("--report-dir", args.report_dir.as_deref())?;
    let replayer = Replayer::open(&args.recording).map_err(|e| CliError::Usage(e.to_string()))?;
    let header = replayer.header().clone();
    let cases_dir = crate::cli::selection::cases_dir_or_default(args.cases.as_ref());
    let suite = load_suite(&cases_dir).map_err(|e| CliError::Usage(e.to_string()))?;
    let suite_ref = same_suite(&header, &suite, &cases_dir.display().to_string())?;
    let targets = header.targets.iter().map(|t| t.target()).collect();
    let client = Client::replaying(
        Arc::new(replayer),
        ClientOptions::with_timeout(Duration::from_secs(30)),
    );
    let snapshot_dir = args
        .snapshots
        .clone()
        .unwrap_or_else(|| default_snapshots_dir(&cases_dir));
    let session = RunSession::open_with(
        SessionOptions {
            targets: TargetChoice::Given(targets),
            client: client.options().clone(),
            jobs: args.jobs.unwrap_or_else(default_jobs),
            snapshots: Some((snapshot_dir, UpdateMode::No(ReadOnly::Replay))),
            allow_drift: args.allow_drift,
            require_auth: false,
        },
        client,
    )
    .await
    .map_err(|e| CliError::Other(e.into()))?
    .with_run_id(&header.run.run_id)
    .with_cause(header.run.cause.clone())
    .require_all(header.targets.iter().any(|t| t.profile.require_all));
    println!(
        "replay of run {} (recorded {}, {} case(s)): answers come from the recording, nothing is sent",
        header.run.run_id,
        header.run.started_at,
        header.run.cases.len()
    );
    for target in session.targets() {
        println!(
            "target {}: {} (profile {}; recorded)",
            target.label, target.base_url, target.profile.name
        );
    }
    // The recorded run's cases, in the current case folder's words.
    let recorded: BTreeSet<&str> = header.run.cases.iter().map(String::as_str).collect();
    let cases: Vec<_> = suite
        .cases
        .iter()
        .filter(|c| recorded.contains(format!("{}/{}", c.edition, c.name()).as_str()))
        .cloned()
        .collect();
    let selection = Selection {
        editions: header.run.editions.clone(),
        ..Selection::default()
    };
    let plan = session.plan(&cases, &selection);
    let report = run_with_progress(&session, &plan, args.verbose).await;
    print!("{}", console::snapshot_summary(&report.outcomes, &[]));
    print!("{}", console::summary(&report));
    let infos: Vec<TargetInfo> = session.targets().iter().map(TargetInfo::of).collect();
    session.close().await;
    if let Some(dir) = &args.report_dir {
        let catalogues: Vec<&Catalogue> = header
            .run
            .editions
            .iter()
            .filter_map(|e| suite.catalogue(*e))
            .collect();
        let model = Report::build(&ReportInput {
            run: &report,
            catalogues,
            targets: infos,
            started_at: header.run.started_at,
            suite: suite_ref,
            partition: header.run.partition,
            allow_drift: args.allow_drift,
        });
        write_and_name(dir, &model)?;
    }
    Ok(exit_for(&report.verdict))
}

/// The recorded suite as reports name it, when the case folder (`shown`) holds the same suite:
/// a catalogue for every recorded edition, every recorded case, and the same digest.
fn same_suite(header: &Header, suite: &Suite, shown: &str) -> Result<SuiteRef, CliError> {
    for edition in &header.run.editions {
        if suite.catalogue(*edition).is_none() {
            return Err(CliError::Usage(format!(
                "the recording is of edition {edition}, and the case folder {shown} has no catalogue for it: replay it with that edition's cases (--cases DIR)"
            )));
        }
    }
    let have: BTreeSet<String> = suite
        .cases
        .iter()
        .map(|c| format!("{}/{}", c.edition, c.name()))
        .collect();
    let missing: Vec<&str> = header
        .run
        .selected
        .iter()
        .chain(&header.run.cases)
        .filter(|name| !have.contains(*name))
        .map(String::as_str)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if !missing.is_empty() {
        return Err(CliError::Usage(format!(
            "the recording ran another suite: the case folder {shown} has no case {} (recorded {} case(s), suite digest {})",
            missing.join(", "),
            header.run.suite.cases,
            header.run.suite.digest
        )));
    }
    let ours = SuiteRef::of(
        suite.catalogue_2023_09(),
        header.run.selected.iter().map(String::as_str),
    );
    if ours.digest != header.run.suite.digest || ours.cases != header.run.suite.cases {
        return Err(CliError::Usage(format!(
            "the recording ran another suite: recorded {} case(s) with digest {}, the case folder {shown} gives {} with digest {} (another catalogue page?)",
            header.run.suite.cases, header.run.suite.digest, ours.cases, ours.digest
        )));
    }
    Ok(ours)
}
