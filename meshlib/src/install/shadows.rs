//! What `emctl install --shadow-namespace NS` adds: in each such namespace, a Role letting the
//! control plane's service account manage the shadow copies there (Deployments, StatefulSets,
//! ConfigMaps, Secrets, the claims of StatefulSet copies) and read its Services, and the
//! RoleBinding granting it. Nothing cluster-wide.

use k8s_openapi::api::rbac::v1::{PolicyRule, Role, RoleBinding, RoleRef, Subject};

use super::objects::{meta, to_value};
use super::{CONTROL_PLANE, InstallOptions};

/// Component label of the shadow controller's Roles and RoleBindings (uninstall finds them by it).
pub const COMPONENT: &str = "shadows";
/// Name of the Role and RoleBinding in each shadow namespace.
pub const ROLE: &str = "easemesh-shadows";

const WRITE: &[&str] = &["get", "list", "watch", "create", "update", "patch", "delete"];
const READ: &[&str] = &["get", "list", "watch"];

fn rule(group: &str, resources: &[&str], verbs: &[&str]) -> PolicyRule {
    let strings = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect();
    PolicyRule {
        api_groups: Some(vec![group.to_owned()]),
        resources: Some(strings(resources)),
        verbs: strings(verbs),
        ..PolicyRule::default()
    }
}

/// The Role and RoleBinding of each shadow namespace.
#[must_use]
pub fn objects(options: &InstallOptions) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    for ns in &options.shadow_namespaces {
        out.push(to_value(&Role {
            metadata: meta(ROLE, Some(ns), COMPONENT),
            rules: Some(vec![
                rule("apps", &["deployments", "statefulsets"], WRITE),
                rule("", &["configmaps", "secrets"], WRITE),
                rule("", &["persistentvolumeclaims"], &["get", "list", "watch", "delete"]),
                rule("", &["services"], READ),
            ]),
        }));
        out.push(to_value(&RoleBinding {
            metadata: meta(ROLE, Some(ns), COMPONENT),
            role_ref: RoleRef {
                api_group: "rbac.authorization.k8s.io".to_owned(),
                kind: "Role".to_owned(),
                name: ROLE.to_owned(),
            },
            subjects: Some(vec![Subject {
                kind: "ServiceAccount".to_owned(),
                name: CONTROL_PLANE.to_owned(),
                namespace: Some(options.namespace.clone()),
                ..Subject::default()
            }]),
        }));
    }
    out
}
