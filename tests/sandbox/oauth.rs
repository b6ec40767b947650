//! OAuth2 client credentials end to end: the whole suite against a reference server with another
//! instance's settings that accepts only OAuth-issued tokens, and the token cache's renewals (before
//! expiry, and once after a 401) against a small token server.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use canvas_conformance::case::model::{AuthMode, Method};
use canvas_conformance::exchange::Outgoing;
use canvas_conformance::exchange::send::RetryPolicy;
use canvas_conformance::run::RunControl;
use canvas_conformance::target::{Auth, OAuthClient, Profile, Secret, Target};
use canvas_sandbox::{RunningServer, ServerConfig, Settings, spawn};
use serde_json::json;

use super::common::{client, not_passed, passed, project_suite, run_suite, skipped};

/// Another instance: other practitioner, patient, location and type ids, other codes, another OAuth
/// client, double booking allowed, and only three seeded appointments (no reschedule pair).
const SETTINGS: &str = r#"
practitioners:
  - { id: 0a1b2c3d4e5f40718293a4b5c6d7e8f9, name: Grace Hopper MD }
  - { id: 1f2e3d4c5b6a47989a8b7c6d5e4f3a2b, name: Alan Turing PA }
patients:
  - 99aa88bb77cc66dd55ee44ff33001122
  - 0123456789abcdef0123456789abcdef
  - fedcba9876543210fedcba9876543210
locations:
  - { id: 6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f, name: Harbour clinic }
appointment_types:
  - { system: "http://snomed.info/sct", code: "185349003", display: Encounter for check up, default: true }
  - { system: "http://snomed.info/sct", code: "448337001", display: Telemedicine }
  - { system: INTERNAL, code: NEWPT, display: New patient visit }
  - { system: INTERNAL, code: ADMIN, display: Admin time, scheduleable: false }
rfv_codings:
  - { system: INTERNAL, code: RFV-A, display: Annual review }
  - { system: INTERNAL, code: RFV-B, display: Follow up }
double_booking: allowed
oauth_clients:
  - { client_id: harbour-ci, client_secret: harbour-ci-secret-3c1f }
seed_appointments:
  - { id: 7d0f5a2e-1111-4c1a-9d3e-000000000001, status: unconfirmed, practitioner: 0a1b2c3d4e5f40718293a4b5c6d7e8f9, patient: 99aa88bb77cc66dd55ee44ff33001122, appointment_type: "185349003", start: "2023-07-03T09:00Z", end: "2023-07-03T09:30Z", reason: Seeded unconfirmed }
  - { id: 7d0f5a2e-1111-4c1a-9d3e-000000000003, status: confirmed, practitioner: 0a1b2c3d4e5f40718293a4b5c6d7e8f9, patient: 99aa88bb77cc66dd55ee44ff33001122, appointment_type: "185349003", start: "2023-07-03T10:00Z", end: "2023-07-03T10:30Z", reason: Seeded confirmed }
  - { id: 7d0f5a2e-1111-4c1a-9d3e-000000000008, status: cancelled, practitioner: 0a1b2c3d4e5f40718293a4b5c6d7e8f9, patient: 99aa88bb77cc66dd55ee44ff33001122, appointment_type: "185349003", start: "2023-07-03T11:00Z", end: "2023-07-03T11:30Z", reason: Seeded cancelled }
"#;

/// The matching profile; `{base}` is the server's address.
const PROFILE: &str = r#"
name: harbour
base_url: "{base}"
oauth:
  token_url: "{base}/auth/token/"
  client_id_env: HARBOUR_CLIENT_ID
  client_secret_env: HARBOUR_CLIENT_SECRET
allow_writes: true
double_booking: allowed
fixtures:
  practitioner: 0a1b2c3d4e5f40718293a4b5c6d7e8f9
  practitioner_2: 1f2e3d4c5b6a47989a8b7c6d5e4f3a2b
  canvas_bot: 5eede137ecfe4124b8b773040e33be14
  patient: 99aa88bb77cc66dd55ee44ff33001122
  patient_2: 0123456789abcdef0123456789abcdef
  patient_3: fedcba9876543210fedcba9876543210
  location: 6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f
  type_default_system: "http://snomed.info/sct"
  type_default_code: "185349003"
  type_default_display: Encounter for check up
  type_other_system: "http://snomed.info/sct"
  type_other_code: "448337001"
  type_other_display: Telemedicine
  type_internal_code: NEWPT
  type_unschedulable_system: INTERNAL
  type_unschedulable_code: ADMIN
  rfv_system: INTERNAL
  rfv_code: RFV-A
  rfv_display: Annual review
  rfv_code_2: RFV-B
  appt_unconfirmed: 7d0f5a2e-1111-4c1a-9d3e-000000000001
  appt_confirmed: 7d0f5a2e-1111-4c1a-9d3e-000000000003
  appt_cancelled: 7d0f5a2e-1111-4c1a-9d3e-000000000008
