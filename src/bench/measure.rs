//! Measuring helpers: memory of a process from `/proc/<pid>/status` (VmHWM peak, VmRSS now) and
//! latency percentiles (nearest rank). Linux only for memory; elsewhere it reads as unknown.

use std::time::Duration;

use serde::Serialize;

/// A process's resident memory, in KiB.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Memory {
    /// Peak resident set size (VmHWM).
    pub peak_kib: u64,
    /// Resident set size now (VmRSS).
    pub rss_kib: u64,
}

/// This process's memory, if `/proc/self/status` can be read.
pub fn memory_of_self() -> Option<Memory> {
    read_status("/proc/self/status")
}

/// Another process's memory, if `/proc/<pid>/status` can be read.
pub fn memory_of(pid: u32) -> Option<Memory> {
    read_status(&format!("/proc/{pid}/status"))
}

fn read_status(path: &str) -> Option<Memory> {
    parse_status(&std::fs::read_to_string(path).ok()?)
}

/// VmHWM and VmRSS from the text of a `/proc/<pid>/status` file.
pub fn parse_status(text: &str) -> Option<Memory> {
    let field = |name: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().strip_suffix("kB"))
            .and_then(|kib| kib.trim().parse::<u64>().ok())
    };
    Some(Memory {
        peak_kib: field("VmHWM:")?,
        rss_kib: field("VmRSS:")?,
    })
}

/// Milliseconds as a float, for tables and JSON.
pub fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// The `q`-quantile (0..=1) of sorted samples by nearest rank; 0 for no samples.
pub fn percentile(sorted: &[u64], q: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (q.clamp(0.0, 1.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// `count` per second of `elapsed` (0 when nothing elapsed).
pub fn per_second(count: usize, elapsed: Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs > 0.0 { count as f64 / secs } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_peak_and_current_rss() {
        let text = "Name:\tx\nVmPeak:\t  9000 kB\nVmHWM:\t    4321 kB\nVmRSS:\t    1234 kB\n";
        assert_eq!(
            parse_status(text),
            Some(Memory {
                peak_kib: 4321,
                rss_kib: 1234
            })
        );
        assert_eq!(parse_status("VmRSS: 12 kB\n"), None);
    }

    #[test]
    fn this_process_has_memory_on_linux() {
        if cfg!(target_os = "linux") {
            let memory = memory_of_self().unwrap();
            assert!(memory.peak_kib >= memory.rss_kib && memory.rss_kib > 0);
        }
    }

    #[test]
    fn nearest_rank_percentiles() {
        let samples: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&samples, 0.5), 50);
        assert_eq!(percentile(&samples, 0.99), 99);
        assert_eq!(percentile(&samples, 1.0), 100);
        assert_eq!(percentile(&[7], 0.5), 7);
        assert_eq!(percentile(&[], 0.5), 0);
    }
}
