//! Runs one program as a child process and measures it as `/usr/bin/time` would: wall time, CPU
//! time (user + system) and peak resident set size, from the kernel's accounting of that one
//! process (`wait4(2)`'s rusage). Unix only for CPU and memory; elsewhere they read as unknown.
//!
//! On Linux the program is started by a small `sh` that forks it and exits, while this process is
//! its child subreaper (`PR_SET_CHILD_SUBREAPER`), so it is reaped here with its own rusage. Started
//! directly, its `ru_maxrss` could never be below this (large) process's: exec records the peak of
//! the memory it replaces, and a child spawned from here replaces a copy of (or shares) this
//! process's memory.

use std::fs::File;
use std::io::Read as _;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// What one child process cost, start to exit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Measured {
    /// From its start to its exit (on Linux from letting it into `exec`).
    pub wall: Duration,
    /// User + system CPU time of the process (`None` where rusage is unavailable).
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

/// Runs `command` (its program, arguments, environment and folder; stdin is empty, stdout and
/// stderr both go to `output`), waits for it (killing it after `timeout`) and returns what it
/// cost. Blocking: call it off the async threads.
///
/// Errors: the program cannot be started, waiting fails, or it outlives `timeout`.
pub fn run_measured(
    command: &Command,
    output: File,
    timeout: Duration,
) -> Result<Measured, ProcessError> {
    let program = command.get_program().to_string_lossy().into_owned();
    let spawn_error = |source| ProcessError::Spawn {
        program: program.clone(),
        source,
    };
    let pid = start(command, output).map_err(spawn_error)?;
    let started = Instant::now();
    resume(pid);
    let (sender, receiver) = mpsc::channel();
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
            kill(pid);
            let _ = receiver.recv_timeout(Duration::from_secs(5));
            Err(ProcessError::Timeout { program, timeout })
        }
    }
}

/// A copy of `command` (program, arguments, environment, folder) without its stdio.
fn rebuilt(command: &Command, program: &std::ffi::OsStr) -> Command {
    let mut copy = Command::new(program);
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => copy.env(key, value),
            None => copy.env_remove(key),
        };
    }
    if let Some(dir) = command.get_current_dir() {
        copy.current_dir(dir);
    }
    copy
}

/// Starts the program as a child of this process, stopped just before its `exec` (see the
/// module's note), and returns its pid; [`resume`] lets it go.
#[cfg(target_os = "linux")]
fn start(command: &Command, output: File) -> std::io::Result<u32> {
    // SAFETY: prctl with PR_SET_CHILD_SUBREAPER takes integers only and touches no memory of ours.
    if unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    let mut launcher = rebuilt(command, std::ffi::OsStr::new("sh"));
    // The outer sh (`$0` = sh, the program and its arguments in `$@`) starts an inner sh in the
    // background and prints its pid; the inner one stops itself, and once continued becomes the
    // program (exec: same pid). Stopped, it cannot end and be reaped by the outer sh before that
    // exits and hands it over. The program's stdout goes to the output file (sh's stderr).
    launcher
        .args([
            "-c",
            r#"sh -c 'kill -STOP $$; exec "$@"' sh "$@" </dev/null >&2 & echo $!"#,
            "sh",
        ])
        .arg(command.get_program())
        .args(command.get_args())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(output));
    let mut sh = launcher.spawn()?;
    let mut printed = String::new();
    if let Some(mut stdout) = sh.stdout.take() {
        stdout.read_to_string(&mut printed)?;
    }
    // Once the outer sh has exited, the inner one is this process's child (the subreaper's).
    let status = sh.wait()?;
    let pid = printed.trim().parse::<u32>().map_err(|_| {
        std::io::Error::other(format!(
            "the launching sh printed {:?} instead of a pid ({status})",
            printed.trim()
        ))
    })?;
    wait_until_stopped(pid)?;
    Ok(pid)
}

/// Polls `/proc/<pid>/stat` until the process is stopped (at most 10 s).
#[cfg(target_os = "linux")]
fn wait_until_stopped(pid: u32) -> std::io::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // `pid (comm) S …`: the state follows the last parenthesis (comm may hold any text).
        let state = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.trim_start().chars().next());
        match state {
            Some('T') => return Ok(()),
            Some('Z' | 'X') | None => {
                kill(pid);
                return Err(std::io::Error::other(
                    "the launching sh's child ended before it started the program",
                ));
            }
            Some(_) if Instant::now() > deadline => {
                kill(pid);
                return Err(std::io::Error::other(
                    "the launching sh's child did not stop within 10 s",
                ));
            }
            Some(_) => std::thread::sleep(Duration::from_micros(200)),
        }
    }
}

