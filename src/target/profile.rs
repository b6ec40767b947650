//! Target profiles (YAML): the FHIR base URL, how to get a token (OAuth token URL and the names of
//! the environment variables with the client credentials), which fixture ids a target has, whether
//! writes are allowed, and its double-booking setting. The built-in profile is the reference instance.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::case::DoubleBooking;
use crate::edition::Edition;
use crate::source::{Diagnostic, Location, Pos, yaml_diagnostic};

/// Every fixture a case may use (the list lives with the cases, which lint against it).
pub use crate::case::names::FIXTURE_KEYS;

const REFERENCE_FIXTURES: &[(&str, &str)] = &[
    ("practitioner", "3a182f42885645e0bc3d608e7c02aad8"),
    ("practitioner_2", "fc87cbb2525f4c5eb50294f620c7a15e"),
    ("canvas_bot", "5eede137ecfe4124b8b773040e33be14"),
    ("patient", "a29eaebb284143ba97c76b01fdb46964"),
    ("patient_2", "9420c5f6c44e47ec82d7e48f78d5723a"),
    ("patient_3", "5350cd20de8a470aa570a852859ac87e"),
    ("location", "1"),
    ("type_default_system", "http://snomed.info/sct"),
    ("type_default_code", "308335008"),
    ("type_default_display", "Office Visit"),
    ("type_other_system", "http://snomed.info/sct"),
    ("type_other_code", "448337001"),
    ("type_other_display", "Telemedicine"),
    ("type_internal_code", "INIV"),
    ("type_unschedulable_system", "INTERNAL"),
    ("type_unschedulable_code", "CHART"),
    ("rfv_system", "INTERNAL"),
    ("rfv_code", "INIV30"),
    ("rfv_display", "Initial Visit 30"),
    ("rfv_code_2", "9903"),
    ("appt_unconfirmed", "00000000-0000-4000-8000-000000000001"),
    ("appt_attempted", "00000000-0000-4000-8000-000000000002"),
    ("appt_confirmed", "00000000-0000-4000-8000-000000000003"),
    ("appt_arrived", "00000000-0000-4000-8000-000000000004"),
    ("appt_roomed", "00000000-0000-4000-8000-000000000005"),
    ("appt_exited", "00000000-0000-4000-8000-000000000006"),
    ("appt_noshowed", "00000000-0000-4000-8000-000000000007"),
    ("appt_cancelled", "00000000-0000-4000-8000-000000000008"),
    ("appt_deleted", "00000000-0000-4000-8000-000000000009"),
    (
        "appt_rescheduled_original",
        "00000000-0000-4000-8000-000000000010",
    ),
    (
        "appt_rescheduled_replacement",
        "00000000-0000-4000-8000-000000000011",
    ),
];

/// What the current edition's reference instance adds or changes (REFERENCE-INSTANCE.md, "Current
/// edition"): the Location UUID (D13), the Other Event type (D16), the meeting room (D16), the
/// co-scheduled pair and its identifier (D14, D21).
const REFERENCE_FIXTURES_CURRENT: &[(&str, &str)] = &[
    ("location", "c1a4e5d2-7b3f-4e69-8a0d-5f2b9c6e1d47"),
    ("location_legacy", "1"),
    ("type_event_system", "INTERNAL"),
    ("type_event_code", "EVENT"),
    ("type_event_display", "Other Event"),
    (
        "meeting_room",
        "https://meet.example.com/room/3a182f42885645e0bc3d608e7c02aad8",
    ),
    ("appt_coscheduled", "00000000-0000-4000-8000-000000000012"),
    (
        "appt_coscheduled_other",
        "00000000-0000-4000-8000-000000000013",
    ),
    (
        "identifier_system",
        "https://scheduler.example.com/appointment",
    ),
    ("identifier_value", "SCHED-12"),
];

