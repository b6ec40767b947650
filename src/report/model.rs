//! The report model: one plain-data value built from a `RunReport`, the behaviour `Catalogue` and
//! the run's targets. It is what `report.json` serializes (format version [`FORMAT_VERSION`]) and
//! what the JUnit, HTML and Markdown reporters read; nothing here formats or writes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::check::{Finding, FindingKind};
use crate::edition::Edition;
use crate::exchange::{Exchange, ExchangeError, Traffic, Truncation};
use crate::outcome::{
    BehaviourVerdict, CaseOutcome, RunVerdict, SnapshotOutcome, SnapshotStatus, StepOutcome, Tally,
    Verdict,
};
use crate::partition::Partition;
use crate::report::compared::Comparison;
pub use crate::report::verdict_word::VerdictWord;
use crate::requirements::{Catalogue, Level, Rule};
use crate::run::RunReport;
use crate::run::ledger::Tidied;
use crate::source::Location;
use crate::target::Target;

/// The version of `report.json`'s format: bumped when a field is removed, renamed or changes
/// meaning; adding a field keeps it (readers must ignore fields they do not know).
pub const FORMAT_VERSION: u32 = 2;

/// The tool's name in reports.
pub const TOOL_NAME: &str = "canvas-conformance";

/// Everything one run produced, ready for every reporter.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Report {
    pub format_version: u32,
    pub tool: Tool,
    pub run_id: String,
    /// RFC 3339, UTC.
    pub started_at: String,
    pub duration_ms: u64,
    /// The requests the run sent to its targets (cases and cleanup; every attempt, retries
    /// included and counted apart; the OAuth token requests of the profile's own client left
    /// out): what a rate-limited sandbox is charged. Zero for a replay, which sends nothing.
    #[serde(default)]
    pub traffic: Traffic,
    /// The page the behaviour IDs come from (the first edition's, when the run had several).
    pub source: PageRef,
    /// The editions the run judged, each with its page: a run of both reports each apart
    /// (`cases[].edition`, `behaviours[].edition`).
    #[serde(default)]
    pub editions: Vec<EditionRef>,
    /// The cases selected for the run, before any partition (what shards of one run share).
    pub suite: SuiteRef,
    /// The shard this run is (`run --partition`), if it is one.
    pub partition: Option<Partition>,
    /// `run --allow-drift`: drift was reported without failing the run.
    #[serde(default)]
    pub allow_drift: bool,
    /// Ctrl-C stopped the run before every case ran.
    #[serde(default)]
    pub interrupted: bool,
    pub targets: Vec<TargetInfo>,
    pub totals: Totals,
    pub cases: Vec<CaseReport>,
    pub behaviours: Vec<BehaviourReport>,
    pub contradictions: Vec<ContradictionReport>,
    pub cleanup: CleanupReport,
    /// Steps whose snapshot drifted from the target's own baseline: observed behaviour changed,
    /// apart from verdicts (it fails the run unless `--allow-drift`).
    pub snapshot_drift: Vec<DriftReport>,
    /// Steps with no stored snapshot yet (recorded now, or pending as `.snap.new`): not drift.
    pub snapshot_new: Vec<DriftReport>,
    /// An unprofiled target compared with the reference server's snapshots: where it differs,
    /// for information (never a failure).
    pub reference_differences: Vec<DriftReport>,
    /// The run's one verdict (the exit code follows it): passed, or failed with the reasons.
    pub verdict: RunVerdict,
    /// A run of several targets (`run --target A --target B`, `--profile` repeated): behaviours ×
    /// targets, and where they disagree, the evidence side by side. Absent with one target.
    pub comparison: Option<Comparison>,
}

/// The selected cases of a run: how many, and a digest of their names and the catalogue, so that
/// `report merge` can tell shards of one suite from shards of another.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct SuiteRef {
    pub cases: usize,
    /// 64-bit FNV-1a of the catalogue's source file and the case names, in hex.
    pub digest: String,
}

impl SuiteRef {
    pub fn of<'a>(catalogue: &Catalogue, names: impl IntoIterator<Item = &'a str>) -> SuiteRef {
        let mut text = catalogue.source.file.clone();
        let mut cases = 0;
        for name in names {
            text.push('\n');
            text.push_str(name);
            cases += 1;
        }
        SuiteRef {
            cases,
            digest: format!("{:016x}", crate::partition::fnv1a(text.as_bytes())),
        }
    }
}

/// The tool that wrote the report: `canvas-conformance` and its version.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

/// An edition of the API a run judged, and the page its catalogue reads.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct EditionRef {
    pub edition: Edition,
    pub file: String,
    pub title: String,
}

/// A catalogue's source page: its file and title.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct PageRef {
    pub file: String,
    pub title: String,
}

/// A target as reports show it: never its token.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct TargetInfo {
    pub label: String,
    pub base_url: String,
    pub profile: String,
}

impl TargetInfo {
    pub fn of(target: &Target) -> TargetInfo {
        TargetInfo {
            label: target.label.clone(),
            base_url: without_userinfo(&target.base_url),
            profile: target.profile.name.clone(),
        }
    }
}

/// A base URL with any `user:password@` removed (credentials never reach a report).
fn without_userinfo(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) if !parsed.username().is_empty() || parsed.password().is_some() => {
            // Both setters only fail for URLs that cannot have credentials, which these do not.
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.to_string().trim_end_matches('/').to_owned()
        }
        _ => url.to_owned(),
    }
}

fn reason_of(verdict: &Verdict) -> Option<String> {
    match verdict {
        Verdict::Skipped(reason) => Some(reason.clone()),
        Verdict::Pass | Verdict::Fail | Verdict::Error => None,
    }
}

/// Counts one more verdict word into `tally`.
fn count(tally: &mut Tally, word: VerdictWord) {
    tally.total += 1;
    match word {
        VerdictWord::Pass => tally.passed += 1,
        VerdictWord::Fail => tally.failed += 1,
        VerdictWord::Error => tally.errored += 1,
        VerdictWord::Skipped => tally.skipped += 1,
        VerdictWord::NotDecided => tally.not_decided += 1,
    }
}

/// The report's counts: cases, behaviours (all, FHIR's, Canvas's), cleanup and snapshots.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Totals {
    pub cases: Tally,
    pub behaviours: Tally,
    /// The behaviours any conformant FHIR R4 server should pass (`rule: fhir`).
    pub fhir_behaviours: Tally,
    /// The behaviours that are Canvas's own rules (`rule: canvas`).
    pub canvas_behaviours: Tally,
    /// Snapshots that drifted from the target's own baseline.
    pub snapshot_drift: usize,
    /// Snapshots recorded for the first time.
    pub snapshot_new: usize,
    /// Snapshots where an unprofiled target differs from the reference server (information).
    pub reference_differences: usize,
    /// Appointments the run created and could not cancel.
    pub cleanup_problems: usize,
}

