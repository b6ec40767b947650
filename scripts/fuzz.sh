#!/usr/bin/env bash
# Generated requests as a test: runs Schemathesis (PyPI, pinned, in a venv this script makes)
# with all its checks against `canvas-conformance serve` of each edition, from the OpenAPI
# document the server itself serves (`GET /openapi.json`). Fails on any 5xx or check failure.
#
# Usage: scripts/fuzz.sh [--quick] [--examples N] [--edition 2023-09|current]
#   --quick        a bounded pass (CI): a few hundred requests per edition, well under a minute
#                  (also CANVAS_CONFORMANCE_FUZZ_QUICK=1)
#   --examples N   Schemathesis --max-examples per operation and phase (default 400: over
#                  5,000 requests per edition; --quick: 40)
#   --edition E    only this edition (default: both)
# Environment: CANVAS_CONFORMANCE_FUZZ_VENV (default target/fuzz-venv), CANVAS_CONFORMANCE_BIN
# (a built canvas-conformance; default: cargo build --locked, then target/debug/canvas-conformance).
set -euo pipefail

SCHEMATHESIS_VERSION="4.32.5"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
QUICK="${CANVAS_CONFORMANCE_FUZZ_QUICK:-0}"
EXAMPLES=""
EDITIONS=("2023-09" "current")

while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --examples) EXAMPLES="${2:?--examples needs a number}"; shift ;;
    --edition) EDITIONS=("${2:?--edition needs 2023-09 or current}"); shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "fuzz.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if [ -z "$EXAMPLES" ]; then
  if [ "$QUICK" = "1" ]; then EXAMPLES=40; else EXAMPLES=400; fi
fi
# The bounded pass runs the examples and fuzzing phases only (coverage and stateful are slow).
# filter_too_much: the instant and identifier patterns make Hypothesis discard many drafts; that
# is generation cost, not a finding.
PHASES="examples,coverage,fuzzing,stateful"
if [ "$QUICK" = "1" ]; then PHASES="examples,fuzzing"; fi
case "$EXAMPLES" in ''|*[!0-9]*) echo "fuzz.sh: --examples must be a number" >&2; exit 2 ;; esac

VENV="${CANVAS_CONFORMANCE_FUZZ_VENV:-$ROOT/target/fuzz-venv}"
if [ ! -x "$VENV/bin/st" ] || ! "$VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('schemathesis') != '$SCHEMATHESIS_VERSION')" 2>/dev/null; then
  echo "fuzz.sh: installing schemathesis $SCHEMATHESIS_VERSION into $VENV" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

BIN="${CANVAS_CONFORMANCE_BIN:-}"
if [ -z "$BIN" ]; then
  (cd "$ROOT" && cargo build --locked --quiet --bin canvas-conformance)
  BIN="$ROOT/target/debug/canvas-conformance"
fi

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# Business rules a JSON Schema cannot state (a duration > 0, double booking, the fixed patient,
# a cancelled status, unknown ids) answer 422 or 404 to schema-valid writes; the page documents them.
cat > "$WORK/schemathesis.toml" <<'TOML'
[[operations]]
include-path = "/Appointment"
include-method = "POST"
checks.positive_data_acceptance.expected-statuses = ["2xx", "422"]

[[operations]]
include-path = "/Appointment/{id}"
include-method = "PUT"
checks.positive_data_acceptance.expected-statuses = ["2xx", "404", "412", "422"]

# Slot search: `end` before `start`, or more than 30 days after it, is a 400 (a rule across two
# parameters). Path only: Schemathesis ORs the include filters of one entry.
[[operations]]
include-path = "/Slot"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400"]

# Token introspection in the query string (GET) is always 400 invalid_request (RFC 7662 §2.1 takes
# a POST form); the document keeps it because Canvas's request collection sends it.
[[operations]]
include-path = "/auth/introspect/"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401"]
TOML

status=0
for edition in "${EDITIONS[@]}"; do
  log="$WORK/serve-$edition.log"
  "$BIN" serve --bind 127.0.0.1:0 --edition "$edition" --token dev-token >"$log" 2>"$WORK/serve-$edition.err" &
  SERVER_PID=$!
  base=""
  for _ in $(seq 1 100); do
    base="$(head -n 1 "$log" 2>/dev/null || true)"
    [ -n "$base" ] && break
    sleep 0.1
  done
  if [ -z "$base" ]; then
    echo "fuzz.sh: serve --edition $edition did not start:" >&2
    cat "$WORK/serve-$edition.err" >&2
    exit 1
  fi
  echo "fuzz.sh: edition $edition at $base, --max-examples $EXAMPLES" >&2
  # from $WORK, so Schemathesis's own cache (.schemathesis/) stays out of the tree
  if ! (cd "$WORK" && "$VENV/bin/st" --no-color --config-file "$WORK/schemathesis.toml" run "$base/openapi.json" \
      --url "$base" \
      --checks all \
      --header "Authorization: Bearer dev-token" \
      --max-examples "$EXAMPLES" \
      --phases "$PHASES" \
      --workers 1 \
      --generation-deterministic \
      --suppress-health-check=filter_too_much); then
    echo "fuzz.sh: edition $edition FAILED" >&2
    status=1
  fi
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
done
exit "$status"
