//! Turns a request template into the concrete request to send, rendering every `{{ … }}`.

use serde_json::Value;

use crate::case::model::{AuthMode, Method, RequestSpec};
use crate::template::{Scope, TemplateError, render_str, render_value};

/// A rendered request, not yet sent.
#[derive(Clone, Debug)]
pub struct Outgoing {
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    pub auth: AuthMode,
}

impl Outgoing {
    /// A GET without extra headers or body.
    pub fn get(path: String, query: Vec<(String, String)>, auth: AuthMode) -> Outgoing {
        Outgoing {
            method: Method::Get,
            path,
            query,
            headers: Vec::new(),
            body: None,
            auth,
        }
    }
}

pub fn render_request(spec: &RequestSpec, scope: &Scope) -> Result<Outgoing, TemplateError> {
    let mut query = Vec::new();
    if let Some(Value::Object(map)) = spec.query.as_ref().map(|q| &q.value) {
        for (name, value) in map {
            let values: Vec<&Value> = match value {
                Value::Array(items) => items.iter().collect(),
                other => vec![other],
            };
            for value in values {
                let text = match value {
                    Value::String(text) => render_str(text, scope)?,
                    other => other.to_string(),
                };
                query.push((name.clone(), text));
            }
        }
    }
    let mut headers = Vec::new();
    for (name, value) in &spec.headers {
        headers.push((name.clone(), render_str(&value.value, scope)?));
    }
    let body = match (&spec.body, &spec.raw_body) {
        (Some(body), _) => Some(render_value(&body.value, scope)?.to_string()),
        (None, Some(raw)) => Some(render_str(&raw.value, scope)?),
        (None, None) => None,
    };
    Ok(Outgoing {
        method: spec.method.value,
        path: render_str(&spec.path.value, scope)?,
        query,
        headers,
        body,
        auth: spec.auth.as_ref().map(|a| a.value).unwrap_or_default(),
    })
}

/// `path?a=b&c=d`, form-encoded as browsers and Canvas do (`/` becomes `%2F`).
pub fn path_and_query(path: &str, query: &[(String, String)]) -> String {
    if query.is_empty() {
        return path.to_owned();
    }
    let encoded = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(query.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .finish();
    format!("{path}?{encoded}")
}
