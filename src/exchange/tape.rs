//! The recording format (`run --record DIR`, `replay DIR`): `DIR/recording.jsonl`, one JSON object
//! per line, each with a `kind`: one `header` first (format name and version, run id, suite,
//! targets), then `case` lines (a case's built-in facts) and `exchange` lines as they happen.
//! Schema: `schemas/recording.schema.json`; documented in `docs/recording.md`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::case::DoubleBooking;
use crate::edition::Edition;
use crate::exchange::error::ExchangeError;
use crate::exchange::record::{Received, SentRequest};
use crate::partition::Partition;
use crate::target::{Auth, Baseline, Doubt, FixtureOrigin, Profile, Target};

/// The `format` of a recording's header.
pub const FORMAT: &str = "canvas-conformance-recording";
/// The format version this tool writes and reads. It changes when a field is removed, renamed or
/// changes meaning; added fields keep it. 2: the cleanup's sweep searches run at once, each keyed
/// under its own step `(sweep) N` (1 keyed them all under `(sweep)`), and a case's appointments
/// are written back as it ends.
pub const VERSION: u32 = 2;
/// The file a recording folder holds.
pub const FILE: &str = "recording.jsonl";

/// One line of a recording.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Line {
    Header(Header),
    Case(CaseFacts),
    Exchange(Box<Taped>),
}

/// The first line: what was run, where, under which run id.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Header {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`VERSION`] when written.
    pub version: u32,
    /// The `canvas-conformance` version that recorded it.
    pub tool_version: String,
    /// What was run: the run id, when, which editions and cases (flattened: the same keys).
    #[serde(flatten)]
    pub run: RunFacts,
    /// The targets, in the order the plan placed cases on them.
    pub targets: Vec<TapedTarget>,
}

impl Header {
    /// A header of the current format and version.
    pub fn new(run: RunFacts, targets: &[Target]) -> Header {
        Header {
            format: FORMAT.to_owned(),
            version: VERSION,
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
            run,
            targets: targets.iter().map(TapedTarget::of).collect(),
        }
    }
}

/// What a header says of the run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunFacts {
    /// The run's id (8 hex characters): a replay reuses it, so names and time slots match.
    pub run_id: String,
    pub started_at: jiff::Timestamp,
    /// The editions the run judged.
    pub editions: Vec<Edition>,
    /// The suite the run selected before any partition, as `report.json` names it (case count and
    /// digest of the catalogue's page and `selected`).
    pub suite: SuiteDigest,
    /// Those cases, `edition/name`.
    pub selected: Vec<String>,
    /// The shard of them the run took (`run --partition`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<Partition>,
    /// The cases the run planned (its shard), `edition/name`, in plan order: what a replay runs.
    pub cases: Vec<String>,
    /// The set-up cause the preflight headlined (the target speaks another edition, a fixture it
    /// refused), which a replay headlines too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
}

/// A suite as `report.json`'s `suite` names it: its case count and FNV-1a digest (hex).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuiteDigest {
    pub cases: usize,
    pub digest: String,
}

/// A target as recorded: what planning and rendering read of it. No credentials: a replay sends
/// nothing, and the token URL and variable names are not needed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TapedTarget {
    pub label: String,
    pub base_url: String,
    pub profile: TapedProfile,
    /// Whether it could hand out read-only tokens (`auth: read_only` cases ran, not skipped).
    pub read_only: bool,
}

/// The parts of a [`Profile`] a plan and a case's scope read.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TapedProfile {
    pub name: String,
    pub edition: Edition,
    pub allow_writes: bool,
    pub double_booking: DoubleBooking,
    pub fixtures: BTreeMap<String, String>,
    /// `own` or `reference` (whose snapshots it is compared with).
    pub baseline: String,
    /// Where its fixtures came from: a replay attributes a refusal of one to the set-up exactly
    /// as the run did (absent in older recordings: the reference instance's own).
    #[serde(default)]
    pub origin: FixtureOrigin,
    /// Fixtures the preflight read back as what they claim to be.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub verified: BTreeSet<String>,
    /// Fixtures the preflight found refused, each with its cause (their cases were not sent).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub refused: BTreeMap<String, String>,
    /// `require_all: true` in the profile: a partial run does not pass.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub require_all: bool,
    /// Appointment fixtures the preflight read back in another status than their name says.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub doubted: Vec<Doubt>,
}

