//! Reading YAML as `sigs.k8s.io/yaml.YAMLToJSON` does: go-yaml v2 decodes the first
//! document into `interface{}` (YAML 1.1 resolution, merge keys, aliases under go-yaml's
//! expansion limit), then the value is made JSON-able and marshalled with `encoding/json`.
use std::collections::{BTreeMap, HashMap, HashSet};

use granit_parser::{Event, Options, Parser, ScalarStyle};

use super::gofloat::{format_g32, json_number};
use super::resolve::{self, Scalar};

/// Nesting go-yaml accepts is 10000; this reader stops earlier to keep its recursion small.
const MAX_DEPTH: usize = 512;

enum Node {
    Scalar {
        value: String,
        plain: bool,
        tag: Option<String>,
    },
    Seq(Vec<usize>),
    Map(Vec<usize>),
    Alias {
        target: usize,
        name: String,
    },
}

/// A decoded Go value (`interface{}` as go-yaml fills it).
#[derive(Debug, Clone, PartialEq)]
enum Go {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Go>),
    /// Keys in first-insertion order; a repeated key keeps its place and takes the new value.
    Map(Vec<(Go, Go)>),
}

fn yaml_err(line: usize, msg: &str) -> String {
    format!("yaml: line {line}: {msg}")
}

/// A parser error worded and placed as go-yaml words it: libyaml's problem text without the
/// context; scanner errors give the 1-based line, parser errors libyaml's 0-based one, and a
/// line 0 is left out.
fn go_error(info: &str, line: usize) -> String {
    let first = info.lines().next().unwrap_or("");
    let problem = match first.split_once(", ") {
        Some((ctx, rest)) if ctx.starts_with("while ") => rest,
        _ => first,
    };
    let (problem, parser_error) = match problem {
        p if p.starts_with("unclosed bracket '['") => ("did not find expected ',' or ']'", true),
        p if p.starts_with("unclosed bracket '{'") => ("did not find expected ',' or '}'", true),
        "expected ',' or ']'" => ("did not find expected ',' or ']'", true),
        p if p.starts_with("unclosed quote") => ("found unexpected end of stream", false),
        p if p.starts_with("unexpected character") || p.starts_with("tabs disallowed") => {
            ("found character that cannot start any token", false)
        }
        p if p.starts_with("did not find expected") || p.starts_with("unexpected EOF") => (p, true),
        p => (p, false),
    };
    let shown = if parser_error {
        line.saturating_sub(1)
    } else if line > 1 {
        line
    } else {
        0
    };
    if shown == 0 {
        format!("yaml: {problem}")
    } else {
        yaml_err(shown, problem)
    }
}

pub const CONTROL: &str = "yaml: control characters are not allowed";

/// The characters libyaml's reader accepts.
pub fn readable(c: char) -> bool {
    let u = c as u32;
    matches!(u, 0x09 | 0x0A | 0x0D | 0x20..=0x7E | 0x85 | 0xA0..=0xD7FF | 0xE000..=0xFFFD)
        || u >= 0x10000
}

/// Parses the first document of `text` into a node arena; returns the root (None: empty).
fn parse(text: &str) -> Result<(Vec<Node>, Option<usize>), String> {
    // Where granit-parser tokenises differently from go-yaml, the text is read again rewritten
    // to what go-yaml sees, at the same byte offsets: tabs go-yaml takes as blanks (on the
    // continuation lines of quoted and plain scalars) made spaces, a comment granit refuses
    // blanked, a tag's `,` `[` `]` made tag characters. go-yaml's own tab rules are checked on
    // the original text.
    let mut source = std::borrow::Cow::Borrowed(text);
    // bounded: each pass reads the document again
    for _ in 0..64 {
        let mut tab_line = None;
        let mut retag = None;
        let mut uncomment = None;
        let fixed = match parse_source(text, &source, &mut tab_line, &mut retag, &mut uncomment) {
            ok @ Ok(_) => return ok,
            Err(e) => {
                let fixed = if let Some(hash) = uncomment {
                    // the comment go-yaml reads there, blanked for granit
                    let end = source
                        .get(hash..)
                        .and_then(|r| r.find(['\n', '\r']))
                        .map_or(source.len(), |n| hash + n);
                    rewritten(&source, hash, end, |comment| " ".repeat(comment.len()))
                } else if let Some((from, to)) = retag {
                    // go-yaml's tag takes in `,` `[` `]` where granit's ends: read again with
                    // them as `.` (a tag character for both; the tag is unknown either way), so
                    // that granit tokenises the rest as go-yaml does
                    rewritten(&source, from, to, |tag| tag.replace([',', '[', ']'], "."))
                } else if let Some(line) = tab_line {
                    Some(untab_line(&source, line)).filter(|fixed| *fixed != *source)
                } else {
                    None
                };
                fixed.ok_or(e)?
            }
        };
        source = std::borrow::Cow::Owned(fixed);
    }
    Err(go_error("found character that cannot start any token", 0))
}

