//! install, check, uninstall against a real kube-apiserver (scripts/kube-local.sh: built from
//! Debian's kubernetes source package, etcd from Debian; no kubelet, so pods stay Pending).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::ControlPlane;

/// A local Kubernetes control plane, stopped on drop.
pub(crate) struct Kube {
    dir: PathBuf,
    pub(crate) kubeconfig: String,
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/kube-local.sh")
}

impl Kube {
    pub(crate) fn up(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("emctl-kube-{name}-{}", std::process::id()));
        let out = Command::new(script())
            .arg("up")
            .arg(&dir)
            .output()
            .expect("scripts/kube-local.sh runs");
        assert!(
            out.status.success(),
            "scripts/kube-local.sh up failed (build it with `scripts/kube-local.sh build`):\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Self {
            kubeconfig: dir.join("kubeconfig").display().to_string(),
            dir,
        }
    }
}

impl Kube {
    /// A client of this cluster, with the runtime to drive it.
    pub(crate) fn client(&self) -> (tokio::runtime::Runtime, kube::Client) {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let client = runtime.block_on(async {
            let config = kube::Config::from_custom_kubeconfig(
                kube::config::Kubeconfig::read_from(&self.kubeconfig).unwrap(),
                &Default::default(),
            )
            .await
            .unwrap();
            kube::Client::try_from(config).unwrap()
        });
        (runtime, client)
    }
}

impl Drop for Kube {
    fn drop(&mut self) {
        let _ = Command::new(script()).arg("down").arg(&self.dir).output();
    }
}

#[test]
fn install_twice_check_and_uninstall_leave_nothing() {
    let kube = Kube::up("install");
    let cp = ControlPlane::start();
    let tls = tempfile::tempdir().unwrap();
    let env = [("KUBECONFIG", kube.kubeconfig.as_str())];
    let emctl = |args: &[&str]| cp.emctl_with(args, &env, None);

    let pre = emctl(&["check", "--pre"]);
    pre.success();
    insta::assert_snapshot!("cluster_check_pre", pre.snapshot());
    // --context names the kubeconfig context on the cluster commands, as with kubectl.
    let unknown = emctl(&["check", "--pre", "--context", "nope"]);
    unknown.failure();
    insta::assert_snapshot!("cluster_check_unknown_context", unknown.snapshot());

    let install = [
        "install",
        "--storage",
        "empty-dir",
        "--webhook-url",
        "https://127.0.0.1:19443/mutate",
        "--webhook-tls-dir",
        tls.path().to_str().unwrap(),
        "--control-plane-url",
        &cp.url,
    ];
    let first = emctl(&install);
    first.success();
    insta::assert_snapshot!("cluster_install_first", first.snapshot());
    for file in ["ca.crt", "tls.crt", "tls.key"] {
        assert!(
            tls.path().join(file).exists(),
            "{file} written for the outside injector"
        );
    }
    let rc = std::fs::read_to_string(cp.dir.path().join("emctlrc")).unwrap();
    assert!(
        rc.contains(&cp.url) && rc.contains("token:"),
        "~/.emctlrc points at the control plane: {rc}"
    );

    // Again, and once more without the certificate directory: the certificate and tokens kept in
    // the cluster are reused, so nothing changes either way.
    let without_dir: Vec<&str> = install
        .iter()
        .copied()
        .filter(|arg| *arg != "--webhook-tls-dir" && *arg != tls.path().to_str().unwrap())
        .collect();
    for again in [&install[..], &without_dir[..]] {
        assert_unchanged(&emctl(again));
    }

    upgrade_from_sidecars_as_admin(&kube, &emctl, &install);

    let check = emctl(&["check", "--context", "emesh-local"]);
    check.failure();
    assert!(
        check.stdout.contains("× control plane ready: 0/1 replicas ready"),
        "{}",
        check.snapshot()
    );
    assert!(check.stdout.contains("Pending"), "names why: {}", check.snapshot());
    assert!(check.stdout.contains("✔ webhook registered"), "{}", check.snapshot());
    assert!(
        check.stdout.contains("× ingress controller ready: 0/1 replicas ready"),
        "{}",
        check.snapshot()
    );
    // Without the ingress controller: an earlier install's is removed, and check leaves it out.
    let mut without: Vec<&str> = install.to_vec();
    without.push("--no-ingress-controller");
    let removed = emctl(&without);
    removed.success();
    for name in [
        "Secret/easemesh/easemesh-sidecar-token deleted",
        "Deployment/easemesh/easemesh-ingress-controller deleted",
        "Service/easemesh/easemesh-ingress-controller deleted",
    ] {
        assert!(removed.stdout.contains(name), "{name}: {}", removed.snapshot());
    }
    assert!(
        removed.stderr.contains("✔ ingress controller"),
        "{}",
        removed.snapshot()
    );
    assert_unchanged(&emctl(&without));
    // The same from an options file; with nothing left to remove, the stage is not named.
    let file = tls.path().join("install.yaml");
    std::fs::write(&file, "ingressController: false\n").unwrap();
    let mut from_file: Vec<&str> = install.to_vec();
    from_file.extend(["-f", file.to_str().unwrap()]);
    let unchanged = emctl(&from_file);
    assert_unchanged(&unchanged);
    assert!(
        !unchanged.stderr.contains("ingress controller"),
        "{}",
        unchanged.snapshot()
    );
    assert!(!emctl(&["check"]).stdout.contains("ingress controller"));
    let back = emctl(&install[..]);
    back.success();
    assert!(
        back.stdout
            .contains("Deployment/easemesh/easemesh-ingress-controller created"),
        "{}",
        back.snapshot()
    );
    // Its Service changes type in place, from the NodePort it was to a ClusterIP and back.
    for expose in ["none", "nodeport"] {
        let mut exposed: Vec<&str> = install.to_vec();
        exposed.extend(["--ingress-expose", expose]);
        let changed = emctl(&exposed);
        changed.success();
        assert!(
            changed
                .stdout
                .contains("Service/easemesh/easemesh-ingress-controller configured"),
            "{expose}: {}",
            changed.snapshot()
        );
    }
    let json = emctl(&["check", "--kube-context", "emesh-local", "-o", "json"]);
    let checks: serde_json::Value = serde_json::from_str(&json.stdout).expect("check -o json is JSON");
    assert!(checks.as_array().unwrap().iter().any(|c| c["status"] == "fail"));

    let uninstall = emctl(&["uninstall", "--purge"]);
    uninstall.success();
    insta::assert_snapshot!("cluster_uninstall", uninstall.snapshot());
    let again = emctl(&["uninstall"]);
    again.success();
    assert!(again.stderr.contains("nothing to uninstall"), "{}", again.snapshot());
    let after = emctl(&["check", "--pre"]);
    assert!(
        after.stdout.contains("✔ namespace free: easemesh"),
        "{}",
        after.snapshot()
    );
}

