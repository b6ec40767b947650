//! Sends a rendered request to a target and records the exchange, politely and resiliently: it
//! composes the request pace (`pace`), one attempt over the wire (`transport`), the retry policy
//! for 429/503 (`retry`), one renewal of an OAuth token after a 401 (the target's auth), and
//! scrubbing of secrets as it records (`scrub`), so nothing downstream can leak them.

use std::sync::Arc;
use std::time::Duration;

use crate::case::model::AuthMode;
use crate::exchange::error::ExchangeError;
use crate::exchange::pace::Pace;
use crate::exchange::record::{Exchange, SentRequest};
use crate::exchange::render::{Outgoing, path_and_query};
use crate::exchange::retry::Next;
use crate::exchange::scrub::{INVALID_TOKEN, REDACTED, scrub_error, scrub_headers, scrub_received};
use crate::exchange::transport::{self, Limits};
use crate::target::{Secret, Target};

pub use crate::exchange::retry::RetryPolicy;
pub use crate::exchange::transport::MAX_BODY_BYTES;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("failed to build the HTTP client: {0}")]
    Build(#[from] reqwest::Error),
    #[error("invalid client option: {0}")]
    Option(String),
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

    fn limits(&self) -> Limits {
        Limits {
            connect_timeout: self.connect_timeout,
            read_timeout: self.read_timeout,
            timeout: self.timeout,
            max_body_bytes: self.max_body_bytes,
        }
    }
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    options: Arc<ClientOptions>,
    pace: Option<Arc<Pace>>,
}

impl Client {
    /// A client with default options and this per-request timeout.
    pub fn new(timeout: Duration) -> Result<Client, ClientError> {
        Client::with_options(ClientOptions::with_timeout(timeout))
    }

    pub fn with_options(options: ClientOptions) -> Result<Client, ClientError> {
        let pace = match options.rps {
            None => None,
            Some(rps) => Some(Arc::new(Pace::per_second(rps).ok_or_else(|| {
                ClientError::Option(format!(
                    "requests per second must be a positive number, not {rps}"
                ))
            })?)),
        };
        if options.retry.attempts == 0 {
            return Err(ClientError::Option(
                "retry attempts must be at least 1".to_owned(),
            ));
        }
        let http = transport::http_client(&options.limits())?;
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
        let limits = self.options.limits();
        let mut renewed = false;
        let mut attempt = 1;
        loop {
            let token = match out.auth {
                AuthMode::Target => target
                    .auth
                    .bearer()
                    .await
                    .map(Some)
                    .map_err(|e| e.to_string()),
                AuthMode::ReadOnly => target
                    .read_only_bearer()
                    .await
                    .map(Some)
                    .map_err(|e| format!("could not obtain a read-only token: {e}")),
                AuthMode::Invalid => Ok(Some(Secret::new(INVALID_TOKEN.to_owned()))),
                AuthMode::None => Ok(None),
            };
            let token = match token {
                Ok(token) => token,
                Err(detail) => {
                    return Exchange {
                        request,
                        response: None,
                        error: Some(ExchangeError::Token { detail }),
                    };
                }
            };
            let secret = token
                .as_ref()
                .filter(|_| matches!(out.auth, AuthMode::Target | AuthMode::ReadOnly))
                .map_or("", |t| t.expose().as_str());
            request.headers = scrub_headers(std::mem::take(&mut request.headers), secret);
            if let Some(pace) = &self.pace {
                pace.wait().await;
            }
            let one = transport::Request {
                method: out.method,
                url: &url,
                headers: &headers,
                token: token.as_ref(),
                body: out.body.as_deref(),
            };
            let received = match transport::attempt(&self.http, &limits, &one).await {
                Ok(received) => scrub_received(received, secret),
                Err(error) => {
                    return Exchange {
                        request,
                        response: None,
                        error: Some(scrub_error(error, secret)),
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
            let retry_after = received.header("retry-after").map(str::to_owned);
            match self
                .options
                .retry
                .next(attempt, received.status, retry_after.as_deref())
            {
                Next::Keep => {
                    return Exchange {
                        request,
                        response: Some(received),
                        error: None,
                    };
                }
                Next::RetryAfter(wait) => {
                    tracing::info!(
                        url = %url,
                        status = received.status,
                        wait_ms = wait.as_millis() as u64,
                        "target asked to retry later"
                    );
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                Next::GiveUp(error) => {
                    return Exchange {
                        request,
                        response: Some(received),
                        error: Some(error),
                    };
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_checked() {
        let mut options = ClientOptions::with_timeout(Duration::from_secs(1));
        options.rps = Some(0.0);
        assert!(Client::with_options(options.clone()).is_err());
        options.rps = Some(5.0);
        options.retry.attempts = 0;
        assert!(Client::with_options(options).is_err());
    }
}
