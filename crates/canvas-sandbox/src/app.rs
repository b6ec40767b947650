//! The server as a value: configuration, the router built from it (state, routes, layers), and
//! the two ways to run it (`serve` on a given listener until a shutdown future resolves; `spawn`
//! on 127.0.0.1:0).

use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::auth::{SMART_STYLE_PATH, Tokens};
use super::build::seed_rows;
use super::edition::Edition;
use super::faults::{Injector, fault_layer};
use super::listen::{Connections, accept_loop};
use super::lockout::AuthFailures;
use super::middleware::{edition_layer, require_bearer};
use super::mutant::Mutant;
use super::routes;
use super::settings::{Location, Patient, Practitioner, Settings};
use super::state::AppState;
use super::store::Store;

/// Request bodies above this answer 413.
const BODY_LIMIT: usize = 1024 * 1024;

/// How to run one server.
#[derive(Clone)]
pub struct ServerConfig {
    pub settings: Settings,
    /// The static bearer token (`dev-token` by default).
    pub static_token: String,
    /// `None` keeps the data in memory.
    pub db_path: Option<PathBuf>,
    pub mutant: Option<Mutant>,
}

impl ServerConfig {
    /// The reference instance: reference settings, token `dev-token`, in memory, no mutant.
    pub fn reference() -> Self {
        Self::reference_for(Edition::Sept2023)
    }

    /// The reference instance of `edition` (REFERENCE-INSTANCE.md and its "Current edition").
    pub fn reference_for(edition: Edition) -> Self {
        ServerConfig {
            settings: Settings::reference_for(edition),
            static_token: "dev-token".to_string(),
            db_path: None,
            mutant: None,
        }
    }
}

impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerConfig")
            .field("settings", &self.settings)
            .field("static_token", &"[redacted]")
            .field("db_path", &self.db_path)
            .field("mutant", &self.mutant)
            .finish()
    }
}

/// Why a server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("failed to bind {addr}: {source}")]
    Bind {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("failed to open the database: {0}")]
    Database(String),
    #[error("invalid settings: {0}")]
    Settings(String),
    #[error("server failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("server task failed: {0}")]
    Task(String),
}

fn build(config: ServerConfig, bound: Option<SocketAddr>) -> Result<Router, ServerError> {
    let rows = seed_rows(&config.settings).map_err(ServerError::Settings)?;
    if config.settings.default_type().is_none() {
        return Err(ServerError::Settings(
            "no appointment type is marked default".to_string(),
        ));
    }
    if config.settings.locations.is_empty() {
        return Err(ServerError::Settings(
            "at least one location is required".to_string(),
        ));
    }
    if let Some(mutant) = config.mutant
        && !mutant.editions().contains(&config.settings.edition)
    {
        return Err(ServerError::Settings(format!(
            "mutant {} does not exist in edition {}",
            mutant.name(),
            config.settings.edition
        )));
    }
    config
        .settings
        .faults
        .check()
        .map_err(ServerError::Settings)?;
    let injector = Arc::new(Injector::new(config.settings.faults.clone()));
    let store =
        Store::open(config.db_path.as_deref()).map_err(|e| ServerError::Database(e.to_string()))?;
    store
        .seed(&rows)
        .map_err(|e| ServerError::Database(e.to_string()))?;
    let lifetime = Duration::from_secs(config.settings.token_lifetime_secs);
    let state = AppState {
        tokens: Arc::new(Tokens::new(config.static_token, lifetime)),
        auth_failures: Arc::new(AuthFailures::default()),
        settings: Arc::new(config.settings),
        store: Arc::new(store),
        mutant: config.mutant,
        bound,
    };
    let patient_tokens = state.policy().patient_tokens;
    let mut router = Router::new()
        .route(
            "/Appointment",
            post(routes::create::create).get(routes::search::search),
        )
        .route(
            "/Appointment/{id}",
            get(routes::read::read).put(routes::update::update),
        )
        .route(
            "/Practitioner",
            get(routes::directory::search::<Practitioner>),
        )
        .route(
            "/Practitioner/{id}",
            get(routes::directory::read::<Practitioner>),
        )
        .route("/Patient", get(routes::directory::search::<Patient>))
        .route("/Patient/{id}", get(routes::directory::read::<Patient>))
        .route("/Location", get(routes::directory::search::<Location>))
        .route("/Location/{id}", get(routes::directory::read::<Location>))
        .route("/Schedule", get(routes::schedule::search))
        .route("/Slot", get(routes::slot::search))
        .route("/auth/token/", post(routes::token::token))
        .route(
            "/auth/introspect/",
            get(routes::introspect::introspect_query).post(routes::introspect::introspect_form),
        )
        .route("/openapi.json", get(routes::openapi::openapi));
    if patient_tokens {
        router = router.route(SMART_STYLE_PATH, get(routes::smart_style::smart_style));
    }
    Ok(router
        .fallback(routes::fallback::not_found)
        .method_not_allowed_fallback(routes::fallback::method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(from_fn_with_state(state.clone(), require_bearer))
        .layer(from_fn_with_state(state.clone(), edition_layer))
        .layer(from_fn_with_state(injector, fault_layer))
        .with_state(state))
}

/// The application router (opens the database and seeds it). `Location` headers use the
/// request's Host header; `serve`/`spawn` also know the bound address as a fallback.
pub fn router(config: ServerConfig) -> Result<Router, ServerError> {
    build(config, None)
}

/// Serves on `listener` under the settings' [`Connections`] limits until `shutdown` resolves,
/// then drains open requests.
pub async fn serve(
    listener: TcpListener,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let connections = Connections::from_settings(&config.settings.connections);
    serve_with(listener, config, connections, shutdown).await
}

/// [`serve`] under the given connection limits (timeouts, cap, request log).
pub async fn serve_with(
    listener: TcpListener,
    config: ServerConfig,
    connections: Connections,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let bound = listener.local_addr()?;
    let app = build(config, Some(bound))?;
    accept_loop(listener, app, connections, shutdown).await;
    Ok(())
}

/// A server started by [`spawn`]: its base URL, the bearer token it accepts, and its shutdown.
pub struct RunningServer {
    base_url: String,
    token: String,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), ServerError>>,
}

impl RunningServer {
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The static bearer token the server accepts (`ServerConfig::static_token`, `dev-token` for
    /// the reference instance); OAuth clients are the settings' `oauth_clients`.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Stops accepting connections, finishes open requests and waits for the server to end.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match (&mut self.task).await {
            Ok(Ok(())) => {}
            Ok(Err(err)) => tracing::error!(%err, "server ended with an error"),
            Err(err) => tracing::error!(%err, "server task failed"),
        }
    }
}

/// Starts a server on 127.0.0.1 with a free port, in the background.
pub async fn spawn(config: ServerConfig) -> Result<RunningServer, ServerError> {
    let connections = Connections::from_settings(&config.settings.connections);
    spawn_with(config, connections).await
}

/// [`spawn`] under the given connection limits.
pub async fn spawn_with(
    config: ServerConfig,
    connections: Connections,
) -> Result<RunningServer, ServerError> {
    let addr = "127.0.0.1:0";
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| ServerError::Bind {
            addr: addr.to_string(),
            source,
        })?;
    let bound = listener.local_addr()?;
    let token = config.static_token.clone();
    let app = build(config, Some(bound))?;
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        accept_loop(listener, app, connections, async {
            let _ = stopped.await;
        })
        .await;
        Ok(())
    });
    Ok(RunningServer {
        base_url: format!("http://{bound}"),
        token,
        stop: Some(stop),
        task,
    })
}
