//! Every body a case sends is valid FHIR R4 (HL7's R4 JSON Schema in `schemas/fhir/` plus the
//! cardinalities `src/check/schema.rs` adds), except the elements its step declares in
//! `deliberately_invalid`; each declaration must name a real violation (no stale ones), and partial
//! update bodies belong to cases about partial updates (UPDATE-PARTIAL). Bodies are rendered with the
//! reference instance's fixtures of the case's edition; captured appointment ids (and ids captured
//! by a json path ending in `.id`) are stood in by fresh UUIDs.

use std::path::Path;
use std::sync::Arc;

use canvas_conformance::case::Case;
use canvas_conformance::case::model::SchemaName;
use canvas_conformance::case::model::{Capture, Checked, Deviation, Extract, Step};
use canvas_conformance::check::schema::{Violation, element_violations};
use canvas_conformance::edition::Edition;
use canvas_conformance::exchange::render_request;
use canvas_conformance::run::scope::{BuiltIns, case_scope};
use canvas_conformance::source::Pos;
use canvas_conformance::suite::load_suite;
use canvas_conformance::target::{Auth, Profile, Secret, Target};
use canvas_conformance::template::Var;
use serde_json::Value;

/// The reference instance of the case's edition (its fixtures differ: REFERENCE-INSTANCE.md).
fn reference_target(edition: Edition) -> Target {
    Target {
        label: "reference".to_owned(),
        base_url: "http://127.0.0.1:1".to_owned(),
        auth: Auth::static_token(Secret::new("dev-token".to_owned())),
        profile: Arc::new(Profile::reference_for(edition)),
    }
}

/// What a capture would hold after a real run, as far as a body can tell.
fn stand_in(spec: &Checked<Capture>) -> Option<Var> {
    let id = uuid::Uuid::new_v4().to_string();
    match spec {
        Checked::Valid(Capture::Header {
            extract: Some(Extract::AppointmentId),
            ..
        }) => Some(Var::Text(id)),
        Checked::Valid(Capture::Header { extract: None, .. }) => {
            Some(Var::Text(format!("http://127.0.0.1:1/Appointment/{id}")))
        }
        // A json capture of a stored id (an identifier's `id`): a fresh UUID, as the server mints.
        Checked::Valid(Capture::Json(path))
            if {
                let text = path.to_string();
                text.ends_with(".id") || text.ends_with("['id']")
            } =>
        {
            Some(Var::Text(id))
        }
        // Any other value read out of a response (a reason text, a note id): a string of its own.
        Checked::Valid(Capture::Json(_)) => Some(Var::Text(format!("captured-{id}"))),
        _ => None,
    }
}

/// The violations of one rendered body: a body that is not a JSON object is wholly invalid.
fn violations_of(body: &str) -> Vec<Violation> {
    match serde_json::from_str::<Value>(body) {
        Ok(json @ Value::Object(_)) => {
            element_violations(SchemaName::Appointment, &json).expect("the FHIR schema compiles")
        }
        Ok(_) | Err(_) => vec![Violation {
            pointer: String::new(),
            element: "Appointment".to_owned(),
            message: "the body is not a JSON object".to_owned(),
        }],
    }
}

