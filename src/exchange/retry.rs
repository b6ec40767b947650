//! What the sender does after one attempt, under the run's [`RetryPolicy`]: keep the answer, wait
//! and try again (a 429 or 503, honouring `Retry-After`; for an idempotent request also an answer
//! lost on the way), or give up with the error the exchange records.

use std::time::Duration;

use crate::exchange::error::ExchangeError;
use crate::retry::backoff;

pub use crate::retry::RetryPolicy;

/// What to do after attempt `attempt` answered `status`.
#[derive(Debug, PartialEq)]
pub enum Next {
    /// Not a "later" answer: keep it.
    Keep,
    /// Wait this long, then try again.
    RetryAfter(Duration),
    /// Still busy and no attempts left: the answer is kept with this error.
    GiveUp(ExchangeError),
}

/// The decision after attempt `attempt` (1-based) answered `status` with this `Retry-After`.
pub fn next(policy: &RetryPolicy, attempt: u32, status: u16, retry_after: Option<&str>) -> Next {
    if !crate::retry::is_later(status) {
        return Next::Keep;
    }
    match policy.wait_after_status(attempt, status, retry_after) {
        Some(wait) => Next::RetryAfter(wait),
        None => Next::GiveUp(ExchangeError::StillBusy {
            status,
            attempts: attempt,
            retry_after: retry_after.map(str::to_owned),
        }),
    }
}

/// For an idempotent request (a read, a search page, a cancel's write-back): how long to wait
/// before sending it again after attempt `attempt` failed with `error`, when sending it again can
/// help (a reset, a cut body, a timeout, a refused connection) and an attempt is left.
pub fn after_failure(
    policy: &RetryPolicy,
    attempt: u32,
    error: &ExchangeError,
) -> Option<Duration> {
    let transient = match error {
        ExchangeError::Timeout { .. }
        | ExchangeError::Connect { .. }
        | ExchangeError::Transport { .. } => true,
        ExchangeError::BodyTooLarge { .. }
        | ExchangeError::StillBusy { .. }
        | ExchangeError::Token { .. }
        | ExchangeError::NotRecorded { .. } => false,
    };
    (transient && policy.has_another(attempt)).then(|| backoff(policy, attempt, None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::error::TransportStage;
    use crate::retry::tests::policy;

    #[test]
    fn only_429_and_503_are_retried_until_the_attempts_run_out() {
        assert_eq!(next(&policy(), 1, 200, None), Next::Keep);
        assert_eq!(next(&policy(), 1, 500, Some("1")), Next::Keep);
        assert_eq!(
            next(&policy(), 1, 429, Some("2")),
            Next::RetryAfter(Duration::from_secs(2))
        );
        assert_eq!(
            next(&policy(), 2, 503, None),
            Next::RetryAfter(Duration::from_millis(200))
        );
        assert_eq!(
            next(&policy(), 3, 429, Some("2")),
            Next::GiveUp(ExchangeError::StillBusy {
                status: 429,
                attempts: 3,
                retry_after: Some("2".to_owned())
            })
        );
    }

    #[test]
    fn lost_answers_are_retried_and_final_failures_are_not() {
        let reset = ExchangeError::Transport {
            stage: TransportStage::ResponseBody,
            detail: "connection reset".to_owned(),
            status: Some(200),
            location: None,
        };
        assert_eq!(
            after_failure(&policy(), 1, &reset),
            Some(Duration::from_millis(100))
        );
        assert_eq!(after_failure(&policy(), 3, &reset), None);
        let big = ExchangeError::BodyTooLarge {
            limit_bytes: 1,
            status: 200,
        };
        assert_eq!(after_failure(&policy(), 1, &big), None);
        let token = ExchangeError::Token {
            detail: "refused".to_owned(),
        };
        assert_eq!(after_failure(&policy(), 1, &token), None);
    }
}
