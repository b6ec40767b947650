//! A target's "not before": after a 429 whose `Retry-After` asks for a wait, no request of any
//! case starts to that target until the wait is over, so the run as a whole slows to the rate the
//! target allows instead of each case learning it with a 429 of its own.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use tokio::time::Instant;

/// Per target (by label), the instant before which no request starts.
#[derive(Debug, Default)]
pub(crate) struct Hold {
    until: Mutex<HashMap<String, Instant>>,
}

impl Hold {
    /// Holds every request to `target` until `until` (never shortens a hold already set).
    pub(crate) fn hold(&self, target: &str, until: Instant) {
        let mut holds = self.until.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = holds.entry(target.to_owned()).or_insert(until);
        *entry = (*entry).max(until);
    }

    /// Waits until requests to `target` may start.
    pub(crate) async fn wait(&self, target: &str) {
        let until = self
            .until
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(target)
            .copied();
        if let Some(until) = until.filter(|u| *u > Instant::now()) {
            tokio::time::sleep_until(until).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_hold_is_per_target_and_never_shortened() {
        let hold = Hold::default();
        let now = Instant::now();
        hold.hold("a", now + Duration::from_secs(5));
        hold.hold("a", now + Duration::from_secs(1));
        let holds = hold.until.lock().unwrap_or_else(PoisonError::into_inner);
        assert_eq!(holds.get("a"), Some(&(now + Duration::from_secs(5))));
        assert_eq!(holds.get("b"), None);
    }
}