/// `source` with the bytes `from..to` replaced by `with` of them (the same length: byte offsets
/// stay those of the original text); `None` when that changes nothing.
fn rewritten(
    source: &str,
    from: usize,
    to: usize,
    with: impl Fn(&str) -> String,
) -> Option<String> {
    let part = source.get(from..to)?;
    let new = with(part);
    if new == part || new.len() != part.len() {
        return None;
    }
    let mut fixed = source.to_string();
    fixed.replace_range(from..to, &new);
    Some(fixed)
}

/// `text` with the tabs of one line's (1-based) leading blanks made spaces.
fn untab_line(text: &str, line: usize) -> String {
    let mut out = String::with_capacity(text.len());
    for (n, l) in text.split_inclusive('\n').enumerate() {
        if n + 1 == line {
            let blanks = l.len() - l.trim_start_matches([' ', '\t']).len();
            out.push_str(&l[..blanks].replace('\t', " "));
            out.push_str(&l[blanks..]);
        } else {
            out.push_str(l);
        }
    }
    out
}

fn parse_source(
    text: &str,
    source: &str,
    tab_line: &mut Option<usize>,
    retag: &mut Option<(usize, usize)>,
    uncomment: &mut Option<usize>,
) -> Result<(Vec<Node>, Option<usize>), String> {
    if !text.chars().all(readable) {
        return Err(CONTROL.to_string());
    }
    // libyaml opens the first document implicitly at any token but `---` and directives, so a
    // leading `...` is a document without content
    for (n, line) in text.split('\n').enumerate() {
        let t = line.trim_start_matches([' ', '\t', '\r']);
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if line.starts_with("...")
            && line[3..]
                .chars()
                .next()
                .is_none_or(|c| matches!(c, ' ' | '\t' | '\r'))
        {
            return Err(go_error("did not find expected node content", n + 1));
        }
        break;
    }
    let mut options = Options::default();
    options.flow_nesting_limit = MAX_DEPTH;
    options.block_nesting_limit = MAX_DEPTH;
    options.emit_comments = false;
    options.emit_anchor_events = true;
    options.emit_unresolved_aliases = true;
    let mut parser = Parser::new_from_str_with_options(source, options);
    let mut nodes: Vec<Node> = Vec::new();
    let mut anchors: BTreeMap<usize, usize> = BTreeMap::new();
    let mut names: BTreeMap<usize, String> = BTreeMap::new();
    // open collections: arena index
    let mut stack: Vec<usize> = Vec::new();
    let mut root: Option<usize> = None;
    let mut tabs = TabCheck::default();
    let mut in_doc = false;
    while let Some(item) = parser.next_event() {
        let (event, span) = item.map_err(|e| {
            if let Some(TagIssue::Longer(from, to)) = tabs.tag {
                *retag = Some((from, to));
            }
            let info = e.info();
            // libyaml starts a comment at any `#` where it looks for the next token (after a block
            // scalar's `|`, a quoted scalar, flow punctuation); granit wants a blank before it.
            if info.contains("comments must be separated from other tokens by whitespace")
                && let Some(at) = e.marker().byte_offset()
                && let Some(line) = source.get(at..).map(|r| r.split('\n').next().unwrap_or(""))
                && let Some(hash) = line.find('#')
            {
                *uncomment = Some(at + hash);
            }
            // granit ends a tag at `,` `[` `]` and wants a blank there (the marker is at the
            // tag); go-yaml reads on.
            if retag.is_none()
                && info.contains("did not find expected whitespace or line break")
                && let Some(at) = e.marker().byte_offset()
                && source.get(at..).is_some_and(|r| r.starts_with('!'))
            {
                let longer: usize = source
                    .get(at..)
                    .unwrap_or("")
                    .chars()
                    .take_while(|c| tag_char(*c))
                    .map(char::len_utf8)
                    .sum();
                *retag = Some((at, at + longer));
            }
            if info.starts_with("tab cannot be used as indentation") {
                *tab_line = Some(e.marker().line());
            }
            go_error(&info, e.marker().line())
        })?;
        let line = span.start.line();
        tabs.observe(&event, &span, text, source);
        let new = match event {
            Event::StreamStart => continue,
            Event::StreamEnd => break,
            Event::DocumentStart(_, version) => {
                if let Some(v) = version
                    && (v.major != 1 || v.minor != 1)
                {
                    return Err("yaml: found incompatible YAML document".to_string());
                }
                in_doc = true;
                continue;
            }
            Event::DocumentEnd => {
                if in_doc {
                    break;
                }
                continue;
            }
            Event::Alias(id) => {
                let target = anchors
                    .get(&id)
                    .copied()
                    .ok_or_else(|| yaml_err(line, "unknown anchor referenced"))?;
                Node::Alias {
                    target,
                    name: names.get(&id).cloned().unwrap_or_default(),
                }
            }
            Event::Scalar(value, style, anchor, tag) => {
                let idx = nodes.len();
                if anchor != 0 {
                    anchors.insert(anchor, idx);
                }
                let flow = matches!(
                    style,
                    ScalarStyle::Plain | ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted
                );
                let raw = span
                    .start
                    .byte_offset()
                    .zip(span.end.byte_offset())
                    .and_then(|(a, b)| text.get(a..b))
                    .unwrap_or("");
                let start_line = span.start.line();
                let mut value = if flow && raw.contains(is_yaml11_break) {
                    fold_yaml11_breaks(&value)
                } else {
                    value.into_owned()
                };
                match style {
                    ScalarStyle::DoubleQuoted => check_escapes(raw, start_line)?,
                    ScalarStyle::Literal | ScalarStyle::Folded => {
                        // the span starts at the content; the header is the last indicator
                        // before it
                        let start = span.start.byte_offset().unwrap_or(0);
                        let before = text.get(..start).unwrap_or("");
                        if let Some(head) = before.rfind(['|', '>']) {
                            let gap = before.get(head..).unwrap_or("");
                            let head_line = start_line.saturating_sub(gap.matches('\n').count());
                            let mut end = span.end.byte_offset().unwrap_or(start);
                            // the scanner reads the blank lines after the content too
                            while end < text.len() {
                                let rest = text.get(end..).unwrap_or("");
                                let line_len = rest.find('\n').map_or(rest.len(), |n| n + 1);
                                let line = rest.get(..line_len).unwrap_or("");
                                if !line.trim().is_empty() {
                                    break;
                                }
                                end += line_len;
                            }
                            let block = text.get(head..end).unwrap_or("");
                            check_block_tabs(block, head_line)?;
                        }
                        // at the end of input without a final line break, libyaml has no
                        // break to keep
                        let last_line = text.rsplit('\n').next().unwrap_or("");
                        let at_end = span
                            .end
                            .byte_offset()
                            .is_some_and(|e| text.get(e..).is_some_and(|r| r.trim().is_empty()));
                        if at_end && !last_line.trim().is_empty() && value.ends_with('\n') {
                            value.pop();
                        }
                    }
                    _ => {}
                }
                Node::Scalar {
                    value,
                    plain: style == ScalarStyle::Plain,
                    tag: tag.map(|t| format!("{}{}", t.handle(), t.suffix())),
                }
            }
            Event::SequenceStart(_, anchor, _) | Event::MappingStart(_, anchor, _) => {
                let idx = nodes.len();
                if anchor != 0 {
                    anchors.insert(anchor, idx);
                }
                if matches!(event, Event::SequenceStart(..)) {
                    Node::Seq(Vec::new())
                } else {
                    Node::Map(Vec::new())
                }
            }
            Event::UnresolvedAlias(name) => {
                return Err(format!("yaml: unknown anchor '{name}' referenced"));
            }
            Event::Anchor(_, name)
                if !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
            {
                // libyaml's anchor names are ASCII letters, digits, '-' and '_'
                return Err(scanner_error(
                    line,
                    "did not find expected alphabetic or numeric character",
                ));
            }
            Event::Anchor(id, name) => {
                names.insert(id, name.into_owned());
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                stack.pop();
                continue;
            }
            _ => continue,
        };
        let idx = nodes.len();
        let opens = matches!(new, Node::Seq(_) | Node::Map(_));
        nodes.push(new);
        match stack.last().and_then(|&p| nodes.get_mut(p)) {
            Some(Node::Seq(children) | Node::Map(children)) => children.push(idx),
            _ => {
                if root.is_none() {
                    root = Some(idx);
                }
            }
        }
        if opens {
            stack.push(idx);
        }
    }
    if let Some(TagIssue::Longer(from, to)) = tabs.tag {
        *retag = Some((from, to));
        return Err(go_error(
            "did not find expected whitespace or line break",
            0,
        ));
    }
    tabs.check(text)?;
    Ok((nodes, root))
}

