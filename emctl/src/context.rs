//! What commands and the dashboard share: the client and where it points ([`Ctx`]), and how a
//! command ended ([`Exit`]).

use meshlib::client::{Client, Config};

use crate::cli::{Cli, GlobalArgs};
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
    pub(crate) fn new(cli: &Cli) -> anyhow::Result<Self> {
        Self::with(config::resolve(&cli.global)?)
    }

    /// For a command on the cluster of the kubeconfig context `kube_context`: through the
    /// ~/.emctlrc context of that name when there is one.
    pub(crate) fn for_cluster(global: &GlobalArgs, kube_context: &str) -> anyhow::Result<Self> {
        Self::with(config::resolve_for_cluster(global, kube_context)?)
    }

    pub(crate) fn with(config: Resolved) -> anyhow::Result<Self> {
        let client = Client::new(&Config {
            server: config.server.clone(),
            token: config.token.clone(),
            timeout: config.timeout,
        })?;
        Ok(Self { client, config })
    }
}
