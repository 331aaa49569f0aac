//! Scrapes the sidecars' `/metrics` (their admin port, registered as `adminPort`) of every UP
//! instance, concurrently and with a short timeout, every few seconds in the background, and
//! sends each service's golden metrics to the event loop.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use meshlib::resource::Resource;
use tokio::sync::{mpsc, watch};

use super::action::Action;
use super::metrics::{self, Scrape, Window};

/// How long one scrape may take.
const TIMEOUT: Duration = Duration::from_secs(1);
/// How many sidecars are scraped at once.
const CONCURRENCY: usize = 32;

/// A sidecar to scrape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Instance name (`service/id`).
    pub instance: String,
    /// Its service.
    pub service: String,
    /// Its `/metrics` URL.
    pub url: String,
}

/// The UP instances that registered an admin port.
pub fn targets<'a>(instances: impl Iterator<Item = &'a Resource>) -> Vec<Target> {
    instances
        .filter_map(|instance| {
            let spec = &instance.spec;
            if spec["status"].as_str() != Some("UP") {
                return None;
            }
            let ip = spec["ip"].as_str().filter(|ip| !ip.is_empty())?;
            let port = spec["adminPort"].as_u64()?;
            let host = if ip.contains(':') {
                format!("[{ip}]")
            } else {
                ip.to_owned()
            };
            Some(Target {
                instance: instance.metadata.name.clone(),
                service: spec["serviceName"].as_str()?.to_owned(),
                url: format!("http://{host}:{port}/metrics"),
            })
        })
        .collect()
}

/// Shortest pause between two rounds.
const MIN_EVERY: Duration = Duration::from_millis(500);

/// Scrapes the current targets every `every` (at least 0.5 s) until the event loop is gone.
pub async fn run(targets: watch::Receiver<Vec<Target>>, tx: mpsc::Sender<Action>, every: Duration) {
    let every = every.max(MIN_EVERY);
    let Ok(http) = reqwest::Client::builder().timeout(TIMEOUT).no_proxy().build() else {
        return;
    };
    let mut window = Window::default();
    loop {
        let round: Vec<Target> = targets.borrow().clone();
        if !round.is_empty() {
            let scrapes: Vec<Scrape> = futures_util::stream::iter(round)
                .map(|target| scrape(&http, target))
                .buffer_unordered(CONCURRENCY)
                .collect()
                .await;
            let golden = window.observe(Instant::now(), &scrapes);
            if tx.send(Action::Golden(golden)).await.is_err() {
                return;
            }
        }
        tokio::time::sleep(every).await;
    }
}

async fn scrape(http: &reqwest::Client, target: Target) -> Scrape {
    let text = async {
        let response = http.get(&target.url).send().await.ok()?.error_for_status().ok()?;
        response.text().await.ok()
    }
    .await;
    Scrape {
        inbound: text.map(|text| metrics::inbound(&metrics::parse(&text), &target.service)),
        instance: target.instance,
        service: target.service,
    }
}

#[cfg(test)]
mod tests {
    use meshlib::kind::{Kind, ResourceKind};
    use serde_json::json;

    use super::*;

    /// A sidecar's admin port that serves `/metrics` with 10 more inbound requests (one a 5xx)
    /// at every scrape.
    async fn fake_sidecar() -> u16 {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            for scrape in 1.. {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let mut request = [0; 1024];
                let _ = socket.read(&mut request).await;
                let body = format!(
                    "mesh_sidecar_requests_total{{direction=\"ingress\",service=\"order\",class=\"2xx\"}} {}\n\
                     mesh_sidecar_requests_total{{direction=\"ingress\",service=\"order\",class=\"5xx\"}} {scrape}\n\
                     mesh_sidecar_request_duration_seconds_bucket{{direction=\"ingress\",service=\"order\",le=\"0.01\"}} {}\n\
                     mesh_sidecar_request_duration_seconds_bucket{{direction=\"ingress\",service=\"order\",le=\"+Inf\"}} {}\n",
                    scrape * 9,
                    scrape * 10,
                    scrape * 10
                );
                let reply = format!(
                    "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(reply.as_bytes()).await;
            }
        });
        port
    }

    #[tokio::test]
    async fn two_scrapes_make_golden_metrics() {
        let port = fake_sidecar().await;
        let target = Target {
            instance: "order/order-1".into(),
            service: "order".into(),
            url: format!("http://127.0.0.1:{port}/metrics"),
        };
        let (_targets, targets_rx) = watch::channel(vec![target]);
        let (tx, mut rx) = mpsc::channel(4);
        let scraper = tokio::spawn(run(targets_rx, tx, Duration::ZERO));
        let first = rx.recv().await.unwrap();
        assert_eq!(
            first,
            Action::Golden([("order".to_owned(), metrics::Golden::default())].into())
        );
        let Some(Action::Golden(second)) = rx.recv().await else {
            panic!("golden metrics expected")
        };
        let golden = second["order"];
        assert!(golden.rps.is_some_and(|rps| rps > 0.0), "{golden:?}");
        assert_eq!(golden.success, Some(0.9));
        assert!(golden.p99.is_some_and(|p99| p99 <= 0.01), "{golden:?}");
        scraper.abort();
    }

    #[test]
    fn only_up_instances_with_an_admin_port_are_scraped() {
        let instance = |id: &str, spec: serde_json::Value| {
            Resource::new(
                &ResourceKind::Builtin(Kind::ServiceInstance),
                &format!("order/{id}"),
                spec,
            )
        };
        let instances = [
            instance(
                "a",
                json!({"serviceName": "order", "ip": "10.0.0.1", "adminPort": 13090, "status": "UP"}),
            ),
            instance("b", json!({"serviceName": "order", "ip": "10.0.0.2", "status": "UP"})),
            instance(
                "c",
                json!({"serviceName": "order", "ip": "10.0.0.3", "adminPort": 13090, "status": "DOWN"}),
            ),
            instance(
                "d",
                json!({"serviceName": "order", "ip": "::1", "adminPort": 13091, "status": "UP"}),
            ),
        ];
        let urls: Vec<String> = targets(instances.iter()).into_iter().map(|t| t.url).collect();
        assert_eq!(urls, ["http://10.0.0.1:13090/metrics", "http://[::1]:13091/metrics"]);
    }
}
