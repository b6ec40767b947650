//! Injected latency and faults over real HTTP: each fault comes at its rate under a seed
//! (counted, never timed), the same seed gives the same faults, and the default injects none.

use canvas_sandbox::{Edition, Faults, Rate, ServerConfig, spawn};

/// A seeded appointment of the reference instance.
const SEEDED: &str = "00000000-0000-4000-8000-000000000001";

/// Requests sent in a row per server.
const REQUESTS: usize = 400;

/// What one request came back as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Outcome {
    Answered,
    TooMany,
    Unavailable,
    Reset,
    Cut,
    Slow,
}

fn faults(seed: u64) -> Faults {
    let rate = |share| Rate::new(share).expect("a valid rate");
    Faults {
        seed,
        too_many_requests: rate(0.1),
        unavailable: rate(0.1),
        reset: rate(0.1),
        cut_body: rate(0.1),
        slow_body: rate(0.1),
        retry_after_secs: 3,
        slow_body_ms: 10,
        ..Faults::default()
    }
}

/// Sends [`REQUESTS`] reads one after another and names each outcome.
async fn outcomes(faults: Faults) -> Vec<Outcome> {
    let mut config = ServerConfig::reference_for(Edition::Sept2023);
    config.settings.faults = faults;
    let server = spawn(config).await.expect("the sandbox starts");
    let client = reqwest::Client::new();
    let url = format!("{}/Appointment/{SEEDED}", server.base_url());
    let mut seen = Vec::with_capacity(REQUESTS);
    for _ in 0..REQUESTS {
        let sent = client.get(&url).bearer_auth(server.token()).send().await;
        let Ok(answer) = sent else {
            seen.push(Outcome::Reset);
            continue;
        };
        let status = answer.status().as_u16();
        let fault = answer
            .headers()
            .get("x-sandbox-fault")
            .map(|v| v.to_str().expect("ASCII").to_string());
        let retry_after = answer.headers().get("retry-after").cloned();
        let body = answer.bytes().await;
        let outcome = match (status, fault.as_deref(), body) {
            (200, None, Ok(body)) => {
                let json: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
                assert_eq!(json["id"], SEEDED);
                Outcome::Answered
            }
            (429 | 503, Some(_), Ok(_)) => {
                assert_eq!(retry_after.expect("a Retry-After"), "3");
                if status == 429 {
                    Outcome::TooMany
                } else {
                    Outcome::Unavailable
                }
            }
            (200, Some("cut-body"), Err(_)) => Outcome::Cut,
            (200, Some("slow-body"), Ok(body)) => {
                let json: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
                assert_eq!(json["id"], SEEDED, "a slow body comes whole");
                Outcome::Slow
            }
            other => panic!("unexpected answer {other:?}"),
        };
        seen.push(outcome);
    }
    server.shutdown().await;
    seen
}

#[tokio::test]
async fn each_fault_comes_at_its_rate_and_the_seed_repeats_them() {
    let first = outcomes(faults(7)).await;
    for kind in [
        Outcome::TooMany,
        Outcome::Unavailable,
        Outcome::Reset,
        Outcome::Cut,
        Outcome::Slow,
    ] {
        let count = first.iter().filter(|o| **o == kind).count();
        // 10% of 400 is 40; a seeded draw stays well within ±15 of it.
        assert!(
            (25..=55).contains(&count),
            "{kind:?}: {count} of {REQUESTS}"
        );
    }
    let answered = first.iter().filter(|o| **o == Outcome::Answered).count();
    assert!((160..=240).contains(&answered), "answered: {answered}");
    let again = outcomes(faults(7)).await;
    assert_eq!(first, again, "the same seed gives the same faults");
    let other = outcomes(faults(8)).await;
    assert_ne!(first, other, "another seed gives other faults");
}

#[tokio::test]
async fn the_default_injects_nothing() {
    let seen = outcomes(Faults::default()).await;
    assert!(seen.iter().all(|o| *o == Outcome::Answered));
}

#[tokio::test]
async fn a_settings_file_sets_the_faults_and_refuses_rates_above_one() {
    let base = "locations:\n  - {id: '1', name: Main}\nappointment_types:\n  - {system: INTERNAL, code: A, display: A, default: true}\n";
    let text = format!(
        "{base}faults:\n  seed: 3\n  latency_ms: 100\n  jitter_ms: 20\n  unavailable: 0.05\n  retry_after_secs: 2\n"
    );
    let settings = canvas_sandbox::Settings::from_yaml_str(&text, std::path::Path::new("s.yaml"))
        .expect("valid settings");
    assert_eq!(settings.faults.latency_ms, 100);
    assert_eq!(settings.faults.unavailable.per_million(), 50_000);
    assert_eq!(settings.faults.retry_after_secs, 2);
    let text = format!("{base}faults:\n  reset: 0.7\n  cut_body: 0.7\n");
    let err = canvas_sandbox::Settings::from_yaml_str(&text, std::path::Path::new("s.yaml"))
        .expect_err("rates above 1");
    assert!(err.to_string().contains("more than 1"), "{err}");
    let text = format!("{base}faults:\n  reset: 2\n");
    let err = canvas_sandbox::Settings::from_yaml_str(&text, std::path::Path::new("s.yaml"))
        .expect_err("a rate above 1");
    assert!(err.to_string().contains("between 0 and 1"), "{err}");
}
