//! The reference server: an axum emulator of every documented behaviour of Canvas's FHIR
//! Appointment API (September 2023 edition), backed by SQLite, with opt-in mutants that each
//! break exactly one behaviour so the harness can prove it notices.
//!
//! # Layout
//! - [`settings`]: the emulated instance (YAML settings file or the reference instance).
//! - `app`: configuration, router, `serve`/`spawn`; `auth`: bearer tokens; `extract`: request bodies.
//! - `input` (FHIR JSON → validated changes), `instant`, `status`, `store` (the only SQL),
//!   `fhir` (stored row → FHIR JSON), `search` (query → filters, paging, links).
//! - `outcome`: the one place that builds OperationOutcome error answers.
//! - `routes`: one file per interaction; [`mutant`]: the deliberate defects.

mod app;
mod auth;
mod extract;
mod fhir;
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
pub use mutant::Mutant;
pub use settings::{Settings, SettingsError};
pub use store::{SYNTHETIC_START_MS, SYNTHETIC_STEP_MS, seed_synthetic, synthetic_id};
