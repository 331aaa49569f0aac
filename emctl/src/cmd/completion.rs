//! `emctl completion SHELL`: completion scripts generated from the clap definition. The same
//! scripts are checked into `completions/`; a test fails when they are out of date.

use clap::CommandFactory;
use clap_complete::Shell;

use super::Exit;
use crate::cli::Cli;

/// The script for `shell`.
pub fn script(shell: Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "emctl", &mut out);
    out
}

/// The file name a script has in `completions/`.
#[cfg(test)]
pub fn file_name(shell: Shell) -> &'static str {
    match shell {
        Shell::Bash => "emctl.bash",
        Shell::Zsh => "_emctl",
        Shell::Fish => "emctl.fish",
        Shell::PowerShell => "_emctl.ps1",
        Shell::Elvish => "emctl.elv",
        _ => "emctl.completion",
    }
}

/// Prints the script.
pub fn run(shell: Shell) -> anyhow::Result<Exit> {
    use std::io::Write;
    std::io::stdout().write_all(&script(shell))?;
    Ok(Exit::Success)
}

#[cfg(test)]
mod tests {
    #[test]
    fn checked_in_completions_are_up_to_date() {
        use clap_complete::Shell;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../completions");
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::PowerShell, Shell::Elvish] {
            let name = super::file_name(shell);
            let expected = super::script(shell);
            let path = dir.join(name);
            if std::env::var_os("EMCTL_WRITE_COMPLETIONS").is_some() {
                std::fs::write(&path, &expected).unwrap();
            }
            let actual = std::fs::read(&path).unwrap_or_default();
            assert!(
                actual == expected,
                "completions/{name} is out of date: run `EMCTL_WRITE_COMPLETIONS=1 cargo test -p emctl completions`"
            );
        }
    }
}
