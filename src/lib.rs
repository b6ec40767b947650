//! canvas-conformance: a contract-testing and conformance harness for the Canvas Medical FHIR
//! Appointment API. The reference server it ships with is the crate below it, `canvas-sandbox`
//! (`serve`, the embedded default servers and `mutants` start it; [`edition`] re-exports its type).
//!
//! # Layout (the data flow)
//! - [`case`] ① YAML case files → spanned types; lint. [`template`] `{{ var }}` rendering.
//! - [`requirements`] the behaviour catalogue; [`suite`] catalogue + cases, loaded and linted.
//! - [`target`] profiles, secrets; [`plan`] ② cases × targets → run or skip (write guard);
//!   [`partition`] CI shards of the selected cases.
//! - [`exchange`] ③ render, send, record (secrets scrubbed), paging walks; [`retry`] how patient to
//!   be with a busy server (FHIR and token requests alike).
//! - [`check`] ④ pure checks → findings; [`outcome`] ⑤ verdicts and roll-ups.
//! - [`run`] orchestration, cleanup ledger, snapshot store, embedded servers, mutation analysis.
//! - [`report`] ⑥ console, progress, and the report files (JUnit, JSON, HTML, Markdown).
//! - [`harness`] the `cargo test` trials; [`cli`] the command line.
//! - [`bench`] `canvas-conformance bench`: timings and memory of the suite and the server.
//! - [`source`] file positions and the one diagnostic renderer; [`edition`] the API editions.

pub mod bench;
pub mod case;
pub mod check;
pub mod cli;
pub mod edition;
pub mod exchange;
pub mod harness;
pub mod http;
pub mod outcome;
pub mod partition;
pub mod plan;
pub mod report;
pub mod requirements;
pub mod retry;
pub mod run;
pub mod source;
pub mod suite;
pub mod target;
pub mod template;
