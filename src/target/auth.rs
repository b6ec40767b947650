//! The auth provider the sender asks for a bearer token: a static token, or OAuth2 client
//! credentials (form fields POSTed to the token URL; a 429 or 503 is asked again) with the token
//! cached, renewed at 90 % of its lifetime and once more after a 401; on request, a token of a
//! narrower scope (or for one patient, D29) from the same client (D12), cached apart, and the
//! client's token request itself for a case to judge. Credentials and tokens never reach a message.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::http::Clients;
use crate::retry::RetryPolicy;
use crate::target::Secret;
use crate::target::profile::{OAuthSettings, Profile};

/// The static token of the reference instance (REFERENCE-INSTANCE.md).
pub const REFERENCE_TOKEN: &str = "dev-token";

/// Used when a token answer has no `expires_in` (a 401 still renews it).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);
/// Error descriptions from a token endpoint are cut to this many characters.
const MAX_DESCRIPTION: usize = 200;

/// The form fields of a token request beside the client's credentials (RFC 6749 §4.4.2): the
/// `scope` asked for and the `patient` a patient-scoped token is for (D29). No secret.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct TokenFields {
    pub scope: Option<String>,
    pub patient: Option<String>,
}

impl TokenFields {
    /// The read-only scope of `auth: read_only` ([`crate::target::READ_ONLY_SCOPE`]).
    pub fn read_only() -> TokenFields {
        TokenFields {
            scope: Some(crate::target::READ_ONLY_SCOPE.to_owned()),
            patient: None,
        }
    }

    /// `scope <scope>` and `patient <id>` as words, for messages.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(scope) = &self.scope {
            parts.push(format!("scope `{scope}`"));
        }
        if let Some(patient) = &self.patient {
            parts.push(format!("patient `{patient}`"));
        }
        if parts.is_empty() {
            "the client's own scope".to_owned()
        } else {
            parts.join(", ")
        }
    }

    /// The form of a client-credentials token request with these fields and the given client id
    /// and secret (the secret ones redacted where it is recorded).
    pub fn form(&self, client_id: &str, client_secret: &str) -> String {
        let mut form = form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", "client_credentials")
            .append_pair("client_id", client_id)
            .append_pair("client_secret", client_secret);
        if let Some(scope) = &self.scope {
            form.append_pair("scope", scope);
        }
        if let Some(patient) = &self.patient {
            form.append_pair("patient", patient);
        }
        form.finish()
    }
}

/// Why no token could be had. Messages name variables and URLs, never values.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AuthError {
    #[error("no credentials: {0}")]
    NoCredentials(String),
    #[error(
        "environment variable {var} is not set: export it with the OAuth client {what} (the profile names it in oauth.{key})"
    )]
    MissingEnv {
        var: String,
        what: &'static str,
        key: &'static str,
    },
    #[error("token URL {url} could not be reached: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("token URL {url} answered {status}{detail}{hint}")]
    Rejected {
        url: String,
        status: u16,
        /// ` invalid_client (unknown client or wrong secret)`, or empty.
        detail: String,
        /// `: check …`, or empty.
        hint: String,
        /// The answer's `Retry-After`, verbatim, when it had one (a 429 or 503 is asked again
        /// after that wait).
        retry_after: Option<String>,
    },
    #[error("token URL {url} answered 200 but {problem}")]
    BadAnswer { url: String, problem: String },
    #[error("failed to build the HTTP client for the token URL: {0}")]
    Client(String),
    /// A token of a narrower scope was asked of a provider that cannot issue one (a static token).
    #[error("no token of {scope}: {reason}")]
    NoScopedToken { scope: String, reason: String },
}

impl AuthError {
    /// Whether asking again cannot help (as opposed to a busy or unreachable token URL).
    pub fn is_final(&self) -> bool {
        match self {
            AuthError::Rejected { status, .. } => !matches!(status, 408 | 429 | 500..=599),
            AuthError::NoCredentials(_)
            | AuthError::MissingEnv { .. }
            | AuthError::BadAnswer { .. }
            | AuthError::Client(_)
            | AuthError::NoScopedToken { .. } => true,
            AuthError::Unreachable { .. } => false,
        }
    }
}

/// Why a provider cannot hand out a token of a narrower scope ([`Auth::no_narrower_scope`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoNarrowerScope {
    /// A static bearer token has only the scope it was issued with.
    StaticToken,
    /// No token at all can be had, for this reason.
    NoCredentials(String),
    /// A replayed target whose recording holds no such token.
    NotRecorded,
}