impl Totals {
    /// The counts of a report's cases, behaviours (all, and by rule), snapshots and cleanup.
    pub fn of(report: &Report) -> Totals {
        let mut totals = Totals {
            snapshot_drift: report.snapshot_drift.len(),
            snapshot_new: report.snapshot_new.len(),
            reference_differences: report.reference_differences.len(),
            cleanup_problems: report.cleanup.created - report.cleanup.cancelled,
            ..Totals::default()
        };
        for case in &report.cases {
            count(&mut totals.cases, case.verdict);
        }
        for behaviour in &report.behaviours {
            count(&mut totals.behaviours, behaviour.verdict);
            match behaviour.rule {
                Rule::Fhir => count(&mut totals.fhir_behaviours, behaviour.verdict),
                Rule::Canvas => count(&mut totals.canvas_behaviours, behaviour.verdict),
            }
        }
        totals
    }
}

/// A place in a case file: path, line and column (1-based), and `file:line:col` for display.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SourcePos {
    pub file: String,
    pub line: u32,
    pub col: u32,
    /// `file:line:col`.
    pub display: String,
}

impl SourcePos {
    fn of(location: &Location) -> SourcePos {
        SourcePos {
            file: location.file.to_string(),
            line: location.line,
            col: location.col,
            display: location.to_string(),
        }
    }
}

/// One case as report.json writes it: its verdict, why, steps, behaviours and target.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CaseReport {
    pub name: String,
    /// The edition whose suite the case belongs to.
    #[serde(default)]
    pub edition: Edition,
    /// The case's folder (`create`, `search`…): the part of the name before `/`.
    pub group: String,
    pub location: SourcePos,
    pub behaviours: Vec<String>,
    pub target: Option<String>,
    pub verdict: VerdictWord,
    pub reason: Option<String>,
    pub duration_ms: u64,
    pub steps: Vec<StepReport>,
    /// For a case that failed or errored, what made it so, as one line (see
    /// [`CaseReport::first_problem`]): the why of junit.xml, summary.md and report.html.
    pub why: Option<String>,
}

impl CaseReport {
    /// The same case with [`CaseReport::why`] filled in.
    fn with_why(mut self) -> CaseReport {
        self.why = self.first_problem();
        self
    }

    /// Every finding of every step, in order.
    pub fn findings(&self) -> impl Iterator<Item = (&StepReport, &FindingReport)> {
        self.steps
            .iter()
            .flat_map(|s| s.findings.iter().map(move |f| (s, f)))
    }

    /// What made the case fail or err, for one-line summaries: in the first step with the case's
    /// own verdict, its first failing finding (a failed case) or its first undecided finding or
    /// error (an errored case). Never a note, and never a finding of a step that passed. `None`
    /// for a case that passed or was skipped.
    pub fn first_problem(&self) -> Option<String> {
        let wanted = match self.verdict {
            VerdictWord::Fail => "fail",
            VerdictWord::Error => "error",
            VerdictWord::Pass | VerdictWord::Skipped | VerdictWord::NotDecided => return None,
        };
        let decisive = self.steps.iter().filter(|s| s.verdict == self.verdict);
        for step in decisive {
            if let Some(finding) = step.findings.iter().find(|f| f.kind == wanted) {
                return Some(finding.one_line());
            }
            if let Some(error) = &step.error {
                return Some(format!("{}: {error}", step.location.display));
            }
        }
        // A report from elsewhere whose step verdicts do not say it: any finding that counts.
        self.findings()
            .map(|(_, f)| f)
            .find(|f| f.kind != "note")
            .map(FindingReport::one_line)
            .or_else(|| self.steps.iter().find_map(|s| s.error.clone()))
    }
}

/// One step of a case: its verdict, findings, exchange, walk pages and snapshot.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StepReport {
    pub name: String,
    pub location: SourcePos,
    pub verdict: VerdictWord,
    /// Why a step was not run (an earlier step did not capture what it needs).
    pub reason: Option<String>,
    /// The behaviour IDs its expectations judge.
    pub behaviours: Vec<String>,
    /// When not run: the behaviours whose earlier failure blocked it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocked_by: Vec<String>,
    pub error: Option<String>,
    /// When the set-up, not the target, kept it from being judged (a fixture the target refused):
    /// that cause; `error` then says the same.
    pub setup: Option<String>,
    /// When the step's own exchange failed: why, as data (see [`ExchangeReport::exchange_error`]);
    /// `error` then holds its text.
    pub exchange_error: Option<ExchangeError>,
    pub findings: Vec<FindingReport>,
    /// The step's request and response (secrets were scrubbed when it was recorded).
    pub exchange: Option<ExchangeReport>,
    /// Pages fetched by a search walk.
    pub walk: Vec<ExchangeReport>,
    pub snapshot: Option<SnapshotReport>,
}

/// One finding as report.json writes it (see [`crate::check::Finding`]).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FindingReport {
    /// `fail` (the target is wrong), `error` (the harness could not decide), `note` (what the
    /// target chose where several answers are allowed; never a problem) or `not_decided` (its
    /// input was incomplete because `blocked_by` failed).
    pub kind: String,
    /// The behaviour IDs it is evidence for.
    pub behaviours: Vec<String>,
    /// For `not_decided`: the behaviours whose failure left its input incomplete.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocked_by: Vec<String>,
    pub check: String,
    pub subject: String,
    pub expected: String,
    pub actual: String,
    pub location: SourcePos,
}

impl FindingReport {
    fn of(finding: &Finding) -> FindingReport {
        FindingReport {
            kind: match finding.kind {
                FindingKind::Fail => "fail",
                FindingKind::Error => "error",
                FindingKind::Note => "note",
                FindingKind::NotDecided => "not_decided",
            }
            .to_owned(),
            behaviours: finding.behaviours.clone(),
            blocked_by: finding.blocked_by.clone(),
            check: finding.check.to_owned(),
            subject: finding.subject.clone(),
            expected: finding.expected.clone(),
            actual: finding.actual.clone(),
            location: SourcePos::of(&finding.location),
        }
    }

    /// The check and what it checked, each once: `status`, `header Location`, `json $.status`.
    /// Every output names a finding with it.
    pub fn label(&self) -> String {
        if self.subject.is_empty() {
            self.check.clone()
        } else {
            format!("{} {}", self.check, self.subject)
        }
    }

    /// `file:line:col: label: expected X, actual Y`.
    pub fn one_line(&self) -> String {
        let (at, label) = (&self.location.display, self.label());
        let what = if self.kind == "note" {
            format!("{at}: {label}: {}", self.actual)
        } else if self.kind == "error" {
            format!("{at}: {label}: could not decide: {}", self.actual)
        } else {
            format!(
                "{at}: {label}: expected {}, actual {}",
                self.expected, self.actual
            )
        };
        // The behaviours it is evidence for, which need not be the case's own.
        format!("{what} [{}]", self.behaviours.join(", "))
    }
}

/// An HTTP header, name and value (an Authorization value is already redacted).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Header {
    pub name: String,
    pub value: String,
}

