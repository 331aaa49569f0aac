//! `emctl demo`: the whole mesh on this machine, no cluster needed. A control plane on an
//! embedded store, three services (front → order → stock) that find each other through their
//! Eureka clients, each with its own sidecar, a canary `order v2` for requests carrying
//! `X-Canary: v2`, the mesh ingress in front of `front`, and light traffic through it.
//!
//! Ctrl-C, SIGTERM and SIGHUP stop every process it started, cleanly; a SIGKILL, which emctl
//! cannot see, still stops them: each is told emctl's pid and stops once emctl is gone.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use meshlib::client::{Client, Config};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::signal::unix::{SignalKind, signal};

use super::Exit;
use crate::cli::DemoArgs;

const RESOURCES: &str = "\
kind: MeshController
metadata: {name: easemesh-controller}
heartbeatInterval: 2s
registryType: eureka
---
kind: Tenant
metadata: {name: demo}
spec: {description: the emctl demo}
---
kind: Service
metadata: {name: front}
spec: {registerTenant: demo}
---
kind: Service
metadata: {name: order}
spec: {registerTenant: demo, loadBalance: {policy: roundRobin}}
---
kind: Service
metadata: {name: stock}
spec: {registerTenant: demo}
---
kind: ServiceCanary
metadata: {name: order-v2}
spec:
  priority: 1
  selector: {matchServices: [order], matchInstanceLabels: {release: v2}}
  trafficRules: {headers: {X-Canary: {exact: v2}}}
---
kind: Ingress
metadata: {name: demo}
spec:
  rules:
    - paths: [{path: /, backend: front}]
";

/// (service, version, instance labels, service it calls)
const INSTANCES: &[(&str, &str, &str, Option<&str>)] = &[
    ("stock", "v1", "", None),
    ("order", "v1", "", Some("stock")),
    ("order", "v2", "release=v2", Some("stock")),
    ("front", "v1", "", Some("order")),
];

fn meshd() -> anyhow::Result<PathBuf> {
    let sibling = std::env::current_exe()?.with_file_name("meshd");
    if sibling.exists() {
        return Ok(sibling);
    }
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|dir| dir.join("meshd"))
        .find(|p| p.exists())
        .context("meshd not found next to emctl or on PATH (build it with `cargo build --release`)")
}

/// The sidecar's program and its leading arguments: `meshd-sidecar` beside meshd when it is
/// there (the same flags, less code per process), else `meshd sidecar`.
fn sidecar_program(meshd: &Path) -> (PathBuf, Vec<String>) {
    let lean = meshd.with_file_name("meshd-sidecar");
    if lean.exists() {
        (lean, Vec::new())
    } else {
        (meshd.to_path_buf(), vec!["sidecar".to_owned()])
    }
}

/// meshd's variable naming the process it stops with (`server::process::PARENT_PID_ENV`).
const PARENT_PID_ENV: &str = "MESHD_PARENT_PID";

/// `program ARGS` as the demo runs every process: quiet, killed if its handle is dropped, and
/// stopping by itself once emctl is gone, however emctl ended.
fn command(program: &Path, args: &[String], stdout: Stdio) -> Command {
    let mut command = Command::new(program);
    command
        .args(args)
        .env("RUST_LOG", "warn")
        .env(PARENT_PID_ENV, std::process::id().to_string())
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::null())
        .kill_on_drop(true);
    command
}

/// Starts `meshd ARGS` and returns it with the last word of its first stdout line (an address).
async fn start(meshd: &Path, args: &[String]) -> anyhow::Result<(Child, String)> {
    let mut child = command(meshd, args, Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {}", meshd.display()))?;
    let stdout = child.stdout.take().context("meshd stdout")?;
    let mut line = String::new();
    let read = tokio::time::timeout(Duration::from_secs(10), BufReader::new(stdout).read_line(&mut line)).await;
    if !matches!(read, Ok(Ok(n)) if n > 0) {
        let status = child.try_wait().ok().flatten();
        bail!(
            "meshd {} did not start{}",
            args[0],
            status.map(|s| format!(" ({s})")).unwrap_or_default()
        );
    }
    let address = line.trim().rsplit(' ').next().unwrap_or_default().to_owned();
    Ok((child, address))
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

async fn get(url: &str, canary: bool) -> Option<String> {
    let mut request = reqwest::Client::new().get(url).timeout(Duration::from_secs(3));
    if canary {
        request = request.header("X-Canary", "v2");
    }
    let response = request.send().await.ok()?;
    let ok = response.status().is_success();
    let text = response.text().await.ok()?.trim().to_owned();
    ok.then_some(text)
}

async fn stop(children: Vec<Child>) {
    // Apps first, then sidecars (they deregister), then the control plane.
    for mut child in children.into_iter().rev() {
        if let Some(pid) = child.id() {
            let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).status().await;
        }
        if tokio::time::timeout(Duration::from_secs(5), child.wait())
            .await
            .is_err()
        {
            let _ = child.kill().await;
        }
    }
}

/// Handles Ctrl-C, SIGTERM and SIGHUP (a closed terminal) from now on; the future resolves on
/// the first of them, naming it.
fn stop_signal() -> std::io::Result<impl Future<Output = &'static str>> {
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let mut hangup = signal(SignalKind::hangup())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => "Ctrl-C",
            _ = terminate.recv() => "SIGTERM",
            _ = hangup.recv() => "SIGHUP",
        }
    })
}

