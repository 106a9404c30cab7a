//! Go's `text/template`, written anew in Rust so ResourceSet templates render exactly as the
//! Flux Operator renders them: the same output, whitespace and error messages.
//!
//! A text is parsed once into a [`Template`] (thread-safe: the tree holds no values) and
//! executed many times against Go-typed [`Value`]s. The modules follow Go's layout: the lexer,
//! the parser and its tree, the executor with the builtin functions, and value printing.
//!
//! Known differences from Go:
//! - Depth: `template` calls nest at most 1000 deep (Go: 100000), and parsing or executing one
//!   template may use at most 1 MiB of stack, so very deep nesting is an error (`max expression
//!   depth exceeded`, `exceeded maximum nesting depth`) where Go would go on.
//! - Complex constants (`1i`, `1+2i`) are an execution error; no value here is complex.
//! - `index` of a string gives the byte as an `int` (Go: `uint8`); only type names differ.
//! - Strings are UTF-8: an escape making invalid UTF-8 (`"\xff"`), or a `slice` of a string
//!   inside a character, gives U+FFFD where Go keeps the raw bytes.
//! - `slice` bounds stop at a list's length (Go: at the slice's capacity).
//! - A function's result is typed by its value: a Go function declared to return
//!   `interface {}` would make some messages name `interface {}` where these name the type.
//! - On an execution error, no partial output is returned (Go writes it before failing).
use std::collections::HashMap;
use std::fmt;

use crate::func::FuncMap;
use crate::value::Value;

mod ast;
mod exec;
mod lex;
mod parse;
mod print;
mod quote;

#[cfg(test)]
mod tests;

/// How deeply parentheses may nest (Go's limit).
pub(crate) const MAX_PARSE_DEPTH: usize = 10_000;

/// How deeply `template` calls may nest at execution (Go: 100000).
pub(crate) const MAX_TEMPLATE_DEPTH: usize = 1000;

/// How much stack parsing or executing one template may use. Go's stacks grow; a thread's
/// here do not, so deeper nesting than this allows is an error rather than a crash. One MiB
/// leaves room on the smallest common thread stacks (2 MiB).
const STACK_BUDGET: usize = 1 << 20;

/// Where the stack is now (an address of a local variable).
#[inline(never)]
fn stack_position() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

/// Measures the stack used since a starting point.
#[derive(Clone, Copy)]
pub(crate) struct StackGuard {
    base: usize,
}

impl StackGuard {
    pub(crate) fn new() -> StackGuard {
        StackGuard {
            base: stack_position(),
        }
    }

    /// Whether the stack has grown past the budget since the guard was made.
    pub(crate) fn exhausted(&self) -> bool {
        stack_position().abs_diff(self.base) > STACK_BUDGET
    }
}

/// Parsing options: the delimiters and Go's `missingkey=error`.
#[derive(Debug, Clone)]
pub struct Options {
    pub left_delim: String,
    pub right_delim: String,
    /// `Option("missingkey=error")`: a missing map key is an error instead of `<no value>`.
    pub missing_key_error: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            left_delim: "{{".to_string(),
            right_delim: "}}".to_string(),
            missing_key_error: false,
        }
    }
}

/// Whether an error happened while parsing or while executing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    Parse,
    Exec,
}

/// A parse or execution error, with Go's message (`template: NAME:LINE: ...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

impl Error {
    pub(crate) fn parse(message: String) -> Error {
        Error {
            kind: ErrorKind::Parse,
            message,
        }
    }

    pub(crate) fn exec(message: String) -> Error {
        Error {
            kind: ErrorKind::Exec,
            message,
        }
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    pub fn is_parse(&self) -> bool {
        self.kind == ErrorKind::Parse
    }

    pub fn is_exec(&self) -> bool {
        self.kind == ErrorKind::Exec
    }

    /// The message, exactly as Go's `err.Error()`.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// A parsed template and the templates it defines.
pub struct Template {
    name: String,
    text: String,
    trees: HashMap<String, ast::List>,
    funcs: FuncMap,
    missing_key_error: bool,
}

impl fmt::Debug for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Template")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl Template {
    /// Parses `text` as Go's `template.New(name).Delims(..).Option(..).Funcs(funcs).Parse(text)`.
    pub fn parse(
        name: &str,
        text: &str,
        options: &Options,
        funcs: &FuncMap,
    ) -> Result<Template, Error> {
        let trees = parse::parse(name, text, &options.left_delim, &options.right_delim, funcs)?;
        Ok(Template {
            name: name.to_string(),
            text: text.to_string(),
            trees,
            funcs: funcs.clone(),
            missing_key_error: options.missing_key_error,
        })
    }

    /// The template's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Executes the template with `dot` as `.` and `$`; `env` is handed to every function.
    pub fn execute(&self, dot: &Value, env: &Value) -> Result<String, Error> {
        exec::execute(self, dot, env)
    }
}
