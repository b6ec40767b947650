//! The shape of a case file, as deserialized: every value a finding or a lint error may point at
//! keeps its line and column (`Spanned`). Unknown keys are rejected where they appear.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use serde_saphyr::Spanned;

pub use crate::case::capture::{Capture, CaptureSpec, Extract};
pub use crate::case::checked::{Checked, Problem};
pub use crate::case::snapshot::SnapshotSpec;
pub use crate::case::status::StatusSpec;

use crate::edition::Edition;

/// One case file: a named, documented scenario of ordered steps checking some behaviour IDs.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFile {
    pub name: Spanned<String>,
    pub description: Spanned<String>,
    pub behaviours: Spanned<Vec<Spanned<String>>>,
    /// The editions whose suite holds this case (`[2023-09]`, `[current]`, or both); absent: both.
    /// Its behaviour IDs must be live in every edition it names.
    #[serde(default)]
    pub editions: Option<Spanned<Vec<Spanned<Edition>>>>,
    #[serde(default)]
    pub requires: Requires,
    /// Case variables; values are templates over fixtures and built-ins.
    #[serde(default)]
    pub vars: BTreeMap<String, Spanned<String>>,
    pub steps: Spanned<Vec<Step>>,
}

/// What a target must offer for the case to run; otherwise the case is Skipped with the reason.
#[derive(Debug, Default, Deserialize, Clone, Copy)]
#[serde(deny_unknown_fields)]
pub struct Requires {
    /// The case creates or changes data.
    #[serde(default)]
    pub writes: bool,
    #[serde(default)]
    pub double_booking: Option<DoubleBooking>,
}

#[derive(Debug, Deserialize, Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DoubleBooking {
    Allowed,
    Disallowed,
}

impl DoubleBooking {
    pub fn as_str(self) -> &'static str {
        match self {
            DoubleBooking::Allowed => "allowed",
            DoubleBooking::Disallowed => "disallowed",
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub name: Spanned<String>,
    /// Only in these editions (a subset of the case's); absent: in every edition of the case.
    #[serde(default)]
    pub editions: Option<Spanned<Vec<Spanned<Edition>>>>,
    pub request: RequestSpec,
    #[serde(default)]
    pub expect: Expect,
    /// The expectation as written, with every edition's overrides: set when a case is resolved
    /// for an edition (then `expect` is that edition's), so an edition hint can try the other's.
    #[serde(skip)]
    pub as_written: Option<Box<Expect>>,
    /// Variables captured from the response for later steps, typed at load.
    #[serde(default)]
    pub capture: BTreeMap<String, Spanned<Checked<Capture>>>,
}

#[derive(Debug, Deserialize, Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Post,
    Put,
    /// Not supported by the Appointment API: sent only to check that it is refused (ERR-405, D11).
    Delete,
    /// Not supported by the Appointment API: sent only to check that it is refused (ERR-405, D11).
    Patch,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
            Method::Patch => "PATCH",
        }
    }
}

/// Which credentials a request carries.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum AuthMode {
    /// The target's token (static or OAuth).
    #[default]
    Target,
    /// No Authorization header at all.
    None,
    /// A bearer token no server can know.
    Invalid,
    /// A token of the read-only scope `system/Appointment.read` (D12, AUTH-403-SCOPE), from the
    /// target's OAuth client; a target without one skips the case.
    ReadOnly,
    /// A token of the scope (and patient) the step names (`auth: { scope, patient }`), from the
    /// target's OAuth client; a target without one skips the case. Never written as a word.
    #[serde(skip_deserializing)]
    Scoped,
}

/// The form fields of a token request beside the client's credentials (RFC 6749 §4.4.2): a
/// `scope` (SMART scopes, space-separated) and a `patient` (a patient-scoped token, D29). Both
/// are templates.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenAsk {
    #[serde(default)]
    pub scope: Option<Spanned<String>>,
    #[serde(default)]
    pub patient: Option<Spanned<String>>,
}

impl TokenAsk {
    /// The templates it holds.
    pub fn texts(&self) -> impl Iterator<Item = &Spanned<String>> {
        self.scope.iter().chain(&self.patient)
    }
}

