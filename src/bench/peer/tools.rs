//! The two tools of the peer part as commands: our own `run --target URL --cases DIR` (this
//! executable) and `hurl --test`, each with the token in its environment (never on the command
//! line); and finding Hurl (`--hurl`, else `hurl` on PATH) and its version.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::bench::peer::figures::HurlInfo;
use crate::bench::peer::scenario::Written;
use crate::target::Secret;

/// The Hurl release the figures and goals were measured with (`scripts/install-hurl.sh`).
pub const HURL_VERSION: &str = "8.0.1";

/// Our token variable (`run --token`'s environment variable).
const OUR_TOKEN_ENV: &str = "CANVAS_TOKEN";
/// Hurl reads secret variables from `HURL_SECRET_<name>` (Hurl ≥ 7.1) and redacts them in its output.
const HURL_TOKEN_ENV: &str = "HURL_SECRET_token";

/// Where the tools run and what they talk to.
pub struct Invocation<'a> {
    pub written: &'a Written,
    pub base_url: &'a str,
    pub token: &'a Secret<String>,
}

impl Invocation<'_> {
    /// `exe run --target URL --cases DIR --jobs N`: loads and lints the cases, runs them, cancels
    /// what they created.
    pub fn ours(&self, exe: &Path, jobs: usize) -> Command {
        let mut command = Command::new(exe);
        command
            .arg("run")
            .arg("--target")
            .arg(self.base_url)
            .arg("--cases")
            .arg(&self.written.cases_dir)
            .arg("--jobs")
            .arg(jobs.to_string())
            .env(OUR_TOKEN_ENV, self.token.expose())
            .env_remove("RUST_LOG");
        if let Some(dir) = self.written.cases_dir.parent() {
            command.current_dir(dir);
        }
        command
    }

    /// `hurl --test --no-color --variable base=URL FILE`.
    pub fn hurl(&self, hurl: &Path) -> Command {
        let mut command = Command::new(hurl);
        command
            .args(["--test", "--no-color", "--variable"])
            .arg(format!("base={}", self.base_url))
            .arg(&self.written.hurl_file)
            .env(HURL_TOKEN_ENV, self.token.expose());
        if let Some(dir) = self.written.hurl_file.parent() {
            command.current_dir(dir);
        }
        command
    }
}

/// Finds Hurl: `explicit` when given (it must exist), else the first `hurl` on PATH. Returns the
/// program (`None` when there is none) and what the table says about it.
pub fn find_hurl(explicit: Option<&Path>) -> (Option<PathBuf>, HurlInfo) {
    let program = match explicit {
        Some(path) => Some(path.to_path_buf()),
        None => on_path("hurl", std::env::var_os("PATH")),
    };
    let Some(program) = program else {
        return (
            None,
            HurlInfo {
                program: None,
                version: None,
                note: Some(
                    "hurl is not on PATH: only our figures are measured (scripts/install-hurl.sh installs Hurl 8.0.1)"
                        .to_owned(),
                ),
            },
        );
    };
    let version = Command::new(&program)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .map(|l| l.trim().to_owned())
        });
    let note = match &version {
        None => Some(format!(
            "`{} --version` failed: Hurl is left out",
            program.display()
        )),
        Some(v) if !v.starts_with(&format!("hurl {HURL_VERSION}")) => Some(format!(
            "{v}: the goals were set against Hurl {HURL_VERSION}"
        )),
        Some(_) => None,
    };
    let usable = version.is_some();
    let info = HurlInfo {
        program: Some(program.display().to_string()),
        version,
        note,
    };
    (usable.then_some(program), info)
}

/// The first executable file called `name` in a folder of `path` (a PATH value).
fn on_path(name: &str, path: Option<std::ffi::OsString>) -> Option<PathBuf> {
    std::env::split_paths(&path?)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_hurl_is_said_plainly() {
        let (program, info) = find_hurl(Some(Path::new("/nonexistent/cc-hurl")));
        assert_eq!(program, None);
        assert_eq!(info.version, None);
        assert!(info.note.unwrap().contains("--version` failed"));
    }

    #[cfg(unix)]
    #[test]
    fn a_hurl_of_another_version_is_used_and_named() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir =
            std::env::temp_dir().join(format!("cc-fake-hurl-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(dir.join("empty")).unwrap();
        let fake = dir.join("hurl");
        std::fs::write(&fake, "#!/bin/sh\necho 'hurl 7.0.0 (fake)'\n").unwrap();
        let not_executable = dir.join("empty").join("hurl");
        std::fs::write(&not_executable, "").unwrap();
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        // PATH lookup: the first folder holding an executable `hurl`.
        let path = std::env::join_paths([dir.join("nowhere"), dir.join("empty"), dir.clone()]).ok();
        assert_eq!(on_path("hurl", path), Some(fake.clone()));
        assert_eq!(
            on_path("hurl", std::env::join_paths([dir.join("empty")]).ok()),
            None
        );
        assert_eq!(on_path("hurl", None), None);
        let (program, info) = find_hurl(Some(&fake));
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(program.as_deref(), Some(fake.as_path()));
        assert_eq!(info.version.as_deref(), Some("hurl 7.0.0 (fake)"));
        assert!(info.note.unwrap().contains("against Hurl 8.0.1"));
    }
}
