//! The `cargo test` face of the suite: one libtest-mimic trial per case, filterable by name, run
//! against the embedded reference servers, or the server in `CONFORMANCE_TARGET` (profile in
//! `CONFORMANCE_PROFILE`, its OAuth client from the variables it names, or a token in `CONFORMANCE_TOKEN`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use libtest_mimic::{Arguments, Failed, Trial};

use crate::case::Case;
use crate::exchange::Client;
use crate::outcome::{CaseOutcome, Verdict};
use crate::plan::{Placement, Selection, build};
use crate::report::console;
use crate::run::cleanup::cleanup;
use crate::run::embedded::Embedded;
use crate::run::ledger::Ledger;
use crate::run::runner::run_item;
use crate::run::scope::new_run_id;
use crate::run::snapshots::{SnapshotStore, UpdateMode};
use crate::suite::{default_cases_dir, load_suite};
use crate::target::{Baseline, Profile, Target, for_profile};

/// Entry point of `tests/conformance.rs`.
pub fn main() -> ExitCode {
    let args = Arguments::from_args();
    let dir = std::env::var_os("CONFORMANCE_CASES").map_or_else(default_cases_dir, PathBuf::from);
    let suite = match load_suite(&dir) {
        Ok(suite) => suite,
        Err(e) => {
            let message = e.to_string();
            let trial = Trial::test("case-files", move || Err(Failed::from(message)));
            return libtest_mimic::run(&args, vec![trial]).exit_code();
        }
    };
    if args.list {
        let trials = suite
            .cases
            .iter()
            .map(|c| Trial::test(c.name().to_owned(), || Ok(())))
            .collect();
        return libtest_mimic::run(&args, trials).exit_code();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return setup_failure(&args, format!("failed to start tokio: {e}")),
    };
    let (targets, embedded) = match runtime.block_on(targets()) {
        Ok(pair) => pair,
        Err(problem) => return setup_failure(&args, problem),
    };
    let client = match Client::new(Duration::from_secs(30)) {
        Ok(client) => client,
        Err(e) => return setup_failure(&args, e.to_string()),
    };
    let targets = Arc::new(targets);
    let ledger = Arc::new(Ledger::default());
    let run_id = new_run_id();
    let plan = build(&suite.cases, &targets, &Selection::default());
    // The runner only compares (and writes nothing); insta asserts each snapshot step below, so
    // `cargo insta test`, `cargo insta review`, INSTA_UPDATE and INSTA_FORCE_PASS behave as insta
    // users expect, on the same files the CLI uses.
    let store = Arc::new(SnapshotStore::new(
        crate::cli::run::default_snapshots_dir(&dir),
        UpdateMode::No,
    ));
    let trials = plan
        .items
        .into_iter()
        .map(|item| {
            let name = item.case.name().to_owned();
            let ignored = matches!(item.placement, Placement::Skip(_));
            let store = Arc::clone(&store);
            let (handle, targets, client, ledger, run_id) = (
                runtime.handle().clone(),
                Arc::clone(&targets),
                client.clone(),
                Arc::clone(&ledger),
                run_id.clone(),
            );
            Trial::test(name, move || {
                let outcome = handle.block_on(run_item(
                    &item,
                    &targets,
                    &client,
                    &run_id,
                    &ledger,
                    Some(&store),
                ));
                if matches!(outcome.verdict, Verdict::Fail | Verdict::Error) {
                    return Err(Failed::from(console::details(&outcome, Some(&item.case))));
                }
                if let Placement::Run(index) = item.placement
                    && let Some(target) = targets.get(index)
                    && target.profile.baseline == Baseline::Own
                {
                    assert_snapshots(&outcome, &item.case, &store.folder(&target.profile.name));
                }
                Ok(())
            })
            .with_ignored_flag(ignored)
        })
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    let tidied = runtime.block_on(cleanup(&ledger, &targets, &client));
    let untidy: Vec<_> = tidied.iter().filter(|t| t.problem.is_some()).collect();
    for t in &untidy {
        eprintln!(
            "not tidied: Appointment/{} ({}): {}",
            t.id,
            t.case,
            t.problem.as_deref().unwrap_or_default()
        );
    }
    if let Some(embedded) = embedded {
        runtime.block_on(embedded.shutdown());
    }
    if untidy.is_empty() {
        conclusion.exit_code()
    } else {
        ExitCode::FAILURE
    }
}

/// Asserts every snapshot the case's steps took with insta (a mismatch panics, failing the trial,
/// with insta's diff; insta writes `.snap.new` as INSTA_UPDATE says).
fn assert_snapshots(outcome: &CaseOutcome, case: &Case, folder: &std::path::Path) {
    for (step, spec) in outcome.steps.iter().zip(&case.spec.steps.value) {
        let Some(snapshot) = &step.snapshot else {
            continue;
        };
        let mut settings = insta::Settings::clone_current();
        // insta reads a relative path from the asserting source file's folder: give it ours.
        settings
            .set_snapshot_path(std::path::absolute(folder).unwrap_or_else(|_| folder.to_owned()));
        settings.set_prepend_module_to_snapshot(false);
        settings.set_input_file(case.file.as_ref());
        settings.set_omit_expression(true);
        settings.set_description(format!(
            "{} {}",
            spec.request.method.value.as_str(),
            spec.request.path.value
        ));
        settings.bind(|| insta::assert_snapshot!(snapshot.name.as_str(), &snapshot.observed));
    }
}

async fn targets() -> Result<(Vec<Target>, Option<Embedded>), String> {
    match std::env::var("CONFORMANCE_TARGET") {
        Ok(url) => {
            let profile = match std::env::var_os("CONFORMANCE_PROFILE") {
                Some(path) => Profile::load(&PathBuf::from(path)).map_err(|e| e.to_string())?,
                None => Profile::assumed_reference(),
            };
            let token = std::env::var("CONFORMANCE_TOKEN").ok();
            let auth = for_profile(&profile, token, Duration::from_secs(30));
            if let Some(reason) = auth.unavailable_reason() {
                return Err(format!("cannot authenticate to {url}: {reason}"));
            }
            let target = Target {
                label: crate::target::label_for(&profile, &url),
                base_url: url.trim_end_matches('/').to_owned(),
                auth,
                profile: Arc::new(profile),
            };
            Ok((vec![target], None))
        }
        Err(_) => {
            let embedded = Embedded::start(None)
                .await
                .map_err(|e| format!("failed to start the reference servers: {e}"))?;
            Ok((embedded.targets.clone(), Some(embedded)))
        }
    }
}

fn setup_failure(args: &Arguments, problem: String) -> ExitCode {
    let trial = Trial::test("setup", move || Err(Failed::from(problem)));
    libtest_mimic::run(args, vec![trial]).exit_code()
}
