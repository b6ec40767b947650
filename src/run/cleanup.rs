//! Cleanup at the end of a run: sweep each target for the run's appointments, cancel every one the
//! ledger holds (from the sweep's copy, else a case's last read, else a read), then what the ledger
//! missed, settling each lost create. Its requests go through an idempotent client.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::exchange::Client;
use crate::exchange::tape::{CLEANUP_CASE, Slot};
use crate::run::cancel::{Cancelled, cancel, is_cancelled};
use crate::run::ledger::{
    Created, Ledger, LostAnswer, Origin, Tidied, Traces, Uncertain, within_week,
};
use crate::run::sweep::{Found, Swept, instant, sweep};
use crate::target::Target;

/// What a sweep of one target did, for the reports.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SweepNote {
    /// The target's label.
    pub target: String,
    /// The searches sent (their query strings).
    pub searches: Vec<String>,
    /// Appointments of the run it found (cancelled ones included).
    pub found: usize,
    /// Why a search could not be completed, if one could not.
    pub stopped: Option<String>,
    /// Requests it sent one after another (its searches run at once, each with its pages).
    pub chain: usize,
}

/// What cleanup did: one entry per appointment the run created or may have created, and one note
/// per target it swept.
#[derive(Clone, Debug, Default)]
pub struct Cleanup {
    pub tidied: Vec<Tidied>,
    pub sweeps: Vec<SweepNote>,
}

/// Sweeps each target the run sent creates to, then cancels every appointment the ledger holds, up
/// to `jobs` at once on each target (the client's `--rps` pacing applies to each request), then
/// what the sweep found that the ledger missed. Each entry is removed from the ledger once tried,
/// so what the ledger still holds is what is left to do. Never fails: each entry says how it went,
/// ledger entries first (in ledger order), then the sweep's.
///
/// `early` are the entries [`tidy_after_case`] already settled while the cases ran: they come
/// first, and the sweep counts them as known.
pub async fn cleanup(
    ledger: &Arc<Ledger>,
    targets: &Arc<Vec<Target>>,
    client: &Client,
    jobs: usize,
    early: Vec<Tidied>,
) -> Cleanup {
    let client = client.idempotent();
    // The sweep goes first: no case runs any more, so each appointment it finds is whole and
    // current in its search page, and the cancels write it back from there without a read. The
    // targets are swept at once, each on its own.
    let mut sweeping = JoinSet::new();
    let mut sweeping_target = std::collections::HashMap::new();
    for (index, traces) in ledger.traces() {
        if targets.get(index).is_none() {
            continue;
        }
        let (client, targets) = (client.clone(), Arc::clone(targets));
        let task = sweeping.spawn(async move {
            let swept = sweep(&client, &targets[index], &traces).await;
            (index, traces, swept)
        });
        sweeping_target.insert(task.id(), index);
    }
    let mut sweeps_done = Vec::new();
    // Targets whose sweep task failed: their ledger entries are still cancelled below, and their
    // lost creates reported as unsettled, saying so.
    let mut sweep_failed = BTreeSet::new();
    while let Some(joined) = sweeping.join_next().await {
        match joined {
            Ok(done) => sweeps_done.push(done),
            Err(e) => {
                tracing::error!("a sweep task failed: {e}");
                sweep_failed.extend(sweeping_target.get(&e.id()).copied());
            }
        }
    }
    sweeps_done.sort_by_key(|(index, _, _)| *index);
    let mut swept_targets = Vec::new();
    for (index, traces, swept) in sweeps_done {
        let Some(target) = targets.get(index) else {
            continue;
        };
        for found in &swept.found {
            if found.is_open() {
                ledger.saw(index, &found.id, found.resource.clone());
            } else if !ledger
                .last_seen(index, &found.id)
                .is_some_and(|read| is_cancelled(&read))
            {
                // A search's word that it is cancelled is not enough to leave it alone: a search
                // that misreports a status must not leave an appointment open, so it is read,
                // unless a case's own read, with nothing written since, already showed it
                // cancelled.
                ledger.wrote(index, &found.id);
            }
        }
        swept_targets.push((index, target, traces, swept));
    }
    let mut tidied = early;
    tidied.extend(cancel_recorded(ledger, targets, &client, jobs).await);
    let uncertain = ledger.take_uncertain();
    let mut sweeps = Vec::new();
    for (index, target, traces, swept) in swept_targets {
        let known: BTreeSet<String> = tidied
            .iter()
            .filter(|t| t.target == target.label)
            .map(|t| t.id.clone())
            .collect();
        let lost: Vec<&Uncertain> = uncertain.iter().filter(|u| u.target == index).collect();
        let settled = settle(&client, target, &traces, &swept, &known, &lost).await;
        sweeps.push(SweepNote {
            target: target.label.clone(),
            searches: swept.searches.clone(),
            found: swept.found.len(),
            stopped: swept.stopped.clone(),
            chain: swept.chain,
        });
        tidied.extend(settled);
    }
    // A lost create on a target the run never noted (it cannot happen: every create is noted
    // before it is sent), or whose sweep task failed, is still reported, never dropped.
    for lost in uncertain.iter().filter(|u| {
        !sweeps
            .iter()
            .any(|s| Some(&s.target) == label(targets, u.target))
    }) {
        let target = label(targets, lost.target).map_or("", String::as_str);
        let why = if sweep_failed.contains(&lost.target) {
            "the sweep of its target failed"
        } else {
            "the run did not note where it was sent"
        };
        tidied.push(unsettled(target, lost, why));
    }
    Cleanup { tidied, sweeps }
}

