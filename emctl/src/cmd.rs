//! Dispatch: one module per subcommand, each a thin adapter from arguments to meshlib calls.
//! Commands never import each other: what several of them (or the dashboard) do is in
//! [`crate::ops`].

mod api_resources;
mod apply;
mod check;
mod completion;
mod delete;
mod demo;
mod describe;
mod edit;
mod get;
mod install;
mod instances;
mod migrate;
mod uninstall;
mod version;

use meshlib::kind::{Kind, ResourceKind, Scope};

use crate::cli::{Cli, Command};
pub use crate::context::{Ctx, Exit};

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
