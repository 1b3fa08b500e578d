#!/usr/bin/env bash
# Schemathesis against the real steady-server: the published contract (docs/openapi.yaml) as a
# stranger's tool reads it, tested against the server as it runs.
#
# It makes a Python venv under ${CARGO_TARGET_DIR:-target}/schemathesis-venv with a pinned
# Schemathesis (Debian's python3-venv is installed if the venv cannot be made), starts the built
# `steady-server demo` (synthetic demo data, so pulls carry real records) on a fresh data
# directory with its SQLite store on a free loopback port, rate limits off (a 429 would stand in
# for the answer under test), issues an enrolment code with the admin CLI (an editor and a
# reader grant, the second with an end, so grants in answers have both shapes), enrols a device
# with curl, and runs Schemathesis with that device's token on every operation. Checks: no 5xx
# (not_a_server_error), every status, content type, header and body as the document says.
#
#   bash tests/schemathesis.sh                            CI: fixed seed, deterministic, 50 examples per operation
#   STEADY_SCHEMATHESIS_LONG=1 bash tests/schemathesis.sh  fresh seed (printed), 2,000 examples per operation
#   STEADY_SCHEMATHESIS_SEED=N                            replay a seed the long mode printed
#
# Exits non-zero on any failure; the server is stopped and its directory removed on exit.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
cd "$ROOT"
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
case "$TARGET" in /*) ;; *) TARGET="$ROOT/$TARGET" ;; esac

# Pinned: Schemathesis's command line and its checks change between releases (3.x to 4.x
# renamed most options), and a new release must not change what CI finds.
SCHEMATHESIS_VERSION=4.32.5
VENV="$TARGET/schemathesis-venv"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# --- Schemathesis in its own venv -------------------------------------------------------------
if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  rm -rf "$VENV"
  if ! python3 -m venv "$VENV" >/dev/null 2>&1; then
    echo "schemathesis: installing Debian's python3-venv" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    rm -rf "$VENV"
    python3 -m venv "$VENV"
  fi
  "$VENV/bin/pip" install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
"$VENV/bin/schemathesis" --version

# --- the real server ----------------------------------------------------------------------------
SERVER="$TARGET/debug/steady-server"
if [ ! -x "$SERVER" ]; then
  # tests/run builds it with the whole workspace (STEADY_PREBUILT); alone, build it here.
  cargo build -q -p steady-server --bin steady-server
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/steady-schemathesis.XXXXXX")
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
BASE="http://127.0.0.1:$PORT"
DATA="$WORK/data"

"$SERVER" --data-dir "$DATA" demo --listen "127.0.0.1:$PORT" \
  --enroll-limit off --sync-limit off --ip-limit off >"$WORK/server.out" 2>"$WORK/server.log" &
SERVER_PID=$!
for _ in $(seq 1 300); do
  grep -q "listening on" "$WORK/server.out" 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.1
done
if ! grep -q "listening on" "$WORK/server.out"; then
  echo "schemathesis: the server did not start" >&2
  tail -20 "$WORK/server.log" >&2
  exit 1
fi

# A code from the admin CLI for the demo's two units: editor in the care home, and a reader's
# placement on the ward that ends in 2099.
CODE=$("$SERVER" --data-dir "$DATA" code issue --grant demo-oakfield:editor \
  --grant demo-willow-ward:reader:2099-12-31T20:00:00Z 2>"$WORK/admin.log" |
  awk '/^enrolment code:/ {print $3}')
[ -n "$CODE" ] || { echo "schemathesis: code issue failed: $(tail -5 "$WORK/admin.log")" >&2; exit 1; }
curl -sS --fail-with-body -o "$WORK/enrolled.json" -H 'Content-Type: application/json' \
  -d "{\"protocol\":1,\"code\":\"$CODE\",\"device_id\":\"0f4c2a9e-synthetic-device\",\"device_label\":\"Schemathesis (synthetic)\"}" \
  "$BASE/v1/enroll"
TOKEN=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["device_token"])' "$WORK/enrolled.json")

# --- the run --------------------------------------------------------------------------------------
if [ "${STEADY_SCHEMATHESIS_LONG:-}" = 1 ]; then
  SEED=${STEADY_SCHEMATHESIS_SEED:-$(python3 -c 'import secrets; print(secrets.randbelow(2**31))')}
  MODE_ARGS=(--max-examples 2000)
else
  SEED=${STEADY_SCHEMATHESIS_SEED:-20260519}
  MODE_ARGS=(--max-examples 200)
fi
echo "schemathesis: seed $SEED (replay: STEADY_SCHEMATHESIS_SEED=$SEED${STEADY_SCHEMATHESIS_LONG:+ STEADY_SCHEMATHESIS_LONG=1})"

# From the throw-away directory: Schemathesis keeps a cache of what it found (.schemathesis/) in
# its working directory, and a run must neither leave it in the work tree nor start from it.
status=0
cd "$WORK"
"$VENV/bin/schemathesis" run "$ROOT/docs/openapi.yaml" \
  --url "$BASE" \
  --header "Authorization: Bearer $TOKEN" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
  --seed "$SEED" "${MODE_ARGS[@]}" \
  --workers 1 \
  --generation-database none \
  --no-color \
  --report junit,ndjson --report-dir "$TARGET/schemathesis-report" || status=$?

if grep -q '"level":"ERROR"' "$WORK/server.log"; then
  echo "schemathesis: the server logged errors:" >&2
  grep '"level":"ERROR"' "$WORK/server.log" | head -20 >&2
  status=1
fi
exit "$status"
