//! canvas-conformance: a contract-testing and conformance harness for the Canvas Medical
//! FHIR Appointment API, and the reference server it ships with.
//!
//! # Layout
//! - [`server`]: the reference server (an axum emulator of every documented behaviour).

pub mod server;
