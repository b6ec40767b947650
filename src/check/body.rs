//! The body check: after a write, empty or the JSON literal `null` (Canvas answers either), or the
//! written Appointment itself (FHIR's `Prefer: return=representation`, noted, never failed); or JSON.

use serde_saphyr::Spanned;

use crate::case::model::BodyExpect;
use crate::check::value::shorten;
use crate::check::{CheckContext, Finding};
use crate::exchange::Received;
use crate::source::Pos;

pub fn check(
    spec: &Spanned<BodyExpect>,
    ctx: &CheckContext<'_>,
    received: &Received,
) -> Vec<Finding> {
    let trimmed = received.body.trim();
    if spec.value == BodyExpect::EmptyOrNull
        && received
            .json
            .as_ref()
            .and_then(|b| b.get("resourceType"))
            .and_then(serde_json::Value::as_str)
            == Some("Appointment")
    {
        return vec![Finding::note(
            "body",
            ctx.at(Pos::of(spec)),
            "",
            "the written Appointment (FHIR return=representation), where Canvas sends an empty body or `null`",
        )];
    }
    let ok = match spec.value {
        BodyExpect::EmptyOrNull => trimmed.is_empty() || trimmed == "null",
        BodyExpect::Json => received.json.is_some(),
    };
    if ok {
        return Vec::new();
    }
    let expected = match spec.value {
        BodyExpect::EmptyOrNull => "an empty body, `null`, or the written Appointment",
        BodyExpect::Json => "a JSON body",
    };
    let actual = if trimmed.is_empty() {
        "(empty)".to_owned()
    } else {
        shorten(trimmed, 300)
    };
    vec![Finding::fail(
        "body",
        ctx.at(Pos::of(spec)),
        "",
        expected,
        actual,
    )]
}
