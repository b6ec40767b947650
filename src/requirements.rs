//! The behaviour catalogue (`cases/requirements.yaml`): every documented behaviour ID with its level,
//! statement and place on Canvas's page, and the page's contradictions with the suite's decisions.

use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::source::{Diagnostic, yaml_diagnostic};

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

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRef {
    pub lines: Vec<u32>,
    pub quote: String,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Behaviour {
    pub id: String,
    pub area: String,
    pub level: Level,
    /// FHIR's rule or Canvas's own.
    pub rule: Rule,
    pub statement: String,
    pub source: SourceRef,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Contradiction {
    pub id: String,
    pub summary: String,
    pub lines: Vec<u32>,
    pub behaviours: Vec<String>,
    pub decision: String,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PageSource {
    pub file: String,
    pub title: String,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    pub version: u32,
    pub source: PageSource,
    pub behaviours: Vec<Behaviour>,
    pub contradictions: Vec<Contradiction>,
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
}

impl Catalogue {
    pub fn load(path: &Path) -> Result<Catalogue, CatalogueError> {
        let shown: Arc<str> = Arc::from(path.to_string_lossy().as_ref());
        let text = std::fs::read_to_string(path).map_err(|source| CatalogueError::Io {
            path: shown.to_string(),
            source,
        })?;
        serde_saphyr::from_str(&text)
            .map_err(|e| CatalogueError::Invalid(Box::new(yaml_diagnostic(&shown, &text, &e))))
    }

    pub fn get(&self, id: &str) -> Option<&Behaviour> {
        self.behaviours.iter().find(|b| b.id == id)
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
