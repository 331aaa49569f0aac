//! The namespaces the injector never sees: the system namespaces and the mesh's own. Kubernetes
//! labels every namespace with its name (`kubernetes.io/metadata.name`) only from 1.21, so the
//! webhook's selector also requires the absence of an opt-out label, which install puts on
//! those namespaces (and uninstall takes off the system ones again). Users may put it on their
//! own namespaces too.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, LabelSelectorRequirement};
use serde_json::{Value, json};

/// Label that keeps a namespace away from the injector, with its value.
pub const OPT_OUT: (&str, &str) = ("mesh.megaease.com/injection", "disabled");

/// Namespaces of Kubernetes itself, never injected.
pub const SYSTEM_NAMESPACES: [&str; 2] = ["kube-system", "kube-public"];

/// The label Kubernetes (1.21 and later) sets on every namespace: its name.
const NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// The webhook's namespace selector: neither a system namespace nor `mesh_namespace` (by name,
/// where Kubernetes labels names), nor any namespace carrying [`OPT_OUT`].
#[must_use]
pub fn namespace_selector(mesh_namespace: &str) -> LabelSelector {
    let not_in = |key: &str, values: Vec<String>| LabelSelectorRequirement {
        key: key.into(),
        operator: "NotIn".into(),
        values: Some(values),
    };
    let mut names: Vec<String> = SYSTEM_NAMESPACES.iter().map(ToString::to_string).collect();
    names.push(mesh_namespace.to_string());
    LabelSelector {
        match_expressions: Some(vec![
            not_in(NAME_LABEL, names),
            not_in(OPT_OUT.0, vec![OPT_OUT.1.to_string()]),
        ]),
        ..LabelSelector::default()
    }
}

/// The opt-out label on a system namespace ([`crate::install::Ownership::Labels`]): only that
/// label, so that applying it claims nothing else of a namespace the mesh does not own.
#[must_use]
pub fn opt_out(namespace: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": namespace, "labels": {OPT_OUT.0: OPT_OUT.1}},
    })
}

/// Whether `selector` selects an object with `labels`, by the API server's rules (every
/// `matchLabels` pair and every `matchExpressions` requirement holds; an unknown operator
/// selects nothing).
#[must_use]
pub fn selects(selector: &LabelSelector, labels: &BTreeMap<String, String>) -> bool {
    let pairs = selector.match_labels.iter().flatten();
    let expressions = selector.match_expressions.iter().flatten();
    pairs.into_iter().all(|(k, v)| labels.get(k) == Some(v))
        && expressions.into_iter().all(|requirement| {
            let value = labels.get(&requirement.key);
            let listed = || value.is_some_and(|v| requirement.values.iter().flatten().any(|x| x == v));
            match requirement.operator.as_str() {
                "In" => listed(),
                "NotIn" => !listed(),
                "Exists" => value.is_some(),
                "DoesNotExist" => value.is_none(),
                _ => false,
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    #[test]
    fn system_namespaces_are_excluded_with_or_without_name_labels() {
        let selector = namespace_selector("easemesh");
        // Kubernetes 1.21 and later: the name label alone excludes them.
        for name in ["kube-system", "kube-public", "easemesh"] {
            assert!(!selects(&selector, &labels(&[(NAME_LABEL, name)])), "{name}");
        }
        // 1.20: no name label; only the opt-out label does.
        assert!(selects(&selector, &labels(&[])), "an unlabelled namespace is injected");
        assert!(!selects(&selector, &labels(&[OPT_OUT])));
        assert!(selects(&selector, &labels(&[(NAME_LABEL, "shop")])));
        assert!(selects(&selector, &labels(&[(OPT_OUT.0, "enabled")])));
    }

    #[test]
    fn selectors_follow_the_api_servers_rules() {
        let requirement = |operator: &str, values: &[&str]| LabelSelectorRequirement {
            key: "tier".into(),
            operator: operator.into(),
            values: Some(values.iter().map(ToString::to_string).collect()),
        };
        let with = |requirements: Vec<LabelSelectorRequirement>| LabelSelector {
            match_expressions: Some(requirements),
            match_labels: Some(BTreeMap::from([("app".to_string(), "shop".to_string())])),
        };
        let web = labels(&[("app", "shop"), ("tier", "web")]);
        assert!(selects(&with(vec![requirement("In", &["web", "db"])]), &web));
        assert!(!selects(&with(vec![requirement("NotIn", &["web"])]), &web));
        assert!(selects(&with(vec![requirement("Exists", &[])]), &web));
        assert!(!selects(&with(vec![requirement("DoesNotExist", &[])]), &web));
        assert!(!selects(&with(vec![requirement("Gt", &["1"])]), &web));
        assert!(
            !selects(&with(vec![]), &labels(&[("tier", "web")])),
            "matchLabels hold too"
        );
        assert!(
            selects(&LabelSelector::default(), &labels(&[])),
            "an empty selector selects all"
        );
    }
}
