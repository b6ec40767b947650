//! Preflight: checks a target before a run, in plain words, and returns them as data: the FHIR
//! base answers, a token can be had (OAuth or static) and is accepted, each appointment fixture
//! exists, practitioner/patient fixtures can be searched, which edition it speaks (and whether the
//! profile agrees), and which cases the profile would skip.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::case::model::AuthMode;
use crate::edition::Edition;
use crate::exchange::{Client, Exchange, Outgoing};
use crate::plan::{Placement, Selection, build};
use crate::run::fingerprint;
use crate::suite::load_suite;
use crate::target::Target;

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

/// Every check `doctor` makes: reachability, the token, then (given both) the fixtures, and which
/// cases of the folder `cases_dir` the profile would skip (a folder that cannot load is a problem).
pub async fn doctor(client: &Client, target: &Target, cases_dir: &Path) -> Checks {
    let mut findings = Checks::default();
    if connection(client, target, &mut findings).await {
        check_edition(client, target, &mut findings).await;
        check_appointments(client, target, &mut findings).await;
        check_people(client, target, &mut findings).await;
    } else {
        findings.note("fixtures not checked: no working connection and token");
    }
    check_plan(cases_dir, target, &mut findings);
    findings
}

/// Only what stands before any case: the target answers and accepts the token. `run` gives the
/// first problem as its headline; `None` when both are fine.
pub async fn headline(client: &Client, target: &Target) -> Option<String> {
    let mut findings = Checks::default();
    connection(client, target, &mut findings).await;
    findings.first_problem().map(str::to_owned)
}

/// The edition the target speaks (read-only fingerprints), and whether the profile agrees.
async fn check_edition(client: &Client, target: &Target, findings: &mut Checks) {
    let found = fingerprint::detect(client, target).await;
    let named = target.profile.edition;
    match found.edition() {
        Some(edition) if edition == named => findings.ok(&format!(
            "the target speaks the {edition} edition, as the profile says ({} fingerprints agree)",
            found.votes(edition)
        )),
        Some(edition) => findings.problem(&format!(
            "the target speaks the {edition} edition ({} fingerprints agree), but the profile says edition {named}: set `edition: {edition}` in the profile (or run --edition {edition})",
            found.votes(edition)
        )),
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
        let says = probe.points_to.map_or("neither", Edition::as_str);
        findings.detail(format!(
            "{}: {} → {} ({says})",
            probe.id, probe.asked, probe.answered
        ));
    }
}

