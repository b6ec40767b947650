//! What the harness points at: a target profile (fixtures, capabilities, write permission, token
//! URL) and the auth provider that hands out bearer tokens, kept in types that never print them.

pub mod auth;
pub mod cause;
pub mod draft;
pub mod profile;
pub mod scoped;
pub mod secret;

pub use auth::{
    Auth, AuthError, NoNarrowerScope, OAuthClient, REFERENCE_TOKEN, TokenFields, for_profile,
};
pub use profile::{
    Baseline, Doubt, FIXTURE_KEYS, FixtureOrigin, OAuthSettings, Profile, ProfileError,
};
pub use scoped::READ_ONLY_SCOPE;
pub use secret::Secret;

/// A server to run cases against.
#[derive(Clone, Debug)]
pub struct Target {
    /// Short name shown in reports: the profile's name (`reference`, `my-sandbox`), the embedded
    /// servers' (`reference-no-double-booking`), or for a target without a profile its host (see
    /// [`label_for`]).
    pub label: String,
    /// The FHIR base URL, without a trailing slash.
    pub base_url: String,
    /// Where the bearer token comes from (static or OAuth2 client credentials).
    pub auth: Auth,
    pub profile: std::sync::Arc<Profile>,
}

/// The label reports give a target: its profile's name, or, for a target given without a profile
/// (the reference instance's values assumed), the `host:port` of its base URL.
pub fn label_for(profile: &Profile, base_url: &str) -> String {
    if profile.baseline == Baseline::Own {
        return profile.name.clone();
    }
    reqwest::Url::parse(base_url)
        .ok()
        .and_then(|url| {
            let host = url.host_str()?.to_owned();
            Some(match url.port() {
                Some(port) => format!("{host}:{port}"),
                None => host,
            })
        })
        .unwrap_or_else(|| base_url.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_is_labelled_by_its_profile_or_its_host() {
        let mut named = Profile::reference();
        named.name = "staging-sandbox".to_owned();
        assert_eq!(
            label_for(&named, "https://fumage-x.example/fhir"),
            "staging-sandbox"
        );
        assert_eq!(
            label_for(&Profile::assumed_reference(), "http://127.0.0.1:8090"),
            "127.0.0.1:8090"
        );
        assert_eq!(
            label_for(
                &Profile::assumed_reference(),
                "https://fumage-x.example/fhir"
            ),
            "fumage-x.example"
        );
    }
}
