//! Asks the control plane for the sidecars' inbound counters (it gathers them from every UP
//! instance's admin port: emctl never needs to reach a pod) every few seconds in the background,
//! and sends each service's golden metrics to the event loop.

use std::time::{Duration, Instant};

use meshlib::client::Client;
use tokio::sync::mpsc;

use super::action::Action;
use super::metrics::Window;

/// Shortest pause between two rounds.
const MIN_EVERY: Duration = Duration::from_millis(500);

/// Asks every `every` (at least 0.5 s) until the event loop is gone. A round the control plane
/// does not answer changes nothing: the last figures stay.
pub async fn run(client: Client, tx: mpsc::Sender<Action>, every: Duration) {
    let every = every.max(MIN_EVERY);
    let mut window = Window::default();
    loop {
        if let Ok(gathered) = client.instance_metrics().await
            && !gathered.items.is_empty()
        {
            let golden = window.observe(Instant::now(), &gathered.items);
            if tx.send(Action::Golden(golden)).await.is_err() {
                return;
            }
        }
        tokio::time::sleep(every).await;
    }
}

#[cfg(test)]
mod tests {
    use meshlib::client::Config;

    use super::super::metrics;
    use super::*;

    /// A control plane that answers the gathered counters of one instance with 10 more inbound
    /// requests (one a 5xx) every time.
    async fn fake_control_plane() -> u16 {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            for round in 1.. {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let mut request = [0; 1024];
                let _ = socket.read(&mut request).await;
                assert!(request.starts_with(b"GET /apis/v2/metrics/instances "));
                let body = serde_json::json!({"items": [{"instance": "order/order-1", "service": "order",
                    "inbound": {"requests": round * 10, "errors": round,
                                "buckets": [["0.01", round * 10], ["+Inf", round * 10]]}}]})
                .to_string();
                let reply = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(reply.as_bytes()).await;
            }
        });
        port
    }

    #[tokio::test]
    async fn two_rounds_make_golden_metrics() {
        let port = fake_control_plane().await;
        let client = Client::new(&Config {
            server: format!("http://127.0.0.1:{port}"),
            token: None,
            timeout: Duration::from_secs(5),
        })
        .unwrap();
        let (tx, mut rx) = mpsc::channel(4);
        let scraper = tokio::spawn(run(client, tx, Duration::ZERO));
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
}
