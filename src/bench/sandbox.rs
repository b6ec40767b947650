//! Part 6, "sandbox-like": the default suite against embedded servers of both editions that
//! answer after an injected latency, first at the default `--jobs` of a remote target, then paced
//! by `--rps`, then with injected 503s; each against the bound it cannot beat.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::bench::BenchError;
use crate::case::Case;
use crate::edition::Edition;
use crate::exchange::Client;
use crate::exchange::send::ClientOptions;
use crate::outcome::Tally;
use crate::plan::{Selection, build};
use crate::run::embedded::Embedded;
use crate::run::options::REMOTE_JOBS;
use crate::run::scope::new_run_id;
use crate::run::{RunControl, RunOptions, RunReport, run_plan_with};
use canvas_sandbox::{Faults, Rate};

/// How part 6 runs: the injected latency, the pace of the rate-limited run, the 503 share.
#[derive(Clone, Debug)]
pub struct SandboxSpec {
    /// The delay every server injects before each request.
    pub latency: Duration,
    /// The `--rps` of the rate-limited run.
    pub rps: f64,
    /// The share of requests answered 503 in the faulty run.
    pub unavailable: f64,
    /// Their `Retry-After`, in seconds.
    pub retry_after_secs: u64,
}

/// One run of part 6.
#[derive(Clone, Debug, Serialize)]
pub struct SandboxRun {
    /// `latency`, `rps`, or `503s`.
    pub name: String,
    /// The cases' verdicts.
    pub tally: Tally,
    /// Requests sent, retries included.
    pub requests: u64,
    /// Requests sent again after a 503 (or a 429, or a lost answer).
    pub retries: u64,
    /// `run_plan` alone (cases and cleanup).
    pub wall_ms: f64,
    /// The bound the run cannot beat: its longest chain of requests × the latency (for the paced
    /// run, requests ÷ rps when that is longer).
    pub bound_ms: f64,
    /// wall ÷ bound.
    pub ratio: f64,
    /// Every case's verdict is the latency run's.
    pub verdicts_unchanged: bool,
}

/// Part 6's numbers.
#[derive(Clone, Debug, Serialize)]
pub struct SandboxPart {
    /// The injected latency.
    pub latency_ms: f64,
    /// Cases in flight (a remote target's default).
    pub jobs: usize,
    /// The pace of the paced run.
    pub rps: f64,
    /// Plain, paced, with 503s.
    pub runs: Vec<SandboxRun>,
}

/// Runs the three sandbox-like runs of the default suite.
pub async fn run(
    cases: &[Arc<Case>],
    spec: &SandboxSpec,
    progress: &mut impl FnMut(&str),
) -> Result<SandboxPart, BenchError> {
    let latency = Faults {
        latency_ms: u64::try_from(spec.latency.as_millis()).unwrap_or(u64::MAX),
        ..Faults::default()
    };
    let unavailable = Faults {
        seed: 27,
        unavailable: Rate::new(spec.unavailable)
            .map_err(|e| BenchError::Task(format!("part 6: {e}")))?,
        retry_after_secs: spec.retry_after_secs,
        ..latency.clone()
    };
    let mut runs = Vec::new();
    let (base, verdicts) = one(cases, &latency, None).await?;
    runs.push(summary("latency", &base, spec, None, true));
    progress(&format!(
        "6. sandbox-like: {} requests at latency",
        base.traffic.requests
    ));
    for (name, faults, rps) in [
        ("rps", &latency, Some(spec.rps)),
        ("503s", &unavailable, None),
    ] {
        let (report, seen) = one(cases, faults, rps).await?;
        runs.push(summary(name, &report, spec, rps, seen == verdicts));
        progress(&format!(
            "6. sandbox-like: {} requests ({name})",
            report.traffic.requests
        ));
    }
    Ok(SandboxPart {
        latency_ms: spec.latency.as_secs_f64() * 1000.0,
        jobs: REMOTE_JOBS,
        rps: spec.rps,
        runs,
    })
}

/// Each case's verdict, by target and name.
type Verdicts = BTreeMap<(Option<String>, String), String>;

/// The suite once against fresh servers injecting `faults`, paced at `rps` if given.
async fn one(
    cases: &[Arc<Case>],
    faults: &Faults,
    rps: Option<f64>,
) -> Result<(Timed, Verdicts), BenchError> {
    let embedded = Embedded::start_with(&Edition::ALL, None, faults).await?;
    let targets = Arc::new(embedded.targets.clone());
    let selection = Selection {
        editions: Edition::ALL.to_vec(),
        ..Selection::default()
    };
    let plan = build(cases, &targets, &selection);
    let mut options = ClientOptions::with_timeout(Duration::from_secs(30));
    options.rps = rps;
    // Retry-After is honoured as the servers ask; the attempts are generous so that a 5% share
    // of 503s never decides a verdict.
    options.retry.attempts = 6;
    let client = Client::with_options(options)?;
    let run_options = RunOptions {
        jobs: REMOTE_JOBS,
        run_id: new_run_id(),
        snapshots: None,
        allow_drift: false,
        cause: None,
        require_all: false,
    };
    let started = Instant::now();
    let report = run_plan_with(
        &plan,
        targets,
        client,
        &run_options,
        &RunControl::default(),
        |_| {},
    )
    .await;
    let wall = started.elapsed();
    embedded.shutdown().await;
    let verdicts = report
        .outcomes
        .iter()
        .map(|o| {
            (
                (o.target.clone(), o.name.clone()),
                format!("{:?}", o.verdict),
            )
        })
        .collect();
    let chain = longest_chain(&report);
    Ok((
        Timed {
            wall,
            chain,
            tally: Tally::of(&report.outcomes),
            traffic: report.traffic,
        },
        verdicts,
    ))
}

/// What one run of part 6 measured.
struct Timed {
    wall: Duration,
    /// Requests that had to follow one another: the longest case, then the longest sweep search
    /// (with its pages) and one write-back.
    chain: u64,
    tally: Tally,
    traffic: crate::exchange::Traffic,
}

/// The longest chain of requests in `report`: its longest case (steps and walk pages, one after
/// another) plus the longest sweep search with its pages (the targets, and each target's searches,
/// are swept at once) and one write-back.
fn longest_chain(report: &RunReport) -> u64 {
    let case = report
        .outcomes
        .iter()
        .map(|o| {
            o.steps
                .iter()
                .map(|s| usize::from(s.exchange.is_some()) + s.walk.len())
                .sum::<usize>()
        })
        .max()
        .unwrap_or(0);
    // The targets are swept at once, and each target's searches at once, each with its pages.
    let sweeps = report.sweeps.iter().map(|s| s.chain).max().unwrap_or(0);
    u64::try_from(case + sweeps + 1).unwrap_or(u64::MAX)
}

fn summary(
    name: &str,
    timed: &Timed,
    spec: &SandboxSpec,
    rps: Option<f64>,
    verdicts_unchanged: bool,
) -> SandboxRun {
    let latency = spec.latency.as_secs_f64();
    let chain_bound = timed.chain as f64 * latency;
    let rate_bound = rps.map_or(0.0, |rps| timed.traffic.requests as f64 / rps);
    let bound = chain_bound.max(rate_bound);
    let wall = timed.wall.as_secs_f64();
    SandboxRun {
        name: name.to_owned(),
        tally: timed.tally,
        requests: timed.traffic.requests,
        retries: timed.traffic.retries,
        wall_ms: wall * 1000.0,
        bound_ms: bound * 1000.0,
        ratio: if bound > 0.0 { wall / bound } else { 0.0 },
        verdicts_unchanged,
    }
}
