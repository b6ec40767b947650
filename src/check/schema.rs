//! The schema check: HL7's FHIR R4 JSON Schema (the subset in `schemas/fhir/`, compiled once), plus
//! the cardinalities the schema cannot say (`status` 1..1, `participant` 1..*, `participant.status`
//! 1..1, a contained Endpoint's `status` and `address` 1..1, OperationOutcome `issue` 1..*) and
//! invariant app-2. Each violation names its FHIR element. Messages never echo patient data.

use std::sync::OnceLock;

use jsonschema::error::ValidationErrorKind;
use serde_json::{Value, json};
use serde_saphyr::Spanned;

use crate::case::model::SchemaName;
use crate::check::{CheckContext, Finding};
use crate::exchange::Received;
use crate::source::Pos;

const FHIR_SUBSET: &str = include_str!("../../schemas/fhir/fhir-r4-appointment.schema.json");

/// At most this many schema errors are reported per response.
const MAX_ERRORS: usize = 20;

struct Validators {
    appointment: jsonschema::Validator,
    bundle: jsonschema::Validator,
    outcome: jsonschema::Validator,
}

fn validators() -> Result<&'static Validators, &'static str> {
    static CELL: OnceLock<Result<Validators, String>> = OnceLock::new();
    CELL.get_or_init(|| {
        let base: Value = serde_json::from_str(FHIR_SUBSET)
            .map_err(|e| format!("the embedded FHIR schema is not JSON: {e}"))?;
        let build = |definition: &str| {
            let root = json!({
                "$schema": base["$schema"],
                "definitions": base["definitions"],
                "allOf": [{"$ref": format!("#/definitions/{definition}")}],
            });
            jsonschema::options()
                .with_draft(jsonschema::Draft::Draft6)
                .build(&root)
                .map_err(|e| {
                    format!("the embedded FHIR schema for {definition} does not compile: {e}")
                })
        };
        Ok(Validators {
            appointment: build("Appointment")?,
            bundle: build("Bundle")?,
            outcome: build("OperationOutcome")?,
        })
    })
    .as_ref()
    .map_err(String::as_str)
}

/// Compiles the embedded validators now rather than on the first response that needs them, so a
/// run's first requests do not pay for it (and a broken embedded schema shows before anything is sent).
pub fn warm_up() -> Result<(), String> {
    validators().map(|_| ()).map_err(str::to_owned)
}

pub fn check(
    spec: &Spanned<SchemaName>,
    ctx: &CheckContext<'_>,
    received: &Received,
) -> Vec<Finding> {
    let location = ctx.at(Pos::of(spec));
    let subject = spec.value.as_str();
    let Some(body) = &received.json else {
        return vec![Finding::fail(
            "schema",
            location,
            subject,
            "a JSON body",
            "no JSON body",
        )];
    };
    match violations(spec.value, body) {
        Ok(problems) => problems
            .into_iter()
            .map(|problem| Finding::fail("schema", location.clone(), subject, "valid", problem))
            .collect(),
        Err(problem) => vec![Finding::error("schema", location, subject, problem)],
    }
}

/// Every violation of the resource's schema and cardinalities, as `pointer: message` lines.
pub fn violations(name: SchemaName, body: &Value) -> Result<Vec<String>, String> {
    Ok(element_violations(name, body)?
        .into_iter()
        .map(|v| format!("{}: {}", pointer_or_root(&v.pointer), v.message))
        .collect())
}

/// One way a resource is not valid FHIR R4.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// Where, as a JSON pointer into the body (`/participant/0/status`; empty: the root).
    pub pointer: String,
    /// The FHIR element concerned, from the resource type, without indices:
    /// `Appointment.participant.status` (for a missing required element, the missing one).
    pub element: String,
    pub message: String,
}

