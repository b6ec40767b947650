//! Shards of a suite for a CI runner matrix, with cargo-nextest's meanings: `slice:M/N` deals the
//! selected cases out in order (the i-th to shard i mod N + 1), `hash:M/N` sends each case to the
//! shard its name hashes to. Deterministic; the N shards together hold every selected case once.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How cases are dealt to shards.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartitionKind {
    /// By position among the selected cases: stable while the suite does not change.
    Slice,
    /// By a hash of the case name (64-bit FNV-1a): a case keeps its shard when others come and go.
    Hash,
}

/// One shard: `shard` of `count`, both counted from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partition {
    pub kind: PartitionKind,
    pub shard: u32,
    pub count: u32,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("--partition `{0}`: expected slice:M/N or hash:M/N with 1 ≤ M ≤ N (e.g. hash:2/3)")]
pub struct PartitionError(pub String);

impl FromStr for Partition {
    type Err = PartitionError;

    fn from_str(text: &str) -> Result<Partition, PartitionError> {
        let bad = || PartitionError(text.to_owned());
        let (kind, rest) = text.split_once(':').ok_or_else(bad)?;
        let kind = match kind {
            "slice" | "count" => PartitionKind::Slice,
            "hash" => PartitionKind::Hash,
            _ => return Err(bad()),
        };
        let (shard, count) = rest.split_once('/').ok_or_else(bad)?;
        let shard: u32 = shard.trim().parse().map_err(|_| bad())?;
        let count: u32 = count.trim().parse().map_err(|_| bad())?;
        if shard == 0 || count == 0 || shard > count {
            return Err(bad());
        }
        Ok(Partition { kind, shard, count })
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            PartitionKind::Slice => "slice",
            PartitionKind::Hash => "hash",
        };
        write!(f, "{kind}:{}/{}", self.shard, self.count)
    }
}

impl Partition {
    /// Whether the case at `position` among the selected cases, named `name`, is in this shard.
    pub fn keeps(&self, position: usize, name: &str) -> bool {
        let count = u64::from(self.count);
        let bucket = match self.kind {
            PartitionKind::Slice => position as u64 % count,
            PartitionKind::Hash => fnv1a(name.as_bytes()) % count,
        };
        bucket + 1 == u64::from(self.shard)
    }
}

/// 64-bit FNV-1a: stable across Rust releases and platforms, unlike `std`'s `DefaultHasher`.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nextest_forms_and_refuses_the_rest() {
        assert_eq!(
            "hash:2/3".parse(),
            Ok(Partition {
                kind: PartitionKind::Hash,
                shard: 2,
                count: 3
            })
        );
        assert_eq!(
            "slice:1/1".parse::<Partition>().map(|p| p.to_string()),
            Ok("slice:1/1".to_owned())
        );
        for bad in [
            "hash:0/3",
            "hash:4/3",
            "slice:1/0",
            "hash",
            "hash:1",
            "random:1/2",
            "hash:a/b",
        ] {
            assert!(bad.parse::<Partition>().is_err(), "{bad}");
        }
    }

    #[test]
    fn every_case_lands_in_exactly_one_shard() {
        let names: Vec<String> = (0..97).map(|i| format!("group/case-{i}")).collect();
        for kind in [PartitionKind::Slice, PartitionKind::Hash] {
            for count in 1..=5 {
                let mut seen = vec![0u32; names.len()];
                for shard in 1..=count {
                    let p = Partition { kind, shard, count };
                    for (i, name) in names.iter().enumerate() {
                        if p.keeps(i, name) {
                            seen[i] += 1;
                        }
                    }
                }
                assert!(seen.iter().all(|&n| n == 1), "{kind:?} {count}: {seen:?}");
            }
        }
        // FNV-1a's published test vector: the hash (and so the shards) never depends on the build.
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
