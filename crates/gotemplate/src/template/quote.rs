//! Go's `strconv` quoting and unquoting, as the parser needs them: string and character
//! constants are unquoted by Go's rules, and error messages quote names with `%q` (the
//! quoting itself is [`crate::gofmt`]'s).

pub(crate) use crate::gofmt::{is_print, quote};

/// Go's `%#U`: `U+0041 'A'`, or only `U+0007` when not printable.
pub(crate) fn quote_rune_verbose(c: char) -> String {
    if is_print(c) {
        format!("U+{:04X} '{}'", c as u32, c)
    } else {
        format!("U+{:04X}", c as u32)
    }
}

/// `strconv.UnquoteChar`: one (possibly escaped) character at the start of `s`, and the rest.
/// Escapes producing single bytes above 0x7f give U+FFFD (strings here are UTF-8).
pub(crate) fn unquote_char(s: &str, quote: char) -> Result<(char, &str), ()> {
    let mut chars = s.chars();
    let c = chars.next().ok_or(())?;
    if c == quote && (quote == '\'' || quote == '"') {
        return Err(());
    }
    if c != '\\' {
        return Ok((c, chars.as_str()));
    }
    let e = chars.next().ok_or(())?;
    let rest = chars.as_str();
    let simple = match e {
        'a' => Some('\x07'),
        'b' => Some('\x08'),
        'f' => Some('\x0c'),
        'n' => Some('\n'),
        'r' => Some('\r'),
        't' => Some('\t'),
        'v' => Some('\x0b'),
        '\\' => Some('\\'),
        '\'' | '"' => {
            if e != quote {
                return Err(());
            }
            Some(e)
        }
        _ => None,
    };
    if let Some(c) = simple {
        return Ok((c, rest));
    }
    let (n, radix) = match e {
        'x' => (2, 16),
        'u' => (4, 16),
        'U' => (8, 16),
        '0'..='7' => (2, 8),
        _ => return Err(()),
    };
    let digits = rest.get(..n).ok_or(())?;
    let mut v: u32 = 0;
    if radix == 8 {
        v = e.to_digit(8).ok_or(())?;
    }
    for d in digits.chars() {
        v = v.checked_mul(radix).ok_or(())? + d.to_digit(radix).ok_or(())?;
    }
    let rest = rest.get(n..).ok_or(())?;
    match e {
        'x' => Ok((
            if v < 0x80 {
                char::from(v as u8)
            } else {
                '\u{FFFD}'
            },
            rest,
        )),
        '0'..='7' => {
            if v > 255 {
                return Err(());
            }
            Ok((
                if v < 0x80 {
                    char::from(v as u8)
                } else {
                    '\u{FFFD}'
                },
                rest,
            ))
        }
        _ => char::from_u32(v).map(|c| (c, rest)).ok_or(()),
    }
}

/// `strconv.Unquote` for `"…"`, `` `…` `` and `'…'`; `Err` is Go's "invalid syntax".
pub(crate) fn unquote(s: &str) -> Result<String, ()> {
    let mut chars = s.chars();
    let q = chars.next().ok_or(())?;
    if s.len() < 2 || !s.ends_with(q) {
        return Err(());
    }
    let inner = s.get(1..s.len() - 1).ok_or(())?;
    match q {
        '`' => {
            if inner.contains('`') {
                return Err(());
            }
            Ok(inner.replace('\r', ""))
        }
        '"' | '\'' => {
            if inner.contains('\n') {
                return Err(());
            }
            let mut out = String::with_capacity(inner.len());
            let mut rest = inner;
            while !rest.is_empty() {
                let (c, r) = unquote_char(rest, q)?;
                out.push(c);
                rest = r;
                if q == '\'' && !rest.is_empty() {
                    return Err(());
                }
            }
            if q == '\'' && out.is_empty() {
                return Err(());
            }
            Ok(out)
        }
        _ => Err(()),
    }
}
