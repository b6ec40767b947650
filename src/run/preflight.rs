//! Preflight: checks a target before a run, in plain words, and returns them as data: the FHIR
//! base answers, a token can be had (OAuth or static) and is accepted, each appointment fixture
//! exists, practitioner/patient fixtures can be searched, which edition it speaks (and whether the
//! profile agrees), and which cases the profile would skip.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;
use tokio::task::JoinSet;

use crate::case::model::AuthMode;
use crate::edition::Edition;
use crate::exchange::{Client, Exchange, Outgoing};
use crate::plan::{Placement, Selection, build, fixtures_used};
use crate::run::fingerprint;
use crate::suite::load_suite;
use crate::target::{Doubt, FixtureOrigin, Target};

/// How a check came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// As it should be.
    Ok,
    /// Worth knowing; not a problem.
    Note,
    /// Stands in the way of a run.
    Problem,
}

impl Level {
    /// The word a printed check starts with: `ok`, `note` or `PROBLEM`.
    pub fn word(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Note => "note",
            Level::Problem => "PROBLEM",
        }
    }
}

/// One check's result: its level, one sentence, and further lines (the skipped cases by reason).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    pub level: Level,
    pub text: String,
    pub detail: Vec<String>,
}

/// The checks of one preflight, in the order they were made.
#[derive(Clone, Debug, Default)]
pub struct Checks {
    pub checks: Vec<Check>,
    /// Fixtures that could not be verified (no read for them, or nothing found by them): all
    /// checks may pass and one of these still be wrong.
    pub unverified: Vec<String>,
}

impl Checks {
    fn push(&mut self, level: Level, text: &str) {
        self.checks.push(Check {
            level,
            text: text.to_owned(),
            detail: Vec::new(),
        });
    }
    fn ok(&mut self, text: &str) {
        self.push(Level::Ok, text);
    }
    fn note(&mut self, text: &str) {
        self.push(Level::Note, text);
    }
    fn problem(&mut self, text: &str) {
        self.push(Level::Problem, text);
    }
    /// A further line under the last check.
    fn detail(&mut self, line: String) {
        if let Some(last) = self.checks.last_mut() {
            last.detail.push(line);
        }
    }

    /// How many checks found a problem.
    pub fn problems(&self) -> usize {
        self.checks
            .iter()
            .filter(|c| c.level == Level::Problem)
            .count()
    }

    /// The first problem's sentence, if any.
    pub fn first_problem(&self) -> Option<&str> {
        self.checks
            .iter()
            .find(|c| c.level == Level::Problem)
            .map(|c| c.text.as_str())
    }
}

/// What the preflight decided about a target before a run: whether it can be judged at all, what
/// makes its verdicts suspect, and which fixtures it verified or refused.
#[derive(Clone, Debug, Default)]
pub struct Gate {
    /// Every check, in order (what `doctor` prints).
    pub checks: Checks,
    /// The target cannot be judged (unreachable, not a FHIR Appointment endpoint, credentials
    /// refused): the one cause, with its fix. The run stops before any case (exit 2).
    pub stop: Option<String>,
    /// The edition the fingerprints agree on, if they do.
    pub detected: Option<Edition>,
    /// The target speaks another edition than the one the run judges: the cause, with the fix.
    /// The run goes on (it may be a regression), headlined by it.
    pub edition: Option<String>,
    /// Fixtures read back from the target as what they claim to be.
    pub verified: BTreeSet<String>,
    /// Fixtures the target refused (no such appointment, …), each with the cause and fix.
    pub refused: BTreeMap<String, String>,
    /// Fixtures the target offers no cheap read for, so they could not be verified: a refusal
    /// naming one during the run is reported as the profile's problem.
    pub unverified: Vec<String>,
    /// Appointment fixtures read back in another valid status than their name says (see
    /// [`Profile::doubted`](crate::target::Profile::doubted)).
    pub doubted: Vec<Doubt>,
    /// The `doctor` command that checks this target's set-up, as it works when printed.
    pub doctor: String,
}

impl Gate {
    /// Takes in the checks and fixture findings of `other`, a gate of part of the same preflight
    /// (a fixture read at once with the others), after its own.
    fn absorb(&mut self, other: Gate) {
        self.checks.checks.extend(other.checks.checks);
        self.verified.extend(other.verified);
        self.refused.extend(other.refused);
        self.unverified.extend(other.unverified);
        self.doubted.extend(other.doubted);
    }

