//! The harness against reference servers that inject 429s and 503s (the sandbox's own faults,
//! `Retry-After: 0`, under a seed): every verdict is the one a clean server gets, and the retries
//! that got through are counted in the run's traffic.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use canvas_conformance::edition::Edition;
use canvas_conformance::exchange::Client;
use canvas_conformance::exchange::send::ClientOptions;
use canvas_conformance::run::{RunControl, RunReport};
use canvas_conformance::target::{Auth, Profile, Secret, Target};
use canvas_sandbox::{Faults, Rate, RunningServer, ServerConfig, spawn};

use super::common::{project_suite, run_suite};

async fn servers(faults: &Faults) -> Vec<RunningServer> {
    let mut started = Vec::new();
    for edition in [Edition::Sept2023, Edition::Current] {
        let mut config = ServerConfig::reference_for(edition);
        config.settings.faults = faults.clone();
        started.push(spawn(config).await.expect("the sandbox starts"));
    }
    started
}

fn targets(servers: &[RunningServer]) -> Vec<Target> {
    servers
        .iter()
        .zip([Edition::Sept2023, Edition::Current])
        .map(|(server, edition)| Target {
            label: format!("reference-{edition}"),
            base_url: server.base_url().to_owned(),
            auth: Auth::static_token(Secret::new(server.token().to_owned())),
            profile: Arc::new(Profile::reference_for(edition)),
        })
        .collect()
}

/// Runs the project's suite on both editions' servers injecting `faults`.
async fn run_with(faults: &Faults) -> RunReport {
    let started = servers(faults).await;
    let mut options = ClientOptions::with_timeout(Duration::from_secs(30));
    // At 10% refusals, six attempts make a request that is refused every time unlikely (1e-6).
    options.retry.attempts = 6;
    let client = Client::with_options(options).expect("client");
    let report = run_suite(
        &project_suite(),
        targets(&started),
        client,
        &RunControl::default(),
        4,
    )
    .await;
    for server in started {
        server.shutdown().await;
    }
    report
}

fn verdicts(report: &RunReport) -> BTreeMap<(Option<String>, String), String> {
    report
        .outcomes
        .iter()
        .map(|o| {
            (
                (o.target.clone(), o.name.clone()),
                format!("{:?}", o.verdict),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_get_through_injected_429s_and_503s_with_every_verdict_unchanged() {
    let clean = run_with(&Faults::default()).await;
    let rate = |share| Rate::new(share).expect("a rate");
    let busy = run_with(&Faults {
        seed: 11,
        too_many_requests: rate(0.05),
        unavailable: rate(0.05),
        retry_after_secs: 0,
        ..Faults::default()
    })
    .await;
    let (seen, expected) = (verdicts(&busy), verdicts(&clean));
    let differing: Vec<String> = busy
        .outcomes
        .iter()
        .filter(|o| {
            expected.get(&(o.target.clone(), o.name.clone()))
                != seen.get(&(o.target.clone(), o.name.clone()))
        })
        .flat_map(|o| {
            o.steps
                .iter()
                .filter(|s| s.verdict != canvas_conformance::outcome::Verdict::Pass)
                .map(move |s| {
                    format!(
                        "{} / {}: {:?} error {:?} findings {:?} status {:?}",
                        o.name,
                        s.name,
                        s.verdict,
                        s.error,
                        s.findings,
                        s.exchange
                            .as_ref()
                            .and_then(|e| e.response.as_ref())
                            .map(|r| r.status)
                    )
                })
        })
        .collect();
    assert!(
        differing.is_empty(),
        "verdicts differ under injected faults:\n{}",
        differing.join("\n")
    );
    assert_eq!(seen, expected);
    assert_eq!(clean.traffic.retries, 0, "{:?}", clean.traffic);
    assert!(busy.traffic.retries > 0, "{:?}", busy.traffic);
    // Each retry repeats a request the clean run sent once.
    assert!(busy.traffic.requests > clean.traffic.requests);
    assert!(
        busy.cleanup.iter().all(|t| t.problem.is_none()),
        "{:?}",
        busy.cleanup
    );
}
