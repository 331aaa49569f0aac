//! Bearer tokens: none → 401, read-only writing → 403, admin → allowed.

use crate::support::{ControlPlane, testdata};

const ADMIN: &str = "admin-token-0123456789";
const READER: &str = "reader-token-0123456789";

#[test]
fn tokens_and_roles_are_enforced() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens.csv");
    std::fs::write(
        &tokens,
        format!("# token,name,role\n{ADMIN},alice,admin\n{READER},bob,readonly\n"),
    )
    .unwrap();
    let cp = ControlPlane::start_with(&["--token-file", tokens.to_str().unwrap()]);

    let anonymous = cp.emctl(&["get", "services"]);
    anonymous.failure();
    insta::assert_snapshot!("no_token", anonymous.snapshot());

    let wrong = cp.emctl(&["--token", "not-a-real-token-at-all", "get", "services"]);
    wrong.failure();
    assert!(wrong.stderr.contains("invalid token"), "{}", wrong.stderr);

    let reader = cp.emctl_with(
        &["apply", "-f", &testdata("examples/tenants.yaml")],
        &[("EMCTL_TOKEN", READER)],
        None,
    );
    reader.failure();
    insta::assert_snapshot!("read_only_write", reader.snapshot());
    cp.emctl_with(&["get", "tenants"], &[("EMCTL_TOKEN", READER)], None)
        .success();

    cp.emctl(&["--token", ADMIN, "apply", "-f", &testdata("examples/tenants.yaml")])
        .success();
    // Probes and the API document stay open.
    let health = std::process::Command::new("curl")
        .args(["-fsS", &format!("{}/healthz", cp.url)])
        .output()
        .unwrap();
    assert!(health.status.success());
}
