//! Golden metrics of services from their sidecars' inbound counters (gathered by the control
//! plane, see `meshlib::metrics`): requests per second, success rate and latency quantiles of
//! inbound (ingress) traffic, summed over a service's instances. Pure: the scraper hands in
//! counters and times; nothing here does I/O.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

pub use meshlib::metrics::{Inbound, InstanceInbound as Scrape};

/// A service's golden metrics; `None` where there is nothing to tell (no scrape yet, no traffic).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Golden {
    /// Requests per second.
    pub rps: Option<f64>,
    /// Share of requests without a 5xx status, 0..=1.
    pub success: Option<f64>,
    /// Median latency, seconds.
    pub p50: Option<f64>,
    /// 99th percentile latency, seconds.
    pub p99: Option<f64>,
}

/// Column headers of the golden metrics.
pub const HEADERS: [&str; 4] = ["RPS", "SUCCESS", "P50", "P99"];

/// What an unknown value shows as.
pub const UNKNOWN: &str = "–";

impl Golden {
    /// The cells under [`HEADERS`].
    #[must_use]
    pub fn cells(golden: Option<&Self>) -> [String; 4] {
        let golden = golden.copied().unwrap_or_default();
        let show = |value: Option<f64>, format: fn(f64) -> String| value.map_or_else(|| UNKNOWN.to_owned(), format);
        [
            show(golden.rps, |v| format!("{v:.1}")),
            show(golden.success, |v| format!("{:.1}%", v * 100.0)),
            show(golden.p50, latency),
            show(golden.p99, latency),
        ]
    }
}

fn latency(seconds: f64) -> String {
    match seconds {
        s if s < 0.001 => format!("{:.0}µs", s * 1e6),
        s if s < 0.01 => format!("{:.1}ms", s * 1e3),
        s if s < 1.0 => format!("{:.0}ms", s * 1e3),
        s => format!("{s:.2}s"),
    }
}

/// Turns successive scrapes into golden metrics. Counters are differenced per instance, so
/// instances coming and going, or restarting, never show as negative traffic.
#[derive(Debug, Default)]
pub struct Window {
    last: HashMap<String, (Instant, Inbound)>,
}

/// What a service's instances added up to since the last scrape.
#[derive(Default)]
struct Delta {
    rate: Option<f64>,
    requests: f64,
    errors: f64,
    /// Bucket counts by the bits of their bound (positive floats order like their bits).
    buckets: BTreeMap<u64, f64>,
}

impl Window {
    /// Golden metrics per service from the scrapes taken at `at`.
    pub fn observe(&mut self, at: Instant, scrapes: &[Scrape]) -> BTreeMap<String, Golden> {
        let mut deltas: BTreeMap<&str, Delta> = BTreeMap::new();
        let mut last = HashMap::new();
        for scrape in scrapes {
            let Some(now) = &scrape.inbound else { continue };
            let delta = deltas.entry(&scrape.service).or_default();
            if let Some((then, before)) = self.last.get(&scrape.instance) {
                let seconds = at.duration_since(*then).as_secs_f64();
                let requests = increase(now.requests, before.requests);
                delta.requests += requests;
                delta.errors += increase(now.errors, before.errors);
                if seconds > 0.0 {
                    *delta.rate.get_or_insert(0.0) += requests / seconds;
                }
                for &(le, count) in &now.buckets {
                    let before = before.buckets.iter().find(|(b, _)| *b == le).map_or(0.0, |(_, c)| *c);
                    *delta.buckets.entry(le.to_bits()).or_default() += increase(count, before);
                }
            }
            last.insert(scrape.instance.clone(), (at, now.clone()));
        }
        self.last = last;
        deltas
            .into_iter()
            .map(|(service, delta)| {
                let buckets: Vec<(f64, f64)> = delta.buckets.iter().map(|(b, c)| (f64::from_bits(*b), *c)).collect();
                let traffic = delta.requests > 0.0;
                let golden = Golden {
                    rps: delta.rate,
                    success: traffic.then(|| 1.0 - delta.errors / delta.requests),
                    p50: quantile(0.5, &buckets),
                    p99: quantile(0.99, &buckets),
                };
                (service.to_owned(), golden)
            })
            .collect()
    }
}

