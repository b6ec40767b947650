//! Tokens of a case's own scope (`auth: read_only`, `auth: { scope, patient }`) and the token
//! request a case sends itself: where a target gets them (its OAuth client; a reference server's
//! documented one behind `dev-token`), and why it cannot (D12, D28, D29).

use std::sync::Mutex;
use std::time::Duration;

use crate::retry::RetryPolicy;
use crate::target::auth::{Auth, AuthError, NoNarrowerScope, OAuthClient, TokenFields};
use crate::target::{Secret, Target};

/// The scope of a token that may read and search but not create or update (D12; SMART v1 syntax,
/// as the reference server's token endpoint and Canvas's use it).
pub const READ_ONLY_SCOPE: &str = "system/Appointment.read";

/// The reference instance's OAuth client (REFERENCE-INSTANCE.md, "Access"): public test values.
const REFERENCE_CLIENT_ID: &str = "conformance";
const REFERENCE_CLIENT_SECRET: &str = "conformance-secret";

/// What a recorded token request shows in place of the client's id and secret.
const REDACTED_CLIENT: &str = "[redacted]";

/// Bounds a token request to a reference server.
const REFERENCE_TOKEN_TIMEOUT: Duration = Duration::from_secs(30);

/// The reference client of each reference server asked so far (by base URL and the number of
/// attempts its token requests get), so that its scoped token is cached across the steps and
/// cases of a run.
static REFERENCE_CLIENTS: Mutex<Vec<((String, u32), Auth)>> = Mutex::new(Vec::new());

/// A token request ready to send: the token URL and the form, which holds the client's
/// credentials.
pub struct TokenCall {
    pub url: String,
    pub form: Secret<String>,
}

impl Target {
    /// Why this target cannot hand out a read-only token, if it cannot. A case using
    /// `auth: read_only` is then skipped with this reason.
    pub fn read_only_unavailable(&self) -> Option<String> {
        let why = self.no_scoped_token()?;
        Some(format!(
            "needs a read-only token (auth: read_only, scope {READ_ONLY_SCOPE}), but {why}"
        ))
    }

    /// Why this target cannot hand out tokens of a case's own scope, or let a case send its token
    /// request, if it cannot. A case using `auth: { scope, patient }` or `token:` is then skipped
    /// with this reason.
    pub fn scoped_tokens_unavailable(&self) -> Option<String> {
        let why = self.no_scoped_token()?;
        Some(format!(
            "asks the target's OAuth client for tokens of its own (auth: {{ scope, patient }} or a token request), but {why}"
        ))
    }

    /// The real reason no token of a case's own scope can be had: a static token (given with
    /// `--token` or `CANVAS_TOKEN`, which wins over the profile's oauth client if it has one; or a
    /// profile without an oauth section), no credentials at all, or a recording without one. A
    /// reference server's `dev-token` is no obstacle: its documented client hands them out.
    fn no_scoped_token(&self) -> Option<String> {
        if self.auth.is_reference_token() {
            return None;
        }
        let name = &self.profile.name;
        Some(match self.auth.no_narrower_scope()? {
            NoNarrowerScope::StaticToken if self.profile.oauth.is_some() => format!(
                "the static token given (--token or CANVAS_TOKEN) wins over profile `{name}`'s oauth \
                 client and has only the scope it was issued with: leave it out to let the oauth \
                 client request one"
            ),
            NoNarrowerScope::StaticToken => format!(
                "profile `{name}` has no oauth section to request one with, and a static token has \
                 only the scope it was issued with"
            ),
            NoNarrowerScope::NoCredentials(reason) => format!("no token can be had: {reason}"),
            NoNarrowerScope::NotRecorded => {
                "the recording holds none (its target could not request one)".to_owned()
            }
        })
    }

    /// A bearer token of scope [`READ_ONLY_SCOPE`] ([`Target::scoped_bearer`]).
    pub async fn read_only_bearer(&self) -> Result<Secret<String>, AuthError> {
        self.scoped_bearer(&TokenFields::read_only()).await
    }

    /// [`Target::read_only_bearer`], a busy token URL asked again under `retry` (the run's).
    pub async fn read_only_bearer_with(
        &self,
        retry: &RetryPolicy,
    ) -> Result<Secret<String>, AuthError> {
        self.scoped_bearer_with(&TokenFields::read_only(), retry)
            .await
    }

    /// A bearer token asked with `fields`: from the target's OAuth client (cached), or, on a
    /// reference server, from its documented client at `<base URL>/auth/token/` (cached per
    /// server). Errors: the token URL's refusal, or [`AuthError::NoScopedToken`] with the reason
    /// [`Target::scoped_tokens_unavailable`] gives.
    pub async fn scoped_bearer(&self, fields: &TokenFields) -> Result<Secret<String>, AuthError> {
        self.scoped_bearer_with(fields, &RetryPolicy::default())
            .await
    }

    /// [`Target::scoped_bearer`]; on a reference server its documented client asks a busy token
    /// URL (429, 503) again under `retry`, the run's policy (the target's own OAuth client has it
    /// already).
    pub async fn scoped_bearer_with(
        &self,
        fields: &TokenFields,
        retry: &RetryPolicy,
    ) -> Result<Secret<String>, AuthError> {
        self.oauth_client(fields, retry)?
            .scoped_bearer(fields)
            .await
    }

