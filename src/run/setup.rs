//! Set-up faults found while running: a step whose answer refuses a fixture of the profile (an
//! OperationOutcome naming its value, a 404 on a fixture id) was kept from being judged by the
//! profile, not failed by the target. Decides that from the exchange alone; sends nothing.

use std::collections::BTreeSet;

use crate::case::model::{AuthMode, Step};
use crate::check::Finding;
use crate::check::operation_outcome::target_words;
use crate::exchange::Exchange;
use crate::outcome::{CaseOutcome, StepOutcome, Verdict};
use crate::target::{FixtureOrigin, Profile};

/// The set-up cause of a step that failed, when the set-up and not the target made it fail: the
/// run's token refused mid-run ([`token_refused`]), a refusal naming one of `fixtures` (the case's,
/// recorded in `refused` for the cases after it: [`fixture_refusal`]), a read that only repeats
/// the other status the preflight saw on an appointment fixture ([`Profile::doubted`]), a
/// comparison with a value the target refused earlier ([`Refused::explains`]), or an earlier step
/// of the same case the set-up kept from running (`earlier`). `None` for a step that did not fail,
/// and on the reference instance, whose fixtures are its own.
pub fn set_up_cause(
    step: &Step,
    outcome: &StepOutcome,
    profile: &Profile,
    fixtures: &BTreeSet<String>,
    refused: &Refused,
    earlier: Option<&str>,
) -> Option<String> {
    if profile.origin == FixtureOrigin::Reference {
        return None;
    }
    let exchange = outcome.exchange.as_ref();
    if let Some(cause) = exchange.and_then(|e| grant_refused(step, profile, e)) {
        return Some(cause);
    }
    if outcome.verdict != Verdict::Fail {
        return None;
    }
    let expected_401 = step
        .expect
        .status
        .as_ref()
        .and_then(|s| s.value.as_result().ok())
        .is_some_and(|status| status.matches(401));
    let carried_token = step.request.auth_mode() == AuthMode::Target;
    if let Some(cause) =
        exchange.and_then(|e| token_refused(profile, carried_token, expected_401, e))
    {
        return Some(cause);
    }
    if let Some((name, cause)) = exchange.and_then(|e| fixture_refusal(fixtures, profile, e)) {
        refused.insert(&name, &cause);
        return Some(cause);
    }
    let failing: Vec<&Finding> = outcome.findings.iter().filter(|f| f.counts()).collect();
    if let Some(cause) = exchange.and_then(|e| doubted_read(profile, e, &failing)) {
        return Some(cause);
    }
    refused.explains(fixtures, profile, &failing).or_else(|| {
        // The case's scenario broke at a step the set-up kept from running: what fails after it
        // (a search for what was not created) is not the target's.
        earlier.map(|cause| {
            format!("an earlier step of this case was kept from running by the set-up: {cause}")
        })
    })
}

/// The set-up cause when `exchange` reads an appointment fixture the preflight doubted
/// ([`Profile::doubted`]) and every failing finding is on a path the doubt names (with the value
/// the preflight read, where it names one): the failure repeats what the preflight saw, which a
/// wrong fixture explains as well as a wrong target.
fn doubted_read(profile: &Profile, exchange: &Exchange, failing: &[&Finding]) -> Option<String> {
    if failing.is_empty() {
        return None;
    }
    let path = exchange.request.url.split('?').next().unwrap_or_default();
    profile.doubted.iter().find_map(|doubt| {
        let id = profile
            .fixtures
            .get(&doubt.fixture)
            .filter(|id| !id.is_empty())?;
        let reads_it = path.ends_with(&format!("/Appointment/{id}"));
        let repeats = failing.iter().all(|f| {
            doubt.paths.contains(&f.subject)
                && doubt
                    .read_as
                    .as_deref()
                    .is_none_or(|value| f.actual == value || f.actual == format!("\"{value}\""))
        });
        (reads_it && repeats).then(|| doubt.cause.clone())
    })
}

/// Shortest fixture value matched in an answer's text: shorter ones (`1`, a 2023-09 location id)
/// turn up in too many texts to name a fixture; they are matched only as `Kind/value` or quoted
/// (`"1"`, `'1'`).
const MIN_VALUE_LEN: usize = 4;

