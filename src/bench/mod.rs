//! `canvas-conformance bench`: measures the harness and the reference server in one bounded run
//! (suite wall time, harness overhead against a bare reqwest loop, suite growth, server under load,
//! the same scenario through our runner and through Hurl, and the suite against sandbox-like
//! servers with latency, a pace and 503s).
//! One file per part; [`run`] strings them together and returns the numbers in a [`BenchReport`].

pub mod bare;
pub mod child;
pub mod load;
pub mod measure;
pub mod peer;
pub mod process;
pub mod report;
pub mod sandbox;
pub mod suite;
pub mod table;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::case::Case;
use crate::exchange::ClientError;
use crate::run::SessionError;
use canvas_sandbox::{Edition, ServerError};

pub use report::{BenchReport, Goal};

/// How big a run is: `full` (the published numbers) or `quick` (a smoke run for tests).
#[derive(Clone, Debug)]
pub struct Scale {
    pub name: &'static str,
    /// Suite replicas for the growth part (the first must be 1).
    pub replicas: Vec<usize>,
    /// Synthetic appointments seeded into the child server, one child per size.
    pub seeds: Vec<u64>,
    /// Per workload: at most this long and this many requests, this many in flight.
    pub load: load::LoadSpec,
    /// The peer part's scenarios and pairs.
    pub peer: peer::PeerSpec,
    /// Part 6: the latency, pace and 503 share of the sandbox-like runs.
    pub sandbox: sandbox::SandboxSpec,
}

impl Scale {
    pub fn full() -> Scale {
        Scale {
            name: "full",
            replicas: vec![1, 4, 16],
            seeds: vec![1_000, 10_000, 100_000, 1_000_000],
            load: load::LoadSpec {
                concurrency: 16,
                duration: Duration::from_secs(3),
                max_requests: 200_000,
            },
            peer: peer::PeerSpec {
                iterations: 50,
                pairs: 5,
                big_iterations: 50,
                big_pairs: 3,
                big_matches: 960,
            },
            sandbox: sandbox::SandboxSpec {
                latency: Duration::from_millis(100),
                rps: 50.0,
                unavailable: 0.05,
                retry_after_secs: 1,
            },
        }
    }

    pub fn quick() -> Scale {
        Scale {
            name: "quick",
            replicas: vec![1, 2],
            seeds: vec![1_000],
            load: load::LoadSpec {
                concurrency: 4,
                duration: Duration::from_millis(300),
                max_requests: 300,
            },
            peer: peer::PeerSpec {
                iterations: 3,
                pairs: 1,
                big_iterations: 3,
                big_pairs: 1,
                big_matches: 30,
            },
            sandbox: sandbox::SandboxSpec {
                latency: Duration::from_millis(5),
                rps: 1000.0,
                unavailable: 0.05,
                retry_after_secs: 0,
            },
        }
    }
}