/// A counter's increase; a counter that went down was reset, so all of it is new.
fn increase(now: f64, before: f64) -> f64 {
    if now >= before { now - before } else { now }
}

/// The `q` quantile of cumulative buckets, interpolated linearly inside the bucket it falls in
/// (as Prometheus' `histogram_quantile`); `None` without observations.
#[must_use]
pub fn quantile(q: f64, buckets: &[(f64, f64)]) -> Option<f64> {
    let total = buckets.last()?.1;
    if total <= 0.0 {
        return None;
    }
    let rank = q * total;
    let (mut lower, mut below) = (0.0, 0.0);
    for &(le, count) in buckets {
        if count >= rank {
            if le.is_infinite() {
                return Some(lower);
            }
            let inside = count - below;
            if inside <= 0.0 {
                return Some(le);
            }
            return Some(lower + (le - lower) * (rank - below) / inside);
        }
        (lower, below) = (le, count);
    }
    None
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// One instance's inbound counters: `ok` + `failed` requests, `fast` of them under 1 ms and
    /// `slow` under 100 ms.
    fn counters(ok: u32, failed: u32, fast: u32, slow: u32) -> Inbound {
        let all = f64::from(fast + slow);
        Inbound {
            requests: f64::from(ok + failed),
            errors: f64::from(failed),
            buckets: vec![(0.001, f64::from(fast)), (0.1, all), (f64::INFINITY, all)],
        }
    }

    #[test]
    fn quantiles_interpolate_inside_buckets() {
        let buckets = [(0.001, 50.0), (0.1, 100.0), (f64::INFINITY, 100.0)];
        assert_eq!(quantile(0.5, &buckets), Some(0.001));
        let p99 = quantile(0.99, &buckets).unwrap();
        assert!((p99 - (0.001 + 0.099 * 49.0 / 50.0)).abs() < 1e-12, "{p99}");
        assert_eq!(quantile(0.99, &[(0.1, 0.0), (f64::INFINITY, 0.0)]), None);
        assert_eq!(
            quantile(0.99, &[(0.1, 1.0), (f64::INFINITY, 10.0)]),
            Some(0.1),
            "+Inf: the last bound"
        );
    }

    #[test]
    fn rates_come_from_two_scrapes_summed_over_instances() {
        let mut window = Window::default();
        let scrape = |instance: &str, inbound: Inbound| Scrape {
            instance: instance.into(),
            service: "order".into(),
            inbound: Some(inbound),
        };
        let start = Instant::now();
        let first = window.observe(
            start,
            &[
                scrape("order/1", counters(0, 0, 0, 0)),
                scrape("order/2", counters(5, 0, 5, 0)),
            ],
        );
        assert_eq!(first["order"], Golden::default(), "one scrape tells no rate");
        let later = start + Duration::from_secs(2);
        let second = window.observe(
            later,
            &[
                scrape("order/1", counters(18, 2, 10, 10)),
                scrape("order/2", counters(3, 0, 3, 0)), // restarted: its counters went down
                scrape("order/3", counters(100, 0, 100, 0)), // new: no rate yet
            ],
        );
        let golden = second["order"];
        assert_eq!(golden.rps, Some(10.0 + 1.5));
        assert_eq!(golden.success, Some(1.0 - 2.0 / 23.0));
        assert_eq!(Golden::cells(Some(&golden)), ["11.5", "91.3%", "885µs", "98ms"]);
        assert_eq!(Golden::cells(None), [UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN]);
        let unreadable = window.observe(
            later,
            &[Scrape {
                inbound: None,
                ..scrape("order/1", Inbound::default())
            }],
        );
        assert!(unreadable.is_empty());
    }
}
