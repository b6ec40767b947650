//! SMART scopes of the current edition (D12, D28, D29, D33): `<context>/<resource>.<permission>`
//! (v1 `read`/`write`/`*`, v2 letters of `cruds`), a token request's grant (requested ∩
//! configured, per operation and resource, and its spelling), and what a granted scope permits.

use axum::http::Method;

use super::auth::GUARDED;

/// One operation a scope can permit (D28: `c`, `r`, `u`, `s`; `d` is parsed and grants nothing,
/// since the API deletes nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Create,
    Read,
    Update,
    Search,
}

impl Op {
    /// The four, in SMART v2's letter order.
    const ALL: [Op; 4] = [Op::Create, Op::Read, Op::Update, Op::Search];

    fn bit(self) -> u8 {
        match self {
            Op::Create => 1,
            Op::Read => 2,
            Op::Update => 4,
            Op::Search => 8,
        }
    }

    fn letter(self) -> char {
        match self {
            Op::Create => 'c',
            Op::Read => 'r',
            Op::Update => 'u',
            Op::Search => 's',
        }
    }
}

/// A set of [`Op`]s (a bit each).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Ops(u8);

impl Ops {
    const READ: Ops = Ops(2 | 8);
    const WRITE: Ops = Ops(1 | 4);
    const ALL: Ops = Ops(1 | 2 | 4 | 8);

    pub(crate) fn has(self, op: Op) -> bool {
        self.0 & op.bit() != 0
    }

    fn is_empty(self) -> bool {
        self.0 == 0
    }

    fn and(self, other: Ops) -> Ops {
        Ops(self.0 & other.0)
    }

    fn or(self, other: Ops) -> Ops {
        Ops(self.0 | other.0)
    }

    fn covers(self, other: Ops) -> bool {
        self.0 & other.0 == other.0
    }

    /// The v2 spelling: the letters in `cruds` order (`rs`, `cu`, …).
    fn letters(self) -> String {
        Op::ALL
            .into_iter()
            .filter(|op| self.has(*op))
            .map(Op::letter)
            .collect()
    }
}

/// The launch context of a scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Context {
    /// `system/`: client credentials, every patient.
    System,
    /// `patient/`: a token for one patient (D29).
    Patient,
    /// Any other context (`user/`, …): parsed, grants nothing (D28).
    Other,
}

impl Context {
    fn as_str(self) -> &'static str {
        match self {
            Context::System => "system",
            Context::Patient => "patient",
            Context::Other => "",
        }
    }
}

/// One parsed scope: its context, its resource (`*` or a type name), the operations its
/// permission names, and the permission as written (`read`, `*`, `rs`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Scope {
    pub context: Context,
    pub resource: String,
    pub ops: Ops,
    spelling: String,
}

/// Why a scope request is refused: both are RFC 6749 §5.2 `invalid_scope` (D28).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ScopeError {
    /// A word that is not `<context>/<resource>.<permission>`.
    #[error(
        "scope {0:?} is not <context>/<resource>.<permission> (read, write, * or letters of cruds)"
    )]
    Unparseable(String),
    /// Nothing the client is configured for was asked (a wrong context or resource, or more than
    /// the client may have).
    #[error("nothing requested is within this client's scopes")]
    NothingGranted,
}

/// Parses one scope word; `None` when it does not follow the grammar.
fn parse_one(word: &str) -> Option<Scope> {
    let (context, rest) = word.split_once('/')?;
    let (resource, permission) = rest.rsplit_once('.')?;
    let context = match context {
        "system" => Context::System,
        "patient" => Context::Patient,
        other if !other.is_empty() && other.bytes().all(|b| b.is_ascii_alphabetic()) => {
            Context::Other
        }
        _ => return None,
    };
    let resource_ok = resource == "*"
        || (!resource.is_empty() && resource.bytes().all(|b| b.is_ascii_alphabetic()));
    if !resource_ok {
        return None;
    }
    let ops = match permission {
        "read" => Ops::READ,
        "write" => Ops::WRITE,
        "*" => Ops::ALL,
        letters => v2_letters(letters)?,
    };
    Some(Scope {
        context,
        resource: resource.to_string(),
        ops,
        spelling: permission.to_string(),
    })
}

/// SMART v2 permissions: a non-empty subsequence of `cruds`, in that order, each letter once.
fn v2_letters(text: &str) -> Option<Ops> {
    let mut ops = Ops::default();
    let mut rest = "cruds";
    if text.is_empty() {
        return None;
    }
    for letter in text.chars() {
        let at = rest.find(letter)?;
        rest = &rest[at + 1..];
        if let Some(op) = Op::ALL.into_iter().find(|op| op.letter() == letter) {
            ops = ops.or(Ops(op.bit()));
        }
    }
    Some(ops)
}

/// Parses a space-separated scope list; the first word that does not parse is the error.
pub(crate) fn parse(text: &str) -> Result<Vec<Scope>, ScopeError> {
    text.split_whitespace()
        .map(|word| parse_one(word).ok_or_else(|| ScopeError::Unparseable(word.to_string())))
        .collect()
}

