//! The command line, as clap types. Help text lives in the doc comments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::ArgValueCompleter;

use crate::complete;

mod cluster;

pub use cluster::*;

/// Exit codes, documented in `--help`.
pub const EXIT_CODES: &str = "\
Exit codes:
  0   success
  1   a user, validation or server error (the message says which)
  2   an unexpected error (a bug, or the server failed)
  64  wrong usage (unknown flag, missing argument)";

/// emctl: run and operate the mesh from the terminal.
#[derive(Debug, Parser)]
#[command(name = "emctl", version, after_help = EXIT_CODES, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command accepts.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Control-plane address (host:port or URL). [default: from ~/.emctlrc, else 127.0.0.1:2381]
    #[arg(short = 's', long, env = "EMCTL_SERVER", global = true)]
    pub server: Option<String>,
    /// Bearer token for the control plane.
    #[arg(long, env = "EMCTL_TOKEN", global = true, hide_env_values = true)]
    pub token: Option<String>,
    /// Named context from ~/.emctlrc to use instead of its current one (on install, uninstall,
    /// check, migrate: the kubeconfig context).
    #[arg(long, global = true)]
    pub context: Option<String>,
    /// Per-request timeout (Go duration, e.g. 10s).
    #[arg(short = 't', long, global = true, default_value = "30s")]
    pub timeout: String,
}

/// Commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create or update resources from files, directories, URLs or stdin.
    Apply(FileArgs),
    /// Create resources; fails for those that exist.
    Create(FileArgs),
    /// List resources of a kind, or show some by name.
    #[command(visible_alias = "list")]
    Get(GetArgs),
    /// Show one resource in detail.
    Describe(DescribeArgs),
    /// Delete resources by kind and name, or those in files.
    Delete(DeleteArgs),
    /// Edit a resource in $EDITOR and apply the result.
    Edit(EditArgs),
    /// Take service instances offline: callers stop using them until they are put online.
    Offline(InstanceArgs),
    /// Put service instances taken offline back online.
    Online(InstanceArgs),
    /// Run the whole mesh on this machine: control plane, three services with sidecars, a canary.
    Demo(DemoArgs),
    /// Install the mesh into a Kubernetes cluster (again: update it; nothing changes when nothing differs).
    Install(Box<InstallArgs>),
    /// Remove the mesh from a Kubernetes cluster.
    #[command(visible_alias = "reset")]
    Uninstall(UninstallArgs),
    /// Check a cluster before an install (--pre), or the installed mesh.
    Check(CheckArgs),
    /// Move existing Deployments into the mesh (or one out again with --rollback).
    Migrate(MigrateArgs),
    /// List the resource kinds, their short names and columns.
    ApiResources,
    /// Print client and control-plane versions.
    Version(VersionArgs),
    /// Full-screen live view of the mesh: services with golden metrics, instances, canaries,
    /// tenants and every other kind; describe, edit and delete from there.
    #[command(after_help = crate::dashboard::keys::help())]
    Dashboard(DashboardArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(after_help = COMPLETION_HELP)]
    Completion(CompletionArgs),
}

/// How to install completions.
pub const COMPLETION_HELP: &str = "\
Install (static: commands and flags):
  bash        emctl completion bash > ~/.local/share/bash-completion/completions/emctl
  zsh         emctl completion zsh > \"${fpath[1]}/_emctl\"
  fish        emctl completion fish > ~/.config/fish/completions/emctl.fish
  powershell  emctl completion powershell >> $PROFILE
  elvish      emctl completion elvish >> ~/.config/elvish/rc.elv

Or dynamic: also kinds and resource names from the server (1 s timeout, silent on failure):
  bash        echo 'source <(COMPLETE=bash emctl)' >> ~/.bashrc
  zsh         echo 'source <(COMPLETE=zsh emctl)' >> ~/.zshrc
  fish        echo 'COMPLETE=fish emctl | source' > ~/.config/fish/completions/emctl.fish
  elvish      eval (E:COMPLETE=elvish emctl | slurp)
  powershell  in $PROFILE:
    $env:COMPLETE = \"powershell\"; emctl | Out-String | Invoke-Expression; Remove-Item Env:\\COMPLETE";

