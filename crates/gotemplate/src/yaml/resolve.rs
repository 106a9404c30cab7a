//! go-yaml v2's resolution of untagged plain scalars (YAML 1.1 booleans, nulls, integers in
//! Go's base-prefixed syntax, floats, merge keys, timestamps), and of scalars tagged with one
//! of the core tags.

pub const STR: &str = "tag:yaml.org,2002:str";
pub const BOOL: &str = "tag:yaml.org,2002:bool";
pub const INT: &str = "tag:yaml.org,2002:int";
pub const FLOAT: &str = "tag:yaml.org,2002:float";
pub const NULL: &str = "tag:yaml.org,2002:null";
pub const TIMESTAMP: &str = "tag:yaml.org,2002:timestamp";
pub const MERGE: &str = "tag:yaml.org,2002:merge";
pub const BINARY: &str = "tag:yaml.org,2002:binary";

/// A resolved scalar, typed as go-yaml types it for an `interface{}` target.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Null,
    Bool(bool),
    /// Go `int` (64-bit).
    Int(i64),
    /// Go `uint64` (integers above `int64`).
    Uint(u64),
    Float(f64),
    Str(String),
    /// The `<<` key.
    Merge,
    /// A timestamp; go-yaml keeps its text for `interface{}` targets.
    Timestamp(String),
}

impl Scalar {
    fn tag(&self) -> &'static str {
        match self {
            Scalar::Null => NULL,
            Scalar::Bool(_) => BOOL,
            Scalar::Int(_) | Scalar::Uint(_) => INT,
            Scalar::Float(_) => FLOAT,
            Scalar::Str(_) => STR,
            Scalar::Merge => MERGE,
            Scalar::Timestamp(_) => TIMESTAMP,
        }
    }
}

fn short_tag(tag: &str) -> String {
    match tag.strip_prefix("tag:yaml.org,2002:") {
        Some(rest) => format!("!!{rest}"),
        None => tag.to_string(),
    }
}

fn word(s: &str) -> Option<Scalar> {
    Some(match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Scalar::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Scalar::Bool(false)
        }
        "" | "~" | "null" | "Null" | "NULL" => Scalar::Null,
        ".nan" | ".NaN" | ".NAN" => Scalar::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Scalar::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Scalar::Float(f64::NEG_INFINITY),
        "<<" => Scalar::Merge,
        _ => return None,
    })
}

