//! The control-plane client: one generic API over every kind, driven by the kind table.

mod error;

use std::time::Duration;

use futures_util::{Stream, StreamExt};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;

pub use error::Error;

use crate::api::{self, ErrorBody, List, VersionInfo, WatchEvent};
use crate::kind::ResourceKind;
use crate::resource::Resource;

/// Result of the client's calls.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where and how to reach the control plane.
#[derive(Debug, Clone)]
pub struct Config {
    /// Base URL (`http://host:port`); `host:port` gets `http://`.
    pub server: String,
    /// Bearer token.
    pub token: Option<String>,
    /// Per-request timeout (watches are not bounded by it).
    pub timeout: Duration,
}

/// What `apply` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplyOutcome {
    /// The object did not exist.
    Created,
    /// The object existed and was changed.
    Configured,
    /// The object already had this content; nothing was written.
    Unchanged,
}

impl ApplyOutcome {
    /// The word kubectl prints for it.
    #[must_use]
    pub fn word(self) -> &'static str {
        match self {
            ApplyOutcome::Created => "created",
            ApplyOutcome::Configured => "configured",
            ApplyOutcome::Unchanged => "unchanged",
        }
    }
}

/// A control-plane client.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
    timeout: Duration,
}

/// Normalises a server address: adds `http://` to `host:port` and drops a trailing `/`.
#[must_use]
pub fn server_url(server: &str) -> String {
    let server = server.trim().trim_end_matches('/');
    if server.contains("://") {
        server.to_owned()
    } else {
        format!("http://{server}")
    }
}

impl Client {
    /// A client for `config`.
    ///
    /// # Errors
    /// Fails when the HTTP client cannot be built (TLS setup).
    pub fn new(config: &Config) -> Result<Self> {
        let base = server_url(&config.server);
        let mut builder = reqwest::Client::builder().connect_timeout(config.timeout.min(Duration::from_secs(10)));
        if base.starts_with("http://") {
            // Plain HTTP never verifies a certificate, so the system's roots are not loaded: parsing
            // them costs every sidecar a few hundred KiB of heap for nothing.
            builder = builder.tls_certs_only([]);
        }
        let http = builder.build().map_err(|source| Error::Transport {
            url: config.server.clone(),
            source,
        })?;
        Ok(Self {
            http,
            base,
            token: config.token.clone(),
            timeout: config.timeout,
        })
    }

    /// The server's base URL.
    #[must_use]
    pub fn server(&self) -> &str {
        &self.base
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        request
    }

    /// Sends a request; a non-2xx answer becomes [`Error::Status`]. Returns the response and URL.
    async fn execute(&self, request: RequestBuilder) -> Result<(reqwest::Response, String)> {
        let request = request.build().map_err(|source| Error::Transport {
            url: self.base.clone(),
            source,
        })?;
        let url = request.url().to_string();
        let method = request.method().clone();
        let response = self.http.execute(request).await.map_err(|source| Error::Transport {
            url: url.clone(),
            source,
        })?;
        let status = response.status();
        if !status.is_success() {
            let bytes = response.bytes().await.unwrap_or_default();
            return Err(status_error(status, &method, &url, &bytes));
        }
        Ok((response, url))
    }

    async fn send<T: DeserializeOwned>(&self, request: RequestBuilder) -> Result<T> {
        let (response, url) = self.execute(request.timeout(self.timeout)).await?;
        let bytes = response.bytes().await.map_err(|source| Error::Transport {
            url: url.clone(),
            source,
        })?;
        serde_json::from_slice(&bytes).map_err(|source| Error::Decode { url, source })
    }

    /// Server version.
    ///
    /// # Errors
    /// Transport and server errors.
    pub async fn version(&self) -> Result<VersionInfo> {
        self.send(self.request(Method::GET, "/version")).await
    }

