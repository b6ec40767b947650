//! The run's stop signal: set on the first Ctrl-C (or by a caller), after which no new case or step
//! starts, running steps finish, and the run goes straight to cleanup.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Cheap to clone; every clone sees the same signal.
#[derive(Clone, Debug, Default)]
pub struct Interrupt {
    flag: Arc<AtomicBool>,
}

impl Interrupt {
    pub fn trigger(&self) {
        self.flag.store(true, Ordering::SeqCst);
    }

    pub fn is_triggered(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }
}

/// Why a case or step did not start after an interrupt.
pub const INTERRUPTED: &str = "not started: the run was interrupted (Ctrl-C)";

#[cfg(test)]
mod tests {
    #[test]
    fn clones_share_the_signal() {
        let a = super::Interrupt::default();
        let b = a.clone();
        assert!(!b.is_triggered());
        a.trigger();
        assert!(b.is_triggered());
    }
}
