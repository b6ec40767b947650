//! `coverage`: behaviour ID → level → the cases checking it. Exit 1 when an ID has no case or a case
//! names an ID the catalogue does not have.

use std::path::PathBuf;

use crate::cli::{CliError, EXIT_FAILED, EXIT_OK};
use crate::requirements::Coverage;
use crate::suite::{default_cases_dir, load_suite_unchecked_ids};

#[derive(Debug, clap::Args)]
pub struct CoverageArgs {
    #[arg(long, value_name = "DIR")]
    pub cases: Option<PathBuf>,
}

pub fn run(args: &CoverageArgs) -> Result<u8, CliError> {
    let dir = args.cases.clone().unwrap_or_else(default_cases_dir);
    let suite = load_suite_unchecked_ids(&dir).map_err(|e| CliError::Usage(e.to_string()))?;
    let coverage = Coverage::of(
        suite.catalogue_2023_09(),
        suite
            .cases
            .iter()
            .map(|c| (c.name(), c.behaviours().collect())),
    );
    let width = coverage.rows.iter().map(|r| r.id.len()).max().unwrap_or(0);
    for row in &coverage.rows {
        let cases = if row.cases.is_empty() {
            "UNCOVERED".to_owned()
        } else {
            row.cases.join(", ")
        };
        println!("{:<width$}  {:<8}  {cases}", row.id, row.level.as_str());
    }
    for (case, id) in &coverage.unknown {
        println!("unknown behaviour ID `{id}` named by case {case}");
    }
    let covered = coverage.rows.len() - coverage.uncovered().count();
    println!(
        "{covered} of {} behaviours covered by {} cases",
        coverage.rows.len(),
        suite.cases.len()
    );
    Ok(if coverage.complete() {
        EXIT_OK
    } else {
        EXIT_FAILED
    })
}
