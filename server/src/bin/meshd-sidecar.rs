//! `meshd-sidecar`: the sidecar alone — the flags of `meshd sidecar`, without the control plane's
//! code (store, REST API, webhook), so every pod maps less code. Injected pods and `emctl demo`
//! run it when it is installed beside `meshd`.

// The system allocator, unlike meshd's mimalloc: one sidecar runs beside every pod, and at idle
// glibc's heap holds about 0.4 MiB less than mimalloc's pages, while proxying measured no slower
// (docs/benchmarks.md). The control plane keeps mimalloc for its allocation-heavy listings.

use std::process::ExitCode;

use clap::Parser;

/// Run beside one app instance: registration, health checks, heartbeats, configuration, proxying.
#[derive(Debug, Parser)]
#[command(name = "meshd-sidecar", version)]
struct Cli {
    #[command(flatten)]
    args: server::sidecar::SidecarArgs,
}

fn main() -> ExitCode {
    server::process::init_logging();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(server::sidecar::run(cli.args, server::process::shutdown_signal())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
