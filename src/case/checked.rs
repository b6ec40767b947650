//! A case value typed once, at load: either its typed form or the problems found in it, each at
//! its own position, so one bad value never stops the rest of the file from loading and linting.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use crate::source::Pos;

/// A value as written in a case file (`Raw`) that becomes a typed one, or the problems it has.
pub trait FromCase: Sized {
    /// The shape serde reads (unknown keys and wrong shapes are still load errors there).
    type Raw: DeserializeOwned;
    /// The typed value, or every problem found (in the order lint reports them).
    fn from_case(raw: Self::Raw) -> Result<Self, Vec<Problem>>;
}

/// One thing wrong with a value: lint reports it at `at` (the value itself when `None`), a run
/// turns it into an Error finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub at: Option<Pos>,
    pub message: String,
}

impl Problem {
    /// A problem with the value as a whole.
    pub fn here(message: impl Into<String>) -> Problem {
        Problem {
            at: None,
            message: message.into(),
        }
    }

    /// A problem with a part of the value, at that part's position.
    pub fn at(pos: Pos, message: impl Into<String>) -> Problem {
        Problem {
            at: Some(pos),
            message: message.into(),
        }
    }
}

/// A value parsed at load: typed, or the problems lint reports and a run turns into an Error.
#[derive(Clone, Debug, PartialEq)]
pub enum Checked<T> {
    Valid(T),
    Invalid(Vec<Problem>),
}

impl<T> Checked<T> {
    /// The typed value, or the problems' messages joined with `; `.
    pub fn as_result(&self) -> Result<&T, String> {
        match self {
            Checked::Valid(value) => Ok(value),
            Checked::Invalid(problems) => Err(problems
                .iter()
                .map(|p| p.message.as_str())
                .collect::<Vec<_>>()
                .join("; ")),
        }
    }

    /// The problems found (none for a valid value).
    pub fn problems(&self) -> &[Problem] {
        match self {
            Checked::Valid(_) => &[],
            Checked::Invalid(problems) => problems,
        }
    }
}

impl<'de, T: FromCase> Deserialize<'de> for Checked<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = T::Raw::deserialize(d)?;
        Ok(match T::from_case(raw) {
            Ok(value) => Checked::Valid(value),
            Err(problems) => Checked::Invalid(problems),
        })
    }
}
