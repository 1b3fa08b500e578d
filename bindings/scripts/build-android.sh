#!/usr/bin/env bash
# Builds libsteady_ffi.so for Android (arm64-v8a, armeabi-v7a, x86_64) with cargo-ndk, and the
# Kotlin bindings from it. SQLCipher is linked to an OpenSSL built from source (feature
# vendored-openssl): Android has no system libcrypto.
#
#   ANDROID_NDK_HOME=/path/to/ndk bash bindings/scripts/build-android.sh [JNI_LIBS_DIR]
#
# JNI_LIBS_DIR defaults to target/android/jniLibs (point it at the app's src/main/jniLibs);
# the Kotlin goes to target/android/kotlin. Needs the Android NDK (r26 or later) and
# `cargo install cargo-ndk`; the Rust targets are added here.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
jni=${1:-target/android/jniLibs}
api=${ANDROID_API:-24}

if [ -z "${ANDROID_NDK_HOME:-}" ] || [ ! -d "$ANDROID_NDK_HOME" ]; then
  echo "build-android.sh: set ANDROID_NDK_HOME to an installed Android NDK" >&2
  exit 2
fi
if ! cargo ndk --version >/dev/null 2>&1; then
  echo "build-android.sh: cargo-ndk is missing: cargo install cargo-ndk" >&2
  exit 2
fi
rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android

cargo ndk --platform "$api" -t arm64-v8a -t armeabi-v7a -t x86_64 -o "$jni" \
  build --release -p steady-ffi --lib --features vendored-openssl

STEADY_FFI_LIBRARY="$jni/arm64-v8a/libsteady_ffi.so" \
  bash bindings/scripts/generate-kotlin.sh target/android/kotlin
echo "Android libraries in $jni"
