use serde_json::json;

use super::*;
use crate::inject::{INJECTED, InjectionParams, SIDECAR_CONTAINER};

/// A Deployment as the API server keeps it, before migrate.
fn before() -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {
            "name": "order", "namespace": "shop", "resourceVersion": "41", "generation": 1,
            "labels": {"app": "order"},
            "annotations": {"deployment.kubernetes.io/revision": "1", "team": "payments"}
        },
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "order"}},
            "template": {
                "metadata": {"labels": {"app": "order"}},
                "spec": {
                    "containers": [{
                        "name": "order", "image": "shop/order:1.4", "imagePullPolicy": "IfNotPresent",
                        "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                        "env": [{"name": "EUREKA_CLIENT_SERVICEURL_DEFAULTZONE", "value": "http://eureka:8761/eureka/"}],
                        "terminationMessagePath": "/dev/termination-log"
                    }],
                    "restartPolicy": "Always", "dnsPolicy": "ClusterFirst"
                }
            }
        }
    })
}

/// What migrate and the injector make of it: the copy, the annotations, the sidecar.
fn migrated(workload: &Value) -> Value {
    let mut out = workload.clone();
    let copy = Saved::of(workload).to_annotation();
    let annotations = out["metadata"]["annotations"].as_object_mut().unwrap();
    annotations.insert(BEFORE_MIGRATE.into(), copy.into());
    annotations.insert(ENABLE.into(), "true".into());
    annotations.insert(SERVICE_NAME.into(), "order".into());
    annotations.insert("deployment.kubernetes.io/revision".into(), "2".into());
    let template: PodTemplateSpec = serde_json::from_value(out["spec"]["template"].clone()).unwrap();
    let meta: BTreeMap<String, String> = serde_json::from_value(out["metadata"]["annotations"].clone()).unwrap();
    let decision = crate::inject::inject(&meta, &template, &InjectionParams::new("http://cp:2381", None)).unwrap();
    assert!(decision.meshed);
    out["spec"]["template"] = serde_json::to_value(decision.template).unwrap();
    out
}

fn sidecars(workload: &Value) -> usize {
    workload["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["name"] == SIDECAR_CONTAINER)
        .count()
}

#[test]
fn an_unchanged_workload_is_given_back_exactly() {
    let original = before();
    let meshed = migrated(&original);
    assert_eq!(sidecars(&meshed), 1);
    assert!(meshed["spec"]["template"]["metadata"]["annotations"][INJECTED].is_string());
    let (restored, how) = restore(&meshed).unwrap().unwrap();
    assert_eq!(how, Restored::AsSaved);
    let mut expected = original.clone();
    // The server's revision is the server's.
    expected["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "2".into();
    expected["metadata"]["resourceVersion"] = meshed["metadata"]["resourceVersion"].clone();
    assert_eq!(restored["metadata"], expected["metadata"]);
    assert_eq!(restored["spec"], expected["spec"]);
}

#[test]
fn a_change_made_after_migrate_is_kept_and_only_the_mesh_goes() {
    let mut meshed = migrated(&before());
    meshed["spec"]["template"]["spec"]["containers"][0]["image"] = "shop/order:1.5".into();
    meshed["metadata"]["labels"]["tier"] = "backend".into();
    let (restored, how) = restore(&meshed).unwrap().unwrap();
    assert_eq!(how, Restored::KeptChanges);
    assert_eq!(sidecars(&restored), 0);
    let app = &restored["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(app["image"], "shop/order:1.5");
    assert_eq!(
        app["env"][0]["value"], "http://eureka:8761/eureka/",
        "its registry back"
    );
    assert_eq!(restored["metadata"]["labels"]["tier"], "backend");
    let annotations = restored["metadata"]["annotations"].as_object().unwrap();
    let mut keys: Vec<&str> = annotations.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["deployment.kubernetes.io/revision", "team"]);
    assert!(restored["spec"]["template"]["metadata"].get("annotations").is_none());
}

#[test]
fn mesh_annotations_the_workload_had_before_are_kept() {
    let mut original = before();
    original["metadata"]["annotations"][crate::inject::SERVICE_LABELS] = "version=v1".into();
    original["metadata"]["annotations"][ENABLE] = "false".into();
    let mut meshed = migrated(&original);
    meshed["spec"]["replicas"] = 5.into();
    meshed["spec"]["template"]["spec"]["containers"][0]["image"] = "shop/order:2".into();
    let (restored, _) = restore(&meshed).unwrap().unwrap();
    assert_eq!(restored["metadata"]["annotations"][ENABLE], "false");
    assert_eq!(
        restored["metadata"]["annotations"][crate::inject::SERVICE_LABELS],
        "version=v1"
    );
    assert_eq!(
        restored["spec"]["replicas"], 5,
        "only labels, annotations and template are restored"
    );
}

#[test]
fn a_workload_without_a_copy_or_with_a_broken_one() {
    assert_eq!(restore(&before()).unwrap(), None);
    let mut broken = before();
    broken["metadata"]["annotations"][BEFORE_MIGRATE] = "{not json".into();
    let err = restore(&broken).unwrap_err();
    assert!(
        err.starts_with("annotation mesh.megaease.com/before-migrate is not the copy"),
        "{err}"
    );
}
