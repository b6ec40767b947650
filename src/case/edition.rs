//! One case file, seen from one edition: the steps that edition runs, each with its expectation
//! after the edition's overrides (`expect.current:` / `expect."2023-09":`) replaced the keys they
//! name. A file serving both editions yields two cases; the rest of the pipeline sees only these.

use serde_saphyr::Spanned;

use crate::case::load::{CATALOGUE_FILE, CURRENT_CATALOGUE_FILE, Case};
use crate::case::model::{CaseFile, Expect, ExpectKey, Step};
use crate::edition::Edition;
use crate::source::{Diagnostic, Pos};

/// The editions a case file serves: its `editions:` list, or both when it has none.
pub fn editions_of(spec: &CaseFile) -> Vec<Edition> {
    listed(spec.editions.as_ref()).unwrap_or_else(|| Edition::ALL.to_vec())
}

/// Whether a step runs in `edition` (its own `editions:` list, else every edition of the case).
pub fn step_runs_in(step: &Step, edition: Edition) -> bool {
    listed(step.editions.as_ref()).is_none_or(|list| list.contains(&edition))
}

/// The case as `edition` runs it, or `None` when the file does not serve that edition. Steps of
/// other editions are left out and each expectation is [`expect_in`] the edition.
pub fn resolve(case: &Case, edition: Edition) -> Option<Case> {
    if !editions_of(&case.spec).contains(&edition) {
        return None;
    }
    let mut spec = case.spec.clone();
    spec.steps.value = case
        .spec
        .steps
        .value
        .iter()
        .filter(|step| step_runs_in(step, edition))
        .map(|step| Step {
            expect: expect_in(&step.expect, edition),
            as_written: Some(Box::new(step.expect.clone())),
            ..step.clone()
        })
        .collect();
    Some(Case {
        file: case.file.clone(),
        source: case.source.clone(),
        spec,
        edition,
    })
}

/// An expectation as `edition` reads it: the common keys, each replaced by the edition's override
/// of the same key when it gives one; the overrides themselves are gone from the result.
pub fn expect_in(expect: &Expect, edition: Edition) -> Expect {
    let over = match edition {
        Edition::Sept2023 => expect.in_2023_09.as_deref(),
        Edition::Current => expect.current.as_deref(),
    };
    let Some(Spanned { value: over, .. }) = over else {
        return Expect {
            in_2023_09: None,
            current: None,
            ..expect.clone()
        };
    };
    let (base, over) = (expect.clone(), over.clone());
    // Every field named (no `..`) so that a new kind of expectation cannot compile until it can be
    // overridden: an override replaces the key it gives, a list only when it is not empty.
    let mut merged = Expect {
        status: over.status.or(base.status),
        headers: non_empty_or(over.headers, base.headers),
        body: over.body.or(base.body),
        json: non_empty_or(over.json, base.json),
        schema: over.schema.or(base.schema),
        outcome: over.outcome.or(base.outcome),
        search: over.search.or(base.search),
        snapshot: over.snapshot.or(base.snapshot),
        behaviour: over.behaviour.or(base.behaviour),
        decision: over.decision.or(base.decision),
        unset: Vec::new(),
        in_2023_09: None,
        current: None,
    };
    for key in over.unset {
        match key.value {
            ExpectKey::Status => merged.status = None,
            ExpectKey::Headers => merged.headers.clear(),
            ExpectKey::Body => merged.body = None,
            ExpectKey::Json => merged.json.clear(),
            ExpectKey::Schema => merged.schema = None,
            ExpectKey::Outcome => merged.outcome = None,
            ExpectKey::Search => merged.search = None,
            ExpectKey::Snapshot => merged.snapshot = None,
            ExpectKey::Decision => merged.decision = None,
        }
    }
    merged
}

fn non_empty_or<T>(over: Vec<T>, base: Vec<T>) -> Vec<T> {
    if over.is_empty() { base } else { over }
}

