//! Library behind the `kubectl-preview` binary: a functional core (snapshot → environments) and a
//! thin shell (commands that fetch, print or act).
pub mod cli;
pub mod client;
pub mod commands;
pub mod error;
pub mod flux;
pub mod output;

use std::process::ExitCode;

pub use error::{Error, Result};

/// Runs one parsed command line; returns the process exit code on success paths.
pub async fn run(cli: cli::Cli) -> Result<ExitCode> {
    commands::dispatch(cli).await
}
