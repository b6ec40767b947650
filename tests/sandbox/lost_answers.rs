//! A run never loses track of what it created: a raw-TCP proxy (axum cannot answer with a reset) in
//! front of a reference server of each edition resets every tenth `POST /Appointment` after passing
//! it on, and cuts every seventh answer after its head (counters, not chance). The suite runs
//! through it with writes on; then a search on each server itself finds none of the run's
//! appointments open.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use canvas_conformance::edition::Edition;
use canvas_conformance::exchange::Client;
use canvas_conformance::exchange::send::{ClientOptions, RetryPolicy};
use canvas_conformance::run::RunControl;
use canvas_conformance::run::ledger::{Origin, appointment_id_from_location};
use canvas_conformance::run::scope::{CASES_PER_WINDOW, slot_day};
use canvas_conformance::run::tag::TAG_SYSTEM;
use canvas_conformance::target::{Auth, Profile, Secret, Target};
use canvas_sandbox::{RunningServer, ServerConfig};
use jiff::ToSpan;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::common::{pass_on, project_suite, proxy_http, run_suite};
use crate::common::start_server;

/// What the proxy did, so the test knows the faults really happened.
#[derive(Default)]
struct Faults {
    /// `POST /Appointment` requests seen (every tenth is reset after it was passed on).
    creates: AtomicU64,
    /// Answers that got as far as their head (every seventh is cut short).
    answers: AtomicU64,
    /// The upstream status of each create that was reset.
    reset: Mutex<Vec<u16>>,
    /// The `Location` of each 2xx create whose answer was cut after its head.
    cut_creates: Mutex<Vec<String>>,
}

/// One request as read off the wire.
struct Incoming {
    method: reqwest::Method,
    target: String,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

/// Reads one request: its head, then `Content-Length` bytes of body.
async fn read_request(stream: &mut TcpStream) -> Option<Incoming> {
    let mut bytes = Vec::new();
    let mut buf = [0u8; 8192];
    let end = loop {
        if let Some(at) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = stream.read(&mut buf).await.ok().filter(|n| *n > 0)?;
        bytes.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&bytes[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split_whitespace();
    let method = reqwest::Method::from_bytes(first.next()?.as_bytes()).ok()?;
    let target = first.next()?.to_owned();
    let mut headers = reqwest::header::HeaderMap::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let (name, value) = line.split_once(':')?;
        headers.append(
            reqwest::header::HeaderName::from_bytes(name.trim().as_bytes()).ok()?,
            reqwest::header::HeaderValue::from_str(value.trim()).ok()?,
        );
    }
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = bytes[end..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut buf).await.ok().filter(|n| *n > 0)?;
        body.extend_from_slice(&buf[..n]);
    }
    Some(Incoming {
        method,
        target,
        headers,
        body,
    })
}

/// Closes the connection with a reset (RST), answering nothing more.
fn reset(stream: TcpStream) {
    let _ = stream.set_zero_linger();
    drop(stream);
}

/// Passes one request on to `upstream` and answers it, or not, as the counters say.
async fn serve_one(
    mut stream: TcpStream,
    upstream: String,
    http: reqwest::Client,
    faults: Arc<Faults>,
) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    let create = request.method == reqwest::Method::POST
        && request.target.trim_end_matches('/') == "/Appointment";
    let Some(answer) = pass_on(
        &http,
        &request.method,
        format!("{upstream}{}", request.target),
        &request.headers,
        request.body,
    )
    .await
    else {
        let _ = stream
            .write_all(
                b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            )
            .await;
        return;
    };
    if create && faults.creates.fetch_add(1, Ordering::SeqCst) % 10 == 9 {
        // Passed on, and then no answer at all.
        faults.reset.lock().expect("faults").push(answer.status);
        reset(stream);
        return;
    }
    let cut = faults.answers.fetch_add(1, Ordering::SeqCst) % 7 == 3;
    let reason = reqwest::StatusCode::from_u16(answer.status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Answer");
    let mut head = format!("HTTP/1.1 {} {reason}\r\n", answer.status);
    for (name, value) in &answer.headers {
        if !matches!(
            name.as_str(),
            "content-length" | "transfer-encoding" | "connection"
        ) {
            head.push_str(&format!(
                "{name}: {}\r\n",
                String::from_utf8_lossy(value.as_bytes())
            ));
        }
    }
    head.push_str("Connection: close\r\n");
    if cut {
        if create && (200..300).contains(&answer.status) {
            let location = answer
                .headers
                .get("location")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            faults.cut_creates.lock().expect("faults").push(location);
        }
        // The head, then half the body as one chunk, and never the last chunk.
        head.push_str("Transfer-Encoding: chunked\r\n\r\n");
        let half = &answer.body[..answer.body.len() / 2];
        if !half.is_empty() {
            head.push_str(&format!("{:x}\r\n", half.len()));
        }
        let _ = stream.write_all(head.as_bytes()).await;
        if !half.is_empty() {
            let _ = stream.write_all(half).await;
            let _ = stream.write_all(b"\r\n").await;
        }
        let _ = stream.flush().await;
        tokio::time::sleep(Duration::from_millis(5)).await;
        reset(stream);
        return;
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", answer.body.len()));
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(&answer.body).await;
    let _ = stream.shutdown().await;
}

/// Starts the proxy in front of `upstream`; returns its base URL.
async fn start_proxy(upstream: &str, faults: Arc<Faults>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let upstream = upstream.to_owned();
    let http = proxy_http();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve_one(
                stream,
                upstream.clone(),
                http.clone(),
                Arc::clone(&faults),
            ));
        }
    });
    base
}

