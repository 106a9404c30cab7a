//! The parser: builds the tree of every template in one text (the main one, `define`s and
//! `block`s) with Go's `text/template/parse` rules and error messages.
use std::collections::HashMap;

use super::ast::{Arg, Branch, Command, List, Node, Number, Pipe, is_empty_list};
use super::lex::{Item, ItemType, LexOptions, lex};
use super::quote::{quote, unquote, unquote_char};
use super::{Error, MAX_PARSE_DEPTH, StackGuard};
use crate::func::FuncMap;

/// The names of the builtin functions (Go's `builtins()`).
pub(crate) const BUILTINS: &[&str] = &[
    "and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf",
    "println", "urlquery", "eq", "ge", "gt", "le", "lt", "ne",
];

enum Parsed {
    Node(Node),
    End,
    Else,
}

impl Parsed {
    fn describe(&self) -> &'static str {
        match self {
            Parsed::End => "{{end}}",
            _ => "{{else}}",
        }
    }
}

struct Parser<'a> {
    name: &'a str,
    items: Vec<Item>,
    idx: usize,
    hi: usize,
    funcs: &'a FuncMap,
    vars: Vec<String>,
    range_depth: usize,
    action_line: usize,
    depth: usize,
    stack: StackGuard,
    trees: HashMap<String, List>,
}

type R<T> = Result<T, Error>;

/// Parses `text`: every template it defines, by name (the main one under `name`).
pub(crate) fn parse(
    name: &str,
    text: &str,
    left: &str,
    right: &str,
    funcs: &FuncMap,
) -> R<HashMap<String, List>> {
    let opts = LexOptions {
        break_ok: funcs.get("break").is_none(),
        continue_ok: funcs.get("continue").is_none(),
    };
    let items = lex(text, left, right, &opts);
    let mut p = Parser {
        name,
        items,
        idx: 0,
        hi: 0,
        funcs,
        vars: vec!["$".to_string()],
        range_depth: 0,
        action_line: 0,
        depth: 0,
        stack: StackGuard::new(),
        trees: HashMap::new(),
    };
    let root = p.parse_root()?;
    p.add_tree(name.to_string(), root)?;
    Ok(p.trees)
}

fn split_field(val: &str) -> Vec<String> {
    val.get(1..)
        .unwrap_or("")
        .split('.')
        .map(str::to_string)
        .collect()
}

