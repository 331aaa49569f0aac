//! Dispatch: one module per subcommand, each a thin adapter from arguments to meshlib calls.

mod api_resources;
mod apply;
mod check;
pub mod completion;
pub mod delete;
mod demo;
pub mod describe;
pub mod edit;
mod get;
mod give_back;
mod install;
mod install_access;
mod install_tls;
mod instances;
mod migrate;
mod uninstall;
mod version;

use meshlib::client::{Client, Config};
use meshlib::kind::{Kind, ResourceKind, Scope};

use crate::cli::{Cli, Command, GlobalArgs};
use crate::config::{self, Resolved};

/// How a command ended once it has reported its own problems.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything worked.
    Success,
    /// Something failed and was reported.
    Failure,
}

impl Exit {
    /// Failure when `failed`.
    pub fn from_failed(failed: bool) -> Self {
        if failed { Self::Failure } else { Self::Success }
    }
}

/// What every command that talks to the control plane needs.
pub struct Ctx {
    /// The client.
    pub client: Client,
    /// Where it points, for hints.
    pub config: Resolved,
}

impl Ctx {
    fn new(cli: &Cli) -> anyhow::Result<Self> {
        Self::with(config::resolve(&cli.global)?)
    }

    /// For a command on the cluster of the kubeconfig context `kube_context`: through the
    /// ~/.emctlrc context of that name when there is one.
    fn for_cluster(global: &GlobalArgs, kube_context: &str) -> anyhow::Result<Self> {
        Self::with(config::resolve_for_cluster(global, kube_context)?)
    }

    fn with(config: Resolved) -> anyhow::Result<Self> {
        let client = Client::new(&Config {
            server: config.server.clone(),
            token: config.token.clone(),
            timeout: config.timeout,
        })?;
        Ok(Self { client, config })
    }
}

/// Apply order: definitions before what uses them (custom kinds, tenants before services,
/// services before their parts, custom resources last). Deletion runs it backwards.
pub fn dependency_rank(kind: &ResourceKind) -> u8 {
    match kind {
        ResourceKind::Builtin(Kind::CustomResourceKind) => 0,
        ResourceKind::Builtin(Kind::MeshController) => 1,
        ResourceKind::Builtin(Kind::Tenant) => 2,
        ResourceKind::Builtin(Kind::Service) => 3,
        ResourceKind::Builtin(k) if matches!(k.info().scope, Scope::ServicePart(_)) => 4,
        ResourceKind::Builtin(_) => 5,
        ResourceKind::Custom(_) => 6,
    }
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<Exit> {
    match &cli.command {
        Command::ApiResources => Ok(api_resources::run()),
        Command::Completion(args) => completion::run(args.shell),
        Command::Demo(args) => demo::run(args).await,
        Command::Version(args) if args.client => Ok(version::client_only()),
        Command::Install(args) => install::run(args).await,
        Command::Uninstall(args) => uninstall::run(args).await,
        Command::Check(args) => check::run(args, &cli.global).await,
        Command::Migrate(args) => migrate::run(&cli.global, args).await,
        command => {
            let ctx = Ctx::new(&cli)?;
            match command {
                Command::Apply(args) => apply::run(&ctx, args, apply::Mode::Apply).await,
                Command::Create(args) => apply::run(&ctx, args, apply::Mode::Create).await,
                Command::Get(args) => get::run(&ctx, args).await,
                Command::Describe(args) => describe::run(&ctx, args).await,
                Command::Delete(args) => delete::run(&ctx, args).await,
                Command::Edit(args) => edit::run(&ctx, args).await,
                Command::Version(_) => version::run(&ctx).await,
                Command::Dashboard(args) => crate::dashboard::run(&ctx, args).await,
                Command::Offline(args) => instances::set_offline(&ctx, args, true).await,
                Command::Online(args) => instances::set_offline(&ctx, args, false).await,
                Command::ApiResources
                | Command::Completion(_)
                | Command::Demo(_)
                | Command::Install(_)
                | Command::Uninstall(_)
                | Command::Check(_)
                | Command::Migrate(_) => unreachable!("handled above"),
            }
        }
    }
}