/// What go-yaml's scanner does with tabs where granit-parser differs: collects the byte
/// ranges of scalars and flow collections while events arrive, then checks the lines
/// between tokens.
#[derive(Default)]
struct TabCheck {
    /// Ranges whose inner lines the check skips (quoted and block scalars, flow collections).
    skip: Vec<(usize, usize)>,
    /// Plain scalars in block context: range and libyaml's indentation for them.
    plain: Vec<(usize, usize, usize)>,
    /// Open collections: (flow, column of a block collection).
    open: Vec<(bool, usize)>,
    /// Start of the outermost open flow collection.
    flow_start: Option<usize>,
    /// End of the document's last event.
    end: usize,
    /// End of an explicit document end marker (`...`).
    doc_end: Option<usize>,
    /// The first tag go-yaml reads differently from granit (see `observe`).
    tag: Option<TagIssue>,
}

/// A tag as go-yaml reads it, where granit-parser differs.
#[derive(Debug, Clone, Copy)]
enum TagIssue {
    /// go-yaml's tag goes on over `,` `[` `]` (from, to: the bytes granit left out of it).
    Longer(usize, usize),
    /// go-yaml's tag is followed by no blank: a scanner error at this byte.
    NoBlank(usize),
}

/// The characters libyaml reads in a tag (those of a URI, `,` `[` `]` included).
fn tag_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-_;/?:@&=+$,.!~*'()[]%".contains(c)
}

