//! `run`: load and lint the suite, pick the target and its auth (embedded reference servers unless
//! `--target`/a profile's base_url), plan, run (or `--dry-run`: print curl lines), print one line per
//! case (or a progress bar on a terminal), compare snapshots, cancel what was created (also after
//! Ctrl-C), write the `--report-dir` files, and exit 0 (all passed) or 1.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;

use crate::cli::selection::SelectionArgs;
use crate::cli::target_args::TargetArgs;
use crate::cli::{CliError, EXIT_FAILED, EXIT_OK, dry_run};
use crate::edition::Edition;
use crate::exchange::Client;
use crate::exchange::send::{ClientOptions, RetryPolicy};
use crate::plan::build;
use crate::report::console;
use crate::report::progress::{ConsoleMode, Progress, Terminal};
use crate::report::{Report, ReportInput, SuiteRef, TargetInfo, write_reports};
use crate::run::embedded::{Embedded, server_edition};
use crate::run::scope::new_run_id;
use crate::run::snapshots::{SnapshotStore, UpdateMode};
use crate::run::{RunControl, RunOptions, RunReport, run_plan_with};
use crate::server::{Edition as ServerEdition, Mutant};
use crate::suite::load_suite;
use crate::target::profile::http_url;
use crate::target::{Baseline, Target, for_profile};

/// The static token of the reference instance (REFERENCE-INSTANCE.md).
pub const REFERENCE_TOKEN: &str = crate::target::REFERENCE_TOKEN;

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub target_args: TargetArgs,
    #[command(flatten)]
    pub select: SelectionArgs,
    /// Cases in flight at once (default: the number of cores).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    #[command(flatten)]
    pub net: NetArgs,
    /// Print the planned requests as curl lines (Authorization masked) and send nothing.
    #[arg(long)]
    pub dry_run: bool,
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

/// How requests are paced, bounded and retried (shared by `run` and `doctor`).
#[derive(Debug, Clone, clap::Args)]
pub struct NetArgs {
    /// Whole-request timeout per attempt, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    pub timeout: f64,
    /// Connect timeout, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    pub connect_timeout: f64,
    /// Longest silence while reading a response, in seconds (default: the timeout).
    #[arg(long, value_name = "SECS")]
    pub read_timeout: Option<f64>,
    /// At most this many requests per second, over all cases (default: no limit).
    #[arg(long, value_name = "N")]
    pub rps: Option<f64>,
    /// Attempts per request when the target answers 429 or 503 (1: no retry).
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub max_attempts: u32,
    /// Longest wait before a retry, in seconds, whatever Retry-After asks.
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    pub max_retry_wait: f64,
}

