//! Sends a rendered request to a target and records the exchange, politely and resiliently: it
//! composes the request pace (`pace`), one attempt over the wire (`transport`), the retry policy
//! (`retry`: 429/503, and lost answers on an idempotent client), one renewal of an OAuth token
//! after a 401 (the target's auth), and scrubbing of secrets as it records (`scrub`). A case's
//! own token request goes to the target's token URL (again only after a 429 or 503), its
//! credentials and the tokens it is answered with kept out of the record. A recording client also
//! streams each exchange to a recording (`recorder`); a replaying one answers from a recording
//! (`replay`) and has no HTTP client at all.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use crate::case::model::{AuthMode, Method};
use crate::exchange::error::ExchangeError;
use crate::exchange::hold::Hold;
use crate::exchange::pace::Pace;
use crate::exchange::record::{Exchange, SentRequest};
use crate::exchange::recorder::Recorder;
use crate::exchange::render::{Outgoing, path_and_query};
use crate::exchange::replay::Replayer;
use crate::exchange::retry::{Next, after_failure, next};
use crate::exchange::scrub::{
    INVALID_TOKEN, REDACTED, scrub_error, scrub_headers, scrub_issued_tokens, scrub_received,
};
use crate::exchange::tape::{CaseFacts, Line, Slot, Taped, without_userinfo};
use crate::exchange::traffic::{Counter, Traffic};
use crate::exchange::transport::{self, Limits};
use crate::http::Clients;
use crate::target::TokenFields;
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

/// Sends requests. Cheap to clone (clones share the HTTP client, pace and recording); see
/// [`Client::at`] for the slot its exchanges are recorded (and replayed) under.
#[derive(Clone)]
pub struct Client {
    way: Way,
    options: Arc<ClientOptions>,
    pace: Option<Arc<Pace>>,
    slot: Arc<Place>,
    /// Every request this client sends is idempotent (see [`Client::idempotent`]).
    idempotent: bool,
    /// What this client and its clones sent.
    counter: Arc<Counter>,
    /// Targets that answered 429 and asked every request to wait.
    hold: Arc<Hold>,
}

/// Over the wire (recording each exchange, or not), or from a recording.
#[derive(Clone)]
enum Way {
    Live {
        http: Arc<Clients>,
        recorder: Option<Arc<Recorder>>,
    },
    Replay(Arc<Replayer>),
}