/// `emctl dashboard`.
#[derive(Debug, Clone, Args)]
pub struct DashboardArgs {
    /// Disable changes: edit and delete only say "read-only".
    #[arg(long)]
    pub readonly: bool,
    /// The view to start with: a kind, plural or short name.
    #[arg(short = 'c', long = "command", value_name = "KIND", default_value = "services",
          add = ArgValueCompleter::new(complete::kinds))]
    pub view: String,
    /// How often to ask the control plane for the sidecars' metrics (Go duration).
    #[arg(long, default_value = "3s", value_parser = meshlib::duration::parse_flag)]
    pub metrics_interval: std::time::Duration,
}

/// `emctl completion`.
#[derive(Debug, Clone, Args)]
pub struct CompletionArgs {
    /// The shell.
    pub shell: clap_complete::Shell,
}

/// `-f` inputs.
#[derive(Debug, Clone, Args)]
pub struct FileArgs {
    /// File, directory, http(s) URL or - for stdin; repeatable.
    #[arg(short = 'f', long = "filename", required = true, value_name = "LOCATION")]
    pub files: Vec<String>,
    /// Also read subdirectories of directories given with -f.
    #[arg(short = 'R', long)]
    pub recursive: bool,
    /// Validate and show what would be sent, without changing anything.
    #[arg(long)]
    pub dry_run: bool,
    /// Print only `kind/name` of each object.
    #[arg(short = 'o', long, value_enum)]
    pub output: Option<NameOutput>,
}

/// `-o name` for write commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NameOutput {
    /// `kind/name` per object.
    Name,
}

/// Output formats of read commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// Aligned columns.
    Table,
    /// Columns plus the wide ones and labels.
    Wide,
    /// YAML (a List for several objects); re-appliable.
    Yaml,
    /// JSON (a List for several objects); re-appliable.
    Json,
    /// `kind/name` per object.
    Name,
}

/// `emctl get`.
#[derive(Debug, Clone, Args)]
pub struct GetArgs {
    /// Kind: name, plural or short name (see `emctl api-resources`), or a custom kind.
    #[arg(add = ArgValueCompleter::new(complete::kinds))]
    pub kind: String,
    /// Names; all objects when omitted.
    #[arg(add = ArgValueCompleter::new(complete::names))]
    pub names: Vec<String>,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value = "table")]
    pub output: Output,
    /// Label selector, e.g. `app=order,tier!=db`.
    #[arg(short = 'l', long)]
    pub selector: Option<String>,
    /// After listing, stream changes as they happen.
    #[arg(short = 'w', long)]
    pub watch: bool,
    /// Succeed when a named object does not exist.
    #[arg(long)]
    pub ignore_not_found: bool,
    /// Omit the header line of tables.
    #[arg(long)]
    pub no_headers: bool,
    /// serviceinstances: only those of services in this tenant.
    #[arg(long, help_heading = "Instance filters")]
    pub tenant: Option<String>,
    /// serviceinstances: only canary instances; with a value, those whose canary label has it
    /// (`--canary=v2` or `--canary=release=v2`).
    #[arg(long, num_args = 0..=1, default_missing_value = "", value_name = "VALUE", require_equals = true, help_heading = "Instance filters")]
    pub canary: Option<String>,
    /// serviceinstances: only those with this status (UP, DOWN, OUT_OF_SERVICE).
    #[arg(long, help_heading = "Instance filters")]
    pub status: Option<String>,
}

/// `emctl offline|online serviceinstance SERVICE/ID...`.
#[derive(Debug, Clone, Args)]
pub struct InstanceArgs {
    /// `serviceinstance` (or `si`).
    #[arg(add = ArgValueCompleter::new(complete::kinds))]
    pub kind: String,
    /// Instances as `SERVICE/ID`.
    #[arg(required = true, add = ArgValueCompleter::new(complete::names))]
    pub names: Vec<String>,
}

