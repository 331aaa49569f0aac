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
    /// Accepted so that the args the injector writes (`sidecar`) run this binary as they run
    /// `meshd`; `meshd-sidecar sidecar ...` and `meshd-sidecar ...` are the same.
    #[arg(value_enum, value_name = "MODE")]
    mode: Option<Mode>,
    #[command(flatten)]
    args: server::sidecar::SidecarArgs,
}

/// The one optional leading word: `meshd sidecar`'s subcommand name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Mode {
    Sidecar,
}

fn main() -> ExitCode {
    server::process::init_logging();
    let cli = Cli::parse();
    // The leading word changes nothing: with it or without it, this is `meshd sidecar`.
    match cli.mode {
        None | Some(Mode::Sidecar) => {}
    }
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

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::{Cli, Mode};

    const FLAGS: [&str; 6] = [
        "--control-plane",
        "http://127.0.0.1:2381",
        "--service",
        "order",
        "--app-port",
        "8080",
    ];

    #[test]
    fn parses_with_and_without_the_injectors_sidecar_word() {
        let bare = Cli::try_parse_from(["meshd-sidecar"].into_iter().chain(FLAGS)).expect("flags alone parse");
        assert_eq!(bare.mode, None);
        assert_eq!(bare.args.control_plane, "http://127.0.0.1:2381");
        assert_eq!(bare.args.service, "order");
        assert_eq!(bare.args.app_port, 8080);

        let injected = Cli::try_parse_from(["meshd-sidecar", "sidecar"].into_iter().chain(FLAGS))
            .expect("`sidecar` then flags parse");
        assert_eq!(injected.mode, Some(Mode::Sidecar));
        assert_eq!(injected.args.control_plane, bare.args.control_plane);
        assert_eq!(injected.args.service, bare.args.service);
        assert_eq!(injected.args.app_port, bare.args.app_port);
    }

    #[test]
    fn refuses_another_leading_word() {
        let err = Cli::try_parse_from(["meshd-sidecar", "control-plane"].into_iter().chain(FLAGS))
            .expect_err("only `sidecar` is accepted");
        assert_eq!(err.kind(), clap::error::ErrorKind::InvalidValue);
    }
}
