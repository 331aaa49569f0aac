//! Dynamic shell completion (`COMPLETE=<shell> emctl`, clap_complete's engine): kinds from the
//! kind table plus the server's custom kinds, and names of the kind already typed on the line.
//! The server is asked with a hard 1 s timeout; when it does not answer, names quietly complete
//! to nothing (built-in kinds still complete).
//!
//! clap does not hand completers the arguments parsed so far (clap-rs/clap#5784), so the line is
//! parsed again here from the words after `--`, which is how the shell passes them; `--server`,
//! `--context` and `--token` typed on the line are honoured.

use std::ffi::{OsStr, OsString};
use std::time::Duration;

use clap::{CommandFactory, FromArgMatches};
use clap_complete::CompletionCandidate;
use meshlib::client::{Client, Config};
use meshlib::kind::{KINDS, Kind, ResourceKind};

use crate::cli::{Cli, GlobalArgs};

/// How long completion may wait for the server.
const TIMEOUT: Duration = Duration::from_secs(1);

/// Candidates for a kind argument: the kind table's spellings, then the server's custom kinds.
pub fn kinds(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(current) = current.to_str() else {
        return Vec::new();
    };
    let mut out = builtin_kinds(current);
    let custom = line()
        .and_then(|(global, _)| ask(&global, &ResourceKind::Builtin(Kind::CustomResourceKind)))
        .unwrap_or_default();
    out.extend(
        custom
            .into_iter()
            .filter(|name| name.starts_with(current))
            .map(|name| CompletionCandidate::new(name).help(Some("custom kind".into()))),
    );
    out
}

/// Candidates for names of the kind already typed on the line, from the server.
pub fn names(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(current) = current.to_str() else {
        return Vec::new();
    };
    let Some((global, Some(kind))) = line() else {
        return Vec::new();
    };
    let mut names = ask(&global, &ResourceKind::lookup(&kind)).unwrap_or_default();
    names.retain(|name| name.starts_with(current));
    names.into_iter().map(CompletionCandidate::new).collect()
}

/// Built-in kind spellings starting with `current` (ignoring case): plurals with their
/// descriptions when nothing is typed yet, every name, plural and short name otherwise.
pub fn builtin_kinds(current: &str) -> Vec<CompletionCandidate> {
    let current = current.to_ascii_lowercase();
    let mut out: Vec<CompletionCandidate> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for info in KINDS {
        let name = info.name.to_ascii_lowercase();
        let spellings: Vec<&str> = if current.is_empty() {
            vec![info.plural]
        } else {
            [info.plural, name.as_str()]
                .into_iter()
                .chain(info.aliases.iter().copied())
                .collect()
        };
        for spelling in spellings {
            if spelling.starts_with(&current) && seen.insert(spelling.to_owned()) {
                out.push(CompletionCandidate::new(spelling).help(Some(info.description.into())));
            }
        }
    }
    out
}

/// The global flags and the kind word of the line being completed.
fn line() -> Option<(GlobalArgs, Option<String>)> {
    let words: Vec<OsString> = std::env::args_os().skip_while(|a| a != "--").skip(1).collect();
    parse_line(words)
}

/// Parses a partial command line (`emctl get si or`) as far as it goes.
fn parse_line(words: Vec<OsString>) -> Option<(GlobalArgs, Option<String>)> {
    let matches = Cli::command().ignore_errors(true).try_get_matches_from(words).ok()?;
    // Global flags are propagated down to the subcommand, wherever they were typed.
    let leaf = matches.subcommand().map_or(&matches, |(_, sub)| sub);
    let global = GlobalArgs::from_arg_matches(leaf).ok()?;
    let kind = leaf.try_get_one::<String>("kind").ok().flatten().cloned();
    Some((global, kind))
}

/// Names of `kind` on the server the line points at; `None` when it does not answer in time.
fn ask(global: &GlobalArgs, kind: &ResourceKind) -> Option<Vec<String>> {
    let resolved = crate::config::resolve(global).ok()?;
    let config = Config {
        server: resolved.server,
        token: resolved.token,
        timeout: TIMEOUT,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    runtime.block_on(async {
        let client = Client::new(&config).ok()?;
        let list = tokio::time::timeout(TIMEOUT, client.list(kind, None))
            .await
            .ok()?
            .ok()?;
        Some(list.items.into_iter().map(|r| r.metadata.name).collect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(candidates: &[CompletionCandidate]) -> Vec<String> {
        candidates
            .iter()
            .map(|c| c.get_value().to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn kinds_complete_from_the_table() {
        let empty = values(&builtin_kinds(""));
        assert_eq!(empty.len(), KINDS.len(), "one plural per kind when nothing is typed");
        assert!(empty.contains(&"services".to_owned()));
        assert_eq!(
            values(&builtin_kinds("se")),
            [
                "services",
                "service",
                "serviceinstances",
                "serviceinstance",
                "servicecanaries",
                "servicecanary",
                "servicefences",
                "servicefence"
            ]
        );
        assert_eq!(values(&builtin_kinds("SV")), ["svc"]);
        assert!(builtin_kinds("zz").is_empty());
    }

    #[test]
    fn the_line_gives_the_kind_and_the_flags_wherever_typed() {
        let words = |line: &str| line.split(' ').map(OsString::from).collect::<Vec<_>>();
        let (global, kind) = parse_line(words("emctl get si vets")).unwrap();
        assert_eq!(kind.as_deref(), Some("si"));
        assert_eq!(global.server, None);
        let (global, kind) = parse_line(words("emctl -s 10.0.0.1:2381 describe svc ")).unwrap();
        assert_eq!(
            (global.server.as_deref(), kind.as_deref()),
            (Some("10.0.0.1:2381"), Some("svc"))
        );
        let (global, kind) = parse_line(words("emctl delete tenant --context prod p")).unwrap();
        assert_eq!(
            (global.context.as_deref(), kind.as_deref()),
            (Some("prod"), Some("tenant"))
        );
        let (_, kind) = parse_line(words("emctl version")).unwrap();
        assert_eq!(kind, None);
    }
}
