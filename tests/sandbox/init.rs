//! `init` through the binary, against reference servers of both editions and an instance with
//! other ids and OAuth only: it writes a profile from read-only requests (nothing created), with
//! which `doctor` passes and `run` passes; it never writes a secret and never overwrites a file
//! without `--force`.

use std::path::Path;

use canvas_sandbox::{Edition, RunningServer, ServerConfig, Settings, spawn};
use serde_json::{Value, json};

use crate::common::{run_binary as run, scratch_dir, strings as s};

use super::oauth::{harbour_settings, spawn_harbour};

/// `init`, then `doctor`, then (writes on) `run` with `creds`: each must succeed; returns the
/// profile's text, what `run` printed and its skipped cases as (name, reason) from report.json.
async fn init_doctor_run(
    base: &str,
    dir: &Path,
    creds: &[&str],
    env: Vec<(&'static str, String)>,
) -> (String, String, Vec<(String, String)>) {
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
        "--report-dir",
        &dir.join("report").display().to_string(),
    ]);
    if creds.first() == Some(&"--token") {
        args.extend(s(&token));
    }
    let (code, all) = run(args, env).await;
    assert_eq!(code, Some(0), "run on what init wrote:\n{text}\n{all}");
    assert!(all.contains(" 0 failed, 0 errored"), "{all}");
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("report").join("report.json")).expect("report.json"),
    )
    .expect("report.json parses");
    let skipped = report["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter(|c| c["verdict"] == "skipped")
        .map(|c| {
            let field = |k: &str| c[k].as_str().unwrap_or_default().to_owned();
            (field("name"), field("reason"))
        })
        .collect();
    (text, all, skipped)
}

/// [`init_doctor_run`] with the OAuth client `client_id` (its secret `secret` given only through
/// the environment), asserting that the profile holds no secret.
async fn init_doctor_run_oauth(
    base: &str,
    dir: &Path,
    client_id: &str,
    secret: &str,
) -> (String, String, Vec<(String, String)>) {
    let ran = init_doctor_run(
        base,
        dir,
        &["--client-id", client_id],
        vec![
            ("CANVAS_CLIENT_ID", client_id.to_owned()),
            ("CANVAS_CLIENT_SECRET", secret.to_owned()),
        ],
    )
    .await;
    assert!(
        !ran.0.contains(secret),
        "the secret was written:\n{}",
        ran.0
    );
    ran
}

