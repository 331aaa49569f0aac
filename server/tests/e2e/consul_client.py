"""An unmodified Consul client (py-consul from PyPI) registering with a sidecar's emulated
registry, discovering a service, calling it and making a blocking query."""
import sys
import time
import urllib.request

import consul

host, port, app_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
client = consul.Consul(host=host, port=port)
client.agent.service.register("front", service_id="front-1", address="127.0.0.1", port=app_port,
                              check=consul.Check.ttl("10s"))
client.agent.check.ttl_pass("service:front-1")
index, services = client.catalog.services()
print("services", sorted(services))
index, nodes = client.health.service("back", passing=True)
service = nodes[0]["Service"]
print(urllib.request.urlopen(f"http://{service['Address']}:{service['Port']}/hello", timeout=5).read().decode())
started = time.time()
later, _ = client.catalog.services(index=index, wait="1s")
print("blocked", round(time.time() - started) >= 1, "index", int(later) >= int(index))
client.agent.service.deregister("front-1")
_, services = client.catalog.services()
print("services", sorted(services))