    /// The cause the run headlines without stopping: the edition mismatch, else the refused
    /// fixtures (the cases using them are not sent).
    pub fn cause(&self) -> Option<String> {
        if let Some(edition) = &self.edition {
            return Some(edition.clone());
        }
        match self.refused.len() {
            0 => None,
            1 => self.refused.values().next().cloned(),
            n => Some(format!(
                "{n} fixtures of the profile were refused by the target ({}); the first: {}",
                self.refused.keys().cloned().collect::<Vec<_>>().join(", "),
                self.refused.values().next().cloned().unwrap_or_default()
            )),
        }
    }
}

/// Every check `doctor` makes: the [`gate`] over every fixture the profile sets that a case of
/// its edition uses, and which cases of the folder `cases_dir` the profile would skip (a folder
/// that cannot load is a problem).
pub async fn doctor(client: &Client, target: &Target, cases_dir: &Path) -> Checks {
    let used = load_suite(cases_dir)
        .map(|suite| {
            suite
                .cases
                .iter()
                .filter(|c| c.edition == target.profile.edition)
                .flat_map(|c| fixtures_used(c))
                .collect::<BTreeSet<String>>()
        })
        .unwrap_or_else(|_| target.profile.fixtures.keys().cloned().collect());
    let mut findings = gate(client, target, &used).await.checks;
    check_plan(cases_dir, target, &mut findings);
    findings
}

/// The preflight of a run: reachability (a FHIR Appointment endpoint at the base URL), the
/// credentials, then (given both) the edition and every fixture in `fixtures` (the names the
/// selected cases use), each by the cheapest read the target allows.
pub async fn gate(client: &Client, target: &Target, fixtures: &BTreeSet<String>) -> Gate {
    let mut gate = Gate {
        doctor: match &target.profile.origin {
            FixtureOrigin::File { path, .. } => {
                format!("canvas-conformance doctor --profile {path}")
            }
            _ => format!("canvas-conformance doctor --target {}", target.base_url),
        },
        ..Gate::default()
    };
    // The unauthenticated probe and the token's are sent at once (one round trip before the
    // edition's, not two); the token's findings count only when the base URL answered, and an
    // unreachable base URL does not wait for the token (a token URL may take its whole timeout).
    let (mut reaching, mut token) = (Checks::default(), Checks::default());
    let (reachable, authorized) = {
        let reach = check_reachable(client, target, &mut reaching);
        let authorize = check_token(client, target, &mut token);
        tokio::pin!(reach, authorize);
        let mut authorized = None;
        let reachable = loop {
            tokio::select! {
                reached = &mut reach => break reached,
                done = &mut authorize, if authorized.is_none() => authorized = Some(done),
            }
        };
        let authorized = match (reachable.is_ok(), authorized) {
            (true, Some(done)) => Some(done),
            (true, None) => Some(authorize.await),
            (false, _) => None,
        };
        (reachable, authorized)
    };
    gate.checks.checks.extend(reaching.checks);
    if let Err(cause) = reachable {
        gate.stop = Some(cause);
    } else {
        gate.checks.checks.extend(token.checks);
        if let Some(Err(cause)) = authorized {
            gate.stop = Some(cause);
        }
    }
    if gate.stop.is_some() {
        gate.checks
            .note("edition and fixtures not checked: no working connection and token");
        return gate;
    }
    // The edition's fingerprints and the fixtures' reads are independent: sent at once, their
    // checks written in a fixed order.
    let (found, fixtures) = tokio::join!(
        fingerprint::detect(client, target),
        check_fixtures(client, target, fixtures)
    );
    check_edition(found, target, &mut gate);
    gate.absorb(fixtures);
    gate.checks.unverified = gate.unverified.clone();
    gate
}

/// The edition the target speaks (read-only fingerprints, `found`), and whether the profile agrees.
fn check_edition(found: fingerprint::Fingerprint, target: &Target, gate: &mut Gate) {
    let named = target.profile.edition;
    gate.detected = found.edition();
    let findings = &mut gate.checks;
    match found.edition() {
        Some(edition) if edition == named => findings.ok(&format!(
            "the target speaks the {edition} edition, as the profile says ({} fingerprints agree)",
            found.votes(edition)
        )),
        Some(edition) => {
            let cause = format!(
                "the target speaks the {edition} edition ({} of {} fingerprints agree), but the {named} edition is being judged: {}",
                found.votes(edition),
                found.probes.len(),
                edition_fix(target, edition)
            );
            findings.problem(&cause);
            gate.edition = Some(cause);
        }
        None if found.votes(Edition::Sept2023) + found.votes(Edition::Current) == 0 => {
            findings.note("the edition could not be told: no fingerprint probe decided")
        }
        None => findings.note(&format!(
            "the target answers partly as 2023-09 ({}) and partly as current ({}): Canvas changed in steps; the profile says {named}",
            found.votes(Edition::Sept2023),
            found.votes(Edition::Current)
        )),
    }
    for probe in &found.probes {
        let result = match probe.points_to {
            Some(edition) if edition == named => format!("the {edition} edition, as judged"),
            Some(edition) => format!("the {edition} edition, NOT the {named} judged"),
            None => "neither edition (this probe does not decide)".to_owned(),
        };
        findings.detail(format!(
            "{}: {} → {}: points to {result}",
            probe.id, probe.asked, probe.answered
        ));
    }
}

