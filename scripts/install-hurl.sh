#!/usr/bin/env bash
# Installs Hurl 8.0.1 (https://hurl.dev), the peer tool `bench` compares against, when it is missing.
# Not needed by `cargo test` or CI: only for people who want the peer ratios in `bench`. Hurl 8.1
# needs a newer Rust, hence the pinned version. Builds from source: several minutes on 2 cores.
# Needs apt-get (Debian/Ubuntu) for the C libraries Hurl links against; run as root or with sudo.
set -euo pipefail

version=8.0.1

if command -v hurl >/dev/null 2>&1 && hurl --version 2>/dev/null | head -n 1 | grep -q "^hurl $version\b"; then
  echo "hurl $version is installed ($(command -v hurl)); nothing to do"
  exit 0
fi
if command -v hurl >/dev/null 2>&1; then
  echo "found $(hurl --version 2>/dev/null | head -n 1) at $(command -v hurl); installing $version over it"
fi

packages=(libcurl4-openssl-dev libxml2-dev pkg-config libclang-dev)
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: Hurl's build needs ${missing[*]} (or your system's equivalents) and apt-get is not available;" >&2
    echo "       install them with your package manager, then run this script again" >&2
    exit 1
  fi
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "error: installing ${missing[*]} needs root; run this script as root or install sudo" >&2
      exit 1
    fi
    sudo="sudo"
  fi
  echo "installing build dependencies: ${missing[*]}"
  $sudo apt-get update
  $sudo apt-get install -y "${missing[@]}"
else
  echo "build dependencies present: ${packages[*]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "error: cargo is not on PATH; install Rust (https://rustup.rs) and run this script again" >&2
  exit 1
fi
echo "building hurl $version with cargo install (several minutes)"
cargo install hurl --version "$version" --locked
if ! command -v hurl >/dev/null 2>&1; then
  echo "hurl was installed into cargo's bin directory, which is not on PATH; add ~/.cargo/bin to PATH" >&2
  exit 1
fi
echo "installed: $(hurl --version | head -n 1)"
