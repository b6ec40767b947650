//! Lint: everything that can be known about a case without sending a request: behaviour IDs exist,
//! templates parse and name known variables, JSON paths and regexes compile, the write guard is
//! declared. Every problem becomes a diagnostic pointing at its line and column.

use std::collections::BTreeSet;

use serde_json::Value;
use serde_saphyr::Spanned;

use crate::case::load::Case;
use crate::case::model::{Checked, Deviation, Expect, Method, RequestSpec, Step, TokenAsk};
use crate::case::names::{BUILTINS, FIXTURE_KEYS};
use crate::edition::Edition;
use crate::source::{Diagnostic, Pos};
use crate::template::{Template, templates_in};

/// What lint checks against.
pub struct LintContext<'a> {
    /// Known behaviour IDs (from the catalogue of the edition the cases are linted for).
    pub behaviour_ids: &'a BTreeSet<String>,
    /// That edition: a case serving both is linted once per edition.
    pub edition: Edition,
}

/// Lints every case, and the set of cases (unique names).
pub fn lint_all(cases: &[Case], ctx: &LintContext<'_>) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let mut seen: Vec<(&str, &Case)> = Vec::new();
    for case in cases {
        if let Some((_, first)) = seen.iter().find(|(name, _)| *name == case.name()) {
            diagnostics.push(case.diagnostic(
                Pos::of(&case.spec.name),
                format!(
                    "duplicate case name `{}` (also in {})",
                    case.name(),
                    first.file
                ),
            ));
        } else {
            seen.push((case.name(), case));
        }
        diagnostics.extend(lint_case(case, ctx));
    }
    diagnostics
}

/// Lints one case.
pub fn lint_case(case: &Case, ctx: &LintContext<'_>) -> Vec<Diagnostic> {
    let mut lint = Lint {
        case,
        out: Vec::new(),
    };
    lint.case(ctx);
    lint.out
}

struct Lint<'a> {
    case: &'a Case,
    out: Vec<Diagnostic>,
}

