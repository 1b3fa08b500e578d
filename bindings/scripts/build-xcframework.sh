#!/usr/bin/env bash
# Builds SteadyCoreFFI.xcframework (device arm64; simulator arm64 + x86_64) and the Swift
# sources of module SteadyCore that go with it. macOS with Xcode only; SQLCipher uses Apple's
# CommonCrypto there.
#
#   bash bindings/scripts/build-xcframework.sh        -> target/ios/
#
# target/ios/SteadyCoreFFI.xcframework is the binary target; target/ios/Sources/SteadyCore/*.swift
# the Swift target that depends on it (one Swift package, two targets).
set -euo pipefail
if [ "$(uname -s)" != "Darwin" ]; then
  echo "build-xcframework.sh: an XCFramework can only be built on macOS with Xcode; this is $(uname -s)." >&2
  echo "On other machines the Swift bindings are generated and parsed only (check-swift.sh)." >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
out=target/ios
# Where cargo puts what it builds (a shared CARGO_TARGET_DIR is honoured); the XCFramework and
# Swift sources always go to target/ios, where the Xcode project looks for them.
cargo_target=${CARGO_TARGET_DIR:-$root/target}
targets=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios)
rustup target add "${targets[@]}"
for t in "${targets[@]}"; do
  cargo build --release -p steady-ffi --lib --target "$t"
done

rm -rf "$out"
mkdir -p "$out/simulator" "$out/Headers" "$out/Sources/SteadyCore"
lipo -create "$cargo_target"/aarch64-apple-ios-sim/release/libsteady_ffi.a \
  "$cargo_target"/x86_64-apple-ios/release/libsteady_ffi.a -output "$out/simulator/libsteady_ffi.a"

STEADY_FFI_LIBRARY="$cargo_target"/aarch64-apple-ios/release/libsteady_ffi.a \
  bash bindings/scripts/generate-swift.sh "$out/generated"
cp "$out"/generated/*.h "$out/generated/module.modulemap" "$out/Headers/"
cp "$out"/generated/*.swift "$out/Sources/SteadyCore/"

xcodebuild -create-xcframework \
  -library "$cargo_target"/aarch64-apple-ios/release/libsteady_ffi.a -headers "$out/Headers" \
  -library "$out/simulator/libsteady_ffi.a" -headers "$out/Headers" \
  -output "$out/SteadyCoreFFI.xcframework"
echo "Built $out/SteadyCoreFFI.xcframework and $out/Sources/SteadyCore"
