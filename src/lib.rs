//! Library behind the `kubectl-preview` binary: a functional core (snapshot → environments) and a
//! thin shell (commands that fetch, print or act).
pub mod attribution;
pub mod cli;
pub mod client;
pub mod commands;
pub mod completion;
pub mod deployed;
pub mod doctor;
pub mod environments;
pub mod error;
pub mod flux;
pub mod health;
pub mod inventory;
pub mod live;
pub mod objects;
pub mod output;
pub mod permute;
pub mod progress;
pub mod reference;
pub mod sanitize;
pub mod select;
pub mod snapshot;
pub mod teardown;
pub mod template;
pub mod triggers;
pub mod urls;

use std::process::ExitCode;

pub use error::{Error, Result};

/// Runs one parsed command line; returns the process exit code on success paths.
pub async fn run(cli: cli::Cli) -> Result<ExitCode> {
    commands::dispatch(cli).await
}