"#;

/// The harbour instance on 127.0.0.1:0, OAuth only: its static token is random, so only tokens its
/// `/auth/token/` issued get in.
pub async fn spawn_harbour() -> RunningServer {
    spawn(ServerConfig {
        settings: harbour_settings(),
        static_token: uuid::Uuid::new_v4().simple().to_string(),
        db_path: None,
        mutant: None,
    })
    .await
    .expect("harbour server starts")
}

pub fn harbour_settings() -> Settings {
    Settings::from_yaml_str(SETTINGS, Path::new("harbour.yaml")).expect("settings")
}

pub fn harbour_profile(base: &str) -> String {
    PROFILE.replace("{base}", base)
}

fn oauth(base: &str, secret: &str) -> Auth {
    Auth::oauth(
        OAuthClient {
            token_url: format!("{base}/auth/token/"),
            client_id: Secret::new("harbour-ci".to_owned()),
            client_secret: Secret::new(secret.to_owned()),
            client_id_env: "HARBOUR_CLIENT_ID".to_owned(),
            client_secret_env: "HARBOUR_CLIENT_SECRET".to_owned(),
        },
        Duration::from_secs(10),
    )
    .expect("auth")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_suite_passes_on_another_instance_through_oauth() {
    let server = spawn_harbour().await;
    let base = server.base_url().to_owned();
    let profile = Profile::parse(&Arc::from("harbour.yaml"), &harbour_profile(&base))
        .expect("the profile parses");
    // The token URL and variable names come from the profile; the values are given directly
    // (setting process-wide environment variables is unsafe in a threaded test).
    let settings = profile.oauth.clone().expect("an oauth section");
    assert_eq!(settings.token_url, format!("{base}/auth/token/"));
    let auth = Auth::oauth(
        OAuthClient {
            token_url: settings.token_url,
            client_id: Secret::new("harbour-ci".to_owned()),
            client_secret: Secret::new("harbour-ci-secret-3c1f".to_owned()),
            client_id_env: settings.client_id_env,
            client_secret_env: settings.client_secret_env,
        },
        Duration::from_secs(10),
    )
    .expect("auth");
    let target = Target {
        label: "harbour".to_owned(),
        base_url: base.clone(),
        auth: auth.clone(),
        profile: Arc::new(profile),
    };
    let report = run_suite(
        &project_suite(),
        vec![target],
        client(Duration::from_secs(30)),
        &RunControl::default(),
        2,
    )
    .await;
    assert_eq!(not_passed(&report), "", "every case passes or is skipped");
    let skipped = skipped(&report);
    let names: Vec<&str> = skipped.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        names,
        [
            "create/double-booking-disallowed",
            "read/reschedule",
            "read/status-map"
        ],
        "{skipped:?}"
    );
    assert!(
        skipped[1].1.contains("appt_rescheduled_original"),
        "{skipped:?}"
    );
    assert!(skipped[2].1.contains("appt_roomed"), "{skipped:?}");
    assert!(passed(&report) >= 35, "{} passed", passed(&report));
    // One token served the whole run (cached, not fetched per request).
    assert_eq!(auth.token_fetches(), 1);
    assert!(!report.cleanup.is_empty());
    assert!(report.cleanup.iter().all(|t| t.problem.is_none()));
    server.shutdown().await;
}

