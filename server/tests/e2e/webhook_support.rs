//! meshd with its injection webhook on loopback HTTPS, and a test CA, for the webhook tests and
//! the tests against a real kube-apiserver.

use std::path::{Path, PathBuf};

use meshlib::kind::{Kind, ResourceKind};
use meshlib::resource::Resource;
use serde_json::Value;

use crate::support::Meshd;

/// The control-plane URL the test meshd gives sidecars.
pub const ADVERTISE: &str = "http://meshd.test:2381";

/// A test CA and a serving certificate it signed for 127.0.0.1, as PEM files.
pub struct Certs {
    dir: tempfile::TempDir,
    /// The CA certificate (the webhook's `caBundle`).
    pub ca: String,
}

impl Certs {
    pub fn for_loopback() -> Self {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "meshd webhook test CA");
        ca_params.key_usages = vec![rcgen::KeyUsagePurpose::KeyCertSign, rcgen::KeyUsagePurpose::CrlSign];
        let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "meshd webhook");
        let cert = params.signed_by(&key, &ca).unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("cert.pem"), cert.pem()).unwrap();
        std::fs::write(dir.path().join("key.pem"), key.serialize_pem()).unwrap();
        Self { dir, ca: ca.pem() }
    }

    pub fn cert(&self) -> PathBuf {
        self.dir.path().join("cert.pem")
    }

    pub fn key(&self) -> PathBuf {
        self.dir.path().join("key.pem")
    }
}

/// meshd serving the webhook on a free loopback port; returns it and the webhook's base URL.
pub fn start(data: &Path, certs: &Certs) -> (Meshd, String) {
    let (cert, key) = (certs.cert(), certs.key());
    let flags = [
        "--webhook-listen",
        "127.0.0.1:0",
        "--webhook-cert-file",
        cert.to_str().unwrap(),
        "--webhook-key-file",
        key.to_str().unwrap(),
        "--advertise-url",
        ADVERTISE,
    ];
    let (meshd, lines) = Meshd::start_with(data, "127.0.0.1:0", &flags, 1);
    let webhook = lines[0].rsplit(' ').next().unwrap().to_owned();
    assert!(webhook.starts_with("https://127.0.0.1:"), "{lines:?}");
    (meshd, webhook)
}

/// Applies the mesh's MeshController through the control plane's API, as `emctl apply` does.
pub async fn apply_mesh_controller(meshd: &Meshd, spec: Value) {
    let kind = ResourceKind::Builtin(Kind::MeshController);
    meshd
        .client()
        .apply(&Resource::new(&kind, "easemesh-controller", spec))
        .await
        .expect("MeshController applied");
}
