//! `emctl get -w` streams changes as they happen.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::support::{ControlPlane, emctl_bin};

#[test]
fn watch_streams_additions_changes_and_deletions() {
    let cp = ControlPlane::start();
    cp.emctl_with(
        &["apply", "-f", "-"],
        &[],
        Some("kind: Tenant\nmetadata: {name: a}\nspec: {}\n"),
    )
    .success();
    let mut child = Command::new(emctl_bin())
        .args(["get", "tenants", "-w", "-o", "json"])
        .env("EMCTL_SERVER", &cp.url)
        .env("EMCTL_CONFIG", cp.dir.path().join("none"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next = || -> serde_json::Value { serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap() };
    let first = next();
    assert_eq!(
        (first["type"].as_str(), first["object"]["metadata"]["name"].as_str()),
        (Some("ADDED"), Some("a"))
    );
    cp.emctl_with(
        &["apply", "-f", "-"],
        &[],
        Some("kind: Tenant\nmetadata: {name: b}\nspec: {}\n"),
    )
    .success();
    let added = next();
    assert_eq!(
        (added["type"].as_str(), added["object"]["metadata"]["name"].as_str()),
        (Some("ADDED"), Some("b"))
    );
    cp.emctl_with(
        &["apply", "-f", "-"],
        &[],
        Some("kind: Tenant\nmetadata: {name: b}\nspec: {description: x}\n"),
    )
    .success();
    let modified = next();
    assert_eq!(modified["type"], "MODIFIED");
    assert_eq!(modified["object"]["spec"]["description"], "x");
    cp.emctl(&["delete", "tenant", "a"]).success();
    let deleted = next();
    assert_eq!(
        (deleted["type"].as_str(), deleted["object"]["metadata"]["name"].as_str()),
        (Some("DELETED"), Some("a"))
    );
    child.kill().unwrap();
    let _ = child.wait();
}