fn headers(list: &[(String, String)]) -> Vec<Header> {
    list.iter()
        .map(|(name, value)| Header {
            name: name.clone(),
            value: value.clone(),
        })
        .collect()
}

/// The request a step sent (secrets scrubbed).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RequestReport {
    pub method: String,
    pub url: String,
    pub headers: Vec<Header>,
    pub body: Option<String>,
}

/// The response a step received.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ResponseReport {
    pub status: u16,
    pub headers: Vec<Header>,
    /// The body, cut to [`crate::exchange::PASSING_BODY_CAP`] bytes in a passing step's exchange
    /// (then `truncated` says so).
    pub body: String,
    pub elapsed_ms: u64,
    /// Present when `body` is the start of a longer body: its length in bytes and SHA-256.
    pub truncated: Option<Truncation>,
}

/// A request and its response, or why no usable response came.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ExchangeReport {
    pub request: RequestReport,
    pub response: Option<ResponseReport>,
    /// Why no usable response could be had, as text (the `Display` of `exchange_error`).
    pub error: Option<String>,
    /// The same failure as data: `{"kind": "timeout" | "connect" | "body_too_large" |
    /// "still_busy" | "token" | "transport", …}` (added in format 2 without a bump: optional).
    pub exchange_error: Option<ExchangeError>,
}

impl ExchangeReport {
    fn of(exchange: &Exchange) -> ExchangeReport {
        ExchangeReport {
            request: RequestReport {
                method: exchange.request.method.clone(),
                url: exchange.request.url.clone(),
                headers: headers(&exchange.request.headers),
                body: exchange.request.body.clone(),
            },
            response: exchange.response.as_ref().map(|r| ResponseReport {
                status: r.status,
                headers: headers(&r.headers),
                body: r.body.clone(),
                elapsed_ms: r.elapsed_ms,
                truncated: r.truncated.clone(),
            }),
            error: exchange.error.as_ref().map(ToString::to_string),
            exchange_error: exchange.error.clone(),
        }
    }
}

/// A step's snapshot comparison: the file, its status, the diff when it drifted.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SnapshotReport {
    pub name: String,
    pub path: String,
    /// `matched`, `new`, `updated`, `drifted`, or `differs_from_reference` (an unprofiled target
    /// compared with the reference server's snapshots, for information).
    pub status: String,
    pub diff: Option<String>,
}

fn snapshot_status(status: SnapshotStatus) -> &'static str {
    match status {
        SnapshotStatus::Matched => "matched",
        SnapshotStatus::New => "new",
        SnapshotStatus::Updated => "updated",
        SnapshotStatus::Drifted => "drifted",
        SnapshotStatus::DiffersFromReference => "differs_from_reference",
    }
}

impl SnapshotReport {
    fn of(snapshot: &SnapshotOutcome) -> SnapshotReport {
        SnapshotReport {
            name: snapshot.name.clone(),
            path: snapshot.path.clone(),
            status: snapshot_status(snapshot.status).to_owned(),
            diff: snapshot.diff.clone(),
        }
    }
}

/// One behaviour of a catalogue with its verdict over the run, its cases and evidence.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BehaviourReport {
    pub id: String,
    /// The edition whose catalogue the ID is read in (the same ID means another thing in another
    /// edition).
    #[serde(default)]
    pub edition: Edition,
    pub area: String,
    pub level: Level,
    /// `fhir` (any conformant FHIR R4 server should pass it) or `canvas` (Canvas's own rule).
    pub rule: Rule,
    pub statement: String,
    /// Decided by the findings attributed to it (not by the verdicts of its cases): `fail` or
    /// `error` when one speaks against it, `not_decided` when some of its checks were blocked by
    /// another behaviour's failure, `pass` when a case naming it ran clean, `skipped` when none ran.
    pub verdict: VerdictWord,
    /// Why it was skipped or not decided.
    pub reason: Option<String>,
    /// When not decided: the behaviours whose failure blocked its checks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocked_by: Vec<String>,
    pub cases: Vec<CaseRef>,
    /// The failing and erroring findings attributed to it (from any case), and the errors of the
    /// steps that judge it.
    pub evidence: Vec<Evidence>,
    /// Notes attributed to it: which allowed answer the target chose.
    pub notes: Vec<Evidence>,
}

impl BehaviourReport {
    /// One behaviour over two shards: the worse verdict (with its reason), and everything either saw.
    pub(crate) fn combine(&mut self, theirs: BehaviourReport) {
        match theirs.verdict.rank().cmp(&self.verdict.rank()) {
            std::cmp::Ordering::Greater => {
                self.verdict = theirs.verdict;
                self.reason = theirs.reason;
                self.blocked_by = theirs.blocked_by;
            }
            std::cmp::Ordering::Equal if self.verdict == VerdictWord::NotDecided => {
                for id in theirs.blocked_by {
                    if !self.blocked_by.contains(&id) {
                        self.blocked_by.push(id);
                    }
                }
            }
            _ => {}
        }
        self.cases.extend(theirs.cases);
        self.evidence.extend(theirs.evidence);
        self.notes.extend(theirs.notes);
    }
}

/// A case a behaviour names, with its verdict (and target, in a comparison).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CaseRef {
    pub name: String,
    /// The target the case ran on, in a report of several targets.
    pub target: Option<String>,
    pub verdict: VerdictWord,
}

/// A finding quoted as evidence for a behaviour: the case, step and finding.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Evidence {
    pub case: String,
    /// The target the case ran on, in a report of several targets.
    pub target: Option<String>,
    pub step: String,
    /// What went wrong, on one line (with `file:line:col`).
    pub summary: String,
    pub finding: Option<FindingReport>,
}

/// A place where the page contradicts itself, and the decision the suite takes.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ContradictionReport {
    pub id: String,
    #[serde(default)]
    pub edition: Edition,
    pub summary: String,
    /// Lines of the source page.
    pub lines: Vec<u32>,
    pub behaviours: Vec<String>,
    pub decision: String,
}

/// What cleanup did: how many appointments were created and cancelled, each entry, and what the
/// sweep of each target searched.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct CleanupReport {
    /// Appointments the run created (or may have created: a lost create the sweep could not
    /// settle); a lost create the sweep found was not created is not counted.
    pub created: usize,
    pub cancelled: usize,
    /// Of those, the ones the sweep found (the ledger did not hold their id).
    #[serde(default)]
    pub found_by_sweep: usize,
    /// Creates whose answer was lost and that the sweep found were not created.
    #[serde(default)]
    pub not_created: usize,
    pub entries: Vec<CleanupEntry>,
    /// One per target the run sent creates to: what its sweep searched and found.
    #[serde(default)]
    pub sweeps: Vec<SweepReport>,
}