/// `auth:` as written: a word (`target`, `none`, `invalid`, `read_only`) or `{ scope, patient }`
/// for a token of that scope from the target's OAuth client.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum AuthSpec {
    Mode(AuthMode),
    Token(TokenAsk),
}

impl AuthSpec {
    /// The mode: the word, or [`AuthMode::Scoped`] for `{ scope, patient }`.
    pub fn mode(&self) -> AuthMode {
        match self {
            AuthSpec::Mode(mode) => *mode,
            AuthSpec::Token(_) => AuthMode::Scoped,
        }
    }

    /// The token asked for with `{ scope, patient }`.
    pub fn token(&self) -> Option<&TokenAsk> {
        match self {
            AuthSpec::Mode(_) => None,
            AuthSpec::Token(ask) => Some(ask),
        }
    }
}

/// A request template: every string in it may hold `{{ … }}`. An API request has `method` and
/// `path`; a token request has `token` instead (lint holds each step to one of the two).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    #[serde(default)]
    pub method: Option<Spanned<Method>>,
    #[serde(default)]
    pub path: Option<Spanned<String>>,
    /// A token request to the target's OAuth client, with these form fields, instead of an API
    /// request (AUTH-SCOPE-GRANT, AUTH-PATIENT-TOKEN); the answer is checked like any other.
    #[serde(default)]
    pub token: Option<Spanned<TokenAsk>>,
    /// A mapping of parameter → value or list of values (a list repeats the parameter, in order).
    #[serde(default)]
    pub query: Option<Spanned<Value>>,
    #[serde(default)]
    pub headers: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    pub auth: Option<Spanned<AuthSpec>>,
    /// A JSON body, written as YAML.
    #[serde(default, deserialize_with = "present")]
    pub body: Option<Spanned<Value>>,
    /// A body sent byte for byte (for malformed JSON); excludes `body`.
    #[serde(default)]
    pub raw_body: Option<Spanned<String>>,
    /// Where the body is deliberately not valid FHIR R4: the element(s) the case is about. Every
    /// other element of every body must be valid (a test validates them all against `schemas/fhir/`).
    #[serde(default)]
    pub deliberately_invalid: Vec<DeliberatelyInvalid>,
}

impl RequestSpec {
    /// The method sent: the API request's (GET when lint already refused a missing one), or
    /// POST for a token request.
    pub fn method(&self) -> Method {
        match (&self.method, &self.token) {
            (Some(method), _) => method.value,
            (None, Some(_)) => Method::Post,
            (None, None) => Method::Get,
        }
    }

    /// The path as written, or `<token URL>` for a token request.
    pub fn path_text(&self) -> &str {
        match (&self.path, &self.token) {
            (Some(path), _) => &path.value,
            (None, Some(_)) => TOKEN_URL_PLACEHOLDER,
            (None, None) => "",
        }
    }

    /// Whether this is a token request.
    pub fn is_token_request(&self) -> bool {
        self.token.is_some()
    }

    /// The credentials mode (`target` when not written).
    pub fn auth_mode(&self) -> AuthMode {
        self.auth
            .as_ref()
            .map(|a| a.value.mode())
            .unwrap_or_default()
    }

    /// Whether the request needs a token of its own scope from the target's OAuth client: a
    /// token request, or `auth: read_only` / `auth: { scope, patient }`.
    pub fn needs_scoped_token(&self) -> bool {
        self.is_token_request() || matches!(self.auth_mode(), AuthMode::ReadOnly | AuthMode::Scoped)
    }

    /// Every template of the request written as text (not JSON): the path, the headers, a raw
    /// body, and the form fields of a token request or of `auth: { scope, patient }`.
    pub fn texts(&self) -> Vec<&Spanned<String>> {
        let mut texts: Vec<&Spanned<String>> = self.path.iter().collect();
        texts.extend(self.headers.values());
        texts.extend(self.raw_body.iter());
        texts.extend(self.token.iter().flat_map(|t| t.value.texts()));
        texts.extend(
            self.auth
                .iter()
                .filter_map(|a| a.value.token())
                .flat_map(TokenAsk::texts),
        );
        texts
    }
}

/// How a token request's path shows where one is expected (its URL is the target's token URL).
pub const TOKEN_URL_PLACEHOLDER: &str = "<token URL>";

