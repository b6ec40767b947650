//! Runs a plan: cases concurrently (at most `jobs` at once on each target), the steps of a case in
//! order, each step rendered → sent → (walked) → checked → captured. Outcomes are delivered in plan
//! order, so output is deterministic whatever the scheduling. Cancels what the run created: a case's
//! own as it ends where it can, the rest at the end.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

use tokio::task::JoinSet;

use crate::case::Case;
use crate::case::edition::expect_in;
use crate::case::model::{Capture, Checked, Extract, Step};
use crate::case::uses::{behaviours_judged, default_behaviours, names_used};
use crate::check::search::{WalkJudge, WalkJudgement};
use crate::check::snapshot::{Redactions, render};
use crate::check::{CheckContext, Finding, FindingKind, attribute, check_step};
use crate::exchange::tape::Slot;
use crate::exchange::walk::walk;
use crate::exchange::{Client, PASSING_BODY_CAP, Received, Traffic, render_request};
use crate::outcome::{
    CaseOutcome, RunFacts, RunVerdict, StepOutcome, Tally, Verdict, drifted, partial_of,
};
use crate::plan::{Placement, Plan, PlanItem, fixtures_used};
use crate::run::admission::Admission;
use crate::run::cleanup::{SweepNote, cleanup, tidy_after_case};
use crate::run::creation::{CreateAt, is_create, record_creation};
use crate::run::events::RunEvent;
use crate::run::interrupt::{INTERRUPTED, Interrupt};
use crate::run::ledger::{Ledger, Sending, Tidied, appointment_id_from_location};
use crate::run::observed::observe;
use crate::run::scope::{BuiltIns, case_scope};
use crate::run::setup::{Refused, attribute_late, may_be_set_up, run_cause, set_up_cause};
use crate::run::snapshots::{SnapshotStore, snapshot_stem};
use crate::run::tag::{apply_tag, tag_for};
use crate::source::Pos;
use crate::target::{FixtureOrigin, Target};
use crate::template::{Scope, Var};

#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Cases in flight at once on each target (and cleanup cancels, likewise).
    pub jobs: usize,
    pub run_id: String,
    /// Where snapshot expectations are compared; `None` skips them.
    pub snapshots: Option<Arc<SnapshotStore>>,
    /// `run --allow-drift`: snapshot drift is reported without failing the run.
    pub allow_drift: bool,
    /// The set-up cause the preflight found that does not stop the run (an edition mismatch, a
    /// fixture it refused): the verdict headlines it.
    pub cause: Option<String>,
    /// `run --require-all` (or the profile's `require_all`): a partial run does not pass.
    pub require_all: bool,
}

/// Everything a run produced.
#[derive(Debug)]
pub struct RunReport {
    pub run_id: String,
    pub outcomes: Vec<CaseOutcome>,
    /// Every appointment the run created or may have created, and what cleanup did with it.
    pub cleanup: Vec<Tidied>,
    /// What the sweep of each target the run created on searched and found.
    pub sweeps: Vec<SweepNote>,
    pub duration_ms: u64,
    /// Ctrl-C stopped it before every case ran.
    pub interrupted: bool,
    /// The one verdict of the run (exit code, console, every report).
    pub verdict: RunVerdict,
    /// The requests the run sent (cases and cleanup), retries included.
    pub traffic: Traffic,
}

/// What a caller can hold on to while a run goes on: its stop signal and its cleanup ledger
/// (to show what is still to be cancelled if the process must exit early).
#[derive(Clone, Debug, Default)]
pub struct RunControl {
    pub interrupt: Interrupt,
    pub ledger: Arc<Ledger>,
}