impl CleanupReport {
    /// The counts of `entries`, with `sweeps`.
    pub fn of(entries: Vec<CleanupEntry>, sweeps: Vec<SweepReport>) -> CleanupReport {
        let not_created = entries.iter().filter(|e| e.not_created).count();
        CleanupReport {
            created: entries.len() - not_created,
            cancelled: entries.iter().filter(|e| e.cancelled).count(),
            found_by_sweep: entries
                .iter()
                .filter(|e| e.found_by.as_deref() == Some(FOUND_BY_SWEEP))
                .count(),
            not_created,
            entries,
            sweeps,
        }
    }

    /// The same counts again after entries or sweeps were joined in (a merge, a comparison).
    pub fn recount(&mut self) {
        *self = CleanupReport::of(
            std::mem::take(&mut self.entries),
            std::mem::take(&mut self.sweeps),
        );
    }
}

/// `found_by` of an appointment the sweep found.
pub const FOUND_BY_SWEEP: &str = "sweep";

/// One appointment the run created (or a create whose answer was lost), and whether it was
/// cancelled (and why not).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CleanupEntry {
    /// Empty for a lost create that was not created (or that the sweep could not settle).
    pub id: String,
    pub case: String,
    pub target: String,
    pub cancelled: bool,
    pub problem: Option<String>,
    /// How it was cancelled when not by the plain read-and-write-back.
    pub note: Option<String>,
    /// `sweep`: the sweep found it (the run's tag or time slot), the ledger did not hold its id.
    pub found_by: Option<String>,
    /// The create whose answer was lost, for an entry that may have been created.
    pub lost_answer: Option<LostAnswerReport>,
    /// A lost create that the sweep found was not created: nothing to cancel.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_created: bool,
}

impl CleanupEntry {
    /// The report's entry for one line of the cleanup ledger.
    pub fn of(t: &Tidied) -> CleanupEntry {
        CleanupEntry {
            id: t.id.clone(),
            case: t.case.clone(),
            target: t.target.clone(),
            cancelled: t.problem.is_none() && t.was_created(),
            problem: t.problem.clone(),
            note: t.note.clone(),
            found_by: t.found_by_sweep().then(|| FOUND_BY_SWEEP.to_owned()),
            lost_answer: t.lost.as_ref().map(|lost| LostAnswerReport {
                step: lost.step.clone(),
                reason: lost.why.clone(),
            }),
            not_created: !t.was_created(),
        }
    }

    /// How the entry is listed in the console and summary.md, when it is: `not tidied`, `not
    /// created`, `found by sweep`, or `cancelled, but` (a fallback), with why. A plain cancel (or
    /// one already cancelled) is not listed.
    pub fn fate(&self) -> Option<(&'static str, String)> {
        let lost = self.lost_answer.as_ref();
        match (&self.problem, self.not_created, self.found_by.is_some()) {
            (Some(problem), _, _) => Some(("not tidied", problem.clone())),
            (None, true, _) => Some((
                "not created",
                format!(
                    "its answer was lost ({}), and the sweep found no appointment it made",
                    lost.map_or("no answer", |l| l.reason.as_str())
                ),
            )),
            (None, false, true) => Some((
                "found by sweep",
                format!(
                    "{}; {}",
                    lost.map_or_else(
                        || "the run's tag or time slot, missing from the ledger".to_owned(),
                        |l| format!(
                            "its create (step \"{}\") lost its answer ({})",
                            l.step, l.reason
                        )
                    ),
                    self.note.as_deref().unwrap_or("cancelled")
                ),
            )),
            (None, false, false) => self
                .note
                .as_deref()
                .filter(|n| *n != "already cancelled")
                .map(|n| ("cancelled, but", n.to_owned())),
        }
    }

    /// What the entry is about, for a line: `Appointment/<id>`, or the lost create's step.
    pub fn subject(&self) -> String {
        match (&self.lost_answer, self.id.is_empty()) {
            (Some(lost), true) => format!("the create of step \"{}\"", lost.step),
            _ => format!("Appointment/{}", self.id),
        }
    }
}

/// A create whose answer was lost: its step and what happened.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LostAnswerReport {
    pub step: String,
    pub reason: String,
}

/// What the sweep of one target searched, and found.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SweepReport {
    pub target: String,
    /// The searches sent, as query strings.
    pub searches: Vec<String>,
    /// The run's appointments it found (already cancelled ones included).
    pub found: usize,
    /// Why a search could not be completed: what it did not see is unknown.
    pub stopped: Option<String>,
}

/// A snapshot that drifted (or is new, or differs from the reference): case, step, file, diff.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DriftReport {
    pub case: String,
    pub step: String,
    pub location: SourcePos,
    pub snapshot: SnapshotReport,
}

/// What the model is built from besides the run itself.
pub struct ReportInput<'a> {
    pub run: &'a RunReport,
    /// The catalogue of each edition the run judged, oldest first.
    pub catalogues: Vec<&'a Catalogue>,
    pub targets: Vec<TargetInfo>,
    pub started_at: jiff::Timestamp,
    /// The cases selected before any partition.
    pub suite: SuiteRef,
    pub partition: Option<Partition>,
    pub allow_drift: bool,
}

impl Report {
    /// What joining two reports (a run's shards, or one run's targets) does alike: `other`'s
    /// cleanup, snapshot drift, new snapshots and reference differences appended (taken out of it);
    /// interrupted when either was.
    pub(crate) fn append_aftermath(&mut self, other: &mut Report) {
        self.cleanup.entries.append(&mut other.cleanup.entries);
        self.cleanup.sweeps.append(&mut other.cleanup.sweeps);
        self.snapshot_drift.append(&mut other.snapshot_drift);
        self.snapshot_new.append(&mut other.snapshot_new);
        self.reference_differences
            .append(&mut other.reference_differences);
        self.interrupted |= other.interrupted;
    }

    pub fn build(input: &ReportInput<'_>) -> Report {
        let run = input.run;
        let cases: Vec<CaseReport> = run.outcomes.iter().map(case_report).collect();
        let mut behaviours = Vec::new();
        let mut contradictions = Vec::new();
        for catalogue in &input.catalogues {
            let edition = catalogue.edition;
            behaviours.extend(behaviour_reports(catalogue, &run.outcomes, &cases));
            contradictions.extend(
                catalogue
                    .contradictions
                    .iter()
                    .map(|c| ContradictionReport {
                        id: c.id.clone(),
                        edition,
                        summary: c.summary.clone(),
                        lines: c.lines.clone(),
                        behaviours: c.behaviours.clone(),
                        decision: c.decision.clone(),
                    }),
            );
        }
        let entries: Vec<CleanupEntry> = run.cleanup.iter().map(CleanupEntry::of).collect();
        let sweeps = run
            .sweeps
            .iter()
            .map(|s| SweepReport {
                target: s.target.clone(),
                searches: s.searches.clone(),
                found: s.found,
                stopped: s.stopped.clone(),
            })
            .collect();
        let cleanup = CleanupReport::of(entries, sweeps);
        let snapshot_drift = snapshots_with(&cases, SnapshotStatus::Drifted);
        let snapshot_new = snapshots_with(&cases, SnapshotStatus::New);
        let reference_differences = snapshots_with(&cases, SnapshotStatus::DiffersFromReference);
        let mut report = Report {
            format_version: FORMAT_VERSION,
            tool: Tool {
                name: TOOL_NAME.to_owned(),
                version: env!("CARGO_PKG_VERSION").to_owned(),
            },
            run_id: run.run_id.clone(),
            started_at: input
                .started_at
                .round(jiff::Unit::Millisecond)
                .unwrap_or(input.started_at)
                .to_string(),
            duration_ms: run.duration_ms,
            traffic: run.traffic,
            source: input
                .catalogues
                .first()
                .map_or_else(PageRef::default, |c| PageRef {
                    file: c.source.file.clone(),
                    title: c.source.title.clone(),
                }),
            editions: input
                .catalogues
                .iter()
                .map(|c| EditionRef {
                    edition: c.edition,
                    file: c.source.file.clone(),
                    title: c.source.title.clone(),
                })
                .collect(),
            suite: input.suite.clone(),
            partition: input.partition,
            allow_drift: input.allow_drift,
            interrupted: run.interrupted,
            targets: input.targets.clone(),
            cases,
            behaviours,
            contradictions,
            cleanup,
            snapshot_drift,
            snapshot_new,
            reference_differences,
            verdict: run.verdict.clone(),
            totals: Totals::default(),
            comparison: None,
        };
        report.totals = Totals::of(&report);
        report
    }