/// What the edition keys of a case file may not say, each at its line and column: an empty or
/// repeated `editions:` list, an edition the suite has no catalogue for, a step edition the case
/// does not serve, an override inside an override, and an edition in which the case would have no
/// step. (An override for an edition the step does not run in is allowed: it says what that edition
/// expects of the same answer, for edition hints.)
pub fn problems(case: &Case, available: &[Edition]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let spec = &case.spec;
    let served = editions_of(spec);
    if let Some(list) = &spec.editions {
        list_problems(case, list, available, &mut out);
    }
    for step in &spec.steps.value {
        if let Some(list) = &step.editions {
            list_problems(case, list, available, &mut out);
            for edition in &list.value {
                if !served.contains(&edition.value) {
                    out.push(case.diagnostic(
                        Pos::of(edition),
                        format!(
                            "step `{}` names edition {} but the case serves only {}",
                            step.name.value,
                            edition.value,
                            names(&served)
                        ),
                    ));
                }
            }
        }
        // An override for an edition the step does not run in is what that edition expects of
        // the same answer: it only serves edition hints (a 2023-09 case of a REMOVED behaviour
        // says what the current edition answers instead).
        if let Some(key) = step.expect.unset.first() {
            out.push(case.diagnostic(
                Pos::of(key),
                "`unset:` belongs in an edition's expectation (`current:` or `\"2023-09\":`)",
            ));
        }
        for (_, over) in overrides(&step.expect) {
            if let Some((_, nested)) = overrides(&over.value).next() {
                out.push(case.diagnostic(
                    Pos::of(nested),
                    "an edition's expectation cannot hold another edition's",
                ));
            }
        }
    }
    for edition in served {
        let steps = spec.steps.value.iter();
        if available.contains(&edition) && !steps.clone().any(|s| step_runs_in(s, edition)) {
            let pos = spec.editions.as_ref().map_or(Pos::of(&spec.steps), Pos::of);
            out.push(case.diagnostic(pos, format!("the case has no step for edition {edition}")));
        }
    }
    out
}

fn list_problems(
    case: &Case,
    list: &Spanned<Vec<Spanned<Edition>>>,
    available: &[Edition],
    out: &mut Vec<Diagnostic>,
) {
    if list.value.is_empty() {
        out.push(case.diagnostic(
            Pos::of(list),
            "`editions:` lists no edition: name 2023-09, current or both, or leave it out for both",
        ));
    }
    let mut seen = Vec::new();
    for edition in &list.value {
        if seen.contains(&edition.value) {
            out.push(case.diagnostic(
                Pos::of(edition),
                format!("edition {} is listed twice", edition.value),
            ));
        }
        seen.push(edition.value);
        if !available.contains(&edition.value) {
            out.push(case.diagnostic(
                Pos::of(edition),
                format!(
                    "edition {} has no requirements catalogue in this case folder ({})",
                    edition.value,
                    catalogue_file(edition.value)
                ),
            ));
        }
    }
}

/// The catalogue file of an edition, beside the cases.
pub fn catalogue_file(edition: Edition) -> &'static str {
    match edition {
        Edition::Sept2023 => CATALOGUE_FILE,
        Edition::Current => CURRENT_CATALOGUE_FILE,
    }
}

fn overrides(expect: &Expect) -> impl Iterator<Item = (Edition, &Spanned<Expect>)> {
    [
        (Edition::Sept2023, expect.in_2023_09.as_deref()),
        (Edition::Current, expect.current.as_deref()),
    ]
    .into_iter()
    .filter_map(|(edition, over)| Some((edition, over?)))
}

fn names(editions: &[Edition]) -> String {
    editions
        .iter()
        .map(|e| e.as_str())
        .collect::<Vec<_>>()
        .join(" and ")
}

