//! Expected values printed by Go's `fmt` for the same format and operands.
#![allow(clippy::approx_constant)]
use super::*;
use crate::value::Value;
use std::collections::BTreeMap;

fn s(x: &str) -> Value {
    Value::string(x)
}

fn m(entries: Vec<(&str, Value)>) -> Value {
    Value::map(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect::<BTreeMap<_, _>>(),
    )
}

#[track_caller]
fn check(format: &str, args: &[Value], want: &str) {
    assert_eq!(sprintf(format, args), want, "Sprintf({format:?}, {args:?})");
}

#[track_caller]
fn check_sprint(args: &[Value], want: &str, want_ln: &str) {
    assert_eq!(sprint(args), want, "Sprint({args:?})");
    assert_eq!(sprintln(args), want_ln, "Sprintln({args:?})");
}

#[test]
fn as_go_prints() {
    check("%v", &[Value::Int(1)], "1");
    check("%v", &[Value::Int64(-5)], "-5");
    check("%v", &[Value::Float(1e+00)], "1");
    check("%v", &[Value::Float(1e+06)], "1e+06");
    check("%v", &[Value::Float(1e+05)], "100000");
    check("%v", &[Value::Float(1e-05)], "1e-05");
    check("%v", &[Value::Float(1e-04)], "0.0001");
    check("%v", &[Value::Float(3.5e+00)], "3.5");
    check("%v", &[Value::Float(1e+21)], "1e+21");
    check("%v", &[Value::Float(1.23456789e+08)], "1.23456789e+08");
    check("%v", &[Value::Float(3e-01)], "0.3");
    check("%v", &[Value::Float(0e+00)], "0");
    check("%v", &[Value::Float(f64::INFINITY)], "+Inf");
    check("%v", &[Value::Float(f64::NEG_INFINITY)], "-Inf");
    check("%v", &[Value::Float(f64::NAN)], "NaN");
    check("%v", &[Value::Nil], "<nil>");
    check("%d", &[Value::Nil], "%!d(<nil>)");
    check("%s", &[Value::Nil], "%!s(<nil>)");
    check("%v", &[Value::Bool(true)], "true");
    check("%t", &[Value::Bool(false)], "false");
    check("%d", &[Value::Bool(true)], "%!d(bool=true)");
    check("%s", &[Value::Int(5)], "%!s(int=5)");
    check(
        "%v",
        &[Value::list(vec![
            s("a"),
            Value::Int(1),
            Value::Nil,
            Value::Float(2.5e+00),
        ])],
        "[a 1 <nil> 2.5]",
    );
    check(
        "%v",
        &[Value::strings(["x", "y"].map(String::from))],
        "[x y]",
    );
    check(
        "%q",
        &[Value::strings(["x", "y"].map(String::from))],
        "[\"x\" \"y\"]",
    );
    check(
        "%d",
        &[Value::list(vec![s("a"), Value::Int(1), Value::Nil])],
        "[%!d(string=a) 1 <nil>]",
    );
    check(
        "%v",
        &[m(vec![
            ("a", Value::Int(1)),
            ("b", Value::list(vec![s("x"), s("y")])),
        ])],
        "map[a:1 b:[x y]]",
    );
    check(
        "%d",
        &[m(vec![("a", Value::Int(1))])],
        "map[%!d(string=a):1]",
    );
    check("%v", &[m(Vec::new())], "map[]");
    check("%v", &[Value::list(vec![])], "[]");
    check(
        "%s",
        &[Value::list(vec![m(vec![("k", Value::Nil)])])],
        "[map[k:<nil>]]",
    );
    check(
        "%#v",
        &[Value::list(vec![s("a"), Value::Int(1), Value::Nil])],
        "[]interface {}{\"a\", 1, interface {}(nil)}",
    );
    check(
        "%#v",
        &[m(vec![("a", s("b")), ("c", Value::Float(1e+00))])],
        "map[string]interface {}{\"a\":\"b\", \"c\":1}",
    );
    check(
        "%#v",
        &[Value::strings(["a"].map(String::from))],
        "[]string{\"a\"}",
    );
    check("%#v", &[s("x\"y")], "\"x\\\"y\"");
    check("%#v", &[Value::Float(1e+00)], "1");
    check("%#v", &[Value::Float(1e+06)], "1e+06");
    check("%+v", &[Value::Int(5)], "5");
    check("%+d", &[Value::Int(5)], "+5");
    check("% d", &[Value::Int(5)], " 5");
    check("%05d", &[Value::Int(-42)], "-0042");
    check("%-5d|", &[Value::Int(42)], "42   |");
    check("%5.3d", &[Value::Int(7)], "  007");
    check("%.0d", &[Value::Int(0)], "");
    check("%5.0d|", &[Value::Int(0)], "     |");
    check("%x", &[Value::Int(-255)], "-ff");
    check("%#x", &[Value::Int(255)], "0xff");
    check("%X", &[Value::Int(255)], "FF");
    check("%#X", &[Value::Int(255)], "0XFF");
    check("%o", &[Value::Int(8)], "10");
    check("%#o", &[Value::Int(8)], "010");
    check("%O", &[Value::Int(8)], "0o10");
    check("%b", &[Value::Int(5)], "101");
    check("%#b", &[Value::Int(5)], "0b101");
    check("%c", &[Value::Int(65)], "A");
    check("%c", &[Value::Int(128512)], "😀");
    check("%c", &[Value::Int(-1)], "�");
    check("%q", &[Value::Int(65)], "'A'");
    check("%q", &[Value::Int(39)], "'\\''");
    check("%+q", &[Value::Int(9786)], "'\\u263a'");
    check("%U", &[Value::Int(128512)], "U+1F600");
    check("%#U", &[Value::Int(65)], "U+0041 'A'");
    check("%#U", &[Value::Int(7)], "U+0007");
    check("%08.3d", &[Value::Int(5)], "     005");
    check("%+08d", &[Value::Int(5)], "+0000005");
    check("% 08d", &[Value::Int(5)], " 0000005");
    check("%f", &[Value::Float(3.14159e+00)], "3.141590");
    check("%.2f", &[Value::Float(2.675e+00)], "2.67");
    check("%.0f", &[Value::Float(5e-01)], "0");
    check("%.0f", &[Value::Float(1.5e+00)], "2");
    check("%.0f", &[Value::Float(2.5e+00)], "2");
    check("%e", &[Value::Float(1.23456789e+05)], "1.234568e+05");
    check("%E", &[Value::Float(1e-10)], "1.000000E-10");
    check("%.3e", &[Value::Float(0e+00)], "0.000e+00");
    check("%g", &[Value::Float(1e-07)], "1e-07");
    check("%g", &[Value::Float(1e+05)], "100000");
    check("%g", &[Value::Float(1e+06)], "1e+06");
    check("%.3g", &[Value::Float(1.2345678e+03)], "1.23e+03");
    check("%.3g", &[Value::Float(1e+02)], "100");
    check("%.3g", &[Value::Float(1e+03)], "1e+03");
    check(
        "%.10g",
        &[Value::Float(3.333333333333333e-01)],
        "0.3333333333",
    );
    check("%G", &[Value::Float(1e-07)], "1E-07");
    check("%#g", &[Value::Float(1e+00)], "1.00000");
    check("%#.3g", &[Value::Float(1e+00)], "1.00");
    check("%#f", &[Value::Float(1e+00)], "1.000000");
    check("%#.0f", &[Value::Float(1e+00)], "1.");
    check("%#e", &[Value::Float(1e+00)], "1.000000e+00");
    check("%#.0e", &[Value::Float(2e+00)], "2.e+00");
    check("%#g", &[Value::Float(1.23456789e+08)], "1.23456789e+08");
    check("%#v", &[Value::Float(3e+00)], "3");
    check("%08.2f", &[Value::Float(-3.14159e+00)], "-0003.14");
    check("%+.2f", &[Value::Float(3e+00)], "+3.00");
    check("% .2f", &[Value::Float(3e+00)], " 3.00");
    check("%-8.2f|", &[Value::Float(3e+00)], "3.00    |");
    check("%08f", &[Value::Float(f64::INFINITY)], "    +Inf");
    check("%+f", &[Value::Float(f64::NAN)], "+NaN");
    check("% f", &[Value::Float(f64::NAN)], " NaN");
    check("%f", &[Value::Float(f64::NEG_INFINITY)], "-Inf");
    check("%F", &[Value::Float(1e+00)], "1.000000");
    check("%10.4v|", &[Value::Float(3.14159265e+00)], "     3.142|");
    check("%v", &[Value::Float(5e-324)], "5e-324");
    check(
        "%v",
        &[Value::Float(1.7976931348623157e+308)],
        "1.7976931348623157e+308",
    );
    check("%g", &[Value::Float(1e+100)], "1e+100");
    check("%.20f", &[Value::Float(1e-01)], "0.10000000000000000555");
    check("%d", &[Value::Float(1.5e+00)], "%!d(float64=1.5)");
    check("%s", &[Value::Float(1.5e+00)], "%!s(float64=1.5)");
    check("%x", &[Value::Float(1.5e+00)], "0x1.8p+00");
    check("%s", &[s("hi")], "hi");
    check("%5s|", &[s("hi")], "   hi|");
    check("%-5s|", &[s("hi")], "hi   |");
    check("%05s", &[s("hi")], "000hi");
    check("%.1s", &[s("héllo")], "h");
    check("%5.1s|", &[s("日本語")], "    日|");
    check(
        "%q",
        &[s("a\"b\\c\n\u{9}\u{0}\u{7f}é\u{a0}\u{200b}😀")],
        "\"a\\\"b\\\\c\\n\\t\\x00\\x7fé\\u00a0\\u200b😀\"",
    );
    check("%+q", &[s("é😀")], "\"\\u00e9\\U0001f600\"");
    check("%#q", &[s("abc")], "`abc`");
    check("%#q", &[s("a`b")], "\"a`b\"");
    check("%x", &[s("hi")], "6869");
    check("%X", &[s("hi")], "6869");
    check("% x", &[s("hi!")], "68 69 21");
    check("%#x", &[s("hi")], "0x6869");
    check("%# x", &[s("hi")], "0x68 0x69");
    check("%.1x", &[s("hi")], "68");
    check("%8x|", &[s("hi")], "    6869|");
    check("%-8x|", &[s("hi")], "6869    |");
    check("%x", &[s("")], "");
    check("%5x|", &[s("")], "     |");
    check("%d", &[s("x")], "%!d(string=x)");
    check("%5d", &[s("x")], "%!d(string=    x)");
    check("%T", &[Value::Int(1)], "int");
    check("%T", &[Value::Int64(1)], "int64");
    check("%T", &[Value::Nil], "<nil>");
    check("%T", &[Value::list(vec![])], "[]interface {}");
    check("%T", &[Value::strings(Vec::<String>::new())], "[]string");
    check("%T", &[m(Vec::new())], "map[string]interface {}");
    check("%10T|", &[s("s")], "    string|");
    check("%d %d", &[Value::Int(1)], "1 %!d(MISSING)");
    check("%d", &[Value::Int(1), Value::Int(2)], "1%!(EXTRA int=2)");
    check(
        "%d",
        &[Value::Int(1), s("a"), Value::Nil, Value::Float(2.5e+00)],
        "1%!(EXTRA string=a, <nil>, float64=2.5)",
    );
    check("%", &[Value::Int(1)], "%!(NOVERB)%!(EXTRA int=1)");
    check("abc%", &[], "abc%!(NOVERB)");
    check("%!", &[], "%!!(MISSING)");
    check("%z", &[Value::Int(1)], "%!z(int=1)");
    check("%[2]d %[1]d", &[Value::Int(1), Value::Int(2)], "2 1");
    check("%[3]d", &[Value::Int(1), Value::Int(2)], "%!d(BADINDEX)");
    check("%[2]*d", &[Value::Int(1), Value::Int(2)], "%!d(MISSING)");
    check("%*d", &[Value::Int(5), Value::Int(1)], "    1");
    check("%-*d|", &[Value::Int(5), Value::Int(1)], "1    |");
    check("%*d", &[Value::Int(-5), Value::Int(1)], "1    ");
    check("%*d", &[s("x"), Value::Int(1)], "%!(BADWIDTH)1");
    check("%.*d", &[Value::Int(3), Value::Int(1)], "001");
    check("%.*d", &[Value::Int(-3), Value::Int(1)], "%!(BADPREC)1");
    check(
        "%*d",
        &[Value::Int(10000000), Value::Int(1)],
        "%!(BADWIDTH)1",
    );
    check("%[1]d %d", &[Value::Int(1), Value::Int(2)], "1 2");
    check("%[0]d", &[Value::Int(1)], "%!d(BADINDEX)");
    check("%[x]d", &[Value::Int(1)], "%!d(BADINDEX)");
    check("%[1]", &[Value::Int(1)], "%!(NOVERB)");
    check("%.d", &[Value::Int(5)], "5");
    check("%.f", &[Value::Float(2.5e+00)], "2");
    check("%.s", &[s("abc")], "");
    check(
        "%v %v",
        &[
            m(vec![("a", Value::list(vec![Value::Int(1), s("b")]))]),
            Value::list(vec![m(vec![("x", Value::Float(1.5e+00))])]),
        ],
        "map[a:[1 b]] [map[x:1.5]]",
    );
    check(
        "%s",
        &[Value::list(vec![s("a"), Value::Int(1)])],
        "[a %!s(int=1)]",
    );
    check(
        "%5v",
        &[Value::list(vec![Value::Int(1), Value::Int(2)])],
        "[    1     2]",
    );
    check(
        "%.1f",
        &[Value::list(vec![
            Value::Float(1.25e+00),
            Value::Float(1.35e+00),
        ])],
        "[1.2 1.4]",
    );
    check("%t", &[Value::Int(1)], "%!t(int=1)");
    check("%x", &[Value::Float(-1e-01)], "-0x1.999999999999ap-04");
    check(
        "%.3x",
        &[Value::Float(3.333333333333333e-01)],
        "0x1.555p-02",
    );
    check("%X", &[Value::Float(1e+300)], "0X1.7E43C8800759CP+996");
    check("%b", &[Value::Float(1.5e+00)], "6755399441055744p-52");
    check("%x", &[Value::Float(0e+00)], "0x0p+00");
    check("%#x", &[Value::Float(1e+00)], "0x1.0000p+00");
    check("%b", &[Value::Float(5e-324)], "1p-1074");
    check("%v%%", &[Value::Int(5)], "5%");
    check("%-010d|", &[Value::Int(5)], "5         |");
    check("%100000000d", &[Value::Int(1)], "%!(NOVERB)%!(EXTRA int=1)");
    check("%.3q", &[s("abcdef")], "\"abc\"");
    check("%c", &[Value::Int(55296)], "�");
    check(
        "%x",
        &[Value::Int64(-9223372036854775808)],
        "-8000000000000000",
    );
    check(
        "%d",
        &[Value::Int64(-9223372036854775808)],
        "-9223372036854775808",
    );
    check("%6.2f%%", &[Value::Float(1.2345e+01)], " 12.35%");
    check("%e", &[Value::Float(1e+21)], "1.000000e+21");
    check("%g", &[Value::Float(0e+00)], "0");
    check("%.0g", &[Value::Float(1.5e+01)], "2e+01");
    check("%.1g", &[Value::Float(5e-02)], "0.05");
    check("%g", &[Value::Float(-1e-300)], "-1e-300");
    check("%v", &[Value::Float(1e+20)], "1e+20");
    check("%v", &[Value::Float(1.2345678e+07)], "1.2345678e+07");
    check("%v", &[Value::Float(1e+20)], "1e+20");
    check_sprint(&[s("a"), s("b")], "ab", "a b\n");
    check_sprint(&[Value::Int(1), Value::Int(2)], "1 2", "1 2\n");
    check_sprint(
        &[
            s("a"),
            Value::Int(1),
            Value::Int(2),
            s("b"),
            Value::Nil,
            Value::Nil,
            Value::Bool(true),
        ],
        "a1 2b<nil> <nil> true",
        "a 1 2 b <nil> <nil> true\n",
    );
    check_sprint(
        &[
            Value::Float(1.5e+00),
            s("x"),
            Value::list(vec![Value::Int(1)]),
        ],
        "1.5x[1]",
        "1.5 x [1]\n",
    );
    check_sprint(&[], "", "\n");
    check_sprint(&[Value::Nil], "<nil>", "<nil>\n");
    check_sprint(
        &[m(vec![("a", Value::Int(1))]), m(vec![("b", Value::Int(2))])],
        "map[a:1] map[b:2]",
        "map[a:1] map[b:2]\n",
    );
}

#[test]
fn quotes_as_strconv() {
    assert_eq!(
        quote("a\"b\\\n\u{7f}\u{a0}é😀\u{10ffff}"),
        "\"a\\\"b\\\\\\n\\x7f\\u00a0é😀\\U0010ffff\""
    );
    assert_eq!(quote(""), "\"\"");
    assert_eq!(quote_rune('\''), "'\\''");
}

#[test]
fn formats_floats_as_strconv() {
    assert_eq!(format_float(1e21, 'f', -1), "1000000000000000000000");
    assert_eq!(format_float(1e-7, 'e', -1), "1e-07");
    assert_eq!(format_float(-0.0, 'g', -1), "-0");
    assert_eq!(format_float(0.000001, 'f', -1), "0.000001");
}