/// The fix for an edition mismatch, as a command that works as printed: the same target and
/// profile, with `--edition`.
fn edition_fix(target: &Target, edition: Edition) -> String {
    match &target.profile.origin {
        FixtureOrigin::File { path, .. } => format!(
            "set `edition: {edition}` in {path}, or run `canvas-conformance run --profile {path} --edition {edition}`"
        ),
        _ => format!(
            "run `canvas-conformance run --target {} --edition {edition}` (with the same token)",
            target.base_url
        ),
    }
}

/// The FHIR status an appointment in each Canvas status reads back with (READ-STATUS-MAP).
const FIXTURE_STATUS: &[(&str, &str)] = &[
    ("appt_unconfirmed", "proposed"),
    ("appt_attempted", "pending"),
    ("appt_confirmed", "booked"),
    ("appt_arrived", "arrived"),
    ("appt_roomed", "checked-in"),
    ("appt_exited", "fulfilled"),
    ("appt_noshowed", "noshow"),
    ("appt_cancelled", "cancelled"),
    ("appt_deleted", "entered-in-error"),
];

/// The appointment fixtures the cases read a reason for visit (and the description made of it)
/// from: read/description and read/shape.
const REASON_FIXTURES: &[&str] = &["appt_confirmed"];

/// FHIR R4's Appointment status codes (`AppointmentStatus`).
const FHIR_STATUSES: &[&str] = &[
    "proposed",
    "pending",
    "booked",
    "arrived",
    "fulfilled",
    "cancelled",
    "noshow",
    "entered-in-error",
    "checked-in",
    "waitlist",
];

/// The fixtures that name a practitioner or patient, and the search parameter that finds them.
const PEOPLE: &[(&str, &str, &str)] = &[
    ("practitioner", "practitioner", "Practitioner"),
    ("practitioner_2", "practitioner", "Practitioner"),
    ("canvas_bot", "practitioner", "Practitioner"),
    ("patient", "patient", "Patient"),
    ("patient_2", "patient", "Patient"),
    ("patient_3", "patient", "Patient"),
];

/// An unauthenticated search: any FHIR answer means the base URL is right and reachable. `Err`
/// is the cause that stops the run: no connection, a 404 (a wrong base path), an HTML page or
/// JSON that is not FHIR.
async fn check_reachable(
    client: &Client,
    target: &Target,
    findings: &mut Checks,
) -> Result<(), String> {
    let probe = Outgoing::get(
        "/Appointment".to_owned(),
        vec![("_count".into(), "1".into())],
        AuthMode::None,
    );
    let exchange = client.send(target, &probe).await;
    let url = format!("{}/Appointment", target.base_url);
    let Some(r) = exchange
        .response
        .as_ref()
        .filter(|_| exchange.error.is_none())
    else {
        let error = error_text(exchange.error.as_ref());
        let notes = crate::http::failure_notes(&target.base_url, &error);
        let cause = format!(
            "cannot reach the target at {}: {error}{notes}; check the URL (--target, or base_url in the profile) and that the server is up",
            target.base_url,
        );
        findings.problem(&cause);
        return Err(cause);
    };
    if let Some(cause) = redirected(r, &url, &target.base_url) {
        findings.problem(&cause);
        return Err(cause);
    }
    if let Some(what) = not_fhir(r) {
        let cause = format!(
            "GET {url} answered {} with {what}, not FHIR JSON: {} is not the FHIR API's base URL; check --target / base_url (on Canvas it is https://fumage-<instance>.canvasmedical.com, with no path)",
            r.status, target.base_url
        );
        findings.problem(&cause);
        return Err(cause);
    }
    match r.status {
        401 | 403 => findings.ok(&format!(
            // A 401 may come before routing: whether the path serves appointments is for the
            // token's probe to say.
            "a server answers at the base URL (GET /Appointment without a token: {})",
            r.status
        )),
        200 => findings.note(
            "the FHIR base URL answered a search without any token (200): the AUTH-BEARER cases will fail",
        ),
        404 => {
            let cause = format!(
                "GET {url} answered 404{}: {} does not serve the Appointment API; {}",
                outcome_text(&exchange),
                target.base_url,
                base_fix(&target.base_url)
            );
            findings.problem(&cause);
            return Err(cause);
        }
        other => findings.note(&format!(
            "the FHIR base URL answers, but GET /Appointment without a token gave {other}, not 401"
        )),
    }
    Ok(())
}

