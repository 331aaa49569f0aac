
use builtin;
use str;

set edit:completion:arg-completer[emctl] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'emctl'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'emctl'= {
            cand -s 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]'
            cand --server 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]'
            cand --token 'Bearer token for the control plane'
            cand --context 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)'
            cand -t 'Per-request timeout (Go duration, e.g. 10s)'
            cand --timeout 'Per-request timeout (Go duration, e.g. 10s)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand apply 'Create or update resources from files, directories, URLs or stdin'
            cand create 'Create resources; fails for those that exist'
            cand get 'List resources of a kind, or show some by name'
            cand list 'List resources of a kind, or show some by name'
            cand describe 'Show one resource in detail'
            cand delete 'Delete resources by kind and name, or those in files'
            cand edit 'Edit a resource in $EDITOR and apply the result'
            cand offline 'Take service instances offline: callers stop using them until they are put online'
            cand online 'Put service instances taken offline back online'
            cand demo 'Run the whole mesh on this machine: control plane, three services with sidecars, a canary'
            cand install 'Install the mesh into a Kubernetes cluster (again: update it; nothing changes when nothing differs)'
            cand uninstall 'Remove the mesh from a Kubernetes cluster'
            cand reset 'Remove the mesh from a Kubernetes cluster'
            cand check 'Check a cluster before an install (--pre), or the installed mesh'
            cand migrate 'Move existing Deployments into the mesh (or one out again with --rollback)'
            cand api-resources 'List the resource kinds, their short names and columns'
            cand version 'Print client and control-plane versions'
            cand dashboard 'Full-screen live view of the mesh: services with golden metrics, instances, canaries, tenants and every other kind; describe, edit and delete from there'
            cand completion 'Print a shell completion script (bash, zsh, fish, powershell, elvish)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'emctl;apply'= {
            cand -f 'File, directory, http(s) URL or - for stdin; repeatable'
            cand --filename 'File, directory, http(s) URL or - for stdin; repeatable'
            cand -o 'Print only `kind/name` of each object'
            cand --output 'Print only `kind/name` of each object'
            cand -s 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]'
            cand --server 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]'
            cand --token 'Bearer token for the control plane'
            cand --context 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)'
            cand -t 'Per-request timeout (Go duration, e.g. 10s)'
            cand --timeout 'Per-request timeout (Go duration, e.g. 10s)'
            cand -R 'Also read subdirectories of directories given with -f'
            cand --recursive 'Also read subdirectories of directories given with -f'
            cand --dry-run 'Validate and show what would be sent, without changing anything'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'emctl;create'= {
            cand -f 'File, directory, http(s) URL or - for stdin; repeatable'
            cand --filename 'File, directory, http(s) URL or - for stdin; repeatable'
            cand -o 'Print only `kind/name` of each object'
            cand --output 'Print only `kind/name` of each object'
            cand -s 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]'
            cand --server 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]'
            cand --token 'Bearer token for the control plane'
            cand --context 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)'
            cand -t 'Per-request timeout (Go duration, e.g. 10s)'
            cand --timeout 'Per-request timeout (Go duration, e.g. 10s)'
            cand -R 'Also read subdirectories of directories given with -f'
            cand --recursive 'Also read subdirectories of directories given with -f'
            cand --dry-run 'Validate and show what would be sent, without changing anything'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'emctl;get'= {
            cand -o 'Output format'
            cand --output 'Output format'
            cand -l 'Label selector, e.g. `app=order,tier!=db`'
            cand --selector 'Label selector, e.g. `app=order,tier!=db`'
            cand --tenant 'serviceinstances: only those of services in this tenant'
            cand --canary 'serviceinstances: only canary instances; with a value, those whose canary label has it (`--canary=v2` or `--canary=release=v2`)'
            cand --status 'serviceinstances: only those with this status (UP, DOWN, OUT_OF_SERVICE)'
            cand -s 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]'
            cand --server 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]'
            cand --token 'Bearer token for the control plane'
            cand --context 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)'
            cand -t 'Per-request timeout (Go duration, e.g. 10s)'
            cand --timeout 'Per-request timeout (Go duration, e.g. 10s)'
            cand -w 'After listing, stream changes as they happen'
            cand --watch 'After listing, stream changes as they happen'
            cand --ignore-not-found 'Succeed when a named object does not exist'
            cand --no-headers 'Omit the header line of tables'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'emctl;list'= {
            cand -o 'Output format'
            cand --output 'Output format'
            cand -l 'Label selector, e.g. `app=order,tier!=db`'
            cand --selector 'Label selector, e.g. `app=order,tier!=db`'
            cand --tenant 'serviceinstances: only those of services in this tenant'
            cand --canary 'serviceinstances: only canary instances; with a value, those whose canary label has it (`--canary=v2` or `--canary=release=v2`)'
            cand --status 'serviceinstances: only those with this status (UP, DOWN, OUT_OF_SERVICE)'
            cand -s 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]'
            cand --server 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]'
            cand --token 'Bearer token for the control plane'
            cand --context 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)'
            cand -t 'Per-request timeout (Go duration, e.g. 10s)'
            cand --timeout 'Per-request timeout (Go duration, e.g. 10s)'
            cand -w 'After listing, stream changes as they happen'
            cand --watch 'After listing, stream changes as they happen'
            cand --ignore-not-found 'Succeed when a named object does not exist'
            cand --no-headers 'Omit the header line of tables'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'emctl;describe'= {
            cand -s 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]'
            cand --server 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]'
            cand --token 'Bearer token for the control plane'
            cand --context 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)'
            cand -t 'Per-request timeout (Go duration, e.g. 10s)'
            cand --timeout 'Per-request timeout (Go duration, e.g. 10s)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'emctl;delete'= {
            cand -f 'Delete the objects described in these locations'
            cand --filename 'Delete the objects described in these locations'
            cand -s 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]'
            cand --server 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]'
            cand --token 'Bearer token for the control plane'
            cand --context 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)'
            cand -t 'Per-request timeout (Go duration, e.g. 10s)'
            cand --timeout 'Per-request timeout (Go duration, e.g. 10s)'
            cand -R 'Also read subdirectories'
            cand --recursive 'Also read subdirectories'
            cand --ignore-not-found 'Succeed for objects that do not exist'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'emctl;edit'= {
            cand -o 'Edit as JSON instead of YAML'
            cand --output 'Edit as JSON instead of YAML'
            cand -s 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]'
            cand --server 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]'
            cand --token 'Bearer token for the control plane'
            cand --context 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)'
            cand -t 'Per-request timeout (Go duration, e.g. 10s)'
            cand --timeout 'Per-request timeout (Go duration, e.g. 10s)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'emctl;offline'= {
            cand -s 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]'
            cand --server 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]'
            cand --token 'Bearer token for the control plane'
            cand --context 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)'
            cand -t 'Per-request timeout (Go duration, e.g. 10s)'
            cand --timeout 'Per-request timeout (Go duration, e.g. 10s)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'emctl;online'= {
            cand -s 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]'
            cand --server 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]'
            cand --token 'Bearer token for the control plane'
            cand --context 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)'
            cand -t 'Per-request timeout (Go duration, e.g. 10s)'
            cand --timeout 'Per-request timeout (Go duration, e.g. 10s)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'emctl;demo'= {
            cand --listen 'Address of the demo''s control plane'
            cand --data-dir 'Keep the demo''s store here (a temporary directory otherwise)'
            cand --duration 'Stop after this long instead of waiting for Ctrl-C (Go duration)'
            cand -s 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]'
            cand --server 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]'
            cand --token 'Bearer token for the control plane'
            cand --context 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)'
            cand -t 'Per-request timeout (Go duration, e.g. 10s)'
            cand --timeout 'Per-request timeout (Go duration, e.g. 10s)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'emctl;install'= {
            cand --kubeconfig 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config]'
            cand --context 'Kubeconfig context [default: its current context]. check and migrate reach the control plane through the ~/.emctlrc context of the same name (install writes it), when there is one'
            cand --kube-context 'Kubeconfig context [default: its current context]. check and migrate reach the control plane through the ~/.emctlrc context of the same name (install writes it), when there is one'
            cand --mesh-namespace 'Namespace of the mesh''s own workloads'
            cand -f 'Install options file (camelCase keys, see `--dry-run -o yaml`); flags override it'
            cand --filename 'Install options file (camelCase keys, see `--dry-run -o yaml`); flags override it'
            cand --image 'meshd image of the control plane and the ingress controller [default: megaease/meshd:<emctl version>, built by scripts/image.sh or the Dockerfile]'
            cand --sidecar-image 'Sidecar image the webhook injects [default: megaease/meshd-sidecar:<emctl version>]'
            cand --init-image 'Init-container (agent initializer) image the webhook injects [default: none]'
            cand --image-registry-url 'Registry prefix for images without a host part [default: docker.io]'
            cand --image-pull-policy 'Always, IfNotPresent or Never'
            cand --replicas 'Control-plane replicas (the embedded store serves one)'
            cand --storage 'Control-plane storage'
            cand --storage-class 'StorageClass of the control plane''s volume [default: the cluster''s default]'
            cand --storage-size 'Size of the control plane''s volume [default: 1Gi]'
            cand --registry-type 'Registry protocol apps speak to their sidecar: eureka, consul or nacos'
            cand --heartbeat-interval 'Heartbeat interval of the sidecars (Go duration) [default: 5s]'
            cand --instance-lease 'How long an instance without heartbeats stays listed before the control plane removes it (Go duration) [default: 20m]'
            cand --webhook-url 'Injector outside the cluster, called by the API server at this https URL'
            cand --webhook-failure-policy 'Fail or Ignore: what the API server does when the injector does not answer'
            cand --webhook-tls-dir 'Directory with the webhook''s ca.crt, tls.crt and tls.key; created there when missing [default: kept in the cluster only]'
            cand --expose 'How the control plane''s API is reached from outside the cluster; with nodeport or loadbalancer, install writes an ~/.emctlrc context (named after the kubeconfig context) with the address it finds [default: none, kubectl port-forward]'
            cand --ingress-port 'Port outside traffic enters the mesh on (the MeshController''s ingressPort) [default: 19527]'
            cand --ingress-replicas 'Ingress-controller replicas [default: 1]'
            cand --ingress-expose 'How the ingress controller is reached from outside the cluster [default: nodeport]'
            cand --shadow-namespace 'Run the shadow controller for this namespace (repeat for more): the control plane gets a Role there to copy and delete Deployments, StatefulSets, ConfigMaps and Secrets, and nothing elsewhere [default: no shadows]'
            cand --control-plane-url 'Control-plane URL reachable from here: the MeshController is applied through it, and it is written to ~/.emctlrc as with --expose'
            cand -o 'Output of --dry-run'
            cand --output 'Output of --dry-run'
            cand --wait-timeout 'How long --wait waits (Go duration)'
            cand -s 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]'
            cand --server 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]'
            cand --token 'Bearer token for the control plane'
            cand -t 'Per-request timeout (Go duration, e.g. 10s)'
            cand --timeout 'Per-request timeout (Go duration, e.g. 10s)'
            cand --no-ingress-controller 'Leave the ingress controller out (and remove one an earlier install made)'
            cand --dry-run 'Print every manifest instead of applying'
            cand --wait 'Wait until the control plane and the ingress controller are ready'
            cand --keep-on-failure 'On failure, keep what this run created instead of removing it'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'emctl;uninstall'= {
            cand --kubeconfig 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config]'
            cand --context 'Kubeconfig context [default: its current context]. check and migrate reach the control plane through the ~/.emctlrc context of the same name (install writes it), when there is one'
            cand --kube-context 'Kubeconfig context [default: its current context]. check and migrate reach the control plane through the ~/.emctlrc context of the same name (install writes it), when there is one'
            cand --mesh-namespace 'Namespace of the mesh''s own workloads'
            cand -s 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]'
            cand --server 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]'
            cand --token 'Bearer token for the control plane'
            cand -t 'Per-request timeout (Go duration, e.g. 10s)'
            cand --timeout 'Per-request timeout (Go duration, e.g. 10s)'
            cand --purge 'Also remove the namespace and the control plane''s volumes (the mesh''s data)'
            cand -y 'Give the workloads `emctl migrate` moved into the mesh back as they were before it without asking'
            cand --yes 'Give the workloads `emctl migrate` moved into the mesh back as they were before it without asking'
            cand --keep-workloads 'Leave the workloads `emctl migrate` moved into the mesh as they are (with their sidecars, which will have no control plane)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'emctl;reset'= {
            cand --kubeconfig 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config]'
            cand --context 'Kubeconfig context [default: its current context]. check and migrate reach the control plane through the ~/.emctlrc context of the same name (install writes it), when there is one'
            cand --kube-context 'Kubeconfig context [default: its current context]. check and migrate reach the control plane through the ~/.emctlrc context of the same name (install writes it), when there is one'
            cand --mesh-namespace 'Namespace of the mesh''s own workloads'
            cand -s 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]'
            cand --server 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]'
            cand --token 'Bearer token for the control plane'
            cand -t 'Per-request timeout (Go duration, e.g. 10s)'
            cand --timeout 'Per-request timeout (Go duration, e.g. 10s)'
            cand --purge 'Also remove the namespace and the control plane''s volumes (the mesh''s data)'
            cand -y 'Give the workloads `emctl migrate` moved into the mesh back as they were before it without asking'
            cand --yes 'Give the workloads `emctl migrate` moved into the mesh back as they were before it without asking'
            cand --keep-workloads 'Leave the workloads `emctl migrate` moved into the mesh as they are (with their sidecars, which will have no control plane)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'emctl;check'= {
            cand --kubeconfig 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config]'
            cand --context 'Kubeconfig context [default: its current context]. check and migrate reach the control plane through the ~/.emctlrc context of the same name (install writes it), when there is one'
            cand --kube-context 'Kubeconfig context [default: its current context]. check and migrate reach the control plane through the ~/.emctlrc context of the same name (install writes it), when there is one'
            cand --mesh-namespace 'Namespace of the mesh''s own workloads'
            cand -o 'Output format'
            cand --output 'Output format'
            cand -s 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]'
            cand --server 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]'
            cand --token 'Bearer token for the control plane'
            cand -t 'Per-request timeout (Go duration, e.g. 10s)'
            cand --timeout 'Per-request timeout (Go duration, e.g. 10s)'
            cand --pre 'Checks before an install: cluster reachable, version, permissions, namespace free'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'emctl;migrate'= {
            cand --kubeconfig 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config]'
            cand --context 'Kubeconfig context [default: its current context]. check and migrate reach the control plane through the ~/.emctlrc context of the same name (install writes it), when there is one'
            cand --kube-context 'Kubeconfig context [default: its current context]. check and migrate reach the control plane through the ~/.emctlrc context of the same name (install writes it), when there is one'
            cand --mesh-namespace 'Namespace of the mesh''s own workloads'
            cand -n 'Only Deployments in this namespace [default: all namespaces]'
            cand --namespace 'Only Deployments in this namespace [default: all namespaces]'
            cand --deployment 'Deployments to migrate, as NAME or NAMESPACE/NAME (repeatable); no prompt to pick'
            cand --tenant 'Tenant of the mesh Services created for them'
            cand --rollback 'Take this Deployment (NAME or NAMESPACE/NAME) out of the mesh again'
            cand --wait-timeout 'How long to wait for the sidecar to appear in the pod template (Go duration)'
            cand -s 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]'
            cand --server 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]'
            cand --token 'Bearer token for the control plane'
            cand -t 'Per-request timeout (Go duration, e.g. 10s)'
            cand --timeout 'Per-request timeout (Go duration, e.g. 10s)'
            cand --all 'Every Deployment not in the mesh yet (in --namespace, else in every namespace but the system ones); no prompt to pick'
            cand -y 'Do not ask for confirmation'
            cand --yes 'Do not ask for confirmation'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'emctl;api-resources'= {
            cand -s 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]'
            cand --server 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]'
            cand --token 'Bearer token for the control plane'
            cand --context 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)'
            cand -t 'Per-request timeout (Go duration, e.g. 10s)'
            cand --timeout 'Per-request timeout (Go duration, e.g. 10s)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'emctl;version'= {
            cand -s 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]'
            cand --server 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]'
            cand --token 'Bearer token for the control plane'
            cand --context 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)'
            cand -t 'Per-request timeout (Go duration, e.g. 10s)'
            cand --timeout 'Per-request timeout (Go duration, e.g. 10s)'
            cand --client 'Only the client version; do not contact the control plane'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'emctl;dashboard'= {
            cand -c 'The view to start with: a kind, plural or short name'
            cand --command 'The view to start with: a kind, plural or short name'
            cand --metrics-interval 'How often to ask the control plane for the sidecars'' metrics (Go duration)'
            cand -s 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]'
            cand --server 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]'
            cand --token 'Bearer token for the control plane'
            cand --context 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)'
            cand -t 'Per-request timeout (Go duration, e.g. 10s)'
            cand --timeout 'Per-request timeout (Go duration, e.g. 10s)'
            cand --readonly 'Disable changes: edit and delete only say "read-only"'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'emctl;completion'= {
            cand -s 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]'
            cand --server 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]'
            cand --token 'Bearer token for the control plane'
            cand --context 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)'
            cand -t 'Per-request timeout (Go duration, e.g. 10s)'
            cand --timeout 'Per-request timeout (Go duration, e.g. 10s)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'emctl;help'= {
            cand apply 'Create or update resources from files, directories, URLs or stdin'
            cand create 'Create resources; fails for those that exist'
            cand get 'List resources of a kind, or show some by name'
            cand describe 'Show one resource in detail'
            cand delete 'Delete resources by kind and name, or those in files'
            cand edit 'Edit a resource in $EDITOR and apply the result'
            cand offline 'Take service instances offline: callers stop using them until they are put online'
            cand online 'Put service instances taken offline back online'
            cand demo 'Run the whole mesh on this machine: control plane, three services with sidecars, a canary'
            cand install 'Install the mesh into a Kubernetes cluster (again: update it; nothing changes when nothing differs)'
            cand uninstall 'Remove the mesh from a Kubernetes cluster'
            cand check 'Check a cluster before an install (--pre), or the installed mesh'
            cand migrate 'Move existing Deployments into the mesh (or one out again with --rollback)'
            cand api-resources 'List the resource kinds, their short names and columns'
            cand version 'Print client and control-plane versions'
            cand dashboard 'Full-screen live view of the mesh: services with golden metrics, instances, canaries, tenants and every other kind; describe, edit and delete from there'
            cand completion 'Print a shell completion script (bash, zsh, fish, powershell, elvish)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'emctl;help;apply'= {
        }
        &'emctl;help;create'= {
        }
        &'emctl;help;get'= {
        }
        &'emctl;help;describe'= {
        }
        &'emctl;help;delete'= {
        }
        &'emctl;help;edit'= {
        }
        &'emctl;help;offline'= {
        }
        &'emctl;help;online'= {
        }
        &'emctl;help;demo'= {
        }
        &'emctl;help;install'= {
        }
        &'emctl;help;uninstall'= {
        }
        &'emctl;help;check'= {
        }
        &'emctl;help;migrate'= {
        }
        &'emctl;help;api-resources'= {
        }
        &'emctl;help;version'= {
        }
        &'emctl;help;dashboard'= {
        }
        &'emctl;help;completion'= {
        }
        &'emctl;help;help'= {
        }
    ]
    $completions[$command]
}