/// A target profile: the facts about one Canvas instance that cases depend on.
#[derive(Clone, Debug)]
pub struct Profile {
    pub name: String,
    /// The FHIR base URL, without a trailing slash; `--target` overrides it.
    pub base_url: Option<String>,
    /// How to obtain a token (OAuth2 client credentials); `None`: a static token (`--token`).
    pub oauth: Option<OAuthSettings>,
    /// Cases that create or update data run only when this is true.
    pub allow_writes: bool,
    /// The instance's double-booking setting (a capability cases may require).
    pub double_booking: DoubleBooking,
    pub fixtures: BTreeMap<String, String>,
    /// Whose snapshots the target's responses are compared with.
    pub baseline: Baseline,
    /// The edition of the API the instance speaks (`edition:`, default 2023-09): which suite runs
    /// against it unless `run --edition` says otherwise.
    pub edition: Edition,
    /// Where the fixtures come from, so a refusal of one can name where to fix it.
    pub origin: FixtureOrigin,
    /// `require_all: true`: a run that skips cases (or leaves them unjudged) does not pass, as
    /// with `run --require-all`.
    pub require_all: bool,
    /// Fixtures a preflight read back from the target as what they claim to be (filled in by the
    /// run, not the file): a later refusal of one of them is the target's fault, not the profile's.
    pub verified: BTreeSet<String>,
    /// Fixtures the preflight found the target refuses, each with the target's words and the fix:
    /// the cases using one are set-up Errors, not sent.
    pub refused: BTreeMap<String, String>,
    /// Appointment fixtures the preflight read back in another valid status than their name says,
    /// or without the reason for visit cases read from them (filled in by the run): a step that
    /// fails only on what the preflight saw is kept from being judged, with the cause naming it
    /// (a wrong fixture, or the target mapping the status wrong).
    pub doubted: Vec<Doubt>,
}

/// What the preflight saw of an appointment fixture that a case's check would blame on the
/// target: another valid status than its name says, or no reason for visit where cases read one.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Doubt {
    /// The fixture's name (`appt_roomed`).
    pub fixture: String,
    /// The JSON paths (as case files write them) whose failure it explains: `$.status`.
    pub paths: Vec<String>,
    /// The value those paths read back with, which a failure must show (`booked`); `None`: any
    /// failure of them (the element is missing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_as: Option<String>,
    /// The sentence a step it explains carries: what was read, and where the fixture is set.
    pub cause: String,
}

/// Where a profile's fixtures come from. A recording keeps it (`{"kind": "file", "path": …,
/// "places": …}`), so a replay attributes refusals as the run did; absent there, `Reference`.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FixtureOrigin {
    /// The built-in profile of an embedded reference server: its own instance, so known good.
    #[default]
    Reference,
    /// A `--target` given without a profile: the reference instance's ids are assumed, and may
    /// well not exist there.
    Assumed,
    /// A profile file (`path`, as given), with where each fixture is written (`file:line:col`
    /// of its value).
    File {
        path: Arc<str>,
        places: BTreeMap<String, Location>,
    },
}

impl Profile {
    /// Where the fixture `name` is set, for a message that says what to fix: `targets/x.yaml:31:13`,
    /// or the assumed reference instance.
    pub fn fixture_source(&self, name: &str) -> String {
        match &self.origin {
            FixtureOrigin::Reference => "the reference instance".to_owned(),
            FixtureOrigin::Assumed => {
                "assumed from the reference instance, as no --profile was given: write a profile with your instance's ids".to_owned()
            }
            FixtureOrigin::File { places, .. } => places.get(name).map_or_else(
                || format!("profile `{}`", self.name),
                |at| format!("profile {at}"),
            ),
        }
    }

    /// Whether the fixture `name` is known good: the reference instance's own, or verified by
    /// the preflight. A refusal that names an unverified fixture is the profile's problem.
    pub fn fixture_trusted(&self, name: &str) -> bool {
        self.origin == FixtureOrigin::Reference || self.verified.contains(name)
    }
}

/// Whose snapshots a target is compared with (`snapshots/<profile name>/`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Baseline {
    /// Its own (a profile's folder, or the embedded reference servers'): drift fails the run, and
    /// new snapshots are recorded there.
    Own,
    /// The reference server's, because the target has no profile and so no baseline of its own:
    /// differences are information only, and nothing is written.
    Reference,
}

/// Where and with which credentials to ask for a token. The profile names the environment variables
/// that hold the client id and secret, never the values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuthSettings {
    pub token_url: String,
    pub client_id_env: String,
    pub client_secret_env: String,
}

/// Default names of the environment variables holding the OAuth client id and secret.
pub const DEFAULT_CLIENT_ID_ENV: &str = "CANVAS_CLIENT_ID";
pub const DEFAULT_CLIENT_SECRET_ENV: &str = "CANVAS_CLIENT_SECRET";