/// What to do about a base URL that does not serve the Appointment API: drop a trailing
/// `/Appointment` (the base is the FHIR root the resource paths go under), else check it.
fn base_fix(base_url: &str) -> String {
    match without_appointment(base_url) {
        Some(root) => format!(
            "the base URL is the FHIR root the resource paths go under, without /Appointment: use {root} as --target / base_url"
        ),
        None => "check --target / base_url (on Canvas it is https://fumage-<instance>.canvasmedical.com, with no path)".to_owned(),
    }
}

/// `url` without its last path segment when that is `Appointment` (any case; a trailing `/`
/// allowed): the FHIR root a base URL given with the resource path meant. `None` otherwise, and
/// for a host named `appointment` (`https://appointment`).
pub fn without_appointment(url: &str) -> Option<&str> {
    url.trim_end_matches('/')
        .rsplit_once('/')
        .filter(|(root, last)| last.eq_ignore_ascii_case("Appointment") && !root.ends_with('/'))
        .map(|(root, _)| root)
}

/// The cause when the base URL's probe (`GET {url}`) was answered with a redirect (3xx): requests
/// are never redirected (a token must not travel to another host), so every case would see the
/// redirect. Names where the `Location` points (RFC 9110 §10.2.2; resolved against `url` when
/// relative; its query left out) and the base URL to use when it still ends in `/Appointment`.
fn redirected(r: &crate::exchange::Received, url: &str, base_url: &str) -> Option<String> {
    if !(300..400).contains(&r.status) {
        return None;
    }
    let Some(location) = r
        .header("location")
        .map(str::trim)
        .filter(|l| !l.is_empty())
    else {
        return Some(format!(
            "GET {url} answered {} (a redirect without a Location): {base_url} is not the FHIR API's base URL; check --target / base_url",
            r.status
        ));
    };
    let resolved = reqwest::Url::parse(url)
        .and_then(|base| base.join(location))
        .map(|u| u.to_string())
        .unwrap_or_else(|_| location.to_owned());
    let without_query = resolved.split(['?', '#']).next().unwrap_or_default();
    let fix = match without_appointment(without_query) {
        Some(base) => format!("use {base} as --target / base_url"),
        None => "check --target / base_url".to_owned(),
    };
    Some(format!(
        "GET {url} answered {} redirecting to {without_query}: requests are not redirected (a token must not travel to another host); {fix}",
        r.status
    ))
}

/// What an answer is when it is not FHIR JSON (`an HTML page (text/html)`), or `None`. An empty
/// body is not judged here.
fn not_fhir(r: &crate::exchange::Received) -> Option<String> {
    let content_type = r
        .header("content-type")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let body = r.body.trim_start();
    if content_type.contains("html") || body.starts_with('<') {
        return Some(format!(
            "an HTML page ({})",
            if content_type.is_empty() {
                "no Content-Type"
            } else {
                content_type.as_str()
            }
        ));
    }
    if body.is_empty() {
        return None;
    }
    match &r.json {
        None => Some(format!(
            "a body that is not JSON ({})",
            if content_type.is_empty() {
                "no Content-Type"
            } else {
                content_type.as_str()
            }
        )),
        Some(json) if json.get("resourceType").and_then(Value::as_str).is_none() => {
            Some("JSON that is not a FHIR resource (no resourceType)".to_owned())
        }
        Some(_) => None,
    }
}

