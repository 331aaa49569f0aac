//! `emctl edit` with scripted editors: a good edit, an invalid one, and a concurrent change.

use std::os::unix::fs::PermissionsExt;

use crate::support::{ControlPlane, emctl_bin, testdata};

fn editor(cp: &ControlPlane, name: &str, script: &str) -> String {
    let path = cp.dir.path().join(name);
    std::fs::write(&path, format!("#!/bin/sh\nset -e\n{script}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn an_edit_is_validated_and_saved() {
    let cp = ControlPlane::start();
    cp.emctl(&["apply", "-f", &testdata("examples/tenants.yaml")]).success();
    let sed = editor(
        &cp,
        "sed-editor",
        "sed -i 's/The PetClinic services/Pet clinic/' \"$1\"",
    );
    let run = cp.emctl_with(&["edit", "tenant", "pet"], &[("EDITOR", &sed)], None);
    run.success();
    assert_eq!(run.stdout, "tenant/pet edited\n");
    let yaml = cp.emctl(&["get", "tenant", "pet", "-o", "yaml"]);
    assert!(yaml.stdout.contains("description: Pet clinic"), "{}", yaml.stdout);

    let untouched = editor(&cp, "true-editor", "true");
    let run = cp.emctl_with(&["edit", "tenant", "pet"], &[("EMCTL_EDITOR", &untouched)], None);
    run.success();
    assert_eq!(run.stdout, "Edit cancelled, no changes made.\n");
}

#[test]
fn an_invalid_edit_is_reopened_then_kept() {
    let cp = ControlPlane::start();
    cp.emctl(&["apply", "-f", &testdata("examples/tenants.yaml")]).success();
    let bad = editor(&cp, "bad-editor", "sed -i 's/^  description:.*/  colour: blue/' \"$1\"");
    let run = cp.emctl_with(&["edit", "tenant", "pet"], &[("EDITOR", &bad)], None);
    run.failure();
    assert!(
        run.stderr.contains("spec.colour: unknown field") && run.stderr.contains("your changes are kept in"),
        "{}",
        run.stderr
    );
    let unchanged = cp.emctl(&["get", "tenant", "pet", "-o", "yaml"]);
    assert!(!unchanged.stdout.contains("colour"));
}

#[test]
fn a_concurrent_change_is_not_overwritten() {
    let cp = ControlPlane::start();
    cp.emctl(&["apply", "-f", &testdata("examples/tenants.yaml")]).success();
    let other = cp.dir.path().join("other.yaml");
    std::fs::write(
        &other,
        "kind: Tenant\nmetadata: {name: pet}\nspec: {description: changed meanwhile}\n",
    )
    .unwrap();
    // While "editing", someone else applies a change.
    let racing = editor(
        &cp,
        "racing-editor",
        &format!(
            "sed -i 's/The PetClinic services/mine/' \"$1\"\n\"{}\" apply -f \"{}\" >/dev/null",
            emctl_bin().display(),
            other.display()
        ),
    );
    let run = cp.emctl_with(&["edit", "tenant", "pet"], &[("EDITOR", &racing)], None);
    run.failure();
    assert!(run.stderr.contains("changed by someone else"), "{}", run.stderr);
    assert!(run.stderr.contains("your changes are kept in"), "{}", run.stderr);
    let yaml = cp.emctl(&["get", "tenant", "pet", "-o", "yaml"]);
    assert!(
        yaml.stdout.contains("changed meanwhile"),
        "the other change was lost: {}",
        yaml.stdout
    );
}

#[test]
fn a_stale_resource_version_in_a_file_is_refused() {
    let cp = ControlPlane::start();
    cp.emctl(&["apply", "-f", &testdata("examples/tenants.yaml")]).success();
    let yaml = cp.emctl(&["get", "tenant", "pet", "-o", "yaml"]).stdout.clone();
    cp.emctl_with(
        &["apply", "-f", "-"],
        &[],
        Some("kind: Tenant\nmetadata: {name: pet}\nspec: {description: newer}\n"),
    )
    .success();
    let stale = yaml.replace("The PetClinic services", "older");
    let run = cp.emctl_with(&["apply", "-f", "-"], &[], Some(&stale));
    run.failure();
    assert!(run.stderr.contains("stale resourceVersion"), "{}", run.stderr);
}

#[test]
fn a_saved_edit_warns_about_settings_the_mesh_does_not_act_on() {
    let cp = ControlPlane::start();
    cp.emctl_with(
        &["apply", "-f", "-"],
        &[],
        Some("kind: TrafficSplit\nmetadata: {name: order}\nspec: {service: order, backends: [{service: order, weight: 1}]}\n"),
    )
    .success();
    let matches = editor(
        &cp,
        "matches-editor",
        "printf '  matches:\\n  - {kind: HTTPRouteGroup, name: api}\\n' >> \"$1\"",
    );
    let run = cp.emctl_with(&["edit", "trafficsplit", "order"], &[("EDITOR", &matches)], None);
    run.success();
    assert_eq!(run.stdout, "trafficsplit/order edited\n");
    assert_eq!(
        run.stderr,
        "warning: trafficsplit/order: spec.matches is accepted but not acted on yet: every request to the service is split, whatever it matches\n"
    );
}