impl TapedTarget {
    pub fn of(target: &Target) -> TapedTarget {
        let profile = &target.profile;
        TapedTarget {
            label: target.label.clone(),
            base_url: without_userinfo(&target.base_url),
            profile: TapedProfile {
                name: profile.name.clone(),
                edition: profile.edition,
                allow_writes: profile.allow_writes,
                double_booking: profile.double_booking,
                fixtures: profile.fixtures.clone(),
                baseline: match profile.baseline {
                    Baseline::Own => "own",
                    Baseline::Reference => "reference",
                }
                .to_owned(),
                origin: profile.origin.clone(),
                verified: profile.verified.clone(),
                refused: profile.refused.clone(),
                require_all: profile.require_all,
                doubted: profile.doubted.clone(),
            },
            read_only: target.read_only_unavailable().is_none(),
        }
    }

    /// The target again, without credentials (its auth says a replay sends nothing).
    pub fn target(&self) -> Target {
        let taped = &self.profile;
        let profile = Profile {
            name: taped.name.clone(),
            base_url: Some(self.base_url.clone()),
            oauth: None,
            allow_writes: taped.allow_writes,
            double_booking: taped.double_booking,
            fixtures: taped.fixtures.clone(),
            baseline: if taped.baseline == "reference" {
                Baseline::Reference
            } else {
                Baseline::Own
            },
            edition: taped.edition,
            // A refusal is the set-up's or the target's on replay as it was when recorded.
            origin: taped.origin.clone(),
            require_all: taped.require_all,
            verified: taped.verified.clone(),
            refused: taped.refused.clone(),
            doubted: taped.doubted.clone(),
        };
        Target {
            label: self.label.clone(),
            base_url: self.base_url.clone(),
            auth: Auth::replayed(self.read_only),
            profile: Arc::new(profile),
        }
    }
}

/// Where an exchange belongs: the case (`edition/name`) and step that sent it, or `None` outside
/// any (cleanup is case `(cleanup)`, its step the appointment id). With the target's label and the
/// request's ordinal within its step, it keys the exchange in a recording.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Slot {
    pub case: Option<String>,
    pub step: Option<String>,
}

impl Slot {
    pub fn step(case: &str, step: &str) -> Slot {
        Slot {
            case: Some(case.to_owned()),
            step: Some(step.to_owned()),
        }
    }

    /// `step `s` of case `c``, for messages.
    pub fn describe(&self) -> String {
        match (&self.case, &self.step) {
            (Some(case), Some(step)) => format!("step `{step}` of case `{case}`"),
            (Some(case), None) => format!("case `{case}`"),
            _ => "outside any case".to_owned(),
        }
    }
}

/// The case slot cleanup's requests are recorded under.
pub const CLEANUP_CASE: &str = "(cleanup)";

/// A case's run-specific facts as the run had them: its index (which picks its time slot) and
/// when it started (`now`, `today`). A replay renders with these, so requests match.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CaseFacts {
    pub target: String,
    pub case: String,
    pub index: usize,
    pub now: jiff::Timestamp,
}

/// One exchange as the run had it, secrets already scrubbed (as in reports).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Taped {
    /// The target's label.
    pub target: String,
    #[serde(flatten)]
    pub slot: Slot,
    /// The request's place within its slot, from 0 (a walk's pages follow the search).
    pub ordinal: u32,
    pub request: SentRequest,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<Received>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ExchangeError>,
}

/// A URL with any `user:password@` removed, as reports show base URLs (credentials never reach a
/// recording either).
pub fn without_userinfo(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) if !parsed.username().is_empty() || parsed.password().is_some() => {
            // Both setters only fail for URLs that cannot have credentials, which these do not.
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            let had_slash = url.ends_with('/');
            let text = parsed.to_string();
            if had_slash {
                text
            } else {
                text.trim_end_matches('/').to_owned()
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_a_url_are_dropped() {
        assert_eq!(
            without_userinfo("https://ci:s3cret@sandbox.example/fhir/Appointment?a=1"),
            "https://sandbox.example/fhir/Appointment?a=1"
        );
        assert_eq!(
            without_userinfo("http://127.0.0.1:8090/fhir"),
            "http://127.0.0.1:8090/fhir"
        );
    }
}
