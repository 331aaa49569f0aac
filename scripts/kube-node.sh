#!/usr/bin/env bash
# ONE real single-node Kubernetes 1.20 cluster on this machine, where pods really run: etcd,
# kube-apiserver, kube-controller-manager, kube-scheduler, containerd + runc + bridge CNI, kubelet,
# kube-proxy (iptables), all from Debian packages and Debian's kubernetes source package (built by
# scripts/kube-local.sh build). See docs: /work/shared/reference/local-kubernetes.md, section 7.
#
#   scripts/kube-node.sh prepare      install the packages, build the Kubernetes binaries and the local
#                                     images into the cache; start nothing (scripts/install-test-deps.sh)
#   scripts/kube-node.sh up           clear what a killed run left, start the cluster, wait until the node
#                                     is Ready; prints `export KUBECONFIG=<state>/kubeconfig` (admin client
#                                     certificate, server https://10.200.0.1:6443, CA embedded). When the
#                                     cluster is already up and healthy it only prints that line.
#   scripts/kube-node.sh down         remove every process, link, route, mount, iptables chain, cgroup and
#                                     file of the cluster, restore the sysctls it changed; safe when not up
#   scripts/kube-node.sh env          print the export line if the cluster is up, else exit 1
#   scripts/kube-node.sh load F.tar…  import docker-save / OCI archives into containerd (namespace k8s.io);
#                                     pods use them with imagePullPolicy: Never or IfNotPresent
# Only the export line goes to stdout; progress and errors go to stderr. Must run as root.
# State: ${EMESH_NODE_DIR:-/tmp/emesh-node} (logs in <state>/logs). Caches (binaries, images):
# ${EMESH_KUBE_CACHE:-~/.cache/emesh/kubernetes}. Calls take turns on a lock (<cache>/node.lock, which
# also records the state dir of the running cluster): there can be only one such cluster per machine,
# since its addresses and interface names are fixed.
#
# Addresses (nothing listens on, or is routed through, the machine's own interfaces):
#   node / API server / kubelet / DNS   10.200.0.1 on the veth knnode0 (peer knnode1), API on :6443
#   pods                                10.244.0.0/24 on the bridge cni0
#   services                            10.96.0.0/16, routed to knnode0 (src 10.200.0.1); 10.96.0.1 = API
#   NodePorts                           10.200.0.1:<nodePort> and 127.0.0.1:<nodePort> only (30000-32767)
# etcd, the controller-manager and the scheduler listen on 127.0.0.1 only (etcd on free ports). A chain
# EMESH-NODE-ISOLATION (raw PREROUTING, mangle FORWARD) drops packets for these ranges arriving from any
# other interface, and pod traffic forwarded anywhere but back into cni0: pods reach the node, the
# services and each other, not the outside (there is no registry anyway). The API server reaches webhook
# Services (clientConfig.service) through their ClusterIP, over the route and kube-proxy's rules.
#
# Images (no registry): the sandbox image docker.io/local/pause:3.4.1 (Kubernetes' build/pause/linux/pause.c,
# gcc -Os -static) and docker.io/local/busybox:1 (Debian's busybox-static with its applet links: sh, nc,
# nslookup, httpd, sleep...; its wget segfaults there), written as docker-save archives by
# scripts/oci_archive.py into <cache>/images and imported at every `up`. Anything else: `load`.
#
# Cluster DNS: CoreDNS is not packaged by Debian, so Debian's dnsmasq serves cluster.local, bound only to
# 10.200.0.1:53, without upstream servers: it answers from a hosts file and returns NXDOMAIN for every
# other name (--local=/cluster.local/ --address=/#/). `kube-node-helper.py feed` keeps the hosts file
# current from a WATCH of Services and Endpoints (list, then ?watch=1 from its resourceVersion; relist on
# 410 Gone or a broken stream) and SIGHUPs dnsmasq after each change:
#   <svc>.<ns>.svc.cluster.local             -> the ClusterIP; for a headless Service, each ready endpoint IP
#   <hostname>.<svc>.<ns>.svc.cluster.local  -> that endpoint (StatefulSet pods behind a headless Service)
# Not served: SRV records, ExternalName CNAMEs, <ip>.<ns>.pod names. The kubelet gives pods nameserver
# 10.200.0.1, search <ns>.svc.cluster.local svc.cluster.local cluster.local, options ndots:5.
#
# Storage: a default StorageClass `standard` (kubernetes.io/no-provisioner, Immediate binding) and six 2Gi
# ReadWriteOnce hostPath PersistentVolumes emesh-pv-0..5 under <state>/pv, so a volumeClaimTemplate without
# storageClassName binds as on a real cluster (DefaultStorageClass admission). The same feeder process
# recycles a Released volume (wipes its directory, clears its claimRef) so it becomes Available again.
#
# For tests: the node is `emesh-node`. With the binaries cached, `up` takes ~15 s (plus ~10 s the first
# time, for the two images), `down` ~7 s; a pod is Running and Ready 2-3 s after it is created. After a
# pod turns Ready, kube-proxy needs a moment to route its Service: retry the first connection. busybox's
# nslookup applies the search path only to names without a dot (`web`, not `web.ns`); libc resolvers
# (ndots:5) do. `down` deletes all pods with a 1 s grace period, then removes everything; `up` after a
# crash or kill -9 clears the leftovers first. Kernel settings changed while up: ip_forward,
# bridge-nf-call-iptables; the kubelet: vm.overcommit_memory, kernel.panic, kernel.panic_on_oops; kube-proxy:
# route_localnet (saved at `up`, restored at `down`).
set -euo pipefail
export PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HELPER=$HERE/kube-node-helper.py
CACHE=${EMESH_KUBE_CACHE:-$HOME/.cache/emesh/kubernetes}
BIN=$CACHE/bin
IMAGES=$CACHE/images
STATE=${EMESH_NODE_DIR:-/tmp/emesh-node}
[[ $STATE == /* ]] || STATE=$PWD/$STATE
STATE=${STATE%/}
case $STATE in
  "" | /tmp | /var | /var/tmp | /run | /root | /home | "$HOME" | /*/..* | *" "*)
    echo "kube-node: error: EMESH_NODE_DIR=$STATE is not a usable state dir" >&2; exit 1 ;;
esac
LOCK=$CACHE/node.lock
MARKER=$STATE/.emesh-kube-node
NODE=emesh-node
NODE_IP=10.200.0.1
POD_CIDR=10.244.0.0/24
CLUSTER_CIDR=10.244.0.0/16
SVC_CIDR=10.96.0.0/16
API=https://$NODE_IP:6443
NET=emesh-node           # CNI network name
CGROUP=emesh-node        # the kubelet's cgroupRoot: pods live in /emesh-node/kubepods/...
PAUSE_IMAGE=docker.io/local/pause:3.4.1
BUSYBOX_IMAGE=docker.io/local/busybox:1
SOCK=$STATE/containerd/containerd.sock
[ ${#SOCK} -le 96 ] || { echo "kube-node: error: EMESH_NODE_DIR is too long for a unix socket path" >&2; exit 1; }
PKI=$STATE/pki
# What this script, the kubelet (kernel tunables), kube-proxy and the bridge CNI plugin may change.
SYSCTLS="net.ipv4.ip_forward net.ipv4.conf.all.forwarding net.ipv4.conf.default.forwarding
  net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables net.bridge.bridge-nf-call-arptables
  vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys
  kernel.keys.root_maxbytes net.ipv4.conf.all.route_localnet net.netfilter.nf_conntrack_max
  net.netfilter.nf_conntrack_tcp_timeout_established net.netfilter.nf_conntrack_tcp_timeout_close_wait"

log() { echo "== kube-node [${SECONDS}s]: $*" >&2; }
die() { echo "kube-node: error: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "must run as root (it creates links, routes, iptables rules and mounts)"
PY=/usr/bin/python3
[ -x $PY ] || PY=python3

# ------------------------------------------------------------------------------------------- packages

install_packages() {
  local need=() p
  for p in containerd runc iptables conntrack jq curl openssl gcc; do
    command -v "$p" >/dev/null 2>&1 || need+=("$p")
  done
  command -v etcd >/dev/null 2>&1 || need+=(etcd-server)
  command -v python3 >/dev/null 2>&1 || need+=(python3)
  command -v dnsmasq >/dev/null 2>&1 || need+=(dnsmasq-base)
  command -v ip >/dev/null 2>&1 || need+=(iproute2)
  command -v dpkg-deb >/dev/null 2>&1 || need+=(dpkg)
  [ -f /usr/lib/x86_64-linux-gnu/libc.a ] || [ -f /usr/lib/libc.a ] || need+=(libc6-dev)
  for p in bridge host-local portmap loopback; do
    [ -x "/usr/lib/cni/$p" ] || { need+=(containernetworking-plugins); break; }
  done
  [ ${#need[@]} -eq 0 ] && return
  log "installing ${need[*]}"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
}

# ------------------------------------------------------------------------------------------- images

build_images() {
  mkdir -p "$IMAGES"
  (
    flock 7
    [ -s "$IMAGES/pause-3.4.1.tar" ] || build_pause
    [ -s "$IMAGES/busybox-1.tar" ] || build_busybox
  ) 7>"$IMAGES/.lock"
}

build_pause() {
  local src tmp
  src=$(ls "$CACHE"/kubernetes-*/build/pause/linux/pause.c 2>/dev/null | head -n 1)
  [ -n "$src" ] || die "no build/pause/linux/pause.c in the kubernetes source tree under $CACHE"
  log "building $PAUSE_IMAGE from $src"
  tmp=$(mktemp -d)
  mkdir -p "$tmp/rootfs"
  gcc -Os -Wall -Werror -static -DVERSION=v3.4.1-emesh -o "$tmp/rootfs/pause" "$src"
  strip "$tmp/rootfs/pause"
  cat >"$tmp/spec.json" <<EOF
{"tag": "$PAUSE_IMAGE", "entrypoint": ["/pause"], "user": "65535:65535",
 "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
 "created_by": "scripts/kube-node.sh: Kubernetes' pause.c, gcc -Os -static"}
EOF
  $PY "$HERE/oci_archive.py" "$tmp/rootfs" "$tmp/spec.json" "$IMAGES/pause-3.4.1.tar" >/dev/null
  rm -rf "$tmp"
}

build_busybox() {
  local tmp bb a
  log "building $BUSYBOX_IMAGE from Debian's busybox-static"
  tmp=$(mktemp -d)
  local get=(apt-get -q -o APT::Sandbox::User=root download busybox-static)
  if ! (cd "$tmp" && "${get[@]}" >&2); then
    apt-get update -qq >&2
    (cd "$tmp" && "${get[@]}" >&2)
  fi
  dpkg-deb -x "$tmp"/busybox-static_*.deb "$tmp/deb"
  bb=$(find "$tmp/deb" -path '*bin/busybox' -type f | head -n 1)
  [ -n "$bb" ] && "$bb" true || die "no working busybox binary in busybox-static"
  mkdir -p "$tmp/rootfs"/{bin,sbin,usr/bin,usr/sbin,etc,root,tmp,home,var/tmp}
  cp "$bb" "$tmp/rootfs/bin/busybox"
  local applets
  applets=$("$bb" --list-full 2>/dev/null) || applets=$("$bb" --list | sed 's|^|bin/|')
  for a in $applets; do
    [ -e "$tmp/rootfs/$a" ] || [ -L "$tmp/rootfs/$a" ] || ln -s /bin/busybox "$tmp/rootfs/$a"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$tmp/rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$tmp/rootfs/etc/group"
  chmod 1777 "$tmp/rootfs/tmp" "$tmp/rootfs/var/tmp"
  chmod 700 "$tmp/rootfs/root"
  cat >"$tmp/spec.json" <<EOF
{"tag": "$BUSYBOX_IMAGE", "cmd": ["sh"],
 "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
 "created_by": "scripts/kube-node.sh: Debian's busybox-static and its applet links"}
EOF
  $PY "$HERE/oci_archive.py" "$tmp/rootfs" "$tmp/spec.json" "$IMAGES/busybox-1.tar" >/dev/null
  rm -rf "$tmp"
}

# ------------------------------------------------------------------------------------------- helpers

alive() { [[ ${1:-} =~ ^[0-9]+$ ]] && [ -r "/proc/$1/stat" ] && ! grep -q '^[0-9]* (.*) Z ' "/proc/$1/stat"; }
any_alive() { local p; for p; do alive "$p" && return 0; done; return 1; }
containerd_running() { local pids; mapfile -t pids < <(pgrep -x containerd || true); any_alive "${pids[@]}"; }
# wait_for SECONDS COMMAND...: retries the command every 0.3 s.
wait_for() {
  local end=$((SECONDS + $1)); shift
  until "$@"; do [ $SECONDS -lt $end ] || return 1; sleep 0.3; done
}
api() { curl -sf --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" "$@"; }
api_ok() { api -o /dev/null "$API$1"; }
ctr_() { ctr --address "$SOCK" -n k8s.io "$@"; }
ctr_ok() { ctr --address "$SOCK" version >/dev/null 2>&1; }

# start NAME COMMAND...: its own session, output in <state>/logs/NAME.log, "NAME PID" in <state>/pids.
# (Fd 9, the lock, is not passed on, or the daemons would hold it.)
start() {
  local name=$1; shift
  setsid "$@" >"$STATE/logs/$name.log" 2>&1 </dev/null 9>&- &
  echo "$name $!" >>"$STATE/pids"
}
pid_of() { [ ! -f "$STATE/pids" ] || awk -v n="$1" '$1 == n { p = $2 } END { print p }' "$STATE/pids"; }
# fail NAME MESSAGE: show that log's tail and give up (the next `up` or `down` clears the rest).
fail() { tail -n 30 "$STATE/logs/$1.log" >&2 || true; die "$2 (logs in $STATE/logs)"; }
# wait_up SECONDS NAME COMMAND...: waits for COMMAND while the process NAME lives.
wait_up() {
  local secs=$1 name=$2 pid; shift 2
  pid=$(pid_of "$name")
  local end=$((SECONDS + secs))
  until "$@"; do
    alive "$pid" || fail "$name" "$name exited"
    [ $SECONDS -lt $end ] || fail "$name" "$name was not ready within $secs s"
    sleep 0.3
  done
}

node_ready() {
  api "$API/api/v1/nodes/$NODE" 2>/dev/null |
    jq -e '.status.conditions[] | select(.type == "Ready") | .status == "True"' >/dev/null
}
sa_ready() {
  api "$API/api/v1/namespaces/default/serviceaccounts/default" 2>/dev/null | jq -e '(.secrets | length) > 0' >/dev/null
}
dns_ready() { $PY "$HELPER" resolve "$NODE_IP" kubernetes.default.svc.cluster.local >/dev/null 2>&1; }
pvs_ready() {
  api "$API/api/v1/persistentvolumes?labelSelector=emesh.io/node-local-pv%3Dtrue" 2>/dev/null |
    jq -e '[.items[] | select(.status.phase == "Available" or .status.phase == "Bound")] | length >= 6' >/dev/null
}
proxy_ready() { curl -sf -o /dev/null http://127.0.0.1:10256/healthz; }

is_up() {
  local name pid
  [ -f "$MARKER" ] && [ -s "$STATE/pids" ] || return 1
  while read -r name pid; do alive "$pid" || return 1; done <"$STATE/pids"
  api_ok /readyz
}

# ------------------------------------------------------------------------------------------- teardown

# Processes of the cluster: the PIDs it recorded, and any of its programs whose command line names the
# state dir (daemons, containerd shims, dnsmasq, the feeder), also those of a killed run.
state_pids() {
  $PY - "$STATE" <<'EOF'
import os, re, sys
st = sys.argv[1].encode()
for p in os.listdir("/proc"):
    if not p.isdigit() or int(p) in (os.getpid(), os.getppid()):
        continue
    try:
        comm = open(f"/proc/{p}/comm").read().strip()
        args = open(f"/proc/{p}/cmdline", "rb").read().split(b"\0")
    except OSError:
        continue
    if re.match(r"(etcd|kube-.*|kubelet|containerd.*|dnsmasq|python.*)$", comm) and \
            any(a == st or st + b"/" in a for a in args):
        print(p)
EOF
}

# Processes in the pods' cgroups (containers whose shim is gone).
cgroup_dirs() { ls -d /sys/fs/cgroup/*/"$CGROUP" /sys/fs/cgroup/"$CGROUP" 2>/dev/null || true; }
pod_pids() {
  local d
  for d in $(cgroup_dirs); do find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null; done | sort -u
}

# stop_pids SECONDS PID...: TERM, then KILL after SECONDS.
stop_pids() {
  local secs=$1 p live=(); shift
  for p; do alive "$p" && live+=("$p"); done
  [ ${#live[@]} -gt 0 ] || return 0
  kill -TERM "${live[@]}" 2>/dev/null || true
  local end=$((SECONDS + secs))
  while [ $SECONDS -lt $end ]; do
    local any=0
    for p in "${live[@]}"; do alive "$p" && any=1; done
    [ $any -eq 0 ] && return 0
    sleep 0.2
  done
  kill -KILL "${live[@]}" 2>/dev/null || true
  sleep 0.2
}
stop_named() { local n p; for n; do p=$(pid_of "$n"); [ -z "$p" ] || stop_pids 10 "$p"; done; }

# Deletes every pod (grace 1 s) with the controllers stopped, so that the kubelet tears down their
# containers and networks itself.
delete_pods() {
  local ns
  for ns in $(api "$API/api/v1/namespaces" | jq -r '.items[].metadata.name'); do
    api -X DELETE -H 'Content-Type: application/json' -d '{"gracePeriodSeconds":1}' \
      "$API/api/v1/namespaces/$ns/pods" -o /dev/null || true
  done
  # Done when containerd runs no task any more: every container and sandbox stopped, networks torn down
  # (the pod objects themselves go away with etcd).
  no_tasks() { local t; t=$(ctr_ tasks ls -q 2>/dev/null) || return 0; [ -z "$t" ]; }
  wait_for 45 no_tasks || log "some pods were not stopped in time"
}

ours_chain() { [[ $1 == KUBE-* || $1 == CNI-* || $1 == EMESH-NODE-* ]]; }
# clean_iptables SAVE IPTABLES: delete the rules jumping to KUBE-/CNI-/EMESH-NODE- chains, then the chains.
clean_iptables() {
  local save=$1 ipt=$2 dump line table="" chain rest
  command -v "$save" >/dev/null 2>&1 && command -v "$ipt" >/dev/null 2>&1 || return 0
  dump=$("$save" 2>/dev/null) || return 0
  while IFS= read -r line; do
    case $line in
      \**) table=${line#\*} ;;
      "-A "*)
        rest=${line#-A }; chain=${rest%% *}
        if ! ours_chain "$chain" && [[ $line =~ \ -[jg]\ (KUBE-|CNI-|EMESH-NODE-) ]]; then
          eval "$ipt -w -t $table -D $rest" 2>/dev/null || true
        fi ;;
    esac
  done <<<"$dump"
  local chains=() t c
  while IFS= read -r line; do
    case $line in
      \**) table=${line#\*} ;;
      :*) c=${line#:}; c=${c%% *}; ours_chain "$c" && chains+=("$table $c") ;;
    esac
  done <<<"$dump"
  for t in "${chains[@]}"; do $ipt -w -t "${t% *}" -F "${t#* }" 2>/dev/null || true; done
  for t in "${chains[@]}"; do $ipt -w -t "${t% *}" -X "${t#* }" 2>/dev/null || true; done
}
clean_all_iptables() {
  clean_iptables iptables-save iptables
  clean_iptables ip6tables-save ip6tables
  # iptables-nft creates its tables on first use: drop those that did not exist before and are empty now.
  local t fam rules
  if command -v nft >/dev/null 2>&1 && [ -f "$STATE/preexisting" ]; then
    for fam in ip ip6; do
      for t in filter nat mangle raw security; do
        preexisting "nft:$fam $t" && continue
        rules=$(nft list table $fam $t 2>/dev/null) || continue
        # empty: nothing but base chain declarations (type ... hook ... policy accept)
        if ! grep -vqE '^\s*(table|chain|type|\}|$)' <<<"$rules"; then
          nft delete table $fam $t 2>/dev/null || true
        fi
      done
    done
  fi
  # The legacy (x_tables) backend only if it is in use: listing it would load its modules.
  [ -s /proc/net/ip_tables_names ] && clean_iptables iptables-legacy-save iptables-legacy
  [ -s /proc/net/ip6_tables_names ] && clean_iptables ip6tables-legacy-save ip6tables-legacy
  return 0
}

# Mount points at or under $1, deepest first.
mounts_under() {
  awk -v p="$1" '{ m = $5; gsub(/\\040/, " ", m) } m == p || index(m, p "/") == 1 { print m }' /proc/self/mountinfo |
    sort -r
}
unmount_under() {
  local i m
  for i in 1 2 3 4 5; do
    [ -n "$(mounts_under "$1")" ] || return 0
    while IFS= read -r m; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done < <(mounts_under "$1")
  done
}

# Network namespaces made for our pods: an address in the pod range, or nothing but lo.
our_netns() {
  local ns addrs
  for ns in /run/netns/cni-*; do
    [ -e "$ns" ] || continue
    ns=${ns##*/}
    if addrs=$(ip -n "$ns" -o -4 addr show 2>/dev/null); then
      if [[ $addrs == *" 10.244."* ]] || ! ip -n "$ns" -o link show 2>/dev/null | grep -qv ': lo:'; then echo "$ns"; fi
    else
      echo "$ns" # not a namespace any more (its mount is gone): a stale file
    fi
  done
}

preexisting() { [ -f "$STATE/preexisting" ] && grep -qx "$1" "$STATE/preexisting"; }

restore_sysctls() {
  [ -f "$STATE/sysctl.saved" ] || return 0
  local kv saved=$STATE/sysctl.saved
  # ip_forward first: writing it resets every interface's forwarding flag, restored after it.
  while IFS= read -r kv; do sysctl -qw "$kv" >/dev/null 2>&1 || true; done < <(grep '^net.ipv4.ip_forward=' "$saved")
  while IFS= read -r kv; do sysctl -qw "$kv" >/dev/null 2>&1 || true; done < <(grep -v '^net.ipv4.ip_forward=' "$saved")
}

teardown() {
  if [ -e "$STATE" ] && [ ! -f "$MARKER" ] && [ -n "$(ls -A "$STATE" 2>/dev/null)" ]; then
    die "$STATE is not a kube-node state dir; not touching it"
  fi
  local active=""
  [ -s "$LOCK" ] && active=$(cat "$LOCK")
  if [ -n "$active" ] && [ "$active" != "$STATE" ] && [ -d "$active" ]; then
    die "the node cluster on this machine has its state in $active: use EMESH_NODE_DIR=$active"
  fi
  local p
  # 1. Workloads and pods, while the API server, kubelet and containerd still run.
  if [ -f "$STATE/pids" ] && alive "$(pid_of kubelet)" && alive "$(pid_of containerd)" && api_ok /readyz 2>/dev/null; then
    log "deleting pods"
    stop_named kube-controller-manager kube-scheduler
    delete_pods
  fi
  # 2. Daemons, in order, by PID.
  stop_named feeder dnsmasq kube-proxy kubelet kube-scheduler kube-controller-manager kube-apiserver etcd
  # 3. Leftover containers, then containerd.
  if alive "$(pid_of containerd)" && [ -S "$SOCK" ]; then
    for p in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks kill -s SIGKILL "$p" >/dev/null 2>&1 || true; done
    sleep 0.3
    for p in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks delete -f "$p" >/dev/null 2>&1 || true; done
    for p in $(ctr_ containers ls -q 2>/dev/null); do ctr_ containers delete "$p" >/dev/null 2>&1 || true; done
  fi
  stop_named containerd
  # 4. Whatever is left: processes naming the state dir (a killed run's daemons, shims), pod processes.
  mapfile -t left < <(state_pids)
  [ ${#left[@]} -eq 0 ] || { log "stopping leftover processes ${left[*]}"; stop_pids 5 "${left[@]}"; }
  mapfile -t left < <(pod_pids)
  if [ ${#left[@]} -gt 0 ]; then
    log "killing leftover pod processes ${left[*]}"
    kill -KILL "${left[@]}" 2>/dev/null || true
    sleep 0.3
  fi
  # 5. iptables: kube-proxy's own cleanup, then every remaining KUBE-/CNI-/EMESH-NODE- chain.
  if [ -x "$BIN/kube-proxy" ] && [ -n "$(iptables-save 2>/dev/null | grep -E '^:KUBE-' || true)" ]; then
    timeout 30 "$BIN/kube-proxy" --cleanup >/dev/null 2>&1 || true
  fi
  clean_all_iptables
  # 6. Mounts: the state dir (kubelet root, containerd's rootfs and shm mounts), our network namespaces.
  [ -d "$STATE" ] && unmount_under "$STATE"
  local ns
  for ns in $(our_netns); do
    ip netns delete "$ns" 2>/dev/null || { umount "/run/netns/$ns" 2>/dev/null; rm -f "/run/netns/$ns"; }
  done
  if [ -d /run/netns ] && [ -z "$(ls -A /run/netns)" ] && ! preexisting /run/netns; then
    unmount_under /run/netns
    rmdir /run/netns 2>/dev/null || true
  fi
  # 7. Links and routes.
  for p in $(ip -o link show master cni0 2>/dev/null | awk -F': ' '{ print $2 }' | cut -d@ -f1); do
    ip link del "$p" 2>/dev/null || true
  done
  ip link del cni0 2>/dev/null || true
  ip route del "$SVC_CIDR" 2>/dev/null || true
  ip link del knnode0 2>/dev/null || true
  # 8. Cgroups of the pods.
  local d i
  for i in 1 2 3 4 5; do
    for d in $(cgroup_dirs); do find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true; done
    [ -z "$(cgroup_dirs)" ] && break
    sleep 0.3
  done
  # 9. Files the kubelet, containerd and CNI keep outside the state dir.
  if [ -f "$STATE/preexisting" ]; then
    for d in /var/log/pods /var/log/containers; do
      [ -d "$d" ] || continue
      for p in "$d"/* "$d"/.[!.]*; do
        [ -e "$p" ] || [ -L "$p" ] || continue
        preexisting "$p" || rm -rf "$p"
      done
      preexisting "$d" || rmdir "$d" 2>/dev/null || true
    done
  fi
  # libcni's result cache: our network's, and containerd's loopback network's for our sandboxes (for all
  # of them when no other containerd runs: those of a killed run whose state dir is gone).
  rm -f /var/lib/cni/results/"$NET"-* 2>/dev/null || true
  if ! containerd_running; then
    rm -f /var/lib/cni/results/cni-loopback-* 2>/dev/null || true
  else
    for d in "$STATE"/containerd/root/io.containerd.grpc.v1.cri/sandboxes/*/; do
      if [ -d "$d" ]; then rm -f /var/lib/cni/results/cni-loopback-"$(basename "$d")"-*; fi
    done
  fi
  rmdir /var/lib/cni/results /var/lib/cni/networks /var/lib/cni 2>/dev/null || true
  # The shims' sockets live in /run/containerd/s whatever the configured state dir.
  if [ -d /run/containerd ] && ! preexisting /run/containerd && ! containerd_running; then
    rm -rf /run/containerd
  fi
  # The kubelet's device-plugin socket has a fixed path in 1.20.
  rm -f /var/lib/kubelet/device-plugins/kubelet.sock /var/lib/kubelet/device-plugins/DEPRECATION
  if ! preexisting /var/lib/kubelet; then rmdir /var/lib/kubelet/device-plugins /var/lib/kubelet 2>/dev/null || true; fi
  # Tracked connections of the cluster's addresses.
  if command -v conntrack >/dev/null; then
    for d in "$CLUSTER_CIDR" "$SVC_CIDR" "${NODE_IP%.*}.0/24"; do
      conntrack -D -s "$d" >/dev/null 2>&1 || true
      conntrack -D -d "$d" >/dev/null 2>&1 || true
    done
  fi
  # 10. Sysctls, then the state dir.
  restore_sysctls
  rm -rf "$STATE"
  [ "$active" != "$STATE" ] || : >"$LOCK"
}

# ------------------------------------------------------------------------------------------- up

save_state() {
  local k v i
  mkdir -p "$STATE"/{logs,pv,dns,cni/net.d,containerd}
  touch "$MARKER"
  : >"$STATE/pids"
  for k in $SYSCTLS; do v=$(sysctl -n "$k" 2>/dev/null) && echo "$k=$v"; done >"$STATE/sysctl.saved"
  for i in /proc/sys/net/ipv4/conf/*; do
    i=${i##*/}
    case $i in
      all | default) ;;
      *) echo "net.ipv4.conf.$i.forwarding=$(cat "/proc/sys/net/ipv4/conf/$i/forwarding")" ;;
    esac
  done >>"$STATE/sysctl.saved"
  {
    for k in /run/netns /run/containerd /var/lib/kubelet /var/log/pods /var/log/containers; do
      if [ -e "$k" ]; then echo "$k"; fi
    done
    if command -v nft >/dev/null 2>&1; then nft list tables 2>/dev/null | sed -n 's/^table \(ip6\{0,1\}\) /nft:\1 /p'; fi
    ls -d /var/log/pods/* /var/log/pods/.[!.]* /var/log/containers/* /var/log/containers/.[!.]* 2>/dev/null || true
  } >"$STATE/preexisting"
}

network_up() {
  [ -d /proc/sys/net/bridge ] || modprobe br_netfilter 2>/dev/null || true
  sysctl -qw net.ipv4.ip_forward=1 >/dev/null
  sysctl -qw net.bridge.bridge-nf-call-iptables=1 >/dev/null 2>&1 || log "warning: no net.bridge.bridge-nf-call-iptables"
  ip link add knnode0 type veth peer name knnode1
  ip addr add "$NODE_IP/24" dev knnode0
  ip link set knnode0 up
  ip link set knnode1 up
  ip route replace "$SVC_CIDR" dev knnode0 src "$NODE_IP"
  local t i
  for t in raw mangle; do iptables -w -t $t -N EMESH-NODE-ISOLATION; done
  for i in lo cni0 knnode0 knnode1; do iptables -w -t raw -A EMESH-NODE-ISOLATION -i $i -j RETURN; done
  for i in "$CLUSTER_CIDR" "$SVC_CIDR" "${NODE_IP%.*}.0/24"; do
    iptables -w -t raw -A EMESH-NODE-ISOLATION -d "$i" -j DROP
  done
  iptables -w -t raw -I PREROUTING 1 -j EMESH-NODE-ISOLATION
  iptables -w -t mangle -A EMESH-NODE-ISOLATION -i cni0 ! -o cni0 -j DROP
  iptables -w -t mangle -I FORWARD 1 -j EMESH-NODE-ISOLATION
}

pki() {
  mkdir -p "$PKI" && chmod 700 "$PKI"
  (
    cd "$PKI"
    printf '%s\n' '[req]' distinguished_name=dn x509_extensions=ext prompt=no '[dn]' CN=emesh-node-ca '[ext]' \
      basicConstraints=critical,CA:TRUE keyUsage=critical,keyCertSign,cRLSign,digitalSignature \
      subjectKeyIdentifier=hash >ca.cnf
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.crt \
      -days 3650 -config ca.cnf 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    cert() { # NAME SUBJECT USAGE [SANS]
      printf '%s\n' basicConstraints=CA:FALSE keyUsage=critical,digitalSignature,keyEncipherment \
        "extendedKeyUsage=$3" authorityKeyIdentifier=keyid >"$1.ext"
      [ -z "${4:-}" ] || echo "subjectAltName=$4" >>"$1.ext"
      openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$1.key" -out "$1.csr" \
        -subj "$2" 2>/dev/null
      openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -out "$1.crt" \
        -extfile "$1.ext" 2>/dev/null
      rm -f "$1.csr" "$1.ext"
    }
    local sans="IP:$NODE_IP,IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default"
    sans+=",DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
    cert apiserver /CN=kube-apiserver serverAuth "$sans"
    cert admin /O=system:masters/CN=admin clientAuth
    cert kubelet "/O=system:nodes/CN=system:node:$NODE" clientAuth
    cert kube-proxy /CN=system:kube-proxy clientAuth
    cert kube-scheduler /CN=system:kube-scheduler clientAuth
    cert kube-controller-manager /CN=system:kube-controller-manager clientAuth
    cert apiserver-kubelet-client /O=system:masters/CN=kube-apiserver-kubelet-client clientAuth
  )
}

# kubeconfig FILE IDENTITY: server https://10.200.0.1:6443 with the CA and the client certificate embedded.
kubeconfig() {
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: emesh-node
  cluster:
    server: $API
    certificate-authority-data: $(base64 -w0 "$PKI/ca.crt")
users:
- name: $2
  user:
    client-certificate-data: $(base64 -w0 "$PKI/$2.crt")
    client-key-data: $(base64 -w0 "$PKI/$2.key")
contexts:
- name: emesh-node
  context: {cluster: emesh-node, user: $2}
current-context: emesh-node
EOF
  chmod 600 "$1"
}

configs() {
  local n
  kubeconfig "$STATE/kubeconfig" admin
  for n in kubelet kube-proxy kube-scheduler kube-controller-manager; do kubeconfig "$STATE/$n.kubeconfig" "$n"; done
  cat >"$STATE/containerd/config.toml" <<EOF
version = 2
root = "$STATE/containerd/root"
state = "$STATE/containerd/state"
oom_score = 0
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$STATE/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$STATE/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$STATE/cni/net.d"
EOF
  cat >"$STATE/cni/net.d/10-$NET.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "$NET",
  "plugins": [
    {
      "type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": true, "hairpinMode": true,
      "ipam": {
        "type": "host-local", "dataDir": "$STATE/cni/ipam",
        "ranges": [[{"subnet": "$POD_CIDR", "gateway": "10.244.0.1"}]],
        "routes": [{"dst": "0.0.0.0/0"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
  echo "nameserver $NODE_IP" >"$STATE/resolv.conf"
  cat >"$STATE/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
cgroupDriver: cgroupfs
cgroupRoot: /$CGROUP
failSwapOn: false
podCIDR: $POD_CIDR
oomScoreAdj: 0
clusterDNS: [$NODE_IP]
clusterDomain: cluster.local
resolvConf: $STATE/resolv.conf
volumePluginDir: $STATE/kubelet-plugins
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
nodeStatusUpdateFrequency: 2s
nodeStatusReportFrequency: 1m
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization:
  mode: Webhook
evictionHard:
  memory.available: 100Mi
  nodefs.available: 2%
  nodefs.inodesFree: 2%
  imagefs.available: 2%
EOF
}

# Creates the kubelet's cgroupRoot in every hierarchy (it must exist); cpuset needs its cpus and mems.
cgroups_up() {
  local h
  for h in /sys/fs/cgroup/*/; do
    h=${h%/}
    [ -f "$h/cgroup.procs" ] || continue
    mkdir -p "$h/$CGROUP"
    if [ -f "$h/cpuset.cpus" ]; then
      cat "$h/cpuset.cpus" >"$h/$CGROUP/cpuset.cpus"
      cat "$h/cpuset.mems" >"$h/$CGROUP/cpuset.mems"
    fi
  done
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then mkdir -p "/sys/fs/cgroup/$CGROUP"; fi
}

up() {
  if is_up; then echo "export KUBECONFIG=$STATE/kubeconfig"; return; fi
  local t0=$SECONDS
  teardown
  install_packages
  "$HERE/kube-local.sh" build >&2
  build_images
  log "starting etcd, containerd, kube-apiserver in $STATE"
  save_state
  echo "$STATE" >"$LOCK"
  network_up
  cgroups_up
  pki
  configs
  local etcd_port peer_port
  read -r etcd_port peer_port < <($PY -c 'import socket; s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
  start etcd etcd --name default --data-dir "$STATE/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "default=http://127.0.0.1:$peer_port"
  start containerd containerd --config "$STATE/containerd/config.toml"
  wait_up 30 etcd curl -sf -o /dev/null "http://127.0.0.1:$etcd_port/health"
  start kube-apiserver "$BIN/kube-apiserver" --etcd-servers="http://127.0.0.1:$etcd_port" \
    --bind-address=$NODE_IP --advertise-address=$NODE_IP --secure-port=6443 --insecure-port=0 \
    --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" --client-ca-file="$PKI/ca.crt" \
    --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction,DefaultStorageClass \
    --allow-privileged=true --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" \
    --kubelet-client-key="$PKI/apiserver-kubelet-client.key" --kubelet-preferred-address-types=InternalIP \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --service-account-issuer=https://kubernetes.default.svc --service-cluster-ip-range=$SVC_CIDR \
    --cert-dir="$STATE/apiserver-certs"
  wait_up 30 containerd ctr_ok
  local img
  for img in "$IMAGES/pause-3.4.1.tar" "$IMAGES/busybox-1.tar"; do ctr_ images import "$img" >&2; done
  wait_up 90 kube-apiserver api_ok /readyz
  log "API server ready; starting controller-manager, scheduler, kubelet, kube-proxy, dnsmasq, feeder"
  start kube-controller-manager "$BIN/kube-controller-manager" --kubeconfig="$STATE/kube-controller-manager.kubeconfig" \
    --leader-elect=false --use-service-account-credentials=true --controllers='*,bootstrapsigner,tokencleaner' \
    --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --cluster-cidr=$CLUSTER_CIDR \
    --service-cluster-ip-range=$SVC_CIDR --flex-volume-plugin-dir="$STATE/kubelet-plugins" \
    --bind-address=127.0.0.1 --secure-port=0 --port=0
  start kube-scheduler "$BIN/kube-scheduler" --kubeconfig="$STATE/kube-scheduler.kubeconfig" \
    --leader-elect=false --bind-address=127.0.0.1 --secure-port=0 --port=0
  # (No EC2 metadata lookups by the kubelet's AWS credential provider: nothing leaves this machine.)
  start kubelet env AWS_EC2_METADATA_DISABLED=true \
    "$BIN/kubelet" --config="$STATE/kubelet.yaml" --kubeconfig="$STATE/kubelet.kubeconfig" \
    --container-runtime=remote --container-runtime-endpoint="unix://$SOCK" --containerd="$SOCK" \
    --root-dir="$STATE/kubelet" --cert-dir="$STATE/kubelet-pki" --hostname-override=$NODE --node-ip=$NODE_IP \
    --pod-infra-container-image=$PAUSE_IMAGE
  start kube-proxy "$BIN/kube-proxy" --kubeconfig="$STATE/kube-proxy.kubeconfig" --proxy-mode=iptables \
    --cluster-cidr=$CLUSTER_CIDR --hostname-override=$NODE --bind-address=$NODE_IP \
    --nodeport-addresses=$NODE_IP/32,127.0.0.0/8 --healthz-bind-address=127.0.0.1:10256 \
    --metrics-bind-address=127.0.0.1:10249 --iptables-min-sync-period=0s --conntrack-max-per-core=0 \
    --conntrack-tcp-timeout-established=0 --conntrack-tcp-timeout-close-wait=0 --oom-score-adj=0
  : >"$STATE/dns/hosts"
  start dnsmasq dnsmasq --keep-in-foreground --log-facility=- --conf-file=/dev/null --user=root \
    --pid-file="$STATE/dns/dnsmasq.pid" --no-resolv --no-hosts --no-poll --addn-hosts="$STATE/dns/hosts" \
    --listen-address=$NODE_IP --bind-interfaces --port=53 --local=/cluster.local/ --address=/#/ --domain-needed \
    --bogus-priv --no-negcache
  start feeder $PY "$HELPER" feed --server "$API" --ca "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
    --hosts "$STATE/dns/hosts" --dnsmasq-pid "$(pid_of dnsmasq)" --pv-dir "$STATE/pv" --pvs 6 --pv-size 2Gi
  # The node's podCIDR is set here rather than by the controller-manager's node IPAM, which always waits
  # 10 s for its first node list (holding up every other controller); the CNI config uses the same range.
  wait_up 60 kubelet api_ok "/api/v1/nodes/$NODE"
  api -o /dev/null -X PATCH -H 'Content-Type: application/merge-patch+json' \
    -d "{\"spec\":{\"podCIDR\":\"$POD_CIDR\",\"podCIDRs\":[\"$POD_CIDR\"]}}" "$API/api/v1/nodes/$NODE" ||
    die "could not set the node's podCIDR"
  wait_up 120 kubelet node_ready
  log "node Ready"
  wait_up 60 kube-controller-manager sa_ready
  wait_up 60 kube-proxy proxy_ready
  wait_up 60 feeder dns_ready
  wait_up 60 feeder pvs_ready
  log "up in $((SECONDS - t0)) s: node $NODE Ready, API $API"
  echo "export KUBECONFIG=$STATE/kubeconfig"
}

load() {
  is_up || die "the cluster is not up (scripts/kube-node.sh up)"
  local f
  for f; do
    [ -f "$f" ] || die "no such file: $f"
    log "importing $f"
    ctr_ images import "$f" >&2
  done
}

lock() { mkdir -p "${LOCK%/*}" && exec 9>>"$LOCK" && flock 9; }
cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
  prepare) lock && install_packages && "$HERE/kube-local.sh" build >&2 && build_images && log "prepared" ;;
  up) lock && up ;;
  down) lock && teardown && log "down" ;;
  env) is_up || exit 1; echo "export KUBECONFIG=$STATE/kubeconfig" ;;
  load) [ $# -gt 0 ] || die "usage: $0 load FILE.tar..."; lock && load "$@" ;;
  *) die "usage: $0 prepare | up | down | env | load FILE.tar..." ;;
esac
