//! Library behind the `kubectl-preview` binary, in layers:
//! - `model`: the functional core, pure data and functions (snapshot → environments, plans,
//!   findings); it reads no cluster and no terminal;
//! - `cluster`: talking to the API server (connecting as kubectl does, reads, watches, triggers);
//! - `ui`: what reaches a terminal (tables, formats, progress, the picker);
//! - `sanitize`: the untrusted-text rules, a leaf every layer uses;
//! - `commands`: one thin module per command that wires the three.
pub mod cli;
pub mod cluster;
pub mod commands;
pub mod completion;
pub mod error;
pub mod model;
pub mod sanitize;
pub mod ui;

use std::process::ExitCode;

pub use error::{Error, Result};

/// Runs one parsed command line; returns the process exit code on success paths.
pub async fn run(cli: cli::Cli) -> Result<ExitCode> {
    commands::dispatch(cli).await
}
