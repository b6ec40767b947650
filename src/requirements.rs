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
