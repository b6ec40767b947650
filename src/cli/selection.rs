//! Which cases a command works on: the case folder, a name filter, behaviour IDs and the edition. Shared by
//! `run` and `list`, so both read and check these options the same way.

use std::path::{Path, PathBuf};

use crate::case::edition::catalogue_file;
use crate::cli::CliError;
use crate::edition::Edition;
use crate::partition::Partition;
use crate::plan::Selection;
use crate::requirements::Catalogue;
use crate::run::options::default_snapshots_dir;
use crate::suite::{Suite, built_in_cases_dir, default_cases_dir};

#[derive(Debug, clap::Args)]
pub struct SelectionArgs {
    /// The folder of case files (with requirements.yaml; default `./cases`, else the checkout's
    /// the binary was built from).
    #[arg(long, value_name = "DIR")]
    pub cases: Option<PathBuf>,
    /// Only cases whose name contains this text.
    #[arg(long, value_name = "PATTERN")]
    pub filter: Option<String>,
    /// Only cases checking this behaviour ID (repeatable).
    #[arg(long = "behaviour", value_name = "ID")]
    pub behaviours: Vec<String>,
    /// Only this shard of the selected cases, as cargo-nextest deals them: slice:M/N (by
    /// position) or hash:M/N (by name). `report merge` joins the shards' reports.
    #[arg(long, value_name = "KIND:M/N")]
    pub partition: Option<Partition>,
    /// Only this edition's suite: 2023-09 or current (default: the target profile's edition; with
    /// no target, both, each against an embedded server of its edition).
    #[arg(long, value_name = "EDITION")]
    pub edition: Option<Edition>,
}

/// The case folder `--cases` names, else `./cases`, else the checkout's the binary was built
/// from; the last is said on stderr.
pub fn cases_dir_or_default(given: Option<&PathBuf>) -> PathBuf {
    if let Some(dir) = given {
        return dir.clone();
    }
    let dir = default_cases_dir();
    if dir == built_in_cases_dir() {
        eprintln!(
            "cases: {} (no cases/ here: the checkout this binary was built from; --cases DIR for another)",
            dir.display()
        );
    }
    dir
}

/// The snapshot folder `--snapshots` names, else `snapshots/` beside `cases_dir`. When those cases
/// are the checkout's the binary was built from (no `cases/` here), a profile's own baseline
/// (`own_baseline`) goes to `./snapshots` instead, beside the user's profiles, not into that
/// checkout; the reference server's snapshots are still read from the checkout. Either choice is
/// said on stderr.
pub fn snapshots_dir_or_default(
    given: Option<&PathBuf>,
    cases_dir: &Path,
    own_baseline: bool,
) -> PathBuf {
    if let Some(dir) = given {
        return dir.clone();
    }
    if cases_dir != built_in_cases_dir() {
        return default_snapshots_dir(cases_dir);
    }
    if own_baseline {
        let dir = PathBuf::from("snapshots");
        eprintln!(
            "snapshots: {} (this folder: the profile's own baseline; --snapshots DIR for another)",
            std::path::absolute(&dir)
                .unwrap_or_else(|_| dir.clone())
                .display()
        );
        return dir;
    }
    let dir = default_snapshots_dir(cases_dir);
    eprintln!(
        "snapshots: {} (beside those cases, compared only; --snapshots DIR for another)",
        dir.display()
    );
    dir
}

impl SelectionArgs {
    pub fn cases_dir(&self) -> PathBuf {
        cases_dir_or_default(self.cases.as_ref())
    }

    pub fn selection(&self) -> Selection {
        Selection {
            filter: self.filter.clone(),
            behaviours: self.behaviours.clone(),
            partition: self.partition,
            editions: self.edition.into_iter().collect(),
        }
    }

    /// No filter, no behaviour and no partition: every case.
    pub fn is_everything(&self) -> bool {
        self.filter.is_none() && self.behaviours.is_empty() && self.partition.is_none()
    }

    /// `--edition` must have a catalogue in the case folder, and every `--behaviour` must name an
    /// ID catalogued in a selected edition.
    pub fn check(&self, suite: &Suite) -> Result<(), CliError> {
        if let Some(edition) = self.edition
            && suite.catalogue(edition).is_none()
        {
            return Err(CliError::Usage(format!(
                "--edition {edition}: the case folder has no {}",
                catalogue_file(edition)
            )));
        }
        let catalogues: Vec<&Catalogue> = suite
            .catalogues
            .iter()
            .filter(|c| self.edition.is_none_or(|e| e == c.edition))
            .collect();
        match self
            .behaviours
            .iter()
            .find(|id| catalogues.iter().all(|c| c.get(id).is_none()))
        {
            Some(id) => Err(CliError::Usage(format!(
                "unknown behaviour ID `{id}` in --behaviour (see `canvas-conformance coverage`)"
            ))),
            None => Ok(()),
        }
    }
}
