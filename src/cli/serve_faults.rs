//! `serve`'s latency and fault options (`--latency`, `--jitter`, `--fault-*`): each one given
//! wins over the settings file's `faults:` key of the same name.

use canvas_sandbox::{Faults, Rate};

/// Injected latency and faults (off unless given here or in the settings file).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct FaultArgs {
    /// Delay every request by MS milliseconds before handling it.
    #[arg(long, value_name = "MS")]
    pub latency: Option<u64>,
    /// Add a delay drawn between 0 and MS milliseconds to every request.
    #[arg(long, value_name = "MS")]
    pub jitter: Option<u64>,
    /// The seed of the draws (the same seed and requests give the same faults).
    #[arg(long, value_name = "N")]
    pub fault_seed: Option<u64>,
    /// Share of requests (0 to 1) refused with 429 and Retry-After.
    #[arg(long, value_name = "RATE")]
    pub fault_429: Option<Rate>,
    /// Share of requests (0 to 1) refused with 503 and Retry-After.
    #[arg(long, value_name = "RATE")]
    pub fault_503: Option<Rate>,
    /// Share of requests (0 to 1) handled, then their connection reset instead of answered.
    #[arg(long, value_name = "RATE")]
    pub fault_reset: Option<Rate>,
    /// Share of requests (0 to 1) whose answer stops halfway through its body.
    #[arg(long, value_name = "RATE")]
    pub fault_cut_body: Option<Rate>,
    /// Share of requests (0 to 1) whose answer's body comes slowly (over --slow-body-ms).
    #[arg(long, value_name = "RATE")]
    pub fault_slow_body: Option<Rate>,
    /// The Retry-After of injected 429 and 503 answers, in seconds (default 1).
    #[arg(long, value_name = "SECS")]
    pub retry_after: Option<u64>,
    /// How long a slow body takes, in milliseconds (default 2000).
    #[arg(long, value_name = "MS")]
    pub slow_body_ms: Option<u64>,
}

impl FaultArgs {
    /// `faults` with every option given here put over it.
    pub fn apply(&self, faults: &mut Faults) {
        let set = |value: Option<u64>, field: &mut u64| {
            if let Some(value) = value {
                *field = value;
            }
        };
        set(self.latency, &mut faults.latency_ms);
        set(self.jitter, &mut faults.jitter_ms);
        set(self.fault_seed, &mut faults.seed);
        set(self.retry_after, &mut faults.retry_after_secs);
        set(self.slow_body_ms, &mut faults.slow_body_ms);
        for (value, field) in [
            (self.fault_429, &mut faults.too_many_requests),
            (self.fault_503, &mut faults.unavailable),
            (self.fault_reset, &mut faults.reset),
            (self.fault_cut_body, &mut faults.cut_body),
            (self.fault_slow_body, &mut faults.slow_body),
        ] {
            if let Some(value) = value {
                *field = value;
            }
        }
    }
}
