//! The snapshot store: `snapshots/<profile>/<case>__<step>.snap` files in insta's format (YAML front
//! matter, `---`, the normalized text), so `cargo insta review` works on them. A drift writes
//! `.snap.new` beside the stored file; `--update-snapshots` or `INSTA_UPDATE` decide what is written.
//! A target without a baseline of its own is compared with the reference folder, for information only.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::check::snapshot::{diff, normalize_text};
use crate::outcome::{SnapshotOutcome, SnapshotStatus, SnapshotWrite};
use crate::target::Baseline;

/// What the store writes, following insta's `INSTA_UPDATE` conventions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpdateMode {
    /// Write `.snap.new` for new and drifted snapshots (insta's default outside CI).
    New,
    /// Write new snapshots as `.snap`, drifted ones as `.snap.new`.
    Unseen,
    /// Overwrite `.snap` with what was observed (`--update-snapshots`, `INSTA_UPDATE=always`).
    Always,
    /// Write nothing, for this reason (insta's default under CI, a replay, a mutant run…).
    No(ReadOnly),
}

/// Why a store writes nothing: what the messages about new and drifted snapshots say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadOnly {
    /// `INSTA_UPDATE=no`.
    InstaUpdate,
    /// `CI` is set (insta's default there) and `INSTA_UPDATE` is not.
    Ci,
    /// `replay` judges a recording and never writes.
    Replay,
    /// A run against a server broken on purpose.
    Mutant,
    /// The `cargo test` face: insta itself writes `.snap.new` as `INSTA_UPDATE` says.
    CargoTest,
}

impl ReadOnly {
    /// Why nothing was written, in a few words.
    pub fn why(self) -> &'static str {
        match self {
            ReadOnly::InstaUpdate => "INSTA_UPDATE=no",
            ReadOnly::Ci => "CI is set and INSTA_UPDATE is not (insta's default there)",
            ReadOnly::Replay => "replay never writes snapshots",
            ReadOnly::Mutant => "a mutant run never writes snapshots",
            ReadOnly::CargoTest => "the cargo test face leaves writing to insta",
        }
    }
}

/// Why nothing is written for a target without a baseline of its own.
pub const NO_OWN_BASELINE: &str = "the target has no baseline of its own (no profile): it is only compared with the reference server's snapshots";

impl UpdateMode {
    /// `--update-snapshots` wins; else `INSTA_UPDATE`; else `no` under CI (`CI` set), `new` otherwise.
    pub fn from_env(update_flag: bool) -> UpdateMode {
        if update_flag {
            return UpdateMode::Always;
        }
        match std::env::var("INSTA_UPDATE").as_deref() {
            Ok("always" | "1") => UpdateMode::Always,
            Ok("unseen") => UpdateMode::Unseen,
            Ok("no" | "0") => UpdateMode::No(ReadOnly::InstaUpdate),
            Ok("new") => UpdateMode::New,
            _ if std::env::var_os("CI").is_some() => UpdateMode::No(ReadOnly::Ci),
            _ => UpdateMode::New,
        }
    }
}

#[derive(Debug)]
pub struct SnapshotStore {
    root: PathBuf,
    mode: UpdateMode,
    /// Stored files some step compared against.
    touched: Mutex<BTreeSet<PathBuf>>,
    /// Stored files whose step did not run on this target (a skipped case, a blocked step):
    /// not "unreferenced", since nothing could have compared against them.
    not_run: Mutex<BTreeSet<PathBuf>>,
}

/// Where a step's snapshot lives: `<profile>/<case, / as ->__<step slug>.snap` under the root.
pub fn snapshot_stem(case: &str, step: &str) -> String {
    format!("{}__{}", slug(case), slug(step))
}

fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

/// A stored snapshot's contents, read with insta's own reader (every format insta knows, legacy
/// ones included), normalized as insta compares them; `None` when there is no readable file.
fn read_stored(path: &Path) -> Option<String> {
    if !path.is_file() {
        return None;
    }
    match insta::Snapshot::from_file(path) {
        Ok(snapshot) => snapshot
            .contents()
            .as_text()
            .map(|text| normalize_text(&text.to_string())),
        Err(e) => {
            tracing::warn!("failed to read snapshot {}: {e}", path.display());
            None
        }
    }
}

