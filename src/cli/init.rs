//! `init`: from a target and its credentials to a commented profile, with read-only requests
//! only: the preflight (reachability, credentials, edition), then the fixtures discovered from
//! its appointments (`run::discover`), written with where each came from. Refuses to overwrite.

use std::path::PathBuf;
use std::sync::Arc;

use crate::cli::run::NetArgs;
use crate::cli::target_args::TokenArg;
use crate::cli::{CliError, EXIT_OK, EXIT_USAGE};
use crate::edition::Edition;
use crate::exchange::Client;
use crate::run::discover::{MAX_APPOINTMENTS, discover};
use crate::run::options::parse_base_url;
use crate::run::preflight::{self, Level};
use crate::run::scope::RUN_WINDOWS_FROM_YEAR;
use crate::target::draft::{ProfileDraft, render};
use crate::target::profile::{DEFAULT_CLIENT_ID_ENV, DEFAULT_CLIENT_SECRET_ENV};
use crate::target::{
    Auth, FixtureOrigin, OAuthClient, OAuthSettings, Profile, Secret, Target, label_for,
};

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The FHIR base URL of your instance (on Canvas: https://fumage-<instance>.canvasmedical.com).
    #[arg(long, value_name = "URL")]
    pub target: String,
    #[command(flatten)]
    pub bearer: TokenArg,
    /// The OAuth client id (the profile names it by CANVAS_CLIENT_ID); its secret is read from
    /// the variable --client-secret-env names, never from the command line.
    #[arg(long, env = "CANVAS_CLIENT_ID", value_name = "ID")]
    pub client_id: Option<String>,
    /// The environment variable holding the OAuth client secret.
    #[arg(long, value_name = "NAME", default_value = DEFAULT_CLIENT_SECRET_ENV)]
    pub client_secret_env: String,
    /// The OAuth token URL (default: on Canvas the EMR host's /auth/token/, else <target>/auth/token/).
    #[arg(long, value_name = "URL")]
    pub token_url: Option<String>,
    /// Where to write the profile.
    #[arg(long, value_name = "FILE", default_value = "targets/my-sandbox.yaml")]
    pub out: PathBuf,
    /// The profile's name (default: the file's stem).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Overwrite the file if it exists.
    #[arg(long)]
    pub force: bool,
    /// The case folder, to say which cases stay skipped (default `./cases`, else the checkout's the binary was built from).
    #[arg(long, value_name = "DIR")]
    pub cases: Option<PathBuf>,
    #[command(flatten)]
    pub net: NetArgs,
}

/// The token URL Canvas uses for a FHIR base: `https://fumage-x.canvasmedical.com` →
/// `https://x.canvasmedical.com/auth/token/`; any other base → `<base>/auth/token/`, a base given
/// with a trailing `/Appointment` taken without it (the preflight then names that mistake; the
/// credentials are not blamed for a token URL made from it).
pub fn default_token_url(base_url: &str) -> String {
    match base_url.split_once("://fumage-") {
        Some((scheme, rest)) => {
            let host = rest.split('/').next().unwrap_or(rest);
            format!("{scheme}://{host}/auth/token/")
        }
        None => {
            let root = preflight::without_appointment(base_url)
                .unwrap_or_else(|| base_url.trim_end_matches('/'));
            format!("{root}/auth/token/")
        }
    }
}

