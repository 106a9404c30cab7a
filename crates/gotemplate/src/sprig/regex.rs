//! slim-sprig's regular expressions: Go's RE2 syntax on the `regex` crate, with Go's match
//! iteration, `$1`/`${name}` expansion and `Split`.
//!
//! The pattern is translated first so that the crates agree: `\d \w \s \b` (and their negations)
//! are ASCII-only in Go and are rewritten to ASCII classes; `\Q...\E` is quoted by hand.
use regex::Regex;

use super::{Ty, arg_int, arg_str, def};
use crate::func::FuncMap;
use crate::gofmt;
use crate::value::Value;

pub fn register(m: &mut FuncMap) {
    use Ty::*;
    def(m, "regexMatch", &[String, String], None, |a| {
        Ok(Value::Bool(
            compile(arg_str(&a, 0)).is_ok_and(|r| r.is_match(arg_str(&a, 1))),
        ))
    });
    def(m, "mustRegexMatch", &[String, String], None, |a| {
        Ok(Value::Bool(
            compile(arg_str(&a, 0))?.is_match(arg_str(&a, 1)),
        ))
    });
    for (name, must) in [("regexFindAll", true), ("mustRegexFindAll", false)] {
        def(m, name, &[String, String, Int], None, move |a| {
            let r = get(arg_str(&a, 0), must)?;
            let s = arg_str(&a, 1);
            let found = find_all(&r, s, arg_int(&a, 2))
                .into_iter()
                .map(|(x, y)| s.get(x..y).unwrap_or("").to_string())
                .collect::<Vec<_>>();
            Ok(Value::strings(found))
        });
    }
    for (name, must) in [("regexFind", true), ("mustRegexFind", false)] {
        def(m, name, &[String, String], None, move |a| {
            let r = get(arg_str(&a, 0), must)?;
            Ok(Value::string(
                r.find(arg_str(&a, 1)).map(|x| x.as_str()).unwrap_or(""),
            ))
        });
    }
    for (name, must) in [("regexReplaceAll", true), ("mustRegexReplaceAll", false)] {
        def(m, name, &[String, String, String], None, move |a| {
            let r = get(arg_str(&a, 0), must)?;
            Ok(Value::String(replace_all(
                &r,
                arg_str(&a, 1),
                arg_str(&a, 2),
                false,
            )))
        });
    }
    for (name, must) in [
        ("regexReplaceAllLiteral", true),
        ("mustRegexReplaceAllLiteral", false),
    ] {
        def(m, name, &[String, String, String], None, move |a| {
            let r = get(arg_str(&a, 0), must)?;
            Ok(Value::String(replace_all(
                &r,
                arg_str(&a, 1),
                arg_str(&a, 2),
                true,
            )))
        });
    }
    for (name, must) in [("regexSplit", true), ("mustRegexSplit", false)] {
        def(m, name, &[String, String, Int], None, move |a| {
            let pattern = arg_str(&a, 0);
            let r = get(pattern, must)?;
            Ok(Value::strings(split(
                &r,
                pattern,
                arg_str(&a, 1),
                arg_int(&a, 2),
            )))
        });
    }
    def(m, "regexQuoteMeta", &[String], None, |a| {
        Ok(Value::String(quote_meta(arg_str(&a, 0))))
    });
}

/// Compiles, with `regexp.MustCompile`'s panic message when `must_compile` (the non-`must`
/// functions) and `regexp.Compile`'s error otherwise.
fn get(pattern: &str, must_compile: bool) -> Result<Regex, String> {
    compile(pattern).map_err(|e| {
        if must_compile {
            let q = if gofmt::can_backquote(pattern) {
                format!("`{pattern}`")
            } else {
                gofmt::quote(pattern)
            };
            format!("regexp: Compile({q}): {e}")
        } else {
            e
        }
    })
}