impl Parser<'_> {
    fn at(&self, i: usize) -> Item {
        match self.items.get(i).or_else(|| self.items.last()) {
            Some(it) => it.clone(),
            None => Item {
                typ: ItemType::Eof,
                pos: 0,
                val: String::new(),
                line: 1,
            },
        }
    }

    fn next(&mut self) -> Item {
        let it = self.at(self.idx);
        self.hi = self.hi.max(self.idx);
        if self.idx < self.items.len() {
            self.idx += 1;
        }
        it
    }

    fn backup(&mut self) {
        self.idx = self.idx.saturating_sub(1);
    }

    fn peek(&mut self) -> Item {
        self.hi = self.hi.max(self.idx);
        self.at(self.idx)
    }

    fn next_non_space(&mut self) -> Item {
        loop {
            let t = self.next();
            if t.typ != ItemType::Space {
                return t;
            }
        }
    }

    fn peek_non_space(&mut self) -> Item {
        let t = self.next_non_space();
        self.backup();
        t
    }

    fn errorf<T>(&self, msg: impl std::fmt::Display) -> R<T> {
        let line = self.at(self.hi).line;
        Err(Error::parse(format!(
            "template: {}:{}: {}",
            self.name, line, msg
        )))
    }

    fn unexpected<T>(&self, token: &Item, context: &str) -> R<T> {
        if token.typ == ItemType::Error {
            let mut extra = String::new();
            if self.action_line != 0 && self.action_line != token.line {
                extra = format!(" in action started at {}:{}", self.name, self.action_line);
                if token.val.ends_with(" action") {
                    extra = extra[" in action".len()..].to_string();
                }
            }
            return self.errorf(format!("{token}{extra}"));
        }
        self.errorf(format!("unexpected {token} in {context}"))
    }

    fn expect(&mut self, expected: ItemType, context: &str) -> R<Item> {
        let t = self.next_non_space();
        if t.typ != expected {
            return self.unexpected(&t, context);
        }
        Ok(t)
    }

    fn has_function(&self, name: &str) -> bool {
        self.funcs.get(name).is_some() || BUILTINS.contains(&name)
    }

    fn enter(&mut self) -> R<()> {
        if self.depth >= MAX_PARSE_DEPTH || self.stack.exhausted() {
            return self.errorf("max expression depth exceeded");
        }
        self.depth += 1;
        Ok(())
    }

    fn add_tree(&mut self, name: String, list: List) -> R<()> {
        if let Some(old) = self.trees.get(&name)
            && !is_empty_list(old)
        {
            if !is_empty_list(&list) {
                return self.errorf(format!(
                    "template: multiple definition of template {}",
                    quote(&name)
                ));
            }
            return Ok(());
        }
        self.trees.insert(name, list);
        Ok(())
    }

    fn parse_root(&mut self) -> R<List> {
        let mut nodes = Vec::new();
        while self.peek().typ != ItemType::Eof {
            if self.peek().typ == ItemType::LeftDelim {
                let save = self.idx;
                self.next();
                if self.next_non_space().typ == ItemType::Define {
                    self.parse_definition()?;
                    continue;
                }
                self.idx = save;
            }
            match self.text_or_action()? {
                Parsed::Node(n) => nodes.push(n),
                other => return self.errorf(format!("unexpected {}", other.describe())),
            }
        }
        Ok(List { nodes })
    }

    /// Parses the body of a `define` or `block` as a template of its own.
    fn sub_tree(&mut self, name: String, context: &str) -> R<()> {
        let vars = std::mem::replace(&mut self.vars, vec!["$".to_string()]);
        let range_depth = std::mem::replace(&mut self.range_depth, 0);
        let action_line = std::mem::replace(&mut self.action_line, 0);
        let (list, end) = self.item_list()?;
        if !matches!(end, Parsed::End) {
            return self.errorf(format!("unexpected {} in {context}", end.describe()));
        }
        self.add_tree(name, list)?;
        self.vars = vars;
        self.range_depth = range_depth;
        self.action_line = action_line;
        Ok(())
    }

    fn parse_definition(&mut self) -> R<()> {
        let context = "define clause";
        let t = self.next_non_space();
        if t.typ != ItemType::String && t.typ != ItemType::RawString {
            return self.unexpected(&t, context);
        }
        let Ok(name) = unquote(&t.val) else {
            return self.errorf("invalid syntax");
        };
        self.expect(ItemType::RightDelim, context)?;
        self.sub_tree(name, context)
    }

    fn item_list(&mut self) -> R<(List, Parsed)> {
        if self.stack.exhausted() {
            return self.errorf("max expression depth exceeded");
        }
        let mut nodes = Vec::new();
        while self.peek_non_space().typ != ItemType::Eof {
            match self.text_or_action()? {
                Parsed::Node(n) => nodes.push(n),
                end => return Ok((List { nodes }, end)),
            }
        }
        self.errorf("unexpected EOF")
    }

    fn text_or_action(&mut self) -> R<Parsed> {
        let t = self.next_non_space();
        match t.typ {
            ItemType::Text => Ok(Parsed::Node(Node::Text { text: t.val })),
            ItemType::LeftDelim => {
                self.action_line = t.line;
                let r = self.action();
                self.action_line = 0;
                r
            }
            _ => self.unexpected(&t, "input"),
        }
    }

    fn action(&mut self) -> R<Parsed> {
        let t = self.next_non_space();
        match t.typ {
            ItemType::Block => return self.block_control().map(Parsed::Node),
            ItemType::Break => return self.break_control(t.pos, true).map(Parsed::Node),
            ItemType::Continue => return self.break_control(t.pos, false).map(Parsed::Node),
            ItemType::Else => return self.else_control(),
            ItemType::End => {
                self.expect(ItemType::RightDelim, "end")?;
                return Ok(Parsed::End);
            }
            ItemType::If => return self.if_control().map(Parsed::Node),
            ItemType::Range => {
                let b = self.parse_control("range")?;
                return Ok(Parsed::Node(Node::Range(b)));
            }
            ItemType::Template => return self.template_control().map(Parsed::Node),
            ItemType::With => return self.with_control().map(Parsed::Node),
            _ => {}
        }
        self.backup();
        let pos = self.peek().pos;
        let pipe = self.pipeline("command", ItemType::RightDelim)?;
        Ok(Parsed::Node(Node::Action { pos, pipe }))
    }

    fn break_control(&mut self, pos: usize, is_break: bool) -> R<Node> {
        let word = if is_break { "break" } else { "continue" };
        let t = self.next_non_space();
        if t.typ != ItemType::RightDelim {
            return self.unexpected(&t, &format!("{{{{{word}}}}}"));
        }
        if self.range_depth == 0 {
            return self.errorf(format!("{{{{{word}}}}} outside {{{{range}}}}"));
        }
        Ok(if is_break {
            Node::Break { pos }
        } else {
            Node::Continue { pos }
        })
    }

    fn else_control(&mut self) -> R<Parsed> {
        let p = self.peek_non_space();
        if p.typ == ItemType::If || p.typ == ItemType::With {
            return Ok(Parsed::Else);
        }
        self.expect(ItemType::RightDelim, "else")?;
        Ok(Parsed::Else)
    }

    fn if_control(&mut self) -> R<Node> {
        Ok(Node::If(self.parse_control("if")?))
    }

    fn with_control(&mut self) -> R<Node> {
        Ok(Node::With(self.parse_control("with")?))
    }

    fn parse_control(&mut self, context: &str) -> R<Branch> {
        let nvars = self.vars.len();
        let pipe = self.pipeline(context, ItemType::RightDelim)?;
        if context == "range" {
            self.range_depth += 1;
        }
        let (list, next) = self.item_list()?;
        if context == "range" {
            self.range_depth -= 1;
        }
        let else_list = match next {
            Parsed::Else => {
                if context == "if" && self.peek().typ == ItemType::If {
                    self.next();
                    let n = self.if_control()?;
                    Some(List { nodes: vec![n] })
                } else if context == "with" && self.peek().typ == ItemType::With {
                    self.next();
                    let n = self.with_control()?;
                    Some(List { nodes: vec![n] })
                } else {
                    let (l, n) = self.item_list()?;
                    if !matches!(n, Parsed::End) {
                        return self.errorf(format!("expected end; found {}", n.describe()));
                    }
                    Some(l)
                }
            }
            _ => None,
        };
        self.vars.truncate(nvars);
        Ok(Branch {
            pipe,
            list,
            else_list,
        })
    }

    fn parse_template_name(&mut self, t: &Item, context: &str) -> R<String> {
        match t.typ {
            ItemType::String | ItemType::RawString => match unquote(&t.val) {
                Ok(s) => Ok(s),
                Err(()) => self.errorf("invalid syntax"),
            },
            _ => self.unexpected(t, context),
        }
    }

    fn block_control(&mut self) -> R<Node> {
        let context = "block clause";
        let t = self.next_non_space();
        let name = self.parse_template_name(&t, context)?;
        let pipe = self.pipeline(context, ItemType::RightDelim)?;
        self.sub_tree(name.clone(), context)?;
        Ok(Node::Template {
            pos: t.pos,
            name,
            pipe: Some(pipe),
        })
    }

    fn template_control(&mut self) -> R<Node> {
        let context = "template clause";
        let t = self.next_non_space();
        let name = self.parse_template_name(&t, context)?;
        let pipe = if self.next_non_space().typ != ItemType::RightDelim {
            self.backup();
            Some(self.pipeline(context, ItemType::RightDelim)?)
        } else {
            None
        };
        Ok(Node::Template {
            pos: t.pos,
            name,
            pipe,
        })
    }

    fn pipeline(&mut self, context: &str, end: ItemType) -> R<Pipe> {
        let pos = self.peek_non_space().pos;
        let mut pipe = Pipe {
            pos,
            is_assign: false,
            decl: Vec::new(),
            cmds: Vec::new(),
        };
        loop {
            let v = self.peek_non_space();
            if v.typ != ItemType::Variable {
                break;
            }
            let v_idx = self.idx;
            self.next();
            let after = self.peek();
            let nx = self.peek_non_space();
            if nx.typ == ItemType::Assign || nx.typ == ItemType::Declare {
                pipe.is_assign = nx.typ == ItemType::Assign;
                self.next_non_space();
                pipe.decl.push(v.val.clone());
                self.vars.push(v.val);
            } else if nx.typ == ItemType::Char && nx.val == "," {
                self.next_non_space();
                pipe.decl.push(v.val.clone());
                self.vars.push(v.val);
                if context == "range" && pipe.decl.len() < 2 {
                    match self.peek_non_space().typ {
                        ItemType::Variable | ItemType::RightDelim | ItemType::RightParen => {
                            continue;
                        }
                        _ => return self.errorf("range can only initialize variables"),
                    }
                }
                return self.errorf(format!("too many declarations in {context}"));
            } else {
                let _ = after;
                self.idx = v_idx;
            }
            break;
        }
        loop {
            let t = self.next_non_space();
            match t.typ {
                x if x == end => {
                    self.check_pipeline(&pipe, context)?;
                    return Ok(pipe);
                }
                ItemType::Bool
                | ItemType::CharConstant
                | ItemType::Complex
                | ItemType::Dot
                | ItemType::Field
                | ItemType::Identifier
                | ItemType::Number
                | ItemType::Nil
                | ItemType::RawString
                | ItemType::String
                | ItemType::Variable
                | ItemType::LeftParen => {
                    self.backup();
                    let c = self.command()?;
                    pipe.cmds.push(c);
                }
                _ => return self.unexpected(&t, context),
            }
        }
    }

    fn check_pipeline(&self, pipe: &Pipe, context: &str) -> R<()> {
        if pipe.cmds.is_empty() {
            return self.errorf(format!("missing value for {context}"));
        }
        for (i, c) in pipe.cmds.iter().enumerate().skip(1) {
            if matches!(
                c.args.first(),
                Some(
                    Arg::Bool { .. }
                        | Arg::Dot { .. }
                        | Arg::Nil { .. }
                        | Arg::Number { .. }
                        | Arg::String { .. }
                )
            ) {
                return self.errorf(format!(
                    "non executable command in pipeline stage {}",
                    i + 1
                ));
            }
        }
        Ok(())
    }

    fn command(&mut self) -> R<Command> {
        let pos = self.peek_non_space().pos;
        let mut args = Vec::new();
        loop {
            self.peek_non_space();
            if let Some(op) = self.operand()? {
                args.push(op);
            }
            let t = self.next();
            match t.typ {
                ItemType::Space => continue,
                ItemType::RightDelim | ItemType::RightParen => self.backup(),
                ItemType::Pipe => {}
                _ => return self.unexpected(&t, "operand"),
            }
            break;
        }
        if args.is_empty() {
            return self.errorf("empty command");
        }
        Ok(Command { pos, args })
    }

    fn operand(&mut self) -> R<Option<Arg>> {
        let Some(node) = self.term()? else {
            return Ok(None);
        };
        if self.peek().typ != ItemType::Field {
            return Ok(Some(node));
        }
        let pos = self.peek().pos;
        let mut fields = Vec::new();
        while self.peek().typ == ItemType::Field {
            let f = self.next();
            fields.push(f.val.get(1..).unwrap_or("").to_string());
        }
        Ok(Some(match node {
            Arg::Field { mut ident, .. } => {
                ident.extend(fields);
                Arg::Field { pos, ident }
            }
            Arg::Variable { mut ident, .. } => {
                ident.extend(fields);
                Arg::Variable { pos, ident }
            }
            n @ (Arg::Bool { .. }
            | Arg::String { .. }
            | Arg::Number { .. }
            | Arg::Nil { .. }
            | Arg::Dot { .. }) => {
                return self.errorf(format!("unexpected . after term {}", quote(&n.to_string())));
            }
            n => Arg::Chain {
                pos,
                node: Box::new(n),
                fields,
            },
        }))
    }

    fn term(&mut self) -> R<Option<Arg>> {
        let t = self.next_non_space();
        let pos = t.pos;
        Ok(Some(match t.typ {
            ItemType::Identifier => {
                if !self.has_function(&t.val) {
                    return self.errorf(format!("function {} not defined", quote(&t.val)));
                }
                Arg::Identifier { pos, name: t.val }
            }
            ItemType::Dot => Arg::Dot { pos },
            ItemType::Nil => Arg::Nil { pos },
            ItemType::Variable => {
                let ident: Vec<String> = t.val.split('.').map(str::to_string).collect();
                let first = ident.first().cloned().unwrap_or_default();
                if !self.vars.contains(&first) {
                    return self.errorf(format!("undefined variable {}", quote(&first)));
                }
                Arg::Variable { pos, ident }
            }
            ItemType::Field => Arg::Field {
                pos,
                ident: split_field(&t.val),
            },
            ItemType::Bool => Arg::Bool {
                pos,
                val: t.val == "true",
            },
            ItemType::CharConstant | ItemType::Complex | ItemType::Number => {
                match new_number(&t.val, t.typ) {
                    Ok(num) => Arg::Number {
                        pos,
                        num: Box::new(num),
                    },
                    Err(msg) => return self.errorf(msg),
                }
            }
            ItemType::LeftParen => {
                self.enter()?;
                let p = self.pipeline("parenthesized pipeline", ItemType::RightParen)?;
                self.depth -= 1;
                Arg::Pipe(Box::new(p))
            }
            ItemType::String | ItemType::RawString => match unquote(&t.val) {
                Ok(s) => Arg::String {
                    pos,
                    quoted: t.val,
                    text: s,
                },
                Err(()) => return self.errorf("invalid syntax"),
            },
            _ => {
                self.backup();
                return Ok(None);
            }
        }))
    }
}

