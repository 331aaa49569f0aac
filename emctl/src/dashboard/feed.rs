//! Live data from the control plane, in background tasks the screen never waits on: one watch per
//! kind on view (every object first, then changes, batched), and a version poll that also notices
//! when the server stops answering. Failures retry with exponential backoff (0.5 s doubling up to
//! 10 s, jittered: [`meshlib::backoff`]) and are reported as [`Action`]s, like the data, with the
//! time of the next try.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures_util::{FutureExt, StreamExt};
use meshlib::api::{EventType, WatchEvent};
use meshlib::backoff::Backoff;
use meshlib::client::{Client, Error};
use meshlib::kind::ResourceKind;
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinSet;

use super::action::Action;

/// First wait after a failure.
const FIRST_RETRY: Duration = Duration::from_millis(500);
/// Longest wait between tries.
const MAX_RETRY: Duration = Duration::from_secs(10);
/// How often the version is asked while the server answers.
const VERSION_EVERY: Duration = Duration::from_secs(5);
/// Most events sent in one batch.
const BATCH: usize = 1000;

/// Waits between tries: from 0.5 s doubling up to 10 s, with jitter.
fn backoff() -> Backoff {
    Backoff::new(FIRST_RETRY, MAX_RETRY)
}

/// The running watches; dropping it stops every task.
pub struct Feed {
    client: Client,
    tx: mpsc::Sender<Action>,
    resync: HashMap<ResourceKind, Arc<Notify>>,
    tasks: JoinSet<()>,
}

impl Feed {
    /// Starts the version poll; watches start with [`Self::watch`].
    pub fn start(client: Client, tx: mpsc::Sender<Action>) -> Self {
        let mut tasks = JoinSet::new();
        tasks.spawn(poll_version(client.clone(), tx.clone()));
        Self {
            client,
            tx,
            resync: HashMap::new(),
            tasks,
        }
    }

    /// Watches `kind`, unless it is watched already.
    pub fn watch(&mut self, kind: &ResourceKind) {
        if self.resync.contains_key(kind) {
            return;
        }
        let resync = Arc::new(Notify::new());
        self.resync.insert(kind.clone(), Arc::clone(&resync));
        self.tasks
            .spawn(watch(self.client.clone(), kind.clone(), self.tx.clone(), resync));
    }

    /// Watches `kind` again from scratch.
    pub fn resync(&mut self, kind: &ResourceKind) {
        match self.resync.get(kind) {
            Some(resync) => resync.notify_one(),
            None => self.watch(kind),
        }
    }
}

/// How one watch stream ended.
enum Ended {
    /// The dashboard is gone.
    Closed,
    /// Asked to start again.
    Resync,
    /// The server ended the stream (it does when a watcher falls behind): watch again.
    Again,
    /// It failed; already reported with this wait before the next try.
    Failed(Duration),
}

async fn watch(client: Client, kind: ResourceKind, tx: mpsc::Sender<Action>, resync: Arc<Notify>) {
    let mut backoff = backoff();
    loop {
        let wait = match stream(&client, &kind, &tx, &resync, &mut backoff).await {
            Ended::Closed => return,
            Ended::Resync => continue,
            Ended::Again => {
                backoff.reset();
                backoff.next_wait()
            }
            Ended::Failed(wait) => wait,
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = resync.notified() => {}
        }
    }
}

/// Reports a failure: an unreachable server for everyone, a refusal for this kind only; the next
/// try is after the backoff's next wait.
async fn report(tx: &mpsc::Sender<Action>, kind: &ResourceKind, err: &Error, backoff: &mut Backoff) -> Ended {
    let wait = backoff.next_wait();
    let action = if err.is_transport() {
        Action::Unreachable {
            message: reason(err),
            retry_at: SystemTime::now() + wait,
        }
    } else {
        Action::Refused(kind.clone(), err.to_string())
    };
    if tx.send(action).await.is_err() {
        Ended::Closed
    } else {
        Ended::Failed(wait)
    }
}

/// `cannot reach the control plane at URL: connection refused`.
fn reason(err: &Error) -> String {
    match std::error::Error::source(err) {
        Some(cause) => format!("{err}: {}", crate::report::root_cause(cause)),
        None => err.to_string(),
    }
}

