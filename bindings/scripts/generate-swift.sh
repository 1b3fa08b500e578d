#!/usr/bin/env bash
# Generates the Swift bindings (module SteadyCore) and their C headers from a host build of
# libsteady_ffi, plus one module map for the C module SteadyCoreFFI over both headers. Build
# output, never committed. Runs on any machine; compiling the Swift needs macOS
# (build-xcframework.sh). Here the Swift is only parsed (check-swift.sh).
#
#   bash bindings/scripts/generate-swift.sh [OUT_DIR]        (default target/generated/swift)
#
#   STEADY_FFI_LIBRARY=path   generate from this library (e.g. an iOS .a) instead of the host one
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
out=${1:-target/generated/swift}

cargo build -q -p steady-ffi --features cli --bin uniffi-bindgen
library=${STEADY_FFI_LIBRARY:-}
if [ -z "$library" ]; then
  cargo build -q -p steady-ffi --lib
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
