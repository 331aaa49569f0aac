//! The ingress-controller stage: `meshd ingress-controller` as a Deployment reading the mesh
//! with the sidecars' token, and the Service outside traffic enters by.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{
    Container, EnvVar, EnvVarSource, PodSpec, PodTemplateSpec, SecretKeySelector, Service, ServiceSpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::objects::{
    container_port, http_probe, meta, pod_meta, secrets_digest, service_port, sidecar_token_secret, to_value,
};
use super::{Expose, INGRESS_ADMIN_PORT, INGRESS_CONTROLLER, InstallOptions, labels};

const COMPONENT: &str = "ingress-controller";

fn selector() -> BTreeMap<String, String> {
    BTreeMap::from([("app.kubernetes.io/name".to_string(), INGRESS_CONTROLLER.to_string())])
}

/// The stage's objects: the token Secret, the Deployment and its Service.
pub(super) fn objects(options: &InstallOptions, sidecar_token: &str) -> Vec<serde_json::Value> {
    vec![
        sidecar_token_secret(&options.namespace, sidecar_token),
        to_value(&deployment(options, sidecar_token)),
        to_value(&service(options)),
    ]
}

fn deployment(options: &InstallOptions, sidecar_token: &str) -> Deployment {
    let mut pod_labels = labels(COMPONENT);
    pod_labels.extend(selector());
    let probe = |path: &str| http_probe(path, "admin");
    let port = container_port;
    let args = vec![
        "ingress-controller".to_string(),
        format!("--control-plane={}", options.in_cluster_url()),
        format!("--listen=0.0.0.0:{}", options.ingress_port),
        format!("--admin-listen=0.0.0.0:{INGRESS_ADMIN_PORT}"),
    ];
    let token = EnvVar {
        name: "MESH_TOKEN".into(),
        value_from: Some(EnvVarSource {
            secret_key_ref: Some(SecretKeySelector {
                name: crate::inject::SIDECAR_TOKEN_SECRET.into(),
                key: "token".into(),
                ..SecretKeySelector::default()
            }),
            ..EnvVarSource::default()
        }),
        ..EnvVar::default()
    };
    Deployment {
        metadata: meta(INGRESS_CONTROLLER, Some(&options.namespace), COMPONENT),
        spec: Some(DeploymentSpec {
            replicas: Some(options.ingress_replicas),
            selector: LabelSelector {
                match_labels: Some(selector()),
                ..LabelSelector::default()
            },
            template: PodTemplateSpec {
                // MESH_TOKEN is read at start: a new token rolls the pods.
                metadata: Some(pod_meta(pod_labels, &secrets_digest(&[sidecar_token]))),
                spec: Some(PodSpec {
                    automount_service_account_token: Some(false),
                    containers: vec![Container {
                        name: "meshd".into(),
                        image: Some(options.qualified(&options.image)),
                        image_pull_policy: Some(options.image_pull_policy.clone()),
                        args: Some(args),
                        env: Some(vec![token]),
                        ports: Some(vec![
                            port("http", options.ingress_port),
                            port("admin", INGRESS_ADMIN_PORT),
                        ]),
                        readiness_probe: Some(probe("/ready")),
                        liveness_probe: Some(probe("/healthz")),
                        ..Container::default()
                    }],
                    ..PodSpec::default()
                }),
            },
            ..DeploymentSpec::default()
        }),
        ..Deployment::default()
    }
}

fn service(options: &InstallOptions) -> Service {
    let type_ = match options.ingress_expose {
        Expose::None => "ClusterIP",
        Expose::NodePort => "NodePort",
        Expose::LoadBalancer => "LoadBalancer",
    };
    Service {
        metadata: meta(INGRESS_CONTROLLER, Some(&options.namespace), COMPONENT),
        spec: Some(ServiceSpec {
            type_: Some(type_.into()),
            selector: Some(selector()),
            ports: Some(vec![service_port("http", options.ingress_port)]),
            ..ServiceSpec::default()
        }),
        ..Service::default()
    }
}
