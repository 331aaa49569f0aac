//! `emctl dashboard` for real: the binary in a detached tmux session of fixed size, against a
//! real control plane, driven with send-keys and read with capture-pane.

use crate::support::{ControlPlane, emctl_bin, testdata};
use crate::tmux::Tmux;

#[test]
fn dashboard_in_a_real_terminal() {
    let cp = ControlPlane::start();
    cp.emctl(&["apply", "-f", &testdata("examples")]).success();
    for id in ["vets-1", "vets-2"] {
        let body = format!(
            r#"{{"serviceName":"vets-service","instanceID":"{id}","ip":"127.0.0.1","port":13001,"adminPort":1}}"#
        );
        let reply = cp.api("POST", "/apis/v2/registry/instances", &body);
        assert!(reply.contains("\"kind\":\"ServiceInstance\""), "{reply}");
    }
    // After the dashboard: its exit code and whether the terminal is back in canonical mode.
    let command = format!(
        "env TERM=xterm-256color HOME='{home}' EMCTL_CONFIG='{home}/none' EMCTL_SERVER='{server}' '{emctl}' dashboard; \
         echo \"exit=$?\"; stty -a | tr ' ;' '\\n\\n' | grep -x -- '-\\{{0,1\\}}icanon'; sleep 300",
        home = cp.dir.path().display(),
        server = cp.url,
        emctl = emctl_bin().display(),
    );
    let tmux = Tmux::start(&command, 100, 30);

    let first = tmux.wait_for("services(4)");
    assert!(first.contains("vets-service") && first.contains("RPS"), "{first}");
    tmux.keys(&[":si", "Enter"]);
    let instances = tmux.wait_for("serviceinstances(2)");
    assert!(
        instances.contains("vets-1") && instances.contains("STATUS"),
        "{instances}"
    );
    tmux.keys(&[":svc", "Enter"]);
    tmux.wait_for("services(4)");
    tmux.keys(&["/", "vets", "Enter"]);
    let filtered = tmux.wait_for("services(1/4) </vets>");
    assert!(!filtered.contains("api-gateway"), "{filtered}");
    tmux.keys(&["d"]);
    let described = tmux.wait_for("describe service/vets-service");
    assert!(described.contains("registerTenant: pet"), "{described}");
    tmux.keys(&["Escape"]);
    tmux.wait_for("services(1/4) </vets>");
    tmux.keys(&[":q", "Enter"]);
    let after = tmux.wait_for("icanon");
    assert!(after.contains("exit=0"), "{after}");
    let mode = after.lines().find(|l| l.ends_with("icanon")).unwrap_or_default();
    assert_eq!(mode, "icanon", "the terminal is back in canonical mode:\n{after}");
    assert_eq!(
        tmux.run(&["display", "-p", "-t", "dash", "#{alternate_on}"]).trim(),
        "0"
    );
}
