//! Parts 1 and 3: the default suite against embedded reference servers, replicated N times (each
//! replica with its own case indexes, so its own time slots), timed, with every request recorded
//! for the bare replay. Replicas beyond one run window (128 case slots) get their own server pair.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::case::Case;
use crate::edition::Edition;
use crate::exchange::{SentRequest, Traffic};
use crate::outcome::{CaseOutcome, Tally};
use crate::plan::{Placement, Plan, Selection, build};
use crate::run::scope::{CASES_PER_WINDOW, new_run_id};
use crate::run::{RunSession, SessionError, SessionOptions, TargetChoice};
use crate::target::Target;

/// Servers a run talks to: per group, one embedded pair (double booking allowed, disallowed) per
/// edition, in one run session (its client, no snapshots).
pub struct Bed {
    session: RunSession,
    pub targets: Vec<Target>,
    /// Targets per group (4: both editions × the two double-booking settings).
    per_group: usize,
}

/// How many replicas of a `cases`-case suite fit in one run window without sharing a slot.
pub fn replicas_per_group(cases: usize) -> usize {
    (usize::try_from(CASES_PER_WINDOW).unwrap_or(128) / cases.max(1)).max(1)
}

/// How many server pairs `replicas` replicas need.
pub fn groups_for(cases: usize, replicas: usize) -> usize {
    replicas.div_ceil(replicas_per_group(cases)).max(1)
}

impl Bed {
    /// Starts `groups` groups of embedded servers (both editions); runs on the bed keep `jobs` cases in flight.
    ///
    /// Errors: the client or a server that cannot start.
    pub async fn start(groups: usize, jobs: usize) -> Result<Bed, SessionError> {
        let session = RunSession::open(SessionOptions {
            targets: TargetChoice::Embedded {
                mutant: None,
                editions: Edition::ALL.to_vec(),
                pairs: groups.max(1),
            },
            ..SessionOptions::embedded(&Edition::ALL, None, jobs)
        })
        .await?;
        let targets = session.targets().to_vec();
        Ok(Bed {
            per_group: targets.len() / groups.max(1),
            targets,
            session,
        })
    }

    /// The default plan replicated `replicas` times: replica `r` lives in group `r / per_group`
    /// and its cases get indexes `(r % per_group) × cases + i`, so no two share a slot on a server.
    pub fn plan(&self, cases: &[Arc<Case>], replicas: usize) -> Plan {
        let group_targets = &self.targets[..self.per_group.min(self.targets.len())];
        // Both editions, as the default run: each case on its edition's servers.
        let selection = Selection {
            editions: Edition::ALL.to_vec(),
            ..Selection::default()
        };
        let base = build(cases, group_targets, &selection);
        let per_group = replicas_per_group(cases.len());
        let mut items = Vec::with_capacity(base.items.len() * replicas);
        for replica in 0..replicas.max(1) {
            let group = replica / per_group;
            for item in &base.items {
                let mut item = item.clone();
                item.index += (replica % per_group) * cases.len();
                if let Placement::Run(target) = &mut item.placement {
                    *target += group * self.per_group;
                }
                items.push(item);
            }
        }
        Plan { items }
    }

    pub async fn shutdown(self) {
        self.session.close().await;
    }
}

/// One case's requests in the order they were sent (step exchanges, each followed by its walk).
pub struct RecordedCase {
    pub target: usize,
    pub requests: Vec<SentRequest>,
}

/// What a timed suite run produced.
pub struct SuiteRun {
    pub wall: Duration,
    pub tally: Tally,
    pub cases: usize,
    pub exchanges: usize,
    pub walk_pages: usize,
    /// The appointments cancelled at the end.
    pub cancels: Vec<Cancel>,
    pub cleanup_problems: usize,
    pub recorded: Vec<RecordedCase>,
    /// What the run's client sent (cases and cleanup, retries included).
    pub traffic: Traffic,
}

impl SuiteRun {
    /// Every request the run sent, as its client counted them (retries included).
    pub fn requests(&self) -> usize {
        usize::try_from(self.traffic.requests).unwrap_or(usize::MAX)
    }

