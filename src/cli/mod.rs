//! The command line: argument types and one file per subcommand. `anyhow` lives here only.
//!
//! Exit codes: 0 everything passed; 1 a case failed or errored (or `coverage`/`mutants` found a
//! gap); 2 usage, profile or case-file errors (nothing was run).

pub mod bench;
pub mod compare;
pub mod coverage;
pub mod describe;
pub mod doctor;
pub mod dry_run;
pub mod editions;
pub mod init;
pub mod list;
pub mod mutants;
pub mod replay;
pub mod report;
pub mod run;
pub mod running;
pub mod selection;
pub mod serve;
pub mod serve_faults;
pub mod target_args;
pub mod validate;

use clap::{Parser, Subcommand};

pub const EXIT_OK: u8 = 0;
pub const EXIT_FAILED: u8 = 1;
pub const EXIT_USAGE: u8 = 2;

/// The exit code of a run (or merge, or replay) from its one verdict: [`EXIT_OK`] passed,
/// [`EXIT_FAILED`] the target failed, [`EXIT_USAGE`] (2) the set-up kept it from judging
/// (nothing, or some cases): see [`crate::outcome::RunVerdict::exit_code`].
pub(crate) fn exit_for(verdict: &crate::outcome::RunVerdict) -> u8 {
    verdict.exit_code()
}

/// Refuses a folder option (`--report-dir`, `--record`) that names an existing file, before
/// anything runs.
pub(crate) fn folder_option(option: &str, dir: Option<&std::path::Path>) -> Result<(), CliError> {
    match dir {
        Some(dir) if dir.exists() && !dir.is_dir() => Err(CliError::Usage(format!(
            "{option} `{}` is a file, not a folder",
            dir.display()
        ))),
        _ => Ok(()),
    }
}

/// The names (`<edition>/<case>`) of the cases `selection` keeps, and the suite they make as
/// reports name it.
pub(crate) fn selected_suite(
    suite: &crate::suite::Suite,
    selection: &crate::plan::Selection,
) -> (Vec<String>, crate::report::SuiteRef) {
    let names: Vec<String> = suite
        .cases
        .iter()
        .filter(|c| selection.selects(c))
        .map(|c| format!("{}/{}", c.edition, c.name()))
        .collect();
    let selected =
        crate::report::SuiteRef::of(suite.catalogue_2023_09(), names.iter().map(String::as_str));
    (names, selected)
}

/// Writes the report files of `report` into `dir` and prints each path (`report: PATH`).
///
/// Errors: a file that cannot be written (with its path).
pub(crate) fn write_and_name(
    dir: &std::path::Path,
    report: &crate::report::Report,
) -> Result<(), CliError> {
    use anyhow::Context as _;
    let paths = crate::report::write_reports(dir, report).context("failed to write the reports")?;
    for path in paths {
        println!("report: {}", path.display());
    }
    Ok(())
}

/// Conformance harness for the Canvas Medical FHIR Appointment API, with a reference server.
#[derive(Debug, Parser)]
#[command(name = "canvas-conformance", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the cases against a target (default: the embedded reference server).
    Run(run::RunArgs),
    /// Write a profile for your sandbox from read-only requests: edition, fixtures, skips.
    Init(init::InitArgs),
    /// Check a target and profile before a run: reachability, token, fixtures, skipped cases.
    Doctor(doctor::DoctorArgs),
    /// List the cases and the behaviour IDs they check.
    List(list::ListArgs),
    /// Lint case files without sending anything.
    Validate(validate::ValidateArgs),
    /// Show which cases cover each documented behaviour.
    Coverage(coverage::CoverageArgs),
    /// The changelog between the editions: per behaviour ID SAME, CHANGED, NEW or REMOVED.
    Editions(editions::EditionsArgs),
    /// Prove the suite can fail: run it against every mutant of the reference server.
    Mutants(mutants::MutantsArgs),
    /// Start the reference server (a local Canvas Appointment API).
    Serve(serve::ServeArgs),
    /// Measure the suite, the harness overhead and the reference server under load.
    Bench(bench::BenchArgs),
    /// Re-judge a recording (`run --record DIR`) with the current cases, offline, and report.
    Replay(replay::ReplayArgs),
    /// Work with report folders: `report merge` joins the shards of a partitioned run.
    Report(report::ReportArgs),
}

/// A failure that decides the exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad usage, profile or case files: exit 2.
    #[error("{0}")]
    Usage(String),
    /// Anything else that stopped the command: exit 1.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}
