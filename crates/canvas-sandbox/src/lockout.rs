//! Failed client authentications, counted per known OAuth client: after [`MAX_FAILURES`] within
//! [`WINDOW`] the client's authentications answer 429 with `Retry-After` until the window ends,
//! so a client secret cannot be guessed at network speed.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failed authentications of one client a window allows.
pub(crate) const MAX_FAILURES: u32 = 10;

/// The window failures are counted in (from the first failure).
pub(crate) const WINDOW: Duration = Duration::from_secs(60);

/// The failure count of each configured client that has failed lately (unknown client ids are
/// not counted, so the map is bounded by the settings' `oauth_clients`).
#[derive(Default)]
pub(crate) struct AuthFailures {
    by_client: Mutex<HashMap<String, Window>>,
}

struct Window {
    started: Instant,
    failures: u32,
}

impl AuthFailures {
    /// Whole seconds until `client_id` may authenticate again, when it is locked out.
    pub(crate) fn locked(&self, client_id: &str) -> Option<u64> {
        let now = Instant::now();
        let by_client = self.lock();
        let window = by_client.get(client_id)?;
        let ends = window.started + WINDOW;
        (window.failures >= MAX_FAILURES && ends > now)
            .then(|| ends.duration_since(now).as_secs().max(1))
    }

    /// Counts one failed authentication of `client_id`.
    pub(crate) fn failed(&self, client_id: &str) {
        let now = Instant::now();
        let mut by_client = self.lock();
        let window = by_client.entry(client_id.to_string()).or_insert(Window {
            started: now,
            failures: 0,
        });
        if window.started + WINDOW <= now {
            *window = Window {
                started: now,
                failures: 0,
            };
        }
        window.failures = window.failures.saturating_add(1);
    }

    /// A successful authentication clears `client_id`'s count.
    pub(crate) fn succeeded(&self, client_id: &str) {
        self.lock().remove(client_id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Window>> {
        self.by_client
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_is_locked_after_the_allowed_failures_and_freed_by_success() {
        let failures = AuthFailures::default();
        for _ in 0..MAX_FAILURES - 1 {
            failures.failed("c");
        }
        assert_eq!(failures.locked("c"), None);
        failures.failed("c");
        let wait = failures.locked("c").expect("locked");
        assert!((1..=WINDOW.as_secs()).contains(&wait));
        assert_eq!(failures.locked("other"), None, "counted per client");
        failures.succeeded("c");
        assert_eq!(failures.locked("c"), None);
    }
}
