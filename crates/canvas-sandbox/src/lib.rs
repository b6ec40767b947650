//! canvas-sandbox: the reference server, an axum emulator of every documented behaviour of
//! Canvas's FHIR Appointment API, in its September 2023 edition or its current one ([`Edition`]),
//! backed by SQLite, with opt-in mutants that each break exactly one behaviour so a harness can
//! notice, and the read-only lookups a booking needs (Practitioner, Patient, Location, Schedule,
//! Slot). A crate of its own: it knows nothing of the harness (`canvas-conformance`) above it.
//!
//! # Use from a Rust test
//! [`spawn`]`(`[`ServerConfig`]`) -> `[`RunningServer`]: a server on 127.0.0.1:0 in the current
//! tokio runtime, with its `base_url()`, `token()` and `shutdown()` (docs/server.md has the
//! example, which `tests/in_process.rs` runs).
//!
//! # Layout
//! `src/` (the rooms below), `openapi/` (the served OpenAPI documents), `docs/` (settings
//! examples), `tests/` (every behaviour over real HTTP).
//!
//! # Rooms
//! Top to bottom, one line per room; a file imports only from rooms listed below its own.
//! - `app`: configuration, the router (state, routes, layers), `serve`/`spawn`.
//! - `listen`: connection discipline (accept cap, timeouts, draining) and the request log.
//! - `routes`: one file per interaction (create, read, update, search, token, introspect,
//!   openapi), one per lookup (practitioner, patient, location, schedule, slot), the SMART
//!   style, plus the fallbacks for unknown routes and methods; no route imports another.
//! - `middleware`: the bearer and scope check (Appointment and the lookups), the edition layer
//!   (limits, error re-rendering, media type, correlation id).
//! - `state`: `AppState`, what every handler shares.
//! - `rules`: the page's business rules (422) and the update rules on the stored appointment.
//! - `shape`: request body → shape-checked fields (every 400).
//! - `build`: validated changes → domain rows (create, update, seeds).
//! - `lookup_query`: a lookup's query (known parameters, paging, the unknown-parameter rule), its
//!   filters and searchset, and the answer of a lookup read.
//! - `search`: query → filters (400), paging links to any resource's path, the searchset Bundle.
//! - `search_date`: the `date` parameter → bounds on the start (D4).
//! - `searchset_stream`: a searchset larger than one chunk, streamed chunk by chunk.
//! - `render`: stored appointment → FHIR JSON.
//! - `resources`: settings → Practitioner, Patient, Location, Schedule and Slot JSON.
//! - `success`: the success answer of create and update (D6).
//! - `oauth`: OAuth2 client authentication, form fields, RFC 6749 error answers.
//! - `extract`: request body and path id extractors.
//! - `store`: SQLite storage (the only SQL).
//! - `interaction`: `Mode` and `Ctx`, the context of one create or update.
//! - `domain`: the `Appointment` row, the validated `Changes`, the meeting Endpoint ids.
//! - `identifier`: external identifiers (input, defaults, update merge, read form).
//! - `scope`: SMART scopes of the current edition (grammar, grants, permissions).
//! - `lockout`: failed client authentications per OAuth client (429 beyond the limit).
//! - `auth`: bearer tokens and scopes, constant-time secret comparison.
//! - `error`: `ApiError`, the one place that builds OperationOutcome error answers.
//! - `free_slots`: working hours minus booked spans and the past → free slots (pure).
//! - [`settings`]: the emulated instance (YAML settings file or the reference instance).
//! - `connection_settings`: the settings file's `connections:` (timeouts, cap, request log).
//! - `working_hours`: when practitioners can be booked, and its settings-file form.
//! - `status`: Canvas ↔ FHIR status map.
//! - `instant`: FHIR instants and search days.
//! - [`mutant`]: the deliberate defects.
//! - [`edition`]: the two editions and the one policy value per edition that handlers consult.
//! - [`faults`]: injected latency and faults (the outermost layer, its listener, the draws).

mod app;
mod auth;
mod build;
mod connection_settings;
mod domain;
pub mod edition;
mod error;
mod extract;
pub mod faults;
mod free_slots;
mod identifier;
mod instant;
mod interaction;
mod listen;
mod lockout;
mod lookup_query;
mod middleware;
pub mod mutant;
mod oauth;
mod render;
mod resources;
mod routes;
mod rules;
mod scope;
mod search;
mod search_date;
mod searchset_stream;
pub mod settings;
mod shape;
mod state;
mod status;
mod store;
mod success;
mod working_hours;

pub use app::{
    RunningServer, ServerConfig, ServerError, router, serve, serve_with, spawn, spawn_with,
};
pub use edition::Edition;
pub use faults::{Faults, Rate};
pub use listen::Connections;
pub use mutant::Mutant;
pub use settings::{Settings, SettingsError};
pub use store::{SYNTHETIC_START_MS, SYNTHETIC_STEP_MS, seed_synthetic, synthetic_id};
