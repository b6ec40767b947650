//! How patient to be with a busy server: the retry policy (attempts, backoff, the longest wait),
//! `Retry-After` (RFC 9110 §10.2.3: delta-seconds or an HTTP-date) and the wait it asks for. Below
//! both users: FHIR requests (`exchange`) and OAuth token requests (`target::auth`).

use std::time::Duration;

/// Retrying answers that mean "later" (429 Too Many Requests, 503 Service Unavailable), and, for
/// idempotent requests, answers lost on the way.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1: never retry).
    pub attempts: u32,
    /// The first backoff when the answer has no `Retry-After`; doubled each attempt.
    pub base_delay: Duration,
    /// No single wait is longer than this, whatever `Retry-After` asks.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 3,
            base_delay: Duration::from_millis(500),
            max_wait: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// How long to wait before trying again after attempt `attempt` (1-based) answered `status`
    /// with this `Retry-After`: `None` when the answer does not mean "later" (only 429 and 503 do)
    /// or no attempt is left.
    pub fn wait_after_status(
        &self,
        attempt: u32,
        status: u16,
        retry_after: Option<&str>,
    ) -> Option<Duration> {
        (is_later(status) && self.has_another(attempt)).then(|| backoff(self, attempt, retry_after))
    }

    /// Whether an attempt follows attempt `attempt` (1-based).
    pub fn has_another(&self, attempt: u32) -> bool {
        attempt < self.attempts
    }
}

/// Whether an answer with this status means "ask again later" (429 Too Many Requests, 503
/// Service Unavailable).
pub fn is_later(status: u16) -> bool {
    matches!(status, 429 | 503)
}

/// How long to wait before attempt `attempt + 1`: `Retry-After` (seconds or an HTTP date) when
/// given, else `base_delay · 2^(attempt-1)`; never more than `max_wait`.
pub fn backoff(policy: &RetryPolicy, attempt: u32, retry_after: Option<&str>) -> Duration {
    let asked = retry_after.and_then(parse_retry_after);
    let wait = asked.unwrap_or_else(|| {
        policy
            .base_delay
            .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)))
    });
    wait.min(policy.max_wait)
}

/// `Retry-After: 120` or `Retry-After: Wed, 21 Oct 2015 07:28:00 GMT` (a date in the past: 0).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    let now = jiff::Timestamp::now();
    let seconds = when.as_second().saturating_sub(now.as_second());
    Some(Duration::from_secs(u64::try_from(seconds).unwrap_or(0)))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Three attempts, 100 ms base delay, 30 s longest wait: the policy the retry tests share.
    pub(crate) fn policy() -> RetryPolicy {
        RetryPolicy {
            attempts: 3,
            base_delay: Duration::from_millis(100),
            max_wait: Duration::from_secs(30),
        }
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(&policy(), 1, None), Duration::from_millis(100));
        assert_eq!(backoff(&policy(), 2, None), Duration::from_millis(200));
        assert_eq!(backoff(&policy(), 40, None), Duration::from_secs(30));
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        assert_eq!(backoff(&policy(), 1, Some("2")), Duration::from_secs(2));
        assert_eq!(backoff(&policy(), 1, Some("3600")), Duration::from_secs(30));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        let later = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(3600);
        let date = jiff::fmt::rfc2822::DateTimePrinter::new()
            .timestamp_to_rfc9110_string(&later)
            .unwrap();
        let parsed = parse_retry_after(&date).unwrap();
        assert!(parsed > Duration::from_secs(3000), "{date} -> {parsed:?}");
        assert_eq!(parse_retry_after("soon"), None);
        // Unparseable: the exponential backoff applies.
        assert_eq!(
            backoff(&policy(), 2, Some("soon")),
            Duration::from_millis(200)
        );
    }

    #[test]
    fn only_429_and_503_wait_and_only_while_attempts_remain() {
        assert_eq!(policy().wait_after_status(1, 200, None), None);
        assert_eq!(policy().wait_after_status(1, 500, Some("1")), None);
        assert_eq!(
            policy().wait_after_status(1, 429, Some("2")),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            policy().wait_after_status(2, 503, None),
            Some(Duration::from_millis(200))
        );
        assert_eq!(policy().wait_after_status(3, 429, Some("2")), None);
    }
}