    /// The run's verdict: what the exit code says (cases, cleanup, drift, interruption).
    pub fn ok(&self) -> bool {
        self.verdict.passed
    }
}

/// The steps whose snapshot has this status.
fn snapshots_with(cases: &[CaseReport], status: SnapshotStatus) -> Vec<DriftReport> {
    let word = snapshot_status(status);
    cases
        .iter()
        .flat_map(|c| {
            c.steps.iter().filter_map(move |s| {
                let snapshot = s.snapshot.as_ref()?;
                (snapshot.status == word).then(|| DriftReport {
                    case: c.name.clone(),
                    step: s.name.clone(),
                    location: s.location.clone(),
                    snapshot: snapshot.clone(),
                })
            })
        })
        .collect()
}

/// One case's outcome as the report shows it.
pub(crate) fn case_report(outcome: &CaseOutcome) -> CaseReport {
    CaseReport {
        name: outcome.name.clone(),
        edition: outcome.edition,
        group: group_of(&outcome.name, &outcome.location),
        location: SourcePos::of(&outcome.location),
        behaviours: outcome.behaviours.clone(),
        target: outcome.target.clone(),
        verdict: VerdictWord::of(&outcome.verdict),
        reason: reason_of(&outcome.verdict),
        duration_ms: outcome.duration_ms,
        steps: outcome.steps.iter().map(step_report).collect(),
        why: None,
    }
    .with_why()
}

/// The case's folder: the name's part before `/` (`create/location` → `create`), else the folder
/// of its file, else `cases`.
fn group_of(name: &str, location: &Location) -> String {
    if let Some((group, _)) = name.split_once('/')
        && !group.is_empty()
    {
        return group.to_owned();
    }
    std::path::Path::new(location.file.as_ref())
        .parent()
        .and_then(|p| p.file_name())
        .map_or_else(|| "cases".to_owned(), |n| n.to_string_lossy().into_owned())
}

fn step_report(step: &StepOutcome) -> StepReport {
    StepReport {
        name: step.name.clone(),
        location: SourcePos::of(&step.location),
        verdict: VerdictWord::of(&step.verdict),
        reason: reason_of(&step.verdict),
        behaviours: step.behaviours.clone(),
        blocked_by: step.blocked_by.clone(),
        error: step.error.clone(),
        setup: step.setup.clone(),
        exchange_error: step.exchange.as_ref().and_then(|e| e.error.clone()),
        findings: step.findings.iter().map(FindingReport::of).collect(),
        exchange: step.exchange.as_ref().map(ExchangeReport::of),
        walk: step.walk.iter().map(ExchangeReport::of).collect(),
        snapshot: step.snapshot.as_ref().map(SnapshotReport::of),
    }
}

/// The catalogue's behaviours, judged by the outcomes and cases of its edition only (the same ID
/// is another behaviour in another edition).
fn behaviour_reports(
    catalogue: &Catalogue,
    outcomes: &[CaseOutcome],
    cases: &[CaseReport],
) -> Vec<BehaviourReport> {
    let edition = catalogue.edition;
    let verdicts: BTreeMap<String, BehaviourVerdict> =
        crate::outcome::per_behaviour(outcomes.iter().filter(|o| o.edition == edition));
    let cases: Vec<&CaseReport> = cases.iter().filter(|c| c.edition == edition).collect();
    catalogue
        .behaviours
        .iter()
        .map(|b| {
            let mine: Vec<&CaseReport> = cases
                .iter()
                .copied()
                .filter(|c| c.behaviours.iter().any(|id| id == &b.id))
                .collect();
            let verdict = verdicts.get(&b.id);
            let (reason, blocked_by) = match verdict {
                None => (Some(skip_reason(&mine)), Vec::new()),
                Some(BehaviourVerdict::Skipped { .. }) => (Some(skip_reason(&mine)), Vec::new()),
                Some(BehaviourVerdict::NotDecided { blocked_by, setup })
                    if blocked_by.is_empty() =>
                {
                    (
                        Some(format!(
                            "not judged: the set-up kept its checks from running: {}",
                            setup.join("; ")
                        )),
                        Vec::new(),
                    )
                }
                Some(BehaviourVerdict::NotDecided { blocked_by, .. }) => (
                    Some(format!(
                        "some of its checks did not run: an earlier step failed for {}",
                        blocked_by.join(", ")
                    )),
                    blocked_by.clone(),
                ),
                Some(_) => (None, Vec::new()),
            };
            let (evidence, notes) = evidence_for(&b.id, &cases);
            BehaviourReport {
                id: b.id.clone(),
                edition: catalogue.edition,
                area: b.area.clone(),
                level: b.level,
                rule: b.rule,
                statement: b.statement.clone(),
                verdict: verdict.map_or(VerdictWord::Skipped, VerdictWord::of_behaviour),
                reason,
                blocked_by,
                cases: mine
                    .iter()
                    .map(|c| CaseRef {
                        name: c.name.clone(),
                        target: None,
                        verdict: c.verdict,
                    })
                    .collect(),
                evidence,
                notes,
            }
        })
        .collect()
}

fn skip_reason(cases: &[&CaseReport]) -> String {
    let reasons: Vec<&str> = cases.iter().filter_map(|c| c.reason.as_deref()).collect();
    match reasons.as_slice() {
        [] => "no case in this run checks it".to_owned(),
        [one] => (*one).to_owned(),
        [first, ..] => {
            if reasons.iter().all(|r| r == first) {
                (*first).to_owned()
            } else {
                format!("every case checking it was skipped ({first}; …)")
            }
        }
    }
}

