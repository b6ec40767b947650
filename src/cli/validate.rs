//! `validate`: load and lint every case file, send nothing. Exit 0 when clean, 2 with every problem.

use std::path::PathBuf;

use crate::cli::CliError;
use crate::suite::load_suite;

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// The folder of case files (with requirements.yaml).
    #[arg(long, value_name = "DIR")]
    pub cases: Option<PathBuf>,
}

pub fn run(args: &ValidateArgs) -> Result<(), CliError> {
    let dir = crate::cli::selection::cases_dir_or_default(args.cases.as_ref());
    let suite = load_suite(&dir).map_err(|e| CliError::Usage(e.to_string()))?;
    let steps: usize = suite.cases.iter().map(|c| c.spec.steps.value.len()).sum();
    println!(
        "{}: {} case(s), {} step(s), no problems",
        dir.display(),
        suite.cases.len(),
        steps
    );
    Ok(())
}
