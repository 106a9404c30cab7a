//! `list --watch`: keeps the table live from watches on every kind (no polling).
use std::process::ExitCode;

use crate::cli::ListArgs;
use crate::client::Session;
use crate::error::{Error, Result};
use crate::health::Status;

pub async fn run(_session: Session, _args: &ListArgs, _status: Option<Status>) -> Result<ExitCode> {
    Err(Error::NotImplemented("list --watch"))
}
