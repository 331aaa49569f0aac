//! apply / get / delete round trips of every example, refusals, and what they leave behind.

use meshlib::kind::KINDS;

use crate::support::{ControlPlane, redact, store_revision, testdata};

#[test]
fn examples_apply_read_back_and_reapply_unchanged() {
    let cp = ControlPlane::start();
    let first = cp.emctl(&["apply", "-f", &testdata("examples")]);
    first.success();
    insta::assert_snapshot!("apply_examples", first.snapshot());

    let again = cp.emctl(&["apply", "-f", &testdata("examples")]);
    again.success();
    assert!(
        again.stdout.lines().all(|l| l.ends_with(" unchanged")),
        "{}",
        again.stdout
    );
    assert_eq!(again.stdout.lines().count(), first.stdout.lines().count());

    // What `get -o yaml` prints re-applies with no change, for every kind.
    let mut kinds: Vec<&str> = KINDS.iter().filter(|k| k.writable).map(|k| k.plural).collect();
    kinds.push("LoadTest");
    for kind in kinds {
        let yaml = cp.emctl(&["get", kind, "-o", "yaml"]);
        yaml.success();
        let path = cp.dir.path().join(format!("{kind}.yaml"));
        std::fs::write(&path, &yaml.stdout).unwrap();
        let reapplied = cp.emctl(&["apply", "-f", path.to_str().unwrap()]);
        reapplied.success();
        assert!(
            !reapplied.stdout.is_empty() && reapplied.stdout.lines().all(|l| l.ends_with(" unchanged")),
            "{kind}: {}",
            reapplied.snapshot()
        );
        let json = cp.emctl(&["get", kind, "-o", "json"]);
        let path = cp.dir.path().join(format!("{kind}.json"));
        std::fs::write(&path, &json.stdout).unwrap();
        let reapplied = cp.emctl(&["apply", "-f", path.to_str().unwrap()]);
        assert!(
            reapplied.stdout.lines().all(|l| l.ends_with(" unchanged")),
            "{kind}: {}",
            reapplied.snapshot()
        );
    }

    // Delete everything the examples made; parts, services and tenants go in the right order.
    let deleted = cp.emctl(&["delete", "-f", &testdata("examples")]);
    deleted.success();
    for kind in [
        "services",
        "tenants",
        "servicecanaries",
        "customresourcekinds",
        "meshcontrollers",
    ] {
        let left = cp.emctl(&["get", kind]);
        left.success();
        assert_eq!(left.stdout, "", "{kind} left behind: {}", left.stdout);
        assert_eq!(left.stderr, "No resources found.\n");
    }
}

#[test]
fn every_invalid_fixture_is_refused_and_nothing_is_written() {
    let cp = ControlPlane::start();
    let before = store_revision(&cp);
    let mut count = 0;
    for entry in std::fs::read_dir(testdata("invalid")).unwrap() {
        let path = entry.unwrap().path();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let run = cp.emctl(&["apply", "-f", path.to_str().unwrap()]);
        run.failure();
        assert!(run.stdout.is_empty(), "{file}: {}", run.stdout);
        assert!(
            run.stderr.contains(&file) && run.stderr.contains("document 1"),
            "{file}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains("  - ") || run.stderr.contains("invalid YAML"),
            "{file}: no field named: {}",
            run.stderr
        );
        count += 1;
    }
    assert!(count >= 40);
    let all = cp.emctl(&["apply", "-f", &testdata("invalid")]);
    all.failure();
    assert_eq!(store_revision(&cp), before, "an invalid document changed the store");
}

#[test]
fn a_bad_document_does_not_stop_the_others() {
    let cp = ControlPlane::start();
    let input = "kind: Tenant\nmetadata: {name: t1}\nspec: {}\n---\nkind: Tenant\nmetadata: {name: \"bad name\"}\nspec: {}\n---\nkind: Service\nmetadata: {name: order}\nspec: {registerTenant: t1}\n";
    let run = cp.emctl_with(&["apply", "-f", "-"], &[], Some(input));
    insta::assert_snapshot!(run.snapshot());
}

