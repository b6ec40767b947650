//! The behaviour catalogues (`cases/requirements.yaml` for 2023-09, `cases/requirements.current.yaml`
//! for the current edition): every behaviour ID with its level, statement and sources, and the pages'
//! contradictions with the suite's decisions; one type reads both, and [`Changelog`] compares them.

use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::source::{Diagnostic, yaml_diagnostic};

mod changelog;
mod citation;
mod consistency;
mod edition;

pub use changelog::{
    Changelog, ChangelogEntry, ChangelogError, Counts, CurrentExpectation, DecisionRef, EditionRef,
    Removal, Sept2023Expectation, Status,
};
pub use citation::{BehaviourSource, Citation, SourceKey, SourceRef};
pub use edition::{Change, Decision, Edition, Fingerprint, RemovedBehaviour};

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    #[serde(rename = "MUST")]
    Must,
    #[serde(rename = "SHOULD")]
    Should,
    #[serde(rename = "OBSERVED")]
    Observed,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::Should => "SHOULD",
            Level::Observed => "OBSERVED",
        }
    }
}

/// Whose rule a behaviour is: FHIR R4's (any conformant server should pass it) or Canvas's own.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// FHIR R4's RESTful API or search rules (http.html, search.html, the resource definitions).
    Fhir,
    /// Canvas's own: its texts, defaults, validation and conventions.
    Canvas,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Fhir => "fhir",
            Rule::Canvas => "canvas",
        }
    }
}

/// One catalogued behaviour. The edition-only fields are absent (and not serialized) in 2023-09.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Behaviour {
    /// The stable ID of BEHAVIOURS.md / BEHAVIOURS-CURRENT.md, e.g. `READ-404`.
    pub id: String,
    /// `cross-cutting`, `read`, `create`, `update` or `search`.
    pub area: String,
    pub level: Level,
    /// FHIR's rule or Canvas's own.
    pub rule: Rule,
    /// For `rule: fhir`: the FHIR R4 section that requires it (`http.html#read (…)`), so a red
    /// verdict on it can be read against the spec; absent for Canvas's own rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fhir_spec: Option<String>,
    pub statement: String,
    /// Seed lines and a quote (2023-09) or references into `source.keys` (current).
    pub source: BehaviourSource,
    /// Current edition: SAME, CHANGED or NEW against 2023-09 (the "vs 2023-09" column).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<Change>,
    /// Current edition: the column's parenthesised note, e.g. `was SHOULD; exact body`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_note: Option<String>,
    /// Current edition: the decisions (`D<n>`, see [`Catalogue::decisions`]) the row names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub decisions: Vec<String>,
}

/// A place where the page disagrees with itself (or with FHIR R4), and what the suite does.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Contradiction {
    /// `C<n>`, numbered per edition.
    pub id: String,
    /// What disagrees; in the current edition it keeps the specification's own references.
    pub summary: String,
    /// 2023-09: 1-based lines of the seed page. Empty in the current edition, whose references are
    /// in `summary` (they span several sources).
    #[serde(default)]
    pub lines: Vec<u32>,
    /// The behaviour IDs it touches.
    pub behaviours: Vec<String>,
    pub decision: String,
}

/// The page a catalogue reads: `file` and `title` name it in reports; `keys` (current edition) is
/// the key table its behaviours' citations refer to.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PageSource {
    pub file: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<SourceKey>,
}

impl PageSource {
    pub fn key(&self, key: &str) -> Option<&SourceKey> {
        self.keys.iter().find(|k| k.key == key)
    }
}

/// A requirements catalogue of one edition. The 2023-09 file has only `version`, `source`,
/// `behaviours` and `contradictions`; the current one adds `edition: current`, `removed`,
/// `decisions` and `fingerprints` (all default to absent/empty).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    pub version: u32,
    /// `2023-09` when absent.
    #[serde(default)]
    pub edition: Edition,
    pub source: PageSource,
    pub behaviours: Vec<Behaviour>,
    /// The 2023-09 behaviours this edition no longer has.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<RemovedBehaviour>,
    /// The project decisions D1… the rows and contradictions rest on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub decisions: Vec<Decision>,
    pub contradictions: Vec<Contradiction>,
    /// Probes telling which edition a live server speaks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fingerprints: Vec<Fingerprint>,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("failed to read the requirements catalogue {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(Box<Diagnostic>),
    #[error("the requirements catalogue {path} does not hold together:\n  {}", .problems.join("\n  "))]
    Inconsistent { path: String, problems: Vec<String> },
}

impl Catalogue {
    /// Reads a catalogue of either edition. Errors: [`CatalogueError::Io`] when the file cannot be
    /// read, [`CatalogueError::Invalid`] (with file:line:col) when it is not a catalogue,
    /// [`CatalogueError::Inconsistent`] when it names an ID, decision or source key it lacks.
    pub fn load(path: &Path) -> Result<Catalogue, CatalogueError> {
        let shown: Arc<str> = Arc::from(path.to_string_lossy().as_ref());
        let text = std::fs::read_to_string(path).map_err(|source| CatalogueError::Io {
            path: shown.to_string(),
            source,
        })?;
        let catalogue: Catalogue = serde_saphyr::from_str(&text)
            .map_err(|e| CatalogueError::Invalid(Box::new(yaml_diagnostic(&shown, &text, &e))))?;
        let problems = consistency::problems(&catalogue);
        if problems.is_empty() {
            Ok(catalogue)
        } else {
            Err(CatalogueError::Inconsistent {
                path: shown.to_string(),
                problems,
            })
        }
    }

