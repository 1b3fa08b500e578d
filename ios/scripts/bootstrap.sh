#!/usr/bin/env bash
# One step from a checkout to an Xcode project that builds and runs Steady's iOS app (macOS with
# Xcode 16+, rustup and XcodeGen only; it refuses to run elsewhere):
#
#   bash ios/scripts/bootstrap.sh          then open ios/Steady.xcodeproj and Run
#
# 1. bindings/scripts/build-xcframework.sh: the Rust core for iOS devices and simulators, and
#    the generated Swift (target/ios/).
# 2. The core for macOS too (arm64 + x86_64), so SteadyKit's tests run with `swift test` on the
#    Mac, not only on a simulator.
# 3. One XCFramework with all three slices and the generated Swift, copied into
#    ios/SteadyKit/Generated/ (SwiftPM accepts no target outside its package directory).
# 4. `xcodegen generate` in ios/.
set -euo pipefail
if [ "$(uname -s)" != "Darwin" ]; then
  echo "bootstrap.sh: the iOS app can only be built on macOS with Xcode; this is $(uname -s)." >&2
  echo "Here the Swift is parsed only: bash bindings/scripts/check-swift.sh" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
cargo_target=${CARGO_TARGET_DIR:-target}
generated=ios/SteadyKit/Generated

bash bindings/scripts/build-xcframework.sh

mac_targets=(aarch64-apple-darwin x86_64-apple-darwin)
rustup target add "${mac_targets[@]}"
for t in "${mac_targets[@]}"; do
  cargo build --release -p steady-ffi --lib --target "$t"
done
mkdir -p target/ios/macos
lipo -create "$cargo_target"/aarch64-apple-darwin/release/libsteady_ffi.a \
  "$cargo_target"/x86_64-apple-darwin/release/libsteady_ffi.a -output target/ios/macos/libsteady_ffi.a

rm -rf "$generated"
mkdir -p "$generated/SteadyCore"
xcodebuild -create-xcframework \
  -library "$cargo_target"/aarch64-apple-ios/release/libsteady_ffi.a -headers target/ios/Headers \
  -library target/ios/simulator/libsteady_ffi.a -headers target/ios/Headers \
  -library target/ios/macos/libsteady_ffi.a -headers target/ios/Headers \
  -output "$generated/SteadyCoreFFI.xcframework"
cp target/ios/Sources/SteadyCore/*.swift "$generated/SteadyCore/"

if command -v xcodegen >/dev/null 2>&1; then
  (cd ios && xcodegen generate)
  echo "Open ios/Steady.xcodeproj, choose a simulator or your iPhone, and Run."
else
  echo "Core ready in $generated. Install XcodeGen (brew install xcodegen), then: cd ios && xcodegen generate" >&2
  exit 1
fi
