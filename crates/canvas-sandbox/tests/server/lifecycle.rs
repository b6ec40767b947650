//! Start-up and persistence: settings files, seeding, restarts on a database file.

use std::path::{Path, PathBuf};

use canvas_sandbox::{ServerConfig, Settings, SettingsError};
use serde_json::json;

use super::common::*;

fn temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "canvas-conformance-{}-{name}",
        uuid::Uuid::new_v4()
    ))
}

#[tokio::test]
async fn restart_on_a_database_file_keeps_data_without_duplicating_seeds() {
    let db = temp_path("restart.sqlite");
    let config = ServerConfig {
        db_path: Some(db.clone()),
        ..ServerConfig::reference()
    };
    let api = Api::with(config.clone()).await;
    let id = api
        .create(&with(
            appointment("2035-01-01T10:00Z", "2035-01-01T10:30Z"),
            "description",
            json!("Survives restarts"),
        ))
        .await;
    api.update(
        &id,
        &json!({"resourceType": "Appointment", "status": "arrived"}),
    )
    .await;
    let before = api.read(&id).await;
    assert_eq!(api.search("").await["total"], 12);
    api.stop().await;

    let api = Api::with(config).await;
    assert_eq!(api.read(&id).await, before);
    assert_eq!(
        api.search("").await["total"],
        12,
        "seeds are not duplicated"
    );
    assert_eq!(api.read(&seeded(1)).await["status"], "proposed");
    api.stop().await;
    let _ = std::fs::remove_file(&db);
}

#[tokio::test]
async fn an_unusable_database_path_is_a_start_error() {
    let config = ServerConfig {
        db_path: Some(temp_path("missing-dir").join("db.sqlite")),
        ..ServerConfig::reference()
    };
    let err = canvas_sandbox::spawn(config)
        .await
        .err()
        .expect("start fails");
    assert!(err.to_string().contains("database"), "{err}");
}

#[test]
fn settings_example_is_the_reference_instance() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/settings.example.yaml");
    let settings = Settings::from_yaml_file(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(settings, Settings::reference());
}

#[test]
fn current_settings_example_is_the_current_reference_instance() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/settings.current.example.yaml");
    let settings = Settings::from_yaml_file(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        settings,
        Settings::reference_for(canvas_sandbox::Edition::Current)
    );
}

#[test]
fn settings_errors_name_file_line_and_column() {
    let path = temp_path("bad.yaml");
    std::fs::write(
        &path,
        "locations:\n  - id: '1'\n    name: Main\nappointment_types:\n  - system: INTERNAL\n    code: A\n    display: A\n    default: true\n    colour: red\n",
    )
    .unwrap();
    let err = Settings::from_yaml_file(&path).unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with(&format!("{}:9:", path.display())),
        "{text}"
    );
    assert!(
        matches!(err, SettingsError::Parse { line: 9, .. }),
        "{err:?}"
    );
    let _ = std::fs::remove_file(&path);
    let missing = Settings::from_yaml_file(&temp_path("none.yaml")).unwrap_err();
    assert!(matches!(missing, SettingsError::Io { .. }));
}

#[tokio::test]
async fn a_custom_settings_file_seeds_its_own_appointments() {
    let path = temp_path("custom.yaml");
    std::fs::write(
        &path,
        r#"
practitioners:
  - {id: aaaa, name: Dr A}
patients: [pppp]
locations:
  - {id: clinic, name: Clinic}
appointment_types:
  - {system: INTERNAL, code: VISIT, display: Visit, default: true}
  - {system: INTERNAL, code: OFF, display: Off, scheduleable: false}
rfv_codings: []
double_booking: disallowed
static_token: custom-token
oauth_clients: []
token_lifetime_secs: 60
seed_appointments:
  - id: 11111111-1111-4111-8111-111111111111
    status: exited
    practitioner: aaaa
    patient: pppp
    appointment_type: VISIT
    start: "2036-01-01T09:00Z"
    end: "2036-01-01T09:30Z"
    reason: Imported
"#,
    )
    .unwrap();
    let settings = Settings::from_yaml_file(&path).unwrap_or_else(|e| panic!("{e}"));
    let _ = std::fs::remove_file(&path);
    assert_eq!(settings.static_token.as_deref(), Some("custom-token"));
    let api = Api::with(ServerConfig {
        settings,
        ..ServerConfig::reference()
    })
    .await;
    let read = api.read("11111111-1111-4111-8111-111111111111").await;
    assert_eq!(read["status"], "fulfilled");
    assert_eq!(read["description"], "Imported");
    assert_eq!(
        supporting(&read, "Location")[0]["reference"],
        "Location/clinic"
    );
    assert_eq!(api.search("").await["total"], 1);
    // double booking is disallowed by this file
    let body = json!({
        "resourceType": "Appointment",
        "start": "2036-01-01T09:10Z",
        "end": "2036-01-01T09:20Z",
        "participant": [{"actor": {"reference": "Practitioner/aaaa"}}],
    });
    api.post("/Appointment", &body)
        .await
        .rule("This appointment time is no longer available.");
}
