//! The editions of Canvas's Appointment API the harness knows: `2023-09` (BEHAVIOURS.md, the seed
//! page of 2023-09-07) and `current` (BEHAVIOURS-CURRENT.md, docs.canvasmedical.com as of 2026).
//! The lowest layer: cases, catalogues, profiles, plans and reports all name editions with it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An edition of Canvas's Appointment page. A catalogue, case or profile that names none is
/// `2023-09`'s, except where its own docs say otherwise (a case without `editions:` serves both).
#[derive(
    Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord, Hash,
)]
pub enum Edition {
    #[default]
    #[serde(rename = "2023-09")]
    Sept2023,
    #[serde(rename = "current")]
    Current,
}

/// An edition name that is neither `2023-09` nor `current`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown edition `{0}`: expected 2023-09 or current")]
pub struct UnknownEdition(pub String);

impl Edition {
    /// Both editions, oldest first.
    pub const ALL: [Edition; 2] = [Edition::Sept2023, Edition::Current];

    /// The name used on the command line, in files and in reports: `2023-09` or `current`.
    pub fn as_str(self) -> &'static str {
        match self {
            Edition::Sept2023 => "2023-09",
            Edition::Current => "current",
        }
    }

    /// The other edition (the one an edition hint compares with).
    pub fn other(self) -> Edition {
        match self {
            Edition::Sept2023 => Edition::Current,
            Edition::Current => Edition::Sept2023,
        }
    }
}

impl fmt::Display for Edition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Edition {
    type Err = UnknownEdition;

    fn from_str(text: &str) -> Result<Edition, UnknownEdition> {
        Edition::ALL
            .into_iter()
            .find(|e| e.as_str() == text)
            .ok_or_else(|| UnknownEdition(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_others_are_refused() {
        for edition in Edition::ALL {
            assert_eq!(edition.as_str().parse::<Edition>(), Ok(edition));
            assert_eq!(edition.other().other(), edition);
        }
        assert_eq!(
            "2024-04".parse::<Edition>().unwrap_err().to_string(),
            "unknown edition `2024-04`: expected 2023-09 or current"
        );
    }
}
