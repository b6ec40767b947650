//! Turns a request template into the concrete request to send, rendering every `{{ … }}`.

use serde_json::Value;

use crate::case::model::{AuthMode, Method, RequestSpec, TokenAsk};
use crate::target::TokenFields;
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
    /// The token this request is about: the one it carries (`auth: { scope, patient }`), or the
    /// one it asks the target's token URL for (a token request).
    pub token: Option<TokenUse>,
}

/// What a request does with a token of its own scope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenUse {
    /// It carries a token with these form fields ([`AuthMode::Scoped`]).
    Bearer(TokenFields),
    /// It is the token request itself, with these form fields beside the client's credentials.
    Request(TokenFields),
}

impl Outgoing {
    /// The form fields of a token request, when this is one.
    pub fn token_request(&self) -> Option<&TokenFields> {
        match &self.token {
            Some(TokenUse::Request(fields)) => Some(fields),
            _ => None,
        }
    }

    /// The form fields of the token this request carries under `auth: read_only` or
    /// `auth: { scope, patient }`.
    pub fn scoped_bearer(&self) -> TokenFields {
        match &self.token {
            Some(TokenUse::Bearer(fields)) => fields.clone(),
            _ => TokenFields::read_only(),
        }
    }
}

fn render_ask(ask: &TokenAsk, scope: &Scope) -> Result<TokenFields, TemplateError> {
    let field = |text: &Option<serde_saphyr::Spanned<String>>| {
        text.as_ref()
            .map(|t| render_str(&t.value, scope))
            .transpose()
    };
    Ok(TokenFields {
        scope: field(&ask.scope)?,
        patient: field(&ask.patient)?,
    })
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
            token: None,
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
    let token = match (
        &spec.token,
        spec.auth.as_ref().and_then(|a| a.value.token()),
    ) {
        (Some(ask), _) => Some(TokenUse::Request(render_ask(&ask.value, scope)?)),
        (None, Some(ask)) => Some(TokenUse::Bearer(render_ask(ask, scope)?)),
        (None, None) => None,
    };
    let path = match &spec.path {
        Some(path) => render_str(&path.value, scope)?,
        None => String::new(),
    };
    Ok(Outgoing {
        method: spec.method(),
        path,
        query,
        headers,
        body,
        auth: if spec.is_token_request() {
            AuthMode::None
        } else {
            spec.auth_mode()
        },
        token,
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
