//! The conformance suite as `cargo test` trials: one per case under `cases/`.

fn main() -> std::process::ExitCode {
    canvas_conformance::harness::main()
}
