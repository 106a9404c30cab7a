//! How `logs` prints a line: `[pod/container] text`, the prefix in a colour of its own on a
//! terminal (not with `NO_COLOR`), or one JSON object per line. Every line of a container's log is
//! written by whatever runs in the pod: it is sanitised like any untrusted text.
use std::io::{IsTerminal, Write};

use anstyle::{AnsiColor, Style};
use serde::Serialize;

use crate::model::logs::Stream;
use crate::sanitize;

const PALETTE: [AnsiColor; 6] = [
    AnsiColor::Cyan,
    AnsiColor::Green,
    AnsiColor::Magenta,
    AnsiColor::Yellow,
    AnsiColor::Blue,
    AnsiColor::Red,
];

/// The same container gets the same colour in every run (FNV-1a of its label).
pub fn colour_of(label: &str) -> AnsiColor {
    let hash = label.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    PALETTE[(hash % PALETTE.len() as u64) as usize]
}

/// Whether to colour: stdout is a terminal and `NO_COLOR` is unset or empty (no-color.org).
pub fn colour_wanted() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

#[derive(Serialize)]
struct JsonLine<'a> {
    namespace: &'a str,
    pod: &'a str,
    container: &'a str,
    workload: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    timestamp: Option<String>,
    message: &'a str,
}

pub struct Printer {
    pub colour: bool,
    pub timestamps: bool,
    pub json: bool,
}

impl Printer {
    /// One log line of `stream`, written whole. An error is a closed stdout (`| head`): the
    /// caller stops.
    pub fn line(
        &self,
        out: &mut impl Write,
        stream: &Stream,
        ts: Option<jiff::Timestamp>,
        text: &str,
    ) -> std::io::Result<()> {
        if self.json {
            let line = JsonLine {
                namespace: &stream.namespace,
                pod: &stream.pod,
                container: &stream.container,
                workload: stream.workload.to_string(),
                timestamp: ts.map(|t| t.to_string()),
                message: text.strip_suffix('\r').unwrap_or(text),
            };
            let json = serde_json::to_string(&line).map_err(std::io::Error::other)?;
            return writeln!(out, "{json}");
        }
        let label = sanitize::line(&stream.label()).into_owned();
        let text = sanitize::log_line(text);
        let stamp = match (self.timestamps, ts) {
            (true, Some(t)) => format!("{t} "),
            _ => String::new(),
        };
        if self.colour {
            let style = Style::new().fg_color(Some(colour_of(&stream.label()).into()));
            writeln!(out, "{style}[{label}]{style:#} {stamp}{text}")
        } else {
            writeln!(out, "[{label}] {stamp}{text}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::inventory::ObjectRef;

    fn stream() -> Stream {
        Stream {
            namespace: "app-dev".into(),
            pod: "api-1-abc".into(),
            container: "api".into(),
            pod_uid: "u".into(),
            restarts: 0,
            workload: ObjectRef::new("apps", "Deployment", "app-dev", "api-1"),
            running: true,
        }
    }

    fn print(p: &Printer, text: &str) -> String {
        let mut out = Vec::new();
        let ts = "2026-11-26T03:04:05.5Z".parse().ok();
        p.line(&mut out, &stream(), ts, text).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn lines_are_prefixed_coloured_only_when_asked_and_sanitised() {
        let plain = Printer {
            colour: false,
            timestamps: false,
            json: false,
        };
        assert_eq!(
            print(&plain, "GET / 200\tok\r"),
            "[api-1-abc/api] GET / 200\tok\n"
        );
        assert_eq!(
            print(&plain, "\x1b]0;pwned\x07x"),
            "[api-1-abc/api] \\x1b]0;pwned\\x07x\n"
        );
        let stamped = Printer {
            timestamps: true,
            ..plain
        };
        assert_eq!(
            print(&stamped, "hi"),
            "[api-1-abc/api] 2026-11-26T03:04:05.5Z hi\n"
        );
        let colour = Printer {
            colour: true,
            timestamps: false,
            json: false,
        };
        let out = print(&colour, "hi");
        assert!(
            out.starts_with("\x1b[") && out.ends_with("[api-1-abc/api]\x1b[0m hi\n"),
            "{out:?}"
        );
        assert_eq!(colour_of("api-1-abc/api"), colour_of("api-1-abc/api"));
    }

    #[test]
    fn json_lines_keep_the_message_exact() {
        let json = Printer {
            colour: true,
            timestamps: false,
            json: true,
        };
        let out = print(&json, "a \x1b[31m\"quoted\"");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["message"], "a \x1b[31m\"quoted\"");
        assert_eq!(v["workload"], "Deployment/app-dev/api-1");
        assert_eq!(v["timestamp"], "2026-11-26T03:04:05.5Z");
        assert!(!out.contains('\x1b'), "the encoder escapes it");
    }
}
