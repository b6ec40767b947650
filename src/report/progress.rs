//! The console while a run is under way: an `indicatif` progress bar on stderr when stderr is a
//! terminal, `CI` is unset and the run has enough cases to be worth one; otherwise the plain line
//! per case. Also decides colour (stdout a terminal and `NO_COLOR` unset).

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
    /// Print passing and skipped cases too (with a bar on a terminal, only problems are printed).
    pub every_case: bool,
    pub style: Style,
}

impl ConsoleMode {
    pub fn choose(terminal: Terminal, cases: usize) -> ConsoleMode {
        let bar = terminal.stderr_tty && !terminal.ci && cases >= BAR_MIN_CASES;
        ConsoleMode {
            bar,
            // A bar shares the screen with stdout only when stdout is a terminal too.
            every_case: !(bar && terminal.stdout_tty),
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
        Progress { mode, bar }
    }

    /// One finished case (outcomes arrive in plan order).
    pub fn case(&self, outcome: &CaseOutcome, case: Option<&Case>) {
        let drifted = console::drifted(std::slice::from_ref(outcome))
            .next()
            .is_some();
        let show = self.mode.every_case
            || drifted
            || !matches!(outcome.verdict, Verdict::Pass | Verdict::Skipped(_));
        if show {
            let block = console::case_block_styled(outcome, case, self.mode.style);
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
        assert!(ConsoleMode::choose(TTY, BAR_MIN_CASES).bar);
        assert!(!ConsoleMode::choose(TTY, BAR_MIN_CASES - 1).bar);
        assert!(!ConsoleMode::choose(Terminal { ci: true, ..TTY }, 100).bar);
        assert!(
            !ConsoleMode::choose(
                Terminal {
                    stderr_tty: false,
                    ..TTY
                },
                100
            )
            .bar
        );
    }

    #[test]
    fn every_case_is_printed_unless_the_bar_shares_the_terminal() {
        assert!(!ConsoleMode::choose(TTY, 40).every_case);
        assert!(ConsoleMode::choose(TTY, 5).every_case);
        assert!(
            ConsoleMode::choose(
                Terminal {
                    stdout_tty: false,
                    ..TTY
                },
                40
            )
            .every_case
        );
        assert!(ConsoleMode::choose(Terminal::default(), 40).every_case);
    }

    #[test]
    fn colour_needs_a_terminal_and_no_no_color() {
        assert!(ConsoleMode::choose(TTY, 1).style.colour);
        assert!(
            !ConsoleMode::choose(
                Terminal {
                    no_color: true,
                    ..TTY
                },
                1
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
                1
            )
            .style
            .colour
        );
        // CI logs often render colour; only NO_COLOR and a non-terminal stdout turn it off.
        assert!(
            ConsoleMode::choose(Terminal { ci: true, ..TTY }, 1)
                .style
                .colour
        );
    }
}
