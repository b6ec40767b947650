//! Which servers a command talks to, and how: `--target`, `--token` and `--profile`, read the same
//! way by `run` (one target or several, compared) and `doctor` (one): the profile files, their base
//! URLs unless a `--target` overrides them.

use std::path::PathBuf;

use crate::cli::CliError;
use crate::edition::Edition;
use crate::run::options::parse_base_url;
use crate::target::Profile;

#[derive(Debug, clap::Args)]
pub struct TargetArgs {
    /// FHIR base URL of the server (default: the profile's base_url; for `run`, else the embedded
    /// reference servers). `run` takes it several times: each is one target, compared in one report.
    #[arg(long, value_name = "URL")]
    pub target: Vec<String>,
    #[command(flatten)]
    pub bearer: TokenArg,
    /// Target profile (YAML): base URL, OAuth token URL, fixtures, capabilities, allow_writes
    /// (default: the reference instance). See docs/profiles.md. `run` takes it several times.
    #[arg(long, value_name = "FILE")]
    pub profile: Vec<PathBuf>,
}

/// `--token` / `CANVAS_TOKEN`: a static bearer token, read the same way by every command that
/// talks to a target (`run`, `doctor`, `init`); never printed (clap hides the variable's value).
#[derive(Debug, Clone, clap::Args)]
pub struct TokenArg {
    /// Static bearer token for the target (instead of an OAuth client; with several targets, for
    /// every one of them). Never written to a profile or a report.
    #[arg(
        long,
        env = "CANVAS_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub token: Option<String>,
}

/// One target the user named: its profile and its checked base URL (`None`: none given, so the
/// embedded servers for `run`, or a usage error).
#[derive(Clone, Debug)]
pub struct NamedTarget {
    pub profile: Profile,
    pub base_url: Option<String>,
}

impl TargetArgs {
    /// How many targets the arguments name (0: none, the embedded servers for `run`).
    pub fn count(&self) -> usize {
        self.target.len().max(self.profile.len())
    }

    /// The one target named (a command that talks to one), as [`TargetArgs::named_for`] reads it.
    ///
    /// Errors: several targets named, or what [`TargetArgs::named_for`] refuses.
    pub fn one(&self, edition: Option<Edition>) -> Result<NamedTarget, CliError> {
        let mut named = self.named_for(edition)?;
        match named.pop() {
            Some(one) if named.is_empty() => Ok(one),
            _ => Err(CliError::Usage(
                "this command checks one target: give --target and --profile at most once"
                    .to_owned(),
            )),
        }
    }

    /// The targets named, in order, with `edition` (from `--edition`) winning over the ones their
    /// profiles name:
    /// - no `--target` nor `--profile`: one, the reference instance of that edition (2023-09 when
    ///   none is given), with no base URL;
    /// - only `--target`s: each with the reference instance's profile (as one `--target` alone);
    /// - only `--profile`s: each at its own `base_url`;
    /// - as many of both: paired in order, the i-th `--target` overriding the i-th profile's
    ///   `base_url` (as one of each does).
    ///
    /// Errors: a different number of both (the pairing would be a guess), an unreadable profile,
    /// a base URL that is not http(s).
    pub fn named_for(&self, edition: Option<Edition>) -> Result<Vec<NamedTarget>, CliError> {
        let assumed = || Profile::assumed_reference_for(edition.unwrap_or_default());
        let url = |url: &str| parse_base_url(url).map_err(|e| CliError::Usage(e.to_string()));
        let load = |path: &PathBuf| -> Result<Profile, CliError> {
            let mut profile = Profile::load(path).map_err(|e| CliError::Usage(e.to_string()))?;
            if let Some(edition) = edition {
                profile.edition = edition;
            }
            Ok(profile)
        };
        match (self.target.len(), self.profile.len()) {
            (0, 0) => Ok(vec![NamedTarget {
                profile: assumed(),
                base_url: None,
            }]),
            (_, 0) => self
                .target
                .iter()
                .map(|t| {
                    Ok(NamedTarget {
                        profile: assumed(),
                        base_url: Some(url(t)?),
                    })
                })
                .collect(),
            (0, _) => self
                .profile
                .iter()
                .map(|path| {
                    let profile = load(path)?;
                    let base_url = profile.base_url.as_deref().map(url).transpose()?;
                    Ok(NamedTarget { profile, base_url })
                })
                .collect(),
            (targets, profiles) if targets == profiles => self
                .profile
                .iter()
                .zip(&self.target)
                .map(|(path, target)| {
                    Ok(NamedTarget {
                        profile: load(path)?,
                        base_url: Some(url(target)?),
                    })
                })
                .collect(),
            (targets, profiles) => Err(CliError::Usage(format!(
                "{targets} --target and {profiles} --profile: give only --target URLs (each with \
                 the reference profile), only --profile files (each at its base_url), or as many \
                 of both (paired in order); to compare a profiled server with a reference-like \
                 one, give the latter a profile too"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(targets: &[&str], profiles: &[&str]) -> TargetArgs {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        TargetArgs {
            target: targets.iter().map(|t| (*t).to_owned()).collect(),
            bearer: TokenArg { token: None },
            profile: profiles.iter().map(|p| root.join(p)).collect(),
        }
    }

    const EXAMPLE: &str = "targets/canvas-sandbox.example.yaml";

    #[test]
    fn several_targets_each_take_the_reference_profile() {
        let named = args(&["http://127.0.0.1:1/", "http://127.0.0.1:2"], &[])
            .named_for(Some(Edition::Current))
            .expect("two targets");
        let urls: Vec<_> = named.iter().map(|n| n.base_url.as_deref()).collect();
        assert_eq!(
            urls,
            [Some("http://127.0.0.1:1"), Some("http://127.0.0.1:2")]
        );
        assert!(named.iter().all(|n| n.profile.edition == Edition::Current
            && n.profile.baseline == crate::target::Baseline::Reference));
    }

    #[test]
    fn as_many_targets_as_profiles_pair_in_order() {
        let named = args(
            &["http://127.0.0.1:1", "http://127.0.0.1:2"],
            &[EXAMPLE, EXAMPLE],
        )
        .named_for(None)
        .expect("paired");
        assert_eq!(named.len(), 2);
        assert_eq!(named[1].base_url.as_deref(), Some("http://127.0.0.1:2"));
        let alone = args(&[], &[EXAMPLE, EXAMPLE])
            .named_for(None)
            .expect("profiles");
        assert_eq!(alone[0].base_url, alone[0].profile.base_url);
        assert_ne!(alone[0].base_url.as_deref(), Some("http://127.0.0.1:1"));
    }

    #[test]
    fn an_uneven_mix_and_several_targets_for_one_are_refused() {
        let error = args(&["http://127.0.0.1:1", "http://127.0.0.1:2"], &[EXAMPLE])
            .named_for(None)
            .expect_err("uneven");
        assert!(error.to_string().contains("paired in order"), "{error}");
        let error = args(&["http://127.0.0.1:1", "http://127.0.0.1:2"], &[])
            .one(None)
            .expect_err("doctor checks one");
        assert!(error.to_string().contains("one target"), "{error}");
        let error = args(&["ftp://x"], &[])
            .named_for(None)
            .expect_err("not http");
        assert!(error.to_string().starts_with("--target"), "{error}");
    }
}
