//! `run --dry-run` through the binary: curl lines in plan order with `Bearer ***`, captures shown as
//! `<capture:name>`, the run's tag on current-edition creates, skips with their reason, and nothing
//! sent (the target is a closed port).

use std::path::Path;
use std::process::Command;

#[test]
fn a_dry_run_prints_curl_lines_and_sends_nothing() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let profile =
        std::env::temp_dir().join(format!("cc-dry-{}.yaml", uuid::Uuid::new_v4().simple()));
    std::fs::write(
        &profile,
        "name: read-only\nallow_writes: false\nfixtures:\n  practitioner: 3a182f42885645e0bc3d608e7c02aad8\n  appt_confirmed: 00000000-0000-4000-8000-000000000003\n",
    )
    .expect("profile");
    let output = Command::new(env!("CARGO_BIN_EXE_canvas-conformance"))
        .current_dir(root)
        .env_remove("CANVAS_TOKEN")
        .args([
            "run",
            "--dry-run",
            "--target",
            "http://127.0.0.1:9",
            "--token",
            "dry-canary-token-4411",
            "--profile",
        ])
        .arg(&profile)
        .output()
        .expect("run");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("# dry run"), "{text}");
    assert!(
        text.contains("curl -X GET 'http://127.0.0.1:9/Appointment/00000000-0000-4000-8000-000000000003' -H 'Accept: application/json' -H 'Authorization: Bearer ***'"),
        "{text}"
    );
    assert!(
        text.contains("# skip create/returns-201: creates or changes data"),
        "{text}"
    );
    assert!(!text.contains("dry-canary-token-4411"), "{text}");
    assert!(!text.contains("PASS") && !text.contains("ERROR"), "{text}");

    // With writes allowed, later steps use captures from responses never received.
    std::fs::write(
        &profile,
        "name: writable\nallow_writes: true\nfixtures:\n  practitioner: 3a182f42885645e0bc3d608e7c02aad8\n  patient: a29eaebb284143ba97c76b01fdb46964\n  location: \"1\"\n",
    )
    .expect("profile");
    let output = Command::new(env!("CARGO_BIN_EXE_canvas-conformance"))
        .current_dir(root)
        .env_remove("CANVAS_TOKEN")
        .args([
            "run",
            "--dry-run",
            "--target",
            "http://127.0.0.1:9",
            "--filter",
            "create/end-unvalidated",
            "--profile",
        ])
        .arg(&profile)
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.contains("curl -X POST 'http://127.0.0.1:9/Appointment'"),
        "{text}"
    );
    assert!(
        text.contains("--data-raw '{\"resourceType\":\"Appointment\""),
        "{text}"
    );
    assert!(text.contains("/Appointment/<capture:id>'"), "{text}");
    assert!(
        text.contains("# afterwards: each appointment created is cancelled"),
        "{text}"
    );
    // 2023-09 has no identifiers: its creates carry no tag.
    assert!(!text.contains("canvas-conformance.invalid"), "{text}");

    // In the current edition a create carries the run's tag, as the run would send it.
    std::fs::write(
        &profile,
        "name: writable-current\nedition: current\nallow_writes: true\nfixtures:\n  practitioner: 3a182f42885645e0bc3d608e7c02aad8\n  location: c1a4e5d2-7b3f-4e69-8a0d-5f2b9c6e1d47\n",
    )
    .expect("profile");
    let output = Command::new(env!("CARGO_BIN_EXE_canvas-conformance"))
        .current_dir(root)
        .env_remove("CANVAS_TOKEN")
        .args([
            "run",
            "--dry-run",
            "--target",
            "http://127.0.0.1:9",
            "--filter",
            "create/duration-positive",
            "--profile",
        ])
        .arg(&profile)
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.contains(
            r#""identifier":[{"system":"https://canvas-conformance.invalid/run","value":""#
        ),
        "{text}"
    );
    assert!(text.contains("then a sweep searches"), "{text}");
}