pub async fn run(args: InitArgs) -> Result<u8, CliError> {
    if args.out.exists() && !args.force {
        return Err(CliError::Usage(format!(
            "{} exists: pass --force to overwrite it (or --out another file)",
            args.out.display()
        )));
    }
    let base_url = parse_base_url(&args.target).map_err(|e| CliError::Usage(e.to_string()))?;
    let options = args.net.client_options()?;
    let (auth, oauth) = credentials(&args, &base_url, options.timeout)?;
    let path: Arc<str> = Arc::from(args.out.display().to_string().as_str());
    let name = args.name.clone().unwrap_or_else(|| {
        args.out.file_stem().map_or_else(
            || "my-sandbox".to_owned(),
            |s| s.to_string_lossy().into_owned(),
        )
    });
    let mut profile = Profile::reference_for(Edition::Current);
    profile.name = name.clone();
    profile.base_url = Some(base_url.clone());
    profile.fixtures.clear();
    profile.origin = FixtureOrigin::File {
        path: Arc::clone(&path),
        places: Default::default(),
    };
    profile.oauth = oauth.clone();
    let target = Target {
        label: label_for(&profile, &base_url),
        base_url: base_url.clone(),
        auth,
        profile: Arc::new(profile),
    };
    let client = Client::with_options(options).map_err(|e| CliError::Other(e.into()))?;
    println!("init: {base_url} ({}), read-only", target.auth.describe());
    let gate = preflight::gate(&client, &target, &Default::default()).await;
    if let Some(cause) = &gate.stop {
        println!("init: {cause}");
        println!("init: nothing written");
        return Ok(EXIT_USAGE);
    }
    let (edition, edition_note) = match gate.detected {
        Some(edition) => (
            edition,
            format!("The target answered as the {edition} edition (doctor's read-only fingerprints)."),
        ),
        None => (
            Edition::Current,
            "The edition could not be told from the fingerprints: every live Canvas sandbox speaks `current`.".to_owned(),
        ),
    };
    println!("init: the target speaks the {edition} edition");
    let discovery = discover(&client, &target).await;
    println!(
        "init: read {} appointment(s){}; {} read-only request(s) in all",
        discovery.appointments,
        if discovery.appointments >= MAX_APPOINTMENTS {
            " (the first ones only)"
        } else {
            ""
        },
        discovery.requests.len(),
    );
    if discovery.ignored > 0 {
        println!(
            "init: left out {} appointment(s) booked by earlier runs of canvas-conformance (from {RUN_WINDOWS_FROM_YEAR} on)",
            discovery.ignored
        );
    }
    println!("init: asked {}", asked(&discovery.requests));
    for (resource, answer) in &discovery.unserved {
        println!(
            "init: no {resource} search on this target ({answer}): what it would give comes from the appointments, or stays missing"
        );
    }
    let wanted: Vec<&str> = crate::case::names::FIXTURE_KEYS
        .iter()
        .map(|(name, _)| *name)
        .collect();
    let fixtures: Vec<(String, String, String)> = wanted
        .iter()
        .filter_map(|name| {
            discovery.found.get(*name).map(|found| {
                let from = if found.guessed {
                    format!("GUESSED: {}", found.from)
                } else {
                    found.from.clone()
                };
                ((*name).to_owned(), found.value.clone(), from)
            })
        })
        .collect();
    let missing: Vec<(String, String, String)> = wanted
        .iter()
        .filter_map(|name| {
            discovery.missing.get(*name).map(|why| {
                let value = discovery.suggested.get(*name).cloned().unwrap_or_default();
                ((*name).to_owned(), value, why.clone())
            })
        })
        .collect();
    let text = render(&ProfileDraft {
        name,
        base_url: base_url.clone(),
        edition,
        edition_note,
        oauth,
        fixtures,
        missing,
    });
    // What is written must load as a profile.
    let written = Profile::parse(&path, &text).map_err(|e| CliError::Other(e.into()))?;
    if let Some(parent) = args.out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| {
            CliError::Other(anyhow::anyhow!("cannot create {}: {e}", parent.display()))
        })?;
    }
    std::fs::write(&args.out, &text).map_err(|e| {
        CliError::Other(anyhow::anyhow!("cannot write {}: {e}", args.out.display()))
    })?;
    let found = discovery.found.len();
    println!(
        "init: wrote {} ({found} fixture(s) found, {} not found: see the comments in it)",
        args.out.display(),
        discovery.missing.len()
    );
    let guessed: Vec<&str> = discovery
        .found
        .iter()
        .filter(|(_, f)| f.guessed)
        .map(|(n, _)| n.as_str())
        .collect();
    if !guessed.is_empty() {
        println!("init: GUESSED (check them): {}", guessed.join(", "));
    }
    let planned = Target {
        profile: Arc::new(written),
        ..target
    };
    let dir = crate::cli::selection::cases_dir_or_default(args.cases.as_ref());
    for check in preflight::plan_checks(&dir, &planned).checks {
        let label = if check.level == Level::Problem {
            "PROBLEM"
        } else {
            "init"
        };
        println!("{label}: {}", check.text);
        for line in &check.detail {
            println!("  {line}");
        }
    }
    let shown = args.out.display();
    let credentials = if planned.profile.oauth.is_some() {
        format!(
            "export {DEFAULT_CLIENT_ID_ENV}=… {}=…; ",
            args.client_secret_env
        )
    } else {
        "export CANVAS_TOKEN=…; ".to_owned()
    };
    println!("next: {credentials}canvas-conformance doctor --profile {shown}");
    println!("      canvas-conformance run --profile {shown} --report-dir report");
    println!("      (set allow_writes: true in {shown} to judge the cases that create and update)");
    Ok(EXIT_OK)
}

