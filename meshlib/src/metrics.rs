//! The sidecars' Prometheus metrics as the control plane gathers them and the dashboard reads
//! them: a parser of the text exposition format, and the inbound counters of one instance, which
//! `GET /apis/v2/metrics/instances` returns for every UP instance. Pure: no I/O here.

use serde::{Deserialize, Serialize};

/// Proxied requests, by `direction`, `service` and status `class` (`2xx`, `5xx`...).
const REQUESTS: &str = "mesh_sidecar_requests_total";
/// Latency histogram buckets, by `direction`, `service` and `le`.
const BUCKETS: &str = "mesh_sidecar_request_duration_seconds_bucket";
/// The direction of traffic into the instance's app.
const INBOUND: &str = "ingress";

/// One sample line of the exposition.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Metric name, with its `_total` / `_bucket` suffix.
    pub name: String,
    /// Labels, in the order written.
    pub labels: Vec<(String, String)>,
    /// The value.
    pub value: f64,
}

impl Sample {
    /// The value of label `key`.
    #[must_use]
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// Parses the Prometheus / OpenMetrics text format; comments and lines it does not understand
/// are skipped.
#[must_use]
pub fn parse(text: &str) -> Vec<Sample> {
    text.lines().filter_map(parse_line).collect()
}

fn parse_line(line: &str) -> Option<Sample> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let end = line.find(|c: char| c == '{' || c.is_whitespace())?;
    let (name, mut rest) = line.split_at(end);
    let mut labels = Vec::new();
    if let Some(body) = rest.strip_prefix('{') {
        rest = parse_labels(body, &mut labels)?;
    }
    let value = number(rest.split_whitespace().next()?)?;
    Some(Sample {
        name: name.to_owned(),
        labels,
        value,
    })
}

/// Reads `k="v",...}` and returns what follows the closing brace.
fn parse_labels<'a>(mut body: &'a str, labels: &mut Vec<(String, String)>) -> Option<&'a str> {
    loop {
        body = body.trim_start_matches([' ', ',']);
        if let Some(rest) = body.strip_prefix('}') {
            return Some(rest);
        }
        let (key, rest) = body.split_once('=')?;
        let mut chars = rest.strip_prefix('"')?.char_indices();
        let mut value = String::new();
        let close = loop {
            match chars.next()? {
                (i, '"') => break i,
                (_, '\\') => match chars.next()?.1 {
                    'n' => value.push('\n'),
                    other => value.push(other),
                },
                (_, c) => value.push(c),
            }
        };
        labels.push((key.trim().to_owned(), value));
        body = &rest[1 + close + 1..];
    }
}

fn number(text: &str) -> Option<f64> {
    match text {
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        _ => text.parse().ok(),
    }
}

/// An instance's inbound counters for its service.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Inbound {
    /// Requests answered.
    pub requests: f64,
    /// Of which with a 5xx status.
    pub errors: f64,
    /// Cumulative latency buckets as `(upper bound in seconds, count)`, by bound; on the wire
    /// `[["0.001", 50], ..., ["+Inf", 100]]`, the bound written as Prometheus writes `le`.
    #[serde(with = "buckets")]
    pub buckets: Vec<(f64, f64)>,
}

/// One instance's inbound counters, as the control plane gathered them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstanceInbound {
    /// Instance name (`service/id`).
    pub instance: String,
    /// Its service.
    pub service: String,
    /// What its sidecar said; `None` when it could not be read.
    pub inbound: Option<Inbound>,
}

/// The answer of `GET /apis/v2/metrics/instances`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InstancesInbound {
    /// Every UP instance that registered an admin port.
    pub items: Vec<InstanceInbound>,
}

/// Path of the gathered inbound counters.
pub const INSTANCES_PATH: &str = "/apis/v2/metrics/instances";

