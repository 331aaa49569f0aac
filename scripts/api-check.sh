#!/usr/bin/env bash
# API robustness: schemathesis (pinned) generates requests from the control plane's own
# /openapi.json and checks every answer against it. A real `meshd control-plane` runs on a
# temporary store with a token file; schemathesis sends the admin token. Watch routes are left
# out (a watch never ends). Every check named below must pass; meshd is stopped and its files
# removed whatever happens.
#
#   scripts/api-check.sh                  # MAX_EXAMPLES=25 per operation (about a minute here)
#   MAX_EXAMPLES=200 scripts/api-check.sh # a longer hunt
#
# The binary is ${CARGO_TARGET_DIR:-target}/debug/meshd, built here when missing or stale.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
max_examples=${MAX_EXAMPLES:-25}
seed=${SEED:-1}
venv="${XDG_CACHE_HOME:-$HOME/.cache}/emesh/schemathesis-$SCHEMATHESIS_VERSION"
if [ ! -x "$venv/bin/st" ]; then
  echo "== installing schemathesis $SCHEMATHESIS_VERSION into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

cargo build --quiet --locked -p server --bin meshd
meshd="${CARGO_TARGET_DIR:-$PWD/target}/debug/meshd"

work=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

token=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
printf '%s,api-check,admin\n' "$token" >"$work/tokens.csv"
RUST_LOG=warn "$meshd" control-plane --listen 127.0.0.1:0 --data-dir "$work/data" \
  --token-file "$work/tokens.csv" >"$work/meshd.out" 2>"$work/meshd.err" &
pid=$!
url=
for _ in $(seq 100); do
  url=$(sed -n 's/^meshd control plane listening on //p' "$work/meshd.out")
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/meshd.err" >&2; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "meshd did not start" >&2; cat "$work/meshd.err" >&2; exit 1; }

status=0
# From the temporary directory: schemathesis keeps a cache (.schemathesis/) where it runs.
config="$PWD/scripts/api-check.toml"
(cd "$work" && "$venv/bin/st" --config-file "$config" run "$url/openapi.json" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,unsupported_method \
  --max-examples "$max_examples" --seed "$seed" \
  --request-timeout 10 \
  --generation-database none \
  --workers 1 \
  --no-color) || status=$?
if [ "$status" -ne 0 ]; then
  echo "== meshd's log (warnings and errors)" >&2
  tail -n 50 "$work/meshd.err" >&2
fi
exit "$status"