fn label(targets: &[Target], index: usize) -> Option<&String> {
    targets.get(index).map(|t| &t.label)
}

/// Cancels, as soon as `case` is over, each appointment it created on target `index` that one of
/// its reads shows as it is now (nothing written since): written back cancelled from that read,
/// each under a permit of `permits` (the run's own, so the run stays within `--jobs`), while other
/// cases still run. What no read shows waits for [`cleanup`] and its sweep's copy. Each entry tried
/// is taken out of the ledger; the entries come back in creation order.
pub async fn tidy_after_case(
    ledger: &Arc<Ledger>,
    targets: &Arc<Vec<Target>>,
    client: &Client,
    permits: &Arc<Semaphore>,
    case: &str,
    index: usize,
) -> Vec<Tidied> {
    let ready: Vec<(Created, Option<Value>)> = ledger
        .pending_of(case, index)
        .into_iter()
        .filter_map(|created| {
            let seen = ledger.last_seen(index, &created.id)?;
            Some((created, Some(seen)))
        })
        .collect();
    // A cancel task that panicked leaves its entry in the ledger: the cleanup at the end tries it.
    cancel_each(ledger, targets, &client.idempotent(), ready, |_| {
        Some(Arc::clone(permits))
    })
    .await
}

/// Cancels each of `entries` (written back from the copy given, else read first), each under a
/// permit of the semaphore `permits` names for its target, and takes each out of the ledger once
/// tried. The entries come back in the order given; one whose task panicked is left out (and
/// stays in the ledger).
async fn cancel_each(
    ledger: &Arc<Ledger>,
    targets: &Arc<Vec<Target>>,
    client: &Client,
    entries: Vec<(Created, Option<Value>)>,
    permits: impl Fn(usize) -> Option<Arc<Semaphore>>,
) -> Vec<Tidied> {
    let mut tasks = JoinSet::new();
    for (position, (created, known)) in entries.into_iter().enumerate() {
        let (ledger, targets, client) = (Arc::clone(ledger), Arc::clone(targets), client.clone());
        let semaphore = permits(created.target);
        tasks.spawn(async move {
            let _permit = match semaphore {
                Some(semaphore) => semaphore.acquire_owned().await.ok(),
                None => None,
            };
            let Some(target) = targets.get(created.target) else {
                ledger.remove(&created);
                return None;
            };
            let done = cancel(&at(&client, &created.id), target, &created.id, known).await;
            ledger.remove(&created);
            Some((
                position,
                entry(created.id, created.case, target, done, Origin::Answer, None),
            ))
        });
    }
    let mut done = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(Some(entry)) => done.push(entry),
            Ok(None) => {}
            Err(e) => tracing::error!("a cancel task failed: {e}"),
        }
    }
    done.sort_by_key(|(position, _)| *position);
    done.into_iter().map(|(_, tidied)| tidied).collect()
}

