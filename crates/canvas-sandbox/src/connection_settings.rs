//! The settings file's `connections:` section: the timeouts, the connection cap and the request
//! log an instance asks for (each optional; `serve`'s options win, then these, then the defaults
//! of `Connections`).

use serde::Deserialize;

/// `connections:` of a settings file; `None` leaves a limit at its default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionSettings {
    /// Seconds to send a request head (default 10).
    #[serde(default)]
    pub header_read_timeout_secs: Option<u64>,
    /// Seconds to send a request body once its head is in (default 30).
    #[serde(default)]
    pub body_read_timeout_secs: Option<u64>,
    /// Seconds a connection with no request in flight may stay silent (default 5).
    #[serde(default)]
    pub idle_timeout_secs: Option<u64>,
    /// Open connections at most (default 512).
    #[serde(default)]
    pub max_connections: Option<u64>,
    /// One log line per request (default false).
    #[serde(default)]
    pub log_requests: Option<bool>,
}

impl ConnectionSettings {
    /// The first limit that is zero, by its key, if any (every limit must be at least 1).
    pub(crate) fn zero_key(&self) -> Option<&'static str> {
        [
            ("header_read_timeout_secs", self.header_read_timeout_secs),
            ("body_read_timeout_secs", self.body_read_timeout_secs),
            ("idle_timeout_secs", self.idle_timeout_secs),
            ("max_connections", self.max_connections),
        ]
        .into_iter()
        .find(|(_, value)| *value == Some(0))
        .map(|(key, _)| key)
    }
}
