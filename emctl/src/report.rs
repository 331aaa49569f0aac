//! How failures are told: one `error:` line, indented problems, and a hint where one helps.
//! Every message goes to stderr; data goes to stdout.

use meshlib::client::Error as ClientError;
use meshlib::decode::DocumentError;
use meshlib::kind::ResourceKind;
use meshlib::resource::Resource;

use crate::config::Resolved;

/// The names an unknown one could have been, for "no context X (known: ...)": comma separated,
/// or `none`.
pub fn known<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.collect();
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

/// A server or transport failure about `subject` (e.g. `service/order`), with hints.
pub fn client_error(subject: &str, err: &ClientError, config: &Resolved) -> String {
    let mut out = if subject.is_empty() {
        format!("error: {err}")
    } else {
        format!("error: {subject}: {err}")
    };
    match err {
        ClientError::Status { body, .. } => {
            if err.is_invalid() && !body.details.is_empty() {
                // The message lists the problems too; show them one per line instead.
                out = if subject.is_empty() {
                    "error: the object is invalid:".to_owned()
                } else {
                    format!("error: {subject} is invalid:")
                };
                for detail in &body.details {
                    out.push_str(&format!("\n  - {detail}"));
                }
            }
            match err.status() {
                Some(401) => {
                    out.push_str("\n  hint: pass a token with --token or EMCTL_TOKEN, or add `token:` to ~/.emctlrc")
                }
                Some(403) => out.push_str("\n  hint: this needs a token with the admin role"),
                _ => {}
            }
        }
        ClientError::Transport { source, .. } => {
            out.push_str(&format!("\n  caused by: {}", root_cause(source)));
            out.push_str(&format!(
                "\n  hint: the address comes from {}; start a control plane with `meshd control-plane` or point emctl at yours with --server, EMCTL_SERVER or ~/.emctlrc",
                config.origin
            ));
        }
        _ => {
            if let Some(source) = std::error::Error::source(err) {
                out.push_str(&format!("\n  caused by: {source}"));
            }
        }
    }
    out
}

/// The innermost cause of `err` (`connection refused` rather than `error sending request`).
pub fn root_cause(err: &dyn std::error::Error) -> String {
    let mut last = err;
    while let Some(cause) = last.source() {
        last = cause;
    }
    last.to_string()
}

/// The message for a kind the server knows neither as built in nor as custom (the user's
/// spelling), or `None` for any other failure.
pub fn unknown_kind(kind: &ResourceKind, err: &ClientError) -> Option<String> {
    match kind {
        ResourceKind::Custom(name) if err.is_unknown_kind() => Some(format!(
            "error: unknown kind {name:?}: not a built-in kind (see `emctl api-resources`) and no CustomResourceKind defines it"
        )),
        _ => None,
    }
}

/// One `warning:` line per setting of `resource` that the mesh accepts but does not act on
/// yet (see `meshlib::inert`); `at` says where the object came from (`file: document 2: `).
pub fn inert(at: &str, resource: &Resource) -> Vec<String> {
    let name = crate::output::name_of(resource);
    meshlib::inert::warnings(resource)
        .iter()
        .map(|warning| format!("warning: {at}{name}: {warning}"))
        .collect()
}

/// A refused document.
pub fn document_error(at: &meshlib::decode::DocumentRef, err: &DocumentError) -> String {
    format!("error: {at}: {}", err.report())
}
