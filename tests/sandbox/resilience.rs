//! A hostile target (raw TCP on 127.0.0.1:0): one route hangs, one resets the connection, one
//! answers garbage bytes, two send 10 MB, one drips slowly, one is busy for good and one answers 429
//! with Retry-After once. Each broken route is an Error verdict with its reason, the retried one
//! passes, and the run completes.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use canvas_conformance::exchange::Client;
use canvas_conformance::exchange::send::{ClientOptions, RetryPolicy};
use canvas_conformance::outcome::Verdict;
use canvas_conformance::run::RunControl;
use canvas_conformance::suite::load_suite;
use canvas_conformance::target::{Auth, Profile, Secret, Target};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::common::{outcome, run_suite, scratch_cases};

const TEN_MB: usize = 10 * 1024 * 1024;

/// Starts the hostile server; returns its base URL and how often `/flaky` was asked.
async fn hostile() -> (String, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let flaky = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&flaky);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let counter = Arc::clone(&counter);
            tokio::spawn(answer(stream, counter));
        }
    });
    (base, flaky)
}

/// Reads the request head and misbehaves according to its path.
async fn answer(mut stream: TcpStream, flaky: Arc<AtomicU64>) {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let json = r#"{"resourceType":"Appointment","id":"x","status":"booked"}"#;
    let ok = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{json}",
        json.len()
    );
    match path.as_str() {
        "/hang" => {
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
        "/reset" => {
            let _ = stream.set_zero_linger();
            drop(stream);
            return;
        }
        "/garbage" => {
            let _ = stream
                .write_all(b"\x00\x9f\xffSPROING not http at all\r\n\x01\x02\r\n\r\n")
                .await;
        }
        "/big" => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {TEN_MB}\r\n\r\n"
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(&vec![b' '; TEN_MB]).await;
        }
        "/big-unannounced" => {
            let head =
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n";
            let _ = stream.write_all(head.as_bytes()).await;
            let chunk = vec![b' '; 64 * 1024];
            for _ in 0..(TEN_MB / chunk.len()) {
                if stream.write_all(&chunk).await.is_err() {
                    return;
                }
            }
        }
        "/drip" => {
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n")
                .await;
            for _ in 0..100 {
                tokio::time::sleep(Duration::from_millis(100)).await;
                if stream.write_all(b" ").await.is_err() {
                    return;
                }
            }
        }
        "/busy" => {
            let _ = stream
                .write_all(b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 0\r\nContent-Length: 0\r\n\r\n")
                .await;
        }
        "/flaky" => {
            let reply = if flaky.fetch_add(1, Ordering::SeqCst) == 0 {
                "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n"
                    .to_owned()
            } else {
                ok
            };
            let _ = stream.write_all(reply.as_bytes()).await;
        }
        _ => {
            let _ = stream.write_all(ok.as_bytes()).await;
        }
    }
    let _ = stream.shutdown().await;
}

fn case(name: &str) -> (String, String) {
    (
        format!("{name}.yaml"),
        format!(
            "name: hostile/{name}\ndescription: The target misbehaves on /{name}.\nbehaviours: [READ-200]\nsteps:\n  - name: get {name}\n    request: {{ method: GET, path: /{name} }}\n    expect:\n      status: 200\n      json: [{{ path: $.resourceType, equals: Appointment }}]\n"
        ),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_target_yields_error_verdicts_and_the_run_completes() {
    let (base, flaky) = hostile().await;
    let names = [
        "hang",
        "reset",
        "garbage",
        "big",
        "big-unannounced",
        "drip",
        "busy",
        "flaky",
        "fine",
    ];
    let files: Vec<(String, String)> = names.iter().map(|n| case(n)).collect();
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(f, c)| (f.as_str(), c.as_str()))
        .collect();
    let dir = scratch_cases("hostile", &borrowed);
    let suite = load_suite(&dir).expect("cases load");
    let client = Client::with_options(ClientOptions {
        connect_timeout: Duration::from_secs(2),
        read_timeout: Duration::from_millis(800),
        timeout: Duration::from_millis(800),
        rps: Some(200.0),
        retry: RetryPolicy {
            attempts: 3,
            base_delay: Duration::from_millis(5),
            // Retry-After: 1 is honoured but capped, so the test does not wait a second.
            max_wait: Duration::from_millis(20),
        },
        max_body_bytes: canvas_conformance::exchange::send::MAX_BODY_BYTES,
    })
    .expect("client");
    let target = Target {
        label: "hostile".to_owned(),
        base_url: base,
        auth: Auth::static_token(Secret::new("hostile-token".to_owned())),
        profile: std::sync::Arc::new(Profile::reference()),
    };
    let report = run_suite(&suite, vec![target], client, &RunControl::default(), 4).await;
    assert_eq!(report.outcomes.len(), names.len(), "the run completes");
    let error_of = |name: &str| {
        let outcome = outcome(&report, &format!("hostile/{name}"));
        assert_eq!(outcome.verdict, Verdict::Error, "{name}: {outcome:?}");
        outcome.steps[0].error.clone().expect("a reason")
    };
    let hang = error_of("hang");
    assert!(hang.contains("timed out"), "{hang}");
    let reset = error_of("reset");
    assert!(reset.to_lowercase().contains("reset"), "{reset}");
    let garbage = error_of("garbage");
    assert!(garbage.contains("invalid HTTP"), "{garbage}");
    let big = error_of("big");
    assert!(big.contains("larger than 8 MiB"), "{big}");
    let unannounced = error_of("big-unannounced");
    assert!(unannounced.contains("larger than 8 MiB"), "{unannounced}");
    let drip = error_of("drip");
    assert!(drip.contains("timed out"), "{drip}");
    let busy = error_of("busy");
    assert!(
        busy.contains("still answered 503 after 3 attempts"),
        "{busy}"
    );
    assert_eq!(
        outcome(&report, "hostile/flaky").verdict,
        Verdict::Pass,
        "the 429 is retried"
    );
    assert_eq!(flaky.load(Ordering::SeqCst), 2);
    assert_eq!(outcome(&report, "hostile/fine").verdict, Verdict::Pass);
    for o in &report.outcomes {
        let text = format!("{o:?}");
        assert!(!text.contains("hostile-token"), "{text}");
    }
}
