#!/usr/bin/env bash
# Generates the Swift bindings (module SteadyCore) and their C headers from a host build of
# libsteady_ffi, plus one module map for the C module SteadyCoreFFI over both headers. Build
# output, never committed. Runs on any machine; compiling the Swift needs macOS
# (build-xcframework.sh). Here the Swift is only parsed (check-swift.sh).
#
#   bash bindings/scripts/generate-swift.sh [OUT_DIR]        (default target/generated/swift)
#
#   STEADY_FFI_LIBRARY=path   generate from this library (e.g. an iOS .a) instead of the host one
#   STEADY_PREBUILT=1         tests/run has built the library and uniffi-bindgen already (with
#                             the workspace's features: a `cargo build -p` here would resolve
#                             features for this package alone and rebuild half the tree)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
out=${1:-target/generated/swift}

if [ "${STEADY_PREBUILT:-}" != 1 ]; then
  cargo build -q -p steady-ffi --features cli --bin uniffi-bindgen
fi
library=${STEADY_FFI_LIBRARY:-}
if [ -z "$library" ]; then
  [ "${STEADY_PREBUILT:-}" = 1 ] || cargo build -q -p steady-ffi --lib
  library="${CARGO_TARGET_DIR:-target}"/debug/libsteady_ffi.so
fi

rm -rf "$out"
"${CARGO_TARGET_DIR:-target}"/debug/uniffi-bindgen generate --no-format \
  --library "$library" --language swift \
  --config bindings/uniffi.toml --out-dir "$out" >/dev/null
cat > "$out/module.modulemap" <<'MAP'
module SteadyCoreFFI {
    header "steady_coreFFI.h"
    header "steady_ffiFFI.h"
    export *
}
MAP
echo "Swift bindings in $out (from $library)"