impl Lint<'_> {
    fn error(&mut self, pos: Pos, message: impl Into<String>) {
        self.out.push(self.case.diagnostic(pos, message));
    }

    fn case(&mut self, ctx: &LintContext<'_>) {
        let spec = &self.case.spec;
        let name = &spec.name.value;
        let valid_name = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | '.'));
        if !valid_name {
            self.error(
                Pos::of(&spec.name),
                format!("case name `{name}` must be non-empty and use only letters, digits, `-`, `_`, `/`, `.`"),
            );
        }
        if spec.behaviours.value.is_empty() {
            self.error(
                Pos::of(&spec.behaviours),
                "a case must name at least one behaviour ID",
            );
        }
        for id in &spec.behaviours.value {
            self.behaviour_id(id, ctx);
        }
        let mut known: BTreeSet<String> = BUILTINS
            .iter()
            .chain(FIXTURE_KEYS)
            .map(|(k, _)| (*k).to_owned())
            .collect();
        for (var, value) in &spec.vars {
            self.template(&value.value, Pos::of(value), &known);
            known.insert(var.clone());
        }
        if spec.steps.value.is_empty() {
            self.error(Pos::of(&spec.steps), "a case needs at least one step");
        }
        let mut step_names: BTreeSet<&str> = BTreeSet::new();
        let mut writes = None;
        for step in &spec.steps.value {
            if !step_names.insert(step.name.value.as_str()) {
                self.error(
                    Pos::of(&step.name),
                    format!("duplicate step name `{}`", step.name.value),
                );
            }
            if let Some(method) = &step.request.method
                && method.value != Method::Get
                && writes.is_none()
            {
                writes = Some(Pos::of(method));
            }
            self.step(step, &known);
            for id in crate::case::uses::behaviour_names(step) {
                self.behaviour_id(id, ctx);
            }
            for name in step.capture.keys() {
                known.insert(name.clone());
            }
        }
        if let Some(pos) = writes
            && !spec.requires.writes
        {
            self.error(
                pos,
                "this step creates or changes data: declare `requires: { writes: true }` so the write guard applies",
            );
        }
    }

    /// A behaviour ID (of the case or of an expectation) must be in the catalogue.
    fn behaviour_id(&mut self, id: &Spanned<String>, ctx: &LintContext<'_>) {
        if !ctx.behaviour_ids.contains(&id.value) {
            self.error(
                Pos::of(id),
                format!(
                    "unknown behaviour ID `{}` (not in the {} requirements catalogue)",
                    id.value, ctx.edition
                ),
            );
        }
    }

    fn step(&mut self, step: &Step, known: &BTreeSet<String>) {
        match (
            &step.request.method,
            &step.request.path,
            &step.request.token,
        ) {
            (Some(_), Some(_), None) => self.request(&step.request, known),
            (None, None, Some(token)) => self.token_request(&step.request, token, known),
            (_, _, Some(token)) => self.error(
                Pos::of(token),
                "a token request has no `method` or `path`: it goes to the target's token URL",
            ),
            (None, Some(path), None) => self.error(
                Pos::of(path),
                "missing field `method` beside `path` (or write `token:` for a token request)",
            ),
            (None, None, None) => self.error(
                Pos::of(&step.name),
                "the request needs a `method` and a `path` (or `token` for a token request)",
            ),
            (Some(_), None, None) => self.error(
                Pos::of(&step.name),
                "the request needs a `path` beside its `method`",
            ),
        }
        if let Some(auth) = &step.request.auth
            && let Some(ask) = auth.value.token()
        {
            self.token_ask(ask, Pos::of(auth), true, known);
        }
        self.expect(&step.expect, &step.request, known);
        for capture in step.capture.values() {
            self.problems(capture);
        }
    }

    /// A token request (`token: { scope, patient }`): no body, query, headers or auth of its own.
    fn token_request(
        &mut self,
        request: &RequestSpec,
        token: &Spanned<TokenAsk>,
        known: &BTreeSet<String>,
    ) {
        let extras = [
            (request.query.as_ref().map(Pos::of), "query"),
            (request.body.as_ref().map(Pos::of), "body"),
            (request.raw_body.as_ref().map(Pos::of), "raw_body"),
            (request.auth.as_ref().map(Pos::of), "auth"),
            (
                request
                    .deliberately_invalid
                    .first()
                    .map(|d| Pos::of(&d.element)),
                "deliberately_invalid",
            ),
        ];
        for (pos, key) in extras {
            if let Some(pos) = pos {
                self.error(
                    pos,
                    format!("a token request sends only its form fields: no `{key}`"),
                );
            }
        }
        if !request.headers.is_empty() {
            self.error(
                Pos::of(token),
                "a token request sends only its form fields: no `headers`",
            );
        }
        self.token_ask(&token.value, Pos::of(token), false, known);
    }

    /// The form fields of a token: templates; `scope` required for `auth` (a token of the
    /// client's own scope is `auth: target`).
    fn token_ask(&mut self, ask: &TokenAsk, at: Pos, needs_scope: bool, known: &BTreeSet<String>) {
        if needs_scope && ask.scope.is_none() {
            self.error(
                at,
                "`auth: { scope, patient }` names the scope of its token (the client's own is `auth: target`)",
            );
        }
        for text in ask.texts() {
            if text.value.trim().is_empty() {
                self.error(Pos::of(text), "an empty form field: leave it out instead");
            }
            self.template(&text.value, Pos::of(text), known);
        }
    }

    fn request(&mut self, request: &RequestSpec, known: &BTreeSet<String>) {
        let (Some(path), Some(method)) = (&request.path, &request.method) else {
            return;
        };
        if !path.value.starts_with('/') {
            self.error(
                Pos::of(path),
                "a request path starts with `/` (it is joined to the target's base URL)",
            );
        }
        if path.value.contains('?') {
            self.error(
                Pos::of(path),
                "put query parameters under `query:`, not in the path",
            );
        }
        self.template(&path.value, Pos::of(path), known);
        if let Some(query) = &request.query {
            match &query.value {
                Value::Object(map) => {
                    for value in map.values() {
                        let scalar = |v: &Value| {
                            matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_))
                        };
                        let ok = match value {
                            Value::Array(items) => !items.is_empty() && items.iter().all(scalar),
                            other => scalar(other),
                        };
                        if !ok {
                            self.error(Pos::of(query), "a query value is a string, a number, or a non-empty list of those (to repeat the parameter)");
                        }
                    }
                    self.json_templates(&query.value, Pos::of(query), known);
                }
                _ => self.error(
                    Pos::of(query),
                    "`query` is a mapping of parameter names to values",
                ),
            }
        }
        for value in request.headers.values() {
            self.template(&value.value, Pos::of(value), known);
        }
        if let Some(body) = &request.body {
            if request.raw_body.is_some() {
                self.error(Pos::of(body), "use either `body` or `raw_body`, not both");
            }
            self.json_templates(&body.value, Pos::of(body), known);
        }
        if let Some(raw) = &request.raw_body {
            self.template(&raw.value, Pos::of(raw), known);
        }
        let has_body = request.body.is_some() || request.raw_body.is_some();
        if method.value == Method::Get && has_body {
            self.error(Pos::of(method), "a GET request has no body");
        }
        self.deliberately_invalid(request, has_body);
    }

    /// `deliberately_invalid`: FHIR element paths from `Appointment`, each once, with a reason;
    /// only on a request with a body, and `partial` only on a PUT.
    fn deliberately_invalid(&mut self, request: &RequestSpec, has_body: bool) {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        for item in &request.deliberately_invalid {
            let element = item.element.value.as_str();
            let segments_ok = element.strip_prefix("Appointment").is_some_and(|rest| {
                rest.is_empty()
                    || rest.strip_prefix('.').is_some_and(|path| {
                        path.split('.').all(|segment| {
                            !segment.is_empty()
                                && segment
                                    .chars()
                                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
                        })
                    })
            });
            if !segments_ok {
                self.error(
                    Pos::of(&item.element),
                    format!("`{element}` is not a FHIR element path: write `Appointment` (the whole body) or `Appointment.<element>[.<element>…]`, e.g. `Appointment.participant.status`"),
                );
            }
            if !seen.insert(element) {
                self.error(
                    Pos::of(&item.element),
                    format!("`{element}` is declared twice"),
                );
            }
            if item.why.value.trim().is_empty() {
                self.error(
                    Pos::of(&item.why),
                    "say why the body is invalid there (the behaviour it serves)",
                );
            }
            if !has_body {
                self.error(
                    Pos::of(&item.element),
                    "`deliberately_invalid` describes a body, and this request sends none",
                );
            }
            if item.how.value == Deviation::Partial && request.method() != Method::Put {
                self.error(
                    Pos::of(&item.how),
                    "`partial` is a partial update: only a PUT body can be one",
                );
            }
        }
    }

    fn expect(&mut self, expect: &Expect, request: &RequestSpec, known: &BTreeSet<String>) {
        if let Some(decision) = &expect.decision {
            let id = &decision.value;
            let well_formed =
                id.len() > 1 && id.starts_with('D') && id[1..].bytes().all(|b| b.is_ascii_digit());
            if !well_formed {
                self.error(
                    Pos::of(decision),
                    format!(
                        "decision `{id}` is not a decision ID (D1, D2, … of BEHAVIOURS-CURRENT.md)"
                    ),
                );
            }
        }
        if let Some(status) = &expect.status {
            self.problems(status);
        }
        for header in &expect.headers {
            if header.present.is_none() && header.equals.is_none() && header.matches.is_none() {
                self.error(
                    Pos::of(&header.name),
                    "a header expectation needs `present`, `equals` or `matches`",
                );
            }
            if let Some(equals) = &header.equals {
                self.template(&equals.value, Pos::of(equals), known);
            }
            if let Some(pattern) = &header.matches {
                self.regex(pattern, known);
            }
        }
        for item in &expect.json {
            if let Err(e) = serde_json_path::JsonPath::parse(&item.path.value) {
                self.error(
                    Pos::of(&item.path),
                    format!("invalid JSON path `{}`: {e}", item.path.value),
                );
            } else if has_descendant_segment(&item.path.value) {
                self.error(
                    Pos::of(&item.path),
                    format!(
                        "`..` in `{}` selects at any depth, also inside legal extras a resource may \
                         carry (narrative `text`, `meta`, `extension`, `contained`): name the element's path",
                        item.path.value
                    ),
                );
            }
            let any = item.equals.is_some()
                || item.one_of.is_some()
                || item.exists.is_some()
                || item.absent.is_some()
                || item.matches.is_some()
                || item.contains.is_some()
                || item.length.is_some()
                || item.count.is_some()
                || item.kind.is_some();
            if !any {
                self.error(Pos::of(&item.path), "a json expectation needs at least one of equals, one_of, exists, absent, matches, contains, length, count, type");
            }
            for value in [&item.equals, &item.contains].into_iter().flatten() {
                self.json_templates(&value.value, Pos::of(value), known);
            }
            if let Some(values) = &item.one_of {
                for value in &values.value {
                    self.json_templates(value, Pos::of(values), known);
                }
            }
            if let Some(pattern) = &item.matches {
                self.regex(pattern, known);
            }
        }
        if let Some(outcome) = &expect.outcome {
            for text in [
                &outcome.value.severity,
                &outcome.value.code,
                &outcome.value.text,
            ]
            .into_iter()
            .flatten()
            {
                self.template(&text.value, Pos::of(text), known);
            }
        }
        if let Some(snapshot) = &expect.snapshot {
            self.problems(snapshot);
        }
        if let Some(search) = &expect.search {
            let is_search = request.method.as_ref().map(|m| m.value) == Some(Method::Get)
                && request.path_text() == "/Appointment";
            if !is_search {
                self.error(
                    Pos::of(search),
                    "`search` expectations apply to `GET /Appointment` only",
                );
            }
            if let Some(ids) = &search.value.ids {
                for id in &ids.value {
                    self.template(&id.value, Pos::of(id), known);
                }
            }
        }
    }

    /// The problems a value typed at load was found to have, each at its own position (the
    /// value's own when the problem is with the whole of it).
    fn problems<T>(&mut self, value: &Spanned<Checked<T>>) {
        for problem in value.value.problems() {
            let pos = problem.at.unwrap_or_else(|| Pos::of(value));
            self.error(pos, problem.message.clone());
        }
    }

    fn regex(&mut self, pattern: &Spanned<String>, known: &BTreeSet<String>) {
        if self.template(&pattern.value, Pos::of(pattern), known)
            && let Err(e) = crate::case::pattern::compiled(&pattern.value)
        {
            // regex errors span several lines (pattern, caret, reason); the reason is the last.
            let text = e.to_string();
            let reason = text
                .lines()
                .last()
                .unwrap_or_default()
                .trim_start_matches("error: ");
            self.error(
                Pos::of(pattern),
                format!("invalid regular expression `{}`: {reason}", pattern.value),
            );
        }
    }

    /// Returns true when the text holds no template (so it can be checked further as written).
    fn template(&mut self, text: &str, pos: Pos, known: &BTreeSet<String>) -> bool {
        match Template::parse(text) {
            Ok(template) => {
                for name in template.names() {
                    if !known.contains(name) {
                        self.error(pos, undefined_message(name, known));
                    }
                }
                template.is_literal()
            }
            Err(e) => {
                self.error(pos, e.to_string());
                false
            }
        }
    }

    fn json_templates(&mut self, value: &Value, pos: Pos, known: &BTreeSet<String>) {
        let mut templates = Vec::new();
        templates_in(value, &mut templates);
        for template in templates {
            match template {
                Ok(template) => {
                    for name in template.names() {
                        if !known.contains(name) {
                            let at = self.template_position(pos, name);
                            self.error(at, undefined_message(name, known));
                        }
                    }
                }
                Err(e) => self.error(pos, e.to_string()),
            }
        }
    }

    /// Where inside a YAML value (a body, a query) the template naming `name` is written: the
    /// first `{{ … name … }}` at or after the value's start, else the value's start.
    fn template_position(&self, from: Pos, name: &str) -> Pos {
        let lines = self
            .case
            .source
            .lines()
            .enumerate()
            .skip(from.line.saturating_sub(1) as usize);
        for (index, line) in lines {
            let mut search = 0;
            while let Some(open) = line[search..].find("{{").map(|at| search + at) {
                let close = line[open..].find("}}").map_or(line.len(), |at| open + at);
                let inside = &line[open + 2..close];
                if inside
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .any(|word| word == name)
                {
                    return Pos {
                        line: index as u32 + 1,
                        col: line[..open].chars().count() as u32 + 1,
                    };
                }
                search = close.min(line.len());
                if search >= line.len() {
                    break;
                }
            }
        }
        from
    }
}

