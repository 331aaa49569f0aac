//! Where the control plane is and how to authenticate: flags, then environment, then
//! `~/.emctlrc` (EaseMesh's `server:` key, plus `token:` and named contexts).

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use crate::cli::{GlobalArgs, rc_path};

/// Address used when nothing names one.
pub const DEFAULT_SERVER: &str = "127.0.0.1:2381";

/// `~/.emctlrc`.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct RcFile {
    /// Control plane (EaseMesh's only key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// Bearer token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Context used when `--context` is not given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_context: Option<String>,
    /// Named contexts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contexts: Vec<NamedContext>,
}

/// A named control plane.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NamedContext {
    /// Name.
    pub name: String,
    /// Control plane.
    pub server: String,
    /// Bearer token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// The resolved connection settings.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// Control plane URL.
    pub server: String,
    /// Where the server came from, for error hints.
    pub origin: &'static str,
    /// The named context in use, if any.
    pub context: Option<String>,
    /// Bearer token.
    pub token: Option<String>,
    /// Per-request timeout.
    pub timeout: Duration,
}

fn read_rc(path: &Path) -> anyhow::Result<RcFile> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(RcFile::default()),
        Err(err) => return Err(err).with_context(|| format!("cannot read {}", path.display())),
    };
    let value = match meshlib::yaml::documents(&text).into_iter().next() {
        None | Some(Ok(serde_json::Value::Null)) => return Ok(RcFile::default()),
        Some(Ok(value)) => value,
        Some(Err(err)) => bail!("{}: invalid YAML: {err}", path.display()),
    };
    serde_json::from_value(value).with_context(|| format!("{}: unexpected content", path.display()))
}

/// Points the rc file's context `name` at a control plane and makes it the current one (what
/// `emctl install` does, with the kubeconfig context's name), keeping the other contexts.
/// Returns the rc file's path.
///
/// # Errors
/// Unreadable or unwritable rc file.
pub fn write_context(name: &str, server: &str, token: &str) -> anyhow::Result<PathBuf> {
    let path = rc_path().context("no home directory for ~/.emctlrc (set EMCTL_CONFIG)")?;
    let mut rc = read_rc(&path)?;
    let context = NamedContext {
        name: name.to_string(),
        server: server.to_string(),
        token: Some(token.to_string()),
    };
    match rc.contexts.iter_mut().find(|c| c.name == name) {
        Some(existing) => *existing = context,
        None => rc.contexts.push(context),
    }
    rc.current_context = Some(name.to_string());
    write_rc(&path, &rc)?;
    Ok(path)
}

/// Removes the rc file's context `name` (what `emctl uninstall` does), and the current-context
/// naming it; other contexts stay. The rc file's path when there was such a context.
///
/// # Errors
/// Unreadable or unwritable rc file.
pub fn remove_context(name: &str) -> anyhow::Result<Option<PathBuf>> {
    let Some(path) = rc_path() else {
        return Ok(None);
    };
    let mut rc = read_rc(&path)?;
    let before = rc.contexts.len();
    rc.contexts.retain(|c| c.name != name);
    if rc.contexts.len() == before {
        return Ok(None);
    }
    if rc.current_context.as_deref() == Some(name) {
        rc.current_context = None;
    }
    write_rc(&path, &rc)?;
    Ok(Some(path))
}

fn write_rc(path: &Path, rc: &RcFile) -> anyhow::Result<()> {
    let text = meshlib::yaml::to_string(rc)?;
    // It holds tokens: readable by its owner only.
    let mut file = std::fs::OpenOptions::new();
    std::os::unix::fs::OpenOptionsExt::mode(file.write(true).create(true).truncate(true), 0o600);
    let mut file = file
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    std::io::Write::write_all(&mut file, text.as_bytes()).with_context(|| format!("cannot write {}", path.display()))
}

/// Resolves flags > environment (via clap) > rc file > default.
///
/// # Errors
/// Unreadable rc file, unknown context, bad timeout.
pub fn resolve(global: &GlobalArgs) -> anyhow::Result<Resolved> {
    let rc = read_default_rc()?;
    let context = named(&rc, global.context.as_deref().or(rc.current_context.as_deref()))?;
    settle(global, &rc, context)
}

