//! Every output format and the informational commands, snapshot-tested.

use crate::support::{ControlPlane, testdata};

#[test]
fn tables_of_every_kind() {
    let cp = ControlPlane::start();
    cp.emctl(&["apply", "-f", &testdata("examples")]).success();
    let mut out = String::new();
    let mut kinds: Vec<&str> = meshlib::kind::KINDS.iter().map(|k| k.name).collect();
    kinds.push("LoadTest");
    for kind in kinds {
        let run = cp.emctl(&["get", kind]);
        out.push_str(&format!("### emctl get {kind}\n{}\n", run.snapshot()));
    }
    insta::assert_snapshot!(out);
}

#[test]
fn formats_of_one_kind() {
    let cp = ControlPlane::start();
    cp.emctl(&["apply", "-f", &testdata("examples")]).success();
    for (name, args) in [
        ("get_wide", &["get", "canary", "-o", "wide"][..]),
        ("get_yaml_one", &["get", "svc", "vets-service", "-o", "yaml"]),
        ("get_json_one", &["get", "lb", "visits-service", "-o", "json"]),
        ("get_yaml_list", &["get", "tenants", "-o", "yaml"]),
        ("get_name", &["get", "svc", "-o", "name"]),
        ("get_no_headers", &["get", "hrg", "--no-headers"]),
        (
            "get_several_names",
            &["get", "svc", "vets-service", "ghost", "api-gateway"],
        ),
        ("describe", &["describe", "svc", "vets-service"]),
        ("describe_write_only", &["describe", "shadowservice", "shadow-vets"]),
        ("get_yaml_write_only", &["get", "shadow", "shadow-vets", "-o", "yaml"]),
    ] {
        insta::assert_snapshot!(name, cp.emctl(args).snapshot());
    }
}

#[test]
fn informational_commands_and_usage() {
    let cp = ControlPlane::start();
    insta::assert_snapshot!("api_resources", cp.emctl(&["api-resources"]).snapshot());
    insta::assert_snapshot!("help", cp.emctl(&["--help"]).snapshot());
    insta::assert_snapshot!("get_help", cp.emctl(&["get", "--help"]).snapshot());
    insta::assert_snapshot!("dashboard_help", cp.emctl(&["dashboard", "--help"]).snapshot());
    insta::assert_snapshot!("completion_help", cp.emctl(&["completion", "--help"]).snapshot());
    // Without a terminal the dashboard says what to use instead.
    let piped = cp.emctl(&["dashboard"]);
    piped.failure();
    assert!(piped.stderr.contains("needs a terminal"), "{}", piped.stderr);
    let version = cp.emctl(&["version"]);
    version.success();
    assert!(
        version.stdout.contains("Control plane:  ") && version.stdout.contains("store: redb"),
        "{}",
        version.stdout
    );
    let usage = cp.emctl(&["get"]);
    assert_eq!(usage.code, 64, "{}", usage.snapshot());
    let usage = cp.emctl(&["apply", "--no-such-flag"]);
    assert_eq!(usage.code, 64);
    let empty = cp.emctl(&["get", "services"]);
    empty.success();
    assert_eq!(
        (empty.stdout.as_str(), empty.stderr.as_str()),
        ("", "No resources found.\n")
    );
}

#[test]
fn unreachable_server_is_explained() {
    let cp = ControlPlane::start();
    let run = cp.emctl_with(&["get", "services"], &[("EMCTL_SERVER", "127.0.0.1:9")], None);
    insta::assert_snapshot!(run.snapshot());
}

#[test]
fn rc_file_contexts_choose_the_server() {
    let cp = ControlPlane::start();
    let rc = cp.dir.path().join("emctlrc");
    std::fs::write(
        &rc,
        format!("server: 127.0.0.1:9\ncurrent-context: local\ncontexts:\n- name: local\n  server: {}\n- name: dead\n  server: 127.0.0.1:9\n", cp.url),
    )
    .unwrap();
    let without_env = |args: &[&str]| {
        let mut command = std::process::Command::new(crate::support::emctl_bin());
        command.args(args).env_clear().env("EMCTL_CONFIG", &rc);
        crate::support::run(command, None)
    };
    without_env(&["get", "services"]).success();
    let dead = without_env(&["--context", "dead", "get", "services"]);
    dead.failure();
    assert!(dead.stderr.contains("the context in ~/.emctlrc"), "{}", dead.stderr);
    let unknown = without_env(&["--context", "nope", "get", "services"]);
    unknown.failure();
    assert!(unknown.stderr.contains("no context \"nope\""), "{}", unknown.stderr);
    // EaseMesh's single `server:` key still works on its own.
    std::fs::write(&rc, format!("server: {}\n", cp.url.trim_start_matches("http://"))).unwrap();
    without_env(&["get", "services"]).success();
}
