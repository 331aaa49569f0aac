//! The rules for a shadow's ConfigMaps and Secrets: every reference renamed, copies of its own
//! carrying the source's data with the ShadowService's overrides merged key by key.

use super::*;

#[test]
fn every_config_map_and_secret_reference_is_renamed() {
    let shadow = order("");
    let (maps, secrets) = referenced(template(&shadow));
    let suffixed =
        |names: &[&str]| -> BTreeSet<String> { names.iter().map(|n| format!("{n}-order-t1-shadow")).collect() };
    assert_eq!(
        maps,
        suffixed(&["order-ca", "order-config", "order-env", "order-flags"])
    );
    assert_eq!(
        secrets,
        suffixed(&["order-db", "order-tls"]),
        "volumes, projected sources, envFrom, valueFrom and init containers"
    );
}

#[test]
fn copies_of_config_maps_and_secrets_carry_the_source_data_and_the_shadow_labels() {
    let shadow = order("");
    let names: Vec<&str> = shadow
        .config_maps
        .iter()
        .filter_map(|c| c.metadata.name.as_deref())
        .collect();
    assert_eq!(
        names,
        [
            "order-ca-order-t1-shadow",
            "order-config-order-t1-shadow",
            "order-env-order-t1-shadow",
            "order-flags-order-t1-shadow"
        ]
    );
    let config = &shadow.config_maps[1];
    assert_eq!(config.data.as_ref().unwrap()["cache"], "on");
    assert_eq!(config.metadata.uid, None);
    assert_eq!(labels(Some(&config.metadata))[SHADOW_OF_LABEL], "order-t1-shadow");
    let db = shadow
        .secrets
        .iter()
        .find(|s| s.metadata.name.as_deref() == Some("order-db-order-t1-shadow"))
        .unwrap();
    assert_eq!(db.data.as_ref().unwrap()["password"].0, b"prod-pw");
    assert_eq!(labels(Some(&db.metadata))[SHADOW_LABEL], "true");
}

#[test]
fn overrides_are_merged_key_by_key_over_the_copies() {
    let shadow = order(
        "  configMaps:\n  - metadata: {name: order-config, labels: {purpose: load-test}}\n    data: {application.yaml: 'db: staging', extra: 'yes'}\n  secrets:\n  - metadata: {name: order-db}\n    stringData: {password: staging-pw}\n    data: {user: c3RhZ2luZw==}\n",
    );
    let config = shadow
        .config_maps
        .iter()
        .find(|c| c.metadata.name.as_deref() == Some("order-config-order-t1-shadow"))
        .unwrap();
    let data = config.data.as_ref().unwrap();
    assert_eq!(
        (
            data["application.yaml"].as_str(),
            data["cache"].as_str(),
            data["extra"].as_str()
        ),
        ("db: staging", "on", "yes")
    );
    assert_eq!(labels(Some(&config.metadata))["purpose"], "load-test");
    let db = shadow
        .secrets
        .iter()
        .find(|s| s.metadata.name.as_deref() == Some("order-db-order-t1-shadow"))
        .unwrap();
    let data = db.data.as_ref().unwrap();
    assert_eq!(
        (data["password"].0.as_slice(), data["user"].0.as_slice()),
        (&b"staging-pw"[..], &b"staging"[..])
    );
}

#[test]
fn an_override_of_an_unreferenced_config_map_is_refused_at_its_field() {
    let error = copy(
        "shadow-order",
        &shadow_service("  configMaps: [{metadata: {name: unrelated}, data: {a: b}}]\n"),
        &Workload::Deployment(meshed_deployment()),
        &Fixture::shop().namespace(),
    )
    .unwrap_err();
    insta::assert_snapshot!(error.to_string(), @r#"spec.configMaps[0].metadata.name: the workload references no ConfigMap "unrelated", so there is nothing to override"#);
}

#[test]
fn a_secret_override_of_another_type_is_refused() {
    let error = copy(
        "shadow-order",
        &shadow_service("  secrets: [{type: kubernetes.io/tls, metadata: {name: order-tls}, stringData: {a: b}}]\n"),
        &Workload::Deployment(meshed_deployment()),
        &Fixture::shop().namespace(),
    )
    .unwrap_err();
    assert!(matches!(error, CloneError::SecretType { .. }), "{error}");
}

#[test]
fn two_shadows_sharing_a_config_map_get_copies_of_their_own() {
    let source = Workload::Deployment(meshed_deployment());
    let namespace = Fixture::shop();
    let one = copy("a", &shadow_service(""), &source, &namespace.namespace()).unwrap();
    let mut spec = shadow_service("");
    spec.traffic_header_value = "t2".to_owned();
    let two = copy("b", &spec, &source, &namespace.namespace()).unwrap();
    let names = |s: &Shadow| -> BTreeSet<String> {
        s.config_maps
            .iter()
            .filter_map(|c| c.metadata.name.clone())
            .chain(s.secrets.iter().filter_map(|c| c.metadata.name.clone()))
            .collect()
    };
    assert!(names(&one).is_disjoint(&names(&two)));
    let sources: BTreeSet<String> = namespace
        .config_maps
        .iter()
        .filter_map(|c| c.metadata.name.clone())
        .collect();
    assert!(names(&one).is_disjoint(&sources), "no copy has a source's name");
}
