//! `emctl version`.

use super::{Ctx, Exit};
use crate::report;

/// The client line.
pub fn client_only() -> Exit {
    println!("Client:         {}", meshlib::VERSION);
    Exit::Success
}

fn minor(version: &str) -> Option<(u64, u64)> {
    let mut parts = version.split('.');
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

/// Client and control-plane versions; warns on skew.
pub async fn run(ctx: &Ctx) -> anyhow::Result<Exit> {
    client_only();
    match ctx.client.version().await {
        Ok(server) => {
            println!(
                "Control plane:  {} (store: {}, at {})",
                server.version,
                server.store,
                ctx.client.server()
            );
            if let (Some((cmaj, cmin)), Some((smaj, smin))) = (minor(meshlib::VERSION), minor(&server.version))
                && (cmaj != smaj || cmin.abs_diff(smin) > 1)
            {
                eprintln!(
                    "warning: client {} and control plane {} are more than one minor version apart",
                    meshlib::VERSION,
                    server.version
                );
            }
            Ok(Exit::Success)
        }
        Err(err) => {
            eprintln!("{}", report::client_error("", &err, &ctx.config));
            Ok(Exit::Failure)
        }
    }
}
