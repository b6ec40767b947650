//! A recording holds no secret: `run --record` against a server that takes a static token, and
//! against one that takes only OAuth-issued tokens (client secret from the environment), leaves
//! neither the token nor the client secret in the recording, and records no token exchange.

use std::path::{Path, PathBuf};
use std::process::Command;

use canvas_sandbox::{ServerConfig, spawn};
use serde_json::Value;

use super::oauth::{harbour_profile, spawn_harbour};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "cc-record-{name}-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_canvas-conformance"));
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("CANVAS_TOKEN");
    command
}

/// Runs `args` with `--record DIR` (and scratch snapshots); the recording's text.
fn record(name: &str, args: &[&str], env: &[(&str, &str)]) -> String {
    let dir = scratch(name);
    let output = binary()
        .args(["run", "--record"])
        .arg(dir.join("recording"))
        .arg("--snapshots")
        .arg(dir.join("snapshots"))
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("run");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(output.status.code(), Some(0), "{all}");
    std::fs::read_to_string(dir.join("recording/recording.jsonl")).expect("the recording")
}

/// Every Authorization value the recording's requests carry, and how many exchanges it has.
fn authorizations(recording: &str) -> (Vec<String>, usize) {
    let mut values = Vec::new();
    let mut exchanges = 0;
    for line in recording.lines() {
        let line: Value = serde_json::from_str(line).expect("JSON");
        if line["kind"] != "exchange" {
            continue;
        }
        exchanges += 1;
        for header in line["request"]["headers"].as_array().expect("headers") {
            if header[0]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case("authorization"))
            {
                values.push(header[1].as_str().unwrap_or_default().to_owned());
            }
        }
    }
    (values, exchanges)
}

fn assert_scrubbed(recording: &str) {
    let (values, exchanges) = authorizations(recording);
    assert!(exchanges > 100, "{exchanges} exchanges recorded");
    assert!(values.contains(&"Bearer [redacted]".to_owned()));
    for value in &values {
        assert!(
            value == "Bearer [redacted]" || value == "Bearer invalid-token-canvas-conformance",
            "an Authorization value was recorded: {value}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recording_holds_no_static_token() {
    let mut config = ServerConfig::reference();
    config.static_token = "canary-token-7be2c4".to_owned();
    let server = spawn(config).await.expect("server starts");
    let recording = record(
        "static",
        &[
            "--target",
            server.base_url(),
            "--token",
            "canary-token-7be2c4",
        ],
        &[],
    );
    server.shutdown().await;
    assert!(
        !recording.contains("canary-token-7be2c4"),
        "the token is in the recording"
    );
    assert_scrubbed(&recording);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recording_holds_no_client_secret_and_no_token_exchange() {
    let server = spawn_harbour().await;
    let dir = scratch("harbour-profile");
    let profile = dir.join("harbour.yaml");
    std::fs::write(&profile, harbour_profile(server.base_url())).expect("profile");
    let recording = record(
        "oauth",
        &["--profile", &path(&profile)],
        &[
            ("HARBOUR_CLIENT_ID", "harbour-ci"),
            ("HARBOUR_CLIENT_SECRET", "harbour-ci-secret-3c1f"),
        ],
    );
    server.shutdown().await;
    assert!(
        !recording.contains("harbour-ci-secret-3c1f"),
        "the client secret is in the recording"
    );
    assert!(
        !recording.contains("/auth/token"),
        "the token exchange was recorded"
    );
    assert_scrubbed(&recording);
}

fn path(path: &Path) -> String {
    path.to_str().expect("a UTF-8 path").to_owned()
}
