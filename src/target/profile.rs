//! Target profiles (YAML): which fixture ids a target has, whether writes are allowed, and how it
//! is configured (double booking). The built-in profile describes the reference instance.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;

use crate::case::DoubleBooking;
use crate::source::{Diagnostic, yaml_diagnostic};

/// Every fixture a case may use, with what it names. Cases may only use these (lint checks it);
/// a profile may leave some out, and cases needing them are then Skipped with the reason.
pub const FIXTURE_KEYS: &[(&str, &str)] = &[
    ("practitioner", "a practitioner id (32 hex)"),
    ("practitioner_2", "a second practitioner id"),
    (
        "canvas_bot",
        "the Canvas Bot practitioner id (blank practitioner fallback)",
    ),
    ("patient", "a patient id"),
    ("patient_2", "a second patient id"),
    ("patient_3", "a third patient id"),
    ("location", "a practice location id"),
    (
        "type_default_system",
        "system of the default appointment type",
    ),
    ("type_default_code", "code of the default appointment type"),
    (
        "type_default_display",
        "display of the default appointment type",
    ),
    (
        "type_other_system",
        "system of another scheduleable SNOMED type",
    ),
    (
        "type_other_code",
        "code of another scheduleable SNOMED type",
    ),
    ("type_other_display", "display of that type"),
    ("type_internal_code", "code of a scheduleable INTERNAL type"),
    (
        "type_unschedulable_system",
        "system of a type not marked scheduleable",
    ),
    (
        "type_unschedulable_code",
        "code of a type not marked scheduleable",
    ),
    (
        "rfv_system",
        "system of a structured reason-for-visit coding",
    ),
    ("rfv_code", "code of a structured reason-for-visit coding"),
    ("rfv_display", "display of that coding"),
    (
        "rfv_code_2",
        "code of a second structured reason-for-visit coding",
    ),
    (
        "appt_unconfirmed",
        "an existing appointment in Canvas status unconfirmed",
    ),
    (
        "appt_attempted",
        "an existing appointment in Canvas status attempted",
    ),
    (
        "appt_confirmed",
        "an existing appointment in Canvas status confirmed",
    ),
    (
        "appt_arrived",
        "an existing appointment in Canvas status arrived",
    ),
    (
        "appt_roomed",
        "an existing appointment in Canvas status roomed",
    ),
    (
        "appt_exited",
        "an existing appointment in Canvas status exited",
    ),
    (
        "appt_noshowed",
        "an existing appointment in Canvas status no-showed",
    ),
    (
        "appt_cancelled",
        "an existing appointment in Canvas status cancelled",
    ),
    (
        "appt_deleted",
        "an existing appointment in Canvas status deleted",
    ),
    (
        "appt_rescheduled_original",
        "an appointment replaced by a reschedule",
    ),
    (
        "appt_rescheduled_replacement",
        "the appointment that replaced it",
    ),
];

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

/// A target profile: the facts about one Canvas instance that cases depend on.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub name: String,
    /// The FHIR base URL; `--target` overrides it.
    #[serde(default)]
    pub base_url: Option<String>,
    /// Cases that create or update data run only when this is true.
    #[serde(default)]
    pub allow_writes: bool,
    #[serde(default = "allowed")]
    pub double_booking: DoubleBooking,
    #[serde(default)]
    pub fixtures: BTreeMap<String, String>,
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
        Profile {
            name: "reference".to_owned(),
            base_url: None,
            allow_writes: true,
            double_booking: DoubleBooking::Allowed,
            fixtures: REFERENCE_FIXTURES
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
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
        let profile: Profile = serde_saphyr::from_str(text)
            .map_err(|e| ProfileError::Invalid(Box::new(yaml_diagnostic(file, text, &e))))?;
        if let Some(unknown) = profile
            .fixtures
            .keys()
            .find(|key| !FIXTURE_KEYS.iter().any(|(known, _)| known == key))
        {
            let line = text
                .lines()
                .position(|l| l.trim_start().starts_with(&format!("{unknown}:")))
                .map_or(1, |i| i as u32 + 1);
            return Err(ProfileError::Invalid(Box::new(Diagnostic::new(
                crate::source::Location::new(file, crate::source::Pos { line, col: 1 }),
                format!(
                    "unknown fixture `{unknown}`; known fixtures: {}",
                    fixture_names()
                ),
                Some(text),
            ))));
        }
        Ok(profile)
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
    fn reference_profile_names_every_fixture() {
        let profile = Profile::reference();
        for (key, _) in FIXTURE_KEYS {
            assert!(profile.fixtures.contains_key(*key), "missing {key}");
        }
        assert_eq!(profile.fixtures.len(), FIXTURE_KEYS.len());
    }

    #[test]
    fn unknown_fixture_is_reported_with_its_line() {
        let file: Arc<str> = Arc::from("p.yaml");
        let err =
            Profile::parse(&file, "name: x\nfixtures:\n  patient: a\n  bogus: b\n").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("unknown fixture `bogus`"), "{text}");
        assert!(text.contains("p.yaml:4:1"), "{text}");
    }
}