impl TabCheck {
    fn observe(&mut self, event: &Event<'_>, span: &granit_parser::Span, text: &str, source: &str) {
        let (Some(start), Some(end)) = (span.start.byte_offset(), span.end.byte_offset()) else {
            return;
        };
        self.end = self.end.max(end);
        let in_flow = self.open.iter().any(|&(flow, _)| flow);
        // go-yaml reads a tag on over every URI character (`,` `[` `]` included) and then wants a
        // blank (or, in a flow collection, a `,`); granit ends a tag at flow punctuation.
        let tag = match event {
            Event::Scalar(_, _, _, tag)
            | Event::SequenceStart(_, _, tag)
            | Event::MappingStart(_, _, tag) => tag.as_ref(),
            _ => None,
        };
        // The tag token is at `tag_start` when granit says so, else where the node starts.
        let at = span
            .tag_start
            .as_ref()
            .and_then(|m| m.byte_offset())
            .unwrap_or(start);
        if self.tag.is_none()
            && tag.is_some()
            && let Some(rest) = source.get(at..)
            && rest.starts_with('!')
            && !rest.starts_with("!<")
        {
            let len = |granit: bool| -> usize {
                1 + rest[1..]
                    .chars()
                    .take_while(|c| tag_char(*c) && !(granit && matches!(c, ',' | '[' | ']')))
                    .map(char::len_utf8)
                    .sum::<usize>()
            };
            let (theirs, go) = (len(true), len(false));
            let after = rest.get(go..).and_then(|r| r.chars().next());
            let blank = after.is_none_or(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
                || (in_flow && after == Some(','));
            if go > theirs {
                self.tag = Some(TagIssue::Longer(at + theirs, at + go));
            } else if !blank {
                self.tag = Some(TagIssue::NoBlank(at + go));
            }
        }
        match event {
            Event::DocumentEnd if end > start => self.doc_end = Some(end),
            Event::SequenceStart(style, ..) | Event::MappingStart(style, ..) => {
                let flow = *style == granit_parser::StructureStyle::Flow;
                if flow && !in_flow {
                    self.flow_start = Some(start);
                }
                let mut col = span.start.col();
                if matches!(event, Event::SequenceStart(..)) && !flow {
                    // the span starts at the first item; libyaml's indentation is the `-`
                    let before = text.get(..start).unwrap_or("");
                    let trimmed = before.trim_end_matches([' ', '\t']);
                    let at_dash = text.get(start..).is_some_and(|r| {
                        r.starts_with("- ") || r.starts_with("-\t") || r.starts_with("-\n")
                    });
                    if trimmed.ends_with('-') && !at_dash {
                        col = col.saturating_sub(before.len() - trimmed.len() + 1);
                    }
                }
                self.open.push((flow, col));
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((true, _)) = self.open.pop()
                    && !self.open.iter().any(|&(flow, _)| flow)
                    && let Some(s) = self.flow_start.take()
                {
                    self.skip.push((s, end));
                }
            }
            Event::Scalar(_, style, ..) if !in_flow => match style {
                ScalarStyle::Plain => {
                    let parent = self
                        .open
                        .iter()
                        .rev()
                        .find(|(flow, _)| !flow)
                        .map_or(0, |&(_, col)| col + 1);
                    self.plain.push((start, end, parent));
                }
                ScalarStyle::Literal | ScalarStyle::Folded => {
                    let head = text.get(..start).and_then(|b| b.rfind(['|', '>']));
                    self.skip.push((head.unwrap_or(start), end));
                }
                _ => self.skip.push((start, end)),
            },
            _ => {}
        }
    }

    fn check(&self, text: &str) -> Result<(), String> {
        if let Some(TagIssue::NoBlank(at)) = self.tag {
            let line = text.get(..at).map_or(0, |t| t.matches('\n').count()) + 1;
            return Err(scanner_error(
                line,
                "did not find expected whitespace or line break",
            ));
        }
        let bytes = text.as_bytes();
        // the scanner reads on to the next document marker (or the end)
        let mut limit = self.doc_end.unwrap_or(bytes.len());
        let mut at = text
            .get(..self.end)
            .and_then(|t| t.rfind('\n'))
            .map_or(0, |n| n + 1);
        loop {
            let line = text.get(at..).unwrap_or("");
            if at > 0
                && (line.starts_with("---") || line.starts_with("..."))
                && line[3..].chars().next().is_none_or(char::is_whitespace)
            {
                limit = limit.min(at);
                break;
            }
            match line.find('\n') {
                Some(n) => at += n + 1,
                None => break,
            }
        }
        let mut line_start = 0usize;
        let mut prev_start = 0usize;
        let mut line_no = 1usize;
        // the plain scalar before the line, and whether only blanks and breaks follow it
        let mut candidate: Option<(usize, bool)> = None;
        while line_start <= limit {
            let p = line_start;
            // ranges are in source order: the one that could hold p starts last before it
            let k = self.skip.partition_point(|&(s, _)| s < p);
            let inside = k > 0 && self.skip.get(k - 1).is_some_and(|&(_, e)| p < e);
            let k = self.plain.partition_point(|&(s, _, _)| s < p);
            let plain = match k
                .checked_sub(1)
                .and_then(|i| self.plain.get(i).map(|r| (i, r)))
            {
                Some((i, &(_, e, indent))) => {
                    let clean = |from: usize| {
                        text.get(from.max(e)..p)
                            .is_some_and(|gap| gap.chars().all(char::is_whitespace))
                    };
                    let ok = if p < e {
                        true
                    } else {
                        match candidate {
                            Some((j, was)) if j == i => was && clean(prev_start),
                            _ => clean(e),
                        }
                    };
                    candidate = Some((i, ok));
                    ok.then_some(indent)
                }
                None => None,
            };
            if !inside {
                self.check_line(bytes, p, line_no, plain)?;
            }
            prev_start = p;
            match text.get(line_start..).and_then(|r| r.find('\n')) {
                Some(n) => {
                    line_start += n + 1;
                    line_no += 1;
                }
                None => break,
            }
        }
        Ok(())
    }

    /// The leading blanks of one line: with `plain` (libyaml's indentation for the plain
    /// scalar being read), a tab short of it; otherwise any tab before the first token.
    fn check_line(
        &self,
        bytes: &[u8],
        p: usize,
        line_no: usize,
        mut plain: Option<usize>,
    ) -> Result<(), String> {
        let mut col = 0;
        let mut i = p;
        while let Some(&b) = bytes.get(i) {
            match b {
                b' ' => {}
                b'\t' => {
                    return match plain {
                        Some(indent) if col < indent => Err(scanner_error(
                            line_no,
                            "found a tab character that violates indentation",
                        )),
                        Some(_) => Ok(()),
                        None => Err(scanner_error(
                            line_no,
                            "found character that cannot start any token",
                        )),
                    };
                }
                // block indicators at the start of a line (which ends a plain scalar): a tab
                // may not follow them either
                b'-' | b'?' | b':' if matches!(bytes.get(i + 1), Some(b' ' | b'\t')) => {
                    plain = None;
                }
                _ => break,
            }
            col += 1;
            i += 1;
        }
        Ok(())
    }
}

/// A scanner error at a 1-based line, as go-yaml places it (line 1 is not shown).
fn scanner_error(line: usize, problem: &str) -> String {
    if line > 1 {
        yaml_err(line, problem)
    } else {
        format!("yaml: {problem}")
    }
}

/// go-yaml knows YAML 1.1's escapes only (no `\/`, YAML 1.2's).
fn check_escapes(raw: &str, start_line: usize) -> Result<(), String> {
    let mut line = start_line;
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match c {
            '\n' => line += 1,
            '\\' => match chars.next() {
                Some(
                    '0' | 'a' | 'b' | 't' | '\t' | 'n' | 'v' | 'f' | 'r' | 'e' | ' ' | '"' | '\''
                    | '\\' | 'N' | '_' | 'L' | 'P' | 'x' | 'u' | 'U' | '\r',
                )
                | None => {}
                Some('\n') => line += 1,
                Some(_) => return Err(scanner_error(line, "found unknown escape character")),
            },
            _ => {}
        }
    }
    Ok(())
}