/// The operations `scopes` allow on `resource` in `context` (a `system/` scope also covers the
/// same `patient/` one: a patient token is narrower than the client's own).
fn ops_on(scopes: &[Scope], context: Context, resource: &str) -> Ops {
    scopes
        .iter()
        .filter(|s| {
            s.context == context || (s.context == Context::System && context == Context::Patient)
        })
        .filter(|s| s.resource == "*" || s.resource == resource)
        .fold(Ops::default(), |ops, s| ops.or(s.ops))
}

/// Whether `configured` holds a wildcard scope covering `ops` in `context`.
fn wildcard_covers(configured: &[Scope], context: Context, ops: Ops) -> bool {
    configured
        .iter()
        .filter(|s| {
            s.context == context || (s.context == Context::System && context == Context::Patient)
        })
        .any(|s| s.resource == "*" && s.ops.covers(ops))
}

/// What a token request is granted (D28, D29): `requested` (`None` or blank: the client's whole
/// configured set, as before) intersected with `configured`, per operation and resource, in the
/// context the request is for (`patient/` when a `patient` parameter came with it, else
/// `system/`; scopes of the other context grant nothing). Returns the answer's `scope`: each
/// requested scope in its own spelling where it was granted whole, else per resource in v2
/// letters (`system/*.read` → `system/Appointment.read system/Practitioner.read …`).
///
/// Errors: [`ScopeError::Unparseable`] for a word outside the grammar,
/// [`ScopeError::NothingGranted`] when the grant would be empty.
pub(crate) fn grant(
    requested: Option<&str>,
    configured: &str,
    for_patient: bool,
) -> Result<String, ScopeError> {
    let configured_text = configured;
    let configured = parse(configured).unwrap_or_default();
    let context = if for_patient {
        Context::Patient
    } else {
        Context::System
    };
    let requested = match requested.filter(|text| !text.trim().is_empty()) {
        Some(text) => parse(text)?,
        None if for_patient => return Err(ScopeError::NothingGranted),
        None => {
            let words: Vec<&str> = configured_text.split_whitespace().collect();
            return if words.is_empty() {
                Err(ScopeError::NothingGranted)
            } else {
                Ok(words.join(" "))
            };
        }
    };
    let mut granted: Vec<String> = Vec::new();
    let mut push = |word: String| {
        if !granted.contains(&word) {
            granted.push(word);
        }
    };
    for scope in requested.iter().filter(|s| s.context == context) {
        let prefix = context.as_str();
        if scope.resource == "*" && wildcard_covers(&configured, context, scope.ops) {
            push(format!("{prefix}/*.{}", scope.spelling));
            continue;
        }
        for resource in GUARDED {
            if scope.resource != "*" && scope.resource != resource {
                continue;
            }
            let ops = scope.ops.and(ops_on(&configured, context, resource));
            if ops.is_empty() {
                continue;
            }
            let permission = if ops == scope.ops {
                scope.spelling.clone()
            } else {
                ops.letters()
            };
            push(format!("{prefix}/{resource}.{permission}"));
        }
    }
    if granted.is_empty() {
        return Err(ScopeError::NothingGranted);
    }
    Ok(granted.join(" "))
}

/// The operation a request on `path` of `resource` asks for in the current edition's scope terms
/// (AUTH-403-SCOPE as amended): GET of `/<resource>/<id>` reads, GET of `/<resource>` searches,
/// POST creates and PUT updates on Appointment; other methods need none (they answer 405, as every
/// method but GET does on the read-only lookups).
pub(crate) fn operation(resource: &str, method: &Method, path: &str) -> Option<Op> {
    match *method {
        Method::GET | Method::HEAD => {
            let rest = path.strip_prefix('/').unwrap_or(path);
            let id = rest.split('/').nth(1).unwrap_or_default();
            Some(if id.is_empty() { Op::Search } else { Op::Read })
        }
        Method::POST if resource == "Appointment" => Some(Op::Create),
        Method::PUT if resource == "Appointment" => Some(Op::Update),
        _ => None,
    }
}

