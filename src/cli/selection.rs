//! Which cases a command works on: the case folder, a name filter and behaviour IDs. Shared by
//! `run` and `list`, so both read and check these options the same way.

use std::path::PathBuf;

use crate::cli::CliError;
use crate::partition::Partition;
use crate::plan::Selection;
use crate::requirements::Catalogue;
use crate::suite::default_cases_dir;

#[derive(Debug, clap::Args)]
pub struct SelectionArgs {
    /// The folder of case files (with requirements.yaml; default `cases/`).
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
}

impl SelectionArgs {
    pub fn cases_dir(&self) -> PathBuf {
        self.cases.clone().unwrap_or_else(default_cases_dir)
    }

    pub fn selection(&self) -> Selection {
        Selection {
            filter: self.filter.clone(),
            behaviours: self.behaviours.clone(),
            partition: self.partition,
        }
    }

    /// No filter, no behaviour and no partition: every case.
    pub fn is_everything(&self) -> bool {
        self.filter.is_none() && self.behaviours.is_empty() && self.partition.is_none()
    }

    /// Every `--behaviour` must name a catalogued ID.
    pub fn check(&self, catalogue: &Catalogue) -> Result<(), CliError> {
        match self
            .behaviours
            .iter()
            .find(|id| catalogue.get(id).is_none())
        {
            Some(id) => Err(CliError::Usage(format!(
                "unknown behaviour ID `{id}` in --behaviour (see `canvas-conformance coverage`)"
            ))),
            None => Ok(()),
        }
    }
}
