//! `open ENV`: open the environment's URL with the platform's opener; print it when there is no
//! opener or no terminal.
use std::io::IsTerminal;
use std::process::ExitCode;

use crate::cli::{GlobalArgs, OpenArgs};
use crate::cluster::client;
use crate::error::{Error, Result};
use crate::ui::select;

pub async fn run(global: &GlobalArgs, args: &OpenArgs) -> Result<ExitCode> {
    let session = client::connect(&global.into()).await?;
    let loaded = select::load(session, args.env.env.as_deref()).await?;
    let env = select::choose(&loaded).await?;
    if args.pr {
        let Some(url) = env.pr.url.clone() else {
            return Err(Error::Other(format!(
                "{}: no web page is known for PR {} (provider {} of type {})",
                env.name, env.pr.id, env.provider.name, env.provider.type_
            )));
        };
        return show(&url, &env.name);
    }
    let Some(url) = env.url.clone() else {
        return Err(Error::Other(format!(
            "{} has no URL yet (status {}: {})",
            env.name, env.status, env.message
        )));
    };
    show(&url, &env.name)
}

/// The platform opener, when one is installed.
fn opener() -> Option<(&'static str, &'static [&'static str])> {
    let candidates: &[(&str, &[&str])] = if cfg!(target_os = "macos") {
        &[("open", &[])]
    } else if cfg!(windows) {
        &[("explorer.exe", &[])]
    } else {
        &[("xdg-open", &[]), ("wslview", &[])]
    };
    candidates.iter().copied().find(|(p, _)| which(p))
}

fn which(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
        .unwrap_or(false)
}

/// Opens (or prints) a URL; only a plain http(s) URL reaches the system's opener.
fn show(url: &str, name: &str) -> Result<ExitCode> {
    // The URL comes from annotations and cluster objects (and a provider's URL).
    let Some(url) = crate::model::urls::safe_http(url).map(str::to_string) else {
        return Err(Error::Other(format!(
            "refusing to open {:?} for {}: only http:// and https:// URLs are opened",
            url, name
        )));
    };
    if !std::io::stdout().is_terminal() || std::env::var_os("KUBECTL_PREVIEW_NO_BROWSER").is_some()
    {
        crate::safe_println!("{url}");
        return Ok(ExitCode::SUCCESS);
    }
    match opener() {
        Some((program, args)) => {
            let status = std::process::Command::new(program)
                .args(args)
                .arg(&url)
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status();
            match status {
                Ok(s) if s.success() => crate::safe_eprintln!("Opened {url}"),
                _ => crate::safe_println!("{url}"),
            }
        }
        None => crate::safe_println!("{url}"),
    }
    Ok(ExitCode::SUCCESS)
}
