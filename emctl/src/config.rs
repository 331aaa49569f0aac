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
    let timeout =
        meshlib::duration::parse(&global.timeout).with_context(|| format!("invalid --timeout {:?}", global.timeout))?;
    let rc = match rc_path() {
        Some(path) => read_rc(&path)?,
        None => RcFile::default(),
    };
    let context_name = global.context.as_deref().or(rc.current_context.as_deref());
    let context = match context_name {
        Some(name) => Some(rc.contexts.iter().find(|c| c.name == name).with_context(|| {
            let known: Vec<&str> = rc.contexts.iter().map(|c| c.name.as_str()).collect();
            format!(
                "no context {name:?} in ~/.emctlrc (known: {})",
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            )
        })?),
        None => None,
    };
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
        .or(rc.token);
    Ok(Resolved {
        server: meshlib::client::server_url(&server),
        origin,
        context: context.map(|c| c.name.clone()),
        token,
        timeout,
    })
}
