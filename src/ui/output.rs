//! Printing structured data: JSON and YAML go to stdout, always complete documents.
use std::io::Write;

use serde::Serialize;

use crate::error::{Error, Result};

/// What a cell shows when there is nothing, and when reading it was forbidden.
pub const NONE: &str = "<none>";
pub const FORBIDDEN: &str = "<forbidden>";

/// JSON with every character unsafe for a terminal escaped: serde_json escapes C0 controls but
/// writes C1 controls, DEL and bidirectional marks as they are. Outside strings JSON holds no
/// such character, so escaping them everywhere keeps the document and its values the same.
pub fn safe_json(text: &str) -> std::borrow::Cow<'_, str> {
    if !text
        .chars()
        .any(|c| c != '\n' && crate::sanitize::is_unsafe(c))
    {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if c != '\n' && crate::sanitize::is_unsafe(c) {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{:04x}", u));
            }
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

pub fn print_json<T: Serialize>(value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::Other(format!("cannot encode JSON: {e}")))?;
    let text = safe_json(&text);
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")?;
    Ok(())
}

/// Marks, in strings given to the YAML writer, a character it would write raw although a
/// terminal acts on it (bidirectional marks; tabs, which it writes raw in block scalars): the writer double-quotes a string holding a control
/// character and escapes it as `\x01`, after which the mark and the character's code become a
/// `\uXXXX` escape. A `\u{1}` of the data itself is marked too (`01`), so nothing is mistaken.
const MARK: char = '\u{1}';

fn mark_unsafe(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c == MARK {
            out.push_str("\u{1}01\u{1}");
        } else if c == '\t' || (crate::sanitize::is_unsafe(c) && !c.is_control()) {
            out.push(MARK);
            out.push_str(&format!("{:04x}", c as u32));
            out.push(MARK);
        } else {
            out.push(c);
        }
    }
    out
}

fn marked(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    let needs = |s: &str| {
        s.chars()
            .any(|c| c == MARK || c == '\t' || (crate::sanitize::is_unsafe(c) && !c.is_control()))
    };
    match v {
        Value::String(s) if needs(&s) => Value::String(mark_unsafe(&s)),
        Value::Array(a) => Value::Array(a.into_iter().map(marked).collect()),
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| (if needs(&k) { mark_unsafe(&k) } else { k }, marked(v)))
                .collect(),
        ),
        other => other,
    }
}

