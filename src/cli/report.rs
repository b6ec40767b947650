//! `report merge DIR… --out DIR`: joins the `report.json` of every shard of one partitioned run
//! (`run --partition …`) into one set of reports, with one verdict; exit code as a single run's.

use std::path::PathBuf;

use anyhow::Context as _;

use crate::cli::{CliError, exit_for};
use crate::report::merge::merge;
use crate::report::write::JSON_FILE;
use crate::report::{Report, write_reports};

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    #[command(subcommand)]
    pub action: ReportAction,
}

#[derive(Debug, clap::Subcommand)]
pub enum ReportAction {
    /// Merge the report folders of every shard of one partitioned run into one set of reports.
    Merge {
        /// The `--report-dir` of each shard.
        #[arg(required = true, value_name = "DIR")]
        shards: Vec<PathBuf>,
        /// Where to write junit.xml, report.json, report.html, summary.md and testreport.json.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

pub fn run(args: &ReportArgs) -> Result<u8, CliError> {
    let ReportAction::Merge { shards, out } = &args.action;
    let mut reports = Vec::new();
    let mut names = Vec::new();
    for dir in shards {
        let path = dir.join(JSON_FILE);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", path.display())))?;
        let report: Report = serde_json::from_str(&text).map_err(|e| {
            CliError::Usage(format!(
                "{}:{}:{}: not a report.json this tool can read: {e}",
                path.display(),
                e.line(),
                e.column()
            ))
        })?;
        reports.push(report);
        names.push(dir.display().to_string());
    }
    let merged = merge(reports, &names).map_err(|e| CliError::Usage(e.to_string()))?;
    let paths = write_reports(out, &merged).context("failed to write the merged reports")?;
    println!(
        "merged {} shard(s): {} cases, {} passed, {} failed, {} errored, {} skipped",
        shards.len(),
        merged.totals.cases.total,
        merged.totals.cases.passed,
        merged.totals.cases.failed,
        merged.totals.cases.errored,
        merged.totals.cases.skipped
    );
    for path in paths {
        println!("report: {}", path.display());
    }
    println!("verdict: {}", merged.verdict.headline());
    Ok(exit_for(&merged.verdict))
}