#[tokio::test]
async fn a_wrong_client_secret_is_an_error_verdict_that_names_the_variables_only() {
    let server = spawn_harbour().await;
    let base = server.base_url().to_owned();
    let target = Target {
        label: "harbour".to_owned(),
        base_url: base.clone(),
        auth: oauth(&base, "wrong-secret-canary-51"),
        profile: Arc::new(Profile::reference()),
    };
    let exchange = client(Duration::from_secs(10))
        .send(&target, &read("/Appointment/x"))
        .await;
    assert!(exchange.response.is_none());
    let error = exchange
        .error
        .as_ref()
        .map(ToString::to_string)
        .expect("an error");
    assert!(
        error.contains("answered 401 invalid_client")
            && error.contains("check HARBOUR_CLIENT_ID/HARBOUR_CLIENT_SECRET"),
        "{error}"
    );
    assert!(!error.contains("wrong-secret-canary-51"), "{error}");
    assert!(!format!("{exchange:?}").contains("wrong-secret-canary-51"));
    // A refusal is final: later requests get the same error without asking the token URL again.
    let again = client(Duration::from_secs(10))
        .send(&target, &read("/Appointment/y"))
        .await;
    assert_eq!(
        again.error.as_ref().map(ToString::to_string).as_deref(),
        Some(error.as_str())
    );
    assert_eq!(target.auth.token_fetches(), 1);
    server.shutdown().await;
}

fn read(path: &str) -> Outgoing {
    Outgoing {
        method: Method::Get,
        path: path.to_owned(),
        query: Vec::new(),
        headers: Vec::new(),
        body: None,
        auth: AuthMode::Target,
        token: None,
    }
}

/// A token server numbering its tokens (`t1`, `t2`, …) with a given lifetime, and an API that
/// accepts only tokens from `t<accept_from>` on (so `t1` can play a revoked token).
#[derive(Clone)]
struct Issuer {
    issued: Arc<AtomicU64>,
    api_calls: Arc<AtomicU64>,
    expires_in: u64,
    accept_from: u64,
}

async fn issue(
    State(issuer): State<Issuer>,
    body: String,
) -> (StatusCode, axum::Json<serde_json::Value>) {
    assert!(body.contains("grant_type=client_credentials"), "{body}");
    assert!(body.contains("client_id=harbour-ci"), "{body}");
    let n = issuer.issued.fetch_add(1, Ordering::SeqCst) + 1;
    (
        StatusCode::OK,
        axum::Json(
            json!({"access_token": format!("t{n}"), "token_type": "Bearer", "expires_in": issuer.expires_in}),
        ),
    )
}

async fn api(State(issuer): State<Issuer>, headers: HeaderMap) -> StatusCode {
    issuer.api_calls.fetch_add(1, Ordering::SeqCst);
    let n = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer t"))
        .and_then(|n| n.parse::<u64>().ok());
    match n {
        Some(n) if n >= issuer.accept_from => StatusCode::OK,
        _ => StatusCode::UNAUTHORIZED,
    }
}

async fn issuer(expires_in: u64, accept_from: u64) -> (String, Issuer) {
    let issuer = Issuer {
        issued: Arc::new(AtomicU64::new(0)),
        api_calls: Arc::new(AtomicU64::new(0)),
        expires_in,
        accept_from,
    };
    let app = Router::new()
        .route("/auth/token/", post(issue))
        .route("/Appointment/{id}", get(api))
        .with_state(issuer.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, issuer)
}

fn target_with(base: &str, auth: Auth) -> Target {
    Target {
        label: "issuer".to_owned(),
        base_url: base.to_owned(),
        auth,
        profile: Arc::new(Profile::reference()),
    }
}