/// Go's `strconv.ParseUint(s, 0, 64)` (no underscores: the caller removed them).
fn parse_uint_base0(s: &str) -> Option<u64> {
    let (digits, radix) = if let Some(r) = s.strip_prefix("0x").or(s.strip_prefix("0X")) {
        (r, 16)
    } else if let Some(r) = s.strip_prefix("0o").or(s.strip_prefix("0O")) {
        (r, 8)
    } else if let Some(r) = s.strip_prefix("0b").or(s.strip_prefix("0B")) {
        (r, 2)
    } else if s.len() > 1 && s.starts_with('0') {
        (&s[1..], 8)
    } else {
        (s, 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// Go's `strconv.ParseInt(s, 0, 64)`.
fn parse_int_base0(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let u = parse_uint_base0(body)?;
    if neg {
        if u <= i64::MAX as u64 + 1 {
            Some((u as i64).wrapping_neg())
        } else {
            None
        }
    } else {
        i64::try_from(u).ok()
    }
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'-' | b'+')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go's `strconv.ParseFloat(s, 64)` for the decimal forms YAML uses; out of range is an error.
fn parse_float(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let ok = !b.is_empty()
        && b.iter()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'));
    if !ok {
        return None;
    }
    let f: f64 = s.parse().ok()?;
    if f.is_infinite() { None } else { Some(f) }
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

/// Go's `time.Parse` with go-yaml's accepted timestamp layouts.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i != 4 || i == b.len() || b[i] != b'-' {
        return false;
    }
    // 1 or 2 digits, returned with the position after them
    let num = |i: usize| -> Option<(i64, usize)> {
        let mut j = i;
        while j < b.len() && j < i + 2 && b[j].is_ascii_digit() {
            j += 1;
        }
        if j == i {
            return None;
        }
        std::str::from_utf8(&b[i..j])
            .ok()?
            .parse()
            .ok()
            .map(|n| (n, j))
    };
    let year: i64 = match s[..4].parse() {
        Ok(y) => y,
        Err(_) => return false,
    };
    let Some((month, p)) = num(5) else {
        return false;
    };
    if b.get(p) != Some(&b'-') {
        return false;
    }
    let Some((day, p)) = num(p + 1) else {
        return false;
    };
    if !(1..=12).contains(&month) {
        return false;
    }
    let days = match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if day < 1 || day > days {
        return false;
    }
    if p == b.len() {
        return true;
    }
    let zoned = match b[p] {
        b'T' | b't' => true,
        b' ' => false,
        _ => return false,
    };
    let Some((h, p)) = num(p + 1) else {
        return false;
    };
    if b.get(p) != Some(&b':') {
        return false;
    }
    let Some((m, p)) = num(p + 1) else {
        return false;
    };
    if b.get(p) != Some(&b':') {
        return false;
    }
    let Some((sec, mut p)) = num(p + 1) else {
        return false;
    };
    if h > 23 || m > 59 || sec > 59 {
        return false;
    }
    if matches!(b.get(p), Some(b'.' | b',')) && b.get(p + 1).is_some_and(u8::is_ascii_digit) {
        p += 1;
        while p < b.len() && b[p].is_ascii_digit() {
            p += 1;
        }
    }
    if !zoned {
        return p == b.len();
    }
    let rest = &s[p..];
    if rest == "Z" {
        return true;
    }
    let rb = rest.as_bytes();
    rb.len() == 6
        && matches!(rb[0], b'+' | b'-')
        && rb[1].is_ascii_digit()
        && rb[2].is_ascii_digit()
        && rb[3] == b':'
        && rb[4].is_ascii_digit()
        && rb[5].is_ascii_digit()
        && (rb[1] - b'0') * 10 + (rb[2] - b'0') < 24
        && (rb[4] - b'0') * 10 + (rb[5] - b'0') < 60
}

/// go-yaml v2's `resolve(tag, in)`: what a scalar means. `tag` is the long form, or "" for
/// an untagged plain scalar. Tags other than the core ones leave the text a string.
pub fn resolve(tag: &str, input: &str) -> Result<Scalar, String> {
    let resolvable = matches!(tag, "" | STR | BOOL | INT | FLOAT | NULL | TIMESTAMP);
    if !resolvable {
        return Ok(Scalar::Str(input.to_string()));
    }
    let found = resolve_untagged(tag, input);
    if tag.is_empty() || tag == found.tag() || tag == STR {
        return Ok(if tag == STR {
            Scalar::Str(input.to_string())
        } else {
            found
        });
    }
    if tag == FLOAT
        && let Scalar::Int(i) = found
    {
        return Ok(Scalar::Float(i as f64));
    }
    Err(format!(
        "cannot decode {} `{}` as a {}",
        short_tag(found.tag()),
        input,
        short_tag(tag)
    ))
}

fn resolve_untagged(tag: &str, input: &str) -> Scalar {
    if tag == STR {
        return Scalar::Str(input.to_string());
    }
    let first = input.as_bytes().first().copied();
    let hint = match first {
        None => b'N',
        Some(b'+' | b'-') => b'S',
        Some(b'0'..=b'9') => b'D',
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => b'M',
        Some(b'.') => b'.',
        Some(_) => return Scalar::Str(input.to_string()),
    };
    if let Some(w) = word(input) {
        return w;
    }
    match hint {
        b'.' => {
            if let Some(f) = parse_float(input) {
                return Scalar::Float(f);
            }
        }
        b'D' | b'S' => {
            if (tag.is_empty() || tag == TIMESTAMP) && is_timestamp(input) {
                return Scalar::Timestamp(input.to_string());
            }
            let plain: String = input.chars().filter(|&c| c != '_').collect();
            if let Some(i) = parse_int_base0(&plain) {
                return Scalar::Int(i);
            }
            if !plain.starts_with(['+', '-'])
                && let Some(u) = parse_uint_base0(&plain)
            {
                return Scalar::Uint(u);
            }
            if yaml_style_float(&plain)
                && let Some(f) = parse_float(&plain)
            {
                return Scalar::Float(f);
            }
            if let Some(bits) = plain.strip_prefix("0b") {
                if !bits.is_empty() && bits.chars().all(|c| c == '0' || c == '1') {
                    if let Ok(i) = i64::from_str_radix(bits, 2) {
                        return Scalar::Int(i);
                    }
                    if let Ok(u) = u64::from_str_radix(bits, 2) {
                        return Scalar::Uint(u);
                    }
                }
            } else if let Some(bits) = plain.strip_prefix("-0b")
                && !bits.is_empty()
                && bits.chars().all(|c| c == '0' || c == '1')
                && let Ok(i) = i64::from_str_radix(&format!("-{bits}"), 2)
            {
                return Scalar::Int(i);
            }
        }
        _ => {}
    }
    Scalar::Str(input.to_string())
}

/// `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`: go-yaml quotes these (YAML 1.1
/// base-60 floats) though it no longer reads them as numbers.
pub fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'-' | b'+')) {
        i += 1;
    }
    if !b.get(i).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while b.get(i) == Some(&b':') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() && i - start < 2 {
            i += 1;
        }
        match i - start {
            1 => {}
            2 if b[start] <= b'5' => {}
            2 => {
                // `[0-5]?[0-9]`: a two-digit group must start with 0-5; backtrack to one
                // digit, which then must end the group.
                i = start + 1;
                if b.get(i).is_some_and(u8::is_ascii_digit) {
                    return false;
                }
            }
            _ => return false,
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// Whether go-yaml writes `s` as a plain scalar (if the emitter allows): only when it reads
/// back as the same string.
pub fn plain_reads_as_string(s: &str) -> bool {
    matches!(resolve_untagged("", s), Scalar::Str(_)) && !is_base60_float(s)
}
