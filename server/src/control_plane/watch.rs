//! Watch streams: newline-delimited JSON events for one kind — every current object as ADDED,
//! then each change as it commits. A stream ends when the client leaves, when it falls too far
//! behind (it then re-watches), or when the server shuts down.

use std::convert::Infallible;

use axum::body::Body;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use meshlib::api::{EventType, WatchEvent};
use meshlib::kind::{Kind, ResourceKind};
use meshlib::resource::Resource;
use meshlib::selector::Selector;
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;

use super::AppState;
use super::error::ApiError;
use super::stored;
use crate::store::{Entry, Event};
use meshlib::part::{path_of as part_kind, view as part_resource};

/// Maps a store change to the watch event of `kind` it means, if any.
pub fn translate(kind: &ResourceKind, event: &Event) -> Option<WatchEvent> {
    let decode = |bytes: &Option<Vec<u8>>| -> Option<Resource> {
        let entry = Entry {
            key: event.key.clone(),
            value: bytes.clone()?,
            revision: event.revision,
        };
        stored::decode(&entry).ok()
    };
    let (before, after) = match part_kind(kind) {
        Some((part, path)) => {
            if !event
                .key
                .starts_with(&stored::prefix(&ResourceKind::Builtin(Kind::Service)))
            {
                return None;
            }
            let view = |r: Option<Resource>| r.and_then(|s| part_resource(part, &s, path));
            (view(decode(&event.previous)), view(decode(&event.value)))
        }
        None => {
            if !event.key.starts_with(&stored::prefix(kind)) {
                return None;
            }
            (decode(&event.previous), decode(&event.value))
        }
    };
    match (before, after) {
        (None, Some(object)) => Some(WatchEvent {
            event: EventType::Added,
            object,
        }),
        (Some(old), Some(object)) if !old.same_content(&object) || part_kind(kind).is_none() => Some(WatchEvent {
            event: EventType::Modified,
            object,
        }),
        (Some(mut object), None) => {
            object.metadata.resource_version = Some(event.revision.to_string());
            Some(WatchEvent {
                event: EventType::Deleted,
                object,
            })
        }
        _ => None,
    }
}

fn line<T: serde::Serialize>(value: &T, terminator: &str) -> Bytes {
    let mut bytes = serde_json::to_vec(value).expect("wire types serialise");
    bytes.extend_from_slice(terminator.as_bytes());
    Bytes::from(bytes)
}

/// Calls `on_change` for every change of `kind` after the snapshot `first` (taken at `revision`),
/// sending whatever it returns, until the client leaves or the server stops.
pub fn stream<F>(
    state: &AppState,
    mut feed: broadcast::Receiver<Event>,
    first: Vec<Bytes>,
    revision: u64,
    mut on_change: F,
) -> Response
where
    F: FnMut(Event) -> futures_util::future::BoxFuture<'static, Vec<Bytes>> + Send + 'static,
{
    let (tx, rx) = mpsc::channel::<Result<Bytes, Infallible>>(64);
    let mut shutdown = state.shutdown.clone();
    tokio::spawn(async move {
        for chunk in first {
            if tx.send(Ok(chunk)).await.is_err() {
                return;
            }
        }
        loop {
            let event = tokio::select! {
                event = feed.recv() => event,
                () = tx.closed() => return,
                _ = shutdown.changed() => return,
            };
            let event = match event {
                Ok(event) => event,
                // Lagging behind (or closing): end the stream; the client re-watches and gets a
                // fresh snapshot, so nothing is silently skipped.
                Err(_) => return,
            };
            if event.revision <= revision {
                continue;
            }
            for chunk in on_change(event).await {
                if tx.send(Ok(chunk)).await.is_err() {
                    return;
                }
            }
        }
    });
    (
        [(header::CONTENT_TYPE, "application/json")],
        Body::from_stream(ReceiverStream::new(rx)),
    )
        .into_response()
}

/// The `?watch=true` stream of a kind.
pub async fn events(state: &AppState, kind: ResourceKind, selector: Option<Selector>) -> Result<Response, ApiError> {
    // Subscribe before listing so no change between the two is missed.
    let feed = state.objects.store().subscribe();
    let (items, revision) = state.objects.list(&kind, selector.as_ref()).await?;
    let mut first: Vec<Bytes> = items
        .into_iter()
        .map(|object| {
            line(
                &WatchEvent {
                    event: EventType::Added,
                    object,
                },
                "\n",
            )
        })
        .collect();
    // The snapshot is complete: watchers that rebuild their state can switch to it now.
    let mut bookmark = Resource::new(&kind, "", serde_json::Value::Null);
    bookmark.metadata.resource_version = Some(revision.to_string());
    first.push(line(
        &WatchEvent {
            event: EventType::Bookmark,
            object: bookmark,
        },
        "\n",
    ));
    let objects = state.objects.clone();
    Ok(stream(state, feed, first, revision, move |event| {
        let change =
            translate(&kind, &event).filter(|e| selector.as_ref().is_none_or(|s| s.matches(&e.object.metadata.labels)));
        let objects = objects.clone();
        Box::pin(async move {
            let Some(mut change) = change else {
                return Vec::new();
            };
            // Before anything that may fail: a write-only value never leaves unredacted.
            meshlib::redact::redact(&mut change.object);
            // Derived fields (an instance's tenant, a tenant's services) as on reads.
            if let Ok(mut shown) = objects.decorate(vec![change.object.clone()]).await {
                change.object = shown.remove(0);
            }
            vec![line(&change, "\n")]
        })
    }))
}

/// EaseMesh's watch: on every change of the kind, the full JSON array of its objects (flat
/// form) followed by CRLF.
pub async fn snapshots(state: &AppState, kind: ResourceKind) -> Result<Response, ApiError> {
    let feed = state.objects.store().subscribe();
    let (items, revision) = state.objects.list(&kind, None).await?;
    let flat =
        |items: Vec<Resource>| -> Bytes { line(&items.iter().map(Resource::to_flat).collect::<Vec<_>>(), "\r\n") };
    let objects = state.objects.clone();
    Ok(stream(state, feed, vec![flat(items)], revision, move |event| {
        let relevant = translate(&kind, &event).is_some();
        let objects = objects.clone();
        let kind = kind.clone();
        Box::pin(async move {
            if !relevant {
                return Vec::new();
            }
            match objects.list(&kind, None).await {
                Ok((items, _)) => vec![flat(items)],
                Err(_) => Vec::new(),
            }
        })
    }))
}