/// Every violation of the resource's schema and cardinalities, each with its FHIR element.
///
/// # Errors
/// The embedded schema does not compile (a build problem, reported as text).
pub fn element_violations(name: SchemaName, body: &Value) -> Result<Vec<Violation>, String> {
    let validators = validators()?;
    let validator = match name {
        SchemaName::Appointment => &validators.appointment,
        SchemaName::Bundle => &validators.bundle,
        SchemaName::OperationOutcome => &validators.outcome,
    };
    let root = name.as_str();
    let mut problems: Vec<Violation> = validator
        .iter_errors(body)
        .take(MAX_ERRORS)
        .map(|e| {
            let pointer = e.instance_path().to_string();
            let below = match e.kind() {
                ValidationErrorKind::Required { property } => property.as_str().map(str::to_owned),
                ValidationErrorKind::AdditionalProperties { unexpected } => {
                    unexpected.first().cloned()
                }
                _ => None,
            };
            Violation {
                element: element_of(root, &pointer, below.as_deref()),
                message: e.masked().to_string(),
                pointer,
            }
        })
        .collect();
    let mut push = |pointer: String, message: String| {
        problems.push(Violation {
            element: element_of(root, &pointer, None),
            pointer,
            message,
        });
    };
    match name {
        SchemaName::Appointment => appointment_cardinality(body, "", &mut push),
        SchemaName::Bundle => {
            if let Some(entries) = body.get("entry").and_then(Value::as_array) {
                for (i, entry) in entries.iter().enumerate() {
                    if let Some(resource) = entry.get("resource") {
                        appointment_cardinality(
                            resource,
                            &format!("/entry/{i}/resource"),
                            &mut push,
                        );
                    }
                }
            }
        }
        SchemaName::OperationOutcome => outcome_cardinality(body, &mut push),
    }
    Ok(problems)
}

/// `Appointment` + the pointer's named segments (indices dropped, `~1`/`~0` unescaped) + `below`.
fn element_of(root: &str, pointer: &str, below: Option<&str>) -> String {
    let mut element = root.to_owned();
    let named = pointer
        .split('/')
        .filter(|s| !s.is_empty() && !s.bytes().all(|b| b.is_ascii_digit()))
        .map(|s| s.replace("~1", "/").replace("~0", "~"));
    for segment in named.chain(below.map(str::to_owned)) {
        element.push('.');
        element.push_str(&segment);
    }
    element
}

fn pointer_or_root(pointer: &str) -> &str {
    if pointer.is_empty() {
        "(root)"
    } else {
        pointer
    }
}

fn appointment_cardinality(resource: &Value, at: &str, push: &mut impl FnMut(String, String)) {
    if resource.get("resourceType").and_then(Value::as_str) != Some("Appointment") {
        push(
            format!("{at}/resourceType"),
            "resourceType must be \"Appointment\"".to_owned(),
        );
        return;
    }
    if !resource.get("status").is_some_and(Value::is_string) {
        push(
            format!("{at}/status"),
            "Appointment.status is required (1..1)".to_owned(),
        );
    }
    match resource.get("participant").and_then(Value::as_array) {
        Some(participants) if !participants.is_empty() => {
            for (i, participant) in participants.iter().enumerate() {
                if !participant.get("status").is_some_and(Value::is_string) {
                    push(
                        format!("{at}/participant/{i}/status"),
                        "Appointment.participant.status is required (1..1)".to_owned(),
                    );
                }
            }
        }
        _ => push(
            format!("{at}/participant"),
            "Appointment.participant needs at least one item (1..*)".to_owned(),
        ),
    }
    if resource.get("start").is_some() != resource.get("end").is_some() {
        let missing = if resource.get("start").is_some() {
            "end"
        } else {
            "start"
        };
        push(
            format!("{at}/{missing}"),
            "app-2: either start and end are both given, or neither".to_owned(),
        );
    }
    let contained = resource.get("contained").and_then(Value::as_array);
    for (i, item) in contained.into_iter().flatten().enumerate() {
        if item.get("resourceType").and_then(Value::as_str) != Some("Endpoint") {
            continue;
        }
        for field in ["status", "address"] {
            if !item.get(field).is_some_and(Value::is_string) {
                push(
                    format!("{at}/contained/{i}/{field}"),
                    format!("Endpoint.{field} is required (1..1)"),
                );
            }
        }
    }
}