#[tokio::test]
async fn a_token_is_reused_until_it_is_due_for_renewal() {
    let client = client(Duration::from_secs(10));
    // Long-lived: one fetch for several requests.
    let (base, server) = issuer(36_000, 1).await;
    let auth = oauth(&base, "s");
    let target = target_with(&base, auth.clone());
    for _ in 0..3 {
        let exchange = client.send(&target, &read("/Appointment/a")).await;
        assert_eq!(exchange.response.expect("answer").status, 200);
    }
    assert_eq!(auth.token_fetches(), 1);
    assert_eq!(server.issued.load(Ordering::SeqCst), 1);
    // Already due (expires_in 0): renewed before every request, never sent stale.
    let (base, server) = issuer(0, 1).await;
    let auth = oauth(&base, "s");
    let target = target_with(&base, auth.clone());
    for _ in 0..3 {
        let exchange = client.send(&target, &read("/Appointment/a")).await;
        assert_eq!(exchange.response.expect("answer").status, 200);
    }
    assert_eq!(server.issued.load(Ordering::SeqCst), 3);
    assert_eq!(server.api_calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_401_renews_the_token_once_and_retries_once() {
    let client = client(Duration::from_secs(10));
    // t1 is refused (as if revoked); t2 works.
    let (base, server) = issuer(36_000, 2).await;
    let auth = oauth(&base, "s");
    let exchange = client
        .send(&target_with(&base, auth.clone()), &read("/Appointment/a"))
        .await;
    assert_eq!(exchange.response.expect("answer").status, 200);
    assert_eq!(server.issued.load(Ordering::SeqCst), 2);
    assert_eq!(server.api_calls.load(Ordering::SeqCst), 2);
    // Every token refused: exactly one renewal and one retry, then the 401 stands.
    let (base, server) = issuer(36_000, u64::MAX).await;
    let exchange = client
        .send(
            &target_with(&base, oauth(&base, "s")),
            &read("/Appointment/a"),
        )
        .await;
    assert_eq!(exchange.response.expect("answer").status, 401);
    assert_eq!(server.issued.load(Ordering::SeqCst), 2);
    assert_eq!(server.api_calls.load(Ordering::SeqCst), 2);
    // A static token is never retried.
    let (base, server) = issuer(36_000, 2).await;
    let exchange = client
        .send(
            &target_with(&base, Auth::static_token(Secret::new("t1".to_owned()))),
            &read("/Appointment/a"),
        )
        .await;
    assert_eq!(exchange.response.expect("answer").status, 401);
    assert_eq!(server.api_calls.load(Ordering::SeqCst), 1);
    assert_eq!(server.issued.load(Ordering::SeqCst), 0);
}

/// A token URL busy (`503`, `Retry-After: 1`) for its first `busy` requests, then issuing `t-ok`;
/// its base URL and how many token requests it got.
async fn busy_token_url(busy: u64) -> (String, Arc<AtomicU64>) {
    let asked = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&asked);
    let app = Router::new().route(
        "/auth/token/",
        post(move || {
            let counter = Arc::clone(&counter);
            async move {
                if counter.fetch_add(1, Ordering::SeqCst) < busy {
                    let mut headers = HeaderMap::new();
                    headers.insert("retry-after", "1".parse().expect("header"));
                    let body = json!({"error": "temporarily_unavailable"});
                    return (StatusCode::SERVICE_UNAVAILABLE, headers, axum::Json(body));
                }
                let body =
                    json!({"access_token": "t-ok", "token_type": "Bearer", "expires_in": 3600});
                (StatusCode::OK, HeaderMap::new(), axum::Json(body))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, asked)
}

fn retrying_oauth(base: &str) -> Auth {
    Auth::oauth_retrying(
        OAuthClient {
            token_url: format!("{base}/auth/token/"),
            client_id: Secret::new("harbour-ci".to_owned()),
            client_secret: Secret::new("s".to_owned()),
            client_id_env: "HARBOUR_CLIENT_ID".to_owned(),
            client_secret_env: "HARBOUR_CLIENT_SECRET".to_owned(),
        },
        Duration::from_secs(10),
        RetryPolicy {
            attempts: 3,
            base_delay: Duration::from_millis(5),
            // Retry-After: 1 is honoured but capped, so the test does not wait a second.
            max_wait: Duration::from_millis(20),
        },
    )
    .expect("auth")
}

#[tokio::test]
async fn a_busy_token_url_is_asked_again_after_its_retry_after() {
    // Busy once: the second request gets the token.
    let (base, asked) = busy_token_url(1).await;
    let auth = retrying_oauth(&base);
    let token = auth.bearer().await.expect("a token after one 503");
    assert_eq!(token.expose(), "t-ok");
    assert_eq!(asked.load(Ordering::SeqCst), 2);
    assert_eq!(auth.token_fetches(), 2);
    // Busy for good: as many attempts as the policy allows, then the 503 is the error (and, as a
    // busy answer is not final, a later request asks again).
    let (base, asked) = busy_token_url(u64::MAX).await;
    let auth = retrying_oauth(&base);
    let error = auth.bearer().await.expect_err("still busy").to_string();
    assert!(error.contains("answered 503"), "{error}");
    assert_eq!(asked.load(Ordering::SeqCst), 3);
    assert!(auth.bearer().await.is_err());
    assert_eq!(asked.load(Ordering::SeqCst), 6);
}
