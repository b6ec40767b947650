//! Where a catalogued behaviour comes from: the 2023-09 catalogue's seed lines and quote, or the
//! current catalogue's references into keyed sources (BEHAVIOURS-CURRENT.md's key table).

use std::fmt;

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

/// The 2023-09 form: `{ lines: [187, 305], quote: "…" }`. `lines` are 1-based line numbers in the
/// seed page (`source.file`, as `cat -n` prints them); `quote` is verbatim from those lines
/// (whitespace-normalised).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SourceRef {
    pub lines: Vec<u32>,
    pub quote: String,
}

/// One reference of the current form, e.g. `{ key: P, lines: "L2100–2107, L2140" }` or
/// `{ key: RN, path: "2025-05-05-fhir-apt-identifier-search.md", lines: "L7" }`.
/// Source: the "Source" column of BEHAVIOURS-CURRENT.md, one item per `;`-separated part.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Citation {
    /// A key of `source.keys` (P, G, D, RN, V2, S, B, F, FHIR).
    pub key: String,
    /// A commit that replaces the key's own (`P@e174fe9`: an older rendering, used to date a change).
    pub commit: Option<String>,
    /// A path below the key's (a release note, a file of F or B, a FHIR page).
    pub path: Option<String>,
    /// The line span as the specification writes it: 1-based, inclusive, `–` for a range,
    /// e.g. `"L2253–2254, L3069–3083"`.
    pub lines: Option<String>,
    /// What the specification adds beside the reference, e.g. a date `(2025-04-07)`.
    pub note: Option<String>,
}

/// A behaviour's `source:` in either edition's catalogue: a mapping (2023-09's [`SourceRef`]) or a
/// list of [`Citation`]s (the current edition). Errors inside either form name the offending field.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum BehaviourSource {
    /// `cases/requirements.yaml`: lines and a quote of the seed page.
    Page(SourceRef),
    /// `cases/requirements.current.yaml`: references into `source.keys`.
    Cited(Vec<Citation>),
}

impl BehaviourSource {
    /// The references of the current form; empty for the 2023-09 form.
    pub fn citations(&self) -> &[Citation] {
        match self {
            BehaviourSource::Page(_) => &[],
            BehaviourSource::Cited(citations) => citations,
        }
    }
}

impl From<SourceRef> for BehaviourSource {
    fn from(page: SourceRef) -> BehaviourSource {
        BehaviourSource::Page(page)
    }
}

impl<'de> Deserialize<'de> for BehaviourSource {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SourceVisitor)
    }
}

struct SourceVisitor;

impl<'de> Visitor<'de> for SourceVisitor {
    type Value = BehaviourSource;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "a mapping { lines, quote } (2023-09) or a list of { key, lines, … } references",
        )
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        SourceRef::deserialize(MapAccessDeserializer::new(map)).map(BehaviourSource::Page)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Vec::<Citation>::deserialize(SeqAccessDeserializer::new(seq)).map(BehaviourSource::Cited)
    }
}

/// One row of the key table (`source.keys`), e.g. `{ key: P, repo: canvas-medical/coding-agents,
/// commit: 5960b54, path: …, about: … }`. Source: BEHAVIOURS-CURRENT.md's key table.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SourceKey {
    pub key: String,
    /// `owner/name` on GitHub; absent for a file of the specification folder or a web page.
    pub repo: Option<String>,
    /// The abbreviated commit line numbers refer to.
    pub commit: Option<String>,
    /// A path inside `repo` (or the specification folder), or a URL when there is no repo.
    pub path: Option<String>,
    /// What the source is and what it is used for.
    pub about: String,
}