/// go-yaml refuses a tab in a block scalar's indentation (before the content indentation
/// is known, or short of it). Only block scalars without an indentation indicator are
/// checked.
fn check_block_tabs(raw: &str, start_line: usize) -> Result<(), String> {
    let mut lines = raw.split('\n');
    let header = lines.next().unwrap_or("");
    if header.chars().any(|c| c.is_ascii_digit()) {
        return Ok(());
    }
    let mut indent: Option<usize> = None;
    for (n, line) in lines.enumerate() {
        let spaces = line.chars().take_while(|&c| c == ' ').count();
        let next = line.chars().nth(spaces);
        let short = indent.is_none_or(|i| spaces < i);
        if short && next == Some('\t') {
            return Err(scanner_error(
                start_line + n + 1,
                "found a tab character where an indentation space is expected",
            ));
        }
        if indent.is_none() && line.chars().any(|c| !matches!(c, ' ' | '\t' | '\r')) {
            indent = Some(spaces);
        }
    }
    Ok(())
}

/// NEL, LS and PS: line breaks in YAML 1.1 (go-yaml), ordinary characters in YAML 1.2.
fn is_yaml11_break(c: char) -> bool {
    matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// Folds a flow scalar's value (as a YAML 1.2 reader left it) around YAML 1.1's extra line
/// breaks, as libyaml folds: blanks around the breaks go; a first NEL folds to a space, or
/// to the breaks after it; a first LS or PS stays, with the breaks after it. NEL reads as
/// a newline.
fn fold_yaml11_breaks(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let mut out = String::with_capacity(value.len());
    let mut i = 0;
    while i < chars.len() {
        // a run of blanks ending in a break starts a fold
        let mut j = i;
        while j < chars.len() && matches!(chars[j], ' ' | '\t') {
            j += 1;
        }
        match chars.get(j) {
            Some(&first) if is_yaml11_break(first) => {
                let mut trailing = String::new();
                let mut k = j + 1;
                while let Some(&c) = chars.get(k) {
                    match c {
                        ' ' | '\t' => {}
                        '\u{85}' | '\n' => trailing.push('\n'),
                        '\u{2028}' | '\u{2029}' => trailing.push(c),
                        _ => break,
                    }
                    k += 1;
                }
                if first == '\u{85}' {
                    if trailing.is_empty() {
                        out.push(' ');
                    } else {
                        out.push_str(&trailing);
                    }
                } else {
                    out.push(first);
                    out.push_str(&trailing);
                }
                i = k;
            }
            _ => {
                out.extend(&chars[i..j]);
                if let Some(&c) = chars.get(j) {
                    out.push(c);
                }
                i = j + 1;
            }
        }
    }
    out
}

/// go-yaml's limit on alias expansion: the share of decoded nodes reached through aliases.
fn allowed_alias_ratio(decode_count: usize) -> f64 {
    const LOW: usize = 400_000;
    const HIGH: usize = 4_000_000;
    if decode_count <= LOW {
        0.99
    } else if decode_count >= HIGH {
        0.10
    } else {
        0.99 - 0.89 * ((decode_count - LOW) as f64 / (HIGH - LOW) as f64)
    }
}

struct Decoder<'a> {
    nodes: &'a [Node],
    decode_count: usize,
    alias_count: usize,
    alias_depth: usize,
    active: HashSet<usize>,
    depth: usize,
}