/// `emctl demo`.
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Address of the demo's control plane.
    #[arg(long, default_value = "127.0.0.1:2381")]
    pub listen: String,
    /// Keep the demo's store here (a temporary directory otherwise).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Stop after this long instead of waiting for Ctrl-C (Go duration).
    #[arg(long, hide = true, value_parser = meshlib::duration::parse_flag)]
    pub duration: Option<std::time::Duration>,
}

/// `emctl describe`.
#[derive(Debug, Clone, Args)]
pub struct DescribeArgs {
    /// Kind.
    #[arg(add = ArgValueCompleter::new(complete::kinds))]
    pub kind: String,
    /// Name.
    #[arg(add = ArgValueCompleter::new(complete::names))]
    pub name: String,
}

/// `emctl delete`.
#[derive(Debug, Clone, Args)]
pub struct DeleteArgs {
    /// Kind (with names), unless -f is given.
    #[arg(required_unless_present = "files", conflicts_with = "files", add = ArgValueCompleter::new(complete::kinds))]
    pub kind: Option<String>,
    /// Names.
    #[arg(requires = "kind", add = ArgValueCompleter::new(complete::names))]
    pub names: Vec<String>,
    /// Delete the objects described in these locations.
    #[arg(short = 'f', long = "filename", value_name = "LOCATION")]
    pub files: Vec<String>,
    /// Also read subdirectories.
    #[arg(short = 'R', long)]
    pub recursive: bool,
    /// Succeed for objects that do not exist.
    #[arg(long)]
    pub ignore_not_found: bool,
}

/// `emctl edit`.
#[derive(Debug, Clone, Args)]
pub struct EditArgs {
    /// Kind.
    #[arg(add = ArgValueCompleter::new(complete::kinds))]
    pub kind: String,
    /// Name.
    #[arg(add = ArgValueCompleter::new(complete::names))]
    pub name: String,
    /// Edit as JSON instead of YAML.
    #[arg(short = 'o', long, value_enum, default_value = "yaml")]
    pub output: EditFormat,
}

/// Formats `edit` can open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EditFormat {
    /// YAML.
    Yaml,
    /// JSON.
    Json,
}

/// `emctl version`.
#[derive(Debug, Clone, Args)]
pub struct VersionArgs {
    /// Only the client version; do not contact the control plane.
    #[arg(long)]
    pub client: bool,
}

/// Where the rc file is.
pub fn rc_path() -> Option<PathBuf> {
    std::env::var_os("EMCTL_CONFIG")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".emctlrc")))
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }

    #[test]
    fn context_names_the_kube_context_on_cluster_commands_and_the_rc_context_elsewhere() {
        use clap::Parser;
        let parse = |line: &str| super::Cli::try_parse_from(line.split_whitespace()).unwrap();
        for line in [
            "emctl install --context kind-dev",
            "emctl install --kube-context kind-dev",
            "emctl --context kind-dev install",
        ] {
            let super::Command::Install(args) = parse(line).command else {
                panic!("{line}: not install");
            };
            assert_eq!(args.kube.context.as_deref(), Some("kind-dev"), "{line}");
        }
        for line in [
            "emctl migrate --context kind-dev",
            "emctl check --kube-context kind-dev",
        ] {
            let cli = parse(line);
            let kube = match &cli.command {
                super::Command::Migrate(args) => &args.kube,
                super::Command::Check(args) => &args.kube,
                _ => panic!("{line}"),
            };
            assert_eq!(kube.context.as_deref(), Some("kind-dev"), "{line}");
        }
        assert_eq!(
            parse("emctl get services --context prod").global.context.as_deref(),
            Some("prod")
        );
        assert_eq!(
            parse("emctl --context prod get services").global.context.as_deref(),
            Some("prod")
        );
        let twice = super::Cli::try_parse_from(["emctl", "uninstall", "--context", "a", "--kube-context", "b"]);
        assert!(twice.is_err(), "one flag under two names");
    }
}
