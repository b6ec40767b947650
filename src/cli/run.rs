//! `run`: load and lint the suite, pick the target and its auth (embedded reference servers unless
//! `--target`/a profile's base_url), plan, run (or `--dry-run`: print curl lines), print one line per
//! case (or a progress bar on a terminal), compare snapshots, cancel what was created (also after
//! Ctrl-C), write the `--report-dir` files (and with `--record` every exchange to a recording), and
//! exit 0 (all passed) or 1. Several targets are handed to `cli::compare`.

use std::sync::Arc;

use anyhow::Context as _;

use crate::cli::running::{ledger_lines, print_targets, run_with_progress, watch_ctrl_c};
use crate::cli::target_args::NamedTarget;
use crate::cli::{
    CliError, EXIT_OK, compare, dry_run, exit_for, folder_option, selected_suite, write_and_name,
};
use crate::edition::Edition;
use crate::exchange::recorder::Recorder;
use crate::exchange::tape::{Header, RunFacts, SuiteDigest};
use crate::report::console;
use crate::report::{Report, ReportInput, TargetInfo};
use crate::requirements::Catalogue;
use crate::run::options::default_jobs_for;
use crate::run::preflight::Gate;
use crate::run::snapshots::{ReadOnly, UpdateMode};
use crate::run::{RunSession, SessionError, SessionOptions, TargetChoice};
use crate::suite::load_suite;
use crate::target::{Baseline, FixtureOrigin, Profile};
use canvas_sandbox::Mutant;

/// The static token of the reference instance (REFERENCE-INSTANCE.md).
pub const REFERENCE_TOKEN: &str = crate::target::REFERENCE_TOKEN;

pub use crate::cli::running::{NetArgs, RunArgs};

