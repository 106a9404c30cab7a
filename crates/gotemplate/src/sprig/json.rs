//! JSON as Go's `encoding/json` writes and reads `interface {}` values: map keys sorted, `<`,
//! `>` and `&` escaped unless raw, floats in Go's shortest form, numbers read as `float64`, and
//! Go's syntax error messages.
use std::collections::BTreeMap;

use super::{Ty, any, arg_str, def};
use crate::func::FuncMap;
use crate::gofmt;
use crate::value::Value;

/// Nesting beyond this is refused when reading (Go allows 10000) and reported as a cycle when
/// writing (Go starts checking for cycles at depth 1000).
const MAX_DEPTH: usize = 1000;
const MAX_READ_DEPTH: usize = 512;

pub fn register(m: &mut FuncMap) {
    use Ty::*;
    def(m, "toJson", &[Any], None, |a| {
        Ok(Value::String(
            marshal(&any(&a, 0), true, false).unwrap_or_default(),
        ))
    });
    def(m, "mustToJson", &[Any], None, |a| {
        marshal(&any(&a, 0), true, false).map(Value::String)
    });
    def(m, "toPrettyJson", &[Any], None, |a| {
        Ok(Value::String(
            marshal(&any(&a, 0), true, true).unwrap_or_default(),
        ))
    });
    def(m, "mustToPrettyJson", &[Any], None, |a| {
        marshal(&any(&a, 0), true, true).map(Value::String)
    });
    for name in ["toRawJson", "mustToRawJson"] {
        def(m, name, &[Any], None, |a| {
            marshal(&any(&a, 0), false, false).map(Value::String)
        });
    }
    def(m, "fromJson", &[String], None, |a| {
        Ok(unmarshal(arg_str(&a, 0)).0)
    });
    def(m, "mustFromJson", &[String], None, |a| {
        let (v, err) = unmarshal(arg_str(&a, 0));
        match err {
            Some(e) => Err(e),
            None => Ok(v),
        }
    });
}

/// `json.Marshal` (or `MarshalIndent` with two spaces when `pretty`).
pub fn marshal(v: &Value, escape_html: bool, pretty: bool) -> Result<String, String> {
    let mut out = String::new();
    write_value(&mut out, v, escape_html, pretty, 0)?;
    Ok(out)
}

/// Go's JSON form of a float64.
pub fn format_json_float(f: f64) -> Result<String, String> {
    if f.is_nan() || f.is_infinite() {
        return Err(format!(
            "json: unsupported value: {}",
            gofmt::format_float(f, 'g', -1)
        ));
    }
    let abs = f.abs();
    let fmt = if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        'e'
    } else {
        'f'
    };
    let mut s = gofmt::format_float(f, fmt, -1);
    if fmt == 'e' {
        // `1e-07` is written `1e-7`.
        let b = s.as_bytes();
        let n = b.len();
        if n >= 4 && b[n - 4] == b'e' && b[n - 3] == b'-' && b[n - 2] == b'0' {
            s.remove(n - 2);
        }
    }
    Ok(s)
}

fn newline(out: &mut String, pretty: bool, depth: usize) {
    if pretty {
        out.push('\n');
        for _ in 0..depth {
            out.push_str("  ");
        }
    }
}

fn write_value(
    out: &mut String,
    v: &Value,
    html: bool,
    pretty: bool,
    depth: usize,
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!(
            "json: unsupported value: encountered a cycle via {}",
            v.go_type()
        ));
    }
    match v {
        Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(n) | Value::Int64(n) => out.push_str(&n.to_string()),
        Value::Float(f) => out.push_str(&format_json_float(*f)?),
        Value::String(s) => write_string(out, s, html),
        Value::List(l) => {
            out.push('[');
            if l.items.is_empty() {
                out.push(']');
                return Ok(());
            }
            for (i, item) in l.items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, pretty, depth + 1);
                write_value(out, item, html, pretty, depth + 1)?;
            }
            newline(out, pretty, depth);
            out.push(']');
        }
        Value::Map(m) => {
            let m = m.borrow();
            out.push('{');
            if m.entries.is_empty() {
                out.push('}');
                return Ok(());
            }
            for (i, (k, item)) in m.entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, pretty, depth + 1);
                write_string(out, k, html);
                out.push(':');
                if pretty {
                    out.push(' ');
                }
                write_value(out, item, html, pretty, depth + 1)?;
            }
            newline(out, pretty, depth);
            out.push('}');
        }
    }
    Ok(())
}

