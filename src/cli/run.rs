//! `run`: load and lint the suite, pick the target (embedded reference servers unless `--target`),
//! plan, run, print one line per case with failure details (or a progress bar on a terminal),
//! cancel what was created, write the `--report-dir` files, and exit 0 (all passed) or 1 (something
//! failed or errored).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;

use crate::cli::{CliError, EXIT_FAILED, EXIT_OK};
use crate::exchange::Client;
use crate::outcome::Tally;
use crate::plan::{Selection, build};
use crate::report::console;
use crate::report::progress::{ConsoleMode, Progress, Terminal};
use crate::report::{Report, ReportInput, TargetInfo, write_reports};
use crate::run::embedded::Embedded;
use crate::run::scope::new_run_id;
use crate::run::snapshots::{SnapshotStore, UpdateMode};
use crate::run::{RunOptions, run_plan};
use crate::server::Mutant;
use crate::suite::{default_cases_dir, load_suite};
use crate::target::{Profile, Secret, Target};

/// The static token of the reference instance (REFERENCE-INSTANCE.md).
pub const REFERENCE_TOKEN: &str = "dev-token";

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// FHIR base URL of the server to test (default: start the embedded reference servers).
    #[arg(long, value_name = "URL")]
    pub target: Option<String>,
    /// Bearer token for the target.
    #[arg(
        long,
        env = "CANVAS_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub token: Option<String>,
    /// Target profile (YAML): fixtures, capabilities, allow_writes (default: the reference instance).
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// The folder of case files (with requirements.yaml).
    #[arg(long, value_name = "DIR")]
    pub cases: Option<PathBuf>,
    /// Only cases whose name contains this text.
    #[arg(long, value_name = "PATTERN")]
    pub filter: Option<String>,
    /// Only cases checking this behaviour ID (repeatable).
    #[arg(long = "behaviour", value_name = "ID")]
    pub behaviours: Vec<String>,
    /// Cases in flight at once (default: the number of cores).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Per-request timeout in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub timeout: u64,
    /// Folder of snapshot files (default: `snapshots/` beside the case folder).
    #[arg(long, value_name = "DIR")]
    pub snapshots: Option<PathBuf>,
    /// Accept what was observed: overwrite drifted and new snapshots (like INSTA_UPDATE=always).
    #[arg(long)]
    pub update_snapshots: bool,
    /// Report snapshot drift without failing the run.
    #[arg(long)]
    pub allow_drift: bool,
    /// Run against embedded reference servers with this behaviour broken (see `serve --list-mutants`).
    #[arg(long, value_name = "NAME", conflicts_with = "target")]
    pub mutant: Option<String>,
    /// Write junit.xml, report.json, report.html and summary.md into this folder (created if missing).
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,
}

