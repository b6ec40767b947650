//! `canvas-conformance bench --quick` end to end through the built binary: the table has its five
//! parts and the goals, the JSON numbers parse and agree with each other, the child server is
//! gone afterwards, the peer part's generated cases pass (and Hurl's file, where Hurl is on PATH),
//! and bad options are usage errors. No timing is asserted.

mod common;

use std::path::PathBuf;

use serde_json::Value;

use common::{binary, scratch, text};

fn number(value: &Value, pointer: &str) -> f64 {
    value
        .pointer(pointer)
        .and_then(Value::as_f64)
        .unwrap_or_else(|| panic!("no number at {pointer} in {value:#}"))
}

#[test]
fn quick_bench_measures_all_six_parts() {
    let json_path: PathBuf = scratch("bench.json");
    let output = binary()
        .args(["bench", "--quick", "--json"])
        .arg(&json_path)
        .output()
        .expect("run bench");
    let all = text(&output);
    assert_eq!(output.status.code(), Some(0), "{all}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    for heading in [
        "1. default suite, embedded servers",
        "2. bare reqwest loop, same requests",
        "3. suite growth",
        "4. reference server, separate process, loopback",
        "5. peer: the same scenario through our runner and Hurl",
        "6. sandbox-like: the default suite, both editions",
        "goals",
    ] {
        assert!(
            stdout.contains(heading),
            "missing {heading:?} in:\n{stdout}"
        );
    }
    // Every goal line carries a mark; the overhead line carries a number.
    let goal_lines: Vec<&str> = stdout
        .lines()
        .skip_while(|l| *l != "goals")
        .skip(1)
        .take_while(|l| l.starts_with("   "))
        .collect();
    assert_eq!(goal_lines.len(), 12, "{stdout}");
    assert!(
        goal_lines.iter().all(|l| ["✓", "✗", "–"]
            .iter()
            .any(|m| l.trim_start().starts_with(m))),
        "{stdout}"
    );
    let overhead_line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("overhead"))
        .expect("overhead line");
    let overhead: f64 = overhead_line
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.trim_end_matches('×').parse().ok())
        .unwrap_or_else(|| panic!("no number in {overhead_line:?}"));
    assert!(overhead.is_finite() && overhead > 0.0);
    assert!(
        !all.contains("Bearer "),
        "a token value may have leaked:\n{all}"
    );

    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(&json_path).expect("the --json file was written"),
    )
    .expect("the --json file is JSON");
    let _ = std::fs::remove_file(&json_path);

    // 1: the suite ran and passed; its requests are counted from the outcomes.
    assert!(number(&report, "/suite/cases") >= 1.0);
    assert_eq!(number(&report, "/suite/tally/failed"), 0.0, "{report:#}");
    assert_eq!(number(&report, "/suite/tally/errored"), 0.0, "{report:#}");
    let requests = number(&report, "/suite/requests");
    assert_eq!(
        requests,
        number(&report, "/suite/exchanges")
            + number(&report, "/suite/walk_pages")
            + number(&report, "/suite/cancel_requests")
    );
    assert!(number(&report, "/suite/run_ms") > 0.0);
    assert!(number(&report, "/suite/wall_ms") >= number(&report, "/suite/run_ms"));
    // 2: the bare loop re-sent those requests but the sweep's, all answered.
    let sweep = number(&report, "/suite/sweep_requests");
    assert_eq!(number(&report, "/bare/requests"), requests - sweep);
    assert_eq!(number(&report, "/bare/errors"), 0.0);
    assert!(number(&report, "/bare/overhead") > 0.0);
    // 3: replicas never collide: every replica passes and sends the same requests.
    let growth = report["growth"].as_array().expect("growth rows");
    assert_eq!(growth.len(), 2, "{report:#}");
    for row in growth {
        let replicas = number(row, "/replicas");
        assert_eq!(number(row, "/not_passed"), 0.0, "{row:#}");
        // Each replica sends the same requests; one sweep covers them all.
        let sent = number(row, "/requests");
        assert!(
            sent >= replicas * (requests - sweep) && sent <= replicas * requests,
            "{row:#}"
        );
        assert!(number(row, "/ratio_to_1x") > 0.0);
    }
    // 4: one child server of 1k per edition, three workloads answered without errors, then stopped.
    let servers = report["server"].as_array().expect("server sizes");
    assert_eq!(servers.len(), 2, "{report:#}");
    assert_eq!(servers[0]["edition"], "2023-09");
    assert_eq!(servers[1]["edition"], "current");
    for server in servers {
        assert_eq!(number(server, "/seeded"), 1000.0);
        assert_eq!(server["stopped"], Value::Bool(true));
        let pid = number(server, "/pid");
        assert!(
            !std::path::Path::new(&format!("/proc/{pid}")).exists(),
            "the child server {pid} is still running"
        );
        if cfg!(target_os = "linux") {
            assert!(number(server, "/memory/peak_kib") > 0.0);
            assert!(number(&report, "/suite/memory/peak_kib") > 0.0);
        }
        let loads = server["loads"].as_array().expect("loads");
        let names: Vec<&str> = loads
            .iter()
            .filter_map(|l| l["workload"].as_str())
            .collect();
        assert_eq!(names, ["read", "create", "search"]);
        for load in loads {
            assert!(number(load, "/requests") > 0.0, "{load:#}");
            assert!(number(load, "/requests") <= 300.0, "bounded: {load:#}");
            assert_eq!(number(load, "/errors"), 0.0, "{load:#}");
            assert!(number(load, "/p99_ms") >= number(load, "/p50_ms"));
            assert!(number(load, "/requests_per_s") > 0.0);
        }
    }
    // 5: both peer scenarios; our generated cases passed in every run (exit 0: every check held
    // and everything created was cancelled); Hurl ran the same file where it is installed.
    let peer = &report["peer"];
    let scenarios = peer["scenarios"].as_array().expect("peer scenarios");
    let names: Vec<&str> = scenarios
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(names, ["peer", "big_responses"], "{peer:#}");
    let hurl_found = peer["hurl"]["version"].is_string();
    if !hurl_found {
        assert!(
            stdout.contains("hurl is not on PATH: only our figures are measured"),
            "{stdout}"
        );
    }
    for scenario in scenarios {
        assert_eq!(number(scenario, "/iterations"), 3.0, "{scenario:#}");
        assert_eq!(number(scenario, "/requests"), 9.0, "{scenario:#}");
        let ours = &scenario["ours"];
        let runs = ours["runs"].as_array().expect("our runs");
        assert_eq!(
            runs.len() as f64,
            number(scenario, "/pairs"),
            "{scenario:#}"
        );
        assert_eq!(number(ours, "/passed"), runs.len() as f64, "{scenario:#}");
        for run in runs {
            assert_eq!(run["exit_code"], 0, "{run:#}");
            assert!(number(run, "/wall_ms") > 0.0);
            if cfg!(target_os = "linux") {
                assert!(number(run, "/cpu_ms") > 0.0, "{run:#}");
                assert!(number(run, "/peak_rss_kib") > 0.0, "{run:#}");
            }
        }
        if hurl_found {
            assert_eq!(
                number(scenario, "/hurl/passed"),
                number(scenario, "/pairs"),
                "{scenario:#}"
            );
            assert!(number(scenario, "/ratios/wall") > 0.0, "{scenario:#}");
        } else {
            assert!(scenario["hurl"].is_null() && scenario["ratios"].is_null());
        }
    }
    // The big-response scenario's search answers the pre-seeded appointments (and the created one).
    let big = &scenarios[1];
    assert!(number(big, "/preseeded") > 0.0);
    assert_eq!(
        number(big, "/search_entries"),
        number(big, "/preseeded"),
        "{big:#}"
    );
    assert_eq!(report["goals"].as_array().map(Vec::len), Some(12));
    // 6: three sandbox-like runs, every verdict the latency run's, the 503s retried.
    let runs = report["sandbox"]["runs"].as_array().expect("part 6 runs");
    assert_eq!(runs.len(), 3, "{report:#}");
    for run in runs {
        assert_eq!(run["verdicts_unchanged"], true, "{run:#}");
        assert_eq!(number(run, "/tally/failed"), 0.0, "{run:#}");
        assert!(number(run, "/bound_ms") > 0.0, "{run:#}");
    }
    assert!(number(&runs[2], "/retries") > 0.0, "{:#}", runs[2]);
}

#[test]
fn bad_options_are_usage_errors() {
    let output = binary()
        .args(["bench", "--quick", "--json", "/nonexistent-cc-dir/out.json"])
        .output()
        .expect("run bench");
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(text(&output).contains("--json `/nonexistent-cc-dir/out.json` must be a file"));

    let output = binary()
        .args(["bench", "--quick", "--jobs", "0"])
        .output()
        .expect("run bench");
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(text(&output).contains("--jobs must be at least 1"));

    let output = binary()
        .args(["bench", "--quick", "--hurl", "/nonexistent-cc-dir/hurl"])
        .output()
        .expect("run bench");
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(text(&output).contains("--hurl `/nonexistent-cc-dir/hurl` is not a file"));
}

#[test]
fn the_seeding_flag_is_hidden_and_validated() {
    let help = binary().args(["serve", "--help"]).output().expect("help");
    assert!(help.status.success());
    assert!(!text(&help).contains("seed-synthetic"), "{}", text(&help));
    let output = binary()
        .args(["serve", "--seed-synthetic", "many"])
        .output()
        .expect("serve");
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        text(&output).contains("--seed-synthetic"),
        "{}",
        text(&output)
    );
}