/// YAML whose every character unsafe for a terminal is escaped (the writer escapes controls but
/// writes bidirectional marks raw, even in plain scalars).
pub fn safe_yaml<T: Serialize>(value: &T) -> Result<String> {
    let direct = serde_saphyr::to_string(value)
        .map_err(|e| Error::Other(format!("cannot encode YAML: {e}")))?;
    if !direct
        .chars()
        .any(|c| c != '\n' && crate::sanitize::is_unsafe(c))
    {
        return Ok(direct);
    }
    // Through a JSON value, whose maps are sorted: fields keep their values, not their order.
    let v = serde_json::to_value(value)
        .map_err(|e| Error::Other(format!("cannot encode YAML: {e}")))?;
    let text = serde_saphyr::to_string(&marked(v))
        .map_err(|e| Error::Other(format!("cannot encode YAML: {e}")))?;
    if !text.contains("\\x01") {
        return Ok(text);
    }
    // `\x01` + 2 or 4 hex digits + `\x01`: a marked character.
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find("\\x01") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 4..];
        let code: String = after
            .chars()
            .take_while(|c| c.is_ascii_hexdigit())
            .take(4)
            .collect();
        match after[code.len()..].strip_prefix("\\x01") {
            Some(tail) if code.len() == 4 || code == "01" => {
                out.push_str(if code == "01" { "\\x01" } else { "\\u" });
                if code.len() == 4 {
                    out.push_str(&code);
                }
                rest = tail;
            }
            _ => {
                out.push_str("\\x01");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

pub fn print_yaml<T: Serialize>(value: &T) -> Result<()> {
    let text = safe_yaml(value)?;
    let mut out = std::io::stdout().lock();
    write!(out, "{text}")?;
    Ok(())
}

/// kubectl's human-readable durations (`45s`, `5m30s`, `3h`, `2d5h`, `90d`).
pub fn human_duration(d: std::time::Duration) -> String {
    let s = d.as_secs();
    let (m, h) = (s / 60, s / 3600);
    if s < 120 {
        format!("{s}s")
    } else if m < 10 {
        if s.is_multiple_of(60) {
            format!("{m}m")
        } else {
            format!("{m}m{}s", s % 60)
        }
    } else if m < 180 {
        format!("{m}m")
    } else if h < 8 {
        if m.is_multiple_of(60) {
            format!("{h}h")
        } else {
            format!("{h}h{}m", m % 60)
        }
    } else if h < 48 {
        format!("{h}h")
    } else if h < 24 * 8 {
        if h.is_multiple_of(24) {
            format!("{}d", h / 24)
        } else {
            format!("{}d{}h", h / 24, h % 24)
        }
    } else if h < 24 * 365 * 2 {
        format!("{}d", h / 24)
    } else if h < 24 * 365 * 8 {
        let days = h / 24;
        if days.is_multiple_of(365) {
            format!("{}y", days / 365)
        } else {
            format!("{}y{}d", days / 365, days % 365)
        }
    } else {
        format!("{}y", h / 24 / 365)
    }
}

/// Age of an RFC 3339 timestamp relative to now; `<unknown>` when it cannot be parsed.
pub fn age(timestamp: Option<&str>) -> String {
    let Some(ts) = timestamp else {
        return "<unknown>".into();
    };
    match ts.parse::<jiff::Timestamp>() {
        Ok(t) => {
            // A timestamp in the future (clock skew) is no age at all.
            let secs = jiff::Timestamp::now()
                .as_second()
                .saturating_sub(t.as_second());
            human_duration(std::time::Duration::from_secs(
                u64::try_from(secs).unwrap_or(0),
            ))
        }
        Err(_) => "<unknown>".into(),
    }
}

/// A borderless table in kubectl's style: upper-case headers, columns three spaces apart.
pub fn table(headers: &[&str], rows: &[Vec<String>], no_headers: bool) -> String {
    let mut t = comfy_table::Table::new();
    t.load_style(comfy_table::presets::NOTHING)
        .set_content_arrangement(comfy_table::ContentArrangement::Disabled);
    if !no_headers {
        t.set_header(headers.iter().map(comfy_table::Cell::new));
    }
    // Every cell may hold text written by strangers (titles, branches, messages). The last
    // column (a message, in wide output) may run longer: nothing follows it to push away.
    for row in rows {
        let last = row.len().saturating_sub(1);
        t.add_row(row.iter().enumerate().map(|(i, c)| {
            let max = if i == last {
                4 * crate::sanitize::CELL_MAX
            } else {
                crate::sanitize::CELL_MAX
            };
            comfy_table::Cell::new(crate::sanitize::cell_max(c, max))
        }));
    }
    for (i, col) in t.column_iter_mut().enumerate() {
        col.set_padding((0, if i + 1 == headers.len() { 0 } else { 3 }));
    }
    let mut out = String::new();
    for line in t.lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn durations_like_kubectl() {
        let cases = [
            (45, "45s"),
            (119, "119s"),
            (150, "2m30s"),
            (600, "10m"),
            (7200, "120m"),
            (3 * 3600 + 60, "3h1m"),
            (10 * 3600, "10h"),
            (50 * 3600, "2d2h"),
            (30 * 86400, "30d"),
            (3 * 365 * 86400, "3y"),
        ];
        for (secs, want) in cases {
            assert_eq!(human_duration(Duration::from_secs(secs)), want, "{secs}");
        }
    }

    #[test]
    fn tables_are_borderless_and_aligned() {
        let t = table(
            &["NAME", "STATUS"],
            &[
                vec!["a".into(), "Ready".into()],
                vec!["longer".into(), "Failed".into()],
            ],
            false,
        );
        assert_eq!(t, "NAME     STATUS\na        Ready\nlonger   Failed\n");
        let t = table(
            &["NAME", "STATUS"],
            &[vec!["a".into(), "Ready".into()]],
            true,
        );
        assert_eq!(t, "a   Ready\n");
    }
}
