//! `doctor` through the binary, against an OAuth-only reference server with another instance's
//! settings: a good profile exits 0; a wrong client secret, an unknown fixture id or a missing
//! variable are said in plain words and exit 1. The secret never shows.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::oauth::{harbour_profile, spawn_harbour};

const SECRET: &str = "harbour-ci-secret-3c1f";

fn write_profile(text: &str) -> PathBuf {
    let path =
        std::env::temp_dir().join(format!("cc-doctor-{}.yaml", uuid::Uuid::new_v4().simple()));
    std::fs::write(&path, text).expect("write profile");
    path
}

/// Runs `doctor --profile <file>` with the given client secret in the environment (or none).
async fn doctor(profile: PathBuf, secret: Option<&'static str>) -> (Option<i32>, String) {
    tokio::task::spawn_blocking(move || {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut command = Command::new(env!("CARGO_BIN_EXE_canvas-conformance"));
        command
            .current_dir(root)
            .env_remove("CANVAS_TOKEN")
            .env("HARBOUR_CLIENT_ID", "harbour-ci")
            .env_remove("HARBOUR_CLIENT_SECRET")
            .args(["doctor", "--timeout", "10", "--profile"])
            .arg(&profile)
            .arg("--cases")
            .arg(root.join("cases"));
        if let Some(secret) = secret {
            command.env("HARBOUR_CLIENT_SECRET", secret);
        }
        let output: Output = command.output().expect("run doctor");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output.status.code(), text)
    })
    .await
    .expect("doctor task")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_says_what_is_wrong_in_plain_words() {
    let server = spawn_harbour().await;
    let base = server.base_url().to_owned();
    let good = write_profile(&harbour_profile(&base));

    let (code, text) = doctor(good.clone(), Some(SECRET)).await;
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("obtained a token (OAuth2 client credentials"),
        "{text}"
    );
    assert!(
        text.contains("fixture appt_confirmed (7d0f5a2e-1111-4c1a-9d3e-000000000003) exists"),
        "{text}"
    );
    assert!(text.contains("cases would be skipped"), "{text}");
    assert!(
        text.contains("has no fixture `appt_rescheduled_original`"),
        "{text}"
    );
    assert!(text.contains("read/reschedule"), "{text}");
    assert!(text.contains("all checks passed"), "{text}");
    assert!(!text.contains(SECRET), "{text}");

    let (code, text) = doctor(good.clone(), Some("not-the-secret-canary-8")).await;
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains(&format!(
            "token URL {base}/auth/token/ answered 401 invalid_client (unknown client or wrong secret): check HARBOUR_CLIENT_ID/HARBOUR_CLIENT_SECRET"
        )),
        "{text}"
    );
    assert!(!text.contains("not-the-secret-canary-8"), "{text}");

    let (code, text) = doctor(good, None).await;
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("HARBOUR_CLIENT_SECRET is not set"), "{text}");

    let unknown = "0badf00d-0000-4000-8000-00000000dead";
    let wrong_fixture = write_profile(
        &harbour_profile(&base).replace("7d0f5a2e-1111-4c1a-9d3e-000000000003", unknown),
    );
    let (code, text) = doctor(wrong_fixture, Some(SECRET)).await;
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("PROBLEM  fixture `appt_confirmed` (profile ")
            && text.contains(&format!(
                "names no appointment on the target: 404 `Resource not found` at GET {base}/Appointment/{unknown}"
            )),
        "{text}"
    );
    assert!(
        text.contains("set it to the id of an existing appointment"),
        "{text}"
    );
    assert!(text.contains("1 problem found"), "{text}");
    server.shutdown().await;
}

/// `doctor` names the edition each embedded reference server speaks, from the read-only
/// fingerprints alone, and calls a profile naming the other edition a problem.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_names_the_edition_of_each_reference_server() {
    use canvas_conformance::edition::Edition;
    use canvas_conformance::exchange::Client;
    use canvas_conformance::run::embedded::Embedded;
    use canvas_conformance::run::fingerprint::detect;
    use canvas_conformance::run::preflight::{Level, doctor};

    let embedded = Embedded::start(&Edition::ALL, None)
        .await
        .expect("servers start");
    let client = Client::new(std::time::Duration::from_secs(10)).expect("client");
    let cases = Path::new(env!("CARGO_MANIFEST_DIR")).join("cases");
    for target in &embedded.targets {
        let speaks = target.profile.edition;
        let found = detect(&client, target).await;
        assert_eq!(found.edition(), Some(speaks), "{}: {found:?}", target.label);
        assert_eq!(found.votes(speaks), found.probes.len(), "{found:?}");
        let checks = doctor(&client, target, &cases).await;
        let line = checks
            .checks
            .iter()
            .find(|c| c.text.contains("edition"))
            .expect("an edition line");
        assert_eq!(line.level, Level::Ok, "{line:?}");
        assert!(
            line.text.contains(&format!("speaks the {speaks} edition")),
            "{line:?}"
        );
        // The same server under a profile naming the other edition: a problem, with the fix.
        let mut wrong = target.clone();
        let mut profile = (*wrong.profile).clone();
        profile.edition = speaks.other();
        wrong.profile = std::sync::Arc::new(profile);
        let checks = doctor(&client, &wrong, &cases).await;
        let line = checks
            .checks
            .iter()
            .find(|c| c.text.contains("edition"))
            .expect("an edition line");
        assert_eq!(line.level, Level::Problem, "{line:?}");
        // The fix is a command that works as printed: the same target, the edition it speaks.
        assert!(
            line.text.contains(&format!(
                "run `canvas-conformance run --target {} --edition {speaks}`",
                target.base_url
            )),
            "{line:?}"
        );
    }
    embedded.shutdown().await;
}
