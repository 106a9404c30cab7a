//! `completion SHELL`: a static completion script generated from the CLI definition.
use std::process::ExitCode;

use clap::CommandFactory;

use crate::cli::{Cli, CompletionArgs};
use crate::error::Result;

pub fn run(args: &CompletionArgs) -> Result<ExitCode> {
    let mut cmd = Cli::command();
    clap_complete::generate(
        args.shell,
        &mut cmd,
        "kubectl-preview",
        &mut std::io::stdout(),
    );
    Ok(ExitCode::SUCCESS)
}
