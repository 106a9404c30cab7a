//! `kubectl preview`: per-pull-request preview environments on Flux and the Flux Operator.
use std::process::ExitCode;

use clap::Parser;
use kubectl_preview::cli::Cli;

fn main() -> ExitCode {
    // kubectl's plugin completion (`kubectl_complete-preview`) and the shells' dynamic completion
    // are answered before anything else.
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("__complete") {
        return match kubectl_preview::completion::cobra(&args[2..]) {
            Ok(()) => ExitCode::SUCCESS,
            Err(_) => ExitCode::from(1),
        };
    }
    kubectl_preview::completion::dynamic();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(kubectl_preview::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", e.one_line());
            ExitCode::from(e.exit_code())
        }
    }
}
