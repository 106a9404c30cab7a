//! The values a template works on, typed as Go would type them: the engine and the functions
//! must print, compare and type-check them exactly as Go's `text/template` and slim-sprig do, so
//! a value remembers its Go type (`int` vs `int64`, `[]string` vs `[]interface {}`).
//!
//! Maps are shared and mutable, as Go maps are references: slim-sprig's `set`, `unset` and
//! `merge` change the map every holder sees. Lists are immutable (no slim-sprig function changes
//! a slice in place).
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// The element type of a slice or map, for Go's type names and printing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Elem {
    /// `interface {}`
    Any,
    /// `string`
    String,
    /// `int`
    Int,
    /// `int64`
    Int64,
    /// `float64`
    Float64,
    /// `bool`
    Bool,
    /// `[]interface {}` (slim-sprig's `chunk`)
    AnyList,
}

impl Elem {
    /// Go's name of the element type.
    pub fn go_name(self) -> &'static str {
        match self {
            Elem::Any => "interface {}",
            Elem::String => "string",
            Elem::Int => "int",
            Elem::Int64 => "int64",
            Elem::Float64 => "float64",
            Elem::Bool => "bool",
            Elem::AnyList => "[]interface {}",
        }
    }
}

/// A Go slice.
#[derive(Debug, Clone, PartialEq)]
pub struct List {
    pub elem: Elem,
    pub items: Vec<Value>,
}

/// A Go map with string keys (the only maps JSON inputs and slim-sprig make). Keys are kept
/// sorted: Go prints maps and ranges over them in key order.
#[derive(Debug, Clone, PartialEq)]
pub struct Map {
    pub elem: Elem,
    pub entries: BTreeMap<String, Value>,
}

/// One Go value.
#[derive(Debug, Clone)]
pub enum Value {
    /// Go's untyped nil (a nil `interface {}`).
    Nil,
    Bool(bool),
    /// Go `int`.
    Int(i64),
    /// Go `int64` (integers from JSON inputs, slim-sprig arithmetic).
    Int64(i64),
    /// Go `float64`.
    Float(f64),
    String(String),
    List(Rc<List>),
    Map(Rc<RefCell<Map>>),
}

impl PartialEq for Value {
    /// Structural equality, as `reflect.DeepEqual` sees it (types included).
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Value::Nil, Value::Nil) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) | (Value::Int64(a), Value::Int64(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a == b,
            (Value::String(a), Value::String(b)) => a == b,
            (Value::List(a), Value::List(b)) => Rc::ptr_eq(a, b) || a == b,
            (Value::Map(a), Value::Map(b)) => Rc::ptr_eq(a, b) || *a.borrow() == *b.borrow(),
            _ => false,
        }
    }
}

impl Value {
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    /// A `[]interface {}`.
    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Rc::new(List {
            elem: Elem::Any,
            items,
        }))
    }

    /// A slice of the given element type.
    pub fn typed_list(elem: Elem, items: Vec<Value>) -> Value {
        Value::List(Rc::new(List { elem, items }))
    }

    /// A `[]string`.
    pub fn strings(items: impl IntoIterator<Item = String>) -> Value {
        Value::typed_list(Elem::String, items.into_iter().map(Value::String).collect())
    }

    /// A `map[string]interface {}`.
    pub fn map(entries: BTreeMap<String, Value>) -> Value {
        Value::Map(Rc::new(RefCell::new(Map {
            elem: Elem::Any,
            entries,
        })))
    }

    /// A map of the given element type.
    pub fn typed_map(elem: Elem, entries: BTreeMap<String, Value>) -> Value {
        Value::Map(Rc::new(RefCell::new(Map { elem, entries })))
    }

    /// Go's name of the value's dynamic type, as `%T` and slim-sprig's `typeOf` print it.
    pub fn go_type(&self) -> String {
        match self {
            Value::Nil => "<nil>".to_string(),
            Value::Bool(_) => "bool".to_string(),
            Value::Int(_) => "int".to_string(),
            Value::Int64(_) => "int64".to_string(),
            Value::Float(_) => "float64".to_string(),
            Value::String(_) => "string".to_string(),
            Value::List(l) => format!("[]{}", l.elem.go_name()),
            Value::Map(m) => format!("map[string]{}", m.borrow().elem.go_name()),
        }
    }

    /// Go's `reflect.Kind` name, as slim-sprig's `kindOf` prints it.
    pub fn go_kind(&self) -> &'static str {
        match self {
            Value::Nil => "invalid",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Int64(_) => "int64",
            Value::Float(_) => "float64",
            Value::String(_) => "string",
            Value::List(_) => "slice",
            Value::Map(_) => "map",
        }
    }

    /// A JSON value as the Flux Operator decodes inputs (`k8s.io/apimachinery/pkg/util/json`):
    /// integers that fit `int64` are `int64`, other numbers `float64`, arrays `[]interface {}`,
    /// objects `map[string]interface {}`.
    pub fn from_input_json(v: &serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Nil,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Value::Int64(i),
                None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            serde_json::Value::String(s) => Value::String(s.clone()),
            serde_json::Value::Array(a) => {
                Value::list(a.iter().map(Value::from_input_json).collect())
            }
            serde_json::Value::Object(o) => Value::map(
                o.iter()
                    .map(|(k, v)| (k.clone(), Value::from_input_json(v)))
                    .collect(),
            ),
        }
    }

    /// Go's truth, as `if`, `and`, `or`, `not` and slim-sprig's `empty` see it: false, 0, a nil
    /// value and an empty string, slice or map are false.
    pub fn truth(&self) -> bool {
        match self {
            Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(i) | Value::Int64(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::String(s) => !s.is_empty(),
            Value::List(l) => !l.items.is_empty(),
            Value::Map(m) => !m.borrow().entries.is_empty(),
        }
    }
}
