//! The library's run options: how requests are paced, bounded and retried ([`NetOptions`], in
//! seconds as a user gives them), and the defaults every driver shares (jobs, snapshot folder,
//! a checked FHIR base URL).

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::exchange::send::{ClientOptions, RetryPolicy};
use crate::target::profile::http_url;

/// An option that cannot be used; the message names the flag (`--timeout …`) as the user wrote it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct OptionsError(pub String);

/// How requests are paced, bounded and retried (`run`, `doctor`); every time in seconds.
#[derive(Clone, Debug, PartialEq)]
pub struct NetOptions {
    /// Whole-request timeout per attempt (0 < s ≤ 86 400).
    pub timeout: f64,
    /// Connect timeout.
    pub connect_timeout: f64,
    /// Longest silence while reading a response (`None`: the timeout).
    pub read_timeout: Option<f64>,
    /// At most this many requests per second over all cases (`None`: no limit).
    pub rps: Option<f64>,
    /// Attempts per request when the target answers 429 or 503 (1: no retry).
    pub max_attempts: u32,
    /// Longest wait before a retry whatever Retry-After asks (0: none).
    pub max_retry_wait: f64,
}

impl NetOptions {
    /// The client options these values ask for.
    ///
    /// Errors: a time not in (0, one day], an `rps` not above 0, `max_attempts` 0.
    pub fn client_options(&self) -> Result<ClientOptions, OptionsError> {
        let secs = |name: &str, value: f64| {
            if value.is_finite() && value > 0.0 && value <= 86_400.0 {
                Ok(Duration::from_secs_f64(value))
            } else {
                Err(OptionsError(format!(
                    "--{name} must be a number of seconds above 0 (and at most a day), not {value}"
                )))
            }
        };
        let timeout = secs("timeout", self.timeout)?;
        let mut options = ClientOptions::with_timeout(timeout);
        options.connect_timeout = secs("connect-timeout", self.connect_timeout)?;
        options.read_timeout = match self.read_timeout {
            Some(value) => secs("read-timeout", value)?,
            None => timeout,
        };
        if let Some(rps) = self.rps
            && !(rps.is_finite() && rps > 0.0)
        {
            return Err(OptionsError(format!(
                "--rps must be a number of requests per second above 0, not {rps}"
            )));
        }
        options.rps = self.rps;
        if self.max_attempts == 0 {
            return Err(OptionsError("--max-attempts must be at least 1".to_owned()));
        }
        options.retry = RetryPolicy {
            attempts: self.max_attempts,
            max_wait: if self.max_retry_wait == 0.0 {
                Duration::ZERO
            } else {
                secs("max-retry-wait", self.max_retry_wait)?
            },
            ..RetryPolicy::default()
        };
        Ok(options)
    }
}

/// `snapshots/` beside the case folder (the project root for `cases/`).
pub fn default_snapshots_dir(cases: &Path) -> PathBuf {
    cases
        .parent()
        .unwrap_or_else(|| Path::new(""))
        .join("snapshots")
}

/// Cases in flight at once by default against embedded servers (the work is on this machine's
/// cores): the number of cores (2 when unknown).
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(2, usize::from)
}

/// Cases in flight at once on each target by default against a remote target. The work is waiting
/// on the network, not the cores: enough cases in flight that a 100 ms target's run takes about as
/// long as its longest chain of requests. `--rps` still spaces every request start evenly (no bursts),
/// and a 429 is still waited out as its `Retry-After` asks.
pub const REMOTE_JOBS: usize = 32;

/// The default of `--jobs`: [`REMOTE_JOBS`] for a remote target, else [`default_jobs`].
pub fn default_jobs_for(remote: bool) -> usize {
    if remote { REMOTE_JOBS } else { default_jobs() }
}

/// A FHIR base URL as the harness keeps it: an http(s) URL without a trailing slash.
///
/// Errors: not an http(s) URL (the message starts `--target`, the flag that gives it).
pub fn parse_base_url(url: &str) -> Result<String, OptionsError> {
    http_url(url)
        .map(|url| url.trim_end_matches('/').to_owned())
        .map_err(|problem| OptionsError(format!("--target {problem}")))
}