/// Obtains a token and has the FHIR server accept it on an authenticated search. `Err` is the
/// cause that stops the run, with the fix.
async fn check_token(
    client: &Client,
    target: &Target,
    findings: &mut Checks,
) -> Result<(), String> {
    let stop = |findings: &mut Checks, cause: String| {
        findings.problem(&cause);
        Err(cause)
    };
    if let Some(reason) = target.auth.unavailable_reason() {
        return stop(findings, format!("no credentials: {reason}"));
    }
    if let Err(e) = target.auth.bearer().await {
        return stop(findings, e.to_string());
    }
    if target.auth.is_oauth() {
        findings.ok(&format!("obtained a token ({})", target.auth.describe()));
    }
    let probe = Outgoing::get(
        "/Appointment".to_owned(),
        vec![("_count".into(), "1".into())],
        AuthMode::Target,
    );
    let exchange = client.send(target, &probe).await;
    let at = format!("GET {}/Appointment", target.base_url);
    let Some(r) = exchange
        .response
        .as_ref()
        .filter(|_| exchange.error.is_none())
    else {
        return stop(
            findings,
            format!(
                "{at} with the token failed: {}",
                error_text(exchange.error.as_ref())
            ),
        );
    };
    if let Some(what) = not_fhir(r) {
        return stop(
            findings,
            format!(
                "{at} with the token answered {} with {what}, not FHIR JSON: check --target / base_url",
                r.status
            ),
        );
    }
    match r.status {
        200 => {
            findings.ok(&if target.auth.is_oauth() {
                "the FHIR server accepts the token".to_owned()
            } else {
                format!("the FHIR server accepts the {}", target.auth.describe())
            });
            Ok(())
        }
        401 => {
            let check = match target
                .profile
                .oauth
                .as_ref()
                .filter(|_| target.auth.is_oauth())
            {
                Some(oauth) => format!(
                    "the OAuth client got a token, but the FHIR server does not take it: does the token URL belong to this instance? ({} for {})",
                    oauth.token_url, target.base_url
                ),
                None => "check --token / CANVAS_TOKEN".to_owned(),
            };
            stop(
                findings,
                format!(
                    "the target refused the token: 401{} at {at}; {check}",
                    quoted_outcome(&exchange)
                ),
            )
        }
        403 => stop(
            findings,
            format!(
                "the token lacks a scope for Appointment: 403{} at {at}; give the API client system/Appointment.read and .write",
                quoted_outcome(&exchange)
            ),
        ),
        404 => stop(
            findings,
            format!(
                "{at} with the token answered 404{}: {} does not serve the Appointment API; {}",
                quoted_outcome(&exchange),
                target.base_url,
                base_fix(&target.base_url)
            ),
        ),
        other => {
            // The target answers but errs: that is for the cases to judge, not a set-up fault.
            findings.note(&format!(
                "{at} with the token answered {other}{}: the cases will show what the target does",
                quoted_outcome(&exchange)
            ));
            Ok(())
        }
    }
}

/// `: <details.text>` of an OperationOutcome answer, or nothing.
fn outcome_text(exchange: &Exchange) -> String {
    outcome_words(exchange)
        .map(|t| format!(": {t}"))
        .unwrap_or_default()
}

/// ` `<details.text>`` of an OperationOutcome answer, or nothing.
fn quoted_outcome(exchange: &Exchange) -> String {
    outcome_words(exchange)
        .map(|t| format!(" `{t}`"))
        .unwrap_or_default()
}

fn outcome_words(exchange: &Exchange) -> Option<&str> {
    exchange
        .response
        .as_ref()
        .and_then(|r| r.json.as_ref())
        .and_then(|j| {
            j.pointer("/issue/0/details/text")
                .or_else(|| j.pointer("/issue/0/diagnostics"))
        })
        .and_then(Value::as_str)
}

