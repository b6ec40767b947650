//! Orchestration: runs a plan's cases concurrently (steps in order within a case), keeps the cleanup
//! ledger, stops early on an interrupt (Ctrl-C), and starts the embedded reference servers when no target is given.

pub mod cleanup;
pub mod embedded;
pub mod interrupt;
pub mod ledger;
pub mod mutation;
pub mod runner;
pub mod scope;
pub mod snapshots;

pub use interrupt::Interrupt;
pub use runner::{RunControl, RunOptions, RunReport, run_plan, run_plan_with};
