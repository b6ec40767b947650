//! The `cargo test` face of the suite: one libtest-mimic trial per case, filterable by name, run
//! against the embedded reference servers, or the server in `CONFORMANCE_TARGET` (profile in
//! `CONFORMANCE_PROFILE`, its OAuth client from the variables it names, or a token in `CONFORMANCE_TOKEN`;
//! the edition from the profile or `CONFORMANCE_EDITION`). Trials are named `<edition>/<case>`. A
//! remote target goes through `run`'s preflight first: a set-up fault is one failed `setup` trial.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use libtest_mimic::{Arguments, Failed, Trial};

use crate::case::Case;
use crate::edition::Edition;
use crate::exchange::send::ClientOptions;
use crate::outcome::{CaseOutcome, SnapshotStatus, Verdict};
use crate::plan::{Placement, Plan, PlanItem, Selection};
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
    let env = FaceEnv::from_env();
    let opened = match runtime.block_on(open(&env, &dir, &suite.cases)) {
        Ok(opened) => opened,
        Err(problem) => return setup_failure(&args, problem),
    };
    print!("{}", opened.notice);
    let Opened { session, plan, .. } = opened;
    // The reasons of the ignored trials this invocation selects (libtest's name filter applied).
    let selected = |name: &str| match &args.filter {
        Some(filter) if args.exact => name == filter,
        Some(filter) => name.contains(filter.as_str()),
        None => true,
    };
    let plan_skips: Vec<(String, String)> = plan
        .items
        .iter()
        .filter(|item| selected(&trial_name(&item.case)))
        .filter_map(|item| match &item.placement {
            Placement::Skip(reason) => Some((trial_name(&item.case), reason.clone())),
            Placement::Run(_) => None,
        })
        .collect();
    let session = Arc::new(session);
    let outcomes = Arc::new(Mutex::new(Vec::new()));
    let unbaselined = Arc::new(AtomicUsize::new(0));
    let trials = plan
        .items
        .into_iter()
        .map(|item| {
            let name = trial_name(&item.case);
            let ignored = matches!(item.placement, Placement::Skip(_));
            let (handle, session, outcomes, unbaselined) = (
                runtime.handle().clone(),
                Arc::clone(&session),
                Arc::clone(&outcomes),
                Arc::clone(&unbaselined),
            );
            Trial::test(name, move || {
                let outcome = handle.block_on(session.run_item(&item));
                let result = judge(&session, &item, &outcome, &unbaselined);
                if let Ok(mut outcomes) = outcomes.lock() {
                    outcomes.push(outcome);
                }
                result
            })
            .with_ignored_flag(ignored)
        })
        .collect();
    print!("{}", skipped_lines(&plan_skips));
    let conclusion = libtest_mimic::run(&args, trials);
    let unbaselined = unbaselined.load(Ordering::Relaxed);
    if unbaselined > 0 {
        let profile = session
            .targets()
            .iter()
            .find(|t| t.profile.baseline == Baseline::Own)
            .map_or_else(String::new, |t| t.profile.name.clone());
        // The same case folder, so the snapshots land where this face reads them.
        let cases = std::env::var_os("CONFORMANCE_CASES")
            .map(|_| format!(" --cases {}", dir.display()))
            .unwrap_or_default();
        let record = format!(
            "canvas-conformance run --profile {}{cases} --update-snapshots",
            env.profile
                .as_deref()
                .map_or_else(|| "<file>".to_owned(), |p| p.display().to_string())
        );
        println!(
            "{unbaselined} snapshot(s) of profile `{profile}` have no baseline yet (a first run: not failures); record them with `{record}`, or let insta write them (INSTA_UPDATE=always)"
        );
    }
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
fn judge(
    session: &RunSession,
    item: &PlanItem,
    outcome: &CaseOutcome,
    unbaselined: &AtomicUsize,
) -> Result<(), Failed> {
    if matches!(outcome.verdict, Verdict::Fail | Verdict::Error) {
        return Err(Failed::from(console::details(outcome, Some(&item.case))));
    }
    if let Placement::Run(index) = item.placement
        && let Some(target) = session.targets().get(index)
        && target.profile.baseline == Baseline::Own
        && let Some(store) = session.snapshots()
    {
        let folder = store.folder(&target.profile.name);
        unbaselined.fetch_add(
            assert_snapshots(outcome, &item.case, &folder),
            Ordering::Relaxed,
        );
    }
    Ok(())
}

