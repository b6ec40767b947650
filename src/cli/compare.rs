//! `run` with several targets (`--target` or `--profile` repeated): the suite against each in turn,
//! each with its own session (edition, token, write guard, run id, cleanup), its case lines and
//! summary; then one comparison (behaviours × targets) on the console and in the `--report-dir` files.

use crate::cli::running::{RunArgs, ledger_lines, print_targets, run_with_progress, watch_ctrl_c};
use crate::cli::target_args::NamedTarget;
use crate::cli::{CliError, EXIT_OK, dry_run, exit_for, selected_suite, write_and_name};
use crate::exchange::Client;
use crate::report::comparison::{compare, unique_labels};
use crate::report::console;
use crate::report::{Report, ReportInput, TargetInfo};
use crate::requirements::Catalogue;
use crate::run::options::REMOTE_JOBS;
use crate::run::snapshots::UpdateMode;
use crate::run::{RunSession, SessionError, SessionOptions, TargetChoice};
use crate::suite::Suite;
use crate::target::{Baseline, label_for};

/// Runs `args`'s selection of `suite` against each of `named` (two or more), one after the other,
/// and reports them compared. Exit 1 when any target's run failed.
///
/// Errors: a target without a base URL, unusable credentials, an empty selection (usage, exit 2,
/// nothing sent); reports that cannot be written.
pub async fn run(args: &RunArgs, suite: &Suite, named: Vec<NamedTarget>) -> Result<u8, CliError> {
    let options = args.net.client_options()?;
    let client = Client::with_options(options.clone()).map_err(|e| {
        CliError::Other(anyhow::Error::new(e).context("failed to start the client"))
    })?;
    let mut targets = Vec::with_capacity(named.len());
    for target in named {
        let Some(base_url) = target.base_url else {
            return Err(CliError::Usage(format!(
                "profile `{}` has no base_url: give it one, or pass one --target URL per --profile",
                target.profile.name
            )));
        };
        targets.push((base_url, target.profile));
    }
    let labels = unique_labels(
        &targets
            .iter()
            .map(|(url, profile)| label_for(profile, url))
            .collect::<Vec<_>>(),
    );
    let dir = args.select.cases_dir();
    let own_baseline = targets
        .iter()
        .any(|(_, profile)| profile.baseline == crate::target::Baseline::Own);
    let snapshot_dir = crate::cli::selection::snapshots_dir_or_default(
        args.snapshots.as_ref(),
        &dir,
        own_baseline,
    );
    let mut sessions = Vec::with_capacity(targets.len());
    for ((base_url, profile), label) in targets.into_iter().zip(labels) {
        let opened = RunSession::open_with(
            SessionOptions {
                targets: TargetChoice::Remote {
                    base_url,
                    profile: Box::new(profile),
                    token: args.target_args.bearer.token.clone(),
                    label: Some(label.clone()),
                },
                client: options.clone(),
                jobs: args.jobs.unwrap_or(REMOTE_JOBS),
                snapshots: Some((
                    snapshot_dir.clone(),
                    UpdateMode::from_env(args.update_snapshots),
                )),
                allow_drift: args.allow_drift,
                require_auth: !args.dry_run,
            },
            client.clone(),
        )
        .await;
        match opened {
            Ok(session) => sessions.push(session),
            Err(e) => {
                close_all(sessions).await;
                return Err(match e {
                    SessionError::Auth { reason, .. } => {
                        CliError::Usage(format!("cannot authenticate to target {label}: {reason}"))
                    }
                    other => CliError::Other(other.into()),
                });
            }
        }
    }
    for session in &sessions {
        print_targets(session);
    }
    // Each target's selection (its own edition) and plan, all checked before anything is sent.
    let mut planned = Vec::with_capacity(sessions.len());
    for session in &sessions {
        let selection = session.selection(&args.select.selection());
        let plan = session.plan(&suite.cases, &selection);
        let (_, selected) = selected_suite(suite, &selection);
        if selected.cases == 0 {
            close_all(sessions).await;
            return Err(CliError::Usage("no case matches the filter".to_owned()));
        }
        planned.push((selection, plan, selected));
    }
    if args.dry_run {
        for (session, (_, plan, _)) in sessions.iter().zip(&planned) {
            print!(
                "{}",
                dry_run::render(plan, session.targets(), session.run_id())
            );
        }
        close_all(sessions).await;
        return Ok(EXIT_OK);
    }
    let count = sessions.len();
    let mut reports: Vec<Report> = Vec::with_capacity(count);
    let mut interrupted = false;
    for (number, (session, (selection, plan, selected))) in
        sessions.into_iter().zip(planned).enumerate()
    {
        let Some(target) = session.targets().first().cloned() else {
            session.close().await;
            continue;
        };
        if interrupted {
            println!("== target {}: not run (interrupted)", target.label);
            session.close().await;
            continue;
        }
        println!(
            "== target {} ({} of {count}): {}",
            target.label,
            number + 1,
            target.base_url
        );
        let mut session = session.require_all(args.require_all);
        let gate = session.preflight(&plan).await;
        let target = session.targets().first().cloned().unwrap_or(target);
        if let Some(gate) = &gate {
            print!("{}", console::preflight(gate, args.verbose));
        }
        let started_at = jiff::Timestamp::now();
        let report = match gate.as_ref().and_then(|g| g.stop.as_deref()) {
            // This target cannot be judged: its report says so; the others still run.
            Some(cause) => session.not_judged(&plan, cause),
            None => {
                let watcher = tokio::spawn(watch_ctrl_c(session.control().clone()));
                let report = run_with_progress(&session, &plan, args.verbose).await;
                watcher.abort();
                print!("{}", console::grouped(&report.outcomes, args.verbose));
                report
            }
        };
        interrupted = report.interrupted;
        if interrupted {
            print!("{}", ledger_lines(&report));
        }
        let unreferenced = match session.snapshots() {
            Some(store)
                if args.select.is_everything()
                    && !interrupted
                    && target.profile.baseline == Baseline::Own =>
            {
                store.unreferenced(&[target.profile.name.as_str()])
            }
            _ => Vec::new(),
        };
        print!(
            "{}",
            console::snapshot_summary(&report.outcomes, &unreferenced)
        );
        print!("{}", console::target_summary(&report, &target.label));
        let catalogues: Vec<&Catalogue> = selection
            .editions
            .iter()
            .filter_map(|e| suite.catalogue(*e))
            .collect();
        reports.push(Report::build(&ReportInput {
            run: &report,
            catalogues,
            targets: vec![TargetInfo::of(&target)],
            started_at,
            suite: selected,
            partition: selection.partition,
            allow_drift: args.allow_drift,
        }));
        session.close().await;
    }
    let Some(joined) = compare(reports) else {
        return Err(CliError::Usage("no target was run".to_owned()));
    };
    if let Some(comparison) = &joined.comparison {
        print!("{}", console::comparison(comparison));
    }
    if let Some(dir) = &args.report_dir {
        write_and_name(dir, &joined)?;
    }
    println!("verdict: {}", joined.verdict.headline());
    Ok(exit_for(&joined.verdict))
}

async fn close_all(sessions: Vec<RunSession>) {
    for session in sessions {
        session.close().await;
    }
}
