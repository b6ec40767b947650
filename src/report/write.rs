//! `--report-dir`: renders the five report files from one [`Report`] and writes them into a folder
//! (created when missing). Every file is rendered before any is written, so a rendering error
//! leaves no half-written set behind.

use std::path::{Path, PathBuf};

use crate::report::model::Report;
use crate::report::{html, json, junit, markdown, testreport};

pub const JUNIT_FILE: &str = "junit.xml";
pub const JSON_FILE: &str = "report.json";
pub use crate::report::html::HTML_FILE;
pub const MARKDOWN_FILE: &str = "summary.md";
/// The run as a FHIR R4 `TestReport` ([`testreport`]).
pub const TESTREPORT_FILE: &str = "testreport.json";

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("failed to render {file}: {message}")]
    Render { file: &'static str, message: String },
    #[error("failed to create the report folder {}: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the report folder {} is a file", .0.display())]
    NotADir(PathBuf),
    #[error("failed to write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn rendered(
    file: &'static str,
    result: Result<String, impl std::fmt::Display>,
) -> Result<(&'static str, String), ReportError> {
    result
        .map(|text| (file, text))
        .map_err(|e| ReportError::Render {
            file,
            message: e.to_string(),
        })
}

/// Writes junit.xml, report.json, report.html, summary.md and testreport.json into `dir`; returns
/// their paths.
pub fn write_reports(dir: &Path, report: &Report) -> Result<Vec<PathBuf>, ReportError> {
    let files = [
        rendered(JUNIT_FILE, junit::render(report))?,
        rendered(JSON_FILE, json::render(report))?,
        rendered(HTML_FILE, html::render(report))?,
        rendered(MARKDOWN_FILE, Ok::<_, String>(markdown::render(report)))?,
        rendered(TESTREPORT_FILE, testreport::render(report))?,
    ];
    if dir.exists() && !dir.is_dir() {
        return Err(ReportError::NotADir(dir.to_path_buf()));
    }
    std::fs::create_dir_all(dir).map_err(|source| ReportError::CreateDir {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut written = Vec::with_capacity(files.len());
    for (file, text) in files {
        let path = dir.join(file);
        std::fs::write(&path, text).map_err(|source| ReportError::Write {
            path: path.clone(),
            source,
        })?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::model::tests::report;

    fn scratch(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!(
            "cc-report-{name}-{}",
            uuid::Uuid::new_v4().simple()
        ))
    }

    #[test]
    fn writes_the_five_files_into_a_new_nested_folder() {
        let dir = scratch("write").join("nested/deeper");
        let paths = write_reports(&dir, &report()).expect("written");
        let names: Vec<_> = paths
            .iter()
            .map(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect();
        assert_eq!(
            names,
            [
                JUNIT_FILE,
                JSON_FILE,
                HTML_FILE,
                MARKDOWN_FILE,
                TESTREPORT_FILE
            ]
        );
        for path in &paths {
            assert!(
                std::fs::metadata(path).expect("exists").len() > 100,
                "{}",
                path.display()
            );
        }
    }

    #[test]
    fn a_file_in_the_way_is_a_clear_error() {
        let file = scratch("file");
        std::fs::write(&file, "x").expect("write");
        let error = write_reports(&file, &report()).expect_err("not a folder");
        assert!(error.to_string().contains("is a file"), "{error}");
    }
}
