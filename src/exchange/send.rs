//! Sends a rendered request to a target with reqwest and records the exchange, politely and
//! resiliently: a shared request pace (`--rps`), 429/503 retried with bounded backoff honouring
//! `Retry-After`, one renewal of an OAuth token after a 401, separate connect/read/total timeouts, a
//! bounded body. Never follows redirects (a token must not travel to another host); scrubs secrets
//! as it records, so nothing downstream can leak them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::case::model::{AuthMode, Method};
use crate::exchange::record::{Exchange, Received, SentRequest};
use crate::exchange::render::{Outgoing, path_and_query};
use crate::target::{Secret, Target};

/// Response bodies larger than this (by default) are not read and the exchange is an error.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

const REDACTED: &str = "[redacted]";
const INVALID_TOKEN: &str = "invalid-token-canvas-conformance";

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("failed to build the HTTP client: {0}")]
    Build(#[from] reqwest::Error),
    #[error("invalid client option: {0}")]
    Option(String),
}

/// Retrying answers that mean "later" (429 Too Many Requests, 503 Service Unavailable).
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

/// How the client talks to targets.
#[derive(Clone, Debug)]
pub struct ClientOptions {
    /// Establishing the TCP (and TLS) connection.
    pub connect_timeout: Duration,
    /// The longest silence while waiting for response bytes.
    pub read_timeout: Duration,
    /// One attempt of one request, end to end (a slow drip trips this one).
    pub timeout: Duration,
    /// Requests per second over all cases together; `None`: no limit.
    pub rps: Option<f64>,
    pub retry: RetryPolicy,
    pub max_body_bytes: usize,
}

impl ClientOptions {
    /// The defaults with this per-request timeout (connect ≤ 10 s, read ≤ the timeout).
    pub fn with_timeout(timeout: Duration) -> ClientOptions {
        ClientOptions {
            connect_timeout: timeout.min(Duration::from_secs(10)),
            read_timeout: timeout,
            timeout,
            rps: None,
            retry: RetryPolicy::default(),
            max_body_bytes: MAX_BODY_BYTES,
        }
    }
}

/// Spaces request starts `interval` apart, across every task sharing it (a token bucket of one).
#[derive(Debug)]
struct Pace {
    interval: Duration,
    next: std::sync::Mutex<Option<tokio::time::Instant>>,
}

impl Pace {
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

    async fn wait(&self) {
        let start = self.reserve(tokio::time::Instant::now());
        tokio::time::sleep_until(start).await;
    }
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    options: Arc<ClientOptions>,
    pace: Option<Arc<Pace>>,
}

/// One attempt's result before it is recorded.
type Attempt = Result<Received, String>;

impl Client {
    /// A client with default options and this per-request timeout.
    pub fn new(timeout: Duration) -> Result<Client, ClientError> {
        Client::with_options(ClientOptions::with_timeout(timeout))
    }

