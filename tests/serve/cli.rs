//! The `serve` command: options, the mutant list, and a start/stop on a real port.

use canvas_sandbox::Mutant;
use canvas_sandbox::settings::DoubleBooking;
use clap::Parser;
use tokio::sync::oneshot;

use crate::serve_cli::{
    ServeArgs, config_from, connections_from, mutant_table, parse_mutant, run, run_until,
};

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    serve: ServeArgs,
}

fn args(list: &[&str]) -> ServeArgs {
    let mut argv = vec!["serve"];
    argv.extend_from_slice(list);
    Cli::try_parse_from(argv).expect("options parse").serve
}

#[test]
fn serve_defaults_are_the_reference_instance() {
    let parsed = args(&[]);
    assert_eq!(parsed.bind.to_string(), "127.0.0.1:8090");
    let config = config_from(&parsed).unwrap();
    assert_eq!(config.settings, canvas_sandbox::Settings::reference());
    assert_eq!(config.db_path, None);
    assert_eq!(config.mutant, None);
    // the env var may be set in a developer's shell; only check the default when it is not
    if std::env::var_os("CANVAS_CONFORMANCE_SERVE_TOKEN").is_none() {
        assert_eq!(config.static_token, "dev-token");
    }
}

#[test]
fn connection_options_win_over_the_settings_which_win_over_the_defaults() {
    let parsed = args(&["--idle-timeout", "9", "--log-requests"]);
    let mut config = config_from(&parsed).unwrap();
    config.settings.connections.idle_timeout_secs = Some(3);
    config.settings.connections.max_connections = Some(7);
    let limits = connections_from(&parsed, &config);
    assert_eq!(limits.idle_timeout, std::time::Duration::from_secs(9));
    assert_eq!(limits.max_connections, 7);
    assert_eq!(
        limits.header_read_timeout,
        std::time::Duration::from_secs(10)
    );
    assert!(limits.log_requests);
    assert!(Cli::try_parse_from(["serve", "--max-connections", "0"]).is_err());
}

#[test]
fn serve_options_reach_the_config() {
    let config = config_from(&args(&[
        "--token",
        "t0k",
        "--no-double-booking",
        "--mutant",
        "date-gt-inclusive",
        "--db",
        "/tmp/x.sqlite",
    ]))
    .unwrap();
    assert_eq!(config.static_token, "t0k");
    let shown = format!("{:?}", args(&["--token", "t0k"]));
    assert!(
        !shown.contains("t0k") && shown.contains("[redacted]"),
        "{shown}"
    );
    assert_eq!(config.settings.double_booking, DoubleBooking::Disallowed);
    assert_eq!(config.mutant, Some(Mutant::DateGtInclusive));
    assert_eq!(
        config.db_path.as_deref(),
        Some(std::path::Path::new("/tmp/x.sqlite"))
    );
}

#[test]
fn serve_unknown_mutant_lists_the_valid_ones() {
    let err = parse_mutant("no-such-thing").unwrap_err().to_string();
    assert!(err.contains("no-such-thing"), "{err}");
    for m in Mutant::ALL {
        assert!(err.contains(m.name()), "{err}");
    }
    assert!(config_from(&args(&["--mutant", "nope"])).is_err());
}

#[test]
fn serve_list_mutants_prints_one_line_each() {
    let table = mutant_table();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), Mutant::ALL.len());
    for (line, m) in lines.iter().zip(Mutant::ALL) {
        let mut columns = line.split_whitespace();
        assert_eq!(columns.next(), Some(m.name()));
        assert_eq!(columns.next(), Some(m.behaviour()));
        assert!(line.trim_end().ends_with(m.description()), "{line}");
    }
}

#[tokio::test]
async fn serve_list_mutants_exits_without_serving() {
    run(args(&["--list-mutants", "--bind", "127.0.0.1:1"]))
        .await
        .unwrap();
}

#[tokio::test]
async fn serve_starts_and_shuts_down_cleanly() {
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(run_until(args(&["--bind", "127.0.0.1:0"]), async {
        let _ = stopped.await;
    }));
    let _ = stop.send(());
    task.await.unwrap().unwrap();
    // a bad settings file is an error naming the file
    let missing = args(&["--settings", "/nonexistent/settings.yaml"]);
    let err = run_until(missing, async {}).await.unwrap_err();
    assert!(
        err.to_string().contains("/nonexistent/settings.yaml"),
        "{err}"
    );
}

