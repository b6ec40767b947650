//! The peer part's numbers: each tool's process per run (wall, CPU, peak RSS, whether it passed),
//! their medians per tool, and the ratios ours ÷ Hurl of those medians (what the goals judge).

use serde::Serialize;

use crate::bench::measure;
use crate::bench::process::Measured;

/// One tool's process on one fresh server.
#[derive(Clone, Debug, Serialize)]
pub struct ToolRun {
    pub wall_ms: f64,
    /// User + system CPU time of the process, in ms.
    pub cpu_ms: Option<f64>,
    /// Peak resident set size of the process (ru_maxrss), in KiB.
    pub peak_rss_kib: Option<u64>,
    pub exit_code: Option<i32>,
    /// Exit code 0: every check held (and, for ours, cleanup succeeded).
    pub passed: bool,
    /// Why it did not pass: the end of its output.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

impl ToolRun {
    /// A run from what its process cost; `output` is kept (its end) when it did not exit 0.
    pub fn of(measured: &Measured, output: impl FnOnce() -> String) -> ToolRun {
        let passed = measured.exit_code == Some(0);
        ToolRun {
            wall_ms: measure::ms(measured.wall),
            cpu_ms: measured.cpu.map(measure::ms),
            peak_rss_kib: measured.peak_rss_kib,
            exit_code: measured.exit_code,
            passed,
            problem: (!passed).then(|| tail(&output(), 30)),
        }
    }
}

/// One tool over all runs of a scenario: the runs in order and their medians.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ToolFigures {
    pub runs: Vec<ToolRun>,
    pub passed: usize,
    pub median_wall_ms: f64,
    pub median_cpu_ms: Option<f64>,
    pub median_peak_rss_kib: Option<u64>,
}

impl ToolFigures {
    pub fn of(runs: Vec<ToolRun>) -> ToolFigures {
        let walls: Vec<f64> = runs.iter().map(|r| r.wall_ms).collect();
        let cpus: Option<Vec<f64>> = runs.iter().map(|r| r.cpu_ms).collect();
        let peaks: Option<Vec<f64>> = runs
            .iter()
            .map(|r| r.peak_rss_kib.map(|k| k as f64))
            .collect();
        ToolFigures {
            passed: runs.iter().filter(|r| r.passed).count(),
            median_wall_ms: median(&walls).unwrap_or(0.0),
            median_cpu_ms: cpus.as_deref().and_then(median),
            median_peak_rss_kib: peaks.as_deref().and_then(median).map(|k| k.round() as u64),
            runs,
        }
    }
}

/// Ours ÷ Hurl of the medians (`None` where either is unknown or Hurl's is zero).
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Ratios {
    pub wall: Option<f64>,
    pub cpu: Option<f64>,
    pub peak_rss: Option<f64>,
}

impl Ratios {
    pub fn of(ours: &ToolFigures, hurl: &ToolFigures) -> Ratios {
        let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) if b > 0.0 => Some(a / b),
            _ => None,
        };
        Ratios {
            wall: ratio(Some(ours.median_wall_ms), Some(hurl.median_wall_ms)),
            cpu: ratio(ours.median_cpu_ms, hurl.median_cpu_ms),
            peak_rss: ratio(
                ours.median_peak_rss_kib.map(|k| k as f64),
                hurl.median_peak_rss_kib.map(|k| k as f64),
            ),
        }
    }
}

/// One scenario of the peer part, both tools side by side.
#[derive(Clone, Debug, Serialize)]
pub struct ScenarioFigures {
    /// `peer` (small responses) or `big_responses`.
    pub name: String,
    pub iterations: usize,
    /// Requests each tool sends (three per iteration; ours adds its cleanup and one preflight).
    pub requests: usize,
    /// Appointments created on the search's day before each run (0 for the small scenario).
    pub preseeded: usize,
    /// What the first iteration's search answered just before the first run: entries and bytes.
    pub search_entries: Option<usize>,
    pub search_bytes: Option<usize>,
    /// (ours, Hurl) pairs run, each tool against its own fresh server.
    pub pairs: usize,
    pub ours: ToolFigures,
    /// `None` when Hurl is not available.
    pub hurl: Option<ToolFigures>,
    pub ratios: Option<Ratios>,
}

/// Which Hurl the part used, or why none.
#[derive(Clone, Debug, Serialize)]
pub struct HurlInfo {
    /// The program run (`None`: not found).
    pub program: Option<String>,
    /// The first line of `hurl --version`.
    pub version: Option<String>,
    /// A sentence for the table when Hurl is missing or not the version the goals were set with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The peer part as `bench` reports it.
#[derive(Clone, Debug, Serialize)]
pub struct PeerPart {
    pub hurl: HurlInfo,
    /// Cases in flight in our run (`run --jobs`); Hurl runs its one file's entries in order.
    pub jobs: usize,
    pub scenarios: Vec<ScenarioFigures>,
}

impl PeerPart {
    pub fn scenario(&self, name: &str) -> Option<&ScenarioFigures> {
        self.scenarios.iter().find(|s| s.name == name)
    }
}

/// The median of `values`; `None` for none.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => None,
        n if n % 2 == 1 => Some(sorted[n / 2]),
        n => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// The last `lines` lines of `text`.
fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn run(wall_ms: u64, cpu_ms: u64, peak: u64, exit: i32) -> ToolRun {
        ToolRun::of(
            &Measured {
                wall: Duration::from_millis(wall_ms),
                cpu: Some(Duration::from_millis(cpu_ms)),
                peak_rss_kib: Some(peak),
                exit_code: Some(exit),
            },
            || "line 1\nline 2".to_owned(),
        )
    }

    #[test]
    fn medians_and_ratios_of_the_runs() {
        let ours = ToolFigures::of(vec![
            run(100, 50, 1000, 0),
            run(300, 70, 3000, 0),
            run(200, 60, 2000, 1),
        ]);
        assert_eq!(ours.passed, 2);
        assert_eq!(ours.median_wall_ms, 200.0);
        assert_eq!(ours.median_cpu_ms, Some(60.0));
        assert_eq!(ours.median_peak_rss_kib, Some(2000));
        assert_eq!(ours.runs[2].problem.as_deref(), Some("line 1\nline 2"));
        assert_eq!(ours.runs[0].problem, None);
        let hurl = ToolFigures::of(vec![run(400, 40, 500, 0), run(600, 80, 1500, 0)]);
        assert_eq!(hurl.median_wall_ms, 500.0);
        let ratios = Ratios::of(&ours, &hurl);
        assert_eq!(ratios.wall, Some(0.4));
        assert_eq!(ratios.cpu, Some(1.0));
        assert_eq!(ratios.peak_rss, Some(2.0));
    }

    #[test]
    fn unknown_figures_give_no_ratio() {
        let unknown = ToolFigures::of(vec![ToolRun::of(
            &Measured {
                wall: Duration::from_millis(5),
                cpu: None,
                peak_rss_kib: None,
                exit_code: None,
            },
            String::new,
        )]);
        assert_eq!(unknown.median_cpu_ms, None);
        assert!(!unknown.runs[0].passed);
        let ratios = Ratios::of(&unknown, &ToolFigures::of(Vec::new()));
        assert_eq!(
            (ratios.wall, ratios.cpu, ratios.peak_rss),
            (None, None, None)
        );
        assert_eq!(median(&[]), None);
    }
}
