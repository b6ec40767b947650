//! `report.html`: one self-contained page (inline CSS, no script, no external URL) rendered from the
//! report model with minijinja's HTML auto-escaping; the template is `report.html.j2` beside this.

use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment, Output, State, Value, context};
use serde::Serialize;

use crate::report::model::Report;

/// The HTML report's file name (TestReport links to its anchors).
pub const HTML_FILE: &str = "report.html";

const TEMPLATE: &str = include_str!("report.html.j2");
/// The name decides auto-escaping: minijinja escapes HTML for `.html` templates.
const TEMPLATE_NAME: &str = "report.html";
/// Longest body shown in a transcript; the whole body is in report.json.
const BODY_CHARS: usize = 32 * 1024;

/// The HTML page for a report.
pub fn render(report: &Report) -> Result<String, minijinja::Error> {
    let mut env = Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::SemiStrict);
    env.set_formatter(escape_text);
    env.add_filter("diff_lines", diff_lines);
    env.add_filter("body", body);
    env.add_filter("seconds", seconds);
    env.add_filter("slug", slug);
    env.add_filter("code_spans", code_spans);
    env.add_template(TEMPLATE_NAME, TEMPLATE)?;
    let template = env.get_template(TEMPLATE_NAME)?;
    template.render(context! {
        report => Value::from(Serde(report)),
        ok => report.ok(),
        verdict_word => report.verdict.word(),
        headline => report.verdict.headline(),
    })
}

/// Auto-escaping for strings: `& < > " '` become entities (enough inside text and quoted
/// attributes), while `/` stays readable so `file:line:col` can be searched in the page source.
/// Everything else (numbers, safe macro output) goes through minijinja's own formatter.
fn escape_text(out: &mut Output, state: &mut State, value: &Value) -> Result<(), minijinja::Error> {
    match value.as_str() {
        Some(text) if !value.is_safe() && matches!(state.auto_escape(), AutoEscape::Html) => {
            out.write_str(&escape_html(text))?;
            Ok(())
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}

fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// Prose from the catalogue with its `backticked` words set as `<code>`: escaped first, so the
/// only markup in the result is the `<code>` pairs this adds. An unpaired backtick stays as is.
fn code_spans(text: &str) -> Value {
    let parts: Vec<&str> = text.split('`').collect();
    let mut html = String::with_capacity(text.len() + 16);
    let pairs = (parts.len() - 1) / 2;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            let opening = i % 2 == 1;
            if i > pairs * 2 {
                html.push('`');
            } else {
                html.push_str(if opening { "<code>" } else { "</code>" });
            }
        }
        html.push_str(&escape_html(part));
    }
    Value::from_safe_string(html)
}

#[derive(Serialize)]
struct DiffLine {
    kind: &'static str,
    text: String,
}

/// A unified diff as lines tagged `add`, `del`, `hunk` or `same`, for colouring.
fn diff_lines(diff: &str) -> Vec<Value> {
    diff.lines()
        .map(|line| {
            let kind = if line.starts_with("+++") || line.starts_with("---") {
                "file"
            } else if line.starts_with('+') {
                "add"
            } else if line.starts_with('-') {
                "del"
            } else if line.starts_with("@@") {
                "hunk"
            } else {
                "same"
            };
            Value::from(Serde(DiffLine {
                kind,
                text: line.to_owned(),
            }))
        })
        .collect()
}

/// A body for a transcript: JSON pretty-printed, anything cut at [`BODY_CHARS`].
fn body(text: &str) -> String {
    let pretty = serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .filter(|v| v.is_object() || v.is_array())
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| text.to_owned());
    let total = pretty.chars().count();
    if total <= BODY_CHARS {
        return pretty;
    }
    let mut cut: String = pretty.chars().take(BODY_CHARS).collect();
    cut.push_str(&format!(
        "\n… {} more characters (the whole body is in report.json)",
        total - BODY_CHARS
    ));
    cut
}

fn seconds(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.2} s", ms as f64 / 1000.0)
    }
}

/// An id-safe form of a name, the HTML report's anchor form (TestReport links to it): ASCII
/// alphanumerics, `-` and `_` kept (lowercased), anything else `-` (`create/location` →
/// `create-location`).
pub(crate) fn slug(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::model::tests::report;

    /// The whole page of a fixed run (fixed run id, times and targets), as insta pins it.
    #[test]
    fn a_fixed_run_renders_as_pinned() {
        insta::assert_snapshot!(render(&report()).expect("html"));
    }

    #[test]
    fn renders_every_section_with_stable_ids() {
        let html = render(&report()).expect("html");
        assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
        for id in [
            r#"id="summary""#,
            r#"id="behaviours""#,
            r#"id="contradictions""#,
            r#"id="failures""#,
            r#"id="drift""#,
            r#"id="cleanup""#,
            r#"id="cases""#,
        ] {
            assert!(html.contains(id), "missing {id}");
        }
        assert!(
            html.contains(r#"<tr data-behaviour="A-1" data-verdict="fail""#),
            "{html}"
        );
        assert!(
            html.contains(r#"<tr data-behaviour="C-3" data-verdict="skipped""#),
            "{html}"
        );
        assert_eq!(html.matches(r#"class="failure""#).count(), 1, "{html}");
        assert!(html.contains("cases/read/b.yaml:12:7"), "{html}");
        assert!(html.contains("left-2"), "{html}");
        assert!(html.contains("take the first"), "{html}");
    }

    #[test]
    fn escapes_everything_from_the_run() {
        let html = render(&report()).expect("html");
        assert!(
            !html.contains("<script"),
            "a finding's markup must be escaped"
        );
        assert!(
            html.contains("&quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;"),
            "{html}"
        );
        assert!(
            !html.contains("<b>two</b>"),
            "catalogue text is escaped too"
        );
        assert!(!html.contains("<x>"), "diffs are escaped");
        assert!(!html.contains("<maps>"), "step names are escaped");
    }

    #[test]
    fn is_self_contained() {
        let html = render(&report()).expect("html");
        for needle in [
            "http://www",
            "https://",
            "<script",
            "<link",
            "src=",
            "@import",
        ] {
            assert!(!html.contains(needle), "found {needle}");
        }
    }

    #[test]
    fn helpers() {
        assert_eq!(slug("create/Location x"), "create-location-x");
        assert_eq!(
            code_spans("a `<b>` and `c` then ` odd").to_string(),
            "a <code>&lt;b&gt;</code> and <code>c</code> then ` odd"
        );
        assert_eq!(
            escape_html(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(seconds(999), "999 ms");
        assert_eq!(seconds(1234), "1.23 s");
        assert_eq!(body("{\"a\":1}"), "{\n  \"a\": 1\n}");
        assert_eq!(body("plain"), "plain");
        assert!(
            body(&"x".repeat(BODY_CHARS + 5))
                .ends_with("5 more characters (the whole body is in report.json)")
        );
    }
}