/// Where a token comes from. Cheap to clone; clones share the cache.
#[derive(Clone)]
pub struct Auth {
    inner: Arc<Source>,
}

enum Source {
    Static(Secret<String>),
    OAuth(Box<OAuth>),
    /// Nothing to authenticate with (fine for a dry run; any request needing a token errors).
    Unavailable(String),
    /// A recorded target (`replay`): no credentials, nothing is sent; `read_only`: the recorded
    /// target could hand out read-only tokens, so cases asking for one are planned as they were.
    Replayed {
        read_only: bool,
    },
}

/// OAuth2 client credentials and the token cache.
struct OAuth {
    token_url: String,
    client_id: Secret<String>,
    client_secret: Secret<String>,
    id_env: String,
    secret_env: String,
    http: Clients,
    /// How a busy token URL (429, 503) is asked again: the run's `--max-attempts` and longest wait.
    retry: RetryPolicy,
    cache: Mutex<Option<Cached>>,
    /// Tokens of a narrower scope than the client's (D12) or for one patient (D29), by their
    /// form fields, cached like the main one.
    scoped: Mutex<Vec<(TokenFields, Cached)>>,
    /// A refusal that asking again will not change (wrong credentials, wrong URL): kept so a run
    /// does not hammer the token URL with a request per case.
    refused: Mutex<Option<AuthError>>,
    fetches: AtomicU64,
}

struct Cached {
    token: Secret<String>,
    renew_at: Instant,
}

/// What an OAuth provider needs: the token URL, the credentials, and which variables held them
/// (named in hints).
pub struct OAuthClient {
    pub token_url: String,
    pub client_id: Secret<String>,
    pub client_secret: Secret<String>,
    pub client_id_env: String,
    pub client_secret_env: String,
}

impl OAuthClient {
    /// Reads the credentials from the environment variables the profile names.
    pub fn from_env(settings: &OAuthSettings) -> Result<OAuthClient, AuthError> {
        let read = |var: &str, what: &'static str, key: &'static str| {
            std::env::var(var)
                .ok()
                .filter(|v| !v.trim().is_empty())
                .map(Secret::new)
                .ok_or_else(|| AuthError::MissingEnv {
                    var: var.to_owned(),
                    what,
                    key,
                })
        };
        Ok(OAuthClient {
            token_url: settings.token_url.clone(),
            client_id: read(&settings.client_id_env, "id", "client_id_env")?,
            client_secret: read(&settings.client_secret_env, "secret", "client_secret_env")?,
            client_id_env: settings.client_id_env.clone(),
            client_secret_env: settings.client_secret_env.clone(),
        })
    }
}

/// The provider for a profile: an explicit static token wins; else the profile's OAuth client (its
/// credentials read from the environment variables it names; each token request bounded by
/// `timeout`, a busy token URL asked again under `retry`); else `dev-token` for the reference
/// profile. Whatever is missing makes an unavailable provider that says what to do.
pub fn for_profile(
    profile: &Profile,
    token: Option<String>,
    timeout: Duration,
    retry: &RetryPolicy,
) -> Auth {
    if let Some(token) = token.as_deref().map(bare_token).filter(|t| !t.is_empty()) {
        return Auth::static_token(Secret::new(token.to_owned()));
    }
    match &profile.oauth {
        Some(settings) => {
            match OAuthClient::from_env(settings)
                .and_then(|client| Auth::oauth_retrying(client, timeout, retry.clone()))
            {
                Ok(auth) => auth,
                Err(e) => Auth::unavailable(e.to_string()),
            }
        }
        // The reference instance, built in or assumed for a `--target` without a profile (of
        // either edition), takes its documented token.
        None if profile.name == "reference"
            || !matches!(profile.origin, crate::target::FixtureOrigin::File { .. }) =>
        {
            Auth::static_token(Secret::new(REFERENCE_TOKEN.to_owned()))
        }
        None => Auth::unavailable(format!(
            "profile `{}` has no oauth section and no token was given: pass --token or set CANVAS_TOKEN",
            profile.name
        )),
    }
}

/// A token as pasted: surrounding whitespace (a newline from a file) and an `Authorization` value's
/// `Bearer ` scheme (RFC 6750 §2.1) taken off, which the sender adds itself.
fn bare_token(token: &str) -> &str {
    let token = token.trim();
    match token.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("bearer ") => token[7..].trim_start(),
        _ => token,
    }
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Auth({})", self.describe())
    }
}

