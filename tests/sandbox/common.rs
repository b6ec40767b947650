//! Shared helpers of the sandbox rehearsals: running a plan through the library and reading its
//! verdicts; scratch folders and test proxies come from the tests' common module.

use std::sync::Arc;
use std::time::Duration;

use canvas_conformance::exchange::Client;
use canvas_conformance::outcome::{CaseOutcome, Verdict};
use canvas_conformance::plan::{Selection, build};
use canvas_conformance::report::console;
use canvas_conformance::run::{RunControl, RunOptions, RunReport, run_plan_with};
use canvas_conformance::suite::{Suite, load_suite};
use canvas_conformance::target::{Auth, OAuthClient, Secret, Target};

pub use crate::common::{pass_on, proxy_http, scratch_cases, serve_loopback};

/// The project's own suite.
pub fn project_suite() -> Suite {
    load_suite(&crate::common::root().join("cases")).expect("the project's cases load")
}

/// Runs every case of `suite` of the editions `targets` speak on them.
pub async fn run_suite(
    suite: &Suite,
    targets: Vec<Target>,
    client: Client,
    control: &RunControl,
    jobs: usize,
) -> RunReport {
    // The suites of the editions the targets speak, as a run session selects them.
    let mut editions: Vec<_> = targets.iter().map(|t| t.profile.edition).collect();
    editions.sort();
    editions.dedup();
    let selection = Selection {
        editions,
        ..Selection::default()
    };
    let plan = build(&suite.cases, &targets, &selection);
    let options = RunOptions {
        jobs,
        run_id: canvas_conformance::run::scope::new_run_id(),
        snapshots: None,
        allow_drift: false,
        cause: None,
        require_all: false,
    };
    run_plan_with(&plan, Arc::new(targets), client, &options, control, |_| {}).await
}

pub fn client(timeout: Duration) -> Client {
    Client::new(timeout).expect("client")
}

pub fn outcome<'a>(report: &'a RunReport, name: &str) -> &'a CaseOutcome {
    report
        .outcomes
        .iter()
        .find(|o| o.name == name)
        .unwrap_or_else(|| panic!("no outcome for {name}"))
}

/// Every case that neither passed nor was skipped, with its evidence.
pub fn not_passed(report: &RunReport) -> String {
    report
        .outcomes
        .iter()
        .filter(|o| matches!(o.verdict, Verdict::Fail | Verdict::Error))
        .map(|o| {
            format!(
                "{} {}\n{}",
                o.verdict.label(),
                o.name,
                console::details(o, None)
            )
        })
        .collect()
}

pub fn skipped(report: &RunReport) -> Vec<(&str, &str)> {
    report
        .outcomes
        .iter()
        .filter_map(|o| match &o.verdict {
            Verdict::Skipped(reason) => Some((o.name.as_str(), reason.as_str())),
            _ => None,
        })
        .collect()
}

pub fn passed(report: &RunReport) -> usize {
    report
        .outcomes
        .iter()
        .filter(|o| o.verdict == Verdict::Pass)
        .count()
}

/// The reference instance's OAuth client (`conformance` / `conformance-secret`) at `base`'s
/// `/auth/token/`, as a target's credentials.
pub fn reference_client(base: &str) -> Auth {
    Auth::oauth(
        OAuthClient {
            token_url: format!("{base}/auth/token/"),
            client_id: Secret::new("conformance".to_owned()),
            client_secret: Secret::new("conformance-secret".to_owned()),
            client_id_env: "CANVAS_CLIENT_ID".to_owned(),
            client_secret_env: "CANVAS_CLIENT_SECRET".to_owned(),
        },
        Duration::from_secs(10),
    )
    .expect("the reference client")
}

/// A reference server of the current edition on 127.0.0.1:0.
pub async fn current_server() -> canvas_sandbox::RunningServer {
    canvas_sandbox::spawn(canvas_sandbox::ServerConfig::reference_for(
        canvas_sandbox::Edition::Current,
    ))
    .await
    .expect("the current reference server starts")
}

/// `server` as the target `reference-current` (its profile the current reference one) with `auth`.
pub fn target(server: &canvas_sandbox::RunningServer, auth: Auth) -> Target {
    Target {
        label: "reference-current".to_owned(),
        base_url: server.base_url().to_owned(),
        auth,
        profile: Arc::new(canvas_conformance::target::Profile::reference_for(
            canvas_conformance::edition::Edition::Current,
        )),
    }
}

/// `server` as a profile `my-sandbox` reached with a static token `token` that is not the
/// reference instance's: it has no OAuth client to ask for tokens of other scopes.
pub fn other_static_token_target(server: &canvas_sandbox::RunningServer, token: &str) -> Target {
    let mut profile = canvas_conformance::target::Profile::reference_for(
        canvas_conformance::edition::Edition::Current,
    );
    profile.name = "my-sandbox".to_owned();
    Target {
        profile: Arc::new(profile),
        ..target(server, Auth::static_token(Secret::new(token.to_owned())))
    }
}