/// Resolves for a command on a cluster (check, migrate), whose `--context` names the kubeconfig
/// context `kube_context`: the rc context of that name (the one install writes) when there is
/// one, else as [`resolve`] without `--context`.
///
/// # Errors
/// Unreadable rc file, an unknown current-context, bad timeout.
pub fn resolve_for_cluster(global: &GlobalArgs, kube_context: &str) -> anyhow::Result<Resolved> {
    let rc = read_default_rc()?;
    let context = cluster_context(&rc, kube_context)?;
    settle(global, &rc, context)
}

fn read_default_rc() -> anyhow::Result<RcFile> {
    match rc_path() {
        Some(path) => read_rc(&path),
        None => Ok(RcFile::default()),
    }
}

/// The rc context of a cluster command: the one named like the kubeconfig context, else the
/// current one.
fn cluster_context<'rc>(rc: &'rc RcFile, kube_context: &str) -> anyhow::Result<Option<&'rc NamedContext>> {
    match rc.contexts.iter().find(|c| c.name == kube_context) {
        Some(context) => Ok(Some(context)),
        None => named(rc, rc.current_context.as_deref()),
    }
}

/// The context `name`, which must exist.
fn named<'rc>(rc: &'rc RcFile, name: Option<&str>) -> anyhow::Result<Option<&'rc NamedContext>> {
    let Some(name) = name else {
        return Ok(None);
    };
    let context = rc.contexts.iter().find(|c| c.name == name).with_context(|| {
        let known = crate::report::known(rc.contexts.iter().map(|c| c.name.as_str()));
        format!("no context {name:?} in ~/.emctlrc (known: {known})")
    })?;
    Ok(Some(context))
}

/// Flags > environment (via clap) > `context` > the rc file's top level > default.
fn settle(global: &GlobalArgs, rc: &RcFile, context: Option<&NamedContext>) -> anyhow::Result<Resolved> {
    let timeout =
        meshlib::duration::parse(&global.timeout).with_context(|| format!("invalid --timeout {:?}", global.timeout))?;
    let (server, origin) = if let Some(server) = &global.server {
        (server.clone(), "--server / EMCTL_SERVER")
    } else if let Some(context) = context {
        (context.server.clone(), "the context in ~/.emctlrc")
    } else if let Some(server) = &rc.server {
        (server.clone(), "~/.emctlrc")
    } else {
        (DEFAULT_SERVER.to_owned(), "the default")
    };
    let token = global
        .token
        .clone()
        .or_else(|| context.and_then(|c| c.token.clone()))
        .or_else(|| rc.token.clone());
    Ok(Resolved {
        server: meshlib::client::server_url(&server),
        origin,
        context: context.map(|c| c.name.clone()),
        token,
        timeout,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rc(current: Option<&str>) -> RcFile {
        let context = |name: &str| NamedContext {
            name: name.to_string(),
            server: format!("http://{name}:2381"),
            token: None,
        };
        RcFile {
            current_context: current.map(str::to_string),
            contexts: vec![context("prod"), context("kind-dev")],
            ..RcFile::default()
        }
    }

    #[test]
    fn cluster_commands_use_the_rc_context_named_like_the_kube_context() {
        let name = |rc: &RcFile, kube: &str| cluster_context(rc, kube).unwrap().map(|c| c.name.clone());
        assert_eq!(name(&rc(Some("prod")), "kind-dev").as_deref(), Some("kind-dev"));
        // No namesake: the current context, as any other command would.
        assert_eq!(name(&rc(Some("prod")), "minikube").as_deref(), Some("prod"));
        assert_eq!(name(&rc(None), "minikube"), None);
        let err = cluster_context(&rc(Some("gone")), "minikube").unwrap_err();
        assert_eq!(
            err.to_string(),
            "no context \"gone\" in ~/.emctlrc (known: prod, kind-dev)"
        );
    }
}
