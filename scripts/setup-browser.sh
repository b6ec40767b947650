#!/usr/bin/env bash
# Installs the headless browser that tests/browser.rs uses to open the HTML report, when it is
# missing. Idempotent and quiet: does nothing when /usr/bin/chromium exists. Debian/Ubuntu, as root.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup-browser: /usr/bin/chromium is missing and apt-get is not available; install chromium yourself" >&2
    exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "setup-browser: /usr/bin/chromium is missing; installing it needs root (run: sudo $0)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends chromium >/dev/null
if [ ! -x /usr/bin/chromium ]; then
    echo "setup-browser: chromium was installed but /usr/bin/chromium is still missing" >&2
    exit 1
fi
