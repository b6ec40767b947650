//! `mutants`: per edition, run its suite against its unbroken reference servers and against each of
//! its mutants; print which behaviour IDs caught each. Exit 1 if the unbroken servers fail anything or a mutant survives.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;

use crate::cli::{CliError, EXIT_FAILED, EXIT_OK};
use crate::edition::Edition;
use crate::exchange::Client;
use crate::run::mutation::{MutantResult, analyse};
use crate::run::options::default_jobs;
use crate::suite::load_suite;
use canvas_sandbox::Mutant;

#[derive(Debug, clap::Args)]
pub struct MutantsArgs {
    #[arg(long, value_name = "DIR")]
    pub cases: Option<PathBuf>,
    /// Only mutants whose name contains this text.
    #[arg(long, value_name = "PATTERN")]
    pub filter: Option<String>,
    /// Only this edition's suite and mutants (default: every edition the case folder has).
    #[arg(long, value_name = "EDITION")]
    pub edition: Option<Edition>,
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
}

pub async fn run(args: MutantsArgs) -> Result<u8, CliError> {
    let dir = crate::cli::selection::cases_dir_or_default(args.cases.as_ref());
    let suite = load_suite(&dir).map_err(|e| CliError::Usage(e.to_string()))?;
    let editions: Vec<Edition> = suite
        .editions()
        .into_iter()
        .filter(|e| args.edition.is_none_or(|asked| asked == *e))
        .collect();
    if editions.is_empty() {
        return Err(CliError::Usage(
            "the case folder has no catalogue for that edition".to_owned(),
        ));
    }
    let of = |edition: Edition| -> Vec<Mutant> {
        Mutant::of(edition)
            .into_iter()
            .filter(|m| args.filter.as_deref().is_none_or(|f| m.name().contains(f)))
            .collect()
    };
    if editions.iter().all(|e| of(*e).is_empty()) {
        return Err(CliError::Usage(
            "no mutant matches the filter (see `serve --list-mutants`)".to_owned(),
        ));
    }
    let client = Client::new(Duration::from_secs(30)).context("failed to start the HTTP client")?;
    let jobs = args.jobs.unwrap_or_else(default_jobs);
    let mut all_good = true;
    for edition in editions {
        let mutants = of(edition);
        if mutants.is_empty() {
            continue;
        }
        println!("edition {edition}: {} mutants", mutants.len());
        let width = mutants.iter().map(|m| m.name().len()).max().unwrap_or(0);
        let report = analyse(&suite.cases, edition, &mutants, &client, jobs, |result| {
            println!("{}", line(result, width));
        })
        .await
        .context("failed to start the reference servers")?;
        let baseline = &report.baseline;
        println!(
            "unbroken reference ({edition}): {} passed, {} failed, {} errored, {} skipped",
            baseline.passed, baseline.failed, baseline.errored, baseline.skipped
        );
        for name in &report.baseline_failures {
            println!("  the unbroken server fails {name}");
        }
        let killed = report.mutants.iter().filter(|m| m.killed()).count();
        println!(
            "{edition}: {killed} of {} mutants killed ({:.0}%)",
            report.mutants.len(),
            100.0 * killed as f64 / report.mutants.len() as f64
        );
        all_good &= report.all_good();
    }
    Ok(if all_good { EXIT_OK } else { EXIT_FAILED })
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
