//! Go's `fmt` printing of template values: how an action prints its value (`fmt.Fprint`), and
//! the `print`, `println` and `printf` builtins, with Go's `%!verb(type=value)` error forms.
use std::fmt::Write;

use super::quote::{quote, quote_rune};
use crate::value::Value;

/// `fmt.Sprint(v)` of one value (`%v`).
pub(crate) fn sprint_value(v: &Value) -> String {
    let mut out = String::new();
    write_plain(&mut out, v);
    out
}

/// Appends `%v` of `v`, without flags.
pub(crate) fn write_plain(out: &mut String, v: &Value) {
    match v {
        Value::Nil => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) | Value::Int64(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => out.push_str(&format_g(*f, -1, 'e')),
        Value::String(s) => out.push_str(s),
        Value::List(l) => {
            out.push('[');
            for (i, x) in l.items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_plain(out, x);
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push_str("map[");
            for (i, (k, x)) in m.borrow().entries.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(k);
                out.push(':');
                write_plain(out, x);
            }
            out.push(']');
        }
    }
}

/// `fmt.Sprint`: operands separated by a space when neither side is a string.
pub(crate) fn sprint(args: &[Value]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            let is_str = |v: &Value| matches!(v, Value::String(_));
            if !is_str(a) && args.get(i - 1).is_some_and(|p| !is_str(p)) {
                out.push(' ');
            }
        }
        write_plain(&mut out, a);
    }
    out
}

/// `fmt.Sprintln`: operands always separated by a space, and a final newline.
pub(crate) fn sprintln(args: &[Value]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        write_plain(&mut out, a);
    }
    out.push('\n');
    out
}

/// Digits of a float as Go's `strconv` decimal: `d` significant digits (no trailing zeros),
/// decimal point after `dp` digits.
struct Digits {
    d: Vec<u8>,
    dp: i32,
}