/// The findings attributed to `id` across every case (failing and erroring ones as evidence,
/// notes apart), and the errors of the steps judging it.
fn evidence_for(id: &str, cases: &[&CaseReport]) -> (Vec<Evidence>, Vec<Evidence>) {
    let mut evidence = Vec::new();
    let mut notes = Vec::new();
    for case in cases {
        for (step, finding) in case.findings() {
            if !finding.behaviours.iter().any(|b| b == id) {
                continue;
            }
            let item = Evidence {
                case: case.name.clone(),
                target: None,
                step: step.name.clone(),
                summary: finding.one_line(),
                finding: Some(finding.clone()),
            };
            if finding.kind == "note" {
                notes.push(item);
            } else {
                evidence.push(item);
            }
        }
        for step in &case.steps {
            if let Some(error) = &step.error
                && step.behaviours.iter().any(|b| b == id)
            {
                evidence.push(Evidence {
                    case: case.name.clone(),
                    target: None,
                    step: step.name.clone(),
                    summary: format!("{}: {error}", step.location.display),
                    finding: None,
                });
            }
        }
    }
    (evidence, notes)
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::exchange::{Received, SentRequest};
    use crate::requirements::{Behaviour, Contradiction, Edition, PageSource, SourceRef};
    use crate::run::ledger::Origin;
    use crate::source::Pos;

    pub(crate) fn location(file: &str, line: u32) -> Location {
        Location::new(&Arc::from(file), Pos { line, col: 7 })
    }

    fn behaviour(id: &str) -> Behaviour {
        Behaviour {
            id: id.to_owned(),
            area: "read".to_owned(),
            level: Level::Must,
            rule: if id == "A-1" {
                Rule::Fhir
            } else {
                Rule::Canvas
            },
            fhir_spec: (id == "A-1").then(|| "http.html#read (200 OK)".to_owned()),
            statement: format!("{id} holds <always> & \"everywhere\""),
            source: SourceRef {
                lines: vec![1],
                quote: "q".to_owned(),
            }
            .into(),
            change: None,
            change_note: None,
            decisions: Vec::new(),
        }
    }

    pub(crate) fn catalogue() -> Catalogue {
        Catalogue {
            version: 1,
            edition: Edition::Sept2023,
            source: PageSource {
                file: "seeds/page.txt".to_owned(),
                title: "The page".to_owned(),
                keys: Vec::new(),
            },
            removed: Vec::new(),
            decisions: Vec::new(),
            fingerprints: Vec::new(),
            behaviours: vec![behaviour("A-1"), behaviour("B-2"), behaviour("C-3")],
            contradictions: vec![Contradiction {
                id: "C1".to_owned(),
                summary: "says <b>two</b> things".to_owned(),
                lines: vec![3, 4],
                behaviours: vec!["A-1".to_owned()],
                decision: "take the first".to_owned(),
            }],
        }
    }

    pub(crate) fn exchange(status: u16, body: &str) -> Exchange {
        Exchange {
            request: SentRequest {
                method: "GET".to_owned(),
                url: "http://127.0.0.1:1/Appointment/x?a=<b>".to_owned(),
                headers: vec![("Authorization".to_owned(), "Bearer [redacted]".to_owned())],
                body: None,
            },
            response: Some(Received {
                status,
                headers: vec![("Content-Type".to_owned(), "application/json".to_owned())],
                body: body.to_owned(),
                json: None,
                elapsed_ms: 3,
                truncated: None,
            }),
            error: None,
        }
    }

    /// A run with a passing case (A-1), a failing one (A-1 and B-2) whose finding carries markup,
    /// a skipped one, a drifted snapshot and one appointment cleanup could not cancel.
    pub(crate) fn run() -> RunReport {
        let pass_step = StepOutcome {
            name: "reads".to_owned(),
            location: location("cases/read/a.yaml", 5),
            verdict: Verdict::Pass,
            behaviours: vec!["A-1".to_owned()],
            blocked_by: Vec::new(),
            error: None,
            setup: None,
            findings: Vec::new(),
            exchange: Some(exchange(200, "{\"ok\":true}")),
            walk: Vec::new(),
            snapshot: Some(SnapshotOutcome {
                name: "read__a".to_owned(),
                path: "snapshots/read__a.snap".to_owned(),
                status: SnapshotStatus::Drifted,
                diff: Some("-old <x>\n+new <y>\n".to_owned()),
                written: crate::outcome::SnapshotWrite::Pending,
                observed: String::new(),
            }),
        };
        let fail_step = StepOutcome {
            name: "status <maps>".to_owned(),
            location: location("cases/read/b.yaml", 9),
            verdict: Verdict::Fail,
            behaviours: vec!["A-1".to_owned(), "B-2".to_owned()],
            blocked_by: Vec::new(),
            error: None,
            setup: None,
            findings: vec![Finding {
                // As the runner attributes it: the case's IDs.
                behaviours: vec!["A-1".to_owned(), "B-2".to_owned()],
                ..Finding::fail(
                    "json",
                    location("cases/read/b.yaml", 12),
                    "$.status",
                    "\"<script>alert(1)</script>\"",
                    "\"booked | x\"",
                )
            }],
            exchange: Some(exchange(200, "{\"status\":\"booked\"}")),
            walk: Vec::new(),
            snapshot: None,
        };
        RunReport {
            run_id: "r-123".to_owned(),
            outcomes: vec![
                CaseOutcome {
                    name: "read/a".to_owned(),
                    edition: Edition::Sept2023,
                    location: location("cases/read/a.yaml", 1),
                    behaviours: vec!["A-1".to_owned()],
                    target: Some("reference".to_owned()),
                    verdict: Verdict::Pass,
                    steps: vec![pass_step],
                    duration_ms: 4,
                },
                CaseOutcome {
                    name: "read/b".to_owned(),
                    edition: Edition::Sept2023,
                    location: location("cases/read/b.yaml", 1),
                    behaviours: vec!["A-1".to_owned(), "B-2".to_owned()],
                    target: Some("reference".to_owned()),
                    verdict: Verdict::Fail,
                    steps: vec![fail_step],
                    duration_ms: 6,
                },
                CaseOutcome::skipped(
                    "create/c".to_owned(),
                    location("cases/create/c.yaml", 1),
                    vec!["C-3".to_owned()],
                    "profile `x` does not allow writes".to_owned(),
                ),
            ],
            cleanup: vec![
                Tidied {
                    id: "ok-1".to_owned(),
                    case: "read/b".to_owned(),
                    target: "reference".to_owned(),
                    problem: None,
                    note: None,
                    origin: Origin::Answer,
                    lost: None,
                },
                Tidied {
                    id: "left-2".to_owned(),
                    case: "read/b".to_owned(),
                    target: "reference".to_owned(),
                    problem: Some("cancelling answered 500".to_owned()),
                    note: None,
                    origin: Origin::Answer,
                    lost: None,
                },
            ],
            sweeps: Vec::new(),
            duration_ms: 1234,
            interrupted: false,
            verdict: crate::outcome::RunVerdict::decide(crate::outcome::RunFacts {
                cases: crate::outcome::Tally {
                    total: 3,
                    passed: 1,
                    failed: 1,
                    errored: 0,
                    skipped: 1,
                    not_decided: 0,
                },
                cleanup_problems: 1,
                drifted: 1,
                allow_drift: false,
                interrupted: false,
                ..crate::outcome::RunFacts::default()
            }),
            traffic: Default::default(),
        }
    }

    pub(crate) fn report() -> Report {
        report_on(&run(), "reference", "http://127.0.0.1:1")
    }

    /// The report of `run` on one target (`label`, `base_url`, profile `reference`), with the
    /// fixed catalogue and suite.
    pub(crate) fn report_on(run: &RunReport, label: &str, base_url: &str) -> Report {
        Report::build(&ReportInput {
            run,
            catalogues: vec![&catalogue()],
            targets: vec![TargetInfo {
                label: label.to_owned(),
                base_url: base_url.to_owned(),
                profile: "reference".to_owned(),
            }],
            started_at: jiff::Timestamp::UNIX_EPOCH,
            suite: SuiteRef::of(&catalogue(), ["read/a", "read/b", "create/c"]),
            partition: None,
            allow_drift: false,
        })
    }

    /// The fixed run, its failing case `read/b` given first a passing step with a decision note,
    /// and in its failing step a note before a failed status check (as the checks order them).
    pub(crate) fn run_with_notes() -> RunReport {
        let mut run = run();
        let case = &mut run.outcomes[1];
        let decision = |line| {
            Finding::note(
                "decision",
                location("cases/read/b.yaml", line),
                "D1",
                "the page leaves this answer open (D1 is the reference server's choice); the target answered 400",
            )
            .for_behaviour("A-1")
        };
        let mut before = case.steps[0].clone();
        before.name = "reads first".to_owned();
        before.verdict = Verdict::Pass;
        before.findings = vec![decision(4)];
        let failing = &mut case.steps[0];
        failing.findings.insert(0, decision(10));
        failing.findings.insert(
            1,
            Finding::fail(
                "status",
                location("cases/read/b.yaml", 11),
                "",
                "201",
                "200",
            )
            .for_behaviour("B-2"),
        );
        case.steps.insert(0, before);
        run
    }

    fn report_of(run: &RunReport) -> Report {
        report_on(run, "reference", "http://127.0.0.1:1")
    }

    #[test]
    fn every_why_quotes_the_finding_that_failed_the_case_never_a_note() {
        let run = run_with_notes();
        let report = report_of(&run);
        let why = "cases/read/b.yaml:11:7: status: expected 201, actual 200 [B-2]";
        let case = &report.cases[1];
        assert_eq!(case.first_problem().as_deref(), Some(why));
        assert_eq!(case.why.as_deref(), Some(why));
        let junit = crate::report::junit::render(&report).expect("junit");
        assert!(
            junit.contains(&format!(r#"<failure message="{why}""#)),
            "{junit}"
        );
        let markdown = crate::report::markdown::render(&report);
        let cell = why.replace('[', "\\[").replace(']', "\\]");
        assert!(
            markdown.contains(&format!("| read/b (2023-09) | A-1, B-2 | {cell} |\n")),
            "{markdown}"
        );
        let html = crate::report::html::render(&report).expect("html");
        assert!(
            html.contains(&format!("<b>Why:</b> <code>{why}</code>")),
            "{html}"
        );
        // The console lists the failed check before the step's note.
        let console = crate::report::console::details(&run.outcomes[1], None);
        let status = console.find("status [B-2]").expect("the status finding");
        let note = console.find("decision D1 (note)").expect("the note");
        assert!(status < note, "{console}");
        // A passing or skipped case has no why.
        assert_eq!(report.cases[0].why, None);
        assert_eq!(report.cases[2].why, None);
    }

    /// The fixed run, whose cleanup also has an appointment the sweep found for a lost create, one
    /// it found that the ledger missed, a lost create that was not created, a lost create it could
    /// not settle, and an incomplete sweep.
    fn run_with_sweep() -> RunReport {
        use crate::run::cleanup::SweepNote;
        use crate::run::ledger::LostAnswer;
        let mut run = run();
        let lost = |step: &str| {
            Some(LostAnswer {
                step: step.to_owned(),
                why: "request failed: connection reset".to_owned(),
            })
        };
        let tidied = |id: &str, origin, lost, problem: Option<&str>| Tidied {
            id: id.to_owned(),
            case: "create/c".to_owned(),
            target: "reference".to_owned(),
            problem: problem.map(str::to_owned),
            note: None,
            origin,
            lost,
        };
        run.cleanup.extend([
            tidied("swept-3", Origin::Sweep, lost("book"), None),
            tidied("missed-4", Origin::Sweep, None, None),
            tidied("", Origin::NotCreated, lost("refused"), None),
            tidied(
                "",
                Origin::Answer,
                lost("unsettled"),
                Some("may have been created, and the sweep could not look for it: searching answered 500"),
            ),
        ]);
        run.sweeps = vec![SweepNote {
            target: "reference".to_owned(),
            searches: vec!["identifier=x%7Cy&_count=100".to_owned()],
            found: 7,
            stopped: Some("searching answered 500".to_owned()),
            chain: 1,
        }];
        run
    }

    #[test]
    fn the_sweep_s_findings_and_lost_creates_reach_every_output() {
        let run = run_with_sweep();
        let report = report_on(&run, "reference", "http://127.0.0.1:1");
        let cleanup = &report.cleanup;
        // Six entries, one not created: five created, three cancelled (two by the sweep), and two
        // problems (the failed cancel and the lost create the sweep could not settle).
        assert_eq!(
            (
                cleanup.created,
                cleanup.cancelled,
                cleanup.found_by_sweep,
                cleanup.not_created
            ),
            (5, 3, 2, 1)
        );
        assert_eq!(report.totals.cleanup_problems, 2);
        let json = crate::report::json::render(&report).expect("json");
        let value: serde_json::Value = serde_json::from_str(&json).expect("json");
        crate::report::json::tests::assert_schema_valid(&value);
        let entries = &value["cleanup"]["entries"];
        assert_eq!(entries[2]["found_by"], "sweep");
        assert_eq!(entries[2]["lost_answer"]["step"], "book");
        assert_eq!(entries[4]["not_created"], true);
        assert_eq!(entries[4]["cancelled"], false);
        assert_eq!(value["cleanup"]["sweeps"][0]["found"], 7);
        let console = crate::report::console::summary(&run);
        let markdown = crate::report::markdown::render(&report);
        for text in [&console, &markdown] {
            for line in [
                "ancelled 3 of 5 appointment(s) this run created",
                "found by sweep: Appointment/swept-3 (case create/c, target reference): its create (step \"book\") lost its answer (request failed: connection reset); cancelled",
                "found by sweep: Appointment/missed-4 (case create/c, target reference): the run's tag or time slot, missing from the ledger; cancelled",
                "not created: the create of step \"refused\" (case create/c, target reference): its answer was lost (request failed: connection reset), and the sweep found no appointment it made",
                "not tidied: the create of step \"unsettled\" (case create/c, target reference): may have been created",
                "sweep of reference incomplete (1 search(es), 7",
            ] {
                assert!(text.contains(line), "{line}\n{text}");
            }
        }
        let html = crate::report::html::render(&report).expect("html");
        assert!(html.contains(r#"data-found-by="sweep""#), "{html}");
        assert!(html.contains(r#"data-not-created="true""#), "{html}");
        assert!(html.contains("sweep incomplete"), "{html}");
        let junit = crate::report::junit::render(&report).expect("junit");
        assert!(
            junit.contains(r#"name="cancel the create of step &quot;refused&quot;""#),
            "{junit}"
        );
        assert!(
            junit.contains(r#"name="found_by" value="sweep""#),
            "{junit}"
        );
    }

    #[test]
    fn a_check_name_appears_once_in_every_output() {
        let run = run_with_notes();
        let report = report_of(&run);
        let mut outputs = vec![
            crate::report::json::render(&report).expect("json"),
            crate::report::junit::render(&report).expect("junit"),
            crate::report::markdown::render(&report),
            crate::report::html::render(&report).expect("html"),
        ];
        outputs.extend(
            run.outcomes
                .iter()
                .map(|o| crate::report::console::case_block(o, None)),
        );
        for output in &outputs {
            for doubled in [
                "status status",
                "decision decision",
                "header header",
                "body body",
            ] {
                assert!(!output.contains(doubled), "{doubled}: {output}");
            }
        }
        let finding = &report.cases[1].steps[1].findings[1];
        assert_eq!(finding.label(), "status");
        assert_eq!(report.cases[1].steps[1].findings[0].label(), "decision D1");
    }

    #[test]
    fn behaviours_take_the_worst_verdict_and_skip_when_nothing_ran() {
        let report = report();
        let verdicts: Vec<(&str, VerdictWord)> = report
            .behaviours
            .iter()
            .map(|b| (b.id.as_str(), b.verdict))
            .collect();
        assert_eq!(
            verdicts,
            [
                ("A-1", VerdictWord::Fail),
                ("B-2", VerdictWord::Fail),
                ("C-3", VerdictWord::Skipped)
            ]
        );
        let a = &report.behaviours[0];
        assert_eq!(a.cases.len(), 2);
        assert_eq!(a.evidence.len(), 1);
        assert!(
            a.evidence[0]
                .summary
                .starts_with("cases/read/b.yaml:12:7: json $.status"),
            "{}",
            a.evidence[0].summary
        );
        assert_eq!(
            report.behaviours[2].reason.as_deref(),
            Some("profile `x` does not allow writes")
        );
    }

    #[test]
    fn a_behaviour_is_decided_by_the_findings_attributed_to_it() {
        let mut run = run();
        let step = &mut run.outcomes[1].steps[0];
        step.findings[0].behaviours = vec!["A-1".to_owned()];
        step.findings.push(
            Finding::note(
                "body",
                location("cases/read/b.yaml", 13),
                "",
                "the written Appointment",
            )
            .for_behaviour("B-2"),
        );
        let report = report_on(&run, "reference", "http://127.0.0.1:1");
        assert_eq!(report.behaviours[0].verdict, VerdictWord::Fail);
        assert_eq!(report.behaviours[1].verdict, VerdictWord::Pass);
        assert!(report.behaviours[1].evidence.is_empty());
        assert_eq!(report.behaviours[1].notes.len(), 1);
        // The case itself still failed: its step has a failing finding.
        assert_eq!(report.cases[1].verdict, VerdictWord::Fail);
    }

    #[test]
    fn a_blocked_step_leaves_its_behaviours_not_decided_naming_the_blocker() {
        let mut run = run();
        let case = &mut run.outcomes[1];
        case.behaviours.push("C-3".to_owned());
        case.steps[0].findings[0].behaviours = vec!["A-1".to_owned()];
        let blocked = StepOutcome::new(
            "read it back".to_owned(),
            location("cases/read/b.yaml", 20),
            vec!["C-3".to_owned()],
        )
        .blocked(
            "not run: it needs `id`, which step `x` did not capture".to_owned(),
            vec!["A-1".to_owned()],
        );
        case.steps.push(blocked);
        let report = report_on(&run, "reference", "http://127.0.0.1:1");
        let c = &report.behaviours[2];
        assert_eq!(c.verdict, VerdictWord::NotDecided);
        assert_eq!(c.blocked_by, vec!["A-1".to_owned()]);
        assert!(c.reason.as_deref().is_some_and(|r| r.contains("A-1")));
        assert_eq!(report.totals.behaviours.not_decided, 1);
        assert_eq!(report.cases[1].steps[1].verdict, VerdictWord::Skipped);
    }

    #[test]
    fn totals_drift_and_cleanup() {
        let report = report();
        assert_eq!(
            report.totals.cases,
            Tally {
                total: 3,
                passed: 1,
                failed: 1,
                errored: 0,
                skipped: 1,
                not_decided: 0
            }
        );
        assert_eq!(report.totals.behaviours.failed, 2);
        assert_eq!(report.totals.fhir_behaviours.failed, 1);
        assert_eq!(report.totals.canvas_behaviours.total, 2);
        assert_eq!(report.totals.snapshot_drift, 1);
        assert_eq!(report.snapshot_drift[0].case, "read/a");
        assert_eq!(report.cleanup.created, 2);
        assert_eq!(report.cleanup.cancelled, 1);
        assert_eq!(report.totals.cleanup_problems, 1);
        assert!(!report.ok());
        assert_eq!(report.started_at, "1970-01-01T00:00:00Z");
        assert_eq!(report.cases[2].group, "create");
    }

    #[test]
    fn a_behaviour_no_case_names_is_skipped_with_a_reason() {
        let mut run = run();
        run.outcomes.truncate(1);
        let report = report_on(&run, "reference", "http://127.0.0.1:1");
        assert_eq!(report.behaviours[0].verdict, VerdictWord::Pass);
        assert_eq!(report.behaviours[1].verdict, VerdictWord::Skipped);
        assert_eq!(
            report.behaviours[1].reason.as_deref(),
            Some("no case in this run checks it")
        );
    }

    #[test]
    fn group_falls_back_to_the_file_folder() {
        assert_eq!(
            group_of("plain", &location("cases/search/x.yaml", 1)),
            "search"
        );
        assert_eq!(group_of("plain", &location("x.yaml", 1)), "cases");
    }

    #[test]
    fn credentials_in_a_base_url_are_dropped() {
        assert_eq!(
            without_userinfo("https://user:pw@example.test/fhir"),
            "https://example.test/fhir"
        );
        assert_eq!(
            without_userinfo("http://127.0.0.1:8090"),
            "http://127.0.0.1:8090"
        );
    }
}
