//! The request pace (`--rps`): spaces request starts evenly across every task sharing one client,
//! a token bucket of one. Only waits; never refuses a request.

use std::time::Duration;

/// Spaces request starts `interval` apart, across every task sharing it.
#[derive(Debug)]
pub struct Pace {
    interval: Duration,
    next: std::sync::Mutex<Option<tokio::time::Instant>>,
}

impl Pace {
    /// A pace of `rps` requests per second; `None` when `rps` is not a positive finite number.
    pub fn per_second(rps: f64) -> Option<Pace> {
        (rps.is_finite() && rps > 0.0).then(|| Pace::new(Duration::from_secs_f64(1.0 / rps)))
    }

    fn new(interval: Duration) -> Pace {
        Pace {
            interval,
            next: std::sync::Mutex::new(None),
        }
    }

    /// The start time of the next request asked for at `now`: `now`, or one interval after the
    /// previous reservation, whichever is later.
    fn reserve(&self, now: tokio::time::Instant) -> tokio::time::Instant {
        let mut next = self
            .next
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let start = next.map_or(now, |n| n.max(now));
        *next = Some(start + self.interval);
        start
    }

    /// Waits until this caller's turn to start a request.
    pub async fn wait(&self) {
        let start = self.reserve(tokio::time::Instant::now());
        tokio::time::sleep_until(start).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pace_spaces_request_starts() {
        let pace = Pace::new(Duration::from_millis(250));
        let now = tokio::time::Instant::now();
        assert_eq!(pace.reserve(now), now);
        assert_eq!(pace.reserve(now), now + Duration::from_millis(250));
        assert_eq!(pace.reserve(now), now + Duration::from_millis(500));
        // After a quiet spell, the next request goes at once.
        let later = now + Duration::from_secs(5);
        assert_eq!(pace.reserve(later), later);
    }

    #[test]
    fn only_positive_rates_make_a_pace() {
        assert!(Pace::per_second(0.0).is_none());
        assert!(Pace::per_second(-1.0).is_none());
        assert!(Pace::per_second(f64::NAN).is_none());
        assert_eq!(
            Pace::per_second(4.0).map(|p| p.interval),
            Some(Duration::from_millis(250))
        );
    }
}
