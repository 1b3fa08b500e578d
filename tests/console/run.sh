#!/usr/bin/env bash
# End-to-end browser tests of Steady's web console (issue 9).
#
# On a fresh Debian machine this installs what it needs (Debian `chromium`, Node and npm from
# apt if missing; the pinned npm `playwright-core` and `axe-core` with `npm ci`), builds
# `steady-server` and the simulated device `steady-device` (the real device engine), starts the
# server on a free loopback port with a throw-away data directory, creates two synthetic units, a
# lead for the first and an enrolment code for the second, then runs `console.test.mjs`: a lead
# signs in, writes a support sheet, enrols the simulated device which syncs it down, the device
# captures a prone-hold incident that the lead then finds on the Incidents page, the dashboard
# and in the CSV; CSRF, session and unit-scoping refusals; screenshots of every page at desktop
# and tablet widths (in ${CARGO_TARGET_DIR:-target}/console-screens) and an axe-core check of
# each. The server is stopped on exit, whatever happens. Ends with `console: N passed, M failed`.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
case "$TARGET" in /*) ;; *) TARGET="$ROOT/$TARGET" ;; esac

setup_failed() {
  echo "console set-up failed: $*" >&2
  echo "console: 0 passed, 1 failed"
  exit 1
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    setup_failed "need root (or sudo) to run: $*"
  fi
}

apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then
    as_root apt-get update -q >&2 || setup_failed "apt-get update"
    apt_updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >&2 \
    || setup_failed "apt-get install $*"
}

# --- tools ------------------------------------------------------------------------------------
CHROMIUM=/usr/bin/chromium
[ -x "$CHROMIUM" ] || apt_install chromium
[ -x "$CHROMIUM" ] || setup_failed "no $CHROMIUM after installing Debian's chromium"
command -v node >/dev/null || apt_install nodejs
command -v npm >/dev/null || apt_install npm
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 18 ] || setup_failed "Node $node_major is too old (18 or newer needed)"
command -v cargo >/dev/null || setup_failed "cargo not found (install Rust with rustup)"

echo "console: installing playwright-core and axe-core (npm ci)" >&2
(cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error >&2) || setup_failed "npm ci in tests/console"

echo "console: building steady-server and steady-device" >&2
if [ "${STEADY_PREBUILT:-}" != 1 ]; then
  cargo build -q -p steady-server -p steady-e2e --bins >&2 || setup_failed "cargo build"
fi
SERVER="$TARGET/debug/steady-server"
DEVICE="$TARGET/debug/steady-device"
[ -x "$SERVER" ] && [ -x "$DEVICE" ] || setup_failed "built binaries not found under $TARGET/debug"

# --- a throw-away server ----------------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/steady-console.XXXXXX")
DATA="$WORK/server-data"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PORT=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
BASE="http://127.0.0.1:$PORT"
UNIT_ID="console-unit-a"
UNIT_NAME="Larch House (synthetic)"
OTHER_UNIT_ID="console-unit-b"
OTHER_UNIT_NAME="Rowan Ward (synthetic)"
LEAD_EMAIL="lead.a@example.test"
LEAD_PASSWORD=$(node -e 'console.log(require("crypto").randomBytes(18).toString("base64url"))')

srv() { "$SERVER" --data-dir "$DATA" "$@"; }
srv unit create --id "$UNIT_ID" --name "$UNIT_NAME" --organisation "Example Care Trust" >/dev/null 2>"$WORK/admin.log" \
  || setup_failed "unit create: $(tail -3 "$WORK/admin.log")"
srv unit create --id "$OTHER_UNIT_ID" --name "$OTHER_UNIT_NAME" --organisation "Example Care Trust" \
  --mental-health-unit >/dev/null 2>>"$WORK/admin.log" || setup_failed "unit create (other unit)"
printf '%s\n' "$LEAD_PASSWORD" | srv lead add --email "$LEAD_EMAIL" --name "Lee Lead (synthetic)" \
  --unit "$UNIT_ID" --password-stdin >/dev/null 2>>"$WORK/admin.log" \
  || setup_failed "lead add (the console's admin CLI): $(tail -3 "$WORK/admin.log")"
OTHER_CODE=$(srv code issue --grant "$OTHER_UNIT_ID:editor" 2>>"$WORK/admin.log" | awk '/^enrolment code:/ {print $3}')
[ -n "$OTHER_CODE" ] || setup_failed "code issue for the other unit"

# Started directly (not through the srv function) so that $! is the server itself.
"$SERVER" --data-dir "$DATA" serve --listen "127.0.0.1:$PORT" >"$WORK/server.out" 2>"$WORK/server.log" &
SERVER_PID=$!
for _ in $(seq 1 100); do
  grep -q "listening on" "$WORK/server.out" 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.1
done
grep -q "listening on" "$WORK/server.out" || setup_failed "the server did not start: $(tail -5 "$WORK/server.log")"

SCREENS="$TARGET/console-screens"
mkdir -p "$SCREENS"
rm -f "$SCREENS"/*.png

STEADY_URL="$BASE" STEADY_CHROMIUM="$CHROMIUM" STEADY_DEVICE="$DEVICE" STEADY_WORK="$WORK" \
STEADY_UNIT_ID="$UNIT_ID" STEADY_UNIT_NAME="$UNIT_NAME" STEADY_OTHER_UNIT_ID="$OTHER_UNIT_ID" \
STEADY_OTHER_CODE="$OTHER_CODE" STEADY_LEAD_EMAIL="$LEAD_EMAIL" STEADY_LEAD_PASSWORD="$LEAD_PASSWORD" \
STEADY_SCREENS="$SCREENS" \
  node "$HERE/console.test.mjs" 2>&1 | tee "$WORK/node.out"
status=${PIPESTATUS[0]}
if ! tail -1 "$WORK/node.out" | grep -Eq '^console: [0-9]+ passed, [0-9]+ failed$'; then
  # The test script died before it could count: that is a failure, never a pass.
  echo "console: 0 passed, 1 failed"
  [ "$status" -ne 0 ] || status=1
fi
if [ "$status" -ne 0 ]; then
  echo "--- last server log lines (synthetic data only) ---" >&2
  tail -20 "$WORK/server.log" >&2
fi
exit "$status"