/// Runs the demo until Ctrl-C, SIGTERM or SIGHUP (or `--duration`), then stops what it started.
pub async fn run(args: &DemoArgs) -> anyhow::Result<Exit> {
    let meshd = meshd()?;
    let temporary = tempfile::tempdir()?;
    let data = args.data_dir.clone().unwrap_or_else(|| temporary.path().join("store"));
    // Handled before the first child starts: a signal while the mesh comes up stops it too.
    let stopped = stop_signal()?;
    let mut children = Vec::new();
    let result = tokio::select! {
        result = demo(&meshd, args, &data, temporary.path(), &mut children) => result,
        name = stopped => {
            eprintln!("\n{name}: stopping the demo");
            Ok(Exit::Success)
        }
    };
    stop(children).await;
    result
}

async fn demo(
    meshd: &Path,
    args: &DemoArgs,
    data: &Path,
    scratch: &Path,
    children: &mut Vec<Child>,
) -> anyhow::Result<Exit> {
    let cp_args: Vec<String> = [
        "control-plane",
        "--insecure-no-auth",
        "--listen",
        &args.listen,
        "--data-dir",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .chain([data.display().to_string()])
    .collect();
    let (control_plane, url) = start(meshd, &cp_args)
        .await
        .with_context(|| format!("is {} free? pick another address with --listen", args.listen))?;
    children.push(control_plane);
    let client = Client::new(&Config {
        server: url.clone(),
        token: None,
        timeout: Duration::from_secs(10),
    })?;
    for document in meshlib::decode::decode_str(RESOURCES, "demo") {
        let resource = document.result.map_err(|e| anyhow::anyhow!(e.report()))?;
        client.apply(&resource).await?;
    }
    eprintln!("control plane  {url}");
    for (service, version, labels, calls) in INSTANCES {
        let app_port = free_port()?;
        let instance = format!("{service}-{version}");
        // Each sidecar its own cache, away from the default one other sidecars of this machine use.
        let cache = scratch.join("cache").join(&instance);
        let (program, mut sidecar_args) = sidecar_program(meshd);
        sidecar_args.extend(
            [
                "--control-plane",
                &url,
                "--service",
                service,
                "--instance-id",
                &instance,
                "--app-port",
                &app_port.to_string(),
                "--ingress-address",
                "127.0.0.1",
                "--ingress-port",
                "0",
                "--egress-port",
                "0",
                "--registry-port",
                "0",
                "--admin-port",
                "0",
                "--cache-dir",
                &cache.display().to_string(),
            ]
            .iter()
            .map(|s| (*s).to_owned()),
        );
        if !labels.is_empty() {
            sidecar_args.extend(["--labels".to_owned(), (*labels).to_owned()]);
        }
        let (sidecar, admin) = start(&program, &sidecar_args).await?;
        children.push(sidecar);
        let config: serde_json::Value = reqwest::get(format!("{admin}/config")).await?.json().await?;
        let registry = config["listeners"]["registry"]
            .as_str()
            .context("sidecar registry address")?
            .to_owned();
        let mut app_args: Vec<String> = [
            "demo-app",
            "--name",
            service,
            "--version",
            version,
            "--port",
            &app_port.to_string(),
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .chain(["--registry".to_owned(), format!("http://{registry}/eureka")])
        .collect();
        if let Some(calls) = calls {
            app_args.extend(["--calls".to_owned(), (*calls).to_owned()]);
        }
        let app = command(meshd, &app_args, Stdio::null()).spawn()?;
        children.push(app);
        eprintln!("{instance:<14} app 127.0.0.1:{app_port}  sidecar admin {admin}");
    }
    let ingress_port = free_port()?;
    let ingress_args: Vec<String> = [
        "ingress-controller",
        "--control-plane",
        &url,
        "--listen",
        &format!("127.0.0.1:{ingress_port}"),
        "--admin-listen",
        "127.0.0.1:0",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let (ingress, ingress_admin) = start(meshd, &ingress_args).await?;
    children.push(ingress);
    eprintln!("{:<14} 127.0.0.1:{ingress_port}  admin {ingress_admin}", "mesh ingress");
    let front = format!("http://127.0.0.1:{ingress_port}/");
    // Wait until the whole chain answers through the mesh, from the ingress on.
    let started = std::time::Instant::now();
    let (normal, canary) = loop {
        if let (Some(normal), Some(canary)) = (get(&front, false).await, get(&front, true).await)
            && normal.ends_with("stock v1")
            && canary.contains("order v2")
        {
            break (normal, canary);
        }
        if started.elapsed() > Duration::from_secs(30) {
            bail!("the demo services did not come up within 30 s");
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    println!(
        "\nThe mesh demo is running; its ingress leads to front.\n\n  curl {front}\n    {normal}\n  curl -H 'X-Canary: v2' {front}\n    {canary}\n\nTry next:\n  export EMCTL_SERVER={url}\n  emctl get serviceinstance --canary\n  emctl get serviceinstance -o wide\n  emctl describe servicecanary order-v2\n  emctl offline serviceinstance order/order-v1\n\nLight traffic is flowing (one call a second). Press Ctrl-C to stop."
    );
    let traffic = async {
        for i in 0u64.. {
            let _ = get(&front, i % 3 == 0).await;
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    };
    // Until a signal (which ends this future) or the end of --duration.
    match args.duration {
        Some(limit) => {
            let _ = tokio::time::timeout(limit, traffic).await;
            eprintln!("\nstopping the demo");
        }
        None => traffic.await,
    }
    Ok(Exit::Success)
}
