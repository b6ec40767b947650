//! The expected status of a step, typed at load: an exact code (`201`), a class (`4xx`), or a
//! non-empty list of either (RFC 9110 §15: codes 100–599, classes 1xx–5xx).

use std::fmt;

use serde_json::Value;

use crate::case::checked::{FromCase, Problem};

/// `expect.status`: what the response's status code must be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatusSpec {
    /// This code (100–599).
    Exact(u16),
    /// Any code of this class: `4` for `4xx` (1–5).
    Class(u16),
    /// Any of these (never nested).
    OneOf(Vec<StatusSpec>),
}

impl StatusSpec {
    /// Reads `201`, `"201"`, `"4xx"` (any case) or a non-empty list of those; errors say what to write.
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

    /// Whether a received status code satisfies this expectation.
    pub fn matches(&self, status: u16) -> bool {
        match self {
            StatusSpec::Exact(code) => *code == status,
            StatusSpec::Class(class) => status / 100 == *class,
            StatusSpec::OneOf(specs) => specs.iter().any(|s| s.matches(status)),
        }
    }
}

impl FromCase for StatusSpec {
    type Raw = Value;

    fn from_case(raw: Value) -> Result<StatusSpec, Vec<Problem>> {
        StatusSpec::from_value(&raw).map_err(|message| vec![Problem::here(message)])
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
