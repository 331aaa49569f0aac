//! migrate and rollback against a real kube-apiserver (scripts/kube-local.sh): Deployments moved
//! into the mesh through the real webhook and given back as they were.

use meshlib::inject::{ENABLE, SERVICE_NAME, SIDECAR_CONTAINER as SIDECAR};

use crate::cluster::Kube;
use crate::support::ControlPlane;

/// A Deployment of one container listening on 8080.
fn deployment(namespace: &str, name: &str) -> k8s_openapi::api::apps::v1::Deployment {
    serde_json::from_value(serde_json::json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": name, "image": "shop/app:1", "ports": [{"containerPort": 8080}]}]},
            },
        },
    }))
    .unwrap()
}

fn containers(deployment: &k8s_openapi::api::apps::v1::Deployment) -> Vec<String> {
    let spec = deployment.spec.as_ref().unwrap().template.spec.as_ref().unwrap();
    spec.containers.iter().map(|c| c.name.clone()).collect()
}

#[test]
fn migrate_moves_deployments_into_the_mesh_through_the_real_webhook_and_back() {
    use kube::api::{Api, PostParams};
    let kube = Kube::up("migrate");
    let tls = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let webhook = format!("https://127.0.0.1:{port}/mutate");
    let tls_dir = tls.path().to_str().unwrap();
    let env = [("KUBECONFIG", kube.kubeconfig.as_str())];
    let install = [
        "install",
        "--storage",
        "empty-dir",
        "--webhook-url",
        &webhook,
        "--webhook-tls-dir",
        tls_dir,
    ];

    // The first install writes the injector's certificate; the injector (meshd) starts with it;
    // the second install finds the cluster unchanged and creates the MeshController there.
    let scratch = ControlPlane::start();
    scratch.emctl_with(&install, &env, None).success();
    let cert = |file: &str| tls.path().join(file).display().to_string();
    let listen = format!("127.0.0.1:{port}");
    let (crt, key) = (cert("tls.crt"), cert("tls.key"));
    let cp = ControlPlane::start_with(&[
        "--insecure-no-auth",
        "--webhook-listen",
        &listen,
        "--webhook-cert-file",
        &crt,
        "--webhook-key-file",
        &key,
    ]);
    let mut with_cp = install.to_vec();
    with_cp.extend(["--control-plane-url", cp.url.as_str()]);
    cp.emctl_with(&with_cp, &env, None).success();
    let check = cp.emctl_with(&["check"], &env, None);
    assert!(check.stdout.contains("✔ webhook reachable"), "{}", check.snapshot());
    assert!(
        check.stdout.contains("✔ control plane answering"),
        "{}",
        check.snapshot()
    );
    assert!(
        check
            .stdout
            .contains("✔ system namespaces excluded: kube-system, kube-public, easemesh"),
        "{}",
        check.snapshot()
    );

    let (runtime, client) = kube.client();
    let deployments: Api<k8s_openapi::api::apps::v1::Deployment> = Api::namespaced(client.clone(), "shop");
    runtime.block_on(async {
        let namespaces: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(client.clone());
        let ns = serde_json::from_value(serde_json::json!({"metadata": {"name": "shop"}})).unwrap();
        namespaces.create(&PostParams::default(), &ns).await.unwrap();
        for name in ["order", "stock", "front"] {
            deployments
                .create(&PostParams::default(), &deployment("shop", name))
                .await
                .unwrap();
        }
    });

    // The injector never sees the system namespaces (on this 1.20 API server, which does not label
    // namespaces with their names, thanks to the opt-out label install put on them): an annotated
    // Deployment in kube-system stays as it is, one in an application namespace is injected.
    runtime.block_on(async {
        for (namespace, expected) in [("kube-system", &["annotated"][..]), ("shop", &["annotated", SIDECAR])] {
            let mut annotated = deployment(namespace, "annotated");
            annotated.metadata.annotations = Some(
                [(ENABLE, "true"), (SERVICE_NAME, "annotated")]
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .into(),
            );
            let api: Api<k8s_openapi::api::apps::v1::Deployment> = Api::namespaced(client.clone(), namespace);
            let created = api.create(&PostParams::default(), &annotated).await.unwrap();
            assert_eq!(containers(&created), expected, "in {namespace}");
        }
    });

    let no_terminal = cp.emctl_with(&["migrate", "-n", "shop"], &env, None);
    no_terminal.failure();
    assert!(
        no_terminal.stderr.contains("--deployment"),
        "{}",
        no_terminal.snapshot()
    );

    let migrate = cp.emctl_with(
        &[
            "migrate",
            "--deployment",
            "shop/order",
            "--deployment",
            "stock",
            "--tenant",
            "shop",
            "--yes",
        ],
        &env,
        None,
    );
    migrate.success();
    insta::assert_snapshot!("cluster_migrate", migrate.snapshot());
    runtime.block_on(async {
        for name in ["order", "stock"] {
            let stored = deployments.get(name).await.unwrap();
            assert_eq!(containers(&stored), [name, SIDECAR], "{name} carries the sidecar");
        }
        assert_eq!(
            containers(&deployments.get("front").await.unwrap()),
            ["front"],
            "front was not picked"
        );
    });
    let services = cp.emctl(&["get", "service", "-o", "name"]);
    assert_eq!(
        services.stdout,
        "service/order\nservice/stock\n",
        "{}",
        services.snapshot()
    );
    let again = cp.emctl_with(&["migrate", "--deployment", "shop/order", "--yes"], &env, None);
    again.success();
    assert!(again.stderr.contains("already in the mesh"), "{}", again.snapshot());

    let rollback = cp.emctl_with(&["migrate", "--rollback", "shop/order", "--yes"], &env, None);
    rollback.success();
    assert!(
        rollback
            .stdout
            .contains("deployment/shop/order restored as it was before migrate"),
        "{}",
        rollback.snapshot()
    );
    runtime.block_on(async {
        let order = deployments.get("order").await.unwrap();
        assert_eq!(containers(&order), ["order"], "the sidecar is gone");
        let annotations = order.metadata.annotations.unwrap_or_default();
        assert!(
            !annotations.keys().any(|k| k.starts_with("mesh.megaease.com/")),
            "no mesh annotation left: {annotations:?}"
        );
    });

    // stock is still migrated: uninstall gives it back, after asking.
    let unasked = cp.emctl_with(&["uninstall", "--purge"], &env, None);
    unasked.failure();
    assert!(
        unasked.stderr.contains("pass --yes") && unasked.stderr.contains("--keep-workloads"),
        "{}",
        unasked.snapshot()
    );
    let uninstall = cp.emctl_with(&["uninstall", "--purge", "--yes"], &env, None);
    uninstall.success();
    assert!(
        uninstall
            .stdout
            .contains("deployment/shop/stock restored as it was before migrate"),
        "{}",
        uninstall.snapshot()
    );
    runtime.block_on(async {
        assert_eq!(containers(&deployments.get("stock").await.unwrap()), ["stock"]);
        let secrets: Api<k8s_openapi::api::core::v1::Secret> = Api::namespaced(client.clone(), "shop");
        assert!(
            secrets.get_opt("easemesh-sidecar-token").await.unwrap().is_none(),
            "uninstall removes it too"
        );
        let namespaces: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(client.clone());
        for system in ["kube-system", "kube-public"] {
            let labels = namespaces
                .get(system)
                .await
                .unwrap()
                .metadata
                .labels
                .unwrap_or_default();
            assert!(
                !labels.keys().any(|key| key.starts_with("mesh.megaease.com/")),
                "uninstall leaves no mesh label on {system}: {labels:?}"
            );
        }
    });
}
