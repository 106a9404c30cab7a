//! slim-sprig's string functions.
use std::collections::BTreeMap;

use super::conv::{NumErr, parse_int, strval};
use super::{Ty, any, arg_int, arg_str, check_len, def};
use crate::func::FuncMap;
use crate::gofmt;
use crate::value::{Elem, Value};

pub fn register(m: &mut FuncMap) {
    use Ty::*;
    def(m, "hello", &[], None, |_| Ok(Value::string("Hello!")));
    def(m, "trunc", &[Int, String], None, |a| {
        Ok(Value::String(trunc(arg_int(&a, 0), arg_str(&a, 1))))
    });
    def(m, "trim", &[String], None, |a| {
        Ok(Value::string(
            arg_str(&a, 0).trim_matches(char::is_whitespace),
        ))
    });
    def(m, "upper", &[String], None, |a| {
        Ok(Value::String(
            arg_str(&a, 0).chars().map(go_upper).collect(),
        ))
    });
    def(m, "lower", &[String], None, |a| {
        Ok(Value::String(
            arg_str(&a, 0).chars().map(go_lower).collect(),
        ))
    });
    def(m, "title", &[String], None, |a| {
        Ok(Value::String(title(arg_str(&a, 0))))
    });
    def(m, "substr", &[Int, Int, String], None, |a| {
        substr(arg_int(&a, 0), arg_int(&a, 1), arg_str(&a, 2)).map(Value::String)
    });
    def(m, "repeat", &[Int, String], None, |a| {
        repeat(arg_int(&a, 0), arg_str(&a, 1)).map(Value::String)
    });
    for name in ["trimall", "trimAll"] {
        def(m, name, &[String, String], None, |a| {
            let cut = arg_str(&a, 0);
            Ok(Value::string(
                arg_str(&a, 1).trim_matches(|c| cut.contains(c)),
            ))
        });
    }
    def(m, "trimSuffix", &[String, String], None, |a| {
        let (suf, s) = (arg_str(&a, 0), arg_str(&a, 1));
        Ok(Value::string(s.strip_suffix(suf).unwrap_or(s)))
    });
    def(m, "trimPrefix", &[String, String], None, |a| {
        let (pre, s) = (arg_str(&a, 0), arg_str(&a, 1));
        Ok(Value::string(s.strip_prefix(pre).unwrap_or(s)))
    });
    def(m, "contains", &[String, String], None, |a| {
        Ok(Value::Bool(arg_str(&a, 1).contains(arg_str(&a, 0))))
    });
    def(m, "hasPrefix", &[String, String], None, |a| {
        Ok(Value::Bool(arg_str(&a, 1).starts_with(arg_str(&a, 0))))
    });
    def(m, "hasSuffix", &[String, String], None, |a| {
        Ok(Value::Bool(arg_str(&a, 1).ends_with(arg_str(&a, 0))))
    });
    def(m, "quote", &[], Some(Any), |a| {
        let out: Vec<std::string::String> = a
            .iter()
            .filter(|v| !matches!(v, Value::Nil))
            .map(|v| gofmt::quote(&strval(v)))
            .collect();
        Ok(Value::String(out.join(" ")))
    });
    def(m, "squote", &[], Some(Any), |a| {
        let out: Vec<std::string::String> = a
            .iter()
            .filter(|v| !matches!(v, Value::Nil))
            .map(|v| gofmt::sprintf("'%v'", std::slice::from_ref(v)))
            .collect();
        Ok(Value::String(out.join(" ")))
    });
    def(m, "cat", &[], Some(Any), |a| {
        let out: Vec<std::string::String> = a
            .iter()
            .filter(|v| !matches!(v, Value::Nil))
            .map(|v| gofmt::sprint(std::slice::from_ref(v)))
            .collect();
        check_len("cat", out.iter().map(|s| s.len() + 1).sum())?;
        Ok(Value::String(out.join(" ")))
    });
    def(m, "indent", &[Int, String], None, |a| {
        indent(arg_int(&a, 0), arg_str(&a, 1)).map(Value::String)
    });
    def(m, "nindent", &[Int, String], None, |a| {
        indent(arg_int(&a, 0), arg_str(&a, 1)).map(|s| Value::String(format!("\n{s}")))
    });
    def(m, "replace", &[String, String, String], None, |a| {
        let (old, new, src) = (arg_str(&a, 0), arg_str(&a, 1), arg_str(&a, 2));
        let count = if old.is_empty() {
            src.chars().count() + 1
        } else {
            src.matches(old).count()
        };
        check_len(
            "replace",
            src.len().saturating_add(count.saturating_mul(new.len())),
        )?;
        Ok(Value::String(src.replace(old, new)))
    });
    def(m, "plural", &[String, String, Int], None, |a| {
        let s = if arg_int(&a, 2) == 1 {
            arg_str(&a, 0)
        } else {
            arg_str(&a, 1)
        };
        Ok(Value::string(s))
    });
    def(m, "toString", &[Any], None, |a| {
        Ok(Value::String(strval(&any(&a, 0))))
    });
    def(m, "atoi", &[String], None, |a| {
        Ok(Value::Int(match parse_int(arg_str(&a, 0), 10) {
            Ok(n) => n,
            Err(NumErr::Range(n)) => n,
            Err(NumErr::Syntax) => 0,
        }))
    });
    def(m, "split", &[String, String], None, |a| {
        Ok(parts_map(split(arg_str(&a, 1), arg_str(&a, 0), -1)))
    });
    def(m, "splitList", &[String, String], None, |a| {
        Ok(Value::strings(split(arg_str(&a, 1), arg_str(&a, 0), -1)))
    });
    def(m, "splitn", &[String, Int, String], None, |a| {
        Ok(parts_map(split(
            arg_str(&a, 2),
            arg_str(&a, 0),
            arg_int(&a, 1),
        )))
    });
    def(m, "toStrings", &[Any], None, |a| {
        Ok(Value::strings(strslice(&any(&a, 0))))
    });
    def(m, "join", &[String, Any], None, |a| {
        Ok(Value::String(strslice(&any(&a, 1)).join(arg_str(&a, 0))))
    });
    def(m, "sortAlpha", &[Any], None, |a| {
        let v = any(&a, 0);
        Ok(Value::strings(match v {
            Value::List(_) => {
                let mut s = strslice(&v);
                s.sort();
                s
            }
            _ => vec![strval(&v)],
        }))
    });
}

