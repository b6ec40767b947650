//! The body check: empty or the JSON literal `null` (Canvas answers either after a write), or JSON.

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
    let ok = match spec.value {
        BodyExpect::EmptyOrNull => trimmed.is_empty() || trimmed == "null",
        BodyExpect::Json => received.json.is_some(),
    };
    if ok {
        return Vec::new();
    }
    let expected = match spec.value {
        BodyExpect::EmptyOrNull => "an empty body or `null`",
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
        "body",
        expected,
        actual,
    )]
}