fn outcome_cardinality(body: &Value, push: &mut impl FnMut(String, String)) {
    match body.get("issue").and_then(Value::as_array) {
        Some(issues) if !issues.is_empty() => {
            for (i, issue) in issues.iter().enumerate() {
                for field in ["severity", "code"] {
                    if !issue.get(field).is_some_and(Value::is_string) {
                        push(
                            format!("/issue/{i}/{field}"),
                            format!("OperationOutcome.issue.{field} is required (1..1)"),
                        );
                    }
                }
            }
        }
        _ => push(
            "/issue".to_owned(),
            "OperationOutcome.issue needs at least one item (1..*)".to_owned(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn appointment() -> Value {
        json!({
            "resourceType": "Appointment", "id": "4be5c594-cfbd-4b7c-a047-ee3b06881745", "status": "booked",
            "start": "2023-06-06T18:00:00+00:00", "end": "2023-06-06T18:30:00+00:00",
            "participant": [{"actor": {"reference": "Practitioner/3a18", "type": "Practitioner"}, "status": "accepted"}]
        })
    }

    #[test]
    fn accepts_the_pages_read_example_shape() {
        assert_eq!(
            violations(SchemaName::Appointment, &appointment()).unwrap(),
            Vec::<String>::new()
        );
    }

    #[test]
    fn finds_schema_and_cardinality_problems() {
        let mut broken = appointment();
        broken["status"] = json!("check-in");
        broken["participant"][0]
            .as_object_mut()
            .unwrap()
            .remove("status");
        broken.as_object_mut().unwrap().remove("end");
        let problems = violations(SchemaName::Appointment, &broken).unwrap();
        let all = problems.join("\n");
        assert!(all.contains("/status"), "{all}");
        assert!(all.contains("participant/0/status"), "{all}");
        assert!(all.contains("app-2"), "{all}");
    }

    #[test]
    fn contained_endpoints_are_checked_as_endpoints() {
        let mut with_endpoint = appointment();
        with_endpoint["contained"] = json!([{"resourceType": "Endpoint", "id": "appointment-meeting-endpoint", "status": "active",
            "connectionType": {"code": "https"}, "payloadType": [{"coding": [{"code": "video-call"}]}], "address": "https://x.example"}]);
        assert_eq!(
            violations(SchemaName::Appointment, &with_endpoint).unwrap(),
            Vec::<String>::new()
        );
        with_endpoint["contained"][0]["status"] = json!("sleeping");
        assert!(
            !violations(SchemaName::Appointment, &with_endpoint)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn bundle_entries_are_appointments() {
        let bundle = json!({"resourceType": "Bundle", "type": "searchset", "total": 1, "entry": [{"resource": appointment()}]});
        assert_eq!(
            violations(SchemaName::Bundle, &bundle).unwrap(),
            Vec::<String>::new()
        );
        let bad = json!({"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": {"resourceType": "Appointment"}}]});
        assert!(!violations(SchemaName::Bundle, &bad).unwrap().is_empty());
    }

    #[test]
    fn violations_name_their_fhir_element() {
        let mut partial = json!({"resourceType": "Appointment", "id": "x", "status": "arrived"});
        let elements = |body: &Value| -> Vec<String> {
            element_violations(SchemaName::Appointment, body)
                .unwrap()
                .into_iter()
                .map(|v| v.element)
                .collect()
        };
        assert!(
            elements(&partial)
                .iter()
                .all(|e| e == "Appointment.participant"),
            "{:?}",
            elements(&partial)
        );
        partial["participant"] = json!([{"actor": {"reference": "Practitioner/1"}}]);
        partial["start"] = json!(20240101);
        let found = elements(&partial);
        assert!(
            found.contains(&"Appointment.participant.status".to_owned()),
            "{found:?}"
        );
        assert!(found.contains(&"Appointment.start".to_owned()), "{found:?}");
        assert!(found.contains(&"Appointment.end".to_owned()), "{found:?}");
    }

    #[test]
    fn a_contained_endpoint_needs_its_required_elements() {
        let mut with_endpoint = appointment();
        with_endpoint["contained"] = json!([{"resourceType": "Endpoint", "id": "appointment-meeting-endpoint", "address": "https://x.example"}]);
        let found: Vec<String> = element_violations(SchemaName::Appointment, &with_endpoint)
            .unwrap()
            .into_iter()
            .map(|v| v.element)
            .collect();
        assert!(
            found.iter().any(|e| e.starts_with("Appointment.contained")),
            "{found:?}"
        );
        assert!(
            found.contains(&"Appointment.contained.status".to_owned()),
            "{found:?}"
        );
    }
}
