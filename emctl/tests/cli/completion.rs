//! Dynamic completion (`COMPLETE=bash emctl`): kinds and names from a real control plane, and
//! nothing (quickly) when the server does not answer.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::{ControlPlane, Run, emctl_bin, run, testdata};

/// What bash would get for the last word of `line`, completing against `server` (values only:
/// with nothing typed yet, clap also offers the flags).
fn complete(cp: &ControlPlane, server: &str, line: &str) -> (Vec<String>, Duration) {
    let words: Vec<&str> = line.split(' ').collect();
    let mut command = Command::new(emctl_bin());
    command
        .arg("--")
        .args(&words)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", cp.dir.path())
        .env("EMCTL_CONFIG", cp.dir.path().join("none"))
        .env("EMCTL_SERVER", server)
        .env("COMPLETE", "bash")
        .env("_CLAP_COMPLETE_INDEX", (words.len() - 1).to_string())
        .env("_CLAP_IFS", "\n");
    let start = Instant::now();
    let Run { code, stdout, stderr } = run(command, None);
    assert_eq!(code, 0, "{stderr}");
    let values = stdout.lines().filter(|l| !l.starts_with('-')).map(str::to_owned);
    (values.collect(), start.elapsed())
}

#[test]
fn kinds_and_names_come_from_the_server() {
    let cp = ControlPlane::start();
    cp.emctl(&["apply", "-f", &testdata("examples")]).success();
    let (kinds, _) = complete(&cp, &cp.url, "emctl get servicec");
    assert_eq!(kinds, ["servicecanaries", "servicecanary"]);
    let (custom, _) = complete(&cp, &cp.url, "emctl get LoadT");
    assert_eq!(custom, ["LoadTest"], "custom kinds from the server");
    let (names, _) = complete(&cp, &cp.url, "emctl describe svc v");
    assert_eq!(names, ["vets-service", "visits-service"]);
    let (names, _) = complete(&cp, &cp.url, "emctl get tenants ");
    assert_eq!(names, ["global", "payments", "pet"]);
    let (names, _) = complete(&cp, "127.0.0.1:1", &format!("emctl --server {} edit tn p", cp.url));
    assert_eq!(names, ["payments", "pet"], "--server on the line wins");
}

#[test]
fn a_silent_server_completes_nothing_within_a_second() {
    let cp = ControlPlane::start();
    // Accepts connections (the kernel does) but never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let server = silent.local_addr().unwrap().to_string();
    let (names, took) = complete(&cp, &server, "emctl get svc ");
    assert!(names.is_empty(), "{names:?}");
    assert!(took < Duration::from_millis(2500), "took {took:?}");
    let (kinds, _) = complete(&cp, &server, "emctl get tena");
    assert_eq!(kinds, ["tenants", "tenant"], "built-in kinds still complete");
}

#[test]
fn the_shell_registration_is_printed() {
    let cp = ControlPlane::start();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let run = cp.emctl_with(&[], &[("COMPLETE", shell)], None);
        run.success();
        assert!(run.stdout.contains("emctl"), "{shell}: {}", run.stdout);
    }
}