/// Asserts every snapshot the case's steps took with insta (a mismatch panics, failing the trial,
/// with insta's diff; insta writes `.snap.new` as INSTA_UPDATE says).
///
/// A snapshot with no stored baseline yet (a profile's first run) is not asserted, as `run` calls
/// it new and not a failure, unless `INSTA_UPDATE` asks insta to write it (`always`, `unseen`).
/// Returns how many were left unasserted so.
fn assert_snapshots(outcome: &CaseOutcome, case: &Case, folder: &std::path::Path) -> usize {
    let insta_writes = std::env::var("INSTA_UPDATE").is_ok_and(|v| v == "always" || v == "unseen");
    let mut unbaselined = 0;
    for (step, spec) in outcome.steps.iter().zip(&case.spec.steps.value) {
        let Some(snapshot) = &step.snapshot else {
            continue;
        };
        if snapshot.status == SnapshotStatus::New && !insta_writes {
            unbaselined += 1;
            continue;
        }
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
    unbaselined
}

/// What the `cargo test` face reads from its environment (each variable's name is what a
/// set-up problem names).
#[derive(Clone, Debug, Default)]
pub struct FaceEnv {
    /// `CONFORMANCE_TARGET`: the FHIR base URL; absent: the profile's `base_url`, else the embedded
    /// reference servers.
    pub target: Option<String>,
    /// `CONFORMANCE_PROFILE`: the target's profile file.
    pub profile: Option<PathBuf>,
    /// `CONFORMANCE_TOKEN`: a static bearer token instead of the profile's OAuth client.
    pub token: Option<String>,
    /// `CONFORMANCE_EDITION`: `2023-09` or `current`.
    pub edition: Option<String>,
}

impl FaceEnv {
    /// The face's variables from the process environment.
    pub fn from_env() -> FaceEnv {
        FaceEnv {
            target: std::env::var("CONFORMANCE_TARGET").ok(),
            profile: std::env::var_os("CONFORMANCE_PROFILE").map(PathBuf::from),
            token: std::env::var("CONFORMANCE_TOKEN").ok(),
            edition: std::env::var("CONFORMANCE_EDITION").ok(),
        }
    }
}

/// A session ready for the trials: its plan, and what the preflight said (lines for the
/// console, empty when it had nothing to say).
pub struct Opened {
    pub session: RunSession,
    pub plan: Plan,
    pub notice: String,
}

/// Opens the face's session over `cases` (from the folder `cases_dir`), as `run` does: the
/// OAuth client authenticates, then a remote target goes through the preflight. A target that
/// speaks the other edition, when neither `CONFORMANCE_PROFILE` nor `CONFORMANCE_EDITION` said
/// which, is judged in the edition it speaks (said in the notice).
///
/// # Errors
/// The one set-up cause, with its fix, when nothing can be judged: a variable that does not
/// parse, a profile that does not load, credentials refused, a target unreachable or not a FHIR
/// Appointment endpoint. No case is sent then.
pub async fn open(
    env: &FaceEnv,
    cases_dir: &std::path::Path,
    cases: &[Arc<Case>],
) -> Result<Opened, String> {
    let (options, assumed) = session_options(env, cases_dir)?;
    let mut session = RunSession::open(options).await.map_err(setup_problem)?;
    let mut plan = session.plan(cases, &Selection::default());
    let mut notice = String::new();
    let Some(mut gate) = session.preflight(&plan).await else {
        return Ok(Opened {
            session,
            plan,
            notice,
        });
    };
    if let Some(detected) = gate.detected
        && assumed
        && session
            .targets()
            .first()
            .is_some_and(|t| t.profile.edition != detected)
    {
        notice = format!(
            "the target speaks the {detected} edition (neither CONFORMANCE_PROFILE nor CONFORMANCE_EDITION said which): judging it as {detected}\n"
        );
        session.retarget(Profile::assumed_reference_for(detected));
        plan = session.plan(cases, &Selection::default());
        gate = match session.preflight(&plan).await {
            Some(gate) => gate,
            None => {
                return Ok(Opened {
                    session,
                    plan,
                    notice,
                });
            }
        };
    }
    if let Some(stop) = &gate.stop {
        let cause = format!(
            "the set-up stopped the run before any case: {stop} (`{}` checks the set-up; this face reads CONFORMANCE_TARGET, CONFORMANCE_TOKEN, CONFORMANCE_PROFILE and CONFORMANCE_EDITION)",
            gate.doctor
        );
        session.close().await;
        return Err(cause);
    }
    notice.push_str(&console::preflight(&gate, false));
    Ok(Opened {
        session,
        plan,
        notice,
    })
}

/// The session of the `cargo test` face: `env`'s target (`CONFORMANCE_TARGET`, else the profile's
/// `base_url`; with its profile and token) or the embedded reference servers (of
/// `CONFORMANCE_EDITION` only, when it is set), 30 s requests, the snapshots beside the case folder compared only
/// (insta asserts them in each trial, so `cargo insta test`, `cargo insta review`, INSTA_UPDATE and
/// INSTA_FORCE_PASS behave as insta users expect, and drift is insta's to judge, not the run
/// verdict's). Also whether the target's edition was assumed (no profile, no edition given).
fn session_options(
    env: &FaceEnv,
    cases: &std::path::Path,
) -> Result<(SessionOptions, bool), String> {
    let mut assumed = false;
    let edition = match &env.edition {
        Some(name) => Some(
            name.parse::<Edition>()
                .map_err(|e| format!("CONFORMANCE_EDITION: {e}"))?,
        ),
        None => None,
    };
    let profile = match &env.profile {
        Some(path) => Some(Profile::load(path).map_err(|e| format!("CONFORMANCE_PROFILE: {e}"))?),
        None => None,
    };
    // The target is CONFORMANCE_TARGET, else the profile's own base_url (as `run --profile`).
    let url = match (&env.target, &profile) {
        (Some(url), _) => Some(url.clone()),
        (None, Some(profile)) => match &profile.base_url {
            Some(url) => Some(url.clone()),
            None => {
                return Err(format!(
                    "CONFORMANCE_PROFILE {} has no base_url: set base_url in it, or CONFORMANCE_TARGET to the FHIR base URL",
                    env.profile
                        .as_deref()
                        .map_or_else(String::new, |p| p.display().to_string())
                ));
            }
        },
        (None, None) => None,
    };
    let targets = match url {
        Some(url) => {
            let mut profile = match profile {
                Some(profile) => profile,
                None => {
                    assumed = edition.is_none();
                    Profile::assumed_reference_for(edition.unwrap_or_default())
                }
            };
            if let Some(edition) = edition {
                profile.edition = edition;
            }
            TargetChoice::Remote {
                base_url: url.trim_end_matches('/').to_owned(),
                profile: Box::new(profile),
                token: env.token.clone(),
                label: None,
            }
        }
        None => TargetChoice::Embedded {
            mutant: None,
            editions: edition.map_or_else(|| Edition::ALL.to_vec(), |e| vec![e]),
            pairs: 1,
        },
    };
    let options = SessionOptions {
        targets,
        client: ClientOptions::with_timeout(Duration::from_secs(30)),
        jobs: 1,
        snapshots: Some((
            default_snapshots_dir(cases),
            UpdateMode::No(ReadOnly::CargoTest),
        )),
        allow_drift: true,
        require_auth: true,
    };
    Ok((options, assumed))
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

/// Why trials are ignored (libtest has no word for it): one line per reason, with how many and
/// which, from (trial name, reason) pairs.
fn skipped_lines(skips: &[(String, String)]) -> String {
    let mut by_reason: std::collections::BTreeMap<&str, Vec<&str>> =
        std::collections::BTreeMap::new();
    for (name, reason) in skips {
        by_reason.entry(reason.as_str()).or_default().push(name);
    }
    by_reason
        .into_iter()
        .map(|(reason, names)| {
            format!(
                "ignored: {} case(s): {reason} ({})\n",
                names.len(),
                names.join(", ")
            )
        })
        .collect()
}

/// A trial's name: the case's, under its edition (`2023-09/read/unknown-id`, `current/…`), so
/// `cargo test --test conformance -- current/` runs one edition and `-- read/` both.
fn trial_name(case: &Case) -> String {
    format!("{}/{}", case.edition, case.name())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile_file(name: &str, text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("cc-face-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("a scratch folder");
        let path = dir.join(name);
        std::fs::write(&path, text).expect("a profile");
        path
    }

    #[test]
    fn a_profile_without_a_target_variable_is_judged_at_its_own_base_url() {
        let path = profile_file(
            "mine.yaml",
            "name: mine\nbase_url: http://127.0.0.1:9/fhir/\nedition: current\n",
        );
        let env = FaceEnv {
            profile: Some(path),
            ..FaceEnv::default()
        };
        let (options, assumed) =
            session_options(&env, std::path::Path::new("cases")).expect("options");
        assert!(!assumed);
        match options.targets {
            TargetChoice::Remote {
                base_url, profile, ..
            } => {
                assert_eq!(base_url, "http://127.0.0.1:9/fhir");
                assert_eq!(profile.name, "mine");
            }
            other => panic!("the profile's own base_url is the target: {other:?}"),
        }
    }

    #[test]
    fn a_profile_with_no_base_url_and_no_target_variable_says_which_to_set() {
        let path = profile_file("bare.yaml", "name: bare\n");
        let env = FaceEnv {
            profile: Some(path),
            ..FaceEnv::default()
        };
        let problem =
            session_options(&env, std::path::Path::new("cases")).expect_err("no URL anywhere");
        assert!(problem.contains("has no base_url"), "{problem}");
        assert!(problem.contains("CONFORMANCE_TARGET"), "{problem}");
        // Without any variable the embedded servers are judged, of CONFORMANCE_EDITION only when set.
        let env = FaceEnv {
            edition: Some("current".to_owned()),
            ..FaceEnv::default()
        };
        match session_options(&env, std::path::Path::new("cases"))
            .expect("options")
            .0
            .targets
        {
            TargetChoice::Embedded { editions, .. } => assert_eq!(editions, [Edition::Current]),
            other => panic!("embedded servers: {other:?}"),
        }
    }

    #[test]
    fn ignored_trials_say_why_once_per_reason_with_their_names() {
        let skips = [
            ("current/a", "writes are not allowed"),
            ("current/b", "a fixture is missing"),
            ("current/c", "writes are not allowed"),
        ]
        .map(|(name, reason)| (name.to_owned(), reason.to_owned()));
        assert_eq!(
            skipped_lines(&skips),
            "ignored: 1 case(s): a fixture is missing (current/b)\nignored: 2 case(s): writes are not allowed (current/a, current/c)\n"
        );
    }
}
