//! One run session: resolves the targets (embedded reference servers, a mutant's, or a server by
//! URL and profile), starts and stops the embedded servers, owns the HTTP client, the snapshot
//! store and the cleanup ledger, and runs plans into a [`RunReport`] with its one verdict.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use crate::case::Case;
use crate::edition::Edition;
use crate::exchange::recorder::Recorder;
use crate::exchange::send::{ClientError, ClientOptions};
use crate::exchange::{Client, Traffic};
use crate::outcome::{CaseOutcome, RunVerdict};
use crate::plan::{Placement, Plan, PlanItem, Selection, build, fixtures_used};
use crate::run::cleanup::{Cleanup, cleanup};
use crate::run::embedded::Embedded;
use crate::run::events::RunEvent;
use crate::run::preflight::{self, Gate};
use crate::run::runner::{run_item, verdict_of};
use crate::run::scope::new_run_id;
use crate::run::snapshots::{SnapshotStore, UpdateMode};
use crate::run::{RunControl, RunOptions, RunReport, run_plan_with};
use crate::source::Pos;
use crate::target::{Profile, Target, for_profile, label_for};
use canvas_sandbox::{Mutant, ServerError};

/// Which servers a session talks to.
#[derive(Clone, Debug)]
pub enum TargetChoice {
    /// `pairs` pairs per edition of embedded reference servers on 127.0.0.1:0 (double booking
    /// allowed, disallowed), each the reference instance of its edition, with `mutant` broken on
    /// the servers of the editions it belongs to.
    Embedded {
        mutant: Option<Mutant>,
        editions: Vec<Edition>,
        pairs: usize,
    },
    /// One server by its FHIR base URL (already checked, no trailing slash; see
    /// [`crate::run::options::parse_base_url`]), with its profile and an optional static token.
    Remote {
        base_url: String,
        profile: Box<Profile>,
        token: Option<String>,
        /// How reports name it (`None`: the profile's name, else the URL's `host:port`; see
        /// [`crate::target::label_for`]); a run of several targets makes each label unique.
        label: Option<String>,
    },
    /// Targets already made, started by nobody here (a replay's recorded targets, which its client
    /// answers for without a connection).
    Given(Vec<Target>),
}

/// What a session needs to open.
#[derive(Clone, Debug)]
pub struct SessionOptions {
    pub targets: TargetChoice,
    pub client: ClientOptions,
    /// Cases in flight at once on each target (at least 1 is used).
    pub jobs: usize,
    /// Where snapshots are compared and how they may be updated; `None` skips them.
    pub snapshots: Option<(PathBuf, UpdateMode)>,
    /// Snapshot drift is reported without failing the run (`run --allow-drift`).
    pub allow_drift: bool,
    /// A remote target must have usable credentials (`false` for a dry run, which sends nothing).
    pub require_auth: bool,
}

impl SessionOptions {
    /// The embedded reference servers of `editions` (one pair each, `mutant` broken if given),
    /// a 30 s client, no snapshots.
    pub fn embedded(editions: &[Edition], mutant: Option<Mutant>, jobs: usize) -> SessionOptions {
        SessionOptions {
            targets: TargetChoice::Embedded {
                mutant,
                editions: editions.to_vec(),
                pairs: 1,
            },
            client: ClientOptions::with_timeout(std::time::Duration::from_secs(30)),
            jobs,
            snapshots: None,
            allow_drift: false,
            require_auth: true,
        }
    }
}