/// One element of a request body that is not valid FHIR R4 on purpose, and why.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliberatelyInvalid {
    /// The FHIR element path, from the resource type: `Appointment.status`,
    /// `Appointment.participant.status`, or `Appointment` for the whole body (not JSON, not an object).
    /// A path covers the elements below it.
    pub element: Spanned<String>,
    pub how: Spanned<Deviation>,
    /// Why the case sends it so (which behaviour needs it); shown with the element wherever it is listed.
    pub why: Spanned<String>,
}

/// How a body departs from FHIR R4 (HL7's R4 JSON Schema plus the cardinalities `src/check/schema.rs` adds).
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Deviation {
    /// A required element (1..1 or 1..*) is left out: the case is about what the server does then.
    Omitted,
    /// The element is present with a value FHIR R4 does not allow (wrong JSON type, unknown code,
    /// another resource type, a body that is not JSON).
    Invalid,
    /// A partial update (`PUT` only): the body carries only the elements to change, as Canvas allows,
    /// so it leaves out required ones; a server that replaces the whole resource refuses it.
    Partial,
}

impl Deviation {
    pub fn as_str(self) -> &'static str {
        match self {
            Deviation::Omitted => "omitted",
            Deviation::Invalid => "invalid",
            Deviation::Partial => "partial",
        }
    }
}

/// Everything a step's response is checked against; every item yields findings, never stops early.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// `201`, `"4xx"`, or a list of those, typed at load.
    #[serde(default)]
    pub status: Option<Spanned<Checked<StatusSpec>>>,
    #[serde(default)]
    pub headers: Vec<HeaderExpect>,
    #[serde(default)]
    pub body: Option<Spanned<BodyExpect>>,
    #[serde(default)]
    pub json: Vec<JsonExpect>,
    #[serde(default)]
    pub schema: Option<Spanned<SchemaName>>,
    #[serde(default)]
    pub outcome: Option<Spanned<OutcomeExpect>>,
    #[serde(default)]
    pub search: Option<Spanned<SearchExpect>>,
    /// Compare the normalized response with `snapshots/<profile>/<case>__<step>.snap`:
    /// `true`, or `{ headers: [names] }` to choose the headers kept (default Content-Type, Location);
    /// typed at load.
    #[serde(default)]
    pub snapshot: Option<Spanned<Checked<SnapshotSpec>>>,
    /// The behaviour ID this step's findings are evidence for, when not the case's own IDs
    /// (an expectation's own `behaviour:` and the checks' built-in attributions win over it).
    #[serde(default)]
    pub behaviour: Option<Spanned<String>>,
    /// A project decision (`D1`…, BEHAVIOURS-CURRENT.md) this step's expectations leave open:
    /// where the page allows several answers (any 4xx with an OperationOutcome, a capped or refused
    /// `_count`), the case accepts each of them, and a note records which one the target chose.
    #[serde(default)]
    pub decision: Option<Spanned<String>>,
    /// In an edition's override only: keys of the common expectation that edition does not have
    /// (e.g. `unset: [outcome]` where the other edition answers 200 instead of an error).
    #[serde(default)]
    pub unset: Vec<Spanned<ExpectKey>>,
    /// What differs in the 2023-09 edition: each key given here replaces the same key above.
    #[serde(default, rename = "2023-09")]
    pub in_2023_09: Option<Box<Spanned<Expect>>>,
    /// What differs in the current edition: each key given here replaces the same key above.
    #[serde(default)]
    pub current: Option<Box<Spanned<Expect>>>,
}

