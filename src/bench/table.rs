//! Renders a [`BenchReport`] as the plain-text table `bench` prints: the five parts, then the
//! goals with ✓ (met), ✗ (missed) or – (not measured by this run, e.g. `--quick`).

use std::fmt::Write as _;

use crate::bench::measure::Memory;
use crate::bench::peer::figures::{PeerPart, ToolFigures};
use crate::bench::report::{BenchReport, mb};
use crate::bench::sandbox::SandboxPart;

fn memory(m: Option<Memory>) -> String {
    m.map_or("n/a".to_owned(), |m| {
        format!("peak {:.1} MB, now {:.1} MB", mb(m.peak_kib), mb(m.rss_kib))
    })
}

/// The whole table.
pub fn render(report: &BenchReport) -> String {
    let mut out = String::new();
    let s = &report.suite;
    let _ = writeln!(out, "bench ({}, jobs {})", report.scale, report.jobs);
    let _ = writeln!(out);
    let _ = writeln!(out, "1. default suite, embedded servers");
    let _ = writeln!(
        out,
        "   cases            {} ({} passed, {} failed, {} errored, {} skipped)",
        s.cases, s.tally.passed, s.tally.failed, s.tally.errored, s.tally.skipped
    );
    let _ = writeln!(
        out,
        "   requests         {} ({} exchanges + {} walk pages + {} in cleanup, {} cancels)",
        s.requests, s.exchanges, s.walk_pages, s.cancel_requests, s.cancels
    );
    let _ = writeln!(out, "   run              {:.1} ms", s.run_ms);
    let _ = writeln!(
        out,
        "   setup            {:.1} ms (load cases, start + stop servers)",
        s.setup_ms
    );
    let _ = writeln!(out, "   wall             {:.1} ms", s.wall_ms);
    let _ = writeln!(out, "   exchanges/s      {:.0}", s.requests_per_s);
    let _ = writeln!(out, "   harness RSS      {}", memory(s.memory));
    let _ = writeln!(out);
    let b = &report.bare;
    let _ = writeln!(out, "2. bare reqwest loop, same requests");
    let _ = writeln!(
        out,
        "   requests         {} ({} errors)",
        b.requests, b.errors
    );
    let _ = writeln!(out, "   run              {:.1} ms", b.run_ms);
    let _ = writeln!(out, "   requests/s       {:.0}", b.requests_per_s);
    let _ = writeln!(
        out,
        "   overhead         {:.2}× median of {} paired runs (cold first run: {:.2}×; growth 1× warm: {:.2}×)",
        b.median_overhead, b.pairs, b.overhead, b.warm_overhead
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "3. suite growth");
    let _ = writeln!(
        out,
        "   {:>8} {:>6} {:>9} {:>10} {:>12} {:>8} {:>10}",
        "replicas", "cases", "requests", "run ms", "ms/replica", "ratio", "not passed"
    );
    for g in &report.growth {
        let _ = writeln!(
            out,
            "   {:>7}× {:>6} {:>9} {:>10.1} {:>12.1} {:>8.2} {:>10}",
            g.replicas,
            g.cases,
            g.requests,
            g.run_ms,
            g.ms_per_replica,
            g.ratio_to_1x,
            g.not_passed
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "4. reference server, separate process, loopback");
    let _ = writeln!(
        out,
        "   {:>8} {:>8} {:>8} {:>9} {:>7} {:>10} {:>9} {:>9}",
        "edition", "seeded", "workload", "requests", "errors", "req/s", "p50 ms", "p99 ms"
    );
    for size in &report.server {
        for l in &size.loads {
            let _ = writeln!(
                out,
                "   {:>8} {:>8} {:>8} {:>9} {:>7} {:>10.0} {:>9.2} {:>9.2}",
                size.edition.as_str(),
                size.seeded,
                l.workload.name(),
                l.requests,
                l.errors,
                l.requests_per_s,
                l.p50_ms,
                l.p99_ms
            );
        }
        let _ = writeln!(
            out,
            "   {:>8} {:>8} server RSS {}; seeding + start-up {:.0} ms{}",
            size.edition.as_str(),
            size.seeded,
            memory(size.memory),
            size.startup_ms,
            if size.stopped { "" } else { "; NOT STOPPED" }
        );
    }
    let _ = writeln!(
        out,
        "   this process at the end: {}",
        memory(report.end_memory)
    );
    let _ = writeln!(out);
    peer(&mut out, &report.peer);
    let _ = writeln!(out);
    sandbox(&mut out, &report.sandbox);
    let _ = writeln!(out);
    let _ = writeln!(out, "goals");
    for goal in &report.goals {
        let mark = match goal.met {
            Some(true) => "✓",
            Some(false) => "✗",
            None => "–",
        };
        let _ = writeln!(
            out,
            "   {mark} {:<40} {:<9} {}",
            goal.name, goal.target, goal.measured
        );
    }
    out
}

fn optional(value: Option<f64>, decimals: usize) -> String {
    value.map_or("n/a".to_owned(), |v| format!("{v:.decimals$}"))
}

/// Part 6: a row per run (latency, paced, 503s) with its bound and ratio.
fn sandbox(out: &mut String, part: &SandboxPart) {
    let _ = writeln!(
        out,
        "6. sandbox-like: the default suite, both editions, {:.0} ms injected latency, --jobs {}",
        part.latency_ms, part.jobs
    );
    let _ = writeln!(
        out,
        "   {:<22} {:>8} {:>8} {:>10} {:>10} {:>7}  verdicts",
        "run", "requests", "retries", "wall ms", "bound ms", "ratio"
    );
    for run in &part.runs {
        let name = match run.name.as_str() {
            "rps" => format!("--rps {}", part.rps),
            "503s" => "5% 503s".to_owned(),
            _ => "latency".to_owned(),
        };
        let _ = writeln!(
            out,
            "   {:<22} {:>8} {:>8} {:>10.0} {:>10.0} {:>6.2}×  {} passed, {} not{}",
            name,
            run.requests,
            run.retries,
            run.wall_ms,
            run.bound_ms,
            run.ratio,
            run.tally.passed,
            run.tally.failed + run.tally.errored,
            if run.verdicts_unchanged {
                ""
            } else {
                " (CHANGED)"
            }
        );
    }
    let _ = writeln!(
        out,
        "   bound: the longest chain of requests × latency (the longest case, then the longest sweep search with its pages, and a write-back); for --rps also requests ÷ rps"
    );
}

/// Part 5: one block per scenario, a row per tool and the ratio row.
fn peer(out: &mut String, part: &PeerPart) {
    let _ = writeln!(
        out,
        "5. peer: the same scenario through our runner and Hurl, each its own process on its own fresh server"
    );
    let hurl = match (&part.hurl.version, &part.hurl.program) {
        (Some(version), Some(program)) => format!("{version} ({program})"),
        _ => "not available".to_owned(),
    };
    let _ = writeln!(out, "   hurl             {hurl}");
    if let Some(note) = &part.hurl.note {
        let _ = writeln!(out, "   note             {note}");
    }
    let _ = writeln!(
        out,
        "   ours             run --target --cases --jobs {} (load + lint, preflight, cases in parallel, then the cleanup: its sweep, and a cancel per created appointment from the copy the run has)",
        part.jobs
    );
    if part.hurl.version.is_some() {
        let _ = writeln!(
            out,
            "   Hurl             hurl --test, one file, its entries in order"
        );
    }
    for scenario in &part.scenarios {
        let _ = writeln!(
            out,
            "   {}: {} × (create, read by Location id, search by patient and day) = {} requests, {} pair(s)",
            scenario.name, scenario.iterations, scenario.requests, scenario.pairs
        );
        if scenario.preseeded > 0 {
            let _ = writeln!(
                out,
                "      {} appointments pre-seeded on the search day; the first search answered {} entries, {:.2} MB",
                scenario.preseeded,
                scenario
                    .search_entries
                    .map_or("?".to_owned(), |n| n.to_string()),
                scenario
                    .search_bytes
                    .map_or(0.0, |b| b as f64 / 1_000_000.0)
            );
        }
        let _ = writeln!(
            out,
            "      {:<10} {:>7} {:>10} {:>10} {:>12}",
            "tool", "passed", "wall ms", "CPU ms", "peak RSS MB"
        );
        let row = |out: &mut String, tool: &str, f: &ToolFigures| {
            let _ = writeln!(
                out,
                "      {:<10} {:>7} {:>10.1} {:>10} {:>12}",
                tool,
                format!("{}/{}", f.passed, f.runs.len()),
                f.median_wall_ms,
                optional(f.median_cpu_ms, 1),
                optional(f.median_peak_rss_kib.map(mb), 1)
            );
        };
        row(out, "ours", &scenario.ours);
        match (&scenario.hurl, &scenario.ratios) {
            (Some(hurl), Some(r)) => {
                row(out, "Hurl", hurl);
                let _ = writeln!(
                    out,
                    "      {:<10} {:>7} {:>9}× {:>9}× {:>11}×",
                    "ours÷Hurl",
                    "",
                    optional(r.wall, 2),
                    optional(r.cpu, 2),
                    optional(r.peak_rss, 2)
                );
            }
            _ => {
                let _ = writeln!(out, "      {:<10} not measured (no Hurl)", "Hurl");
            }
        }
        for (tool, figures) in [
            ("ours", Some(&scenario.ours)),
            ("Hurl", scenario.hurl.as_ref()),
        ] {
            for (n, run) in figures.into_iter().flat_map(|f| f.runs.iter()).enumerate() {
                if let Some(problem) = &run.problem {
                    let _ = writeln!(
                        out,
                        "      {tool} run {} FAILED (exit {}):",
                        n + 1,
                        run.exit_code
                            .map_or("by a signal".to_owned(), |c| c.to_string())
                    );
                    for line in problem.lines() {
                        let _ = writeln!(out, "        {line}");
                    }
                }
            }
        }
    }
    let _ = writeln!(
        out,
        "   medians of the runs; wall, CPU (user + sys) and peak RSS (ru_maxrss) of each tool's process"
    );
}
