//! Renders a [`BenchReport`] as the plain-text table `bench` prints: the four parts, then the
//! goals with ✓ (met), ✗ (missed) or – (not measured by this run, e.g. `--quick`).

use std::fmt::Write as _;

use crate::bench::measure::Memory;
use crate::bench::report::{BenchReport, mb};

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
        "   requests         {} ({} exchanges + {} walk pages + {} for {} cancels)",
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
                size.edition.name(),
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
            size.edition.name(),
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
