//! `kubectl preview`: per-pull-request preview environments on Flux and the Flux Operator.
use std::process::ExitCode;

use clap::Parser;
use kubectl_preview::cli::Cli;

fn main() -> ExitCode {
    // kubectl's plugin completion (`kubectl_complete-preview`) and the shells' dynamic completion
    // are answered before anything else.
    // `args_os`: `args` aborts on an argument that is not UTF-8; clap reports those as usage errors.
    let args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    if let Some(("__complete", words)) = args
        .split_first()
        .and_then(|(_, rest)| rest.split_first())
        .map(|(first, words)| (first.as_str(), words))
    {
        return match kubectl_preview::commands::completion::cobra(words) {
            Ok(()) => ExitCode::SUCCESS,
            Err(_) => ExitCode::from(1),
        };
    }
    kubectl_preview::commands::completion::dynamic();
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
