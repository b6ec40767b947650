//! The format of every answer, whatever the step checks: a 2xx or 4xx answer with a body must be
//! JSON (`application/json` or FHIR's `application/fhir+json`, RFC 6838 parameters allowed) and
//! parse as such (FHIR R4 http.html#mime-type). An empty body stays legal where the edition allows
//! one (D6: success bodies); other checks judge whether a body was due.

use crate::check::Finding;
use crate::check::operation_outcome::ERR_OO;
use crate::check::value::shorten;
use crate::exchange::Received;
use crate::source::Location;

/// The check's name in findings.
pub const FORMAT: &str = "format";

/// A Fail when a 2xx or 4xx answer has a body that is not JSON, or is JSON under another media
/// type than JSON's (none at all is taken as JSON); `None` otherwise (5xx answers and empty bodies are not judged here). An error answer's
/// format is ERR-OO's (error bodies are OperationOutcomes); a success's is the step's own
/// behaviour's (the runner attributes it). `location` is where the step's expectations are.
pub fn check(received: &Received, location: Location) -> Option<Finding> {
    let status = received.status;
    if !((200..300).contains(&status) || (400..500).contains(&status)) {
        return None;
    }
    let body = received.body.trim();
    if body.is_empty() || received.truncated.is_some() {
        return None;
    }
    let content_type = received
        .header("content-type")
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let media = content_type.split(';').next().unwrap_or_default().trim();
    // No Content-Type on a JSON body is taken as JSON (the 2023-09 `null` success bodies).
    let json_media =
        media.is_empty() || matches!(media, "application/json" | "application/fhir+json");
    let problem = match (&received.json, json_media) {
        (None, _) => Some(format!(
            "a body that is not JSON ({} bytes{}): {}",
            received.body.len(),
            if content_type.is_empty() {
                ", no Content-Type".to_owned()
            } else {
                format!(", Content-Type {content_type}")
            },
            shorten(body, 200)
        )),
        (Some(_), false) => Some(format!("JSON under Content-Type {content_type}")),
        (Some(_), true) => None,
    }?;
    let finding = Finding::fail(
        FORMAT,
        location,
        "",
        "FHIR JSON (application/fhir+json or application/json)",
        problem,
    );
    Some(if status >= 400 {
        finding.for_behaviour(ERR_OO)
    } else {
        finding
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::source::Pos;

    fn received(status: u16, content_type: Option<&str>, body: &str) -> Received {
        Received {
            status,
            headers: content_type
                .map(|c| vec![("content-type".to_owned(), c.to_owned())])
                .unwrap_or_default(),
            body: body.to_owned(),
            json: serde_json::from_str(body).ok(),
            elapsed_ms: 1,
            truncated: None,
        }
    }

    fn at() -> Location {
        Location::new(&Arc::from("c.yaml"), Pos { line: 3, col: 5 })
    }

    #[test]
    fn json_answers_and_empty_bodies_are_fine() {
        for (status, content_type, body) in [
            (
                200,
                Some("application/fhir+json"),
                r#"{"resourceType":"Bundle"}"#,
            ),
            (200, Some("application/json; charset=utf-8"), r#"{"a":1}"#),
            (201, None, ""),
            (201, Some("application/json"), "null"),
            (
                404,
                Some("application/fhir+json;fhirVersion=4.0"),
                r#"{"resourceType":"OperationOutcome"}"#,
            ),
            // A server fault is not judged for its format here.
            (502, Some("text/html"), "<html>Bad gateway</html>"),
        ] {
            let found = check(&received(status, content_type, body), at());
            assert!(found.is_none(), "{body}: {found:?}");
        }
    }

    #[test]
    fn a_cut_body_or_html_fails_and_an_error_answer_is_err_oos() {
        let cut = check(
            &received(200, Some("application/json"), r#"{"resourceType":"Appoint"#),
            at(),
        )
        .expect("a finding");
        assert_eq!(cut.check, FORMAT);
        assert!(
            cut.actual.starts_with("a body that is not JSON (24 bytes"),
            "{}",
            cut.actual
        );
        assert!(
            cut.behaviours.is_empty(),
            "the step's own behaviour, filled by the runner"
        );
        let html =
            check(&received(401, Some("text/html"), "<h1>Sign in</h1>"), at()).expect("a finding");
        assert_eq!(html.behaviours, vec![ERR_OO.to_owned()]);
        let wrong_media =
            check(&received(200, Some("text/plain"), r#"{"a":1}"#), at()).expect("a finding");
        assert_eq!(wrong_media.actual, "JSON under Content-Type text/plain");
    }
}
