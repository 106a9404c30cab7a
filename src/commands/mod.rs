//! One file per command; this module only routes.
use std::process::ExitCode;

use crate::cli::{Cli, Command};
use crate::error::Result;

pub mod completion;
pub mod delete;
pub mod doctor;
pub mod get;
pub mod list;
pub mod logs;
pub mod open;
pub mod reconcile;
pub mod render;
pub mod render_local;
pub mod suspend;
pub mod version;
pub mod wait;
pub mod watch;

pub async fn dispatch(cli: Cli) -> Result<ExitCode> {
    let global = cli.global;
    match cli.command {
        Command::Version(args) => version::run(&global, &args).await,
        Command::Completion(args) => completion::run(&args),
        Command::List(args) => list::run(&global, &args).await,
        Command::Get(args) => get::run(&global, &args).await,
        Command::Reconcile(args) => reconcile::run(&global, &args).await,
        Command::Render(args) => render::run(&global, &args).await,
        Command::Delete(args) => delete::run(&global, &args).await,
        Command::Logs(args) => logs::run(&global, &args).await,
        Command::Suspend(args) => suspend::suspend(&global, &args).await,
        Command::Resume(args) => suspend::resume(&global, &args).await,
        Command::Wait(args) => wait::run(&global, &args).await,
        Command::Open(args) => open::run(&global, &args).await,
        Command::Doctor(args) => doctor::run(&global, &args).await,
    }
}
