use super::*;

fn tls() -> WebhookTls {
    WebhookTls {
        ca: "CA PEM".into(),
        cert: "CERT PEM".into(),
        key: "KEY PEM".into(),
    }
}

fn tokens() -> Tokens {
    Tokens {
        admin: "ADMIN".into(),
        sidecar: "SIDECAR".into(),
    }
}

#[test]
fn token_files_round_trip() {
    assert_eq!(Tokens::parse(&tokens().file()), tokens());
    assert_eq!(Tokens::parse("x,emctl,admin\n").sidecar, "");
    assert_eq!(tokens().file(), "ADMIN,emctl,admin\nSIDECAR,sidecars,sidecar\n");
}

#[test]
fn an_older_token_file_comes_out_with_the_sidecar_role() {
    let older = "ADMIN,emctl,admin\nSIDECAR,sidecars,admin\n";
    assert_eq!(Tokens::parse(older), tokens());
    assert_eq!(Tokens::parse(older).file(), tokens().file());
}

#[test]
fn the_mesh_workloads_restart_when_their_secrets_change() {
    // The control plane reads the token file, the ingress controller the sidecars' token.
    for kind in ["StatefulSet", "Deployment"] {
        let digest = |tokens: &Tokens| {
            let manifests = render(&InstallOptions::default(), &tls(), tokens);
            let workload = manifests.iter().find(|m| m.object["kind"] == kind).unwrap();
            workload.object["spec"]["template"]["metadata"]["annotations"][SECRETS_DIGEST].clone()
        };
        assert_eq!(
            digest(&tokens()),
            digest(&tokens()),
            "{kind}: the same secrets, the same template"
        );
        let other = Tokens {
            sidecar: "OTHER".into(),
            ..tokens()
        };
        assert_ne!(digest(&tokens()), digest(&other), "{kind}");
        assert_eq!(
            digest(&tokens()).as_str().map(str::len),
            Some(64),
            "{kind}: a SHA-256 in hex"
        );
    }
}

fn yaml(manifests: &[Manifest]) -> String {
    manifests
        .iter()
        .map(|m| {
            format!(
                "# stage: {}{}\n{}",
                m.stage.title(),
                if m.ownership == Ownership::Labels {
                    " (these labels only)"
                } else {
                    ""
                },
                crate::yaml::to_string(&m.object).unwrap()
            )
        })
        .collect::<Vec<_>>()
        .join("---\n")
}

#[test]
fn default_install_renders_every_object_with_ownership_labels() {
    let manifests = render(&InstallOptions::default(), &tls(), &tokens());
    for manifest in &manifests {
        let labels = &manifest.object["metadata"]["labels"];
        // Objects the mesh only labels must not look like the mesh's: uninstall would delete them.
        let owned = manifest.ownership == Ownership::Object;
        assert_eq!(
            labels[MANAGED_BY.0] == MANAGED_BY.1,
            owned,
            "{}",
            manifest.display_name()
        );
        assert_eq!(labels[PART_OF.0] == PART_OF.1, owned, "{}", manifest.display_name());
    }
    let labelled: Vec<String> = manifests
        .iter()
        .filter(|m| m.ownership == Ownership::Labels)
        .map(Manifest::display_name)
        .collect();
    assert_eq!(labelled, ["Namespace/kube-system", "Namespace/kube-public"]);
    let webhook = manifests.iter().rfind(|m| m.stage != Stage::IngressController).unwrap();
    assert_eq!(
        webhook.object["kind"], "MutatingWebhookConfiguration",
        "the webhook comes after everything it must not be called for"
    );
    let stages: Vec<Stage> = manifests.iter().map(|m| m.stage).collect();
    assert!(stages.is_sorted(), "objects come in stage order: {stages:?}");
    insta::assert_snapshot!("install_default", yaml(&manifests).replace(crate::VERSION, "VERSION"));
}

#[test]
fn development_install_with_an_outside_injector() {
    let options = InstallOptions {
        namespace: "mesh-dev".into(),
        storage: Storage::EmptyDir,
        webhook: WebhookTarget::Url("https://127.0.0.1:9443/mutate".into()),
        image_registry_url: "registry.local:5000".into(),
        ..InstallOptions::default()
    };
    let manifests = render(&options, &tls(), &tokens());
    insta::assert_snapshot!("install_dev", yaml(&manifests).replace(crate::VERSION, "VERSION"));
}

