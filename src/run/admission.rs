//! A target's admission of cases: at most `jobs` in flight, admitted strictly in the order the
//! runner ranks them (longest chains first). Every case task is spawned at once, and tasks start
//! polling in no set order, so a bare semaphore would admit them in whatever order they first asked.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};

/// One target's permits and whose turn it is to ask for one.
pub struct Admission {
    permits: Arc<Semaphore>,
    /// The rank of the next case allowed to ask for a permit.
    turn: watch::Sender<usize>,
}

impl Admission {
    /// `jobs` cases in flight at once (at least one).
    pub fn new(jobs: usize) -> Admission {
        Admission {
            permits: Arc::new(Semaphore::new(jobs.max(1))),
            turn: watch::Sender::new(0),
        }
    }

    /// Waits until every case ranked before `rank` holds (or held) a permit, then for a permit of
    /// its own. Ranks are 0, 1, 2… without gaps; each is entered once. `None` only if the
    /// semaphore was closed (it never is).
    pub async fn enter(&self, rank: usize) -> Option<OwnedSemaphorePermit> {
        let mut turn = self.turn.subscribe();
        // The sender lives in `self`: waiting cannot fail while it is borrowed.
        let _ = turn.wait_for(|next| *next >= rank).await;
        let permit = Arc::clone(&self.permits).acquire_owned().await.ok();
        self.turn.send_modify(|next| *next = (*next).max(rank + 1));
        permit
    }

    /// The permits themselves, for work that needs no turn (cleanup's cancels as a case ends).
    pub fn permits(&self) -> &Arc<Semaphore> {
        &self.permits
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn cases_are_admitted_in_rank_order_whatever_order_they_ask_in() {
        let admission = Arc::new(Admission::new(1));
        let admitted = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = tokio::task::JoinSet::new();
        // Spawned last rank first: without the turn, the first to ask would be admitted first.
        for rank in (0..8).rev() {
            let admission = Arc::clone(&admission);
            let admitted = Arc::clone(&admitted);
            tasks.spawn(async move {
                let permit = admission.enter(rank).await;
                admitted.lock().expect("not poisoned").push(rank);
                tokio::task::yield_now().await;
                drop(permit);
            });
        }
        while tasks.join_next().await.is_some() {}
        let admitted = admitted.lock().expect("not poisoned").clone();
        assert_eq!(admitted, (0..8).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn several_in_flight_up_to_jobs() {
        let admission = Admission::new(3);
        let a = admission.enter(0).await;
        let b = admission.enter(1).await;
        let c = admission.enter(2).await;
        assert!(a.is_some() && b.is_some() && c.is_some());
        assert_eq!(admission.permits().available_permits(), 0);
    }
}
