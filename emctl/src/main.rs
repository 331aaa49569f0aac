//! `emctl`: shell completion requests, argument parsing, the async runtime and the exit-code
//! table. Everything else is in the library (`cmd`).

/// mimalloc: listing and decoding thousands of objects is allocation-bound, and glibc malloc
/// spent a quarter of `get serviceinstance` over 10k instances in malloc/free.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};
use emctl::{cli, cmd};

/// Exit code of wrong usage (BSD `EX_USAGE`).
const EXIT_USAGE: u8 = 64;
/// Exit code of unexpected failures.
const EXIT_UNEXPECTED: u8 = 2;

/// Panics are bugs: say so and exit 2. A closed stdout (`emctl get ... | head`) is not an error.
fn install_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
        eprintln!("error: emctl crashed; this is a bug, please report it with the command you ran");
        std::process::exit(i32::from(EXIT_UNEXPECTED));
    }));
}

fn main() -> ExitCode {
    // `COMPLETE=<shell> emctl ...` is a completion request from the shell: answer and exit.
    clap_complete::CompleteEnv::with_factory(cli::Cli::command).complete();
    install_panic_hook();
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return match err.kind() {
                ErrorKind::DisplayHelp
                | ErrorKind::DisplayVersion
                | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => ExitCode::SUCCESS,
                _ => ExitCode::from(EXIT_USAGE),
            };
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::from(EXIT_UNEXPECTED);
        }
    };
    match runtime.block_on(cmd::run(cli)) {
        Ok(cmd::Exit::Success) => ExitCode::SUCCESS,
        Ok(cmd::Exit::Failure) => ExitCode::FAILURE,
        Err(err) => {
            // A broken pipe (`emctl get ... | head`) is not a failure.
            if err.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}