impl Auth {
    pub fn static_token(token: Secret<String>) -> Auth {
        Auth {
            inner: Arc::new(Source::Static(token)),
        }
    }

    /// A provider that cannot authenticate; `reason` says why (shown when a token is needed).
    pub fn unavailable(reason: impl Into<String>) -> Auth {
        Auth {
            inner: Arc::new(Source::Unavailable(reason.into())),
        }
    }

    /// The auth of a recorded target in a replay: it hands out no token (a replay sends nothing),
    /// and plans cases using a read-only token as the recording did (`read_only`).
    pub fn replayed(read_only: bool) -> Auth {
        Auth {
            inner: Arc::new(Source::Replayed { read_only }),
        }
    }

    /// Why no token of a narrower scope than the main one can be had from this provider, if it
    /// cannot (an OAuth client can; a replay can when its recording could).
    pub fn no_narrower_scope(&self) -> Option<NoNarrowerScope> {
        match &*self.inner {
            Source::OAuth(_) | Source::Replayed { read_only: true } => None,
            Source::Static(_) => Some(NoNarrowerScope::StaticToken),
            Source::Unavailable(reason) => Some(NoNarrowerScope::NoCredentials(reason.clone())),
            Source::Replayed { read_only: false } => Some(NoNarrowerScope::NotRecorded),
        }
    }

    /// Whether this is a replayed target whose recording could hand out read-only tokens.
    pub fn replays_read_only(&self) -> bool {
        matches!(&*self.inner, Source::Replayed { read_only: true })
    }

    /// OAuth2 client credentials; `timeout` bounds each token request, and a busy token URL is
    /// asked again under the default [`RetryPolicy`].
    pub fn oauth(client: OAuthClient, timeout: Duration) -> Result<Auth, AuthError> {
        Auth::oauth_retrying(client, timeout, RetryPolicy::default())
    }

    /// [`Auth::oauth`] with the run's retry policy: a token request answered 429 or 503 is sent
    /// again after the wait its `Retry-After` asks (capped by `retry.max_wait`), at most
    /// `retry.attempts` times in all.
    pub fn oauth_retrying(
        client: OAuthClient,
        timeout: Duration,
        retry: RetryPolicy,
    ) -> Result<Auth, AuthError> {
        let http = Clients::new(move || {
            reqwest::Client::builder()
                .timeout(timeout)
                .connect_timeout(timeout.min(Duration::from_secs(10)))
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(concat!("canvas-conformance/", env!("CARGO_PKG_VERSION")))
        })
        .map_err(|e| AuthError::Client(e.to_string()))?;
        Ok(Auth {
            inner: Arc::new(Source::OAuth(Box::new(OAuth {
                token_url: client.token_url,
                client_id: client.client_id,
                client_secret: client.client_secret,
                id_env: client.client_id_env,
                secret_env: client.client_secret_env,
                http,
                retry,
                cache: Mutex::new(None),
                scoped: Mutex::new(Vec::new()),
                refused: Mutex::new(None),
                fetches: AtomicU64::new(0),
            }))),
        })
    }

    /// In plain words, without any secret: `static token`, `OAuth2 client credentials at …`.
    pub fn describe(&self) -> String {
        match &*self.inner {
            Source::Static(_) => "static bearer token".to_owned(),
            Source::OAuth(oauth) => format!(
                "OAuth2 client credentials at {}, client from {}/{}",
                oauth.token_url, oauth.id_env, oauth.secret_env
            ),
            Source::Unavailable(reason) => format!("no credentials ({reason})"),
            Source::Replayed { .. } => "none (replayed from a recording)".to_owned(),
        }
    }

    /// Why this provider cannot authenticate, if it cannot.
    pub fn unavailable_reason(&self) -> Option<&str> {
        match &*self.inner {
            Source::Unavailable(reason) => Some(reason),
            Source::Static(_) | Source::OAuth(_) | Source::Replayed { .. } => None,
        }
    }

    /// Whether this provider fetches tokens (rather than holding one).
    pub fn is_oauth(&self) -> bool {
        matches!(&*self.inner, Source::OAuth(_))
    }

    /// How many times a token was requested from the token URL (0 for a static token).
    pub fn token_fetches(&self) -> u64 {
        match &*self.inner {
            Source::OAuth(oauth) => oauth.fetches.load(Ordering::Relaxed),
            Source::Static(_) | Source::Unavailable(_) | Source::Replayed { .. } => 0,
        }
    }

