"""An unmodified Eureka client (py-eureka-client from PyPI) registering with a sidecar's emulated
registry, discovering a service and calling it. Prints one line per call."""
import sys
import time
import urllib.request

import py_eureka_client.eureka_client as eureka

registry, app_port = sys.argv[1], int(sys.argv[2])
# With a 1 s heartbeat interval a beat delayed on a loaded machine can take BACK out of service for
# a moment; the client reads the registry once at start, so wait (at most 10 s) until BACK is UP.
deadline = time.monotonic() + 10
while time.monotonic() < deadline:
    request = urllib.request.Request(f"http://{registry}/eureka/apps/BACK", headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as answer:
        if '"UP"' in answer.read().decode():
            break
    time.sleep(0.2)
eureka.init(eureka_server=f"http://{registry}/eureka/", app_name="front", instance_host="127.0.0.1",
            instance_port=app_port, renewal_interval_in_secs=1)
back = eureka.get_client().applications.get_application("BACK")
instance = back.up_instances[0]
url = f"http://{instance.ipAddr}:{instance.port.port}/hello"
print(urllib.request.urlopen(url, timeout=5).read().decode())
print(eureka.do_service("BACK", "/via-client", timeout=5))
eureka.stop()
