//! The JSON path check (RFC 9535 through serde_json_path): equals, one_of, exists/absent, matches,
//! contains, length, count and type, all judged on the nodes the path selects.

use serde_json::Value;
use serde_json_path::JsonPath;

use crate::case::model::{JsonExpect, JsonType};
use crate::check::value::{json_equal, json_includes, show, type_name};
use crate::check::{CheckContext, Finding};
use crate::exchange::Received;
use crate::source::{Location, Pos};
use crate::template::render_value;

pub fn check(spec: &JsonExpect, ctx: &CheckContext<'_>, received: &Received) -> Vec<Finding> {
    let path_text = &spec.path.value;
    let at_path = ctx.at(Pos::of(&spec.path));
    let path = match JsonPath::parse(path_text) {
        Ok(path) => path,
        Err(e) => {
            return vec![Finding::error(
                "json",
                at_path,
                path_text.as_str(),
                e.to_string(),
            )];
        }
    };
    // A body that is not JSON holds no node: an expectation that only asks for none holds.
    let asks_only_absence = spec.absent.as_ref().is_some_and(|a| a.value)
        || spec.exists.as_ref().is_some_and(|e| !e.value) && spec.absent.is_none();
    let only_presence = spec.equals.is_none()
        && spec.one_of.is_none()
        && spec.matches.is_none()
        && spec.contains.is_none()
        && spec.length.is_none()
        && spec.count.is_none()
        && spec.kind.is_none();
    if received.json.is_none() && asks_only_absence && only_presence {
        return Vec::new();
    }
    let Some(body) = &received.json else {
        let actual = if received.body.trim().is_empty() {
            "an empty body".to_owned()
        } else {
            "a body that is not JSON".to_owned()
        };
        return vec![Finding::fail(
            "json",
            at_path,
            path_text.as_str(),
            "a JSON body",
            actual,
        )];
    };
    let nodes = path.query(body).all();
    let mut judge = Judge {
        ctx,
        subject: path_text,
        nodes: &nodes,
        findings: Vec::new(),
    };
    if let Some(exists) = &spec.exists {
        judge.presence(exists.value, ctx.at(Pos::of(exists)));
    }
    if let Some(absent) = &spec.absent {
        judge.presence(!absent.value, ctx.at(Pos::of(absent)));
    }
    if let Some(count) = &spec.count
        && nodes.len() as u64 != count.value
    {
        judge.fail(
            ctx.at(Pos::of(count)),
            format!("{} node(s)", count.value),
            format!("{} node(s)", nodes.len()),
        );
    }
    if let Some(equals) = &spec.equals {
        let location = ctx.at(Pos::of(equals));
        if let Some(expected) = judge.render(&equals.value, &location)
            && let Some(node) = judge.single(&location, &show(&expected))
            && !json_equal(node, &expected)
        {
            judge.fail(location, show(&expected), show(node));
        }
    }
    if let Some(options) = &spec.one_of {
        let location = ctx.at(Pos::of(options));
        let rendered: Option<Vec<Value>> = options
            .value
            .iter()
            .map(|o| judge.render(o, &location))
            .collect();
        if let Some(rendered) = rendered {
            let expected = format!("one of {}", show(&Value::Array(rendered.clone())));
            if let Some(node) = judge.single(&location, &expected)
                && !rendered.iter().any(|o| json_equal(node, o))
            {
                judge.fail(location, expected, show(node));
            }
        }
    }
    if let Some(pattern) = &spec.matches {
        let location = ctx.at(Pos::of(pattern));
        if let Some(Value::String(pattern_text)) =
            judge.render(&Value::String(pattern.value.clone()), &location)
        {
            let expected = format!("matching /{pattern_text}/");
            match crate::case::pattern::compiled(&pattern_text) {
                Ok(regex) => {
                    if let Some(node) = judge.single(&location, &expected) {
                        let text = match node {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        if !regex.is_match(&text) {
                            judge.fail(location, expected, show(node));
                        }
                    }
                }
                Err(e) => judge.findings.push(Finding::error(
                    "json",
                    location,
                    path_text.as_str(),
                    e.to_string(),
                )),
            }
        }
    }
    if let Some(contains) = &spec.contains {
        let location = ctx.at(Pos::of(contains));
        if let Some(item) = judge.render(&contains.value, &location) {
            let holds = match nodes.as_slice() {
                [Value::Array(items)] => items.iter().any(|i| json_includes(i, &item)),
                [Value::String(text)] => item.as_str().is_some_and(|needle| text.contains(needle)),
                many => many.iter().any(|n| json_includes(n, &item)),
            };
            if !holds {
                let actual = match nodes.as_slice() {
                    [single] => show(single),
                    many => show(&Value::Array(many.iter().map(|v| (*v).clone()).collect())),
                };
                judge.fail(location, format!("containing {}", show(&item)), actual);
            }
        }
    }
    if let Some(length) = &spec.length {
        let location = ctx.at(Pos::of(length));
        let expected = format!("length {}", length.value);
        if let Some(node) = judge.single(&location, &expected) {
            let actual = match node {
                Value::Array(items) => Some(items.len()),
                Value::String(text) => Some(text.chars().count()),
                Value::Object(map) => Some(map.len()),
                _ => None,
            };
            match actual {
                Some(n) if n as u64 == length.value => {}
                Some(n) => judge.fail(location, expected, format!("length {n}")),
                None => judge.fail(
                    location,
                    expected,
                    format!("a {} without length", type_name(node)),
                ),
            }
        }
    }
    if let Some(kind) = &spec.kind {
        let location = ctx.at(Pos::of(kind));
        let expected = format!("a {}", kind.value.as_str());
        if let Some(node) = judge.single(&location, &expected) {
            let ok = match kind.value {
                JsonType::Number => node.is_number(),
                JsonType::Integer => node.is_i64() || node.is_u64(),
                JsonType::String => node.is_string(),
                JsonType::Boolean => node.is_boolean(),
                JsonType::Array => node.is_array(),
                JsonType::Object => node.is_object(),
                JsonType::Null => node.is_null(),
            };
            if !ok {
                judge.fail(
                    location,
                    expected,
                    format!("a {}: {}", type_name(node), show(node)),
                );
            }
        }
    }
    judge.findings
}

struct Judge<'a> {
    ctx: &'a CheckContext<'a>,
    subject: &'a str,
    nodes: &'a [&'a Value],
    findings: Vec<Finding>,
}