fn write_string(out: &mut String, s: &str, html: bool) {
    use std::fmt::Write;
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' | '"' => {
                out.push('\\');
                out.push(c);
            }
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' if html => {
                let _ = write!(out, "\\u00{:02x}", c as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u00{:02x}", c as u32);
            }
            '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            _ => out.push(c),
        }
    }
    out.push('"');
}

/// `json.Unmarshal` into an `interface {}`: the value and Go's first error. A syntax error
/// leaves the value nil; a number out of float64's range is nil with an error, the rest decoded.
pub fn unmarshal(s: &str) -> (Value, Option<String>) {
    let mut p = Parser {
        b: s.as_bytes(),
        i: 0,
        range_err: None,
    };
    match p.top() {
        Ok(v) => {
            let err = p.range_err.take();
            (v, err)
        }
        Err(e) => (Value::Nil, Some(e)),
    }
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
    range_err: Option<String>,
}

const UNEXPECTED_END: &str = "unexpected end of JSON input";

/// Go's `quoteChar`: how a byte is shown in a syntax error.
fn quote_char(c: u8) -> String {
    match c {
        b'\'' => "'\\''".to_string(),
        b'"' => "'\"'".to_string(),
        _ => {
            let q = gofmt::quote(&char::from(c).to_string());
            let inner = q.get(1..q.len().saturating_sub(1)).unwrap_or("");
            format!("'{inner}'")
        }
    }
}