fn covers(declared: &str, element: &str) -> bool {
    element == declared
        || element
            .strip_prefix(declared)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// Every problem with the bodies of one case's steps, as `file:line:col: message` lines.
fn problems_of(case: &Case, index: usize, target: &Target, out: &mut Vec<String>) {
    let mut scope = match case_scope(case, &BuiltIns::new("0badcafe", index), target) {
        Ok(scope) => scope,
        Err((name, e)) => {
            out.push(format!("{}: variable `{name}`: {e}", case.file));
            return;
        }
    };
    let steps: &[Step] = &case.spec.steps.value;
    for step in steps {
        for (name, spec) in &step.capture {
            match stand_in(&spec.value) {
                Some(var) => scope.insert(name.clone(), var),
                None => out.push(format!(
                    "{}: capture `{name}`: this test has no stand-in for a json or body capture; teach it one",
                    case.location(Pos::of(spec))
                )),
            }
        }
    }
    let about_partial_updates = case.behaviours().any(|id| id == "UPDATE-PARTIAL");
    for step in steps {
        let request = &step.request;
        let body_pos = match (&request.body, &request.raw_body) {
            (Some(body), _) => Pos::of(body),
            (None, Some(raw)) => Pos::of(raw),
            (None, None) => continue,
        };
        let at = case.location(body_pos);
        let rendered = match render_request(request, &scope) {
            Ok(out) => out.body.unwrap_or_default(),
            Err(e) => {
                out.push(format!(
                    "{at}: step `{}`: cannot render: {e}",
                    step.name.value
                ));
                continue;
            }
        };
        let violations = violations_of(&rendered);
        let declared = &request.deliberately_invalid;
        for violation in &violations {
            if !declared
                .iter()
                .any(|d| covers(&d.element.value, &violation.element))
            {
                out.push(format!(
                    "{at}: step `{}`: {} is not valid FHIR R4 ({}: {}) and the step does not declare it in `deliberately_invalid`",
                    step.name.value,
                    violation.element,
                    if violation.pointer.is_empty() { "(root)" } else { &violation.pointer },
                    violation.message
                ));
            }
        }
        for item in declared {
            let element = &item.element.value;
            if !violations.iter().any(|v| covers(element, &v.element)) {
                out.push(format!(
                    "{}: step `{}`: declares {element} {} but the body is valid FHIR R4 there",
                    case.location(Pos::of(&item.element)),
                    step.name.value,
                    item.how.value.as_str()
                ));
            }
            if item.how.value == Deviation::Partial && !about_partial_updates {
                out.push(format!(
                    "{}: step `{}`: a partial update body in a case that does not check UPDATE-PARTIAL; send the whole resource",
                    case.location(Pos::of(&item.how)),
                    step.name.value
                ));
            }
        }
    }
}

#[test]
fn every_case_body_is_valid_fhir_r4_except_what_it_declares() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let suite = load_suite(&root.join("cases")).expect("the project's cases load");
    let mut problems = Vec::new();
    let mut bodies = 0;
    for (index, case) in suite.cases.iter().enumerate() {
        bodies += case
            .spec
            .steps
            .value
            .iter()
            .filter(|s| s.request.body.is_some() || s.request.raw_body.is_some())
            .count();
        problems_of(case, index, &reference_target(case.edition), &mut problems);
    }
    assert!(bodies >= 40, "only {bodies} bodies found under cases/");
    assert!(
        problems.is_empty(),
        "{} problem(s) with case bodies:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn undeclared_and_stale_declarations_are_both_reported_with_their_place() {
    let text = "name: t/bodies
description: t
behaviours: [CREATE-STATUS-PROPOSED]
requires: { writes: true }
steps:
  - name: no status
    request:
      method: POST
      path: /Appointment
      body:
        resourceType: Appointment
        start: \"{{ slot }}\"
        end: \"{{ slot + 30m }}\"
        participant: [{ actor: { reference: \"Practitioner/{{ practitioner }}\" }, status: accepted }]
  - name: a partial update said to be invalid where it is not
    request:
      method: PUT
      path: /Appointment/x
      body: { resourceType: Appointment, id: x, status: booked }
      deliberately_invalid:
        - { element: Appointment.participant, how: partial, why: only the status changes }
        - { element: Appointment.start, how: invalid, why: stale }
";
    let case = canvas_conformance::case::load::parse_case(Arc::from("t.yaml"), text)
        .expect("test case parses");
    let mut problems = Vec::new();
    problems_of(
        &case,
        0,
        &reference_target(Edition::Sept2023),
        &mut problems,
    );
    let all = problems.join("\n");
    assert_eq!(problems.len(), 3, "{all}");
    assert!(
        problems[0].starts_with("t.yaml:11:")
            && problems[0].contains("Appointment.status is not valid FHIR R4"),
        "{all}"
    );
    assert!(
        problems[1].starts_with("t.yaml:21:") && problems[1].contains("UPDATE-PARTIAL"),
        "{all}"
    );
    assert!(
        problems[2].starts_with("t.yaml:22:")
            && problems[2].contains("declares Appointment.start invalid"),
        "{all}"
    );
}
