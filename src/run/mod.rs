//! Orchestration: runs a plan's cases concurrently (steps in order within a case), keeps the
//! cleanup ledger (tags what it creates, sweeps for what it missed), stops early on Ctrl-C, and
//! owns a run session (targets, embedded servers, snapshots, cleanup, events, verdict).

pub mod admission;
pub mod cancel;
pub mod cleanup;
pub mod creation;
pub mod discover;
pub mod discovery;
pub mod embedded;
pub mod events;
pub mod fingerprint;
pub mod interrupt;
pub mod ledger;
pub mod lookups;
pub mod mutation;
pub mod observed;
pub mod options;
pub mod preflight;
pub mod runner;
pub mod scope;
pub mod session;
pub mod setup;
pub mod snapshots;
pub mod sweep;
pub mod tag;

pub use events::RunEvent;
pub use interrupt::Interrupt;
pub use runner::{RunControl, RunOptions, RunReport, run_plan, run_plan_with};
pub use session::{RunSession, SessionError, SessionOptions, TargetChoice};
