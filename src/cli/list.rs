//! `list`: every case with its edition, the behaviour IDs it checks and what it requires of a
//! target (a file serving both editions is listed once per edition).

use crate::cli::CliError;
use crate::cli::selection::SelectionArgs;
use crate::suite::load_suite;

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub select: SelectionArgs,
}

pub fn run(args: &ListArgs) -> Result<(), CliError> {
    let suite = load_suite(&args.select.cases_dir()).map_err(|e| CliError::Usage(e.to_string()))?;
    args.select.check(&suite)?;
    let selection = args.select.selection();
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
        println!(
            "{:<width$}  {:<7}  {}{needs}",
            case.name(),
            case.edition.as_str(),
            ids.join(" ")
        );
    }
    Ok(())
}