/// A hashable form of a scalar key, equal exactly when go-yaml's map keys are equal (None
/// for NaN, which equals nothing, and for collections).
fn key_repr(k: &Go) -> Option<(u8, String)> {
    Some(match k {
        Go::Null => (0, String::new()),
        Go::Bool(b) => (1, b.to_string()),
        Go::Int(i) => (2, i.to_string()),
        Go::Uint(u) => (3, u.to_string()),
        Go::Float(f) if f.is_nan() => return None,
        // 0.0 and -0.0 are equal keys
        Go::Float(f) => (4, (f + 0.0).to_bits().to_string()),
        Go::Str(s) => (5, s.clone()),
        Go::Seq(_) | Go::Map(_) => return None,
    })
}

/// A map being filled, with an index of its keys.
struct MapFill<'a> {
    entries: &'a mut Vec<(Go, Go)>,
    index: HashMap<(u8, String), usize>,
}

impl<'a> MapFill<'a> {
    fn new(entries: &'a mut Vec<(Go, Go)>) -> Self {
        let index = entries
            .iter()
            .enumerate()
            .filter_map(|(i, (k, _))| key_repr(k).map(|r| (r, i)))
            .collect();
        MapFill { entries, index }
    }

    fn set(&mut self, key: Go, value: Go) {
        let repr = key_repr(&key);
        if let Some(slot) = repr
            .as_ref()
            .and_then(|r| self.index.get(r))
            .and_then(|&i| self.entries.get_mut(i))
        {
            slot.1 = value;
            return;
        }
        if let Some(r) = repr {
            self.index.insert(r, self.entries.len());
        }
        self.entries.push((key, value));
    }
}

const WANT_MAP: &str = "yaml: map merge requires map or sequence of maps as the value";

