//! `mutants`: run the suite against the unbroken reference servers and against every mutant; print
//! which behaviour IDs caught each. Exit 1 if the unbroken servers fail anything or a mutant survives.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;

use crate::cli::{CliError, EXIT_FAILED, EXIT_OK};
use crate::exchange::Client;
use crate::run::mutation::{MutantResult, analyse};
use crate::run::options::default_jobs;
use crate::server::Mutant;
use crate::suite::{default_cases_dir, load_suite};

#[derive(Debug, clap::Args)]
pub struct MutantsArgs {
    #[arg(long, value_name = "DIR")]
    pub cases: Option<PathBuf>,
    /// Only mutants whose name contains this text.
    #[arg(long, value_name = "PATTERN")]
    pub filter: Option<String>,
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
}

pub async fn run(args: MutantsArgs) -> Result<u8, CliError> {
    let dir = args.cases.clone().unwrap_or_else(default_cases_dir);
    let suite = load_suite(&dir).map_err(|e| CliError::Usage(e.to_string()))?;
    let mutants: Vec<Mutant> = Mutant::ALL
        .iter()
        .copied()
        .filter(|m| args.filter.as_deref().is_none_or(|f| m.name().contains(f)))
        .collect();
    if mutants.is_empty() {
        return Err(CliError::Usage(
            "no mutant matches the filter (see `serve --list-mutants`)".to_owned(),
        ));
    }
    let client = Client::new(Duration::from_secs(30)).context("failed to start the HTTP client")?;
    let width = mutants.iter().map(|m| m.name().len()).max().unwrap_or(0);
    let report = analyse(
        &suite.cases,
        &mutants,
        &client,
        args.jobs.unwrap_or_else(default_jobs),
        |result| {
            println!("{}", line(result, width));
        },
    )
    .await
    .context("failed to start the reference servers")?;
    let baseline = &report.baseline;
    println!(
        "unbroken reference: {} passed, {} failed, {} errored, {} skipped",
        baseline.passed, baseline.failed, baseline.errored, baseline.skipped
    );
    for name in &report.baseline_failures {
        println!("  the unbroken server fails {name}");
    }
    let killed = report.mutants.iter().filter(|m| m.killed()).count();
    println!(
        "{killed} of {} mutants killed ({:.0}%)",
        report.mutants.len(),
        100.0 * killed as f64 / report.mutants.len() as f64
    );
    Ok(if report.all_good() {
        EXIT_OK
    } else {
        EXIT_FAILED
    })
}

fn line(result: &MutantResult, width: usize) -> String {
    let verdict = if result.killed() {
        "KILLED"
    } else if result.failing_cases.is_empty() {
        "SURVIVED"
    } else {
        "MISSED"
    };
    let caught: Vec<&str> = result.caught_by.iter().map(String::as_str).collect();
    let detail = if result.failing_cases.is_empty() {
        "no case failed".to_owned()
    } else {
        format!(
            "caught by {} ({})",
            caught.join(" "),
            result.failing_cases.join(", ")
        )
    };
    let note = if !result.killed() && !result.failing_cases.is_empty() {
        format!(" — no case checking {} failed", result.behaviour)
    } else {
        String::new()
    };
    format!(
        "{verdict:<8} {:<width$}  {:<26} {detail}{note}",
        result.mutant, result.behaviour
    )
}
