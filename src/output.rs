//! Printing structured data: JSON and YAML go to stdout, always complete documents.
use std::io::Write;

use serde::Serialize;

use crate::error::{Error, Result};

pub fn print_json<T: Serialize>(value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::Other(format!("cannot encode JSON: {e}")))?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")?;
    Ok(())
}

pub fn print_yaml<T: Serialize>(value: &T) -> Result<()> {
    let text = serde_saphyr::to_string(value)
        .map_err(|e| Error::Other(format!("cannot encode YAML: {e}")))?;
    let mut out = std::io::stdout().lock();
    write!(out, "{text}")?;
    Ok(())
}
