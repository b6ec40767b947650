//! Runs one program as a child process and measures it as `/usr/bin/time` would: wall time, CPU
//! time (user + system) and peak resident set size, from the kernel's accounting of that one child
//! (`wait4(2)`'s rusage). Unix only for CPU and memory; elsewhere they read as unknown.

use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// What one child process cost, start to exit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Measured {
    /// From spawning it to its exit.
    pub wall: Duration,
    /// User + system CPU time of the child (its own threads; `None` where rusage is unavailable).
    pub cpu: Option<Duration>,
    /// Peak resident set size in KiB (`ru_maxrss`; `None` where unavailable).
    pub peak_rss_kib: Option<u64>,
    /// Its exit code; `None` when a signal ended it.
    pub exit_code: Option<i32>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error("failed to start `{program}`: {source}")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    #[error("failed to wait for `{program}`: {source}")]
    Wait {
        program: String,
        source: std::io::Error,
    },
    #[error("`{program}` was still running after {} s and was killed", .timeout.as_secs())]
    Timeout { program: String, timeout: Duration },
}

/// Spawns `command`, waits for it (killing it after `timeout`) and returns what it cost. Blocking:
/// call it off the async threads. The caller sets up stdin/stdout/stderr (files, not pipes nobody
/// drains).
///
/// Errors: the program cannot be started, waiting fails, or it outlives `timeout`.
pub fn run_measured(command: &mut Command, timeout: Duration) -> Result<Measured, ProcessError> {
    let program = command.get_program().to_string_lossy().into_owned();
    let started = Instant::now();
    let mut child = command.spawn().map_err(|source| ProcessError::Spawn {
        program: program.clone(),
        source,
    })?;
    let (sender, receiver) = mpsc::channel();
    let pid = child.id();
    std::thread::spawn(move || {
        let waited = wait(pid);
        let _ = sender.send((waited, started.elapsed()));
    });
    match receiver.recv_timeout(timeout) {
        Ok((Ok(usage), wall)) => Ok(Measured {
            wall,
            cpu: usage.cpu,
            peak_rss_kib: usage.peak_rss_kib,
            exit_code: usage.exit_code,
        }),
        Ok((Err(source), _)) => Err(ProcessError::Wait { program, source }),
        Err(_) => {
            // Not reaped yet (the waiting thread has not returned), so the pid is still ours.
            let _ = child.kill();
            let _ = receiver.recv_timeout(Duration::from_secs(5));
            Err(ProcessError::Timeout { program, timeout })
        }
    }
}

/// What the kernel reported when the child was reaped.
struct Usage {
    cpu: Option<Duration>,
    peak_rss_kib: Option<u64>,
    exit_code: Option<i32>,
}

/// Reaps child `pid` with `wait4`, which hands back that child's own rusage (unlike
/// `getrusage(RUSAGE_CHILDREN)`, whose `ru_maxrss` is the largest of all children so far).
#[cfg(unix)]
fn wait(pid: u32) -> std::io::Result<Usage> {
    let pid = libc::pid_t::try_from(pid).map_err(std::io::Error::other)?;
    let mut status: libc::c_int = 0;
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    loop {
        // SAFETY: `pid` is a child this process spawned and nothing else waits for (std's `Child`
        // is never waited on); `status` and `usage` are valid for writes for the whole call.
        let reaped = unsafe { libc::wait4(pid, &mut status, 0, usage.as_mut_ptr()) };
        if reaped == pid {
            break;
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
    // SAFETY: zero is a valid bit pattern for every field of `rusage` (plain integers), and
    // `wait4` filled it in on success.
    let usage = unsafe { usage.assume_init() };
    let time = |t: libc::timeval| {
        Duration::from_secs(u64::try_from(t.tv_sec).unwrap_or(0))
            + Duration::from_micros(u64::try_from(t.tv_usec).unwrap_or(0))
    };
    let maxrss = u64::try_from(usage.ru_maxrss).unwrap_or(0);
    // Linux reports ru_maxrss in KiB, macOS in bytes.
    let peak_rss_kib = if cfg!(target_os = "macos") {
        maxrss / 1024
    } else {
        maxrss
    };
    Ok(Usage {
        cpu: Some(time(usage.ru_utime) + time(usage.ru_stime)),
        peak_rss_kib: Some(peak_rss_kib),
        exit_code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
    })
}

#[cfg(not(unix))]
fn wait(_pid: u32) -> std::io::Result<Usage> {
    Err(std::io::Error::other(
        "measuring a child process needs wait4 (Unix)",
    ))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_and_cpu_time_are_the_childs() {
        let measured = run_measured(
            Command::new("sh").args(["-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; exit 3"]),
            Duration::from_secs(60),
        )
        .unwrap();
        assert_eq!(measured.exit_code, Some(3));
        assert!(measured.cpu.is_some_and(|cpu| cpu > Duration::ZERO));
        assert!(measured.peak_rss_kib.is_some_and(|kib| kib > 0));
        assert!(measured.wall > Duration::ZERO);
    }

    #[test]
    fn peak_memory_is_this_childs_not_the_largest_so_far() {
        // A child touching ~64 MB first, then a small one: the second must not inherit the first's peak.
        let big = run_measured(
            Command::new("sh").args(["-c", "head -c 67108864 /dev/zero | tr '\\0' a | (v=$(cat); :)"]),
            Duration::from_secs(60),
        )
        .unwrap();
        let small = run_measured(&mut Command::new("true"), Duration::from_secs(60)).unwrap();
        let (big, small) = (big.peak_rss_kib.unwrap(), small.peak_rss_kib.unwrap());
        assert!(big > 32 * 1024, "{big} KiB");
        assert!(small < big / 4, "{small} KiB vs {big} KiB");
    }

    #[test]
    fn a_signal_leaves_no_exit_code_and_a_hang_is_killed() {
        let killed = run_measured(
            Command::new("sh").args(["-c", "kill -9 $$"]),
            Duration::from_secs(60),
        )
        .unwrap();
        assert_eq!(killed.exit_code, None);
        let hung = run_measured(Command::new("sleep").arg("30"), Duration::from_millis(200));
        assert!(
            matches!(hung, Err(ProcessError::Timeout { .. })),
            "{hung:?}"
        );
    }

    #[test]
    fn a_missing_program_is_named() {
        let error = run_measured(
            &mut Command::new("/nonexistent/cc-no-such-tool"),
            Duration::from_secs(5),
        )
        .unwrap_err();
        assert!(error.to_string().contains("/nonexistent/cc-no-such-tool"));
    }
}
