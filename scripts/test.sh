#!/usr/bin/env bash
# Runs every check and test of the workspace. It installs what the tests need first, so it works
# on a fresh machine; CI (.ci/run) calls exactly this. The journey test brings up a real Kubernetes
# node (scripts/kube-node.sh), so it runs as root. Each stage prints how long it took.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
stage_start=$SECONDS
stage() {
  local now=$SECONDS
  [ -z "${stage_name:-}" ] || printf '== %s took %dm%02ds\n' "$stage_name" $(((now - stage_start) / 60)) $(((now - stage_start) % 60))
  stage_name=$1
  stage_start=$now
  [ "$1" = done ] || echo "== $1"
}

stage "test dependencies (packages, Kubernetes binaries, local images)"
scripts/install-test-deps.sh

stage "cargo fmt --check"
cargo fmt --all -- --check

stage "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

stage "cargo build (debug binaries for the CLI end-to-end tests)"
cargo build --workspace --bins --locked

stage "API robustness (schemathesis against /openapi.json, scripts/api-check.sh)"
scripts/api-check.sh

stage "images (release build, scripts/image.sh)"
scripts/image.sh

stage "fuzzing (30 s per target, scripts/fuzz.sh; long runs in docs/fuzzing.md)"
scripts/fuzz.sh all 30

stage "cargo test (the journey on a real node included)"
# Snapshots are compared, never rewritten, here (review changes with `cargo insta review`).
export INSTA_UPDATE=no
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo test --workspace --locked --no-fail-fast 2>&1 | tee "$log" || status=$?
stage done
# One closing line for the whole run, summed over every test binary.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
printf '== all stages: %dm%02ds\n' $(((SECONDS - started) / 60)) $(((SECONDS - started) % 60))
exit "$status"
