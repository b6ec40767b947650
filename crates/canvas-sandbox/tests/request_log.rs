//! The request log (issue 26), in a test binary of its own: a thread-local tracing subscriber
//! sees the server's log lines reliably only when no other test in the process emits from the same
//! callsites at the same time. One line per request, with no token, secret or query value.

use std::sync::{Arc, Mutex};

use canvas_sandbox::{Connections, Edition, ServerConfig, spawn_with};

const TOKEN: &str = "dev-token";
const PATIENT: &str = "a29eaebb284143ba97c76b01fdb46964";

fn form_post(url: &str, form: &[(&str, &str)]) -> reqwest::RequestBuilder {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    reqwest::Client::new()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_request_log_has_one_line_per_request_without_tokens_or_query_values() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let limits = Connections {
        log_requests: true,
        ..Connections::default()
    };
    let server = spawn_with(ServerConfig::reference_for(Edition::Current), limits)
        .await
        .expect("the sandbox starts");
    let client = reqwest::Client::new();
    let answer = client
        .get(format!(
            "{}/Appointment?patient=Patient/{PATIENT}&_count=2",
            server.base_url()
        ))
        .bearer_auth(server.token())
        .send()
        .await
        .expect("answered");
    assert_eq!(answer.status(), 200);
    let correlation = answer
        .headers()
        .get("fumage-correlation-id")
        .and_then(|v| v.to_str().ok())
        .expect("a correlation id")
        .to_string();
    let token = form_post(
        &format!("{}/auth/token/", server.base_url()),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "conformance"),
            ("client_secret", "conformance-secret"),
        ],
    )
    .send()
    .await
    .expect("answered");
    assert_eq!(token.status(), 200);
    let issued: serde_json::Value = token.json().await.expect("JSON");
    let issued = issued["access_token"]
        .as_str()
        .expect("a token")
        .to_string();
    server.shutdown().await;
    let log = String::from_utf8(captured.0.lock().expect("log").clone()).expect("UTF-8");
    let lines: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("canvas_sandbox::request"))
        .collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert!(lines[0].contains("method=GET"), "{log}");
    assert!(lines[0].contains("path=\"/Appointment\""), "{log}");
    assert!(lines[0].contains("status=200"), "{log}");
    assert!(lines[0].contains("latency_ms="), "{log}");
    assert!(lines[0].contains(&correlation), "{log}");
    assert!(lines[1].contains("path=\"/auth/token/\""), "{log}");
    for secret in [TOKEN, PATIENT, "conformance-secret", issued.as_str()] {
        assert!(!log.contains(secret), "{secret} in the log: {log}");
    }
}
