//! Bearer-token authentication: the static token and OAuth-issued tokens (kept in memory until
//! they expire). Checked before anything else on every `/Appointment` route.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::app::AppState;
use super::mutant::Mutant;
use super::outcome::ApiError;

/// The tokens this server accepts.
pub(crate) struct Tokens {
    static_token: String,
    lifetime: Duration,
    issued: Mutex<HashMap<String, Instant>>,
}

impl Tokens {
    pub(crate) fn new(static_token: String, lifetime: Duration) -> Self {
        Tokens {
            static_token,
            lifetime,
            issued: Mutex::new(HashMap::new()),
        }
    }

    /// The lifetime of issued tokens, in whole seconds.
    pub(crate) fn lifetime_secs(&self) -> u64 {
        self.lifetime.as_secs()
    }

    /// Issues a fresh random token valid for the configured lifetime.
    pub(crate) fn issue(&self) -> String {
        let token = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        let now = Instant::now();
        let mut issued = self
            .issued
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        issued.retain(|_, expiry| *expiry > now);
        issued.insert(token.clone(), now + self.lifetime);
        token
    }

    /// Whether `token` is the static token or an issued one that has not expired.
    pub(crate) fn accepts(&self, token: &str) -> bool {
        if constant_time_eq(token.as_bytes(), self.static_token.as_bytes()) {
            return true;
        }
        let issued = self
            .issued
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        issued
            .get(token)
            .is_some_and(|expiry| *expiry > Instant::now())
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive).
fn bearer(request: &Request) -> Option<&str> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Middleware: every `/Appointment` route needs a valid bearer token (401 otherwise).
pub(crate) async fn require_bearer(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let guarded = path == "/Appointment" || path.starts_with("/Appointment/");
    if guarded {
        let allowed = match bearer(&request) {
            Some(_) if state.mutant == Some(Mutant::AuthAcceptsAnyToken) => true,
            Some(token) => state.tokens.accepts(token),
            None => false,
        };
        if !allowed {
            return ApiError::Unauthorized.into_response();
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_tokens_expire() {
        let tokens = Tokens::new("static".into(), Duration::from_millis(0));
        let token = tokens.issue();
        assert!(!tokens.accepts(&token));
        assert!(tokens.accepts("static"));
        assert!(!tokens.accepts("statiC"));
        let tokens = Tokens::new("static".into(), Duration::from_secs(60));
        let token = tokens.issue();
        assert!(tokens.accepts(&token));
        assert!(!tokens.accepts(""));
    }
}