    /// The bearer token to send now: the static one, or a cached OAuth token (fetched when there is
    /// none or it is due for renewal). Concurrent callers share one fetch.
    pub async fn bearer(&self) -> Result<Secret<String>, AuthError> {
        match &*self.inner {
            Source::Static(token) => Ok(token.clone()),
            Source::Unavailable(reason) => Err(AuthError::NoCredentials(reason.clone())),
            Source::Replayed { .. } => Err(AuthError::NoCredentials(REPLAYED.to_owned())),
            Source::OAuth(oauth) => {
                let mut cache = oauth.cache.lock().await;
                if let Some(cached) = cache.as_ref()
                    && Instant::now() < cached.renew_at
                {
                    return Ok(cached.token.clone());
                }
                if let Some(refused) = oauth.refused.lock().await.as_ref() {
                    return Err(refused.clone());
                }
                let (token, lifetime) = match oauth.fetch(None).await {
                    Ok(answer) => answer,
                    Err(e) => {
                        if e.is_final() {
                            *oauth.refused.lock().await = Some(e.clone());
                        }
                        return Err(e);
                    }
                };
                *cache = Some(Cached {
                    token: token.clone(),
                    renew_at: Instant::now() + renew_after(lifetime),
                });
                Ok(token)
            }
        }
    }

    /// A token asked with `fields` (an RFC 6749 §3.3 scope, e.g.
    /// [`READ_ONLY_SCOPE`](crate::target::READ_ONLY_SCOPE), and a patient, D29), fetched from the
    /// same OAuth client and cached apart until 90 % of its lifetime. A static token has the scope
    /// it has: [`AuthError::NoScopedToken`].
    pub async fn scoped_bearer(&self, fields: &TokenFields) -> Result<Secret<String>, AuthError> {
        match &*self.inner {
            Source::OAuth(oauth) => {
                let mut scoped = oauth.scoped.lock().await;
                if let Some((_, cached)) = scoped.iter().find(|(f, _)| f == fields)
                    && Instant::now() < cached.renew_at
                {
                    return Ok(cached.token.clone());
                }
                let (token, lifetime) = oauth.fetch(Some(fields)).await?;
                scoped.retain(|(f, _)| f != fields);
                scoped.push((
                    fields.clone(),
                    Cached {
                        token: token.clone(),
                        renew_at: Instant::now() + renew_after(lifetime),
                    },
                ));
                Ok(token)
            }
            Source::Static(_) => Err(AuthError::NoScopedToken {
                scope: fields.describe(),
                reason: "a static bearer token has only the scope it was issued with".to_owned(),
            }),
            Source::Unavailable(reason) => Err(AuthError::NoCredentials(reason.clone())),
            Source::Replayed { .. } => Err(AuthError::NoCredentials(REPLAYED.to_owned())),
        }
    }

    /// The token URL and the form of a token request with `fields` and this client's credentials
    /// (a secret: it holds them), for a case that judges the token endpoint's answer itself.
    /// Errors: a provider that is no OAuth client ([`AuthError::NoScopedToken`] or why it has no
    /// credentials).
    pub fn token_request(
        &self,
        fields: &TokenFields,
    ) -> Result<(String, Secret<String>), AuthError> {
        match &*self.inner {
            Source::OAuth(oauth) => {
                oauth.fetches.fetch_add(1, Ordering::Relaxed);
                Ok((
                    oauth.token_url.clone(),
                    Secret::new(
                        fields.form(oauth.client_id.expose(), oauth.client_secret.expose()),
                    ),
                ))
            }
            Source::Static(_) => Err(AuthError::NoScopedToken {
                scope: fields.describe(),
                reason: "a static bearer token comes with no OAuth client to ask".to_owned(),
            }),
            Source::Unavailable(reason) => Err(AuthError::NoCredentials(reason.clone())),
            Source::Replayed { .. } => Err(AuthError::NoCredentials(REPLAYED.to_owned())),
        }
    }

    /// Whether this is the reference instance's static token (`dev-token`, REFERENCE-INSTANCE.md).
    pub fn is_reference_token(&self) -> bool {
        matches!(&*self.inner, Source::Static(token) if token.expose() == REFERENCE_TOKEN)
    }

