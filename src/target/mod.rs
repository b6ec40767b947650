//! What the harness points at: a target profile (fixtures, capabilities, write permission, token
//! URL) and the auth provider that hands out bearer tokens, kept in types that never print them.

pub mod auth;
pub mod profile;
pub mod secret;

pub use auth::{Auth, AuthError, OAuthClient, REFERENCE_TOKEN, for_profile};
pub use profile::{Baseline, FIXTURE_KEYS, OAuthSettings, Profile, ProfileError};
pub use secret::Secret;

/// A server to run cases against.
#[derive(Clone, Debug)]
pub struct Target {
    /// Short name shown in reports (`reference`, `reference-no-double-booking`, `target`).
    pub label: String,
    /// The FHIR base URL, without a trailing slash.
    pub base_url: String,
    /// Where the bearer token comes from (static or OAuth2 client credentials).
    pub auth: Auth,
    pub profile: std::sync::Arc<Profile>,
}