/// Verifies each fixture in `used` that the profile sets, by the cheapest read the target allows:
/// an appointment by reading it, a practitioner or patient by its own read where served, else
/// by the appointments that name it; the rest (types, reason codes, locations where no Location
/// read is served) are listed as not verifiable. Whether each kind is served is asked first, all
/// at once; then every fixture is read at once. The checks come back in the order of `used`, in
/// a gate of their own.
async fn check_fixtures(client: &Client, target: &Target, used: &BTreeSet<String>) -> Gate {
    let named: Vec<(String, String)> = used
        .iter()
        .filter_map(|name| {
            let id = target.profile.fixtures.get(name)?;
            Some((name.clone(), id.clone()))
        })
        .collect();
    let kinds: BTreeSet<&'static str> = named
        .iter()
        .filter_map(|(name, _)| {
            PEOPLE
                .iter()
                .find(|(n, _, _)| n == name)
                .map(|(_, _, kind)| *kind)
                .or((name == "location").then_some("Location"))
        })
        .collect();
    let mut asking = JoinSet::new();
    for kind in kinds {
        let (client, target) = (client.clone(), target.clone());
        asking.spawn(async move { (kind, serves(&client, &target, kind).await) });
    }
    let mut served: BTreeMap<&'static str, bool> = BTreeMap::new();
    while let Some(joined) = asking.join_next().await {
        // A kind whose question failed is taken as not served: its fixtures are searched for.
        if let Ok((kind, known)) = joined {
            served.insert(kind, known);
        }
    }
    let served = Arc::new(served);
    let mut reading = JoinSet::new();
    for (position, (name, id)) in named.into_iter().enumerate() {
        let (client, target, served) = (client.clone(), target.clone(), Arc::clone(&served));
        reading.spawn(async move {
            let mut gate = Gate::default();
            let verifiable = check_fixture(&client, &target, &name, &id, &served, &mut gate).await;
            (position, name, verifiable, gate)
        });
    }
    let mut done = Vec::new();
    while let Some(joined) = reading.join_next().await {
        match joined {
            Ok(one) => done.push(one),
            Err(e) => tracing::error!("a fixture check failed: {e}"),
        }
    }
    done.sort_by_key(|(position, _, _, _)| *position);
    let mut gate = Gate::default();
    let mut unverifiable: Vec<String> = Vec::new();
    for (_, name, verifiable, one) in done {
        if !verifiable {
            unverifiable.push(name);
        }
        gate.absorb(one);
    }
    if !unverifiable.is_empty() {
        gate.checks.note(&format!(
            "not verifiable before the run (the target has no read for them): {}; a refusal naming one during the run is reported as the profile's problem",
            unverifiable.join(", ")
        ));
    }
    gate.unverified.extend(unverifiable);
    gate
}

/// Checks one fixture into `gate`; `false` when the target offers no read that can verify it.
async fn check_fixture(
    client: &Client,
    target: &Target,
    name: &str,
    id: &str,
    served: &BTreeMap<&'static str, bool>,
    gate: &mut Gate,
) -> bool {
    if name.starts_with("appt_") {
        check_appointment(client, target, name, id, gate).await;
    } else if let Some((_, parameter, kind)) = PEOPLE.iter().find(|(n, _, _)| *n == name) {
        if !check_resource(client, target, name, id, kind, served, gate).await {
            check_person_by_search(client, target, name, id, parameter, kind, gate).await;
        }
    } else if name == "location" {
        return check_resource(client, target, name, id, "Location", served, gate).await;
    } else {
        return false;
    }
    true
}

/// Whether the target serves a search of `kind` (a Bundle for `GET /<kind>?_count=1`).
async fn serves(client: &Client, target: &Target, kind: &str) -> bool {
    let exchange = client
        .send(
            target,
            &Outgoing::get(
                format!("/{kind}"),
                vec![("_count".into(), "1".into())],
                AuthMode::Target,
            ),
        )
        .await;
    exchange.error.is_none()
        && exchange.response.as_ref().is_some_and(|r| {
            r.status == 200
                && r.json
                    .as_ref()
                    .and_then(|j| j.get("resourceType"))
                    .and_then(Value::as_str)
                    == Some("Bundle")
        })
}

/// Reads `kind/id` where the target serves `kind` (`served`, asked before): `true` when that
/// decided the fixture (verified, or refused with a 404), `false` when the target has no such read.
async fn check_resource(
    client: &Client,
    target: &Target,
    name: &str,
    id: &str,
    kind: &'static str,
    served: &BTreeMap<&'static str, bool>,
    gate: &mut Gate,
) -> bool {
    let is_served = served.get(kind).copied().unwrap_or(false);
    if !is_served {
        return false;
    }
    let exchange = client
        .send(
            target,
            &Outgoing::get(format!("/{kind}/{id}"), Vec::new(), AuthMode::Target),
        )
        .await;
    let Some(r) = exchange
        .response
        .as_ref()
        .filter(|_| exchange.error.is_none())
    else {
        return false;
    };
    let read_kind = r
        .json
        .as_ref()
        .and_then(|j| j.get("resourceType"))
        .and_then(Value::as_str);
    match r.status {
        200 if read_kind == Some(kind) => {
            gate.checks.ok(&format!(
                "fixture {name} ({id}) exists: {kind}/{id} reads back"
            ));
            gate.verified.insert(name.to_owned());
            true
        }
        404 => {
            refuse(
                gate,
                name,
                format!(
                    "fixture `{name}` ({}) names no {kind} on the target: 404{} at GET {}/{kind}/{id}; set it to an id that exists there",
                    target.profile.fixture_source(name),
                    quoted_outcome(&exchange),
                    target.base_url
                ),
            );
            true
        }
        _ => false,
    }
}

