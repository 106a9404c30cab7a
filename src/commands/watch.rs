//! `list --watch`: keeps the table live from watches on every readable kind (no polling). The
//! table is redrawn when an event changes it; nothing runs while nothing changes.
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use crate::cli::ListArgs;
use crate::cluster::client::Session;
use crate::cluster::live::Live;
use crate::error::Result;
use crate::model::environments::{self, PodProblems};
use crate::model::health::Status;
use crate::model::snapshot::Snapshot;
use crate::ui::table;

fn render(
    snapshot: &Snapshot,
    args: &ListArgs,
    status: Option<Status>,
    all_namespaces: bool,
) -> String {
    let catalog = environments::build(snapshot, &PodProblems::new());
    let envs = catalog.query(&args.query(status), jiff::Timestamp::now());
    if envs.is_empty() {
        return "No preview environments (watching for changes).\n".to_string();
    }
    if args.output == crate::cli::ListOutput::Name {
        return table::render_names(&envs);
    }
    table::render_table(
        &envs,
        args.output == crate::cli::ListOutput::Wide,
        all_namespaces,
        args.no_headers,
    )
}

pub async fn run(session: Session, args: &ListArgs, status: Option<Status>) -> Result<ExitCode> {
    // A redrawn table has no document boundaries: JSON and YAML would interleave with it.
    if matches!(
        args.output,
        crate::cli::ListOutput::Json | crate::cli::ListOutput::Yaml
    ) {
        return Err(crate::error::Error::Usage(
            "--watch shows a table: use -o table, -o wide or -o name (for JSON, run list -o json without --watch)".into(),
        ));
    }
    let mut live = Live::start(&session).await?;
    crate::ui::select::warn_problems(live.first());
    let terminal = std::io::stdout().is_terminal();
    let mut last = render(live.first(), args, status, session.all_namespaces);
    draw(&last, terminal, true)?;
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        let next = tokio::select! {
            _ = &mut ctrl_c => break,
            next = live.next() => next,
        };
        let Some(snapshot) = next else { break };
        let table = render(snapshot, args, status, session.all_namespaces);
        if table != last {
            draw(&table, terminal, false)?;
            last = table;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn draw(table: &str, terminal: bool, first: bool) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if terminal {
        // Home + clear: the table replaces itself, like `watch`.
        write!(out, "\x1b[H\x1b[2J{table}")?;
    } else {
        if !first {
            writeln!(out)?;
        }
        write!(out, "{table}")?;
    }
    out.flush()?;
    Ok(())
}
