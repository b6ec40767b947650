//! Bad case files paired with the exact diagnostics they must produce (`tests/bad-cases/*.yaml` →
//! `*.expected`). Regenerate the expected texts with `UPDATE_EXPECTED=1 cargo test --test bad_cases`
//! and review the diff.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use canvas_conformance::case::lint::{LintContext, lint_case};
use canvas_conformance::case::load::parse_case;
use canvas_conformance::edition::Edition;
use canvas_conformance::requirements::Catalogue;

fn diagnostics_for(path: &Path, ids: &BTreeSet<String>) -> String {
    let text = std::fs::read_to_string(path).expect("bad case fixture is readable");
    let shown: Arc<str> = Arc::from(format!(
        "tests/bad-cases/{}",
        path.file_name().unwrap().to_string_lossy()
    ));
    match parse_case(shown, &text) {
        Err(diagnostic) => format!("{diagnostic}\n"),
        Ok(case) => lint_case(
            &case,
            &LintContext {
                behaviour_ids: ids,
                edition: Edition::Sept2023,
            },
        )
        .iter()
        .map(|d| format!("{d}\n"))
        .collect(),
    }
}

#[test]
fn bad_case_files_give_their_expected_errors() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let catalogue =
        Catalogue::load(&root.join("cases/requirements.yaml")).expect("catalogue loads");
    let ids: BTreeSet<String> = catalogue.behaviours.iter().map(|b| b.id.clone()).collect();
    let update = std::env::var_os("UPDATE_EXPECTED").is_some();
    let mut files: Vec<_> = std::fs::read_dir(root.join("tests/bad-cases"))
        .expect("tests/bad-cases exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 8,
        "expected the bad case fixtures, found {}",
        files.len()
    );
    let mut mismatches = Vec::new();
    for file in files {
        let actual = diagnostics_for(&file, &ids);
        assert!(
            !actual.is_empty(),
            "{} produced no error at all",
            file.display()
        );
        let expected_path = file.with_extension("expected");
        if update {
            std::fs::write(&expected_path, &actual).expect("write expected");
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != actual {
            mismatches.push(format!(
                "{}:\n--- expected\n{expected}\n--- actual\n{actual}",
                file.display()
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