fn parts_map(parts: Vec<String>) -> Value {
    let entries: BTreeMap<String, Value> = parts
        .into_iter()
        .enumerate()
        .map(|(i, p)| (format!("_{i}"), Value::String(p)))
        .collect();
    Value::typed_map(Elem::String, entries)
}

/// A byte range of a string, as Go slices strings; a cut inside a UTF-8 sequence (Go keeps the
/// broken bytes) shows as U+FFFD here.
pub fn byte_slice(s: &str, from: usize, to: usize) -> String {
    match s.as_bytes().get(from..to) {
        Some(b) => String::from_utf8_lossy(b).into_owned(),
        None => String::new(),
    }
}

/// slim-sprig's `trunc`: the first `c` bytes, or the last `-c` bytes when `c` is negative.
pub fn trunc(c: i64, s: &str) -> String {
    let len = s.len() as i64;
    if c < 0 && len + c > 0 {
        return byte_slice(s, (len + c) as usize, s.len());
    }
    if c >= 0 && len > c {
        return byte_slice(s, 0, c as usize);
    }
    s.to_string()
}

/// Go's message for a string slice expression out of range.
fn slice_err(low: Option<i64>, high: i64, len: Option<usize>) -> String {
    match (low, len) {
        (Some(l), _) => format!("runtime error: slice bounds out of range [{l}:{high}]"),
        (None, Some(n)) => {
            format!("runtime error: slice bounds out of range [:{high}] with length {n}")
        }
        (None, None) => format!("runtime error: slice bounds out of range [:{high}]"),
    }
}

/// slim-sprig's `substring`, with Go's panics on bad bounds as errors.
pub fn substr(start: i64, end: i64, s: &str) -> Result<String, String> {
    let len = s.len() as i64;
    if start < 0 {
        if end < 0 {
            return Err(slice_err(None, end, None));
        }
        if end > len {
            return Err(slice_err(None, end, Some(s.len())));
        }
        return Ok(byte_slice(s, 0, end as usize));
    }
    if end < 0 || end > len {
        if start > len {
            return Err(slice_err(Some(start), len, None));
        }
        return Ok(byte_slice(s, start as usize, s.len()));
    }
    if start > end {
        return Err(slice_err(Some(start), end, None));
    }
    Ok(byte_slice(s, start as usize, end as usize))
}

