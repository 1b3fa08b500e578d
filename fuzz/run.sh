#!/usr/bin/env bash
# Steady's cargo-fuzz targets, in two modes:
#
#   bash fuzz/run.sh ci         the CI gate (tests/run): every committed input of each target
#                               (fuzz/corpus/<target>/ and fuzz/regressions/<target>/) replayed,
#                               then a fixed count of mutations from a fixed seed: the same
#                               inputs on every run, so it passes or fails for a reason
#   bash fuzz/run.sh SECONDS    the long mode: each target explores for SECONDS with a fresh
#                               seed (printed); run it for 600 before a submission
#
# Either mode copies what crashes to fuzz/regressions/<target>/: commit it with the fix. The
# stable tests replay that folder on every CI run (sync-server/tests/fuzz_targets.rs), so a
# crash once found stays a test for ever.
#
# Installs what it needs if missing: a nightly toolchain (rustup, minimal profile) and cargo-fuzz
# (crates.io). Where nightly cannot be installed, it says so and runs the stable fallback
# instead: the same target bodies (fuzz/src/lib.rs) as #[test]s over every committed input and
# generated ones (fixed seed in ci mode, a fresh one in the long mode).
# STEADY_FUZZ_FREE_BUILD=1 deletes the fuzz build afterwards.
# STEADY_FUZZ_RUNS sets the ci mode's mutation count for every target (defaults below).
set -euo pipefail
cd "$(dirname "$0")"
mode=${1:-ci}
targets=(protocol_decode sync_plan checklist_import record_check)
# The CI gate's seed. Changing it changes which inputs CI tries: do so only with a long run
# (bash fuzz/run.sh 600) on the same code, so the new inputs are known to pass.
ci_seed=20261203
# Per target, at most about half a minute each here (no ASan in ci mode): the merge-rules target
# is the slow one.
declare -A ci_runs=([protocol_decode]=2000000 [sync_plan]=300000 [checklist_import]=2000000 [record_check]=1000000)

if [ "$mode" = ci ]; then
  echo "fuzz/run.sh: ci mode, -seed=$ci_seed and a fixed -runs per target over the committed inputs"
elif [[ "$mode" =~ ^[0-9]+$ ]]; then
  echo "fuzz/run.sh: long mode, ${mode}s per target with a fresh seed"
else
  echo "usage: bash fuzz/run.sh ci | SECONDS" >&2
  exit 2
fi

fallback() {
  echo "fuzz/run.sh: $1; running the stable fallback (same targets as tests)" >&2
  cd ..
  if [ "$mode" = ci ]; then
    cargo test -p steady-server --test fuzz_targets -- --nocapture
  else
    STEADY_FUZZ_SEED=random STEADY_FUZZ_ITERATIONS=$((mode * 2000)) \
      cargo test -p steady-server --test fuzz_targets -- --nocapture
  fi
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
  # A scratch copy of the committed inputs: libFuzzer adds what it finds there, the committed
  # folders stay as they are.
  work="target/corpus/$target"
  rm -rf "$work"
  mkdir -p "$work"
  cp corpus/"$target"/* "$work"/
  committed=$(find corpus/"$target" -type f | wc -l)
  if [ -d "regressions/$target" ]; then
    find "regressions/$target" -type f -exec cp {} "$work"/ \;
    committed=$((committed + $(find "regressions/$target" -type f | wc -l)))
  fi
  if [ "$mode" = ci ]; then
    runs=${STEADY_FUZZ_RUNS:-${ci_runs[$target]}}
    echo "== fuzz $target: $committed committed inputs, then $runs runs (seed $ci_seed)"
    flags=(-seed="$ci_seed" -runs="$runs")
    # The targets are safe Rust: CI builds them without AddressSanitizer, which costs minutes of
    # build (SQLCipher's C included) and finds nothing safe code can do. The long mode keeps it.
    build=(--sanitizer none)
  else
    echo "== fuzz $target for ${mode}s ($committed committed inputs to start from)"
    flags=(-max_total_time="$mode")
    build=()
  fi
  rm -rf "artifacts/$target"
  if cargo +nightly fuzz run "${build[@]}" "$target" "$work" -- \
      "${flags[@]}" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
      >"target/$target.log" 2>&1; then
    grep -E '^(Done|INFO: Seed|#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::peak_rss_mb)' "target/$target.log" || true
  else
    tail -40 "target/$target.log" >&2
    status=1
    mkdir -p "regressions/$target"
    for crash in artifacts/"$target"/*; do
      [ -e "$crash" ] || continue
      cp "$crash" "regressions/$target/"
      echo "fuzz/run.sh: $target crashed; kept $(basename "$crash") in fuzz/regressions/$target/: commit it with the fix" >&2
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
