//! The recorder behind `run --record DIR`: streams each exchange of a run to `DIR/recording.jsonl`
//! as it completes (one line, flushed), so memory does not grow with the run and a run that stops
//! early leaves a readable prefix. What it writes is already scrubbed by the sender.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use crate::exchange::tape::{FILE, Header, Line};

/// Why a recording could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum TapeError {
    #[error("failed to write the recording {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("failed to read the recording {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    /// Not a recording, another format version, or a line that does not parse.
    #[error("{path}: {problem}")]
    Invalid { path: String, problem: String },
}

/// Writes one recording; shared by every case of a run (each line is written whole, under a lock).
pub struct Recorder {
    path: PathBuf,
    out: Mutex<Option<BufWriter<File>>>,
    /// The first write that failed: writing stops there, and [`Recorder::finish`] reports it.
    failure: Mutex<Option<String>>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Recorder({})", self.path.display())
    }
}

impl Recorder {
    /// Creates `dir` (if missing) and `dir/recording.jsonl` (replacing an older one), and writes
    /// `header` as its first line.
    ///
    /// Errors: [`TapeError::Write`] when the folder or file cannot be made or written.
    pub fn create(dir: &Path, header: &Header) -> Result<Recorder, TapeError> {
        let path = dir.join(FILE);
        let failed = |source| TapeError::Write {
            path: path.display().to_string(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(failed)?;
        let file = File::create(&path).map_err(failed)?;
        let recorder = Recorder {
            path: path.clone(),
            out: Mutex::new(Some(BufWriter::new(file))),
            failure: Mutex::new(None),
        };
        recorder.write(&Line::Header(header.clone()));
        match recorder.failure() {
            None => Ok(recorder),
            Some(problem) => Err(failed(std::io::Error::other(problem))),
        }
    }

    /// The recording file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `line` and flushes it. A failure is kept (and writing stops), not returned: the run
    /// goes on and [`Recorder::finish`] says the recording is incomplete.
    pub fn write(&self, line: &Line) {
        let mut out = self.out.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(writer) = out.as_mut() else {
            return;
        };
        let written = serde_json::to_writer(&mut *writer, line)
            .map_err(std::io::Error::from)
            .and_then(|()| writer.write_all(b"\n"))
            .and_then(|()| writer.flush());
        if let Err(e) = written {
            *out = None;
            let mut failure = self.failure.lock().unwrap_or_else(PoisonError::into_inner);
            failure.get_or_insert_with(|| e.to_string());
        }
    }

    fn failure(&self) -> Option<String> {
        self.failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Closes the file; the recording's path, or the first write that failed.
    pub fn finish(&self) -> Result<&Path, TapeError> {
        let taken = self
            .out
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(mut writer) = taken
            && let Err(source) = writer.flush()
        {
            return Err(TapeError::Write {
                path: self.path.display().to_string(),
                source,
            });
        }
        match self.failure() {
            None => Ok(&self.path),
            Some(problem) => Err(TapeError::Write {
                path: self.path.display().to_string(),
                source: std::io::Error::other(problem),
            }),
        }
    }
}
