//! `completion SHELL`: the shell's registration script. It calls back into the binary at each
//! <TAB> (clap_complete's dynamic completion), so environment references, ResourceSets and
//! namespaces come from the live cluster. Both engines are here: `dynamic` for
//! `kubectl-preview <TAB>` (`COMPLETE=bash kubectl-preview`), and `cobra` for kubectl's plugin
//! completion (`kubectl preview <TAB>` runs `kubectl_complete-preview ARGS… WORD`, which calls
//! `kubectl-preview __complete ARGS… WORD` and reads cobra's protocol: `value<TAB>description`
//! lines, then `:<directive>`); the candidates come from `crate::completion`.
use std::process::ExitCode;

use std::ffi::OsString;
use std::io::Write;

use clap::CommandFactory;
use clap_complete::engine::CompletionCandidate;

use crate::cli::{Cli, CompletionArgs};
use crate::error::Result;

pub fn run(args: &CompletionArgs) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    crate::completion::registration(args.shell, &mut out)?;
    Ok(ExitCode::SUCCESS)
}

/// cobra's ShellCompDirective bits (kubectl's plugin completion protocol, `__complete`).
const NO_FILE_COMP: u8 = 4;
const DEFAULT: u8 = 0;

/// `kubectl-preview __complete ARGS… WORD`: cobra's protocol, as kubectl's plugin completion
/// expects it from `kubectl_complete-preview`.
pub fn cobra(args: &[String]) -> std::io::Result<()> {
    crate::completion::set_typed(args.to_vec());
    let mut words: Vec<OsString> = vec!["kubectl-preview".into()];
    words.extend(args.iter().map(OsString::from));
    if words.len() == 1 {
        words.push(OsString::new());
    }
    let index = words.len() - 1;
    let previous = if index >= 2 {
        words[index - 1].to_string_lossy().to_string()
    } else {
        String::new()
    };
    let mut out = std::io::stdout().lock();
    // A path is expected: let the shell complete files.
    if previous == "--kubeconfig" {
        writeln!(out, ":{DEFAULT}")?;
        return Ok(());
    }
    let current = words[index].to_string_lossy().to_string();
    let mut cmd = Cli::command();
    let mut found = clap_complete::engine::complete(
        &mut cmd,
        words,
        index,
        std::env::current_dir().ok().as_deref(),
    )
    .unwrap_or_default();
    // The engine keeps one name per subcommand (the first alphabetically: `describe` for `get`);
    // offer the canonical name too.
    let top = Cli::command();
    for sub in top.get_subcommands() {
        let aliased = found
            .iter()
            .any(|c| sub.get_visible_aliases().any(|a| c.get_value() == a));
        let present = found.iter().any(|c| c.get_value() == sub.get_name());
        if aliased && !present && sub.get_name().starts_with(current.as_str()) {
            let about = sub.get_about().map(|a| a.to_string());
            found.push(CompletionCandidate::new(sub.get_name()).help(about.map(Into::into)));
        }
    }
    for c in found.iter().filter(|c| !c.is_hide_set()) {
        let value = c.get_value().to_string_lossy();
        match c.get_help() {
            Some(help) => {
                let help = help.to_string();
                let help = help.lines().next().unwrap_or("");
                writeln!(out, "{value}\t{help}")?;
            }
            None => writeln!(out, "{value}")?,
        }
    }
    writeln!(out, ":{NO_FILE_COMP}")?;
    Ok(())
}

/// Handles `COMPLETE=<shell> kubectl-preview …` (the direct `kubectl-preview <TAB>` case).
pub fn dynamic() {
    if std::env::var_os("COMPLETE").is_some() {
        let words: Vec<String> = std::env::args().skip_while(|a| a != "--").skip(1).collect();
        crate::completion::set_typed(words);
    }
    clap_complete::CompleteEnv::with_factory(Cli::command).complete();
}
