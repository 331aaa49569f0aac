#!/usr/bin/env python3
"""Helper of scripts/kube-node.sh (standard library only).

  kube-node-helper.py feed --server URL --ca CA --cert CRT --key KEY --hosts FILE --dnsmasq-pid PID
                           --pv-dir DIR [--pvs N] [--pv-size 2Gi]
      The node's DNS feeder and local-volume recycler, one long-running process:
      * creates the default StorageClass `standard` (kubernetes.io/no-provisioner) and N hostPath
        PersistentVolumes under DIR if they are missing;
      * WATCHES Services and Endpoints (list, then `?watch=1` from the list's resourceVersion; relist on
        410 Gone or a broken stream) and rewrites FILE, a hosts file for dnsmasq, then SIGHUPs dnsmasq:
          <svc>.<ns>.svc.cluster.local             -> ClusterIP, or every ready endpoint IP if headless
          <hostname>.<svc>.<ns>.svc.cluster.local  -> that endpoint's IP (StatefulSet pods, headless)
      * WATCHES its PersistentVolumes: a Released one gets its directory wiped and its claimRef cleared,
        so it becomes Available again (what a static local-volume provisioner does).

  kube-node-helper.py resolve SERVER NAME [TYPE]
      One DNS query over UDP; prints the answers (A records) and the rcode. For checks from the host.
"""
import http.client
import json
import os
import random
import shutil
import signal
import socket
import ssl
import struct
import sys
import threading
import time

PV_LABEL = "emesh.io/node-local-pv"
STORAGE_CLASS = "standard"
DOMAIN = "cluster.local"