/// A key of an expectation, as `unset:` names it.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ExpectKey {
    Status,
    Headers,
    Body,
    Json,
    Schema,
    Outcome,
    Search,
    Snapshot,
    Decision,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderExpect {
    pub name: Spanned<String>,
    #[serde(default)]
    pub present: Option<Spanned<bool>>,
    #[serde(default)]
    pub equals: Option<Spanned<String>>,
    /// A regular expression the value must match (unanchored).
    #[serde(default)]
    pub matches: Option<Spanned<String>>,
    /// The behaviour ID its findings are evidence for (default: the step's, else the case's).
    #[serde(default)]
    pub behaviour: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum BodyExpect {
    /// No bytes, or the JSON literal `null` (Canvas answers either on create and update).
    EmptyOrNull,
    /// Any JSON document.
    Json,
}

/// A JSON path (RFC 9535) and what its nodes must satisfy.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonExpect {
    pub path: Spanned<String>,
    /// The single node equals this value (instants compare as instants, numbers as numbers).
    #[serde(default, deserialize_with = "present")]
    pub equals: Option<Spanned<Value>>,
    /// The single node equals one of these values.
    #[serde(default)]
    pub one_of: Option<Spanned<Vec<Value>>>,
    /// At least one node (`true`) or none (`false`).
    #[serde(default)]
    pub exists: Option<Spanned<bool>>,
    /// No node at all (same as `exists: false`).
    #[serde(default)]
    pub absent: Option<Spanned<bool>>,
    /// The single node, as text, matches this regular expression.
    #[serde(default)]
    pub matches: Option<Spanned<String>>,
    /// An array node holding this item, a string node holding this substring, or one of several nodes equal to it.
    #[serde(default, deserialize_with = "present")]
    pub contains: Option<Spanned<Value>>,
    /// The single node's length (array items, string characters, object members).
    #[serde(default)]
    pub length: Option<Spanned<u64>>,
    /// How many nodes the path selects.
    #[serde(default)]
    pub count: Option<Spanned<u64>>,
    #[serde(default, rename = "type")]
    pub kind: Option<Spanned<JsonType>>,
    /// The behaviour ID its findings are evidence for (default: the step's, else the case's).
    #[serde(default)]
    pub behaviour: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum JsonType {
    String,
    Number,
    Integer,
    Boolean,
    Array,
    Object,
    Null,
}

impl JsonType {
    pub fn as_str(self) -> &'static str {
        match self {
            JsonType::String => "string",
            JsonType::Number => "number",
            JsonType::Integer => "integer",
            JsonType::Boolean => "boolean",
            JsonType::Array => "array",
            JsonType::Object => "object",
            JsonType::Null => "null",
        }
    }
}

/// A FHIR resource schema the body must validate against (HL7's R4 JSON Schema plus cardinalities).
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
pub enum SchemaName {
    Appointment,
    Bundle,
    OperationOutcome,
}

impl SchemaName {
    pub fn as_str(self) -> &'static str {
        match self {
            SchemaName::Appointment => "Appointment",
            SchemaName::Bundle => "Bundle",
            SchemaName::OperationOutcome => "OperationOutcome",
        }
    }
}

/// The body is an OperationOutcome (FHIR R4: `issue` 1..*, each with `severity` and `code`) whose
/// first issue has these values; `details.text` is checked only when `text` is given.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeExpect {
    /// Defaults to `error`.
    #[serde(default)]
    pub severity: Option<Spanned<String>>,
    #[serde(default)]
    pub code: Option<Spanned<String>>,
    /// `details.text`, exactly; `{name}` placeholders match any non-empty text (`{message}`: any).
    /// FHIR leaves `details.text` optional, so it is Canvas's rule (ERR-OO) when a case gives it.
    #[serde(default)]
    pub text: Option<Spanned<String>>,
    /// The behaviour ID the expected code and text are evidence for (default: the step's, else the
    /// case's). The OperationOutcome's shape is always ERR-OO's.
    #[serde(default)]
    pub behaviour: Option<Spanned<String>>,
}

/// Search semantics: the Bundle answers the request's own query.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchExpect {
    /// Exactly these appointment ids match (all pages); in this order when `ordered`.
    #[serde(default)]
    pub ids: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    pub ordered: bool,
    /// Follow `next` links from `first` and check every match is visited exactly once.
    #[serde(default)]
    pub walk: bool,
    /// The behaviour ID the `ids` findings are evidence for (default: the step's, else the case's).
    /// The search semantics attribute their own findings (see `check::search`).
    #[serde(default)]
    pub behaviour: Option<Spanned<String>>,
}

/// Deserializes a present key as `Some`, even when its value is `null`.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Spanned<Value>>, D::Error> {
    Spanned::<Value>::deserialize(d).map(Some)
}
