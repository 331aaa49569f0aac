# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_emctl_global_optspecs
    string join \n s/server= token= context= t/timeout= h/help V/version
end

function __fish_emctl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_emctl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_emctl_using_subcommand
    set -l cmd (__fish_emctl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c emctl -n "__fish_emctl_needs_command" -s s -l server -d 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]' -r
complete -c emctl -n "__fish_emctl_needs_command" -l token -d 'Bearer token for the control plane' -r
complete -c emctl -n "__fish_emctl_needs_command" -l context -d 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)' -r
complete -c emctl -n "__fish_emctl_needs_command" -s t -l timeout -d 'Per-request timeout (Go duration, e.g. 10s)' -r
complete -c emctl -n "__fish_emctl_needs_command" -s h -l help -d 'Print help'
complete -c emctl -n "__fish_emctl_needs_command" -s V -l version -d 'Print version'
complete -c emctl -n "__fish_emctl_needs_command" -f -a "apply" -d 'Create or update resources from files, directories, URLs or stdin'
complete -c emctl -n "__fish_emctl_needs_command" -f -a "create" -d 'Create resources; fails for those that exist'
complete -c emctl -n "__fish_emctl_needs_command" -f -a "get" -d 'List resources of a kind, or show some by name'
complete -c emctl -n "__fish_emctl_needs_command" -f -a "list" -d 'List resources of a kind, or show some by name'
complete -c emctl -n "__fish_emctl_needs_command" -f -a "describe" -d 'Show one resource in detail'
complete -c emctl -n "__fish_emctl_needs_command" -f -a "delete" -d 'Delete resources by kind and name, or those in files'
complete -c emctl -n "__fish_emctl_needs_command" -f -a "edit" -d 'Edit a resource in $EDITOR and apply the result'
complete -c emctl -n "__fish_emctl_needs_command" -f -a "offline" -d 'Take service instances offline: callers stop using them until they are put online'
complete -c emctl -n "__fish_emctl_needs_command" -f -a "online" -d 'Put service instances taken offline back online'
complete -c emctl -n "__fish_emctl_needs_command" -f -a "demo" -d 'Run the whole mesh on this machine: control plane, three services with sidecars, a canary'
complete -c emctl -n "__fish_emctl_needs_command" -f -a "install" -d 'Install the mesh into a Kubernetes cluster (again: update it; nothing changes when nothing differs)'
complete -c emctl -n "__fish_emctl_needs_command" -f -a "uninstall" -d 'Remove the mesh from a Kubernetes cluster'
complete -c emctl -n "__fish_emctl_needs_command" -f -a "reset" -d 'Remove the mesh from a Kubernetes cluster'
complete -c emctl -n "__fish_emctl_needs_command" -f -a "check" -d 'Check a cluster before an install (--pre), or the installed mesh'
complete -c emctl -n "__fish_emctl_needs_command" -f -a "migrate" -d 'Move existing Deployments into the mesh (or one out again with --rollback)'
complete -c emctl -n "__fish_emctl_needs_command" -f -a "api-resources" -d 'List the resource kinds, their short names and columns'
complete -c emctl -n "__fish_emctl_needs_command" -f -a "version" -d 'Print client and control-plane versions'
complete -c emctl -n "__fish_emctl_needs_command" -f -a "dashboard" -d 'Full-screen live view of the mesh: services with golden metrics, instances, canaries, tenants and every other kind; describe, edit and delete from there'
complete -c emctl -n "__fish_emctl_needs_command" -f -a "completion" -d 'Print a shell completion script (bash, zsh, fish, powershell, elvish)'
complete -c emctl -n "__fish_emctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c emctl -n "__fish_emctl_using_subcommand apply" -s f -l filename -d 'File, directory, http(s) URL or - for stdin; repeatable' -r
complete -c emctl -n "__fish_emctl_using_subcommand apply" -s o -l output -d 'Print only `kind/name` of each object' -r -f -a "name\t'`kind/name` per object'"
complete -c emctl -n "__fish_emctl_using_subcommand apply" -s s -l server -d 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]' -r
complete -c emctl -n "__fish_emctl_using_subcommand apply" -l token -d 'Bearer token for the control plane' -r
complete -c emctl -n "__fish_emctl_using_subcommand apply" -l context -d 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)' -r
complete -c emctl -n "__fish_emctl_using_subcommand apply" -s t -l timeout -d 'Per-request timeout (Go duration, e.g. 10s)' -r
complete -c emctl -n "__fish_emctl_using_subcommand apply" -s R -l recursive -d 'Also read subdirectories of directories given with -f'
complete -c emctl -n "__fish_emctl_using_subcommand apply" -l dry-run -d 'Validate and show what would be sent, without changing anything'
complete -c emctl -n "__fish_emctl_using_subcommand apply" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c emctl -n "__fish_emctl_using_subcommand apply" -s V -l version -d 'Print version'
complete -c emctl -n "__fish_emctl_using_subcommand create" -s f -l filename -d 'File, directory, http(s) URL or - for stdin; repeatable' -r
complete -c emctl -n "__fish_emctl_using_subcommand create" -s o -l output -d 'Print only `kind/name` of each object' -r -f -a "name\t'`kind/name` per object'"
complete -c emctl -n "__fish_emctl_using_subcommand create" -s s -l server -d 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]' -r
complete -c emctl -n "__fish_emctl_using_subcommand create" -l token -d 'Bearer token for the control plane' -r
complete -c emctl -n "__fish_emctl_using_subcommand create" -l context -d 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)' -r
complete -c emctl -n "__fish_emctl_using_subcommand create" -s t -l timeout -d 'Per-request timeout (Go duration, e.g. 10s)' -r
complete -c emctl -n "__fish_emctl_using_subcommand create" -s R -l recursive -d 'Also read subdirectories of directories given with -f'
complete -c emctl -n "__fish_emctl_using_subcommand create" -l dry-run -d 'Validate and show what would be sent, without changing anything'
complete -c emctl -n "__fish_emctl_using_subcommand create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c emctl -n "__fish_emctl_using_subcommand create" -s V -l version -d 'Print version'
complete -c emctl -n "__fish_emctl_using_subcommand get" -s o -l output -d 'Output format' -r -f -a "table\t'Aligned columns'
wide\t'Columns plus the wide ones and labels'
yaml\t'YAML (a List for several objects); re-appliable'
json\t'JSON (a List for several objects); re-appliable'
name\t'`kind/name` per object'"
complete -c emctl -n "__fish_emctl_using_subcommand get" -s l -l selector -d 'Label selector, e.g. `app=order,tier!=db`' -r
complete -c emctl -n "__fish_emctl_using_subcommand get" -l tenant -d 'serviceinstances: only those of services in this tenant' -r
complete -c emctl -n "__fish_emctl_using_subcommand get" -l canary -d 'serviceinstances: only canary instances; with a value, those whose canary label has it (`--canary=v2` or `--canary=release=v2`)' -r
complete -c emctl -n "__fish_emctl_using_subcommand get" -l status -d 'serviceinstances: only those with this status (UP, DOWN, OUT_OF_SERVICE)' -r
complete -c emctl -n "__fish_emctl_using_subcommand get" -s s -l server -d 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]' -r
complete -c emctl -n "__fish_emctl_using_subcommand get" -l token -d 'Bearer token for the control plane' -r
complete -c emctl -n "__fish_emctl_using_subcommand get" -l context -d 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)' -r
complete -c emctl -n "__fish_emctl_using_subcommand get" -s t -l timeout -d 'Per-request timeout (Go duration, e.g. 10s)' -r
complete -c emctl -n "__fish_emctl_using_subcommand get" -s w -l watch -d 'After listing, stream changes as they happen'
complete -c emctl -n "__fish_emctl_using_subcommand get" -l ignore-not-found -d 'Succeed when a named object does not exist'
complete -c emctl -n "__fish_emctl_using_subcommand get" -l no-headers -d 'Omit the header line of tables'
complete -c emctl -n "__fish_emctl_using_subcommand get" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c emctl -n "__fish_emctl_using_subcommand get" -s V -l version -d 'Print version'
complete -c emctl -n "__fish_emctl_using_subcommand list" -s o -l output -d 'Output format' -r -f -a "table\t'Aligned columns'
wide\t'Columns plus the wide ones and labels'
yaml\t'YAML (a List for several objects); re-appliable'
json\t'JSON (a List for several objects); re-appliable'
name\t'`kind/name` per object'"
complete -c emctl -n "__fish_emctl_using_subcommand list" -s l -l selector -d 'Label selector, e.g. `app=order,tier!=db`' -r
complete -c emctl -n "__fish_emctl_using_subcommand list" -l tenant -d 'serviceinstances: only those of services in this tenant' -r
complete -c emctl -n "__fish_emctl_using_subcommand list" -l canary -d 'serviceinstances: only canary instances; with a value, those whose canary label has it (`--canary=v2` or `--canary=release=v2`)' -r
complete -c emctl -n "__fish_emctl_using_subcommand list" -l status -d 'serviceinstances: only those with this status (UP, DOWN, OUT_OF_SERVICE)' -r
complete -c emctl -n "__fish_emctl_using_subcommand list" -s s -l server -d 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]' -r
complete -c emctl -n "__fish_emctl_using_subcommand list" -l token -d 'Bearer token for the control plane' -r
complete -c emctl -n "__fish_emctl_using_subcommand list" -l context -d 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)' -r
complete -c emctl -n "__fish_emctl_using_subcommand list" -s t -l timeout -d 'Per-request timeout (Go duration, e.g. 10s)' -r
complete -c emctl -n "__fish_emctl_using_subcommand list" -s w -l watch -d 'After listing, stream changes as they happen'
complete -c emctl -n "__fish_emctl_using_subcommand list" -l ignore-not-found -d 'Succeed when a named object does not exist'
complete -c emctl -n "__fish_emctl_using_subcommand list" -l no-headers -d 'Omit the header line of tables'
complete -c emctl -n "__fish_emctl_using_subcommand list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c emctl -n "__fish_emctl_using_subcommand list" -s V -l version -d 'Print version'
complete -c emctl -n "__fish_emctl_using_subcommand describe" -s s -l server -d 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]' -r
complete -c emctl -n "__fish_emctl_using_subcommand describe" -l token -d 'Bearer token for the control plane' -r
complete -c emctl -n "__fish_emctl_using_subcommand describe" -l context -d 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)' -r
complete -c emctl -n "__fish_emctl_using_subcommand describe" -s t -l timeout -d 'Per-request timeout (Go duration, e.g. 10s)' -r
complete -c emctl -n "__fish_emctl_using_subcommand describe" -s h -l help -d 'Print help'
complete -c emctl -n "__fish_emctl_using_subcommand describe" -s V -l version -d 'Print version'
complete -c emctl -n "__fish_emctl_using_subcommand delete" -s f -l filename -d 'Delete the objects described in these locations' -r
complete -c emctl -n "__fish_emctl_using_subcommand delete" -s s -l server -d 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]' -r
complete -c emctl -n "__fish_emctl_using_subcommand delete" -l token -d 'Bearer token for the control plane' -r
complete -c emctl -n "__fish_emctl_using_subcommand delete" -l context -d 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)' -r
complete -c emctl -n "__fish_emctl_using_subcommand delete" -s t -l timeout -d 'Per-request timeout (Go duration, e.g. 10s)' -r
complete -c emctl -n "__fish_emctl_using_subcommand delete" -s R -l recursive -d 'Also read subdirectories'
complete -c emctl -n "__fish_emctl_using_subcommand delete" -l ignore-not-found -d 'Succeed for objects that do not exist'
complete -c emctl -n "__fish_emctl_using_subcommand delete" -s h -l help -d 'Print help'
complete -c emctl -n "__fish_emctl_using_subcommand delete" -s V -l version -d 'Print version'
complete -c emctl -n "__fish_emctl_using_subcommand edit" -s o -l output -d 'Edit as JSON instead of YAML' -r -f -a "yaml\t'YAML'
json\t'JSON'"
complete -c emctl -n "__fish_emctl_using_subcommand edit" -s s -l server -d 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]' -r
complete -c emctl -n "__fish_emctl_using_subcommand edit" -l token -d 'Bearer token for the control plane' -r
complete -c emctl -n "__fish_emctl_using_subcommand edit" -l context -d 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)' -r
complete -c emctl -n "__fish_emctl_using_subcommand edit" -s t -l timeout -d 'Per-request timeout (Go duration, e.g. 10s)' -r
complete -c emctl -n "__fish_emctl_using_subcommand edit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c emctl -n "__fish_emctl_using_subcommand edit" -s V -l version -d 'Print version'
complete -c emctl -n "__fish_emctl_using_subcommand offline" -s s -l server -d 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]' -r
complete -c emctl -n "__fish_emctl_using_subcommand offline" -l token -d 'Bearer token for the control plane' -r
complete -c emctl -n "__fish_emctl_using_subcommand offline" -l context -d 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)' -r
complete -c emctl -n "__fish_emctl_using_subcommand offline" -s t -l timeout -d 'Per-request timeout (Go duration, e.g. 10s)' -r
complete -c emctl -n "__fish_emctl_using_subcommand offline" -s h -l help -d 'Print help'
complete -c emctl -n "__fish_emctl_using_subcommand offline" -s V -l version -d 'Print version'
complete -c emctl -n "__fish_emctl_using_subcommand online" -s s -l server -d 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]' -r
complete -c emctl -n "__fish_emctl_using_subcommand online" -l token -d 'Bearer token for the control plane' -r
complete -c emctl -n "__fish_emctl_using_subcommand online" -l context -d 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)' -r
complete -c emctl -n "__fish_emctl_using_subcommand online" -s t -l timeout -d 'Per-request timeout (Go duration, e.g. 10s)' -r
complete -c emctl -n "__fish_emctl_using_subcommand online" -s h -l help -d 'Print help'
complete -c emctl -n "__fish_emctl_using_subcommand online" -s V -l version -d 'Print version'
complete -c emctl -n "__fish_emctl_using_subcommand demo" -l listen -d 'Address of the demo\'s control plane' -r
complete -c emctl -n "__fish_emctl_using_subcommand demo" -l data-dir -d 'Keep the demo\'s store here (a temporary directory otherwise)' -r -F
complete -c emctl -n "__fish_emctl_using_subcommand demo" -l duration -d 'Stop after this long instead of waiting for Ctrl-C (Go duration)' -r
complete -c emctl -n "__fish_emctl_using_subcommand demo" -s s -l server -d 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]' -r
complete -c emctl -n "__fish_emctl_using_subcommand demo" -l token -d 'Bearer token for the control plane' -r
complete -c emctl -n "__fish_emctl_using_subcommand demo" -l context -d 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)' -r
complete -c emctl -n "__fish_emctl_using_subcommand demo" -s t -l timeout -d 'Per-request timeout (Go duration, e.g. 10s)' -r
complete -c emctl -n "__fish_emctl_using_subcommand demo" -s h -l help -d 'Print help'
complete -c emctl -n "__fish_emctl_using_subcommand demo" -s V -l version -d 'Print version'
complete -c emctl -n "__fish_emctl_using_subcommand install" -l kubeconfig -d 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config]' -r -F
complete -c emctl -n "__fish_emctl_using_subcommand install" -l context -l kube-context -d 'Kubeconfig context [default: its current context]. check and migrate reach the control plane through the ~/.emctlrc context of the same name (install writes it), when there is one' -r
complete -c emctl -n "__fish_emctl_using_subcommand install" -l mesh-namespace -d 'Namespace of the mesh\'s own workloads' -r
complete -c emctl -n "__fish_emctl_using_subcommand install" -s f -l filename -d 'Install options file (camelCase keys, see `--dry-run -o yaml`); flags override it' -r -F
complete -c emctl -n "__fish_emctl_using_subcommand install" -l image -d 'meshd image of the control plane and the ingress controller [default: megaease/meshd:<emctl version>, built by scripts/image.sh or the Dockerfile]' -r
complete -c emctl -n "__fish_emctl_using_subcommand install" -l sidecar-image -d 'Sidecar image the webhook injects [default: megaease/meshd-sidecar:<emctl version>]' -r
complete -c emctl -n "__fish_emctl_using_subcommand install" -l init-image -d 'Init-container (agent initializer) image the webhook injects [default: none]' -r
complete -c emctl -n "__fish_emctl_using_subcommand install" -l image-registry-url -d 'Registry prefix for images without a host part [default: docker.io]' -r
complete -c emctl -n "__fish_emctl_using_subcommand install" -l image-pull-policy -d 'Always, IfNotPresent or Never' -r
complete -c emctl -n "__fish_emctl_using_subcommand install" -l replicas -d 'Control-plane replicas (the embedded store serves one)' -r
complete -c emctl -n "__fish_emctl_using_subcommand install" -l storage -d 'Control-plane storage' -r -f -a "pvc\t'A PersistentVolumeClaim per replica'
empty-dir\t'An emptyDir: the store is lost with the pod (development only)'"
complete -c emctl -n "__fish_emctl_using_subcommand install" -l storage-class -d 'StorageClass of the control plane\'s volume [default: the cluster\'s default]' -r
complete -c emctl -n "__fish_emctl_using_subcommand install" -l storage-size -d 'Size of the control plane\'s volume [default: 1Gi]' -r
complete -c emctl -n "__fish_emctl_using_subcommand install" -l registry-type -d 'Registry protocol apps speak to their sidecar: eureka, consul or nacos' -r
complete -c emctl -n "__fish_emctl_using_subcommand install" -l heartbeat-interval -d 'Heartbeat interval of the sidecars (Go duration) [default: 5s]' -r
complete -c emctl -n "__fish_emctl_using_subcommand install" -l instance-lease -d 'How long an instance without heartbeats stays listed before the control plane removes it (Go duration) [default: 20m]' -r
complete -c emctl -n "__fish_emctl_using_subcommand install" -l webhook-url -d 'Injector outside the cluster, called by the API server at this https URL' -r
complete -c emctl -n "__fish_emctl_using_subcommand install" -l webhook-failure-policy -d 'Fail or Ignore: what the API server does when the injector does not answer' -r
complete -c emctl -n "__fish_emctl_using_subcommand install" -l webhook-tls-dir -d 'Directory with the webhook\'s ca.crt, tls.crt and tls.key; created there when missing [default: kept in the cluster only]' -r -F
complete -c emctl -n "__fish_emctl_using_subcommand install" -l expose -d 'How the control plane\'s API is reached from outside the cluster; with nodeport or loadbalancer, install writes an ~/.emctlrc context (named after the kubeconfig context) with the address it finds [default: none, kubectl port-forward]' -r -f -a "none\t'Only inside the cluster'
nodeport\t'A NodePort Service: a node\'s address and the port Kubernetes picks'
loadbalancer\t'A LoadBalancer Service: the address the load balancer assigns'"
complete -c emctl -n "__fish_emctl_using_subcommand install" -l ingress-port -d 'Port outside traffic enters the mesh on (the MeshController\'s ingressPort) [default: 19527]' -r
complete -c emctl -n "__fish_emctl_using_subcommand install" -l ingress-replicas -d 'Ingress-controller replicas [default: 1]' -r
complete -c emctl -n "__fish_emctl_using_subcommand install" -l ingress-expose -d 'How the ingress controller is reached from outside the cluster [default: nodeport]' -r -f -a "none\t'Only inside the cluster'
nodeport\t'A NodePort Service: a node\'s address and the port Kubernetes picks'
loadbalancer\t'A LoadBalancer Service: the address the load balancer assigns'"
complete -c emctl -n "__fish_emctl_using_subcommand install" -l shadow-namespace -d 'Run the shadow controller for this namespace (repeat for more): the control plane gets a Role there to copy and delete Deployments, StatefulSets, ConfigMaps and Secrets, and nothing elsewhere [default: no shadows]' -r
complete -c emctl -n "__fish_emctl_using_subcommand install" -l control-plane-url -d 'Control-plane URL reachable from here: the MeshController is applied through it, and it is written to ~/.emctlrc as with --expose' -r
complete -c emctl -n "__fish_emctl_using_subcommand install" -s o -l output -d 'Output of --dry-run' -r -f -a "yaml\t'YAML documents'
json\t'A JSON `List`'"
complete -c emctl -n "__fish_emctl_using_subcommand install" -l wait-timeout -d 'How long --wait waits (Go duration)' -r
complete -c emctl -n "__fish_emctl_using_subcommand install" -s s -l server -d 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]' -r
complete -c emctl -n "__fish_emctl_using_subcommand install" -l token -d 'Bearer token for the control plane' -r
complete -c emctl -n "__fish_emctl_using_subcommand install" -s t -l timeout -d 'Per-request timeout (Go duration, e.g. 10s)' -r
complete -c emctl -n "__fish_emctl_using_subcommand install" -l no-ingress-controller -d 'Leave the ingress controller out (and remove one an earlier install made)'
complete -c emctl -n "__fish_emctl_using_subcommand install" -l dry-run -d 'Print every manifest instead of applying'
complete -c emctl -n "__fish_emctl_using_subcommand install" -l wait -d 'Wait until the control plane and the ingress controller are ready'
complete -c emctl -n "__fish_emctl_using_subcommand install" -l keep-on-failure -d 'On failure, keep what this run created instead of removing it'
complete -c emctl -n "__fish_emctl_using_subcommand install" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c emctl -n "__fish_emctl_using_subcommand install" -s V -l version -d 'Print version'
complete -c emctl -n "__fish_emctl_using_subcommand uninstall" -l kubeconfig -d 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config]' -r -F
complete -c emctl -n "__fish_emctl_using_subcommand uninstall" -l context -l kube-context -d 'Kubeconfig context [default: its current context]. check and migrate reach the control plane through the ~/.emctlrc context of the same name (install writes it), when there is one' -r
complete -c emctl -n "__fish_emctl_using_subcommand uninstall" -l mesh-namespace -d 'Namespace of the mesh\'s own workloads' -r
complete -c emctl -n "__fish_emctl_using_subcommand uninstall" -s s -l server -d 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]' -r
complete -c emctl -n "__fish_emctl_using_subcommand uninstall" -l token -d 'Bearer token for the control plane' -r
complete -c emctl -n "__fish_emctl_using_subcommand uninstall" -s t -l timeout -d 'Per-request timeout (Go duration, e.g. 10s)' -r
complete -c emctl -n "__fish_emctl_using_subcommand uninstall" -l purge -d 'Also remove the namespace and the control plane\'s volumes (the mesh\'s data)'
complete -c emctl -n "__fish_emctl_using_subcommand uninstall" -s y -l yes -d 'Give the workloads `emctl migrate` moved into the mesh back as they were before it without asking'
complete -c emctl -n "__fish_emctl_using_subcommand uninstall" -l keep-workloads -d 'Leave the workloads `emctl migrate` moved into the mesh as they are (with their sidecars, which will have no control plane)'
complete -c emctl -n "__fish_emctl_using_subcommand uninstall" -s h -l help -d 'Print help'
complete -c emctl -n "__fish_emctl_using_subcommand uninstall" -s V -l version -d 'Print version'
complete -c emctl -n "__fish_emctl_using_subcommand reset" -l kubeconfig -d 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config]' -r -F
complete -c emctl -n "__fish_emctl_using_subcommand reset" -l context -l kube-context -d 'Kubeconfig context [default: its current context]. check and migrate reach the control plane through the ~/.emctlrc context of the same name (install writes it), when there is one' -r
complete -c emctl -n "__fish_emctl_using_subcommand reset" -l mesh-namespace -d 'Namespace of the mesh\'s own workloads' -r
complete -c emctl -n "__fish_emctl_using_subcommand reset" -s s -l server -d 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]' -r
complete -c emctl -n "__fish_emctl_using_subcommand reset" -l token -d 'Bearer token for the control plane' -r
complete -c emctl -n "__fish_emctl_using_subcommand reset" -s t -l timeout -d 'Per-request timeout (Go duration, e.g. 10s)' -r
complete -c emctl -n "__fish_emctl_using_subcommand reset" -l purge -d 'Also remove the namespace and the control plane\'s volumes (the mesh\'s data)'
complete -c emctl -n "__fish_emctl_using_subcommand reset" -s y -l yes -d 'Give the workloads `emctl migrate` moved into the mesh back as they were before it without asking'
complete -c emctl -n "__fish_emctl_using_subcommand reset" -l keep-workloads -d 'Leave the workloads `emctl migrate` moved into the mesh as they are (with their sidecars, which will have no control plane)'
complete -c emctl -n "__fish_emctl_using_subcommand reset" -s h -l help -d 'Print help'
complete -c emctl -n "__fish_emctl_using_subcommand reset" -s V -l version -d 'Print version'
complete -c emctl -n "__fish_emctl_using_subcommand check" -l kubeconfig -d 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config]' -r -F
complete -c emctl -n "__fish_emctl_using_subcommand check" -l context -l kube-context -d 'Kubeconfig context [default: its current context]. check and migrate reach the control plane through the ~/.emctlrc context of the same name (install writes it), when there is one' -r
complete -c emctl -n "__fish_emctl_using_subcommand check" -l mesh-namespace -d 'Namespace of the mesh\'s own workloads' -r
complete -c emctl -n "__fish_emctl_using_subcommand check" -s o -l output -d 'Output format' -r -f -a "text\t'One line per check'
json\t'A JSON array'"
complete -c emctl -n "__fish_emctl_using_subcommand check" -s s -l server -d 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]' -r
complete -c emctl -n "__fish_emctl_using_subcommand check" -l token -d 'Bearer token for the control plane' -r
complete -c emctl -n "__fish_emctl_using_subcommand check" -s t -l timeout -d 'Per-request timeout (Go duration, e.g. 10s)' -r
complete -c emctl -n "__fish_emctl_using_subcommand check" -l pre -d 'Checks before an install: cluster reachable, version, permissions, namespace free'
complete -c emctl -n "__fish_emctl_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c emctl -n "__fish_emctl_using_subcommand check" -s V -l version -d 'Print version'
complete -c emctl -n "__fish_emctl_using_subcommand migrate" -l kubeconfig -d 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config]' -r -F
complete -c emctl -n "__fish_emctl_using_subcommand migrate" -l context -l kube-context -d 'Kubeconfig context [default: its current context]. check and migrate reach the control plane through the ~/.emctlrc context of the same name (install writes it), when there is one' -r
complete -c emctl -n "__fish_emctl_using_subcommand migrate" -l mesh-namespace -d 'Namespace of the mesh\'s own workloads' -r
complete -c emctl -n "__fish_emctl_using_subcommand migrate" -s n -l namespace -d 'Only Deployments in this namespace [default: all namespaces]' -r
complete -c emctl -n "__fish_emctl_using_subcommand migrate" -l deployment -d 'Deployments to migrate, as NAME or NAMESPACE/NAME (repeatable); no prompt to pick' -r
complete -c emctl -n "__fish_emctl_using_subcommand migrate" -l tenant -d 'Tenant of the mesh Services created for them' -r
complete -c emctl -n "__fish_emctl_using_subcommand migrate" -l rollback -d 'Take this Deployment (NAME or NAMESPACE/NAME) out of the mesh again' -r
complete -c emctl -n "__fish_emctl_using_subcommand migrate" -l wait-timeout -d 'How long to wait for the sidecar to appear in the pod template (Go duration)' -r
complete -c emctl -n "__fish_emctl_using_subcommand migrate" -s s -l server -d 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]' -r
complete -c emctl -n "__fish_emctl_using_subcommand migrate" -l token -d 'Bearer token for the control plane' -r
complete -c emctl -n "__fish_emctl_using_subcommand migrate" -s t -l timeout -d 'Per-request timeout (Go duration, e.g. 10s)' -r
complete -c emctl -n "__fish_emctl_using_subcommand migrate" -l all -d 'Every Deployment not in the mesh yet (in --namespace, else in every namespace but the system ones); no prompt to pick'
complete -c emctl -n "__fish_emctl_using_subcommand migrate" -s y -l yes -d 'Do not ask for confirmation'
complete -c emctl -n "__fish_emctl_using_subcommand migrate" -s h -l help -d 'Print help'
complete -c emctl -n "__fish_emctl_using_subcommand migrate" -s V -l version -d 'Print version'
complete -c emctl -n "__fish_emctl_using_subcommand api-resources" -s s -l server -d 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]' -r
complete -c emctl -n "__fish_emctl_using_subcommand api-resources" -l token -d 'Bearer token for the control plane' -r
complete -c emctl -n "__fish_emctl_using_subcommand api-resources" -l context -d 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)' -r
complete -c emctl -n "__fish_emctl_using_subcommand api-resources" -s t -l timeout -d 'Per-request timeout (Go duration, e.g. 10s)' -r
complete -c emctl -n "__fish_emctl_using_subcommand api-resources" -s h -l help -d 'Print help'
complete -c emctl -n "__fish_emctl_using_subcommand api-resources" -s V -l version -d 'Print version'
complete -c emctl -n "__fish_emctl_using_subcommand version" -s s -l server -d 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]' -r
complete -c emctl -n "__fish_emctl_using_subcommand version" -l token -d 'Bearer token for the control plane' -r
complete -c emctl -n "__fish_emctl_using_subcommand version" -l context -d 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)' -r
complete -c emctl -n "__fish_emctl_using_subcommand version" -s t -l timeout -d 'Per-request timeout (Go duration, e.g. 10s)' -r
complete -c emctl -n "__fish_emctl_using_subcommand version" -l client -d 'Only the client version; do not contact the control plane'
complete -c emctl -n "__fish_emctl_using_subcommand version" -s h -l help -d 'Print help'
complete -c emctl -n "__fish_emctl_using_subcommand version" -s V -l version -d 'Print version'
complete -c emctl -n "__fish_emctl_using_subcommand dashboard" -s c -l command -d 'The view to start with: a kind, plural or short name' -r
complete -c emctl -n "__fish_emctl_using_subcommand dashboard" -l metrics-interval -d 'How often to ask the control plane for the sidecars\' metrics (Go duration)' -r
complete -c emctl -n "__fish_emctl_using_subcommand dashboard" -s s -l server -d 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]' -r
complete -c emctl -n "__fish_emctl_using_subcommand dashboard" -l token -d 'Bearer token for the control plane' -r
complete -c emctl -n "__fish_emctl_using_subcommand dashboard" -l context -d 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)' -r
complete -c emctl -n "__fish_emctl_using_subcommand dashboard" -s t -l timeout -d 'Per-request timeout (Go duration, e.g. 10s)' -r
complete -c emctl -n "__fish_emctl_using_subcommand dashboard" -l readonly -d 'Disable changes: edit and delete only say "read-only"'
complete -c emctl -n "__fish_emctl_using_subcommand dashboard" -s h -l help -d 'Print help'
complete -c emctl -n "__fish_emctl_using_subcommand dashboard" -s V -l version -d 'Print version'
complete -c emctl -n "__fish_emctl_using_subcommand completion" -s s -l server -d 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]' -r
complete -c emctl -n "__fish_emctl_using_subcommand completion" -l token -d 'Bearer token for the control plane' -r
complete -c emctl -n "__fish_emctl_using_subcommand completion" -l context -d 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)' -r
complete -c emctl -n "__fish_emctl_using_subcommand completion" -s t -l timeout -d 'Per-request timeout (Go duration, e.g. 10s)' -r
complete -c emctl -n "__fish_emctl_using_subcommand completion" -s h -l help -d 'Print help'
complete -c emctl -n "__fish_emctl_using_subcommand completion" -s V -l version -d 'Print version'
complete -c emctl -n "__fish_emctl_using_subcommand help; and not __fish_seen_subcommand_from apply create get describe delete edit offline online demo install uninstall check migrate api-resources version dashboard completion help" -f -a "apply" -d 'Create or update resources from files, directories, URLs or stdin'
complete -c emctl -n "__fish_emctl_using_subcommand help; and not __fish_seen_subcommand_from apply create get describe delete edit offline online demo install uninstall check migrate api-resources version dashboard completion help" -f -a "create" -d 'Create resources; fails for those that exist'
complete -c emctl -n "__fish_emctl_using_subcommand help; and not __fish_seen_subcommand_from apply create get describe delete edit offline online demo install uninstall check migrate api-resources version dashboard completion help" -f -a "get" -d 'List resources of a kind, or show some by name'
complete -c emctl -n "__fish_emctl_using_subcommand help; and not __fish_seen_subcommand_from apply create get describe delete edit offline online demo install uninstall check migrate api-resources version dashboard completion help" -f -a "describe" -d 'Show one resource in detail'
complete -c emctl -n "__fish_emctl_using_subcommand help; and not __fish_seen_subcommand_from apply create get describe delete edit offline online demo install uninstall check migrate api-resources version dashboard completion help" -f -a "delete" -d 'Delete resources by kind and name, or those in files'
complete -c emctl -n "__fish_emctl_using_subcommand help; and not __fish_seen_subcommand_from apply create get describe delete edit offline online demo install uninstall check migrate api-resources version dashboard completion help" -f -a "edit" -d 'Edit a resource in $EDITOR and apply the result'
complete -c emctl -n "__fish_emctl_using_subcommand help; and not __fish_seen_subcommand_from apply create get describe delete edit offline online demo install uninstall check migrate api-resources version dashboard completion help" -f -a "offline" -d 'Take service instances offline: callers stop using them until they are put online'
complete -c emctl -n "__fish_emctl_using_subcommand help; and not __fish_seen_subcommand_from apply create get describe delete edit offline online demo install uninstall check migrate api-resources version dashboard completion help" -f -a "online" -d 'Put service instances taken offline back online'
complete -c emctl -n "__fish_emctl_using_subcommand help; and not __fish_seen_subcommand_from apply create get describe delete edit offline online demo install uninstall check migrate api-resources version dashboard completion help" -f -a "demo" -d 'Run the whole mesh on this machine: control plane, three services with sidecars, a canary'
complete -c emctl -n "__fish_emctl_using_subcommand help; and not __fish_seen_subcommand_from apply create get describe delete edit offline online demo install uninstall check migrate api-resources version dashboard completion help" -f -a "install" -d 'Install the mesh into a Kubernetes cluster (again: update it; nothing changes when nothing differs)'
complete -c emctl -n "__fish_emctl_using_subcommand help; and not __fish_seen_subcommand_from apply create get describe delete edit offline online demo install uninstall check migrate api-resources version dashboard completion help" -f -a "uninstall" -d 'Remove the mesh from a Kubernetes cluster'
complete -c emctl -n "__fish_emctl_using_subcommand help; and not __fish_seen_subcommand_from apply create get describe delete edit offline online demo install uninstall check migrate api-resources version dashboard completion help" -f -a "check" -d 'Check a cluster before an install (--pre), or the installed mesh'
complete -c emctl -n "__fish_emctl_using_subcommand help; and not __fish_seen_subcommand_from apply create get describe delete edit offline online demo install uninstall check migrate api-resources version dashboard completion help" -f -a "migrate" -d 'Move existing Deployments into the mesh (or one out again with --rollback)'
complete -c emctl -n "__fish_emctl_using_subcommand help; and not __fish_seen_subcommand_from apply create get describe delete edit offline online demo install uninstall check migrate api-resources version dashboard completion help" -f -a "api-resources" -d 'List the resource kinds, their short names and columns'
complete -c emctl -n "__fish_emctl_using_subcommand help; and not __fish_seen_subcommand_from apply create get describe delete edit offline online demo install uninstall check migrate api-resources version dashboard completion help" -f -a "version" -d 'Print client and control-plane versions'
complete -c emctl -n "__fish_emctl_using_subcommand help; and not __fish_seen_subcommand_from apply create get describe delete edit offline online demo install uninstall check migrate api-resources version dashboard completion help" -f -a "dashboard" -d 'Full-screen live view of the mesh: services with golden metrics, instances, canaries, tenants and every other kind; describe, edit and delete from there'
complete -c emctl -n "__fish_emctl_using_subcommand help; and not __fish_seen_subcommand_from apply create get describe delete edit offline online demo install uninstall check migrate api-resources version dashboard completion help" -f -a "completion" -d 'Print a shell completion script (bash, zsh, fish, powershell, elvish)'
complete -c emctl -n "__fish_emctl_using_subcommand help; and not __fish_seen_subcommand_from apply create get describe delete edit offline online demo install uninstall check migrate api-resources version dashboard completion help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
