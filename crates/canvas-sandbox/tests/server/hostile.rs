//! Hostile clients (issue 26): slow heads and bodies, connections beyond the cap, draining, a
//! streamed unpaged search, failed client authentications, secrets in query
//! strings, oversized heads, NUL or invalid UTF-8 in search values. Loopback; generous timeouts.

use std::time::{Duration, Instant};

use canvas_sandbox::{
    Connections, Edition, RunningServer, ServerConfig, seed_synthetic, spawn_with,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::common::TOKEN;

/// Short limits, so a test sees them act.
fn brisk() -> Connections {
    Connections {
        header_read_timeout: Duration::from_secs(1),
        body_read_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(1),
        max_connections: 8,
        drain_timeout: Duration::from_secs(2),
        log_requests: true,
    }
}

async fn start(edition: Edition, limits: Connections) -> RunningServer {
    spawn_with(ServerConfig::reference_for(edition), limits)
        .await
        .expect("the sandbox starts")
}

fn address(server: &RunningServer) -> String {
    server.base_url().trim_start_matches("http://").to_string()
}

/// Sends `head`, then `trickle` one byte every 200 ms, until the server closes the connection;
/// returns how long that took (panics after 15 s).
async fn trickle_until_closed(server: &RunningServer, head: &[u8], trickle: &[u8]) -> Duration {
    let started = Instant::now();
    let stream = TcpStream::connect(address(server)).await.expect("connects");
    let (mut read, mut write) = stream.into_split();
    let reader = tokio::spawn(async move {
        let mut answer = Vec::new();
        let _ = read.read_to_end(&mut answer).await;
        answer
    });
    write.write_all(head).await.expect("head sent");
    for byte in trickle.iter().cycle() {
        if reader.is_finished() || started.elapsed() > Duration::from_secs(15) {
            break;
        }
        if write.write_all(&[*byte]).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let _answer = tokio::time::timeout(Duration::from_secs(5), reader)
        .await
        .expect("the server closed the connection");
    started.elapsed()
}

/// A POST of `form`, form-encoded, to `url`.
fn form_post(url: &str, form: &[(&str, &str)]) -> reqwest::RequestBuilder {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    reqwest::Client::new()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
}

async fn read_ok(server: &RunningServer) -> u16 {
    reqwest::Client::new()
        .get(format!("{}/Appointment?_count=1", server.base_url()))
        .bearer_auth(server.token())
        .send()
        .await
        .expect("answered")
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_header_and_slow_body_clients_are_disconnected_while_others_are_served() {
    let server = start(Edition::Sept2023, brisk()).await;
    let slow_head =
        trickle_until_closed(&server, b"GET /Appointment HTTP/1.1\r\n", b"X-Slow: a\r\n");
    let body_head = format!(
        "POST /Appointment HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {TOKEN}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{{"
    );
    let slow_body = trickle_until_closed(&server, body_head.as_bytes(), b" ");
    let others = async {
        // meanwhile other clients are served
        for _ in 0..5 {
            assert_eq!(read_ok(&server).await, 200);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    let (head_took, body_took, ()) = tokio::join!(slow_head, slow_body, others);
    assert!(
        head_took < Duration::from_secs(10),
        "slow head held {head_took:?}"
    );
    assert!(
        body_took < Duration::from_secs(10),
        "slow body held {body_took:?}"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_cap_get_503_and_do_not_lock_out_a_new_client() {
    let limits = Connections {
        max_connections: 4,
        ..brisk()
    };
    let server = start(Edition::Sept2023, limits).await;
    let mut idle = Vec::new();
    for _ in 0..4 {
        idle.push(
            TcpStream::connect(address(&server))
                .await
                .expect("connects"),
        );
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut extra = TcpStream::connect(address(&server))
        .await
        .expect("connects");
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), extra.read_to_end(&mut answer))
        .await
        .expect("the refused client is answered at once")
        .expect("read");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("retry-after: 1"), "{answer}");
    assert!(answer.contains("OperationOutcome"), "{answer}");
    // the idle connections time out; a new client is then served
    let started = Instant::now();
    loop {
        let status = reqwest::Client::new()
            .get(format!("{}/Appointment?_count=1", server.base_url()))
            .bearer_auth(server.token())
            .send()
            .await
            .map(|answer| answer.status().as_u16())
            .ok();
        if status == Some(200) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "still locked out: {status:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    drop(idle);
    server.shutdown().await;
}

/// Collects what tracing writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unpaged_2023_09_search_over_many_appointments_is_streamed_in_chunks() {
    let path = std::env::temp_dir().join(format!(
        "canvas-sandbox-stream-{}.sqlite",
        uuid::Uuid::new_v4()
    ));
    let config = ServerConfig {
        db_path: Some(path.clone()),
        ..ServerConfig::reference_for(Edition::Sept2023)
    };
    drop(seed_synthetic(&path, 1_234, &config.settings).expect("seeded"));
    let server = spawn_with(config, Connections::default())
        .await
        .expect("the sandbox starts");
    let answer = reqwest::Client::new()
        .get(format!("{}/Appointment", server.base_url()))
        .bearer_auth(server.token())
        .send()
        .await
        .expect("answered");
    assert_eq!(answer.status(), 200);
    assert!(
        answer.headers().get("content-length").is_none(),
        "a streamed answer has no length up front: {:?}",
        answer.headers()
    );
    assert_eq!(
        answer
            .headers()
            .get("transfer-encoding")
            .and_then(|v| v.to_str().ok()),
        Some("chunked")
    );
    let bundle: serde_json::Value = answer.json().await.expect("one JSON Bundle");
    let entries = bundle["entry"].as_array().expect("entries");
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["total"].as_u64(), Some(entries.len() as u64));
    assert!(entries.len() >= 1_234, "{}", entries.len());
    let mut ids: Vec<&str> = entries
        .iter()
        .filter_map(|entry| entry["resource"]["id"].as_str())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), entries.len(), "no entry repeated or lost");
    // a small answer is still one JSON body with a length
    let small = reqwest::Client::new()
        .get(format!("{}/Appointment?_count=3", server.base_url()))
        .bearer_auth(server.token())
        .send()
        .await
        .expect("answered");
    assert!(small.headers().get("content-length").is_some());
    server.shutdown().await;
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn failed_client_authentications_are_limited_per_client() {
    let server = start(Edition::Current, Connections::default()).await;
    let url = format!("{}/auth/token/", server.base_url());
    let attempt = |secret: &'static str| {
        form_post(&url, &[("grant_type", "client_credentials")])
            .basic_auth("conformance", Some(secret))
            .send()
    };
    for _ in 0..10 {
        let answer = attempt("guess").await.expect("answered");
        assert_eq!(answer.status(), 401);
    }
    let answer = attempt("guess").await.expect("answered");
    assert_eq!(answer.status(), 429);
    let wait: u64 = answer
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in seconds");
    assert!((1..=60).contains(&wait), "{wait}");
    // while locked out, even the right secret waits
    let answer = attempt("conformance-secret").await.expect("answered");
    assert_eq!(answer.status(), 429);
    server.shutdown().await;
}

#[tokio::test]
async fn introspection_refuses_tokens_and_credentials_in_the_query_string() {
    let server = start(Edition::Current, Connections::default()).await;
    let client = reqwest::Client::new();
    for query in [
        "token=dev-token",
        "client_id=conformance&client_secret=conformance-secret",
    ] {
        let url = format!("{}/auth/introspect/?{query}", server.base_url());
        for request in [client.get(&url), form_post(&url, &[("token", TOKEN)])] {
            let answer = request.bearer_auth(TOKEN).send().await.expect("answered");
            assert_eq!(answer.status(), 400, "{query}");
            let body: serde_json::Value = answer.json().await.expect("JSON");
            assert_eq!(body["error"], "invalid_request", "{query}");
            assert!(!body.to_string().contains("conformance-secret"));
        }
    }
    server.shutdown().await;
}

#[tokio::test]
async fn search_values_that_decode_to_nul_or_invalid_utf8_are_400_naming_the_parameter() {
    for edition in [Edition::Sept2023, Edition::Current] {
        let server = start(edition, Connections::default()).await;
        for (query, parameter) in [
            ("/Appointment?patient=%FF%FE", "patient"),
            ("/Appointment?patient=a%00b", "patient"),
            ("/Practitioner?name=%00", "name"),
            ("/Slot?schedule=%C3", "schedule"),
        ] {
            let answer = reqwest::Client::new()
                .get(format!("{}{query}", server.base_url()))
                .bearer_auth(TOKEN)
                .send()
                .await
                .expect("answered");
            assert_eq!(answer.status(), 400, "{edition} {query}");
            let body: serde_json::Value = answer.json().await.expect("JSON");
            assert_eq!(body["resourceType"], "OperationOutcome", "{body}");
            assert_eq!(body["issue"][0]["code"], "invalid", "{body}");
            assert!(body.to_string().contains(parameter), "{body}");
        }
        server.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_drains_a_request_in_flight_and_stops_accepting() {
    let server = start(Edition::Sept2023, Connections::default()).await;
    let addr = address(&server);
    let body = br#"{"resourceType": "Appointment"}"#;
    let head = format!(
        "POST /Appointment HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {TOKEN}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    let mut stream = TcpStream::connect(&addr).await.expect("connects");
    stream.write_all(head.as_bytes()).await.expect("head sent");
    stream
        .write_all(&body[..5])
        .await
        .expect("part of the body");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let stopping = tokio::spawn(server.shutdown());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !stopping.is_finished(),
        "shutdown waits for the open request"
    );
    stream
        .write_all(&body[5..])
        .await
        .expect("the rest of the body");
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .expect("answered and closed")
        .expect("read");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 4"), "a whole answer: {answer}");
    assert!(answer.contains("OperationOutcome"), "{answer}");
    tokio::time::timeout(Duration::from_secs(10), stopping)
        .await
        .expect("shutdown ends once drained")
        .expect("the task");
    assert!(
        TcpStream::connect(&addr).await.is_err(),
        "no longer accepting"
    );
}

#[tokio::test]
async fn too_many_header_fields_and_long_uris_within_hyper_limits_are_operation_outcomes() {
    let server = start(Edition::Current, Connections::default()).await;
    let mut request = reqwest::Client::new()
        .get(format!("{}/Appointment", server.base_url()))
        .bearer_auth(TOKEN);
    for n in 0..150 {
        request = request.header(format!("x-extra-{n}"), "1");
    }
    let answer = request.send().await.expect("answered");
    assert_eq!(answer.status(), 431);
    let body: serde_json::Value = answer.json().await.expect("JSON");
    assert_eq!(body["resourceType"], "OperationOutcome", "{body}");
    let long = "x".repeat(40 * 1024);
    let answer = reqwest::Client::new()
        .get(format!("{}/Appointment?_id={long}", server.base_url()))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("answered");
    assert_eq!(answer.status(), 414);
    let body: serde_json::Value = answer.json().await.expect("JSON");
    assert_eq!(body["resourceType"], "OperationOutcome", "{body}");
    server.shutdown().await;
}