    pub fn get(&self, id: &str) -> Option<&Behaviour> {
        self.behaviours.iter().find(|b| b.id == id)
    }

    pub fn decision(&self, id: &str) -> Option<&Decision> {
        self.decisions.iter().find(|d| d.id == id)
    }
}

/// Which cases check each catalogued behaviour, and which case names an ID the catalogue lacks.
#[derive(Clone, Debug, Serialize)]
pub struct Coverage {
    pub rows: Vec<CoverageRow>,
    /// (case name, unknown ID).
    pub unknown: Vec<(String, String)>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CoverageRow {
    pub id: String,
    pub level: Level,
    pub cases: Vec<String>,
}

impl Coverage {
    /// `cases` pairs each case name with the IDs it names.
    pub fn of<'a>(
        catalogue: &Catalogue,
        cases: impl IntoIterator<Item = (&'a str, Vec<&'a str>)>,
    ) -> Coverage {
        let mut rows: Vec<CoverageRow> = catalogue
            .behaviours
            .iter()
            .map(|b| CoverageRow {
                id: b.id.clone(),
                level: b.level,
                cases: Vec::new(),
            })
            .collect();
        let mut unknown = Vec::new();
        for (case, ids) in cases {
            for id in ids {
                match rows.iter_mut().find(|r| r.id == id) {
                    Some(row) => row.cases.push(case.to_owned()),
                    None => unknown.push((case.to_owned(), id.to_owned())),
                }
            }
        }
        Coverage { rows, unknown }
    }

    pub fn uncovered(&self) -> impl Iterator<Item = &CoverageRow> {
        self.rows.iter().filter(|r| r.cases.is_empty())
    }

    pub fn complete(&self) -> bool {
        self.uncovered().next().is_none() && self.unknown.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Catalogue, String> {
        serde_saphyr::from_str(text).map_err(|e| e.to_string())
    }

    const BEHAVIOUR: &str =
        "  - id: READ-200\n    area: read\n    level: MUST\n    rule: fhir\n    statement: s\n";

    #[test]
    fn a_2023_09_catalogue_reads_seed_lines_and_defaults_to_its_edition() {
        let text = format!(
            "version: 1\nsource: {{ file: f, title: t }}\nbehaviours:\n{BEHAVIOUR}    source: {{ lines: [1, 2], quote: q }}\ncontradictions: []\n"
        );
        let catalogue = parse(&text).unwrap();
        assert_eq!(catalogue.edition, Edition::Sept2023);
        let b = &catalogue.behaviours[0];
        assert_eq!(
            b.source,
            BehaviourSource::Page(SourceRef {
                lines: vec![1, 2],
                quote: "q".to_owned()
            })
        );
        assert!(b.source.citations().is_empty());
        assert_eq!((b.change, b.decisions.len()), (None, 0));
    }

    #[test]
    fn a_current_catalogue_reads_citations_change_and_decisions() {
        let text = format!(
            "version: 1\nedition: current\nsource: {{ file: f, title: t, keys: [{{ key: P, about: a }}] }}\nbehaviours:\n{BEHAVIOUR}    change: CHANGED\n    change_note: n\n    decisions: [D1]\n    source:\n      - {{ key: P, lines: \"L1–2\" }}\n      - {{ key: P, commit: e174fe9, lines: L3 }}\ncontradictions: []\n"
        );
        let catalogue = parse(&text).unwrap();
        assert_eq!(catalogue.edition, Edition::Current);
        let b = &catalogue.behaviours[0];
        assert_eq!(b.change, Some(Change::Changed));
        assert_eq!(b.decisions, vec!["D1".to_owned()]);
        let cited = b.source.citations();
        assert_eq!(cited.len(), 2);
        assert_eq!(cited[0].lines.as_deref(), Some("L1–2"));
        assert_eq!(cited[1].commit.as_deref(), Some("e174fe9"));
        assert!(catalogue.source.key("P").is_some());
    }

    #[test]
    fn an_unknown_field_in_either_source_form_is_named() {
        for source in [
            "{ lines: [1], quote: q, page: 2 }",
            "[{ key: P, line: L1 }]",
        ] {
            let text = format!(
                "version: 1\nsource: {{ file: f, title: t }}\nbehaviours:\n{BEHAVIOUR}    source: {source}\ncontradictions: []\n"
            );
            let error = parse(&text).unwrap_err();
            assert!(error.contains("unknown field"), "{source}: {error}");
        }
    }

    #[test]
    fn an_unknown_edition_or_change_is_refused() {
        let edition = "version: 1\nedition: 2024-04\nsource: { file: f, title: t }\nbehaviours: []\ncontradictions: []\n";
        assert!(parse(edition).unwrap_err().contains("2024-04"));
        let change = format!(
            "version: 1\nsource: {{ file: f, title: t }}\nbehaviours:\n{BEHAVIOUR}    source: []\n    change: MOVED\ncontradictions: []\n"
        );
        assert!(parse(&change).unwrap_err().contains("MOVED"));
    }
}