/// Runs every plan item; `on_event` sees the run's [`RunEvent`]s, each case's outcome in plan order
/// as soon as it and all before it are done.
pub async fn run_plan(
    plan: &Plan,
    targets: Arc<Vec<Target>>,
    client: Client,
    options: &RunOptions,
    on_event: impl FnMut(RunEvent<'_>),
) -> RunReport {
    run_plan_with(
        plan,
        targets,
        client,
        options,
        &RunControl::default(),
        on_event,
    )
    .await
}

/// [`run_plan`] under the caller's control: once `control.interrupt` is triggered no case or step
/// starts (they are reported as not started), running steps finish, and cleanup still runs.
pub async fn run_plan_with(
    plan: &Plan,
    targets: Arc<Vec<Target>>,
    client: Client,
    options: &RunOptions,
    control: &RunControl,
    mut on_event: impl FnMut(RunEvent<'_>),
) -> RunReport {
    let started = Instant::now();
    let traffic_before = client.traffic();
    on_event(RunEvent::Started {
        cases: plan.items.len(),
    });
    let ledger = Arc::clone(&control.ledger);
    let refused = Arc::new(Refused::default());
    let admissions: Vec<Arc<Admission>> = targets
        .iter()
        .map(|_| Arc::new(Admission::new(options.jobs)))
        .collect();
    // Each target's cases are admitted in start order (its rank among that target's cases).
    let mut ranks = vec![0_usize; targets.len()];
    let mut tasks = JoinSet::new();
    let mut done: BTreeMap<usize, CaseOutcome> = BTreeMap::new();
    let mut outcomes = Vec::with_capacity(plan.items.len());
    // A failing case that a refusal in a later case could show to be the set-up's is held back
    // (with the cases after it, to keep plan order) until every case has run.
    let held = |position: usize, outcome: &CaseOutcome| match &plan.items[position].placement {
        Placement::Run(index) => may_be_set_up(outcome, &targets[*index].profile),
        Placement::Skip(_) => false,
    };
    // What cleanup already tidied as each case ended, by plan position.
    let mut early: BTreeMap<usize, Vec<Tidied>> = BTreeMap::new();
    let mut finished =
        |joined: Result<(usize, CaseOutcome, Vec<Tidied>), tokio::task::JoinError>,
         done: &mut BTreeMap<usize, CaseOutcome>,
         outcomes: &mut Vec<CaseOutcome>| {
            let (position, outcome) = match joined {
                Ok((position, outcome, tidied)) => {
                    early.insert(position, tidied);
                    (position, outcome)
                }
                Err(e) => {
                    // A panicking case must not take the run down; it is reported as an error below.
                    tracing::error!("a case task failed: {e}");
                    return;
                }
            };
            done.insert(position, outcome);
            // Delivered in plan order, each as soon as every case before it is done.
            while let Some(next) = done.remove(&outcomes.len()) {
                if held(outcomes.len(), &next) {
                    done.insert(outcomes.len(), next);
                    break;
                }
                on_event(RunEvent::CaseFinished {
                    outcome: &next,
                    case: &plan.items[outcomes.len()].case,
                });
                outcomes.push(next);
            }
        };
    // Every case is spawned at once, longest chains first; each waits for its turn and a permit of
    // its target's: `jobs` cases in flight on each target, whose latency and rate limit are its own.
    for position in plan.start_order(options.jobs.max(1) * targets.len().max(1)) {
        let item = plan.items[position].clone();
        let admission = match &item.placement {
            Placement::Run(index) => admissions.get(*index).cloned().map(|admission| {
                let rank = ranks[*index];
                ranks[*index] += 1;
                (admission, rank)
            }),
            Placement::Skip(_) => None,
        };
        let targets = Arc::clone(&targets);
        let client = client.clone();
        let ledger = Arc::clone(&ledger);
        let run_id = options.run_id.clone();
        let interrupt = control.interrupt.clone();
        let snapshots = options.snapshots.clone();
        let refused = Arc::clone(&refused);
        tasks.spawn(async move {
            let permit = match &admission {
                Some((admission, rank)) => admission.enter(*rank).await,
                None => None,
            };
            let outcome = if interrupt.is_triggered() {
                not_started(&item)
            } else {
                let ctx = ItemContext {
                    targets: &targets,
                    client: &client,
                    run_id: &run_id,
                    ledger: &ledger,
                    interrupt: &interrupt,
                    snapshots: snapshots.as_deref(),
                    refused: &refused,
                };
                run_item_in(&item, &ctx).await
            };
            drop(permit);
            // Its appointments a read of its own shows as they are now are cancelled at once,
            // while other cases run, instead of in waves after the last case.
            let tidied = match (&item.placement, &admission) {
                (Placement::Run(index), Some((admission, _))) => {
                    tidy_after_case(
                        &ledger,
                        &targets,
                        &client,
                        admission.permits(),
                        item.case.name(),
                        *index,
                    )
                    .await
                }
                _ => Vec::new(),
            };
            (position, outcome, tidied)
        });
    }
    while let Some(joined) = tasks.join_next().await {
        finished(joined, &mut done, &mut outcomes);
    }
    // What was held back is decided now that every refusal of the run is known; anything left
    // (a task that panicked) becomes an Error outcome, keeping plan order.
    for (position, item) in plan.items.iter().enumerate().skip(outcomes.len()) {
        let mut outcome = done.remove(&position).unwrap_or_else(|| crashed(item));
        if let Placement::Run(index) = &item.placement {
            let profile = &targets[*index].profile;
            if may_be_set_up(&outcome, profile) {
                attribute_late(&mut outcome, &fixtures_used(&item.case), profile, &refused);
            }
        }
        on_event(RunEvent::CaseFinished {
            outcome: &outcome,
            case: &item.case,
        });
        outcomes.push(outcome);
    }
    let early: Vec<Tidied> = early.into_values().flatten().collect();
    let swept = cleanup(&ledger, &targets, &client, options.jobs, early).await;
    let cleanup = swept.tidied;
    on_event(RunEvent::CleanupFinished { tidied: &cleanup });
    let interrupted = control.interrupt.is_triggered();
    let verdict = verdict_of(&outcomes, &cleanup, options, interrupted);
    on_event(RunEvent::Finished { verdict: &verdict });
    RunReport {
        run_id: options.run_id.clone(),
        outcomes,
        cleanup,
        sweeps: swept.sweeps,
        duration_ms: millis(started),
        interrupted,
        verdict,
        traffic: client.traffic().since(traffic_before),
    }
}

/// The run's one verdict from its case outcomes and cleanup (see [`RunVerdict::decide`]), under
/// the run's drift policy, set-up cause and `--require-all`.
pub fn verdict_of(
    outcomes: &[CaseOutcome],
    cleanup: &[Tidied],
    options: &RunOptions,
    interrupted: bool,
) -> RunVerdict {
    let setup_cases = outcomes
        .iter()
        .filter(|o| o.setup_cause().is_some())
        .count();
    // A cause found during the run (a refused fixture) is the headline when the preflight had none.
    let cause = options.cause.clone().or_else(|| {
        let causes: Vec<&str> = outcomes
            .iter()
            .filter_map(CaseOutcome::setup_cause)
            .collect();
        run_cause(&causes, setup_cases)
    });
    RunVerdict::decide(RunFacts {
        cases: Tally::of(outcomes),
        setup_cases,
        cleanup_problems: cleanup.iter().filter(|t| t.problem.is_some()).count(),
        drifted: drifted(outcomes).count(),
        allow_drift: options.allow_drift,
        interrupted,
        cause,
        partial: partial_of(outcomes),
        require_all: options.require_all,
    })
}

fn not_started(item: &PlanItem) -> CaseOutcome {
    let case = &item.case;
    CaseOutcome::skipped(
        case.name().to_owned(),
        case.location(Pos::of(&case.spec.name)),
        case.behaviours().map(str::to_owned).collect(),
        INTERRUPTED.to_owned(),
    )
    .in_edition(case.edition)
}

fn crashed(item: &PlanItem) -> CaseOutcome {
    let case = &item.case;
    let mut outcome = CaseOutcome::skipped(
        case.name().to_owned(),
        case.location(Pos::of(&case.spec.name)),
        case.behaviours().map(str::to_owned).collect(),
        String::new(),
    )
    .in_edition(case.edition);
    outcome.verdict = Verdict::Error;
    outcome
}

fn millis(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// What every case of a run shares.
struct ItemContext<'a> {
    targets: &'a [Target],
    client: &'a Client,
    run_id: &'a str,
    ledger: &'a Ledger,
    interrupt: &'a Interrupt,
    snapshots: Option<&'a SnapshotStore>,
    /// Fixtures the target refused so far in this run.
    refused: &'a Refused,
}

/// Runs one plan item (or records why it is skipped).
pub async fn run_item(
    item: &PlanItem,
    targets: &[Target],
    client: &Client,
    run_id: &str,
    ledger: &Ledger,
    snapshots: Option<&SnapshotStore>,
) -> CaseOutcome {
    let interrupt = Interrupt::default();
    let refused = Refused::default();
    let ctx = ItemContext {
        targets,
        client,
        run_id,
        ledger,
        interrupt: &interrupt,
        snapshots,
        refused: &refused,
    };
    run_item_in(item, &ctx).await
}

async fn run_item_in(item: &PlanItem, ctx: &ItemContext<'_>) -> CaseOutcome {
    let case = &item.case;
    let behaviours: Vec<String> = case.behaviours().map(str::to_owned).collect();
    let location = case.location(Pos::of(&case.spec.name));
    let target_index = match &item.placement {
        Placement::Skip(reason) => {
            if let Some(store) = ctx.snapshots {
                for target in ctx.targets {
                    not_run(store, case, &case.spec.steps.value, target);
                }
            }
            return CaseOutcome::skipped(
                case.name().to_owned(),
                location,
                behaviours,
                reason.clone(),
            )
            .in_edition(case.edition);
        }
        Placement::Run(index) => *index,
    };
    let target = &ctx.targets[target_index];
    let started = Instant::now();
    // The fixtures a case uses matter only where the set-up may be at fault: not on the reference
    // instance, whose fixtures are its own.
    let case_fixtures = if target.profile.origin == FixtureOrigin::Reference {
        BTreeSet::new()
    } else {
        fixtures_used(case)
    };
    let refused = case_fixtures
        .iter()
        .find_map(|name| target.profile.refused.get(name).cloned());
    let steps = match refused {
        // The preflight found a fixture it uses refused: nothing is sent for it.
        Some(cause) => case
            .spec
            .steps
            .value
            .iter()
            .map(|step| {
                StepOutcome::new(
                    step.name.value.clone(),
                    case.location(Pos::of(&step.name)),
                    behaviours_judged(step, &behaviours),
                )
                .set_up_fault(format!("not sent: {cause}"))
            })
            .collect(),
        None => run_steps(case, item.index, target_index, ctx, &case_fixtures).await,
    };
    CaseOutcome {
        name: case.name().to_owned(),
        edition: case.edition,
        location,
        behaviours,
        target: Some(target.label.clone()),
        verdict: CaseOutcome::verdict_of(&steps),
        steps,
        duration_ms: millis(started),
    }
}

/// When a step failed in its edition but the same answer meets what the other edition expects of
/// it (its `current:` / `"2023-09":` overrides, and the edition-aware checks), a note saying so ("matches the current edition"),
/// attributed to the behaviours that failed. The verdict stays failed: it is a hint for reading it.
/// `other_ctx` is the step's context in the other edition, `other_walk` the walk judged in it.
fn edition_hint(
    step: &Step,
    other_ctx: &CheckContext<'_>,
    findings: &[Finding],
    received: &Received,
    other_walk: Option<&WalkJudgement>,
) -> Option<Finding> {
    // Without overrides the other edition still judges differently where a check follows the
    // edition (the search semantics' paging and links).
    let written = step.as_written.as_deref()?;
    let failed: Vec<&Finding> = findings.iter().filter(|f| f.counts()).collect();
    if failed.is_empty() {
        return None;
    }
    let other = other_ctx.edition;
    let theirs = check_step(&expect_in(written, other), other_ctx, received, other_walk);
    if theirs.iter().any(Finding::counts) {
        return None;
    }
    let mut behaviours: Vec<String> = Vec::new();
    for id in failed.iter().flat_map(|f| f.behaviours.iter()) {
        if !behaviours.contains(id) {
            behaviours.push(id.clone());
        }
    }
    let mut note = Finding::note(
        "edition",
        other_ctx.at(Pos::of(&step.name)),
        "",
        format!(
            "matches the {other} edition: this answer is what the {other} edition expects here (is the target on the {other} API?)"
        ),
    );
    note.behaviours = behaviours;
    Some(note)
}

/// What a step talks to: the target, the HTTP client, the cleanup ledger (and the run tag the
/// case's creates carry, if any) and the snapshot store.
struct StepIo<'a> {
    target: &'a Target,
    target_index: usize,
    client: &'a Client,
    ledger: &'a Ledger,
    tag: Option<&'a str>,
    snapshots: Option<&'a SnapshotStore>,
}

async fn run_steps(
    case: &Case,
    index: usize,
    target_index: usize,
    ctx: &ItemContext<'_>,
    case_fixtures: &BTreeSet<String>,
) -> Vec<StepOutcome> {
    let ItemContext {
        targets,
        client,
        run_id,
        ledger,
        interrupt,
        snapshots,
        refused,
    } = *ctx;
    let target = &targets[target_index];
    let case_ids: Vec<String> = case.behaviours().map(str::to_owned).collect();
    // A recording keeps the case's index and start; a replay renders with the recorded ones.
    let case_key = format!("{}/{}", case.edition, case.name());
    let (index, now) = client.case_facts(&target.label, &case_key, index, jiff::Timestamp::now());
    let builtins = BuiltIns::at(run_id, index, now);
    let tag = tag_for(case, run_id);
    let mut scope = match case_scope(case, &builtins, target) {
        Ok(scope) => scope,
        Err((name, e)) => {
            let pos = case
                .spec
                .vars
                .get(&name)
                .map_or_else(|| Pos::of(&case.spec.name), Pos::of);
            let mut outcome =
                StepOutcome::new(format!("vars.{name}"), case.location(pos), case_ids);
            outcome.error = Some(format!("failed to render variable `{name}`: {e}"));
            return vec![outcome.decide()];
        }
    };
    // Captures an earlier step did not make: name → (that step, the behaviours it failed for, or
    // the set-up cause that kept it from being judged).
    let mut missing: BTreeMap<String, Missing> = BTreeMap::new();
    // The first set-up cause met in this case, if any.
    let mut earlier_setup: Option<String> = None;
    let mut outcomes = Vec::new();
    for step in &case.spec.steps.value {
        let fresh = StepOutcome::new(
            step.name.value.clone(),
            case.location(Pos::of(&step.name)),
            behaviours_judged(step, &case_ids),
        );
        if interrupt.is_triggered() {
            let mut outcome = fresh;
            outcome.error = Some(INTERRUPTED.to_owned());
            outcomes.push(outcome.decide());
            break;
        }
        // A step goes on after an earlier failure unless it needs what that failure left uncaptured.
        let needs = names_used(step);
        if let Some((name, blocker)) = missing.iter().find(|(n, _)| needs.contains(*n)) {
            let reason = format!(
                "not run: it needs `{name}`, which step `{}` did not capture",
                blocker.step
            );
            let blocker = blocker.clone();
            for capture in step.capture.keys() {
                missing.insert(capture.clone(), blocker.clone());
            }
            if let Some(store) = snapshots {
                not_run(store, case, std::slice::from_ref(step), target);
            }
            outcomes.push(match blocker.setup {
                Some(cause) => fresh.set_up_fault(format!("{reason}: {cause}")),
                None => fresh.blocked(reason, blocker.failed_for),
            });
            continue;
        }
        // Each step's exchanges are recorded (and replayed) under its own slot.
        let client = client.at(Slot::step(&case_key, &step.name.value));
        let io = StepIo {
            target,
            target_index,
            client: &client,
            ledger,
            tag: tag.as_deref(),
            snapshots,
        };
        let (mut outcome, uncaptured) =
            run_step(case, step, &mut scope, &builtins, &io, fresh).await;
        attribute(&mut outcome.findings, &default_behaviours(step, &case_ids));
        let mut outcome = outcome.decide();
        if let Some(cause) = set_up_cause(
            step,
            &outcome,
            &target.profile,
            case_fixtures,
            refused,
            earlier_setup.as_deref(),
        ) {
            outcome = outcome.set_up_fault(cause);
        }
        if earlier_setup.is_none() {
            earlier_setup.clone_from(&outcome.setup);
        }
        let outcome = outcome.slim_if_passed();
        for name in uncaptured {
            missing.insert(
                name,
                Missing {
                    step: step.name.value.clone(),
                    failed_for: outcome.failed_behaviours(),
                    setup: outcome.setup.clone(),
                },
            );
        }
        outcomes.push(outcome);
    }
    outcomes
}

/// Why a capture is missing: the step that should have made it, and the behaviours it failed for
/// or the set-up cause that kept it from being judged.
#[derive(Clone, Debug)]
struct Missing {
    step: String,
    failed_for: Vec<String>,
    setup: Option<String>,
}

/// Runs one step: render → send → (walk) → check → capture. Returns the undecided outcome and the
/// names it should have captured but could not.
async fn run_step(
    case: &Case,
    step: &Step,
    scope: &mut Scope,
    builtins: &BuiltIns,
    io: &StepIo<'_>,
    mut outcome: StepOutcome,
) -> (StepOutcome, Vec<String>) {
    let StepIo {
        target,
        target_index,
        client,
        ledger,
        tag,
        snapshots,
    } = *io;
    let all_captures = || step.capture.keys().cloned().collect::<Vec<_>>();
    let mut out = match render_request(&step.request, scope) {
        Ok(out) => out,
        Err(e) => {
            outcome.error = Some(format!("failed to render the request: {e}"));
            return (outcome, all_captures());
        }
    };
    if is_create(&out) {
        // Tagged where the case cannot notice; noted before it is sent, so the sweep knows where
        // to look even if no answer comes back.
        let tagged = tag.filter(|tag| apply_tag(step, &mut out, tag));
        ledger.sending(Sending {
            target: target_index,
            case: case.name().to_owned(),
            slot_day: builtins.slot_day,
            tag: tagged.map(str::to_owned),
        });
    }
    let exchange = client.send(target, &out).await;
    // Recorded before anything else: even a create whose answer is then judged wrong (or lost) is
    // tidied.
    let at = CreateAt {
        case: case.name(),
        step: &step.name.value,
        target: target_index,
        slot_day: builtins.slot_day,
    };
    record_creation(&out, &exchange, &at, ledger);
    observe(&out, &exchange, target_index, ledger);
    if exchange.response.is_none() || exchange.error.is_some() {
        outcome.error = Some(
            exchange
                .error
                .as_ref()
                .map_or_else(|| "no response".to_owned(), ToString::to_string),
        );
        outcome.exchange = Some(exchange);
        return (outcome, all_captures());
    }
    let fetched = exchange.request.url.clone();
    let exchange = outcome.exchange.insert(exchange);
    let Some(received) = exchange.response.as_ref() else {
        return (outcome, all_captures());
    };
    let ctx = CheckContext {
        case,
        scope,
        query: &out.query,
        method: out.method,
        path: &out.path,
        edition: case.edition,
    };
    let other_ctx = CheckContext {
        edition: case.edition.other(),
        ..ctx
    };
    // The walk is judged page by page as it arrives (in this edition, and in the other for the
    // edition hint); a page that passed keeps only the start of its body.
    let mut walked: Option<(WalkJudgement, WalkJudgement)> = None;
    if let (Some(search), Some(bundle)) = (&step.expect.search, &received.json)
        && search.value.walk
        && received.status == 200
    {
        let mut own = WalkJudge::new(search, &ctx, bundle);
        let mut other = WalkJudge::new(search, &other_ctx, bundle);
        let walk = walk(client, target, &fetched, bundle, out.auth, |n, page| {
            let failed = own.page(n, page);
            other.page(n, page);
            if !failed {
                page.slim(PASSING_BODY_CAP);
            }
        })
        .await;
        outcome.walk = walk.pages;
        let stopped = walk.stopped.as_deref();
        walked = Some((own.finish(stopped), other.finish(stopped)));
    }
    outcome.findings = check_step(&step.expect, &ctx, received, walked.as_ref().map(|w| &w.0));
    if let Some(hint) = edition_hint(
        step,
        &other_ctx,
        &outcome.findings,
        received,
        walked.as_ref().map(|w| &w.1),
    ) {
        outcome.findings.push(hint);
    }
    if let (Some(store), Some(spec)) = (snapshots, &step.expect.snapshot)
        && let Checked::Valid(spec) = &spec.value
        && let Some(headers) = spec.headers()
    {
        let redactions = builtins.redactions(&target.base_url);
        outcome.snapshot = Some(compare_snapshot(
            store,
            case,
            step,
            target,
            received,
            headers,
            &redactions,
        ));
    }
    // A failed expectation is the first cause: a capture it made impossible is noted, not an Error.
    let failed = outcome.findings.iter().any(|f| f.kind == FindingKind::Fail);
    let mut uncaptured = Vec::new();
    for (name, spec) in &step.capture {
        match capture(&spec.value, received) {
            Ok(var) => scope.insert(name.clone(), var),
            Err(problem) => {
                let location = case.location(Pos::of(spec));
                let subject = name.clone();
                outcome.findings.push(if failed {
                    Finding::note(
                        "capture",
                        location,
                        subject,
                        format!("not captured after the failure above: {problem}"),
                    )
                } else {
                    Finding::error("capture", location, subject, problem)
                });
                uncaptured.push(name.clone());
            }
        }
    }
    (outcome, uncaptured)
}

/// Tells the snapshot store that these steps' snapshots could not be compared on this target.
fn not_run(store: &SnapshotStore, case: &Case, steps: &[Step], target: &Target) {
    for step in steps.iter().filter(|s| s.expect.snapshot.is_some()) {
        store.not_run(
            &target.profile.name,
            &snapshot_stem(case.name(), &step.name.value),
        );
    }
}

fn compare_snapshot(
    store: &SnapshotStore,
    case: &Case,
    step: &Step,
    target: &Target,
    received: &Received,
    headers: &[String],
    redactions: &Redactions<'_>,
) -> crate::outcome::SnapshotOutcome {
    let observed = render(received, headers, redactions);
    let request = &step.request;
    let expression = format!("{} {}", request.method().as_str(), request.path_text());
    store.check(
        &target.profile.name,
        target.profile.baseline,
        &snapshot_stem(case.name(), &step.name.value),
        &case.file,
        &expression,
        &observed,
    )
}

/// The captured value, or why there is none (an invalid capture's problems, lint's own words).
fn capture(spec: &Checked<Capture>, received: &Received) -> Result<Var, String> {
    match spec.as_result()? {
        Capture::Json(path) => {
            let body = received.json.as_ref().ok_or("the body is not JSON")?;
            let node = path
                .query(body)
                .first()
                .cloned()
                .ok_or_else(|| format!("no node at {}", path))?;
            Ok(Var::Json(node))
        }
        Capture::Header { name, extract } => {
            let value = received
                .header(name)
                .ok_or_else(|| format!("no `{name}` header"))?;
            match extract {
                Some(Extract::AppointmentId) => appointment_id_from_location(value)
                    .map(Var::Text)
                    .ok_or_else(|| format!("no appointment id in `{name}: {value}`")),
                None => Ok(Var::Text(value.to_owned())),
            }
        }
        Capture::Body => received
            .json
            .clone()
            .map(Var::Json)
            .ok_or_else(|| "the body is not JSON".to_owned()),
    }
}