/// Every appointment a search on the server itself finds (its own URL, the reference token,
/// following `next` until there is none).
async fn search_server(server: &RunningServer, query: &[(&str, String)]) -> Vec<Value> {
    let http = reqwest::Client::new();
    let base = url::Url::parse(&format!("{}/", server.base_url())).expect("base URL");
    let mut url = base.join("Appointment").expect("url");
    url.query_pairs_mut()
        .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())))
        .append_pair("_count", "100");
    let mut found = Vec::new();
    for _ in 0..100 {
        let bundle: Value = http
            .get(url.clone())
            .bearer_auth(server.token())
            .send()
            .await
            .expect("the server answers")
            .json()
            .await
            .expect("a Bundle");
        found.extend(
            bundle["entry"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| e["resource"].clone()),
        );
        let next = bundle["link"]
            .as_array()
            .into_iter()
            .flatten()
            .find_map(|l| {
                (l["relation"] == "next").then(|| l["url"].as_str().unwrap_or_default().to_owned())
            });
        match next {
            Some(next) => url = url.join(&next).expect("a next link"),
            None => return found,
        }
    }
    panic!("more than 100 pages")
}

fn is_open(appointment: &Value) -> bool {
    !matches!(
        appointment["status"].as_str(),
        Some("cancelled" | "entered-in-error")
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_the_run_created_stays_open_when_answers_are_lost() {
    let mut servers = Vec::new();
    let mut targets = Vec::new();
    let mut faults = Vec::new();
    for edition in [Edition::Sept2023, Edition::Current] {
        let server = start_server(ServerConfig::reference_for(edition)).await;
        let proxied = Arc::new(Faults::default());
        let base = start_proxy(server.base_url(), Arc::clone(&proxied)).await;
        targets.push(Target {
            label: format!("lossy-{edition}"),
            base_url: base,
            auth: Auth::static_token(Secret::new("dev-token".to_owned())),
            profile: Arc::new(Profile::reference_for(edition)),
        });
        servers.push(server);
        faults.push(proxied);
    }
    let client = Client::with_options(ClientOptions {
        retry: RetryPolicy {
            attempts: 5,
            base_delay: Duration::from_millis(5),
            max_wait: Duration::from_millis(50),
        },
        ..ClientOptions::with_timeout(Duration::from_secs(30))
    })
    .expect("client");
    let report = run_suite(&project_suite(), targets, client, &RunControl::default(), 2).await;
    let run_id = report.run_id.clone();

    // The faults happened: creates reset after the server saw them, creates cut after their head.
    let resets: Vec<u16> = faults
        .iter()
        .flat_map(|f| f.reset.lock().expect("faults").clone())
        .collect();
    let cut_creates: Vec<String> = faults
        .iter()
        .flat_map(|f| f.cut_creates.lock().expect("faults").clone())
        .collect();
    assert!(resets.len() >= 5, "{} creates reset", resets.len());
    assert!(!cut_creates.is_empty(), "no create was cut after its head");

    // Cleanup tidied everything and said how it knew of each.
    let problems: Vec<_> = report
        .cleanup
        .iter()
        .filter(|t| t.problem.is_some())
        .collect();
    assert!(problems.is_empty(), "not tidied: {problems:#?}");
    // Each reset create is one lost-answer entry: found by the sweep where the server created it,
    // not created where it refused it.
    let lost: Vec<_> = report.cleanup.iter().filter(|t| t.lost.is_some()).collect();
    assert_eq!(lost.len(), resets.len(), "{lost:#?}");
    let created = resets.iter().filter(|s| (200..300).contains(*s)).count();
    assert!(created > 0, "no reset create had been created: {resets:?}");
    assert_eq!(
        lost.iter().filter(|t| t.origin == Origin::Sweep).count(),
        created,
        "{lost:#?}"
    );
    assert_eq!(
        lost.iter()
            .filter(|t| t.origin == Origin::NotCreated)
            .count(),
        resets.len() - created,
        "{lost:#?}"
    );
    // A create cut after its head is a plain ledger entry, its id from Location.
    for location in &cut_creates {
        let id = appointment_id_from_location(location).expect("an appointment Location");
        assert!(
            report
                .cleanup
                .iter()
                .any(|t| t.id == id && t.origin == Origin::Answer),
            "{location} is not in the ledger"
        );
    }

    // On the servers themselves: nothing of the run's days is left open.
    let first = slot_day(&run_id, 0) - 3.days();
    let last = slot_day(&run_id, CASES_PER_WINDOW as usize - 1) + 3.days();
    for server in &servers {
        let window = search_server(
            server,
            &[
                ("date", format!("ge{first}")),
                ("date", format!("le{last}")),
            ],
        )
        .await;
        assert!(
            !window.is_empty(),
            "the run created nothing on {}",
            server.base_url()
        );
        let open: Vec<_> = window.iter().filter(|a| is_open(a)).collect();
        assert!(
            open.is_empty(),
            "left open on {}: {open:#?}",
            server.base_url()
        );
    }
    // The current edition's creates carry the run's tag, and all of them are cancelled too.
    let tagged = search_server(
        &servers[1],
        &[("identifier", format!("{TAG_SYSTEM}|{run_id}"))],
    )
    .await;
    assert!(tagged.len() > 10, "{} tagged", tagged.len());
    assert!(tagged.iter().all(|a| !is_open(a)));
    for server in servers {
        server.shutdown().await;
    }
}
