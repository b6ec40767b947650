//! Parts 4 and 5's server: `serve --bind 127.0.0.1:0 --edition E [--seed-synthetic N]` as a child process. Waits for
//! the URL it prints, hands the token over in the environment (never on the command line), and
//! kills the child when dropped, so an error or a panic on the way never leaves it running.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::bench::BenchError;
use crate::target::Secret;
use canvas_sandbox::Edition;

/// The token variable `serve` reads (see `serve --token`).
const TOKEN_ENV: &str = "CANVAS_CONFORMANCE_SERVE_TOKEN";

pub struct ChildServer {
    child: Child,
    pub base_url: String,
}

impl ChildServer {
    /// Starts `exe serve` of `edition` seeded with `seeded` synthetic appointments (none: a plain
    /// `serve`, as a user starts it) and waits (at most
    /// `timeout`) for its URL. Blocking: call it off the async threads.
    pub fn start(
        exe: &Path,
        edition: Edition,
        seeded: u64,
        token: &Secret<String>,
        timeout: Duration,
    ) -> Result<ChildServer, BenchError> {
        let mut command = Command::new(exe);
        command.args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--edition",
            edition.as_str(),
        ]);
        if seeded > 0 {
            command.arg("--seed-synthetic").arg(seeded.to_string());
        }
        let mut child = command
            .env(TOKEN_ENV, token.expose())
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                BenchError::Child(format!("failed to start `{} serve`: {e}", exe.display()))
            })?;
        let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
        // From here on `server` owns the child: any early return kills it.
        let mut server = ChildServer {
            child,
            base_url: String::new(),
        };
        let (sender, receiver) = mpsc::channel();
        if let Some(stdout) = stdout {
            std::thread::spawn(move || {
                let mut lines = BufReader::new(stdout).lines();
                let first = lines.next().and_then(Result::ok);
                let _ = sender.send(first);
                for _ in lines {} // keep draining so the child never blocks on a full pipe
            });
        }
        let (error_sender, error_receiver) = mpsc::channel();
        if let Some(mut stderr) = stderr {
            std::thread::spawn(move || {
                let mut text = String::new();
                let _ = stderr.read_to_string(&mut text);
                let _ = error_sender.send(text);
            });
        }
        let stderr_text = |server: &mut ChildServer| {
            server.kill();
            error_receiver
                .recv_timeout(Duration::from_secs(5))
                .unwrap_or_default()
        };
        match receiver.recv_timeout(timeout) {
            Ok(Some(line)) if line.starts_with("http://127.0.0.1:") => {
                server.base_url = line.trim().to_owned();
                Ok(server)
            }
            Ok(other) => {
                let text = stderr_text(&mut server);
                Err(BenchError::Child(format!(
                    "it printed {:?} instead of its URL; stderr: {}",
                    other.unwrap_or_default(),
                    text.trim()
                )))
            }
            Err(_) => {
                let text = stderr_text(&mut server);
                Err(BenchError::Child(format!(
                    "no URL within {} s; stderr: {}",
                    timeout.as_secs(),
                    text.trim()
                )))
            }
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the child has exited (or cannot be asked).
    pub fn exited(&mut self) -> bool {
        !matches!(self.child.try_wait(), Ok(None))
    }

    /// Kills the child and reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        self.kill();
    }
}
