//! ④ Checks: pure functions from (expectation, recorded response) to every [`Finding`], never just the
//! first. No I/O and no printing here; one file per check kind, dispatched from [`check_step`].

pub mod body;
pub mod finding;
pub mod format;
pub mod header;
pub mod json_path;
pub mod operation_outcome;
pub mod schema;
pub mod search;
pub mod search_value;
pub mod snapshot;
pub mod status;
pub mod value;

pub use finding::{Finding, FindingKind, attribute};

use serde_saphyr::Spanned;

use crate::case::Case;
use crate::case::model::{Expect, SchemaName};
use crate::exchange::Received;
use crate::source::{Location, Pos};
use crate::template::Scope;

/// What every check needs besides its own expectation.
pub struct CheckContext<'a> {
    pub case: &'a Case,
    pub scope: &'a Scope,
    /// The query parameters the step sent (search checks judge entries against them).
    pub query: &'a [(String, String)],
    /// The method and rendered path the step sent (a wrong success code is the operation's own
    /// behaviour's evidence).
    pub method: crate::case::model::Method,
    pub path: &'a str,
    /// The edition whose expectations are checked (the search semantics follow it): the case's,
    /// or the other one when an edition hint is tried.
    pub edition: crate::edition::Edition,
}

impl CheckContext<'_> {
    pub fn at(&self, pos: crate::source::Pos) -> Location {
        self.case.location(pos)
    }
}

/// Runs every expectation of a step against its response (and its paging walk, if any), and
/// attributes each finding: a check's built-in attribution, else the expectation's `behaviour:`,
/// else the step's; what is left empty is the case's (filled by the runner).
pub fn check_step(
    expect: &Expect,
    ctx: &CheckContext<'_>,
    received: &Received,
    walk: Option<&search::WalkJudgement>,
) -> Vec<Finding> {
    // Destructured so that a new kind of expectation does not compile until it is handled here.
    let Expect {
        status,
        headers,
        body,
        json,
        schema,
        outcome,
        search,
        // Compared by the runner: it needs the snapshot store and the run's built-ins.
        snapshot: _,
        behaviour,
        decision,
        unset: _,
        // Resolved before a step is checked (`case::edition::expect_in`).
        in_2023_09: _,
        current: _,
    } = expect;
    let mut findings = Vec::new();
    let mut add = |mut found: Vec<Finding>, own: Option<&Spanned<String>>| {
        if let Some(id) = own {
            attribute(&mut found, std::slice::from_ref(&id.value));
        }
        findings.extend(found);
    };
    if let Some(spec) = status {
        add(status::check(spec, ctx, received), None);
    }
    for spec in headers {
        add(header::check(spec, ctx, received), spec.behaviour.as_ref());
    }
    if let Some(spec) = body {
        add(body::check(spec, ctx, received), None);
    }
    for spec in json {
        add(
            json_path::check(spec, ctx, received),
            spec.behaviour.as_ref(),
        );
    }
    if let Some(spec) = schema {
        let mut found = schema::check(spec, ctx, received);
        // Validity against FHIR's schema is the shape's behaviour: an error body's is ERR-OO's
        // (as in the OperationOutcome check), an Appointment's READ-SHAPE's, a Bundle's SEARCH-BUNDLE's.
        let shape = match spec.value {
            SchemaName::OperationOutcome if received.status >= 400 => {
                Some(operation_outcome::ERR_OO)
            }
            SchemaName::OperationOutcome => None,
            SchemaName::Appointment => Some("READ-SHAPE"),
            SchemaName::Bundle => Some("SEARCH-BUNDLE"),
        };
        if let Some(id) = shape {
            attribute(&mut found, &[id.to_owned()]);
        }
        add(found, None);
    }
    if let Some(spec) = outcome {
        add(
            operation_outcome::check(spec, ctx, received),
            spec.value.behaviour.as_ref(),
        );
    }
    if let Some(spec) = search {
        add(
            search::check(spec, ctx, received, walk),
            spec.value.behaviour.as_ref(),
        );
    }
    if let Some(id) = decision {
        add(vec![decision_note(id, ctx, received)], None);
    }
    // Every answer's format is judged, even in a step that checks only its status.
    let at = status.as_ref().map_or_else(
        || ctx.at(Pos::of(&ctx.case.spec.name)),
        |s| ctx.at(Pos::of(s)),
    );
    if let Some(mut format) = format::check(received, at) {
        // What reads the body (JSON paths, the OperationOutcome, the schema, the search, the body
        // check) judged nothing the target meant: not decided, blocked by the format's behaviour.
        let blocked_by = if format.behaviours.is_empty() {
            behaviour.as_ref().map_or_else(
                || status_owner(ctx).into_iter().map(str::to_owned).collect(),
                |id| vec![id.value.clone()],
            )
        } else {
            format.behaviours.clone()
        };
        findings = findings
            .into_iter()
            .map(|f| {
                if READS_BODY.contains(&f.check) && !blocked_by.is_empty() {
                    f.not_decided(&blocked_by, "the body is not FHIR JSON")
                } else {
                    f
                }
            })
            .collect();
        if format.behaviours.is_empty() {
            format.behaviours = blocked_by;
        }
        findings.push(format);
    }
    if let Some(id) = behaviour {
        attribute(&mut findings, std::slice::from_ref(&id.value));
    }
    // ERR-OO judges error answers: on any other answer its findings say nothing of error bodies
    // (the status expectation says an error was due).
    if received.status < 400 {
        for finding in findings.iter_mut().filter(|f| f.counts()) {
            if finding
                .behaviours
                .iter()
                .any(|id| id == operation_outcome::ERR_OO)
            {
                finding
                    .behaviours
                    .retain(|id| id != operation_outcome::ERR_OO);
                if finding.behaviours.is_empty() {
                    finding.kind = FindingKind::Note;
                    finding.behaviours = vec![operation_outcome::ERR_OO.to_owned()];
                    finding.actual = format!(
                        "not judged: {} judges error answers, and this one was {}; it saw: {}",
                        operation_outcome::ERR_OO,
                        received.status,
                        finding.actual
                    );
                }
            }
        }
    }
    findings
}

