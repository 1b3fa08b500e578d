#!/usr/bin/env bash
# Runs each cargo-fuzz target for SECONDS (default 20, the CI budget):
#   bash fuzz/run.sh [SECONDS]
# Installs what it needs if missing: a nightly toolchain (rustup, minimal profile) and cargo-fuzz
# (crates.io). Where nightly cannot be installed, it says so and runs the stable fallback
# instead: the same target bodies (fuzz/src/lib.rs) as #[test]s over every corpus file and
# generated inputs (sync-server/tests/fuzz_targets.rs).
# A crash is copied to fuzz/regressions/<target>/, which the stable tests replay on every CI
# run: commit it with the fix. STEADY_FUZZ_FREE_BUILD=1 deletes the fuzz build afterwards.
set -euo pipefail
cd "$(dirname "$0")"
budget=${1:-20}
targets=(protocol_decode sync_plan checklist_import)

fallback() {
  echo "fuzz/run.sh: $1; running the stable fallback (same targets as tests)" >&2
  cd ..
  STEADY_FUZZ_ITERATIONS=$((budget * 2000)) cargo test -p steady-server --test fuzz_targets -- --nocapture
  exit 0
}

if ! command -v rustup >/dev/null 2>&1; then
  fallback "rustup is not here, so no nightly toolchain"
fi
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  # Bounded: rustup's own server is not one of the registries every machine here reaches.
  timeout 180 rustup toolchain install nightly --profile minimal >/dev/null 2>&1 ||
    fallback "a nightly toolchain could not be installed here"
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  timeout 600 cargo install cargo-fuzz --locked >/dev/null 2>&1 || fallback "cargo-fuzz could not be installed"
fi

status=0
for target in "${targets[@]}"; do
  echo "== fuzz $target for ${budget}s"
  # A scratch copy of the corpus: libFuzzer adds what it finds there, the seeds stay as they are.
  work="target/corpus/$target"
  mkdir -p "$work"
  cp corpus/"$target"/* "$work"/
  if cargo +nightly fuzz run "$target" "$work" -- \
      -max_total_time="$budget" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
      >"target/$target.log" 2>&1; then
    grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' "target/$target.log" || true
  else
    tail -40 "target/$target.log" >&2
    status=1
    mkdir -p "regressions/$target"
    for crash in artifacts/"$target"/*; do
      [ -e "$crash" ] || continue
      cp "$crash" "regressions/$target/"
      echo "fuzz/run.sh: $target crashed; kept $(basename "$crash") in fuzz/regressions/$target/" >&2
    done
  fi
done
if [ "${STEADY_FUZZ_FREE_BUILD:-}" = 1 ]; then
  # tests/run sets this: the sanitised build (2–3 GB) is needed by no later step, and CI's disk
  # is small. cargo fuzz builds for the host triple explicitly, so that folder is its alone; in
  # its own target folder (no CARGO_TARGET_DIR) the host-side build scripts go too.
  host=$(rustc -vV | sed -n 's/^host: //p')
  if [ -n "${CARGO_TARGET_DIR:-}" ]; then
    rm -rf "${CARGO_TARGET_DIR:?}/$host"
  else
    rm -rf "target/$host" target/release
  fi
  echo "fuzz/run.sh: freed the fuzz build ($host)"
fi
exit $status
