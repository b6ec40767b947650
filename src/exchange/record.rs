//! What was sent and what came back, as plain data for checks and reports. Secrets never get here:
//! the sender records the Authorization header as `Bearer [redacted]`.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

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
    /// The body parsed as JSON, when it is JSON (dropped by [`Received::slim`]; not serialized:
    /// [`Received::parse_body`] restores it from `body`).
    #[serde(skip)]
    pub json: Option<Value>,
    pub elapsed_ms: u64,
    /// Set when [`Received::slim`] cut `body` short: what the whole body was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub truncated: Option<Truncation>,
}

/// The mark a cut body carries: the whole body's length and digest, so two runs can still be
/// compared and the cut is never mistaken for the answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Truncation {
    /// The whole body's length in bytes (UTF-8 as kept, after lossy decoding).
    pub bytes: usize,
    /// SHA-256 of the whole body (FIPS 180-4), lower-case hex.
    pub sha256: String,
}

/// How much of a passing step's response body a run keeps (bytes): enough to read what it
/// answered in the reports, so a run's memory follows its largest response, not the sum of them
/// all. Failing and erroring steps keep whole bodies (report.json has them in full).
pub const PASSING_BODY_CAP: usize = 4_000;

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

    /// Drops the parsed JSON and cuts the body to at most `cap` bytes (at a character boundary),
    /// marking the cut with the whole body's length and SHA-256. For exchanges whose step passed:
    /// every check has seen the whole body by then.
    pub fn slim(&mut self, cap: usize) {
        self.json = None;
        if self.body.len() <= cap || self.truncated.is_some() {
            return;
        }
        let digest = Sha256::digest(self.body.as_bytes());
        let sha256 = digest.iter().map(|b| format!("{b:02x}")).collect();
        let bytes = self.body.len();
        let mut end = cap;
        while !self.body.is_char_boundary(end) {
            end -= 1;
        }
        self.body.truncate(end);
        self.body.shrink_to_fit();
        self.truncated = Some(Truncation { bytes, sha256 });
    }
}

impl Exchange {
    /// [`Received::slim`] on the response, if any.
    pub fn slim(&mut self, cap: usize) {
        if let Some(received) = &mut self.response {
            received.slim(cap);
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn received(body: &str) -> Received {
        Received {
            status: 200,
            headers: Vec::new(),
            body: body.to_owned(),
            json: serde_json::from_str(body).ok(),
            elapsed_ms: 0,
            truncated: None,
        }
    }

    #[test]
    fn slim_cuts_long_bodies_at_a_character_boundary_and_marks_the_cut() {
        // "é" is two bytes: a cap of 4 falls inside the second one.
        let mut r = received("\"éééé\"");
        r.slim(4);
        assert_eq!(r.body, "\"é");
        assert!(r.json.is_none());
        let mark = r.truncated.clone().expect("cut");
        assert_eq!(mark.bytes, 10);
        // SHA-256 of the whole body, as `printf '"éééé"' | sha256sum` gives it.
        assert_eq!(
            mark.sha256,
            "829b6f9c8b12c887dec9fd39716e341fb43e5ecca2372e6f0c0d0ff113a4da87"
        );
        // A body within the cap is kept whole (its JSON still dropped).
        let mut short = received("{\"a\":1}");
        short.slim(100);
        assert_eq!(short.body, "{\"a\":1}");
        assert_eq!(short.truncated, None);
        assert!(short.json.is_none());
        // Slimming again changes nothing.
        r.slim(2);
        assert_eq!(r.body, "\"é");
        assert_eq!(r.truncated, Some(mark));
    }
}
