//! `canvas-conformance serve`: runs the reference server on an address until Ctrl-C, from the
//! built-in reference instance or a settings file, optionally with one mutant.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use canvas_sandbox::settings::DoubleBooking;
use canvas_sandbox::{
    Connections, Edition, Mutant, ServerConfig, Settings, seed_synthetic, serve_with,
};
use tokio::net::TcpListener;

use crate::cli::describe::describe;
use crate::cli::serve_faults::FaultArgs;

/// Options of `serve`.
#[derive(clap::Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8090")]
    pub bind: SocketAddr,
    /// The edition of Canvas's API to speak: 2023-09 or current (default: the settings file's
    /// `edition:`, else 2023-09).
    #[arg(long, value_name = "EDITION")]
    pub edition: Option<Edition>,
    /// YAML settings of the emulated instance (default: the reference instance of the edition).
    #[arg(long, value_name = "FILE")]
    pub settings: Option<PathBuf>,
    /// Keep data in this SQLite file across restarts (default: in memory).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Static bearer token (default: the settings file's, else dev-token).
    #[arg(
        long,
        value_name = "TOKEN",
        env = "CANVAS_CONFORMANCE_SERVE_TOKEN",
        hide_env_values = true
    )]
    pub token: Option<Token>,
    /// Refuse double booking, whatever the settings say.
    #[arg(long)]
    pub no_double_booking: bool,
    /// Run with one deliberate defect (see --list-mutants).
    #[arg(long, value_name = "NAME")]
    pub mutant: Option<String>,
    /// Print every mutant (NAME  BEHAVIOUR-ID  description) and exit.
    #[arg(long)]
    pub list_mutants: bool,
    /// Print the instance this server would emulate (access, ids by kind, types, seeded
    /// appointments) as Markdown and exit, without serving.
    #[arg(long)]
    pub describe: bool,
    /// Seconds a client may take to send a request's head (default: the settings file's
    /// `connections.header_read_timeout_secs`, else 10).
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub header_read_timeout: Option<u64>,
    /// Seconds a client may take to send a request's body, from the end of its head (default:
    /// the settings file's, else 30).
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub body_read_timeout: Option<u64>,
    /// Seconds a connection with no request in flight may stay silent before it is closed
    /// (default: the settings file's, else 30).
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub idle_timeout: Option<u64>,
    /// Open connections at most; a client beyond it is answered 503 with Retry-After and closed
    /// (default: the settings file's, else 512).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=65_536))]
    pub max_connections: Option<u64>,
    /// Log one line per request on stderr: method, path (no query), status, latency, correlation
    /// id (also the settings file's `connections.log_requests`).
    #[arg(long)]
    pub log_requests: bool,
    /// Benchmarks only: bulk-insert N synthetic appointments before serving (into `--db`, else
    /// into a shared `memdb` in-memory database). See `seed_synthetic` for what they look like.
    #[arg(long, value_name = "N", hide = true)]
    pub seed_synthetic: Option<u64>,
    /// Injected latency and faults.
    #[command(flatten)]
    pub faults: FaultArgs,
}

/// The `--token` value; its `Debug` never prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(pub String);

impl std::str::FromStr for Token {
    type Err = std::convert::Infallible;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Ok(Token(value.to_string()))
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Runs `serve` until Ctrl-C.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    run_until(args, async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(%err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    })
    .await
}

/// Runs `serve` until `shutdown` resolves (the testable core of [`run`]).
pub async fn run_until(
    args: ServeArgs,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    if args.list_mutants {
        let edition = match (&args.edition, &args.settings) {
            (Some(edition), _) => *edition,
            (None, Some(path)) => Settings::from_yaml_file(path)?.edition,
            (None, None) => Edition::default(),
        };
        print!("{}", mutant_table_of(edition));
        return Ok(());
    }
    let mut config = config_from(&args)?;
    if args.describe {
        print!("{}", describe(&config, &format!("http://{}", args.bind)));
        return Ok(());
    }
    // Keeps the shared memdb database alive while the server runs.
    let _seeded = seed(&args, &mut config)?;
    let listener = TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("failed to bind {}", args.bind))?;
    let bound = listener
        .local_addr()
        .context("failed to read the bound address")?;
    if let Some(mutant) = config.mutant {
        eprintln!(
            "mutant {} ({}): {}",
            mutant.name(),
            mutant.behaviour(),
            mutant.description()
        );
    }
    eprintln!("edition {}", config.settings.edition);
    if !config.settings.faults.is_off() {
        eprintln!("faults: {}", config.settings.faults);
    }
    println!("http://{bound}");
    let connections = connections_from(&args, &config);
    serve_with(listener, config, connections, shutdown)
        .await
        .context("the server failed")?;
    Ok(())
}

