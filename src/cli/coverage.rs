//! `coverage`: per edition, behaviour ID → level → the cases of that edition checking it. Exit 1
//! when an ID has no case or a case names an ID its edition's catalogue does not have.

use std::path::PathBuf;

use crate::case::edition::catalogue_file;
use crate::cli::{CliError, EXIT_FAILED, EXIT_OK};
use crate::edition::Edition;
use crate::requirements::Coverage;
use crate::suite::load_suite_unchecked_ids;

#[derive(Debug, clap::Args)]
pub struct CoverageArgs {
    #[arg(long, value_name = "DIR")]
    pub cases: Option<PathBuf>,
    /// Only this edition (default: every edition the case folder has a catalogue for).
    #[arg(long, value_name = "EDITION")]
    pub edition: Option<Edition>,
}

pub fn run(args: &CoverageArgs) -> Result<u8, CliError> {
    let dir = crate::cli::selection::cases_dir_or_default(args.cases.as_ref());
    let suite = load_suite_unchecked_ids(&dir).map_err(|e| CliError::Usage(e.to_string()))?;
    let mut complete = true;
    let mut shown = 0;
    for catalogue in &suite.catalogues {
        let edition = catalogue.edition;
        if args.edition.is_some_and(|asked| asked != edition) {
            continue;
        }
        shown += 1;
        let cases: Vec<_> = suite.cases_of(edition).collect();
        let coverage = Coverage::of(
            catalogue,
            cases.iter().map(|c| (c.name(), c.behaviours().collect())),
        );
        println!("edition {edition} ({})", catalogue_file(edition));
        let width = coverage.rows.iter().map(|r| r.id.len()).max().unwrap_or(0);
        for row in &coverage.rows {
            let cases = if row.cases.is_empty() {
                "UNCOVERED".to_owned()
            } else {
                row.cases.join(", ")
            };
            println!("  {:<width$}  {:<8}  {cases}", row.id, row.level.as_str());
        }
        for (case, id) in &coverage.unknown {
            println!("  unknown behaviour ID `{id}` named by case {case}");
        }
        let covered = coverage.rows.len() - coverage.uncovered().count();
        println!(
            "{edition}: {covered} of {} behaviours covered by {} cases",
            coverage.rows.len(),
            cases.len()
        );
        complete &= coverage.complete();
    }
    if shown == 0 {
        return Err(CliError::Usage(
            "the case folder has no catalogue for that edition".to_owned(),
        ));
    }
    Ok(if complete { EXIT_OK } else { EXIT_FAILED })
}