/// Go's `newNumber`: what a number constant can be (int, uint, float), or the error.
fn new_number(text: &str, typ: ItemType) -> Result<Number, String> {
    let mut n = Number {
        text: text.to_string(),
        ..Number::default()
    };
    if typ == ItemType::CharConstant {
        let body = text.get(1..).unwrap_or("");
        let (c, tail) = unquote_char(body, '\'').map_err(|()| "invalid syntax".to_string())?;
        if tail != "'" {
            return Err(format!("malformed character constant: {text}"));
        }
        let v = c as u32;
        n.int64 = i64::from(v);
        n.is_int = true;
        n.uint64 = u64::from(v);
        n.is_uint = true;
        n.float64 = f64::from(v);
        n.is_float = true;
        return Ok(n);
    }
    if typ == ItemType::Complex {
        n.is_complex = true;
        return Ok(n);
    }
    if let Some(im) = text.strip_suffix('i')
        && parse_float(im).is_ok()
    {
        n.is_complex = true;
        return Ok(n);
    }
    let u = parse_uint0(text);
    if let Ok(u) = u {
        n.is_uint = true;
        n.uint64 = u;
    }
    if let Ok(i) = parse_int0(text) {
        n.is_int = true;
        n.int64 = i;
        if i == 0 {
            n.is_uint = true;
            n.uint64 = u.unwrap_or(0);
        }
    }
    if n.is_int {
        n.is_float = true;
        n.float64 = n.int64 as f64;
    } else if n.is_uint {
        n.is_float = true;
        n.float64 = n.uint64 as f64;
    } else if let Ok(f) = parse_float(text) {
        if !text.contains(['.', 'e', 'E', 'p', 'P']) {
            return Err(format!("integer overflow: {}", quote(text)));
        }
        n.is_float = true;
        n.float64 = f;
        if (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f)
            && (f as i64) as f64 == f
        {
            n.is_int = true;
            n.int64 = f as i64;
        }
        if (0.0..1.844_674_407_370_955_2e19).contains(&f) && (f as u64) as f64 == f {
            n.is_uint = true;
            n.uint64 = f as u64;
        }
    }
    if !n.is_int && !n.is_uint && !n.is_float {
        return Err(format!("illegal number syntax: {}", quote(text)));
    }
    Ok(n)
}