mod buckets {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(buckets: &[(f64, f64)], out: S) -> Result<S::Ok, S::Error> {
        let written: Vec<(String, f64)> = buckets
            .iter()
            .map(|&(le, count)| {
                let le = if le == f64::INFINITY {
                    "+Inf".to_owned()
                } else {
                    le.to_string()
                };
                (le, count)
            })
            .collect();
        written.serialize(out)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(input: D) -> Result<Vec<(f64, f64)>, D::Error> {
        let written = Vec::<(String, f64)>::deserialize(input)?;
        written
            .into_iter()
            .map(|(le, count)| {
                super::number(&le)
                    .map(|le| (le, count))
                    .ok_or_else(|| serde::de::Error::custom(format!("bucket bound {le:?} is not a number")))
            })
            .collect()
    }
}

/// The inbound counters of `service` in one scrape.
#[must_use]
pub fn inbound(samples: &[Sample], service: &str) -> Inbound {
    let mut out = Inbound::default();
    let ours = |s: &&Sample| s.label("direction") == Some(INBOUND) && s.label("service") == Some(service);
    for sample in samples.iter().filter(ours) {
        if sample.name == REQUESTS {
            out.requests += sample.value;
            if sample.label("class") == Some("5xx") {
                out.errors += sample.value;
            }
        } else if sample.name == BUCKETS
            && let Some(le) = sample.label("le").and_then(number)
        {
            out.buckets.push((le, sample.value));
        }
    }
    out.buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a sidecar serves, trimmed (the real encoder's output, see server/src/sidecar/metrics.rs).
    fn exposition(ok: u32, failed: u32, fast: u32, slow: u32) -> String {
        format!(
            "# HELP mesh_sidecar_requests Proxied requests, by direction, service and status class.\n\
             # TYPE mesh_sidecar_requests counter\n\
             mesh_sidecar_requests_total{{direction=\"ingress\",service=\"order\",class=\"2xx\"}} {ok}\n\
             mesh_sidecar_requests_total{{direction=\"ingress\",service=\"order\",class=\"5xx\"}} {failed}\n\
             mesh_sidecar_requests_total{{direction=\"egress\",service=\"stock\",class=\"2xx\"}} 1000\n\
             # TYPE mesh_sidecar_request_duration_seconds histogram\n\
             mesh_sidecar_request_duration_seconds_bucket{{direction=\"ingress\",service=\"order\",le=\"0.001\"}} {fast}\n\
             mesh_sidecar_request_duration_seconds_bucket{{direction=\"ingress\",service=\"order\",le=\"0.1\"}} {}\n\
             mesh_sidecar_request_duration_seconds_bucket{{direction=\"ingress\",service=\"order\",le=\"+Inf\"}} {}\n\
             mesh_sidecar_request_duration_seconds_count{{direction=\"ingress\",service=\"order\"}} {}\n\
             # EOF\n",
            fast + slow,
            fast + slow,
            fast + slow
        )
    }

    #[test]
    fn parses_names_labels_escapes_and_special_values() {
        let samples = parse("a_total 3\nb{x=\"1\",y=\"q\\\"uote\\\\\"} +Inf 1700000000\n# c 1\nbroken{x=\"1\" 2\n");
        assert_eq!(samples.len(), 2);
        assert_eq!(samples[0].value, 3.0);
        assert_eq!(samples[1].label("y"), Some("q\"uote\\"));
        assert!(samples[1].value.is_infinite());
    }

    #[test]
    fn hostile_lines_are_skipped_not_fatal() {
        for line in [
            "x{",
            "x{a",
            "x{a=",
            "x{a=\"",
            "x{a=\"\\",
            "x{a=\"v\"",
            "x{a=\"v\"}",
            "x{=\"v\"} 1 trailing",
            "{a=\"v\"} 1",
            "x 1e999999",
            "x NaNx",
            "\u{0}\u{0}",
            "x{a=\"\u{10ffff}\"} 1",
        ] {
            let _ = parse(line);
        }
        assert_eq!(
            parse("x{a=\"v\"} 1e999999").first().map(|s| s.value),
            Some(f64::INFINITY)
        );
    }

    #[test]
    fn inbound_counts_only_the_service_ingress() {
        let got = inbound(&parse(&exposition(90, 10, 50, 50)), "order");
        assert_eq!((got.requests, got.errors), (100.0, 10.0));
        assert_eq!(got.buckets, [(0.001, 50.0), (0.1, 100.0), (f64::INFINITY, 100.0)]);
        assert_eq!(inbound(&parse(&exposition(1, 1, 1, 1)), "stock"), Inbound::default());
    }

    #[test]
    fn inbound_travels_as_json_with_prometheus_bounds() {
        let got = inbound(&parse(&exposition(90, 10, 50, 50)), "order");
        let text = serde_json::to_string(&got).unwrap();
        assert_eq!(
            text,
            r#"{"requests":100.0,"errors":10.0,"buckets":[["0.001",50.0],["0.1",100.0],["+Inf",100.0]]}"#
        );
        assert_eq!(serde_json::from_str::<Inbound>(&text).unwrap(), got);
        let bad = serde_json::from_str::<Inbound>(r#"{"requests":1,"errors":0,"buckets":[["x",1]]}"#);
        assert!(bad.unwrap_err().to_string().contains("bucket bound \"x\""));
    }
}
