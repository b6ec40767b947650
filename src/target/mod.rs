//! What the harness points at: a target profile (fixtures, capabilities, write permission) and the
//! credentials to reach it, kept in a type that never prints them.

pub mod profile;
pub mod secret;

pub use profile::{FIXTURE_KEYS, Profile, ProfileError};
pub use secret::Secret;

/// A server to run cases against.
#[derive(Clone, Debug)]
pub struct Target {
    /// Short name shown in reports (`reference`, `reference-no-double-booking`, `target`).
    pub label: String,
    /// The FHIR base URL, without a trailing slash.
    pub base_url: String,
    pub token: Secret<String>,
    pub profile: std::sync::Arc<Profile>,
}
