//! `{{ name }}` templates in case files: parsing (for lint) and rendering against a [`Scope`] of
//! fixtures, case variables, captures and built-ins. `{{ slot + 30m }}` adds a duration to an instant.

use std::collections::BTreeMap;
use std::fmt;

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

/// A value a template variable can hold.
#[derive(Clone, Debug, PartialEq)]
pub enum Var {
    Text(String),
    Instant(Timestamp),
    Date(Date),
    Json(Value),
}

impl Var {
    fn render(&self) -> String {
        match self {
            Var::Text(text) => text.clone(),
            Var::Instant(ts) => ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
            Var::Date(date) => date.to_string(),
            Var::Json(Value::String(text)) => text.clone(),
            Var::Json(value) => value.to_string(),
        }
    }

    fn into_json(self) -> Value {
        match self {
            Var::Json(value) => value,
            other => Value::String(other.render()),
        }
    }
}

/// Variables visible to a step: later inserts shadow earlier ones.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    vars: BTreeMap<String, Var>,
}

impl Scope {
    pub fn insert(&mut self, name: impl Into<String>, var: Var) {
        self.vars.insert(name.into(), var);
    }

    pub fn get(&self, name: &str) -> Option<&Var> {
        self.vars.get(name)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.vars.contains_key(name)
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Part {
    Literal(String),
    Expr(Expr),
}

#[derive(Clone, Debug, PartialEq)]
struct Expr {
    name: String,
    offset: Option<SignedDuration>,
}

/// A parsed template string.
#[derive(Clone, Debug, PartialEq)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("unclosed `{{{{` in template")]
    Unclosed,
    #[error("invalid template expression `{0}`: expected `name`, `name + 30m` or `name - 1d`")]
    BadExpr(String),
    #[error("undefined variable `{0}`")]
    Undefined(String),
    #[error("cannot add a duration to `{0}`, which is neither an instant nor a date")]
    NotTime(String),
    #[error("a date offset must be whole days, not `{0}`")]
    PartialDay(String),
}

impl Template {
    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find("{{") {
            if open > 0 {
                parts.push(Part::Literal(rest[..open].to_owned()));
            }
            let after = &rest[open + 2..];
            let close = after.find("}}").ok_or(TemplateError::Unclosed)?;
            parts.push(Part::Expr(parse_expr(after[..close].trim())?));
            rest = &after[close + 2..];
        }
        if !rest.is_empty() {
            parts.push(Part::Literal(rest.to_owned()));
        }
        Ok(Template { parts })
    }

    /// The variable names the template uses.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|part| match part {
            Part::Expr(expr) => Some(expr.name.as_str()),
            Part::Literal(_) => None,
        })
    }

    pub fn is_literal(&self) -> bool {
        self.parts.iter().all(|p| matches!(p, Part::Literal(_)))
    }

    pub fn render(&self, scope: &Scope) -> Result<String, TemplateError> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Expr(expr) => out.push_str(&evaluate(expr, scope)?.render()),
            }
        }
        Ok(out)
    }

    /// Renders to JSON: a template that is exactly one expression keeps its variable's JSON type.
    pub fn render_json(&self, scope: &Scope) -> Result<Value, TemplateError> {
        match self.parts.as_slice() {
            [Part::Expr(expr)] => Ok(evaluate(expr, scope)?.into_json()),
            _ => Ok(Value::String(self.render(scope)?)),
        }
    }
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for part in &self.parts {
            match part {
                Part::Literal(text) => f.write_str(text)?,
                Part::Expr(expr) => write!(f, "{{{{ {} }}}}", expr.name)?,
            }
        }
        Ok(())
    }
}

/// Renders one string (shorthand for parse + render).
pub fn render_str(text: &str, scope: &Scope) -> Result<String, TemplateError> {
    Template::parse(text)?.render(scope)
}