impl<'a> Judge<'a> {
    fn fail(&mut self, location: Location, expected: impl Into<String>, actual: impl Into<String>) {
        self.findings.push(Finding::fail(
            "json",
            location,
            self.subject,
            expected,
            actual,
        ));
    }

    fn presence(&mut self, want: bool, location: Location) {
        match (want, self.nodes.is_empty()) {
            (true, true) => self.fail(location, "at least one node", "no node"),
            (false, false) => {
                let actual = format!(
                    "{} node(s), first {}",
                    self.nodes.len(),
                    show(self.nodes[0])
                );
                self.fail(location, "no node", actual);
            }
            _ => {}
        }
    }

    /// The one node the path must select for a single-value expectation.
    fn single(&mut self, location: &Location, expected: &str) -> Option<&'a Value> {
        let nodes: &'a [&'a Value] = self.nodes;
        match nodes {
            [node] => Some(*node),
            [] => {
                self.fail(location.clone(), expected, "no node at this path");
                None
            }
            many => {
                self.fail(
                    location.clone(),
                    expected,
                    format!("{} nodes (expected exactly one)", many.len()),
                );
                None
            }
        }
    }

    fn render(&mut self, value: &Value, location: &Location) -> Option<Value> {
        match render_value(value, self.ctx.scope) {
            Ok(value) => Some(value),
            Err(e) => {
                self.findings.push(Finding::error(
                    "json",
                    location.clone(),
                    self.subject,
                    e.to_string(),
                ));
                None
            }
        }
    }
}