/// What a bench run needs.
#[derive(Clone, Debug)]
pub struct BenchOptions {
    pub scale: Scale,
    /// Cases in flight at once (as `run --jobs`).
    pub jobs: usize,
    /// Cases in flight in the peer part's `run --target` (a remote target's default, 32, unless
    /// `bench --jobs` says otherwise): what a user of the tool gets, against Hurl's default.
    pub peer_jobs: usize,
    /// The executable started as `serve` for the load part (normally this program).
    pub server_exe: PathBuf,
    /// How long the child server may take to seed and print its URL.
    pub startup_timeout: Duration,
    /// The Hurl program for the peer part (`None`: `hurl` on PATH, if any).
    pub hurl: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("failed to build the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
    #[error("failed to start the embedded reference servers: {0}")]
    Embedded(#[from] ServerError),
    /// The run session of the suite parts (its client or embedded servers).
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error("the suite has no case to run")]
    NoCases,
    #[error("the child server: {0}")]
    Child(String),
    #[error("a load task failed: {0}")]
    Task(String),
    #[error("the peer part: {0}")]
    Peer(String),
}

/// How many (suite, bare loop) pairs the median overhead is taken over.
const OVERHEAD_PAIRS: usize = 5;

fn ratio_of(suite: Duration, bare: Duration) -> f64 {
    let bare = bare.as_secs_f64();
    if bare > 0.0 {
        suite.as_secs_f64() / bare
    } else {
        0.0
    }
}

/// Runs every part in order and returns the numbers; `progress` sees one line per finished step.
/// `loading` is how long loading and linting the suite took (part of what a user waits for).
pub async fn run(
    cases: &[Arc<Case>],
    loading: Duration,
    options: &BenchOptions,
    mut progress: impl FnMut(&str),
) -> Result<BenchReport, BenchError> {
    if cases.is_empty() {
        return Err(BenchError::NoCases);
    }
    let jobs = options.jobs.max(1);

    // 1 + 2: the default suite on the embedded servers, then the same requests bare.
    let started = Instant::now();
    let bed = suite::Bed::start(1, jobs).await?;
    let setup = started.elapsed();
    let plan = bed.plan(cases, 1);
    let first = suite::run(&bed, &plan).await;
    let harness_memory = measure::memory_of_self();
    progress(&format!(
        "1. suite: {} exchanges in {:.0} ms",
        first.requests(),
        measure::ms(first.wall)
    ));
    let bare = bare::replay(&bed.targets, &first.recorded, &first.cancels, jobs).await?;
    progress(&format!(
        "2. bare loop: {} requests in {:.0} ms",
        bare.requests,
        measure::ms(bare.wall)
    ));
    // One 40 ms sample of each is at the mercy of the scheduler on a shared machine: repeat the
    // (suite, bare loop) pair and keep the median ratio as well. Each pair gets fresh servers: on
    // servers that kept the earlier pairs' appointments, searches answer more every time, and the
    // suite (which parses and checks every entry) would be measured against a growing load.
    let mut ratios = vec![ratio_of(first.wall, bare.wall)];
    let shutdown_started = Instant::now();
    bed.shutdown().await;
    let setup = loading + setup + shutdown_started.elapsed();
    for _ in 1..OVERHEAD_PAIRS {
        let bed = suite::Bed::start(1, jobs).await?;
        let again = suite::run(&bed, &bed.plan(cases, 1)).await;
        let bare_again = bare::replay(&bed.targets, &again.recorded, &again.cancels, jobs).await?;
        ratios.push(ratio_of(again.wall, bare_again.wall));
        bed.shutdown().await;
    }
    progress(&format!("2. overhead over {} paired runs", ratios.len()));

    // 3: growth.
    let mut growth = Vec::new();
    for &replicas in &options.scale.replicas {
        let bed = suite::Bed::start(suite::groups_for(cases.len(), replicas), jobs).await?;
        let plan = bed.plan(cases, replicas);
        let run = suite::run(&bed, &plan).await;
        bed.shutdown().await;
        progress(&format!(
            "3. growth: {replicas}× in {:.0} ms",
            measure::ms(run.wall)
        ));
        growth.push((replicas, run));
    }

    // 4: the reference server in a separate process, each edition beside the other.
    let mut servers = Vec::new();
    for &seeded in &options.scale.seeds {
        for edition in Edition::ALL {
            let size = load::server_size(options, edition, seeded).await?;
            progress(&format!(
                "4. server ({edition}): {seeded} seeded, {} workloads",
                size.loads.len()
            ));
            servers.push(size);
        }
    }

    // 5: the same scenario through our runner and through Hurl, each its own process.
    let peer = peer::run(options, &mut progress).await?;

    // 6: the default suite against sandbox-like servers (latency, a pace, 503s).
    let sandbox = sandbox::run(cases, &options.scale.sandbox, &mut progress).await?;

    Ok(BenchReport::build(report::Parts {
        scale: &options.scale,
        jobs,
        first: &first,
        setup,
        harness_memory,
        bare: &bare,
        overhead_ratios: &ratios,
        growth: &growth,
        servers,
        peer,
        sandbox,
        end_memory: measure::memory_of_self(),
    }))
}