#[test]
fn bad_options_are_named() {
    let options = InstallOptions {
        replicas: 3,
        namespace: "Bad_NS".into(),
        image_pull_policy: "Sometimes".into(),
        registry_type: "zookeeper".into(),
        heartbeat_interval: "often".into(),
        webhook_failure_policy: "Maybe".into(),
        webhook: WebhookTarget::Url("http://127.0.0.1/mutate".into()),
        ingress_port: 0,
        ingress_replicas: 0,
        ..InstallOptions::default()
    };
    insta::assert_snapshot!(options.problems().join("\n"));
    let system = InstallOptions {
        namespace: "kube-system".into(),
        ..InstallOptions::default()
    };
    assert_eq!(
        system.problems(),
        ["namespace: \"kube-system\" belongs to Kubernetes; the mesh needs a namespace of its own"]
    );
    assert!(InstallOptions::default().problems().is_empty());
}

#[test]
fn images_get_the_registry_prefix_unless_they_name_a_host() {
    let options = InstallOptions::default();
    assert_eq!(options.qualified("megaease/meshd:1"), "docker.io/megaease/meshd:1");
    assert_eq!(options.qualified("ghcr.io/x/meshd:1"), "ghcr.io/x/meshd:1");
    assert_eq!(options.qualified("localhost:5000/meshd"), "localhost:5000/meshd");
    assert_eq!(options.qualified("meshd"), "docker.io/meshd");
}

#[test]
fn install_options_files_use_camel_case_and_refuse_unknown_keys() {
    let options: InstallOptions =
        serde_json::from_value(serde_json::json!({"namespace": "m", "storage": {"type": "emptyDir"}})).unwrap();
    assert_eq!(options.namespace, "m");
    assert_eq!(options.storage, Storage::EmptyDir);
    let err = serde_json::from_value::<InstallOptions>(serde_json::json!({"namespaces": "m"})).unwrap_err();
    assert!(err.to_string().contains("unknown field `namespaces`"), "{err}");
}

#[test]
fn the_mesh_controller_of_an_install_is_valid_and_carries_the_injection_parameters() {
    let options = InstallOptions {
        sidecar_image: Some("megaease/meshd:test".into()),
        ..InstallOptions::default()
    };
    let controller = crate::decode::normalize(options.mesh_controller()).expect("a valid MeshController");
    let spec: crate::spec::mesh_controller::MeshControllerSpec =
        serde_json::from_value(controller.spec).expect("its spec");
    let params = crate::inject::InjectionParams::new("http://cp:2381", Some(&spec));
    assert_eq!(params.sidecar_image, "megaease/meshd:test");
    assert_eq!(params.image_registry.as_deref(), Some("docker.io"));
    assert_eq!(params.ports.admin, 13090);
}

#[test]
fn an_exposed_api_gets_a_service_of_its_own_without_the_webhook_port() {
    let exposed = |expose| {
        let options = InstallOptions {
            expose,
            ..InstallOptions::default()
        };
        let manifests = render(&options, &tls(), &tokens());
        assert_eq!(
            leftovers(&options).is_empty(),
            expose != Expose::None,
            "nothing to clean up when exposed"
        );
        manifests
            .into_iter()
            .filter(|m| m.object["metadata"]["name"] == EXTERNAL_SERVICE)
            .collect::<Vec<_>>()
    };
    let mut services = exposed(Expose::NodePort);
    services.extend(exposed(Expose::LoadBalancer));
    insta::assert_snapshot!("install_exposed", yaml(&services).replace(crate::VERSION, "VERSION"));
    assert!(exposed(Expose::None).is_empty());
    // Not exposed (any more): an earlier install's external Service is removed.
    let leftover: Vec<String> = leftovers(&InstallOptions::default())
        .iter()
        .map(Manifest::display_name)
        .collect();
    assert_eq!(leftover, ["Service/easemesh/easemesh-control-plane-external"]);
    let options: InstallOptions = serde_json::from_value(serde_json::json!({"expose": "nodeport"})).unwrap();
    assert_eq!(options.expose, Expose::NodePort);
}

