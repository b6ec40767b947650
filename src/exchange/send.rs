//! Sends a rendered request to a target with reqwest and records the exchange. Never follows
//! redirects (a token must not travel to another host); bounds the body size; scrubs secrets as it
//! records, so nothing downstream can leak them.

use std::time::{Duration, Instant};

use crate::case::model::{AuthMode, Method};
use crate::exchange::record::{Exchange, Received, SentRequest};
use crate::exchange::render::{Outgoing, path_and_query};
use crate::target::Target;

/// Response bodies larger than this are cut off and the exchange is an error.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

const REDACTED: &str = "[redacted]";

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("failed to build the HTTP client: {0}")]
    Build(#[from] reqwest::Error),
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
}

impl Client {
    pub fn new(timeout: Duration) -> Result<Client, ClientError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("canvas-conformance/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Client { http })
    }

    /// Sends `out` to `target`; a transport failure is recorded in the exchange, not returned.
    pub async fn send(&self, target: &Target, out: &Outgoing) -> Exchange {
        let url = format!(
            "{}{}",
            target.base_url.trim_end_matches('/'),
            path_and_query(&out.path, &out.query)
        );
        let method = match out.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
        };
        let mut headers: Vec<(String, String)> = vec![("Accept".into(), "application/json".into())];
        if out.body.is_some() {
            headers.push(("Content-Type".into(), "application/json".into()));
        }
        headers.extend(out.headers.iter().cloned());
        let mut builder = self.http.request(method, &url);
        for (name, value) in &headers {
            builder = builder.header(name, value);
        }
        let token_shown = match out.auth {
            AuthMode::Target => {
                builder = builder.bearer_auth(target.token.expose());
                Some(format!("Bearer {REDACTED}"))
            }
            AuthMode::Invalid => {
                builder = builder.bearer_auth("invalid-token-canvas-conformance");
                Some("Bearer invalid-token-canvas-conformance".to_owned())
            }
            AuthMode::None => None,
        };
        if let Some(body) = &out.body {
            builder = builder.body(body.clone());
        }
        let mut recorded_headers = headers;
        if let Some(shown) = token_shown {
            recorded_headers.push(("Authorization".into(), shown));
        }
        let request = SentRequest {
            method: out.method.as_str().to_owned(),
            url: url.clone(),
            headers: scrub_headers(recorded_headers, target.token.expose()),
            body: out.body.clone(),
        };
        let started = Instant::now();
        match receive(builder, started).await {
            Ok(mut received) => {
                received.headers = scrub_headers(received.headers, target.token.expose());
                Exchange {
                    request,
                    response: Some(received),
                    error: None,
                }
            }
            Err(error) => Exchange {
                request,
                response: None,
                error: Some(scrub(&error, target.token.expose())),
            },
        }
    }
}

async fn receive(builder: reqwest::RequestBuilder, started: Instant) -> Result<Received, String> {
    let mut response = builder.send().await.map_err(describe)?;
    let status = response.status().as_u16();
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
    while let Some(chunk) = response.chunk().await.map_err(describe)? {
        if bytes.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(format!(
                "response body larger than {} MiB",
                MAX_BODY_BYTES / (1024 * 1024)
            ));
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

fn describe(error: reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else if error.is_body() || error.is_decode() {
        "failed to read the response body"
    } else {
        "request failed"
    };
    // The URL is already in the exchange; keep the chain of causes, not reqwest's own URL echo.
    let mut message = kind.to_owned();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

fn scrub_headers(headers: Vec<(String, String)>, token: &str) -> Vec<(String, String)> {
    headers
        .into_iter()
        .map(|(name, value)| {
            let value = if name.eq_ignore_ascii_case("authorization")
                && !value.contains("invalid-token-canvas-conformance")
            {
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
