//! What every handler shares (`AppState`): the instance's settings, the store, the accepted
//! tokens, the active mutant and the bound address, with the per-request views handlers need
//! (edition policy, check context, base URL, storage off the async threads).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::http::{HeaderMap, header};

use super::auth::Tokens;
use super::edition::Policy;
use super::error::ApiError;
use super::interaction::{Ctx, Mode};
use super::lockout::AuthFailures;
use super::mutant::Mutant;
use super::settings::{DoubleBooking, Settings};
use super::store::{Store, StoreError};

/// What every handler shares.
#[derive(Clone)]
pub(crate) struct AppState {
    pub settings: Arc<Settings>,
    pub store: Arc<Store>,
    pub tokens: Arc<Tokens>,
    /// Failed client authentications per OAuth client (429 beyond the limit).
    pub auth_failures: Arc<AuthFailures>,
    pub mutant: Option<Mutant>,
    /// Where the server listens: the `Location` base when a request has no Host header.
    pub bound: Option<SocketAddr>,
}

impl AppState {
    /// What the served edition does differently.
    pub(crate) fn policy(&self) -> &'static Policy {
        self.settings.edition.policy()
    }

    /// The check context for one interaction.
    pub(crate) fn ctx(&self, mode: Mode) -> Ctx<'_> {
        Ctx {
            settings: &self.settings,
            policy: self.policy(),
            mutant: self.mutant,
            mode,
        }
    }

    /// Whether writes must refuse a practitioner's taken slot.
    pub(crate) fn guard_double_booking(&self) -> bool {
        self.settings.double_booking == DoubleBooking::Disallowed
            && self.mutant != Some(Mutant::DoubleBookingIgnored)
    }

    /// `http://<Host header>`, falling back to the bound address.
    pub(crate) fn base_url(&self, headers: &HeaderMap) -> String {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .filter(|h| !h.is_empty())
            .map(str::to_string)
            .or_else(|| self.bound.map(|a| a.to_string()))
            .unwrap_or_else(|| "localhost".to_string());
        format!("http://{host}")
    }

    /// Runs a point read by primary key on the calling async thread: it takes microseconds on a
    /// pooled reader, less than handing it to the blocking pool and waking a thread for it (a
    /// profile of the bench's reads showed 38% of the time in loopback and thread wake-ups).
    pub(crate) fn with_store_inline<T>(
        &self,
        work: impl FnOnce(&Store) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        work(&self.store)
    }

    /// Runs blocking storage work (writes, searches) off the async threads.
    pub(crate) async fn with_store<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Store) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || work(&store))
            .await
            .map_err(|e| ApiError::Internal(format!("storage task failed: {e}")))?
    }
}

/// A storage failure is never the client's fault: a 500.
impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        Self::Internal(err.to_string())
    }
}