impl Decoder<'_> {
    fn node(&self, idx: usize) -> Result<&Node, String> {
        self.nodes
            .get(idx)
            .ok_or_else(|| "yaml: internal error: missing node".to_string())
    }

    /// Counts one decoded node, as go-yaml does, and enforces its alias-expansion limit.
    fn count(&mut self) -> Result<(), String> {
        self.decode_count += 1;
        if self.alias_depth > 0 {
            self.alias_count += 1;
        }
        if self.alias_count > 100
            && self.decode_count > 1000
            && self.alias_count as f64 / self.decode_count as f64
                > allowed_alias_ratio(self.decode_count)
        {
            return Err("yaml: document contains excessive aliasing".to_string());
        }
        Ok(())
    }

    fn enter(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!("yaml: exceeded max depth of {MAX_DEPTH}"));
        }
        Ok(())
    }

    fn decode(&mut self, idx: usize) -> Result<Go, String> {
        self.enter()?;
        let r = self.decode_inner(idx);
        self.depth -= 1;
        r
    }

    fn decode_inner(&mut self, idx: usize) -> Result<Go, String> {
        self.count()?;
        match self.node(idx)? {
            Node::Alias { target, name } => {
                let (target, name) = (*target, name.clone());
                self.with_alias(idx, &name, |d| d.decode(target))
            }
            Node::Scalar { value, plain, tag } => scalar(value, *plain, tag.as_deref()),
            Node::Seq(children) => {
                let children = children.clone();
                let mut out = Vec::with_capacity(children.len());
                for c in children {
                    out.push(self.decode(c)?);
                }
                Ok(Go::Seq(out))
            }
            Node::Map(_) => {
                let mut out = Vec::new();
                self.mapping_into(idx, &mut out)?;
                Ok(Go::Map(out))
            }
        }
    }

    fn with_alias<T>(
        &mut self,
        idx: usize,
        name: &str,
        f: impl FnOnce(&mut Self) -> Result<T, String>,
    ) -> Result<T, String> {
        if !self.active.insert(idx) {
            return Err(format!("yaml: anchor '{name}' value contains itself"));
        }
        self.alias_depth += 1;
        let r = f(self);
        self.alias_depth -= 1;
        self.active.remove(&idx);
        r
    }

    /// A mapping node decoded into an existing map (go-yaml's `mapping` on a map value).
    fn mapping_into(&mut self, idx: usize, out: &mut Vec<(Go, Go)>) -> Result<(), String> {
        let children = match self.node(idx)? {
            Node::Map(c) => c.clone(),
            _ => return Err(WANT_MAP.to_string()),
        };
        let mut fill = MapFill::new(out);
        for pair in children.chunks(2) {
            let [k, v] = pair else { break };
            if self.is_merge(*k)? {
                self.merge(*v, fill.entries)?;
                fill = MapFill::new(fill.entries);
                continue;
            }
            let key = self.decode(*k)?;
            if matches!(key, Go::Seq(_) | Go::Map(_)) {
                return Err(format!("yaml: invalid map key: {}", go_print(&key)));
            }
            let value = self.decode(*v)?;
            fill.set(key, value);
        }
        Ok(())
    }

    fn is_merge(&self, idx: usize) -> Result<bool, String> {
        Ok(match self.node(idx)? {
            Node::Scalar { value, plain, tag } => {
                value == "<<"
                    && ((*plain && tag.is_none()) || tag.as_deref() == Some(resolve::MERGE))
            }
            _ => false,
        })
    }

    /// Decodes a merge source into `out`, counted as go-yaml counts it.
    fn merge_one(&mut self, idx: usize, out: &mut Vec<(Go, Go)>) -> Result<(), String> {
        self.enter()?;
        let r = self.merge_one_inner(idx, out);
        self.depth -= 1;
        r
    }

    fn merge_one_inner(&mut self, idx: usize, out: &mut Vec<(Go, Go)>) -> Result<(), String> {
        self.count()?;
        match self.node(idx)? {
            Node::Alias { target, name } => {
                let (target, name) = (*target, name.clone());
                if !matches!(self.node(target)?, Node::Map(_)) {
                    return Err(WANT_MAP.to_string());
                }
                self.with_alias(idx, &name, |d| d.merge_one(target, out))
            }
            Node::Map(_) => self.mapping_into(idx, out),
            _ => Err(WANT_MAP.to_string()),
        }
    }

    fn merge(&mut self, idx: usize, out: &mut Vec<(Go, Go)>) -> Result<(), String> {
        match self.node(idx)? {
            Node::Map(_) | Node::Alias { .. } => self.merge_one(idx, out),
            Node::Seq(children) => {
                let children = children.clone();
                for &c in children.iter().rev() {
                    match self.node(c)? {
                        Node::Map(_) | Node::Alias { .. } => self.merge_one(c, out)?,
                        _ => return Err(WANT_MAP.to_string()),
                    }
                }
                Ok(())
            }
            Node::Scalar { .. } => Err(WANT_MAP.to_string()),
        }
    }
}

/// Go's standard base64 decoding (line breaks ignored).
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    fn val(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        })
    }
    let bytes: Vec<u8> = s.bytes().filter(|&b| b != b'\n' && b != b'\r').collect();
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::new();
    let chunks = bytes.chunks(4);
    let last = chunks.len().saturating_sub(1);
    for (n, chunk) in chunks.enumerate() {
        let pad = chunk.iter().rev().take_while(|&&b| b == b'=').count();
        if pad > 2 || (pad > 0 && n != last) {
            return None;
        }
        let mut acc = 0u32;
        for &b in &chunk[..4 - pad] {
            acc = (acc << 6) | val(b)?;
        }
        acc <<= 6 * pad as u32;
        let [_, b1, b2, b3] = acc.to_be_bytes();
        out.push(b1);
        if pad < 2 {
            out.push(b2);
        }
        if pad < 1 {
            out.push(b3);
        }
    }
    Some(out)
}

