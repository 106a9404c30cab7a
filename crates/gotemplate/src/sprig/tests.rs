//! Expected values printed by Go for the same calls of slim-sprig's functions (and
//! gosimple/slug's `Make` for `slugify`), arguments typed as Go would pass them.
#![allow(clippy::approx_constant)]
use std::cell::RefCell;
use std::collections::BTreeMap;

use super::*;
use crate::func::Env;
use crate::gofmt;

fn s(x: &str) -> Value {
    Value::string(x)
}

fn strs(x: &[&str]) -> Value {
    Value::strings(x.iter().map(|s| s.to_string()))
}

fn m(entries: Vec<(&str, Value)>) -> Value {
    Value::map(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect::<BTreeMap<_, _>>(),
    )
}

thread_local! {
    static FAILURES: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

pub(super) fn call(name: &str, args: Vec<Value>) -> Result<Value, String> {
    let map = hermetic();
    let Some(f) = map.get(name) else {
        return Err(format!("no function {name}"));
    };
    (f.body)(&Env { env: &Value::Nil }, args)
}

/// Records a mismatch with what Go printed: the result as `fmt.Sprint` and `%T` print it, or
/// the error's text.
fn check(name: &str, args: Vec<Value>, want: Result<(&str, &str), &str>) {
    let shown = format!("{name} {args:?}");
    let got = call(name, args);
    let problem = match (&got, want) {
        (Ok(v), Ok((text, ty))) => {
            let printed = gofmt::sprint(std::slice::from_ref(v));
            // A time.Time is a string here.
            let ty_ok = v.go_type() == ty || ty == "time.Time";
            if printed != text || !ty_ok {
                Some(format!(
                    "{shown}: got {printed:?} ({}), want {text:?} ({ty})",
                    v.go_type()
                ))
            } else {
                None
            }
        }
        (Err(e), Err(w)) if e == w => None,
        (got, want) => Some(format!("{shown}: got {got:?}, want {want:?}")),
    };
    if let Some(p) = problem {
        FAILURES.with(|f| f.borrow_mut().push(p));
    }
}

#[test]
fn as_go_returns() {
    go_cases();
    let failures = FAILURES.with(|f| f.borrow().clone());
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn go_cases() {
    check("hello", Vec::new(), Ok(("Hello!", "string")));
    check("upper", vec![s("ᾢᾳῳ ǆ ß ŉ")], Ok(("ᾪᾼῼ Ǆ ß ŉ", "string")));
    check(
        "title",
        vec![s("ვეფხის ტყაოსანი ᾳ ǳ")],
        Ok(("ვეფხის ტყაოსანი ᾼ ǲ", "string")),
    );
    check("lower", vec![s("ᾪ Ǆ ẞ")], Ok(("ᾢ ǆ ß", "string")));
    check(
        "urlParse",
        vec![s("a%ƕ")],
        Err("unable to parse url: parse \"a%ƕ\": invalid URL escape \"%ƕ\""),
    );
    check(
        "urlParse",
        vec![s("h%0a")],
        Ok((
            "map[fragment: host: hostname: opaque: path:h\n query: scheme: userinfo:]",
            "map[string]interface {}",
        )),
    );
    check(
        "urlParse",
        vec![s("http://h%41/")],
        Err("unable to parse url: parse \"http://h%41/\": invalid URL escape \"%41\""),
    );
    check(
        "urlParse",
        vec![s("http://h%C3%BC/")],
        Ok((
            "map[fragment: host:hü hostname:hü opaque: path:/ query: scheme:http userinfo:]",
            "map[string]interface {}",
        )),
    );
    check(
        "trunc",
        vec![Value::Int(3), s("hello")],
        Ok(("hel", "string")),
    );
    check(
        "trunc",
        vec![Value::Int(-3), s("hello")],
        Ok(("llo", "string")),
    );
    check(
        "trunc",
        vec![Value::Int(-10), s("hello")],
        Ok(("hello", "string")),
    );
    check("trunc", vec![Value::Int(10), s("hi")], Ok(("hi", "string")));
    check("trunc", vec![Value::Int(0), s("hi")], Ok(("", "string")));
    check("trim", vec![s(" \u{9} x \n")], Ok(("x", "string")));
    check("upper", vec![s("héllo ß")], Ok(("HÉLLO ß", "string")));
    check("lower", vec![s("HÉLLO İ")], Ok(("héllo i", "string")));
    check(
        "title",
        vec![s("hello wORLD foo-bar o'neil ǆa 1st")],
        Ok(("Hello WORLD Foo-Bar O'Neil ǅa 1st", "string")),
    );
    check(
        "substr",
        vec![Value::Int(1), Value::Int(3), s("hello")],
        Ok(("el", "string")),
    );
    check(
        "substr",
        vec![Value::Int(-1), Value::Int(2), s("hello")],
        Ok(("he", "string")),
    );
    check(
        "substr",
        vec![Value::Int(2), Value::Int(-1), s("hello")],
        Ok(("llo", "string")),
    );
    check(
        "substr",
        vec![Value::Int(2), Value::Int(99), s("hello")],
        Ok(("llo", "string")),
    );
    check(
        "substr",
        vec![Value::Int(7), Value::Int(10), s("hello")],
        Err("runtime error: slice bounds out of range [7:5]"),
    );
    check(
        "substr",
        vec![Value::Int(3), Value::Int(2), s("hello")],
        Err("runtime error: slice bounds out of range [3:2]"),
    );
    check(
        "substr",
        vec![Value::Int(-1), Value::Int(10), s("hello")],
        Err("runtime error: slice bounds out of range [:10] with length 5"),
    );
    check(
        "substr",
        vec![Value::Int(-1), Value::Int(-1), s("hello")],
        Err("runtime error: slice bounds out of range [:-1]"),
    );
    check(
        "repeat",
        vec![Value::Int(3), s("ab")],
        Ok(("ababab", "string")),
    );
    check("repeat", vec![Value::Int(0), s("ab")], Ok(("", "string")));
    check(
        "repeat",
        vec![Value::Int(-1), s("ab")],
        Err("strings: negative Repeat count"),
    );
    check("trimAll", vec![s("$-"), s("$-x-$")], Ok(("x", "string")));
    check("trimall", vec![s("ab"), s("abxba")], Ok(("x", "string")));
    check("trimSuffix", vec![s("-"), s("a-")], Ok(("a", "string")));
    check("trimPrefix", vec![s("-"), s("-a")], Ok(("a", "string")));
    check("contains", vec![s("b"), s("abc")], Ok(("true", "bool")));
    check("hasPrefix", vec![s("a"), s("abc")], Ok(("true", "bool")));
    check("hasSuffix", vec![s("c"), s("abc")], Ok(("true", "bool")));
    check(
        "quote",
        vec![s("a"), Value::Nil, Value::Int(1), s("b\"c")],
        Ok(("\"a\" \"1\" \"b\\\"c\"", "string")),
    );
    check("quote", Vec::new(), Ok(("", "string")));
    check("quote", vec![Value::Nil], Ok(("", "string")));
    check(
        "squote",
        vec![
            s("a"),
            Value::Nil,
            Value::Float(1.5e+00),
            Value::list(vec![Value::Int(1)]),
        ],
        Ok(("'a' '1.5' '[1]'", "string")),
    );
    check(
        "cat",
        vec![
            s("a"),
            Value::Nil,
            Value::Int(1),
            Value::list(vec![s("x")]),
            Value::Float(2.5e+00),
        ],
        Ok(("a 1 [x] 2.5", "string")),
    );
    check("cat", Vec::new(), Ok(("", "string")));
    check(
        "indent",
        vec![Value::Int(2), s("a\nb")],
        Ok(("  a\n  b", "string")),
    );
    check(
        "nindent",
        vec![Value::Int(2), s("a\nb")],
        Ok(("\n  a\n  b", "string")),
    );
    check("indent", vec![Value::Int(0), s("")], Ok(("", "string")));
    check(
        "indent",
        vec![Value::Int(-1), s("x")],
        Err("strings: negative Repeat count"),
    );
    check(
        "replace",
        vec![s("a"), s("b"), s("banana")],
        Ok(("bbnbnb", "string")),
    );
    check(
        "replace",
        vec![s(""), s("-"), s("abc")],
        Ok(("-a-b-c-", "string")),
    );
    check(
        "plural",
        vec![s("one"), s("many"), Value::Int(1)],
        Ok(("one", "string")),
    );
    check(
        "plural",
        vec![s("one"), s("many"), Value::Int(2)],
        Ok(("many", "string")),
    );
    check(
        "sha1sum",
        vec![s("abc")],
        Ok(("a9993e364706816aba3e25717850c26c9cd0d89d", "string")),
    );
    check(
        "sha256sum",
        vec![s("")],
        Ok((
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "string",
        )),
    );
    check(
        "adler32sum",
        vec![s("Wikipedia")],
        Ok(("300286872", "string")),
    );
    check("adler32sum", vec![s("")], Ok(("1", "string")));
    check("toString", vec![Value::Int(1)], Ok(("1", "string")));
    check("toString", vec![Value::Nil], Ok(("<nil>", "string")));
    check(
        "toString",
        vec![Value::Float(1.5e+06)],
        Ok(("1.5e+06", "string")),
    );
    check(
        "toString",
        vec![Value::list(vec![Value::Int(1), s("a")])],
        Ok(("[1 a]", "string")),
    );
    check(
        "toString",
        vec![m(vec![("a", Value::Nil)])],
        Ok(("map[a:<nil>]", "string")),
    );
    check("atoi", vec![s("42")], Ok(("42", "int")));
    check("atoi", vec![s("x")], Ok(("0", "int")));
    check(
        "atoi",
        vec![s("99999999999999999999")],
        Ok(("9223372036854775807", "int")),
    );
    check(
        "atoi",
        vec![s("-99999999999999999999")],
        Ok(("-9223372036854775808", "int")),
    );
    check("atoi", vec![s(" 1")], Ok(("0", "int")));
    check("int64", vec![s("42")], Ok(("42", "int64")));
    check("int64", vec![Value::Float(3.9e+00)], Ok(("3", "int64")));
    check("int64", vec![Value::Float(-3.9e+00)], Ok(("-3", "int64")));
    check("int64", vec![Value::Bool(true)], Ok(("1", "int64")));
    check("int64", vec![Value::Nil], Ok(("0", "int64")));
    check("int64", vec![s("1e3")], Ok(("0", "int64")));
    check(
        "int64",
        vec![Value::Float(f64::NAN)],
        Ok(("-9223372036854775808", "int64")),
    );
    check(
        "int64",
        vec![Value::Float(1e+19)],
        Ok(("-9223372036854775808", "int64")),
    );
    check("int", vec![s("7")], Ok(("7", "int")));
    check("int", vec![Value::Int64(9)], Ok(("9", "int")));
    check("float64", vec![s("1.5")], Ok(("1.5", "float64")));
    check("float64", vec![s("x")], Ok(("0", "float64")));
    check("float64", vec![Value::Int(3)], Ok(("3", "float64")));
    check("float64", vec![s("1e400")], Ok(("0", "float64")));
    check("float64", vec![s("-Inf")], Ok(("-Inf", "float64")));
    check("float64", vec![s("0x1p-2")], Ok(("0.25", "float64")));
    check("float64", vec![s("1_000.5")], Ok(("1000.5", "float64")));
    check("float64", vec![s(".5")], Ok(("0.5", "float64")));
    check("float64", vec![s("5.")], Ok(("5", "float64")));
    check("float64", vec![s("+1e-3")], Ok(("0.001", "float64")));
    check("seq", vec![Value::Int(5)], Ok(("1 2 3 4 5", "string")));
    check("seq", vec![Value::Int(-2)], Ok(("1 0 -1 -2", "string")));
    check(
        "seq",
        vec![Value::Int(2), Value::Int(5)],
        Ok(("2 3 4 5", "string")),
    );
    check(
        "seq",
        vec![Value::Int(5), Value::Int(2)],
        Ok(("5 4 3 2", "string")),
    );
    check(
        "seq",
        vec![Value::Int(0), Value::Int(2), Value::Int(10)],
        Ok(("0 2 4 6 8 10", "string")),
    );
    check(
        "seq",
        vec![Value::Int(10), Value::Int(-3), Value::Int(1)],
        Ok(("10 7 4 1", "string")),
    );
    check(
        "seq",
        vec![Value::Int(10), Value::Int(3), Value::Int(1)],
        Ok(("", "string")),
    );
    check(
        "seq",
        vec![Value::Int(1), Value::Int(0), Value::Int(3)],
        Ok(("", "string")),
    );
    check("seq", Vec::new(), Ok(("", "string")));
    check(
        "seq",
        vec![Value::Int(1), Value::Int(2), Value::Int(3), Value::Int(4)],
        Ok(("", "string")),
    );
    check("seq", vec![Value::Int(0)], Ok(("1 0", "string")));
    check("seq", vec![Value::Int(1)], Ok(("1", "string")));
    check("toDecimal", vec![s("0777")], Ok(("511", "int64")));
    check("toDecimal", vec![Value::Int(777)], Ok(("511", "int64")));
    check("toDecimal", vec![s("8")], Ok(("0", "int64")));
    check("toDecimal", vec![s("-10")], Ok(("-8", "int64")));
    check("toDecimal", vec![Value::Float(1.5e+00)], Ok(("0", "int64")));
    check(
        "split",
        vec![s("/"), s("a/b/c")],
        Ok(("map[_0:a _1:b _2:c]", "map[string]string")),
    );
    check(
        "split",
        vec![s(""), s("abc")],
        Ok(("map[_0:a _1:b _2:c]", "map[string]string")),
    );
    check(
        "splitList",
        vec![s(","), s("a,b,,c")],
        Ok(("[a b  c]", "[]string")),
    );
    check("splitList", vec![s(","), s("")], Ok(("[]", "[]string")));
    check("splitList", vec![s(""), s("")], Ok(("[]", "[]string")));
    check(
        "splitn",
        vec![s("/"), Value::Int(2), s("a/b/c")],
        Ok(("map[_0:a _1:b/c]", "map[string]string")),
    );
    check(
        "splitn",
        vec![s("/"), Value::Int(0), s("a/b/c")],
        Ok(("map[]", "map[string]string")),
    );
    check(
        "splitn",
        vec![s(""), Value::Int(2), s("abc")],
        Ok(("map[_0:a _1:bc]", "map[string]string")),
    );
    check(
        "splitn",
        vec![s("/"), Value::Int(-1), s("a/b")],
        Ok(("map[_0:a _1:b]", "map[string]string")),
    );
    check(
        "toStrings",
        vec![Value::list(vec![
            Value::Int(1),
            Value::Nil,
            s("a"),
            Value::Float(2.5e+00),
        ])],
        Ok(("[1 a 2.5]", "[]string")),
    );
    check("toStrings", vec![strs(&["x"])], Ok(("[x]", "[]string")));
    check("toStrings", vec![Value::Nil], Ok(("[]", "[]string")));
    check("toStrings", vec![Value::Int(5)], Ok(("[5]", "[]string")));
    check(
        "join",
        vec![s("-"), Value::list(vec![Value::Int(1), Value::Nil, s("a")])],
        Ok(("1-a", "string")),
    );
    check("join", vec![s(","), s("abc")], Ok(("abc", "string")));
    check("join", vec![s(","), Value::Nil], Ok(("", "string")));
    check(
        "sortAlpha",
        vec![Value::list(vec![
            s("b"),
            s("a"),
            Value::Int(10),
            Value::Int(9),
        ])],
        Ok(("[10 9 a b]", "[]string")),
    );
    check("sortAlpha", vec![Value::Nil], Ok(("[<nil>]", "[]string")));
    check("sortAlpha", vec![Value::Int(5)], Ok(("[5]", "[]string")));
    check("until", vec![Value::Int(3)], Ok(("[0 1 2]", "[]int")));
    check("until", vec![Value::Int(-3)], Ok(("[0 -1 -2]", "[]int")));
    check("until", vec![Value::Int(0)], Ok(("[]", "[]int")));
    check(
        "untilStep",
        vec![Value::Int(0), Value::Int(10), Value::Int(3)],
        Ok(("[0 3 6 9]", "[]int")),
    );
    check(
        "untilStep",
        vec![Value::Int(10), Value::Int(0), Value::Int(-3)],
        Ok(("[10 7 4 1]", "[]int")),
    );
    check(
        "untilStep",
        vec![Value::Int(0), Value::Int(10), Value::Int(0)],
        Ok(("[]", "[]int")),
    );
    check(
        "untilStep",
        vec![Value::Int(0), Value::Int(10), Value::Int(-1)],
        Ok(("[]", "[]int")),
    );
    check("add1", vec![Value::Int(1)], Ok(("2", "int64")));
    check("add1", vec![s("x")], Ok(("1", "int64")));
    check("add", Vec::new(), Ok(("0", "int64")));
    check(
        "add",
        vec![
            Value::Int(1),
            Value::Float(2.9e+00),
            s("3"),
            Value::Int64(4),
        ],
        Ok(("10", "int64")),
    );
    check(
        "sub",
        vec![Value::Int(1), Value::Int(2)],
        Ok(("-1", "int64")),
    );
    check(
        "div",
        vec![Value::Int(7), Value::Int(-2)],
        Ok(("-3", "int64")),
    );
    check(
        "div",
        vec![Value::Int(1), Value::Int(0)],
        Err("runtime error: integer divide by zero"),
    );
    check(
        "mod",
        vec![Value::Int(-7), Value::Int(2)],
        Ok(("-1", "int64")),
    );
    check(
        "mod",
        vec![Value::Int(1), Value::Int(0)],
        Err("runtime error: integer divide by zero"),
    );
    check("mul", vec![Value::Int(2)], Ok(("2", "int64")));
    check(
        "mul",
        vec![Value::Int(2), Value::Int(3), s("4")],
        Ok(("24", "int64")),
    );
    check(
        "add",
        vec![Value::Int64(9223372036854775807), Value::Int(1)],
        Ok(("-9223372036854775808", "int64")),
    );
    check(
        "div",
        vec![Value::Int64(-9223372036854775808), Value::Int(-1)],
        Ok(("-9223372036854775808", "int64")),
    );
    check(
        "mod",
        vec![Value::Int64(-9223372036854775808), Value::Int(-1)],
        Ok(("0", "int64")),
    );
    check(
        "max",
        vec![Value::Int(1), s("5"), Value::Float(3.7e+00)],
        Ok(("5", "int64")),
    );
    check(
        "biggest",
        vec![Value::Int(1), Value::Int(2)],
        Ok(("2", "int64")),
    );
    check(
        "min",
        vec![Value::Int(3), Value::Int(-1), s("x")],
        Ok(("-1", "int64")),
    );
    check(
        "maxf",
        vec![Value::Int(1), s("2.5")],
        Ok(("2.5", "float64")),
    );
    check(
        "minf",
        vec![Value::Int(1), Value::Float(f64::NAN)],
        Ok(("NaN", "float64")),
    );
    check(
        "maxf",
        vec![Value::Int(1), Value::Float(f64::INFINITY)],
        Ok(("+Inf", "float64")),
    );
    check(
        "minf",
        vec![Value::Float(0e+00), Value::Float(-0e+00)],
        Ok(("-0", "float64")),
    );
    check("ceil", vec![s("1.2")], Ok(("2", "float64")));
    check("floor", vec![Value::Float(-1.5e+00)], Ok(("-2", "float64")));
    check("ceil", vec![Value::Nil], Ok(("0", "float64")));
    check(
        "round",
        vec![Value::Float(2.345e+00), Value::Int(2)],
        Ok(("2.35", "float64")),
    );
    check(
        "round",
        vec![Value::Float(-1.25e+01), Value::Int(0)],
        Ok(("-13", "float64")),
    );
    check(
        "round",
        vec![Value::Float(1.005e+00), Value::Int(2)],
        Ok(("1", "float64")),
    );
    check(
        "round",
        vec![Value::Float(2.5e+00), Value::Int(0), Value::Float(6e-01)],
        Ok(("2", "float64")),
    );
    check(
        "round",
        vec![Value::Float(1.23456e+02), Value::Int(-1)],
        Ok(("120", "float64")),
    );
    check(
        "round",
        vec![s("3.14159"), Value::Int(3)],
        Ok(("3.142", "float64")),
    );
    check(
        "round",
        vec![Value::Float(f64::INFINITY), Value::Int(2)],
        Ok(("+Inf", "float64")),
    );
    check(
        "round",
        vec![Value::Float(1.5e+00), Value::Int(400)],
        Ok(("NaN", "float64")),
    );
    check(
        "list",
        vec![Value::Int(1), s("a"), Value::Nil],
        Ok(("[1 a <nil>]", "[]interface {}")),
    );
    check("list", Vec::new(), Ok(("[]", "[]interface {}")));
    check("tuple", vec![Value::Int(1)], Ok(("[1]", "[]interface {}")));
    check(
        "dict",
        vec![s("a"), Value::Int(1), s("b")],
        Ok(("map[a:1 b:]", "map[string]interface {}")),
    );
    check(
        "dict",
        vec![Value::Int(1), Value::Int(2), Value::Nil, Value::Int(3)],
        Ok(("map[1:2 <nil>:3]", "map[string]interface {}")),
    );
    check("dict", Vec::new(), Ok(("map[]", "map[string]interface {}")));
    check(
        "get",
        vec![m(vec![("a", Value::Int(1))]), s("a")],
        Ok(("1", "int")),
    );
    check(
        "get",
        vec![m(vec![("a", Value::Int(1))]), s("b")],
        Ok(("", "string")),
    );
    check("get", vec![Value::Nil, s("a")], Ok(("", "string")));
    check(
        "set",
        vec![m(vec![("a", Value::Int(1))]), s("b"), Value::Int(2)],
        Ok(("map[a:1 b:2]", "map[string]interface {}")),
    );
    check(
        "set",
        vec![Value::Nil, s("a"), Value::Int(1)],
        Err("assignment to entry in nil map"),
    );
    check(
        "unset",
        vec![m(vec![("a", Value::Int(1)), ("b", Value::Int(2))]), s("a")],
        Ok(("map[b:2]", "map[string]interface {}")),
    );
    check(
        "hasKey",
        vec![m(vec![("a", Value::Nil)]), s("a")],
        Ok(("true", "bool")),
    );
    check("hasKey", vec![m(Vec::new()), s("a")], Ok(("false", "bool")));
    check(
        "pluck",
        vec![
            s("a"),
            m(vec![("a", Value::Int(1))]),
            m(vec![("b", Value::Int(2))]),
            m(vec![("a", Value::Int(3))]),
        ],
        Ok(("[1 3]", "[]interface {}")),
    );
    check(
        "keys",
        vec![m(vec![("b", Value::Int(1))]), m(vec![("c", Value::Int(3))])],
        Ok(("[b c]", "[]string")),
    );
    check("keys", Vec::new(), Ok(("[]", "[]string")));
    check(
        "pick",
        vec![
            m(vec![
                ("a", Value::Int(1)),
                ("b", Value::Int(2)),
                ("c", Value::Int(3)),
            ]),
            s("a"),
            s("c"),
            s("z"),
        ],
        Ok(("map[a:1 c:3]", "map[string]interface {}")),
    );
    check(
        "omit",
        vec![m(vec![("a", Value::Int(1)), ("b", Value::Int(2))]), s("a")],
        Ok(("map[b:2]", "map[string]interface {}")),
    );
    check(
        "values",
        vec![m(vec![("a", Value::Int(1))])],
        Ok(("[1]", "[]interface {}")),
    );
    check(
        "dig",
        vec![
            s("a"),
            s("b"),
            s("def"),
            m(vec![("a", m(vec![("b", Value::Int(5))]))]),
        ],
        Ok(("5", "int")),
    );
    check(
        "dig",
        vec![
            s("a"),
            s("z"),
            s("def"),
            m(vec![("a", m(vec![("b", Value::Int(5))]))]),
        ],
        Ok(("def", "string")),
    );
    check(
        "dig",
        vec![s("a"), s("b"), s("def"), m(vec![("a", Value::Int(1))])],
        Err("interface conversion: interface {} is int, not map[string]interface {}"),
    );
    check(
        "dig",
        vec![s("a")],
        Err("dig needs at least three arguments"),
    );
    check(
        "dig",
        vec![s("a"), s("d"), Value::Int(5)],
        Err("interface conversion: interface {} is int, not map[string]interface {}"),
    );
    check(
        "dig",
        vec![Value::Int(1), s("d"), m(Vec::new())],
        Err("interface conversion: interface {} is int, not string"),
    );
    check(
        "dig",
        vec![s("a"), s("d"), Value::Nil],
        Err("interface conversion: interface {} is nil, not map[string]interface {}"),
    );
    check(
        "append",
        vec![Value::list(vec![Value::Int(1)]), Value::Int(2)],
        Ok(("[1 2]", "[]interface {}")),
    );
    check(
        "push",
        vec![strs(&["a"]), s("b")],
        Ok(("[a b]", "[]interface {}")),
    );
    check(
        "append",
        vec![Value::Nil, Value::Int(1)],
        Err("runtime error: invalid memory address or nil pointer dereference"),
    );
    check(
        "append",
        vec![Value::Int(5), Value::Int(1)],
        Err("Cannot push on type int"),
    );
    check(
        "mustAppend",
        vec![s("s"), Value::Int(1)],
        Err("Cannot push on type string"),
    );
    check(
        "prepend",
        vec![Value::list(vec![Value::Int(1)]), Value::Int(0)],
        Ok(("[0 1]", "[]interface {}")),
    );
    check(
        "prepend",
        vec![Value::Nil, Value::Int(1)],
        Err("runtime error: invalid memory address or nil pointer dereference"),
    );
    check(
        "first",
        vec![Value::list(vec![Value::Int(1), Value::Int(2)])],
        Ok(("1", "int")),
    );
    check(
        "first",
        vec![Value::list(Vec::new())],
        Ok(("<nil>", "<nil>")),
    );
    check(
        "first",
        vec![Value::Nil],
        Err("runtime error: invalid memory address or nil pointer dereference"),
    );
    check(
        "first",
        vec![Value::Int(5)],
        Err("Cannot find first on type int"),
    );
    check(
        "mustFirst",
        vec![s("x")],
        Err("Cannot find first on type string"),
    );
    check(
        "last",
        vec![Value::list(vec![Value::Int(1), Value::Int(2)])],
        Ok(("2", "int")),
    );
    check(
        "last",
        vec![Value::list(Vec::new())],
        Ok(("<nil>", "<nil>")),
    );
    check(
        "rest",
        vec![Value::list(vec![
            Value::Int(1),
            Value::Int(2),
            Value::Int(3),
        ])],
        Ok(("[2 3]", "[]interface {}")),
    );
    check(
        "rest",
        vec![Value::list(Vec::new())],
        Ok(("[]", "[]interface {}")),
    );
    check(
        "initial",
        vec![Value::list(vec![
            Value::Int(1),
            Value::Int(2),
            Value::Int(3),
        ])],
        Ok(("[1 2]", "[]interface {}")),
    );
    check(
        "initial",
        vec![Value::list(Vec::new())],
        Ok(("[]", "[]interface {}")),
    );
    check(
        "reverse",
        vec![Value::list(vec![
            Value::Int(1),
            Value::Int(2),
            Value::Int(3),
        ])],
        Ok(("[3 2 1]", "[]interface {}")),
    );
    check(
        "reverse",
        vec![strs(&["a", "b"])],
        Ok(("[b a]", "[]interface {}")),
    );
    check(
        "uniq",
        vec![Value::list(vec![
            Value::Int(1),
            Value::Int(1),
            s("1"),
            Value::Int64(1),
            Value::Int(2),
            Value::Nil,
            Value::Nil,
        ])],
        Ok(("[1 1 1 2 <nil>]", "[]interface {}")),
    );
    check(
        "compact",
        vec![Value::list(vec![
            Value::Int(0),
            s(""),
            Value::Nil,
            Value::Bool(false),
            Value::list(Vec::new()),
            Value::Int(1),
            s("a"),
            m(Vec::new()),
        ])],
        Ok(("[1 a]", "[]interface {}")),
    );
    check(
        "without",
        vec![
            Value::list(vec![
                Value::Int(1),
                Value::Int(2),
                Value::Int(3),
                Value::Int(1),
            ]),
            Value::Int(1),
            Value::Int(3),
        ],
        Ok(("[2]", "[]interface {}")),
    );
    check(
        "without",
        vec![Value::list(vec![Value::Int(1), Value::Int(2)])],
        Ok(("[1 2]", "[]interface {}")),
    );
    check(
        "has",
        vec![
            Value::Int(1),
            Value::list(vec![Value::Int(1), Value::Int(2)]),
        ],
        Ok(("true", "bool")),
    );
    check(
        "has",
        vec![
            Value::Int64(1),
            Value::list(vec![Value::Int(1), Value::Int(2)]),
        ],
        Ok(("false", "bool")),
    );
    check(
        "has",
        vec![Value::Int(1), Value::Nil],
        Ok(("false", "bool")),
    );
    check(
        "has",
        vec![Value::Int(1), Value::Int(5)],
        Err("Cannot find has on type int"),
    );
    check("mustHas", vec![s("a"), strs(&["a"])], Ok(("true", "bool")));
    check(
        "slice",
        vec![
            Value::list(vec![Value::Int(1), Value::Int(2), Value::Int(3)]),
            Value::Int(1),
        ],
        Ok(("[2 3]", "[]interface {}")),
    );
    check(
        "slice",
        vec![
            Value::list(vec![Value::Int(1), Value::Int(2), Value::Int(3)]),
            Value::Int(1),
            Value::Int(2),
        ],
        Ok(("[2]", "[]interface {}")),
    );
    check(
        "slice",
        vec![Value::list(vec![
            Value::Int(1),
            Value::Int(2),
            Value::Int(3),
        ])],
        Ok(("[1 2 3]", "[]interface {}")),
    );
    check(
        "slice",
        vec![Value::list(Vec::new())],
        Ok(("<nil>", "<nil>")),
    );
    check(
        "slice",
        vec![strs(&["a", "b", "c"]), Value::Int(1)],
        Ok(("[b c]", "[]string")),
    );
    check(
        "slice",
        vec![
            Value::list(vec![Value::Int(1), Value::Int(2), Value::Int(3)]),
            Value::Int(2),
            Value::Int(1),
        ],
        Err("reflect.Value.Slice: slice index out of bounds"),
    );
    check(
        "slice",
        vec![
            Value::list(vec![Value::Int(1), Value::Int(2), Value::Int(3)]),
            Value::Int(-1),
        ],
        Err("reflect.Value.Slice: slice index out of bounds"),
    );
    check(
        "slice",
        vec![
            Value::list(vec![Value::Int(1), Value::Int(2), Value::Int(3)]),
            Value::Int(0),
            Value::Int(5),
        ],
        Err("reflect.Value.Slice: slice index out of bounds"),
    );
    check(
        "slice",
        vec![Value::Int(5)],
        Err("list should be type of slice or array but int"),
    );
    check(
        "slice",
        vec![
            Value::list(vec![Value::Int(1), Value::Int(2), Value::Int(3)]),
            s("1"),
        ],
        Ok(("[2 3]", "[]interface {}")),
    );
    check(
        "concat",
        vec![
            Value::list(vec![Value::Int(1)]),
            strs(&["a"]),
            Value::list(Vec::new()),
        ],
        Ok(("[1 a]", "[]interface {}")),
    );
    check("concat", Vec::new(), Ok(("[]", "[]interface {}")));
    check(
        "concat",
        vec![Value::Int(5)],
        Err("Cannot concat type int as list"),
    );
    check(
        "concat",
        vec![Value::Nil],
        Err("runtime error: invalid memory address or nil pointer dereference"),
    );
    check(
        "chunk",
        vec![
            Value::Int(2),
            Value::list(vec![Value::Int(1), Value::Int(2), Value::Int(3)]),
        ],
        Ok(("[[1 2] [3]]", "[][]interface {}")),
    );
    check(
        "chunk",
        vec![
            Value::Int(2),
            Value::list(vec![
                Value::Int(1),
                Value::Int(2),
                Value::Int(3),
                Value::Int(4),
            ]),
        ],
        Ok(("[[1 2] [3 4]]", "[][]interface {}")),
    );
    check(
        "chunk",
        vec![Value::Int(5), Value::list(vec![Value::Int(1)])],
        Ok(("[[1]]", "[][]interface {}")),
    );
    check(
        "chunk",
        vec![Value::Int(2), Value::list(Vec::new())],
        Ok(("[]", "[][]interface {}")),
    );
    check(
        "chunk",
        vec![Value::Int(0), Value::list(vec![Value::Int(1)])],
        Err("runtime error: makeslice: len out of range"),
    );
    check(
        "chunk",
        vec![
            Value::Int(-1),
            Value::list(vec![Value::Int(1), Value::Int(2)]),
        ],
        Ok(("[]", "[][]interface {}")),
    );
    check(
        "chunk",
        vec![Value::Int(-1), Value::list(Vec::new())],
        Err("runtime error: makeslice: len out of range"),
    );
    check(
        "chunk",
        vec![Value::Int(0), Value::list(Vec::new())],
        Err("runtime error: makeslice: len out of range"),
    );
    check(
        "chunk",
        vec![Value::Int(2), Value::Int(5)],
        Err("Cannot chunk type int"),
    );
    check("default", vec![s("d")], Ok(("d", "string")));
    check("default", vec![s("d"), Value::Nil], Ok(("d", "string")));
    check("default", vec![s("d"), s("")], Ok(("d", "string")));
    check("default", vec![s("d"), Value::Int(0)], Ok(("d", "string")));
    check("default", vec![s("d"), s("x")], Ok(("x", "string")));
    check(
        "default",
        vec![s("d"), Value::list(Vec::new())],
        Ok(("d", "string")),
    );
    check(
        "default",
        vec![s("d"), Value::Bool(false)],
        Ok(("d", "string")),
    );
    check(
        "default",
        vec![s("d"), Value::Float(f64::NAN)],
        Ok(("NaN", "float64")),
    );
    check("empty", vec![Value::Nil], Ok(("true", "bool")));
    check("empty", vec![Value::Int(0)], Ok(("true", "bool")));
    check("empty", vec![Value::Float(0e+00)], Ok(("true", "bool")));
    check("empty", vec![s("x")], Ok(("false", "bool")));
    check("empty", vec![m(Vec::new())], Ok(("true", "bool")));
    check(
        "coalesce",
        vec![Value::Nil, s(""), s("a")],
        Ok(("a", "string")),
    );
    check(
        "coalesce",
        vec![Value::Nil, Value::Int(0)],
        Ok(("<nil>", "<nil>")),
    );
    check("coalesce", Vec::new(), Ok(("<nil>", "<nil>")));
    check("all", vec![Value::Int(1), s("a")], Ok(("true", "bool")));
    check("all", vec![Value::Int(1), s("")], Ok(("false", "bool")));
    check("all", Vec::new(), Ok(("true", "bool")));
    check("any", vec![Value::Int(0), s("")], Ok(("false", "bool")));
    check("any", vec![Value::Int(0), s("a")], Ok(("true", "bool")));
    check("any", Vec::new(), Ok(("false", "bool")));
    check(
        "ternary",
        vec![s("a"), s("b"), Value::Bool(true)],
        Ok(("a", "string")),
    );
    check(
        "ternary",
        vec![s("a"), s("b"), Value::Bool(false)],
        Ok(("b", "string")),
    );
    check("typeOf", vec![Value::Int(1)], Ok(("int", "string")));
    check("typeOf", vec![Value::Nil], Ok(("<nil>", "string")));
    check(
        "typeOf",
        vec![Value::list(Vec::new())],
        Ok(("[]interface {}", "string")),
    );
    check("typeOf", vec![strs(&[])], Ok(("[]string", "string")));
    check(
        "typeOf",
        vec![m(Vec::new())],
        Ok(("map[string]interface {}", "string")),
    );
    check("typeOf", vec![Value::Int64(1)], Ok(("int64", "string")));
    check(
        "typeIs",
        vec![s("int"), Value::Int(1)],
        Ok(("true", "bool")),
    );
    check(
        "typeIsLike",
        vec![s("int"), Value::Int(1)],
        Ok(("true", "bool")),
    );
    check(
        "kindOf",
        vec![Value::list(Vec::new())],
        Ok(("slice", "string")),
    );
    check("kindOf", vec![Value::Nil], Ok(("invalid", "string")));
    check("kindOf", vec![m(Vec::new())], Ok(("map", "string")));
    check("kindIs", vec![s("slice"), strs(&[])], Ok(("true", "bool")));
    check(
        "deepEqual",
        vec![
            Value::list(vec![Value::Int(1)]),
            Value::list(vec![Value::Int(1)]),
        ],
        Ok(("true", "bool")),
    );
    check(
        "deepEqual",
        vec![Value::Int(1), Value::Int64(1)],
        Ok(("false", "bool")),
    );
    check(
        "deepEqual",
        vec![Value::Float(f64::NAN), Value::Float(f64::NAN)],
        Ok(("false", "bool")),
    );
    check("base", vec![s("a/b")], Ok(("b", "string")));
    check("base", vec![s("")], Ok((".", "string")));
    check("base", vec![s("/")], Ok(("/", "string")));
    check("base", vec![s("a/b/")], Ok(("b", "string")));
    check("dir", vec![s("")], Ok((".", "string")));
    check("dir", vec![s("/a")], Ok(("/", "string")));
    check("dir", vec![s("a/b/")], Ok(("a/b", "string")));
    check("dir", vec![s("a")], Ok((".", "string")));
    check("clean", vec![s("a//b/../c/.")], Ok(("a/c", "string")));
    check("clean", vec![s("/../x")], Ok(("/x", "string")));
    check("clean", vec![s("")], Ok((".", "string")));
    check("clean", vec![s("../../a/..")], Ok(("../..", "string")));
    check("ext", vec![s("a.b/c")], Ok(("", "string")));
    check("ext", vec![s("x.tar.gz")], Ok((".gz", "string")));
    check("ext", vec![s("x.")], Ok((".", "string")));
    check("isAbs", vec![s("/a")], Ok(("true", "bool")));
    check("isAbs", vec![s("a")], Ok(("false", "bool")));
    check("osBase", vec![s("a/b")], Ok(("b", "string")));
    check("osDir", vec![s("a/b")], Ok(("a", "string")));
    check("osClean", vec![s("a/../..")], Ok(("..", "string")));
    check("osExt", vec![s("a.go")], Ok((".go", "string")));
    check("osIsAbs", vec![s("/")], Ok(("true", "bool")));
    check("b64enc", vec![s("abcd")], Ok(("YWJjZA==", "string")));
    check("b64enc", vec![s("")], Ok(("", "string")));
    check("b64enc", vec![s("é")], Ok(("w6k=", "string")));
    check("b64dec", vec![s("YWJjZA==")], Ok(("abcd", "string")));
    check("b64dec", vec![s("YWJj\nZA==")], Ok(("abcd", "string")));
    check(
        "b64dec",
        vec![s("YWJjZA")],
        Ok(("illegal base64 data at input byte 4", "string")),
    );
    check(
        "b64dec",
        vec![s("YWJjZA=")],
        Ok(("illegal base64 data at input byte 7", "string")),
    );
    check(
        "b64dec",
        vec![s("YWJjZA==x")],
        Ok(("illegal base64 data at input byte 8", "string")),
    );
    check(
        "b64dec",
        vec![s("YQ==YQ==")],
        Ok(("illegal base64 data at input byte 4", "string")),
    );
    check("b64dec", vec![s("YR==")], Ok(("a", "string")));
    check("b64dec", vec![s("")], Ok(("", "string")));
    check(
        "b64dec",
        vec![s("====")],
        Ok(("illegal base64 data at input byte 0", "string")),
    );
    check(
        "b64dec",
        vec![s("Y===")],
        Ok(("illegal base64 data at input byte 1", "string")),
    );
    check(
        "b64dec",
        vec![s("a!bc")],
        Ok(("illegal base64 data at input byte 1", "string")),
    );
    check("b64dec", vec![s("YWJj\u{d}\n")], Ok(("abc", "string")));
    check("b64dec", vec![s("YW=\n=")], Ok(("a", "string")));
    check(
        "b64dec",
        vec![s("YW=\n")],
        Ok(("illegal base64 data at input byte 4", "string")),
    );
    check(
        "b32enc",
        vec![s("abcdef")],
        Ok(("MFRGGZDFMY======", "string")),
    );
    check("b32enc", vec![s("a")], Ok(("ME======", "string")));
    check("b32enc", vec![s("")], Ok(("", "string")));
    check(
        "b32dec",
        vec![s("MFRGGZDFMY======")],
        Ok(("abcdef", "string")),
    );
    check("b32dec", vec![s("MFRGGZDF")], Ok(("abcde", "string")));
    check("b32dec", vec![s("MFRGGZD=")], Ok(("abcd", "string")));
    check(
        "b32dec",
        vec![s("mfrg====")],
        Ok(("illegal base32 data at input byte 0", "string")),
    );
    check("b32dec", vec![s("MFRG====")], Ok(("ab", "string")));
    check("b32dec", vec![s("MF======")], Ok(("a", "string")));
    check("b32dec", vec![s("MFRGG===")], Ok(("abc", "string")));
    check(
        "b32dec",
        vec![s("MFRGGZDFMY=====")],
        Ok(("illegal base32 data at input byte 15", "string")),
    );
    check(
        "b32dec",
        vec![s("MFRG====MFRG====")],
        Ok(("illegal base32 data at input byte 4", "string")),
    );
    check(
        "b32dec",
        vec![s("M=======")],
        Ok(("illegal base32 data at input byte 1", "string")),
    );
    check(
        "b32dec",
        vec![s("MFR=====")],
        Ok(("illegal base32 data at input byte 3", "string")),
    );
    check("b32dec", vec![s("MF\n======")], Ok(("a", "string")));
    check(
        "b32dec",
        vec![s("MFRGGZ")],
        Ok(("illegal base32 data at input byte 0", "string")),
    );
    check("fail", vec![s("boom")], Err("boom"));
    check(
        "regexMatch",
        vec![s("^a.c$"), s("abc")],
        Ok(("true", "bool")),
    );
    check(
        "mustRegexFind",
        vec![s("*"), s("x")],
        Err("error parsing regexp: missing argument to repetition operator: `*`"),
    );
    check(
        "mustRegexFind",
        vec![s("a**"), s("x")],
        Err("error parsing regexp: invalid nested repetition operator: `**`"),
    );
    check(
        "mustRegexFind",
        vec![s("x{2,1}"), s("x")],
        Err("error parsing regexp: invalid repeat count: `{2,1}`"),
    );
    check(
        "mustRegexFind",
        vec![s("\\"), s("x")],
        Err("error parsing regexp: trailing backslash at end of expression: ``"),
    );
    check(
        "mustRegexFind",
        vec![s("(?P<n>a)(?P<n>b)"), s("x")],
        Ok(("", "string")),
    );
    check(
        "mustRegexFind",
        vec![s("\\8"), s("x")],
        Err("error parsing regexp: invalid escape sequence: `\\8`"),
    );
    check("regexMatch", vec![s("("), s("x")], Ok(("false", "bool")));
    check(
        "mustRegexMatch",
        vec![s("("), s("x")],
        Err("error parsing regexp: missing closing ): `(`"),
    );
    check(
        "regexFind",
        vec![s("b+"), s("abbbc")],
        Ok(("bbb", "string")),
    );
    check(
        "regexFind",
        vec![s("("), s("x")],
        Err("regexp: Compile(`(`): error parsing regexp: missing closing ): `(`"),
    );
    check(
        "mustRegexFind",
        vec![s("["), s("x")],
        Err("error parsing regexp: missing closing ]: `[`"),
    );
    check(
        "mustRegexFind",
        vec![s("a)"), s("x")],
        Err("error parsing regexp: unexpected ): `a)`"),
    );
    check(
        "regexFindAll",
        vec![s("a*"), s("baaac"), Value::Int(-1)],
        Ok(("[ aaa ]", "[]string")),
    );
    check(
        "regexFindAll",
        vec![s("a"), s("aaaa"), Value::Int(2)],
        Ok(("[a a]", "[]string")),
    );
    check(
        "regexFindAll",
        vec![s("a"), s("aaaa"), Value::Int(0)],
        Ok(("[]", "[]string")),
    );
    check(
        "regexFindAll",
        vec![s("\\w+"), s("héllo wörld"), Value::Int(-1)],
        Ok(("[h llo w rld]", "[]string")),
    );
    check(
        "regexFindAll",
        vec![s(""), s("héllo"), Value::Int(-1)],
        Ok(("[     ]", "[]string")),
    );
    check(
        "regexFindAll",
        vec![s("\\d"), s("1٣2"), Value::Int(-1)],
        Ok(("[1 2]", "[]string")),
    );
    check(
        "regexFindAll",
        vec![s("\\bx\\b"), s("x éx x"), Value::Int(-1)],
        Ok(("[x x x]", "[]string")),
    );
    check(
        "regexFindAll",
        vec![s("\\s"), s("a b\u{a0}c\u{b}d"), Value::Int(-1)],
        Ok(("[ ]", "[]string")),
    );
    check(
        "regexFindAll",
        vec![s("\\Qa.b\\E"), s("a.b axb"), Value::Int(-1)],
        Ok(("[a.b]", "[]string")),
    );
    check(
        "regexReplaceAll",
        vec![s("a(x*)b"), s("-ab-axxb-"), s("${1}W")],
        Ok(("-W-xxW-", "string")),
    );
    check(
        "regexReplaceAll",
        vec![s("a(x*)b"), s("-ab-axxb-"), s("$1W")],
        Ok(("---", "string")),
    );
    check(
        "regexReplaceAll",
        vec![s("a*"), s("baaac"), s("-")],
        Ok(("-b-c-", "string")),
    );
    check(
        "regexReplaceAll",
        vec![s("(?P<n>\\w)"), s("ab"), s("<$n>")],
        Ok(("<a><b>", "string")),
    );
    check(
        "regexReplaceAll",
        vec![s("x"), s("axb"), s("$$")],
        Ok(("a$b", "string")),
    );
    check(
        "regexReplaceAll",
        vec![s("x"), s("axb"), s("$")],
        Ok(("a$b", "string")),
    );
    check(
        "regexReplaceAll",
        vec![s("x"), s("axb"), s("${")],
        Ok(("a${b", "string")),
    );
    check(
        "regexReplaceAll",
        vec![s("(x)"), s("axb"), s("$01")],
        Ok(("ab", "string")),
    );
    check(
        "regexReplaceAll",
        vec![s(""), s("abc"), s("-")],
        Ok(("-a-b-c-", "string")),
    );
    check(
        "regexReplaceAllLiteral",
        vec![s("a(x*)b"), s("-ab-axxb-"), s("$1")],
        Ok(("-$1-$1-", "string")),
    );
    check(
        "regexSplit",
        vec![s("a*"), s("baaac"), Value::Int(-1)],
        Ok(("[b c]", "[]string")),
    );
    check(
        "regexSplit",
        vec![s(""), s("abc"), Value::Int(-1)],
        Ok(("[a b c]", "[]string")),
    );
    check(
        "regexSplit",
        vec![s(","), s(""), Value::Int(-1)],
        Ok(("[]", "[]string")),
    );
    check(
        "regexSplit",
        vec![s("x*"), s(""), Value::Int(2)],
        Ok(("[]", "[]string")),
    );
    check(
        "regexSplit",
        vec![s(","), s("a,b,c"), Value::Int(2)],
        Ok(("[a b,c]", "[]string")),
    );
    check(
        "regexSplit",
        vec![s(","), s("a,b,c"), Value::Int(0)],
        Ok(("[]", "[]string")),
    );
    check(
        "regexSplit",
        vec![s(","), s(",a,"), Value::Int(-1)],
        Ok(("[ a ]", "[]string")),
    );
    check(
        "regexQuoteMeta",
        vec![s("a.b*c\\d$")],
        Ok(("a\\.b\\*c\\\\d\\$", "string")),
    );
    check(
        "urlParse",
        vec![s("https://u:p@Host.com:8080/a%20b/c?x=1&y=%20#fr%20ag")],
        Ok((
            "map[fragment:fr ag host:Host.com:8080 hostname:Host.com opaque: path:/a b/c query:x=1&y=%20 scheme:https userinfo:u:p]",
            "map[string]interface {}",
        )),
    );
    check(
        "urlParse",
        vec![s("mailto:joe@x.com")],
        Ok((
            "map[fragment: host: hostname: opaque:joe@x.com path: query: scheme:mailto userinfo:]",
            "map[string]interface {}",
        )),
    );
    check(
        "urlParse",
        vec![s("/rel/path?q")],
        Ok((
            "map[fragment: host: hostname: opaque: path:/rel/path query:q scheme: userinfo:]",
            "map[string]interface {}",
        )),
    );
    check(
        "urlParse",
        vec![s("http://[::1]:80/")],
        Ok((
            "map[fragment: host:[::1]:80 hostname:::1 opaque: path:/ query: scheme:http userinfo:]",
            "map[string]interface {}",
        )),
    );
    check(
        "urlParse",
        vec![s("%zz")],
        Err("unable to parse url: parse \"%zz\": invalid URL escape \"%zz\""),
    );
    check(
        "urlParse",
        vec![s("http://a b.com/")],
        Err("unable to parse url: parse \"http://a b.com/\": invalid character \" \" in host name"),
    );
    check(
        "urlParse",
        vec![s(":x")],
        Err("unable to parse url: parse \":x\": missing protocol scheme"),
    );
    check(
        "urlParse",
        vec![s("http://x.com:port/")],
        Err("unable to parse url: parse \"http://x.com:port/\": invalid port \":port\" after host"),
    );
    check(
        "urlParse",
        vec![s("a:b/c")],
        Ok((
            "map[fragment: host: hostname: opaque:b/c path: query: scheme:a userinfo:]",
            "map[string]interface {}",
        )),
    );
    check(
        "urlParse",
        vec![s("x/a:b")],
        Ok((
            "map[fragment: host: hostname: opaque: path:x/a:b query: scheme: userinfo:]",
            "map[string]interface {}",
        )),
    );
    check(
        "urlParse",
        vec![s("http://u@h/p?")],
        Ok((
            "map[fragment: host:h hostname:h opaque: path:/p query: scheme:http userinfo:u]",
            "map[string]interface {}",
        )),
    );
    check(
        "urlParse",
        vec![s("HTTP://h")],
        Ok((
            "map[fragment: host:h hostname:h opaque: path: query: scheme:http userinfo:]",
            "map[string]interface {}",
        )),
    );
    check(
        "urlParse",
        vec![s("")],
        Ok((
            "map[fragment: host: hostname: opaque: path: query: scheme: userinfo:]",
            "map[string]interface {}",
        )),
    );
    check(
        "urlParse",
        vec![s("//h/p")],
        Ok((
            "map[fragment: host:h hostname:h opaque: path:/p query: scheme: userinfo:]",
            "map[string]interface {}",
        )),
    );
    check(
        "urlParse",
        vec![s("http://h#")],
        Ok((
            "map[fragment: host:h hostname:h opaque: path: query: scheme:http userinfo:]",
            "map[string]interface {}",
        )),
    );
    check(
        "urlParse",
        vec![s("http://h/%2F")],
        Ok((
            "map[fragment: host:h hostname:h opaque: path:// query: scheme:http userinfo:]",
            "map[string]interface {}",
        )),
    );
    check(
        "urlJoin",
        vec![m(vec![
            ("fragment", s("f g!")),
            ("host", s("h.com")),
            ("path", s("/a b/ü")),
            ("query", s("x=1")),
            ("scheme", s("https")),
        ])],
        Ok(("https://h.com/a%20b/%C3%BC?x=1#f%20g!", "string")),
    );
    check(
        "urlJoin",
        vec![m(vec![("opaque", s("joe@x.com")), ("scheme", s("mailto"))])],
        Ok(("mailto:joe@x.com", "string")),
    );
    check(
        "urlJoin",
        vec![m(vec![("path", s("a:b"))])],
        Ok(("./a:b", "string")),
    );
    check(
        "urlJoin",
        vec![m(vec![("host", Value::Int(5))])],
        Err("unable to parse host key, must be of type string, but int found"),
    );
    check(
        "urlJoin",
        vec![m(vec![("host", Value::Nil)])],
        Err("runtime error: invalid memory address or nil pointer dereference"),
    );
    check(
        "urlJoin",
        vec![m(vec![("userinfo", s("u:p w"))])],
        Err(
            "unable to parse userinfo in dict: parse \"proto://u:p w@host\": net/url: invalid userinfo",
        ),
    );
    check(
        "urlJoin",
        vec![m(vec![("host", s("h")), ("userinfo", s("u:p"))])],
        Ok(("//u:p@h", "string")),
    );
    check(
        "urlJoin",
        vec![m(vec![
            ("host", s("h")),
            ("scheme", s("s")),
            ("userinfo", s("u%40x")),
        ])],
        Ok(("s://u%40x@h", "string")),
    );
    check("urlJoin", vec![m(Vec::new())], Ok(("", "string")));
    check(
        "urlJoin",
        vec![m(vec![("host", s("h")), ("path", s("p"))])],
        Ok(("//h/p", "string")),
    );
    check(
        "urlJoin",
        vec![m(vec![("path", s("/x")), ("scheme", s("file"))])],
        Ok(("file:///x", "string")),
    );
    check(
        "toJson",
        vec![m(vec![
            ("a", s("<&>\u{2028}")),
            (
                "b",
                Value::list(vec![
                    Value::Float(1e+00),
                    Value::Float(1e+21),
                    Value::Float(1e-07),
                    Value::Float(1e-06),
                    Value::Float(1.234567895e+08),
                    Value::Int64(5),
                    Value::Nil,
                    Value::Bool(true),
                ]),
            ),
        ])],
        Ok((
            "{\"a\":\"\\u003c\\u0026\\u003e\\u2028\",\"b\":[1,1e+21,1e-7,0.000001,123456789.5,5,null,true]}",
            "string",
        )),
    );
    check("toJson", vec![Value::Float(f64::NAN)], Ok(("", "string")));
    check(
        "toJson",
        vec![s("\u{7}\u{8}\u{c}\n\u{d}\u{9}\u{7f}")],
        Ok(("\"\\u0007\\b\\f\\n\\r\\t\u{7f}\"", "string")),
    );
    check(
        "toJson",
        vec![Value::list(Vec::new())],
        Ok(("[]", "string")),
    );
    check("toJson", vec![m(Vec::new())], Ok(("{}", "string")));
    check("toJson", vec![Value::Nil], Ok(("null", "string")));
    check("toJson", vec![strs(&["a"])], Ok(("[\"a\"]", "string")));
    check(
        "toPrettyJson",
        vec![m(vec![
            ("a", Value::list(Vec::new())),
            ("b", m(Vec::new())),
            (
                "c",
                Value::list(vec![Value::Int(1), m(vec![("x", Value::Nil)])]),
            ),
        ])],
        Ok((
            "{\n  \"a\": [],\n  \"b\": {},\n  \"c\": [\n    1,\n    {\n      \"x\": null\n    }\n  ]\n}",
            "string",
        )),
    );
    check("toPrettyJson", vec![Value::Int(1)], Ok(("1", "string")));
    check(
        "toRawJson",
        vec![m(vec![("a", s("<&>"))])],
        Ok(("{\"a\":\"<&>\"}", "string")),
    );
    check(
        "toRawJson",
        vec![Value::Float(f64::NAN)],
        Err("json: unsupported value: NaN"),
    );
    check(
        "mustToJson",
        vec![Value::Float(f64::INFINITY)],
        Err("json: unsupported value: +Inf"),
    );
    check(
        "mustToPrettyJson",
        vec![m(vec![("a", Value::Int(1))])],
        Ok(("{\n  \"a\": 1\n}", "string")),
    );
    check(
        "mustToRawJson",
        vec![Value::list(vec![s("<")])],
        Ok(("[\"<\"]", "string")),
    );
    check(
        "fromJson",
        vec![s("{\"a\":[1,2.5,\"x\",null,true],\"b\":{}}")],
        Ok((
            "map[a:[1 2.5 x <nil> true] b:map[]]",
            "map[string]interface {}",
        )),
    );
    check(
        "fromJson",
        vec![s("12345678901234567890")],
        Ok(("1.2345678901234567e+19", "float64")),
    );
    check("fromJson", vec![s("x")], Ok(("<nil>", "<nil>")));
    check("fromJson", vec![s("1e400")], Ok(("<nil>", "<nil>")));
    check(
        "fromJson",
        vec![s("[1e400, 2]")],
        Ok(("[<nil> 2]", "[]interface {}")),
    );
    check(
        "fromJson",
        vec![s("\"\\ud83d\\ude00\\ud800x\\u00e9\"")],
        Ok(("😀�xé", "string")),
    );
    check("fromJson", vec![s(" [ ] ")], Ok(("[]", "[]interface {}")));
    check("fromJson", vec![s("-0")], Ok(("-0", "float64")));
    check(
        "fromJson",
        vec![s("{\"a\":1,\"a\":2}")],
        Ok(("map[a:2]", "map[string]interface {}")),
    );
    check(
        "mustFromJson",
        vec![s("{x")],
        Err("invalid character 'x' looking for beginning of object key string"),
    );
    check(
        "mustFromJson",
        vec![s("")],
        Err("unexpected end of JSON input"),
    );
    check(
        "mustFromJson",
        vec![s("[1,]")],
        Err("invalid character ']' looking for beginning of value"),
    );
    check(
        "mustFromJson",
        vec![s("1 2")],
        Err("invalid character '2' after top-level value"),
    );
    check(
        "mustFromJson",
        vec![s("tru")],
        Err("invalid character ' ' in literal true (expecting 'e')"),
    );
    check(
        "mustFromJson",
        vec![s("\"a")],
        Err("unexpected end of JSON input"),
    );
    check(
        "mustFromJson",
        vec![s("1e400")],
        Err("json: cannot unmarshal number 1e400 into Go value of type float64"),
    );
    check(
        "mustFromJson",
        vec![s("{\"a\" 1}")],
        Err("invalid character '1' after object key"),
    );
    check(
        "mustFromJson",
        vec![s("{\"a\":1 \"b\"}")],
        Err("invalid character '\"' after object key:value pair"),
    );
    check(
        "mustFromJson",
        vec![s("[1 2]")],
        Err("invalid character '2' after array element"),
    );
    check(
        "mustFromJson",
        vec![s("-")],
        Err("invalid character ' ' in numeric literal"),
    );
    check(
        "mustFromJson",
        vec![s("01")],
        Err("invalid character '1' after top-level value"),
    );
    check(
        "mustFromJson",
        vec![s("\"\\x\"")],
        Err("invalid character 'x' in string escape code"),
    );
    check(
        "mustFromJson",
        vec![s("\"\\u12\"")],
        Err("invalid character '\"' in \\u hexadecimal character escape"),
    );
    check(
        "mustFromJson",
        vec![s("{1:2}")],
        Err("invalid character '1' looking for beginning of object key string"),
    );
    check(
        "mustFromJson",
        vec![s("é")],
        Err("invalid character 'Ã' looking for beginning of value"),
    );
    check(
        "mustFromJson",
        vec![s("\"a\u{9}b\"")],
        Err("invalid character '\\t' in string literal"),
    );
    check(
        "mustFromJson",
        vec![s("1.")],
        Err("invalid character ' ' after decimal point in numeric literal"),
    );
    check(
        "mustFromJson",
        vec![s("1e")],
        Err("invalid character ' ' in exponent of numeric literal"),
    );
    check(
        "mustFromJson",
        vec![s("1e+")],
        Err("invalid character ' ' in exponent of numeric literal"),
    );
    check(
        "mustFromJson",
        vec![s("nul")],
        Err("invalid character ' ' in literal null (expecting 'l')"),
    );
    check(
        "mustFromJson",
        vec![s("nulx")],
        Err("invalid character 'x' in literal null (expecting 'l')"),
    );
    check(
        "mustFromJson",
        vec![s("'a'")],
        Err("invalid character '\\'' looking for beginning of value"),
    );
    check(
        "mustFromJson",
        vec![s("[1")],
        Err("unexpected end of JSON input"),
    );
    check(
        "mustFromJson",
        vec![s("{\"a\":1,}")],
        Err("invalid character '}' looking for beginning of object key string"),
    );
    check(
        "mustFromJson",
        vec![s("{")],
        Err("unexpected end of JSON input"),
    );
    check(
        "mustFromJson",
        vec![s("-a")],
        Err("invalid character 'a' in numeric literal"),
    );
    check(
        "mustFromJson",
        vec![s("0x1")],
        Err("invalid character 'x' after top-level value"),
    );
    check("duration", vec![s("3661")], Ok(("1h1m1s", "string")));
    check("duration", vec![Value::Int(60)], Ok(("0s", "string")));
    check("duration", vec![Value::Int64(90)], Ok(("1m30s", "string")));
    check("duration", vec![s("x")], Ok(("0s", "string")));
    check("duration", vec![Value::Int64(0)], Ok(("0s", "string")));
    check("duration", vec![s("-1")], Ok(("-1s", "string")));
    check(
        "duration",
        vec![Value::Int64(9223372036854775807)],
        Ok(("-1s", "string")),
    );
    check("durationRound", vec![s("2h30m")], Ok(("2h", "string")));
    check(
        "durationRound",
        vec![Value::Int64(-5000000000)],
        Ok(("5s", "string")),
    );
    check("durationRound", vec![s("x")], Ok(("0s", "string")));
    check("durationRound", vec![s("1.5h")], Ok(("1h", "string")));
    check(
        "durationRound",
        vec![Value::Int64(34560000000000000)],
        Ok(("1y", "string")),
    );
    check("durationRound", vec![s("750ms")], Ok(("0s", "string")));
    check("durationRound", vec![s("1s")], Ok(("0s", "string")));
    check("durationRound", vec![s("61s")], Ok(("1m", "string")));
    check("durationRound", vec![Value::Int(5)], Ok(("0s", "string")));
    check(
        "toDate",
        vec![s("2006-01-02"), s("2024-02-29")],
        Ok(("2024-02-29 00:00:00 +0000 UTC", "time.Time")),
    );
    check(
        "toDate",
        vec![s("2006-01-02"), s("x")],
        Ok(("0001-01-01 00:00:00 +0000 UTC", "time.Time")),
    );
    check(
        "mustToDate",
        vec![s("2006-01-02"), s("2024-13-01")],
        Err("parsing time \"2024-13-01\": month out of range"),
    );
    check(
        "mustToDate",
        vec![s("2006-01-02"), s("2023-02-29")],
        Err("parsing time \"2023-02-29\": day out of range"),
    );
    check(
        "mustToDate",
        vec![
            s("2006-01-02T15:04:05Z07:00"),
            s("2024-02-29T10:20:30.5+02:00"),
        ],
        Ok(("2024-02-29 10:20:30.5 +0200 +0200", "time.Time")),
    );
    check(
        "mustToDate",
        vec![s("2006-01-02T15:04:05Z07:00"), s("2024-02-29T10:20:30Z")],
        Ok(("2024-02-29 10:20:30 +0000 UTC", "time.Time")),
    );
    check(
        "mustToDate",
        vec![
            s("Jan 2, 2006 at 3:04pm (MST)"),
            s("Feb 3, 2013 at 7:54pm (PST)"),
        ],
        Ok(("2013-02-03 19:54:00 +0000 PST", "time.Time")),
    );
    check(
        "mustToDate",
        vec![s("02 Jan 06 15:04 -0700"), s("03 Feb 13 19:54 +0100")],
        Ok(("2013-02-03 19:54:00 +0100 +0100", "time.Time")),
    );
    check(
        "mustToDate",
        vec![
            s("Monday, 02-Jan-06 15:04:05 MST"),
            s("Sunday, 03-Feb-13 19:54:00 UTC"),
        ],
        Ok(("2013-02-03 19:54:00 +0000 UTC", "time.Time")),
    );
    check(
        "mustToDate",
        vec![s("2006-01-02 15:04:05.000"), s("2024-01-02 03:04:05.123")],
        Ok(("2024-01-02 03:04:05.123 +0000 UTC", "time.Time")),
    );
    check(
        "mustToDate",
        vec![s("2006-01-02 15:04:05"), s("2024-01-02 03:04:05.123456789")],
        Ok(("2024-01-02 03:04:05.123456789 +0000 UTC", "time.Time")),
    );
    check(
        "mustToDate",
        vec![s("2006-01-02"), s("2024-01-02x")],
        Err("parsing time \"2024-01-02x\": extra text: \"x\""),
    );
    check(
        "mustToDate",
        vec![s("2006-01-02"), s("24-01-02")],
        Err("parsing time \"24-01-02\" as \"2006-01-02\": cannot parse \"24-01-02\" as \"2006\""),
    );
    check(
        "mustToDate",
        vec![s("15:04"), s("25:00")],
        Err("parsing time \"25:00\": hour out of range"),
    );
    check(
        "mustToDate",
        vec![s("2006-002"), s("2024-060")],
        Ok(("2024-02-29 00:00:00 +0000 UTC", "time.Time")),
    );
    check(
        "mustToDate",
        vec![s("_2 Jan"), s(" 5 Mar")],
        Ok(("0000-03-05 00:00:00 +0000 UTC", "time.Time")),
    );
    check(
        "mustToDate",
        vec![s("3PM"), s("11AM")],
        Ok(("0000-01-01 11:00:00 +0000 UTC", "time.Time")),
    );
    check(
        "mustToDate",
        vec![s("2006-01-02 -07"), s("2024-01-02 -03")],
        Ok(("2024-01-02 00:00:00 -0300 -0300", "time.Time")),
    );
    check(
        "mustToDate",
        vec![s("January 2006"), s("march 2020")],
        Ok(("2020-03-01 00:00:00 +0000 UTC", "time.Time")),
    );
    check(
        "mustToDate",
        vec![s("2006  01"), s("2024 01")],
        Ok(("2024-01-01 00:00:00 +0000 UTC", "time.Time")),
    );
    check(
        "slugify",
        vec![s("Hello World!")],
        Ok(("hello-world", "string")),
    );
    check(
        "slugify",
        vec![s("  Ünïcödé & Straße @ home  ")],
        Ok(("unicode-and-strasse-at-home", "string")),
    );
    check("slugify", vec![s("a--b__c")], Ok(("a-b__c", "string")));
    check("slugify", vec![s("---")], Ok(("", "string")));
    check(
        "slugify",
        vec![s("日本語のテキスト")],
        Ok(("ri-ben-yu-notekisuto", "string")),
    );
    check(
        "slugify",
        vec![s("Привет мир")],
        Ok(("privet-mir", "string")),
    );
    check("slugify", vec![s("ΑΒΓ δέλτα")], Ok(("abg-delta", "string")));
    check(
        "slugify",
        vec![s(
            "word-word-word-word-word-word-word-word-word-word-word-word-word-word-word-word-word-word-word-word-",
        )],
        Ok((
            "word-word-word-word-word-word-word-word-word-word-word-word",
            "string",
        )),
    );
    check(
        "slugify",
        vec![s(
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        )],
        Ok((
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "string",
        )),
    );
    check("slugify", vec![s("_a_")], Ok(("a", "string")));
    check("slugify", vec![s("İstanbul")], Ok(("istanbul", "string")));
    check(
        "slugify",
        vec![s("emoji 😀 ok")],
        Ok(("emoji-ok", "string")),
    );
    check(
        "slugify",
        vec![s("ǅ ß æ ø å œ")],
        Ok(("dz-ss-ae-o-a-oe", "string")),
    );
    check(
        "slugify",
        vec![s("café-crème")],
        Ok(("cafe-creme", "string")),
    );
    check("slugify", vec![s("")], Ok(("", "string")));
}

/// Every function of slim-sprig's hermetic map with its Go signature, as Go's reflection lists
/// them (a `time.Time` parameter is `Any` here), plus the Flux Operator's three.
#[test]
fn signatures_as_go() {
    use Ty::*;
    let go: &[(&str, &[Ty], Option<Ty>)] = &[
        ("add", &[], Some(Any)),
        ("add1", &[Any], None),
        ("adler32sum", &[String], None),
        ("ago", &[Any], None),
        ("all", &[], Some(Any)),
        ("any", &[], Some(Any)),
        ("append", &[Any, Any], None),
        ("atoi", &[String], None),
        ("b32dec", &[String], None),
        ("b32enc", &[String], None),
        ("b64dec", &[String], None),
        ("b64enc", &[String], None),
        ("base", &[String], None),
        ("biggest", &[Any], Some(Any)),
        ("cat", &[], Some(Any)),
        ("ceil", &[Any], None),
        ("chunk", &[Int, Any], None),
        ("clean", &[String], None),
        ("coalesce", &[], Some(Any)),
        ("compact", &[Any], None),
        ("concat", &[], Some(Any)),
        ("contains", &[String, String], None),
        ("deepEqual", &[Any, Any], None),
        ("default", &[Any], Some(Any)),
        ("dict", &[], Some(Any)),
        ("dig", &[], Some(Any)),
        ("dir", &[String], None),
        ("div", &[Any, Any], None),
        ("duration", &[Any], None),
        ("durationRound", &[Any], None),
        ("empty", &[Any], None),
        ("ext", &[String], None),
        ("fail", &[String], None),
        ("first", &[Any], None),
        ("float64", &[Any], None),
        ("floor", &[Any], None),
        ("fromJson", &[String], None),
        ("get", &[Map, String], None),
        ("has", &[Any, Any], None),
        ("hasKey", &[Map, String], None),
        ("hasPrefix", &[String, String], None),
        ("hasSuffix", &[String, String], None),
        ("hello", &[], None),
        ("indent", &[Int, String], None),
        ("initial", &[Any], None),
        ("int", &[Any], None),
        ("int64", &[Any], None),
        ("isAbs", &[String], None),
        ("join", &[String, Any], None),
        ("keys", &[], Some(Map)),
        ("kindIs", &[String, Any], None),
        ("kindOf", &[Any], None),
        ("last", &[Any], None),
        ("list", &[], Some(Any)),
        ("lower", &[String], None),
        ("max", &[Any], Some(Any)),
        ("maxf", &[Any], Some(Any)),
        ("min", &[Any], Some(Any)),
        ("minf", &[Any], Some(Any)),
        ("mod", &[Any, Any], None),
        ("mul", &[Any], Some(Any)),
        ("mustAppend", &[Any, Any], None),
        ("mustChunk", &[Int, Any], None),
        ("mustCompact", &[Any], None),
        ("mustDateModify", &[String, Any], None),
        ("mustFirst", &[Any], None),
        ("mustFromJson", &[String], None),
        ("mustHas", &[Any, Any], None),
        ("mustInitial", &[Any], None),
        ("mustLast", &[Any], None),
        ("mustPrepend", &[Any, Any], None),
        ("mustPush", &[Any, Any], None),
        ("mustRegexFind", &[String, String], None),
        ("mustRegexFindAll", &[String, String, Int], None),
        ("mustRegexMatch", &[String, String], None),
        ("mustRegexReplaceAll", &[String, String, String], None),
        (
            "mustRegexReplaceAllLiteral",
            &[String, String, String],
            None,
        ),
        ("mustRegexSplit", &[String, String, Int], None),
        ("mustRest", &[Any], None),
        ("mustReverse", &[Any], None),
        ("mustSlice", &[Any], Some(Any)),
        ("mustToDate", &[String, String], None),
        ("mustToJson", &[Any], None),
        ("mustToPrettyJson", &[Any], None),
        ("mustToRawJson", &[Any], None),
        ("mustUniq", &[Any], None),
        ("mustWithout", &[Any], Some(Any)),
        ("must_date_modify", &[String, Any], None),
        ("nindent", &[Int, String], None),
        ("omit", &[Map], Some(String)),
        ("osBase", &[String], None),
        ("osClean", &[String], None),
        ("osDir", &[String], None),
        ("osExt", &[String], None),
        ("osIsAbs", &[String], None),
        ("pick", &[Map], Some(String)),
        ("pluck", &[String], Some(Map)),
        ("plural", &[String, String, Int], None),
        ("prepend", &[Any, Any], None),
        ("push", &[Any, Any], None),
        ("quote", &[], Some(Any)),
        ("randInt", &[Int, Int], None),
        ("regexFind", &[String, String], None),
        ("regexFindAll", &[String, String, Int], None),
        ("regexMatch", &[String, String], None),
        ("regexQuoteMeta", &[String], None),
        ("regexReplaceAll", &[String, String, String], None),
        ("regexReplaceAllLiteral", &[String, String, String], None),
        ("regexSplit", &[String, String, Int], None),
        ("repeat", &[Int, String], None),
        ("replace", &[String, String, String], None),
        ("rest", &[Any], None),
        ("reverse", &[Any], None),
        ("round", &[Any, Int], Some(Float64)),
        ("seq", &[], Some(Int)),
        ("set", &[Map, String, Any], None),
        ("sha1sum", &[String], None),
        ("sha256sum", &[String], None),
        ("slice", &[Any], Some(Any)),
        ("sortAlpha", &[Any], None),
        ("split", &[String, String], None),
        ("splitList", &[String, String], None),
        ("splitn", &[String, Int, String], None),
        ("squote", &[], Some(Any)),
        ("sub", &[Any, Any], None),
        ("substr", &[Int, Int, String], None),
        ("ternary", &[Any, Any, Bool], None),
        ("title", &[String], None),
        ("toDate", &[String, String], None),
        ("toDecimal", &[Any], None),
        ("toJson", &[Any], None),
        ("toPrettyJson", &[Any], None),
        ("toRawJson", &[Any], None),
        ("toString", &[Any], None),
        ("toStrings", &[Any], None),
        ("trim", &[String], None),
        ("trimAll", &[String, String], None),
        ("trimPrefix", &[String, String], None),
        ("trimSuffix", &[String, String], None),
        ("trimall", &[String, String], None),
        ("trunc", &[Int, String], None),
        ("tuple", &[], Some(Any)),
        ("typeIs", &[String, Any], None),
        ("typeIsLike", &[String, Any], None),
        ("typeOf", &[Any], None),
        ("uniq", &[Any], None),
        ("unixEpoch", &[Any], None),
        ("unset", &[Map, String], None),
        ("until", &[Int], None),
        ("untilStep", &[Int, Int, Int], None),
        ("upper", &[String], None),
        ("urlJoin", &[Map], None),
        ("urlParse", &[String], None),
        ("values", &[Map], None),
        ("without", &[Any], Some(Any)),
        ("slugify", &[String], None),
        ("toYaml", &[Any], None),
        ("mustToYaml", &[Any], None),
    ];
    let map = hermetic();
    let mut problems = Vec::new();
    for (name, params, variadic) in go {
        match map.get(name) {
            None => problems.push(format!("{name}: missing")),
            Some(f) if f.params != *params || f.variadic != *variadic => problems.push(format!(
                "{name}: ({:?}, {:?}), want ({params:?}, {variadic:?})",
                f.params, f.variadic
            )),
            Some(_) => {}
        }
    }
    for name in map.funcs.keys() {
        if !go.iter().any(|(n, _, _)| n == name) {
            problems.push(format!("{name}: not in Go's map"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(map.funcs.len(), 158);
}

#[test]
#[ignore]
fn measure_slug_divergences() {
    let Ok(path) = std::env::var("SLUG_TABLE") else {
        return;
    };
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut diffs = 0;
    let mut total = 0;
    let mut shown = Vec::new();
    for line in text.lines() {
        let Some((hex, want)) = line.split_once('\t') else {
            continue;
        };
        let Some(c) = u32::from_str_radix(hex, 16).ok().and_then(char::from_u32) else {
            continue;
        };
        total += 1;
        let got = slugify(&format!("x{c}x"));
        if got != want {
            diffs += 1;
            if shown.len() < 400 {
                shown.push(format!("U+{hex} {c}: got {got:?} want {want:?}"));
            }
        }
    }
    println!("{diffs} of {total} differ\n{}", shown.join("\n"));
    let mut blocks: BTreeMap<u32, (u32, u32)> = BTreeMap::new();
    for line in text.lines() {
        let Some((hex, want)) = line.split_once('\t') else {
            continue;
        };
        let Some(c) = u32::from_str_radix(hex, 16).ok().and_then(char::from_u32) else {
            continue;
        };
        let range = match c as u32 {
            0x80..=0x24f => 0,
            0x370..=0x3ff => 1,
            0x400..=0x4ff => 2,
            0x4e00..=0x9fff => 3,
            0x10000.. => 5,
            _ => 4,
        };
        let e = blocks.entry(range).or_default();
        e.1 += 1;
        if slugify(&format!("x{c}x")) != want {
            e.0 += 1;
        }
    }
    for (b, (d, t)) in blocks {
        if d > 0 {
            println!("range {b}: {d} of {t}");
        }
    }
}

/// The module documentation names every function of the map.
#[test]
fn docs_list_every_function() {
    let docs: String = include_str!("mod.rs")
        .lines()
        .filter(|l| l.starts_with("//!"))
        .collect::<Vec<_>>()
        .join("\n");
    let map = hermetic();
    let mut missing: Vec<&String> = map
        .funcs
        .keys()
        .filter(|name| {
            !docs.contains(&format!("`{name} "))
                && !docs.contains(&format!("`{name}`"))
                && !docs.contains(&format!("`{name},"))
        })
        .collect();
    missing.sort();
    assert!(missing.is_empty(), "not in the docs: {missing:?}");
}