/// Why a session could not open.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("failed to start the HTTP client")]
    Client(#[from] ClientError),
    #[error("failed to start the embedded reference servers")]
    Embedded(#[from] ServerError),
    /// The remote target's credentials cannot be had (no token, no OAuth client secret, …).
    #[error("cannot authenticate to the target: {reason}")]
    Auth { base_url: String, reason: String },
}

/// An open session: its targets, client, snapshot store and ledger, until [`RunSession::close`].
pub struct RunSession {
    targets: Arc<Vec<Target>>,
    embedded: Vec<Embedded>,
    client: Client,
    options: RunOptions,
    control: RunControl,
}

impl RunSession {
    /// Starts the embedded servers (or builds the remote target and its auth) and the client.
    ///
    /// Errors: [`SessionError`] (client options, a server that cannot start, unusable credentials).
    pub async fn open(options: SessionOptions) -> Result<RunSession, SessionError> {
        let client = Client::with_options(options.client.clone())?;
        RunSession::open_with(options, client).await
    }

    /// [`RunSession::open`] with a client already made (several sessions sharing one);
    /// `options.client` then only sets the OAuth token timeout.
    pub async fn open_with(
        options: SessionOptions,
        client: Client,
    ) -> Result<RunSession, SessionError> {
        let (targets, embedded) = match options.targets {
            TargetChoice::Embedded {
                mutant,
                editions,
                pairs,
            } => {
                let mut targets = Vec::new();
                let mut embedded = Vec::new();
                for _ in 0..pairs.max(1) {
                    let pair = Embedded::start(&editions, mutant).await?;
                    targets.extend(pair.targets.iter().cloned());
                    embedded.push(pair);
                }
                (targets, embedded)
            }
            TargetChoice::Remote {
                base_url,
                profile,
                token,
                label,
            } => {
                let auth = for_profile(
                    &profile,
                    token,
                    options.client.timeout,
                    &options.client.retry,
                );
                if let Some(reason) = auth.unavailable_reason()
                    && options.require_auth
                {
                    return Err(SessionError::Auth {
                        base_url,
                        reason: reason.to_owned(),
                    });
                }
                let target = Target {
                    label: label.unwrap_or_else(|| label_for(&profile, &base_url)),
                    base_url,
                    auth,
                    profile: Arc::from(profile),
                };
                (vec![target], Vec::new())
            }
            TargetChoice::Given(targets) => (targets, Vec::new()),
        };
        let snapshots = options
            .snapshots
            .map(|(dir, mode)| Arc::new(SnapshotStore::new(dir, mode)));
        Ok(RunSession {
            targets: Arc::new(targets),
            embedded,
            client,
            options: RunOptions {
                jobs: options.jobs.max(1),
                run_id: new_run_id(),
                snapshots,
                allow_drift: options.allow_drift,
                cause: None,
                require_all: false,
            },
            control: RunControl::default(),
        })
    }

    /// The same session under `run_id` (a replay takes the recorded run's, so names and time
    /// slots render as they did).
    pub fn with_run_id(mut self, run_id: &str) -> RunSession {
        self.options.run_id = run_id.to_owned();
        self
    }

    /// The same session headlined by a set-up `cause` decided elsewhere (a replay takes the
    /// recorded run's preflight cause).
    pub fn with_cause(mut self, cause: Option<String>) -> RunSession {
        self.options.cause = cause;
        self
    }

    /// The same session streaming every exchange to `recorder` (`run --record`).
    pub fn recording(mut self, recorder: Arc<Recorder>) -> RunSession {
        self.client = self.client.recording(recorder);
        self
    }

    /// The targets, in the order plans place cases on them.
    pub fn targets(&self) -> &[Target] {
        &self.targets
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The snapshot store, if the session compares snapshots.
    pub fn snapshots(&self) -> Option<&Arc<SnapshotStore>> {
        self.options.snapshots.as_ref()
    }

    /// The run id [`RunSession::run`] uses (it names what the run creates).
    pub fn run_id(&self) -> &str {
        &self.options.run_id
    }

    /// The stop signal and cleanup ledger, for a Ctrl-C watcher.
    pub fn control(&self) -> &RunControl {
        &self.control
    }

    /// The plan of `cases` on this session's targets.
    /// The selection as this session runs it: one naming no edition takes the editions the
    /// targets speak (a current-edition sandbox runs the current suite only), oldest first.
    pub fn selection(&self, selection: &Selection) -> Selection {
        let mut selection = selection.clone();
        if selection.editions.is_empty() {
            selection.editions = self.targets.iter().map(|t| t.profile.edition).collect();
            selection.editions.sort();
            selection.editions.dedup();
        }
        selection
    }

    /// Plans `cases` on the session's targets, under [`RunSession::selection`].
    pub fn plan(&self, cases: &[Arc<Case>], selection: &Selection) -> Plan {
        build(cases, &self.targets, &self.selection(selection))
    }

    /// Runs `plan` (built on [`RunSession::targets`]) under the session's run id, then cancels
    /// what it created; `on_event` sees every [`RunEvent`].
    pub async fn run(&self, plan: &Plan, on_event: impl FnMut(RunEvent<'_>)) -> RunReport {
        self.run_as(plan, &self.options.run_id, on_event).await
    }

    /// [`RunSession::run`] under another run id (a repeated run on the same servers).
    pub async fn run_as(
        &self,
        plan: &Plan,
        run_id: &str,
        on_event: impl FnMut(RunEvent<'_>),
    ) -> RunReport {
        let options = RunOptions {
            run_id: run_id.to_owned(),
            ..self.options.clone()
        };
        run_plan_with(
            plan,
            Arc::clone(&self.targets),
            self.client.clone(),
            &options,
            &self.control,
            on_event,
        )
        .await
    }

    /// Runs one plan item alone (the `cargo test` face: one trial each); what it creates stays
    /// in the ledger until [`RunSession::finish`].
    pub async fn run_item(&self, item: &PlanItem) -> CaseOutcome {
        run_item(
            item,
            &self.targets,
            &self.client,
            &self.options.run_id,
            &self.control.ledger,
            self.options.snapshots.as_deref(),
        )
        .await
    }

    /// Cancels what [`RunSession::run_item`] created (and sweeps for what it missed) and decides
    /// the verdict of those outcomes.
    pub async fn finish(&self, outcomes: &[CaseOutcome]) -> (Cleanup, RunVerdict) {
        let cleanup = cleanup(
            &self.control.ledger,
            &self.targets,
            &self.client,
            self.options.jobs,
            Vec::new(),
        )
        .await;
        let verdict = verdict_of(
            outcomes,
            &cleanup.tidied,
            &self.options,
            self.control.interrupt.is_triggered(),
        );
        (cleanup, verdict)
    }

    /// The preflight of a remote target before `plan` runs ([`preflight::gate`] over the
    /// fixtures its runnable cases use), applied to the session: the fixtures it verified and
    /// refused go into the target's profile, and its cause (an edition mismatch, a refused
    /// fixture) into the verdict. `None` for embedded servers, which are the reference itself.
    pub async fn preflight(&mut self, plan: &Plan) -> Option<Gate> {
        if !self.embedded.is_empty() || self.targets.len() != 1 {
            return None;
        }
        let target = self.targets.first()?.clone();
        let used: BTreeSet<String> = plan
            .items
            .iter()
            .filter(|item| matches!(item.placement, Placement::Run(_)))
            .flat_map(|item| fixtures_used(&item.case))
            .collect();
        let gate = preflight::gate(&self.client, &target, &used).await;
        let mut profile = (*target.profile).clone();
        profile.verified.extend(gate.verified.iter().cloned());
        profile.refused.extend(gate.refused.clone());
        profile.doubted.extend(gate.doubted.clone());
        self.options.require_all |= profile.require_all;
        self.targets = Arc::new(vec![Target {
            profile: Arc::new(profile),
            ..target
        }]);
        self.options.cause = gate.cause();
        Some(gate)
    }

    /// A run that judged nothing because the set-up stopped it (`cause`, with its fix): every
    /// case of `plan` not run, the verdict [`RunVerdict::not_judged`].
    pub fn not_judged(&self, plan: &Plan, cause: &str) -> RunReport {
        let outcomes = plan
            .items
            .iter()
            .map(|item| {
                let case = &item.case;
                CaseOutcome::skipped(
                    case.name().to_owned(),
                    case.location(Pos::of(&case.spec.name)),
                    case.behaviours().map(str::to_owned).collect(),
                    "the set-up stopped the run before any case (see the cause)".to_owned(),
                )
                .in_edition(case.edition)
            })
            .collect();
        RunReport {
            run_id: self.options.run_id.clone(),
            outcomes,
            cleanup: Vec::new(),
            sweeps: Vec::new(),
            duration_ms: 0,
            interrupted: false,
            verdict: RunVerdict::not_judged(cause.to_owned()),
            traffic: Traffic::default(),
        }
    }

    /// The same session with its one remote target judged under `profile` instead (an unprofiled
    /// `--target` whose edition the preflight detected): same URL, label and credentials.
    pub fn retarget(&mut self, profile: Profile) {
        if let Some(target) = self.targets.first().cloned()
            && self.embedded.is_empty()
        {
            self.targets = Arc::new(vec![Target {
                profile: Arc::new(profile),
                ..target
            }]);
        }
    }

    /// The same session, where a partial run does not pass (`run --require-all`).
    pub fn require_all(mut self, require: bool) -> RunSession {
        self.options.require_all |= require;
        self
    }

    /// Stops the embedded servers.
    pub async fn close(self) {
        for pair in self.embedded {
            pair.shutdown().await;
        }
    }
}
