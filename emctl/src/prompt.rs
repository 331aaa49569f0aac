//! Questions to the user (dialoguer), refused when there is no terminal to ask in.

use anyhow::bail;

/// Asks a yes/no question (default no). Without a terminal it fails, naming the flag that
/// answers it (`--yes`).
///
/// # Errors
/// No terminal on stdin, or the terminal could not be read.
pub fn confirm(prompt: &str) -> anyhow::Result<bool> {
    if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        bail!("no terminal to confirm in: pass --yes");
    }
    Ok(dialoguer::Confirm::new()
        .with_prompt(prompt)
        .default(false)
        .interact()?)
}