/// A snapshot file in insta's format.
fn insta_file(source: &str, expression: &str, contents: &str) -> String {
    let quote = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned());
    format!(
        "---\nsource: {}\nexpression: {}\n---\n{contents}\n",
        quote(source),
        quote(expression)
    )
}

impl SnapshotStore {
    pub fn new(root: PathBuf, mode: UpdateMode) -> SnapshotStore {
        SnapshotStore {
            root,
            mode,
            touched: Mutex::new(BTreeSet::new()),
            not_run: Mutex::new(BTreeSet::new()),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The folder of a profile's snapshots (`<root>/<profile slug>`).
    pub fn folder(&self, profile: &str) -> PathBuf {
        self.root.join(slug(profile))
    }

    fn path(&self, profile: &str, stem: &str) -> PathBuf {
        self.folder(profile).join(format!("{stem}.snap"))
    }

    /// Notes that the step owning `<profile>/<stem>.snap` did not run on this target.
    pub fn not_run(&self, profile: &str, stem: &str) {
        let path = self.path(profile, stem);
        self.not_run
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(path);
    }

    /// Compares `observed` with the stored snapshot and writes what the mode asks for.
    /// `source` is the case file, `expression` the request, as `cargo insta review` shows them.
    /// With [`Baseline::Reference`] (a target without a baseline of its own) a difference is
    /// [`SnapshotStatus::DiffersFromReference`] and nothing is ever written.
    pub fn check(
        &self,
        profile: &str,
        baseline: Baseline,
        stem: &str,
        source: &str,
        expression: &str,
        observed: &str,
    ) -> SnapshotOutcome {
        let path = self.path(profile, stem);
        let pending = path.with_extension("snap.new");
        let observed = normalize_text(observed);
        if baseline == Baseline::Reference {
            let (status, diff) = match read_stored(&path).map(|s| diff(&s, &observed)) {
                Some(None) => (SnapshotStatus::Matched, None),
                Some(Some(difference)) => (SnapshotStatus::DiffersFromReference, Some(difference)),
                None => (SnapshotStatus::New, None),
            };
            let written = match status {
                SnapshotStatus::Matched => SnapshotWrite::Nothing,
                _ => SnapshotWrite::Withheld(NO_OWN_BASELINE.to_owned()),
            };
            return SnapshotOutcome {
                name: stem.to_owned(),
                path: path.to_string_lossy().into_owned(),
                status,
                diff,
                written,
                observed,
            };
        }
        self.touched
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(path.clone());
        let shown = path.to_string_lossy().into_owned();
        let outcome = |status, diff, written| SnapshotOutcome {
            name: stem.to_owned(),
            path: shown.clone(),
            status,
            diff,
            written,
            observed: observed.clone(),
        };
        let file = insta_file(source, expression, &observed);
        match read_stored(&path).map(|s| diff(&s, &observed)) {
            Some(None) => {
                // Equal: a stale .snap.new from an earlier run no longer applies.
                let _ = std::fs::remove_file(&pending);
                outcome(SnapshotStatus::Matched, None, SnapshotWrite::Nothing)
            }
            Some(Some(difference)) => match self.mode {
                UpdateMode::Always => {
                    let written = write(&path, &file, SnapshotWrite::Stored);
                    let _ = std::fs::remove_file(&pending);
                    outcome(SnapshotStatus::Updated, Some(difference), written)
                }
                UpdateMode::New | UpdateMode::Unseen => {
                    let written = write(&pending, &file, SnapshotWrite::Pending);
                    outcome(SnapshotStatus::Drifted, Some(difference), written)
                }
                UpdateMode::No(why) => outcome(
                    SnapshotStatus::Drifted,
                    Some(difference),
                    SnapshotWrite::Withheld(why.why().to_owned()),
                ),
            },
            None => {
                let written = match self.mode {
                    UpdateMode::Always | UpdateMode::Unseen => {
                        let written = write(&path, &file, SnapshotWrite::Stored);
                        // A pending file from an earlier run is now accepted.
                        let _ = std::fs::remove_file(&pending);
                        written
                    }
                    UpdateMode::New => write(&pending, &file, SnapshotWrite::Pending),
                    UpdateMode::No(why) => SnapshotWrite::Withheld(why.why().to_owned()),
                };
                outcome(SnapshotStatus::New, None, written)
            }
        }
    }

    /// Stored `.snap` files under the profiles this run used that no step compared against, leaving
    /// out those whose step did not run on this target (see [`SnapshotStore::not_run`]).
    pub fn unreferenced(&self, profiles: &[&str]) -> Vec<PathBuf> {
        let touched = self
            .touched
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let not_run = self
            .not_run
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut out = Vec::new();
        for profile in profiles {
            let Ok(entries) = std::fs::read_dir(self.root.join(slug(profile))) else {
                continue;
            };
            for entry in entries.filter_map(Result::ok) {
                let path = entry.path();
                if path.extension().is_some_and(|e| e == "snap")
                    && !touched.contains(&path)
                    && !not_run.contains(&path)
                {
                    out.push(path);
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }
}

/// Writes `contents` to `path`: `done` when it was written, else why not.
fn write(path: &Path, contents: &str, done: SnapshotWrite) -> SnapshotWrite {
    if let Some(parent) = path.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    match std::fs::write(path, contents) {
        Ok(()) => done,
        Err(e) => {
            tracing::warn!("failed to write snapshot {}: {e}", path.display());
            SnapshotWrite::Withheld(format!("writing {} failed: {e}", path.display()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(mode: UpdateMode) -> SnapshotStore {
        let root = std::env::temp_dir().join(format!("cc-snap-{}", uuid::Uuid::new_v4().simple()));
        SnapshotStore::new(root, mode)
    }

    #[test]
    fn stems_are_file_safe() {
        assert_eq!(
            snapshot_stem("read/shape", "Read an existing appointment!"),
            "read-shape__read-an-existing-appointment"
        );
    }

    #[test]
    fn new_then_match_then_drift() {
        let store = store(UpdateMode::Unseen);
        let first = store.check(
            "reference",
            Baseline::Own,
            "a__b",
            "cases/a.yaml",
            "GET /x",
            "{\n  \"v\": 1\n}",
        );
        assert_eq!(first.status, SnapshotStatus::New);
        let file = std::fs::read_to_string(store.root().join("reference/a__b.snap")).unwrap();
        assert!(
            file.starts_with("---\nsource: \"cases/a.yaml\"\nexpression: \"GET /x\"\n---\n{"),
            "{file}"
        );
        assert_eq!(
            store
                .check(
                    "reference",
                    Baseline::Own,
                    "a__b",
                    "cases/a.yaml",
                    "GET /x",
                    "{\n  \"v\": 1\n}\n"
                )
                .status,
            SnapshotStatus::Matched
        );
        let drift = store.check(
            "reference",
            Baseline::Own,
            "a__b",
            "cases/a.yaml",
            "GET /x",
            "{\n  \"v\": 2\n}",
        );
        assert_eq!(drift.status, SnapshotStatus::Drifted);
        assert!(drift.diff.unwrap().contains("+  \"v\": 2"));
        assert!(store.root().join("reference/a__b.snap.new").exists());
        assert!(store.unreferenced(&["reference"]).is_empty());
    }

    #[test]
    fn always_overwrites_and_no_writes_nothing() {
        let store = store(UpdateMode::Always);
        store.check("p", Baseline::Own, "s", "f", "e", "1");
        assert_eq!(
            store.check("p", Baseline::Own, "s", "f", "e", "2").status,
            SnapshotStatus::Updated
        );
        assert_eq!(read_stored(&store.root().join("p/s.snap")).unwrap(), "2");
        let pending = self::store(UpdateMode::New);
        pending.check("p", Baseline::Own, "n", "f", "e", "1");
        assert!(pending.root().join("p/n.snap.new").exists());
        let accept = SnapshotStore::new(pending.root().to_path_buf(), UpdateMode::Always);
        accept.check("p", Baseline::Own, "n", "f", "e", "1");
        assert!(pending.root().join("p/n.snap").exists());
        assert!(!pending.root().join("p/n.snap.new").exists(), "accepted");
        let none = self::store(UpdateMode::No(ReadOnly::InstaUpdate));
        assert_eq!(
            none.check("p", Baseline::Own, "s", "f", "e", "1").status,
            SnapshotStatus::New
        );
        assert!(!none.root().join("p").exists());
    }

    /// Each outcome says what was written: `.snap.new`, `.snap`, or nothing and why (a replay, a
    /// target without a baseline of its own), so no message claims a file that is not there.
    #[test]
    fn every_outcome_says_what_was_written() {
        let pending = store(UpdateMode::New);
        let first = pending.check("p", Baseline::Own, "n", "f", "e", "1");
        assert_eq!(first.written, SnapshotWrite::Pending);
        let replay = SnapshotStore::new(
            pending.root().to_path_buf(),
            UpdateMode::No(ReadOnly::Replay),
        );
        let replayed = replay.check("p", Baseline::Own, "m", "f", "e", "1");
        assert_eq!(
            (replayed.status, replayed.written),
            (
                SnapshotStatus::New,
                SnapshotWrite::Withheld("replay never writes snapshots".to_owned())
            )
        );
        assert!(!pending.root().join("p/m.snap.new").exists());
        let unprofiled =
            store(UpdateMode::New).check("reference", Baseline::Reference, "x", "f", "e", "1");
        assert_eq!(
            (unprofiled.status, unprofiled.written),
            (
                SnapshotStatus::New,
                SnapshotWrite::Withheld(NO_OWN_BASELINE.to_owned())
            )
        );
        let stored = store(UpdateMode::Unseen).check("p", Baseline::Own, "n", "f", "e", "1");
        assert_eq!(stored.written, SnapshotWrite::Stored);
    }

    /// What the CLI writes, insta reads back to the same contents (and the reverse: a file in
    /// insta's current format, with its metadata, reads back as what insta stored).
    #[test]
    fn insta_reads_what_the_store_writes() {
        let store = store(UpdateMode::Always);
        let observed = "{\n  \"status\": 201,\n  \"body\": \"a \\\"quoted\\\" --- line\"\n}";
        store.check(
            "p",
            Baseline::Own,
            "w__x",
            "cases/w.yaml",
            "POST /Appointment",
            observed,
        );
        let path = store.root().join("p/w__x.snap");
        let snapshot = insta::Snapshot::from_file(&path).expect("insta reads the file");
        let contents = snapshot.contents().as_text().expect("text").to_string();
        assert_eq!(contents, observed);
        assert_eq!(snapshot.metadata().source(), Some("cases/w.yaml"));
        let insta_written = store.root().join("p/y__z.snap");
        std::fs::write(
            &insta_written,
            "---\nsource: src/harness.rs\nassertion_line: 12\ndescription: GET /x\ninput_file: cases/y.yaml\n---\n{\n  \"v\": 1\n}\n",
        )
        .unwrap();
        assert_eq!(
            store
                .check(
                    "p",
                    Baseline::Own,
                    "y__z",
                    "cases/y.yaml",
                    "GET /x",
                    "{\n  \"v\": 1\n}"
                )
                .status,
            SnapshotStatus::Matched
        );
    }

    #[test]
    fn a_target_without_a_baseline_is_compared_for_information_and_nothing_is_written() {
        let store = store(UpdateMode::Always);
        store.check("reference", Baseline::Own, "a__b", "f", "e", "1");
        let same = store.check("reference", Baseline::Reference, "a__b", "f", "e", "1");
        assert_eq!(same.status, SnapshotStatus::Matched);
        let other = store.check("reference", Baseline::Reference, "a__b", "f", "e", "2");
        assert_eq!(other.status, SnapshotStatus::DiffersFromReference);
        assert!(other.diff.is_some_and(|d| d.contains("+2")));
        let missing = store.check("reference", Baseline::Reference, "c__d", "f", "e", "3");
        assert_eq!(missing.status, SnapshotStatus::New);
        assert_eq!(
            read_stored(&store.root().join("reference/a__b.snap")).unwrap(),
            "1"
        );
        assert!(!store.root().join("reference/c__d.snap").exists());
        assert!(!store.root().join("reference/c__d.snap.new").exists());
    }

    #[test]
    fn snapshots_of_steps_that_did_not_run_are_not_unreferenced() {
        let store = store(UpdateMode::Always);
        store.check("p", Baseline::Own, "ran", "f", "e", "1");
        store.check("p", Baseline::Own, "skipped", "f", "e", "1");
        store.check("p", Baseline::Own, "stale", "f", "e", "1");
        let again = SnapshotStore::new(
            store.root().to_path_buf(),
            UpdateMode::No(ReadOnly::InstaUpdate),
        );
        again.check("p", Baseline::Own, "ran", "f", "e", "1");
        again.not_run("p", "skipped");
        let unreferenced = again.unreferenced(&["p"]);
        assert_eq!(unreferenced, vec![store.root().join("p/stale.snap")]);
    }
}
