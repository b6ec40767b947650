//! ④ Checks: pure functions from (expectation, recorded response) to every [`Finding`], never just the
//! first. No I/O and no printing here; one file per check kind, dispatched from [`check_step`].

pub mod body;
pub mod finding;
pub mod header;
pub mod json_path;
pub mod outcome;
pub mod schema;
pub mod search;
pub mod snapshot;
pub mod status;
pub mod value;

pub use finding::{Finding, FindingKind};

use crate::case::Case;
use crate::case::model::Expect;
use crate::exchange::Received;
use crate::exchange::walk::Walk;
use crate::source::Location;
use crate::template::Scope;

/// What every check needs besides its own expectation.
pub struct CheckContext<'a> {
    pub case: &'a Case,
    pub scope: &'a Scope,
    /// The query parameters the step sent (search checks judge entries against them).
    pub query: &'a [(String, String)],
}

impl CheckContext<'_> {
    pub fn at(&self, pos: crate::source::Pos) -> Location {
        self.case.location(pos)
    }
}

/// Runs every expectation of a step against its response (and its paging walk, if any).
pub fn check_step(
    expect: &Expect,
    ctx: &CheckContext<'_>,
    received: &Received,
    walk: Option<&Walk>,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    if let Some(spec) = &expect.status {
        findings.extend(status::check(spec, ctx, received));
    }
    for spec in &expect.headers {
        findings.extend(header::check(spec, ctx, received));
    }
    if let Some(spec) = &expect.body {
        findings.extend(body::check(spec, ctx, received));
    }
    for spec in &expect.json {
        findings.extend(json_path::check(spec, ctx, received));
    }
    if let Some(spec) = &expect.schema {
        findings.extend(schema::check(spec, ctx, received));
    }
    if let Some(spec) = &expect.outcome {
        findings.extend(outcome::check(spec, ctx, received));
    }
    if let Some(spec) = &expect.search {
        findings.extend(search::check(spec, ctx, received, walk));
    }
    findings
}
