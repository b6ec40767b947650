//! Orchestration: runs a plan's cases concurrently (steps in order within a case), keeps the cleanup
//! ledger, and starts the embedded reference servers when no target is given.

pub mod embedded;
pub mod ledger;
pub mod mutation;
pub mod runner;
pub mod scope;
pub mod snapshots;

pub use runner::{RunOptions, RunReport, run_plan};