/// Records a refused fixture: a problem line, and the cause the cases using it carry.
fn refuse(gate: &mut Gate, name: &str, cause: String) {
    gate.checks.problem(&cause);
    gate.refused.insert(name.to_owned(), cause);
}

/// Reads an appointment fixture.
async fn check_appointment(
    client: &Client,
    target: &Target,
    name: &str,
    id: &str,
    gate: &mut Gate,
) {
    let exchange = client
        .send(
            target,
            &Outgoing::get(format!("/Appointment/{id}"), Vec::new(), AuthMode::Target),
        )
        .await;
    let at = format!("GET {}/Appointment/{id}", target.base_url);
    let source = target.profile.fixture_source(name);
    match (&exchange.response, &exchange.error) {
        (Some(r), None) if r.status == 200 => {
            let json = r.json.as_ref();
            let kind = json
                .and_then(|j| j.get("resourceType"))
                .and_then(Value::as_str);
            let status = json.and_then(|j| j.get("status")).and_then(Value::as_str);
            if kind != Some("Appointment") {
                gate.checks.problem(&format!(
                    "fixture {name} ({id}): {at} answered 200 without an Appointment"
                ));
                return;
            }
            gate.verified.insert(name.to_owned());
            let reason = json
                .and_then(|j| j.pointer("/reasonCode/0/text"))
                .and_then(Value::as_str)
                .is_some_and(|t| !t.trim().is_empty());
            if REASON_FIXTURES.contains(&name) && !reason {
                let cause = format!(
                    "fixture `{name}` ({source}) has no reason for visit (reasonCode[0].text), which the cases reading its description need: set it to an appointment booked with a reason"
                );
                gate.checks.problem(&cause);
                gate.doubted.push(Doubt {
                    fixture: name.to_owned(),
                    paths: vec![
                        "$.reasonCode[0].text".to_owned(),
                        "$.description".to_owned(),
                    ],
                    read_as: None,
                    cause,
                });
            }
            let want = FIXTURE_STATUS
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, s)| *s);
            match (want, status) {
                (Some(want), Some(status)) if want != status => {
                    gate.checks.note(&format!(
                        "fixture {name} ({id}) exists but reads back as `{status}`; an appointment in that Canvas status should read as `{want}` (a wrong fixture, or a READ-STATUS-MAP failure)"
                    ));
                    // A valid status of its own may well be a wrong fixture; a value outside
                    // FHIR's set (the page's `check-in`) no fixture explains: the target's.
                    if FHIR_STATUSES.contains(&status) {
                        gate.doubted.push(Doubt {
                                fixture: name.to_owned(),
                                paths: vec!["$.status".to_owned()],
                                read_as: Some(status.to_owned()),
                                cause: format!(
                                    "fixture `{name}` ({source}) reads back as `{status}`, not `{want}`: either it is not an appointment in Canvas's {} status (set it to the id of one), or the target maps that status wrong (READ-STATUS-MAP; check the appointment in Canvas)",
                                    name.trim_start_matches("appt_")
                                ),
                            });
                    }
                }
                _ => gate.checks.ok(&format!(
                    "fixture {name} ({id}) exists{}",
                    status.map(|s| format!(", status {s}")).unwrap_or_default()
                )),
            }
        }
        (Some(r), None) if r.status == 404 => refuse(
            gate,
            name,
            format!(
                "fixture `{name}` ({source}) names no appointment on the target: 404{} at {at}; set it to the id of an existing appointment",
                quoted_outcome(&exchange)
            ),
        ),
        (Some(r), _) => gate.checks.problem(&format!(
            "fixture {name} ({id}): {at} answered {}{}: fix fixtures.{name} in {source}",
            r.status,
            outcome_text(&exchange)
        )),
        (None, error) => gate.checks.problem(&format!(
            "fixture {name} ({id}): {at} failed: {}",
            error_text(error.as_ref())
        )),
    }
}

