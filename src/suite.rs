//! A suite: the requirements catalogues (one per edition) and the cases of one folder, loaded,
//! resolved per edition and linted together.
//! Shared by the CLI and the `cargo test` harness, so both judge case files the same way.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::case::edition::{self, catalogue_file, resolve};
use crate::case::lint::{LintContext, lint_all};
use crate::case::load::CATALOGUE_FILE;
use crate::case::{Case, load_dir};
use crate::edition::Edition;
use crate::requirements::Catalogue;

/// The folder a run uses when none is given: `cases/` here, else the one this crate was built from.
pub fn default_cases_dir() -> PathBuf {
    let local = PathBuf::from("cases");
    if local.join(CATALOGUE_FILE).is_file() {
        local
    } else {
        built_in_cases_dir()
    }
}

/// The case folder of the checkout this binary was built from (where [`default_cases_dir`] falls
/// back to when the working directory has no `cases/`).
pub fn built_in_cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("cases")
}

/// The catalogues and the cases of one folder. A case file serving both editions is here twice,
/// once per edition (`case.edition`), each as that edition runs it.
pub struct Suite {
    /// One catalogue per edition whose file is in the folder, oldest edition first; the 2023-09
    /// one (`requirements.yaml`) is always there.
    pub catalogues: Vec<Catalogue>,
    pub cases: Vec<Arc<Case>>,
}

impl Suite {
    /// The catalogue of `edition`, when the folder has one.
    pub fn catalogue(&self, edition: Edition) -> Option<&Catalogue> {
        self.catalogues.iter().find(|c| c.edition == edition)
    }

    /// The 2023-09 catalogue (always loaded).
    pub fn catalogue_2023_09(&self) -> &Catalogue {
        &self.catalogues[0]
    }

    /// The editions this folder has a catalogue for, oldest first.
    pub fn editions(&self) -> Vec<Edition> {
        self.catalogues.iter().map(|c| c.edition).collect()
    }

    /// The cases of one edition, in file order.
    pub fn cases_of(&self, edition: Edition) -> impl Iterator<Item = &Arc<Case>> {
        self.cases.iter().filter(move |c| c.edition == edition)
    }
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
    // The catalogues are parsed while the case files are (the two are independent and most of a
    // suite's start-up), and the FHIR schema compiled while the cases are linted.
    let (catalogues, (files, errors)) = std::thread::scope(|scope| {
        let catalogues = scope.spawn(|| load_catalogues(dir));
        let files = load_dir(dir);
        let catalogues = catalogues
            .join()
            .unwrap_or_else(|_| Err(SuiteError::one("loading the catalogues panicked")));
        (catalogues, files)
    });
    let catalogues = catalogues?;
    let uses_schemas = files
        .iter()
        .any(|c| c.spec.steps.value.iter().any(|s| s.expect.schema.is_some()));
    std::thread::scope(|scope| {
        let warming = uses_schemas.then(|| scope.spawn(crate::check::schema::warm_up));
        let suite = lint(catalogues, &files, &errors, check_ids)?;
        if let Some(warming) = warming {
            warming
                .join()
                .unwrap_or_else(|_| Err("compiling the FHIR schema panicked".to_owned()))
                .map_err(SuiteError::one)?;
        }
        Ok(suite)
    })
}

/// The 2023-09 catalogue (`requirements.yaml`, always there) and the current edition's when the
/// folder has one.
fn load_catalogues(dir: &Path) -> Result<Vec<Catalogue>, SuiteError> {
    let mut catalogues = vec![Catalogue::load(&dir.join(CATALOGUE_FILE)).map_err(SuiteError::one)?];
    let current = dir.join(catalogue_file(Edition::Current));
    if current.is_file() {
        catalogues.push(Catalogue::load(&current).map_err(SuiteError::one)?);
    }
    Ok(catalogues)
}

/// The loaded files resolved per edition and linted, every problem kept.
fn lint(
    catalogues: Vec<Catalogue>,
    files: &[Case],
    errors: &[crate::case::load::LoadError],
    check_ids: bool,
) -> Result<Suite, SuiteError> {
    let mut problems: Vec<String> = errors.iter().map(ToString::to_string).collect();
    let mut cases = Vec::new();
    for catalogue in &catalogues {
        let of_edition: Vec<Case> = files
            .iter()
            .filter_map(|file| resolve(file, catalogue.edition))
            .collect();
        let mut ids: BTreeSet<String> = catalogue.behaviours.iter().map(|b| b.id.clone()).collect();
        if !check_ids {
            ids.extend(
                of_edition
                    .iter()
                    .flat_map(|c| c.behaviours().map(str::to_owned)),
            );
        }
        let ctx = LintContext {
            behaviour_ids: &ids,
            edition: catalogue.edition,
        };
        problems.extend(lint_all(&of_edition, &ctx).iter().map(ToString::to_string));
        cases.extend(of_edition);
    }
    let available: Vec<Edition> = catalogues.iter().map(|c| c.edition).collect();
    for file in files {
        problems.extend(
            edition::problems(file, &available)
                .iter()
                .map(ToString::to_string),
        );
    }
    // A case serving both editions is linted twice: a problem shared by both is shown once.
    let mut seen = BTreeSet::new();
    problems.retain(|p| seen.insert(p.clone()));
    if !problems.is_empty() {
        return Err(SuiteError { problems });
    }
    Ok(Suite {
        catalogues,
        cases: cases.into_iter().map(Arc::new).collect(),
    })
}