/// Every skipped case is skipped for one of `allowed` (words of its reason), else the test fails
/// naming it: `init` found every fixture a read-only look can find.
fn only_skipped_for(skipped: &[(String, String)], allowed: &[&str]) {
    for (name, reason) in skipped {
        assert!(
            allowed.iter().any(|a| reason.contains(a)),
            "{name} skipped: {reason}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_writes_a_profile_doctor_and_run_pass_on_in_both_editions() {
    for edition in [Edition::Sept2023, Edition::Current] {
        let server = spawn(ServerConfig::reference_for(edition))
            .await
            .expect("server");
        let dir = scratch_dir("init-reference");
        let (text, _, _) = init_doctor_run(
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
        // Through the lookups: Canvas Bot by Practitioner search, the integer location id of the
        // current edition from a Schedule id.
        assert!(
            text.contains("canvas_bot: \"5eede137ecfe4124b8b773040e33be14\""),
            "{text}"
        );
        assert!(
            text.contains("# type_unschedulable_code: \"\""),
            "what it could not find is said: {text}"
        );
        // No seeded appointment shows a second type: Canvas's built-in Telemedicine is offered,
        // commented out, never written as a fixture.
        assert!(
            text.contains("# type_other_code: \"448337001\"   # no appointment shows one; Canvas's built-in Telemedicine type"),
            "{text}"
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
        // Again after the run: what the run booked (and cancelled) is left out, so the
        // fixtures are the instance's own, as before.
        let again = dir.join("again.yaml");
        let (code, all) = run(
            s(&[
                "init",
                "--target",
                server.base_url(),
                "--token",
                "dev-token",
                "--out",
                &again.display().to_string(),
            ]),
            Vec::new(),
        )
        .await;
        assert_eq!(code, Some(0), "{all}");
        assert!(
            all.contains("booked by earlier runs of canvas-conformance (from 2100 on)"),
            "{all}"
        );
        let second = std::fs::read_to_string(&again).expect("the second profile");
        let fixtures = |text: &str| -> Vec<String> {
            text.lines()
                .filter(|l| l.starts_with("  ") && !l.trim_start().starts_with('#'))
                .map(str::to_owned)
                .collect()
        };
        assert_eq!(fixtures(&second), fixtures(&text), "{second}");
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
    let (text, _, _) = init_doctor_run_oauth(server.base_url(), &dir, "harbour-ci", secret).await;
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

/// A current-edition instance whose ids, types, reasons, location (legacy id 7) and seeds are not
/// the reference's, reached with an OAuth client only.
const FJORD: &str = r#"
edition: current
practitioners:
  - { id: 7c1e0b9a2f4d4e5b8a6c3d2e1f0a9b8c, name: Mary Somerville MD, meeting_room: "https://video.fjord.example/rooms/somerville" }
  - { id: 2b3c4d5e6f708192a3b4c5d6e7f80912, name: Ibn Sina DO, meeting_room: "https://video.fjord.example/rooms/ibnsina" }
patients:
  - 0f0e0d0c0b0a49088706050403020100
  - "11112222333344445555666677778888"
  - 9999aaaabbbbccccddddeeeeffff0000
locations:
  - { id: 3e9b7c1a-5d2f-4a8e-b6c4-0f1e2d3c4b5a, name: Fjord health centre, legacy_id: "7" }
appointment_types:
  - { system: "http://snomed.info/sct", code: "390906007", display: Follow-up encounter, default: true }
  - { system: "http://snomed.info/sct", code: "448337001", display: Video consult, telehealth: true }
  - { system: INTERNAL, code: FIRST, display: First consultation }
  - { system: INTERNAL, code: NOTES, display: Notes only, scheduleable: false }
  - { system: INTERNAL, code: BLOCK, display: Blocked time, other_event: true }
rfv_codings:
  - { system: INTERNAL, code: FJ-1, display: Back pain }
  - { system: INTERNAL, code: FJ-2, display: Check-up }
double_booking: allowed
oauth_clients:
  - { client_id: fjord-ci, client_secret: fjord-ci-secret-77aa }
seed_appointments:
  - { id: 5a000000-0000-4000-9000-000000000001, status: unconfirmed, practitioner: 7c1e0b9a2f4d4e5b8a6c3d2e1f0a9b8c, patient: 0f0e0d0c0b0a49088706050403020100, appointment_type: "390906007", start: "2024-02-05T09:00Z", end: "2024-02-05T09:30Z", reason: Seeded unconfirmed }
  - { id: 5a000000-0000-4000-9000-000000000002, status: attempted, practitioner: 7c1e0b9a2f4d4e5b8a6c3d2e1f0a9b8c, patient: 0f0e0d0c0b0a49088706050403020100, appointment_type: "390906007", start: "2024-02-05T10:00Z", end: "2024-02-05T10:30Z", reason: Seeded attempted }
  - { id: 5a000000-0000-4000-9000-000000000003, status: confirmed, practitioner: 7c1e0b9a2f4d4e5b8a6c3d2e1f0a9b8c, patient: 0f0e0d0c0b0a49088706050403020100, appointment_type: "390906007", start: "2024-02-05T11:00Z", end: "2024-02-05T11:30Z", reason: Seeded confirmed }
  - { id: 5a000000-0000-4000-9000-000000000004, status: arrived, practitioner: 7c1e0b9a2f4d4e5b8a6c3d2e1f0a9b8c, patient: 0f0e0d0c0b0a49088706050403020100, appointment_type: "390906007", start: "2024-02-05T12:00Z", end: "2024-02-05T12:30Z", reason: Seeded arrived }
  - { id: 5a000000-0000-4000-9000-000000000005, status: roomed, practitioner: 7c1e0b9a2f4d4e5b8a6c3d2e1f0a9b8c, patient: 0f0e0d0c0b0a49088706050403020100, appointment_type: "390906007", start: "2024-02-05T13:00Z", end: "2024-02-05T13:30Z", reason: Seeded roomed }
  - { id: 5a000000-0000-4000-9000-000000000006, status: exited, practitioner: 7c1e0b9a2f4d4e5b8a6c3d2e1f0a9b8c, patient: 0f0e0d0c0b0a49088706050403020100, appointment_type: "390906007", start: "2024-02-05T14:00Z", end: "2024-02-05T14:30Z", reason: Seeded exited }
  - { id: 5a000000-0000-4000-9000-000000000007, status: no-showed, practitioner: 7c1e0b9a2f4d4e5b8a6c3d2e1f0a9b8c, patient: 0f0e0d0c0b0a49088706050403020100, appointment_type: "390906007", start: "2024-02-05T15:00Z", end: "2024-02-05T15:30Z", reason: Seeded no-showed }
  - { id: 5a000000-0000-4000-9000-000000000008, status: cancelled, practitioner: 7c1e0b9a2f4d4e5b8a6c3d2e1f0a9b8c, patient: 0f0e0d0c0b0a49088706050403020100, appointment_type: "390906007", start: "2024-02-05T16:00Z", end: "2024-02-05T16:30Z", reason: Seeded cancelled }
  - { id: 5a000000-0000-4000-9000-000000000009, status: deleted, practitioner: 7c1e0b9a2f4d4e5b8a6c3d2e1f0a9b8c, patient: 0f0e0d0c0b0a49088706050403020100, appointment_type: "390906007", start: "2024-02-05T17:00Z", end: "2024-02-05T17:30Z", reason: Seeded deleted }
  - { id: 5a000000-0000-4000-9000-000000000010, status: cancelled, practitioner: 7c1e0b9a2f4d4e5b8a6c3d2e1f0a9b8c, patient: 0f0e0d0c0b0a49088706050403020100, appointment_type: "390906007", start: "2024-02-06T09:00Z", end: "2024-02-06T09:30Z", reason: Seeded cancelled, rescheduled_to: 5a000000-0000-4000-9000-000000000011 }
  - { id: 5a000000-0000-4000-9000-000000000011, status: confirmed, practitioner: 7c1e0b9a2f4d4e5b8a6c3d2e1f0a9b8c, patient: 0f0e0d0c0b0a49088706050403020100, appointment_type: "390906007", start: "2024-02-07T09:00Z", end: "2024-02-07T09:30Z", reason: Seeded confirmed, rescheduled_from: 5a000000-0000-4000-9000-000000000010 }
  - { id: 5a000000-0000-4000-9000-000000000012, status: confirmed, practitioner: 7c1e0b9a2f4d4e5b8a6c3d2e1f0a9b8c, patient: 11112222333344445555666677778888, appointment_type: "390906007", start: "2024-02-08T09:00Z", end: "2024-02-08T09:30Z", reason: Seeded confirmed, coscheduled: [5a000000-0000-4000-9000-000000000013], identifiers: [{ id: 5b000000-0000-4000-9000-000000000012, system: "https://scheduler.fjord.example", value: FJ-SCHED-12 }] }
  - { id: 5a000000-0000-4000-9000-000000000013, status: confirmed, practitioner: 2b3c4d5e6f708192a3b4c5d6e7f80912, patient: 11112222333344445555666677778888, appointment_type: "390906007", start: "2024-02-08T09:00Z", end: "2024-02-08T09:30Z", reason: Seeded confirmed, coscheduled: [5a000000-0000-4000-9000-000000000012] }
"#;

const FJORD_SECRET: &str = "fjord-ci-secret-77aa";

async fn spawn_fjord() -> RunningServer {
    spawn(ServerConfig {
        settings: Settings::from_yaml_str(FJORD, Path::new("fjord.yaml")).expect("fjord settings"),
        static_token: uuid::Uuid::new_v4().simple().to_string(),
        db_path: None,
        mutant: None,
    })
    .await
    .expect("fjord server starts")
}

/// The instance's history, as a sandbox in use has it: appointments of each kind of type (a
/// telehealth one without a link, an INTERNAL one, an event without a patient) and structured
/// reasons, created through the API before `init` looks.
async fn book_history(base: &str) {
    let http = reqwest::Client::new();
    let token: Value = http
        .post(format!("{base}/auth/token/"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type=client_credentials&client_id=fjord-ci&client_secret={FJORD_SECRET}"
        ))
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("token json");
    let bearer = token["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned();
    let practitioner = "Practitioner/7c1e0b9a2f4d4e5b8a6c3d2e1f0a9b8c";
    let bookings = [
        (
            "http://snomed.info/sct",
            "448337001",
            Some("9999aaaabbbbccccddddeeeeffff0000"),
            Some("FJ-1"),
            9,
        ),
        (
            "INTERNAL",
            "FIRST",
            Some("9999aaaabbbbccccddddeeeeffff0000"),
            Some("FJ-1"),
            10,
        ),
        (
            "http://snomed.info/sct",
            "390906007",
            Some("0f0e0d0c0b0a49088706050403020100"),
            Some("FJ-2"),
            11,
        ),
        ("INTERNAL", "BLOCK", None, None, 12),
    ];
    for (system, code, patient, reason, hour) in bookings {
        let mut participant =
            vec![json!({"actor": {"reference": practitioner}, "status": "accepted"})];
        if let Some(patient) = patient {
            participant.push(
                json!({"actor": {"reference": format!("Patient/{patient}")}, "status": "accepted"}),
            );
        }
        let mut body = json!({
            "resourceType": "Appointment",
            "status": "booked",
            "appointmentType": {"coding": [{"system": system, "code": code}]},
            "start": format!("2024-03-04T{hour:02}:00:00Z"),
            "end": format!("2024-03-04T{hour:02}:30:00Z"),
            "participant": participant,
            "supportingInformation": [{"reference": "Location/3e9b7c1a-5d2f-4a8e-b6c4-0f1e2d3c4b5a"}],
        });
        body["reasonCode"] = match reason {
            Some(code) => json!([{"coding": [{"system": "INTERNAL", "code": code}]}]),
            None => json!([{"text": "Blocked"}]),
        };
        let response = http
            .post(format!("{base}/Appointment"))
            .bearer_auth(&bearer)
            .json(&body)
            .send()
            .await
            .expect("create");
        assert_eq!(
            response.status(),
            201,
            "{body}: {:?}",
            response.text().await
        );
    }
}

/// `init` against a current-edition instance with other ids: every fixture a read-only look can
/// find is found (types, reasons and meeting room from the appointments; Canvas Bot, the third
/// patient and the integer location id 7 from the lookups), so `run` skips only what no read can
/// give (a type not marked scheduleable) and what the instance's settings rule out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_on_another_current_instance_finds_every_readable_fixture() {
    let server = spawn_fjord().await;
    book_history(server.base_url()).await;
    let dir = scratch_dir("init-fjord");
    let (text, _, skipped) =
        init_doctor_run_oauth(server.base_url(), &dir, "fjord-ci", FJORD_SECRET).await;
    for expected in [
        "edition: current",
        "canvas_bot: \"5eede137ecfe4124b8b773040e33be14\"",
        "location: \"3e9b7c1a-5d2f-4a8e-b6c4-0f1e2d3c4b5a\"",
        "location_legacy: \"7\"",
        "practitioner: \"7c1e0b9a2f4d4e5b8a6c3d2e1f0a9b8c\"",
        "practitioner_2: \"2b3c4d5e6f708192a3b4c5d6e7f80912\"",
        "patient_3: ",
        "type_default_code: \"390906007\"",
        "type_other_code: \"448337001\"",
        "type_internal_code: \"FIRST\"",
        "type_event_code: \"BLOCK\"",
        "rfv_code: \"FJ-1\"",
        "rfv_code_2: \"FJ-2\"",
        "meeting_room: \"https://video.fjord.example/rooms/somerville\"",
        "appt_noshowed: \"5a000000-0000-4000-9000-000000000007\"",
        "appt_rescheduled_original: \"5a000000-0000-4000-9000-000000000010\"",
        "appt_coscheduled: \"5a000000-0000-4000-9000-000000000012\"",
        "identifier_value: \"FJ-SCHED-12\"",
    ] {
        assert!(text.contains(expected), "{expected} not in:\n{text}");
    }
    assert!(
        !text.contains("3a182f42885645e0bc3d608e7c02aad8"),
        "a reference id in another instance's profile:\n{text}"
    );
    only_skipped_for(
        &skipped,
        &["type_unschedulable", "double booking disallowed"],
    );
    server.shutdown().await;
}

/// A target that serves the Appointment API and its token endpoint but none of the lookups: every
/// other path answers 404 (as a Canvas-compatible proxy of the Appointment API alone would).
async fn appointments_only(upstream: String) -> String {
    use axum::Router;
    use axum::body::{Body, to_bytes};
    use axum::extract::{Request, State};
    use axum::http::StatusCode;
    use axum::response::Response;

    use crate::common::{bad_gateway, pass_on, proxy_http, relayed, serve_loopback};

    async fn forward(State(upstream): State<String>, request: Request) -> Response {
        let (parts, body) = request.into_parts();
        let path = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default();
        if !(path.starts_with("/Appointment") || path.starts_with("/auth/")) {
            let mut response = Response::new(Body::from(
                r#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-found"}]}"#,
            ));
            *response.status_mut() = StatusCode::NOT_FOUND;
            return response;
        }
        let body = to_bytes(body, 4 * 1024 * 1024).await.unwrap_or_default();
        let Some(answer) = pass_on(
            &proxy_http(),
            &parts.method,
            format!("{upstream}{path}"),
            &parts.headers,
            body.to_vec(),
        )
        .await
        else {
            return bad_gateway();
        };
        relayed(answer.status, &answer.headers)
            .body(Body::from(answer.body))
            .unwrap_or_else(|_| bad_gateway())
    }
    serve_loopback(|_| Router::new().fallback(forward).with_state(upstream)).await
}

/// Without lookups, `init` still finds what the appointments show, says which lookups the target
/// does not serve, and lists Canvas Bot as not found (with why) instead of guessing it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_without_lookups_finds_what_the_appointments_show_and_says_what_it_could_not() {
    let server = spawn(ServerConfig::reference_for(Edition::Current))
        .await
        .expect("server");
    let base = appointments_only(server.base_url().to_owned()).await;
    let dir = scratch_dir("init-no-lookups");
    let out = dir.join("sandbox.yaml").display().to_string();
    let (code, all) = run(
        s(&[
            "init",
            "--target",
            &base,
            "--token",
            "dev-token",
            "--out",
            &out,
        ]),
        Vec::new(),
    )
    .await;
    assert_eq!(code, Some(0), "{all}");
    assert!(
        all.contains("init: no Practitioner search on this target (answered 404)"),
        "{all}"
    );
    let text = std::fs::read_to_string(&out).expect("the profile");
    assert!(
        text.contains("appt_confirmed: \"00000000-0000-4000-8000-000000000003\""),
        "{text}"
    );
    assert!(
        text.contains(
            "# canvas_bot: \"\"   # the Canvas Bot practitioner is only known by its name"
        ),
        "{text}"
    );
    assert!(
        text.contains("GUESSED: the deprecated integer id"),
        "without Schedule search the legacy location id stays a guess, marked so:\n{text}"
    );
    server.shutdown().await;
}
