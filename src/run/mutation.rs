//! Mutation analysis: the suite against the unbroken reference servers (everything must pass), then
//! against each mutant (each must turn its own behaviour red: a finding attributed to it).
//! A mutant that survives means the suite cannot see that behaviour break.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::Serialize;

use crate::case::Case;
use crate::edition::Edition;
use crate::exchange::Client;
use crate::outcome::{CaseOutcome, Tally, Verdict, per_behaviour};
use crate::plan::Selection;
use crate::run::session::{RunSession, SessionError, SessionOptions};
use canvas_sandbox::Mutant;

/// What one mutant did to the suite.
#[derive(Clone, Debug, Serialize)]
pub struct MutantResult {
    /// The edition whose servers ran broken, and whose suite judged them.
    pub edition: Edition,
    pub mutant: &'static str,
    pub behaviour: &'static str,
    /// Cases that failed or errored against it.
    pub failing_cases: Vec<String>,
    /// Behaviours the run judged failed or errored (by the findings attributed to them).
    pub caught_by: BTreeSet<String>,
}

impl MutantResult {
    /// Killed: a finding attributed to the mutant's own behaviour noticed.
    pub fn killed(&self) -> bool {
        self.caught_by.contains(self.behaviour)
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct MutationReport {
    /// The edition analysed: its suite against its servers and its mutants.
    pub edition: Edition,
    /// The unbroken servers' results; all must pass.
    pub baseline: Tally,
    /// Baseline cases that did not pass.
    pub baseline_failures: Vec<String>,
    pub mutants: Vec<MutantResult>,
}

impl MutationReport {
    pub fn all_good(&self) -> bool {
        self.baseline.all_passed() && self.mutants.iter().all(MutantResult::killed)
    }
}

/// Runs `edition`'s suite once against its unbroken servers and once per mutant (a session each,
/// sharing `client`), calling `progress` after each mutant. `mutants` should be the edition's own
/// ([`Mutant::of`]); a mutant of another edition leaves the servers unbroken and survives.
///
/// Errors: a session that cannot open (the client, an embedded server that cannot start).
pub async fn analyse(
    cases: &[Arc<Case>],
    edition: Edition,
    mutants: &[Mutant],
    client: &Client,
    jobs: usize,
    mut progress: impl FnMut(&MutantResult),
) -> Result<MutationReport, SessionError> {
    let baseline = run_against(cases, edition, None, client, jobs).await?;
    let baseline_failures = failing(&baseline);
    let mut results = Vec::new();
    for &mutant in mutants {
        let outcomes = run_against(cases, edition, Some(mutant), client, jobs).await?;
        let failing_cases = failing(&outcomes);
        let caught_by = per_behaviour(&outcomes)
            .into_iter()
            .filter(|(_, verdict)| verdict.is_problem())
            .map(|(id, _)| id)
            .collect();
        let result = MutantResult {
            edition,
            mutant: mutant.name(),
            behaviour: mutant.behaviour(),
            failing_cases,
            caught_by,
        };
        progress(&result);
        results.push(result);
    }
    Ok(MutationReport {
        edition,
        baseline: Tally::of(&baseline),
        baseline_failures,
        mutants: results,
    })
}

fn failing(outcomes: &[CaseOutcome]) -> Vec<String> {
    outcomes
        .iter()
        .filter(|o| matches!(o.verdict, Verdict::Fail | Verdict::Error))
        .map(|o| o.name.clone())
        .collect()
}

async fn run_against(
    cases: &[Arc<Case>],
    edition: Edition,
    mutant: Option<Mutant>,
    client: &Client,
    jobs: usize,
) -> Result<Vec<CaseOutcome>, SessionError> {
    let session = RunSession::open_with(
        SessionOptions::embedded(&[edition], mutant, jobs),
        client.clone(),
    )
    .await?;
    let plan = session.plan(cases, &Selection::default());
    let report = session.run(&plan, |_| {}).await;
    session.close().await;
    Ok(report.outcomes)
}