/// An install that succeeded and changed nothing.
#[track_caller]
fn assert_unchanged(install: &crate::support::Run) {
    install.success();
    for line in install.stdout.lines().filter(|l| l.starts_with("  ")) {
        assert!(
            line.ends_with(" unchanged"),
            "a second install changes nothing: {line}\n{}",
            install.snapshot()
        );
    }
}

/// The token file of the install in `easemesh`.
fn token_file(secrets: &kube::Api<k8s_openapi::api::core::v1::Secret>, runtime: &tokio::runtime::Runtime) -> String {
    let secret = runtime.block_on(secrets.get(meshlib::install::TOKEN_SECRET)).unwrap();
    String::from_utf8(secret.data.unwrap()["tokens"].0.clone()).unwrap()
}

/// An install made before the `sidecar` role (the sidecars' token as admin, no secrets digest on
/// the control plane's pods) is upgraded by the next install, keeping the tokens, and the one
/// after changes nothing.
fn upgrade_from_sidecars_as_admin(kube: &Kube, emctl: &dyn Fn(&[&str]) -> crate::support::Run, install: &[&str]) {
    use kube::api::{Api, Patch, PatchParams};
    let (runtime, client) = kube.client();
    let secrets: Api<k8s_openapi::api::core::v1::Secret> = Api::namespaced(client.clone(), "easemesh");
    let current = token_file(&secrets, &runtime);
    assert!(current.contains(",sidecars,sidecar\n"), "{current}");
    let older = current.replace(",sidecars,sidecar\n", ",sidecars,admin\n");
    let sets: Api<k8s_openapi::api::apps::v1::StatefulSet> = Api::namespaced(client, "easemesh");
    runtime.block_on(async {
        let data = serde_json::json!({"data": {"tokens": k8s_openapi::ByteString(older.into_bytes())}});
        let params = PatchParams::default();
        secrets
            .patch(meshlib::install::TOKEN_SECRET, &params, &Patch::Merge(&data))
            .await
            .unwrap();
        let annotations = serde_json::json!({"spec": {"template": {"metadata": {"annotations": null}}}});
        sets.patch(meshlib::install::CONTROL_PLANE, &params, &Patch::Merge(&annotations))
            .await
            .unwrap();
    });

    let upgrade = emctl(install);
    upgrade.success();
    for changed in [
        "  Secret/easemesh/easemesh-control-plane-tokens configured",
        "  StatefulSet/easemesh/easemesh-control-plane configured",
    ] {
        assert!(upgrade.stdout.contains(changed), "{changed}:\n{}", upgrade.snapshot());
    }
    assert_eq!(
        token_file(&secrets, &runtime),
        current,
        "the same tokens, the sidecars' as sidecar"
    );
    assert_unchanged(&emctl(install));
}

