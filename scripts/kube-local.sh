#!/usr/bin/env bash
# A real local Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager) on loopback,
# built from Debian's `kubernetes` source package (1.20) with Debian's Go and etcd. No kubelet,
# scheduler or kube-proxy: Pods stay Pending, Services get no networking.
#
#   scripts/kube-local.sh build       build the binaries once into the cache (seconds when cached)
#   scripts/kube-local.sh up [DIR]    start a cluster with its state in DIR; prints `export KUBECONFIG=...`
#   scripts/kube-local.sh env [DIR]   print the export line if the cluster in DIR is up, else exit 1
#   scripts/kube-local.sh down [DIR]  stop the cluster and remove DIR
# Build cache: ${EMESH_KUBE_CACHE:-~/.cache/emesh/kubernetes}; default DIR: ${EMESH_KUBE_DIR:-/tmp/emesh-kube}.
# Only the export line goes to stdout; progress and errors go to stderr.
set -euo pipefail

CACHE=${EMESH_KUBE_CACHE:-$HOME/.cache/emesh/kubernetes}
TOKEN=admintoken
KUBE_BINS="kube-apiserver kube-controller-manager kubelet kube-scheduler kube-proxy"
log() { echo "== kube-local: $*" >&2; }
die() { echo "kube-local: error: $*" >&2; exit 1; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

install_packages() {
  local need=()
  command -v go >/dev/null 2>&1 || need+=(golang-go)
  command -v etcd >/dev/null 2>&1 || need+=(etcd-server)
  for p in jq rsync openssl curl python3; do command -v "$p" >/dev/null 2>&1 || need+=("$p"); done
  command -v dpkg-source >/dev/null 2>&1 || need+=(dpkg-dev)
  command -v kubectl >/dev/null 2>&1 || need+=(kubernetes-client) # optional client, handy for tests
  [ ${#need[@]} -eq 0 ] && return
  log "installing ${need[*]}"
  as_root apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
}

# The source tree unpacked by `apt-get source` (its name carries the Debian version).
src_dir() {
  local d
  for d in "$CACHE"/kubernetes-*/; do [ -f "$d/Makefile" ] && { echo "${d%/}"; return; }; done
  return 1
}

fetch_source() {
  [ -f "$CACHE/.source-ok" ] && return
  if ! grep -rqsE '^(Types: deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    log "adding deb-src entries derived from /etc/apt/sources.list.d/debian.sources"
    sed -e 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources |
      as_root tee /etc/apt/sources.list.d/debian-src.sources >/dev/null
    as_root apt-get update -qq >&2
  fi
  log "fetching the kubernetes source package into $CACHE"
  rm -rf "$CACHE"/kubernetes-* "$CACHE"/kubernetes_*
  mkdir -p "$CACHE"
  (cd "$CACHE" && apt-get source kubernetes >&2)
  src_dir >/dev/null || die "apt-get source kubernetes left no source tree in $CACHE"
  touch "$CACHE/.source-ok"
}

# Go >= 1.18 changed reflect.mapiterinit; the vendored reflect2 v1.0.1 still uses the old signature and
# the API server segfaults when it JSON-encodes some maps. Apply what reflect2 v1.0.2 changed.
reflect2_patched() { grep -q 'it \*hiter)$' "$1/unsafe_link.go" && grep -q 'it := new(hiter)' "$1/unsafe_map.go"; }
patch_reflect2() {
  local r2 link map
  r2="$(src_dir)/vendor/github.com/modern-go/reflect2"
  link="$r2/unsafe_link.go" map="$r2/unsafe_map.go"
  reflect2_patched "$r2" && return
  log "patching the vendored reflect2 for Go 1.19"
  perl -0pi -e 's/m unsafe\.Pointer\) \*hiter$/m unsafe.Pointer, it *hiter)/m;
    s/type hiter struct \{.*?\n\}/type hiter struct {
\tkey, value, t, h, buckets, bptr unsafe.Pointer
\toverflow, oldoverflow          *[]unsafe.Pointer
\tstartBucket                    uintptr
\toffset                         uint8
\twrapped                        bool
\tB, i                           uint8
\tbucket, checkBucket            uintptr
}/s' "$link"
  perl -0pi -e 's/(\treturn &UnsafeMapIterator\{\n\t\thiter: +)mapiterinit\(type2\.rtype, \*\(\*unsafe\.Pointer\)\(obj\)\),/\tit := new(hiter)\n\tmapiterinit(type2.rtype, *(*unsafe.Pointer)(obj), it)\n${1}it,/' "$map"
  reflect2_patched "$r2" || die "the reflect2 patch did not apply"
}

# One build at a time per cache (parallel `up`s on a cold cache wait for the first).
build() { mkdir -p "$CACHE" && build_locked 8>"$CACHE/.lock"; }
build_locked() {
  flock 8
  install_packages
  local b missing=0
  for b in $KUBE_BINS; do [ -x "$CACHE/bin/$b" ] || missing=1; done
  [ $missing -eq 0 ] && return
  fetch_source
  patch_reflect2
  local src
  src=$(src_dir)
  log "building kube-apiserver and kube-controller-manager in $src (a few minutes)"
  (
    cd "$src"
    export GOPATH=$PWD/.go CGO_ENABLED=0 HOME=$CACHE/home
    mkdir -p .go/src/k8s.io "$HOME"
    [ -L .go/src/k8s.io/kubernetes ] || ln -s ../../.. .go/src/k8s.io/kubernetes
    make WHAT="$(printf 'cmd/%s ' $KUBE_BINS)" >&2
  )
  mkdir -p "$CACHE/bin"
  for b in $KUBE_BINS; do cp "$src"/_output/local/bin/linux/*/"$b" "$CACHE/bin/"; done
  log "binaries in $CACHE/bin"
}

api_url() { sed -n 's/^ *server: //p' "$1/kubeconfig" 2>/dev/null; }
get() { curl -skf -o /dev/null -H "Authorization: Bearer $TOKEN" "$@"; }

# alive PID: running, and not a zombie (an exited process waiting for init to reap it).
alive() { [ -r "/proc/$1/stat" ] && ! grep -q '^[0-9]* (.*) Z ' "/proc/$1/stat"; }

is_up() {
  local pid url
  [ -s "$1/pids" ] || return 1
  while read -r pid; do alive "$pid" || return 1; done <"$1/pids"
  url=$(api_url "$1") && [ -n "$url" ] && get "$url/readyz"
}

# wait_for SECONDS COMMAND...: retries the command every half second.
wait_for() {
  local end=$((SECONDS + $1)); shift
  until "$@"; do [ $SECONDS -lt $end ] || return 1; sleep 0.5; done
}

# serving DIR URL: the last started process answers URL, or it died (so waiting stops early).
serving() { ! alive "$(tail -n 1 "$1/pids")" || get "$2"; }

# start DIR NAME COMMAND...: runs in its own session, output in DIR/NAME.log, PID appended to DIR/pids.
# (Fd 9, the lock on DIR, is not passed on, or the daemons would hold it.)
start() {
  local dir=$1 name=$2; shift 2
  setsid "$@" >"$dir/$name.log" 2>&1 </dev/null 9>&- &
  echo $! >>"$dir/pids"
}

# Stops the processes listed in DIR/pids: TERM, then KILL after 10 s.
none_alive() { local p; for p; do ! alive "$p" || return 1; done; }
none_left() { local p; for p; do [ ! -e "/proc/$p" ] || return 1; done; }
stop() {
  local pids=()
  [ -f "$1/pids" ] && mapfile -t pids <"$1/pids"
  [ ${#pids[@]} -gt 0 ] || return 0
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait_for 10 none_alive "${pids[@]}" || kill -KILL "${pids[@]}" 2>/dev/null || true
  wait_for 5 none_left "${pids[@]}" || true # give init a moment to reap them
}

# Removes DIR only if it is a state dir of this script (it has a pids file), never anything else.
down() {
  [ -e "$1" ] || return 0
  [ -f "$1/pids" ] || die "$1 is not a kube-local state dir (no pids file); not removing it"
  stop "$1"
  rm -rf "$1"
}

# fail DIR LOG MESSAGE: show the log's tail, stop the processes, keep DIR for inspection.
fail() { tail -n 40 "$1/$2.log" >&2; stop "$1"; die "$3 (logs in $1)"; }

# The default service account exists and has its token secret (Pods are rejected until then).
sa_ready() {
  curl -skf -H "Authorization: Bearer $TOKEN" "$1/api/v1/namespaces/default/serviceaccounts/default" |
    jq -e '.secrets | length > 0' >/dev/null
}

up() {
  local dir=$1 etcd_port peer_port api_port api bin=$CACHE/bin
  if is_up "$dir"; then echo "export KUBECONFIG=$dir/kubeconfig"; return; fi
  down "$dir" # leftovers of a dead cluster
  build
  mkdir -p "$dir/certs"
  : >"$dir/pids"
  # Three free loopback ports, held open together so that they differ.
  read -r etcd_port peer_port api_port < <(python3 -c 'import socket; s = [socket.socket() for _ in range(3)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
  api=https://127.0.0.1:$api_port
  log "starting etcd :$etcd_port, kube-apiserver :$api_port in $dir"
  (
    cd "$dir"
    openssl genrsa -out sa.key 2048 2>/dev/null && openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    # A separate single-certificate CA for the controller-manager's CSR signer.
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 365 -subj /CN=emesh-local-ca 2>/dev/null
    echo "$TOKEN,admin,admin,system:masters" >tokens.csv
  )
  start "$dir" etcd etcd --name default --data-dir "$dir/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "default=http://127.0.0.1:$peer_port"
  wait_for 30 serving "$dir" "http://127.0.0.1:$etcd_port/health" || true
  get "http://127.0.0.1:$etcd_port/health" || fail "$dir" etcd "etcd did not start"
  start "$dir" kube-apiserver "$bin/kube-apiserver" --etcd-servers="http://127.0.0.1:$etcd_port" \
    --bind-address=127.0.0.1 --secure-port="$api_port" --advertise-address=127.0.0.1 --cert-dir="$dir/certs" \
    --token-auth-file="$dir/tokens.csv" --authorization-mode=RBAC --client-ca-file="$dir/ca.crt" \
    --service-account-key-file="$dir/sa.pub" --service-account-signing-key-file="$dir/sa.key" \
    --service-account-issuer=https://kubernetes.default.svc \
    --service-cluster-ip-range=10.96.0.0/16 --endpoint-reconciler-type=none
  wait_for 90 serving "$dir" "$api/readyz" || true
  get "$api/readyz" || fail "$dir" kube-apiserver "kube-apiserver exited or was not ready within 90 s"
  # Trust the self-signed serving certificate if it verifies, else skip verification.
  local tls="insecure-skip-tls-verify: true"
  if curl -sf -o /dev/null --cacert "$dir/certs/apiserver.crt" "$api/readyz"; then
    tls="certificate-authority-data: $(base64 -w0 "$dir/certs/apiserver.crt")"
  fi
  cat >"$dir/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: emesh-local
  cluster:
    server: $api
    $tls
users:
- name: admin
  user:
    token: $TOKEN
contexts:
- name: emesh-local
  context: {cluster: emesh-local, user: admin}
current-context: emesh-local
EOF
  log "starting kube-controller-manager"
  start "$dir" kube-controller-manager "$bin/kube-controller-manager" --kubeconfig="$dir/kubeconfig" \
    --leader-elect=false \
    --controllers=deployment,replicaset,statefulset,namespace,serviceaccount,serviceaccount-token,garbagecollector,endpoint,csrsigning,csrapproving \
    --service-account-private-key-file="$dir/sa.key" \
    --cluster-signing-cert-file="$dir/ca.crt" --cluster-signing-key-file="$dir/ca.key" \
    --bind-address=127.0.0.1 --secure-port=0 --port=0
  { wait_for 60 get "$api/api/v1/namespaces/default" && wait_for 60 sa_ready "$api"; } ||
    fail "$dir" kube-controller-manager "the default namespace or service account did not appear"
  log "up: $api"
  echo "export KUBECONFIG=$dir/kubeconfig"
}

cmd=${1:-}
dir=${2:-${EMESH_KUBE_DIR:-/tmp/emesh-kube}}
[[ $dir == /* ]] || dir=$PWD/$dir
dir=${dir%/}
# Concurrent up/down calls on one DIR (parallel tests) take turns.
lock() { mkdir -p "${dir%/*}" && exec 9>"$dir.lock" && flock 9; }
case $cmd in
  build) build ;;
  up) lock && up "$dir" ;;
  down) lock && down "$dir" ;;
  env) is_up "$dir" || exit 1; echo "export KUBECONFIG=$dir/kubeconfig" ;;
  *) die "usage: $0 build | up [DIR] | down [DIR] | env [DIR]" ;;
esac
