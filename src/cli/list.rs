//! `list`: every case with the behaviour IDs it checks and what it requires of a target.

use std::path::PathBuf;

use crate::cli::CliError;
use crate::plan::Selection;
use crate::suite::{default_cases_dir, load_suite};

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    #[arg(long, value_name = "DIR")]
    pub cases: Option<PathBuf>,
    /// Only cases whose name contains this text.
    #[arg(long, value_name = "PATTERN")]
    pub filter: Option<String>,
    /// Only cases checking this behaviour ID (repeatable).
    #[arg(long = "behaviour", value_name = "ID")]
    pub behaviours: Vec<String>,
}

pub fn run(args: &ListArgs) -> Result<(), CliError> {
    let dir = args.cases.clone().unwrap_or_else(default_cases_dir);
    let suite = load_suite(&dir).map_err(|e| CliError::Usage(e.to_string()))?;
    let selection = Selection {
        filter: args.filter.clone(),
        behaviours: args.behaviours.clone(),
    };
    let width = suite
        .cases
        .iter()
        .map(|c| c.name().len())
        .max()
        .unwrap_or(0);
    for case in suite.cases.iter().filter(|c| selection.selects(c)) {
        let mut needs = Vec::new();
        if case.spec.requires.writes {
            needs.push("writes".to_owned());
        }
        if let Some(setting) = case.spec.requires.double_booking {
            needs.push(format!("double_booking: {}", setting.as_str()));
        }
        let needs = if needs.is_empty() {
            String::new()
        } else {
            format!("  (requires {})", needs.join(", "))
        };
        let ids: Vec<&str> = case.behaviours().collect();
        println!("{:<width$}  {}{needs}", case.name(), ids.join(" "));
    }
    Ok(())
}
