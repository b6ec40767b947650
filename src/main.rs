//! The `canvas-conformance` binary: parse arguments, run the subcommand, map the result to the
//! documented exit codes (0 passed, 1 failed or errored, 2 usage, profile or case-file errors).

use std::process::ExitCode;

use canvas_conformance::cli::{self, Cli, CliError, Command, EXIT_FAILED, EXIT_USAGE};
use clap::Parser;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Commands whose output people pipe into `head` end quietly when the pipe closes. `serve` and
    // `bench` (which talks to child processes through pipes) keep Rust's default of ignoring it.
    if !matches!(cli.command, Command::Serve(_) | Command::Bench(_)) {
        restore_sigpipe();
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                // `serve --log-requests` lines are info events of their own target. The TLS
                // verifier's warnings about unreadable CA files are left out: when no CA loads,
                // the preflight's cause says so, with the fix.
                "warn,canvas_sandbox::request=info,rustls_platform_verifier=error".into()
            }),
        )
        .with_writer(std::io::stderr)
        // No colour codes in a log written to a file or a pipe.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: failed to start the async runtime: {e}");
            return ExitCode::from(EXIT_FAILED);
        }
    };
    let result = match cli.command {
        Command::Run(args) => runtime.block_on(cli::run::run(args)),
        Command::Init(args) => runtime.block_on(cli::init::run(args)),
        Command::Doctor(args) => runtime.block_on(cli::doctor::run(args)),
        Command::List(args) => cli::list::run(&args).map(|()| 0),
        Command::Validate(args) => cli::validate::run(&args).map(|()| 0),
        Command::Coverage(args) => cli::coverage::run(&args),
        Command::Editions(args) => cli::editions::run(&args),
        Command::Mutants(args) => runtime.block_on(cli::mutants::run(args)),
        Command::Bench(args) => runtime.block_on(cli::bench::run(args)),
        Command::Report(args) => cli::report::run(&args),
        Command::Replay(args) => runtime.block_on(cli::replay::run(args)),
        Command::Serve(args) => runtime
            .block_on(cli::serve::run(args))
            .map(|()| 0)
            .map_err(CliError::Other),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(CliError::Usage(message)) => {
            eprintln!("{message}");
            ExitCode::from(EXIT_USAGE)
        }
        Err(CliError::Other(error)) => {
            eprintln!("error: {error:#}");
            ExitCode::from(EXIT_FAILED)
        }
    }
}

/// `canvas-conformance list | head` ends quietly, as Unix tools do, instead of panicking on the
/// broken pipe: Rust ignores SIGPIPE by default, so restore the default action (terminate).
/// Sockets are unaffected: std and tokio send with MSG_NOSIGNAL.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called in main before the runtime or any other thread starts; SIG_DFL is valid.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
