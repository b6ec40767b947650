//! The header check: present or absent, equal to a value, or matching a regular expression.

use crate::case::model::HeaderExpect;
use crate::check::value::shorten;
use crate::check::{CheckContext, Finding};
use crate::exchange::Received;
use crate::source::Pos;
use crate::template::render_str;

pub fn check(spec: &HeaderExpect, ctx: &CheckContext<'_>, received: &Received) -> Vec<Finding> {
    let name = &spec.name.value;
    // The header's name: the check (`header`) names itself where the finding is shown.
    let subject = name.as_str();
    let actual = received.header(name);
    let shown = actual.map_or_else(|| "(absent)".to_owned(), |v| shorten(v, 300));
    let mut findings = Vec::new();
    if let Some(present) = &spec.present
        && present.value != actual.is_some()
    {
        let expected = if present.value { "present" } else { "absent" };
        findings.push(Finding::fail(
            "header",
            ctx.at(Pos::of(present)),
            subject,
            expected,
            &shown,
        ));
    }
    if let Some(equals) = &spec.equals {
        let location = ctx.at(Pos::of(equals));
        match render_str(&equals.value, ctx.scope) {
            Ok(expected) if actual == Some(expected.as_str()) => {}
            Ok(expected) => {
                findings.push(Finding::fail("header", location, subject, expected, &shown))
            }
            Err(e) => findings.push(Finding::error("header", location, subject, e.to_string())),
        }
    }
    if let Some(pattern) = &spec.matches {
        let location = ctx.at(Pos::of(pattern));
        match render_str(&pattern.value, ctx.scope)
            .map(|p| crate::case::pattern::compiled(&p).map(|r| (p, r)))
        {
            Ok(Ok((_, regex))) if actual.is_some_and(|v| regex.is_match(v)) => {}
            Ok(Ok((text, _))) => findings.push(Finding::fail(
                "header",
                location,
                subject,
                format!("matching /{text}/"),
                &shown,
            )),
            Ok(Err(e)) => findings.push(Finding::error("header", location, subject, e.to_string())),
            Err(e) => findings.push(Finding::error("header", location, subject, e.to_string())),
        }
    }
    findings
}
