#!/usr/bin/env bash
# The main job: `emctl demo` — a control plane, three services with sidecars and a canary on this
# machine, no cluster needed. Builds both binaries first (emctl starts meshd from next to itself).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --bins --quiet
exec target/release/emctl demo "$@"