/// The set-up cause when `exchange` (a step whose expectations failed) is the target refusing
/// one of `fixtures` (the fixture names the case uses) that the profile has not had verified:
/// an error status (4xx) whose OperationOutcome text names the value, or a 404 on a URL whose
/// path names it. The cause names the fixture, where the profile sets it, and the target's words.
/// Returns the fixture's name and the cause; `None` when no unverified fixture explains the
/// refusal (the target is then judged as usual).
pub fn fixture_refusal(
    fixtures: &BTreeSet<String>,
    profile: &Profile,
    exchange: &Exchange,
) -> Option<(String, String)> {
    let response = exchange.response.as_ref()?;
    if !(400..500).contains(&response.status) || matches!(response.status, 401 | 403 | 429) {
        return None;
    }
    let words = response
        .json
        .as_ref()
        .and_then(target_words)
        .unwrap_or_default();
    let path = exchange
        .request
        .url
        .split(['?', '#'])
        .next()
        .unwrap_or_default();
    let segments: Vec<&str> = path.split('/').collect();
    for name in fixtures {
        // A code system or a display names no thing of its own: a refusal that mentions one is
        // about the code beside it.
        if profile.fixture_trusted(name) || name.ends_with("_system") || name.ends_with("_display")
        {
            continue;
        }
        let Some(value) = profile.fixtures.get(name) else {
            continue;
        };
        if value.is_empty() || !sent(exchange, value) {
            continue;
        }
        let in_path = response.status == 404 && segments.contains(&value.as_str());
        if in_path || names_value(&words, value) {
            let said = if words.is_empty() {
                String::new()
            } else {
                format!(" `{words}`")
            };
            return Some((
                name.clone(),
                format!(
                    "fixture `{name}` ({}) was refused by the target: {}{said}; set it to a value that exists on the target (first refused at {} {path})",
                    profile.fixture_source(name),
                    response.status,
                    exchange.request.method,
                ),
            ));
        }
    }
    None
}

/// The fixtures the target refused during a run (name → the cause), shared by its cases: a later
/// failure that only compares with a refused fixture's value is the set-up's too.
#[derive(Debug, Default)]
pub struct Refused(std::sync::Mutex<std::collections::BTreeMap<String, String>>);

impl Refused {
    /// Remembers that the target refused fixture `name` (the first cause is kept).
    pub fn insert(&self, name: &str, cause: &str) {
        let mut map = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.entry(name.to_owned())
            .or_insert_with(|| cause.to_owned());
    }

    /// The set-up cause when every failing finding of a step expects the value of a fixture in
    /// `fixtures` that the target refused earlier in the run: the step compared the target with
    /// a value that does not exist there, so its failure says nothing about the target.
    pub fn explains(
        &self,
        fixtures: &BTreeSet<String>,
        profile: &Profile,
        failing: &[&Finding],
    ) -> Option<String> {
        let map = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if failing.is_empty() {
            return None;
        }
        let mut named = None;
        for finding in failing {
            let hit = fixtures.iter().find(|name| {
                map.contains_key(*name)
                    && profile
                        .fixtures
                        .get(*name)
                        .is_some_and(|v| !v.is_empty() && finding.expected.contains(v.as_str()))
            })?;
            named.get_or_insert(hit);
        }
        let name = named?;
        map.get(name).map(|cause| {
            format!("it expects the value of fixture `{name}`, which the target refused: {cause}")
        })
    }
}

/// Whether a failing case may yet turn out to be the set-up's: some failing finding expects the
/// value of a fixture the profile has not had verified, which a refusal later in the run (in a
/// case running beside it) could show does not exist on the target. Such a case is held back and
/// decided by [`attribute_late`] once every case has run. Never on the reference instance.
pub fn may_be_set_up(outcome: &CaseOutcome, profile: &Profile) -> bool {
    if outcome.verdict != Verdict::Fail || profile.origin == FixtureOrigin::Reference {
        return false;
    }
    let untrusted: Vec<&String> = profile
        .fixtures
        .iter()
        .filter(|(name, value)| !profile.fixture_trusted(name) && !value.is_empty())
        .map(|(_, value)| value)
        .collect();
    outcome
        .steps
        .iter()
        .filter(|s| s.verdict == Verdict::Fail && s.setup.is_none())
        .flat_map(|s| s.findings.iter().filter(|f| f.counts()))
        .any(|f| untrusted.iter().any(|v| f.expected.contains(v.as_str())))
}

