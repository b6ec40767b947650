//! Which server a command talks to, and how: `--target`, `--token` and `--profile`, read the same
//! way by `run` and `doctor` (the profile file, its base URL unless `--target` overrides it).

use std::path::PathBuf;

use crate::cli::CliError;
use crate::edition::Edition;
use crate::run::options::parse_base_url;
use crate::target::Profile;

#[derive(Debug, clap::Args)]
pub struct TargetArgs {
    /// FHIR base URL of the server (default: the profile's base_url; for `run`, else the embedded
    /// reference servers).
    #[arg(long, value_name = "URL")]
    pub target: Option<String>,
    /// Static bearer token for the target (instead of the profile's OAuth client).
    #[arg(
        long,
        env = "CANVAS_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub token: Option<String>,
    /// Target profile (YAML): base URL, OAuth token URL, fixtures, capabilities, allow_writes
    /// (default: the reference instance). See docs/profiles.md.
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
}

impl TargetArgs {
    /// The profile file, or the reference instance's values assumed when none is given.
    pub fn load_profile(&self) -> Result<Profile, CliError> {
        self.load_profile_for(None)
    }

    /// The profile, with `edition` (from `--edition`) winning over the one it names; without a
    /// profile, the reference instance of that edition (2023-09 when none is given).
    pub fn load_profile_for(&self, edition: Option<Edition>) -> Result<Profile, CliError> {
        match &self.profile {
            Some(path) => {
                let mut profile =
                    Profile::load(path).map_err(|e| CliError::Usage(e.to_string()))?;
                if let Some(edition) = edition {
                    profile.edition = edition;
                }
                Ok(profile)
            }
            None => Ok(Profile::assumed_reference_for(edition.unwrap_or_default())),
        }
    }

    /// `--target`, else the profile's base_url, checked and without a trailing slash.
    pub fn base_url(&self, profile: &Profile) -> Result<Option<String>, CliError> {
        self.target
            .clone()
            .or_else(|| profile.base_url.clone())
            .map(|url| parse_base_url(&url).map_err(|e| CliError::Usage(e.to_string())))
            .transpose()
    }
}
