//! A verdict as one word (`pass`, `fail`, `error`, `skipped`, `not_decided`), as every report file
//! writes it, and the order joining shards ranks it in. Below the report model and the comparison
//! data, which both carry it.

use serde::{Deserialize, Serialize};

use crate::outcome::{BehaviourVerdict, Verdict};

/// A verdict as one word; the reason (for skips) travels beside it.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum VerdictWord {
    Pass,
    Fail,
    Error,
    Skipped,
    /// A behaviour some of whose checks could not run (an earlier step failed for another one).
    NotDecided,
}

impl VerdictWord {
    pub fn of(verdict: &Verdict) -> VerdictWord {
        match verdict {
            Verdict::Pass => VerdictWord::Pass,
            Verdict::Fail => VerdictWord::Fail,
            Verdict::Error => VerdictWord::Error,
            Verdict::Skipped(_) => VerdictWord::Skipped,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            VerdictWord::Pass => "pass",
            VerdictWord::Fail => "fail",
            VerdictWord::Error => "error",
            VerdictWord::Skipped => "skipped",
            VerdictWord::NotDecided => "not_decided",
        }
    }

    pub fn of_behaviour(verdict: &BehaviourVerdict) -> VerdictWord {
        match verdict {
            BehaviourVerdict::Pass => VerdictWord::Pass,
            BehaviourVerdict::Fail => VerdictWord::Fail,
            BehaviourVerdict::Error => VerdictWord::Error,
            BehaviourVerdict::NotDecided { .. } => VerdictWord::NotDecided,
            BehaviourVerdict::Skipped { .. } => VerdictWord::Skipped,
        }
    }
}

impl VerdictWord {
    /// Rank of a behaviour verdict when joining shards or targets: the order
    /// `outcome::per_behaviour` uses (a higher rank wins).
    pub fn rank(self) -> u8 {
        match self {
            VerdictWord::Skipped => 0,
            VerdictWord::Pass => 1,
            VerdictWord::NotDecided => 2,
            VerdictWord::Error => 3,
            VerdictWord::Fail => 4,
        }
    }
}
