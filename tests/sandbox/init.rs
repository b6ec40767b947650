//! `init` through the binary, against reference servers of both editions and an instance with
//! other ids and OAuth only: it writes a profile from read-only requests (nothing created), with
//! which `doctor` passes and `run` passes; it never writes a secret and never overwrites a file
//! without `--force`.

use std::path::Path;

use canvas_sandbox::{Edition, ServerConfig, spawn};

use crate::common::{run_binary as run, scratch_dir, strings as s};

use super::oauth::{harbour_settings, spawn_harbour};

/// `init`, then `doctor`, then (writes on) `run` with `creds`: each must succeed; returns the
/// profile's text and what `run` printed.
async fn init_doctor_run(
    base: &str,
    dir: &Path,
    creds: &[&str],
    env: Vec<(&'static str, String)>,
) -> (String, String) {
    let profile = dir.join("sandbox.yaml");
    let shown = profile.display().to_string();
    let mut args = s(&["init", "--target", base, "--out", &shown]);
    args.extend(s(creds));
    let (code, all) = run(args, env.clone()).await;
    assert_eq!(code, Some(0), "init: {all}");
    assert!(all.contains("read-only"), "{all}");
    let text = std::fs::read_to_string(&profile).expect("the profile");
    // Doctor with the same credentials (a static token is never in the profile).
    let token: Vec<&str> = creds
        .iter()
        .copied()
        .filter(|c| *c != "--client-id")
        .collect();
    let mut args = s(&["doctor", "--profile", &shown]);
    if creds.first() == Some(&"--token") {
        args.extend(s(&token));
    }
    let (code, doctor) = run(args, env.clone()).await;
    assert_eq!(
        code,
        Some(0),
        "doctor on what init wrote:\n{text}\n{doctor}"
    );
    std::fs::write(
        &profile,
        text.replace("allow_writes: false", "allow_writes: true"),
    )
    .expect("writes on");
    let mut args = s(&[
        "run",
        "--profile",
        &shown,
        "--snapshots",
        &dir.join("snapshots").display().to_string(),
    ]);
    if creds.first() == Some(&"--token") {
        args.extend(s(&token));
    }
    let (code, all) = run(args, env).await;
    assert_eq!(code, Some(0), "run on what init wrote:\n{text}\n{all}");
    assert!(all.contains(" 0 failed, 0 errored"), "{all}");
    (text, all)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_writes_a_profile_doctor_and_run_pass_on_in_both_editions() {
    for edition in [Edition::Sept2023, Edition::Current] {
        let server = spawn(ServerConfig::reference_for(edition))
            .await
            .expect("server");
        let dir = scratch_dir("init-reference");
        let (text, _) = init_doctor_run(
            server.base_url(),
            &dir,
            &["--token", "dev-token"],
            Vec::new(),
        )
        .await;
        assert!(
            !text.contains("dev-token"),
            "a token in the profile:\n{text}"
        );
        assert!(
            text.contains("appt_confirmed: \"00000000-0000-4000-8000-000000000003\""),
            "{text}"
        );
        assert!(text.contains("practitioner: \"3a182f42885645e0bc3d608e7c02aad8\""));
        assert!(
            text.contains("# canvas_bot: \"\""),
            "what it could not find is said: {text}"
        );
        // Never over a file without --force.
        let (code, all) = run(
            s(&[
                "init",
                "--target",
                server.base_url(),
                "--token",
                "dev-token",
                "--out",
                &dir.join("sandbox.yaml").display().to_string(),
            ]),
            Vec::new(),
        )
        .await;
        assert_eq!(code, Some(2), "{all}");
        assert!(all.contains("pass --force"), "{all}");
        server.shutdown().await;
    }
}

/// An instance whose ids, types and appointments are not the reference's, reached with an OAuth
/// client only: nothing in init leans on the default ids, and no secret is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_finds_another_instances_own_ids_and_writes_no_secret() {
    let server = spawn_harbour().await;
    let settings = harbour_settings();
    let dir = scratch_dir("init-harbour");
    let secret = "harbour-ci-secret-3c1f";
    let (text, _) = init_doctor_run(
        server.base_url(),
        &dir,
        &["--client-id", "harbour-ci"],
        vec![
            ("CANVAS_CLIENT_ID", "harbour-ci".to_owned()),
            ("CANVAS_CLIENT_SECRET", secret.to_owned()),
        ],
    )
    .await;
    assert!(!text.contains(secret), "the secret was written:\n{text}");
    assert!(
        text.contains("client_secret_env: CANVAS_CLIENT_SECRET"),
        "{text}"
    );
    let first_seed = settings
        .seed_appointments
        .first()
        .map(|a| a.id.clone())
        .expect("harbour seeds appointments");
    assert!(text.contains(&first_seed), "its own appointments:\n{text}");
    assert!(
        !text.contains("00000000-0000-4000-8000-000000000003"),
        "a reference id in another instance's profile:\n{text}"
    );
    server.shutdown().await;
}