impl Parser<'_> {
    /// The next byte; one space past the end (as Go's scanner feeds at EOF), then nothing.
    fn peek(&self) -> Option<u8> {
        match self.b.get(self.i) {
            Some(c) => Some(*c),
            None if self.i == self.b.len() => Some(b' '),
            None => None,
        }
    }

    fn next(&mut self) -> Result<u8, String> {
        let c = self.peek().ok_or_else(|| UNEXPECTED_END.to_string())?;
        self.i += 1;
        Ok(c)
    }

    fn err(c: u8, context: &str) -> String {
        format!("invalid character {} {context}", quote_char(c))
    }

    fn skip_ws(&mut self) -> Result<u8, String> {
        loop {
            let c = self.peek().ok_or_else(|| UNEXPECTED_END.to_string())?;
            if matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
                self.i += 1;
            } else {
                return Ok(c);
            }
        }
    }

    fn top(&mut self) -> Result<Value, String> {
        let v = self.value(0)?;
        loop {
            match self.peek() {
                None => return Ok(v),
                Some(b' ' | b'\t' | b'\n' | b'\r') => self.i += 1,
                Some(c) => return Err(Self::err(c, "after top-level value")),
            }
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, String> {
        if depth > MAX_READ_DEPTH {
            return Err("exceeded max depth".to_string());
        }
        let c = self.skip_ws()?;
        match c {
            b'{' => {
                self.i += 1;
                self.object(depth)
            }
            b'[' => {
                self.i += 1;
                self.array(depth)
            }
            b'"' => {
                self.i += 1;
                self.string().map(Value::String)
            }
            b'-' | b'0'..=b'9' => self.number(),
            b't' => self.literal("true", Value::Bool(true)),
            b'f' => self.literal("false", Value::Bool(false)),
            b'n' => self.literal("null", Value::Nil),
            _ => Err(Self::err(c, "looking for beginning of value")),
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, String> {
        let mut entries = BTreeMap::new();
        let c = self.skip_ws()?;
        if c == b'}' {
            self.i += 1;
            return Ok(Value::map(entries));
        }
        loop {
            let c = self.skip_ws()?;
            if c != b'"' {
                return Err(Self::err(c, "looking for beginning of object key string"));
            }
            self.i += 1;
            let key = self.string()?;
            let c = self.skip_ws()?;
            if c != b':' {
                return Err(Self::err(c, "after object key"));
            }
            self.i += 1;
            let v = self.value(depth + 1)?;
            entries.insert(key, v);
            let c = self.skip_ws()?;
            self.i += 1;
            match c {
                b',' => continue,
                b'}' => return Ok(Value::map(entries)),
                _ => return Err(Self::err(c, "after object key:value pair")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, String> {
        let mut items = Vec::new();
        let c = self.skip_ws()?;
        if c == b']' {
            self.i += 1;
            return Ok(Value::list(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            let c = self.skip_ws()?;
            self.i += 1;
            match c {
                b',' => continue,
                b']' => return Ok(Value::list(items)),
                _ => return Err(Self::err(c, "after array element")),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let mut v = 0;
        for _ in 0..4 {
            let c = self.next()?;
            let d = char::from(c)
                .to_digit(16)
                .ok_or_else(|| Self::err(c, "in \\u hexadecimal character escape"))?;
            v = v * 16 + d;
        }
        Ok(v)
    }

    fn string(&mut self) -> Result<String, String> {
        let mut out: Vec<u8> = Vec::new();
        loop {
            let c = self.next()?;
            match c {
                b'"' => return Ok(String::from_utf8_lossy(&out).into_owned()),
                b'\\' => {
                    let e = self.next()?;
                    let ch = match e {
                        b'"' | b'\\' | b'/' => char::from(e),
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let r = self.hex4()?;
                            if (0xd800..0xdc00).contains(&r)
                                && self.b.get(self.i) == Some(&b'\\')
                                && self.b.get(self.i + 1) == Some(&b'u')
                            {
                                let save = self.i;
                                self.i += 2;
                                let r2 = self.hex4()?;
                                if (0xdc00..0xe000).contains(&r2) {
                                    let c = 0x10000 + ((r - 0xd800) << 10) + (r2 - 0xdc00);
                                    char::from_u32(c).unwrap_or('\u{fffd}')
                                } else {
                                    self.i = save;
                                    '\u{fffd}'
                                }
                            } else {
                                char::from_u32(r).unwrap_or('\u{fffd}')
                            }
                        }
                        _ => return Err(Self::err(e, "in string escape code")),
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                c if c < 0x20 => return Err(Self::err(c, "in string literal")),
                c => out.push(c),
            }
        }
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) && self.i < self.b.len() {
            self.i += 1;
        }
    }

    fn number(&mut self) -> Result<Value, String> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        let c = self.next()?;
        match c {
            b'0' => {}
            b'1'..=b'9' => self.digits(),
            _ => return Err(Self::err(c, "in numeric literal")),
        }
        if self.peek() == Some(b'.') && self.i < self.b.len() {
            self.i += 1;
            let c = self.next()?;
            if !c.is_ascii_digit() {
                return Err(Self::err(c, "after decimal point in numeric literal"));
            }
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) && self.i < self.b.len() {
            self.i += 1;
            let mut c = self.next()?;
            if c == b'+' || c == b'-' {
                c = self.next()?;
            }
            if !c.is_ascii_digit() {
                return Err(Self::err(c, "in exponent of numeric literal"));
            }
            self.digits();
        }
        let text = std::str::from_utf8(self.b.get(start..self.i).unwrap_or(&[])).unwrap_or("");
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Value::Float(f)),
            _ => {
                if self.range_err.is_none() {
                    self.range_err = Some(format!(
                        "json: cannot unmarshal number {text} into Go value of type float64"
                    ));
                }
                Ok(Value::Nil)
            }
        }
    }

    fn literal(&mut self, word: &str, v: Value) -> Result<Value, String> {
        self.i += 1;
        for (k, want) in word.bytes().enumerate().skip(1) {
            let c = self.next()?;
            if c != want {
                return Err(Self::err(
                    c,
                    &format!("in literal {word} (expecting {})", quote_char(want)),
                ));
            }
            let _ = k;
        }
        Ok(v)
    }
}