/// Whether a JSON path has a descendant segment (`..`) outside its string literals (RFC 9535 §2.5.2).
fn has_descendant_segment(path: &str) -> bool {
    let mut quote: Option<char> = None;
    let mut previous = '\0';
    let mut escaped = false;
    for c in path.chars() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == '.' && previous == '.' => return true,
            None => {}
        }
        previous = if quote.is_some() { '\0' } else { c };
    }
    false
}

fn undefined_message(name: &str, known: &BTreeSet<String>) -> String {
    let close: Vec<&str> = known
        .iter()
        .filter(|k| similar_name(k, name))
        .map(String::as_str)
        .take(3)
        .collect();
    if close.is_empty() {
        format!(
            "undefined variable `{name}` (not a built-in, fixture, case variable or earlier capture)"
        )
    } else {
        format!(
            "undefined variable `{name}`; did you mean `{}`?",
            close.join("`, `")
        )
    }
}

fn similar_name(candidate: &str, name: &str) -> bool {
    let (a, b) = (candidate.to_ascii_lowercase(), name.to_ascii_lowercase());
    a.contains(&b)
        || b.contains(&a)
        || similar::TextDiff::from_chars(a.as_str(), b.as_str()).ratio() > 0.75
}

#[cfg(test)]
mod tests {
    use super::has_descendant_segment;

    #[test]
    fn descendant_segments_outside_literals() {
        assert!(has_descendant_segment("$..text"));
        assert!(has_descendant_segment("$.reasonCode..text"));
        assert!(!has_descendant_segment("$.reasonCode[*].text"));
        assert!(!has_descendant_segment("$.link[?@.url == 'a..b'].url"));
        assert!(!has_descendant_segment("$[\"x..y\"]"));
    }
}
