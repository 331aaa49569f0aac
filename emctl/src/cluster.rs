//! The Kubernetes side of emctl: connecting with a kubeconfig, and applying, reading and deleting
//! any object by its `apiVersion`/`kind` (server-side apply with emctl's field manager).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams, PropagationPolicy};
use kube::core::GroupVersionKind;
use kube::discovery::{ApiResource, Scope};
use kube::{Client, Config};
use meshlib::client::ApplyOutcome as Applied;
use meshlib::install::{Manifest, Ownership};
use serde_json::Value;

use crate::cli::KubeArgs;

/// What discovery says of one `apiVersion`/`kind`.
type Discovered = (ApiResource, Scope);

/// A connected cluster.
#[derive(Clone)]
pub struct Cluster {
    /// The client.
    pub client: Client,
    /// The API server's URL, for messages.
    pub server: String,
    /// The kubeconfig context in use (`--context`, else the kubeconfig's current one).
    pub context: String,
    /// What discovery found per `apiVersion`/`kind`: asked once, not for every object.
    discovered: Arc<Mutex<HashMap<(String, String), Discovered>>>,
}

/// Whether an apply left the object as it was. Objects with a spec count changes of it
/// (`generation`) and of their labels and annotations: their status moves on its own (a running
/// StatefulSet's does, between our read and our write). Others count any change
/// (`resourceVersion`).
fn unchanged(before: &kube::api::ObjectMeta, after: &kube::api::ObjectMeta) -> bool {
    match (before.generation, after.generation) {
        (Some(generation), Some(now)) => {
            generation == now && before.labels == after.labels && before.annotations == after.annotations
        }
        _ => before.resource_version == after.resource_version,
    }
}

impl Cluster {
    /// Connects with `--kubeconfig` (else `KUBECONFIG`, else `~/.kube/config`) and `--context`.
    ///
    /// # Errors
    /// No usable kubeconfig, or an unknown context.
    pub async fn connect(args: &KubeArgs) -> anyhow::Result<Self> {
        let hint = "no usable kubeconfig (hint: pass --kubeconfig or set KUBECONFIG)";
        let file = match &args.kubeconfig {
            Some(path) => kube::config::Kubeconfig::read_from(path)
                .with_context(|| format!("cannot read kubeconfig {}", path.display()))?,
            None => kube::config::Kubeconfig::read().context(hint)?,
        };
        let context = args
            .context
            .clone()
            .or_else(|| file.current_context.clone())
            .context("the kubeconfig names no current context (hint: pass --context)")?;
        if !file.contexts.iter().any(|c| c.name == context) {
            let known = crate::report::known(file.contexts.iter().map(|c| c.name.as_str()));
            anyhow::bail!("no context {context:?} in the kubeconfig (known: {known})");
        }
        let options = kube::config::KubeConfigOptions {
            context: Some(context.clone()),
            ..Default::default()
        };
        let config = Config::from_custom_kubeconfig(file, &options)
            .await
            .with_context(|| format!("cannot use kubeconfig context {context:?}"))?;
        let server = config.cluster_url.to_string();
        let client = Client::try_from(config).context("cannot build a Kubernetes client")?;
        Ok(Self {
            client,
            server,
            context,
            discovered: Arc::default(),
        })
    }

    /// The API for an object's kind (and namespace).
    ///
    /// # Errors
    /// The kind is not served by this cluster.
    pub async fn api_for(&self, object: &Value) -> anyhow::Result<Api<DynamicObject>> {
        let api_version = object["apiVersion"].as_str().unwrap_or_default();
        let kind = object["kind"].as_str().unwrap_or_default();
        let key = (api_version.to_owned(), kind.to_owned());
        let known = self.discovered.lock().expect("discovery cache").get(&key).cloned();
        let (resource, scope) = match known {
            Some(known) => known,
            None => {
                let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
                let gvk = GroupVersionKind::gvk(group, version, kind);
                let (resource, caps) = kube::discovery::pinned_kind(&self.client, &gvk)
                    .await
                    .with_context(|| format!("the cluster does not serve {api_version} {kind}"))?;
                let found = (resource, caps.scope);
                self.discovered
                    .lock()
                    .expect("discovery cache")
                    .insert(key, found.clone());
                found
            }
        };
        Ok(match (scope, object["metadata"]["namespace"].as_str()) {
            (Scope::Namespaced, Some(ns)) => Api::namespaced_with(self.client.clone(), ns, &resource),
            (Scope::Namespaced, None) => Api::default_namespaced_with(self.client.clone(), &resource),
            (Scope::Cluster, _) => Api::all_with(self.client.clone(), &resource),
        })
    }

    /// Server-side applies `object` as emctl, telling whether it was created, changed or not.
    ///
    /// # Errors
    /// The API server refused it.
    pub async fn apply(&self, object: &Value) -> anyhow::Result<Applied> {
        let api = self.api_for(object).await?;
        let name = object["metadata"]["name"].as_str().unwrap_or_default();
        let before = api.get_opt(name).await.map_err(api_error)?;
        let params = PatchParams::apply(meshlib::install::FIELD_MANAGER).force();
        let after = api
            .patch(name, &params, &Patch::Apply(object))
            .await
            .map_err(api_error)?;
        Ok(match before {
            None => Applied::Created,
            Some(before) if unchanged(&before.metadata, &after.metadata) => Applied::Unchanged,
            Some(_) => Applied::Configured,
        })
    }

