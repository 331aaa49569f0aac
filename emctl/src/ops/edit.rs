//! Editing an object in the user's editor (`emctl edit`, the dashboard's `e`): validate what
//! comes back, and update it with the version that was read, so a concurrent change is refused
//! instead of overwritten. Invalid edits reopen the editor with the problems on top; nothing is
//! lost on failure.

use std::path::Path;
use std::process::Command;

use meshlib::decode::decode_str;
use meshlib::kind::ResourceKind;
use meshlib::resource::Resource;

use crate::cli::{EditFormat, Output};
use crate::context::Ctx;
use crate::report;

const HEADER: &str = "# Edit the object below and save to apply; an empty file cancels.\n";

fn editor() -> String {
    ["EMCTL_EDITOR", "KUBE_EDITOR", "EDITOR", "VISUAL"]
        .iter()
        .find_map(|var| std::env::var(var).ok().filter(|v| !v.trim().is_empty()))
        .unwrap_or_else(|| "vi".to_owned())
}

fn open(editor: &str, path: &Path) -> anyhow::Result<()> {
    // The editor may carry arguments (`code --wait`), so let the shell split it.
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("emctl-edit")
        .arg(path)
        .status()
        .map_err(|err| anyhow::anyhow!("cannot start editor {editor:?}: {err}"))?;
    if !status.success() {
        anyhow::bail!("editor {editor:?} exited with {status}");
    }
    Ok(())
}

fn strip_comments(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n")
}

/// How an edit ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Saved; `kind/name edited`, and a warning for each setting nothing acts on yet.
    Saved(String, Vec<String>),
    /// Nothing changed.
    Cancelled,
    /// Not saved: what went wrong, and where the changes are kept (`error: ...`, may span lines).
    Failed(String),
}

impl Outcome {
    /// Warnings of a saved edit: settings the mesh accepts but does not act on yet.
    pub fn warnings(&self) -> &[String] {
        match self {
            Self::Saved(_, warnings) => warnings,
            _ => &[],
        }
    }

    /// The message for the user, and whether it is an error.
    pub fn message(&self) -> (String, bool) {
        match self {
            Self::Saved(name, _) => (format!("{name} edited"), false),
            Self::Cancelled => ("Edit cancelled, no changes made.".to_owned(), false),
            Self::Failed(message) => (message.clone(), true),
        }
    }
}

/// Opens `kind/name` in the editor until the edit is saved, cancelled or given up on (the
/// flow of `emctl edit`, also used by the dashboard's `e`).
///
/// # Errors
/// The editor cannot run or the temporary file cannot be written.
pub async fn edit(ctx: &Ctx, kind: &ResourceKind, name: &str, format: EditFormat) -> anyhow::Result<Outcome> {
    let live = match ctx.client.get(kind, name).await {
        Ok(live) => live,
        Err(err) => {
            return Ok(Outcome::Failed(
                report::unknown_kind(kind, &err).unwrap_or_else(|| report::client_error("", &err, &ctx.config)),
            ));
        }
    };
    let format = match format {
        EditFormat::Yaml => Output::Yaml,
        EditFormat::Json => Output::Json,
    };
    let extension = if format == Output::Json { "json" } else { "yaml" };
    let original = crate::output::document(std::slice::from_ref(&live), true, format)?;
    let file = tempfile::Builder::new()
        .prefix(&format!("emctl-edit-{}-", live.metadata.name))
        .suffix(&format!(".{extension}"))
        .tempfile()?;
    let path = file.path().to_owned();
    std::fs::write(&path, format!("{HEADER}{original}"))?;
    let editor = editor();
    let mut last_invalid: Option<(String, String)> = None;
    loop {
        open(&editor, &path)?;
        let edited = strip_comments(&std::fs::read_to_string(&path)?);
        if edited.trim().is_empty() || edited.trim() == original.trim() {
            return Ok(Outcome::Cancelled);
        }
        let problems = match check(&edited, &live) {
            Ok(resource) => return save(ctx, resource, &edited, file).await,
            Err(problems) => problems,
        };
        // Unchanged, or the same problems again: the user is not fixing them; stop and keep the file.
        if last_invalid
            .as_ref()
            .is_some_and(|(text, previous)| *text == edited || *previous == problems)
        {
            let kept = file.keep()?.1;
            return Ok(Outcome::Failed(format!(
                "error: the edit is still invalid; your changes are kept in {}\n{}",
                kept.display(),
                problems.trim_end()
            )));
        }
        let comments: String = problems.lines().map(|l| format!("# {l}\n")).collect();
        std::fs::write(&path, format!("{HEADER}# The edit was refused:\n{comments}{edited}\n"))?;
        last_invalid = Some((edited, problems));
    }
}

fn check(edited: &str, live: &Resource) -> Result<Resource, String> {
    let mut documents = decode_str(edited, "edited object");
    if documents.len() != 1 {
        return Err(format!("expected exactly one object, found {}", documents.len()));
    }
    let document = documents.remove(0);
    let resource = document.result.map_err(|err| err.report())?;
    if resource.kind != live.kind || resource.metadata.name != live.metadata.name {
        return Err(format!(
            "kind and name cannot change (was {}, now {})",
            live.reference(),
            resource.reference()
        ));
    }
    Ok(resource)
}

async fn save(
    ctx: &Ctx,
    mut resource: Resource,
    edited: &str,
    file: tempfile::NamedTempFile,
) -> anyhow::Result<Outcome> {
    let name = crate::output::name_of(&resource);
    // Keep the version that was read, unless the user removed it on purpose.
    if resource.metadata.resource_version.is_none() {
        eprintln!("warning: metadata.resourceVersion was removed; the update will overwrite concurrent changes");
    }
    resource.metadata.creation_timestamp = None;
    match ctx.client.update(&resource).await {
        Ok(_) => Ok(Outcome::Saved(name, report::inert("", &resource))),
        Err(err) => {
            let kept = file.keep()?.1;
            std::fs::write(&kept, edited)?;
            let mut message = report::client_error(&name, &err, &ctx.config);
            if err.is_conflict() {
                message.push_str(
                    "\n  hint: someone changed it while you edited; run `emctl edit` again and redo your change",
                );
            }
            Ok(Outcome::Failed(format!(
                "{message}\n  your changes are kept in {}",
                kept.display()
            )))
        }
    }
}
