//! ⑥ Reports: render run outcomes for people and machines. Reporters only read: the console
//! renders outcomes as they arrive; the files of `--report-dir` (among them [`testreport`], a FHIR
//! R4 `TestReport`) render one [`model::Report`]; [`changelog`] renders the editions changelog of
//! `canvas-conformance editions`.

pub mod changelog;
pub mod compared;
pub mod comparison;
pub mod console;
pub mod failing;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod merge;
pub mod model;
pub mod progress;
pub mod testreport;
pub mod verdict_word;
pub mod write;

pub use model::{Report, ReportInput, SuiteRef, TargetInfo};
pub use write::{ReportError, write_reports};