/// `--seed-synthetic N`: bulk-inserts N synthetic appointments where the server will read them.
fn seed(
    args: &ServeArgs,
    config: &mut ServerConfig,
) -> anyhow::Result<Option<rusqlite::Connection>> {
    let Some(count) = args.seed_synthetic else {
        return Ok(None);
    };
    let path = config.db_path.clone().unwrap_or_else(|| {
        PathBuf::from(format!(
            "file:/canvas-conformance-synthetic-{}?vfs=memdb",
            std::process::id()
        ))
    });
    let started = std::time::Instant::now();
    let connection = seed_synthetic(&path, count, &config.settings)
        .with_context(|| format!("failed to seed {count} synthetic appointments"))?;
    eprintln!(
        "seeded {count} synthetic appointments in {} ms",
        started.elapsed().as_millis()
    );
    config.db_path = Some(path);
    Ok(Some(connection))
}

/// The server configuration the options describe.
pub fn config_from(args: &ServeArgs) -> anyhow::Result<ServerConfig> {
    let mut settings = match &args.settings {
        Some(path) => Settings::from_yaml_file(path)?,
        None => Settings::reference_for(args.edition.unwrap_or_default()),
    };
    if let Some(edition) = args.edition {
        settings.edition = edition;
    }
    if args.no_double_booking {
        settings.double_booking = DoubleBooking::Disallowed;
    }
    args.faults.apply(&mut settings.faults);
    settings
        .faults
        .check()
        .map_err(|err| anyhow::anyhow!(err))?;
    let static_token = args
        .token
        .as_ref()
        .map(|token| token.0.clone())
        .or_else(|| settings.static_token.clone())
        .unwrap_or_else(|| "dev-token".to_string());
    let edition = settings.edition;
    let mutant = args
        .mutant
        .as_deref()
        .map(|name| parse_mutant_in(edition, name))
        .transpose()?;
    Ok(ServerConfig {
        settings,
        static_token,
        db_path: args.db.clone(),
        mutant,
    })
}

/// The connection limits: the options, then the settings file's `connections:`, then the
/// defaults (docs/server.md, "Connections").
pub fn connections_from(args: &ServeArgs, config: &ServerConfig) -> Connections {
    let base = Connections::from_settings(&config.settings.connections);
    let secs = |option: Option<u64>, base: Duration| option.map_or(base, Duration::from_secs);
    Connections {
        header_read_timeout: secs(args.header_read_timeout, base.header_read_timeout),
        body_read_timeout: secs(args.body_read_timeout, base.body_read_timeout),
        idle_timeout: secs(args.idle_timeout, base.idle_timeout),
        max_connections: args.max_connections.map_or(base.max_connections, |n| {
            usize::try_from(n).unwrap_or(usize::MAX)
        }),
        log_requests: args.log_requests || base.log_requests,
        ..base
    }
}

/// A 2023-09 mutant by name, or an error listing the valid names.
pub fn parse_mutant(name: &str) -> anyhow::Result<Mutant> {
    parse_mutant_in(Edition::Sept2023, name)
}

/// A mutant of `edition` by name, or an error listing the valid names.
pub fn parse_mutant_in(edition: Edition, name: &str) -> anyhow::Result<Mutant> {
    Mutant::from_name_in(edition, name).ok_or_else(|| {
        let names: Vec<&str> = Mutant::of(edition).iter().map(|m| m.name()).collect();
        anyhow::anyhow!(
            "unknown mutant `{name}` in edition {edition}; valid mutants are: {}",
            names.join(", ")
        )
    })
}

/// The 2023-09 mutant table (see [`mutant_table_of`]).
pub fn mutant_table() -> String {
    mutant_table_of(Edition::Sept2023)
}

/// One line per mutant of `edition`: `NAME  BEHAVIOUR-ID  description`, in aligned columns.
pub fn mutant_table_of(edition: Edition) -> String {
    let mutants = Mutant::of(edition);
    let name_width = mutants.iter().map(|m| m.name().len()).max().unwrap_or(0);
    let id_width = mutants
        .iter()
        .map(|m| m.behaviour().len())
        .max()
        .unwrap_or(0);
    mutants
        .iter()
        .map(|m| {
            format!(
                "{:name_width$}  {:id_width$}  {}\n",
                m.name(),
                m.behaviour(),
                m.description()
            )
        })
        .collect()
}
