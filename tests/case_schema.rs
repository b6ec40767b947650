//! `schemas/case.schema.json` (the editor schema for case files) accepts every case file under
//! `cases/` and rejects documents the loader or lint would reject.

use std::path::{Path, PathBuf};

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn validator() -> jsonschema::Validator {
    let path = root().join("schemas/case.schema.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let schema: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{} does not compile: {e}", path.display()))
}

/// Every error as `(instance pointer, message)`.
fn errors(validator: &jsonschema::Validator, document: &Value) -> Vec<(String, String)> {
    validator
        .iter_errors(document)
        .map(|e| (e.instance_path().to_string(), e.to_string()))
        .collect()
}

fn yaml(text: &str) -> Value {
    serde_saphyr::from_str::<Value>(text).unwrap_or_else(|e| panic!("not YAML: {e}\n{text}"))
}

/// Case files as the loader finds them: `*.yaml`/`*.yml` at any depth, except the catalogues.
fn case_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            case_files(&path, out);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) && path != root().join("cases/requirements.yaml")
            && path != root().join("cases/requirements.current.yaml")
        {
            out.push(path);
        }
    }
}

#[test]
fn every_case_file_validates() {
    let validator = validator();
    let mut files = Vec::new();
    case_files(&root().join("cases"), &mut files);
    files.sort();
    assert!(!files.is_empty(), "no case files under cases/");
    let mut failures = Vec::new();
    for file in &files {
        let name = file.strip_prefix(root()).unwrap_or(file).display();
        let text = std::fs::read_to_string(file).expect("readable case file");
        let document = match serde_saphyr::from_str::<Value>(&text) {
            Ok(document) => document,
            Err(e) => {
                failures.push(format!("{name}: not YAML: {e}"));
                continue;
            }
        };
        for (pointer, message) in errors(&validator, &document) {
            failures.push(format!("{name}: at `{pointer}`: {message}"));
        }
    }
    assert!(
        failures.is_empty(),
        "schemas/case.schema.json rejects valid case files:\n{}",
        failures.join("\n")
    );
}

const VALID: &str = r#"
name: demo/valid
description: A well-formed case the bad documents below are variations of.
behaviours: [READ-404]
requires: { writes: true }
steps:
  - name: create
    request:
      method: POST
      path: /Appointment
      query: { _count: 2, date: [ge2100-01-01, le2100-01-31] }
      body: { resourceType: Appointment }
    expect:
      status: [201, "2xx"]
      json:
        - { path: $.status, equals: booked }
    capture:
      id: { header: Location, extract: appointment-id }
      whole: { body: true }
"#;

#[test]
fn a_well_formed_document_validates() {
    let validator = validator();
    let found = errors(&validator, &yaml(VALID));
    assert!(found.is_empty(), "the valid sample is rejected: {found:#?}");
}

#[test]
fn bad_documents_are_rejected() {
    // (what is wrong, the document, the instance pointer an error must point at)
    let bad: &[(&str, &str, &str)] = &[
        (
            "unknown top-level key",
            r#"
name: demo/bad
description: x
behaviours: [READ-404]
tags: [extra]
steps:
  - name: read
    request: { method: GET, path: /Appointment/1 }
"#,
            "",
        ),
        (
            "unknown request key",
            r#"
name: demo/bad
description: x
behaviours: [READ-404]
steps:
  - name: read
    request: { method: GET, path: /Appointment/1, timeout: 5 }
"#,
            "/steps/0/request",
        ),
        (
            "method HEAD",
            r#"
name: demo/bad
description: x
behaviours: [READ-404]
requires: { writes: true }
steps:
  - name: head
    request: { method: HEAD, path: /Appointment/1 }
"#,
            "/steps/0/request/method",
        ),
        (
            "status 6xx",
            r#"
name: demo/bad
description: x
behaviours: [READ-404]
steps:
  - name: read
    request: { method: GET, path: /Appointment/1 }
    expect: { status: "6xx" }
"#,
            "/steps/0/expect/status",
        ),
        (
            "capture with two sources",
            r#"
name: demo/bad
description: x
behaviours: [READ-404]
steps:
  - name: read
    request: { method: GET, path: /Appointment/1 }
    capture:
      id: { json: $.id, header: Location }
"#,
            "/steps/0/capture/id",
        ),
        (
            "json item with only a path",
            r#"
name: demo/bad
description: x
behaviours: [READ-404]
steps:
  - name: read
    request: { method: GET, path: /Appointment/1 }
    expect:
      json:
        - { path: $.status }
"#,
            "/steps/0/expect/json/0",
        ),
    ];
    let validator = validator();
    let mut accepted = Vec::new();
    for (what, text, pointer) in bad {
        let found = errors(&validator, &yaml(text));
        if !found.iter().any(|(at, _)| at == pointer) {
            accepted.push(format!(
                "{what}: no error at `{pointer}` (errors: {found:?})"
            ));
        }
    }
    assert!(
        accepted.is_empty(),
        "schemas/case.schema.json does not reject these as it should:\n{}",
        accepted.join("\n")
    );
}
