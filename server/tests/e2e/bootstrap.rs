//! `--bootstrap FILE`: objects created at start when absent, left alone when present (so what
//! `emctl apply` changed later sticks), and a bad file refused before anything starts.

use meshlib::kind::{Kind, ResourceKind};

use crate::support::{Meshd, refused_start};

const CONTROLLER: &str =
    "name: easemesh-controller\nkind: MeshController\nheartbeatInterval: 5s\nsidecarImageName: megaease/meshd:boot\n";

#[tokio::test]
async fn bootstrap_creates_what_is_missing_and_keeps_what_exists() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("boot.yaml");
    std::fs::write(&file, CONTROLLER).unwrap();
    let data = dir.path().join("data");
    let flags = ["--bootstrap", file.to_str().unwrap()];
    let kind = ResourceKind::Builtin(Kind::MeshController);

    let (meshd, _) = Meshd::start_with(&data, "127.0.0.1:0", &flags, 0);
    let client = meshd.client();
    let mut controller = client.get(&kind, "easemesh-controller").await.unwrap();
    assert_eq!(controller.spec["sidecarImageName"], "megaease/meshd:boot");
    controller.spec["sidecarImageName"] = "megaease/meshd:changed".into();
    client.update(&controller).await.unwrap();
    meshd.kill9();

    let (meshd, _) = Meshd::start_with(&data, "127.0.0.1:0", &flags, 0);
    let kept = meshd.client().get(&kind, "easemesh-controller").await.unwrap();
    assert_eq!(
        kept.spec["sidecarImageName"], "megaease/meshd:changed",
        "the later change sticks"
    );
}

#[test]
fn a_bad_bootstrap_file_is_refused_with_its_document_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("boot.yaml");
    std::fs::write(
        &file,
        "name: easemesh-controller\nkind: MeshController\nheartbeatInterval: often\n",
    )
    .unwrap();
    let out = refused_start(&dir.path().join("data"), &["--bootstrap", file.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("boot.yaml") && stderr.contains("heartbeatInterval"),
        "{stderr}"
    );
    assert!(
        out.stdout.is_empty(),
        "nothing started: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}
