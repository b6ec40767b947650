//! The `cargo test` face of the suite: one libtest-mimic trial per case, filterable by name, run
//! against the embedded reference servers, or the server in `CONFORMANCE_TARGET` (profile in
//! `CONFORMANCE_PROFILE`, its OAuth client from the variables it names, or a token in `CONFORMANCE_TOKEN`;
//! the edition from the profile or `CONFORMANCE_EDITION`). Trials are named `<edition>/<case>`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use libtest_mimic::{Arguments, Failed, Trial};

use crate::case::Case;
use crate::edition::Edition;
use crate::exchange::send::ClientOptions;
use crate::outcome::{CaseOutcome, Verdict};
use crate::plan::{Placement, PlanItem, Selection};
use crate::report::console;
use crate::report::model::CleanupEntry;
use crate::run::options::default_snapshots_dir;
use crate::run::snapshots::{ReadOnly, UpdateMode};
use crate::run::{RunSession, SessionError, SessionOptions, TargetChoice};
use crate::suite::{default_cases_dir, load_suite};
use crate::target::{Baseline, Profile};

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
            .map(|c| Trial::test(trial_name(c), || Ok(())))
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
    let options = match session_options(&dir) {
        Ok(options) => options,
        Err(problem) => return setup_failure(&args, problem),
    };
    let session = match runtime.block_on(RunSession::open(options)) {
        Ok(session) => session,
        Err(problem) => return setup_failure(&args, setup_problem(problem)),
    };
    let session = Arc::new(session);
    let plan = session.plan(&suite.cases, &Selection::default());
    let outcomes = Arc::new(Mutex::new(Vec::new()));
    let trials = plan
        .items
        .into_iter()
        .map(|item| {
            let name = trial_name(&item.case);
            let ignored = matches!(item.placement, Placement::Skip(_));
            let (handle, session, outcomes) = (
                runtime.handle().clone(),
                Arc::clone(&session),
                Arc::clone(&outcomes),
            );
            Trial::test(name, move || {
                let outcome = handle.block_on(session.run_item(&item));
                let result = judge(&session, &item, &outcome);
                if let Ok(mut outcomes) = outcomes.lock() {
                    outcomes.push(outcome);
                }
                result
            })
            .with_ignored_flag(ignored)
        })
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    let outcomes = outcomes.lock().map(|o| o.clone()).unwrap_or_default();
    let (cleanup, verdict) = runtime.block_on(session.finish(&outcomes));
    for t in cleanup.tidied.iter().filter(|t| t.problem.is_some()) {
        eprintln!(
            "not tidied: {} ({}): {}",
            CleanupEntry::of(t).subject(),
            t.case,
            t.problem.as_deref().unwrap_or_default()
        );
    }
    if let Ok(session) = Arc::try_unwrap(session) {
        runtime.block_on(session.close());
    }
    if conclusion.has_failed() || verdict.passed {
        conclusion.exit_code()
    } else {
        ExitCode::FAILURE
    }
}

/// One trial's result: a failed or errored case fails with its details; a passing one on a
/// target with its own baseline asserts its snapshots with insta.
fn judge(session: &RunSession, item: &PlanItem, outcome: &CaseOutcome) -> Result<(), Failed> {
    if matches!(outcome.verdict, Verdict::Fail | Verdict::Error) {
        return Err(Failed::from(console::details(outcome, Some(&item.case))));
    }
    if let Placement::Run(index) = item.placement
        && let Some(target) = session.targets().get(index)
        && target.profile.baseline == Baseline::Own
        && let Some(store) = session.snapshots()
    {
        assert_snapshots(outcome, &item.case, &store.folder(&target.profile.name));
    }
    Ok(())
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
            spec.request.method().as_str(),
            spec.request.path_text()
        ));
        settings.bind(|| insta::assert_snapshot!(snapshot.name.as_str(), &snapshot.observed));
    }
}

/// The session of the `cargo test` face: `CONFORMANCE_TARGET` (with `CONFORMANCE_PROFILE` and
/// `CONFORMANCE_TOKEN`) or the embedded reference servers, 30 s requests, the snapshots beside
/// the case folder compared only (insta asserts them in each trial, so `cargo insta test`,
/// `cargo insta review`, INSTA_UPDATE and INSTA_FORCE_PASS behave as insta users expect, and
/// drift is insta's to judge, not the run verdict's).
fn session_options(cases: &std::path::Path) -> Result<SessionOptions, String> {
    let targets = match std::env::var("CONFORMANCE_TARGET") {
        Ok(url) => {
            let edition = match std::env::var("CONFORMANCE_EDITION") {
                Ok(name) => Some(
                    name.parse::<Edition>()
                        .map_err(|e| format!("CONFORMANCE_EDITION: {e}"))?,
                ),
                Err(_) => None,
            };
            let mut profile = match std::env::var_os("CONFORMANCE_PROFILE") {
                Some(path) => Profile::load(&PathBuf::from(path)).map_err(|e| e.to_string())?,
                None => Profile::assumed_reference_for(edition.unwrap_or_default()),
            };
            if let Some(edition) = edition {
                profile.edition = edition;
            }
            TargetChoice::Remote {
                base_url: url.trim_end_matches('/').to_owned(),
                profile: Box::new(profile),
                token: std::env::var("CONFORMANCE_TOKEN").ok(),
                label: None,
            }
        }
        Err(_) => TargetChoice::Embedded {
            mutant: None,
            editions: Edition::ALL.to_vec(),
            pairs: 1,
        },
    };
    Ok(SessionOptions {
        targets,
        client: ClientOptions::with_timeout(Duration::from_secs(30)),
        jobs: 1,
        snapshots: Some((
            default_snapshots_dir(cases),
            UpdateMode::No(ReadOnly::CargoTest),
        )),
        allow_drift: true,
        require_auth: true,
    })
}

/// The setup failure's sentence.
fn setup_problem(error: SessionError) -> String {
    match error {
        SessionError::Auth { base_url, reason } => {
            format!("cannot authenticate to {base_url}: {reason}")
        }
        SessionError::Embedded(e) => format!("failed to start the reference servers: {e}"),
        SessionError::Client(e) => e.to_string(),
    }
}

fn setup_failure(args: &Arguments, problem: String) -> ExitCode {
    let trial = Trial::test("setup", move || Err(Failed::from(problem)));
    libtest_mimic::run(args, vec![trial]).exit_code()
}

/// A trial's name: the case's, under its edition (`2023-09/read/unknown-id`, `current/…`), so
/// `cargo test --test conformance -- current/` runs one edition and `-- read/` both.
fn trial_name(case: &Case) -> String {
    format!("{}/{}", case.edition, case.name())
}