/// The slot a client's exchanges belong to, and how many it has sent there.
#[derive(Default)]
struct Place {
    slot: Slot,
    sent: AtomicU32,
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
        let http = Arc::new(transport::http_client(&options.limits())?);
        Ok(Client {
            way: Way::Live {
                http,
                recorder: None,
            },
            options: Arc::new(options),
            pace,
            slot: Arc::default(),
            idempotent: false,
            counter: Arc::default(),
            hold: Arc::default(),
        })
    }

    /// A client that answers every request from `recording` and sends nothing: it has no HTTP
    /// client, no pace and asks no token.
    pub fn replaying(recording: Arc<Replayer>, options: ClientOptions) -> Client {
        Client {
            way: Way::Replay(recording),
            options: Arc::new(options),
            pace: None,
            slot: Arc::default(),
            idempotent: false,
            counter: Arc::default(),
            hold: Arc::default(),
        }
    }

    /// The same client for requests that may be sent twice with the same effect (reads, searches,
    /// a write-back of a whole resource): an attempt whose answer was lost on the way (a reset, a
    /// cut body, a timeout, a refused connection) is tried again under the same retry policy as a
    /// 429 or 503 (the same attempts, the same backoff). Never for a create.
    pub fn idempotent(&self) -> Client {
        Client {
            idempotent: true,
            ..self.clone()
        }
    }

    /// This client, also streaming every exchange to `recorder` (`run --record`). A replaying
    /// client stays as it is.
    pub fn recording(mut self, recorder: Arc<Recorder>) -> Client {
        if let Way::Live { recorder: slot, .. } = &mut self.way {
            *slot = Some(recorder);
        }
        self
    }

    /// The recorder this client streams to, if it records.
    pub fn recorder(&self) -> Option<&Arc<Recorder>> {
        match &self.way {
            Way::Live { recorder, .. } => recorder.as_ref(),
            Way::Replay(_) => None,
        }
    }

    /// Whether this client answers from a recording.
    pub fn is_replay(&self) -> bool {
        matches!(self.way, Way::Replay(_))
    }

    /// The same client for the exchanges of `slot` (a case's step, or cleanup's): they are
    /// recorded under it, numbered from 0 in the order sent, and a replay answers them by it.
    pub fn at(&self, slot: Slot) -> Client {
        Client {
            slot: Arc::new(Place {
                slot,
                sent: AtomicU32::new(0),
            }),
            ..self.clone()
        }
    }

    /// The run-specific facts case `case` (`edition/name`) renders with on `target`: `index` (its
    /// time slot) and `now` as given, recorded when recording; as recorded when replaying (as
    /// given when the recording lacks the case).
    pub fn case_facts(
        &self,
        target: &str,
        case: &str,
        index: usize,
        now: jiff::Timestamp,
    ) -> (usize, jiff::Timestamp) {
        match &self.way {
            Way::Replay(replayer) => replayer
                .case_facts(target, case)
                .map_or((index, now), |facts| (facts.index, facts.now)),
            Way::Live { recorder, .. } => {
                if let Some(recorder) = recorder {
                    recorder.write(&Line::Case(CaseFacts {
                        target: target.to_owned(),
                        case: case.to_owned(),
                        index,
                        now,
                    }));
                }
                (index, now)
            }
        }
    }

    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// What this client and every clone of it sent so far.
    pub fn traffic(&self) -> Traffic {
        self.counter.traffic()
    }

    /// Sends `out` to `target`; a transport failure, a token that could not be had, or a target
    /// still busy after every retry is recorded in the exchange's `error`, not returned. Replaying,
    /// the recorded exchange at this place answers instead (or a `not_recorded` error).
    pub async fn send(&self, target: &Target, out: &Outgoing) -> Exchange {
        let ordinal = self.slot.sent.fetch_add(1, Ordering::SeqCst);
        let (http, recorder) = match &self.way {
            Way::Replay(replayer) => {
                let (mut request, _) = sent_request(target, out);
                request.headers = scrub_headers(request.headers, "");
                request.url = without_userinfo(&request.url);
                return replayer.answer(&target.label, &self.slot.slot, ordinal, request);
            }
            Way::Live { http, recorder } => (http, recorder),
        };
        let exchange = self.send_live(http, target, out).await;
        if let Some(recorder) = recorder {
            recorder.write(&Line::Exchange(Box::new(Taped {
                target: target.label.clone(),
                slot: self.slot.slot.clone(),
                ordinal,
                request: SentRequest {
                    url: without_userinfo(&exchange.request.url),
                    ..exchange.request.clone()
                },
                response: exchange.response.clone(),
                error: exchange.error.clone(),
            })));
        }
        exchange
    }

    /// A case's token request: to the target's token URL with its client's credentials (never
    /// recorded), the tokens of the answer redacted; asked again only after a 429 or 503.
    async fn send_token_request(
        &self,
        http: &Clients,
        target: &Target,
        fields: &TokenFields,
        request: SentRequest,
        headers: &[(String, String)],
    ) -> Exchange {
        let call = match target.token_call(fields) {
            Ok(call) => call,
            Err(e) => {
                return Exchange {
                    request,
                    response: None,
                    error: Some(ExchangeError::Token {
                        detail: format!("could not send the token request: {e}"),
                    }),
                };
            }
        };
        let mut attempt = 1;
        loop {
            self.hold.wait(&target.label).await;
            if let Some(pace) = &self.pace {
                pace.wait().await;
            }
            self.counter.attempt(attempt);
            let one = transport::Request {
                method: Method::Post,
                url: &call.url,
                headers,
                token: None,
                body: Some(call.form.expose()),
            };
            let received = match transport::attempt(http, &self.options.limits(), &one).await {
                Ok(received) => received,
                Err(error) => {
                    return Exchange {
                        request,
                        response: None,
                        error: Some(error),
                    };
                }
            };
            // A busy token URL (429/503) did not handle the request: asked again, as any request.
            let retry_after = received.header("retry-after").map(str::to_owned);
            if let Some(wait) = self.options.retry.wait_after_status(
                attempt,
                received.status,
                retry_after.as_deref(),
            ) {
                tokio::time::sleep(wait).await;
                attempt += 1;
                continue;
            }
            return Exchange {
                request,
                response: Some(scrub_issued_tokens(received)),
                error: None,
            };
        }
    }

    async fn send_live(&self, http: &Clients, target: &Target, out: &Outgoing) -> Exchange {
        let (mut request, headers) = sent_request(target, out);
        if let Some(fields) = out.token_request() {
            return self
                .send_token_request(http, target, fields, request, &headers)
                .await;
        }
        let url = request.url.clone();
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
                    .read_only_bearer_with(&self.options.retry)
                    .await
                    .map(Some)
                    .map_err(|e| format!("could not obtain a read-only token: {e}")),
                AuthMode::Scoped => {
                    let fields = out.scoped_bearer();
                    target
                        .scoped_bearer_with(&fields, &self.options.retry)
                        .await
                        .map(Some)
                        .map_err(|e| {
                            format!("could not obtain a token of {}: {e}", fields.describe())
                        })
                }
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
                .filter(|_| {
                    matches!(
                        out.auth,
                        AuthMode::Target | AuthMode::ReadOnly | AuthMode::Scoped
                    )
                })
                .map_or("", |t| t.expose().as_str());
            request.headers = scrub_headers(std::mem::take(&mut request.headers), secret);
            self.hold.wait(&target.label).await;
            if let Some(pace) = &self.pace {
                pace.wait().await;
            }
            self.counter.attempt(attempt);
            let one = transport::Request {
                method: out.method,
                url: &url,
                headers: &headers,
                token: token.as_ref(),
                body: out.body.as_deref(),
            };
            let received = match transport::attempt(http, &limits, &one).await {
                Ok(received) => scrub_received(received, secret),
                Err(error) => {
                    let error = scrub_error(error, secret);
                    if self.idempotent
                        && let Some(wait) = after_failure(&self.options.retry, attempt, &error)
                    {
                        tracing::info!(
                            url = %url,
                            error = %error,
                            wait_ms = wait.as_millis() as u64,
                            "the answer was lost; sending the idempotent request again"
                        );
                        tokio::time::sleep(wait).await;
                        attempt += 1;
                        continue;
                    }
                    return Exchange {
                        request,
                        response: None,
                        error: Some(error),
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
            match next(
                &self.options.retry,
                attempt,
                received.status,
                retry_after.as_deref(),
            ) {
                Next::Keep => {
                    return Exchange {
                        request,
                        response: Some(received),
                        error: None,
                    };
                }
                Next::RetryAfter(wait) => {
                    if received.status == 429 && retry_after.is_some() {
                        // The target limits its rate: every case waits, not only this one.
                        self.hold
                            .hold(&target.label, tokio::time::Instant::now() + wait);
                    }
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

/// The request as recorded (Authorization shown as `Bearer [redacted]`, or the harness's invalid
/// token; a token request's form with the client's credentials redacted) and the headers sent
/// without the token, which each attempt adds.
fn sent_request(target: &Target, out: &Outgoing) -> (SentRequest, Vec<(String, String)>) {
    if let Some(fields) = out.token_request() {
        let headers: Vec<(String, String)> = vec![
            ("Accept".into(), "application/json".into()),
            (
                "Content-Type".into(),
                "application/x-www-form-urlencoded".into(),
            ),
        ];
        let request = SentRequest {
            method: out.method.as_str().to_owned(),
            url: target.token_url(),
            headers: headers.clone(),
            body: Some(Target::recorded_token_form(fields)),
        };
        return (request, headers);
    }
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
        AuthMode::Target | AuthMode::ReadOnly | AuthMode::Scoped => {
            recorded_headers.push(("Authorization".into(), format!("Bearer {REDACTED}")));
        }
        AuthMode::Invalid => {
            recorded_headers.push(("Authorization".into(), format!("Bearer {INVALID_TOKEN}")));
        }
        AuthMode::None => {}
    }
    let request = SentRequest {
        method: out.method.as_str().to_owned(),
        url,
        headers: recorded_headers,
        body: out.body.clone(),
    };
    (request, headers)
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
