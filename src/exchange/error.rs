//! Why an exchange got no usable answer, as data: a timeout (and in which phase), a refused
//! connection, a body over the limit, a target still busy after every retry, a token that could not
//! be had, or another transport failure. Its `Display` is the message people read; `report.json`
//! carries the variant itself (`exchange_error: {"kind": "timeout", …}`).

use serde::{Deserialize, Serialize};

pub use crate::target::cause::cause_chain;
use crate::target::cause::causes;

/// One exchange's failure. Serialized with `kind` naming the variant (snake_case) beside its fields.
#[derive(Clone, Debug, PartialEq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExchangeError {
    /// A timeout tripped. The three limits are in seconds (the client's options); `detail` is the
    /// transport's cause chain, `: `-joined (may be empty).
    #[error(
        "timed out (connect timeout {}, read timeout {}, whole request {}){}",
        seconds(*connect_timeout_s),
        seconds(*read_timeout_s),
        seconds(*timeout_s),
        causes(detail)
    )]
    Timeout {
        phase: TimeoutPhase,
        connect_timeout_s: f64,
        read_timeout_s: f64,
        timeout_s: f64,
        detail: String,
    },
    /// The TCP (or TLS) connection could not be established (refused, unreachable, bad name).
    #[error("could not connect{}", causes(detail))]
    Connect { detail: String },
    /// The response body is (or announces itself as) larger than `limit_bytes`; `status` is the
    /// response's status code.
    #[error("the response body is larger than {} (status {status})", size(*limit_bytes))]
    BodyTooLarge { limit_bytes: usize, status: u16 },
    /// The target still answered 429 or 503 after `attempts` attempts (the first included);
    /// `retry_after` is the last answer's `Retry-After` value, verbatim (RFC 9110 §10.2.3).
    #[error(
        "the target still answered {status} after {attempts} attempt{}{}",
        if *attempts == 1 { "" } else { "s" },
        retry_after.as_ref().map(|r| format!(" (last Retry-After: {r})")).unwrap_or_default()
    )]
    StillBusy {
        status: u16,
        attempts: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<String>,
    },
    /// The target's bearer token could not be obtained or renewed; `detail` is the auth layer's
    /// reason (secrets already scrubbed there).
    #[error("could not obtain a token: {detail}")]
    Token { detail: String },
    /// A replay (`canvas-conformance replay`) has no answer for this request: the recording holds
    /// none at its place, or the one it holds was for another request. `detail` says which, with
    /// what was recorded and what would be sent.
    #[error("not replayed: {detail}")]
    NotRecorded { detail: String },
    /// Any other transport failure: the request could not be sent or its answer read. When the
    /// body failed after the head arrived, `status` and `location` are what the head said (a create
    /// whose body was lost still names the appointment it made).
    #[error(
        "{}{}{}",
        stage.summary(),
        status.map(|s| format!(" (status {s})")).unwrap_or_default(),
        causes(detail)
    )]
    Transport {
        stage: TransportStage,
        detail: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        location: Option<String>,
    },
}

/// Which timeout tripped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeoutPhase {
    /// Establishing the connection took longer than the connect timeout.
    Connect,
    /// The attempt as a whole ran past the request timeout (a slow drip trips this one).
    WholeRequest,
    /// The target went silent for longer than the read timeout.
    ReadSilence,
}

/// Where another transport failure happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransportStage {
    /// Sending the request or reading the response head.
    Request,
    /// Reading (or decoding) the response body.
    ResponseBody,
}

impl TransportStage {
    fn summary(self) -> &'static str {
        match self {
            TransportStage::Request => "request failed",
            TransportStage::ResponseBody => "failed to read the response body",
        }
    }
}

