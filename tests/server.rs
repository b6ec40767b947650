//! The reference server over real HTTP (127.0.0.1:0, reqwest): every BEHAVIOURS.md ID, the
//! concurrency and restart guarantees, malformed input, OAuth, and the mutants. Tests are named
//! after the behaviour IDs they exercise.

/// The `serve` command, tested with the server.
use canvas_conformance::cli::serve as serve_cli;

mod server {
    mod auth_errors;
    mod cli;
    pub mod common;
    mod create;
    mod current_access;
    mod current_create;
    mod current_mutants;
    mod current_read;
    mod current_search;
    mod current_update;
    mod editions;
    mod lifecycle;
    mod mutants;
    mod read;
    mod search;
    mod update;
}