pub async fn run(args: RunArgs) -> Result<u8, CliError> {
    folder_option("--report-dir", args.report_dir.as_deref())?;
    folder_option("--record", args.record.as_deref())?;
    let dir = args.select.cases_dir();
    let suite = load_suite(&dir).map_err(|e| CliError::Usage(e.to_string()))?;
    args.select.check(&suite)?;
    let mutant = match &args.mutant {
        None => None,
        Some(name) => Some(
            Mutant::from_name(name)
                .or_else(|| Mutant::from_name_in(Edition::Current, name))
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
    let mut named = args.target_args.named_for(args.select.edition)?;
    if named.len() > 1 {
        if mutant.is_some() {
            return Err(CliError::Usage(
                "--mutant runs the embedded servers: it cannot be combined with several targets"
                    .to_owned(),
            ));
        }
        return compare::run(&args, &suite, named).await;
    }
    let Some(NamedTarget { profile, base_url }) = named.pop() else {
        return Err(CliError::Usage("no target to run against".to_owned()));
    };
    let options = args.net.client_options()?;
    let targets = match base_url {
        Some(base_url) => TargetChoice::Remote {
            base_url,
            profile: Box::new(profile),
            token: args.target_args.bearer.token.clone(),
            label: None,
        },
        None if !args.target_args.profile.is_empty() => {
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
                .filter(|e| mutant.is_none_or(|m| m.editions().contains(e)))
                .collect();
            if editions.is_empty() {
                return Err(CliError::Usage(match (mutant, args.select.edition) {
                    (Some(m), Some(asked)) => format!(
                        "mutant `{}` does not exist in edition {asked} (see `serve --edition {asked} --list-mutants`)",
                        m.name()
                    ),
                    _ => "the case folder has no catalogue for the edition asked for".to_owned(),
                }));
            }
            TargetChoice::Embedded {
                mutant,
                editions,
                pairs: 1,
            }
        }
    };
    let own_baseline = matches!(
        &targets,
        TargetChoice::Remote { profile, .. } if profile.baseline == Baseline::Own
    );
    let snapshot_dir = crate::cli::selection::snapshots_dir_or_default(
        args.snapshots.as_ref(),
        &dir,
        own_baseline,
    );
    // A mutant run shows drift but must not leave pending files for a server that is broken on purpose.
    let update = if mutant.is_some() {
        UpdateMode::No(ReadOnly::Mutant)
    } else {
        UpdateMode::from_env(args.update_snapshots)
    };
    let remote = matches!(targets, TargetChoice::Remote { .. });
    let assumed = matches!(&targets, TargetChoice::Remote { profile, .. } if profile.origin == FixtureOrigin::Assumed);
    let mut session = RunSession::open(SessionOptions {
        targets,
        client: options,
        jobs: args.jobs.unwrap_or_else(|| default_jobs_for(remote)),
        snapshots: Some((snapshot_dir, update)),
        allow_drift: args.allow_drift,
        require_auth: !args.dry_run,
    })
    .await
    .map_err(|e| match e {
        SessionError::Auth { reason, .. } => {
            CliError::Usage(format!("cannot authenticate to the target: {reason}"))
        }
        other => CliError::Other(other.into()),
    })?
    .require_all(args.require_all);
    print_targets(&session);
    let mut selection = session.selection(&args.select.selection());
    let mut plan = session.plan(&suite.cases, &selection);
    if args.dry_run {
        print!(
            "{}",
            dry_run::render(&plan, session.targets(), session.run_id())
        );
        session.close().await;
        return Ok(EXIT_OK);
    }
    // The preflight decides whether a remote target can be judged at all, before any case.
    let mut gate = session.preflight(&plan).await;
    // A `--target` without a profile or `--edition` is judged in the edition it speaks.
    if let Some(detected) = gate.as_ref().and_then(|g| g.detected)
        && args.select.edition.is_none()
        && assumed
        && session
            .targets()
            .first()
            .is_some_and(|t| t.profile.edition != detected)
    {
        println!(
            "the target speaks the {detected} edition (no --profile or --edition said which): judging it as {detected}"
        );
        session.retarget(Profile::assumed_reference_for(detected));
        selection = session.selection(&args.select.selection());
        plan = session.plan(&suite.cases, &selection);
        gate = session.preflight(&plan).await;
    }
    let targets = session.targets();
    let catalogues: Vec<&Catalogue> = selection
        .editions
        .iter()
        .filter_map(|e| suite.catalogue(*e))
        .collect();
    let (names, selected) = selected_suite(&suite, &selection);
    // An empty shard is fine (a small suite over a wide runner matrix); an empty selection is not.
    if selected.cases == 0 {
        session.close().await;
        return Err(CliError::Usage("no case matches the filter".to_owned()));
    }
    // Only a target's own baseline can hold unreferenced snapshots (the reference folder is just
    // compared with for an unprofiled target).
    let profiles: Vec<String> = targets
        .iter()
        .filter(|t| t.profile.baseline == Baseline::Own)
        .map(|t| t.profile.name.clone())
        .collect();
    let unfiltered = args.select.is_everything();
    if let Some(gate) = &gate {
        print!("{}", console::preflight(gate, args.verbose));
        if let Some(cause) = &gate.stop {
            // Nothing can be judged: one cause, said first and last, and reports that say so.
            let report = session.not_judged(&plan, cause);
            let infos: Vec<TargetInfo> = targets.iter().map(TargetInfo::of).collect();
            session.close().await;
            return close_run(
                args.report_dir.as_deref(),
                &ReportInput {
                    run: &report,
                    catalogues,
                    targets: infos,
                    started_at: jiff::Timestamp::now(),
                    suite: selected,
                    partition: selection.partition,
                    allow_drift: args.allow_drift,
                },
            );
        }
    }
    let started_at = jiff::Timestamp::now();
    if let Some(record_dir) = &args.record {
        let header = Header::new(
            RunFacts {
                run_id: session.run_id().to_owned(),
                started_at,
                editions: selection.editions.clone(),
                suite: SuiteDigest {
                    cases: selected.cases,
                    digest: selected.digest.clone(),
                },
                selected: names.clone(),
                partition: selection.partition,
                cases: plan
                    .items
                    .iter()
                    .map(|item| format!("{}/{}", item.case.edition, item.case.name()))
                    .collect(),
                cause: gate.as_ref().and_then(Gate::cause),
            },
            targets,
        );
        let recorder = match Recorder::create(record_dir, &header) {
            Ok(recorder) => Arc::new(recorder),
            Err(e) => {
                session.close().await;
                return Err(CliError::Other(e.into()));
            }
        };
        session = session.recording(recorder);
    }
    let targets = session.targets();
    let watcher = tokio::spawn(watch_ctrl_c(session.control().clone()));
    let infos: Vec<TargetInfo> = targets.iter().map(TargetInfo::of).collect();
    let report = run_with_progress(&session, &plan, args.verbose).await;
    watcher.abort();
    let interrupted = report.interrupted;
    if interrupted {
        print!("{}", ledger_lines(&report));
    }
    let unreferenced = match session.snapshots() {
        Some(store) if unfiltered && !interrupted => {
            store.unreferenced(&profiles.iter().map(String::as_str).collect::<Vec<_>>())
        }
        _ => Vec::new(),
    };
    print!(
        "{}",
        console::snapshot_summary(&report.outcomes, &unreferenced)
    );
    print!("{}", console::grouped(&report.outcomes, args.verbose));
    let recorded = session.client().recorder().map(|r| {
        r.finish()
            .map(std::path::Path::to_path_buf)
            .context("the recording is incomplete")
    });
    session.close().await;
    if let Some(recorded) = recorded {
        println!("recording: {}", recorded?.display());
    }
    close_run(
        args.report_dir.as_deref(),
        &ReportInput {
            run: &report,
            catalogues,
            targets: infos,
            started_at,
            suite: selected,
            partition: selection.partition,
            allow_drift: args.allow_drift,
        },
    )
}

/// The end of a run, judged or not: the `--report-dir` files first (when asked), then the
/// closing lines, so the last lines are the counts, the verdict and its set-up cause; the exit
/// code the verdict asks for.
///
/// Errors: a report file that cannot be written.
fn close_run(dir: Option<&std::path::Path>, input: &ReportInput<'_>) -> Result<u8, CliError> {
    if let Some(dir) = dir {
        write_and_name(dir, &Report::build(input))?;
    }
    print!("{}", console::summary(input.run));
    Ok(exit_for(&input.run.verdict))
}
