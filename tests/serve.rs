//! The reference server as the harness uses it: the `serve` command (options, the mutant list, a
//! start/stop on a real port), and the server's reads checked with the harness's FHIR R4 schema.
//! The server's own behaviour tests live in its crate (`crates/canvas-sandbox/tests/`).

/// The `serve` command, tested with the server.
use canvas_conformance::cli::serve as serve_cli;

mod serve {
    mod cli;
    mod fhir_r4;
}