#[test]
fn install_refuses_bad_options_and_changes_nothing() {
    let kube = Kube::up("bad");
    let cp = ControlPlane::start();
    let env = [("KUBECONFIG", kube.kubeconfig.as_str())];
    let bad = cp.emctl_with(
        &["install", "--replicas", "3", "--registry-type", "zookeeper"],
        &env,
        None,
    );
    bad.failure();
    insta::assert_snapshot!("cluster_install_bad_options", bad.snapshot());
    let pre = cp.emctl_with(&["check", "--pre"], &env, None);
    assert!(
        pre.stdout.contains("✔ namespace free"),
        "nothing was created: {}",
        pre.snapshot()
    );
}

#[test]
fn install_exposed_on_a_node_port_writes_an_rc_context_that_uninstall_removes() {
    use kube::api::{Api, PostParams};
    let kube = Kube::up("expose");
    let cp = ControlPlane::start();
    let env = [("KUBECONFIG", kube.kubeconfig.as_str())];
    let emctl = |args: &[&str]| cp.emctl_with(args, &env, None);
    let rc_path = cp.dir.path().join("emctlrc");
    std::fs::write(
        &rc_path,
        "current-context: other\ncontexts:\n- name: other\n  server: http://other:2381\n",
    )
    .unwrap();
    // No kubelet registers a node here: one is made through the API, as a kubelet would (with a
    // loopback address: nothing here may send traffic elsewhere).
    let (runtime, client) = kube.client();
    runtime.block_on(async {
        let nodes: Api<k8s_openapi::api::core::v1::Node> = Api::all(client.clone());
        let node = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "node-1"},
            "status": {"addresses": [{"type": "Hostname", "address": "node-1"},
                                     {"type": "InternalIP", "address": "127.0.0.2"}]},
        }))
        .unwrap();
        nodes.create(&PostParams::default(), &node).await.unwrap();
    });

    let install = ["install", "--storage", "empty-dir", "--expose", "nodeport"];
    let first = emctl(&install);
    first.success();
    let services: Api<k8s_openapi::api::core::v1::Service> = Api::namespaced(client.clone(), "easemesh");
    let service = runtime
        .block_on(services.get(meshlib::install::EXTERNAL_SERVICE))
        .unwrap();
    let spec = service.spec.unwrap();
    assert_eq!(spec.type_.as_deref(), Some("NodePort"));
    let ports = spec.ports.unwrap();
    assert_eq!(ports.len(), 1, "only the API, not the webhook: {ports:?}");
    let node_port = ports[0].node_port.unwrap().to_string();
    insta::assert_snapshot!(
        "cluster_install_exposed",
        first.snapshot().replace(&node_port, "[NODEPORT]")
    );
    let rc = |path: &std::path::Path| -> serde_json::Value {
        meshlib::yaml::documents(&std::fs::read_to_string(path).unwrap())
            .remove(0)
            .unwrap()
    };
    let written = rc(&rc_path);
    assert_eq!(written["current-context"], "emesh-local", "{written}");
    let contexts = written["contexts"].as_array().unwrap();
    assert_eq!(contexts[0]["name"], "other", "other contexts are kept: {written}");
    assert_eq!(contexts[1]["name"], "emesh-local");
    assert_eq!(contexts[1]["server"], format!("http://127.0.0.2:{node_port}"));
    let secrets: Api<k8s_openapi::api::core::v1::Secret> = Api::namespaced(client, "easemesh");
    let admin = meshlib::install::Tokens::parse(&token_file(&secrets, &runtime)).admin;
    assert_eq!(contexts[1]["token"], admin.as_str(), "the admin token");

    // Again: nothing changes, the node port included.
    assert_unchanged(&emctl(&install));
    assert_eq!(rc(&rc_path), written);

    // A load balancer that never assigns an address (none runs here): install says why.
    let balanced = emctl(&["install", "--storage", "empty-dir", "--expose", "loadbalancer"]);
    balanced.success();
    assert!(
        balanced
            .stdout
            .contains("  Service/easemesh/easemesh-control-plane-external configured"),
        "{}",
        balanced.snapshot()
    );
    assert!(
        balanced.stderr.contains(
            "‼ no address of the control plane outside the cluster: the LoadBalancer Service \
             easemesh/easemesh-control-plane-external has no address yet"
        ) && balanced.stderr.contains("port-forward"),
        "{}",
        balanced.snapshot()
    );
    // Not exposed any more: the external Service goes.
    let internal = emctl(&["install", "--storage", "empty-dir"]);
    internal.success();
    assert!(
        internal
            .stdout
            .contains("  Service/easemesh/easemesh-control-plane-external deleted"),
        "{}",
        internal.snapshot()
    );

    let uninstall = emctl(&["uninstall", "--purge"]);
    uninstall.success();
    assert!(
        uninstall.stderr.contains("  context \"emesh-local\" removed from "),
        "{}",
        uninstall.snapshot()
    );
    assert_eq!(
        rc(&rc_path),
        serde_json::json!({"contexts": [{"name": "other", "server": "http://other:2381"}]}),
        "only install's context goes (and the current-context naming it)"
    );
}
