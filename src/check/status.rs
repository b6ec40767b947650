//! The status check: an exact code (`201`), a class (`4xx`), or a list of either.

use std::fmt;

use serde_json::Value;
use serde_saphyr::Spanned;

use crate::case::model::Method;
use crate::check::{CheckContext, Finding};
use crate::exchange::Received;
use crate::source::Pos;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatusSpec {
    Exact(u16),
    Class(u16),
    OneOf(Vec<StatusSpec>),
}

impl StatusSpec {
    pub fn from_value(value: &Value) -> Result<StatusSpec, String> {
        match value {
            Value::Number(n) => match n.as_u64() {
                Some(code @ 100..=599) => Ok(StatusSpec::Exact(code as u16)),
                _ => Err(format!("`{n}` is not an HTTP status (100–599)")),
            },
            Value::String(text) => {
                let lower = text.to_ascii_lowercase();
                let bytes = lower.as_bytes();
                if bytes.len() == 3 && bytes[1..] == *b"xx" && (b'1'..=b'5').contains(&bytes[0]) {
                    Ok(StatusSpec::Class(u16::from(bytes[0] - b'0')))
                } else if let Ok(code) = text.parse::<u16>() {
                    StatusSpec::from_value(&Value::from(code))
                } else {
                    Err(format!(
                        "`{text}` is not a status: write 201, \"4xx\" or a list of those"
                    ))
                }
            }
            Value::Array(items) if !items.is_empty() => items
                .iter()
                .map(|item| match item {
                    Value::Array(_) => Err("a status list cannot nest lists".to_owned()),
                    other => StatusSpec::from_value(other),
                })
                .collect::<Result<_, _>>()
                .map(StatusSpec::OneOf),
            _ => Err("a status is 201, \"4xx\" or a non-empty list of those".to_owned()),
        }
    }

    pub fn matches(&self, status: u16) -> bool {
        match self {
            StatusSpec::Exact(code) => *code == status,
            StatusSpec::Class(class) => status / 100 == *class,
            StatusSpec::OneOf(specs) => specs.iter().any(|s| s.matches(status)),
        }
    }
}

impl fmt::Display for StatusSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StatusSpec::Exact(code) => write!(f, "{code}"),
            StatusSpec::Class(class) => write!(f, "{class}xx"),
            StatusSpec::OneOf(specs) => {
                let parts: Vec<String> = specs.iter().map(ToString::to_string).collect();
                write!(f, "one of {}", parts.join(", "))
            }
        }
    }
}

pub fn check(spec: &Spanned<Value>, ctx: &CheckContext<'_>, received: &Received) -> Vec<Finding> {
    let location = ctx.at(Pos::of(spec));
    match StatusSpec::from_value(&spec.value) {
        Ok(expected) if expected.matches(received.status) => Vec::new(),
        Ok(expected) => {
            let finding = Finding::fail(
                "status",
                location,
                "status",
                expected.to_string(),
                received.status.to_string(),
            );
            vec![
                match success_code_behaviour(ctx, &expected, received.status) {
                    Some(id) => finding.for_behaviour(id),
                    None => finding,
                },
            ]
        }
        Err(problem) => vec![Finding::error("status", location, "status", problem)],
    }
}

/// A success with another success code is evidence about the operation's own code, whatever
/// the case checks: create answers 201 (CREATE-201), update 200 (UPDATE-200).
fn success_code_behaviour(
    ctx: &CheckContext<'_>,
    expected: &StatusSpec,
    actual: u16,
) -> Option<&'static str> {
    if !(200..300).contains(&actual) {
        return None;
    }
    match (ctx.method, expected) {
        (Method::Post, StatusSpec::Exact(201)) if ctx.path == "/Appointment" => Some("CREATE-201"),
        (Method::Put, StatusSpec::Exact(200)) if ctx.path.starts_with("/Appointment/") => {
            Some("UPDATE-200")
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_and_matches() {
        let spec = StatusSpec::from_value(&json!([201, "4xx"])).unwrap();
        assert!(spec.matches(201) && spec.matches(422) && !spec.matches(200));
        assert_eq!(spec.to_string(), "one of 201, 4xx");
        assert!(StatusSpec::from_value(&json!("6xx")).is_err());
        assert!(StatusSpec::from_value(&json!(99)).is_err());
        assert!(StatusSpec::from_value(&json!([])).is_err());
    }
}
