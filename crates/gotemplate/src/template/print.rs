//! Value printing for the engine, through the crate's Go `fmt` ([`crate::gofmt`]): how an
//! action prints its value (`fmt.Fprint`), and the `print`, `println` and `printf` builtins.
use crate::gofmt;
use crate::value::Value;

/// `fmt.Sprint(v)` of one value (`%v`).
pub(crate) fn sprint_value(v: &Value) -> String {
    gofmt::sprint(std::slice::from_ref(v))
}

/// Appends `fmt.Sprint(v)`.
pub(crate) fn write_plain(out: &mut String, v: &Value) {
    match v {
        // The common cases, without an intermediate string.
        Value::String(s) => out.push_str(s),
        Value::Int(i) | Value::Int64(i) => {
            use std::fmt::Write;
            let _ = write!(out, "{i}");
        }
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        v => out.push_str(&sprint_value(v)),
    }
}

pub(crate) use gofmt::{sprint, sprintf, sprintln};
