#!/usr/bin/env bash
# Fuzzes with cargo-fuzz (libFuzzer, address sanitizer) the data plane's request and response
# heads, chunked bodies and a whole proxied connection in memory, the resource decoder, and the
# sidecar's Eureka, Consul and Nacos emulations: each TARGET for SECONDS on one core.
#
#   scripts/fuzz.sh                      # every target, 60 s each
#   scripts/fuzz.sh request_head 1200    # one target, 20 minutes
#   scripts/fuzz.sh all 30               # every target, 30 s each (the CI stage)
#   scripts/fuzz.sh build                # only build the instrumented targets
#
# The checked-in seeds (fuzz/corpus/TARGET/) are read, never written: what a run finds goes to
# ~/.cache/emesh/fuzz-corpus/TARGET/ and carries over to the next run. A crash is saved under
# fuzz/artifacts/TARGET/ and fails the run; make it a regression test (server/tests/proxy/
# regressions.rs, or next to the code it broke) before anything else. Prints one line per target:
# `fuzz TARGET: N runs in S s, CRASHES crash(es)`. The instrumented build goes to
# ~/.cache/emesh/target-fuzz (EMESH_FUZZ_TARGET_DIR), so a warm machine rebuilds only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${EMESH_CACHE:-$HOME/.cache/emesh}"
tools="${EMESH_TOOLS:-$cache/tools}"
target_dir="${EMESH_FUZZ_TARGET_DIR:-$cache/target-fuzz}"
targets=(request_head response_head chunked connection resources eureka consul nacos)

which="${1:-all}"
seconds="${2:-60}"
case "$which" in
  all | build) selected=("${targets[@]}") ;;
  *) selected=("$which") ;;
esac

# The machine's nightly when there is one; else stable told to allow nightly flags (rustup cannot
# fetch a toolchain here).
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  cargo=(cargo +nightly)
else
  cargo=(env RUSTC_BOOTSTRAP=1 cargo)
fi
if [ ! -x "$tools/bin/cargo-fuzz" ] && ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "== installing cargo-fuzz 0.13.2 into $tools" >&2
  cargo install --quiet --locked cargo-fuzz --version 0.13.2 --root "$tools"
fi
export PATH="$tools/bin:$PATH"

build_start=$(date +%s)
(cd fuzz && "${cargo[@]}" fuzz build --target-dir "$target_dir" 2>&1 | grep -vE '^\s+Compiling' >&2)
echo "fuzz build: $(($(date +%s) - build_start)) s" >&2
[ "$which" = build ] && exit 0

failed=0
for target in "${selected[@]}"; do
  corpus="$cache/fuzz-corpus/$target"
  mkdir -p "$corpus" "fuzz/artifacts/$target"
  log="$cache/fuzz-logs/$target.log"
  mkdir -p "$(dirname "$log")"
  status=0
  (cd fuzz && "${cargo[@]}" fuzz run --target-dir "$target_dir" "$target" "$corpus" "corpus/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1) >"$log" 2>&1 || status=$?
  runs=$(grep -oE '^stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo 0)
  crashes=$(find "fuzz/artifacts/$target" -type f | wc -l)
  echo "fuzz $target: $runs runs in $seconds s, $crashes crash(es)"
  if [ "$status" -ne 0 ] || [ "$crashes" -ne 0 ]; then
    failed=1
    grep -E 'ERROR|panicked|Test unit written' "$log" | head -5 >&2 || true
  fi
done
exit "$failed"