/// Lets the stopped child go on (into the program).
#[cfg(target_os = "linux")]
fn resume(pid: u32) {
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        // SAFETY: kill takes integers only; `pid` is our unreaped child, so it names no other process.
        unsafe {
            libc::kill(pid, libc::SIGCONT);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn resume(_pid: u32) {}

/// Starts the program directly (its peak memory then starts at this process's: see the module).
#[cfg(not(target_os = "linux"))]
fn start(command: &Command, output: File) -> std::io::Result<u32> {
    let mut direct = rebuilt(command, command.get_program());
    direct
        .args(command.get_args())
        .stdin(Stdio::null())
        .stdout(Stdio::from(output.try_clone()?))
        .stderr(Stdio::from(output));
    Ok(direct.spawn()?.id())
}

#[cfg(unix)]
fn kill(pid: u32) {
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        // SAFETY: kill takes two integers; `pid` is our unreaped child, so it names no other process.
        unsafe {
            libc::kill(pid, libc::SIGKILL);
        }
    }
}

#[cfg(not(unix))]
fn kill(_pid: u32) {}

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
        // SAFETY: `pid` is a child of this process that nothing else waits for; `status` and
        // `usage` are valid for writes for the whole call.
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

    /// A fresh output file; its path is returned so the test can read what the program printed.
    fn output() -> (File, std::path::PathBuf) {
        let path =
            std::env::temp_dir().join(format!("cc-measured-{}.out", uuid::Uuid::new_v4().simple()));
        (File::create(&path).unwrap(), path)
    }

    fn measure(command: &Command, timeout: Duration) -> (Result<Measured, ProcessError>, String) {
        let (file, path) = output();
        let measured = run_measured(command, file, timeout);
        let printed = std::fs::read_to_string(&path).unwrap_or_default();
        let _ = std::fs::remove_file(&path);
        (measured, printed)
    }

    #[test]
    fn exit_code_cpu_time_and_output_are_the_programs() {
        let mut command = Command::new("sh");
        command
            .args([
                "-c",
                "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; echo out; echo err >&2; echo \"$CC_MEASURED\"; exit 3",
            ])
            .env("CC_MEASURED", "from the environment");
        let (measured, printed) = measure(&command, Duration::from_secs(60));
        let measured = measured.unwrap();
        assert_eq!(measured.exit_code, Some(3));
        assert!(measured.cpu.is_some_and(|cpu| cpu > Duration::ZERO));
        assert!(measured.peak_rss_kib.is_some_and(|kib| kib > 0));
        assert!(measured.wall > Duration::ZERO);
        for line in ["out", "err", "from the environment"] {
            assert!(printed.lines().any(|l| l == line), "{printed:?}");
        }
    }

    #[test]
    fn peak_memory_is_the_programs_not_this_processs() {
        // This process holds 256 MB while it starts a small program: the program's peak must not
        // start from this process's (as it would if spawned directly: exec records the memory it replaces).
        let ballast = vec![1_u8; 256 << 20];
        let (small, _) = measure(&Command::new("true"), Duration::from_secs(60));
        std::hint::black_box(&ballast);
        let small = small.unwrap().peak_rss_kib.unwrap();
        assert!(small < 64 * 1024, "{small} KiB");
        // ...and a program that does use memory shows it.
        let (big, _) = measure(
            Command::new("sh").args([
                "-c",
                "v=$(head -c 67108864 /dev/zero | tr '\\0' a); echo ${#v}",
            ]),
            Duration::from_secs(60),
        );
        let big = big.unwrap().peak_rss_kib.unwrap();
        assert!(big > 32 * 1024, "{big} KiB");
    }

    #[test]
    fn a_signal_leaves_no_exit_code_and_a_hang_is_killed() {
        let (killed, _) = measure(
            Command::new("sh").args(["-c", "kill -9 $$"]),
            Duration::from_secs(60),
        );
        assert_eq!(killed.unwrap().exit_code, None);
        let started = Instant::now();
        let (hung, _) = measure(Command::new("sleep").arg("30"), Duration::from_millis(300));
        assert!(
            matches!(hung, Err(ProcessError::Timeout { .. })),
            "{hung:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the hung program was not killed"
        );
    }

    #[test]
    fn a_missing_program_fails_and_is_named() {
        let (measured, printed) = measure(
            &Command::new("/nonexistent/cc-no-such-tool"),
            Duration::from_secs(5),
        );
        match measured {
            // Linux: the launching sh says so and exits 127.
            Ok(measured) => {
                assert_eq!(measured.exit_code, Some(127));
                assert!(
                    printed.contains("/nonexistent/cc-no-such-tool"),
                    "{printed}"
                );
            }
            Err(error) => assert!(error.to_string().contains("/nonexistent/cc-no-such-tool")),
        }
    }
}
