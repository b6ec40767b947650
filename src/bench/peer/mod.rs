//! Part 5, the peer comparison: the same scenario through our runner and through Hurl, each tool
//! as its own process against its own fresh `serve` child, paired (ours, Hurl) × N, timing wall,
//! CPU and peak RSS of each process. Two scenarios: small responses, and big ones (~960 per search).

pub mod figures;
pub mod scenario;
pub mod seed;
pub mod tools;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::bench::child::ChildServer;
use crate::bench::peer::figures::{PeerPart, Ratios, ScenarioFigures, ToolFigures, ToolRun};
use crate::bench::peer::scenario::{Days, Scenario, Written};
use crate::bench::peer::tools::Invocation;
use crate::bench::process::run_measured;
use crate::bench::{BenchError, BenchOptions};
use crate::target::Secret;
use canvas_sandbox::Edition;

/// How big the peer part is.
#[derive(Clone, Copy, Debug)]
pub struct PeerSpec {
    /// Iterations of the small-response scenario and (ours, Hurl) pairs of it.
    pub iterations: usize,
    pub pairs: usize,
    /// Iterations of the big-response scenario, pairs of it, and how many appointments each of
    /// its searches should answer (the middle iteration's search; earlier ones answer fewer).
    pub big_iterations: usize,
    pub big_pairs: usize,
    pub big_matches: usize,
}

/// A tool process may take this long before it is killed.
const TOOL_TIMEOUT: Duration = Duration::from_secs(600);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tool {
    Ours,
    Hurl,
}

impl Tool {
    fn name(self) -> &'static str {
        match self {
            Tool::Ours => "ours",
            Tool::Hurl => "hurl",
        }
    }
}

/// A scenario as the part runs it.
struct Plan {
    name: &'static str,
    scenario: Scenario,
    pairs: usize,
    preseeded: usize,
}

/// A temporary folder, removed when dropped.
struct WorkDir(PathBuf);

impl WorkDir {
    fn create() -> Result<WorkDir, BenchError> {
        let path = std::env::temp_dir().join(format!(
            "canvas-conformance-peer-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&path)
            .map_err(|e| BenchError::Peer(format!("failed to create {}: {e}", path.display())))?;
        Ok(WorkDir(path))
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs both scenarios, (ours, Hurl) pair after pair; without Hurl, ours alone.
///
/// Errors: the scenario cannot be written, a child server or a tool cannot be started, seeding
/// fails. A tool whose checks fail is not an error: its run is recorded as not passed.
pub async fn run(
    options: &BenchOptions,
    mut progress: impl FnMut(&str),
) -> Result<PeerPart, BenchError> {
    let spec = options.scale.peer;
    let (hurl, hurl_info) = tools::find_hurl(options.hurl.as_deref());
    if let Some(note) = &hurl_info.note {
        progress(&format!("5. peer: {note}"));
    }
    let work = WorkDir::create()?;
    let plans = [
        Plan {
            name: "peer",
            scenario: Scenario::new(spec.iterations, Days::OnePerIteration),
            pairs: spec.pairs,
            preseeded: 0,
        },
        Plan {
            name: "big_responses",
            scenario: Scenario::new(spec.big_iterations, Days::Shared),
            pairs: spec.big_pairs,
            preseeded: spec.big_matches.saturating_sub(spec.big_iterations / 2),
        },
    ];
    let mut scenarios = Vec::new();
    for plan in &plans {
        let dir = work.0.join(plan.name);
        let written = plan.scenario.write(&dir).map_err(|e| {
            BenchError::Peer(format!(
                "failed to write the scenario in {}: {e}",
                dir.display()
            ))
        })?;
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        let mut probe = None;
        for pair in 0..plan.pairs.max(1) {
            let mine = one_run(options, plan, &written, Tool::Ours, None, pair, &mut probe).await?;
            let mut line = format!(
                "5. peer {}: pair {}/{}: ours {:.0} ms{}",
                plan.name,
                pair + 1,
                plan.pairs.max(1),
                mine.wall_ms,
                if mine.passed { "" } else { " (FAILED)" }
            );
            ours.push(mine);
            if let Some(hurl) = &hurl {
                let run = one_run(
                    options,
                    plan,
                    &written,
                    Tool::Hurl,
                    Some(hurl),
                    pair,
                    &mut probe,
                )
                .await?;
                line.push_str(&format!(
                    ", Hurl {:.0} ms{}",
                    run.wall_ms,
                    if run.passed { "" } else { " (FAILED)" }
                ));
                theirs.push(run);
            }
            progress(&line);
        }
        let ours = ToolFigures::of(ours);
        let hurl_figures = hurl.as_ref().map(|_| ToolFigures::of(theirs));
        scenarios.push(ScenarioFigures {
            name: plan.name.to_owned(),
            iterations: plan.scenario.iterations,
            requests: plan.scenario.requests(),
            preseeded: plan.preseeded,
            search_entries: probe.map(|p: seed::Probe| p.entries),
            search_bytes: probe.map(|p| p.bytes),
            pairs: plan.pairs.max(1),
            ratios: hurl_figures.as_ref().map(|h| Ratios::of(&ours, h)),
            ours,
            hurl: hurl_figures,
        });
    }
    Ok(PeerPart {
        hurl: hurl_info,
        jobs: options.peer_jobs.max(1),
        scenarios,
    })
}

/// One tool's run on a fresh child server (seeded first for the big scenario; the first seeded
/// server is probed once into `probe`). The server is killed afterwards.
async fn one_run(
    options: &BenchOptions,
    plan: &Plan,
    written: &Written,
    tool: Tool,
    hurl: Option<&Path>,
    pair: usize,
    probe: &mut Option<seed::Probe>,
) -> Result<ToolRun, BenchError> {
    let token = Secret::new(format!("peer-{}", uuid::Uuid::new_v4().simple()));
    let exe = options.server_exe.clone();
    let timeout = options.startup_timeout;
    let spawn_token = token.clone();
    let child = tokio::task::spawn_blocking(move || {
        ChildServer::start(&exe, Edition::Sept2023, 0, &spawn_token, timeout)
    })
    .await
    .map_err(|e| BenchError::Task(e.to_string()))??;
    if plan.preseeded > 0 {
        let server = Arc::new(seed::Server::new(&child.base_url, &token)?);
        server.seed(&plan.scenario, plan.preseeded).await?;
        if probe.is_none() {
            *probe = Some(server.probe(&plan.scenario).await?);
        }
    }
    let output = written
        .hurl_file
        .with_file_name(format!("{}-{}.out", tool.name(), pair + 1));
    let invocation = Invocation {
        written,
        base_url: &child.base_url,
        token: &token,
    };
    let command = match (tool, hurl) {
        (Tool::Hurl, Some(hurl)) => invocation.hurl(hurl),
        _ => invocation.ours(&options.server_exe, options.peer_jobs.max(1)),
    };
    let file = std::fs::File::create(&output)
        .map_err(|e| BenchError::Peer(format!("failed to create {}: {e}", output.display())))?;
    let measured = tokio::task::spawn_blocking(move || run_measured(&command, file, TOOL_TIMEOUT))
        .await
        .map_err(|e| BenchError::Task(e.to_string()))?
        .map_err(|e| BenchError::Peer(e.to_string()))?;
    drop(child);
    Ok(ToolRun::of(&measured, || {
        std::fs::read_to_string(&output).unwrap_or_default()
    }))
}
