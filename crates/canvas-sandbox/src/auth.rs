//! Bearer tokens and scopes: the static token and OAuth-issued tokens (kept in memory until they
//! expire, each with the scope it was granted and, for a patient token, its patient), the
//! resources whose routes need one, and what each request needs there (D12, D29, D33). The
//! middleware that enforces them is `middleware.rs`; the current edition's grammar is `scope.rs`.

use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasher;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::http::{Method, header};
use subtle::ConstantTimeEq;

use super::settings::FULL_SCOPE;

/// The scope that allows create and update (D12).
pub(crate) const WRITE_SCOPE: &str = "system/Appointment.write";

/// Where the style a SMART app may take lives (`smart_style_url` of a patient token, D29).
pub(crate) const SMART_STYLE_PATH: &str = "/smart-style.json";

/// The FHIR resources whose routes need a bearer token: Appointment, then the read-only
/// lookups (D33).
pub(crate) const GUARDED: [&str; 6] = [
    "Appointment",
    "Practitioner",
    "Patient",
    "Location",
    "Schedule",
    "Slot",
];

/// The guarded resource a request path belongs to (`/Slot`, `/Practitioner/<id>`, …), if any.
pub(crate) fn guarded_resource(path: &str) -> Option<&'static str> {
    let first = path.strip_prefix('/')?.split('/').next()?;
    GUARDED.into_iter().find(|resource| *resource == first)
}

/// What an accepted token may do, and what introspection (RFC 7662 §2.2) says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Grant {
    /// Space-separated scopes.
    pub scope: String,
    /// The client the token was issued to (`None` for the static token).
    pub client_id: Option<String>,
    /// Expiry in seconds since the Unix epoch (`None`: the static token does not expire).
    pub exp: Option<u64>,
    /// The patient a patient-scoped token is limited to (D29); `None` for system tokens.
    pub patient: Option<String>,
}

impl Grant {
    /// Whether the scope lists `wanted` (`system/<Resource>.read` or `.write`).
    pub(crate) fn allows(&self, wanted: &str) -> bool {
        self.scope.split(' ').any(|s| s == wanted)
    }
}

struct Issued {
    expiry: Instant,
    grant: Grant,
}

/// The issued tokens: looked up by a randomly keyed hash (O(1); the key keeps a client from
/// aiming at buckets), and swept in issue order, which is expiry order (one lifetime for all).
#[derive(Default)]
struct Issuance {
    by_token: HashMap<String, Issued>,
    by_expiry: VecDeque<(Instant, String)>,
}

impl Issuance {
    /// Forgets every token expired at `now` (amortized O(1) per token issued).
    fn sweep(&mut self, now: Instant) {
        while let Some((expiry, _)) = self.by_expiry.front()
            && *expiry <= now
        {
            if let Some((_, token)) = self.by_expiry.pop_front() {
                self.by_token.remove(&token);
            }
        }
    }
}

/// The tokens this server accepts.
pub(crate) struct Tokens {
    static_token: String,
    lifetime: Duration,
    issued: Mutex<Issuance>,
}

impl Tokens {
    pub(crate) fn new(static_token: String, lifetime: Duration) -> Self {
        Tokens {
            static_token,
            lifetime,
            issued: Mutex::new(Issuance::default()),
        }
    }

    /// The lifetime of issued tokens, in whole seconds.
    pub(crate) fn lifetime_secs(&self) -> u64 {
        self.lifetime.as_secs()
    }

    /// Issues a fresh random token with `scope` for `client_id` (limited to `patient` when given,
    /// D29), valid for the configured lifetime.
    pub(crate) fn issue(&self, client_id: &str, scope: String, patient: Option<String>) -> String {
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
        issued.sweep(now);
        let expiry = now + self.lifetime;
        issued.by_expiry.push_back((expiry, token.clone()));
        issued.by_token.insert(
            token.clone(),
            Issued {
                expiry,
                grant: Grant {
                    scope,
                    client_id: Some(client_id.to_string()),
                    exp: Some(exp),
                    patient,
                },
            },
        );
        token
    }

    /// The grant of `token` when it is the static token or an issued one that has not expired.
    pub(crate) fn grant(&self, token: &str) -> Option<Grant> {
        if secrets_equal(token, &self.static_token) {
            return Some(Grant {
                scope: FULL_SCOPE.to_string(),
                client_id: None,
                exp: None,
                patient: None,
            });
        }
        let now = Instant::now();
        let mut issued = self
            .issued
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        issued.sweep(now);
        issued
            .by_token
            .get(token)
            .filter(|entry| entry.expiry > now)
            .map(|entry| entry.grant.clone())
    }
}

