"""An unmodified Eureka client (py-eureka-client from PyPI) registering with a sidecar's emulated
registry, discovering a service and calling it. Prints one line per call."""
import sys
import urllib.request

import py_eureka_client.eureka_client as eureka

registry, app_port = sys.argv[1], int(sys.argv[2])
eureka.init(eureka_server=f"http://{registry}/eureka/", app_name="front", instance_host="127.0.0.1",
            instance_port=app_port, renewal_interval_in_secs=1)
back = eureka.get_client().applications.get_application("BACK")
instance = back.up_instances[0]
url = f"http://{instance.ipAddr}:{instance.port.port}/hello"
print(urllib.request.urlopen(url, timeout=5).read().decode())
print(eureka.do_service("BACK", "/via-client", timeout=5))
eureka.stop()
