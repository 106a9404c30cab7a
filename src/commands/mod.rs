//! One file per command; this module only routes.
use std::process::ExitCode;

use crate::cli::{Cli, Command};
use crate::error::{Error, Result};

pub mod completion;
pub mod get;
pub mod list;
pub mod version;
pub mod watch;

pub async fn dispatch(cli: Cli) -> Result<ExitCode> {
    let global = cli.global;
    match cli.command {
        Command::Version(args) => version::run(&global, &args).await,
        Command::Completion(args) => completion::run(&args),
        Command::List(args) => list::run(&global, &args).await,
        Command::Get(args) => get::run(&global, &args).await,
        Command::Reconcile(_) => Err(Error::NotImplemented("reconcile")),
        Command::Render(_) => Err(Error::NotImplemented("render")),
        Command::Delete(_) => Err(Error::NotImplemented("delete")),
        Command::Wait(_) => Err(Error::NotImplemented("wait")),
        Command::Open(_) => Err(Error::NotImplemented("open")),
        Command::Doctor(_) => Err(Error::NotImplemented("doctor")),
    }
}
