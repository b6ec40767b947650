//! What only an edition-aware catalogue carries: the edition's name, each behaviour's change since
//! 2023-09, the removed behaviours, the project decisions and the edition fingerprints.

use serde::{Deserialize, Serialize};

use super::citation::Citation;

/// The edition a catalogue describes (a catalogue without `edition:` is the 2023-09 one).
pub use crate::edition::Edition;

/// A live behaviour compared with the 2023-09 edition: the "vs 2023-09" column of
/// BEHAVIOURS-CURRENT.md. REMOVED behaviours are [`RemovedBehaviour`]s, not rows.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// The same behaviour, possibly reworded or at another level.
    #[serde(rename = "SAME")]
    Same,
    /// The behaviour or its text differs.
    #[serde(rename = "CHANGED")]
    Changed,
    /// The 2023-09 edition has no such behaviour.
    #[serde(rename = "NEW")]
    New,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Same => "SAME",
            Change::Changed => "CHANGED",
            Change::New => "NEW",
        }
    }
}

/// A 2023-09 behaviour with no counterpart in this edition: it has no case here.
/// Source: BEHAVIOURS-CURRENT.md, "2023-09 behaviours that are REMOVED".
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RemovedBehaviour {
    /// The 2023-09 ID, e.g. `CREATE-STATUS-PROPOSED`.
    pub id: String,
    /// What the 2023-09 edition required.
    pub it_said: String,
    /// What holds now, naming the live IDs that replace it.
    pub now: String,
    /// When Canvas changed it, as the specification dates it (free text, e.g. `2024-04-18`).
    pub since: String,
    pub source: Vec<Citation>,
}

/// A project decision (`D1`…) where the pages are silent or contradict themselves.
/// Source: BEHAVIOURS-CURRENT.md, "Decisions".
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// `D<n>`.
    pub id: String,
    pub title: String,
    /// The decision as the specification states it; sub-points one per line, starting `- `.
    pub text: String,
}

/// A probe that tells which edition a live server speaks, with the answer of each edition.
/// Source: BEHAVIOURS-CURRENT.md, "Edition fingerprints".
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Fingerprint {
    /// `F<n>` (read-only) or `W<n>` (writes).
    pub id: String,
    pub probe: String,
    pub edition_2023_09: String,
    pub current: String,
    /// When Canvas made the step (free text; Canvas changed in steps between 2023-10 and 2026).
    pub canvas_since: String,
    /// The probe creates or updates an appointment: run it only where the profile allows writes.
    pub writes: bool,
}
