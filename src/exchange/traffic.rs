//! How much a client sent: every attempt over the wire (retries included) and the retries among
//! them, shared by all clones of one client, for the run summary and the bench.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

/// The counts of one run's requests (a replay sends none).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Traffic {
    /// Requests sent to targets (each attempt counts; OAuth token fetches of the target's own
    /// credentials do not).
    pub requests: u64,
    /// Attempts that repeated a request: after a 429 or 503, or after a lost answer of an
    /// idempotent request.
    pub retries: u64,
}

impl Traffic {
    /// What was sent after `before` was taken.
    pub fn since(self, before: Traffic) -> Traffic {
        Traffic {
            requests: self.requests.saturating_sub(before.requests),
            retries: self.retries.saturating_sub(before.retries),
        }
    }

    /// The counts of two runs together (shards merged, targets compared).
    pub fn plus(self, other: Traffic) -> Traffic {
        Traffic {
            requests: self.requests.saturating_add(other.requests),
            retries: self.retries.saturating_add(other.retries),
        }
    }
}

/// The shared counters behind [`Traffic`].
#[derive(Debug, Default)]
pub(crate) struct Counter {
    requests: AtomicU64,
    retries: AtomicU64,
}

impl Counter {
    /// One attempt is going out; `attempt` is 1-based (above 1: a retry).
    pub(crate) fn attempt(&self, attempt: u32) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        if attempt > 1 {
            self.retries.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The counts so far.
    pub(crate) fn traffic(&self) -> Traffic {
        Traffic {
            requests: self.requests.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
        }
    }
}
