#!/usr/bin/env bash
# Runs every check and test of the workspace. It installs what the tests need first, so it works
# on a fresh machine; CI (.ci/run) calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-test-deps.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== cargo test"
# Snapshots are compared, never rewritten, here (review changes with `cargo insta review`).
export INSTA_UPDATE=no
# The CLI end-to-end tests run the real meshd binary: build every binary first.
cargo build --workspace --bins --locked
cargo test --workspace --locked
