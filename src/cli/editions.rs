//! `editions`: the changelog from the 2023-09 edition to the current one, per behaviour ID (SAME,
//! CHANGED, NEW, REMOVED), as Markdown or JSON on stdout or into `--out FILE`. Exit 2 when a
//! catalogue is missing, invalid or disagrees with the other.

use std::path::PathBuf;

use anyhow::Context as _;

use crate::case::load::{CATALOGUE_FILE, CURRENT_CATALOGUE_FILE};
use crate::cli::{CliError, EXIT_OK};
use crate::report::changelog::{render_json, render_markdown};
use crate::requirements::{Catalogue, Changelog, Status};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// GitHub-flavoured Markdown: counts, a table per status, the source keys.
    Markdown,
    /// JSON for tools; its shape is `schemas/editions.schema.json`.
    Json,
}

#[derive(Debug, clap::Args)]
pub struct EditionsArgs {
    /// The folder holding `requirements.yaml` (2023-09) and `requirements.current.yaml` (current).
    #[arg(long, value_name = "DIR")]
    pub cases: Option<PathBuf>,
    /// Markdown for people, JSON for tools.
    #[arg(long, value_enum, default_value_t = Format::Markdown)]
    pub format: Format,
    /// Write the changelog to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub fn run(args: &EditionsArgs) -> Result<u8, CliError> {
    let dir = crate::cli::selection::cases_dir_or_default(args.cases.as_ref());
    let (sept_path, current_path) = (dir.join(CATALOGUE_FILE), dir.join(CURRENT_CATALOGUE_FILE));
    let load = |path: &PathBuf| Catalogue::load(path).map_err(|e| CliError::Usage(e.to_string()));
    let (sept_2023, current) = (load(&sept_path)?, load(&current_path)?);
    let changelog = Changelog::between(&sept_2023, &current).map_err(|e| {
        CliError::Usage(format!(
            "{} and {}: {e}",
            sept_path.display(),
            current_path.display()
        ))
    })?;
    let text = match args.format {
        Format::Markdown => render_markdown(&changelog),
        Format::Json => render_json(&changelog).context("failed to render the changelog")?,
    };
    match &args.out {
        None => print!("{text}"),
        Some(file) => {
            std::fs::write(file, &text)
                .with_context(|| format!("failed to write {}", file.display()))?;
            let counts: Vec<String> = Status::ALL
                .iter()
                .map(|&s| format!("{} {}", changelog.counts.of(s), s.as_str()))
                .collect();
            println!("wrote {}: {}", file.display(), counts.join(", "));
        }
    }
    Ok(EXIT_OK)
}
