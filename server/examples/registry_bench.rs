//! Registry benchmark: registers instances, drives heartbeats at a fixed rate against a running
//! meshd, and reports meshd's CPU and memory (from /proc), heartbeat latency, expiry accuracy and
//! `emctl get serviceinstance` wall time. Run through `scripts/bench-registry.sh`.
//!
//! Usage: registry_bench URL MESHD_PID EMCTL SERVICES PER_SERVICE RATE SECONDS

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use meshlib::client::{Client, Config};
use meshlib::kind::{Kind, ResourceKind};
use meshlib::registry::{Heartbeat, Registration};
use meshlib::resource::Resource;
use serde_json::json;
use tokio::sync::Semaphore;

fn arg(args: &[String], i: usize, name: &str) -> String {
    args.get(i)
        .cloned()
        .unwrap_or_else(|| panic!("missing argument {i}: {name}"))
}

/// (user+system CPU seconds, RSS KiB, peak RSS KiB) of a process.
fn usage(pid: &str) -> (f64, u64, u64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("meshd is running");
    let after_name = &stat[stat.rfind(')').expect("stat format") + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of /proc/PID/stat; here 0-based after the name.
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    let hz: f64 = std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0);
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (ticks / hz, kib("VmRSS:"), kib("VmHWM:"))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let url = arg(&args, 1, "URL");
    let pid = arg(&args, 2, "MESHD_PID");
    let emctl = arg(&args, 3, "EMCTL");
    let services: usize = arg(&args, 4, "SERVICES").parse().unwrap();
    let per_service: usize = arg(&args, 5, "PER_SERVICE").parse().unwrap();
    let rate: u64 = arg(&args, 6, "RATE").parse().unwrap();
    let seconds: u64 = arg(&args, 7, "SECONDS").parse().unwrap();
    let client = Client::new(&Config {
        server: url.clone(),
        token: None,
        timeout: Duration::from_secs(30),
    })
    .unwrap();

    // Mesh: a 5 s heartbeat interval (EaseMesh's default), one tenant, the services.
    let controller = Resource::new(
        &ResourceKind::Builtin(Kind::MeshController),
        "easemesh-controller",
        json!({"heartbeatInterval": "5s"}),
    );
    client.apply(&controller).await.unwrap();
    client
        .apply(&Resource::new(&ResourceKind::Builtin(Kind::Tenant), "bench", json!({})))
        .await
        .unwrap();
    for s in 0..services {
        let service = Resource::new(
            &ResourceKind::Builtin(Kind::Service),
            &format!("svc-{s}"),
            json!({"registerTenant": "bench"}),
        );
        client.apply(&service).await.unwrap();
    }

    // Register every instance, 64 at a time.
    let total = services * per_service;
    let gate = Arc::new(Semaphore::new(64));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(total);
    // Instance 0 registers last and never beats: it measures expiry.
    for i in 1..total {
        let (client, gate) = (client.clone(), Arc::clone(&gate));
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await.unwrap();
            let registration = Registration {
                service_name: format!("svc-{}", i % services),
                instance_id: format!("i-{i}"),
                ip: format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255),
                port: 13001,
                admin_port: None,
                labels: Default::default(),
                agent_type: None,
                health: Default::default(),
            };
            client.register(&registration).await.unwrap();
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let registered = started.elapsed();
    let victim = Registration {
        service_name: "svc-0".into(),
        instance_id: "i-0".into(),
        ip: "10.0.0.0".into(),
        port: 13001,
        admin_port: None,
        labels: Default::default(),
        agent_type: None,
        health: Default::default(),
    };
    client.register(&victim).await.unwrap();
    let victim_registered = SystemTime::now();
    let victim_service = "svc-0".to_owned();

    // Heartbeats at a fixed rate (open loop, 100 ticks a second), for every instance but the victim.
    let latencies = Arc::new(std::sync::Mutex::new(Vec::with_capacity((rate * seconds) as usize)));
    let errors = Arc::new(AtomicU64::new(0));
    let gate = Arc::new(Semaphore::new(256));
    let (cpu0, _, _) = usage(&pid);
    let phase = Instant::now();
    let expiry = {
        let client = client.clone();
        tokio::spawn(async move {
            loop {
                let instance = client
                    .get(
                        &ResourceKind::Builtin(Kind::ServiceInstance),
                        &format!("{victim_service}/i-0"),
                    )
                    .await
                    .unwrap();
                if instance.spec["status"] == "OUT_OF_SERVICE" {
                    return SystemTime::now().duration_since(victim_registered).unwrap();
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let mut ticker = tokio::time::interval(Duration::from_millis(10));
    let per_tick = rate / 100;
    let mut next = 1usize;
    let mut sent = 0u64;
    while phase.elapsed() < Duration::from_secs(seconds) {
        ticker.tick().await;
        for _ in 0..per_tick {
            let i = next;
            next = if next + 1 >= total { 1 } else { next + 1 };
            let (client, gate, latencies, errors) = (
                client.clone(),
                Arc::clone(&gate),
                Arc::clone(&latencies),
                Arc::clone(&errors),
            );
            let permit = gate.acquire_owned().await.unwrap();
            sent += 1;
            tokio::spawn(async move {
                let start = Instant::now();
                let result = client
                    .heartbeat(
                        &format!("svc-{}", i % services),
                        &format!("i-{i}"),
                        &Heartbeat::default(),
                    )
                    .await;
                let took = start.elapsed();
                drop(permit);
                match result {
                    Ok(_) => latencies.lock().unwrap().push(took),
                    Err(_) => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    }
    let _ = gate.acquire_many(256).await.unwrap();
    let wall = phase.elapsed();
    let (cpu1, rss, peak) = usage(&pid);
    let expiry = tokio::time::timeout(Duration::from_secs(30), expiry)
        .await
        .ok()
        .and_then(Result::ok);
    let mut latencies = latencies.lock().unwrap().clone();
    latencies.sort();

    // `emctl get serviceinstance` over all instances: 15 runs, wall time per run.
    let mut runs = Vec::new();
    let mut bytes = 0;
    for _ in 0..15 {
        let start = Instant::now();
        let out = std::process::Command::new(&emctl)
            .args(["get", "serviceinstance"])
            .env("EMCTL_SERVER", &url)
            .env("EMCTL_CONFIG", "/nonexistent")
            .output()
            .unwrap();
        runs.push(start.elapsed());
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        bytes = out.stdout.len();
    }
    runs.sort();
    let mut startup = Vec::new();
    for _ in 0..15 {
        let start = Instant::now();
        std::process::Command::new(&emctl)
            .args(["version", "--client"])
            .output()
            .unwrap();
        startup.push(start.elapsed());
    }
    startup.sort();

    let cpu = (cpu1 - cpu0) / wall.as_secs_f64() * 100.0;
    println!("instances: {total} ({services} services x {per_service})");
    println!(
        "register: {:.0}/s ({} in {})",
        total as f64 / registered.as_secs_f64(),
        total,
        ms(registered)
    );
    println!(
        "heartbeats: {} sent over {:.1} s = {:.0}/s, errors {}",
        sent,
        wall.as_secs_f64(),
        sent as f64 / wall.as_secs_f64(),
        errors.load(Ordering::Relaxed)
    );
    println!(
        "heartbeat latency: p50 {}, p99 {}, max {}",
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.99)),
        ms(*latencies.last().unwrap_or(&Duration::ZERO))
    );
    println!("meshd CPU during heartbeats: {cpu:.1} % of one core (target <= 25 %)");
    println!(
        "meshd RSS: {:.1} MiB, peak {:.1} MiB",
        rss as f64 / 1024.0,
        peak as f64 / 1024.0
    );
    match expiry {
        Some(d) => println!(
            "expiry: last beat -> OUT_OF_SERVICE in {:.2} s (target <= 2 x 5 s + 1 s = 11 s)",
            d.as_secs_f64()
        ),
        None => println!("expiry: not observed within 30 s"),
    }
    println!(
        "emctl get serviceinstance ({} bytes): median {}, p90 {}, min {} (target <= 150 ms); emctl startup median {}",
        bytes,
        ms(percentile(&runs, 0.5)),
        ms(percentile(&runs, 0.9)),
        ms(runs[0]),
        ms(percentile(&startup, 0.5))
    );
}
