//! The reference server over real HTTP (127.0.0.1:0, reqwest): every BEHAVIOURS.md ID, the
//! concurrency and restart guarantees, malformed input, OAuth, and the mutants (the harness's
//! `serve` command and its FHIR R4 schema check of reads are the root crate's `tests/serve.rs`). Tests are named
//! after the behaviour IDs they exercise.

mod server {
    mod auth_errors;
    pub mod common;
    mod create;
    mod current_access;
    mod current_clients;
    mod current_create;
    mod current_mutants;
    mod current_read;
    mod current_scopes;
    mod current_search;
    mod current_update;
    mod editions;
    mod faults;
    mod hostile;
    mod lifecycle;
    mod lookups;
    mod mutants;
    mod read;
    mod search;
    mod update;
}