/// The ledger's own entries, cancelled up to `jobs` at once on each target, in ledger order.
async fn cancel_recorded(
    ledger: &Arc<Ledger>,
    targets: &Arc<Vec<Target>>,
    client: &Client,
    jobs: usize,
) -> Vec<Tidied> {
    let mut tidied = Vec::new();
    loop {
        let batch = ledger.pending();
        if batch.is_empty() {
            return tidied;
        }
        // `jobs` cancels in flight on each target, as its cases were. A cancel that panics leaves
        // its entry for the next round; one that panics twice in a row is reported rather than
        // retried for ever.
        let semaphores: Vec<Arc<Semaphore>> = targets
            .iter()
            .map(|_| Arc::new(Semaphore::new(jobs.max(1))))
            .collect();
        let entries = batch
            .into_iter()
            .map(|created| {
                let known = ledger.last_seen(created.target, &created.id);
                (created, known)
            })
            .collect();
        let done = cancel_each(ledger, targets, client, entries, |target| {
            semaphores.get(target).cloned()
        })
        .await;
        if done.is_empty() {
            // Nothing could be tried (every task failed): report what is left instead of looping.
            for created in ledger.take() {
                tidied.push(stopped_task(targets, created));
            }
            return tidied;
        }
        tidied.extend(done);
    }
}

/// The client for one appointment's cancel: its exchanges are recorded (and replayed) under it.
fn at(client: &Client, id: &str) -> Client {
    client.at(Slot {
        case: Some(CLEANUP_CASE.to_owned()),
        step: Some(id.to_owned()),
    })
}

fn entry(
    id: String,
    case: String,
    target: &Target,
    done: Cancelled,
    origin: Origin,
    lost: Option<LostAnswer>,
) -> Tidied {
    Tidied {
        id,
        case,
        target: target.label.clone(),
        problem: done.problem,
        note: done.note,
        origin,
        lost,
    }
}

fn stopped_task(targets: &[Target], created: Created) -> Tidied {
    Tidied {
        target: label(targets, created.target).cloned().unwrap_or_default(),
        id: created.id,
        case: created.case,
        problem: Some("cancelling failed: the cleanup task stopped".to_owned()),
        note: None,
        origin: Origin::Answer,
        lost: None,
    }
}

/// A lost create the sweep could not settle: a cleanup problem, with why.
fn unsettled(target: &str, lost: &Uncertain, why: &str) -> Tidied {
    Tidied {
        id: String::new(),
        case: lost.case.clone(),
        target: target.to_owned(),
        problem: Some(format!(
            "may have been created, and the sweep could not look for it: {why}"
        )),
        note: None,
        origin: Origin::Answer,
        lost: Some(lost_answer(lost)),
    }
}

fn lost_answer(lost: &Uncertain) -> LostAnswer {
    LostAnswer {
        step: lost.step.clone(),
        why: lost.why.clone(),
    }
}