#[test]
fn serve_edition_selects_the_reference_instance_and_its_mutants() {
    use canvas_sandbox::{Edition, Settings};
    let config = config_from(&args(&["--edition", "current"])).unwrap();
    assert_eq!(config.settings, Settings::reference_for(Edition::Current));
    let config = config_from(&args(&[
        "--edition",
        "current",
        "--mutant",
        "scope-ignored",
    ]))
    .unwrap();
    assert_eq!(config.mutant, Some(Mutant::ScopeIgnored));
    // a current-edition mutant does not exist in 2023-09, and the reverse
    let err = config_from(&args(&["--mutant", "scope-ignored"])).unwrap_err();
    assert!(err.to_string().contains("edition 2023-09"), "{err}");
    assert!(
        config_from(&args(&[
            "--edition",
            "current",
            "--mutant",
            "create-keeps-status"
        ]))
        .is_err()
    );
    let table = crate::serve_cli::mutant_table_of(Edition::Current);
    assert!(
        table.contains("scope-ignored") && table.contains("AUTH-403-SCOPE"),
        "{table}"
    );
    assert!(!table.contains("create-keeps-status"), "{table}");
    assert!(!mutant_table().contains("scope-ignored"));
}

#[test]
fn serve_rejects_an_unknown_edition() {
    let err = Cli::try_parse_from(["serve", "--edition", "2024"])
        .err()
        .expect("unknown edition is an error");
    assert!(err.to_string().contains("2023-09 or current"), "{err}");
}

/// `serve --describe` prints the instance, the reference's fixtures by name, and no secret but
/// the reference instance's published ones.
#[test]
fn describe_prints_the_instance_and_no_secret_of_its_own() {
    use canvas_conformance::cli::describe::describe;

    let reference = config_from(&args(&["--edition", "current", "--token", "dev-token"]))
        .expect("reference config");
    let text = describe(&reference, "http://127.0.0.1:8090");
    for expected in [
        "(edition current)",
        "`POST http://127.0.0.1:8090/auth/token/`",
        "Static bearer token: `dev-token`",
        "OAuth client `conformance`, secret `conformance-secret`",
        "| `c1a4e5d2-7b3f-4e69-8a0d-5f2b9c6e1d47` | `1` | `Main practice location` |",
        "| `appt_confirmed` | `00000000-0000-4000-8000-000000000003` |",
        "run --target http://127.0.0.1:8090` needs no profile",
    ] {
        assert!(text.contains(expected), "{expected} not in:\n{text}");
    }
    let dir = std::env::temp_dir().join(format!("cc-describe-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch");
    let file = dir.join("other.yaml");
    std::fs::write(
        &file,
        r#"
practitioners: [{ id: 0a1b2c3d4e5f40718293a4b5c6d7e8f9, name: Grace Hopper MD }]
patients: [99aa88bb77cc66dd55ee44ff33001122]
locations: [{ id: "3", name: Harbour clinic }]
appointment_types: [{ system: INTERNAL, code: CHECK, display: Check up, default: true }]
static_token: harbour-static-9f2e
oauth_clients: [{ client_id: harbour-ci, client_secret: harbour-ci-secret-3c1f }]
"#,
    )
    .expect("settings file");
    let other =
        config_from(&args(&["--settings", &file.display().to_string()])).expect("other config");
    let text = describe(&other, "http://127.0.0.1:9000");
    for secret in ["harbour-static-9f2e", "harbour-ci-secret-3c1f"] {
        assert!(!text.contains(secret), "{secret} printed:\n{text}");
    }
    for expected in [
        "`0a1b2c3d4e5f40718293a4b5c6d7e8f9` | `Grace Hopper MD`",
        "OAuth client `harbour-ci`, secret set in the settings file (not printed)",
        "init --target http://127.0.0.1:9000",
    ] {
        assert!(text.contains(expected), "{expected} not in:\n{text}");
    }
    assert!(!text.contains("appt_confirmed"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn latency_and_fault_options_reach_the_settings_and_bad_rates_are_refused() {
    let config = config_from(&args(&[
        "--latency",
        "100",
        "--jitter",
        "20",
        "--fault-503",
        "0.05",
        "--fault-seed",
        "7",
        "--retry-after",
        "0",
    ]))
    .expect("valid options");
    let faults = &config.settings.faults;
    assert_eq!(
        (faults.latency_ms, faults.jitter_ms, faults.seed),
        (100, 20, 7)
    );
    assert_eq!(faults.unavailable.per_million(), 50_000);
    assert_eq!(faults.retry_after_secs, 0);
    assert!(
        config_from(&args(&[]))
            .expect("defaults")
            .settings
            .faults
            .is_off()
    );
    let mut argv = vec!["serve", "--fault-429", "1.5"];
    assert!(
        Cli::try_parse_from(argv.drain(..)).is_err(),
        "a rate above 1"
    );
    let both = args(&["--fault-reset", "0.6", "--fault-cut-body", "0.6"]);
    let err = config_from(&both).expect_err("rates above 1 in all");
    assert!(err.to_string().contains("more than 1"), "{err}");
}
