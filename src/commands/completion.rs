//! `completion SHELL`: the shell's registration script. It calls back into the binary at each
//! <TAB> (clap_complete's dynamic completion), so environment references, ResourceSets and
//! namespaces come from the live cluster.
use std::process::ExitCode;

use crate::cli::CompletionArgs;
use crate::error::Result;

pub fn run(args: &CompletionArgs) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    crate::completion::registration(args.shell, &mut out)?;
    Ok(ExitCode::SUCCESS)
}
