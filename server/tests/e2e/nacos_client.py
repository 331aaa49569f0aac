"""An unmodified Nacos 1.x client (nacos-sdk-python 2.0.11 from PyPI, HTTP API v1) registering
with a sidecar's emulated registry, beating, discovering a service and calling it."""
import sys
import urllib.request

import nacos

server, app_port = sys.argv[1], int(sys.argv[2])
client = nacos.NacosClient(server, namespace="")
print("registered", client.add_naming_instance("front", "127.0.0.1", app_port, group_name="DEFAULT_GROUP"))
print("beat", client.send_heartbeat("front", "127.0.0.1", app_port, group_name="DEFAULT_GROUP")["code"])
hosts = client.list_naming_instance("back", group_name="DEFAULT_GROUP", healthy_only=True)["hosts"]
host = hosts[0]
print(urllib.request.urlopen(f"http://{host['ip']}:{host['port']}/hello", timeout=5).read().decode())
print("removed", client.remove_naming_instance("front", "127.0.0.1", app_port, group_name="DEFAULT_GROUP"))
print("beat", client.send_heartbeat("front", "127.0.0.1", app_port, group_name="DEFAULT_GROUP")["code"])
