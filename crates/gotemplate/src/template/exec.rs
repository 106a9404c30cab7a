//! The executor: walks the tree against Go-typed values with the rules of Go's
//! `text/template/exec.go`: how fields resolve on maps, how arguments are checked against a
//! function's signature, what prints as `<no value>`, and each error message with the node it
//! was raised at.
//!
//! Go's reflection distinguishes three kinds of results that print or type-check differently:
//! no value at all (a missing map key), a value held in an `interface {}` (an element of a
//! `[]interface {}` or `map[string]interface {}`), and a value of a concrete type. [`Ev`] keeps
//! that distinction.
use std::rc::Rc;

use super::ast::{Arg, Branch, Command, List, Node, Number, Pipe};
use super::print::{sprint, sprint_value, sprintf, sprintln, write_plain};
use super::quote::{is_print, quote};
use super::{Error, MAX_TEMPLATE_DEPTH, StackGuard, Template};
use crate::func::{Env, Func, Ty};
use crate::value::{Elem, Value};

/// A value during evaluation, as Go's `reflect.Value` sees it.
#[derive(Clone, Debug)]
enum Ev {
    /// The invalid `reflect.Value`: no value (prints `<no value>`).
    Missing,
    /// A value held in an `interface {}`.
    Iface(Value),
    /// A value of a concrete type.
    Conc(Value),
}

impl Ev {
    fn from_elem(elem: Elem, v: Value) -> Ev {
        if elem == Elem::Any {
            Ev::Iface(v)
        } else {
            Ev::Conc(v)
        }
    }

    fn from_result(v: Value) -> Ev {
        if matches!(v, Value::Nil) {
            Ev::Iface(v)
        } else {
            Ev::Conc(v)
        }
    }

    /// What a pipeline stage leaves: an `interface {}` is opened (a nil one is no value).
    fn opened(self) -> Ev {
        match self {
            Ev::Iface(Value::Nil) => Ev::Missing,
            Ev::Iface(v) => Ev::Conc(v),
            e => e,
        }
    }

    /// Go's `indirectInterface`: the concrete value, if any.
    fn concrete(&self) -> Option<&Value> {
        match self {
            Ev::Missing | Ev::Iface(Value::Nil) | Ev::Conc(Value::Nil) => None,
            Ev::Iface(v) | Ev::Conc(v) => Some(v),
        }
    }

    fn into_value(self) -> Value {
        match self {
            Ev::Missing => Value::Nil,
            Ev::Iface(v) | Ev::Conc(v) => v,
        }
    }

    fn truth(&self) -> bool {
        self.concrete().is_some_and(Value::truth)
    }
}

/// A parameter type: a Go type, or `reflect.Value` (the builtins take anything).
#[derive(Clone, Copy, Debug)]
enum Pt {
    Rv,
    T(Ty),
}

fn ty_name(t: Ty) -> &'static str {
    match t {
        Ty::Any => "interface {}",
        Ty::String => "string",
        Ty::Int => "int",
        Ty::Int64 => "int64",
        Ty::Float64 => "float64",
        Ty::Bool => "bool",
        Ty::Strings => "[]string",
        Ty::List => "[]interface {}",
        Ty::Map => "map[string]interface {}",
    }
}

fn pt_name(t: Pt) -> &'static str {
    match t {
        Pt::Rv => "reflect.Value",
        Pt::T(t) => ty_name(t),
    }
}

fn can_be_nil(t: Pt) -> bool {
    matches!(
        t,
        Pt::Rv | Pt::T(Ty::Any | Ty::Strings | Ty::List | Ty::Map)
    )
}

fn zero(t: Pt) -> Ev {
    match t {
        Pt::Rv => Ev::Missing,
        Pt::T(Ty::Strings) => Ev::Conc(Value::typed_list(Elem::String, Vec::new())),
        Pt::T(Ty::List) => Ev::Conc(Value::list(Vec::new())),
        Pt::T(Ty::Map) => Ev::Conc(Value::map(Default::default())),
        Pt::T(Ty::Int) => Ev::Conc(Value::Int(0)),
        Pt::T(Ty::Int64) => Ev::Conc(Value::Int64(0)),
        Pt::T(Ty::Float64) => Ev::Conc(Value::Float(0.0)),
        Pt::T(Ty::Bool) => Ev::Conc(Value::Bool(false)),
        Pt::T(Ty::String) => Ev::Conc(Value::String(String::new())),
        Pt::T(Ty::Any) => Ev::Iface(Value::Nil),
    }
}