    /// The token request a case sends itself (`token:`), to the target's token URL with its
    /// client's credentials, or on a reference server its documented client's. Errors as
    /// [`Target::scoped_bearer`].
    pub fn token_call(&self, fields: &TokenFields) -> Result<TokenCall, AuthError> {
        let (url, form) = self
            .oauth_client(fields, &RetryPolicy::default())?
            .token_request(fields)?;
        Ok(TokenCall { url, form })
    }

    /// Where a token request goes, as recorded and replayed: the profile's token URL, else the
    /// reference instance's `<base URL>/auth/token/`.
    pub fn token_url(&self) -> String {
        match &self.profile.oauth {
            Some(oauth) => oauth.token_url.clone(),
            None => format!("{}/auth/token/", self.base_url.trim_end_matches('/')),
        }
    }

    /// A token request's form as recorded: the client's id and secret redacted.
    pub fn recorded_token_form(fields: &TokenFields) -> String {
        fields.form(REDACTED_CLIENT, REDACTED_CLIENT)
    }

    /// The OAuth client that answers for this target: its own, or a reference server's
    /// documented one.
    fn oauth_client(&self, fields: &TokenFields, retry: &RetryPolicy) -> Result<Auth, AuthError> {
        if let Some(reason) = self.no_scoped_token()
            && self.auth.no_narrower_scope() == Some(NoNarrowerScope::StaticToken)
        {
            return Err(AuthError::NoScopedToken {
                scope: fields.describe(),
                reason,
            });
        }
        if self.auth.is_oauth() || !self.auth.is_reference_token() {
            return Ok(self.auth.clone());
        }
        reference_client(&self.base_url, retry)
    }
}

/// The reference client for the server at `base_url`, its token requests asked again under
/// `retry`, made on first use.
fn reference_client(base_url: &str, retry: &RetryPolicy) -> Result<Auth, AuthError> {
    let key = (base_url.trim_end_matches('/').to_owned(), retry.attempts);
    let base = key.0.clone();
    let mut clients = REFERENCE_CLIENTS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((_, auth)) = clients.iter().find(|(known, _)| *known == key) {
        return Ok(auth.clone());
    }
    let auth = Auth::oauth_retrying(
        OAuthClient {
            token_url: format!("{base}/auth/token/"),
            client_id: Secret::new(REFERENCE_CLIENT_ID.to_owned()),
            client_secret: Secret::new(REFERENCE_CLIENT_SECRET.to_owned()),
            client_id_env: "(the reference instance's client)".to_owned(),
            client_secret_env: "(its documented secret)".to_owned(),
        },
        REFERENCE_TOKEN_TIMEOUT,
        retry.clone(),
    )?;
    clients.push((key, auth.clone()));
    Ok(auth)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::target::{OAuthSettings, Profile};

    /// A target of profile `my-sandbox` (with an oauth section when `oauth`) authenticating with `auth`.
    fn target(oauth: bool, auth: Auth) -> Target {
        let mut profile = Profile::reference();
        profile.name = "my-sandbox".to_owned();
        profile.oauth = oauth.then(|| OAuthSettings {
            token_url: "https://x.example/auth/token/".to_owned(),
            client_id_env: "CC_TEST_UNSET_CLIENT_ID".to_owned(),
            client_secret_env: "CC_TEST_UNSET_CLIENT_SECRET".to_owned(),
        });
        Target {
            label: "my-sandbox".to_owned(),
            base_url: "https://x.example".to_owned(),
            auth,
            profile: Arc::new(profile),
        }
    }

    fn token() -> Auth {
        Auth::static_token(Secret::new("canary-5b2c".to_owned()))
    }

    #[tokio::test]
    async fn a_static_token_over_an_oauth_section_says_the_token_wins_not_that_there_is_no_section()
    {
        let target = target(true, token());
        let reason = target.read_only_unavailable().expect("no read-only token");
        assert!(!reason.contains("no oauth section"), "{reason}");
        assert!(
            reason.contains("--token or CANVAS_TOKEN")
                && reason.contains("wins over profile `my-sandbox`'s oauth client"),
            "{reason}"
        );
        assert!(!reason.contains("canary-5b2c"), "{reason}");
        let err = target.read_only_bearer().await.unwrap_err().to_string();
        assert!(err.contains("wins over profile `my-sandbox`"), "{err}");
        assert!(!err.contains("canary-5b2c"), "{err}");
    }

    #[test]
    fn each_reason_is_the_real_one() {
        let reason = target(false, token()).read_only_unavailable();
        assert!(
            reason
                .as_deref()
                .is_some_and(|r| r.contains("profile `my-sandbox` has no oauth section")),
            "{reason:?}"
        );
        // An oauth section whose client cannot be had: its own reason, not "no oauth section".
        let auth = Auth::unavailable("environment variable CC_TEST_UNSET_CLIENT_ID is not set");
        let reason = target(true, auth).read_only_unavailable();
        assert!(
            reason
                .as_deref()
                .is_some_and(|r| r.contains("no token can be had")
                    && r.contains("CC_TEST_UNSET_CLIENT_ID")
                    && !r.contains("no oauth section")),
            "{reason:?}"
        );
        let reason = target(false, Auth::replayed(false)).read_only_unavailable();
        assert!(
            reason
                .as_deref()
                .is_some_and(|r| r.contains("the recording holds none")),
            "{reason:?}"
        );
        assert_eq!(
            target(false, Auth::replayed(true)).read_only_unavailable(),
            None
        );
        let reference = Auth::static_token(Secret::new(crate::target::REFERENCE_TOKEN.to_owned()));
        assert_eq!(target(false, reference).read_only_unavailable(), None);
    }
}
