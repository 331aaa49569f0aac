
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'emctl' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'emctl'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'emctl' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for the control plane')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Per-request timeout (Go duration, e.g. 10s)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout (Go duration, e.g. 10s)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Create or update resources from files, directories, URLs or stdin')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create resources; fails for those that exist')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'List resources of a kind, or show some by name')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List resources of a kind, or show some by name')
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Show one resource in detail')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete resources by kind and name, or those in files')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Edit a resource in $EDITOR and apply the result')
            [CompletionResult]::new('offline', 'offline', [CompletionResultType]::ParameterValue, 'Take service instances offline: callers stop using them until they are put online')
            [CompletionResult]::new('online', 'online', [CompletionResultType]::ParameterValue, 'Put service instances taken offline back online')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Run the whole mesh on this machine: control plane, three services with sidecars, a canary')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Install the mesh into a Kubernetes cluster (again: update it; nothing changes when nothing differs)')
            [CompletionResult]::new('uninstall', 'uninstall', [CompletionResultType]::ParameterValue, 'Remove the mesh from a Kubernetes cluster')
            [CompletionResult]::new('reset', 'reset', [CompletionResultType]::ParameterValue, 'Remove the mesh from a Kubernetes cluster')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check a cluster before an install (--pre), or the installed mesh')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Move existing Deployments into the mesh (or one out again with --rollback)')
            [CompletionResult]::new('api-resources', 'api-resources', [CompletionResultType]::ParameterValue, 'List the resource kinds, their short names and columns')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Print client and control-plane versions')
            [CompletionResult]::new('dashboard', 'dashboard', [CompletionResultType]::ParameterValue, 'Full-screen live view of the mesh: services with golden metrics, instances, canaries, tenants and every other kind; describe, edit and delete from there')
            [CompletionResult]::new('completion', 'completion', [CompletionResultType]::ParameterValue, 'Print a shell completion script (bash, zsh, fish, powershell, elvish)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'emctl;apply' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'File, directory, http(s) URL or - for stdin; repeatable')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'File, directory, http(s) URL or - for stdin; repeatable')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Print only `kind/name` of each object')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Print only `kind/name` of each object')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for the control plane')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Per-request timeout (Go duration, e.g. 10s)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout (Go duration, e.g. 10s)')
            [CompletionResult]::new('-R', '-R ', [CompletionResultType]::ParameterName, 'Also read subdirectories of directories given with -f')
            [CompletionResult]::new('--recursive', '--recursive', [CompletionResultType]::ParameterName, 'Also read subdirectories of directories given with -f')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Validate and show what would be sent, without changing anything')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'emctl;create' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'File, directory, http(s) URL or - for stdin; repeatable')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'File, directory, http(s) URL or - for stdin; repeatable')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Print only `kind/name` of each object')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Print only `kind/name` of each object')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for the control plane')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Per-request timeout (Go duration, e.g. 10s)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout (Go duration, e.g. 10s)')
            [CompletionResult]::new('-R', '-R ', [CompletionResultType]::ParameterName, 'Also read subdirectories of directories given with -f')
            [CompletionResult]::new('--recursive', '--recursive', [CompletionResultType]::ParameterName, 'Also read subdirectories of directories given with -f')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Validate and show what would be sent, without changing anything')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'emctl;get' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Label selector, e.g. `app=order,tier!=db`')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Label selector, e.g. `app=order,tier!=db`')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'serviceinstances: only those of services in this tenant')
            [CompletionResult]::new('--canary', '--canary', [CompletionResultType]::ParameterName, 'serviceinstances: only canary instances; with a value, those whose canary label has it (`--canary=v2` or `--canary=release=v2`)')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'serviceinstances: only those with this status (UP, DOWN, OUT_OF_SERVICE)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for the control plane')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Per-request timeout (Go duration, e.g. 10s)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout (Go duration, e.g. 10s)')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'After listing, stream changes as they happen')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'After listing, stream changes as they happen')
            [CompletionResult]::new('--ignore-not-found', '--ignore-not-found', [CompletionResultType]::ParameterName, 'Succeed when a named object does not exist')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Omit the header line of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'emctl;list' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Label selector, e.g. `app=order,tier!=db`')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Label selector, e.g. `app=order,tier!=db`')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'serviceinstances: only those of services in this tenant')
            [CompletionResult]::new('--canary', '--canary', [CompletionResultType]::ParameterName, 'serviceinstances: only canary instances; with a value, those whose canary label has it (`--canary=v2` or `--canary=release=v2`)')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'serviceinstances: only those with this status (UP, DOWN, OUT_OF_SERVICE)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for the control plane')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Per-request timeout (Go duration, e.g. 10s)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout (Go duration, e.g. 10s)')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'After listing, stream changes as they happen')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'After listing, stream changes as they happen')
            [CompletionResult]::new('--ignore-not-found', '--ignore-not-found', [CompletionResultType]::ParameterName, 'Succeed when a named object does not exist')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Omit the header line of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'emctl;describe' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for the control plane')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Per-request timeout (Go duration, e.g. 10s)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout (Go duration, e.g. 10s)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'emctl;delete' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Delete the objects described in these locations')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Delete the objects described in these locations')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for the control plane')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Per-request timeout (Go duration, e.g. 10s)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout (Go duration, e.g. 10s)')
            [CompletionResult]::new('-R', '-R ', [CompletionResultType]::ParameterName, 'Also read subdirectories')
            [CompletionResult]::new('--recursive', '--recursive', [CompletionResultType]::ParameterName, 'Also read subdirectories')
            [CompletionResult]::new('--ignore-not-found', '--ignore-not-found', [CompletionResultType]::ParameterName, 'Succeed for objects that do not exist')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'emctl;edit' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Edit as JSON instead of YAML')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Edit as JSON instead of YAML')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for the control plane')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Per-request timeout (Go duration, e.g. 10s)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout (Go duration, e.g. 10s)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'emctl;offline' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for the control plane')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Per-request timeout (Go duration, e.g. 10s)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout (Go duration, e.g. 10s)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'emctl;online' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for the control plane')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Per-request timeout (Go duration, e.g. 10s)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout (Go duration, e.g. 10s)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'emctl;demo' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address of the demo''s control plane')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Keep the demo''s store here (a temporary directory otherwise)')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Stop after this long instead of waiting for Ctrl-C (Go duration)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for the control plane')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Per-request timeout (Go duration, e.g. 10s)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout (Go duration, e.g. 10s)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'emctl;install' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context [default: its current context]. check and migrate reach the control plane through the ~/.emctlrc context of the same name (install writes it), when there is one')
            [CompletionResult]::new('--kube-context', '--kube-context', [CompletionResultType]::ParameterName, 'Kubeconfig context [default: its current context]. check and migrate reach the control plane through the ~/.emctlrc context of the same name (install writes it), when there is one')
            [CompletionResult]::new('--mesh-namespace', '--mesh-namespace', [CompletionResultType]::ParameterName, 'Namespace of the mesh''s own workloads')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Install options file (camelCase keys, see `--dry-run -o yaml`); flags override it')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Install options file (camelCase keys, see `--dry-run -o yaml`); flags override it')
            [CompletionResult]::new('--image', '--image', [CompletionResultType]::ParameterName, 'meshd image of the control plane and the ingress controller [default: megaease/meshd:<emctl version>, built by scripts/image.sh or the Dockerfile]')
            [CompletionResult]::new('--sidecar-image', '--sidecar-image', [CompletionResultType]::ParameterName, 'Sidecar image the webhook injects [default: megaease/meshd-sidecar:<emctl version>]')
            [CompletionResult]::new('--init-image', '--init-image', [CompletionResultType]::ParameterName, 'Init-container (agent initializer) image the webhook injects [default: none]')
            [CompletionResult]::new('--image-registry-url', '--image-registry-url', [CompletionResultType]::ParameterName, 'Registry prefix for images without a host part [default: docker.io]')
            [CompletionResult]::new('--image-pull-policy', '--image-pull-policy', [CompletionResultType]::ParameterName, 'Always, IfNotPresent or Never')
            [CompletionResult]::new('--replicas', '--replicas', [CompletionResultType]::ParameterName, 'Control-plane replicas (the embedded store serves one)')
            [CompletionResult]::new('--storage', '--storage', [CompletionResultType]::ParameterName, 'Control-plane storage')
            [CompletionResult]::new('--storage-class', '--storage-class', [CompletionResultType]::ParameterName, 'StorageClass of the control plane''s volume [default: the cluster''s default]')
            [CompletionResult]::new('--storage-size', '--storage-size', [CompletionResultType]::ParameterName, 'Size of the control plane''s volume [default: 1Gi]')
            [CompletionResult]::new('--registry-type', '--registry-type', [CompletionResultType]::ParameterName, 'Registry protocol apps speak to their sidecar: eureka, consul or nacos')
            [CompletionResult]::new('--heartbeat-interval', '--heartbeat-interval', [CompletionResultType]::ParameterName, 'Heartbeat interval of the sidecars (Go duration) [default: 5s]')
            [CompletionResult]::new('--instance-lease', '--instance-lease', [CompletionResultType]::ParameterName, 'How long an instance without heartbeats stays listed before the control plane removes it (Go duration) [default: 20m]')
            [CompletionResult]::new('--webhook-url', '--webhook-url', [CompletionResultType]::ParameterName, 'Injector outside the cluster, called by the API server at this https URL')
            [CompletionResult]::new('--webhook-failure-policy', '--webhook-failure-policy', [CompletionResultType]::ParameterName, 'Fail or Ignore: what the API server does when the injector does not answer')
            [CompletionResult]::new('--webhook-tls-dir', '--webhook-tls-dir', [CompletionResultType]::ParameterName, 'Directory with the webhook''s ca.crt, tls.crt and tls.key; created there when missing [default: kept in the cluster only]')
            [CompletionResult]::new('--expose', '--expose', [CompletionResultType]::ParameterName, 'How the control plane''s API is reached from outside the cluster; with nodeport or loadbalancer, install writes an ~/.emctlrc context (named after the kubeconfig context) with the address it finds [default: none, kubectl port-forward]')
            [CompletionResult]::new('--ingress-port', '--ingress-port', [CompletionResultType]::ParameterName, 'Port outside traffic enters the mesh on (the MeshController''s ingressPort) [default: 19527]')
            [CompletionResult]::new('--ingress-replicas', '--ingress-replicas', [CompletionResultType]::ParameterName, 'Ingress-controller replicas [default: 1]')
            [CompletionResult]::new('--ingress-expose', '--ingress-expose', [CompletionResultType]::ParameterName, 'How the ingress controller is reached from outside the cluster [default: nodeport]')
            [CompletionResult]::new('--shadow-namespace', '--shadow-namespace', [CompletionResultType]::ParameterName, 'Run the shadow controller for this namespace (repeat for more): the control plane gets a Role there to copy and delete Deployments, StatefulSets, ConfigMaps and Secrets, and nothing elsewhere [default: no shadows]')
            [CompletionResult]::new('--control-plane-url', '--control-plane-url', [CompletionResultType]::ParameterName, 'Control-plane URL reachable from here: the MeshController is applied through it, and it is written to ~/.emctlrc as with --expose')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output of --dry-run')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output of --dry-run')
            [CompletionResult]::new('--wait-timeout', '--wait-timeout', [CompletionResultType]::ParameterName, 'How long --wait waits (Go duration)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for the control plane')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Per-request timeout (Go duration, e.g. 10s)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout (Go duration, e.g. 10s)')
            [CompletionResult]::new('--no-ingress-controller', '--no-ingress-controller', [CompletionResultType]::ParameterName, 'Leave the ingress controller out (and remove one an earlier install made)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every manifest instead of applying')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Wait until the control plane and the ingress controller are ready')
            [CompletionResult]::new('--keep-on-failure', '--keep-on-failure', [CompletionResultType]::ParameterName, 'On failure, keep what this run created instead of removing it')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'emctl;uninstall' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context [default: its current context]. check and migrate reach the control plane through the ~/.emctlrc context of the same name (install writes it), when there is one')
            [CompletionResult]::new('--kube-context', '--kube-context', [CompletionResultType]::ParameterName, 'Kubeconfig context [default: its current context]. check and migrate reach the control plane through the ~/.emctlrc context of the same name (install writes it), when there is one')
            [CompletionResult]::new('--mesh-namespace', '--mesh-namespace', [CompletionResultType]::ParameterName, 'Namespace of the mesh''s own workloads')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for the control plane')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Per-request timeout (Go duration, e.g. 10s)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout (Go duration, e.g. 10s)')
            [CompletionResult]::new('--purge', '--purge', [CompletionResultType]::ParameterName, 'Also remove the namespace and the control plane''s volumes (the mesh''s data)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Give the workloads `emctl migrate` moved into the mesh back as they were before it without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Give the workloads `emctl migrate` moved into the mesh back as they were before it without asking')
            [CompletionResult]::new('--keep-workloads', '--keep-workloads', [CompletionResultType]::ParameterName, 'Leave the workloads `emctl migrate` moved into the mesh as they are (with their sidecars, which will have no control plane)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'emctl;reset' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context [default: its current context]. check and migrate reach the control plane through the ~/.emctlrc context of the same name (install writes it), when there is one')
            [CompletionResult]::new('--kube-context', '--kube-context', [CompletionResultType]::ParameterName, 'Kubeconfig context [default: its current context]. check and migrate reach the control plane through the ~/.emctlrc context of the same name (install writes it), when there is one')
            [CompletionResult]::new('--mesh-namespace', '--mesh-namespace', [CompletionResultType]::ParameterName, 'Namespace of the mesh''s own workloads')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for the control plane')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Per-request timeout (Go duration, e.g. 10s)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout (Go duration, e.g. 10s)')
            [CompletionResult]::new('--purge', '--purge', [CompletionResultType]::ParameterName, 'Also remove the namespace and the control plane''s volumes (the mesh''s data)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Give the workloads `emctl migrate` moved into the mesh back as they were before it without asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Give the workloads `emctl migrate` moved into the mesh back as they were before it without asking')
            [CompletionResult]::new('--keep-workloads', '--keep-workloads', [CompletionResultType]::ParameterName, 'Leave the workloads `emctl migrate` moved into the mesh as they are (with their sidecars, which will have no control plane)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'emctl;check' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context [default: its current context]. check and migrate reach the control plane through the ~/.emctlrc context of the same name (install writes it), when there is one')
            [CompletionResult]::new('--kube-context', '--kube-context', [CompletionResultType]::ParameterName, 'Kubeconfig context [default: its current context]. check and migrate reach the control plane through the ~/.emctlrc context of the same name (install writes it), when there is one')
            [CompletionResult]::new('--mesh-namespace', '--mesh-namespace', [CompletionResultType]::ParameterName, 'Namespace of the mesh''s own workloads')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for the control plane')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Per-request timeout (Go duration, e.g. 10s)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout (Go duration, e.g. 10s)')
            [CompletionResult]::new('--pre', '--pre', [CompletionResultType]::ParameterName, 'Checks before an install: cluster reachable, version, permissions, namespace free')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'emctl;migrate' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context [default: its current context]. check and migrate reach the control plane through the ~/.emctlrc context of the same name (install writes it), when there is one')
            [CompletionResult]::new('--kube-context', '--kube-context', [CompletionResultType]::ParameterName, 'Kubeconfig context [default: its current context]. check and migrate reach the control plane through the ~/.emctlrc context of the same name (install writes it), when there is one')
            [CompletionResult]::new('--mesh-namespace', '--mesh-namespace', [CompletionResultType]::ParameterName, 'Namespace of the mesh''s own workloads')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Only Deployments in this namespace [default: all namespaces]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Only Deployments in this namespace [default: all namespaces]')
            [CompletionResult]::new('--deployment', '--deployment', [CompletionResultType]::ParameterName, 'Deployments to migrate, as NAME or NAMESPACE/NAME (repeatable); no prompt to pick')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant of the mesh Services created for them')
            [CompletionResult]::new('--rollback', '--rollback', [CompletionResultType]::ParameterName, 'Take this Deployment (NAME or NAMESPACE/NAME) out of the mesh again')
            [CompletionResult]::new('--wait-timeout', '--wait-timeout', [CompletionResultType]::ParameterName, 'How long to wait for the sidecar to appear in the pod template (Go duration)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for the control plane')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Per-request timeout (Go duration, e.g. 10s)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout (Go duration, e.g. 10s)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Every Deployment not in the mesh yet (in --namespace, else in every namespace but the system ones); no prompt to pick')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'emctl;api-resources' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for the control plane')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Per-request timeout (Go duration, e.g. 10s)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout (Go duration, e.g. 10s)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'emctl;version' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for the control plane')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Per-request timeout (Go duration, e.g. 10s)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout (Go duration, e.g. 10s)')
            [CompletionResult]::new('--client', '--client', [CompletionResultType]::ParameterName, 'Only the client version; do not contact the control plane')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'emctl;dashboard' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The view to start with: a kind, plural or short name')
            [CompletionResult]::new('--command', '--command', [CompletionResultType]::ParameterName, 'The view to start with: a kind, plural or short name')
            [CompletionResult]::new('--metrics-interval', '--metrics-interval', [CompletionResultType]::ParameterName, 'How often to ask the control plane for the sidecars'' metrics (Go duration)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for the control plane')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Per-request timeout (Go duration, e.g. 10s)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout (Go duration, e.g. 10s)')
            [CompletionResult]::new('--readonly', '--readonly', [CompletionResultType]::ParameterName, 'Disable changes: edit and delete only say "read-only"')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'emctl;completion' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for the control plane')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Named context from ~/.emctlrc to use instead of its current one (on install, uninstall, check, migrate: the kubeconfig context)')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Per-request timeout (Go duration, e.g. 10s)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout (Go duration, e.g. 10s)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'emctl;help' {
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Create or update resources from files, directories, URLs or stdin')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create resources; fails for those that exist')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'List resources of a kind, or show some by name')
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Show one resource in detail')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete resources by kind and name, or those in files')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Edit a resource in $EDITOR and apply the result')
            [CompletionResult]::new('offline', 'offline', [CompletionResultType]::ParameterValue, 'Take service instances offline: callers stop using them until they are put online')
            [CompletionResult]::new('online', 'online', [CompletionResultType]::ParameterValue, 'Put service instances taken offline back online')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Run the whole mesh on this machine: control plane, three services with sidecars, a canary')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Install the mesh into a Kubernetes cluster (again: update it; nothing changes when nothing differs)')
            [CompletionResult]::new('uninstall', 'uninstall', [CompletionResultType]::ParameterValue, 'Remove the mesh from a Kubernetes cluster')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check a cluster before an install (--pre), or the installed mesh')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Move existing Deployments into the mesh (or one out again with --rollback)')
            [CompletionResult]::new('api-resources', 'api-resources', [CompletionResultType]::ParameterValue, 'List the resource kinds, their short names and columns')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Print client and control-plane versions')
            [CompletionResult]::new('dashboard', 'dashboard', [CompletionResultType]::ParameterValue, 'Full-screen live view of the mesh: services with golden metrics, instances, canaries, tenants and every other kind; describe, edit and delete from there')
            [CompletionResult]::new('completion', 'completion', [CompletionResultType]::ParameterValue, 'Print a shell completion script (bash, zsh, fish, powershell, elvish)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'emctl;help;apply' {
            break
        }
        'emctl;help;create' {
            break
        }
        'emctl;help;get' {
            break
        }
        'emctl;help;describe' {
            break
        }
        'emctl;help;delete' {
            break
        }
        'emctl;help;edit' {
            break
        }
        'emctl;help;offline' {
            break
        }
        'emctl;help;online' {
            break
        }
        'emctl;help;demo' {
            break
        }
        'emctl;help;install' {
            break
        }
        'emctl;help;uninstall' {
            break
        }
        'emctl;help;check' {
            break
        }
        'emctl;help;migrate' {
            break
        }
        'emctl;help;api-resources' {
            break
        }
        'emctl;help;version' {
            break
        }
        'emctl;help;dashboard' {
            break
        }
        'emctl;help;completion' {
            break
        }
        'emctl;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