/// The credentials to read with, and the OAuth section the profile names them by.
fn credentials(
    args: &InitArgs,
    base_url: &str,
    timeout: std::time::Duration,
) -> Result<(Auth, Option<OAuthSettings>), CliError> {
    if let Some(token) = args.bearer.token.as_ref().filter(|t| !t.trim().is_empty()) {
        return Ok((Auth::static_token(Secret::new(token.clone())), None));
    }
    let Some(client_id) = args.client_id.clone() else {
        return Err(CliError::Usage(format!(
            "init needs credentials: --token (or CANVAS_TOKEN), or --client-id (or {DEFAULT_CLIENT_ID_ENV}) with the client secret in {}",
            args.client_secret_env
        )));
    };
    let secret = std::env::var(&args.client_secret_env).map_err(|_| {
        CliError::Usage(format!(
            "{} is not set: the OAuth client secret is read from the environment, never from the command line",
            args.client_secret_env
        ))
    })?;
    let token_url = match &args.token_url {
        Some(url) => crate::target::profile::http_url(url)
            .map_err(|problem| CliError::Usage(format!("--token-url {problem}")))?,
        None => default_token_url(base_url),
    };
    let settings = OAuthSettings {
        token_url: token_url.clone(),
        client_id_env: DEFAULT_CLIENT_ID_ENV.to_owned(),
        client_secret_env: args.client_secret_env.clone(),
    };
    let auth = Auth::oauth(
        OAuthClient {
            token_url,
            client_id: Secret::new(client_id),
            client_secret: Secret::new(secret),
            client_id_env: DEFAULT_CLIENT_ID_ENV.to_owned(),
            client_secret_env: args.client_secret_env.clone(),
        },
        timeout,
    )
    .map_err(|e| CliError::Usage(e.to_string()))?;
    Ok((auth, Some(settings)))
}

/// The requests sent, by path in the order first sent, with how many went to each:
/// `GET /Appointment ×2, GET /Practitioner`.
fn asked(requests: &[String]) -> String {
    let mut paths: Vec<(&str, usize)> = Vec::new();
    for request in requests {
        let path = request.split('?').next().unwrap_or(request);
        match paths.iter_mut().find(|(p, _)| *p == path) {
            Some((_, n)) => *n += 1,
            None => paths.push((path, 1)),
        }
    }
    paths
        .iter()
        .map(|(path, n)| {
            if *n == 1 {
                (*path).to_owned()
            } else {
                format!("{path} ×{n}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_url_is_canvass_emr_host_or_under_the_base() {
        assert_eq!(
            default_token_url("https://fumage-acme.canvasmedical.com"),
            "https://acme.canvasmedical.com/auth/token/"
        );
        assert_eq!(
            default_token_url("http://127.0.0.1:8090"),
            "http://127.0.0.1:8090/auth/token/"
        );
        assert_eq!(
            default_token_url("http://127.0.0.1:8090/Appointment/"),
            "http://127.0.0.1:8090/auth/token/"
        );
    }

    #[test]
    fn what_init_asked_is_counted_by_path_in_order() {
        let requests = [
            "GET /Appointment?_count=100&_offset=0",
            "GET /Practitioner?name=Canvas Bot&_count=100",
            "GET /Appointment?_count=100&_offset=100",
            "GET /Practitioner?_count=100",
            "GET /Schedule?_count=100",
        ]
        .map(str::to_owned);
        assert_eq!(
            asked(&requests),
            "GET /Appointment ×2, GET /Practitioner ×2, GET /Schedule"
        );
    }
}
