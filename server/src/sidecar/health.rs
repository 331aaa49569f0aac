//! The local health check (as in Mesher): an HTTP GET to the app, healthy when the status is the
//! expected one and, if asked, the body matches a regular expression.

use std::time::Duration;

use meshlib::spec::instance::Health;

/// How to check the app.
#[derive(Debug, Clone)]
pub struct Probe {
    url: String,
    status: u16,
    body: Option<regex::Regex>,
    http: reqwest::Client,
}

/// A probe result and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Verdict {
    /// UP or DOWN.
    pub health: Health,
    /// What was seen, for `/config` and logs.
    pub detail: String,
}

impl Probe {
    /// A probe of `url`.
    pub fn new(url: String, status: u16, body: Option<regex::Regex>) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .expect("a plain HTTP client builds");
        Self {
            url,
            status,
            body,
            http,
        }
    }

    /// The URL probed.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Checks the app once.
    pub async fn check(&self) -> Verdict {
        let down = |detail: String| Verdict {
            health: Health::Down,
            detail,
        };
        let response = match self.http.get(&self.url).send().await {
            Ok(response) => response,
            Err(err) => return down(format!("GET {} failed: {err}", self.url)),
        };
        let status = response.status().as_u16();
        if status != self.status {
            return down(format!("GET {} answered {status}, expected {}", self.url, self.status));
        }
        if let Some(pattern) = &self.body {
            let body = response.text().await.unwrap_or_default();
            if !pattern.is_match(&body) {
                return down(format!("GET {}: body does not match {:?}", self.url, pattern.as_str()));
            }
        }
        Verdict {
            health: Health::Up,
            detail: format!("GET {} answered {status}", self.url),
        }
    }
}
