//! The HTML report in a real browser: a run against the embedded reference servers (one behaviour
//! broken by a mutant, so failures show) writes report.html, headless Chromium loads it from disk,
//! and the DOM must hold the summary, one row per behaviour ID, the contradictions and the failures;
//! a screenshot must come out non-trivial. Chromium is installed by scripts/setup-browser.sh when
//! missing; if that fails, this test fails with the reason (it never skips silently).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
/// A hung browser is killed after this long (a guard against hanging CI, not a timing assertion).
const BROWSER_GUARD: Duration = Duration::from_secs(180);

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "cc-browser-{name}-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Makes sure Chromium is there, installing it with the project's setup script if not.
fn ensure_chromium() {
    if Path::new(CHROMIUM).is_file() {
        return;
    }
    let script = root().join("scripts/setup-browser.sh");
    let output = Command::new("bash")
        .arg(&script)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "{CHROMIUM} is missing and {} could not run: {e}",
                script.display()
            )
        });
    assert!(
        output.status.success() && Path::new(CHROMIUM).is_file(),
        "{CHROMIUM} is missing and {} could not install it ({}):\n{}{}",
        script.display(),
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// What a browser run left: its exit status, stdout and stderr.
struct BrowserRun {
    success: bool,
    status: String,
    stdout: String,
    stderr: String,
}

/// Runs headless Chromium with a fresh profile and the given extra arguments. Its output goes to
/// files (a pipe nobody reads while waiting would fill up and stall a large `--dump-dom`).
fn chromium(work: &Path, name: &str, args: &[String]) -> BrowserRun {
    let out_path = work.join(format!("{name}.stdout"));
    let err_path = work.join(format!("{name}.stderr"));
    let out = std::fs::File::create(&out_path).expect("stdout file");
    let err = std::fs::File::create(&err_path).expect("stderr file");
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!(
            "--user-data-dir={}",
            work.join(format!("{name}-profile")).display()
        ))
        .args(args)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {CHROMIUM}: {e}"));
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > BROWSER_GUARD => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "{CHROMIUM} hung and was stopped: {}",
                    std::fs::read_to_string(&err_path).unwrap_or_default()
                );
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(100)),
            Err(e) => panic!("cannot wait for {CHROMIUM}: {e}"),
        }
    };
    let _ = std::fs::remove_dir_all(work.join(format!("{name}-profile")));
    BrowserRun {
        success: status.success(),
        status: status.to_string(),
        stdout: std::fs::read_to_string(&out_path).unwrap_or_default(),
        stderr: std::fs::read_to_string(&err_path).unwrap_or_default(),
    }
}

#[test]
fn the_html_report_renders_in_chromium() {
    ensure_chromium();
    let work = scratch("report");
    let reports = work.join("reports");
    let run = Command::new(env!("CARGO_BIN_EXE_canvas-conformance"))
        .current_dir(root())
        .env_remove("CANVAS_TOKEN")
        .args([
            "run",
            "--edition",
            "2023-09",
            "--mutant",
            "roomed-as-check-in",
            "--report-dir",
        ])
        .arg(&reports)
        .output()
        .expect("run");
    assert_eq!(
        run.status.code(),
        Some(1),
        "the mutant's run fails: {}",
        String::from_utf8_lossy(&run.stdout)
    );
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(reports.join("report.json")).expect("report.json"),
    )
    .expect("report.json is JSON");
    let ids: Vec<&str> = json["behaviours"]
        .as_array()
        .expect("behaviours")
        .iter()
        .filter_map(|b| b["id"].as_str())
        .collect();
    assert_eq!(ids.len(), 45);
    let contradictions = json["contradictions"].as_array().map_or(0, Vec::len);
    assert!(contradictions > 0);

    let html = reports.join("report.html");
    let url = format!("file://{}", html.display());
    let dom = chromium(&work, "dom", &["--dump-dom".to_owned(), url.clone()]);
    let dom_text = &dom.stdout;
    assert!(
        dom.success && dom_text.contains("</html>"),
        "chromium could not load the report ({}): {}",
        dom.status,
        dom.stderr
    );
    assert!(dom_text.contains(r#"<section id="summary">"#), "no summary");
    assert!(
        dom_text.contains(r#"<table id="behaviours">"#),
        "no behaviour table"
    );
    assert_eq!(
        dom_text.matches("<tr data-behaviour=").count(),
        45,
        "one row per behaviour ID"
    );
    for id in &ids {
        assert!(
            dom_text.contains(&format!(r#"<tr data-behaviour="{id}" data-verdict="#)),
            "no row for {id}"
        );
    }
    assert!(dom_text.contains(r#"<tr data-behaviour="READ-STATUS-MAP" data-verdict="fail""#));
    assert!(
        dom_text.contains(r#"<section id="contradictions">"#),
        "no contradictions"
    );
    assert_eq!(
        dom_text.matches(r#"class="contradiction""#).count(),
        contradictions
    );
    assert_eq!(dom_text.matches(r#"class="failure""#).count(), 2);
    assert!(!dom_text.contains("<script"), "the page needs no script");

    let png = work.join("report.png");
    let shot = chromium(
        &work,
        "screenshot",
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1280,2000".to_owned(),
            url,
        ],
    );
    let bytes = std::fs::read(&png)
        .unwrap_or_else(|e| panic!("no screenshot at {} ({e}): {}", png.display(), shot.stderr));
    // Shown with `cargo test --test browser -- --nocapture`, to look at the page.
    eprintln!("screenshot: {}", png.display());
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert!(
        bytes.len() > 10 * 1024,
        "the screenshot is nearly empty ({} bytes)",
        bytes.len()
    );
}