/// Go's `regexp.Compile`.
pub fn compile(pattern: &str) -> Result<Regex, String> {
    let translated = translate(pattern)?;
    regex::RegexBuilder::new(&translated)
        .size_limit(1 << 22)
        .build()
        .map_err(|e| {
            let msg = match e {
                regex::Error::Syntax(s) => s
                    .lines()
                    .filter(|l| l.starts_with("error:"))
                    .map(|l| l.trim_start_matches("error:").trim().to_string())
                    .next()
                    .unwrap_or(s),
                other => other.to_string(),
            };
            // Go's words for the common mistakes.
            let msg = match msg.as_str() {
                "unclosed group" => "missing closing )".to_string(),
                "unopened group" => "unexpected )".to_string(),
                "unclosed character class" => "missing closing ]".to_string(),
                "repetition operator missing expression" => {
                    "missing argument to repetition operator".to_string()
                }
                _ => msg,
            };
            format!("error parsing regexp: {msg}: `{pattern}`")
        })
}

/// Rewrites Go-only or differently meant syntax for the `regex` crate, and refuses what Go
/// refuses and the crate accepts (nested repetitions, repeat counts over 1000). Braces that do
/// not form a repetition are literal in Go and escaped here; a repeated group name (Go takes the
/// first group of the name) is renamed.
fn translate(p: &str) -> Result<String, String> {
    let chars: Vec<char> = p.chars().collect();
    let mut out = String::with_capacity(p.len() + 8);
    let mut i = 0usize;
    let mut in_class = false;
    // Where the previous repetition operator started, while nothing else followed it.
    let mut last_rep: Option<usize> = None;
    let mut lazy_taken = false;
    let mut names: Vec<String> = Vec::new();
    let frag = |a: usize, b: usize| {
        chars
            .get(a..b)
            .map(|c| c.iter().collect::<String>())
            .unwrap_or_default()
    };
    let nested = |a: usize, b: usize| {
        format!(
            "error parsing regexp: invalid nested repetition operator: `{}`",
            frag(a, b)
        )
    };
    while let Some(&c) = chars.get(i) {
        let mut rep_here: Option<usize> = None;
        match c {
            '\\' => {
                let Some(&e) = chars.get(i + 1) else {
                    return Err(
                        "error parsing regexp: trailing backslash at end of expression: ``"
                            .to_string(),
                    );
                };
                if e.is_ascii_digit()
                    && e != '0'
                    && !chars.get(i + 2).is_some_and(|d| ('0'..='7').contains(d))
                {
                    return Err(format!(
                        "error parsing regexp: invalid escape sequence: `\\{e}`"
                    ));
                }
                i += 2;
                match e {
                    'd' => out.push_str("[0-9]"),
                    'D' => out.push_str("[^0-9]"),
                    'w' => out.push_str("[0-9A-Za-z_]"),
                    'W' => out.push_str("[^0-9A-Za-z_]"),
                    's' => out.push_str("[\\t\\n\\f\\r ]"),
                    'S' => out.push_str("[^\\t\\n\\f\\r ]"),
                    'b' if !in_class => out.push_str("(?-u:\\b)"),
                    'B' if !in_class => out.push_str("(?-u:\\B)"),
                    'Q' => {
                        let mut lit = String::new();
                        while let Some(&x) = chars.get(i) {
                            i += 1;
                            if x == '\\' && chars.get(i) == Some(&'E') {
                                i += 1;
                                break;
                            }
                            lit.push(x);
                        }
                        out.push_str(&regex::escape(&lit));
                    }
                    other => {
                        out.push('\\');
                        out.push(other);
                    }
                }
                last_rep = None;
                continue;
            }
            _ if in_class => {
                if c == '[' && chars.get(i + 1) == Some(&':') {
                    // A POSIX class such as [:alpha:].
                    if let Some(end) = (i + 2..chars.len().saturating_sub(1))
                        .find(|&k| chars.get(k) == Some(&':') && chars.get(k + 1) == Some(&']'))
                    {
                        out.push_str(&frag(i, end + 2));
                        i = end + 2;
                        continue;
                    }
                    out.push_str("\\[");
                } else if c == ']' {
                    in_class = false;
                    out.push(c);
                } else if c == '[' {
                    out.push_str("\\[");
                } else {
                    out.push(c);
                }
                i += 1;
                continue;
            }
            '[' => {
                in_class = true;
                out.push('[');
                i += 1;
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                if chars.get(i) == Some(&']') {
                    out.push_str("\\]");
                    i += 1;
                }
                last_rep = None;
                continue;
            }
            '(' => {
                let rest = frag(i, chars.len());
                let name_start = if rest.starts_with("(?P<") {
                    Some(4)
                } else if rest.starts_with("(?<") {
                    Some(3)
                } else {
                    None
                };
                if let Some(ns) = name_start
                    && let Some(close) = rest.find('>')
                {
                    let name = rest.get(ns..close).unwrap_or("").to_string();
                    let mut emitted = name.clone();
                    if names.contains(&name) {
                        emitted = format!("{name}_go_dup{}", names.len());
                    }
                    names.push(name);
                    out.push_str("(?P<");
                    out.push_str(&emitted);
                    out.push('>');
                    i += rest.get(..=close).map_or(1, |h| h.chars().count());
                    last_rep = None;
                    continue;
                }
                out.push(c);
            }
            '*' | '+' | '?' => {
                if c == '?' && last_rep.is_some() && !lazy_taken {
                    lazy_taken = true;
                    out.push(c);
                    i += 1;
                    continue;
                }
                if let Some(start) = last_rep {
                    return Err(nested(start, i + 1));
                }
                rep_here = Some(i);
                out.push(c);
            }
            '{' => {
                // {n}, {n,} or {n,m}; anything else is a literal brace in Go.
                let close = (i + 1..chars.len()).find(|&k| chars.get(k) == Some(&'}'));
                let body = close.map(|k| frag(i + 1, k)).unwrap_or_default();
                let (lo, hi) = body.split_once(',').unwrap_or((&body, &body));
                let num = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
                let valid = close.is_some() && num(lo) && (hi.is_empty() || num(hi));
                if !valid {
                    out.push_str("\\{");
                    last_rep = None;
                    i += 1;
                    continue;
                }
                let end = close.unwrap_or(i);
                let big = |s: &str| s.len() > 4 || s.parse::<u32>().unwrap_or(u32::MAX) > 1000;
                let lo_n: u32 = lo.parse().unwrap_or(u32::MAX);
                let bad = big(lo)
                    || (!hi.is_empty() && (big(hi) || hi.parse::<u32>().unwrap_or(0) < lo_n));
                if let Some(start) = last_rep {
                    return Err(nested(start, end + 1));
                }
                if bad {
                    return Err(format!(
                        "error parsing regexp: invalid repeat count: `{}`",
                        frag(i, end + 1)
                    ));
                }
                out.push_str(&frag(i, end + 1));
                last_rep = Some(i);
                lazy_taken = false;
                i = end + 1;
                continue;
            }
            _ => out.push(c),
        }
        i += 1;
        if rep_here.is_some() {
            lazy_taken = false;
        }
        last_rep = rep_here;
    }
    Ok(out)
}