fn assignable(v: &Value, t: Ty) -> bool {
    match (v, t) {
        (_, Ty::Any) => true,
        (Value::String(_), Ty::String)
        | (Value::Int(_), Ty::Int)
        | (Value::Int64(_), Ty::Int64)
        | (Value::Float(_), Ty::Float64)
        | (Value::Bool(_), Ty::Bool) => true,
        (Value::List(l), Ty::Strings) => l.elem == Elem::String,
        (Value::List(l), Ty::List) => l.elem == Elem::Any,
        (Value::Map(m), Ty::Map) => m.borrow().elem == Elem::Any,
        _ => false,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Builtin {
    And,
    Or,
    Not,
    Len,
    Index,
    Slice,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Print,
    Printf,
    Println,
    Html,
    Js,
    Urlquery,
    Call,
}

fn builtin(name: &str) -> Option<Builtin> {
    Some(match name {
        "and" => Builtin::And,
        "or" => Builtin::Or,
        "not" => Builtin::Not,
        "len" => Builtin::Len,
        "index" => Builtin::Index,
        "slice" => Builtin::Slice,
        "eq" => Builtin::Eq,
        "ne" => Builtin::Ne,
        "lt" => Builtin::Lt,
        "le" => Builtin::Le,
        "gt" => Builtin::Gt,
        "ge" => Builtin::Ge,
        "print" => Builtin::Print,
        "printf" => Builtin::Printf,
        "println" => Builtin::Println,
        "html" => Builtin::Html,
        "js" => Builtin::Js,
        "urlquery" => Builtin::Urlquery,
        "call" => Builtin::Call,
        _ => return None,
    })
}

/// The Go signature of a builtin: fixed parameters and the variadic one.
fn builtin_sig(b: Builtin) -> (&'static [Pt], Option<Pt>) {
    const RV1: &[Pt] = &[Pt::Rv];
    const RV2: &[Pt] = &[Pt::Rv, Pt::Rv];
    const NONE: &[Pt] = &[];
    const FMT: &[Pt] = &[Pt::T(Ty::String)];
    match b {
        Builtin::And | Builtin::Or | Builtin::Index | Builtin::Slice | Builtin::Eq => {
            (RV1, Some(Pt::Rv))
        }
        Builtin::Call => (RV1, Some(Pt::Rv)),
        Builtin::Not | Builtin::Len => (RV1, None),
        Builtin::Ne | Builtin::Lt | Builtin::Le | Builtin::Gt | Builtin::Ge => (RV2, None),
        Builtin::Print | Builtin::Println | Builtin::Html | Builtin::Js | Builtin::Urlquery => {
            (NONE, Some(Pt::T(Ty::Any)))
        }
        Builtin::Printf => (FMT, Some(Pt::T(Ty::Any))),
    }
}

/// A function's fixed parameters.
enum Sig<'t> {
    User(&'t [Ty]),
    Builtin(&'static [Pt]),
}

impl Sig<'_> {
    fn len(&self) -> usize {
        match self {
            Sig::User(p) => p.len(),
            Sig::Builtin(p) => p.len(),
        }
    }

    fn get(&self, i: usize) -> Option<Pt> {
        match self {
            Sig::User(p) => p.get(i).map(|t| Pt::T(*t)),
            Sig::Builtin(p) => p.get(i).copied(),
        }
    }
}

enum Callee<'t> {
    User(&'t Func),
    Builtin(Builtin),
}

/// The node being evaluated, for error messages.
#[derive(Clone, Copy)]
enum At<'t> {
    None,
    Node(&'t Node),
    Pipe(&'t Pipe),
    Cmd(&'t Command),
    Arg(&'t Arg),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Flow {
    Normal,
    Break,
    Continue,
}

type R<T> = Result<T, Error>;

struct State<'t> {
    t: &'t Template,
    name: &'t str,
    at: At<'t>,
    vars: Vec<(&'t str, Ev)>,
    out: String,
    env: &'t Value,
    depth: usize,
    stack: StackGuard,
}

pub(crate) fn execute(t: &Template, dot: &Value, env: &Value) -> R<String> {
    let Some((name, root)) = t.trees.get_key_value(&t.name) else {
        return Err(Error::exec(format!(
            "template: {}: {} is an incomplete or empty template",
            t.name,
            quote(&t.name)
        )));
    };
    let dot = match dot {
        Value::Nil => Ev::Missing,
        v => Ev::Conc(v.clone()),
    };
    let mut s = State {
        t,
        name,
        at: At::None,
        vars: vec![("$", dot.clone())],
        out: String::with_capacity(t.text.len()),
        env,
        depth: 0,
        stack: StackGuard::new(),
    };
    s.walk_list(&dot, root)?;
    Ok(s.out)
}

fn node_pos(n: &Node) -> usize {
    match n {
        Node::Text { .. } => 0,
        Node::Action { pos, .. }
        | Node::Template { pos, .. }
        | Node::Break { pos }
        | Node::Continue { pos } => *pos,
        Node::If(b) | Node::Range(b) | Node::With(b) => b.pipe.pos,
    }
}

impl<'t> State<'t> {
    fn errorf<T>(&self, msg: impl std::fmt::Display) -> R<T> {
        let (pos, ctx) = match self.at {
            At::None => {
                return Err(Error::exec(format!("template: {}: {msg}", self.name)));
            }
            At::Node(n) => (node_pos(n), n.to_string()),
            At::Pipe(p) => (p.pos, p.to_string()),
            At::Cmd(c) => (c.pos, c.to_string()),
            At::Arg(a) => (a.pos(), a.to_string()),
        };
        let text = self.t.text.get(..pos).unwrap_or(&self.t.text);
        let col = match text.rfind('\n') {
            None => pos,
            Some(i) => pos - (i + 1),
        };
        let line = 1 + text.bytes().filter(|&b| b == b'\n').count();
        Err(Error::exec(format!(
            "template: {}:{}:{}: executing {} at <{}>: {}",
            self.t.name,
            line,
            col,
            quote(self.name),
            ctx,
            msg
        )))
    }

    /// Stops a recursion that would overflow the stack (Go's stacks grow; ours do not).
    fn enter(&self) -> R<()> {
        if self.stack.exhausted() {
            return self.errorf("exceeded maximum nesting depth");
        }
        Ok(())
    }

    fn walk_list(&mut self, dot: &Ev, list: &'t List) -> R<Flow> {
        self.enter()?;
        for n in &list.nodes {
            let f = self.walk(dot, n)?;
            if f != Flow::Normal {
                return Ok(f);
            }
        }
        Ok(Flow::Normal)
    }

    fn walk(&mut self, dot: &Ev, node: &'t Node) -> R<Flow> {
        self.at = At::Node(node);
        match node {
            Node::Text { text } => self.out.push_str(text),
            Node::Action { pipe, .. } => {
                let v = self.eval_pipeline(dot, pipe)?;
                if pipe.decl.is_empty() {
                    self.at = At::Node(node);
                    match &v {
                        Ev::Missing => self.out.push_str("<no value>"),
                        Ev::Iface(v) | Ev::Conc(v) => write_plain(&mut self.out, v),
                    }
                }
            }
            Node::If(b) => return self.walk_if_or_with(false, dot, b),
            Node::With(b) => return self.walk_if_or_with(true, dot, b),
            Node::Range(b) => return self.walk_range(dot, node, b),
            Node::Template { name, pipe, .. } => self.walk_template(dot, node, name, pipe)?,
            Node::Break { .. } => return Ok(Flow::Break),
            Node::Continue { .. } => return Ok(Flow::Continue),
        }
        Ok(Flow::Normal)
    }

    fn walk_if_or_with(&mut self, with: bool, dot: &Ev, b: &'t Branch) -> R<Flow> {
        let mark = self.vars.len();
        let v = self.eval_pipeline(dot, &b.pipe)?;
        let f = if v.truth() {
            if with {
                self.walk_list(&v, &b.list)?
            } else {
                self.walk_list(dot, &b.list)?
            }
        } else if let Some(e) = &b.else_list {
            self.walk_list(dot, e)?
        } else {
            Flow::Normal
        };
        self.vars.truncate(mark);
        Ok(f)
    }

    fn set_top_var(&mut self, n: usize, v: Ev) {
        let len = self.vars.len();
        if let Some(slot) = len.checked_sub(n).and_then(|i| self.vars.get_mut(i)) {
            slot.1 = v;
        }
    }

    fn set_var(&mut self, name: &str, v: Ev) -> R<()> {
        for slot in self.vars.iter_mut().rev() {
            if slot.0 == name {
                slot.1 = v;
                return Ok(());
            }
        }
        self.errorf(format!("undefined variable: {name}"))
    }

    fn var_value(&self, name: &str) -> R<Ev> {
        for slot in self.vars.iter().rev() {
            if slot.0 == name {
                return Ok(slot.1.clone());
            }
        }
        self.errorf(format!("undefined variable: {name}"))
    }

    /// One pass of a range body; `Ok(false)` stops the loop (`break`).
    fn one_iteration(&mut self, b: &'t Branch, mark: usize, index: Ev, elem: Ev) -> R<bool> {
        let decl = &b.pipe.decl;
        if let Some(first) = decl.first() {
            if b.pipe.is_assign {
                if decl.len() > 1 {
                    self.set_var(first, index.clone())?;
                } else {
                    self.set_var(first, elem.clone())?;
                }
            } else {
                self.set_top_var(1, elem.clone());
            }
        }
        if let Some(second) = decl.get(1) {
            if b.pipe.is_assign {
                self.set_var(second, elem.clone())?;
            } else {
                self.set_top_var(2, index);
            }
        }
        let f = self.walk_list(&elem, &b.list)?;
        self.vars.truncate(mark);
        Ok(f != Flow::Break)
    }

    fn walk_range(&mut self, dot: &Ev, node: &'t Node, b: &'t Branch) -> R<Flow> {
        self.at = At::Node(node);
        let outer = self.vars.len();
        let val = self.eval_pipeline(dot, &b.pipe)?;
        let mark = self.vars.len();
        let ran = match val.concrete() {
            Some(v @ (Value::Int(_) | Value::Int64(_))) => {
                if b.pipe.decl.len() > 1 {
                    return self.errorf(format!(
                        "can't use {} to iterate over more than one variable",
                        sprint_value(v)
                    ));
                }
                let (n, is64) = match v {
                    Value::Int64(n) => (*n, true),
                    Value::Int(n) => (*n, false),
                    _ => (0, false),
                };
                for i in 0..n.max(0) {
                    let e = if is64 { Value::Int64(i) } else { Value::Int(i) };
                    if !self.one_iteration(b, mark, Ev::Missing, Ev::Conc(e))? {
                        break;
                    }
                }
                n > 0
            }
            Some(Value::List(l)) => {
                let l = Rc::clone(l);
                for (i, item) in l.items.iter().enumerate() {
                    let elem = Ev::from_elem(l.elem, item.clone());
                    if !self.one_iteration(b, mark, Ev::Conc(Value::Int(i as i64)), elem)? {
                        break;
                    }
                }
                !l.items.is_empty()
            }
            Some(Value::Map(m)) => {
                // Go sorts a snapshot of the keys before the body runs.
                let (elem, entries): (Elem, Vec<(String, Value)>) = {
                    let m = m.borrow();
                    (
                        m.elem,
                        m.entries
                            .iter()
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect(),
                    )
                };
                let ran = !entries.is_empty();
                for (k, v) in entries {
                    let e = Ev::from_elem(elem, v);
                    if !self.one_iteration(b, mark, Ev::Conc(Value::String(k)), e)? {
                        break;
                    }
                }
                ran
            }
            None => false,
            Some(v) => {
                return self.errorf(format!("range can't iterate over {}", sprint_value(v)));
            }
        };
        if !ran && let Some(e) = &b.else_list {
            self.vars.truncate(mark);
            let f = self.walk_list(dot, e)?;
            self.vars.truncate(outer);
            // As in Go, this range stops a `break` from its else branch (which ends nothing
            // more), while a `continue` goes on to the enclosing range.
            return Ok(if f == Flow::Break { Flow::Normal } else { f });
        }
        self.vars.truncate(outer);
        Ok(Flow::Normal)
    }

    fn walk_template(
        &mut self,
        dot: &Ev,
        node: &'t Node,
        name: &str,
        pipe: &'t Option<Pipe>,
    ) -> R<()> {
        self.at = At::Node(node);
        let Some((tname, tree)) = self.t.trees.get_key_value(name) else {
            return self.errorf(format!("template {} not defined", quote(name)));
        };
        if self.depth >= MAX_TEMPLATE_DEPTH {
            return self.errorf(format!(
                "exceeded maximum template depth ({MAX_TEMPLATE_DEPTH})"
            ));
        }
        let new_dot = match pipe {
            Some(p) => self.eval_pipeline(dot, p)?,
            None => Ev::Missing,
        };
        let saved_vars = std::mem::replace(&mut self.vars, vec![("$", new_dot.clone())]);
        let saved_name = std::mem::replace(&mut self.name, tname.as_str());
        self.depth += 1;
        let r = self.walk_list(&new_dot, tree);
        self.depth -= 1;
        self.name = saved_name;
        self.vars = saved_vars;
        r.map(|_| ())
    }

    fn eval_pipeline(&mut self, dot: &Ev, pipe: &'t Pipe) -> R<Ev> {
        self.enter()?;
        self.at = At::Pipe(pipe);
        let mut value: Option<Ev> = None;
        for cmd in &pipe.cmds {
            let v = self.eval_command(dot, cmd, value.take())?;
            value = Some(v.opened());
        }
        let v = value.unwrap_or(Ev::Missing);
        for d in &pipe.decl {
            if pipe.is_assign {
                self.set_var(d, v.clone())?;
            } else {
                self.vars.push((d.as_str(), v.clone()));
            }
        }
        Ok(v)
    }

    fn not_a_function(&self, args: &[Arg], fin: &Option<Ev>) -> R<()> {
        if args.len() > 1 || fin.is_some() {
            let first = args.first().map(ToString::to_string).unwrap_or_default();
            return self.errorf(format!("can't give argument to non-function {first}"));
        }
        Ok(())
    }

    fn eval_command(&mut self, dot: &Ev, cmd: &'t Command, fin: Option<Ev>) -> R<Ev> {
        let Some(first) = cmd.args.first() else {
            return self.errorf("empty command");
        };
        let tail = cmd.args.get(1..).unwrap_or(&[]);
        match first {
            Arg::Field { ident, .. } => {
                self.at = At::Arg(first);
                self.eval_field_chain(dot, dot.clone(), ident, &cmd.args, fin)
            }
            Arg::Chain { .. } => self.eval_chain_node(dot, first, &cmd.args, fin),
            Arg::Identifier { name, .. } => {
                self.eval_function(dot, first, name, At::Cmd(cmd), tail, fin)
            }
            Arg::Pipe(p) => {
                self.not_a_function(&cmd.args, &fin)?;
                self.eval_pipeline(dot, p)
            }
            Arg::Variable { .. } => self.eval_variable_node(dot, first, &cmd.args, fin),
            _ => {
                self.at = At::Arg(first);
                self.not_a_function(&cmd.args, &fin)?;
                match first {
                    Arg::Bool { val, .. } => Ok(Ev::Conc(Value::Bool(*val))),
                    Arg::Dot { .. } => Ok(dot.clone()),
                    Arg::Nil { .. } => self.errorf("nil is not a command"),
                    Arg::Number { num, .. } => self.ideal_constant(num),
                    Arg::String { text, .. } => Ok(Ev::Conc(Value::String(text.clone()))),
                    _ => self.errorf(format!(
                        "can't evaluate command {}",
                        quote(&first.to_string())
                    )),
                }
            }
        }
    }

    fn ideal_constant(&self, num: &Number) -> R<Ev> {
        let text = num.text.as_str();
        let is_hex_int = text.len() > 2
            && text.starts_with('0')
            && matches!(text.as_bytes().get(1), Some(b'x' | b'X'))
            && !text.contains(['p', 'P']);
        let is_rune = text.starts_with('\'');
        if num.is_complex {
            return self.errorf(format!("complex constant {text} is not supported"));
        }
        if num.is_float && !is_hex_int && !is_rune && text.contains(['.', 'e', 'E', 'p', 'P']) {
            return Ok(Ev::Conc(Value::Float(num.float64)));
        }
        if num.is_int {
            return Ok(Ev::Conc(Value::Int(num.int64)));
        }
        if num.is_uint {
            return self.errorf(format!("{text} overflows int"));
        }
        Ok(Ev::Missing)
    }

    fn eval_field_chain(
        &mut self,
        _dot: &Ev,
        receiver: Ev,
        ident: &[String],
        args: &[Arg],
        fin: Option<Ev>,
    ) -> R<Ev> {
        let Some((last, init)) = ident.split_last() else {
            return Ok(receiver);
        };
        let mut r = receiver;
        for name in init {
            r = self.eval_field(name, &[], &None, r)?;
        }
        self.eval_field(last, args, &fin, r)
    }

    fn eval_field(&self, name: &str, args: &[Arg], fin: &Option<Ev>, receiver: Ev) -> R<Ev> {
        let v = match receiver {
            Ev::Missing => {
                if self.t.missing_key_error {
                    return self.errorf(format!("nil data; no entry for key {}", quote(name)));
                }
                return Ok(Ev::Missing);
            }
            Ev::Iface(Value::Nil) | Ev::Conc(Value::Nil) => {
                return self.errorf(format!("nil pointer evaluating interface {{}}.{name}"));
            }
            Ev::Iface(ref v) | Ev::Conc(ref v) => v,
        };
        let has_args = args.len() > 1 || fin.is_some();
        if let Value::Map(m) = v {
            if has_args {
                return self.errorf(format!("{name} is not a method but has arguments"));
            }
            let m = m.borrow();
            return match m.entries.get(name) {
                Some(x) => Ok(Ev::from_elem(m.elem, x.clone())),
                None if self.t.missing_key_error => {
                    self.errorf(format!("map has no entry for key {}", quote(name)))
                }
                None => Ok(Ev::Missing),
            };
        }
        let typ = match receiver {
            Ev::Iface(_) => "interface {}".to_string(),
            _ => v.go_type(),
        };
        self.errorf(format!("can't evaluate field {name} in type {typ}"))
    }

    fn eval_chain_node(
        &mut self,
        dot: &Ev,
        chain: &'t Arg,
        args: &[Arg],
        fin: Option<Ev>,
    ) -> R<Ev> {
        self.at = At::Arg(chain);
        let Arg::Chain { node, fields, .. } = chain else {
            return self.errorf("internal error: not a chain");
        };
        if fields.is_empty() {
            return self.errorf("internal error: no fields in evalChainNode");
        }
        if let Arg::Nil { .. } = node.as_ref() {
            return self.errorf(format!("indirection through explicit nil in {chain}"));
        }
        let recv = self.eval_arg_untyped(dot, node)?;
        self.eval_field_chain(dot, recv, fields, args, fin)
    }

    fn eval_variable_node(
        &mut self,
        dot: &Ev,
        var: &'t Arg,
        args: &[Arg],
        fin: Option<Ev>,
    ) -> R<Ev> {
        self.at = At::Arg(var);
        let Arg::Variable { ident, .. } = var else {
            return self.errorf("internal error: not a variable");
        };
        let first = ident.first().map(String::as_str).unwrap_or("$");
        let v = self.var_value(first)?;
        if ident.len() == 1 {
            self.not_a_function(args, &fin)?;
            return Ok(v);
        }
        self.eval_field_chain(dot, v, ident.get(1..).unwrap_or(&[]), args, fin)
    }

    fn eval_function(
        &mut self,
        dot: &Ev,
        node: &'t Arg,
        name: &str,
        call_node: At<'t>,
        tail: &'t [Arg],
        fin: Option<Ev>,
    ) -> R<Ev> {
        self.at = At::Arg(node);
        let callee = match self.t.funcs.get(name) {
            Some(f) => Callee::User(f),
            None => match builtin(name) {
                Some(b) => Callee::Builtin(b),
                None => return self.errorf(format!("{} is not a defined function", quote(name))),
            },
        };
        self.eval_call(dot, callee, call_node, name, tail, fin)
    }

    fn eval_call(
        &mut self,
        dot: &Ev,
        callee: Callee<'t>,
        call_node: At<'t>,
        name: &str,
        tail: &'t [Arg],
        fin: Option<Ev>,
    ) -> R<Ev> {
        let sig = match &callee {
            Callee::User(f) => Sig::User(&f.params),
            Callee::Builtin(b) => Sig::Builtin(builtin_sig(*b).0),
        };
        let variadic = match &callee {
            Callee::User(f) => f.variadic.map(Pt::T),
            Callee::Builtin(b) => builtin_sig(*b).1,
        };
        let params = &sig;
        let num_in = tail.len() + usize::from(fin.is_some());
        let mut num_fixed = tail.len();
        if variadic.is_some() {
            num_fixed = params.len();
            if num_in < num_fixed {
                return self.errorf(format!(
                    "wrong number of args for {name}: want at least {} got {}",
                    params.len(),
                    tail.len()
                ));
            }
        } else if num_in != params.len() {
            return self.errorf(format!(
                "wrong number of args for {name}: want {} got {num_in}",
                params.len()
            ));
        }

        if let Callee::Builtin(b @ (Builtin::And | Builtin::Or)) = callee {
            let want = b == Builtin::Or;
            let mut v = Ev::Missing;
            for arg in tail {
                v = self.eval_arg(dot, Pt::Rv, arg)?;
                if v.truth() == want {
                    return Ok(v);
                }
            }
            if let Some(f) = fin {
                v = f;
            }
            return Ok(v);
        }

        let mut argv: Vec<Ev> = Vec::with_capacity(num_in);
        let mut i = 0;
        while i < num_fixed && i < tail.len() {
            let t = params.get(i).unwrap_or(Pt::T(Ty::Any));
            argv.push(self.eval_arg(dot, t, &tail[i])?);
            i += 1;
        }
        if let Some(vt) = variadic {
            while i < tail.len() {
                argv.push(self.eval_arg(dot, vt, &tail[i])?);
                i += 1;
            }
        }
        // `call` names its callee in errors: the first argument as written, else Go's
        // `reflect.Value.String` of the piped value.
        let callee_name = || match (tail.first(), &fin) {
            (Some(a), _) => a.to_string(),
            (None, Some(Ev::Conc(Value::String(s)) | Ev::Iface(Value::String(s)))) => s.clone(),
            (None, Some(Ev::Iface(_))) => "<interface {} Value>".to_string(),
            (None, Some(Ev::Conc(v))) => format!("<{} Value>", v.go_type()),
            (None, _) => "<invalid Value>".to_string(),
        };
        let callee_name = match callee {
            Callee::Builtin(Builtin::Call) => callee_name(),
            _ => String::new(),
        };
        if let Some(f) = fin {
            let t = match variadic {
                Some(vt) => {
                    if num_in - 1 < num_fixed {
                        params.get(num_in - 1).unwrap_or(vt)
                    } else {
                        vt
                    }
                }
                None => params
                    .len()
                    .checked_sub(1)
                    .and_then(|i| params.get(i))
                    .unwrap_or(Pt::T(Ty::Any)),
            };
            argv.push(self.validate(f, t)?);
        }
        let result = match callee {
            Callee::User(f) => {
                let env = Env { env: self.env };
                (f.body)(&env, argv.into_iter().map(Ev::into_value).collect()).map(Ev::from_result)
            }
            Callee::Builtin(b) => call_builtin(b, argv, &callee_name),
        };
        match result {
            Ok(v) => Ok(v),
            Err(msg) => {
                self.at = call_node;
                self.errorf(format!("error calling {name}: {msg}"))
            }
        }
    }

    fn validate(&self, v: Ev, t: Pt) -> R<Ev> {
        let ty = match t {
            Pt::Rv => return Ok(v),
            Pt::T(Ty::Any) => {
                return Ok(match v {
                    Ev::Missing => Ev::Iface(Value::Nil),
                    v => v,
                });
            }
            Pt::T(ty) => ty,
        };
        match v {
            Ev::Missing => {
                if can_be_nil(t) {
                    Ok(zero(t))
                } else {
                    self.errorf(format!("invalid value; expected {}", ty_name(ty)))
                }
            }
            Ev::Iface(Value::Nil) | Ev::Conc(Value::Nil) => self.errorf(format!(
                "wrong type for value; expected {}; got interface {{}}",
                ty_name(ty)
            )),
            Ev::Iface(x) | Ev::Conc(x) => {
                if assignable(&x, ty) {
                    Ok(Ev::Conc(x))
                } else {
                    self.errorf(format!(
                        "wrong type for value; expected {}; got {}",
                        ty_name(ty),
                        x.go_type()
                    ))
                }
            }
        }
    }

    /// `evalArg` with no expected type (the receiver of a chain).
    fn eval_arg_untyped(&mut self, dot: &Ev, n: &'t Arg) -> R<Ev> {
        self.at = At::Arg(n);
        match n {
            Arg::Dot { .. } => Ok(dot.clone()),
            Arg::Field { ident, .. } => {
                self.eval_field_chain(dot, dot.clone(), ident, std::slice::from_ref(n), None)
            }
            Arg::Variable { .. } => self.eval_variable_node(dot, n, &[], None),
            Arg::Pipe(p) => self.eval_pipeline(dot, p),
            Arg::Identifier { name, .. } => self.eval_function(dot, n, name, At::Arg(n), &[], None),
            Arg::Chain { .. } => self.eval_chain_node(dot, n, &[], None),
            _ => self.eval_empty_interface(dot, n),
        }
    }

    fn eval_arg(&mut self, dot: &Ev, t: Pt, n: &'t Arg) -> R<Ev> {
        self.at = At::Arg(n);
        match n {
            Arg::Dot { .. }
            | Arg::Field { .. }
            | Arg::Variable { .. }
            | Arg::Pipe(_)
            | Arg::Identifier { .. }
            | Arg::Chain { .. } => {
                let v = self.eval_arg_untyped(dot, n)?;
                return self.validate(v, t);
            }
            Arg::Nil { .. } => {
                if can_be_nil(t) {
                    return Ok(zero(t));
                }
                return self.errorf(format!("cannot assign nil to {}", pt_name(t)));
            }
            _ => {}
        }
        match t {
            Pt::T(Ty::Bool) => match n {
                Arg::Bool { val, .. } => Ok(Ev::Conc(Value::Bool(*val))),
                _ => self.errorf(format!("expected bool; found {n}")),
            },
            Pt::T(Ty::Float64) => match n {
                Arg::Number { num, .. } if num.is_float => Ok(Ev::Conc(Value::Float(num.float64))),
                _ => self.errorf(format!("expected float; found {n}")),
            },
            Pt::T(ty @ (Ty::Int | Ty::Int64)) => match n {
                Arg::Number { num, .. } if num.is_int => Ok(Ev::Conc(if ty == Ty::Int {
                    Value::Int(num.int64)
                } else {
                    Value::Int64(num.int64)
                })),
                _ => self.errorf(format!("expected integer; found {n}")),
            },
            Pt::T(Ty::String) => match n {
                Arg::String { text, .. } => Ok(Ev::Conc(Value::String(text.clone()))),
                _ => self.errorf(format!("expected string; found {n}")),
            },
            Pt::Rv | Pt::T(Ty::Any) => self.eval_empty_interface(dot, n),
            Pt::T(ty) => self.errorf(format!("can't handle {n} for arg of type {}", ty_name(ty))),
        }
    }

    fn eval_empty_interface(&mut self, dot: &Ev, n: &'t Arg) -> R<Ev> {
        self.at = At::Arg(n);
        match n {
            Arg::Bool { val, .. } => Ok(Ev::Conc(Value::Bool(*val))),
            Arg::Dot { .. } => Ok(dot.clone()),
            Arg::Number { num, .. } => self.ideal_constant(num),
            Arg::String { text, .. } => Ok(Ev::Conc(Value::String(text.clone()))),
            Arg::Nil { .. } => self.errorf("evalEmptyInterface: nil (can't happen)"),
            _ => self.eval_arg_untyped(dot, n),
        }
    }
}

// The builtins.

fn call_builtin(b: Builtin, argv: Vec<Ev>, callee_name: &str) -> Result<Ev, String> {
    let mut it = argv.into_iter();
    let mut first = || it.next().unwrap_or(Ev::Missing);
    match b {
        Builtin::And | Builtin::Or => Ok(first()),
        Builtin::Not => Ok(Ev::Conc(Value::Bool(!first().truth()))),
        Builtin::Len => length(&first()).map(|n| Ev::Conc(Value::Int(n as i64))),
        Builtin::Index => {
            let item = first();
            let rest: Vec<Ev> = it.collect();
            index(item, &rest)
        }
        Builtin::Slice => {
            let item = first();
            let rest: Vec<Ev> = it.collect();
            slice(item, &rest)
        }
        Builtin::Eq => {
            let a = first();
            let rest: Vec<Ev> = it.collect();
            eq(&a, &rest).map(|b| Ev::Conc(Value::Bool(b)))
        }
        Builtin::Ne => {
            let a = first();
            let b2 = first();
            eq(&a, std::slice::from_ref(&b2)).map(|b| Ev::Conc(Value::Bool(!b)))
        }
        Builtin::Lt | Builtin::Le | Builtin::Gt | Builtin::Ge => {
            let a = first();
            let c = first();
            let r = match b {
                Builtin::Lt => lt(&a, &c),
                Builtin::Le => le(&a, &c),
                Builtin::Gt => le(&a, &c).map(|x| !x),
                _ => lt(&a, &c).map(|x| !x),
            };
            r.map(|b| Ev::Conc(Value::Bool(b)))
        }
        Builtin::Print => Ok(str_ev(sprint(&values(it)))),
        Builtin::Println => Ok(str_ev(sprintln(&values(it)))),
        Builtin::Printf => {
            let f = match first().into_value() {
                Value::String(s) => s,
                _ => String::new(),
            };
            Ok(str_ev(sprintf(&f, &values(it))))
        }
        Builtin::Html => Ok(str_ev(html_escape(&eval_args(values(it))))),
        Builtin::Js => Ok(str_ev(js_escape(&eval_args(values(it))))),
        Builtin::Urlquery => Ok(str_ev(query_escape(&eval_args(values(it))))),
        Builtin::Call => {
            let f = first();
            match f.concrete() {
                None => Err("call of nil".to_string()),
                Some(v) => Err(format!(
                    "non-function {callee_name} of type {}",
                    v.go_type()
                )),
            }
        }
    }
}

fn str_ev(s: String) -> Ev {
    Ev::Conc(Value::String(s))
}

fn values(it: impl Iterator<Item = Ev>) -> Vec<Value> {
    it.map(Ev::into_value).collect()
}

/// Go's `evalArgs` for `html`, `js` and `urlquery`.
fn eval_args(args: Vec<Value>) -> String {
    if let [Value::String(s)] = args.as_slice() {
        return s.clone();
    }
    let args: Vec<Value> = args
        .into_iter()
        .map(|a| match a {
            Value::Nil => Value::String("<no value>".to_string()),
            a => a,
        })
        .collect();
    sprint(&args)
}

fn length(item: &Ev) -> Result<usize, String> {
    match item {
        Ev::Missing => Err("reflect: call of reflect.Value.Type on zero Value".to_string()),
        Ev::Iface(Value::Nil) | Ev::Conc(Value::Nil) => Err("len of nil pointer".to_string()),
        Ev::Iface(v) | Ev::Conc(v) => match v {
            Value::String(s) => Ok(s.len()),
            Value::List(l) => Ok(l.items.len()),
            Value::Map(m) => Ok(m.borrow().entries.len()),
            v => Err(format!("len of type {}", v.go_type())),
        },
    }
}

/// Go's `indexArg`. `index` opens an `interface {}` index first; `slice` does not, so there an
/// index held in an interface is of type `interface {}`.
fn index_arg(index: &Ev, cap: usize) -> Result<usize, String> {
    let x = match index {
        Ev::Conc(Value::Int(x) | Value::Int64(x)) => *x,
        Ev::Missing => return Err("cannot index slice/array with nil".to_string()),
        Ev::Iface(_) | Ev::Conc(Value::Nil) => {
            return Err("cannot index slice/array with type interface {}".to_string());
        }
        Ev::Conc(v) => {
            return Err(format!(
                "cannot index slice/array with type {}",
                v.go_type()
            ));
        }
    };
    if x < 0 || x as u64 > cap as u64 {
        return Err(format!("index out of range: {x}"));
    }
    Ok(x as usize)
}

fn index(item: Ev, indexes: &[Ev]) -> Result<Ev, String> {
    let mut item = match item {
        Ev::Missing | Ev::Iface(Value::Nil) => {
            return Err("index of untyped nil".to_string());
        }
        Ev::Iface(v) => Ev::Conc(v),
        e => e,
    };
    for ix in indexes {
        let v = match &item {
            Ev::Iface(Value::Nil) | Ev::Conc(Value::Nil) | Ev::Missing => {
                return Err("index of nil pointer".to_string());
            }
            Ev::Iface(v) | Ev::Conc(v) => v.clone(),
        };
        item = match &v {
            Value::List(l) => {
                let x = index_arg(&opened(ix), l.items.len())?;
                match l.items.get(x) {
                    Some(e) => Ev::from_elem(l.elem, e.clone()),
                    None => return Err("reflect: slice index out of range".to_string()),
                }
            }
            Value::String(s) => {
                let x = index_arg(&opened(ix), s.len())?;
                match s.as_bytes().get(x) {
                    Some(b) => Ev::Conc(Value::Int(i64::from(*b))),
                    None => return Err("reflect: string index out of range".to_string()),
                }
            }
            Value::Map(m) => {
                let key = match ix.concrete() {
                    None => return Err("value is nil; should be of type string".to_string()),
                    Some(Value::String(k)) => k,
                    Some(other) => {
                        return Err(format!(
                            "value has type {}; should be string",
                            other.go_type()
                        ));
                    }
                };
                let m = m.borrow();
                match m.entries.get(key) {
                    Some(e) => Ev::from_elem(m.elem, e.clone()),
                    None => zero_of_elem(m.elem),
                }
            }
            other => return Err(format!("can't index item of type {}", other.go_type())),
        };
    }
    Ok(item)
}

/// Go's `indirectInterface`, keeping the result an `Ev`.
fn opened(e: &Ev) -> Ev {
    match e.concrete() {
        Some(v) => Ev::Conc(v.clone()),
        None => Ev::Missing,
    }
}

fn zero_of_elem(e: Elem) -> Ev {
    match e {
        Elem::Any => Ev::Iface(Value::Nil),
        Elem::String => Ev::Conc(Value::String(String::new())),
        Elem::Int => Ev::Conc(Value::Int(0)),
        Elem::Int64 => Ev::Conc(Value::Int64(0)),
        Elem::Float64 => Ev::Conc(Value::Float(0.0)),
        Elem::Bool => Ev::Conc(Value::Bool(false)),
        Elem::AnyList => Ev::Conc(Value::list(Vec::new())),
    }
}

fn slice(item: Ev, indexes: &[Ev]) -> Result<Ev, String> {
    let Some(v) = item.concrete() else {
        return Err("slice of untyped nil".to_string());
    };
    if indexes.len() > 3 {
        return Err(format!("too many slice indexes: {}", indexes.len()));
    }
    let len = match v {
        Value::String(s) => {
            if indexes.len() == 3 {
                return Err("cannot 3-index slice a string".to_string());
            }
            s.len()
        }
        Value::List(l) => l.items.len(),
        other => return Err(format!("can't slice item of type {}", other.go_type())),
    };
    let mut idx = [0, len, 0];
    for (i, ix) in indexes.iter().enumerate() {
        if let Some(slot) = idx.get_mut(i) {
            *slot = index_arg(ix, len)?;
        }
    }
    if idx[0] > idx[1] {
        return Err(format!("invalid slice index: {} > {}", idx[0], idx[1]));
    }
    if indexes.len() == 3 && idx[1] > idx[2] {
        return Err(format!("invalid slice index: {} > {}", idx[1], idx[2]));
    }
    Ok(Ev::Conc(match v {
        Value::String(s) => {
            let bytes = s.as_bytes().get(idx[0]..idx[1]).unwrap_or(&[]);
            Value::String(String::from_utf8_lossy(bytes).into_owned())
        }
        Value::List(l) => {
            Value::typed_list(l.elem, l.items.get(idx[0]..idx[1]).unwrap_or(&[]).to_vec())
        }
        _ => Value::Nil,
    }))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Invalid,
    Bool,
    Int,
    Float,
    String,
}

fn basic_kind(v: Option<&Value>) -> Kind {
    match v {
        Some(Value::Bool(_)) => Kind::Bool,
        Some(Value::Int(_) | Value::Int64(_)) => Kind::Int,
        Some(Value::Float(_)) => Kind::Float,
        Some(Value::String(_)) => Kind::String,
        _ => Kind::Invalid,
    }
}

fn type_of(v: Option<&Value>) -> String {
    v.map_or_else(|| "<nil>".to_string(), Value::go_type)
}

fn reflect_kind(v: Option<&Value>) -> u8 {
    match v {
        None | Some(Value::Nil) => 0,
        Some(Value::List(_)) => 1,
        Some(Value::Map(_)) => 2,
        Some(_) => 3,
    }
}

fn eq(a1: &Ev, rest: &[Ev]) -> Result<bool, String> {
    let a1 = a1.concrete();
    if rest.is_empty() {
        return Err("missing argument for comparison".to_string());
    }
    let k1 = basic_kind(a1);
    for a in rest {
        let a = a.concrete();
        let k2 = basic_kind(a);
        let truth = if k1 != k2 {
            if a1.is_some() && a.is_some() {
                return Err(format!(
                    "incompatible types for comparison: {} and {}",
                    type_of(a1),
                    type_of(a)
                ));
            }
            false
        } else {
            match (a1, a) {
                (Some(Value::Bool(x)), Some(Value::Bool(y))) => x == y,
                (Some(Value::Float(x)), Some(Value::Float(y))) => x == y,
                (Some(Value::Int(x) | Value::Int64(x)), Some(Value::Int(y) | Value::Int64(y))) => {
                    x == y
                }
                (Some(Value::String(x)), Some(Value::String(y))) => x == y,
                _ => {
                    let (r1, r2) = (reflect_kind(a1), reflect_kind(a));
                    if r1 != r2 && r1 != 0 && r2 != 0 {
                        return Err(format!(
                            "non-comparable types {}: {}, {}: {}",
                            sprintf("%s", &[a1.cloned().unwrap_or(Value::Nil)]),
                            type_of(a1),
                            type_of(a),
                            a.map(sprint_value).unwrap_or_default()
                        ));
                    }
                    if a1.is_none() || a.is_none() {
                        a1.is_none() == a.is_none()
                    } else {
                        let shown = sprintf("%s", &[a.cloned().unwrap_or(Value::Nil)]);
                        return Err(format!("non-comparable type {shown}: {}", type_of(a)));
                    }
                }
            }
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

fn lt(a1: &Ev, a2: &Ev) -> Result<bool, String> {
    let (a1, a2) = (a1.concrete(), a2.concrete());
    let (k1, k2) = (basic_kind(a1), basic_kind(a2));
    if k1 == Kind::Invalid || k2 == Kind::Invalid {
        return Err("invalid type for comparison".to_string());
    }
    if k1 != k2 {
        return Err(format!(
            "incompatible types for comparison: {} and {}",
            type_of(a1),
            type_of(a2)
        ));
    }
    Ok(match (a1, a2) {
        (Some(Value::Float(x)), Some(Value::Float(y))) => x < y,
        (Some(Value::Int(x) | Value::Int64(x)), Some(Value::Int(y) | Value::Int64(y))) => x < y,
        (Some(Value::String(x)), Some(Value::String(y))) => x < y,
        _ => return Err("invalid type for comparison".to_string()),
    })
}

fn le(a1: &Ev, a2: &Ev) -> Result<bool, String> {
    if lt(a1, a2)? {
        return Ok(true);
    }
    eq(a1, std::slice::from_ref(a2))
}

/// Go's `template.HTMLEscapeString`.
pub(crate) fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\0' => out.push('\u{FFFD}'),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// Go's `template.JSEscapeString`.
pub(crate) fn js_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u00{:02X}", c as u32)),
            c if (c as u32) < 0x80 => out.push(c),
            c if is_print(c) => out.push(c),
            c => out.push_str(&format!("\\u{:04X}", c as u32)),
        }
    }
    out
}

/// Go's `url.QueryEscape`.
pub(crate) fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char);
            }
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
