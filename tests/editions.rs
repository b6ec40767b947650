//! `canvas-conformance editions` end to end, through the built binary: the Markdown changelog, the
//! JSON one against `schemas/editions.schema.json`, `--out`, and the errors of a bad catalogue.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_canvas-conformance"));
    command.current_dir(root());
    command
}

fn editions(args: &[&str]) -> Output {
    binary()
        .arg("editions")
        .args(args)
        .output()
        .expect("run the binary")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn validator() -> jsonschema::Validator {
    let path = root().join("schemas/editions.schema.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let schema: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{} does not compile: {e}", path.display()))
}

fn schema_errors(validator: &jsonschema::Validator, document: &Value) -> Vec<String> {
    validator
        .iter_errors(document)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// A scratch folder holding copies of both catalogues, the current one edited by `edit`.
fn scratch_catalogues(name: &str, edit: impl Fn(String) -> String) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "cc-editions-{name}-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::copy(
        root().join("cases/requirements.yaml"),
        dir.join("requirements.yaml"),
    )
    .expect("copy the 2023-09 catalogue");
    let current = std::fs::read_to_string(root().join("cases/requirements.current.yaml"))
        .expect("read the current catalogue");
    std::fs::write(dir.join("requirements.current.yaml"), edit(current))
        .expect("write the current catalogue");
    dir
}

/// The Markdown section `## {heading} (n)` up to the next section.
fn section<'a>(markdown: &'a str, status: &str) -> &'a str {
    let start = markdown
        .find(&format!("\n## {status} ("))
        .unwrap_or_else(|| panic!("no {status} section:\n{markdown}"));
    let rest = &markdown[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 3);
    &rest[..end]
}

#[test]
fn the_markdown_changelog_shows_read_404_changed_with_both_texts() {
    let output = editions(&[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let markdown = stdout(&output);
    let changed = section(&markdown, "CHANGED");
    let row = changed
        .lines()
        .find(|l| l.starts_with("| READ-404 |"))
        .unwrap_or_else(|| panic!("no READ-404 row under CHANGED:\n{changed}"));
    assert!(row.contains("Resource not found"), "{row}");
    assert!(row.contains("Unknown Appointment resource"), "{row}");
    for status in ["SAME", "NEW", "REMOVED"] {
        assert!(
            !section(&markdown, status).contains("| READ-404 |"),
            "READ-404 under {status}"
        );
    }
    let removed = section(&markdown, "REMOVED");
    assert!(removed.contains("| CREATE-STATUS-PROPOSED |"), "{removed}");
}

#[test]
fn the_json_changelog_validates_against_its_schema_and_agrees_with_itself() {
    let output = editions(&["--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let document: Value = serde_json::from_str(&stdout(&output)).expect("stdout is JSON");
    let validator = validator();
    assert_eq!(schema_errors(&validator, &document), Vec::<String>::new());
    let behaviours = document["behaviours"].as_array().expect("behaviours");
    for (status, key) in [
        ("SAME", "same"),
        ("CHANGED", "changed"),
        ("NEW", "new"),
        ("REMOVED", "removed"),
    ] {
        let rows = behaviours.iter().filter(|b| b["status"] == status).count();
        assert_eq!(document["counts"][key], rows, "{status}");
    }
    let read_404 = behaviours
        .iter()
        .find(|b| b["id"] == "READ-404")
        .expect("READ-404");
    assert_eq!(read_404["status"], "CHANGED");
    let before = read_404["edition_2023_09"]["statement"]
        .as_str()
        .expect("2023-09");
    let after = read_404["current"]["statement"].as_str().expect("current");
    assert!(before.contains("Resource not found"), "{before}");
    assert!(after.contains("Unknown Appointment resource"), "{after}");

    // The schema can fail: a REMOVED row that still has a current expectation is refused.
    let mut broken = document.clone();
    let rows = broken["behaviours"].as_array_mut().expect("behaviours");
    let removed = rows
        .iter()
        .position(|b| b["status"] == "REMOVED")
        .expect("a REMOVED row");
    rows[removed]["current"] = read_404["current"].clone();
    assert!(!schema_errors(&validator, &broken).is_empty());
}

#[test]
fn out_writes_the_same_text_to_a_file() {
    let dir =
        std::env::temp_dir().join(format!("cc-editions-out-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("editions.json");
    let written = editions(&["--format", "json", "--out", file.to_str().expect("utf-8")]);
    assert_eq!(written.status.code(), Some(0), "{}", stderr(&written));
    assert!(stdout(&written).contains("CHANGED"), "{}", stdout(&written));
    let printed = editions(&["--format", "json"]);
    assert_eq!(
        std::fs::read_to_string(&file).expect("the --out file"),
        stdout(&printed)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_missing_catalogue_exits_two_naming_the_file() {
    let dir = scratch_catalogues("missing", |text| text);
    std::fs::remove_file(dir.join("requirements.current.yaml")).expect("remove");
    let output = editions(&["--cases", dir.to_str().expect("utf-8")]);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    assert!(
        stderr(&output).contains("requirements.current.yaml"),
        "{}",
        stderr(&output)
    );
    assert!(stdout(&output).is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_invalid_catalogue_exits_two_with_its_line_and_column() {
    let dir = scratch_catalogues("invalid", |text| {
        text.replacen("    change: CHANGED\n", "    change: MOVED\n", 1)
    });
    let text = std::fs::read_to_string(dir.join("requirements.current.yaml")).expect("read");
    let line = text
        .lines()
        .position(|l| l == "    change: MOVED")
        .expect("the edited line")
        + 1;
    let output = editions(&["--cases", dir.to_str().expect("utf-8")]);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    let message = stderr(&output);
    assert!(
        message.contains(&format!("requirements.current.yaml:{line}:")),
        "{message}"
    );
    assert!(message.contains("MOVED"), "{message}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn catalogues_that_disagree_exit_two_naming_the_id() {
    let dir = scratch_catalogues("disagree", |text| {
        let row = text.find("  - id: READ-404\n").expect("READ-404 row");
        let change = row + text[row..].find("    change: CHANGED").expect("its change");
        format!(
            "{}    change: NEW{}",
            &text[..change],
            &text[change + "    change: CHANGED".len()..]
        )
    });
    let output = editions(&["--cases", dir.to_str().expect("utf-8")]);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    assert!(
        stderr(&output).contains("READ-404: marked NEW, but the 2023-09 catalogue has it"),
        "{}",
        stderr(&output)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
