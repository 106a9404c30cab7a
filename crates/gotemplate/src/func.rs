//! Functions a template can call, with their Go signatures: Go's `text/template` checks each
//! argument against the parameter's type before the call (and converts untyped constants to it),
//! and its errors name those types, so a function here declares them.
use std::collections::HashMap;
use std::sync::Arc;

use crate::value::Value;

/// A parameter or result type of a Go function, as far as templates can tell them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// `interface {}`: takes anything.
    Any,
    String,
    Int,
    Int64,
    Float64,
    Bool,
    /// `[]string`
    Strings,
    /// `[]interface {}`
    List,
    /// `map[string]interface {}`
    Map,
}

/// What a function sees besides its arguments: the value the caller passed to `execute` as
/// the environment (the Flux Operator's `inputs` function returns it).
pub struct Env<'a> {
    pub env: &'a Value,
}

/// The body of a function: arguments already checked and converted to the declared types.
/// An `Err` is reported as Go reports a function's error (`error calling NAME: MESSAGE`).
pub type Body = Arc<dyn Fn(&Env<'_>, Vec<Value>) -> Result<Value, String> + Send + Sync>;

/// A function and its Go signature.
#[derive(Clone)]
pub struct Func {
    /// Fixed parameters.
    pub params: Vec<Ty>,
    /// The type of a final `...T` parameter, if the function is variadic.
    pub variadic: Option<Ty>,
    pub body: Body,
}

impl Func {
    pub fn new(
        params: &[Ty],
        variadic: Option<Ty>,
        body: impl Fn(&Env<'_>, Vec<Value>) -> Result<Value, String> + Send + Sync + 'static,
    ) -> Func {
        Func {
            params: params.to_vec(),
            variadic,
            body: Arc::new(body),
        }
    }
}

/// Functions by name, as Go's `template.FuncMap`.
#[derive(Clone, Default)]
pub struct FuncMap {
    pub funcs: HashMap<String, Func>,
}

impl FuncMap {
    pub fn new() -> FuncMap {
        FuncMap::default()
    }

    pub fn insert(&mut self, name: &str, func: Func) {
        self.funcs.insert(name.to_string(), func);
    }

    pub fn get(&self, name: &str) -> Option<&Func> {
        self.funcs.get(name)
    }

    /// Adds every function of `other`, replacing those of the same name (Go's `Funcs`).
    pub fn extend(&mut self, other: FuncMap) {
        self.funcs.extend(other.funcs);
    }
}