/// Whether a presented secret (token, client secret) equals the expected one, in time that
/// tells nothing of either: their randomly keyed 64-bit digests are compared first with
/// `subtle` (fixed size, so not even the length leaks), and only digests that match go on to
/// `subtle`'s full comparison (which the right secret alone reaches, bar a 2⁻⁶⁴ collision).
pub(crate) fn secrets_equal(presented: &str, expected: &str) -> bool {
    static KEYS: std::sync::OnceLock<std::collections::hash_map::RandomState> =
        std::sync::OnceLock::new();
    let keys = KEYS.get_or_init(std::collections::hash_map::RandomState::new);
    let digest = |text: &str| keys.hash_one(text).to_le_bytes();
    let digests_match: bool = digest(presented).ct_eq(&digest(expected)).into();
    digests_match && bool::from(presented.as_bytes().ct_eq(expected.as_bytes()))
}

/// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive).
pub(crate) fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The scope a request on `resource` needs in the 2023-09 edition (scopes compared as words):
/// `system/<resource>.read` for GET, and on Appointment `system/Appointment.write` for POST and
/// PUT; other methods need none (they answer 405, as every method but GET does on the read-only
/// lookups).
pub(crate) fn needed_scope(resource: &str, method: &Method) -> Option<String> {
    match *method {
        Method::GET | Method::HEAD => Some(format!("system/{resource}.read")),
        Method::POST | Method::PUT if resource == "Appointment" => Some(WRITE_SCOPE.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scope that allows reading and searching appointments (D12).
    const READ_SCOPE: &str = "system/Appointment.read";

    #[test]
    fn issued_tokens_expire_and_keep_their_scope() {
        let tokens = Tokens::new("static".into(), Duration::from_millis(0));
        let token = tokens.issue("c", FULL_SCOPE.into(), None);
        assert!(tokens.grant(&token).is_none());
        assert!(tokens.grant("static").is_some());
        assert!(tokens.grant("statiC").is_none());
        let tokens = Tokens::new("static".into(), Duration::from_secs(60));
        let token = tokens.issue("c", READ_SCOPE.into(), Some("p".into()));
        let grant = tokens.grant(&token).unwrap();
        assert!(grant.allows(READ_SCOPE));
        assert!(!grant.allows(WRITE_SCOPE));
        assert_eq!(grant.client_id.as_deref(), Some("c"));
        assert_eq!(grant.patient.as_deref(), Some("p"));
        assert!(tokens.grant("").is_none());
    }

    #[test]
    fn each_guarded_resource_needs_its_own_read_scope() {
        assert_eq!(guarded_resource("/Appointment"), Some("Appointment"));
        assert_eq!(guarded_resource("/Slot"), Some("Slot"));
        assert_eq!(guarded_resource("/Practitioner/abc"), Some("Practitioner"));
        assert_eq!(guarded_resource("/Appointmentx"), None);
        assert_eq!(guarded_resource("/auth/token/"), None);
        assert_eq!(guarded_resource("/openapi.json"), None);
        assert_eq!(
            needed_scope("Appointment", &Method::GET).as_deref(),
            Some(READ_SCOPE)
        );
        assert_eq!(
            needed_scope("Appointment", &Method::PUT).as_deref(),
            Some(WRITE_SCOPE)
        );
        assert_eq!(
            needed_scope("Schedule", &Method::GET).as_deref(),
            Some("system/Schedule.read")
        );
        assert_eq!(needed_scope("Schedule", &Method::POST), None);
        assert_eq!(needed_scope("Appointment", &Method::DELETE), None);
        let tokens = Tokens::new("static".into(), Duration::from_secs(60));
        let full = tokens.grant("static").unwrap();
        for resource in GUARDED {
            let read = needed_scope(resource, &Method::GET).unwrap();
            assert!(full.allows(&read), "{read}");
        }
        assert!(full.allows(WRITE_SCOPE));
        let narrow = tokens
            .grant(&tokens.issue("c", READ_SCOPE.into(), None))
            .unwrap();
        assert!(!narrow.allows("system/Slot.read"));
    }
}
