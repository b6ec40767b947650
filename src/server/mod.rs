//! The reference server: an axum emulator of every documented behaviour of Canvas's FHIR
//! Appointment API, in its September 2023 edition or its current one ([`Edition`]), backed by
//! SQLite, with opt-in mutants that each break exactly one behaviour so a harness can notice.
//!
//! # Layout
//! - [`settings`]: the emulated instance (YAML settings file or the reference instance).
//! - [`edition`]: the two editions and the one policy value per edition that handlers consult.
//! - `app`: configuration, router, `serve`/`spawn`; `auth`: bearer tokens; `extract`: request bodies.
//! - `input` (FHIR JSON → validated changes), `identifier`, `instant`, `status`, `store` (the only SQL),
//!   `fhir` (stored row → FHIR JSON), `search` (query → filters, paging, links).
//! - `outcome`: the one place that builds OperationOutcome error answers.
//! - `routes`: one file per interaction; [`mutant`]: the deliberate defects.

mod app;
mod auth;
pub mod edition;
mod extract;
mod fhir;
mod identifier;
mod input;
mod instant;
pub mod mutant;
mod outcome;
mod routes;
mod search;
pub mod settings;
mod status;
mod store;

pub use app::{RunningServer, ServerConfig, ServerError, router, serve, spawn};
pub use edition::Edition;
pub use mutant::Mutant;
pub use settings::{Settings, SettingsError};
pub use store::{SYNTHETIC_START_MS, SYNTHETIC_STEP_MS, seed_synthetic, synthetic_id};
