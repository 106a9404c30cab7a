//! Untrusted text on its way to a terminal. PR titles, branches, authors, labels, condition and
//! event messages and annotations are written by strangers: an escape sequence in them could
//! retitle the window, clear the screen or forge table rows (the class of kubectl's
//! CVE-2021-25743). Every human-readable output goes through here; JSON and YAML do not (their
//! encoders escape, and they must stay exact).
use std::borrow::Cow;
use std::fmt::Write as _;

/// The longest table cell, in characters, before it is cut with `…`.
pub const CELL_MAX: usize = 80;

/// Whether `c` must not reach a terminal as it is: C0 and C1 controls, DEL, the line and
/// paragraph separators (some programs break lines there), and the bidirectional marks,
/// embeddings, overrides and isolates that reorder what is shown.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// One line, safe for a terminal: newlines and tabs become single spaces, other unsafe characters
/// are shown escaped (`\x1b`, `\u{202e}`). Safe text is returned as it is, without a copy.
pub fn line(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut last_space = false;
    for c in text.chars() {
        match c {
            '\n' | '\r' | '\t' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}' => {
                if !last_space {
                    out.push(' ');
                }
                last_space = true;
                continue;
            }
            c if is_unsafe(c) => {
                let n = c as u32;
                if n <= 0xFF {
                    let _ = write!(out, "\\x{n:02x}");
                } else {
                    let _ = write!(out, "\\u{{{n:x}}}");
                }
            }
            c => out.push(c),
        }
        last_space = false;
    }
    Cow::Owned(out)
}

/// A table cell: [`line`], then cut to at most `max` characters, the last one `…`.
pub fn cell_max(text: &str, max: usize) -> String {
    let safe = line(text);
    if safe.chars().count() <= max {
        return safe.into_owned();
    }
    if max == 0 {
        return String::new();
    }
    let mut out: String = safe.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// A table cell of at most [`CELL_MAX`] characters.
pub fn cell(text: &str) -> String {
    cell_max(text, CELL_MAX)
}

/// One line of a container's log, safe for a terminal: as [`line`], but tabs are kept (they move
/// the cursor only forward) and a trailing carriage return (CRLF line ends) is dropped.
pub fn log_line(text: &str) -> Cow<'_, str> {
    let text = text.strip_suffix('\r').unwrap_or(text);
    if !text.chars().any(|c| c != '\t' && is_unsafe(c)) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.split('\t').map(line).collect::<Vec<_>>().join("\t"))
}

/// `writeln!` for one line of human-readable text built from untrusted values: the formatted
/// line is passed through [`line`], so a newline in a value can never start a forged line.
#[macro_export]
macro_rules! safe_writeln {
    ($dst:expr, $($arg:tt)*) => {{
        let text = format!($($arg)*);
        let _ = writeln!($dst, "{}", $crate::sanitize::line(&text));
    }};
}

/// `println!` of one line of human-readable text, through [`line`].
#[macro_export]
macro_rules! safe_println {
    ($($arg:tt)*) => {{
        let text = format!($($arg)*);
        println!("{}", $crate::sanitize::line(&text));
    }};
}

/// `eprintln!` of one line of human-readable text, through [`line`].
#[macro_export]
macro_rules! safe_eprintln {
    ($($arg:tt)*) => {{
        let text = format!($($arg)*);
        eprintln!("{}", $crate::sanitize::line(&text));
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_flattens() {
        assert_eq!(line("plain title"), "plain title");
        assert_eq!(line("a\nb\r\n\tc"), "a b c");
        assert_eq!(line("\x1b]0;owned\x07x"), "\\x1b]0;owned\\x07x");
        assert_eq!(line("\u{9b}31m"), "\\x9b31m");
        assert_eq!(line("abc\u{202E}fed"), "abc\\u{202e}fed");
        assert_eq!(line("del\u{7f}"), "del\\x7f");
        assert_eq!(line("a\u{2028}b\u{2029}c"), "a b c");
        assert_eq!(line("\u{2067}x\u{2069}"), "\\u{2067}x\\u{2069}");
    }

    #[test]
    fn cuts_long_cells() {
        let long = "x".repeat(200);
        let c = cell(&long);
        assert_eq!(c.chars().count(), CELL_MAX);
        assert!(c.ends_with('…'));
        assert_eq!(cell_max("héllo wörld", 5), "héll…");
        assert_eq!(cell_max("short", 5), "short");
        assert_eq!(cell_max("x", 0), "");
        assert_eq!(cell_max("", 0), "");
    }
}
