//! `emctl get -w` streams changes as they happen.

use crate::support::ControlPlane;

#[test]
fn watch_streams_additions_changes_and_deletions() {
    let cp = ControlPlane::start();
    cp.emctl_with(
        &["apply", "-f", "-"],
        &[],
        Some("kind: Tenant\nmetadata: {name: a}\nspec: {}\n"),
    )
    .success();
    let mut watch = cp.watch(&["get", "tenants"]);
    let mut next = || watch.next();
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
}