fn scalar(value: &str, plain: bool, tag: Option<&str>) -> Result<Go, String> {
    // granit reports a bare `!` (non-specific tag) as a tag; go-yaml leaves such scalars
    // strings too (the tag is not one it resolves).
    if tag.is_none() && !plain {
        return Ok(Go::Str(value.to_string()));
    }
    let tag = tag.unwrap_or("");
    if tag == resolve::BINARY {
        let data = base64_decode(value)
            .ok_or_else(|| "yaml: !!binary value contains invalid base64 data".to_string())?;
        return Ok(Go::Str(String::from_utf8_lossy(&data).into_owned()));
    }
    Ok(
        match resolve::resolve(tag, value).map_err(|e| format!("yaml: {e}"))? {
            Scalar::Null => Go::Null,
            Scalar::Bool(b) => Go::Bool(b),
            Scalar::Int(i) => Go::Int(i),
            Scalar::Uint(u) => Go::Uint(u),
            Scalar::Float(f) => Go::Float(f),
            Scalar::Str(s) => Go::Str(s),
            Scalar::Merge => Go::Str("<<".to_string()),
            Scalar::Timestamp(_) => Go::Str(value.to_string()),
        },
    )
}

/// A short Go-like rendering of a value, for error messages.
fn go_print(v: &Go) -> String {
    match v {
        Go::Null => "<nil>".to_string(),
        Go::Bool(b) => b.to_string(),
        Go::Int(i) => i.to_string(),
        Go::Uint(u) => format!("0x{u:x}"),
        Go::Float(f) => super::gofloat::format_g64(*f),
        Go::Str(s) => format!("{s:?}"),
        Go::Seq(items) => format!(
            "[]interface {{}}{{{}}}",
            items.iter().map(go_print).collect::<Vec<_>>().join(", ")
        ),
        Go::Map(entries) => format!(
            "map[interface {{}}]interface {{}}{{{}}}",
            entries
                .iter()
                .map(|(k, v)| format!("{}:{}", go_print(k), go_print(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn go_type(v: &Go) -> &'static str {
    match v {
        Go::Null => "%!s(<nil>)",
        Go::Bool(_) => "bool",
        Go::Int(_) => "int",
        Go::Uint(_) => "uint64",
        Go::Float(_) => "float64",
        Go::Str(_) => "string",
        Go::Seq(_) => "[]interface {}",
        Go::Map(_) => "map[interface {}]interface {}",
    }
}

/// `convertToJSONableObject`, `json.Marshal` and the Kubernetes JSON decoder in one step.
fn to_json(v: Go) -> Result<serde_json::Value, String> {
    use serde_json::Value as J;
    Ok(match v {
        Go::Null => J::Null,
        Go::Bool(b) => J::Bool(b),
        Go::Int(i) => J::from(i),
        Go::Uint(u) => match i64::try_from(u) {
            Ok(i) => J::from(i),
            Err(_) => json_number(u as f64).unwrap_or(J::Null),
        },
        Go::Float(f) => json_number(f).ok_or_else(|| {
            let s = super::gofloat::format_g64(f);
            format!("json: unsupported value: {s}")
        })?,
        Go::Str(s) => J::String(s),
        Go::Seq(items) => J::Array(items.into_iter().map(to_json).collect::<Result<_, _>>()?),
        Go::Map(entries) => {
            let mut out = serde_json::Map::new();
            let mut sorted: BTreeMap<String, J> = BTreeMap::new();
            for (k, v) in entries {
                let key = match &k {
                    Go::Str(s) => s.clone(),
                    Go::Int(i) => i.to_string(),
                    Go::Bool(b) => b.to_string(),
                    Go::Float(f) => match format_g32(*f).as_str() {
                        "+Inf" => ".inf".to_string(),
                        "-Inf" => "-.inf".to_string(),
                        "NaN" => ".nan".to_string(),
                        s => s.to_string(),
                    },
                    other => {
                        return Err(format!(
                            "unsupported map key of type: {}, key: {}, value: {}",
                            go_type(other),
                            go_print(other),
                            go_print(&v)
                        ));
                    }
                };
                sorted.insert(key, to_json(v)?);
            }
            out.extend(sorted);
            J::Object(out)
        }
    })
}

/// `sigs.k8s.io/yaml.YAMLToJSON` of the first document, decoded as Kubernetes decodes JSON.
/// Errors are go-yaml's and encoding/json's, without the caller's prefix.
pub fn yaml_to_json(text: &str) -> Result<serde_json::Value, String> {
    let (nodes, root) = parse(text)?;
    let Some(root) = root else {
        return Ok(serde_json::Value::Null);
    };
    let mut d = Decoder {
        nodes: &nodes,
        decode_count: 0,
        alias_count: 0,
        alias_depth: 0,
        active: HashSet::new(),
        depth: 0,
    };
    // the document node counts too
    d.count()?;
    let go = d.decode(root)?;
    to_json(go)
}
