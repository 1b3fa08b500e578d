#!/usr/bin/env bash
# Steady's Kotlin tests on the JVM: builds the façade library (with its `testing` hooks) and
# steady-server, generates the Kotlin bindings into tests/kotlin/target/generated/kotlin, then
# compiles them with the tests (Maven; dependencies from Maven Central on first run) and runs
# them against the host library and a real steady-server each test suite starts on loopback.
#
#   bash tests/kotlin/run.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

if ! command -v mvn >/dev/null 2>&1 || ! command -v javac >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq maven openjdk-17-jdk-headless
fi

[ "${STEADY_PREBUILT:-}" = 1 ] || cargo build -q -p steady-server --bin steady-server
STEADY_FFI_FEATURES=testing bash bindings/scripts/generate-kotlin.sh tests/kotlin/target/generated/kotlin

cd tests/kotlin
rm -rf target/surefire-reports target/steady-*.txt
status=0
mvn -q -B -ntp test \
  -Dsteady.lib.dir="${CARGO_TARGET_DIR:-$root/target}/debug" \
  -Dsteady.server.bin="${CARGO_TARGET_DIR:-$root/target}/debug/steady-server" || status=$?

# Maven is quiet; say what ran, in the plain form CI reads.
cat target/steady-*.txt 2>/dev/null || true
python3 - <<'PY'
import glob, xml.etree.ElementTree as ET
tests = failed = skipped = 0
for path in glob.glob("target/surefire-reports/TEST-*.xml"):
    suite = ET.parse(path).getroot()
    tests += int(suite.get("tests", 0))
    failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
    skipped += int(suite.get("skipped", 0))
print(f"kotlin: {tests - failed - skipped} passed, {failed} failed, {skipped} skipped")
PY
exit "$status"