/// Once every case has run: each failing step of `outcome` whose failing findings all expect the
/// value of a fixture in `fixtures` (the case's) that the target refused anywhere in the run
/// becomes a set-up Error ([`Refused::explains`], whatever the order the cases ran in), and the
/// case's verdict is decided again. Returns whether anything changed.
pub fn attribute_late(
    outcome: &mut CaseOutcome,
    fixtures: &BTreeSet<String>,
    profile: &Profile,
    refused: &Refused,
) -> bool {
    let mut changed = false;
    for step in &mut outcome.steps {
        if step.verdict != Verdict::Fail || step.setup.is_some() {
            continue;
        }
        let failing: Vec<&Finding> = step.findings.iter().filter(|f| f.counts()).collect();
        if let Some(cause) = refused.explains(fixtures, profile, &failing) {
            *step = step.clone().set_up_fault(cause);
            changed = true;
        }
    }
    if changed {
        outcome.verdict = CaseOutcome::verdict_of(&outcome.steps);
    }
    changed
}

/// The set-up cause when the profile's OAuth client is not granted what a step asks for: a
/// case's token request (`request: { token: … }`) expecting 200 that the token URL refuses with
/// `invalid_scope`, `unauthorized_client`, 401 or 403, or a step with `auth: { scope, patient }`
/// whose token could not be obtained. Which scopes and patient tokens a client may have is the
/// client's configuration in Canvas, not the API's behaviour. `None` on the reference instance
/// (its grants are its behaviour, judged as such).
pub fn grant_refused(step: &Step, profile: &Profile, exchange: &Exchange) -> Option<String> {
    let client = profile.oauth.as_ref().map_or_else(
        || "the run's credentials".to_owned(),
        |o| format!("the OAuth client of {}", o.client_id_env),
    );
    if let Some(ask) = &step.request.token {
        let wants_200 = step
            .expect
            .status
            .as_ref()
            .and_then(|s| s.value.as_result().ok())
            .is_some_and(|status| status.matches(200));
        let response = exchange.response.as_ref()?;
        let error = response
            .json
            .as_ref()
            .and_then(|j| j.get("error"))
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default();
        let refused = matches!(response.status, 401 | 403)
            || (response.status == 400 && matches!(error, "invalid_scope" | "unauthorized_client"));
        if !wants_200 || !refused {
            return None;
        }
        let asked = [
            ask.value
                .scope
                .as_ref()
                .map(|s| format!("scope `{}`", s.value)),
            ask.value
                .patient
                .as_ref()
                .map(|_| "a patient token".to_owned()),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" and ");
        let said = if error.is_empty() {
            String::new()
        } else {
            format!(" `{error}`")
        };
        return Some(format!(
            "{client} was not granted {asked}: the token URL answered {}{said}; allow it in the API client's settings in Canvas, or leave these cases out (--filter)",
            response.status
        ));
    }
    let scoped = step
        .request
        .auth
        .as_ref()
        .is_some_and(|a| matches!(a.value.mode(), AuthMode::ReadOnly | AuthMode::Scoped));
    match &exchange.error {
        Some(crate::exchange::ExchangeError::Token { detail }) if scoped => Some(format!(
            "{client} could not be given the token this step asks for: {detail}"
        )),
        _ => None,
    }
}

