//! The run's tag on what it creates: in the current edition (identifiers, D14) each create carries
//! an identifier in the run's own system whose value is the run id, unless its case could notice.
//! Untagged creates (every one in 2023-09) are found again by their case's own time slot.

use serde_json::{Value, json};

use crate::case::Case;
use crate::case::model::Step;
use crate::edition::Edition;
use crate::exchange::Outgoing;

/// The identifier system of the run's tag; the value is the run id. `.invalid` (RFC 6761): a
/// system no one else can own.
pub const TAG_SYSTEM: &str = "https://canvas-conformance.invalid/run";

/// The tag the creates of `case` carry in a run under `run_id`: `None` in 2023-09 (no
/// identifiers), and for a case the tag could change: one that mentions identifiers at all (it
/// sets or checks its own) or compares snapshots (a read-back would show the tag).
pub fn tag_for(case: &Case, run_id: &str) -> Option<String> {
    let untouchable = case.source.contains("identifier")
        || case
            .spec
            .steps
            .value
            .iter()
            .any(|step| step.expect.snapshot.is_some());
    (case.edition == Edition::Current && !untouchable).then(|| run_id.to_owned())
}

/// Adds the tag to a create's JSON body, written as a JSON object (not a raw body, not the v1
/// wrapper `{"resource": …}`) that sets no `identifier` of its own. Returns whether it did.
pub fn apply_tag(step: &Step, out: &mut Outgoing, tag: &str) -> bool {
    if step.request.body.is_none() {
        return false;
    }
    let Some(Ok(Value::Object(mut body))) = out.body.as_deref().map(serde_json::from_str) else {
        return false;
    };
    if body.contains_key("identifier") || body.contains_key("resource") {
        return false;
    }
    body.insert(
        "identifier".to_owned(),
        json!([{"system": TAG_SYSTEM, "value": tag}]),
    );
    out.body = Some(Value::Object(body).to_string());
    true
}

/// Whether `resource` carries the tag `tag` (an identifier of [`TAG_SYSTEM`] with that value).
pub fn carries_tag(resource: &Value, tag: &str) -> bool {
    resource
        .get("identifier")
        .and_then(Value::as_array)
        .is_some_and(|ids| {
            ids.iter().any(|id| {
                id.get("system").and_then(Value::as_str) == Some(TAG_SYSTEM)
                    && id.get("value").and_then(Value::as_str) == Some(tag)
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::load::parse_case;

    fn case(edition: Edition, extra: &str) -> Case {
        let text = format!(
            "name: create/x\ndescription: d\nbehaviours: [CREATE-201]\nsteps:\n  - name: create\n    request:\n      method: POST\n      path: /Appointment\n      body: {{ resourceType: Appointment, status: proposed }}\n    expect: {{ status: 201{extra} }}\n"
        );
        let mut case = parse_case("cases/create/x.yaml".into(), &text).expect("case parses");
        case.edition = edition;
        case
    }

    #[test]
    fn only_current_cases_that_cannot_notice_are_tagged() {
        assert_eq!(
            tag_for(&case(Edition::Current, ""), "abcd1234").as_deref(),
            Some("abcd1234")
        );
        assert_eq!(tag_for(&case(Edition::Sept2023, ""), "abcd1234"), None);
        assert_eq!(
            tag_for(&case(Edition::Current, ", snapshot: true"), "abcd1234"),
            None,
            "a snapshot would show the tag"
        );
        let checks = case(
            Edition::Current,
            ", json: [{ path: $.identifier, absent: true }]",
        );
        assert_eq!(tag_for(&checks, "abcd1234"), None);
    }

    #[test]
    fn the_tag_joins_a_json_body_that_has_no_identifier() {
        let case = case(Edition::Current, "");
        let step = &case.spec.steps.value[0];
        let mut out = Outgoing {
            method: crate::case::model::Method::Post,
            path: "/Appointment".to_owned(),
            query: Vec::new(),
            headers: Vec::new(),
            body: Some(r#"{"resourceType":"Appointment","status":"proposed"}"#.to_owned()),
            auth: Default::default(),
            token: None,
        };
        assert!(apply_tag(step, &mut out, "abcd1234"));
        let body: Value = serde_json::from_str(out.body.as_deref().unwrap_or_default()).unwrap();
        assert!(carries_tag(&body, "abcd1234"), "{body}");
        assert!(!carries_tag(&body, "other"));
        assert_eq!(body["status"], "proposed", "the rest is kept");
        // Its own identifier, a wrapper or a body that is not an object: left as written.
        for written in [
            r#"{"identifier":[{"value":"x"}]}"#,
            r#"{"resource":{"resourceType":"Appointment"}}"#,
            r#"[1,2]"#,
            "{not json",
        ] {
            out.body = Some(written.to_owned());
            assert!(!apply_tag(step, &mut out, "abcd1234"), "{written}");
            assert_eq!(out.body.as_deref(), Some(written));
        }
    }
}