/// Reachability, then the token: whether both are fine.
async fn connection(client: &Client, target: &Target, findings: &mut Checks) -> bool {
    check_reachable(client, target, findings).await && check_token(client, target, findings).await
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

/// The fixtures that name a practitioner or patient, and the search parameter that finds them.
const PEOPLE: &[(&str, &str, &str)] = &[
    ("practitioner", "practitioner", "Practitioner"),
    ("practitioner_2", "practitioner", "Practitioner"),
    ("canvas_bot", "practitioner", "Practitioner"),
    ("patient", "patient", "Patient"),
    ("patient_2", "patient", "Patient"),
    ("patient_3", "patient", "Patient"),
];

/// Any HTTP answer to an unauthenticated search means the base URL is right and reachable.
async fn check_reachable(client: &Client, target: &Target, findings: &mut Checks) -> bool {
    let probe = Outgoing::get(
        "/Appointment".to_owned(),
        vec![("_count".into(), "1".into())],
        AuthMode::None,
    );
    let exchange = client.send(target, &probe).await;
    match (&exchange.response, &exchange.error) {
        (Some(r), None) => {
            match r.status {
                401 | 403 => findings.ok(&format!(
                    "the FHIR base URL answers (GET /Appointment without a token: {})",
                    r.status
                )),
                200 => findings.note(
                    "the FHIR base URL answered a search without any token (200): the AUTH-BEARER cases will fail",
                ),
                404 => {
                    findings.problem(&format!(
                        "GET {}/Appointment answered 404: check the FHIR base URL (on Canvas it is https://fumage-<instance>.canvasmedical.com)",
                        target.base_url
                    ));
                    return false;
                }
                other => findings.note(&format!(
                    "the FHIR base URL answers, but GET /Appointment without a token gave {other}, not 401"
                )),
            }
            true
        }
        (_, error) => {
            findings.problem(&format!(
                "cannot reach the FHIR base URL {}: {}",
                target.base_url,
                error_text(error.as_ref())
            ));
            false
        }
    }
}

/// Obtains a token and has the FHIR server accept it.
async fn check_token(client: &Client, target: &Target, findings: &mut Checks) -> bool {
    if let Some(reason) = target.auth.unavailable_reason() {
        findings.problem(&format!("no credentials: {reason}"));
        return false;
    }
    if let Err(e) = target.auth.bearer().await {
        findings.problem(&e.to_string());
        return false;
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
    match (&exchange.response, &exchange.error) {
        (Some(r), None) if r.status == 200 => {
            findings.ok(&if target.auth.is_oauth() {
                "the FHIR server accepts the token".to_owned()
            } else {
                format!("the FHIR server accepts the {}", target.auth.describe())
            });
            true
        }
        (Some(r), None) if r.status == 401 => {
            let check = match target
                .profile
                .oauth
                .as_ref()
                .filter(|_| target.auth.is_oauth())
            {
                Some(oauth) => format!(
                    "does the token URL belong to this instance? ({} for {})",
                    oauth.token_url, target.base_url
                ),
                None => "check --token / CANVAS_TOKEN".to_owned(),
            };
            findings.problem(&format!(
                "the FHIR server rejected the token (401{}): {check}",
                outcome_text(&exchange)
            ));
            false
        }
        (Some(r), None) if r.status == 403 => {
            findings.problem(&format!(
                "the token lacks a scope for Appointment (403{}): give the API client system/Appointment.read and .write",
                outcome_text(&exchange)
            ));
            false
        }
        (Some(r), _) => {
            findings.problem(&format!(
                "GET /Appointment with the token answered {}{}",
                r.status,
                exchange
                    .error
                    .as_ref()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_else(|| outcome_text(&exchange))
            ));
            false
        }
        (None, error) => {
            findings.problem(&format!(
                "GET /Appointment with the token failed: {}",
                error_text(error.as_ref())
            ));
            false
        }
    }
}

/// `: <details.text>` of an OperationOutcome answer, or nothing.
fn outcome_text(exchange: &Exchange) -> String {
    exchange
        .response
        .as_ref()
        .and_then(|r| r.json.as_ref())
        .and_then(|j| j.pointer("/issue/0/details/text"))
        .and_then(Value::as_str)
        .map(|t| format!(": {t}"))
        .unwrap_or_default()
}

/// Reads each fixture that names an appointment.
async fn check_appointments(client: &Client, target: &Target, findings: &mut Checks) {
    let fixtures: BTreeMap<&str, &str> = target
        .profile
        .fixtures
        .iter()
        .filter(|(name, _)| name.starts_with("appt_"))
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    for (name, id) in fixtures {
        let exchange = client
            .send(
                target,
                &Outgoing::get(format!("/Appointment/{id}"), Vec::new(), AuthMode::Target),
            )
            .await;
        let fix = format!("fix fixtures.{name} in the profile");
        match (&exchange.response, &exchange.error) {
            (Some(r), None) if r.status == 200 => {
                let json = r.json.as_ref();
                let kind = json
                    .and_then(|j| j.get("resourceType"))
                    .and_then(Value::as_str);
                let status = json.and_then(|j| j.get("status")).and_then(Value::as_str);
                if kind != Some("Appointment") {
                    findings.problem(&format!(
                        "fixture {name} ({id}): GET /Appointment/{id} answered 200 without an Appointment"
                    ));
                    continue;
                }
                let want = FIXTURE_STATUS
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, s)| *s);
                match (want, status) {
                    (Some(want), Some(status)) if want != status => findings.note(&format!(
                        "fixture {name} ({id}) exists but reads back as `{status}`; an appointment in that Canvas status should read as `{want}` (a wrong fixture, or a READ-STATUS-MAP failure)"
                    )),
                    _ => findings.ok(&format!(
                        "fixture {name} ({id}) exists{}",
                        status.map(|s| format!(", status {s}")).unwrap_or_default()
                    )),
                }
            }
            (Some(r), None) if r.status == 404 => findings.problem(&format!(
                "fixture {name} ({id}): no such appointment (404{}): {fix}",
                outcome_text(&exchange)
            )),
            (Some(r), _) => findings.problem(&format!(
                "fixture {name} ({id}): GET /Appointment/{id} answered {}{}: {fix}",
                r.status,
                outcome_text(&exchange)
            )),
            (None, error) => findings.problem(&format!(
                "fixture {name} ({id}): GET /Appointment/{id} failed: {}",
                error_text(error.as_ref())
            )),
        }
    }
}