#[test]
fn the_ingress_controller_is_a_stage_of_its_own_and_can_be_left_out() {
    let options = InstallOptions::default();
    let stage: Vec<String> = render(&options, &tls(), &tokens())
        .iter()
        .filter(|m| m.stage == Stage::IngressController)
        .map(Manifest::display_name)
        .collect();
    assert_eq!(
        stage,
        [
            "Secret/easemesh/easemesh-sidecar-token",
            "Deployment/easemesh/easemesh-ingress-controller",
            "Service/easemesh/easemesh-ingress-controller"
        ]
    );
    assert_eq!(options.mesh_controller()["ingressPort"], 19527);
    // Its replicas and port come from the options, the port also into the MeshController.
    let sized = InstallOptions {
        ingress_replicas: 3,
        ingress_port: 8080,
        ..InstallOptions::default()
    };
    let manifests = render(&sized, &tls(), &tokens());
    let deployment = manifests.iter().find(|m| m.object["kind"] == "Deployment").unwrap();
    assert_eq!(deployment.object["spec"]["replicas"], 3);
    let container = &deployment.object["spec"]["template"]["spec"]["containers"][0];
    assert!(
        container["args"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("--listen=0.0.0.0:8080"))
    );
    assert_eq!(sized.mesh_controller()["ingressPort"], 8080);
    // Its Service is of the type asked, a NodePort unless told.
    for (expose, type_) in [
        (Expose::None, "ClusterIP"),
        (Expose::NodePort, "NodePort"),
        (Expose::LoadBalancer, "LoadBalancer"),
    ] {
        let options = InstallOptions {
            ingress_expose: expose,
            ..InstallOptions::default()
        };
        let manifests = render(&options, &tls(), &tokens());
        let service = manifests
            .iter()
            .find(|m| m.object["kind"] == "Service" && m.object["metadata"]["name"] == INGRESS_CONTROLLER)
            .unwrap();
        assert_eq!(service.object["spec"]["type"], type_);
    }
    let from_file: InstallOptions =
        serde_json::from_value(serde_json::json!({"ingressExpose": "loadbalancer", "ingressReplicas": 2})).unwrap();
    assert_eq!(
        (from_file.ingress_expose, from_file.ingress_replicas),
        (Expose::LoadBalancer, 2)
    );
    // Left out: nothing of it is rendered, and what an earlier install made is removed.
    let without: InstallOptions =
        serde_json::from_value(serde_json::json!({"ingressController": false, "expose": "nodeport"})).unwrap();
    assert!(
        render(&without, &tls(), &tokens())
            .iter()
            .all(|m| m.stage != Stage::IngressController)
    );
    let leftover: Vec<String> = leftovers(&without).iter().map(Manifest::display_name).collect();
    assert_eq!(leftover, stage);
    // Its port may not take one of the mesh's own.
    let clash = InstallOptions {
        ingress_port: 2381,
        ..InstallOptions::default()
    };
    assert!(
        clash.problems().iter().any(|p| p.starts_with("ingressPort: 2381")),
        "{:?}",
        clash.problems()
    );
}

#[test]
fn shadows_get_a_role_in_each_of_their_namespaces_and_nothing_cluster_wide() {
    let options = InstallOptions {
        shadow_namespaces: vec!["shop".into(), "mall".into()],
        ..InstallOptions::default()
    };
    let manifests = render(&options, &tls(), &tokens());
    let shadows: Vec<&Manifest> = manifests
        .iter()
        .filter(|m| m.object["metadata"]["labels"]["app.kubernetes.io/component"] == shadows::COMPONENT)
        .collect();
    let names: Vec<String> = shadows.iter().map(|m| m.display_name()).collect();
    assert_eq!(
        names,
        [
            "Role/shop/easemesh-shadows",
            "RoleBinding/shop/easemesh-shadows",
            "Role/mall/easemesh-shadows",
            "RoleBinding/mall/easemesh-shadows"
        ]
    );
    assert!(shadows.iter().all(|m| m.stage == Stage::Rbac));
    insta::assert_snapshot!(
        "shadow_role",
        crate::yaml::to_string(&shadows[0].object)
            .unwrap()
            .replace(crate::VERSION, "VERSION")
    );
    let control_plane = manifests
        .iter()
        .find(|m| m.object["kind"] == "StatefulSet")
        .expect("the control plane");
    let pod = &control_plane.object["spec"]["template"]["spec"];
    assert_eq!(
        pod["automountServiceAccountToken"], true,
        "the controller needs its token"
    );
    assert!(
        pod["containers"][0]["args"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("--shadow-namespaces=shop,mall"))
    );
    // Without shadows the control plane has no token and no Role anywhere.
    let plain = render(&InstallOptions::default(), &tls(), &tokens());
    assert!(!plain.iter().any(|m| m.object["kind"] == "Role"));
    let bad = InstallOptions {
        shadow_namespaces: vec!["easemesh".into(), "Shop".into()],
        ..InstallOptions::default()
    };
    assert_eq!(bad.problems().len(), 2, "{:?}", bad.problems());
}