    pub fn with_options(options: ClientOptions) -> Result<Client, ClientError> {
        let pace = match options.rps {
            None => None,
            Some(rps) if rps.is_finite() && rps > 0.0 => {
                Some(Arc::new(Pace::new(Duration::from_secs_f64(1.0 / rps))))
            }
            Some(rps) => {
                return Err(ClientError::Option(format!(
                    "requests per second must be a positive number, not {rps}"
                )));
            }
        };
        if options.retry.attempts == 0 {
            return Err(ClientError::Option(
                "retry attempts must be at least 1".to_owned(),
            ));
        }
        let http = reqwest::Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.connect_timeout)
            .read_timeout(options.read_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("canvas-conformance/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Client {
            http,
            options: Arc::new(options),
            pace,
        })
    }

    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// Sends `out` to `target`; a transport failure, a token that could not be had, or a target
    /// still busy after every retry is recorded in the exchange's `error`, not returned.
    pub async fn send(&self, target: &Target, out: &Outgoing) -> Exchange {
        let url = format!(
            "{}{}",
            target.base_url.trim_end_matches('/'),
            path_and_query(&out.path, &out.query)
        );
        let mut headers: Vec<(String, String)> = vec![("Accept".into(), "application/json".into())];
        if out.body.is_some() {
            headers.push(("Content-Type".into(), "application/json".into()));
        }
        headers.extend(out.headers.iter().cloned());
        let mut recorded_headers = headers.clone();
        match out.auth {
            AuthMode::Target | AuthMode::ReadOnly => {
                recorded_headers.push(("Authorization".into(), format!("Bearer {REDACTED}")));
            }
            AuthMode::Invalid => {
                recorded_headers.push(("Authorization".into(), format!("Bearer {INVALID_TOKEN}")));
            }
            AuthMode::None => {}
        }
        let mut request = SentRequest {
            method: out.method.as_str().to_owned(),
            url: url.clone(),
            headers: recorded_headers,
            body: out.body.clone(),
        };
        let mut renewed = false;
        let mut attempt = 1;
        loop {
            let token = match out.auth {
                AuthMode::Target => match target.auth.bearer().await {
                    Ok(token) => Some(token),
                    Err(e) => {
                        return Exchange {
                            request,
                            response: None,
                            error: Some(format!("could not obtain a token: {e}")),
                        };
                    }
                },
                AuthMode::ReadOnly => match target.read_only_bearer().await {
                    Ok(token) => Some(token),
                    Err(e) => {
                        return Exchange {
                            request,
                            response: None,
                            error: Some(format!("could not obtain a read-only token: {e}")),
                        };
                    }
                },
                AuthMode::Invalid => Some(Secret::new(INVALID_TOKEN.to_owned())),
                AuthMode::None => None,
            };
            let secret = token
                .as_ref()
                .filter(|_| matches!(out.auth, AuthMode::Target | AuthMode::ReadOnly))
                .map_or("", |t| t.expose().as_str());
            request.headers = scrub_headers(std::mem::take(&mut request.headers), secret);
            if let Some(pace) = &self.pace {
                pace.wait().await;
            }
            let result = self.attempt(out, &url, &headers, token.as_ref()).await;
            let received = match result {
                Ok(mut received) => {
                    received.headers = scrub_headers(received.headers, secret);
                    if !secret.is_empty() && received.body.contains(secret) {
                        // An echoed token: record the body without it (and its JSON likewise).
                        received.body = scrub(&received.body, secret);
                        received.json = serde_json::from_str(&received.body).ok();
                    }
                    received
                }
                Err(error) => {
                    return Exchange {
                        request,
                        response: None,
                        error: Some(scrub(&error, secret)),
                    };
                }
            };
            if received.status == 401
                && out.auth == AuthMode::Target
                && !renewed
                && let Some(token) = &token
                && target.auth.rejected(token).await
            {
                // A token that expired early or was revoked: fetch a new one and retry once.
                renewed = true;
                continue;
            }
            if matches!(received.status, 429 | 503) {
                let retry_after = received.header("retry-after").map(str::to_owned);
                if attempt < self.options.retry.attempts {
                    let wait = backoff(&self.options.retry, attempt, retry_after.as_deref());
                    tracing::info!(
                        url = %url,
                        status = received.status,
                        wait_ms = wait.as_millis() as u64,
                        "target asked to retry later"
                    );
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                    continue;
                }
                let error = format!(
                    "the target still answered {} after {attempt} attempt{}{}",
                    received.status,
                    if attempt == 1 { "" } else { "s" },
                    retry_after
                        .map(|r| format!(" (last Retry-After: {r})"))
                        .unwrap_or_default()
                );
                return Exchange {
                    request,
                    response: Some(received),
                    error: Some(error),
                };
            }
            return Exchange {
                request,
                response: Some(received),
                error: None,
            };
        }
    }

    async fn attempt(
        &self,
        out: &Outgoing,
        url: &str,
        headers: &[(String, String)],
        token: Option<&Secret<String>>,
    ) -> Attempt {
        let method = match out.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Delete => reqwest::Method::DELETE,
            Method::Patch => reqwest::Method::PATCH,
        };
        let mut builder = self.http.request(method, url);
        for (name, value) in headers {
            builder = builder.header(name, value);
        }
        if let Some(token) = token {
            builder = builder.bearer_auth(token.expose());
        }
        if let Some(body) = &out.body {
            builder = builder.body(body.clone());
        }
        let started = Instant::now();
        receive(builder, started, &self.options).await
    }
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