/// What the sweep of one target settles: each lost create matched to an appointment the ledger did
/// not know (the same `start` first, else any in its case's days), cancelled, or found not created;
/// then every other open appointment the ledger missed, cancelled and named by the case whose days
/// hold it.
async fn settle(
    client: &Client,
    target: &Target,
    traces: &Traces,
    swept: &Swept,
    known: &BTreeSet<String>,
    lost: &[&Uncertain],
) -> Vec<Tidied> {
    let mut unclaimed: Vec<&Found> = swept
        .found
        .iter()
        .filter(|f| !known.contains(&f.id))
        .collect();
    let mut tidied = Vec::new();
    for lost in lost {
        let Some(found) = claim(&mut unclaimed, lost) else {
            tidied.push(match &swept.stopped {
                Some(why) => unsettled(&target.label, lost, why),
                None => Tidied {
                    id: String::new(),
                    case: lost.case.clone(),
                    target: target.label.clone(),
                    problem: None,
                    note: None,
                    origin: Origin::NotCreated,
                    lost: Some(lost_answer(lost)),
                },
            });
            continue;
        };
        let done = cancel_found(client, target, found).await;
        tidied.push(entry(
            found.id.clone(),
            lost.case.clone(),
            target,
            done,
            Origin::Sweep,
            Some(lost_answer(lost)),
        ));
    }
    for found in unclaimed.into_iter().filter(|f| f.is_open()) {
        let case = found
            .day()
            .and_then(|day| traces.case_on(day))
            .unwrap_or("(unknown)")
            .to_owned();
        let done = cancel_found(client, target, found).await;
        tidied.push(entry(
            found.id.clone(),
            case,
            target,
            done,
            Origin::Sweep,
            None,
        ));
    }
    tidied
}

/// Takes out of `unclaimed` the appointment that `lost` most likely created: one starting at the
/// `start` it sent within its case's days, else any within its case's days.
fn claim<'a>(unclaimed: &mut Vec<&'a Found>, lost: &Uncertain) -> Option<&'a Found> {
    let sent = lost.start.as_deref().and_then(instant);
    let in_week = |found: &Found| match (lost.slot_day, found.day()) {
        (Some(slot), Some(day)) => within_week(slot, day),
        _ => false,
    };
    let position = unclaimed
        .iter()
        .position(|f| sent.is_some() && f.start == sent && in_week(f))
        .or_else(|| unclaimed.iter().position(|f| in_week(f)))?;
    Some(unclaimed.remove(position))
}

/// Cancels what the sweep found: written back from the sweep's copy when it shows it open, else
/// read first (a search's word that it is cancelled is confirmed by a read, see [`cancel`]).
async fn cancel_found(client: &Client, target: &Target, found: &Found) -> Cancelled {
    let known = found.is_open().then(|| found.resource.clone());
    cancel(&at(client, &found.id), target, &found.id, known).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(id: &str, start: &str) -> Found {
        Found {
            id: id.to_owned(),
            status: "booked".to_owned(),
            start: instant(start),
            resource: serde_json::Value::Null,
        }
    }

    fn lost(start: &str) -> Uncertain {
        Uncertain {
            target: 0,
            case: "create/x".to_owned(),
            step: "create".to_owned(),
            why: "the answer was lost".to_owned(),
            start: Some(start.to_owned()),
            slot_day: Some(jiff::civil::date(2100, 3, 10)),
        }
    }

    #[test]
    fn a_lost_create_claims_its_start_first_then_its_days_and_never_another_case() {
        let (a, b, far) = (
            found("a", "2100-03-10T09:00:00+00:00"),
            found("b", "2100-03-10T10:00:00+00:00"),
            found("far", "2100-03-20T10:00:00+00:00"),
        );
        let mut unclaimed = vec![&a, &b, &far];
        let first = claim(&mut unclaimed, &lost("2100-03-10T10:00:00Z"));
        assert_eq!(first.map(|f| f.id.as_str()), Some("b"), "the same start");
        let second = claim(&mut unclaimed, &lost("2100-03-10T11:00:00Z"));
        assert_eq!(second.map(|f| f.id.as_str()), Some("a"), "its case's days");
        assert_eq!(
            claim(&mut unclaimed, &lost("2100-03-10T11:00:00Z")),
            None,
            "another case's appointment is not claimed"
        );
        assert_eq!(unclaimed, [&far]);
    }
}
