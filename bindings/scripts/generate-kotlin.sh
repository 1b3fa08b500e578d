#!/usr/bin/env bash
# Generates the Kotlin bindings (packages app.steady.core and app.steady.core.model) from a host
# build of libsteady_ffi. The generated code is build output, never committed.
#
#   bash bindings/scripts/generate-kotlin.sh [OUT_DIR]       (default target/generated/kotlin)
#
#   STEADY_FFI_FEATURES="testing"   cargo features for the library (the Kotlin tests use testing)
#   STEADY_FFI_LIBRARY=path.so      generate from this library instead of building the host one
#                                   (e.g. an Android .so from build-android.sh)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
out=${1:-target/generated/kotlin}

# The generator first: building it rebuilds the library with the CLI's features, so the
# library the bindings are generated from (and the tests load) is built after it.
# STEADY_PREBUILT=1: tests/run has built the library (with `testing`) and uniffi-bindgen already,
# with the workspace's features (see generate-swift.sh).
if [ "${STEADY_PREBUILT:-}" != 1 ]; then
  cargo build -q -p steady-ffi --features cli --bin uniffi-bindgen
fi
library=${STEADY_FFI_LIBRARY:-}
if [ -z "$library" ]; then
  features=()
  [ -n "${STEADY_FFI_FEATURES:-}" ] && features=(--features "$STEADY_FFI_FEATURES")
  [ "${STEADY_PREBUILT:-}" = 1 ] || cargo build -q -p steady-ffi --lib "${features[@]}"
  library="${CARGO_TARGET_DIR:-target}"/debug/libsteady_ffi.so
fi

rm -rf "$out"
"${CARGO_TARGET_DIR:-target}"/debug/uniffi-bindgen generate --no-format \
  --library "$library" --language kotlin \
  --config bindings/uniffi.toml --out-dir "$out" >/dev/null
echo "Kotlin bindings in $out (from $library)"