/// Whether a granted scope (as [`grant`] spelled it, or the configured set) permits `op` on
/// `resource`. With `search_reads` (the `search-scope-reads` mutant), a scope that permits
/// search also permits read.
pub(crate) fn permits(granted: &str, resource: &str, op: Op, search_reads: bool) -> bool {
    let scopes = parse(granted).unwrap_or_default();
    let ops = [Context::System, Context::Patient]
        .into_iter()
        .fold(Ops::default(), |ops, context| {
            ops.or(ops_on(&scopes, context, resource))
        });
    ops.has(op) || (search_reads && op == Op::Read && ops.has(Op::Search))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference client's configured scopes (D12, D33).
    const CONFIGURED: &str = "system/Appointment.read system/Appointment.write \
        system/Practitioner.read system/Patient.read system/Location.read system/Schedule.read \
        system/Slot.read";

    fn granted(requested: &str) -> Result<String, ScopeError> {
        grant(Some(requested), CONFIGURED, false)
    }

    #[test]
    fn every_documented_spelling_parses() {
        for word in [
            "system/Appointment.read",
            "system/Appointment.write",
            "system/Appointment.*",
            "system/Appointment.rs",
            "system/Appointment.cruds",
            "system/*.read",
            "patient/Appointment.*",
            "user/Appointment.read",
        ] {
            assert!(parse_one(word).is_some(), "{word}");
        }
        for word in [
            "Appointment.read",
            "system/Appointment",
            "system/Appointment.sr",
            "system/Appointment.rr",
            "system/Appointment.x",
            "system/Appointment.",
            "system/.read",
            "/Appointment.read",
            "openid",
        ] {
            assert!(parse_one(word).is_none(), "{word}");
        }
    }

    #[test]
    fn grants_are_requested_within_configured_in_the_requested_spelling_where_whole() {
        assert_eq!(
            granted("system/Appointment.rs").unwrap(),
            "system/Appointment.rs"
        );
        assert_eq!(
            granted("system/Appointment.*").unwrap(),
            "system/Appointment.*"
        );
        assert_eq!(
            granted("system/Appointment.read system/Appointment.write").unwrap(),
            "system/Appointment.read system/Appointment.write"
        );
        // D12 and D33: `*` is every resource, of which the client has read on six
        assert_eq!(
            granted("system/*.read").unwrap(),
            "system/Appointment.read system/Practitioner.read system/Patient.read \
             system/Location.read system/Schedule.read system/Slot.read"
        );
        // partly granted: v2 letters of what was
        assert_eq!(granted("system/Patient.*").unwrap(), "system/Patient.rs");
        assert_eq!(
            granted("system/Patient.write"),
            Err(ScopeError::NothingGranted)
        );
        assert_eq!(
            granted("user/Appointment.read"),
            Err(ScopeError::NothingGranted)
        );
        assert_eq!(
            granted("system/Observation.read"),
            Err(ScopeError::NothingGranted)
        );
        assert_eq!(
            granted("system/Appointment.d"),
            Err(ScopeError::NothingGranted)
        );
        assert_eq!(
            granted("system/Appointment.read launch"),
            Err(ScopeError::Unparseable("launch".into()))
        );
        // a grantable scope beside one of nothing: the grantable part
        assert_eq!(
            granted("system/Observation.read system/Appointment.s").unwrap(),
            "system/Appointment.s"
        );
        assert_eq!(grant(None, CONFIGURED, false).unwrap(), CONFIGURED);
        assert_eq!(grant(Some("  "), CONFIGURED, false).unwrap(), CONFIGURED);
    }

    #[test]
    fn patient_tokens_take_only_patient_scopes() {
        let patient = |requested: Option<&str>| grant(requested, CONFIGURED, true);
        assert_eq!(
            patient(Some("patient/Appointment.*")).unwrap(),
            "patient/Appointment.*"
        );
        assert_eq!(
            patient(Some("patient/Appointment.read")).unwrap(),
            "patient/Appointment.read"
        );
        assert_eq!(patient(None), Err(ScopeError::NothingGranted));
        assert_eq!(
            patient(Some("system/Appointment.*")),
            Err(ScopeError::NothingGranted)
        );
        // without a patient, patient scopes grant nothing
        assert_eq!(
            granted("patient/Appointment.read"),
            Err(ScopeError::NothingGranted)
        );
    }

    #[test]
    fn each_request_asks_for_one_operation() {
        let op = |method: Method, path: &str| {
            operation(crate::auth::guarded_resource(path).unwrap(), &method, path)
        };
        assert_eq!(op(Method::GET, "/Appointment"), Some(Op::Search));
        assert_eq!(op(Method::GET, "/Appointment/x"), Some(Op::Read));
        assert_eq!(op(Method::POST, "/Appointment"), Some(Op::Create));
        assert_eq!(op(Method::PUT, "/Appointment/x"), Some(Op::Update));
        assert_eq!(op(Method::POST, "/Slot"), None);
        assert_eq!(op(Method::DELETE, "/Appointment/x"), None);
    }

    #[test]
    fn permissions_follow_the_letters() {
        let rs = "system/Appointment.rs";
        assert!(permits(rs, "Appointment", Op::Read, false));
        assert!(permits(rs, "Appointment", Op::Search, false));
        assert!(!permits(rs, "Appointment", Op::Create, false));
        assert!(!permits(rs, "Slot", Op::Search, false));
        let s = "system/Appointment.s";
        assert!(!permits(s, "Appointment", Op::Read, false));
        assert!(permits(s, "Appointment", Op::Read, true));
        assert!(permits("system/*.read", "Slot", Op::Search, false));
        assert!(permits(
            "patient/Appointment.*",
            "Appointment",
            Op::Update,
            false
        ));
        assert!(!permits(
            "user/Appointment.*",
            "Appointment",
            Op::Read,
            false
        ));
        assert!(permits(CONFIGURED, "Appointment", Op::Create, false));
        assert!(!permits(CONFIGURED, "Slot", Op::Create, false));
    }
}
