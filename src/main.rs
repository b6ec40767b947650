//! The `canvas-conformance` command line.
fn main() {}
