//! `doctor`: prints the preflight checks of a target (`run::preflight`) in plain words, one line
//! each (`ok`, `note`, `PROBLEM`), and exits 0 when all is well, 1 when a check found a problem.

use std::path::PathBuf;

use crate::cli::running::NetArgs;
use crate::cli::target_args::{NamedTarget, TargetArgs};
use crate::cli::{CliError, EXIT_FAILED, EXIT_OK};
use crate::run::preflight;
use crate::run::{RunSession, SessionOptions, TargetChoice};

#[derive(Debug, clap::Args)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub target_args: TargetArgs,
    /// The folder of case files, to say which would be skipped (default `./cases`, else the checkout's the binary was built from).
    #[arg(long, value_name = "DIR")]
    pub cases: Option<PathBuf>,
    #[command(flatten)]
    pub net: NetArgs,
}

pub async fn run(args: DoctorArgs) -> Result<u8, CliError> {
    let NamedTarget { profile, base_url } = args.target_args.one(None)?;
    let options = args.net.client_options()?;
    let base_url = match base_url {
        Some(url) => url,
        None => {
            return Err(CliError::Usage(
                "doctor needs a target: pass --target URL or a profile with base_url".to_owned(),
            ));
        }
    };
    let session = RunSession::open(SessionOptions {
        targets: TargetChoice::Remote {
            base_url,
            profile: Box::new(profile),
            token: args.target_args.bearer.token.clone(),
            label: None,
        },
        client: options,
        jobs: 1,
        snapshots: None,
        allow_drift: false,
        // Missing credentials are one of the checks, not a reason to stop.
        require_auth: false,
    })
    .await
    .map_err(|e| CliError::Other(e.into()))?;
    let Some(target) = session.targets().first() else {
        return Err(CliError::Other(anyhow::anyhow!("no target to check")));
    };
    println!(
        "doctor: profile `{}`, FHIR base {}",
        target.profile.name, target.base_url
    );
    let dir = crate::cli::selection::cases_dir_or_default(args.cases.as_ref());
    let checks = preflight::doctor(session.client(), target, &dir).await;
    for check in &checks.checks {
        println!("{:<8} {}", check.level.word(), check.text);
        for line in &check.detail {
            println!("           {line}");
        }
    }
    let problems = checks.problems();
    session.close().await;
    if problems == 0 {
        if checks.unverified.is_empty() {
            println!("all checks passed");
        } else {
            // Passing checks do not vouch for what could not be read.
            println!(
                "all checks passed, but {} fixture(s) could not be verified: {} (a run reports a refusal of one as the profile's problem, not the target's)",
                checks.unverified.len(),
                checks.unverified.join(", ")
            );
        }
        Ok(EXIT_OK)
    } else {
        println!(
            "{} problem{} found",
            problems,
            if problems == 1 { "" } else { "s" }
        );
        Ok(EXIT_FAILED)
    }
}