/// Go's `regexp.QuoteMeta`.
pub fn quote_meta(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Go's `allMatches`: successive non-overlapping matches, an empty match right after a
/// previous match skipped; at most `n` when `n >= 0`.
fn find_all(r: &Regex, s: &str, n: i64) -> Vec<(usize, usize)> {
    let limit = if n < 0 {
        usize::MAX
    } else {
        usize::try_from(n).unwrap_or(usize::MAX)
    };
    let mut out = Vec::new();
    let mut pos = 0usize;
    let mut prev_end: Option<usize> = None;
    while out.len() < limit && pos <= s.len() {
        let Some(m) = r.find_at(s, pos) else { break };
        let mut accept = true;
        if m.end() == pos {
            if Some(m.start()) == prev_end {
                accept = false;
            }
            pos += s
                .get(pos..)
                .and_then(|t| t.chars().next())
                .map_or(1, char::len_utf8);
        } else {
            pos = m.end();
        }
        prev_end = Some(m.end());
        if accept {
            out.push((m.start(), m.end()));
        }
    }
    out
}

/// Go's `Regexp.Split`.
fn split(r: &Regex, pattern: &str, s: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    if !pattern.is_empty() && s.is_empty() {
        return vec![String::new()];
    }
    let matches = find_all(r, s, n);
    let mut out: Vec<String> = Vec::new();
    let (mut beg, mut end) = (0usize, 0usize);
    for (x, y) in matches {
        if n > 0 && out.len() as i64 == n - 1 {
            break;
        }
        end = x;
        if y != 0 {
            out.push(s.get(beg..end).unwrap_or("").to_string());
        }
        beg = y;
    }
    if end != s.len() {
        out.push(s.get(beg..).unwrap_or("").to_string());
    }
    out
}

/// Go's `ReplaceAllString` (with `$` expansion) or `ReplaceAllLiteralString`.
fn replace_all(r: &Regex, src: &str, repl: &str, literal: bool) -> String {
    let mut buf = String::new();
    let mut last_end = 0usize;
    let mut search = 0usize;
    let names: Vec<Option<&str>> = r.capture_names().collect();
    while search <= src.len() {
        let Some(caps) = r.captures_at(src, search) else {
            break;
        };
        let Some(m0) = caps.get(0) else { break };
        buf.push_str(src.get(last_end..m0.start()).unwrap_or(""));
        if m0.end() > last_end || m0.start() == 0 {
            if literal {
                buf.push_str(repl);
            } else {
                expand(&mut buf, repl, &caps, &names);
            }
        }
        last_end = m0.end();
        let width = src
            .get(search..)
            .and_then(|t| t.chars().next())
            .map_or(0, char::len_utf8);
        if search + width > m0.end() {
            search += width;
        } else if search + 1 > m0.end() {
            search += 1;
        } else {
            search = m0.end();
        }
    }
    buf.push_str(src.get(last_end..).unwrap_or(""));
    buf
}

/// Go's `Regexp.Expand` of a template for one match.
fn expand(dst: &mut String, template: &str, caps: &regex::Captures<'_>, names: &[Option<&str>]) {
    let mut t = template;
    while let Some(idx) = t.find('$') {
        dst.push_str(&t[..idx]);
        t = &t[idx + 1..];
        if let Some(rest) = t.strip_prefix('$') {
            dst.push('$');
            t = rest;
            continue;
        }
        match extract(t) {
            None => dst.push('$'),
            Some((name, num, rest)) => {
                t = rest;
                let group = match num {
                    Some(n) => caps.get(n),
                    None => names
                        .iter()
                        .position(|x| *x == Some(name))
                        .and_then(|i| caps.get(i)),
                };
                if let Some(g) = group {
                    dst.push_str(g.as_str());
                }
            }
        }
    }
    dst.push_str(t);
}

/// A `name`, `{name}` or number after `$`: the name, its number when it is one, the rest.
fn extract(s: &str) -> Option<(&str, Option<usize>, &str)> {
    let (brace, body) = match s.strip_prefix('{') {
        Some(b) => (true, b),
        None => (false, s),
    };
    let len: usize = body
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .map(char::len_utf8)
        .sum();
    if len == 0 {
        return None;
    }
    let name = &body[..len];
    let mut rest = &body[len..];
    if brace {
        rest = rest.strip_prefix('}')?;
    }
    let mut num: Option<usize> = Some(0);
    for b in name.bytes() {
        num = match num {
            Some(n) if b.is_ascii_digit() && n < 100_000_000 => {
                Some(n * 10 + usize::from(b - b'0'))
            }
            _ => None,
        };
        if num.is_none() {
            break;
        }
    }
    if name.len() > 1 && name.starts_with('0') {
        num = None;
    }
    Some((name, num, rest))
}
