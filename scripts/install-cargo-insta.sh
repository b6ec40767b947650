#!/usr/bin/env bash
# Installs cargo-insta (the insta CLI: `cargo insta test`, `cargo insta review`, `cargo insta accept`)
# at the version of the insta crate in Cargo.lock, when it is missing. Not needed by `cargo test` or
# CI: only for people who review snapshot changes interactively.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(awk '/^name = "insta"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
if command -v cargo-insta >/dev/null 2>&1 && cargo insta --version 2>/dev/null | grep -q "$version"; then
  echo "cargo-insta $version is installed"
  exit 0
fi
cargo install cargo-insta --version "$version" --locked
