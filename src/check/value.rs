//! Comparing JSON values the way a tolerant client should: object key order and number spelling do
//! not matter, and two strings that are both instants compare as instants (`Z` equals `+00:00`).

use serde_json::Value;

pub fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => x == y,
            _ => x == y,
        },
        (Value::String(x), Value::String(y)) => x == y || same_instant(x, y),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_equal(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

/// Whether `actual` holds `pattern`: objects have at least the pattern's members (extra
/// elements are legal FHIR: `display`, `extension`, `id`…), arrays match item by item, and
/// everything else compares as [`json_equal`] does.
pub fn json_includes(actual: &Value, pattern: &Value) -> bool {
    match (actual, pattern) {
        (Value::Object(x), Value::Object(y)) => y
            .iter()
            .all(|(k, v)| x.get(k).is_some_and(|w| json_includes(w, v))),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_includes(x, y))
        }
        _ => json_equal(actual, pattern),
    }
}

/// Both strings are instants (with a time and a zone) for the same moment.
pub fn same_instant(a: &str, b: &str) -> bool {
    match (parse_instant(a), parse_instant(b)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

pub fn parse_instant(text: &str) -> Option<jiff::Timestamp> {
    if !text.contains('T') {
        return None;
    }
    text.parse::<jiff::Timestamp>().ok()
}

pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A value as compact JSON, shortened for a console line.
pub fn show(value: &Value) -> String {
    shorten(&value.to_string(), 300)
}

pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(max).collect();
        format!("{cut}… ({} chars)", text.chars().count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tolerant_equality() {
        assert!(json_equal(&json!(1), &json!(1.0)));
        assert!(json_equal(
            &json!("2100-01-01T09:00:00Z"),
            &json!("2100-01-01T09:00:00+00:00")
        ));
        assert!(!json_equal(
            &json!("2100-01-01T09:00:00Z"),
            &json!("2100-01-01T09:30:00+00:00")
        ));
        assert!(json_equal(
            &json!({"a": 1, "b": [1, 2]}),
            &json!({"b": [1, 2], "a": 1})
        ));
        assert!(!json_equal(&json!([1, 2]), &json!([2, 1])));
        assert!(!json_equal(&json!("1"), &json!(1)));
    }

    #[test]
    fn includes_ignores_extra_members_only() {
        let reference = json!({"reference": "Location/1", "type": "Location", "display": "Main"});
        assert!(json_includes(
            &reference,
            &json!({"reference": "Location/1", "type": "Location"})
        ));
        assert!(!json_includes(
            &reference,
            &json!({"reference": "Location/2"})
        ));
        assert!(!json_includes(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
        assert!(json_includes(
            &json!({"c": [{"x": 1, "y": 2}]}),
            &json!({"c": [{"x": 1}]})
        ));
        assert!(!json_includes(
            &json!({"c": [{"x": 1}, {"x": 2}]}),
            &json!({"c": [{"x": 1}]})
        ));
    }
}
