//! Latency and faults on demand: a per-request delay (fixed or jittered) and injected faults
//! (429/503 with `Retry-After`, connection reset, a body cut short, a slow body) at given rates,
//! deterministic under a seed; off by default.

mod config;
mod conn;
mod dice;
mod layer;

pub use config::{Faults, Rate, RateError};
pub(crate) use conn::FaultStream;
pub(crate) use dice::Injector;
pub(crate) use layer::fault_layer;
