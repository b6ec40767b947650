//! The console while a run is under way: an `indicatif` progress bar on stderr when stderr is a
//! terminal, `CI` is unset and the run has enough cases to be worth one; each case that did not
//! pass as it completes (every case with `--verbose`). Also decides colour (stdout a terminal
//! and `NO_COLOR` unset).

use std::io::IsTerminal as _;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::case::Case;
use crate::outcome::{CaseOutcome, Verdict};
use crate::report::console::{self, Style};

/// Fewer cases than this print plain lines: a bar would only flash.
pub const BAR_MIN_CASES: usize = 20;

/// What the environment says about the console.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Terminal {
    pub stdout_tty: bool,
    pub stderr_tty: bool,
    /// `CI` is set (and not `false`/`0`).
    pub ci: bool,
    /// `NO_COLOR` is set and not empty (<https://no-color.org>).
    pub no_color: bool,
}

impl Terminal {
    pub fn detect() -> Terminal {
        let ci = std::env::var_os("CI").is_some_and(|v| v != "false" && v != "0");
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Terminal {
            stdout_tty: std::io::stdout().is_terminal(),
            stderr_tty: std::io::stderr().is_terminal(),
            ci,
            no_color,
        }
    }
}

/// How the console behaves for one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConsoleMode {
    /// Show a progress bar on stderr.
    pub bar: bool,
    /// Print passing and skipped cases and set-up errors one by one too (`--verbose`); otherwise
    /// only failures, harness errors and drift, while skips and set-up errors are grouped at the end.
    pub every_case: bool,
    pub style: Style,
}

impl ConsoleMode {
    pub fn choose(terminal: Terminal, cases: usize, verbose: bool) -> ConsoleMode {
        let bar = terminal.stderr_tty && !terminal.ci && cases >= BAR_MIN_CASES;
        ConsoleMode {
            bar,
            every_case: verbose,
            style: Style {
                colour: terminal.stdout_tty && !terminal.no_color,
            },
        }
    }
}

/// Prints each case as it completes, and drives the bar.
pub struct Progress {
    mode: ConsoleMode,
    bar: Option<ProgressBar>,
    /// Set-up causes already announced (each is said once as it is first met; the cases it kept
    /// from being judged are grouped at the end).
    causes: std::cell::RefCell<Vec<String>>,
    /// Harness errors already printed in full: later cases with the same one are grouped at the
    /// end instead of repeated.
    errors: std::cell::RefCell<Vec<String>>,
}

impl Progress {
    pub fn start(mode: ConsoleMode, cases: usize) -> Progress {
        let bar = mode.bar.then(|| {
            let bar = ProgressBar::with_draw_target(
                Some(u64::try_from(cases).unwrap_or(u64::MAX)),
                ProgressDrawTarget::stderr(),
            );
            let template = if mode.style.colour {
                "{spinner:.cyan} [{elapsed_precise}] {bar:32.cyan/blue} {pos}/{len} {wide_msg}"
            } else {
                "{spinner} [{elapsed_precise}] {bar:32} {pos}/{len} {wide_msg}"
            };
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Progress {
            mode,
            bar,
            causes: std::cell::RefCell::new(Vec::new()),
            errors: std::cell::RefCell::new(Vec::new()),
        }
    }

    /// One finished case (outcomes arrive in plan order).
    pub fn case(&self, outcome: &CaseOutcome, case: Option<&Case>) {
        let drifted = console::drifted(std::slice::from_ref(outcome))
            .next()
            .is_some();
        let repeated = match console::error_cause(outcome).filter(|_| !self.mode.every_case) {
            Some(cause) => {
                let mut seen = self.errors.borrow_mut();
                let again = seen.contains(&cause);
                if !again {
                    seen.push(cause);
                }
                again
            }
            None => false,
        };
        let show = self.mode.every_case
            || drifted
            || (!matches!(outcome.verdict, Verdict::Pass | Verdict::Skipped(_))
                && outcome.setup_cause().is_none()
                && !repeated);
        let mut block = String::new();
        // A cause the preflight found (`not sent: …`) was said before the cases.
        if let Some(cause) = outcome
            .setup_cause()
            .filter(|c| !self.mode.every_case && !c.starts_with("not sent: "))
        {
            let key = console::group_key(cause).to_owned();
            let mut causes = self.causes.borrow_mut();
            if !causes.contains(&key) {
                block = format!("set-up: {key} (its cases are listed below)\n");
                causes.push(key);
            }
        }
        if show {
            block.push_str(&console::case_block_styled(outcome, case, self.mode.style));
        }
        if !block.is_empty() {
            match &self.bar {
                Some(bar) => bar.suspend(|| print!("{block}")),
                None => print!("{block}"),
            }
        }
        if let Some(bar) = &self.bar {
            bar.set_message(outcome.name.clone());
            bar.inc(1);
        }
    }

    /// Removes the bar, leaving the printed lines.
    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TTY: Terminal = Terminal {
        stdout_tty: true,
        stderr_tty: true,
        ci: false,
        no_color: false,
    };

    #[test]
    fn a_bar_only_on_a_terminal_outside_ci_with_enough_cases() {
        assert!(ConsoleMode::choose(TTY, BAR_MIN_CASES, false).bar);
        assert!(!ConsoleMode::choose(TTY, BAR_MIN_CASES - 1, false).bar);
        assert!(!ConsoleMode::choose(Terminal { ci: true, ..TTY }, 100, false).bar);
        assert!(
            !ConsoleMode::choose(
                Terminal {
                    stderr_tty: false,
                    ..TTY
                },
                100,
                false
            )
            .bar
        );
    }

    #[test]
    fn every_case_is_printed_only_when_verbose() {
        for terminal in [TTY, Terminal::default()] {
            for cases in [5, 40] {
                assert!(!ConsoleMode::choose(terminal, cases, false).every_case);
                assert!(ConsoleMode::choose(terminal, cases, true).every_case);
            }
        }
    }

    #[test]
    fn colour_needs_a_terminal_and_no_no_color() {
        assert!(ConsoleMode::choose(TTY, 1, false).style.colour);
        assert!(
            !ConsoleMode::choose(
                Terminal {
                    no_color: true,
                    ..TTY
                },
                1,
                false
            )
            .style
            .colour
        );
        assert!(
            !ConsoleMode::choose(
                Terminal {
                    stdout_tty: false,
                    ..TTY
                },
                1,
                false
            )
            .style
            .colour
        );
        // CI logs often render colour; only NO_COLOR and a non-terminal stdout turn it off.
        assert!(
            ConsoleMode::choose(Terminal { ci: true, ..TTY }, 1, false)
                .style
                .colour
        );
    }
}