/// The checks that read the body.
const READS_BODY: &[&str] = &["json", "outcome", "schema", "search", "body"];

/// The behaviour a success answer's format is evidence for, by operation: a create's CREATE-201,
/// an update's UPDATE-200, a read's READ-200, a search's SEARCH-BUNDLE.
pub fn status_owner(ctx: &CheckContext<'_>) -> Option<&'static str> {
    use crate::case::model::Method;
    let read = ctx.path.starts_with("/Appointment/");
    match ctx.method {
        Method::Post if ctx.path == "/Appointment" => Some("CREATE-201"),
        Method::Put if read => Some("UPDATE-200"),
        Method::Get if read => Some("READ-200"),
        Method::Get if ctx.path == "/Appointment" => Some("SEARCH-BUNDLE"),
        _ => None,
    }
}

/// The answer a target chose where the page leaves it open and decision `id` pins only the
/// reference server's: its status, and the OperationOutcome code of a refusal.
fn decision_note(id: &Spanned<String>, ctx: &CheckContext<'_>, received: &Received) -> Finding {
    let code = received
        .json
        .as_ref()
        .and_then(|body| body.pointer("/issue/0/code")?.as_str().map(str::to_owned));
    let answer = match code {
        Some(code) if received.status >= 400 => format!("{} `{code}`", received.status),
        _ => received.status.to_string(),
    };
    Finding::note(
        "decision",
        ctx.at(Pos::of(id)),
        id.value.clone(),
        format!(
            "the page leaves this answer open ({} is the reference server's choice); the target answered {answer}",
            id.value
        ),
    )
}