// ---- the file format: spanned, then validated into `Profile` ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    name: String,
    #[serde(default)]
    base_url: Option<Spanned<String>>,
    #[serde(default)]
    oauth: Option<RawOAuth>,
    #[serde(default)]
    allow_writes: bool,
    #[serde(default = "allowed")]
    double_booking: DoubleBooking,
    /// Keys spanned, so that an unknown one is shown where it is written.
    #[serde(default)]
    fixtures: std::collections::HashMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    edition: Edition,
    #[serde(default)]
    require_all: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOAuth {
    token_url: Spanned<String>,
    #[serde(default)]
    client_id_env: Option<Spanned<String>>,
    #[serde(default)]
    client_secret_env: Option<Spanned<String>>,
}

fn allowed() -> DoubleBooking {
    DoubleBooking::Allowed
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("failed to read profile {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(Box<Diagnostic>),
}

impl Profile {
    /// The default instance of REFERENCE-INSTANCE.md, as the reference server serves it.
    pub fn reference() -> Profile {
        Profile::reference_for(Edition::Sept2023)
    }

    /// The built-in profile of an edition's reference instance (REFERENCE-INSTANCE.md, plus its
    /// section "Current edition" for `current`), named `reference` and `reference-current`.
    pub fn reference_for(edition: Edition) -> Profile {
        let mut fixtures: BTreeMap<String, String> = REFERENCE_FIXTURES
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let name = match edition {
            Edition::Sept2023 => "reference",
            Edition::Current => {
                fixtures.extend(
                    REFERENCE_FIXTURES_CURRENT
                        .iter()
                        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
                );
                "reference-current"
            }
        };
        Profile {
            name: name.to_owned(),
            base_url: None,
            oauth: None,
            allow_writes: true,
            double_booking: DoubleBooking::Allowed,
            fixtures,
            baseline: Baseline::Own,
            edition,
            origin: FixtureOrigin::Reference,
            require_all: false,
            verified: BTreeSet::new(),
            refused: BTreeMap::new(),
            doubted: Vec::new(),
        }
    }

    /// The reference instance's values assumed for a target given without a profile: its fixtures
    /// and settings, but the reference server's snapshots only for comparison ([`Baseline::Reference`]).
    pub fn assumed_reference() -> Profile {
        Profile::assumed_reference_for(Edition::Sept2023)
    }

    /// The same for an edition's reference instance (`run --edition current --target URL`).
    pub fn assumed_reference_for(edition: Edition) -> Profile {
        Profile {
            baseline: Baseline::Reference,
            origin: FixtureOrigin::Assumed,
            ..Profile::reference_for(edition)
        }
    }

    /// The same instance with another double-booking setting.
    pub fn with_double_booking(mut self, setting: DoubleBooking) -> Profile {
        self.double_booking = setting;
        self
    }

    pub fn load(path: &Path) -> Result<Profile, ProfileError> {
        let shown: Arc<str> = Arc::from(path.to_string_lossy().as_ref());
        let text = std::fs::read_to_string(path).map_err(|source| ProfileError::Io {
            path: shown.to_string(),
            source,
        })?;
        Profile::parse(&shown, &text)
    }

    pub fn parse(file: &Arc<str>, text: &str) -> Result<Profile, ProfileError> {
        let raw: RawProfile = serde_saphyr::from_str(text).map_err(|e| {
            ProfileError::Invalid(Box::new(without_secret_line(yaml_diagnostic(
                file, text, &e,
            ))))
        })?;
        let invalid = |pos: Pos, message: String| {
            ProfileError::Invalid(Box::new(without_secret_line(Diagnostic::new(
                Location::new(file, pos),
                message,
                Some(text),
            ))))
        };
        // The first unknown key as written (the map itself has no order).
        if let Some(unknown) = raw
            .fixtures
            .keys()
            .filter(|key| !FIXTURE_KEYS.iter().any(|(known, _)| *known == key.value))
            .min_by_key(|key| Pos::of(key))
        {
            return Err(invalid(
                Pos::of(unknown),
                format!(
                    "unknown fixture `{}`; known fixtures: {}",
                    unknown.value,
                    fixture_names()
                ),
            ));
        }
        let base_url = match &raw.base_url {
            Some(url) => Some(
                http_url(&url.value)
                    .map_err(|problem| invalid(Pos::of(url), format!("base_url {problem}")))?
                    .trim_end_matches('/')
                    .to_owned(),
            ),
            None => None,
        };
        let oauth = match raw.oauth {
            Some(oauth) => {
                let token_url = http_url(&oauth.token_url.value).map_err(|problem| {
                    invalid(Pos::of(&oauth.token_url), format!("token_url {problem}"))
                })?;
                let env_name = |given: Option<Spanned<String>>, default: &str, key: &str| {
                    match given {
                        None => Ok(default.to_owned()),
                        Some(name) if is_env_name(&name.value) => Ok(name.value),
                        Some(name) => Err(invalid(
                            Pos::of(&name),
                            format!(
                                "{key} must be the NAME of an environment variable (letters, digits, \
                                 `_`; e.g. {default}), not `{}`; the profile never holds the value itself",
                                shown_name(&name.value)
                            ),
                        )),
                    }
                };
                Some(OAuthSettings {
                    token_url,
                    client_id_env: env_name(
                        oauth.client_id_env,
                        DEFAULT_CLIENT_ID_ENV,
                        "client_id_env",
                    )?,
                    client_secret_env: env_name(
                        oauth.client_secret_env,
                        DEFAULT_CLIENT_SECRET_ENV,
                        "client_secret_env",
                    )?,
                })
            }
            None => None,
        };
        Ok(Profile {
            name: raw.name,
            base_url,
            oauth,
            allow_writes: raw.allow_writes,
            double_booking: raw.double_booking,
            origin: FixtureOrigin::File {
                path: Arc::clone(file),
                places: raw
                    .fixtures
                    .iter()
                    .map(|(name, value)| (name.value.clone(), Location::new(file, Pos::of(value))))
                    .collect(),
            },
            fixtures: raw
                .fixtures
                .into_iter()
                .map(|(key, value)| (key.value, value.value))
                .collect(),
            baseline: Baseline::Own,
            edition: raw.edition,
            require_all: raw.require_all,
            verified: BTreeSet::new(),
            refused: BTreeMap::new(),
            doubted: Vec::new(),
        })
    }
}

/// An http(s) URL without query, fragment or credentials, returned as written; or why not.
pub fn http_url(text: &str) -> Result<String, String> {
    let parsed = reqwest::Url::parse(text).map_err(|e| format!("`{text}` is not a URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("`{text}` must be an http or https URL"));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(format!("`{text}` must not carry a query or fragment"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("must not carry credentials (user:password@)".to_owned());
    }
    Ok(text.to_owned())
}

/// A profile line that mentions a secret may hold one (a value pasted where a variable name belongs):
/// the error then points at it without printing it.
fn without_secret_line(mut diagnostic: Diagnostic) -> Diagnostic {
    if diagnostic
        .line_text
        .as_deref()
        .is_some_and(|line| line.to_ascii_lowercase().contains("secret"))
    {
        diagnostic.line_text = None;
    }
    diagnostic
}

fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A rejected env-var name may be a pasted secret: show only its start.
fn shown_name(value: &str) -> String {
    if value.chars().count() <= 4 {
        value.to_owned()
    } else {
        format!("{}…", value.chars().take(4).collect::<String>())
    }
}

fn fixture_names() -> String {
    FIXTURE_KEYS
        .iter()
        .map(|(k, _)| *k)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_current_reference_profile_names_every_fixture_and_2023_09_all_but_its_own() {
        let current = Profile::reference_for(Edition::Current);
        for (key, _) in FIXTURE_KEYS {
            assert!(current.fixtures.contains_key(*key), "missing {key}");
        }
        assert_eq!(current.fixtures.len(), FIXTURE_KEYS.len());
        assert_eq!(
            (current.name.as_str(), current.edition),
            ("reference-current", Edition::Current)
        );
        // The 2023-09 instance has no Other Event type, meeting room or co-scheduled pair, and its
        // Location is `1` (REFERENCE-INSTANCE.md).
        let old = Profile::reference();
        let own: Vec<&str> = REFERENCE_FIXTURES_CURRENT.iter().map(|(k, _)| *k).collect();
        for (key, _) in FIXTURE_KEYS {
            assert_eq!(
                old.fixtures.contains_key(*key),
                *key == "location" || !own.contains(key),
                "{key}"
            );
        }
        assert_eq!(old.fixtures.get("location").map(String::as_str), Some("1"));
        assert_eq!(old.edition, Edition::Sept2023);
    }

    #[test]
    fn a_profile_names_its_edition() {
        let file: Arc<str> = Arc::from("p.yaml");
        let profile = Profile::parse(&file, "name: x\nedition: current\n").unwrap();
        assert_eq!(profile.edition, Edition::Current);
        assert_eq!(
            Profile::parse(&file, "name: x\n").unwrap().edition,
            Edition::Sept2023
        );
        let err = Profile::parse(&file, "name: x\nedition: 2024\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("p.yaml:2"), "{err}");
    }

    #[test]
    fn unknown_fixture_is_reported_with_its_line() {
        let file: Arc<str> = Arc::from("p.yaml");
        let err =
            Profile::parse(&file, "name: x\nfixtures:\n  patient: a\n  bogus: b\n").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("unknown fixture `bogus`"), "{text}");
        assert!(text.contains("p.yaml:4:3"), "{text}");
    }

    #[test]
    fn an_unknown_fixture_in_a_flow_mapping_or_after_a_comment_naming_it_is_found_where_written() {
        let err = parse("name: x\nfixtures: { patient: a, bogus: b }\n").unwrap_err();
        assert!(err.contains("p.yaml:2:25"), "{err}");
        let err = parse("name: x\n# bogus: an old note\nfixtures:\n  patient: a\n  bogus: b\n")
            .unwrap_err();
        assert!(err.contains("p.yaml:5:3"), "{err}");
    }

    #[test]
    fn yaml_errors_point_at_the_faulty_line() {
        // An unclosed flow mapping is noticed on the next line; the fault is the `{`.
        let err = parse("name: x\nfixtures: { patient: a\nedition: current\n").unwrap_err();
        assert!(err.contains("p.yaml:2:11"), "{err}");
        assert!(err.contains("never closed"), "{err}");
        // A wrong type at the value, a missing field at its mapping's first key.
        let err = parse("name: x\nallow_writes: maybe\n").unwrap_err();
        assert!(err.contains("p.yaml:2:15"), "{err}");
        let err = parse("name: x\noauth:\n  client_id_env: ID\n  client_secret_env: SECRET\n")
            .unwrap_err();
        assert!(err.contains("missing field `token_url`"), "{err}");
        assert!(err.contains("p.yaml:3:3"), "{err}");
    }

    fn parse(text: &str) -> Result<Profile, String> {
        Profile::parse(&Arc::from("p.yaml"), text).map_err(|e| e.to_string())
    }

    #[test]
    fn oauth_section_with_default_env_names() {
        let profile = parse(
            "name: s\nbase_url: https://fumage-x.canvasmedical.com/\noauth:\n  token_url: https://x.canvasmedical.com/auth/token/\n",
        )
        .unwrap();
        assert_eq!(
            profile.base_url.as_deref(),
            Some("https://fumage-x.canvasmedical.com")
        );
        let oauth = profile.oauth.unwrap();
        // Kept as written: Canvas's token URL ends in a slash, and redirects are never followed.
        assert_eq!(oauth.token_url, "https://x.canvasmedical.com/auth/token/");
        assert_eq!(oauth.client_id_env, "CANVAS_CLIENT_ID");
        assert_eq!(oauth.client_secret_env, "CANVAS_CLIENT_SECRET");
    }

    #[test]
    fn the_example_sandbox_profile_parses() {
        let text = include_str!("../../targets/canvas-sandbox.example.yaml");
        let profile = parse(text).unwrap();
        assert_eq!(
            profile.base_url.as_deref(),
            Some("https://fumage-example.canvasmedical.com")
        );
        assert!(!profile.allow_writes);
        assert_eq!(
            profile.oauth.unwrap().token_url,
            "https://example.canvasmedical.com/auth/token/"
        );
        assert!(profile.fixtures.contains_key("appt_confirmed"));
    }

    #[test]
    fn bad_values_point_at_their_line_and_column() {
        let err = parse("name: s\noauth:\n  token_url: ftp://x/\n").unwrap_err();
        assert!(err.contains("p.yaml:3:14"), "{err}");
        assert!(err.contains("http or https"), "{err}");
        let err = parse(
            "name: s\noauth:\n  token_url: https://x/auth/token/\n  client_secret_env: s3cr3t-value!\n",
        )
        .unwrap_err();
        assert!(err.contains("p.yaml:4:22"), "{err}");
        assert!(err.contains("NAME of an environment variable"), "{err}");
        assert!(!err.contains("s3cr3t"), "{err}");
        let err = parse("name: s\nbase_url: not a url\n").unwrap_err();
        assert!(err.contains("p.yaml:2:11"), "{err}");
        let err = parse("name: s\noauth:\n  token_url: https://x/\n  client_secret: canary-77\n")
            .unwrap_err();
        assert!(err.contains("p.yaml:4:"), "{err}");
        assert!(err.contains("client_secret"), "{err}");
        assert!(!err.contains("canary-77"), "{err}");
    }
}
