//! The secrets of an install: the webhook's CA and serving certificate, and the control plane's
//! admin token. Kept across installs (from `--webhook-tls-dir`, else from the cluster) so that a
//! second install changes nothing; created only when missing.

use std::io::Read as _;
use std::path::Path;

use anyhow::Context as _;
use base64::Engine as _;
use meshlib::install::{CONTROL_PLANE, InstallOptions, TLS_SECRET, TOKEN_SECRET, Tokens, WebhookTarget, WebhookTls};
use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair};

use crate::cluster::{Cluster, reference};

/// What an install needs generated.
pub struct Secrets {
    /// Webhook TLS.
    pub tls: WebhookTls,
    /// The control plane's tokens.
    pub tokens: Tokens,
}

const FILES: [&str; 3] = ["ca.crt", "tls.crt", "tls.key"];

impl Secrets {
    /// For `--dry-run`: from the directory, else new.
    ///
    /// # Errors
    /// Unreadable files or certificate generation failure.
    pub fn offline(options: &InstallOptions, dir: Option<&Path>) -> anyhow::Result<Self> {
        let tls = match dir.map(read_dir).transpose()?.flatten() {
            Some(tls) => tls,
            None => generate(options)?,
        };
        let tokens = Tokens {
            admin: new_token()?,
            sidecar: new_token()?,
        };
        Ok(Self { tls, tokens })
    }

    /// From the directory, else from the cluster's Secrets, else new (written to the directory
    /// when one is given).
    ///
    /// # Errors
    /// Unreadable files, API failures, certificate generation failure.
    pub async fn load_or_create(
        cluster: &Cluster,
        options: &InstallOptions,
        dir: Option<&Path>,
    ) -> anyhow::Result<Self> {
        let ns = options.namespace.as_str();
        let existing_tls = cluster.get(&reference("v1", "Secret", TLS_SECRET, Some(ns))).await?;
        let tls = match dir.map(read_dir).transpose()?.flatten() {
            Some(tls) => tls,
            None => match existing_tls.as_ref().and_then(|s| tls_from_secret(&s.data)) {
                Some(tls) => tls,
                None => generate(options)?,
            },
        };
        if let Some(dir) = dir {
            write_dir(dir, &tls)?;
        }
        let mut tokens = existing_tokens(cluster, ns).await?.unwrap_or_default();
        for token in [&mut tokens.admin, &mut tokens.sidecar] {
            if token.is_empty() {
                *token = new_token()?;
            }
        }
        Ok(Self { tls, tokens })
    }
}

/// The tokens of an existing install in `namespace`, if there is one.
///
/// # Errors
/// The API server failed.
pub async fn existing_tokens(cluster: &Cluster, namespace: &str) -> anyhow::Result<Option<Tokens>> {
    let secret = cluster
        .get(&reference("v1", "Secret", TOKEN_SECRET, Some(namespace)))
        .await?;
    Ok(secret
        .and_then(|s| secret_text(&s.data, "tokens"))
        .map(|file| Tokens::parse(&file)))
}

fn secret_text(data: &serde_json::Value, key: &str) -> Option<String> {
    let encoded = data["data"][key].as_str()?;
    let bytes = base64::engine::general_purpose::STANDARD.decode(encoded).ok()?;
    String::from_utf8(bytes).ok().filter(|text| !text.trim().is_empty())
}

fn tls_from_secret(data: &serde_json::Value) -> Option<WebhookTls> {
    Some(WebhookTls {
        ca: secret_text(data, "ca.crt")?,
        cert: secret_text(data, "tls.crt")?,
        key: secret_text(data, "tls.key")?,
    })
}

fn read_dir(dir: &Path) -> anyhow::Result<Option<WebhookTls>> {
    let paths = FILES.map(|name| dir.join(name));
    if !paths.iter().all(|path| path.exists()) {
        return Ok(None);
    }
    let [ca, cert, key] =
        paths.map(|path| std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display())));
    Ok(Some(WebhookTls {
        ca: ca?,
        cert: cert?,
        key: key?,
    }))
}

fn write_dir(dir: &Path, tls: &WebhookTls) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for (name, text) in FILES.into_iter().zip([&tls.ca, &tls.cert, &tls.key]) {
        let path = dir.join(name);
        if !path.exists() {
            std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    Ok(())
}

/// The names the API server may call the injector by.
fn subject_names(options: &InstallOptions) -> Vec<String> {
    match &options.webhook {
        WebhookTarget::Url(url) => reqwest::Url::parse(url)
            .ok()
            .and_then(|url| url.host_str().map(|h| h.trim_matches(['[', ']']).to_string()))
            .into_iter()
            .collect(),
        WebhookTarget::InCluster => {
            let ns = &options.namespace;
            vec![
                format!("{CONTROL_PLANE}.{ns}.svc"),
                format!("{CONTROL_PLANE}.{ns}.svc.cluster.local"),
                format!("{CONTROL_PLANE}.{ns}"),
            ]
        }
    }
}

/// A CA of the mesh's own and a serving certificate it signs.
fn generate(options: &InstallOptions) -> anyhow::Result<WebhookTls> {
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "easemesh injector CA");
    let ca_key = KeyPair::generate()?;
    let ca = ca_params.self_signed(&ca_key)?;
    let mut params = CertificateParams::new(subject_names(options))?;
    params.distinguished_name.push(DnType::CommonName, CONTROL_PLANE);
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let key = KeyPair::generate()?;
    let cert = params.signed_by(&key, &Issuer::new(ca_params, ca_key))?;
    Ok(WebhookTls {
        ca: ca.pem(),
        cert: cert.pem(),
        key: key.serialize_pem(),
    })
}

fn new_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 24];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut random| random.read_exact(&mut bytes))
        .context("cannot read /dev/urandom for the admin token")?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}
