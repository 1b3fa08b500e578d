#!/usr/bin/env bash
# Steady's Android app, checked on the JVM (no Android SDK or Gradle here): builds the façade
# library and steady-server, generates the Kotlin bindings into tests/android/target/generated,
# then Maven compiles the app's Compose screens and ViewModels (android/app/src/main/kotlin/
# app/steady/android/{ui,state}) against JetBrains Compose Multiplatform's desktop artifacts with
# the Kotlin Compose compiler plugin, renders every screen to target/screens/*.png, runs the
# ViewModel tests against the real library and a real steady-server, checks every screen's
# tappable elements for TalkBack labels and 48 dp targets, type-checks the Android glue against
# Robolectric's android-all and the AndroidX AARs, and runs ktlint over all Kotlin in android/
# and tests/android/. Dependencies come from Maven Central on first run.
#
#   bash tests/android/run.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
target_dir=${CARGO_TARGET_DIR:-$root/target}

SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
need=()
command -v mvn >/dev/null 2>&1 || need+=(maven)
command -v javac >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
# Skia finds fonts through fontconfig; without a font every label renders empty.
fc-list 2>/dev/null | grep -qi dejavu || need+=(fontconfig fonts-dejavu-core)
if [ "${#need[@]}" -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi

[ "${STEADY_PREBUILT:-}" = 1 ] || cargo build -q -p steady-server --bin steady-server
# Same features as tests/kotlin, so both suites share one build of the library.
STEADY_FFI_FEATURES=testing bash bindings/scripts/generate-kotlin.sh tests/android/target/generated/kotlin

cd tests/android
rm -rf target/surefire-reports target/screens target/steady-server.log
status=0
mvn -q -B -ntp test \
  -Dsteady.lib.dir="$target_dir/debug" \
  -Dsteady.server.bin="$target_dir/debug/steady-server" || status=$?

# The Android glue (platform/: Activity, Keystore, WorkManager, navigation, ZXing), compiled
# against Robolectric's android-all, the AndroidX AARs' classes and the Compose jars: a type
# check of every call, not an APK build (see android/README.md).
glue=0
rm -rf target/platform-classes
if [ -d target/classes/app/steady/android ] &&
  mvn -q -B -ntp -f platform-pom.xml dependency:copy-dependencies -DoutputDirectory=target/platform-deps &&
  mvn -q -B -ntp dependency:build-classpath -Dmdep.outputFile=target/app-classpath.txt -Dmdep.includeScope=compile; then
  deps=target/platform-deps
  # Each AAR's compiled classes (python, not unzip: one less package to install).
  python3 -c 'import glob, sys, zipfile
for aar in glob.glob(sys.argv[1] + "/*.aar"):
    open(aar[:-4] + "-classes.jar", "wb").write(zipfile.ZipFile(aar).read("classes.jar"))' "$deps"
  aars=$(ls "$deps"/*-classes.jar | tr '\n' ':')
  jars=$(ls "$deps"/*.jar | grep -v -- '-classes\.jar$' | tr '\n' ':')
  java -cp "$jars" org.jetbrains.kotlin.cli.jvm.K2JVMCompiler -no-stdlib -no-reflect -nowarn -jvm-target 17 \
    -Xplugin=target/tools/kotlin-compose-compiler-plugin-embeddable.jar \
    -cp "$aars$jars$(cat target/app-classpath.txt):target/classes" -d target/platform-classes \
    "$root"/android/app/src/main/kotlin/app/steady/android/platform/*.kt || glue=1
else
  glue=1
fi
[ "$glue" = 0 ] && echo "platform glue: compiled $(ls "$root"/android/app/src/main/kotlin/app/steady/android/platform/*.kt | wc -l) files"

# ktlint over every Kotlin file of the app and of these checks (rules: android/.editorconfig).
lint=0
if [ -f target/tools/ktlint.jar ]; then
  (cd "$root" && java -jar tests/android/target/tools/ktlint.jar --relative \
    "android/**/*.kt" "android/**/*.kts" "tests/android/src/**/*.kt") || lint=1
else
  echo "ktlint: target/tools/ktlint.jar missing (Maven did not get as far as fetching it)"
  lint=1
fi

echo "screens: $(ls target/screens/*.png 2>/dev/null | wc -l) PNGs in tests/android/target/screens"
STATUS=$status LINT=$lint GLUE=$glue python3 - <<'PY'
import glob, os, xml.etree.ElementTree as ET
tests = failed = skipped = 0
for path in glob.glob("target/surefire-reports/TEST-*.xml"):
    suite = ET.parse(path).getroot()
    tests += int(suite.get("tests", 0))
    failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
    skipped += int(suite.get("skipped", 0))
passed = tests - failed - skipped
# ktlint and the glue's compilation count as one check each.
for check in ("LINT", "GLUE"):
    if os.environ[check] == "0":
        passed += 1
    else:
        failed += 1
# Maven failed without a failing test (compilation, dependency resolution): one failure.
if os.environ["STATUS"] != "0" and failed == 0:
    failed = 1
print(f"android: {passed} passed, {failed} failed, {skipped} skipped")
PY
[ "$status" = 0 ] && [ "$lint" = 0 ] && [ "$glue" = 0 ]
