//! The draws: one per request in arrival order, from the seed (SplitMix64), deciding the
//! request's delay and which fault, if any, it gets.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::config::Faults;

/// One injected fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fault {
    TooManyRequests,
    Unavailable,
    Reset,
    CutBody,
    SlowBody,
}

impl Fault {
    /// In the order of [`Faults::rates`].
    const ALL: [Fault; 5] = [
        Fault::TooManyRequests,
        Fault::Unavailable,
        Fault::Reset,
        Fault::CutBody,
        Fault::SlowBody,
    ];

    /// The name the request log and the `X-Sandbox-Fault` header give it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Fault::TooManyRequests => "too-many-requests",
            Fault::Unavailable => "unavailable",
            Fault::Reset => "reset",
            Fault::CutBody => "cut-body",
            Fault::SlowBody => "slow-body",
        }
    }
}

/// What one request gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Draw {
    pub(crate) delay: Duration,
    pub(crate) fault: Option<Fault>,
}

/// The server's faults and its count of requests drawn for.
#[derive(Debug)]
pub(crate) struct Injector {
    pub(crate) faults: Faults,
    drawn: AtomicU64,
}

impl Injector {
    pub(crate) fn new(faults: Faults) -> Self {
        Injector {
            faults,
            drawn: AtomicU64::new(0),
        }
    }

    /// The next request's draw.
    pub(crate) fn next(&self) -> Draw {
        let n = self.drawn.fetch_add(1, Ordering::Relaxed);
        draw(&self.faults, n)
    }
}

/// The draw of the `n`th request (a pure function of the faults and `n`).
pub(crate) fn draw(faults: &Faults, n: u64) -> Draw {
    let base = faults.seed ^ n.wrapping_mul(0xD1B5_4A32_D192_ED03);
    let pick = splitmix64(base) % 1_000_000;
    let jitter = match faults.jitter_ms {
        0 => 0,
        max => splitmix64(base ^ 0xA076_1D64_78BD_642F) % (max + 1),
    };
    let mut edge = 0u64;
    let mut fault = None;
    for (rate, kind) in faults.rates().into_iter().zip(Fault::ALL) {
        edge += u64::from(rate.per_million());
        if pick < edge {
            fault = Some(kind);
            break;
        }
    }
    Draw {
        delay: Duration::from_millis(faults.latency_ms + jitter),
        fault,
    }
}

/// SplitMix64's output function: a well-mixed 64-bit value from any input.
fn splitmix64(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::super::config::Rate;
    use super::*;

    #[test]
    fn each_fault_comes_at_its_rate_and_the_seed_repeats_it() {
        let faults = Faults {
            seed: 42,
            jitter_ms: 50,
            latency_ms: 100,
            too_many_requests: Rate::new(0.1).unwrap(),
            unavailable: Rate::new(0.05).unwrap(),
            reset: Rate::new(0.02).unwrap(),
            cut_body: Rate::new(0.02).unwrap(),
            slow_body: Rate::new(0.01).unwrap(),
            ..Faults::default()
        };
        let n = 100_000;
        let draws: Vec<Draw> = (0..n).map(|i| draw(&faults, i)).collect();
        for (kind, rate) in Fault::ALL.into_iter().zip(faults.rates()) {
            let count = draws.iter().filter(|d| d.fault == Some(kind)).count() as f64;
            let expected = n as f64 * f64::from(rate.per_million()) / 1e6;
            assert!(
                (count - expected).abs() < expected * 0.1,
                "{kind:?}: {count} against {expected}"
            );
        }
        assert!(
            draws
                .iter()
                .all(|d| (100..=150).contains(&d.delay.as_millis()))
        );
        assert_eq!(
            draws[..50],
            (0..50).map(|i| draw(&faults, i)).collect::<Vec<_>>()[..]
        );
        let other = Faults { seed: 43, ..faults };
        assert_ne!(
            draws[..50],
            (0..50).map(|i| draw(&other, i)).collect::<Vec<_>>()[..]
        );
    }

    #[test]
    fn no_rates_no_faults() {
        let faults = Faults::default();
        assert!((0..1000).all(|i| draw(&faults, i)
            == Draw {
                delay: Duration::ZERO,
                fault: None
            }));
    }
}