/// The set-up cause when the target refuses the run's own token (401) on a request that carried
/// it, on a target whose token the preflight saw accepted: the token expired or was revoked during
/// the run. `None` for the reference instance (its 401s are its behaviour, judged as such).
pub fn token_refused(
    profile: &Profile,
    carried_token: bool,
    expected_401: bool,
    exchange: &Exchange,
) -> Option<String> {
    let response = exchange.response.as_ref()?;
    if response.status != 401
        || !carried_token
        || expected_401
        || profile.origin == FixtureOrigin::Reference
    {
        return None;
    }
    let words = response
        .json
        .as_ref()
        .and_then(target_words)
        .map(|w| format!(" `{w}`"))
        .unwrap_or_default();
    Some(format!(
        "the target refused the run's token during the run: 401{words}; it accepted it at the start, so it expired or was revoked (check --token / CANVAS_TOKEN, or the OAuth client)"
    ))
}

/// Whether the request carried `value` (in its URL or body).
fn sent(exchange: &Exchange, value: &str) -> bool {
    exchange.request.url.contains(value)
        || exchange
            .request
            .body
            .as_deref()
            .is_some_and(|b| b.contains(value))
}

/// Whether `text` names `value`: as a whole word when it is long enough to mean something, else
/// only as a reference (`Location/1`) or in quotes (`unknown location "1"`).
fn names_value(text: &str, value: &str) -> bool {
    if text.is_empty() {
        return false;
    }
    if value.chars().count() < MIN_VALUE_LEN {
        let quoted = ['"', '\'']
            .iter()
            .any(|q| text.contains(&format!("{q}{value}{q}")));
        return quoted
            || text
                .match_indices(value)
                .any(|(at, _)| text[..at].ends_with('/') && bounded_after(text, at + value.len()));
    }
    text.match_indices(value).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        before.is_none_or(|c| !c.is_alphanumeric()) && bounded_after(text, at + value.len())
    })
}

fn bounded_after(text: &str, end: usize) -> bool {
    text[end..]
        .chars()
        .next()
        .is_none_or(|c| !c.is_alphanumeric())
}

/// The fixture a set-up cause names, as `fixture `NAME` (profile FILE:LINE:COL)`, when it is a
/// fixture's refusal (the causes [`fixture_refusal`] and the preflight write); `None` for other
/// causes (a refused token).
pub fn fixture_clause(cause: &str) -> Option<&str> {
    let start = cause.find("fixture `")?;
    let rest = &cause[start..];
    let end = rest.find(')').map_or(rest.len(), |at| at + 1);
    Some(&rest[..end])
}