    /// The cleanup's requests: the sweep's searches, a write per cancel unless it was already
    /// cancelled, and a read where it had no copy of the appointment.
    pub fn cancel_requests(&self) -> usize {
        self.requests()
            .saturating_sub(self.exchanges + self.walk_pages)
    }

    /// The cleanup's requests other than its write-backs (the sweep's searches and pages, reads
    /// where it had no copy): what the bare loop does not re-send.
    pub fn sweep_requests(&self) -> usize {
        let writes = self.cancels.iter().filter(|c| c.writes).count();
        self.cancel_requests().saturating_sub(writes)
    }
}

/// One cancel of the cleanup: a write of the appointment unless it was already cancelled.
#[derive(Clone, Debug)]
pub struct Cancel {
    /// Index into the bed's targets.
    pub target: usize,
    pub id: String,
    /// Whether the cleanup wrote it back (`false`: it was already cancelled).
    pub writes: bool,
}

/// Runs `plan` on the bed (a fresh run id, no snapshots) and times it.
pub async fn run(bed: &Bed, plan: &Plan) -> SuiteRun {
    let started = Instant::now();
    let report = bed.session.run_as(plan, &new_run_id(), |_| {}).await;
    let wall = started.elapsed();
    let mut recorded = Vec::new();
    let (mut exchanges, mut walk_pages) = (0, 0);
    for (item, outcome) in plan.items.iter().zip(&report.outcomes) {
        let Placement::Run(target) = item.placement else {
            continue;
        };
        let requests = requests_of(outcome);
        exchanges += outcome
            .steps
            .iter()
            .filter(|s| s.exchange.is_some())
            .count();
        walk_pages += outcome.steps.iter().map(|s| s.walk.len()).sum::<usize>();
        recorded.push(RecordedCase { target, requests });
    }
    let cancels = cancels_of(&report.cleanup, &plan.items, &report.outcomes);
    SuiteRun {
        wall,
        tally: Tally::of(&report.outcomes),
        cases: report.outcomes.len(),
        exchanges,
        walk_pages,
        cleanup_problems: report
            .cleanup
            .iter()
            .filter(|t| t.problem.is_some())
            .count(),
        cancels,
        recorded,
        traffic: report.traffic,
    }
}

fn requests_of(outcome: &CaseOutcome) -> Vec<SentRequest> {
    let mut requests = Vec::new();
    for step in &outcome.steps {
        requests.extend(step.exchange.iter().map(|e| e.request.clone()));
        requests.extend(step.walk.iter().map(|e| e.request.clone()));
    }
    requests
}

/// The target index of each cancelled appointment: the plan item of the case whose responses
/// carry its id (the cleanup itself only names the case and the target's label).
fn cancels_of(
    cleanup: &[crate::run::ledger::Tidied],
    items: &[crate::plan::PlanItem],
    outcomes: &[CaseOutcome],
) -> Vec<Cancel> {
    cleanup
        .iter()
        .filter_map(|tidied| {
            let target =
                items
                    .iter()
                    .zip(outcomes)
                    .find_map(|(item, outcome)| match item.placement {
                        Placement::Run(t)
                            if outcome.name == tidied.case
                                && outcome.target.as_deref() == Some(tidied.target.as_str())
                                && created_on(outcome, &tidied.id) =>
                        {
                            Some(t)
                        }
                        _ => None,
                    })?;
            Some(Cancel {
                target,
                id: tidied.id.clone(),
                writes: tidied.note.as_deref() != Some("already cancelled"),
            })
        })
        .collect()
}

/// Whether the case's recorded responses carry this appointment id in a Location header.
fn created_on(outcome: &CaseOutcome, id: &str) -> bool {
    outcome.steps.iter().any(|step| {
        step.exchange
            .as_ref()
            .and_then(|e| e.response.as_ref())
            .and_then(|r| r.header("location"))
            .is_some_and(|location| location.contains(id))
    })
}