/// Renders every string inside a JSON value; keys are left as written.
pub fn render_value(value: &Value, scope: &Scope) -> Result<Value, TemplateError> {
    Ok(match value {
        Value::String(text) => Template::parse(text)?.render_json(scope)?,
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| render_value(item, scope))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => {
            let mut out = serde_json::Map::new();
            for (key, item) in map {
                out.insert(key.clone(), render_value(item, scope)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

/// Every template inside a JSON value's strings, for lint.
pub fn templates_in(value: &Value, out: &mut Vec<Result<Template, TemplateError>>) {
    match value {
        Value::String(text) => out.push(Template::parse(text)),
        Value::Array(items) => items.iter().for_each(|item| templates_in(item, out)),
        Value::Object(map) => map.values().for_each(|item| templates_in(item, out)),
        _ => {}
    }
}

fn parse_expr(text: &str) -> Result<Expr, TemplateError> {
    let bad = || TemplateError::BadExpr(text.to_owned());
    let (name, offset) = match text.find(['+', '-']) {
        Some(at) => {
            let sign = if text[at..].starts_with('-') { -1 } else { 1 };
            let duration = parse_duration(text[at + 1..].trim()).ok_or_else(bad)?;
            (text[..at].trim(), Some(duration * sign))
        }
        None => (text, None),
    };
    let valid = !name.is_empty()
        && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    if !valid {
        return Err(bad());
    }
    Ok(Expr {
        name: name.to_owned(),
        offset,
    })
}

/// `30s`, `15m`, `2h`, `3d`.
fn parse_duration(text: &str) -> Option<SignedDuration> {
    let unit = text.chars().last()?;
    let amount: i64 = text[..text.len() - unit.len_utf8()].parse().ok()?;
    let seconds = match unit {
        's' => amount,
        'm' => amount.checked_mul(60)?,
        'h' => amount.checked_mul(3600)?,
        'd' => amount.checked_mul(86_400)?,
        _ => return None,
    };
    Some(SignedDuration::from_secs(seconds))
}

fn evaluate(expr: &Expr, scope: &Scope) -> Result<Var, TemplateError> {
    let var = scope
        .get(&expr.name)
        .ok_or_else(|| TemplateError::Undefined(expr.name.clone()))?;
    let Some(offset) = expr.offset else {
        return Ok(var.clone());
    };
    match var {
        Var::Instant(ts) => ts
            .checked_add(offset)
            .map(Var::Instant)
            .map_err(|_| TemplateError::NotTime(expr.name.clone())),
        Var::Date(date) => {
            let secs = offset.as_secs();
            if secs % 86_400 != 0 {
                return Err(TemplateError::PartialDay(format!("{offset:?}")));
            }
            date.checked_add(jiff::Span::new().days(secs / 86_400))
                .map(Var::Date)
                .map_err(|_| TemplateError::NotTime(expr.name.clone()))
        }
        Var::Text(_) | Var::Json(_) => Err(TemplateError::NotTime(expr.name.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> Scope {
        let mut scope = Scope::default();
        scope.insert("who", Var::Text("Ada".into()));
        scope.insert(
            "slot",
            Var::Instant("2100-03-04T09:00:00Z".parse().unwrap()),
        );
        scope.insert("day", Var::Date(jiff::civil::date(2100, 3, 4)));
        scope.insert("n", Var::Json(serde_json::json!(3)));
        scope
    }

    #[test]
    fn renders_text_and_offsets() {
        let s = scope();
        assert_eq!(render_str("hi {{ who }}!", &s).unwrap(), "hi Ada!");
        assert_eq!(
            render_str("{{slot + 30m}}", &s).unwrap(),
            "2100-03-04T09:30:00Z"
        );
        assert_eq!(
            render_str("{{ slot - 1d }}", &s).unwrap(),
            "2100-03-03T09:00:00Z"
        );
        assert_eq!(render_str("{{ day + 2d }}", &s).unwrap(), "2100-03-06");
    }

    #[test]
    fn single_expression_keeps_json_type() {
        let s = scope();
        let v = render_value(&serde_json::json!({"a": "{{ n }}", "b": "x{{ n }}"}), &s).unwrap();
        assert_eq!(v, serde_json::json!({"a": 3, "b": "x3"}));
    }

    #[test]
    fn errors_are_specific() {
        let s = scope();
        assert_eq!(
            render_str("{{ nope }}", &s),
            Err(TemplateError::Undefined("nope".into()))
        );
        assert_eq!(Template::parse("{{ who"), Err(TemplateError::Unclosed));
        assert!(matches!(
            Template::parse("{{ a b }}"),
            Err(TemplateError::BadExpr(_))
        ));
        assert!(matches!(
            render_str("{{ who + 1m }}", &s),
            Err(TemplateError::NotTime(_))
        ));
        assert!(matches!(
            render_str("{{ day + 1h }}", &s),
            Err(TemplateError::PartialDay(_))
        ));
    }
}