/// The run's one set-up cause line from the causes of the cases it kept from being judged
/// (`setup_cases` of them): the first cause when they all name one fixture (with how many more
/// cases it kept), else every refused fixture by name and profile line, so that none is hidden.
pub fn run_cause(causes: &[&str], setup_cases: usize) -> Option<String> {
    let first = causes.first()?;
    let mut fixtures: Vec<&str> = Vec::new();
    for clause in causes.iter().filter_map(|c| fixture_clause(c)) {
        let name = clause.split(" (").next().unwrap_or(clause);
        if !fixtures.iter().any(|f| f.split(" (").next() == Some(name)) {
            fixtures.push(clause);
        }
    }
    Some(match (fixtures.len(), setup_cases) {
        (0 | 1, 1) => (*first).to_owned(),
        (0 | 1, n) => format!("{first} ({n} cases not judged for it)"),
        (n, cases) => format!(
            "the target refused {n} fixtures of the profile, {cases} case(s) not judged (each cause is above): {}",
            fixtures.join(", ")
        ),
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use super::*;
    use crate::exchange::{Received, SentRequest};
    use crate::source::{Location, Pos};
    use crate::target::FixtureOrigin;

    fn profile(origin: FixtureOrigin) -> Profile {
        let mut profile = Profile::reference_for(crate::edition::Edition::Current);
        profile
            .fixtures
            .insert("location".into(), "ffff-dead-beef".into());
        profile.origin = origin;
        profile
    }

    fn file_origin() -> FixtureOrigin {
        let file: Arc<str> = Arc::from("targets/x.yaml");
        FixtureOrigin::File {
            path: Arc::clone(&file),
            places: BTreeMap::from([(
                "location".to_owned(),
                Location::new(&file, Pos { line: 12, col: 13 }),
            )]),
        }
    }

    fn exchange(method: &str, url: &str, body: Option<&str>, status: u16, text: &str) -> Exchange {
        let json = serde_json::json!({
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": "invalid", "details": {"text": text}}]
        });
        Exchange {
            request: SentRequest {
                method: method.to_owned(),
                url: url.to_owned(),
                headers: Vec::new(),
                body: body.map(str::to_owned),
            },
            response: Some(Received {
                status,
                headers: Vec::new(),
                body: json.to_string(),
                json: Some(json),
                elapsed_ms: 1,
                truncated: None,
            }),
            error: None,
        }
    }

    fn used(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn a_refusal_naming_an_unverified_fixture_is_the_profiles_problem() {
        let body = r#"{"participant":[{"actor":{"reference":"Location/ffff-dead-beef"}}]}"#;
        let refused = exchange(
            "POST",
            "http://127.0.0.1:1/Appointment",
            Some(body),
            422,
            "unknown location \"ffff-dead-beef\"",
        );
        let (name, cause) =
            fixture_refusal(&used(&["location"]), &profile(file_origin()), &refused)
                .expect("a set-up cause");
        assert_eq!(name, "location");
        assert!(cause.contains("fixture `location`"), "{cause}");
        assert!(cause.contains("targets/x.yaml:12:13"), "{cause}");
        assert!(cause.contains("422 `unknown location"), "{cause}");
        assert!(
            cause.contains("POST http://127.0.0.1:1/Appointment"),
            "{cause}"
        );
    }

    #[test]
    fn the_reference_instance_and_verified_fixtures_are_the_targets_responsibility() {
        let body = r#"{"location":"ffff-dead-beef"}"#;
        let refused = exchange(
            "POST",
            "http://127.0.0.1:1/Appointment",
            Some(body),
            422,
            "unknown location ffff-dead-beef",
        );
        assert_eq!(
            fixture_refusal(
                &used(&["location"]),
                &profile(FixtureOrigin::Reference),
                &refused
            ),
            None
        );
        let mut verified = profile(file_origin());
        verified.verified.insert("location".to_owned());
        assert_eq!(
            fixture_refusal(&used(&["location"]), &verified, &refused),
            None
        );
    }

    #[test]
    fn a_refusal_must_name_the_value_the_request_carried() {
        let p = profile(FixtureOrigin::Assumed);
        // Not sent: the location was not in this request.
        let other = exchange(
            "POST",
            "http://127.0.0.1:1/Appointment",
            Some("{}"),
            422,
            "unknown location ffff-dead-beef",
        );
        assert_eq!(fixture_refusal(&used(&["location"]), &p, &other), None);
        // Sent, but the answer does not name it.
        let unrelated = exchange(
            "POST",
            "http://127.0.0.1:1/Appointment",
            Some("ffff-dead-beef"),
            422,
            "status is required",
        );
        assert_eq!(fixture_refusal(&used(&["location"]), &p, &unrelated), None);
        // Part of a longer word is not the value.
        let longer = exchange(
            "POST",
            "http://127.0.0.1:1/Appointment",
            Some("ffff-dead-beef"),
            422,
            "unknown xffff-dead-beef",
        );
        assert_eq!(fixture_refusal(&used(&["location"]), &p, &longer), None);
        // Success and authentication answers are never a fixture's fault.
        for status in [200, 401, 403, 500] {
            let answered = exchange(
                "POST",
                "http://127.0.0.1:1/Appointment",
                Some("ffff-dead-beef"),
                status,
                "unknown location ffff-dead-beef",
            );
            assert_eq!(fixture_refusal(&used(&["location"]), &p, &answered), None);
        }
    }

    #[test]
    fn a_401_on_the_runs_own_token_mid_run_is_the_set_ups_except_on_the_reference() {
        let refused = exchange(
            "GET",
            "http://127.0.0.1:1/Appointment/x",
            None,
            401,
            "Authentication failed",
        );
        let cause = token_refused(&profile(file_origin()), true, false, &refused).expect("cause");
        assert!(cause.contains("401 `Authentication failed`"), "{cause}");
        assert!(cause.contains("expired or was revoked"), "{cause}");
        // A 401 the case asked for, a request sent without the token, the reference instance.
        assert_eq!(
            token_refused(&profile(file_origin()), true, true, &refused),
            None
        );
        assert_eq!(
            token_refused(&profile(file_origin()), false, false, &refused),
            None
        );
        assert_eq!(
            token_refused(&profile(FixtureOrigin::Reference), true, false, &refused),
            None
        );
    }

    #[test]
    fn a_404_on_a_fixture_id_names_it_and_short_values_only_as_references() {
        let mut p = profile(FixtureOrigin::Assumed);
        p.fixtures
            .insert("appt_confirmed".into(), "0000-0003".into());
        let missing = exchange(
            "GET",
            "http://127.0.0.1:1/Appointment/0000-0003",
            None,
            404,
            "Resource not found",
        );
        let (_, cause) = fixture_refusal(&used(&["appt_confirmed"]), &p, &missing).expect("cause");
        assert!(
            cause.contains("fixture `appt_confirmed` (assumed"),
            "{cause}"
        );
        assert!(cause.contains("404 `Resource not found`"), "{cause}");
        p.fixtures.insert("location".into(), "1".into());
        let short = |text: &str| {
            exchange(
                "POST",
                "http://127.0.0.1:1/Appointment",
                Some("Location/1"),
                422,
                text,
            )
        };
        assert_eq!(
            fixture_refusal(&used(&["location"]), &p, &short("line 1 is wrong")),
            None
        );
        assert!(fixture_refusal(&used(&["location"]), &p, &short("unknown Location/1")).is_some());
        assert!(
            fixture_refusal(&used(&["location"]), &p, &short("unknown location \"1\"")).is_some()
        );
        assert!(fixture_refusal(&used(&["location"]), &p, &short("no id '1' here")).is_some());
        assert!(fixture_refusal(&used(&["location"]), &p, &short("got \"12\"")).is_none());
    }

    #[test]
    fn the_run_cause_names_every_refused_fixture_when_there_are_several() {
        let location = "fixture `location` (profile p.yaml:3:13) was refused by the target: 422";
        let again = "it expects the value of fixture `location` (profile p.yaml:3:13), which the target refused";
        let event =
            "fixture `type_event_code` (profile p.yaml:9:19) was refused by the target: 422";
        assert_eq!(run_cause(&[location], 1).as_deref(), Some(location));
        assert_eq!(
            run_cause(&[location, again], 2),
            Some(format!("{location} (2 cases not judged for it)"))
        );
        let both = run_cause(&[location, event, again], 3).expect("a cause");
        assert!(
            both.starts_with("the target refused 2 fixtures of the profile, 3 case(s) not judged"),
            "{both}"
        );
        assert!(
            both.ends_with("fixture `location` (profile p.yaml:3:13), fixture `type_event_code` (profile p.yaml:9:19)"),
            "{both}"
        );
        assert_eq!(run_cause(&[], 0), None);
    }

    #[test]
    fn a_grant_the_client_does_not_have_is_the_set_up() {
        let step = |expected: u16| -> Step {
            serde_saphyr::from_str(&format!(
                "name: a patient token\nrequest: {{ token: {{ scope: \"patient/Appointment.*\", patient: p1 }} }}\nexpect: {{ status: {expected} }}\n"
            ))
            .expect("a step")
        };
        let mut refused = exchange("POST", "http://127.0.0.1:1/auth/token/", None, 400, "");
        if let Some(response) = refused.response.as_mut() {
            response.json = Some(serde_json::json!({"error": "invalid_scope"}));
        }
        let p = profile(file_origin());
        let cause = grant_refused(&step(200), &p, &refused).expect("a set-up cause");
        assert!(
            cause.contains("was not granted scope `patient/Appointment.*` and a patient token: the token URL answered 400 `invalid_scope`"),
            "{cause}"
        );
        // A case that expects the refusal judges it; another error is the target's.
        assert_eq!(grant_refused(&step(400), &p, &refused), None);
        if let Some(response) = refused.response.as_mut() {
            response.json = Some(serde_json::json!({"error": "invalid_request"}));
        }
        assert_eq!(grant_refused(&step(200), &p, &refused), None);
    }
}
