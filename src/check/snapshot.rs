//! Snapshot normalization and comparison (pure): a response becomes text in one documented order —
//! select status + chosen headers (names lowercased; media-type parameters dropped; any scheme and
//! host before `/Appointment/` in `Location` → `[base]`) + body → sort object keys → redact volatile
//! values (UUIDs, the target's base URL, this run's ids and days) → pretty JSON → trim, LF — and is
//! compared with the stored text; a mismatch yields a unified diff (stored → observed).

use jiff::ToSpan;
use jiff::civil::Date;
use serde_json::{Map, Value};

use crate::exchange::Received;

/// The run-specific values to redact.
pub struct Redactions<'a> {
    pub base_url: &'a str,
    pub run_id: &'a str,
    pub case_id: &'a str,
    pub slot_day: Option<Date>,
    pub today: Option<Date>,
}

/// The normalized text of a response.
pub fn render(received: &Received, headers: &[String], redactions: &Redactions<'_>) -> String {
    let mut chosen = Map::new();
    let mut names: Vec<String> = headers.iter().map(|h| h.to_ascii_lowercase()).collect();
    names.sort();
    names.dedup();
    for name in names {
        if let Some(value) = received.header(&name) {
            let value = header_value(&name, value, redactions.base_url);
            chosen.insert(name, Value::String(value));
        }
    }
    let body = match &received.json {
        Some(json) => json.clone(),
        None if received.body.trim().is_empty() => Value::String(String::new()),
        None => Value::String(received.body.clone()),
    };
    let mut document = Map::new();
    document.insert("status".into(), Value::from(received.status));
    document.insert("headers".into(), Value::Object(chosen));
    document.insert("body".into(), sort_keys(body));
    let redacted = redact(Value::Object(document), redactions);
    let text = serde_json::to_string_pretty(&redacted).unwrap_or_default();
    normalize_text(&text)
}

/// A header's value as snapshots keep it: a media type without its parameters (`charset`,
/// `fhirVersion`: RFC 9110 §8.3.1), and a `Location` whose scheme and host (a proxy's upstream, say)
/// become `[base]`, like the target's own base URL.
fn header_value(name: &str, value: &str, base_url: &str) -> String {
    match name {
        "content-type" => value
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase(),
        "location" => {
            let base = base_url.trim_end_matches('/');
            if !base.is_empty() && value.starts_with(base) {
                return value.to_owned();
            }
            match (value.find("://"), value.find("/Appointment/")) {
                (Some(scheme), Some(at)) if scheme < at => format!("[base]{}", &value[at..]),
                _ => value.to_owned(),
            }
        }
        _ => value.to_owned(),
    }
}

/// Trailing whitespace trimmed, CRLF as LF: the comparison insta makes.
pub fn normalize_text(text: &str) -> String {
    text.trim_end().replace("\r\n", "\n")
}

fn sort_keys(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, sort_keys(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sort_keys).collect()),
        other => other,
    }
}

fn redact(value: Value, r: &Redactions<'_>) -> Value {
    match value {
        Value::String(text) => Value::String(redact_text(&text, r)),
        Value::Array(items) => Value::Array(items.into_iter().map(|v| redact(v, r)).collect()),
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k, redact(v, r))).collect())
        }
        other => other,
    }
}

fn redact_text(text: &str, r: &Redactions<'_>) -> String {
    let mut out = text.to_owned();
    if !r.base_url.is_empty() {
        out = out.replace(r.base_url.trim_end_matches('/'), "[base]");
    }
    // The case id contains the run id: replace the longer one first.
    if !r.case_id.is_empty() {
        out = out.replace(r.case_id, "[case_id]");
    }
    if !r.run_id.is_empty() {
        out = out.replace(r.run_id, "[run_id]");
    }
    out = uuid_pattern().replace_all(&out, "[uuid]").into_owned();
    date_pattern()
        .replace_all(&out, |caps: &regex::Captures<'_>| {
            let text = &caps[0];
            text.parse::<Date>()
                .ok()
                .and_then(|date| day_label(date, r))
                .unwrap_or_else(|| text.to_owned())
        })
        .into_owned()
}

fn day_label(date: Date, r: &Redactions<'_>) -> Option<String> {
    if let Some(slot) = r.slot_day {
        for offset in -3i64..=3 {
            if slot.checked_add(offset.days()).ok() == Some(date) {
                return Some(match offset {
                    0 => "[slot_day]".to_owned(),
                    n if n > 0 => format!("[slot_day+{n}d]"),
                    n => format!("[slot_day{n}d]"),
                });
            }
        }
    }
    (r.today == Some(date)).then(|| "[today]".to_owned())
}

