//! `report merge`: the shards of one partitioned run (`run --partition …`) joined into one report,
//! as if one run had run every case: cases and cleanup concatenated, each behaviour's verdict the
//! worst of its shards' (the same order a single run uses), totals and the run verdict recomputed.

use std::collections::BTreeMap;

use crate::outcome::{RunFacts, RunVerdict};
use crate::partition::Partition;
use crate::report::model::{FORMAT_VERSION, Report, Totals, VerdictWord};

/// Why shards cannot be merged.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    #[error("nothing to merge: give the report folders of every shard")]
    Empty,
    #[error("shard {0} is not a partitioned run (run it with --partition KIND:M/N)")]
    NotAShard(String),
    #[error("shard {which} has report format {found}; this tool reads format {FORMAT_VERSION}")]
    Format { which: String, found: u32 },
    #[error(
        "shard {which} is {found}, but {first} is {expected}: shards of one run share the partition kind and count"
    )]
    Scheme {
        which: String,
        found: Partition,
        first: String,
        expected: Partition,
    },
    #[error("shard {which} ran another suite than {first}: {detail}")]
    Suite {
        which: String,
        first: String,
        /// Both suites: catalogue, number of cases, digest.
        detail: String,
    },
    #[error("shards {0} and {1} are the same shard ({2})")]
    Duplicate(String, String, Partition),
    #[error(
        "shard {0} compares several targets; `report merge` joins shards of one target's run only \
         (shard each target's run apart, or run the comparison unsharded)"
    )]
    Comparison(String),
    #[error("shard(s) {missing} of {count} missing: merge every shard of the run")]
    Missing { missing: String, count: u32 },
}

/// Merges shard reports; `names[i]` says where `shards[i]` came from (for errors).
pub fn merge(shards: Vec<Report>, names: &[String]) -> Result<Report, MergeError> {
    let name = |i: usize| {
        names
            .get(i)
            .cloned()
            .unwrap_or_else(|| format!("#{}", i + 1))
    };
    let first = shards.first().ok_or(MergeError::Empty)?;
    let scheme = first
        .partition
        .ok_or_else(|| MergeError::NotAShard(name(0)))?;
    let mut seen: BTreeMap<u32, usize> = BTreeMap::new();
    for (i, shard) in shards.iter().enumerate() {
        if shard.format_version != FORMAT_VERSION {
            return Err(MergeError::Format {
                which: name(i),
                found: shard.format_version,
            });
        }
        let partition = shard
            .partition
            .ok_or_else(|| MergeError::NotAShard(name(i)))?;
        if shard.comparison.is_some() {
            return Err(MergeError::Comparison(name(i)));
        }
        if partition.kind != scheme.kind || partition.count != scheme.count {
            return Err(MergeError::Scheme {
                which: name(i),
                found: partition,
                first: name(0),
                expected: scheme,
            });
        }
        if shard.suite != first.suite || shard.source.file != first.source.file {
            let describe = |r: &Report| {
                format!(
                    "catalogue {}, {} cases, digest {}",
                    r.source.file, r.suite.cases, r.suite.digest
                )
            };
            return Err(MergeError::Suite {
                which: name(i),
                first: name(0),
                detail: format!("{} vs {}", describe(shard), describe(first)),
            });
        }
        if let Some(&earlier) = seen.get(&partition.shard) {
            return Err(MergeError::Duplicate(name(earlier), name(i), partition));
        }
        seen.insert(partition.shard, i);
    }
    let missing: Vec<String> = (1..=scheme.count)
        .filter(|m| !seen.contains_key(m))
        .map(|m| m.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(MergeError::Missing {
            missing: missing.join(", "),
            count: scheme.count,
        });
    }
    Ok(join(shards))
}

fn join(mut shards: Vec<Report>) -> Report {
    shards.sort_by_key(|s| s.partition.map_or(0, |p| p.shard));
    let verdicts: Vec<RunVerdict> = shards.iter().map(|s| s.verdict.clone()).collect();
    let mut merged = shards.remove(0);
    for mut shard in shards {
        merged.append_aftermath(&mut shard);
        merged.duration_ms = merged.duration_ms.max(shard.duration_ms);
        merged.traffic = merged.traffic.plus(shard.traffic);
        merged.started_at = merged.started_at.min(shard.started_at);
        merged.run_id = format!("{}+{}", merged.run_id, shard.run_id);
        for target in shard.targets {
            if !merged.targets.contains(&target) {
                merged.targets.push(target);
            }
        }
        merged.cases.extend(shard.cases);
        for (mine, theirs) in merged.behaviours.iter_mut().zip(shard.behaviours) {
            mine.combine(theirs);
        }
        merged.allow_drift &= shard.allow_drift;
    }
    merged.partition = None;
    merged.cases.sort_by(|a, b| {
        (&a.location.file, a.location.line, &a.name).cmp(&(
            &b.location.file,
            b.location.line,
            &b.name,
        ))
    });
    merged.cleanup.recount();
    merged.totals = Totals::of(&merged);
    let skipped: Vec<&str> = merged
        .cases
        .iter()
        .filter(|c| c.verdict == VerdictWord::Skipped)
        .map(|c| c.reason.as_deref().unwrap_or("skipped"))
        .collect();
    let judged = merged
        .behaviours
        .iter()
        .filter(|b| {
            matches!(
                b.verdict,
                VerdictWord::Pass | VerdictWord::Fail | VerdictWord::Error
            )
        })
        .count();
    let setup_cases = verdicts.iter().map(|v| v.setup_cases).sum();
    merged.verdict = RunVerdict::decide(RunFacts {
        cases: merged.totals.cases,
        setup_cases,
        cleanup_problems: merged.totals.cleanup_problems,
        drifted: merged.totals.snapshot_drift,
        allow_drift: merged.allow_drift,
        interrupted: merged.interrupted,
        cause: verdicts.iter().find_map(|v| v.cause.clone()),
        partial: crate::outcome::partial_text(
            judged,
            merged.behaviours.len(),
            &skipped,
            setup_cases,
        ),
        require_all: verdicts.iter().any(|v| v.require_all),
    });
    merged
}
