//! Bearer tokens and scopes: the static token and OAuth-issued tokens (kept in memory until they
//! expire, each with the scope it was granted), and the scope each method needs (D12). The
//! middleware that enforces them on every `/Appointment` route is in `middleware.rs`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::http::{Method, header};

use super::settings::FULL_SCOPE;

/// The scope that allows read and search (D12).
pub(crate) const READ_SCOPE: &str = "system/Appointment.read";
/// The scope that allows create and update (D12).
pub(crate) const WRITE_SCOPE: &str = "system/Appointment.write";

/// What an accepted token may do, and what introspection (RFC 7662 §2.2) says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Grant {
    /// Space-separated scopes.
    pub scope: String,
    /// The client the token was issued to (`None` for the static token).
    pub client_id: Option<String>,
    /// Expiry in seconds since the Unix epoch (`None`: the static token does not expire).
    pub exp: Option<u64>,
}

impl Grant {
    /// Whether the scope lists `wanted` (`system/Appointment.read` or `.write`).
    pub(crate) fn allows(&self, wanted: &str) -> bool {
        self.scope.split(' ').any(|s| s == wanted)
    }
}

struct Issued {
    expiry: Instant,
    grant: Grant,
}

/// The tokens this server accepts.
pub(crate) struct Tokens {
    static_token: String,
    lifetime: Duration,
    issued: Mutex<HashMap<String, Issued>>,
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

    /// Issues a fresh random token with `scope` for `client_id`, valid for the configured lifetime.
    pub(crate) fn issue(&self, client_id: &str, scope: String) -> String {
        let token = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        let now = Instant::now();
        let exp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .saturating_add(self.lifetime)
            .as_secs();
        let mut issued = self
            .issued
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        issued.retain(|_, entry| entry.expiry > now);
        issued.insert(
            token.clone(),
            Issued {
                expiry: now + self.lifetime,
                grant: Grant {
                    scope,
                    client_id: Some(client_id.to_string()),
                    exp: Some(exp),
                },
            },
        );
        token
    }

    /// The grant of `token` when it is the static token or an issued one that has not expired.
    pub(crate) fn grant(&self, token: &str) -> Option<Grant> {
        if constant_time_eq(token.as_bytes(), self.static_token.as_bytes()) {
            return Some(Grant {
                scope: FULL_SCOPE.to_string(),
                client_id: None,
                exp: None,
            });
        }
        let issued = self
            .issued
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        issued
            .get(token)
            .filter(|entry| entry.expiry > Instant::now())
            .map(|entry| entry.grant.clone())
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive).
pub(crate) fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The scope an Appointment request needs: read for GET, write for POST and PUT; other methods
/// need none (they answer 405).
pub(crate) fn needed_scope(method: &Method) -> Option<&'static str> {
    match *method {
        Method::GET | Method::HEAD => Some(READ_SCOPE),
        Method::POST | Method::PUT => Some(WRITE_SCOPE),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_tokens_expire_and_keep_their_scope() {
        let tokens = Tokens::new("static".into(), Duration::from_millis(0));
        let token = tokens.issue("c", FULL_SCOPE.into());
        assert!(tokens.grant(&token).is_none());
        assert!(tokens.grant("static").is_some());
        assert!(tokens.grant("statiC").is_none());
        let tokens = Tokens::new("static".into(), Duration::from_secs(60));
        let token = tokens.issue("c", READ_SCOPE.into());
        let grant = tokens.grant(&token).unwrap();
        assert!(grant.allows(READ_SCOPE));
        assert!(!grant.allows(WRITE_SCOPE));
        assert_eq!(grant.client_id.as_deref(), Some("c"));
        assert!(tokens.grant("").is_none());
    }
}
