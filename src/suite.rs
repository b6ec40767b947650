//! A suite: the requirements catalogue and the cases of one folder, loaded and linted together.
//! Shared by the CLI and the `cargo test` harness, so both judge case files the same way.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::case::lint::{LintContext, lint_all};
use crate::case::load::CATALOGUE_FILE;
use crate::case::{Case, load_dir};
use crate::requirements::Catalogue;

/// The folder a run uses when none is given: `cases/` here, else the one this crate was built from.
pub fn default_cases_dir() -> PathBuf {
    let local = PathBuf::from("cases");
    if local.join(CATALOGUE_FILE).is_file() {
        local
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("cases")
    }
}

pub struct Suite {
    pub catalogue: Catalogue,
    pub cases: Vec<Arc<Case>>,
}

/// Every problem found while loading, each already rendered with its location.
#[derive(Debug, thiserror::Error)]
#[error("{}", .problems.join("\n\n"))]
pub struct SuiteError {
    pub problems: Vec<String>,
}

impl SuiteError {
    fn one(problem: impl ToString) -> SuiteError {
        SuiteError {
            problems: vec![problem.to_string()],
        }
    }
}

/// Loads the catalogue and every case under `dir`, then lints them; all problems are kept.
pub fn load_suite(dir: &Path) -> Result<Suite, SuiteError> {
    load(dir, true)
}

/// The same, except that behaviour IDs missing from the catalogue are left for `coverage` to report.
pub fn load_suite_unchecked_ids(dir: &Path) -> Result<Suite, SuiteError> {
    load(dir, false)
}

fn load(dir: &Path, check_ids: bool) -> Result<Suite, SuiteError> {
    let catalogue = Catalogue::load(&dir.join(CATALOGUE_FILE)).map_err(SuiteError::one)?;
    let (cases, errors) = load_dir(dir);
    let mut ids: BTreeSet<String> = catalogue.behaviours.iter().map(|b| b.id.clone()).collect();
    if !check_ids {
        ids.extend(cases.iter().flat_map(|c| c.behaviours().map(str::to_owned)));
    }
    let diagnostics = lint_all(
        &cases,
        &LintContext {
            behaviour_ids: &ids,
        },
    );
    let mut problems: Vec<String> = errors.iter().map(ToString::to_string).collect();
    problems.extend(diagnostics.iter().map(ToString::to_string));
    if !problems.is_empty() {
        return Err(SuiteError { problems });
    }
    let uses_schemas = cases
        .iter()
        .any(|c| c.spec.steps.value.iter().any(|s| s.expect.schema.is_some()));
    if uses_schemas {
        crate::check::schema::warm_up().map_err(SuiteError::one)?;
    }
    Ok(Suite {
        catalogue,
        cases: cases.into_iter().map(Arc::new).collect(),
    })
}
