//! A step's captures, typed at load: where each captured value comes from (a JSON path into the
//! body, a response header, or the whole body), checked once so lint and the runner agree.

use serde::Deserialize;
use serde_json_path::JsonPath;
use serde_saphyr::Spanned;

use crate::case::checked::{FromCase, Problem};
use crate::source::Pos;

/// A capture as written: exactly one of `json`, `header`, `body`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaptureSpec {
    #[serde(default)]
    pub json: Option<Spanned<String>>,
    #[serde(default)]
    pub header: Option<Spanned<String>>,
    /// With `header`: `appointment-id` takes the id out of any `Location` form.
    #[serde(default)]
    pub extract: Option<Spanned<Extract>>,
    /// The whole JSON body.
    #[serde(default)]
    pub body: bool,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Extract {
    AppointmentId,
}

/// Where a captured value comes from.
#[derive(Clone, Debug)]
pub enum Capture {
    /// The first node this JSON path (RFC 9535) selects in the body.
    Json(JsonPath),
    /// A response header's value (name as written), or what `extract` takes out of it.
    Header {
        name: String,
        extract: Option<Extract>,
    },
    /// The whole JSON body.
    Body,
}

impl FromCase for Capture {
    type Raw = CaptureSpec;

    /// Problems, in lint's order: not exactly one source (at the capture), `extract` without
    /// `header` (at `extract`), a JSON path that does not parse (at the path).
    fn from_case(spec: CaptureSpec) -> Result<Capture, Vec<Problem>> {
        let mut problems = Vec::new();
        let sources = usize::from(spec.json.is_some())
            + usize::from(spec.header.is_some())
            + usize::from(spec.body);
        if sources != 1 {
            problems.push(Problem::here(
                "a capture takes exactly one of `json`, `header`, `body: true`",
            ));
        }
        if let Some(extract) = &spec.extract
            && spec.header.is_none()
        {
            problems.push(Problem::at(
                Pos::of(extract),
                "`extract` applies to a `header` capture",
            ));
        }
        let path = match &spec.json {
            Some(path) => match JsonPath::parse(&path.value) {
                Ok(parsed) => Some(parsed),
                Err(e) => {
                    problems.push(Problem::at(
                        Pos::of(path),
                        format!("invalid JSON path `{}`: {e}", path.value),
                    ));
                    None
                }
            },
            None => None,
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(match (path, spec.header) {
            (Some(path), _) => Capture::Json(path),
            (None, Some(name)) => Capture::Header {
                name: name.value,
                extract: spec.extract.map(|e| e.value),
            },
            (None, None) => Capture::Body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::checked::Checked;

    fn capture(yaml: &str) -> Checked<Capture> {
        serde_saphyr::from_str(yaml).unwrap()
    }

    #[test]
    fn one_source_each() {
        assert!(matches!(
            capture("json: $.id"),
            Checked::Valid(Capture::Json(_))
        ));
        assert!(matches!(
            capture("header: Location\nextract: appointment-id"),
            Checked::Valid(Capture::Header {
                extract: Some(Extract::AppointmentId),
                ..
            })
        ));
        assert!(matches!(
            capture("body: true"),
            Checked::Valid(Capture::Body)
        ));
        let problems = capture("json: \"$[\"\nbody: true\nextract: appointment-id")
            .problems()
            .to_vec();
        let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(messages[0].contains("exactly one"));
        assert!(messages[1].contains("`extract`"));
        assert!(messages[2].starts_with("invalid JSON path"));
        assert!(problems[0].at.is_none() && problems[1].at.is_some());
    }
}