/// `strconv.ParseUint(s, 0, 64)`.
fn parse_uint0(s: &str) -> Result<u64, ()> {
    if s.is_empty() {
        return Err(());
    }
    let lower = s.to_ascii_lowercase();
    let (base, digits) = if let Some(r) = lower.strip_prefix("0x") {
        (16, r)
    } else if let Some(r) = lower.strip_prefix("0o") {
        (8, r)
    } else if let Some(r) = lower.strip_prefix("0b") {
        (2, r)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() {
        return Err(());
    }
    let mut v: u64 = 0;
    let mut any = false;
    for c in digits.chars() {
        if c == '_' {
            continue;
        }
        let d = c.to_digit(base).ok_or(())?;
        v = v
            .checked_mul(u64::from(base))
            .and_then(|v| v.checked_add(u64::from(d)))
            .ok_or(())?;
        any = true;
    }
    if !any && base != 8 {
        return Err(());
    }
    if s.contains('_') && !crate::sprig::conv::underscore_ok(s) {
        return Err(());
    }
    Ok(v)
}

/// `strconv.ParseInt(s, 0, 64)`.
fn parse_int0(s: &str) -> Result<i64, ()> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let u = parse_uint0(body)?;
    if s.contains('_') && !crate::sprig::conv::underscore_ok(s) {
        return Err(());
    }
    if neg {
        if u > 1 << 63 {
            return Err(());
        }
        Ok((u as i64).wrapping_neg())
    } else {
        i64::try_from(u).map_err(|_| ())
    }
}