#[test]
fn server_side_rules_refuse_with_clear_messages() {
    let cp = ControlPlane::start();
    cp.emctl(&["apply", "-f", &testdata("examples")]).success();
    let cases: &[(&str, &[&str], Option<&str>)] = &[
        (
            "service in a missing tenant",
            &["apply", "-f", "-"],
            Some("kind: Service\nmetadata: {name: pay}\nspec: {registerTenant: nowhere}\n"),
        ),
        (
            "create what exists",
            &["create", "-f", "-"],
            Some("kind: Tenant\nmetadata: {name: pet}\nspec: {}\n"),
        ),
        ("delete a tenant in use", &["delete", "tenant", "pet"], None),
        ("delete a custom kind in use", &["delete", "crk", "LoadTest"], None),
        (
            "custom resource breaking its schema",
            &["apply", "-f", "-"],
            Some("kind: LoadTest\nmetadata: {name: s2}\nspec: {target: 3, extra: x}\n"),
        ),
        (
            "custom resource of no kind",
            &["apply", "-f", "-"],
            Some("kind: Widget\nmetadata: {name: w}\nspec: {}\n"),
        ),
        (
            "instances are not applied",
            &["apply", "-f", "-"],
            Some("kind: ServiceInstance\nmetadata: {name: order/i-1}\nspec: {serviceName: order, instanceID: i-1}\n"),
        ),
        (
            "a second mesh controller",
            &["apply", "-f", "-"],
            Some("kind: MeshController\nmetadata: {name: other}\nheartbeatInterval: 10s\n"),
        ),
        (
            "part of a missing service",
            &["apply", "-f", "-"],
            Some("kind: LoadBalance\nmetadata: {name: ghost}\nspec: {policy: random}\n"),
        ),
        ("get a missing object", &["get", "service", "ghost"], None),
        ("get an unknown kind", &["get", "widgets"], None),
        ("delete a missing object", &["delete", "service", "ghost"], None),
    ];
    let mut report = String::new();
    for (title, args, stdin) in cases {
        let run = cp.emctl_with(args, &[], *stdin);
        assert_eq!(run.code, 1, "{title}: {}", run.snapshot());
        report.push_str(&format!("### {title}: emctl {}\n{}\n", args.join(" "), run.snapshot()));
    }
    insta::assert_snapshot!(report);
    cp.emctl(&["get", "service", "ghost", "--ignore-not-found"]).success();
    cp.emctl(&["delete", "service", "ghost", "--ignore-not-found"])
        .success();
}

#[test]
fn labels_select_objects() {
    let cp = ControlPlane::start();
    cp.emctl(&["apply", "-f", &testdata("examples")]).success();
    let run = cp.emctl(&["get", "svc", "-l", "team=clinic", "-o", "name"]);
    assert_eq!(run.stdout, "service/vets-service\n");
    let run = cp.emctl(&["get", "tenants", "-l", "!owner", "-o", "name"]);
    assert_eq!(run.stdout, "tenant/global\ntenant/pet\n");
    let run = cp.emctl(&["get", "svc", "-l", "=bad"]);
    assert_eq!(run.code, 1);
    assert!(redact(&run.stderr).contains("invalid label selector"), "{}", run.stderr);
}

/// Serves `body` once over HTTP on loopback and returns the URL.
fn serve_once(status: &'static str, body: String) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/mesh.yaml", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            use std::io::{Read, Write};
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

#[test]
fn apply_reads_urls_and_stdin() {
    let cp = ControlPlane::start();
    let tenants = std::fs::read_to_string(testdata("examples/tenants.yaml")).unwrap();
    let url = serve_once("200 OK", tenants);
    let run = cp.emctl(&["apply", "-f", &url]);
    run.success();
    assert_eq!(run.stdout, "tenant/pet created\ntenant/global created\n");
    let missing = serve_once("404 Not Found", String::new());
    let run = cp.emctl(&["apply", "-f", &missing]);
    run.failure();
    assert!(run.stderr.contains("status 404"), "{}", run.stderr);
    let run = cp.emctl_with(
        &["apply", "-f", "-"],
        &[],
        Some("kind: Tenant\nmetadata: {name: from-stdin}\nspec: {}\n"),
    );
    assert_eq!(run.stdout, "tenant/from-stdin created\n");
    let run = cp.emctl(&["apply", "-f", "no/such/file.yaml"]);
    run.failure();
    assert!(
        run.stderr.contains("the path \"no/such/file.yaml\" does not exist"),
        "{}",
        run.stderr
    );
}

#[test]
fn apply_warns_about_settings_the_mesh_does_not_act_on() {
    let cp = ControlPlane::start();
    let input = "\
kind: MeshController
metadata: {name: easemesh-controller}
heartbeatInterval: 5s
security: {mtlsMode: permissive}
workerSpec: {ingress: {keepAlive: true}}
---
kind: Tenant
metadata: {name: shop}
spec: {}
---
kind: Service
metadata: {name: order}
spec:
  registerTenant: shop
  sidecar: {discoveryType: eureka, address: 127.0.0.1, ingressPort: 14001, egressPort: 13002}
  observability: {metrics: {enabled: true}}
---
kind: ServiceFence
metadata: {name: order}
spec: {enable: true, staticDependencies: [stock]}
---
kind: LoadBalance
metadata: {name: order}
spec: {policy: random}
";
    let run = cp.emctl_with(&["apply", "-f", "-"], &[], Some(input));
    run.success();
    insta::assert_snapshot!("apply_warns_not_acted_on", run.snapshot());
    // The warnings are the same for create, and for a dry run; they never change the exit code.
    let dry = cp.emctl_with(&["create", "-f", "-", "--dry-run"], &[], Some(input));
    dry.success();
    assert_eq!(dry.stderr, run.stderr);
}