fn repeat(count: i64, s: &str) -> Result<String, String> {
    if count < 0 {
        return Err("strings: negative Repeat count".to_string());
    }
    let total = (s.len() as u128) * (count as u128);
    check_len("repeat", usize::try_from(total).unwrap_or(usize::MAX))?;
    Ok(s.repeat(count as usize))
}

fn indent(spaces: i64, v: &str) -> Result<String, String> {
    if spaces < 0 {
        return Err("strings: negative Repeat count".to_string());
    }
    let lines = v.matches('\n').count() as u128 + 1;
    let total = (spaces as u128) * lines + v.len() as u128;
    check_len("indent", usize::try_from(total).unwrap_or(usize::MAX))?;
    let pad = " ".repeat(spaces as usize);
    Ok(format!("{pad}{}", v.replace('\n', &format!("\n{pad}"))))
}

/// Go's `strings.SplitN` (`n < 0`: all parts; `n == 0`: none); an empty separator splits
/// after each UTF-8 character.
pub fn split(s: &str, sep: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    if sep.is_empty() {
        let chars: Vec<char> = s.chars().collect();
        let total = chars.len();
        let take = if n < 0 || n as u64 > total as u64 {
            total
        } else {
            n as usize
        };
        let mut out: Vec<String> = Vec::with_capacity(take);
        for (i, c) in chars.iter().enumerate() {
            if i + 1 == take && take < total {
                out.push(chars[i..].iter().collect());
                break;
            }
            out.push(c.to_string());
        }
        return out;
    }
    if n < 0 {
        s.split(sep).map(str::to_string).collect()
    } else {
        let n = usize::try_from(n).unwrap_or(usize::MAX);
        s.splitn(n, sep).map(str::to_string).collect()
    }
}

/// slim-sprig's `strslice`: a `[]string` as is, the non-nil elements of another slice through
/// `strval`, nil as an empty slice, anything else as a one-element slice.
pub fn strslice(v: &Value) -> Vec<String> {
    match v {
        Value::List(l) => l
            .items
            .iter()
            .filter(|x| !matches!(x, Value::Nil))
            .map(strval)
            .collect(),
        Value::Nil => Vec::new(),
        other => vec![strval(other)],
    }
}

/// Go's `unicode.ToUpper` (simple case mapping).
pub fn go_upper(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_uppercase();
    }
    // Greek with ypogegrammeni: one character in the simple mapping, two in the full one.
    let u = c as u32;
    if let 0x1f80..=0x1f87 | 0x1f90..=0x1f97 | 0x1fa0..=0x1fa7 = u {
        return char::from_u32(u + 8).unwrap_or(c);
    }
    match c {
        '\u{1fb3}' => return '\u{1fbc}',
        '\u{1fc3}' => return '\u{1fcc}',
        '\u{1ff3}' => return '\u{1ffc}',
        _ => {}
    }
    let mut it = c.to_uppercase();
    match (it.next(), it.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

/// Go's `unicode.ToLower` (simple case mapping).
pub fn go_lower(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    if c == '\u{130}' {
        return 'i';
    }
    let mut it = c.to_lowercase();
    match (it.next(), it.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

/// Go's `unicode.ToTitle`: as upper case except the Latin digraphs and Georgian Mkhedruli
/// (which has no title case).
fn go_title(c: char) -> char {
    match c {
        '\u{10d0}'..='\u{10fa}' | '\u{10fd}'..='\u{10ff}' => c,
        '\u{1c4}'..='\u{1c6}' => '\u{1c5}',
        '\u{1c7}'..='\u{1c9}' => '\u{1c8}',
        '\u{1ca}'..='\u{1cc}' => '\u{1cb}',
        '\u{1f1}'..='\u{1f3}' => '\u{1f2}',
        _ => go_upper(c),
    }
}

fn is_separator(r: char) -> bool {
    if r.is_ascii() {
        return !(r.is_ascii_alphanumeric() || r == '_');
    }
    if r.is_alphabetic() || r.is_numeric() {
        return false;
    }
    r.is_whitespace()
}

/// Go's `strings.Title`: the first letter of each word in title case.
pub fn title(s: &str) -> String {
    let mut prev = ' ';
    s.chars()
        .map(|r| {
            let out = if is_separator(prev) { go_title(r) } else { r };
            prev = r;
            out
        })
        .collect()
}