async fn receive(
    builder: reqwest::RequestBuilder,
    started: Instant,
    options: &ClientOptions,
) -> Attempt {
    let mut response = builder.send().await.map_err(|e| describe(&e, options))?;
    let status = response.status().as_u16();
    let too_large = || {
        format!(
            "the response body is larger than {} (status {status})",
            size(options.max_body_bytes)
        )
    };
    if response
        .content_length()
        .is_some_and(|length| length > options.max_body_bytes as u64)
    {
        return Err(too_large());
    }
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| describe(&e, options))? {
        if bytes.len() + chunk.len() > options.max_body_bytes {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    let body = String::from_utf8_lossy(&bytes).into_owned();
    let json = if body.trim().is_empty() {
        None
    } else {
        serde_json::from_str(&body).ok()
    };
    Ok(Received {
        status,
        headers,
        body,
        json,
        elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    })
}

fn size(bytes: usize) -> String {
    if bytes >= 1024 * 1024 && bytes.is_multiple_of(1024 * 1024) {
        format!("{} MiB", bytes / (1024 * 1024))
    } else {
        format!("{bytes} bytes")
    }
}

fn describe(error: &reqwest::Error, options: &ClientOptions) -> String {
    let kind = if error.is_timeout() {
        format!(
            "timed out (connect timeout {}, read timeout {}, whole request {})",
            seconds(options.connect_timeout),
            seconds(options.read_timeout),
            seconds(options.timeout)
        )
    } else if error.is_connect() {
        "could not connect".to_owned()
    } else if error.is_body() || error.is_decode() {
        "failed to read the response body".to_owned()
    } else {
        "request failed".to_owned()
    };
    with_causes(kind, error)
}

/// `kind: cause: cause…` from a reqwest error's source chain. The URL is shown elsewhere (and may
/// not be shown at all for a token endpoint), so reqwest's own message, which echoes it, is left out.
pub(crate) fn with_causes(kind: String, error: &reqwest::Error) -> String {
    let mut message = kind;
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

fn seconds(duration: Duration) -> String {
    format!("{} s", duration.as_secs_f64())
}

fn scrub_headers(headers: Vec<(String, String)>, token: &str) -> Vec<(String, String)> {
    headers
        .into_iter()
        .map(|(name, value)| {
            let value =
                if name.eq_ignore_ascii_case("authorization") && !value.contains(INVALID_TOKEN) {
                    format!("Bearer {REDACTED}")
                } else {
                    scrub(&value, token)
                };
            (name, value)
        })
        .collect()
}

/// Replaces any occurrence of the token in `text`.
pub fn scrub(text: &str, token: &str) -> String {
    if token.is_empty() {
        text.to_owned()
    } else {
        text.replace(token, REDACTED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
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
    fn options_are_checked() {
        let mut options = ClientOptions::with_timeout(Duration::from_secs(1));
        options.rps = Some(0.0);
        assert!(Client::with_options(options.clone()).is_err());
        options.rps = Some(5.0);
        options.retry.attempts = 0;
        assert!(Client::with_options(options).is_err());
    }

    #[test]
    fn scrubs_authorization_and_token() {
        let headers = scrub_headers(
            vec![
                ("Authorization".into(), "Bearer abc123".into()),
                ("X-Echo".into(), "token abc123 here".into()),
            ],
            "abc123",
        );
        assert_eq!(headers[0].1, "Bearer [redacted]");
        assert_eq!(headers[1].1, "token [redacted] here");
    }
}
