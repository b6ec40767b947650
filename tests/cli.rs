//! The command line end to end, through the built binary: exit codes, the failure report of a
//! case whose expectation is wrong, lint errors, and a suite run twice against one server.

mod common;

use std::path::PathBuf;

use canvas_sandbox::ServerConfig;

use common::{binary, root, scratch, scratch_cases, start_server, text};

#[test]
fn a_wrong_expectation_fails_with_expected_actual_and_location() {
    let root = root();
    let original = std::fs::read_to_string(root.join("cases/read/status-map.yaml")).expect("case");
    let broken = original.replacen("equals: checked-in", "equals: check-in", 1);
    assert_ne!(original, broken, "the case changed");
    let line = broken
        .lines()
        .position(|l| l.contains("equals: check-in"))
        .expect("edited line")
        + 1;
    let dir = scratch_cases("wrong", &[("status-map.yaml", &broken)]);
    let output = binary()
        .arg("run")
        .arg("--cases")
        .arg(&dir)
        .output()
        .expect("run");
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert!(all.contains("FAIL  read/status-map"), "{all}");
    assert!(all.contains(&format!("status-map.yaml:{line}:")), "{all}");
    assert!(all.contains("expected: \"check-in\""), "{all}");
    assert!(all.contains("actual:   \"checked-in\""), "{all}");
    assert!(all.contains("0 passed, 1 failed"), "{all}");
}

#[test]
fn the_unchanged_case_passes_with_exit_zero() {
    let root = root();
    let original = std::fs::read_to_string(root.join("cases/read/status-map.yaml")).expect("case");
    let dir = scratch_cases("right", &[("status-map.yaml", &original)]);
    let output = binary()
        .arg("run")
        .arg("--cases")
        .arg(&dir)
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
}

#[test]
fn case_file_errors_exit_two_with_every_problem() {
    let dir = scratch_cases(
        "lint",
        &[
            (
                "a.yaml",
                "name: a\ndescription: x\nbehaviours: [READ-200]\nsteps:\n  - name: s\n    request: { method: GET, path: /x, colour: red }\n",
            ),
            (
                "b.yaml",
                "name: b\ndescription: x\nbehaviours: [NOT-AN-ID]\nsteps:\n  - name: s\n    request: { method: GET, path: /x }\n",
            ),
        ],
    );
    for command in ["validate", "run", "list"] {
        let output = binary()
            .arg(command)
            .arg("--cases")
            .arg(&dir)
            .output()
            .expect("run");
        let all = text(&output);
        assert_eq!(output.status.code(), Some(2), "{command}: {all}");
        assert!(all.contains("a.yaml:6:"), "{command}: {all}");
        assert!(all.contains("unknown field `colour`"), "{command}: {all}");
        assert!(all.contains("b.yaml:3:"), "{command}: {all}");
        assert!(
            all.contains("unknown behaviour ID `NOT-AN-ID`"),
            "{command}: {all}"
        );
    }
}