/// Parses Rust's `{:e}` output (`1.2345e6`) into digits.
fn digits_of(sci: &str) -> Digits {
    let (mant, exp) = sci.split_once('e').unwrap_or((sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mut d: Vec<u8> = mant.bytes().filter(u8::is_ascii_digit).collect();
    while d.len() > 1 && d.last() == Some(&b'0') {
        d.pop();
    }
    if d == [b'0'] {
        return Digits {
            d: Vec::new(),
            dp: 0,
        };
    }
    Digits { d, dp: exp + 1 }
}

fn fmt_e(out: &mut String, dg: &Digits, prec: i32, e: char) {
    let first = dg.d.first().copied().unwrap_or(b'0');
    out.push(first as char);
    if prec > 0 {
        out.push('.');
        for i in 1..=prec as usize {
            out.push(dg.d.get(i).copied().unwrap_or(b'0') as char);
        }
    }
    out.push(e);
    let exp = if dg.d.is_empty() { 0 } else { dg.dp - 1 };
    out.push(if exp < 0 { '-' } else { '+' });
    let a = exp.unsigned_abs();
    if a < 10 {
        out.push('0');
    }
    let _ = write!(out, "{a}");
}

fn fmt_f(out: &mut String, dg: &Digits, prec: i32) {
    if dg.dp > 0 {
        for i in 0..dg.dp as usize {
            out.push(dg.d.get(i).copied().unwrap_or(b'0') as char);
        }
    } else {
        out.push('0');
    }
    if prec > 0 {
        out.push('.');
        for i in 1..=prec {
            let j = dg.dp + i - 1;
            let c = if j >= 0 {
                dg.d.get(j as usize).copied().unwrap_or(b'0')
            } else {
                b'0'
            };
            out.push(c as char);
        }
    }
}

/// `strconv.FormatFloat(f, 'g', prec, 64)` (with `e` as the exponent letter), sign included,
/// and Go's `+Inf`, `-Inf`, `NaN`.
pub(crate) fn format_g(f: f64, prec: i32, e: char) -> String {
    if f.is_nan() {
        return "NaN".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    let mut out = String::new();
    if f.is_sign_negative() {
        out.push('-');
    }
    let a = f.abs();
    let shortest = prec < 0;
    let dg = if shortest {
        digits_of(&format!("{a:e}"))
    } else {
        let p = prec.max(1);
        digits_of(&format!("{:.*e}", (p - 1) as usize, a))
    };
    let nd = dg.d.len() as i32;
    let mut eprec = if shortest { nd } else { prec.max(1) };
    if eprec > nd && nd >= dg.dp {
        eprec = nd;
    }
    if shortest {
        eprec = 6;
    }
    let exp = dg.dp - 1;
    if !dg.d.is_empty() && (exp < -4 || exp >= eprec) {
        let mut p = if shortest { nd } else { prec.max(1) };
        if p > nd {
            p = nd;
        }
        fmt_e(&mut out, &dg, p - 1, e);
        return out;
    }
    let mut p = if shortest { nd } else { prec.max(1) };
    if p > dg.dp {
        p = nd;
    }
    fmt_f(&mut out, &dg, (p - dg.dp).max(0));
    out
}

fn format_e(f: f64, prec: usize, e: char) -> String {
    if f.is_nan() {
        return "NaN".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    let mut out = String::new();
    if f.is_sign_negative() {
        out.push('-');
    }
    let dg = digits_of(&format!("{:.*e}", prec, f.abs()));
    fmt_e(&mut out, &dg, prec as i32, e);
    out
}

fn format_f(f: f64, prec: usize) -> String {
    if f.is_nan() {
        return "NaN".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    let s = format!("{:.*}", prec, f.abs());
    if f.is_sign_negative() {
        format!("-{s}")
    } else {
        s
    }
}

#[derive(Default, Clone, Copy)]
struct Flags {
    minus: bool,
    plus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

impl Flags {
    fn pad(&self, out: &mut String, s: &str) {
        self.pad_with(out, s, self.zero && !self.minus)
    }

    fn pad_with(&self, out: &mut String, s: &str, zero: bool) {
        let n = s.chars().count();
        let w = self.width.unwrap_or(0);
        if n >= w {
            out.push_str(s);
            return;
        }
        let fill = w - n;
        if self.minus {
            out.push_str(s);
            out.extend(std::iter::repeat_n(' ', fill));
        } else if zero {
            // Zeros go after a sign.
            let (sign, rest) = match s.chars().next() {
                Some(c @ ('+' | '-' | ' ')) => (Some(c), &s[1..]),
                _ => (None, s),
            };
            if let Some(c) = sign {
                out.push(c);
            }
            out.extend(std::iter::repeat_n('0', fill));
            out.push_str(rest);
        } else {
            out.extend(std::iter::repeat_n(' ', fill));
            out.push_str(s);
        }
    }
}

fn type_name(v: &Value) -> String {
    v.go_type()
}

fn bad_verb(out: &mut String, verb: char, v: Option<&Value>) {
    out.push_str("%!");
    out.push(verb);
    out.push('(');
    match v {
        None | Some(Value::Nil) => out.push_str("<nil>"),
        Some(v) => {
            out.push_str(&type_name(v));
            out.push('=');
            write_plain(out, v);
        }
    }
    out.push(')');
}

fn fmt_integer(out: &mut String, i: i64, verb: char, fl: &Flags) {
    let neg = i < 0;
    let u = i.unsigned_abs();
    let mut digits = match verb {
        'd' | 'v' => u.to_string(),
        'b' => format!("{u:b}"),
        'o' | 'O' => format!("{u:o}"),
        'x' => format!("{u:x}"),
        'X' => format!("{u:X}"),
        _ => String::new(),
    };
    if let Some(p) = fl.prec {
        if p == 0 && u == 0 {
            digits.clear();
        }
        while digits.len() < p {
            digits.insert(0, '0');
        }
    }
    let mut prefix = String::new();
    if neg {
        prefix.push('-');
    } else if fl.plus {
        prefix.push('+');
    } else if fl.space {
        prefix.push(' ');
    }
    if fl.sharp {
        match verb {
            'b' => prefix.push_str("0b"),
            'o' if !digits.starts_with('0') => prefix.push('0'),
            'x' => prefix.push_str("0x"),
            'X' => prefix.push_str("0X"),
            _ => {}
        }
    }
    if verb == 'O' {
        prefix.push_str("0o");
    }
    let zero = fl.zero && !fl.minus && fl.prec.is_none();
    let body = format!("{prefix}{digits}");
    if zero && !prefix.is_empty() {
        let w = fl.width.unwrap_or(0);
        let n = body.chars().count();
        out.push_str(&prefix);
        if n < w {
            out.extend(std::iter::repeat_n('0', w - n));
        }
        out.push_str(&digits);
        return;
    }
    fl.pad_with(out, &body, zero);
}

fn fmt_float(out: &mut String, f: f64, verb: char, fl: &Flags) {
    let p = fl.prec.map(|p| p as i32);
    let mut s = match verb {
        'v' | 'g' => format_g(f, p.unwrap_or(-1), 'e'),
        'G' => format_g(f, p.unwrap_or(-1), 'E'),
        'e' => format_e(f, fl.prec.unwrap_or(6), 'e'),
        'E' => format_e(f, fl.prec.unwrap_or(6), 'E'),
        'f' | 'F' => format_f(f, fl.prec.unwrap_or(6)),
        _ => String::new(),
    };
    if fl.plus && !s.starts_with('-') && !s.starts_with('+') {
        s.insert(0, '+');
    } else if fl.space && !s.starts_with('-') && !s.starts_with('+') {
        s.insert(0, ' ');
    } else if !fl.plus && s == "+Inf" {
        s = "+Inf".to_string();
    }
    if f.is_infinite() || f.is_nan() {
        fl.pad_with(out, &s, false);
    } else {
        fl.pad(out, &s);
    }
}

fn fmt_string(out: &mut String, s: &str, verb: char, fl: &Flags) {
    match verb {
        'v' | 's' => {
            let s: String = match fl.prec {
                Some(p) => s.chars().take(p).collect(),
                None => s.to_string(),
            };
            fl.pad(out, &s);
        }
        'q' => {
            let q = if fl.sharp
                && !s.contains('`')
                && s.chars().all(|c| c == '\t' || !c.is_control())
            {
                format!("`{s}`")
            } else {
                quote(s)
            };
            fl.pad(out, &q);
        }
        'x' | 'X' => {
            let bytes: Vec<u8> = match fl.prec {
                Some(p) => s.bytes().take(p).collect(),
                None => s.bytes().collect(),
            };
            let mut h = String::new();
            for (i, b) in bytes.iter().enumerate() {
                if fl.space && i > 0 {
                    h.push(' ');
                }
                if fl.sharp && (fl.space || i == 0) {
                    h.push_str(if verb == 'x' { "0x" } else { "0X" });
                }
                if verb == 'x' {
                    let _ = write!(h, "{b:02x}");
                } else {
                    let _ = write!(h, "{b:02X}");
                }
            }
            fl.pad(out, &h);
        }
        _ => {}
    }
}

fn sharp_v(out: &mut String, v: &Value, top: bool) {
    match v {
        Value::Nil => out.push_str(if top { "<nil>" } else { "interface {}(nil)" }),
        Value::String(s) => out.push_str(&quote(s)),
        Value::Float(f) => out.push_str(&format_g(*f, -1, 'e')),
        Value::List(l) => {
            out.push_str(&v.go_type());
            out.push('{');
            for (i, x) in l.items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                sharp_v(out, x, false);
            }
            out.push('}');
        }
        Value::Map(m) => {
            out.push_str(&v.go_type());
            out.push('{');
            for (i, (k, x)) in m.borrow().entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&quote(k));
                out.push(':');
                sharp_v(out, x, false);
            }
            out.push('}');
        }
        v => write_plain(out, v),
    }
}

/// One argument under one verb; lists and maps apply the verb to each element.
fn fmt_arg(out: &mut String, v: &Value, verb: char, fl: &Flags, top: bool) {
    if verb == 'T' {
        let t = if matches!(v, Value::Nil) {
            "<nil>".to_string()
        } else {
            v.go_type()
        };
        fl.pad_with(out, &t, false);
        return;
    }
    if verb == 'v' && fl.sharp {
        let mut s = String::new();
        sharp_v(&mut s, v, top);
        fl.pad_with(out, &s, false);
        return;
    }
    match v {
        Value::Nil => {
            if verb == 'v' || !top {
                fl.pad_with(out, "<nil>", false);
            } else {
                bad_verb(out, verb, None);
            }
        }
        Value::Bool(b) => match verb {
            'v' | 't' => fl.pad_with(out, if *b { "true" } else { "false" }, false),
            _ => bad_verb(out, verb, Some(v)),
        },
        Value::Int(i) | Value::Int64(i) => match verb {
            'v' | 'd' | 'b' | 'o' | 'O' | 'x' | 'X' => fmt_integer(out, *i, verb, fl),
            'c' => match u32::try_from(*i).ok().and_then(char::from_u32) {
                Some(c) => fl.pad_with(out, &c.to_string(), false),
                None => fl.pad_with(out, "\u{FFFD}", false),
            },
            'q' => {
                let c = u32::try_from(*i)
                    .ok()
                    .and_then(char::from_u32)
                    .unwrap_or('\u{FFFD}');
                fl.pad_with(out, &quote_rune(c), false);
            }
            'U' => {
                let mut s = format!("U+{:04X}", i);
                if fl.sharp
                    && let Some(c) = u32::try_from(*i).ok().and_then(char::from_u32)
                    && super::quote::is_print(c)
                {
                    let _ = write!(s, " '{c}'");
                }
                fl.pad_with(out, &s, false);
            }
            _ => bad_verb(out, verb, Some(v)),
        },
        Value::Float(f) => match verb {
            'v' | 'g' | 'G' | 'e' | 'E' | 'f' | 'F' => fmt_float(out, *f, verb, fl),
            _ => bad_verb(out, verb, Some(v)),
        },
        Value::String(s) => match verb {
            'v' | 's' | 'q' | 'x' | 'X' => fmt_string(out, s, verb, fl),
            _ => bad_verb(out, verb, Some(v)),
        },
        Value::List(l) => {
            out.push('[');
            for (i, x) in l.items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                fmt_arg(out, x, verb, fl, false);
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push_str("map[");
            for (i, (k, x)) in m.borrow().entries.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                fmt_arg(out, &Value::String(k.clone()), verb, fl, false);
                out.push(':');
                fmt_arg(out, x, verb, fl, false);
            }
            out.push(']');
        }
    }
}

/// `fmt.Sprintf`.
pub(crate) fn sprintf(format: &str, args: &[Value]) -> String {
    let mut out = String::new();
    let mut arg_num = 0usize;
    let mut reordered = false;
    let mut good_arg_num = true;
    let b = format.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        while i < b.len() && b[i] != b'%' {
            i += 1;
        }
        out.push_str(&format[start..i]);
        if i >= b.len() {
            break;
        }
        i += 1; // the '%'
        let mut fl = Flags::default();
        while i < b.len() {
            match b[i] {
                b'#' => fl.sharp = true,
                b'0' => fl.zero = true,
                b'+' => fl.plus = true,
                b'-' => fl.minus = true,
                b' ' => fl.space = true,
                _ => break,
            }
            i += 1;
        }
        // Argument index, width.
        parse_arg_index(
            b,
            &mut i,
            &mut arg_num,
            &mut reordered,
            &mut good_arg_num,
            args.len(),
        );
        if i < b.len() && b[i] == b'*' {
            i += 1;
            match args.get(arg_num) {
                Some(Value::Int(n) | Value::Int64(n)) => {
                    if *n < 0 {
                        fl.minus = true;
                    }
                    fl.width = Some(n.unsigned_abs() as usize);
                }
                _ => out.push_str("%!(BADWIDTH)"),
            }
            arg_num += 1;
            reordered = false;
        } else {
            let (n, ni) = parse_num(b, i);
            if ni > i {
                fl.width = Some(n);
                i = ni;
            }
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            parse_arg_index(
                b,
                &mut i,
                &mut arg_num,
                &mut reordered,
                &mut good_arg_num,
                args.len(),
            );
            if i < b.len() && b[i] == b'*' {
                i += 1;
                match args.get(arg_num) {
                    Some(Value::Int(n) | Value::Int64(n)) if *n >= 0 => {
                        fl.prec = Some(*n as usize);
                    }
                    _ => out.push_str("%!(BADPREC)"),
                }
                arg_num += 1;
                reordered = false;
            } else {
                let (n, ni) = parse_num(b, i);
                fl.prec = Some(n);
                i = ni;
            }
        }
        if !reordered {
            parse_arg_index(
                b,
                &mut i,
                &mut arg_num,
                &mut reordered,
                &mut good_arg_num,
                args.len(),
            );
        }
        let Some(verb) = format.get(i..).and_then(|s| s.chars().next()) else {
            out.push_str("%!(NOVERB)");
            break;
        };
        i += verb.len_utf8();
        if fl.minus {
            fl.zero = false;
        }
        if verb == '%' {
            out.push('%');
            continue;
        }
        if !good_arg_num {
            let _ = write!(out, "%!{verb}(BADINDEX)");
            good_arg_num = true;
            continue;
        }
        let Some(arg) = args.get(arg_num) else {
            let _ = write!(out, "%!{verb}(MISSING)");
            continue;
        };
        arg_num += 1;
        if !matches!(
            verb,
            'v' | 'd'
                | 's'
                | 'q'
                | 'x'
                | 'X'
                | 'o'
                | 'O'
                | 'b'
                | 'c'
                | 'U'
                | 'e'
                | 'E'
                | 'f'
                | 'F'
                | 'g'
                | 'G'
                | 't'
                | 'T'
        ) {
            bad_verb(&mut out, verb, Some(arg));
            continue;
        }
        fmt_arg(&mut out, arg, verb, &fl, true);
    }
    if !reordered && arg_num < args.len() {
        out.push_str("%!(EXTRA ");
        for (k, a) in args.iter().enumerate().skip(arg_num) {
            if k > arg_num {
                out.push_str(", ");
            }
            match a {
                Value::Nil => out.push_str("<nil>"),
                a => {
                    out.push_str(&a.go_type());
                    out.push('=');
                    write_plain(&mut out, a);
                }
            }
        }
        out.push(')');
    }
    out
}

fn parse_num(b: &[u8], mut i: usize) -> (usize, usize) {
    let mut n: usize = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        n = n
            .saturating_mul(10)
            .saturating_add(usize::from(b[i] - b'0'));
        if n > 1_000_000 {
            n = 1_000_000;
        }
        i += 1;
    }
    (n, i)
}

fn parse_arg_index(
    b: &[u8],
    i: &mut usize,
    arg_num: &mut usize,
    reordered: &mut bool,
    good: &mut bool,
    n_args: usize,
) {
    if *i >= b.len() || b[*i] != b'[' {
        return;
    }
    *reordered = true;
    let Some(close) = b[*i..].iter().position(|&c| c == b']') else {
        *good = false;
        *i = b.len();
        return;
    };
    let inner = &b[*i + 1..*i + close];
    let ok = !inner.is_empty() && inner.iter().all(u8::is_ascii_digit);
    let n = std::str::from_utf8(inner)
        .ok()
        .and_then(|s| s.parse::<usize>().ok());
    *i += close + 1;
    match n {
        Some(n) if ok && n >= 1 && n <= n_args => *arg_num = n - 1,
        _ => *good = false,
    }
}
