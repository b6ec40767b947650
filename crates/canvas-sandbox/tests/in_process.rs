//! The example of docs/server.md, run as it is written there: a Rust test outside the harness
//! starts the sandbox in process with the crate's public API (`ServerConfig`, `spawn`,
//! `RunningServer`), reads a seeded appointment over HTTP with reqwest, and shuts it down.

use canvas_sandbox::{Edition, ServerConfig, spawn};

#[tokio::test]
async fn a_test_starts_the_sandbox_and_reads_an_appointment() {
    // The reference instance of the 2023-09 edition, in memory, on 127.0.0.1 with a free port.
    let server = spawn(ServerConfig::reference_for(Edition::Sept2023))
        .await
        .expect("the sandbox starts");

    let answer = reqwest::Client::new()
        .get(format!(
            "{}/Appointment/00000000-0000-4000-8000-000000000001",
            server.base_url()
        ))
        .bearer_auth(server.token())
        .send()
        .await
        .expect("the sandbox answers");
    assert_eq!(answer.status(), 200);
    let appointment: serde_json::Value = answer.json().await.expect("a JSON body");
    assert_eq!(appointment["resourceType"], "Appointment");
    assert_eq!(appointment["id"], "00000000-0000-4000-8000-000000000001");

    server.shutdown().await;
}
