//! The read-only token a case asks for with `auth: read_only` (AUTH-403-SCOPE, D12): where a target
//! gets one, and why it cannot. From the target's own OAuth client with `scope=`[`READ_ONLY_SCOPE`];
//! for a reference server (its static `dev-token`), from the reference instance's documented client.

use std::sync::Mutex;
use std::time::Duration;

use crate::target::auth::{Auth, AuthError, OAuthClient};
use crate::target::{Secret, Target};

/// The scope of a token that may read and search but not create or update (D12; SMART v1 syntax,
/// as the reference server's token endpoint and Canvas's use it).
pub const READ_ONLY_SCOPE: &str = "system/Appointment.read";

/// The reference instance's OAuth client (REFERENCE-INSTANCE.md, "Access"): public test values.
const REFERENCE_CLIENT_ID: &str = "conformance";
const REFERENCE_CLIENT_SECRET: &str = "conformance-secret";

/// Bounds a token request to a reference server.
const REFERENCE_TOKEN_TIMEOUT: Duration = Duration::from_secs(30);

/// The reference client of each reference server asked so far (by base URL), so that its scoped
/// token is cached across the steps and cases of a run.
static REFERENCE_CLIENTS: Mutex<Vec<(String, Auth)>> = Mutex::new(Vec::new());

impl Target {
    /// Why this target cannot hand out a read-only token, if it cannot: it authenticates with a
    /// static token that is not the reference instance's, so no OAuth client can be asked for a
    /// narrower scope. A case using `auth: read_only` is then skipped with this reason.
    pub fn read_only_unavailable(&self) -> Option<String> {
        if self.auth.is_oauth() || self.auth.is_reference_token() || self.auth.replays_read_only() {
            return None;
        }
        Some(format!(
            "needs a read-only token (auth: read_only, scope {READ_ONLY_SCOPE}), and profile `{}` has no oauth section to request one with",
            self.profile.name
        ))
    }

    /// A bearer token of scope [`READ_ONLY_SCOPE`]: from the target's OAuth client (cached), or,
    /// on a reference server, from its documented client at `<base URL>/auth/token/` (cached per
    /// server). Errors: the token URL's refusal, or
    /// [`AuthError::NoScopedToken`] where [`Target::read_only_unavailable`] says so.
    pub async fn read_only_bearer(&self) -> Result<Secret<String>, AuthError> {
        if self.auth.is_oauth() || !self.auth.is_reference_token() {
            return self.auth.scoped_bearer(READ_ONLY_SCOPE).await;
        }
        let reference = reference_client(&self.base_url)?;
        reference.scoped_bearer(READ_ONLY_SCOPE).await
    }
}

/// The reference client for the server at `base_url`, made on first use.
fn reference_client(base_url: &str) -> Result<Auth, AuthError> {
    let base = base_url.trim_end_matches('/');
    let mut clients = REFERENCE_CLIENTS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((_, auth)) = clients.iter().find(|(url, _)| url == base) {
        return Ok(auth.clone());
    }
    let auth = Auth::oauth(
        OAuthClient {
            token_url: format!("{base}/auth/token/"),
            client_id: Secret::new(REFERENCE_CLIENT_ID.to_owned()),
            client_secret: Secret::new(REFERENCE_CLIENT_SECRET.to_owned()),
            client_id_env: "(the reference instance's client)".to_owned(),
            client_secret_env: "(its documented secret)".to_owned(),
        },
        REFERENCE_TOKEN_TIMEOUT,
    )?;
    clients.push((base.to_owned(), auth.clone()));
    Ok(auth)
}
