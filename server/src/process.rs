//! What every meshd process does the same way: logging to stderr, and the shutdown signal
//! (which includes, for processes `emctl demo` starts, its own end).

/// Logs to stderr, filtered by `RUST_LOG` (default `info`), coloured on a terminal.
pub fn init_logging() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

/// The environment variable naming the process a meshd stops with: a supervisor that cannot
/// forward a signal when it is killed (`emctl demo` on SIGKILL) sets it to its own pid.
pub const PARENT_PID_ENV: &str = "MESHD_PARENT_PID";

/// How often a meshd started with [`PARENT_PID_ENV`] checks its parent.
const PARENT_POLL: std::time::Duration = std::time::Duration::from_millis(200);

/// Resolves once this process's parent is no longer `pid`: the parent exited and the process
/// was handed to another (its parent id is read again every [`PARENT_POLL`]).
async fn parent_gone(pid: u32) {
    let mut poll = tokio::time::interval(PARENT_POLL);
    while std::os::unix::process::parent_id() == pid {
        poll.tick().await;
    }
    tracing::info!(parent = pid, "the process that started meshd is gone");
}

/// The parent to stop with, from [`PARENT_PID_ENV`], if it is set and a pid.
fn watched_parent() -> Option<u32> {
    let value = std::env::var(PARENT_PID_ENV).ok()?;
    match value.parse() {
        Ok(pid) => Some(pid),
        Err(_) => {
            tracing::warn!(%value, "{PARENT_PID_ENV} is not a process id; ignored");
            None
        }
    }
}

/// Resolves on SIGTERM or Ctrl-C, or once the parent named by [`PARENT_PID_ENV`] is gone.
pub async fn shutdown_signal() {
    let orphaned = async {
        match watched_parent() {
            Some(pid) => parent_gone(pid).await,
            None => std::future::pending().await,
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::warn!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
        () = orphaned => {}
    }
    tracing::info!("shutting down");
}