fn uuid_pattern() -> &'static regex::Regex {
    static PATTERN: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    PATTERN.get_or_init(|| {
        regex::Regex::new(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
        )
        .unwrap_or_else(|_| unreachable!("a literal pattern"))
    })
}

fn date_pattern() -> &'static regex::Regex {
    static PATTERN: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    PATTERN.get_or_init(|| {
        regex::Regex::new(r"\d{4}-\d{2}-\d{2}")
            .unwrap_or_else(|_| unreachable!("a literal pattern"))
    })
}

/// A unified diff from the stored text to the observed one; `None` when they are equal.
pub fn diff(stored: &str, observed: &str) -> Option<String> {
    let stored = normalize_text(stored);
    let observed = normalize_text(observed);
    if stored == observed {
        return None;
    }
    let stored = format!("{stored}\n");
    let observed = format!("{observed}\n");
    Some(
        similar::TextDiff::from_lines(&stored, &observed)
            .unified_diff()
            .context_radius(3)
            .header("stored", "observed")
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::snapshot::DEFAULT_HEADERS;
    use serde_json::json;

    fn received(body: Value) -> Received {
        Received {
            status: 201,
            headers: vec![
                (
                    "Location".into(),
                    "http://127.0.0.1:4321/Appointment/4be5c594-cfbd-4b7c-a047-ee3b06881745".into(),
                ),
                ("Content-Type".into(), "application/json".into()),
                ("Date".into(), "Mon, 23 Nov 2026 21:00:00 GMT".into()),
            ],
            body: body.to_string(),
            json: Some(body),
            elapsed_ms: 3,
            truncated: None,
        }
    }

    #[test]
    fn normalizes_in_the_documented_order() {
        let redactions = Redactions {
            base_url: "http://127.0.0.1:4321",
            run_id: "ab12cd34",
            case_id: "ab12cd34-7",
            slot_day: Some(jiff::civil::date(2500, 1, 10)),
            today: None,
        };
        let body = json!({"z": 1, "start": "2500-01-11T09:00:00+00:00", "text": "hello ab12cd34-7 in ab12cd34", "a": {"y": 2, "b": 1}});
        let text = render(
            &received(body),
            &DEFAULT_HEADERS
                .iter()
                .map(|h| (*h).to_owned())
                .collect::<Vec<_>>(),
            &redactions,
        );
        let expected = r#"{
  "status": 201,
  "headers": {
    "content-type": "application/json",
    "location": "[base]/Appointment/[uuid]"
  },
  "body": {
    "a": {
      "b": 1,
      "y": 2
    },
    "start": "[slot_day+1d]T09:00:00+00:00",
    "text": "hello [case_id] in [run_id]",
    "z": 1
  }
}"#;
        assert_eq!(text, expected);
    }

    #[test]
    fn a_proxy_upstream_and_media_type_parameters_do_not_change_the_text() {
        let redactions = Redactions {
            base_url: "http://127.0.0.1:9999/fhir",
            run_id: "",
            case_id: "",
            slot_day: None,
            today: None,
        };
        let headers: Vec<String> = DEFAULT_HEADERS.iter().map(|h| (*h).to_owned()).collect();
        let mut upstream = received(json!(null));
        upstream.headers = vec![
            (
                "LOCATION".into(),
                "https://upstream.internal:8443/Appointment/4be5c594-cfbd-4b7c-a047-ee3b06881745"
                    .into(),
            ),
            (
                "content-type".into(),
                "Application/JSON; charset=utf-8".into(),
            ),
        ];
        let mut own = received(json!(null));
        own.headers = vec![
            (
                "Location".into(),
                "http://127.0.0.1:9999/fhir/Appointment/00000000-0000-4000-8000-000000000001"
                    .into(),
            ),
            ("Content-Type".into(), "application/json".into()),
        ];
        assert_eq!(
            render(&upstream, &headers, &redactions),
            render(&own, &headers, &redactions)
        );
        assert_eq!(
            header_value("content-type", "application/fhir+json;fhirVersion=4.0", ""),
            "application/fhir+json"
        );
        assert_eq!(
            header_value("location", "/Appointment/x/_history/1", "http://h"),
            "/Appointment/x/_history/1"
        );
    }

    #[test]
    fn diff_only_when_different() {
        assert_eq!(diff("a\nb\n", "a\nb"), None);
        let d = diff("a\nb\n", "a\nc\n").unwrap();
        assert!(d.contains("-b") && d.contains("+c"), "{d}");
    }
}