/// Searches appointments by each practitioner/patient fixture.
async fn check_people(client: &Client, target: &Target, findings: &mut Checks) {
    for (name, parameter, kind) in PEOPLE {
        let Some(id) = target.profile.fixtures.get(*name) else {
            continue;
        };
        if !(id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit())) {
            findings.note(&format!(
                "fixture {name} ({id}) is not 32 hex characters, the form Canvas uses for {kind} ids"
            ));
        }
        let query = vec![
            ((*parameter).to_owned(), format!("{kind}/{id}")),
            ("_count".to_owned(), "1".to_owned()),
        ];
        let exchange = client
            .send(
                target,
                &Outgoing::get("/Appointment".to_owned(), query, AuthMode::Target),
            )
            .await;
        match (&exchange.response, &exchange.error) {
            (Some(r), None) if r.status == 200 => {
                let total = r
                    .json
                    .as_ref()
                    .and_then(|j| j.get("total"))
                    .and_then(Value::as_u64);
                match total {
                    Some(0) => findings.note(&format!(
                        "fixture {name} ({id}): no appointments found for this {kind} (fine on a fresh sandbox; if you expected some, check the id)"
                    )),
                    Some(n) => findings.ok(&format!(
                        "fixture {name} ({id}): {n} appointment(s) found for this {kind}"
                    )),
                    None => findings.ok(&format!(
                        "fixture {name} ({id}): the search by {parameter} answers"
                    )),
                }
            }
            (Some(r), _) => findings.problem(&format!(
                "fixture {name} ({id}): searching by {parameter}={kind}/{id} answered {}{}: fix fixtures.{name} in the profile",
                r.status,
                outcome_text(&exchange)
            )),
            (None, error) => findings.problem(&format!(
                "fixture {name} ({id}): searching by {parameter} failed: {}",
                error_text(error.as_ref())
            )),
        }
    }
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
    let plan = build(
        &suite.cases,
        std::slice::from_ref(target),
        &Selection {
            editions: vec![target.profile.edition],
            ..Selection::default()
        },
    );
    let mut skipped: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for item in &plan.items {
        if let Placement::Skip(reason) = &item.placement {
            skipped.entry(reason).or_default().push(item.case.name());
        }
    }
    let count: usize = skipped.values().map(Vec::len).sum();
    if count == 0 {
        findings.ok(&format!(
            "all {} cases would run on this profile",
            plan.items.len()
        ));
        return;
    }
    findings.note(&format!(
        "{} of {} cases would be skipped:",
        count,
        plan.items.len()
    ));
    for (reason, cases) in skipped {
        findings.detail(format!("{reason}: {}", cases.join(", ")));
    }
}

/// What went wrong with an exchange that has no response, as one line.
fn error_text(error: Option<&crate::exchange::ExchangeError>) -> String {
    error.map_or_else(|| "no response".to_owned(), ToString::to_string)
}
