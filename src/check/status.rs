//! The status check: the response's code against the step's [`StatusSpec`] (typed at load by the
//! case layer), and which behaviour a wrong success code is evidence for.

use serde_saphyr::Spanned;

use crate::case::model::{Checked, Method, StatusSpec};
use crate::check::{CheckContext, Finding};
use crate::exchange::Received;
use crate::source::Pos;

/// A Fail when the status does not match, an Error when the expectation itself is invalid.
pub fn check(
    spec: &Spanned<Checked<StatusSpec>>,
    ctx: &CheckContext<'_>,
    received: &Received,
) -> Vec<Finding> {
    let location = ctx.at(Pos::of(spec));
    match spec.value.as_result() {
        Ok(expected) if expected.matches(received.status) => Vec::new(),
        Ok(expected) => {
            let finding = Finding::fail(
                "status",
                location,
                "",
                expected.to_string(),
                received.status.to_string(),
            );
            vec![
                match success_code_behaviour(ctx, expected, received.status) {
                    Some(id) => finding.for_behaviour(id),
                    None => finding,
                },
            ]
        }
        Err(problem) => vec![Finding::error("status", location, "", problem)],
    }
}

/// A success with another success code is evidence about the operation's own code, whatever
/// the case checks: create answers 201 (CREATE-201), update 200 (UPDATE-200).
fn success_code_behaviour(
    ctx: &CheckContext<'_>,
    expected: &StatusSpec,
    actual: u16,
) -> Option<&'static str> {
    if !(200..300).contains(&actual) {
        return None;
    }
    match (ctx.method, expected) {
        (Method::Post, StatusSpec::Exact(201)) if ctx.path == "/Appointment" => Some("CREATE-201"),
        (Method::Put, StatusSpec::Exact(200)) if ctx.path.starts_with("/Appointment/") => {
            Some("UPDATE-200")
        }
        _ => None,
    }
}