pub async fn run(args: RunArgs) -> Result<u8, CliError> {
    if let Some(dir) = &args.report_dir
        && dir.exists()
        && !dir.is_dir()
    {
        return Err(CliError::Usage(format!(
            "--report-dir `{}` is a file, not a folder",
            dir.display()
        )));
    }
    let dir = args.cases.clone().unwrap_or_else(default_cases_dir);
    let suite = load_suite(&dir).map_err(|e| CliError::Usage(e.to_string()))?;
    for id in &args.behaviours {
        if suite.catalogue.get(id).is_none() {
            return Err(CliError::Usage(format!(
                "unknown behaviour ID `{id}` in --behaviour (see `canvas-conformance list`)"
            )));
        }
    }
    let mutant = match &args.mutant {
        None => None,
        Some(name) => Some(Mutant::from_name(name).ok_or_else(|| {
            let names: Vec<&str> = Mutant::ALL.iter().map(|m| m.name()).collect();
            CliError::Usage(format!(
                "unknown mutant `{name}`; known mutants: {}",
                names.join(", ")
            ))
        })?),
    };
    let profile = match &args.profile {
        Some(path) => Profile::load(path).map_err(|e| CliError::Usage(e.to_string()))?,
        None => Profile::reference(),
    };
    let client = Client::new(Duration::from_secs(args.timeout.max(1)))
        .context("failed to start the HTTP client")?;
    let base_url = args.target.clone().or_else(|| profile.base_url.clone());
    let (targets, embedded) = match base_url {
        Some(url) => {
            let url = parse_base_url(&url)?;
            let token = match (&args.token, profile.name.as_str()) {
                (Some(token), _) => token.clone(),
                (None, "reference") => REFERENCE_TOKEN.to_owned(),
                (None, name) => {
                    return Err(CliError::Usage(format!(
                        "no token for profile `{name}`: pass --token or set CANVAS_TOKEN"
                    )));
                }
            };
            let target = Target {
                label: "target".to_owned(),
                base_url: url,
                token: Secret::new(token),
                profile: Arc::new(profile),
            };
            (vec![target], None)
        }
        None if args.profile.is_some() => {
            return Err(CliError::Usage(
                "the profile has no base_url: pass --target URL".to_owned(),
            ));
        }
        None => {
            let embedded = Embedded::start(mutant)
                .await
                .context("failed to start the embedded reference servers")?;
            (embedded.targets.clone(), Some(embedded))
        }
    };
    for target in &targets {
        println!(
            "target {}: {} (profile {})",
            target.label, target.base_url, target.profile.name
        );
    }
    let selection = Selection {
        filter: args.filter.clone(),
        behaviours: args.behaviours.clone(),
    };
    let plan = build(&suite.cases, &targets, &selection);
    if plan.items.is_empty() {
        return Err(CliError::Usage("no case matches the filter".to_owned()));
    }
    let snapshot_dir = args
        .snapshots
        .clone()
        .unwrap_or_else(|| default_snapshots_dir(&dir));
    let store = Arc::new(SnapshotStore::new(
        snapshot_dir,
        // A mutant run shows drift but must not leave pending files for a server that is broken on purpose.
        if mutant.is_some() {
            UpdateMode::No
        } else {
            UpdateMode::from_env(args.update_snapshots)
        },
    ));
    let options = RunOptions {
        jobs: args.jobs.unwrap_or_else(default_jobs),
        run_id: new_run_id(),
        snapshots: Some(Arc::clone(&store)),
    };
    let profiles: Vec<String> = targets.iter().map(|t| t.profile.name.clone()).collect();
    let unfiltered = args.filter.is_none() && args.behaviours.is_empty();
    let cases: Vec<_> = plan.items.iter().map(|i| Arc::clone(&i.case)).collect();
    let infos: Vec<TargetInfo> = targets.iter().map(TargetInfo::of).collect();
    let started_at = jiff::Timestamp::now();
    let progress = Progress::start(
        ConsoleMode::choose(Terminal::detect(), cases.len()),
        cases.len(),
    );
    let mut shown = 0;
    let report = run_plan(&plan, Arc::new(targets), client, &options, |outcome| {
        progress.case(outcome, cases.get(shown).map(Arc::as_ref));
        shown += 1;
    })
    .await;
    progress.finish();
    let unreferenced = if unfiltered {
        store.unreferenced(&profiles.iter().map(String::as_str).collect::<Vec<_>>())
    } else {
        Vec::new()
    };
    print!(
        "{}",
        console::snapshot_summary(&report.outcomes, &unreferenced)
    );
    print!("{}", console::summary(&report));
    if let Some(embedded) = embedded {
        embedded.shutdown().await;
    }
    if let Some(dir) = &args.report_dir {
        let model = Report::build(&ReportInput {
            run: &report,
            catalogue: &suite.catalogue,
            targets: infos,
            started_at,
        });
        let paths = write_reports(dir, &model).context("failed to write the reports")?;
        for path in paths {
            println!("report: {}", path.display());
        }
    }
    let cleanup_ok = report.cleanup.iter().all(|t| t.problem.is_none());
    let drift_ok = args.allow_drift || console::drifted(&report.outcomes).next().is_none();
    Ok(
        if Tally::of(&report.outcomes).all_passed() && cleanup_ok && drift_ok {
            EXIT_OK
        } else {
            EXIT_FAILED
        },
    )
}

/// `snapshots/` beside the case folder (the project root for `cases/`).
pub fn default_snapshots_dir(cases: &std::path::Path) -> PathBuf {
    cases
        .parent()
        .unwrap_or_else(|| std::path::Path::new(""))
        .join("snapshots")
}

pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(2, usize::from)
}

fn parse_base_url(url: &str) -> Result<String, CliError> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| CliError::Usage(format!("--target `{url}` is not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(CliError::Usage(format!(
            "--target `{url}` must be an http or https URL"
        )));
    }
    if parsed.query().is_some() {
        return Err(CliError::Usage(format!(
            "--target `{url}` must not carry a query"
        )));
    }
    Ok(url.trim_end_matches('/').to_owned())
}