/// Searches appointments by a practitioner or patient fixture: some found verifies it; none
/// leaves it unverified (a fresh sandbox has none); a refusal of the search is a problem.
async fn check_person_by_search(
    client: &Client,
    target: &Target,
    name: &str,
    id: &str,
    parameter: &str,
    kind: &str,
    gate: &mut Gate,
) {
    if !(id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit())) {
        gate.checks.note(&format!(
            "fixture {name} ({id}) is not 32 hex characters, the form Canvas uses for {kind} ids"
        ));
    }
    let query = vec![
        (parameter.to_owned(), format!("{kind}/{id}")),
        ("_count".to_owned(), "1".to_owned()),
    ];
    let exchange = client
        .send(
            target,
            &Outgoing::get("/Appointment".to_owned(), query, AuthMode::Target),
        )
        .await;
    let source = target.profile.fixture_source(name);
    match (&exchange.response, &exchange.error) {
        (Some(r), None) if r.status == 200 => {
            let json = r.json.as_ref();
            let total = json.and_then(|j| j.get("total")).and_then(Value::as_u64);
            let entries = json
                .and_then(|j| j.get("entry"))
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            match total {
                Some(n) if n > 0 => {
                    gate.verified.insert(name.to_owned());
                    gate.checks.ok(&format!(
                        "fixture {name} ({id}): {n} appointment(s) found for this {kind}"
                    ));
                }
                None if entries > 0 => {
                    gate.verified.insert(name.to_owned());
                    gate.checks.ok(&format!(
                        "fixture {name} ({id}): appointments found for this {kind}"
                    ));
                }
                _ => {
                    gate.unverified.push(name.to_owned());
                    gate.checks.note(&format!(
                        "fixture {name} ({id}): not verified: no appointments found for this {kind} and no {kind} read is served (fine on a fresh sandbox; if you expected some, check the id)"
                    ));
                }
            }
        }
        (Some(r), _) => refuse(
            gate,
            name,
            format!(
                "fixture `{name}` ({source}): searching by {parameter}={kind}/{id} answered {}{}: set it to an id that exists on the target",
                r.status,
                quoted_outcome(&exchange)
            ),
        ),
        (None, error) => gate.checks.problem(&format!(
            "fixture {name} ({id}): searching by {parameter} failed: {}",
            error_text(error.as_ref())
        )),
    }
}

/// Which cases of the folder `cases_dir` the target's profile would skip, grouped by reason, as
/// checks (`doctor` and `init` print them; sends nothing).
pub fn plan_checks(cases_dir: &Path, target: &Target) -> Checks {
    let mut findings = Checks::default();
    check_plan(cases_dir, target, &mut findings);
    findings
}

/// Says which cases the profile would skip, grouped by reason.
fn check_plan(cases_dir: &Path, target: &Target, findings: &mut Checks) {
    let dir = cases_dir;
    let suite = match load_suite(dir) {
        Ok(suite) => suite,
        Err(e) => {
            findings.problem(&format!(
                "cannot load the cases from {} to say which would be skipped: {e}",
                dir.display()
            ));
            return;
        }
    };
    let (skipped, total) = skips(&suite.cases, target);
    let count: usize = skipped.values().map(Vec::len).sum();
    if count == 0 {
        findings.ok(&format!("all {total} cases would run on this profile"));
        return;
    }
    findings.note(&format!("{count} of {total} cases would be skipped:"));
    for (reason, cases) in skipped {
        findings.detail(format!("{reason}: {}", cases.join(", ")));
    }
    // A case skipped for the write guard may lack a fixture too: say what flipping it leaves.
    if !target.profile.allow_writes {
        let mut writing = target.profile.as_ref().clone();
        writing.allow_writes = true;
        let with_writes = Target {
            profile: Arc::new(writing),
            ..target.clone()
        };
        let (still, _) = skips(&suite.cases, &with_writes);
        let count: usize = still.values().map(Vec::len).sum();
        if count > 0 {
            findings.note(&format!(
                "with allow_writes: true, {count} of {total} cases would still be skipped:"
            ));
            for (reason, cases) in still {
                findings.detail(format!("{reason}: {}", cases.join(", ")));
            }
        }
    }
}

/// The cases of the target's edition that `target` would skip, by reason, and how many cases
/// that edition has.
fn skips(
    cases: &[Arc<crate::case::load::Case>],
    target: &Target,
) -> (BTreeMap<String, Vec<String>>, usize) {
    let plan = build(
        cases,
        std::slice::from_ref(target),
        &Selection {
            editions: vec![target.profile.edition],
            ..Selection::default()
        },
    );
    let total = plan.items.len();
    let mut skipped: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for item in plan.items {
        if let Placement::Skip(reason) = item.placement {
            skipped
                .entry(reason)
                .or_default()
                .push(item.case.name().to_owned());
        }
    }
    (skipped, total)
}

/// What went wrong with an exchange that has no response, as one line.
fn error_text(error: Option<&crate::exchange::ExchangeError>) -> String {
    error.map_or_else(|| "no response".to_owned(), ToString::to_string)
}