def log(msg):
    print(time.strftime("%H:%M:%S"), msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- DNS query (checks)

def resolve(server, name, qtype="A"):
    types = {"A": 1, "AAAA": 28, "PTR": 12, "SRV": 33}
    qid = random.randrange(65536)
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for part in name.rstrip(".").split("."):
        q += bytes([len(part)]) + part.encode()
    q += b"\0" + struct.pack(">HH", types[qtype], 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.sendto(q, (server, 53))
    resp, _ = s.recvfrom(4096)
    rcode = resp[3] & 0xF
    ancount = struct.unpack(">H", resp[6:8])[0]
    off = len(q)
    answers = []

    def skip_name(o):
        while True:
            ln = resp[o]
            if ln == 0:
                return o + 1
            if ln & 0xC0 == 0xC0:
                return o + 2
            o += ln + 1

    for _ in range(ancount):
        off = skip_name(off)
        rtype, _, _, rdlen = struct.unpack(">HHIH", resp[off:off + 10])
        off += 10
        if rtype == 1:
            answers.append(socket.inet_ntoa(resp[off:off + 4]))
        off += rdlen
    return {0: "NOERROR", 2: "SERVFAIL", 3: "NXDOMAIN", 5: "REFUSED"}.get(rcode, str(rcode)), answers


# ---------------------------------------------------------------- API client

class Api:
    def __init__(self, server, ca, cert, key):
        u = server.split("://", 1)[1]
        self.host, port = u.rsplit(":", 1)
        self.port = int(port)
        self.ctx = ssl.create_default_context(cafile=ca)
        self.ctx.load_cert_chain(cert, key)

    def conn(self, timeout=30):
        return http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=timeout)

    def call(self, method, path, body=None, ctype="application/json"):
        c = self.conn()
        try:
            headers = {"Accept": "application/json"}
            if body is not None:
                body = json.dumps(body).encode()
                headers["Content-Type"] = ctype
            c.request(method, path, body=body, headers=headers)
            r = c.getresponse()
            data = r.read()
            return r.status, (json.loads(data) if data else None)
        finally:
            c.close()

    def watch(self, path, rv, stop):
        """Yields watch events of path from resourceVersion rv until the server ends the stream."""
        c = self.conn(timeout=330)
        try:
            sep = "&" if "?" in path else "?"
            c.request("GET", f"{path}{sep}watch=1&resourceVersion={rv}&allowWatchBookmarks=true"
                      f"&timeoutSeconds={random.randint(240, 300)}", headers={"Accept": "application/json"})
            r = c.getresponse()
            if r.status != 200:
                raise RuntimeError(f"watch {path}: HTTP {r.status} {r.read()[:200]!r}")
            while not stop.is_set():
                line = r.readline()
                if not line:
                    return
                if line.strip():
                    yield json.loads(line)
        finally:
            c.close()


class Gone(Exception):
    pass


def watch_forever(api, path, on_list, on_event, stop, name):
    """List, then watch from the list's resourceVersion; relist on 410 Gone or any failure."""
    while not stop.is_set():
        try:
            status, lst = api.call("GET", path)
            if status != 200:
                raise RuntimeError(f"list {path}: HTTP {status}")
            rv = lst["metadata"]["resourceVersion"]
            on_list(lst.get("items") or [])
            while not stop.is_set():
                for ev in api.watch(path, rv, stop):
                    typ, obj = ev.get("type"), ev.get("object") or {}
                    if typ == "ERROR":
                        if obj.get("code") == 410:
                            raise Gone()
                        raise RuntimeError(f"watch {path}: {obj.get('message')}")
                    rv = obj.get("metadata", {}).get("resourceVersion", rv)
                    if typ != "BOOKMARK":
                        on_event(typ, obj)
        except Gone:
            log(f"{name}: resourceVersion too old, relisting")
        except Exception as e:  # noqa: BLE001 - any failure: back off, relist
            if stop.is_set():
                return
            log(f"{name}: {e!r}; relisting in 1 s")
            time.sleep(1)


# ---------------------------------------------------------------- DNS feeder

class Dns:
    def __init__(self, hosts, dnsmasq_pid):
        self.hosts = hosts
        self.pid = dnsmasq_pid
        self.lock = threading.Lock()
        self.services = {}   # (ns, name) -> clusterIP ("None" when headless)
        self.endpoints = {}  # (ns, name) -> [(ip, hostname)]
        self.synced = set()
        self.dirty = threading.Event()

    @staticmethod
    def key(obj):
        m = obj["metadata"]
        return m.get("namespace", ""), m["name"]

    def svc_list(self, items):
        with self.lock:
            self.services = {self.key(o): o.get("spec", {}).get("clusterIP", "") for o in items}
            self.synced.add("services")
        self.dirty.set()

    def svc_event(self, typ, o):
        with self.lock:
            if typ == "DELETED":
                self.services.pop(self.key(o), None)
            else:
                self.services[self.key(o)] = o.get("spec", {}).get("clusterIP", "")
        self.dirty.set()

    @staticmethod
    def addresses(o):
        out = []
        for sub in o.get("subsets") or []:
            for a in sub.get("addresses") or []:
                out.append((a["ip"], a.get("hostname", "")))
        return out

    def ep_list(self, items):
        with self.lock:
            self.endpoints = {self.key(o): self.addresses(o) for o in items}
            self.synced.add("endpoints")
        self.dirty.set()

    def ep_event(self, typ, o):
        with self.lock:
            if typ == "DELETED":
                self.endpoints.pop(self.key(o), None)
            else:
                self.endpoints[self.key(o)] = self.addresses(o)
        self.dirty.set()

    def render(self):
        lines = []
        with self.lock:
            for (ns, name), ip in sorted(self.services.items()):
                fqdn = f"{name}.{ns}.svc.{DOMAIN}"
                if ip and ip != "None":
                    lines.append(f"{ip} {fqdn}")
                    continue
                for addr, hostname in sorted(set(self.endpoints.get((ns, name), []))):
                    lines.append(f"{addr} {fqdn}")
                    if hostname:
                        lines.append(f"{addr} {hostname}.{fqdn}")
        return "".join(line + "\n" for line in lines)

    def writer(self, stop):
        last = None
        while not stop.is_set():
            if not self.dirty.wait(1):
                continue
            time.sleep(0.05)  # coalesce bursts of events
            self.dirty.clear()
            with self.lock:
                ready = {"services", "endpoints"} <= self.synced
            if not ready:
                continue
            text = self.render()
            if text == last:
                continue
            tmp = self.hosts + ".tmp"
            with open(tmp, "w") as f:
                f.write(text)
            os.chmod(tmp, 0o644)
            os.replace(tmp, self.hosts)
            last = text
            try:
                os.kill(self.pid, signal.SIGHUP)
            except ProcessLookupError:
                log("dnsmasq is gone")
            log(f"dns: {text.count(chr(10))} records")


# ---------------------------------------------------------------- local volumes

class Volumes:
    def __init__(self, api, pv_dir, count, size):
        self.api, self.dir, self.count, self.size = api, os.path.realpath(pv_dir), count, size
        self.recycled = {}  # PV name -> uid of the claim it was last recycled from

    def ensure(self):
        sc = {
            "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": {"name": STORAGE_CLASS,
                         "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
            "provisioner": "kubernetes.io/no-provisioner",
            "reclaimPolicy": "Retain", "volumeBindingMode": "Immediate",
        }
        st, _ = self.api.call("POST", "/apis/storage.k8s.io/v1/storageclasses", sc)
        if st not in (201, 409):
            raise RuntimeError(f"create StorageClass: HTTP {st}")
        for i in range(self.count):
            name = f"emesh-pv-{i}"
            path = os.path.join(self.dir, name)
            os.makedirs(path, exist_ok=True)
            os.chmod(path, 0o777)
            pv = {
                "apiVersion": "v1", "kind": "PersistentVolume",
                "metadata": {"name": name, "labels": {PV_LABEL: "true"}},
                "spec": {
                    "capacity": {"storage": self.size},
                    "accessModes": ["ReadWriteOnce"],
                    "persistentVolumeReclaimPolicy": "Retain",
                    "storageClassName": STORAGE_CLASS,
                    "volumeMode": "Filesystem",
                    "hostPath": {"path": path, "type": "DirectoryOrCreate"},
                },
            }
            st, _ = self.api.call("POST", "/api/v1/persistentvolumes", pv)
            if st not in (201, 409):
                raise RuntimeError(f"create PersistentVolume {name}: HTTP {st}")

    def recycle(self, pv):
        name = pv["metadata"]["name"]
        claim = (pv.get("spec") or {}).get("claimRef") or {}
        if pv.get("status", {}).get("phase") != "Released" or not claim:
            return
        if self.recycled.get(name) == claim.get("uid"):
            return  # an event from before our patch took effect
        path = os.path.realpath(pv.get("spec", {}).get("hostPath", {}).get("path", ""))
        if not path.startswith(self.dir + os.sep):
            log(f"pv {name}: {path} is not under {self.dir}; not recycling")
            return
        os.makedirs(path, exist_ok=True)
        for entry in os.scandir(path):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                try:
                    os.unlink(entry.path)
                except FileNotFoundError:
                    pass
        os.chmod(path, 0o777)
        st, _ = self.api.call("PATCH", f"/api/v1/persistentvolumes/{name}",
                              {"spec": {"claimRef": None}}, ctype="application/merge-patch+json")
        if st != 200:
            raise RuntimeError(f"pv {name}: clearing claimRef: HTTP {st}")
        self.recycled[name] = claim.get("uid")
        log(f"pv {name}: recycled (was bound to {claim.get('namespace')}/{claim.get('name')})")

    def on_list(self, items):
        for pv in items:
            self.recycle(pv)

    def on_event(self, typ, pv):
        if typ != "DELETED":
            self.recycle(pv)


def feed(argv):
    import argparse
    p = argparse.ArgumentParser(prog="kube-node-helper.py feed")
    for a in ("server", "ca", "cert", "key", "hosts", "pv-dir"):
        p.add_argument("--" + a, required=True)
    p.add_argument("--dnsmasq-pid", type=int, required=True)
    p.add_argument("--pvs", type=int, default=6)
    p.add_argument("--pv-size", default="2Gi")
    a = p.parse_args(argv)
    api = Api(a.server, a.ca, a.cert, a.key)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    vols = Volumes(api, a.pv_dir, a.pvs, a.pv_size)
    while not stop.is_set():
        try:
            vols.ensure()
            break
        except Exception as e:  # noqa: BLE001 - the API server may still be starting
            log(f"storage: {e!r}; retrying")
            time.sleep(1)

    dns = Dns(a.hosts, a.dnsmasq_pid)
    threads = [
        threading.Thread(target=dns.writer, args=(stop,), daemon=True),
        threading.Thread(target=watch_forever, daemon=True,
                         args=(api, "/api/v1/services", dns.svc_list, dns.svc_event, stop, "services")),
        threading.Thread(target=watch_forever, daemon=True,
                         args=(api, "/api/v1/endpoints", dns.ep_list, dns.ep_event, stop, "endpoints")),
        threading.Thread(target=watch_forever, daemon=True,
                         args=(api, f"/api/v1/persistentvolumes?labelSelector={PV_LABEL}%3Dtrue",
                               vols.on_list, vols.on_event, stop, "volumes")),
    ]
    for t in threads:
        t.start()
    log("feeder running")
    while not stop.is_set():
        stop.wait(1)
    log("feeder stopping")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cmd, rest = sys.argv[1], sys.argv[2:]
    if cmd == "feed":
        feed(rest)
    elif cmd == "resolve" and len(rest) in (2, 3):
        rcode, answers = resolve(*rest)
        print(rcode, *answers)
        sys.exit(0 if rcode == "NOERROR" and answers else 1)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