fn listed(list: Option<&Spanned<Vec<Spanned<Edition>>>>) -> Option<Vec<Edition>> {
    list.map(|l| l.value.iter().map(|e| e.value).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::load::parse_case;

    const CASE: &str = r#"
name: read/unknown-id
description: d
behaviours: [READ-404]
steps:
  - name: read it
    request: { method: GET, path: /Appointment/x }
    expect:
      status: 404
      json: [{ path: $.id, exists: true }]
      outcome: { code: not-found, text: Resource not found }
      current:
        outcome: { code: not-found, text: "Unknown Appointment resource 'x'" }
  - name: only now
    editions: [current]
    request: { method: GET, path: /Appointment/y }
"#;

    fn text(expect: &Expect) -> Option<String> {
        let outcome = expect.outcome.as_ref()?;
        Some(outcome.value.text.as_ref()?.value.clone())
    }

    #[test]
    fn each_edition_sees_its_steps_and_its_expectations() {
        let case = parse_case("c.yaml".into(), CASE).unwrap();
        assert_eq!(editions_of(&case.spec), Edition::ALL.to_vec());
        let old = resolve(&case, Edition::Sept2023).unwrap();
        let now = resolve(&case, Edition::Current).unwrap();
        assert_eq!(old.spec.steps.value.len(), 1);
        assert_eq!(now.spec.steps.value.len(), 2);
        let (old_expect, now_expect) = (
            &old.spec.steps.value[0].expect,
            &now.spec.steps.value[0].expect,
        );
        assert_eq!(text(old_expect).as_deref(), Some("Resource not found"));
        assert_eq!(
            text(now_expect).as_deref(),
            Some("Unknown Appointment resource 'x'")
        );
        // Keys the override does not name are kept; the overrides are gone.
        assert_eq!(now_expect.json.len(), 1);
        assert!(now_expect.status.is_some());
        assert!(now_expect.current.is_none() && old_expect.current.is_none());
        assert_eq!(
            (old.edition, now.edition),
            (Edition::Sept2023, Edition::Current)
        );
    }

    fn messages(text: &str) -> Vec<String> {
        let case = parse_case("c.yaml".into(), text).unwrap();
        problems(&case, &Edition::ALL)
            .iter()
            .map(|d| d.to_string().lines().next().unwrap_or_default().to_owned())
            .collect()
    }

    #[test]
    fn edition_keys_that_cannot_hold_are_named_where_they_are() {
        assert!(messages(CASE).is_empty());
        let only_old = CASE.replace("steps:", "editions: [2023-09]\nsteps:");
        let found = messages(&only_old);
        assert!(
            found.iter().any(|m| m.contains(
                "step `only now` names edition current but the case serves only 2023-09"
            )),
            "{found:?}"
        );
        // What the current edition expects of a 2023-09-only step is allowed: it serves hints.
        assert!(
            !found
                .iter()
                .any(|m| m.contains("an expectation for edition current")),
            "{found:?}"
        );
        let twice = CASE.replace("steps:", "editions: [current, current]\nsteps:");
        assert!(
            messages(&twice)
                .iter()
                .any(|m| m.contains("edition current is listed twice"))
        );
        let none = CASE.replace("steps:", "editions: []\nsteps:");
        assert!(
            messages(&none)
                .iter()
                .any(|m| m.contains("lists no edition"))
        );
        let nested = CASE.replace(
            "text: \"Unknown Appointment resource 'x'\" }",
            "text: \"Unknown Appointment resource 'x'\" }\n        current: { status: 404 }",
        );
        assert!(
            messages(&nested)
                .iter()
                .any(|m| m.contains("cannot hold another edition's")),
            "{:?}",
            messages(&nested)
        );
        let empty_old = CASE.replace(
            "  - name: read it",
            "  - name: read it\n    editions: [current]",
        );
        let found = messages(&empty_old);
        assert!(
            found
                .iter()
                .any(|m| m.contains("the case has no step for edition 2023-09")),
            "{found:?}"
        );
    }

    #[test]
    fn an_edition_without_a_catalogue_is_named() {
        let case = parse_case(
            "c.yaml".into(),
            &CASE.replace("steps:", "editions: [current]\nsteps:"),
        )
        .unwrap();
        let found = problems(&case, &[Edition::Sept2023]);
        assert!(found.iter().any(|d| d.to_string().contains("edition current has no requirements catalogue in this case folder (requirements.current.yaml)")));
    }

    #[test]
    fn an_edition_can_unset_a_common_key() {
        let text = CASE.replace(
            "      current:\n        outcome:",
            "      current:\n        unset: [json, outcome]\n        status: 200\n        outcome:",
        );
        let case = parse_case("c.yaml".into(), &text).unwrap();
        let now = resolve(&case, Edition::Current).unwrap();
        let expect = &now.spec.steps.value[0].expect;
        assert!(
            expect.json.is_empty() && expect.outcome.is_none(),
            "{expect:?}"
        );
        assert!(expect.status.is_some() && expect.unset.is_empty());
        let old = resolve(&case, Edition::Sept2023).unwrap();
        assert_eq!(old.spec.steps.value[0].expect.json.len(), 1);
        let misplaced = CASE.replace(
            "      status: 404\n",
            "      status: 404\n      unset: [json]\n",
        );
        let found = messages(&misplaced);
        assert!(
            found
                .iter()
                .any(|m| m.contains("`unset:` belongs in an edition's expectation")),
            "{found:?}"
        );
    }

    #[test]
    fn a_case_of_one_edition_is_absent_from_the_other() {
        let one = CASE.replace("steps:", "editions: [current]\nsteps:");
        let case = parse_case("c.yaml".into(), &one).unwrap();
        assert!(resolve(&case, Edition::Sept2023).is_none());
        assert!(resolve(&case, Edition::Current).is_some());
    }
}
