//! Source positions in case and profile files, and the one diagnostic renderer:
//! `error: message`, `--> file:line:col`, the offending line and a caret, as rustc prints them.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

mod yaml;

pub use yaml::yaml_diagnostic;

/// A 1-based line and column in a source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

impl Pos {
    pub fn of<T>(spanned: &serde_saphyr::Spanned<T>) -> Pos {
        Pos {
            line: spanned.referenced.line() as u32,
            col: spanned.referenced.column() as u32,
        }
    }
}

/// A position inside a named file: what a finding or a lint error points at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    pub file: Arc<str>,
    pub line: u32,
    pub col: u32,
}

impl Location {
    pub fn new(file: &Arc<str>, pos: Pos) -> Location {
        Location {
            file: Arc::clone(file),
            line: pos.line,
            col: pos.col,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}

/// An error about a source file, rendered with the line it points at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub location: Location,
    pub message: String,
    /// The text of the offending line, when the file could be read.
    pub line_text: Option<String>,
}

impl Diagnostic {
    pub fn new(location: Location, message: impl Into<String>, source: Option<&str>) -> Diagnostic {
        let line_text = source.and_then(|text| {
            let index = location.line.checked_sub(1)? as usize;
            text.lines().nth(index).map(str::to_owned)
        });
        Diagnostic {
            location,
            message: message.into(),
            line_text,
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", self.message)?;
        write!(f, "  --> {}", self.location)?;
        if let Some(line) = &self.line_text {
            let number = self.location.line.to_string();
            let pad = " ".repeat(number.len());
            let caret_at = (self.location.col.max(1) - 1) as usize;
            // Keep tabs so the caret lines up under the same visual column.
            let lead: String = line
                .chars()
                .take(caret_at)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            write!(f, "\n{pad} |\n{number} | {line}\n{pad} | {lead}^")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_line_and_caret() {
        let file: Arc<str> = Arc::from("cases/x.yaml");
        let d = Diagnostic::new(
            Location::new(&file, Pos { line: 2, col: 5 }),
            "unknown key `bogus`",
            Some("a: 1\nb:  bogus: 2\n"),
        );
        let text = d.to_string();
        assert_eq!(
            text,
            "error: unknown key `bogus`\n  --> cases/x.yaml:2:5\n  |\n2 | b:  bogus: 2\n  |     ^"
        );
    }
}