/// `strconv.ParseFloat(s, 64)` for the syntax the lexer lets through; out of range is an error.
pub(crate) fn parse_float(s: &str) -> Result<f64, ()> {
    if s.contains('_') && !crate::sprig::conv::underscore_ok(s) {
        return Err(());
    }
    let clean: String = s.chars().filter(|&c| c != '_').collect();
    let (neg, body) = match clean.as_bytes().first() {
        Some(b'-') => (true, &clean[1..]),
        Some(b'+') => (false, &clean[1..]),
        _ => (false, clean.as_str()),
    };
    let v = if body.len() > 1 && (body.starts_with("0x") || body.starts_with("0X")) {
        parse_hex_float(&body[2..])?
    } else {
        if body.is_empty()
            || !body
                .bytes()
                .all(|b| b.is_ascii_digit() || b"._eE+-".contains(&b))
        {
            return Err(());
        }
        body.parse::<f64>().map_err(|_| ())?
    };
    if v.is_infinite() {
        return Err(());
    }
    Ok(if neg { -v } else { v })
}

fn parse_hex_float(s: &str) -> Result<f64, ()> {
    let lower = s.to_ascii_lowercase();
    let (mant, exp) = lower.split_once('p').ok_or(())?;
    let exp: i64 = if exp.is_empty() {
        return Err(());
    } else {
        exp.parse().map_err(|_| ())?
    };
    let (int_part, frac) = match mant.split_once('.') {
        Some((a, b)) => (a, b),
        None => (mant, ""),
    };
    if int_part.is_empty() && frac.is_empty() {
        return Err(());
    }
    let mut m: u128 = 0;
    let mut e2: i64 = exp;
    let mut sticky = false;
    for c in int_part.chars() {
        let d = c.to_digit(16).ok_or(())?;
        if m >> 120 == 0 {
            m = m * 16 + u128::from(d);
        } else {
            e2 += 4;
            sticky |= d != 0;
        }
    }
    for c in frac.chars() {
        let d = c.to_digit(16).ok_or(())?;
        if m >> 120 == 0 {
            m = m * 16 + u128::from(d);
            e2 -= 4;
        } else {
            sticky |= d != 0;
        }
    }
    if sticky {
        m |= 1;
    }
    let mut v = m as f64;
    let e2 = e2.clamp(-2200, 2200) as i32;
    if e2 >= 0 {
        v *= 2f64.powi(e2);
    } else {
        // Two steps keep 2^e2 itself representable.
        let half = e2 / 2;
        v *= 2f64.powi(half);
        v *= 2f64.powi(e2 - half);
    }
    Ok(v)
}