    /// The inbound counters of every UP instance, gathered by the control plane from their
    /// sidecars.
    ///
    /// # Errors
    /// Transport and server errors.
    pub async fn instance_metrics(&self) -> Result<crate::metrics::InstancesInbound> {
        self.send(self.request(Method::GET, crate::metrics::INSTANCES_PATH))
            .await
    }

    /// One object.
    ///
    /// # Errors
    /// [`Error::is_not_found`] when it does not exist; transport and server errors.
    pub async fn get(&self, kind: &ResourceKind, name: &str) -> Result<Resource> {
        self.send(self.request(Method::GET, &api::object_path(kind, name)))
            .await
    }

    /// One object, or `None` when it does not exist.
    ///
    /// # Errors
    /// Transport and server errors.
    pub async fn get_opt(&self, kind: &ResourceKind, name: &str) -> Result<Option<Resource>> {
        match self.get(kind, name).await {
            Ok(resource) => Ok(Some(resource)),
            Err(err) if err.is_not_found() => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// Every object of a kind, optionally filtered by a label selector (`k=v,k2!=v2,k3`).
    ///
    /// # Errors
    /// Transport and server errors (404 for an unknown custom kind).
    pub async fn list(&self, kind: &ResourceKind, selector: Option<&str>) -> Result<List> {
        let mut request = self.request(Method::GET, &api::collection_path(kind));
        if let Some(selector) = selector {
            request = request.query(&[("labelSelector", selector)]);
        }
        self.send(request).await
    }

    /// Creates an object.
    ///
    /// # Errors
    /// [`Error::is_conflict`] when it exists; 400 with every problem when invalid.
    pub async fn create(&self, resource: &Resource) -> Result<Resource> {
        self.send(
            self.request(Method::POST, &api::collection_path(&resource.kind))
                .json(resource),
        )
        .await
    }

    /// Replaces an object. With `metadata.resourceVersion` set, a concurrent change makes it
    /// fail with [`Error::is_conflict`] instead of being overwritten.
    ///
    /// # Errors
    /// Not found, conflict, validation, transport and server errors.
    pub async fn update(&self, resource: &Resource) -> Result<Resource> {
        let path = api::object_path(&resource.kind, &resource.metadata.name);
        self.send(self.request(Method::PUT, &path).json(resource)).await
    }

    /// Deletes an object and returns its last state.
    ///
    /// # Errors
    /// Not found, transport and server errors.
    pub async fn delete(&self, kind: &ResourceKind, name: &str) -> Result<Resource> {
        self.send(self.request(Method::DELETE, &api::object_path(kind, name)))
            .await
    }

    /// Creates the object, or updates it when its content differs; writes nothing when equal.
    /// A `metadata.resourceVersion` given by the caller is kept as a precondition.
    ///
    /// # Errors
    /// Validation, conflict, transport and server errors.
    pub async fn apply(&self, resource: &Resource) -> Result<(ApplyOutcome, Resource)> {
        let kind = &resource.kind;
        // A create can race with another writer; one retry through the update path settles it.
        for _ in 0..3 {
            match self.get_opt(kind, &resource.metadata.name).await? {
                None => match self.create(resource).await {
                    Ok(created) => return Ok((ApplyOutcome::Created, created)),
                    Err(err) if err.is_conflict() => continue,
                    Err(err) => return Err(err),
                },
                Some(live) if live.same_content(resource) => return Ok((ApplyOutcome::Unchanged, live)),
                Some(live) => {
                    let mut desired = resource.clone();
                    let pinned = desired.metadata.resource_version.is_some();
                    if !pinned {
                        desired
                            .metadata
                            .resource_version
                            .clone_from(&live.metadata.resource_version);
                    }
                    match self.update(&desired).await {
                        // The server writes nothing when only derived fields differ.
                        Ok(updated) if updated.metadata.resource_version == live.metadata.resource_version => {
                            return Ok((ApplyOutcome::Unchanged, updated));
                        }
                        Ok(updated) => return Ok((ApplyOutcome::Configured, updated)),
                        Err(err) if (err.is_conflict() || err.is_not_found()) && !pinned => continue,
                        Err(err) => return Err(err),
                    }
                }
            }
        }
        Err(Error::Contended {
            reference: resource.reference(),
        })
    }

    /// Registers (or re-registers) an instance.
    ///
    /// # Errors
    /// 404 while its Service does not exist; validation, transport and server errors.
    pub async fn register(&self, registration: &crate::registry::Registration) -> Result<Resource> {
        self.send(self.request(Method::POST, &api::registry_path(None)).json(registration))
            .await
    }

    /// Sends a heartbeat.
    ///
    /// # Errors
    /// [`Error::is_not_found`] when the control plane does not know the instance (register again).
    pub async fn heartbeat(
        &self,
        service: &str,
        id: &str,
        beat: &crate::registry::Heartbeat,
    ) -> Result<crate::registry::HeartbeatReply> {
        let path = format!("{}/heartbeat", api::registry_path(Some((service, id))));
        self.send(self.request(Method::PUT, &path).json(beat)).await
    }

    /// Removes an instance.
    ///
    /// # Errors
    /// Not found, transport and server errors.
    pub async fn deregister(&self, service: &str, id: &str) -> Result<Resource> {
        self.send(self.request(Method::DELETE, &api::registry_path(Some((service, id)))))
            .await
    }

    /// Takes an instance offline (it stays so until put online) or back online.
    ///
    /// # Errors
    /// Not found, transport and server errors.
    pub async fn set_offline(&self, service: &str, id: &str, offline: bool) -> Result<Resource> {
        let verb = if offline { "offline" } else { "online" };
        let path = format!("{}/{verb}", api::registry_path(Some((service, id))));
        self.send(self.request(Method::PUT, &path)).await
    }

    /// Streams changes of a kind: first every current object as `ADDED`, then changes as they
    /// happen. The stream ends when the server closes it.
    ///
    /// # Errors
    /// Transport and server errors when opening the stream; each item may also fail.
    pub async fn watch(&self, kind: &ResourceKind) -> Result<impl Stream<Item = Result<WatchEvent>> + use<>> {
        let request = self
            .request(Method::GET, &api::collection_path(kind))
            .query(&[("watch", "true")]);
        let (response, url) = self.execute(request).await?;
        let state = WatchState {
            body: Box::pin(response.bytes_stream()),
            buffer: Vec::new(),
            url,
            done: false,
        };
        Ok(futures_util::stream::unfold(state, WatchState::next))
    }
}

/// Splits a newline-delimited JSON body into watch events.
struct WatchState {
    body: std::pin::Pin<Box<dyn Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>,
    buffer: Vec<u8>,
    url: String,
    done: bool,
}

impl WatchState {
    async fn next(mut self) -> Option<(Result<WatchEvent>, Self)> {
        loop {
            if let Some(end) = self.buffer.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.buffer.drain(..=end).collect();
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                let event = serde_json::from_slice(&line).map_err(|source| Error::Decode {
                    url: self.url.clone(),
                    source,
                });
                return Some((event, self));
            }
            if self.done {
                return None;
            }
            match self.body.next().await {
                Some(Ok(chunk)) => self.buffer.extend_from_slice(&chunk),
                Some(Err(source)) => {
                    self.done = true;
                    let url = self.url.clone();
                    return Some((Err(Error::Transport { url, source }), self));
                }
                None => return None,
            }
        }
    }
}

fn status_error(status: StatusCode, method: &Method, url: &str, body: &[u8]) -> Error {
    let body = serde_json::from_slice::<ErrorBody>(body).unwrap_or_else(|_| ErrorBody {
        code: status.as_u16(),
        reason: api::Reason::Unknown,
        message: String::from_utf8_lossy(body).trim().chars().take(500).collect(),
        details: Vec::new(),
    });
    Error::Status {
        method: method.to_string(),
        url: url.to_owned(),
        status: status.as_u16(),
        body,
    }
}