    /// Server-side applies `object` when an object of its name exists (for labels set on
    /// objects the mesh does not own); `None` when there is none.
    ///
    /// # Errors
    /// The API server refused it.
    pub async fn apply_to_existing(&self, object: &Value) -> anyhow::Result<Option<Applied>> {
        if self.get(object).await?.is_none() {
            return Ok(None);
        }
        self.apply(object).await.map(Some)
    }

    /// Takes the labels of `object` off the object of its name, where emctl set them (by applying
    /// it bare as emctl: server-side apply removes what emctl applied before and nobody else
    /// claims). True when some of them were there and are gone.
    ///
    /// # Errors
    /// The API server refused it.
    pub async fn unlabel(&self, object: &Value) -> anyhow::Result<bool> {
        let keys: Vec<&String> = object["metadata"]["labels"]
            .as_object()
            .map(|labels| labels.keys().collect())
            .unwrap_or_default();
        let carries = |found: &DynamicObject| {
            let labels = found.metadata.labels.as_ref();
            keys.iter().any(|key| labels.is_some_and(|l| l.contains_key(*key)))
        };
        match self.get(object).await? {
            Some(live) if carries(&live) => {}
            _ => return Ok(false),
        }
        let meta = &object["metadata"];
        let bare = reference(
            object["apiVersion"].as_str().unwrap_or_default(),
            object["kind"].as_str().unwrap_or_default(),
            meta["name"].as_str().unwrap_or_default(),
            meta["namespace"].as_str(),
        );
        let api = self.api_for(&bare).await?;
        let params = PatchParams::apply(meshlib::install::FIELD_MANAGER).force();
        let after = api
            .patch(meta["name"].as_str().unwrap_or_default(), &params, &Patch::Apply(&bare))
            .await
            .map_err(api_error)?;
        Ok(!carries(&after))
    }

    /// Applies what an install owns of a manifest: the whole object, or its labels when the
    /// object exists (`None` when it does not).
    ///
    /// # Errors
    /// The API server refused it.
    pub async fn apply_manifest(&self, manifest: &Manifest) -> anyhow::Result<Option<Applied>> {
        match manifest.ownership {
            Ownership::Object => self.apply(&manifest.object).await.map(Some),
            Ownership::Labels => self.apply_to_existing(&manifest.object).await,
        }
    }

    /// Removes what an install owns of a manifest: deletes the object, or takes the labels off
    /// it. True when something was removed.
    ///
    /// # Errors
    /// The API server failed.
    pub async fn remove_manifest(&self, manifest: &Manifest) -> anyhow::Result<bool> {
        match manifest.ownership {
            Ownership::Object => self.delete(&manifest.object).await,
            Ownership::Labels => self.unlabel(&manifest.object).await,
        }
    }

    /// Reads an object named like `object`, if it exists.
    ///
    /// # Errors
    /// The API server failed.
    pub async fn get(&self, object: &Value) -> anyhow::Result<Option<DynamicObject>> {
        let api = self.api_for(object).await?;
        Ok(api
            .get_opt(object["metadata"]["name"].as_str().unwrap_or_default())
            .await?)
    }

    /// Deletes an object named like `object` (dependents in the foreground). True when it existed.
    ///
    /// # Errors
    /// The API server failed.
    pub async fn delete(&self, object: &Value) -> anyhow::Result<bool> {
        let api = self.api_for(object).await?;
        let params = DeleteParams {
            propagation_policy: Some(PropagationPolicy::Background),
            ..Default::default()
        };
        match api
            .delete(object["metadata"]["name"].as_str().unwrap_or_default(), &params)
            .await
        {
            Ok(_) => Ok(true),
            Err(kube::Error::Api(status)) if status.code == 404 => Ok(false),
            Err(err) => Err(api_error(err)),
        }
    }
}

/// The API server's own message for its refusals (kube's Display repeats it with debug output).
pub fn api_error(err: kube::Error) -> anyhow::Error {
    match err {
        kube::Error::Api(status) => anyhow::anyhow!("{} (HTTP {})", status.message, status.code),
        other => anyhow::Error::new(other),
    }
}

/// A bare object reference (apiVersion, kind, name, namespace) to look up or delete.
pub fn reference(api_version: &str, kind: &str, name: &str, namespace: Option<&str>) -> Value {
    let mut meta = serde_json::json!({ "name": name });
    if let Some(ns) = namespace {
        meta["namespace"] = Value::String(ns.to_string());
    }
    serde_json::json!({ "apiVersion": api_version, "kind": kind, "metadata": meta })
}

/// What removing a manifest does, for progress lines of install and uninstall.
pub fn removed_word(manifest: &meshlib::install::Manifest) -> &'static str {
    match manifest.ownership {
        meshlib::install::Ownership::Object => "deleted",
        meshlib::install::Ownership::Labels => "unlabelled",
    }
}
