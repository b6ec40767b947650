//! Transport: one attempt of one request over reqwest, and nothing more (no retry, no pacing, no
//! token handling). Builds the reqwest client (connect/read/whole-request timeouts, no redirects),
//! reads the body up to a size cap, and names each failure as an [`ExchangeError`].

use std::time::{Duration, Instant};

use crate::case::model::Method;
use crate::exchange::error::{ExchangeError, TimeoutPhase, TransportStage, cause_chain};
use crate::exchange::record::Received;
use crate::http::Clients;
use crate::target::Secret;

/// Response bodies larger than this (by default) are not read and the exchange is an error.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// The limits one attempt runs under.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Establishing the TCP (and TLS) connection.
    pub connect_timeout: Duration,
    /// The longest silence while waiting for response bytes.
    pub read_timeout: Duration,
    /// One attempt, end to end.
    pub timeout: Duration,
    /// The largest body read, in bytes.
    pub max_body_bytes: usize,
}

/// How long an idle pooled connection is kept for reuse.
const POOL_IDLE: std::time::Duration = std::time::Duration::from_secs(20);

/// The clients (see [`crate::http::Clients`]) with these timeouts that never follow redirects (a
/// token must not travel to another host). Errors are reqwest's builder errors.
pub fn http_client(limits: &Limits) -> Result<Clients, reqwest::Error> {
    let limits = *limits;
    Clients::new(move || {
        reqwest::Client::builder()
            .timeout(limits.timeout)
            .connect_timeout(limits.connect_timeout)
            .read_timeout(limits.read_timeout)
            // Below the idle limits servers keep (the reference server's 30 s, common proxies' 60 s
            // or more), so a pooled connection is never reused just as the server closes it.
            .pool_idle_timeout(POOL_IDLE)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("canvas-conformance/", env!("CARGO_PKG_VERSION")))
    })
}

/// What one attempt sends.
pub struct Request<'a> {
    pub method: Method,
    pub url: &'a str,
    pub headers: &'a [(String, String)],
    pub token: Option<&'a Secret<String>>,
    pub body: Option<&'a str>,
}

/// Sends `request` once and reads the answer whole (up to `limits.max_body_bytes`). An `https://`
/// URL on a machine whose CA certificates cannot be loaded is a [`ExchangeError::Connect`] saying so.
pub async fn attempt(
    http: &Clients,
    limits: &Limits,
    request: &Request<'_>,
) -> Result<Received, ExchangeError> {
    let http = http
        .for_url(request.url)
        .map_err(|e| ExchangeError::Connect {
            detail: e.to_string(),
        })?;
    let method = match request.method {
        Method::Get => reqwest::Method::GET,
        Method::Post => reqwest::Method::POST,
        Method::Put => reqwest::Method::PUT,
        Method::Delete => reqwest::Method::DELETE,
        Method::Patch => reqwest::Method::PATCH,
    };
    let mut builder = http.request(method, request.url);
    for (name, value) in request.headers {
        builder = builder.header(name, value);
    }
    if let Some(token) = request.token {
        builder = builder.bearer_auth(token.expose());
    }
    if let Some(body) = request.body {
        builder = builder.body(body.to_owned());
    }
    let started = Instant::now();
    receive(builder, started, limits).await
}

async fn receive(
    builder: reqwest::RequestBuilder,
    started: Instant,
    limits: &Limits,
) -> Result<Received, ExchangeError> {
    let mut response = builder
        .send()
        .await
        .map_err(|e| describe(&e, limits, started))?;
    let status = response.status().as_u16();
    let too_large = || ExchangeError::BodyTooLarge {
        limit_bytes: limits.max_body_bytes,
        status,
    };
    if response
        .content_length()
        .is_some_and(|length| length > limits.max_body_bytes as u64)
    {
        return Err(too_large());
    }
    let headers: Vec<(String, String)> = response
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
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| after_head(describe(&e, limits, started), status, &headers))?
    {
        if bytes.len() + chunk.len() > limits.max_body_bytes {
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
        truncated: None,
    })
}

/// A body that failed after the head arrived keeps what the head said: its status and `Location`.
fn after_head(error: ExchangeError, status: u16, headers: &[(String, String)]) -> ExchangeError {
    match error {
        ExchangeError::Transport { stage, detail, .. } => ExchangeError::Transport {
            stage,
            detail,
            status: Some(status),
            location: headers
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case("location"))
                .map(|(_, value)| value.clone()),
        },
        other => other,
    }
}

/// The typed failure of an attempt that started at `started`. reqwest does not say which timeout
/// tripped: a connect error is the connect timeout; an attempt that ran the whole request timeout
/// tripped that one (timers never fire early); anything sooner was the read timeout.
fn describe(error: &reqwest::Error, limits: &Limits, started: Instant) -> ExchangeError {
    let detail = cause_chain(error);
    if error.is_timeout() {
        let phase = if error.is_connect() {
            TimeoutPhase::Connect
        } else if started.elapsed() >= limits.timeout {
            TimeoutPhase::WholeRequest
        } else {
            TimeoutPhase::ReadSilence
        };
        ExchangeError::Timeout {
            phase,
            connect_timeout_s: limits.connect_timeout.as_secs_f64(),
            read_timeout_s: limits.read_timeout.as_secs_f64(),
            timeout_s: limits.timeout.as_secs_f64(),
            detail,
        }
    } else if error.is_connect() {
        ExchangeError::Connect { detail }
    } else if error.is_body() || error.is_decode() {
        ExchangeError::Transport {
            stage: TransportStage::ResponseBody,
            detail,
            status: None,
            location: None,
        }
    } else {
        ExchangeError::Transport {
            stage: TransportStage::Request,
            detail,
            status: None,
            location: None,
        }
    }
}