async fn stream(
    client: &Client,
    kind: &ResourceKind,
    tx: &mpsc::Sender<Action>,
    resync: &Notify,
    backoff: &mut Backoff,
) -> Ended {
    let events = match client.watch(kind).await {
        Ok(events) => events,
        Err(err) => return report(tx, kind, &err, backoff).await,
    };
    let mut events = std::pin::pin!(events);
    let mut snapshot = Vec::new();
    let mut synced = false;
    loop {
        let event = tokio::select! {
            event = events.next() => event,
            () = resync.notified() => return Ended::Resync,
        };
        let event = match event {
            None => return Ended::Again,
            Some(Err(err)) => return report(tx, kind, &err, backoff).await,
            Some(Ok(event)) => event,
        };
        let action = match (synced, event.event) {
            (false, EventType::Bookmark) => {
                synced = true;
                backoff.reset();
                Action::Synced(kind.clone(), std::mem::take(&mut snapshot))
            }
            (false, _) => {
                snapshot.push(event.object);
                continue;
            }
            (true, EventType::Bookmark) => continue,
            (true, _) => {
                let (batch, ended) = batch(event, &mut events);
                if tx.send(Action::Changed(kind.clone(), batch)).await.is_err() {
                    return Ended::Closed;
                }
                match ended {
                    Some(Err(err)) => return report(tx, kind, &err, backoff).await,
                    Some(Ok(())) => return Ended::Again,
                    None => continue,
                }
            }
        };
        if tx.send(action).await.is_err() {
            return Ended::Closed;
        }
    }
}

/// `first` and the events already waiting behind it, so a burst of changes is one update; also
/// whether the stream ended meanwhile (`Ok`) or failed (`Err`).
fn batch<S>(first: WatchEvent, events: &mut S) -> (Vec<WatchEvent>, Option<Result<(), Error>>)
where
    S: futures_util::Stream<Item = Result<WatchEvent, Error>> + Unpin,
{
    let mut batch = vec![first];
    while batch.len() < BATCH {
        match events.next().now_or_never() {
            Some(Some(Ok(event))) if event.event == EventType::Bookmark => {}
            Some(Some(Ok(event))) => batch.push(event),
            Some(Some(Err(err))) => return (batch, Some(Err(err))),
            Some(None) => return (batch, Some(Ok(()))),
            None => break,
        }
    }
    (batch, None)
}

async fn poll_version(client: Client, tx: mpsc::Sender<Action>) {
    let mut backoff = backoff();
    loop {
        let (action, wait) = match client.version().await {
            Ok(version) => {
                backoff.reset();
                (Some(Action::Version(version.version)), VERSION_EVERY)
            }
            Err(err) if err.is_transport() => {
                let wait = backoff.next_wait();
                let action = Action::Unreachable {
                    message: reason(&err),
                    retry_at: SystemTime::now() + wait,
                };
                (Some(action), wait)
            }
            // Answers, but not with a version: the watches say what is wrong.
            Err(_) => (None, VERSION_EVERY),
        };
        if let Some(action) = action
            && tx.send(action).await.is_err()
        {
            return;
        }
        tokio::time::sleep(wait).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_unreachable_server_is_reported_with_the_next_try() {
        // Nothing listens on port 1 of loopback: connections are refused at once.
        let client = Client::new(&meshlib::client::Config {
            server: "127.0.0.1:1".into(),
            token: None,
            timeout: Duration::from_secs(1),
        })
        .unwrap();
        let (tx, mut rx) = mpsc::channel(8);
        let mut feed = Feed::start(client, tx);
        feed.watch(&ResourceKind::Builtin(meshlib::kind::Kind::Service));
        for _ in 0..2 {
            let Some(Action::Unreachable { message, retry_at }) = rx.recv().await else {
                panic!("an outage expected")
            };
            assert!(
                message.starts_with("cannot reach the control plane at http://127.0.0.1:1/"),
                "{message}"
            );
            assert!(retry_at > SystemTime::now(), "the next try is ahead");
        }
    }
}
