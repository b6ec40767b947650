//! `bench`: measures the suite, the harness overhead, suite growth, the reference server under
//! load and the peer comparison with Hurl in one bounded run; prints a table with the goals (✓/✗)
//! and writes `--json FILE`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context as _;

use crate::bench::{self, BenchOptions, Scale};
use crate::cli::CliError;
use crate::run::options::{REMOTE_JOBS, default_jobs};
use crate::suite::{default_cases_dir, load_suite};

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// A small, fast variant (1k appointments only, fewer requests): checks that it works.
    #[arg(long)]
    pub quick: bool,
    /// Also write the numbers as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Cases in flight at once (default: the number of cores, as `run`).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// The folder of case files (with requirements.yaml).
    #[arg(long, value_name = "DIR")]
    pub cases: Option<PathBuf>,
    /// The Hurl program for the peer comparison (default: `hurl` on PATH; without one, only our
    /// figures are measured). scripts/install-hurl.sh installs Hurl 8.0.1.
    #[arg(long, value_name = "PROGRAM")]
    pub hurl: Option<PathBuf>,
}

pub async fn run(args: BenchArgs) -> Result<u8, CliError> {
    if args.jobs == Some(0) {
        return Err(CliError::Usage("--jobs must be at least 1".to_owned()));
    }
    if let Some(path) = &args.json {
        let parent = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| std::path::Path::new("."));
        if path.is_dir() || !parent.is_dir() {
            return Err(CliError::Usage(format!(
                "--json `{}` must be a file in an existing folder",
                path.display()
            )));
        }
    }
    if let Some(hurl) = &args.hurl
        && !hurl.is_file()
    {
        return Err(CliError::Usage(format!(
            "--hurl `{}` is not a file",
            hurl.display()
        )));
    }
    let dir = args.cases.clone().unwrap_or_else(default_cases_dir);
    let started = Instant::now();
    let suite = load_suite(&dir).map_err(|e| CliError::Usage(e.to_string()))?;
    let loading = started.elapsed();
    let options = BenchOptions {
        scale: if args.quick {
            Scale::quick()
        } else {
            Scale::full()
        },
        jobs: args.jobs.unwrap_or_else(default_jobs),
        peer_jobs: args.jobs.unwrap_or(REMOTE_JOBS),
        server_exe: std::env::current_exe().context("failed to find this program's path")?,
        startup_timeout: Duration::from_secs(120),
        hurl: args.hurl.clone(),
    };
    let report = bench::run(&suite.cases, loading, &options, |line| eprintln!("{line}"))
        .await
        .context("the benchmark failed")?;
    print!("{}", bench::table::render(&report));
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&report).context("failed to encode the JSON")?;
        std::fs::write(path, text + "\n")
            .with_context(|| format!("failed to write {}", path.display()))?;
        println!("json: {}", path.display());
    }
    Ok(crate::cli::EXIT_OK)
}
