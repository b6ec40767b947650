//! What a server injects: the delay per request, each fault's rate, the seed, and the values
//! the faults carry (`Retry-After`, how slow a slow body is); the settings file's `faults:` key.

use std::fmt;
use std::str::FromStr;

use serde::Deserialize;

/// Rates are kept in parts per million so that settings stay comparable (`Eq`).
const MILLION: u32 = 1_000_000;

/// A fault's rate: the share of requests that get it, from 0 to 1 (kept to a millionth).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rate(u32);

/// Why a rate was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RateError {
    #[error("rate `{0}` is not a number")]
    NotANumber(String),
    #[error("rate {0} is not between 0 and 1")]
    OutOfRange(f64),
}

impl Rate {
    /// No request gets the fault.
    pub const NEVER: Rate = Rate(0);

    /// The rate `share` (0 to 1).
    pub fn new(share: f64) -> Result<Rate, RateError> {
        if !(0.0..=1.0).contains(&share) {
            return Err(RateError::OutOfRange(share));
        }
        Ok(Rate((share * f64::from(MILLION)).round() as u32))
    }

    /// The rate in parts per million.
    pub fn per_million(self) -> u32 {
        self.0
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", f64::from(self.0) / f64::from(MILLION))
    }
}

impl FromStr for Rate {
    type Err = RateError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let share: f64 = text
            .trim()
            .parse()
            .map_err(|_| RateError::NotANumber(text.to_string()))?;
        Rate::new(share)
    }
}

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let share = f64::deserialize(deserializer)?;
        Rate::new(share).map_err(serde::de::Error::custom)
    }
}

/// Latency and faults of one server (settings key `faults:`, `serve --latency`, `--fault-*`).
/// The default injects nothing. One draw per request, in arrival order, from `seed`: the same
/// seed and the same sequence of requests give the same faults.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Faults {
    /// The seed of the draws.
    pub seed: u64,
    /// The delay before every request is handled, in milliseconds.
    pub latency_ms: u64,
    /// A further delay drawn uniformly between 0 and this, per request, in milliseconds.
    pub jitter_ms: u64,
    /// Requests refused with 429 Too Many Requests and `Retry-After` (not handled).
    pub too_many_requests: Rate,
    /// Requests refused with 503 Service Unavailable and `Retry-After` (not handled).
    pub unavailable: Rate,
    /// Requests handled whose connection is then reset before any answer is written.
    pub reset: Rate,
    /// Requests handled whose answer stops halfway through its declared `Content-Length`.
    pub cut_body: Rate,
    /// Requests handled whose answer's body comes in ten pieces over `slow_body_ms`.
    pub slow_body: Rate,
    /// The `Retry-After` of 429 and 503 answers, in seconds.
    pub retry_after_secs: u64,
    /// How long a slow body takes, in milliseconds.
    pub slow_body_ms: u64,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            seed: 0,
            latency_ms: 0,
            jitter_ms: 0,
            too_many_requests: Rate::NEVER,
            unavailable: Rate::NEVER,
            reset: Rate::NEVER,
            cut_body: Rate::NEVER,
            slow_body: Rate::NEVER,
            retry_after_secs: 1,
            slow_body_ms: 2_000,
        }
    }
}

/// What is injected, in words: `latency 100 ms (+ up to 20 ms), 503 at 0.05 (Retry-After 1 s),
/// seed 27`; `none` when nothing is.
impl fmt::Display for Faults {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        if self.latency_ms > 0 || self.jitter_ms > 0 {
            let jitter = if self.jitter_ms > 0 {
                format!(" (+ up to {} ms)", self.jitter_ms)
            } else {
                String::new()
            };
            parts.push(format!("latency {} ms{jitter}", self.latency_ms));
        }
        let refusals = self.too_many_requests.per_million() + self.unavailable.per_million();
        for (name, rate) in [
            ("429", self.too_many_requests),
            ("503", self.unavailable),
            ("reset", self.reset),
            ("cut body", self.cut_body),
            ("slow body", self.slow_body),
        ] {
            if rate.per_million() > 0 {
                parts.push(format!("{name} at {rate}"));
            }
        }
        if refusals > 0 {
            parts.push(format!("Retry-After {} s", self.retry_after_secs));
        }
        if self.slow_body.per_million() > 0 {
            parts.push(format!("slow bodies over {} ms", self.slow_body_ms));
        }
        if self.total().per_million() > 0 || self.jitter_ms > 0 {
            parts.push(format!("seed {}", self.seed));
        }
        if parts.is_empty() {
            return f.write_str("none");
        }
        f.write_str(&parts.join(", "))
    }
}

impl Faults {
    /// Whether the server injects anything at all.
    pub fn is_off(&self) -> bool {
        self.latency_ms == 0 && self.jitter_ms == 0 && self.total().per_million() == 0
    }

    /// Checks that the rates add up to at most 1.
    pub fn check(&self) -> Result<(), String> {
        let sum: u64 = self
            .rates()
            .iter()
            .map(|r| u64::from(r.per_million()))
            .sum();
        if sum > u64::from(MILLION) {
            return Err(format!(
                "the fault rates add up to {}, more than 1",
                sum as f64 / f64::from(MILLION)
            ));
        }
        Ok(())
    }

    /// The rates in the order draws are cut: 429, 503, reset, cut body, slow body.
    pub(crate) fn rates(&self) -> [Rate; 5] {
        [
            self.too_many_requests,
            self.unavailable,
            self.reset,
            self.cut_body,
            self.slow_body,
        ]
    }

    fn total(&self) -> Rate {
        Rate(self.rates().iter().map(|r| r.per_million()).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_read_as_words_and_only_what_is_on() {
        assert_eq!(Faults::default().to_string(), "none");
        let faults = Faults {
            latency_ms: 100,
            jitter_ms: 20,
            unavailable: Rate::new(0.05).expect("a rate"),
            seed: 27,
            ..Faults::default()
        };
        assert_eq!(
            faults.to_string(),
            "latency 100 ms (+ up to 20 ms), 503 at 0.05, Retry-After 1 s, seed 27"
        );
        let latency = Faults {
            latency_ms: 100,
            ..Faults::default()
        };
        assert_eq!(latency.to_string(), "latency 100 ms");
    }

    #[test]
    fn rates_parse_and_refuse() {
        assert_eq!("0.05".parse::<Rate>().unwrap().per_million(), 50_000);
        assert_eq!("1".parse::<Rate>().unwrap().per_million(), MILLION);
        assert!(matches!(
            "1.5".parse::<Rate>(),
            Err(RateError::OutOfRange(_))
        ));
        assert!(matches!("x".parse::<Rate>(), Err(RateError::NotANumber(_))));
    }

    #[test]
    fn the_default_is_off_and_rates_add_up_to_one_at_most() {
        assert!(Faults::default().is_off());
        let faults = Faults {
            unavailable: Rate::new(0.6).unwrap(),
            reset: Rate::new(0.5).unwrap(),
            ..Faults::default()
        };
        assert!(faults.check().unwrap_err().contains("more than 1"));
    }
}