#[test]
fn usage_errors_exit_two() {
    let output = binary()
        .args(["run", "--behaviour", "NOPE"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    let output = binary()
        .args(["run", "--target", "not a url"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    let output = binary()
        .args(["run", "--mutant", "no-such-mutant"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
}

#[test]
fn list_and_coverage_name_every_case() {
    let output = binary().arg("list").output().expect("list");
    let all = text(&output);
    assert_eq!(output.status.code(), Some(0), "{all}");
    assert!(
        all.contains("read/status-map") && all.contains("READ-STATUS-MAP"),
        "{all}"
    );
    let output = binary().arg("coverage").output().expect("coverage");
    let all = text(&output);
    assert_eq!(output.status.code(), Some(0), "{all}");
    assert!(
        all.contains("2023-09: 45 of 45 behaviours covered"),
        "{all}"
    );
    assert!(
        all.contains("current: 81 of 81 behaviours covered"),
        "{all}"
    );
}

#[test]
fn a_mutant_run_fails() {
    let output = binary()
        .args([
            "run",
            "--mutant",
            "roomed-as-check-in",
            "--behaviour",
            "READ-STATUS-MAP",
        ])
        .output()
        .expect("run");
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert!(all.contains("actual:   \"check-in\""), "{all}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_suite_passes_twice_against_one_server_and_never_shows_the_token() {
    let mut config = ServerConfig::reference();
    config.static_token = "canary-token-5f1d9e".to_owned();
    let server = start_server(config).await;
    for round in 1..=2 {
        let output = binary()
            .args([
                "run",
                "--target",
                server.base_url(),
                "--token",
                "canary-token-5f1d9e",
            ])
            .output()
            .expect("run");
        let all = text(&output);
        assert_eq!(output.status.code(), Some(0), "round {round}: {all}");
        // One target allows double booking, so the case needing it disallowed is skipped, with the reason.
        // Skips are grouped by reason, with the cases named.
        assert!(
            all.lines().any(|l| l
                .starts_with("SKIP  1 case(s): needs a target with double booking disallowed")
                && l.contains("create/double-booking-disallowed")),
            "round {round}: {all}"
        );
        assert!(
            all.contains("needs a target with double booking disallowed"),
            "round {round}: {all}"
        );
        assert!(
            !all.contains("canary-token-5f1d9e"),
            "round {round}: the token leaked: {all}"
        );
    }
    server.shutdown().await;
}

/// A scratch project: `cases/` (catalogue + one case) and `snapshots/reference/` (its stored snapshot).
fn scratch_project(case: &str, snapshot: &str) -> PathBuf {
    let root = root();
    let project = scratch("snap");
    std::fs::create_dir_all(project.join("cases")).expect("cases dir");
    std::fs::create_dir_all(project.join("snapshots/reference")).expect("snapshots dir");
    std::fs::copy(
        root.join("cases/requirements.yaml"),
        project.join("cases/requirements.yaml"),
    )
    .expect("catalogue");
    std::fs::copy(
        root.join("cases").join(case),
        project.join("cases/case.yaml"),
    )
    .expect("case");
    std::fs::copy(
        root.join("snapshots/reference").join(snapshot),
        project.join("snapshots/reference").join(snapshot),
    )
    .expect("snapshot");
    project
}

#[test]
fn an_edited_snapshot_drifts_with_a_diff_and_a_pending_file() {
    let file = "read-unknown-id__read-a-random-unknown-id.snap";
    let project = scratch_project("read/unknown-id.yaml", file);
    let stored = project.join("snapshots/reference").join(file);
    let original = std::fs::read_to_string(&stored).expect("stored snapshot");
    let edited = original.replace("Resource not found", "Resource was not found");
    assert_ne!(original, edited);
    std::fs::write(&stored, &edited).expect("edit snapshot");
    let run = |extra: &[&str]| {
        binary()
            .env("INSTA_UPDATE", "new")
            .arg("run")
            .arg("--verbose")
            .arg("--cases")
            .arg(project.join("cases"))
            .args(extra)
            .output()
            .expect("run")
    };
    let output = run(&[]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert!(
        all.contains("PASS  read/unknown-id"),
        "drift is not a conformance failure: {all}"
    );
    assert!(all.contains("snapshot drifted"), "{all}");
    let diff_line = |sign: &str, text: &str| {
        all.lines().any(|l| {
            l.trim_start().starts_with(sign) && l.contains(&format!("\"text\": \"{text}\""))
        })
    };
    assert!(diff_line("-", "Resource was not found"), "{all}");
    assert!(diff_line("+", "Resource not found"), "{all}");
    assert!(
        stored.with_extension("snap.new").exists(),
        "a .snap.new is written beside it"
    );
    assert_eq!(
        std::fs::read_to_string(&stored).expect("stored"),
        edited,
        "the stored snapshot is untouched"
    );

    let output = run(&["--allow-drift"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));

    let output = run(&["--update-snapshots"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let body = |text: &str| text.split("\n---\n").nth(1).unwrap_or_default().to_owned();
    assert_eq!(
        body(&std::fs::read_to_string(&stored).expect("stored")),
        body(&original),
        "accepted what was observed"
    );
    assert!(
        !stored.with_extension("snap.new").exists(),
        "the pending file is gone once accepted"
    );
    let output = run(&[]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(0), "{all}");
    assert!(all.contains("1 matched"), "{all}");
}

/// The CI example in docs/ is valid YAML, and every `canvas-conformance` command and option it uses
/// exists in this build (checked against each subcommand's `--help`).
#[test]
fn the_ci_example_uses_only_commands_that_exist() {
    let root = root();
    let yaml = std::fs::read_to_string(root.join("docs/ci/github-actions.yml")).expect("example");
    let workflow: serde_json::Value = serde_saphyr::from_str(&yaml).expect("valid YAML");
    let jobs = workflow["jobs"].as_object().expect("jobs");
    // Every shell command of every step: `run:` lines, split where `&` starts another.
    let lines: Vec<String> = jobs
        .values()
        .flat_map(|job| job["steps"].as_array().cloned().unwrap_or_default())
        .filter_map(|step| step["run"].as_str().map(str::to_owned))
        .flat_map(|run| {
            run.lines()
                .flat_map(|l| l.split('&'))
                .map(|l| l.trim().to_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    let commands: Vec<Vec<String>> = lines
        .iter()
        .filter_map(|line| line.strip_prefix("canvas-conformance "))
        .map(|rest| rest.split_whitespace().map(str::to_owned).collect())
        .collect();
    let mut checked = 0;
    for words in &commands {
        // The subcommand path: leading words that are not options or values.
        let path: Vec<&str> = words
            .iter()
            .take_while(|w| !w.starts_with('-'))
            .map(String::as_str)
            .take(2)
            .collect();
        let help = binary().args(&path).arg("--help").output().expect("help");
        let help_text = text(&help);
        assert!(
            help.status.success(),
            "`{}` is not a command: {help_text}",
            path.join(" ")
        );
        for option in words.iter().filter(|w| w.starts_with("--")) {
            assert!(
                help_text.contains(option.as_str()),
                "`canvas-conformance {}` has no {option}: {help_text}",
                path.join(" ")
            );
            checked += 1;
        }
    }
    assert!(commands.len() >= 3 && checked >= 6, "{commands:?}");
}

/// `canvas-conformance list | head` ends quietly: with the reader gone before anything is written,
/// the first write meets a closed pipe, and the command ends without a panic.
#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    let mut child = binary()
        .arg("list")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("list");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("exit");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!output.status.success(), "it cannot have printed the list");
}

#[test]
fn a_mutant_of_the_other_edition_is_refused_by_name() {
    let output = binary()
        .args([
            "run",
            "--edition",
            "current",
            "--mutant",
            "bad-request-wrong-text",
        ])
        .output()
        .expect("run");
    let all = text(&output);
    assert_eq!(output.status.code(), Some(2), "{all}");
    assert!(
        all.contains("mutant `bad-request-wrong-text` does not exist in edition current"),
        "{all}"
    );
}

/// Run from a folder without `cases/`, the binary reads the checkout's it was built from and says
/// so on stderr, and says where snapshots go only when `--snapshots` did not name the folder.
#[test]
fn outside_a_checkout_the_cases_and_snapshot_folders_are_said() {
    let elsewhere = scratch("outside-a-checkout");
    std::fs::create_dir_all(&elsewhere).expect("a folder without cases/");
    let run = |extra: &[&str]| {
        let output = binary()
            .current_dir(&elsewhere)
            .args(["run", "--edition", "current", "--filter", "read/unknown-id"])
            .args(extra)
            .output()
            .expect("run");
        assert_eq!(output.status.code(), Some(0), "{}", text(&output));
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let cases = root().join("cases");
    let said = run(&[]);
    assert!(
        said.contains(&format!("cases: {} (no cases/ here", cases.display())),
        "{said}"
    );
    assert!(
        said.contains(&format!(
            "snapshots: {}",
            root().join("snapshots").display()
        )),
        "{said}"
    );
    let own = scratch("outside-a-checkout-snapshots");
    let said = run(&["--snapshots", &own.display().to_string()]);
    assert!(said.contains("cases: "), "{said}");
    assert!(!said.contains("snapshots: "), "{said}");
}

/// Run from a folder without `cases/`, a profile's own snapshots go to `./snapshots` (beside the
/// user's profiles), never into the checkout the binary was built from.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_a_checkout_a_profiles_snapshots_stay_in_the_working_folder() {
    let server = start_server(ServerConfig::reference()).await;
    let elsewhere = scratch("outside-a-checkout-profile");
    std::fs::create_dir_all(&elsewhere).expect("a folder without cases/");
    std::fs::write(
        elsewhere.join("mine.yaml"),
        format!("name: mine-outside\nbase_url: {}\n", server.base_url()),
    )
    .expect("a profile");
    // As on a user's machine: CI (set on the CI runner) keeps insta from writing new snapshots.
    let output = binary()
        .current_dir(&elsewhere)
        .env_remove("CI")
        .env_remove("INSTA_UPDATE")
        .args([
            "run",
            "--profile",
            "mine.yaml",
            "--token",
            "dev-token",
            "--filter",
            "read/unknown-id",
        ])
        .output()
        .expect("run");
    let all = text(&output);
    assert_eq!(output.status.code(), Some(0), "{all}");
    assert!(
        all.contains("this folder: the profile's own baseline"),
        "{all}"
    );
    let written = std::fs::read_dir(elsewhere.join("snapshots/mine-outside"))
        .map(|entries| entries.count())
        .unwrap_or(0);
    assert!(written > 0, "no snapshot in the working folder: {all}");
    assert!(
        !root().join("snapshots/mine-outside").exists(),
        "a snapshot was written into the checkout: {all}"
    );
    server.shutdown().await;
}

/// A machine without CA certificates (a minimal container) still runs against `http://` servers:
/// only an `https://` target needs them, and then the set-up problem says what to install.
#[test]
fn without_ca_certificates_http_runs_and_https_says_what_to_install() {
    let root = root();
    let original = std::fs::read_to_string(root.join("cases/read/status-map.yaml")).expect("case");
    let dir = scratch_cases("no-ca", &[("status-map.yaml", &original)]);
    let no_certificates = scratch("no-ca-certificates");
    std::fs::create_dir_all(&no_certificates).expect("an empty folder");
    let without_ca = |args: &[&str]| {
        binary()
            .env("SSL_CERT_FILE", no_certificates.join("none.pem"))
            .env("SSL_CERT_DIR", &no_certificates)
            .arg("run")
            .arg("--cases")
            .arg(&dir)
            .args(args)
            .output()
            .expect("run")
    };
    let embedded = without_ca(&[]);
    let all = text(&embedded);
    assert_eq!(embedded.status.code(), Some(0), "{all}");
    assert!(
        all.contains("passed") && !all.contains("CA certificates"),
        "{all}"
    );
    // Loopback, a closed port: the TLS set-up fails before any connection is tried.
    let https = without_ca(&["--target", "https://127.0.0.1:9", "--token", "dev-token"]);
    let all = text(&https);
    assert_eq!(https.status.code(), Some(2), "{all}");
    assert!(
        all.contains("cannot make https:// connections")
            && all.contains("No CA certificates")
            && all.contains("ca-certificates"),
        "{all}"
    );
    assert!(!all.contains("dev-token"), "{all}");
}

/// A proxy set for the outside world (`HTTP_PROXY`, as on many company machines) never carries the
/// requests to a loopback server; for another host, the unreachable cause names the variable (never
/// its value, which may hold the proxy's credentials).
#[test]
fn a_proxy_variable_spares_loopback_and_is_named_when_it_fails() {
    let root = root();
    let original = std::fs::read_to_string(root.join("cases/read/status-map.yaml")).expect("case");
    let dir = scratch_cases("proxy", &[("status-map.yaml", &original)]);
    // A closed loopback port as the proxy: nothing it is given leaves this machine.
    let through_proxy = |args: &[&str]| {
        binary()
            .env("HTTP_PROXY", "http://user:proxy-secret@127.0.0.1:9")
            .env_remove("http_proxy")
            .env_remove("NO_PROXY")
            .env_remove("no_proxy")
            .arg("run")
            .arg("--cases")
            .arg(&dir)
            .args(args)
            .output()
            .expect("run")
    };
    let embedded = through_proxy(&[]);
    let all = text(&embedded);
    assert_eq!(embedded.status.code(), Some(0), "{all}");
    let remote = through_proxy(&["--target", "http://canvas.invalid", "--token", "dev-token"]);
    let all = text(&remote);
    assert_eq!(remote.status.code(), Some(2), "{all}");
    assert!(
        all.contains("cannot reach the target") && all.contains("HTTP_PROXY is set"),
        "{all}"
    );
    assert!(!all.contains("proxy-secret"), "{all}");
}

/// `https://` given for a server that speaks plain HTTP: the set-up cause says to try `http://`,
/// not just that a message was corrupt. The CA file is any parsable root (`tests/common/
/// any-root.pem`, self-signed, its key discarded), so the machine's own certificates do not matter.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_url_of_a_plain_http_server_says_to_try_http() {
    let server = start_server(ServerConfig::reference()).await;
    let plain = server.base_url().to_owned();
    let https = plain.replacen("http://", "https://", 1);
    let no_directory = scratch("plain-http-no-ca-dir");
    std::fs::create_dir_all(&no_directory).expect("an empty folder");
    let output = binary()
        .env("SSL_CERT_FILE", root().join("tests/common/any-root.pem"))
        .env("SSL_CERT_DIR", &no_directory)
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .args(["run", "--target", &https, "--token", "dev-token"])
        .output()
        .expect("run");
    let all = text(&output);
    assert_eq!(output.status.code(), Some(2), "{all}");
    assert!(
        all.contains(&format!(
            "the server answered in plain HTTP, not TLS: try {plain}"
        )),
        "{all}"
    );
    server.shutdown().await;
}