    /// The server answered 401 to `token`: forget it if it is still the cached one. Returns whether
    /// asking [`Auth::bearer`] again may help (OAuth only: a static token stays what it is).
    pub async fn rejected(&self, token: &Secret<String>) -> bool {
        match &*self.inner {
            Source::OAuth(oauth) => {
                let mut cache = oauth.cache.lock().await;
                if cache.as_ref().is_some_and(|c| &c.token == token) {
                    *cache = None;
                }
                true
            }
            Source::Static(_) | Source::Unavailable(_) | Source::Replayed { .. } => false,
        }
    }
}

/// Why a replayed target has no token.
const REPLAYED: &str = "a replay answers from the recording and sends nothing";

/// When to renew a token that lives `lifetime`: at 90 % of it.
pub fn renew_after(lifetime: Duration) -> Duration {
    lifetime.mul_f64(0.9)
}

impl OAuth {
    /// A token request, sent again while the token URL answers 429 or 503 and attempts remain
    /// (after the wait its `Retry-After` asks, capped by the policy's longest wait); `fields` ask for
    /// a narrower grant (RFC 6749 §4.4.2) or a patient (D29).
    async fn fetch(
        &self,
        fields: Option<&TokenFields>,
    ) -> Result<(Secret<String>, Duration), AuthError> {
        let mut attempt = 1;
        loop {
            let error = match self.fetch_once(fields).await {
                Ok(answer) => return Ok(answer),
                Err(error) => error,
            };
            let wait = match &error {
                AuthError::Rejected {
                    status,
                    retry_after,
                    ..
                } => self
                    .retry
                    .wait_after_status(attempt, *status, retry_after.as_deref()),
                _ => None,
            };
            let Some(wait) = wait else {
                return Err(error);
            };
            tracing::info!(
                url = %self.token_url,
                wait_ms = wait.as_millis() as u64,
                "the token URL asked to retry later: {error}"
            );
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// One token request.
    async fn fetch_once(
        &self,
        fields: Option<&TokenFields>,
    ) -> Result<(Secret<String>, Duration), AuthError> {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let form = fields
            .cloned()
            .unwrap_or_default()
            .form(self.client_id.expose(), self.client_secret.expose());
        let url = self.token_url.clone();
        let http = self
            .http
            .for_url(&url)
            .map_err(|e| AuthError::Unreachable {
                url: url.clone(),
                reason: e.to_string(),
            })?;
        let response = http
            .post(&url)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Accept", "application/json")
            .body(form)
            .send()
            .await
            .map_err(|e| {
                let reason = describe_transport(&e);
                AuthError::Unreachable {
                    url: url.clone(),
                    reason: self.scrub(&format!(
                        "{reason}{}",
                        crate::http::failure_notes(&url, &reason)
                    )),
                }
            })?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = response.bytes().await.map_err(|e| AuthError::Unreachable {
            url: url.clone(),
            reason: self.scrub(&describe_transport(&e)),
        })?;
        let json: Option<Value> = serde_json::from_slice(&bytes).ok();
        if status != 200 {
            return Err(AuthError::Rejected {
                detail: self.scrub(&oauth_detail(json.as_ref())),
                hint: self.hint(status, json.as_ref()),
                url,
                status,
                retry_after,
            });
        }
        let bad = |problem: &str| AuthError::BadAnswer {
            url: url.clone(),
            problem: problem.to_owned(),
        };
        let json = json.ok_or_else(|| bad("the body is not JSON"))?;
        let token = json
            .get("access_token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| bad("without an `access_token`"))?;
        if let Some(kind) = json.get("token_type").and_then(Value::as_str)
            && !kind.eq_ignore_ascii_case("bearer")
        {
            return Err(bad(&format!("with token_type `{kind}`, not Bearer")));
        }
        let lifetime = match json.get("expires_in") {
            None | Some(Value::Null) => DEFAULT_LIFETIME,
            Some(Value::Number(n)) => n
                .as_f64()
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(Duration::from_secs_f64)
                .ok_or_else(|| bad("with an `expires_in` that is not a number of seconds"))?,
            Some(Value::String(s)) => s
                .trim()
                .parse::<u64>()
                .map(Duration::from_secs)
                .map_err(|_| bad("with an `expires_in` that is not a number of seconds"))?,
            Some(_) => return Err(bad("with an `expires_in` that is not a number of seconds")),
        };
        Ok((Secret::new(token.to_owned()), lifetime))
    }

    /// What to check, in plain words, for a refused token request.
    fn hint(&self, status: u16, json: Option<&Value>) -> String {
        let error = json
            .and_then(|j| j.get("error"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        let credentials = format!(": check {}/{}", self.id_env, self.secret_env);
        // A FHIR resource (an OperationOutcome) is a FHIR server's answer, not an OAuth endpoint's.
        if json.is_some_and(|j| j.get("resourceType").is_some()) {
            return ": that URL answered as a FHIR server (a resource, not an OAuth error): check oauth.token_url (on Canvas it is https://<instance>.canvasmedical.com/auth/token/, on the EMR host, not the fumage- FHIR host)".to_owned();
        }
        match (status, error) {
            (_, "invalid_client" | "unauthorized_client") | (401 | 403, _) => credentials,
            (404 | 405, _) => ": check oauth.token_url (on Canvas it is https://<instance>.canvasmedical.com/auth/token/, on the EMR host, not the fumage- FHIR host)".to_owned(),
            (429 | 503, _) => ": the token URL is busy; try again later".to_owned(),
            _ => String::new(),
        }
    }

    fn scrub(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for secret in [&self.client_secret, &self.client_id] {
            if !secret.expose().is_empty() {
                text = text.replace(secret.expose().as_str(), "[redacted]");
            }
        }
        text
    }
}

/// ` invalid_client (unknown client or wrong secret)` from an RFC 6749 error body.
fn oauth_detail(json: Option<&Value>) -> String {
    let Some(json) = json else {
        return String::new();
    };
    let error = json.get("error").and_then(Value::as_str);
    let description = json
        .get("error_description")
        .and_then(Value::as_str)
        .map(|d| d.chars().take(MAX_DESCRIPTION).collect::<String>());
    match (error, description) {
        (Some(e), Some(d)) => format!(" {e} ({d})"),
        (Some(e), None) => format!(" {e}"),
        (None, Some(d)) => format!(" ({d})"),
        (None, None) => String::new(),
    }
}

fn describe_transport(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    crate::target::cause::with_causes(kind.to_owned(), error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renews_at_ninety_percent() {
        assert_eq!(
            renew_after(Duration::from_secs(36_000)),
            Duration::from_secs(32_400)
        );
        assert_eq!(renew_after(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn detail_and_description_never_need_the_secret() {
        let body = serde_json::json!({"error": "invalid_client", "error_description": "nope"});
        assert_eq!(oauth_detail(Some(&body)), " invalid_client (nope)");
        assert_eq!(oauth_detail(None), "");
    }

    #[tokio::test]
    async fn static_tokens_are_not_renewed_after_a_401() {
        let auth = Auth::static_token(Secret::new("t".to_owned()));
        let token = auth.bearer().await.unwrap();
        assert_eq!(token.expose(), "t");
        assert!(!auth.rejected(&token).await);
        assert_eq!(auth.token_fetches(), 0);
        assert!(format!("{auth:?}").contains("static"));
    }

    #[tokio::test]
    async fn a_pasted_authorization_value_or_a_newline_is_taken_off_the_token() {
        let profile = Profile::reference_for(crate::edition::Edition::Current);
        for pasted in ["Bearer abc.def\n", "  bearer   abc.def", "abc.def\r\n"] {
            let auth = for_profile(
                &profile,
                Some(pasted.to_owned()),
                Duration::from_secs(1),
                &RetryPolicy::default(),
            );
            let token = auth.bearer().await.expect("a static token");
            assert_eq!(token.expose(), "abc.def", "{pasted:?}");
        }
        assert_eq!(bare_token("Bearer"), "Bearer");
    }

    #[tokio::test]
    async fn unavailable_says_why() {
        let auth = Auth::unavailable("pass --token or set CANVAS_TOKEN");
        let err = auth.bearer().await.unwrap_err().to_string();
        assert_eq!(err, "no credentials: pass --token or set CANVAS_TOKEN");
    }

    #[test]
    fn missing_env_names_the_variable_only() {
        let settings = OAuthSettings {
            token_url: "http://127.0.0.1:9/auth/token".to_owned(),
            client_id_env: "CC_TEST_SURELY_UNSET_ID_5f1".to_owned(),
            client_secret_env: "CC_TEST_SURELY_UNSET_SECRET_5f1".to_owned(),
        };
        let err = OAuthClient::from_env(&settings).err().unwrap().to_string();
        assert!(
            err.contains("CC_TEST_SURELY_UNSET_ID_5f1 is not set"),
            "{err}"
        );
    }
}