impl NetArgs {
    /// The client options these arguments ask for, or a usage error.
    pub fn client_options(&self) -> Result<ClientOptions, CliError> {
        let secs = |name: &str, value: f64| {
            if value.is_finite() && value > 0.0 && value <= 86_400.0 {
                Ok(Duration::from_secs_f64(value))
            } else {
                Err(CliError::Usage(format!(
                    "--{name} must be a number of seconds above 0 (and at most a day), not {value}"
                )))
            }
        };
        let timeout = secs("timeout", self.timeout)?;
        let mut options = ClientOptions::with_timeout(timeout);
        options.connect_timeout = secs("connect-timeout", self.connect_timeout)?;
        options.read_timeout = match self.read_timeout {
            Some(value) => secs("read-timeout", value)?,
            None => timeout,
        };
        if let Some(rps) = self.rps
            && !(rps.is_finite() && rps > 0.0)
        {
            return Err(CliError::Usage(format!(
                "--rps must be a number of requests per second above 0, not {rps}"
            )));
        }
        options.rps = self.rps;
        if self.max_attempts == 0 {
            return Err(CliError::Usage(
                "--max-attempts must be at least 1".to_owned(),
            ));
        }
        options.retry = RetryPolicy {
            attempts: self.max_attempts,
            max_wait: if self.max_retry_wait == 0.0 {
                Duration::ZERO
            } else {
                secs("max-retry-wait", self.max_retry_wait)?
            },
            ..RetryPolicy::default()
        };
        Ok(options)
    }
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
    let dir = args.select.cases_dir();
    let suite = load_suite(&dir).map_err(|e| CliError::Usage(e.to_string()))?;
    args.select.check(&suite)?;
    let mutant = match &args.mutant {
        None => None,
        Some(name) => Some(
            Mutant::from_name(name)
                .or_else(|| Mutant::from_name_in(ServerEdition::Current, name))
                .ok_or_else(|| {
                    let names: Vec<&str> = Mutant::ALL
                        .iter()
                        .chain(Mutant::CURRENT_ONLY)
                        .map(|m| m.name())
                        .collect();
                    CliError::Usage(format!(
                        "unknown mutant `{name}`; known mutants: {}",
                        names.join(", ")
                    ))
                })?,
        ),
    };
    let profile = args.target_args.load_profile_for(args.select.edition)?;
    let options = args.net.client_options()?;
    let client =
        Client::with_options(options.clone()).context("failed to start the HTTP client")?;
    let base_url = args.target_args.base_url(&profile)?;
    let (targets, embedded) = match base_url {
        Some(url) => {
            let auth = for_profile(&profile, args.target_args.token.clone(), options.timeout);
            if let Some(reason) = auth.unavailable_reason()
                && !args.dry_run
            {
                return Err(CliError::Usage(format!(
                    "cannot authenticate to the target: {reason}"
                )));
            }
            let target = Target {
                label: crate::target::label_for(&profile, &url),
                base_url: url,
                auth,
                profile: Arc::new(profile),
            };
            (vec![target], None)
        }
        None if args.target_args.profile.is_some() => {
            return Err(CliError::Usage(
                "the profile has no base_url: pass --target URL".to_owned(),
            ));
        }
        None => {
            // Each edition's suite against servers of its edition: the one asked for, else every
            // edition the case folder has a catalogue for (a mutant's own editions only).
            let editions: Vec<Edition> = suite
                .editions()
                .into_iter()
                .filter(|e| args.select.edition.is_none_or(|asked| asked == *e))
                .filter(|e| mutant.is_none_or(|m| m.editions().contains(&server_edition(*e))))
                .collect();
            let embedded = Embedded::start_editions(&editions, mutant)
                .await
                .context("failed to start the embedded reference servers")?;
            (embedded.targets.clone(), Some(embedded))
        }
    };
    for target in &targets {
        println!(
            "target {}: {} (profile {}; {})",
            target.label,
            target.base_url,
            target.profile.name,
            target.auth.describe()
        );
    }
    let mut selection = args.select.selection();
    if selection.editions.is_empty() {
        selection.editions = targets.iter().map(|t| t.profile.edition).collect();
        selection.editions.dedup();
    }
    let plan = build(&suite.cases, &targets, &selection);
    let selected = SuiteRef::of(
        suite.catalogue_2023_09(),
        suite
            .cases
            .iter()
            .filter(|c| selection.selects(c))
            .map(|c| c.name()),
    );
    // An empty shard is fine (a small suite over a wide runner matrix); an empty selection is not.
    if selected.cases == 0 {
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
    let run_options = RunOptions {
        jobs: args.jobs.unwrap_or_else(default_jobs),
        run_id: new_run_id(),
        snapshots: Some(Arc::clone(&store)),
        allow_drift: args.allow_drift,
    };
    // Only a target's own baseline can hold unreferenced snapshots (the reference folder is just
    // compared with for an unprofiled target).
    let profiles: Vec<String> = targets
        .iter()
        .filter(|t| t.profile.baseline == Baseline::Own)
        .map(|t| t.profile.name.clone())
        .collect();
    let unfiltered = args.select.is_everything();
    if args.dry_run {
        print!("{}", dry_run::render(&plan, &targets, &run_options.run_id));
        if let Some(embedded) = embedded {
            embedded.shutdown().await;
        }
        return Ok(EXIT_OK);
    }
    let control = RunControl::default();
    let watcher = tokio::spawn(watch_ctrl_c(control.clone()));
    let cases: Vec<_> = plan.items.iter().map(|i| Arc::clone(&i.case)).collect();
    let infos: Vec<TargetInfo> = targets.iter().map(TargetInfo::of).collect();
    let started_at = jiff::Timestamp::now();
    let progress = Progress::start(
        ConsoleMode::choose(Terminal::detect(), cases.len()),
        cases.len(),
    );
    let mut shown = 0;
    let report = run_plan_with(
        &plan,
        Arc::new(targets),
        client,
        &run_options,
        &control,
        |outcome| {
            progress.case(outcome, cases.get(shown).map(Arc::as_ref));
            shown += 1;
        },
    )
    .await;
    progress.finish();
    watcher.abort();
    let interrupted = control.interrupt.is_triggered();
    if interrupted {
        print!("{}", ledger_lines(&report));
    }
    let unreferenced = if unfiltered && !interrupted {
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
            catalogue: suite.catalogue_2023_09(),
            targets: infos,
            started_at,
            suite: selected,
            partition: selection.partition,
            allow_drift: args.allow_drift,
        });
        let paths = write_reports(dir, &model).context("failed to write the reports")?;
        for path in paths {
            println!("report: {}", path.display());
        }
    }
    Ok(if report.verdict.passed {
        EXIT_OK
    } else {
        EXIT_FAILED
    })
}

/// `snapshots/` beside the case folder (the project root for `cases/`).
pub fn default_snapshots_dir(cases: &std::path::Path) -> PathBuf {
    cases
        .parent()
        .unwrap_or_else(|| std::path::Path::new(""))
        .join("snapshots")
}

/// First Ctrl-C: stop starting cases, let running steps finish, clean up (the run goes on to its
/// end). Second Ctrl-C: quit at once (exit 130), listing what is left uncancelled.
async fn watch_ctrl_c(control: RunControl) {
    if tokio::signal::ctrl_c().await.is_err() {
        return;
    }
    control.interrupt.trigger();
    eprintln!(
        "\ninterrupted: no new case starts; running steps finish, then everything this run created \
         is cancelled (Ctrl-C again to quit at once, leaving it in place)"
    );
    if tokio::signal::ctrl_c().await.is_err() {
        return;
    }
    let pending = control.ledger.pending();
    eprintln!(
        "interrupted again: quitting without finishing cleanup; {} appointment(s) this run created may remain:",
        pending.len()
    );
    for created in pending {
        eprintln!(
            "  Appointment/{} (case {}, target #{})",
            created.id, created.case, created.target
        );
    }
    std::process::exit(130);
}

/// The cleanup ledger after an interrupted run: each appointment the run created and its fate.
fn ledger_lines(report: &RunReport) -> String {
    let mut out = format!(
        "ledger: {} appointment(s) created by this run\n",
        report.cleanup.len()
    );
    for tidied in &report.cleanup {
        let fate = match &tidied.problem {
            None => "cancelled".to_owned(),
            Some(problem) => format!("NOT cancelled: {problem}"),
        };
        out.push_str(&format!(
            "  Appointment/{} (case {}, target {}): {fate}\n",
            tidied.id, tidied.case, tidied.target
        ));
    }
    out
}

pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(2, usize::from)
}

pub(crate) fn parse_base_url(url: &str) -> Result<String, CliError> {
    http_url(url)
        .map(|url| url.trim_end_matches('/').to_owned())
        .map_err(|problem| CliError::Usage(format!("--target {problem}")))
}
