//! What a step depends on and what it judges: the template variables its request and expectations
//! name (a step whose inputs an earlier step failed to capture is not run), and the behaviour IDs
//! its expectations are evidence for (what stays undecided when it cannot run).

use std::collections::BTreeSet;

use serde_json::Value;

use crate::case::model::{Expect, RequestSpec, Step};
use crate::template::{Template, templates_in};

/// Every variable name a step's request and expectations use, in any template.
pub fn names_used(step: &Step) -> BTreeSet<String> {
    let mut texts: Vec<&str> = Vec::new();
    let mut values: Vec<&Value> = Vec::new();
    request_templates(&step.request, &mut texts, &mut values);
    expect_templates(&step.expect, &mut texts, &mut values);
    let mut templates: Vec<_> = texts.into_iter().map(Template::parse).collect();
    for value in values {
        templates_in(value, &mut templates);
    }
    templates
        .into_iter()
        .filter_map(Result::ok)
        .flat_map(|t| t.names().map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

fn request_templates<'a>(
    request: &'a RequestSpec,
    texts: &mut Vec<&'a str>,
    values: &mut Vec<&'a Value>,
) {
    texts.extend(request.texts().into_iter().map(|v| v.value.as_str()));
    values.extend(request.query.iter().map(|v| &v.value));
    values.extend(request.body.iter().map(|v| &v.value));
}

fn expect_templates<'a>(expect: &'a Expect, texts: &mut Vec<&'a str>, values: &mut Vec<&'a Value>) {
    for header in &expect.headers {
        texts.extend(header.equals.iter().map(|v| v.value.as_str()));
        texts.extend(header.matches.iter().map(|v| v.value.as_str()));
    }
    for item in &expect.json {
        values.extend(item.equals.iter().map(|v| &v.value));
        values.extend(item.contains.iter().map(|v| &v.value));
        values.extend(item.one_of.iter().flat_map(|v| v.value.iter()));
        texts.extend(item.matches.iter().map(|v| v.value.as_str()));
    }
    if let Some(outcome) = &expect.outcome {
        let o = &outcome.value;
        for text in [&o.severity, &o.code, &o.text].into_iter().flatten() {
            texts.push(&text.value);
        }
    }
    if let Some(ids) = expect.search.as_ref().and_then(|s| s.value.ids.as_ref()) {
        texts.extend(ids.value.iter().map(|id| id.value.as_str()));
    }
}

/// The behaviour IDs a step's expectations are evidence for: the step's `behaviour:` (else the
/// case's IDs) and every expectation's own `behaviour:`. The checks' built-in attributions
/// (search semantics, ERR-OO) are not included: they are incidental evidence.
pub fn behaviours_judged(step: &Step, case_ids: &[String]) -> Vec<String> {
    let mut ids = default_behaviours(step, case_ids);
    for id in behaviour_names(step) {
        if !ids.contains(&id.value) {
            ids.push(id.value.clone());
        }
    }
    ids
}

/// The behaviours a finding of this step is evidence for when neither its check nor its own
/// expectation names one: the step's `behaviour:`, else the case's IDs. (An item's `behaviour:`
/// is that item's alone: it never spreads to the step's other findings.)
pub fn default_behaviours(step: &Step, case_ids: &[String]) -> Vec<String> {
    match &step.expect.behaviour {
        Some(id) => vec![id.value.clone()],
        None => case_ids.to_vec(),
    }
}

/// Every explicit `behaviour:` written in a step, with where it is (for lint).
pub fn behaviour_names(step: &Step) -> Vec<&serde_saphyr::Spanned<String>> {
    let expect = &step.expect;
    expect
        .behaviour
        .iter()
        .chain(expect.headers.iter().filter_map(|h| h.behaviour.as_ref()))
        .chain(expect.json.iter().filter_map(|j| j.behaviour.as_ref()))
        .chain(
            expect
                .outcome
                .iter()
                .filter_map(|o| o.value.behaviour.as_ref()),
        )
        .chain(
            expect
                .search
                .iter()
                .filter_map(|s| s.value.behaviour.as_ref()),
        )
        .collect()
}
