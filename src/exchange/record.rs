//! What was sent and what came back, as plain data for checks and reports. Secrets never get here:
//! the sender records the Authorization header as `Bearer [redacted]`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::exchange::error::ExchangeError;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SentRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Received {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// The body as text (lossy UTF-8).
    pub body: String,
    /// The body parsed as JSON, when it is JSON (not serialized: [`Received::parse_body`] restores
    /// it from `body`).
    #[serde(skip)]
    pub json: Option<Value>,
    pub elapsed_ms: u64,
}

impl Received {
    /// `json` from `body`: its JSON value, or `None` when it is empty or not JSON.
    pub fn parse_body(&mut self) {
        self.json = if self.body.trim().is_empty() {
            None
        } else {
            serde_json::from_str(&self.body).ok()
        };
    }

    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One request and its response, or why there was none.
#[derive(Clone, Debug, Serialize)]
pub struct Exchange {
    pub request: SentRequest,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<Received>,
    /// Why no usable response could be had (refused, timed out, reset, too large, a token that
    /// could not be had), or why the one kept is not usable (still busy after every retry).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ExchangeError>,
}