impl ExchangeError {
    /// The same error with `f` applied to every free-text field (for scrubbing secrets).
    pub fn map_text(self, f: impl Fn(&str) -> String) -> ExchangeError {
        match self {
            ExchangeError::Timeout {
                phase,
                connect_timeout_s,
                read_timeout_s,
                timeout_s,
                detail,
            } => ExchangeError::Timeout {
                phase,
                connect_timeout_s,
                read_timeout_s,
                timeout_s,
                detail: f(&detail),
            },
            ExchangeError::Connect { detail } => ExchangeError::Connect { detail: f(&detail) },
            ExchangeError::Token { detail } => ExchangeError::Token { detail: f(&detail) },
            ExchangeError::NotRecorded { detail } => {
                ExchangeError::NotRecorded { detail: f(&detail) }
            }
            ExchangeError::Transport {
                stage,
                detail,
                status,
                location,
            } => ExchangeError::Transport {
                stage,
                detail: f(&detail),
                status,
                location: location.map(|l| f(&l)),
            },
            ExchangeError::StillBusy {
                status,
                attempts,
                retry_after,
            } => ExchangeError::StillBusy {
                status,
                attempts,
                retry_after: retry_after.map(|r| f(&r)),
            },
            error @ ExchangeError::BodyTooLarge { .. } => error,
        }
    }
}

fn seconds(value: f64) -> String {
    format!("{value} s")
}

/// `8 MiB` for whole mebibytes, else `N bytes`.
fn size(bytes: usize) -> String {
    if bytes >= 1024 * 1024 && bytes.is_multiple_of(1024 * 1024) {
        format!("{} MiB", bytes / (1024 * 1024))
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_as_before() {
        let timeout = ExchangeError::Timeout {
            phase: TimeoutPhase::WholeRequest,
            connect_timeout_s: 10.0,
            read_timeout_s: 0.8,
            timeout_s: 0.8,
            detail: "operation timed out".to_owned(),
        };
        assert_eq!(
            timeout.to_string(),
            "timed out (connect timeout 10 s, read timeout 0.8 s, whole request 0.8 s): operation timed out"
        );
        let busy = ExchangeError::StillBusy {
            status: 503,
            attempts: 3,
            retry_after: Some("1".to_owned()),
        };
        assert_eq!(
            busy.to_string(),
            "the target still answered 503 after 3 attempts (last Retry-After: 1)"
        );
        let once = ExchangeError::StillBusy {
            status: 429,
            attempts: 1,
            retry_after: None,
        };
        assert_eq!(
            once.to_string(),
            "the target still answered 429 after 1 attempt"
        );
        let big = ExchangeError::BodyTooLarge {
            limit_bytes: 8 * 1024 * 1024,
            status: 200,
        };
        assert_eq!(
            big.to_string(),
            "the response body is larger than 8 MiB (status 200)"
        );
        let odd = ExchangeError::BodyTooLarge {
            limit_bytes: 1000,
            status: 200,
        };
        assert_eq!(
            odd.to_string(),
            "the response body is larger than 1000 bytes (status 200)"
        );
        let connect = ExchangeError::Connect {
            detail: String::new(),
        };
        assert_eq!(connect.to_string(), "could not connect");
        let body = ExchangeError::Transport {
            stage: TransportStage::ResponseBody,
            detail: "connection reset".to_owned(),
            status: None,
            location: None,
        };
        assert_eq!(
            body.to_string(),
            "failed to read the response body: connection reset"
        );
        let after_head = ExchangeError::Transport {
            stage: TransportStage::ResponseBody,
            detail: "connection reset".to_owned(),
            status: Some(201),
            location: Some("/Appointment/x".to_owned()),
        };
        assert_eq!(
            after_head.to_string(),
            "failed to read the response body (status 201): connection reset"
        );
    }

    #[test]
    fn serializes_with_its_kind() {
        let busy = ExchangeError::StillBusy {
            status: 429,
            attempts: 3,
            retry_after: None,
        };
        assert_eq!(
            serde_json::to_value(&busy).expect("json"),
            serde_json::json!({"kind": "still_busy", "status": 429, "attempts": 3})
        );
        let back: ExchangeError =
            serde_json::from_value(serde_json::to_value(&busy).expect("json")).expect("back");
        assert_eq!(back, busy);
    }
}
