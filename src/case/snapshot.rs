//! The `snapshot` expectation of a step, typed at load: off, or the response headers a snapshot
//! keeps (default `Content-Type` and `Location`).

use serde_json::Value;

use crate::case::checked::{FromCase, Problem};

/// Headers a snapshot keeps when the case does not choose (lowercase names).
pub const DEFAULT_HEADERS: &[&str] = &["content-type", "location"];

/// `expect.snapshot`: `false` → [`SnapshotSpec::Off`]; `true` → the default headers;
/// `{ headers: [names] }` → those names (`{}` → the defaults).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SnapshotSpec {
    Off,
    /// Compare the snapshot keeping these response headers (names as written).
    Headers(Vec<String>),
}

impl SnapshotSpec {
    /// Reads the value as written; errors say what to write.
    pub fn from_value(spec: &Value) -> Result<SnapshotSpec, String> {
        let defaults = || DEFAULT_HEADERS.iter().map(|h| (*h).to_owned()).collect();
        match spec {
            Value::Bool(true) => Ok(SnapshotSpec::Headers(defaults())),
            Value::Bool(false) => Ok(SnapshotSpec::Off),
            Value::Object(map) => {
                if let Some(key) = map.keys().find(|k| *k != "headers") {
                    return Err(format!(
                        "unknown key `{key}` in `snapshot` (expected `headers`)"
                    ));
                }
                match map.get("headers") {
                    None => Ok(SnapshotSpec::Headers(defaults())),
                    Some(Value::Array(items)) => items
                        .iter()
                        .map(|i| {
                            i.as_str().map(str::to_owned).ok_or_else(|| {
                                "`snapshot.headers` is a list of header names".to_owned()
                            })
                        })
                        .collect::<Result<Vec<_>, _>>()
                        .map(SnapshotSpec::Headers),
                    Some(_) => Err("`snapshot.headers` is a list of header names".to_owned()),
                }
            }
            _ => Err("`snapshot` is `true`, `false` or `{ headers: [names] }`".to_owned()),
        }
    }

    /// The headers kept, or `None` when the snapshot is off.
    pub fn headers(&self) -> Option<&[String]> {
        match self {
            SnapshotSpec::Off => None,
            SnapshotSpec::Headers(names) => Some(names),
        }
    }
}

impl FromCase for SnapshotSpec {
    type Raw = Value;

    fn from_case(raw: Value) -> Result<SnapshotSpec, Vec<Problem>> {
        SnapshotSpec::from_value(&raw).map_err(|message| vec![Problem::here(message)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn header_choices() {
        assert_eq!(
            SnapshotSpec::from_value(&json!(false)).unwrap(),
            SnapshotSpec::Off
        );
        assert_eq!(
            SnapshotSpec::from_value(&json!({"headers": ["Location"]})).unwrap(),
            SnapshotSpec::Headers(vec!["Location".to_owned()])
        );
        assert!(SnapshotSpec::from_value(&json!({"colour": 1})).is_err());
        assert!(SnapshotSpec::from_value(&json!(3)).is_err());
    }
}
