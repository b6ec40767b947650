//! Finds case files under a folder and parses each into a spanned [`CaseFile`], keeping its source
//! text for diagnostics. Every file is read; every error is kept (a bad file never hides another).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::case::model::CaseFile;
use crate::edition::Edition;
use crate::source::{Diagnostic, Location, Pos, yaml_diagnostic};

/// The file name of the requirements catalogue, which lives beside the cases but is not one.
pub const CATALOGUE_FILE: &str = "requirements.yaml";

/// The current edition's catalogue (see docs/editions.md), beside the cases too and not one either.
pub const CURRENT_CATALOGUE_FILE: &str = "requirements.current.yaml";

/// A parsed case file with its origin.
#[derive(Debug)]
pub struct Case {
    pub file: Arc<str>,
    pub source: Arc<str>,
    pub spec: CaseFile,
    /// The edition this case runs in: a file serving both editions is resolved into one case per
    /// edition (see [`crate::case::edition::resolve`]); as loaded, before that, `2023-09`.
    pub edition: Edition,
}

impl Case {
    pub fn name(&self) -> &str {
        &self.spec.name.value
    }

    pub fn behaviours(&self) -> impl Iterator<Item = &str> {
        self.spec.behaviours.value.iter().map(|b| b.value.as_str())
    }

    pub fn location(&self, pos: Pos) -> Location {
        Location::new(&self.file, pos)
    }

    /// A diagnostic at `pos` in this case's file, with the source line.
    pub fn diagnostic(&self, pos: Pos, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.location(pos), message, Some(&self.source))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("failed to read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Parse(Box<Diagnostic>),
    #[error("no case files (*.yaml) under {0}")]
    Empty(PathBuf),
}

/// Loads every `*.yaml`/`*.yml` below `dir` (except the catalogues), sorted by path: the cases that
/// parsed, and an error for each file that did not (one bad file never hides the others).
pub fn load_dir(dir: &Path) -> (Vec<Case>, Vec<LoadError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    collect_files(dir, &mut files, &mut errors);
    files.sort();
    let mut cases = Vec::new();
    for loaded in read_and_parse(files) {
        match loaded {
            Ok(case) => cases.push(case),
            Err(error) => errors.push(error),
        }
    }
    if cases.is_empty() && errors.is_empty() {
        errors.push(LoadError::Empty(dir.to_path_buf()));
    }
    (cases, errors)
}

/// Reads and parses `files`, in their order: YAML parsing is most of a suite's start-up, so the
/// files are shared among up to [`PARSERS`] threads (contiguous chunks, joined in order). A
/// thread that panicked leaves its files as one error each, never a lost file.
fn read_and_parse(files: Vec<PathBuf>) -> Vec<Result<Case, LoadError>> {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, PARSERS);
    let chunk = files.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let parsing: Vec<_> = files
            .chunks(chunk)
            .map(|paths| {
                (
                    paths,
                    scope.spawn(|| paths.iter().map(|p| read_one(p)).collect::<Vec<_>>()),
                )
            })
            .collect();
        parsing
            .into_iter()
            .flat_map(|(paths, handle)| {
                handle.join().unwrap_or_else(|_| {
                    paths
                        .iter()
                        .map(|path| {
                            Err(LoadError::Io {
                                path: path.clone(),
                                source: std::io::Error::other("its parser panicked"),
                            })
                        })
                        .collect()
                })
            })
            .collect()
    })
}

/// Threads parsing case files at most (a suite has about a hundred small files).
const PARSERS: usize = 4;

fn read_one(path: &Path) -> Result<Case, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_case(display_path(path), &text)
        .map_err(|diagnostic| LoadError::Parse(Box::new(diagnostic)))
}

/// Parses one case file's text; `file` is the name diagnostics show.
pub fn parse_case(file: Arc<str>, text: &str) -> Result<Case, Diagnostic> {
    match serde_saphyr::from_str::<CaseFile>(text) {
        Ok(spec) => Ok(Case {
            file,
            source: Arc::from(text),
            spec,
            edition: Edition::default(),
        }),
        Err(error) => Err(yaml_diagnostic(&file, text, &error)),
    }
}

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>, errors: &mut Vec<LoadError>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(source) => {
            errors.push(LoadError::Io {
                path: dir.to_path_buf(),
                source,
            });
            return;
        }
    };
    for entry in entries {
        let path = match entry {
            Ok(entry) => entry.path(),
            Err(source) => {
                errors.push(LoadError::Io {
                    path: dir.to_path_buf(),
                    source,
                });
                continue;
            }
        };
        if path.is_dir() {
            collect_files(&path, files, errors);
        } else if is_case_file(&path) {
            files.push(path);
        }
    }
}

fn is_case_file(path: &Path) -> bool {
    let yaml = matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    );
    let name = path.file_name().and_then(|n| n.to_str());
    yaml && name != Some(CATALOGUE_FILE) && name != Some(CURRENT_CATALOGUE_FILE)
}

fn display_path(path: &Path) -> Arc<str> {
    let cwd = std::env::current_dir().ok();
    let shown = cwd
        .as_deref()
        .and_then(|cwd| path.strip_prefix(cwd).ok())
        .unwrap_or(path);
    Arc::from(shown.to_string_lossy().as_ref())
}
