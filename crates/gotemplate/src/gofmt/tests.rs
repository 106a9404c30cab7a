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

/// Random formats and operands (a fixed seed), as Go printed them.
#[test]
fn random_formats_as_go() {
    check(
        "é[1]E.[2]",
        &[Value::Float(-2.25e+00)],
        "é[1]E.[2]%!(EXTRA float64=-2.25)",
    );
    check("d.vc", &[s("hi")], "d.vc%!(EXTRA string=hi)");
    check(
        "",
        &[
            m(vec![
                ("a", Value::list(Vec::new())),
                ("k", Value::Float(1.5e+00)),
            ]),
            Value::Float(f64::INFINITY),
        ],
        "%!(EXTRA map[string]interface {}=map[a:[] k:1.5], float64=+Inf)",
    );
    check(
        "s",
        &[
            Value::Int64(255),
            Value::list(vec![Value::Int(1), s("a"), Value::Nil]),
        ],
        "s%!(EXTRA int64=255, []interface {}=[1 a <nil>])",
    );
    check(
        "[2]b1X%",
        &[s("a\"b"), Value::strings(["x", "y"].map(String::from))],
        "[2]b1X%!(NOVERB)%!(EXTRA string=a\"b, []string=[x y])",
    );
    check(
        "+Evf",
        &[Value::Int(0), Value::Float(0e+00)],
        "+Evf%!(EXTRA int=0, float64=0)",
    );
    check(
        "GX",
        &[Value::Bool(true), Value::Float(0e+00)],
        "GX%!(EXTRA bool=true, float64=0)",
    );
    check(
        "dFct",
        &[Value::Float(f64::INFINITY), Value::Float(-2.25e+00)],
        "dFct%!(EXTRA float64=+Inf, float64=-2.25)",
    );
    check(
        "ge%e",
        &[s(""), Value::Int(1)],
        "ge%!e(string=)%!(EXTRA int=1)",
    );
    check(
        "fUaqg",
        &[Value::Int(-7), Value::Int(-7)],
        "fUaqg%!(EXTRA int=-7, int=-7)",
    );
    check(
        "so",
        &[Value::Int(1), Value::Int(3)],
        "so%!(EXTRA int=1, int=3)",
    );
    check("v[1]EG", &[], "v[1]EG");
    check(
        "EééE1",
        &[Value::Int(1), s("héllo\n"), Value::Float(1.23456789e+05)],
        "EééE1%!(EXTRA int=1, string=héllo\n, float64=123456.789)",
    );
    check(
        "[2]5oXU[1]",
        &[
            Value::Int(1),
            Value::Float(-2.25e+00),
            Value::strings(["x", "y"].map(String::from)),
        ],
        "[2]5oXU[1]%!(EXTRA int=1, float64=-2.25, []string=[x y])",
    );
    check("q[1]", &[], "q[1]");
    check(
        "*",
        &[Value::Int(1), Value::Float(1e+06), Value::Float(f64::NAN)],
        "*%!(EXTRA int=1, float64=1e+06, float64=NaN)",
    );
    check(
        "f%o5",
        &[Value::Int64(-1099511627776), Value::Float(f64::NAN)],
        "f-200000000000005%!(EXTRA float64=NaN)",
    );
    check("%.5%sU", &[], "%sU");
    check(
        "qOd d+",
        &[s(""), Value::Int(1), Value::Float(-2.25e+00)],
        "qOd d+%!(EXTRA string=, int=1, float64=-2.25)",
    );
    check("TEqg+", &[s("héllo\n")], "TEqg+%!(EXTRA string=héllo\n)");
    check("TG[2]F[2]é", &[], "TG[2]F[2]é");
    check("0%*", &[], "0%!(BADWIDTH)%!(NOVERB)");
    check(
        "[1]X",
        &[Value::Float(f64::INFINITY), s("")],
        "[1]X%!(EXTRA float64=+Inf, string=)",
    );
    check("aE s", &[], "aE s");
    check(
        "+[1]-",
        &[
            Value::Float(1e-07),
            m(vec![
                ("a", Value::list(Vec::new())),
                ("k", Value::Float(1.5e+00)),
            ]),
        ],
        "+[1]-%!(EXTRA float64=1e-07, map[string]interface {}=map[a:[] k:1.5])",
    );
    check(".eb[1]", &[], ".eb[1]");
    check(
        "aT.%T",
        &[
            Value::Int64(255),
            Value::Float(1e-07),
            Value::Int64(-1099511627776),
        ],
        "aT.int64%!(EXTRA float64=1e-07, int64=-1099511627776)",
    );
    check("éTq[2]%*", &[], "éTq[2]%!(BADWIDTH)%!(NOVERB)");
    check(
        " sG%",
        &[
            Value::Float(1e-07),
            Value::strings(["x", "y"].map(String::from)),
        ],
        " sG%!(NOVERB)%!(EXTRA float64=1e-07, []string=[x y])",
    );
    check(
        "[2]",
        &[Value::Bool(true), Value::Float(1.23456789e+05)],
        "[2]%!(EXTRA bool=true, float64=123456.789)",
    );
    check(
        "Tf",
        &[
            Value::Bool(true),
            Value::Int(65),
            Value::Float(1.23456789e+05),
        ],
        "Tf%!(EXTRA bool=true, int=65, float64=123456.789)",
    );
    check(
        "f",
        &[Value::Float(0e+00), Value::Float(f64::NAN)],
        "f%!(EXTRA float64=0, float64=NaN)",
    );
    check(
        "[1]",
        &[Value::Int(128512), Value::Float(1e+06)],
        "[1]%!(EXTRA int=128512, float64=1e+06)",
    );
    check(
        "#%c**",
        &[Value::Int(0), Value::strings(["x", "y"].map(String::from))],
        "#\u{0}**%!(EXTRA []string=[x y])",
    );
    check(
        ".t%E5",
        &[s(""), Value::Float(1.5e+00)],
        ".t%!E(string=)5%!(EXTRA float64=1.5)",
    );
    check("+ev", &[s("hi")], "+ev%!(EXTRA string=hi)");
    check(
        "Fv[2]ae",
        &[
            Value::Int(65),
            Value::list(vec![Value::Int(1), s("a"), Value::Nil]),
            s("héllo\n"),
        ],
        "Fv[2]ae%!(EXTRA int=65, []interface {}=[1 a <nil>], string=héllo\n)",
    );
    check(
        "-U",
        &[Value::Nil, Value::Nil, s("hi")],
        "-U%!(EXTRA <nil>, <nil>, string=hi)",
    );
    check(" -", &[s("a\"b")], " -%!(EXTRA string=a\"b)");
    check(
        "b",
        &[
            Value::list(vec![Value::Int(1), s("a"), Value::Nil]),
            Value::Float(1e-07),
            Value::Float(1e-07),
        ],
        "b%!(EXTRA []interface {}=[1 a <nil>], float64=1e-07, float64=1e-07)",
    );
    check(
        "oq5dFx",
        &[Value::Int(3), Value::Nil],
        "oq5dFx%!(EXTRA int=3, <nil>)",
    );
    check(
        "[2]%fU*F",
        &[Value::Float(1.23456789e+05), Value::Float(f64::INFINITY)],
        "[2]123456.789000U*F%!(EXTRA float64=+Inf)",
    );
    check(
        "v0eTg-",
        &[Value::Int(-7), Value::Float(f64::INFINITY)],
        "v0eTg-%!(EXTRA int=-7, float64=+Inf)",
    );
    check("t-E", &[Value::Int(1)], "t-E%!(EXTRA int=1)");
    check(
        "*U.",
        &[Value::Int64(-1099511627776), Value::Int64(255)],
        "*U.%!(EXTRA int64=-1099511627776, int64=255)",
    );
    check(
        "b%.o!",
        &[
            Value::Float(1e-07),
            Value::Float(1.5e+00),
            Value::strings(["x", "y"].map(String::from)),
        ],
        "b%!o(float64=1e-07)!%!(EXTRA float64=1.5, []string=[x y])",
    );
    check("OtO5", &[], "OtO5");
    check(
        "eO",
        &[s("a\"b"), Value::Float(1.23456789e+05)],
        "eO%!(EXTRA string=a\"b, float64=123456.789)",
    );
    check("%s.#", &[], "%!s(MISSING).#");
    check(
        "%!fe",
        &[
            Value::Float(f64::INFINITY),
            Value::Int64(255),
            Value::Float(f64::NAN),
        ],
        "%!!(float64=+Inf)fe%!(EXTRA int64=255, float64=NaN)",
    );
    check("", &[], "");
    check(
        "GT dc",
        &[Value::Float(1.5e+00), Value::Int(3)],
        "GT dc%!(EXTRA float64=1.5, int=3)",
    );
    check("", &[Value::Int(128512)], "%!(EXTRA int=128512)");
    check(
        "Fb",
        &[
            Value::Int(-7),
            Value::Int64(-1099511627776),
            Value::Int64(-1099511627776),
        ],
        "Fb%!(EXTRA int=-7, int64=-1099511627776, int64=-1099511627776)",
    );
    check(
        "f%",
        &[
            Value::Float(-2.25e+00),
            Value::Float(1e+06),
            Value::strings(["x", "y"].map(String::from)),
        ],
        "f%!(NOVERB)%!(EXTRA float64=-2.25, float64=1e+06, []string=[x y])",
    );
    check(
        "1o",
        &[Value::Int(1), Value::Int(-7)],
        "1o%!(EXTRA int=1, int=-7)",
    );
    check("s.Xc%d", &[], "s.Xc%!d(MISSING)");
    check(
        "51",
        &[Value::Float(f64::INFINITY), Value::Int(1)],
        "51%!(EXTRA float64=+Inf, int=1)",
    );
    check("O#", &[Value::Nil], "O#%!(EXTRA <nil>)");
    check(
        "[2]",
        &[m(vec![
            ("a", Value::list(Vec::new())),
            ("k", Value::Float(1.5e+00)),
        ])],
        "[2]%!(EXTRA map[string]interface {}=map[a:[] k:1.5])",
    );
    check("oGo+TG", &[], "oGo+TG");
    check("%oa+.", &[Value::Int(128512)], "373000a+.");
    check(
        "",
        &[s("hi"), Value::Int(128512)],
        "%!(EXTRA string=hi, int=128512)",
    );
    check(
        "",
        &[Value::strings(["x", "y"].map(String::from))],
        "%!(EXTRA []string=[x y])",
    );
    check("a", &[Value::Int64(255)], "a%!(EXTRA int64=255)");
    check(
        "*e",
        &[Value::strings(["x", "y"].map(String::from))],
        "*e%!(EXTRA []string=[x y])",
    );
    check(
        "%dF",
        &[Value::Nil, Value::Float(f64::INFINITY), Value::Int(0)],
        "%!d(<nil>)F%!(EXTRA float64=+Inf, int=0)",
    );
    check("1%%[2]%t", &[s("hi")], "1%[2]%!t(string=hi)");
    check(
        "O",
        &[Value::Int64(-1099511627776), Value::Int(1)],
        "O%!(EXTRA int64=-1099511627776, int=1)",
    );
    check(
        "1T",
        &[Value::Int(3), Value::Nil],
        "1T%!(EXTRA int=3, <nil>)",
    );
    check(
        "1EG%+d",
        &[Value::Float(1.23456789e+05)],
        "1EG%!d(float64=+123456.789)",
    );
    check("Técs", &[Value::Int(1)], "Técs%!(EXTRA int=1)");
    check(
        "odsc",
        &[Value::Int(3), s("a\"b")],
        "odsc%!(EXTRA int=3, string=a\"b)",
    );
    check("v", &[], "v");
    check(
        "",
        &[m(vec![
            ("a", Value::list(Vec::new())),
            ("k", Value::Float(1.5e+00)),
        ])],
        "%!(EXTRA map[string]interface {}=map[a:[] k:1.5])",
    );
    check(
        "é",
        &[s("a\"b"), Value::Float(1e-07), Value::Int64(-1099511627776)],
        "é%!(EXTRA string=a\"b, float64=1e-07, int64=-1099511627776)",
    );
    check(
        "d",
        &[Value::Int(1), Value::Int(128512), Value::Int(65)],
        "d%!(EXTRA int=1, int=128512, int=65)",
    );
    check(
        "+E",
        &[Value::Float(1.23456789e+05), Value::Int(0)],
        "+E%!(EXTRA float64=123456.789, int=0)",
    );
    check(
        "0cd o",
        &[s("héllo\n"), Value::Int(1)],
        "0cd o%!(EXTRA string=héllo\n, int=1)",
    );
    check(
        "",
        &[
            Value::Float(0e+00),
            Value::Int64(-1099511627776),
            Value::Float(1e+06),
        ],
        "%!(EXTRA float64=0, int64=-1099511627776, float64=1e+06)",
    );
    check("FdF[2]+s", &[], "FdF[2]+s");
    check(
        ".[1][2]e",
        &[Value::Int(-7), s("héllo\n")],
        ".[1][2]e%!(EXTRA int=-7, string=héllo\n)",
    );
    check("+0% ", &[], "+0%!(NOVERB)");
    check("TO", &[Value::Int64(255)], "TO%!(EXTRA int64=255)");
    check("GgX", &[], "GgX");
    check(
        "%",
        &[
            Value::Float(f64::NAN),
            Value::Nil,
            Value::Float(f64::INFINITY),
        ],
        "%!(NOVERB)%!(EXTRA float64=NaN, <nil>, float64=+Inf)",
    );
    check(
        "sT%",
        &[s("héllo\n"), Value::Bool(true), Value::Float(f64::NAN)],
        "sT%!(NOVERB)%!(EXTRA string=héllo\n, bool=true, float64=NaN)",
    );
    check(".gU+d", &[], ".gU+d");
    check(
        "fT0é",
        &[
            Value::Bool(true),
            Value::Int64(255),
            Value::Int64(-1099511627776),
        ],
        "fT0é%!(EXTRA bool=true, int64=255, int64=-1099511627776)",
    );
    check(
        "%s",
        &[Value::Int(3), Value::Bool(true)],
        "%!s(int=3)%!(EXTRA bool=true)",
    );
    check(
        "T.xO",
        &[Value::Float(1.5e+00), Value::Nil],
        "T.xO%!(EXTRA float64=1.5, <nil>)",
    );
    check(
        "fG",
        &[s("a\"b"), Value::Float(f64::INFINITY)],
        "fG%!(EXTRA string=a\"b, float64=+Inf)",
    );
    check(
        "d%1--b",
        &[Value::Float(1e+06), Value::Float(-2.25e+00)],
        "d%!-(float64=1e+06)-b%!(EXTRA float64=-2.25)",
    );
    check(
        "[1]",
        &[Value::list(vec![Value::Int(1), s("a"), Value::Nil])],
        "[1]%!(EXTRA []interface {}=[1 a <nil>])",
    );
    check(
        "Ot-",
        &[Value::Int64(-1099511627776), Value::Float(-2.25e+00)],
        "Ot-%!(EXTRA int64=-1099511627776, float64=-2.25)",
    );
    check(
        "O+%",
        &[Value::Int(3), s("a\"b")],
        "O+%!(NOVERB)%!(EXTRA int=3, string=a\"b)",
    );
    check("+%", &[], "+%!(NOVERB)");
    check(
        ".F5g",
        &[Value::strings(["x", "y"].map(String::from))],
        ".F5g%!(EXTRA []string=[x y])",
    );
    check("5X.", &[], "5X.");
    check("[1]", &[], "[1]");
    check(
        "FUX0F",
        &[
            Value::list(vec![Value::Int(1), s("a"), Value::Nil]),
            Value::strings(["x", "y"].map(String::from)),
            s("héllo\n"),
        ],
        "FUX0F%!(EXTRA []interface {}=[1 a <nil>], []string=[x y], string=héllo\n)",
    );
    check(
        "x*Fv",
        &[Value::Int(0), Value::Int64(255)],
        "x*Fv%!(EXTRA int=0, int64=255)",
    );
    check(
        ".ca",
        &[Value::Int(0), Value::Int(65), Value::Float(-2.25e+00)],
        ".ca%!(EXTRA int=0, int=65, float64=-2.25)",
    );
    check(
        " xxg",
        &[Value::Float(1.23456789e+05)],
        " xxg%!(EXTRA float64=123456.789)",
    );
    check(
        "f",
        &[Value::Int64(-1099511627776), s("")],
        "f%!(EXTRA int64=-1099511627776, string=)",
    );
    check(
        "[2] ",
        &[s("héllo\n"), Value::Bool(true)],
        "[2] %!(EXTRA string=héllo\n, bool=true)",
    );
    check("-Fc", &[], "-Fc");
    check(
        "",
        &[
            Value::list(vec![Value::Int(1), s("a"), Value::Nil]),
            Value::Float(1e+06),
        ],
        "%!(EXTRA []interface {}=[1 a <nil>], float64=1e+06)",
    );
    check(
        "Fva",
        &[
            Value::Int(128512),
            Value::list(vec![Value::Int(1), s("a"), Value::Nil]),
        ],
        "Fva%!(EXTRA int=128512, []interface {}=[1 a <nil>])",
    );
    check(
        "*",
        &[
            Value::list(vec![Value::Int(1), s("a"), Value::Nil]),
            Value::Float(1.23456789e+05),
        ],
        "*%!(EXTRA []interface {}=[1 a <nil>], float64=123456.789)",
    );
    check(
        "o",
        &[
            Value::Float(1e+06),
            Value::Float(-2.25e+00),
            Value::Float(0e+00),
        ],
        "o%!(EXTRA float64=1e+06, float64=-2.25, float64=0)",
    );
    check("%éE+", &[], "%!é(MISSING)E+");
    check(
        "o%",
        &[
            Value::Int(-7),
            m(vec![
                ("a", Value::list(Vec::new())),
                ("k", Value::Float(1.5e+00)),
            ]),
            Value::Float(1e-07),
        ],
        "o%!(NOVERB)%!(EXTRA int=-7, map[string]interface {}=map[a:[] k:1.5], float64=1e-07)",
    );
    check(
        "ef[2]UeU",
        &[
            Value::Nil,
            Value::strings(["x", "y"].map(String::from)),
            Value::Int(1),
        ],
        "ef[2]UeU%!(EXTRA <nil>, []string=[x y], int=1)",
    );
    check(
        "[1]fG",
        &[
            Value::strings(["x", "y"].map(String::from)),
            Value::strings(["x", "y"].map(String::from)),
        ],
        "[1]fG%!(EXTRA []string=[x y], []string=[x y])",
    );
    check("s.xx%f", &[Value::Int(0)], "s.xx%!f(int=0)");
    check("X1ddv", &[Value::Bool(true)], "X1ddv%!(EXTRA bool=true)");
    check("tU", &[], "tU");
    check(
        "UTcUG",
        &[Value::Int64(255), Value::Float(1e+06)],
        "UTcUG%!(EXTRA int64=255, float64=1e+06)",
    );
    check("", &[Value::Int(0)], "%!(EXTRA int=0)");
    check("#", &[Value::Nil, Value::Int(1)], "#%!(EXTRA <nil>, int=1)");
    check("%F*E", &[], "%!F(MISSING)*E");
    check("#é-F", &[], "#é-F");
    check(
        "0tTFEg",
        &[Value::Int(3), s("a\"b")],
        "0tTFEg%!(EXTRA int=3, string=a\"b)",
    );
    check(
        "a",
        &[Value::Bool(true), Value::Int(65), Value::Bool(true)],
        "a%!(EXTRA bool=true, int=65, bool=true)",
    );
    check(
        "Xt-vvb",
        &[
            Value::strings(["x", "y"].map(String::from)),
            s("hi"),
            Value::Float(1e+06),
        ],
        "Xt-vvb%!(EXTRA []string=[x y], string=hi, float64=1e+06)",
    );
    check(
        "Ec",
        &[
            Value::Float(f64::NAN),
            Value::strings(["x", "y"].map(String::from)),
        ],
        "Ec%!(EXTRA float64=NaN, []string=[x y])",
    );
    check(
        "%",
        &[
            Value::list(vec![Value::Int(1), s("a"), Value::Nil]),
            Value::strings(["x", "y"].map(String::from)),
            Value::Int(0),
        ],
        "%!(NOVERB)%!(EXTRA []interface {}=[1 a <nil>], []string=[x y], int=0)",
    );
    check("5", &[], "5");
    check("", &[s("a\"b")], "%!(EXTRA string=a\"b)");
    check(
        "-v*",
        &[
            Value::Int(-7),
            m(vec![
                ("a", Value::list(Vec::new())),
                ("k", Value::Float(1.5e+00)),
            ]),
            Value::Nil,
        ],
        "-v*%!(EXTRA int=-7, map[string]interface {}=map[a:[] k:1.5], <nil>)",
    );
    check(
        "[2]bFU.",
        &[Value::Float(f64::INFINITY), Value::Int64(255)],
        "[2]bFU.%!(EXTRA float64=+Inf, int64=255)",
    );
    check(
        "+%%Ues",
        &[Value::Float(1e-07)],
        "+%Ues%!(EXTRA float64=1e-07)",
    );
    check(
        "-%gd",
        &[
            Value::Float(f64::NAN),
            Value::list(vec![Value::Int(1), s("a"), Value::Nil]),
        ],
        "-NaNd%!(EXTRA []interface {}=[1 a <nil>])",
    );
    check(
        "d",
        &[
            m(vec![
                ("a", Value::list(Vec::new())),
                ("k", Value::Float(1.5e+00)),
            ]),
            Value::Int(-7),
            Value::Int(1),
        ],
        "d%!(EXTRA map[string]interface {}=map[a:[] k:1.5], int=-7, int=1)",
    );
    check(
        "g",
        &[Value::strings(["x", "y"].map(String::from))],
        "g%!(EXTRA []string=[x y])",
    );
    check(
        "%%",
        &[Value::Float(f64::INFINITY), Value::Float(f64::NAN)],
        "%%!(EXTRA float64=+Inf, float64=NaN)",
    );
    check(
        "",
        &[
            m(vec![
                ("a", Value::list(Vec::new())),
                ("k", Value::Float(1.5e+00)),
            ]),
            s(""),
        ],
        "%!(EXTRA map[string]interface {}=map[a:[] k:1.5], string=)",
    );
    check("+", &[s("a\"b")], "+%!(EXTRA string=a\"b)");
    check("[1]t.éU", &[], "[1]t.éU");
    check(
        "1t",
        &[Value::Float(0e+00), Value::Bool(true), Value::Float(0e+00)],
        "1t%!(EXTRA float64=0, bool=true, float64=0)",
    );
    check(
        ".vF.",
        &[Value::Int64(-1099511627776), Value::Int64(255)],
        ".vF.%!(EXTRA int64=-1099511627776, int64=255)",
    );
    check(
        "O*",
        &[
            m(vec![
                ("a", Value::list(Vec::new())),
                ("k", Value::Float(1.5e+00)),
            ]),
            Value::Float(1.23456789e+05),
        ],
        "O*%!(EXTRA map[string]interface {}=map[a:[] k:1.5], float64=123456.789)",
    );
    check("c[2]d[1]Fo", &[], "c[2]d[1]Fo");
    check(
        "",
        &[
            Value::Int64(255),
            Value::Int64(-1099511627776),
            Value::Int(128512),
        ],
        "%!(EXTRA int64=255, int64=-1099511627776, int=128512)",
    );
    check("!", &[], "!");
    check(
        "cE+[2]X",
        &[s("a\"b"), s("hi")],
        "cE+[2]X%!(EXTRA string=a\"b, string=hi)",
    );
    check("bdfév", &[Value::Nil], "bdfév%!(EXTRA <nil>)");
    check(
        "FFvcfé",
        &[Value::Int(1), Value::Int(65)],
        "FFvcfé%!(EXTRA int=1, int=65)",
    );
    check(
        "..5tq*",
        &[
            Value::Float(1e+06),
            Value::Float(-2.25e+00),
            Value::Int64(-1099511627776),
        ],
        "..5tq*%!(EXTRA float64=1e+06, float64=-2.25, int64=-1099511627776)",
    );
    check(
        "0F",
        &[
            Value::Int(3),
            Value::Int(-7),
            Value::strings(["x", "y"].map(String::from)),
        ],
        "0F%!(EXTRA int=3, int=-7, []string=[x y])",
    );
    check(
        "",
        &[s("héllo\n"), s("hi"), s("hi")],
        "%!(EXTRA string=héllo\n, string=hi, string=hi)",
    );
    check(
        " q",
        &[Value::Float(1.5e+00), Value::Int64(-1099511627776)],
        " q%!(EXTRA float64=1.5, int64=-1099511627776)",
    );
    check("-#%v", &[Value::Float(0e+00)], "-#0");
    check(
        "cq5[2]",
        &[Value::Float(0e+00), Value::Float(1e+06), s("a\"b")],
        "cq5[2]%!(EXTRA float64=0, float64=1e+06, string=a\"b)",
    );
    check(
        "T%5%",
        &[Value::Int(65), Value::Int(1), Value::Float(-2.25e+00)],
        "T%%!(EXTRA int=65, int=1, float64=-2.25)",
    );
    check("csE", &[], "csE");
    check(
        "#b#",
        &[s("héllo\n"), s("héllo\n")],
        "#b#%!(EXTRA string=héllo\n, string=héllo\n)",
    );
    check("Gd", &[Value::Float(1.5e+00)], "Gd%!(EXTRA float64=1.5)");
    check(
        "",
        &[Value::Float(-2.25e+00), s("a\"b")],
        "%!(EXTRA float64=-2.25, string=a\"b)",
    );
    check(
        "e0T!",
        &[s("a\"b"), Value::Nil],
        "e0T!%!(EXTRA string=a\"b, <nil>)",
    );
    check(
        "+[2]",
        &[Value::Float(1e-07)],
        "+[2]%!(EXTRA float64=1e-07)",
    );
    check(
        "[1]%",
        &[
            Value::Float(1.5e+00),
            Value::strings(["x", "y"].map(String::from)),
            Value::Int(3),
        ],
        "[1]%!(NOVERB)%!(EXTRA float64=1.5, []string=[x y], int=3)",
    );
    check("%", &[s("hi")], "%!(NOVERB)%!(EXTRA string=hi)");
    check(
        "d1gT",
        &[Value::Float(1.5e+00), s("a\"b")],
        "d1gT%!(EXTRA float64=1.5, string=a\"b)",
    );
    check(
        "5G",
        &[m(vec![
            ("a", Value::list(Vec::new())),
            ("k", Value::Float(1.5e+00)),
        ])],
        "5G%!(EXTRA map[string]interface {}=map[a:[] k:1.5])",
    );
    check("bg", &[Value::Float(1e+06)], "bg%!(EXTRA float64=1e+06)");
    check("", &[], "");
    check("tG%", &[], "tG%!(NOVERB)");
    check(
        "#Ub",
        &[Value::Int(128512), Value::Float(1.23456789e+05)],
        "#Ub%!(EXTRA int=128512, float64=123456.789)",
    );
    check("a#0", &[Value::Float(1e+06)], "a#0%!(EXTRA float64=1e+06)");
    check(
        "",
        &[Value::Float(0e+00), Value::Int64(255)],
        "%!(EXTRA float64=0, int64=255)",
    );
    check(
        "O",
        &[Value::Float(f64::NAN), Value::Float(f64::INFINITY)],
        "O%!(EXTRA float64=NaN, float64=+Inf)",
    );
    check(
        "O[1]0sad",
        &[Value::Int(128512)],
        "O[1]0sad%!(EXTRA int=128512)",
    );
    check("Xef", &[Value::Int(3)], "Xef%!(EXTRA int=3)");
    check(
        "gé*+Gg",
        &[
            Value::Float(f64::INFINITY),
            Value::Int64(-1099511627776),
            Value::Float(1e-07),
        ],
        "gé*+Gg%!(EXTRA float64=+Inf, int64=-1099511627776, float64=1e-07)",
    );
    check(
        "#!U.--",
        &[
            Value::Bool(true),
            s(""),
            Value::strings(["x", "y"].map(String::from)),
        ],
        "#!U.--%!(EXTRA bool=true, string=, []string=[x y])",
    );
    check(
        "tG.[2]",
        &[Value::Float(1.5e+00), Value::Float(1.23456789e+05)],
        "tG.[2]%!(EXTRA float64=1.5, float64=123456.789)",
    );
    check("", &[], "");
    check(
        "g",
        &[Value::Nil, Value::Float(0e+00), Value::Int64(255)],
        "g%!(EXTRA <nil>, float64=0, int64=255)",
    );
    check("Ot+Ga", &[], "Ot+Ga");
    check(
        "",
        &[Value::Float(0e+00), Value::Int(128512)],
        "%!(EXTRA float64=0, int=128512)",
    );
    check(
        "bf",
        &[Value::Float(f64::NAN), Value::Float(1e+06)],
        "bf%!(EXTRA float64=NaN, float64=1e+06)",
    );
    check("+", &[], "+");
    check(
        "",
        &[Value::Int(0), Value::Float(f64::INFINITY)],
        "%!(EXTRA int=0, float64=+Inf)",
    );
    check(
        "",
        &[s("héllo\n"), Value::Float(1e-07)],
        "%!(EXTRA string=héllo\n, float64=1e-07)",
    );
    check("TXEo[2]", &[Value::Int(-7)], "TXEo[2]%!(EXTRA int=-7)");
    check(
        "o",
        &[
            Value::list(vec![Value::Int(1), s("a"), Value::Nil]),
            Value::strings(["x", "y"].map(String::from)),
        ],
        "o%!(EXTRA []interface {}=[1 a <nil>], []string=[x y])",
    );
    check(".-", &[Value::Float(0e+00)], ".-%!(EXTRA float64=0)");
    check(
        "OT",
        &[Value::Int(128512), Value::Int(3)],
        "OT%!(EXTRA int=128512, int=3)",
    );
    check("[2]f[1]", &[], "[2]f[1]");
    check(
        "0f",
        &[Value::Int(-7), Value::Float(-2.25e+00), s("")],
        "0f%!(EXTRA int=-7, float64=-2.25, string=)",
    );
    check(
        "cg",
        &[
            Value::Float(f64::NAN),
            Value::strings(["x", "y"].map(String::from)),
        ],
        "cg%!(EXTRA float64=NaN, []string=[x y])",
    );
    check(
        "%t",
        &[s("a\"b"), Value::Int64(255), Value::Float(1e-07)],
        "%!t(string=a\"b)%!(EXTRA int64=255, float64=1e-07)",
    );
    check("TE", &[Value::Int(128512)], "TE%!(EXTRA int=128512)");
    check(
        "de",
        &[Value::Float(f64::INFINITY)],
        "de%!(EXTRA float64=+Inf)",
    );
    check("xF5%", &[], "xF5%!(NOVERB)");
    check(
        "v+ +",
        &[Value::Int(3), Value::Int(128512)],
        "v+ +%!(EXTRA int=3, int=128512)",
    );
    check("", &[], "");
    check(
        "Tgt++E",
        &[
            Value::list(vec![Value::Int(1), s("a"), Value::Nil]),
            Value::Int(65),
            Value::Int(0),
        ],
        "Tgt++E%!(EXTRA []interface {}=[1 a <nil>], int=65, int=0)",
    );
    check(" d.", &[s("héllo\n")], " d.%!(EXTRA string=héllo\n)");
    check("", &[], "");
    check("++g%", &[Value::Int(0)], "++g%!(NOVERB)%!(EXTRA int=0)");
    check(
        "s[1]Xx.[2]",
        &[
            Value::strings(["x", "y"].map(String::from)),
            Value::Float(1e+06),
            Value::Float(1.5e+00),
        ],
        "s[1]Xx.[2]%!(EXTRA []string=[x y], float64=1e+06, float64=1.5)",
    );
    check("", &[], "");
    check(
        "",
        &[Value::Int(-7), Value::Int(3)],
        "%!(EXTRA int=-7, int=3)",
    );
    check(
        "%vF q",
        &[Value::Float(1e+06), Value::Float(0e+00)],
        "1e+06F q%!(EXTRA float64=0)",
    );
    check("Oev d", &[s("a\"b")], "Oev d%!(EXTRA string=a\"b)");
    check(
        "qUgcf",
        &[Value::Float(1e-07)],
        "qUgcf%!(EXTRA float64=1e-07)",
    );
    check("fU[1]%b", &[], "fU[1]%!b(MISSING)");
    check("%E", &[Value::Float(f64::INFINITY)], "+Inf");
    check(
        "",
        &[Value::Float(1.23456789e+05)],
        "%!(EXTRA float64=123456.789)",
    );
    check("", &[Value::Float(0e+00)], "%!(EXTRA float64=0)");
    check("t", &[], "t");
    check("0%", &[], "0%!(NOVERB)");
    check(
        "",
        &[Value::list(vec![Value::Int(1), s("a"), Value::Nil])],
        "%!(EXTRA []interface {}=[1 a <nil>])",
    );
    check("Fx", &[s("a\"b")], "Fx%!(EXTRA string=a\"b)");
    check(
        "XeT%",
        &[
            Value::Int64(-1099511627776),
            Value::Int64(-1099511627776),
            Value::Float(f64::NAN),
        ],
        "XeT%!(NOVERB)%!(EXTRA int64=-1099511627776, int64=-1099511627776, float64=NaN)",
    );
    check(
        "",
        &[Value::Float(1e+06), Value::Float(1e-07), s("a\"b")],
        "%!(EXTRA float64=1e+06, float64=1e-07, string=a\"b)",
    );
    check(
        "!c*.5",
        &[Value::Float(1e-07), Value::Float(-2.25e+00)],
        "!c*.5%!(EXTRA float64=1e-07, float64=-2.25)",
    );
    check("*!Tf", &[], "*!Tf");
    check(
        "tFv",
        &[
            m(vec![
                ("a", Value::list(Vec::new())),
                ("k", Value::Float(1.5e+00)),
            ]),
            Value::Int(-7),
            m(vec![
                ("a", Value::list(Vec::new())),
                ("k", Value::Float(1.5e+00)),
            ]),
        ],
        "tFv%!(EXTRA map[string]interface {}=map[a:[] k:1.5], int=-7, map[string]interface {}=map[a:[] k:1.5])",
    );
    check(
        "",
        &[Value::Int64(-1099511627776), Value::Bool(true)],
        "%!(EXTRA int64=-1099511627776, bool=true)",
    );
    check(
        "-%xU5q",
        &[Value::list(vec![Value::Int(1), s("a"), Value::Nil])],
        "-[1 61 <nil>]U5q",
    );
    check(
        "T%",
        &[s("a\"b"), Value::Int(65)],
        "T%!(NOVERB)%!(EXTRA string=a\"b, int=65)",
    );
    check("", &[Value::Float(1e+06)], "%!(EXTRA float64=1e+06)");
    check("+[1]%%[1][1]", &[], "+[1]%[1][1]");
    check(
        "dé1e",
        &[Value::Float(0e+00), Value::Float(1e-07), s("")],
        "dé1e%!(EXTRA float64=0, float64=1e-07, string=)",
    );
    check("OEq*ct", &[], "OEq*ct");
    check(
        "s5G%b#",
        &[Value::Int64(-1099511627776)],
        "s5G-10000000000000000000000000000000000000000#",
    );
    check(
        "XOGe0o",
        &[
            Value::Float(-2.25e+00),
            Value::list(vec![Value::Int(1), s("a"), Value::Nil]),
        ],
        "XOGe0o%!(EXTRA float64=-2.25, []interface {}=[1 a <nil>])",
    );
    check("", &[Value::Float(0e+00)], "%!(EXTRA float64=0)");
    check("", &[], "");
    check(
        " 5e",
        &[
            Value::Float(-2.25e+00),
            Value::Float(1.23456789e+05),
            Value::Float(f64::NAN),
        ],
        " 5e%!(EXTRA float64=-2.25, float64=123456.789, float64=NaN)",
    );
    check(
        "+F#015",
        &[
            Value::list(vec![Value::Int(1), s("a"), Value::Nil]),
            Value::Int64(-1099511627776),
        ],
        "+F#015%!(EXTRA []interface {}=[1 a <nil>], int64=-1099511627776)",
    );
    check(
        "",
        &[
            Value::list(vec![Value::Int(1), s("a"), Value::Nil]),
            m(vec![
                ("a", Value::list(Vec::new())),
                ("k", Value::Float(1.5e+00)),
            ]),
            s("héllo\n"),
        ],
        "%!(EXTRA []interface {}=[1 a <nil>], map[string]interface {}=map[a:[] k:1.5], string=héllo\n)",
    );
    check("[2]d v", &[s("a\"b")], "[2]d v%!(EXTRA string=a\"b)");
    check("vG", &[Value::Nil], "vG%!(EXTRA <nil>)");
    check("t+0", &[], "t+0");
    check(
        "",
        &[Value::Int(128512), Value::Float(1e-07)],
        "%!(EXTRA int=128512, float64=1e-07)",
    );
    check("d", &[], "d");
    check(
        "G",
        &[Value::Int64(-1099511627776)],
        "G%!(EXTRA int64=-1099511627776)",
    );
    check(
        "%ség%[2]",
        &[
            Value::Float(1.23456789e+05),
            Value::Float(1.5e+00),
            Value::Float(1.23456789e+05),
        ],
        "%!s(float64=123456.789)ég%!(NOVERB)",
    );
    check("G", &[s("hi")], "G%!(EXTRA string=hi)");
    check("1#0", &[Value::Int(65)], "1#0%!(EXTRA int=65)");
    check(".-", &[s("a\"b")], ".-%!(EXTRA string=a\"b)");
    check(
        "bfX-",
        &[Value::Float(-2.25e+00)],
        "bfX-%!(EXTRA float64=-2.25)",
    );
    check("d", &[], "d");
    check(
        "[2]",
        &[
            s("hi"),
            Value::list(vec![Value::Int(1), s("a"), Value::Nil]),
            Value::Int64(255),
        ],
        "[2]%!(EXTRA string=hi, []interface {}=[1 a <nil>], int64=255)",
    );
    check("[1]", &[], "[1]");
    check("v", &[Value::Int(0)], "v%!(EXTRA int=0)");
    check(
        "f0cXv",
        &[
            Value::Int(-7),
            Value::list(vec![Value::Int(1), s("a"), Value::Nil]),
            Value::Float(1e+06),
        ],
        "f0cXv%!(EXTRA int=-7, []interface {}=[1 a <nil>], float64=1e+06)",
    );
    check(
        "aX5%",
        &[
            Value::Int(0),
            m(vec![
                ("a", Value::list(Vec::new())),
                ("k", Value::Float(1.5e+00)),
            ]),
        ],
        "aX5%!(NOVERB)%!(EXTRA int=0, map[string]interface {}=map[a:[] k:1.5])",
    );
    check(
        "Xxg",
        &[Value::Int(1), Value::Int64(255), Value::Float(1.5e+00)],
        "Xxg%!(EXTRA int=1, int64=255, float64=1.5)",
    );
    check(
        "gctc[2]",
        &[Value::Float(0e+00)],
        "gctc[2]%!(EXTRA float64=0)",
    );
    check(
        "",
        &[Value::Float(1e+06), Value::Float(f64::INFINITY)],
        "%!(EXTRA float64=1e+06, float64=+Inf)",
    );
    check(
        "[1]1",
        &[s("héllo\n"), Value::Int(0), Value::Float(f64::NAN)],
        "[1]1%!(EXTRA string=héllo\n, int=0, float64=NaN)",
    );
    check(
        "#bé[2]s",
        &[Value::Int64(-1099511627776)],
        "#bé[2]s%!(EXTRA int64=-1099511627776)",
    );
    check("OEO% b", &[Value::Float(1e+06)], "OEO 8589934592000000p-33");
    check(
        "ov",
        &[Value::Int64(255), Value::Int(-7)],
        "ov%!(EXTRA int64=255, int=-7)",
    );
    check(
        "o%0t",
        &[Value::strings(["x", "y"].map(String::from))],
        "o[%!t(string=x) %!t(string=y)]",
    );
    check("-dg%", &[], "-dg%!(NOVERB)");
    check("%xFg%", &[Value::Int(-7)], "-7Fg%!(NOVERB)");
    check(
        "!",
        &[
            Value::list(vec![Value::Int(1), s("a"), Value::Nil]),
            s(""),
            s(""),
        ],
        "!%!(EXTRA []interface {}=[1 a <nil>], string=, string=)",
    );
    check(
        "T",
        &[Value::Int(3), Value::Int64(-1099511627776)],
        "T%!(EXTRA int=3, int64=-1099511627776)",
    );
    check("é", &[], "é");
    check(
        " tT",
        &[Value::Float(1e-07), Value::Int(0), Value::Float(0e+00)],
        " tT%!(EXTRA float64=1e-07, int=0, float64=0)",
    );
    check("aG", &[], "aG");
    check("ec.dG", &[], "ec.dG");
    check("efvg", &[], "efvg");
    check(
        "*ao.",
        &[
            Value::Int(1),
            Value::strings(["x", "y"].map(String::from)),
            Value::Int(1),
        ],
        "*ao.%!(EXTRA int=1, []string=[x y], int=1)",
    );
    check(".%Ué", &[], ".%!U(MISSING)é");
    check("Oc", &[], "Oc");
    check("d1#", &[Value::Int(3)], "d1#%!(EXTRA int=3)");
    check(
        ".+%%",
        &[Value::Float(1e-07), Value::Int(128512), Value::Int(128512)],
        ".+%%!(EXTRA float64=1e-07, int=128512, int=128512)",
    );
    check(
        "",
        &[Value::Int64(-1099511627776)],
        "%!(EXTRA int64=-1099511627776)",
    );
    check(
        "ac",
        &[s("a\"b"), s("héllo\n"), Value::Float(1e-07)],
        "ac%!(EXTRA string=a\"b, string=héllo\n, float64=1e-07)",
    );
    check("", &[Value::Float(f64::NAN)], "%!(EXTRA float64=NaN)");
    check(" 1", &[], " 1");
    check("f%1q%x", &[Value::Int(3), s("hi")], "f'\\x03'6869");
    check(
        " e0E0.",
        &[Value::Nil, s("")],
        " e0E0.%!(EXTRA <nil>, string=)",
    );
    check(
        "E[2]E",
        &[Value::Float(1.23456789e+05)],
        "E[2]E%!(EXTRA float64=123456.789)",
    );
    check("#.", &[], "#.");
    check(
        "",
        &[Value::Int64(-1099511627776)],
        "%!(EXTRA int64=-1099511627776)",
    );
    check(
        "#",
        &[Value::Int(1), Value::Int(128512), Value::Int(3)],
        "#%!(EXTRA int=1, int=128512, int=3)",
    );
    check(
        "",
        &[Value::Int(3), Value::Float(1e+06), Value::Int(0)],
        "%!(EXTRA int=3, float64=1e+06, int=0)",
    );
    check(
        "F0bG",
        &[Value::Float(f64::INFINITY), Value::Float(0e+00)],
        "F0bG%!(EXTRA float64=+Inf, float64=0)",
    );
    check(
        "%d",
        &[Value::Float(f64::NAN), Value::Int(65)],
        "%!d(float64=NaN)%!(EXTRA int=65)",
    );
    check(
        ".csb0",
        &[
            Value::list(vec![Value::Int(1), s("a"), Value::Nil]),
            Value::Int64(-1099511627776),
            Value::Float(1e-07),
        ],
        ".csb0%!(EXTRA []interface {}=[1 a <nil>], int64=-1099511627776, float64=1e-07)",
    );
    check(
        "5",
        &[Value::Float(1.5e+00), Value::Float(1e+06), s("héllo\n")],
        "5%!(EXTRA float64=1.5, float64=1e+06, string=héllo\n)",
    );
    check("x", &[], "x");
    check("G", &[], "G");
    check("[1]-a", &[], "[1]-a");
    check("1", &[Value::Int(1)], "1%!(EXTRA int=1)");
    check(
        "XEx[1]Uq",
        &[
            s("héllo\n"),
            s("a\"b"),
            Value::strings(["x", "y"].map(String::from)),
        ],
        "XEx[1]Uq%!(EXTRA string=héllo\n, string=a\"b, []string=[x y])",
    );
    check("F.[2]5", &[Value::Int64(255)], "F.[2]5%!(EXTRA int64=255)");
    check(
        "0t*v[1]q",
        &[Value::Int(128512)],
        "0t*v[1]q%!(EXTRA int=128512)",
    );
    check("*eq", &[Value::Int(65)], "*eq%!(EXTRA int=65)");
    check(
        "eg.gxé",
        &[Value::Float(1.5e+00), Value::Float(f64::INFINITY)],
        "eg.gxé%!(EXTRA float64=1.5, float64=+Inf)",
    );
    check(
        "T",
        &[s(""), Value::Float(f64::INFINITY), Value::Int(0)],
        "T%!(EXTRA string=, float64=+Inf, int=0)",
    );
    check(
        "",
        &[Value::list(vec![Value::Int(1), s("a"), Value::Nil])],
        "%!(EXTRA []interface {}=[1 a <nil>])",
    );
    check(
        "!.[1]tTe",
        &[
            Value::Int64(255),
            Value::Float(f64::INFINITY),
            Value::Float(1.23456789e+05),
        ],
        "!.[1]tTe%!(EXTRA int64=255, float64=+Inf, float64=123456.789)",
    );
    check("", &[Value::Float(1.5e+00)], "%!(EXTRA float64=1.5)");
    check(
        "XgG%T",
        &[Value::Int(3), Value::Int64(-1099511627776), Value::Int(3)],
        "XgGint%!(EXTRA int64=-1099511627776, int=3)",
    );
    check("c%T-t", &[], "c%!T(MISSING)-t");
    check("*!x#v*", &[s("a\"b")], "*!x#v*%!(EXTRA string=a\"b)");
    check("+fsGX", &[], "+fsGX");
    check("g", &[], "g");
    check(
        "OT5t",
        &[Value::Int64(255), Value::Float(1.23456789e+05)],
        "OT5t%!(EXTRA int64=255, float64=123456.789)",
    );
    check("ax1", &[s("héllo\n")], "ax1%!(EXTRA string=héllo\n)");
    check(" ", &[], " ");
    check(
        "de[1]",
        &[Value::Nil, Value::Int(65)],
        "de[1]%!(EXTRA <nil>, int=65)",
    );
    check(
        "T",
        &[Value::Int(-7), Value::Nil, Value::Int(-7)],
        "T%!(EXTRA int=-7, <nil>, int=-7)",
    );
    check("%eéxFt", &[], "%!e(MISSING)éxFt");
    check(
        "aq*..q",
        &[
            Value::list(vec![Value::Int(1), s("a"), Value::Nil]),
            Value::list(vec![Value::Int(1), s("a"), Value::Nil]),
        ],
        "aq*..q%!(EXTRA []interface {}=[1 a <nil>], []interface {}=[1 a <nil>])",
    );
    check(
        "",
        &[s("héllo\n"), Value::Float(1.23456789e+05)],
        "%!(EXTRA string=héllo\n, float64=123456.789)",
    );
    check("GE", &[s("hi")], "GE%!(EXTRA string=hi)");
    check(
        "5",
        &[Value::Float(-2.25e+00), Value::Float(1.5e+00), Value::Nil],
        "5%!(EXTRA float64=-2.25, float64=1.5, <nil>)",
    );
    check(
        "q%Gb",
        &[
            Value::list(vec![Value::Int(1), s("a"), Value::Nil]),
            Value::Nil,
        ],
        "q[%!G(int=1) %!G(string=a) <nil>]b%!(EXTRA <nil>)",
    );
    check(".d%1g!", &[Value::Bool(true)], ".d%!g(bool=true)!");
    check(
        "1ée !g",
        &[Value::Float(1.23456789e+05), Value::Int(65), Value::Int(3)],
        "1ée !g%!(EXTRA float64=123456.789, int=65, int=3)",
    );
    check("s[1]Tsq*", &[Value::Int(0)], "s[1]Tsq*%!(EXTRA int=0)");
    check("gv[1]!", &[], "gv[1]!");
    check("#TGdé%", &[], "#TGdé%!(NOVERB)");
    check(
        "TEta#",
        &[Value::Int(1), Value::Int(65)],
        "TEta#%!(EXTRA int=1, int=65)",
    );
    check(
        "e",
        &[
            Value::strings(["x", "y"].map(String::from)),
            Value::list(vec![Value::Int(1), s("a"), Value::Nil]),
        ],
        "e%!(EXTRA []string=[x y], []interface {}=[1 a <nil>])",
    );
    check(
        "fFE",
        &[
            s("a\"b"),
            s("a\"b"),
            Value::list(vec![Value::Int(1), s("a"), Value::Nil]),
        ],
        "fFE%!(EXTRA string=a\"b, string=a\"b, []interface {}=[1 a <nil>])",
    );
    check(
        "t1ttca",
        &[Value::strings(["x", "y"].map(String::from))],
        "t1ttca%!(EXTRA []string=[x y])",
    );
    check(
        "",
        &[Value::Float(1e-07), Value::Int(1)],
        "%!(EXTRA float64=1e-07, int=1)",
    );
    check(
        "[1]t.-5g",
        &[
            m(vec![
                ("a", Value::list(Vec::new())),
                ("k", Value::Float(1.5e+00)),
            ]),
            Value::Float(1.5e+00),
        ],
        "[1]t.-5g%!(EXTRA map[string]interface {}=map[a:[] k:1.5], float64=1.5)",
    );
    check(
        "txF[1]0",
        &[Value::Int(3), Value::Nil, Value::Int(1)],
        "txF[1]0%!(EXTRA int=3, <nil>, int=1)",
    );
    check(
        "%Tbgs[2]",
        &[Value::Float(0e+00), s("héllo\n")],
        "float64bgs[2]%!(EXTRA string=héllo\n)",
    );
    check(
        "sb[2]q",
        &[Value::Int(128512), Value::Int(65), Value::Float(-2.25e+00)],
        "sb[2]q%!(EXTRA int=128512, int=65, float64=-2.25)",
    );
    check("", &[], "");
    check(
        "",
        &[Value::Int(0), Value::Float(0e+00)],
        "%!(EXTRA int=0, float64=0)",
    );
    check("1-", &[], "1-");
    check("", &[], "");
    check("F%gXéE", &[], "F%!g(MISSING)XéE");
    check(
        ".% ",
        &[
            Value::Int64(-1099511627776),
            Value::Int(0),
            Value::Int(128512),
        ],
        ".%!(NOVERB)%!(EXTRA int64=-1099511627776, int=0, int=128512)",
    );
    check(
        "E1Odé0",
        &[s(""), Value::Float(-2.25e+00)],
        "E1Odé0%!(EXTRA string=, float64=-2.25)",
    );
    check(
        "t.t#F",
        &[
            Value::Float(f64::INFINITY),
            Value::list(vec![Value::Int(1), s("a"), Value::Nil]),
        ],
        "t.t#F%!(EXTRA float64=+Inf, []interface {}=[1 a <nil>])",
    );
    check(" e!Fs", &[], " e!Fs");
    check(
        "d",
        &[
            Value::Nil,
            Value::Float(1e+06),
            Value::Int64(-1099511627776),
        ],
        "d%!(EXTRA <nil>, float64=1e+06, int64=-1099511627776)",
    );
    check(
        "gq ",
        &[
            s("a\"b"),
            m(vec![
                ("a", Value::list(Vec::new())),
                ("k", Value::Float(1.5e+00)),
            ]),
        ],
        "gq %!(EXTRA string=a\"b, map[string]interface {}=map[a:[] k:1.5])",
    );
    check(
        "+[2]",
        &[Value::Int(128512), Value::Float(1e-07)],
        "+[2]%!(EXTRA int=128512, float64=1e-07)",
    );
    check("te", &[], "te");
    check("", &[], "");
    check(
        "%éé",
        &[Value::Int64(-1099511627776), Value::Nil, Value::Int64(255)],
        "%!é(int64=-1099511627776)é%!(EXTRA <nil>, int64=255)",
    );
    check("bU+", &[s("hi")], "bU+%!(EXTRA string=hi)");
    check(
        "[2]xdb5#",
        &[Value::Float(f64::INFINITY), Value::Nil, Value::Int(-7)],
        "[2]xdb5#%!(EXTRA float64=+Inf, <nil>, int=-7)",
    );
    check(
        "xU.",
        &[Value::Float(f64::INFINITY), s("a\"b"), Value::Bool(true)],
        "xU.%!(EXTRA float64=+Inf, string=a\"b, bool=true)",
    );
    check(
        "#E%*.g",
        &[Value::Bool(true), Value::Nil],
        "#E%!(BADWIDTH)%!g(<nil>)",
    );
    check(
        "x0s!ox",
        &[Value::Int(0), Value::Int(65), Value::Int(1)],
        "x0s!ox%!(EXTRA int=0, int=65, int=1)",
    );
    check(".eé!", &[Value::Int(65)], ".eé!%!(EXTRA int=65)");
    check("gg5", &[], "gg5");
    check("U[1]FFE", &[], "U[1]FFE");
    check(
        "X1",
        &[
            m(vec![
                ("a", Value::list(Vec::new())),
                ("k", Value::Float(1.5e+00)),
            ]),
            Value::Float(f64::INFINITY),
        ],
        "X1%!(EXTRA map[string]interface {}=map[a:[] k:1.5], float64=+Inf)",
    );
    check(
        "-x",
        &[Value::Int64(-1099511627776)],
        "-x%!(EXTRA int64=-1099511627776)",
    );
    check(
        "E",
        &[
            m(vec![
                ("a", Value::list(Vec::new())),
                ("k", Value::Float(1.5e+00)),
            ]),
            Value::strings(["x", "y"].map(String::from)),
        ],
        "E%!(EXTRA map[string]interface {}=map[a:[] k:1.5], []string=[x y])",
    );
    check(
        "G-fsU",
        &[Value::Float(1e+06), Value::Float(1e+06), Value::Int(-7)],
        "G-fsU%!(EXTRA float64=1e+06, float64=1e+06, int=-7)",
    );
    check("G", &[], "G");
    check("b", &[Value::Nil, Value::Int(1)], "b%!(EXTRA <nil>, int=1)");
    check("xa.E", &[], "xa.E");
    check(
        "b",
        &[
            Value::Float(1.5e+00),
            Value::Float(f64::INFINITY),
            Value::Float(1e+06),
        ],
        "b%!(EXTRA float64=1.5, float64=+Inf, float64=1e+06)",
    );
    check(
        "o+gd",
        &[
            m(vec![
                ("a", Value::list(Vec::new())),
                ("k", Value::Float(1.5e+00)),
            ]),
            Value::list(vec![Value::Int(1), s("a"), Value::Nil]),
        ],
        "o+gd%!(EXTRA map[string]interface {}=map[a:[] k:1.5], []interface {}=[1 a <nil>])",
    );
    check("%X", &[Value::Float(-2.25e+00)], "-0X1.2P+01");
    check(
        "Gfc",
        &[Value::Float(1e-07), Value::Int(65)],
        "Gfc%!(EXTRA float64=1e-07, int=65)",
    );
    check("!cGTX", &[], "!cGTX");
    check("%é1%U[2]", &[Value::Int(1)], "%!é(int=1)1%!U(MISSING)[2]");
    check(".00X5 ", &[], ".00X5 ");
    check(
        "-[1]*cc",
        &[
            Value::list(vec![Value::Int(1), s("a"), Value::Nil]),
            Value::Float(-2.25e+00),
        ],
        "-[1]*cc%!(EXTRA []interface {}=[1 a <nil>], float64=-2.25)",
    );
    check("0[1]%", &[Value::Int(-7)], "0[1]%!(NOVERB)%!(EXTRA int=-7)");
    check("*.+gUF", &[], "*.+gUF");
    check(
        "O",
        &[Value::Nil, s("héllo\n")],
        "O%!(EXTRA <nil>, string=héllo\n)",
    );
    check(
        "gd",
        &[s("héllo\n"), s("héllo\n")],
        "gd%!(EXTRA string=héllo\n, string=héllo\n)",
    );
    check(
        "%#",
        &[
            Value::list(vec![Value::Int(1), s("a"), Value::Nil]),
            Value::strings(["x", "y"].map(String::from)),
        ],
        "%!(NOVERB)%!(EXTRA []interface {}=[1 a <nil>], []string=[x y])",
    );
    check("1[1]", &[], "1[1]");
    check(
        "xvt",
        &[Value::Float(f64::INFINITY)],
        "xvt%!(EXTRA float64=+Inf)",
    );
    check(
        "",
        &[
            Value::Float(f64::NAN),
            Value::Float(f64::NAN),
            Value::Bool(true),
        ],
        "%!(EXTRA float64=NaN, float64=NaN, bool=true)",
    );
    check(
        "dét",
        &[
            Value::Float(1.23456789e+05),
            Value::Float(1e-07),
            m(vec![
                ("a", Value::list(Vec::new())),
                ("k", Value::Float(1.5e+00)),
            ]),
        ],
        "dét%!(EXTRA float64=123456.789, float64=1e-07, map[string]interface {}=map[a:[] k:1.5])",
    );
    check("X%EbT", &[Value::Float(-2.25e+00)], "X-2.250000E+00bT");
    check(
        "%O",
        &[Value::Int(65), Value::Float(1e-07)],
        "0o101%!(EXTRA float64=1e-07)",
    );
    check(
        "Fcdv",
        &[
            Value::list(vec![Value::Int(1), s("a"), Value::Nil]),
            Value::Float(0e+00),
        ],
        "Fcdv%!(EXTRA []interface {}=[1 a <nil>], float64=0)",
    );
    check(
        "X",
        &[
            Value::Float(-2.25e+00),
            s("hi"),
            Value::Float(f64::INFINITY),
        ],
        "X%!(EXTRA float64=-2.25, string=hi, float64=+Inf)",
    );
    check("", &[], "");
    check(
        "foGt*",
        &[Value::Int(0), Value::Int(0), Value::Float(1e+06)],
        "foGt*%!(EXTRA int=0, int=0, float64=1e+06)",
    );
    check(
        "FF",
        &[
            Value::Int(128512),
            m(vec![
                ("a", Value::list(Vec::new())),
                ("k", Value::Float(1.5e+00)),
            ]),
            Value::list(vec![Value::Int(1), s("a"), Value::Nil]),
        ],
        "FF%!(EXTRA int=128512, map[string]interface {}=map[a:[] k:1.5], []interface {}=[1 a <nil>])",
    );
    check("xxb 0é", &[s("")], "xxb 0é%!(EXTRA string=)");
    check(
        "e0[1]1..",
        &[Value::Float(-2.25e+00)],
        "e0[1]1..%!(EXTRA float64=-2.25)",
    );
    check("ct.[1]", &[], "ct.[1]");
    check(
        "*.",
        &[Value::Float(1e+06), Value::Float(f64::INFINITY)],
        "*.%!(EXTRA float64=1e+06, float64=+Inf)",
    );
    check("ggv", &[s("héllo\n")], "ggv%!(EXTRA string=héllo\n)");
    check("b[2] ", &[], "b[2] ");
    check(
        "E*d#",
        &[Value::Int64(255), Value::Int(0), Value::Float(f64::NAN)],
        "E*d#%!(EXTRA int64=255, int=0, float64=NaN)",
    );
    check("0so", &[], "0so");
    check("!sa", &[], "!sa");
    check("", &[s("a\"b")], "%!(EXTRA string=a\"b)");
    check("", &[Value::Float(1e-07)], "%!(EXTRA float64=1e-07)");
    check(" ", &[], " ");
    check(
        "0ggé0x",
        &[
            Value::list(vec![Value::Int(1), s("a"), Value::Nil]),
            Value::Nil,
        ],
        "0ggé0x%!(EXTRA []interface {}=[1 a <nil>], <nil>)",
    );
    check("O0qxqo", &[], "O0qxqo");
    check("E-", &[Value::Int64(255)], "E-%!(EXTRA int64=255)");
    check("0", &[], "0");
    check(
        "%%ef ",
        &[Value::strings(["x", "y"].map(String::from))],
        "%ef %!(EXTRA []string=[x y])",
    );
    check("O.", &[], "O.");
    check(
        "OOéd",
        &[
            Value::Int64(255),
            Value::list(vec![Value::Int(1), s("a"), Value::Nil]),
        ],
        "OOéd%!(EXTRA int64=255, []interface {}=[1 a <nil>])",
    );
    check(
        "+. [2]xo",
        &[
            Value::Float(1e+06),
            Value::Int(65),
            Value::list(vec![Value::Int(1), s("a"), Value::Nil]),
        ],
        "+. [2]xo%!(EXTRA float64=1e+06, int=65, []interface {}=[1 a <nil>])",
    );
    check("", &[Value::Float(f64::INFINITY)], "%!(EXTRA float64=+Inf)");
    check(
        ".o",
        &[Value::Nil, Value::Float(1.5e+00)],
        ".o%!(EXTRA <nil>, float64=1.5)",
    );
    check(
        "v*E%",
        &[Value::Bool(true)],
        "v*E%!(NOVERB)%!(EXTRA bool=true)",
    );
    check("", &[Value::Float(f64::INFINITY)], "%!(EXTRA float64=+Inf)");
    check("U +", &[s("")], "U +%!(EXTRA string=)");
    check(
        "s%g.xd",
        &[s("héllo\n"), Value::Int64(-1099511627776)],
        "s%!g(string=héllo\n).xd%!(EXTRA int64=-1099511627776)",
    );
    check("X[1]", &[Value::Int(3)], "X[1]%!(EXTRA int=3)");
    check(
        "e.0*X",
        &[s(""), Value::Int(128512), Value::Float(1.5e+00)],
        "e.0*X%!(EXTRA string=, int=128512, float64=1.5)",
    );
    check(
        "q",
        &[Value::Float(f64::INFINITY), Value::Float(1.23456789e+05)],
        "q%!(EXTRA float64=+Inf, float64=123456.789)",
    );
    check("[2]*.d", &[], "[2]*.d");
    check(
        "5",
        &[
            Value::Int(0),
            Value::Int(128512),
            Value::Float(1.23456789e+05),
        ],
        "5%!(EXTRA int=0, int=128512, float64=123456.789)",
    );
    check(
        "d",
        &[Value::Int(3), Value::Int64(-1099511627776)],
        "d%!(EXTRA int=3, int64=-1099511627776)",
    );
    check(
        "-b%[1]oo",
        &[
            Value::Int(1),
            Value::strings(["x", "y"].map(String::from)),
            Value::Nil,
        ],
        "-b1o",
    );
    check("Uv", &[s("héllo\n")], "Uv%!(EXTRA string=héllo\n)");
    check(
        " ",
        &[Value::Nil, s("a\"b"), Value::Float(1e+06)],
        " %!(EXTRA <nil>, string=a\"b, float64=1e+06)",
    );
    check("ot1Ofv", &[], "ot1Ofv");
    check(
        "e",
        &[Value::Float(f64::NAN), s("hi"), Value::Float(1.5e+00)],
        "e%!(EXTRA float64=NaN, string=hi, float64=1.5)",
    );
    check(
        "#.FOf",
        &[
            Value::Float(1.23456789e+05),
            Value::Float(f64::INFINITY),
            Value::Float(-2.25e+00),
        ],
        "#.FOf%!(EXTRA float64=123456.789, float64=+Inf, float64=-2.25)",
    );
    check(
        "qé+",
        &[
            Value::Float(0e+00),
            Value::Float(-2.25e+00),
            Value::Bool(true),
        ],
        "qé+%!(EXTRA float64=0, float64=-2.25, bool=true)",
    );
    check(
        "",
        &[Value::Float(1.23456789e+05), Value::Nil, Value::Int(128512)],
        "%!(EXTRA float64=123456.789, <nil>, int=128512)",
    );
    check("df!", &[s("hi")], "df!%!(EXTRA string=hi)");
    check(
        "ctg#!",
        &[
            Value::strings(["x", "y"].map(String::from)),
            s(""),
            Value::Float(1e+06),
        ],
        "ctg#!%!(EXTRA []string=[x y], string=, float64=1e+06)",
    );
    check(
        "1v ",
        &[
            Value::Float(1.5e+00),
            Value::Int64(-1099511627776),
            Value::Int(0),
        ],
        "1v %!(EXTRA float64=1.5, int64=-1099511627776, int=0)",
    );
    check("*[1]", &[], "*[1]");
    check(
        "1X ",
        &[Value::Int(-7), Value::Float(f64::NAN)],
        "1X %!(EXTRA int=-7, float64=NaN)",
    );
    check("évT1ds", &[Value::Int64(255)], "évT1ds%!(EXTRA int64=255)");
    check("[2]b", &[], "[2]b");
    check("bb", &[], "bb");
    check(
        "%xT",
        &[Value::Int(3), Value::Float(1.23456789e+05)],
        "3T%!(EXTRA float64=123456.789)",
    );
    check(
        "",
        &[
            Value::Int(1),
            Value::Float(f64::INFINITY),
            Value::Bool(true),
        ],
        "%!(EXTRA int=1, float64=+Inf, bool=true)",
    );
    check(
        "",
        &[Value::Int(-7), Value::Int(65)],
        "%!(EXTRA int=-7, int=65)",
    );
    check(
        "E%b",
        &[
            Value::Float(1.23456789e+05),
            Value::Float(0e+00),
            Value::Float(1.5e+00),
        ],
        "E8483885939586761p-36%!(EXTRA float64=0, float64=1.5)",
    );
    check(
        "1",
        &[
            Value::Float(f64::NAN),
            Value::Int(3),
            Value::Float(f64::INFINITY),
        ],
        "1%!(EXTRA float64=NaN, int=3, float64=+Inf)",
    );
    check(
        "ob5",
        &[Value::Int(65), Value::Nil, s("a\"b")],
        "ob5%!(EXTRA int=65, <nil>, string=a\"b)",
    );
    check("qXGc", &[Value::Int(-7)], "qXGc%!(EXTRA int=-7)");
    check(
        "FvqFG",
        &[
            Value::Float(1e+06),
            Value::Float(1e-07),
            m(vec![
                ("a", Value::list(Vec::new())),
                ("k", Value::Float(1.5e+00)),
            ]),
        ],
        "FvqFG%!(EXTRA float64=1e+06, float64=1e-07, map[string]interface {}=map[a:[] k:1.5])",
    );
    check(
        "",
        &[
            Value::Float(1.5e+00),
            Value::Float(f64::INFINITY),
            Value::Float(-2.25e+00),
        ],
        "%!(EXTRA float64=1.5, float64=+Inf, float64=-2.25)",
    );
    check(
        "%%%E[2]é",
        &[s("héllo\n"), Value::Bool(true)],
        "%%!E(string=héllo\n)[2]é%!(EXTRA bool=true)",
    );
    check(
        "-eUv+0",
        &[
            Value::Int(65),
            Value::list(vec![Value::Int(1), s("a"), Value::Nil]),
            s("héllo\n"),
        ],
        "-eUv+0%!(EXTRA int=65, []interface {}=[1 a <nil>], string=héllo\n)",
    );
    check(
        "bs[2]5c",
        &[
            m(vec![
                ("a", Value::list(Vec::new())),
                ("k", Value::Float(1.5e+00)),
            ]),
            Value::Float(1e+06),
        ],
        "bs[2]5c%!(EXTRA map[string]interface {}=map[a:[] k:1.5], float64=1e+06)",
    );
    check("b", &[Value::Nil, s("hi")], "b%!(EXTRA <nil>, string=hi)");
    check("qot1q", &[], "qot1q");
    check(
        "",
        &[Value::Int(65), Value::Bool(true)],
        "%!(EXTRA int=65, bool=true)",
    );
    check("*", &[Value::Float(1.5e+00)], "*%!(EXTRA float64=1.5)");
    check("", &[s(""), Value::Int(65)], "%!(EXTRA string=, int=65)");
    check("", &[], "");
    check("eo-", &[], "eo-");
    check(
        "",
        &[Value::Int(65), s("a\"b")],
        "%!(EXTRA int=65, string=a\"b)",
    );
    check(
        "",
        &[Value::Float(1.5e+00), Value::Float(1.5e+00), Value::Int(3)],
        "%!(EXTRA float64=1.5, float64=1.5, int=3)",
    );
    check(
        "",
        &[Value::Float(1e-07), Value::Float(1e-07)],
        "%!(EXTRA float64=1e-07, float64=1e-07)",
    );
    check(
        "cq-5o!",
        &[
            s("héllo\n"),
            Value::Nil,
            m(vec![
                ("a", Value::list(Vec::new())),
                ("k", Value::Float(1.5e+00)),
            ]),
        ],
        "cq-5o!%!(EXTRA string=héllo\n, <nil>, map[string]interface {}=map[a:[] k:1.5])",
    );
    check(
        "tvfv",
        &[Value::Int(65), Value::Int64(255), Value::Int64(255)],
        "tvfv%!(EXTRA int=65, int64=255, int64=255)",
    );
    check(
        "t [1]aT.",
        &[Value::Float(0e+00)],
        "t [1]aT.%!(EXTRA float64=0)",
    );
    check(
        "[2]F x",
        &[Value::Int64(255), Value::Int64(255)],
        "[2]F x%!(EXTRA int64=255, int64=255)",
    );
    check(
        "%X",
        &[Value::Int(0), Value::Float(1.5e+00), s("hi")],
        "0%!(EXTRA float64=1.5, string=hi)",
    );
    check("o%e", &[], "o%!e(MISSING)");
    check("", &[], "");
    check(
        "td ",
        &[Value::Float(f64::INFINITY), Value::Nil],
        "td %!(EXTRA float64=+Inf, <nil>)",
    );
    check(
        "5a+*",
        &[Value::Int(65), s("hi")],
        "5a+*%!(EXTRA int=65, string=hi)",
    );
    check("", &[s("héllo\n")], "%!(EXTRA string=héllo\n)");
    check("!f", &[Value::Int(65)], "!f%!(EXTRA int=65)");
    check("", &[Value::Float(f64::INFINITY)], "%!(EXTRA float64=+Inf)");
    check(
        "v",
        &[
            Value::Float(1.23456789e+05),
            m(vec![
                ("a", Value::list(Vec::new())),
                ("k", Value::Float(1.5e+00)),
            ]),
        ],
        "v%!(EXTRA float64=123456.789, map[string]interface {}=map[a:[] k:1.5])",
    );
    check(
        "c",
        &[s("héllo\n"), s(""), Value::Nil],
        "c%!(EXTRA string=héllo\n, string=, <nil>)",
    );
    check("ebF[2]", &[Value::Int(3)], "ebF[2]%!(EXTRA int=3)");
    check(
        "+gE[2]5",
        &[Value::Float(1.5e+00), Value::Float(1e-07), s("")],
        "+gE[2]5%!(EXTRA float64=1.5, float64=1e-07, string=)",
    );
    check(
        "",
        &[
            Value::Int64(255),
            Value::Float(1e+06),
            Value::strings(["x", "y"].map(String::from)),
        ],
        "%!(EXTRA int64=255, float64=1e+06, []string=[x y])",
    );
    check(
        "",
        &[Value::Int(3), Value::Bool(true), Value::Float(1.5e+00)],
        "%!(EXTRA int=3, bool=true, float64=1.5)",
    );
    check("%", &[], "%!(NOVERB)");
    check("t.t1f", &[], "t.t1f");
    check("", &[], "");
    check(
        "v",
        &[s("hi"), Value::Float(0e+00)],
        "v%!(EXTRA string=hi, float64=0)",
    );
    check("", &[Value::Float(0e+00)], "%!(EXTRA float64=0)");
    check("U", &[], "U");
    check("", &[Value::Int(65)], "%!(EXTRA int=65)");
    check(
        "s*.cvU",
        &[Value::Float(f64::NAN), s("héllo\n")],
        "s*.cvU%!(EXTRA float64=NaN, string=héllo\n)",
    );
    check(
        ".-%",
        &[
            Value::Int(1),
            Value::Float(1e-07),
            Value::strings(["x", "y"].map(String::from)),
        ],
        ".-%!(NOVERB)%!(EXTRA int=1, float64=1e-07, []string=[x y])",
    );
    check(
        "ccc",
        &[Value::Int(3), Value::Nil],
        "ccc%!(EXTRA int=3, <nil>)",
    );
    check(
        "5G5.d",
        &[s("hi"), s("")],
        "5G5.d%!(EXTRA string=hi, string=)",
    );
    check("q!é", &[Value::Int(128512)], "q!é%!(EXTRA int=128512)");
    check("%T", &[Value::Float(0e+00)], "float64");
    check(
        "bT+Oat",
        &[s("hi"), Value::Float(0e+00)],
        "bT+Oat%!(EXTRA string=hi, float64=0)",
    );
    check("%O.!FX", &[s("a\"b")], "%!O(string=a\"b).!FX");
    check(
        "",
        &[
            Value::Int(128512),
            m(vec![
                ("a", Value::list(Vec::new())),
                ("k", Value::Float(1.5e+00)),
            ]),
            Value::list(vec![Value::Int(1), s("a"), Value::Nil]),
        ],
        "%!(EXTRA int=128512, map[string]interface {}=map[a:[] k:1.5], []interface {}=[1 a <nil>])",
    );
    check("v", &[Value::Float(1e-07)], "v%!(EXTRA float64=1e-07)");
    check(
        "5+q-v",
        &[Value::Int(3), Value::strings(["x", "y"].map(String::from))],
        "5+q-v%!(EXTRA int=3, []string=[x y])",
    );
    check(
        "bE*+1o",
        &[s(""), s("a\"b")],
        "bE*+1o%!(EXTRA string=, string=a\"b)",
    );
    check(
        "%é",
        &[s("a\"b"), Value::Float(0e+00), s("héllo\n")],
        "%!é(string=a\"b)%!(EXTRA float64=0, string=héllo\n)",
    );
    check(
        "UE%*",
        &[
            Value::strings(["x", "y"].map(String::from)),
            Value::Float(1.23456789e+05),
        ],
        "UE%!(BADWIDTH)%!(NOVERB)%!(EXTRA float64=123456.789)",
    );
    check(
        "",
        &[
            Value::Float(0e+00),
            m(vec![
                ("a", Value::list(Vec::new())),
                ("k", Value::Float(1.5e+00)),
            ]),
        ],
        "%!(EXTRA float64=0, map[string]interface {}=map[a:[] k:1.5])",
    );
    check(
        "",
        &[
            Value::Float(1.23456789e+05),
            Value::strings(["x", "y"].map(String::from)),
        ],
        "%!(EXTRA float64=123456.789, []string=[x y])",
    );
    check(
        "%g",
        &[
            Value::Int64(-1099511627776),
            Value::Int64(-1099511627776),
            Value::Int64(255),
        ],
        "%!g(int64=-1099511627776)%!(EXTRA int64=-1099511627776, int64=255)",
    );
    check(
        "aaFaG",
        &[Value::Int64(255), Value::Int64(-1099511627776)],
        "aaFaG%!(EXTRA int64=255, int64=-1099511627776)",
    );
    check("%f5sda", &[], "%!f(MISSING)5sda");
    check(
        "vé#",
        &[Value::Int64(-1099511627776), Value::Float(f64::NAN)],
        "vé#%!(EXTRA int64=-1099511627776, float64=NaN)",
    );
    check("xT%", &[], "xT%!(NOVERB)");
    check(
        "c+%%",
        &[
            Value::Int64(-1099511627776),
            Value::Int64(255),
            Value::Bool(true),
        ],
        "c+%%!(EXTRA int64=-1099511627776, int64=255, bool=true)",
    );
    check(
        "féOU#+",
        &[Value::Int(0), Value::Float(1.5e+00), Value::Float(1e-07)],
        "féOU#+%!(EXTRA int=0, float64=1.5, float64=1e-07)",
    );
    check("%", &[s("hi")], "%!(NOVERB)%!(EXTRA string=hi)");
    check(
        "t*x",
        &[Value::Int(-7), Value::Int(0)],
        "t*x%!(EXTRA int=-7, int=0)",
    );
    check(
        "%a.[2]Ev",
        &[Value::Float(1e-07)],
        "%!a(float64=1e-07).[2]Ev",
    );
    check("", &[s("")], "%!(EXTRA string=)");
    check("q0", &[], "q0");
    check(
        "5xds",
        &[s(""), Value::Float(0e+00)],
        "5xds%!(EXTRA string=, float64=0)",
    );
    check("", &[Value::Int(65)], "%!(EXTRA int=65)");
    check(
        "x%%d0",
        &[
            Value::strings(["x", "y"].map(String::from)),
            Value::Int64(-1099511627776),
        ],
        "x%d0%!(EXTRA []string=[x y], int64=-1099511627776)",
    );
    check(
        "",
        &[Value::Int64(255), Value::Int64(255)],
        "%!(EXTRA int64=255, int64=255)",
    );
    check("ofcEa", &[Value::Nil], "ofcEa%!(EXTRA <nil>)");
    check(
        "[1]%bG %",
        &[
            Value::Float(1.5e+00),
            Value::Int(1),
            Value::Float(1.23456789e+05),
        ],
        "[1]6755399441055744p-52G %!(NOVERB)%!(EXTRA int=1, float64=123456.789)",
    );
    check(
        "",
        &[Value::Int(1), Value::Int64(-1099511627776)],
        "%!(EXTRA int=1, int64=-1099511627776)",
    );
    check(
        "f",
        &[Value::Float(-2.25e+00), Value::Int(0), Value::Int(3)],
        "f%!(EXTRA float64=-2.25, int=0, int=3)",
    );
    check(
        "O%x.",
        &[
            Value::Int(1),
            Value::Int64(255),
            Value::list(vec![Value::Int(1), s("a"), Value::Nil]),
        ],
        "O1.%!(EXTRA int64=255, []interface {}=[1 a <nil>])",
    );
    check("TG", &[], "TG");
    check(
        "es%",
        &[Value::Nil, Value::Int(1), Value::Float(-2.25e+00)],
        "es%!(NOVERB)%!(EXTRA <nil>, int=1, float64=-2.25)",
    );
    check(
        "a[1]",
        &[Value::Int(1), Value::Int(0), Value::Float(f64::INFINITY)],
        "a[1]%!(EXTRA int=1, int=0, float64=+Inf)",
    );
    check(
        "",
        &[
            Value::strings(["x", "y"].map(String::from)),
            Value::Float(1.23456789e+05),
        ],
        "%!(EXTRA []string=[x y], float64=123456.789)",
    );
    check(
        "bG05",
        &[Value::Int(1), s("hi")],
        "bG05%!(EXTRA int=1, string=hi)",
    );
    check(
        "%%f%é",
        &[Value::Float(f64::NAN), Value::Float(0e+00)],
        "%f%!é(float64=NaN)%!(EXTRA float64=0)",
    );
    check(
        "",
        &[
            Value::Nil,
            m(vec![
                ("a", Value::list(Vec::new())),
                ("k", Value::Float(1.5e+00)),
            ]),
            Value::Float(f64::NAN),
        ],
        "%!(EXTRA <nil>, map[string]interface {}=map[a:[] k:1.5], float64=NaN)",
    );
    check(
        "X[2]b",
        &[s("hi"), Value::Int64(-1099511627776)],
        "X[2]b%!(EXTRA string=hi, int64=-1099511627776)",
    );
    check("T+1oxq", &[], "T+1oxq");
    check(
        "5O-d",
        &[Value::Int(0), Value::Int(0)],
        "5O-d%!(EXTRA int=0, int=0)",
    );
    check("", &[Value::Float(-2.25e+00)], "%!(EXTRA float64=-2.25)");
    check(
        "[1]",
        &[Value::Float(1e-07), Value::Int(1), Value::Bool(true)],
        "[1]%!(EXTRA float64=1e-07, int=1, bool=true)",
    );
    check(
        "G-qq",
        &[Value::Float(f64::NAN)],
        "G-qq%!(EXTRA float64=NaN)",
    );
    check("%5-", &[Value::Float(-2.25e+00)], "%!-(float64=-2.25)");
    check(
        "-",
        &[Value::Float(1.23456789e+05)],
        "-%!(EXTRA float64=123456.789)",
    );
    check(
        "a[1]%",
        &[Value::Int64(-1099511627776)],
        "a[1]%!(NOVERB)%!(EXTRA int64=-1099511627776)",
    );
    check(
        "#E x1",
        &[Value::strings(["x", "y"].map(String::from))],
        "#E x1%!(EXTRA []string=[x y])",
    );
    check(
        " E",
        &[s("a\"b"), Value::Int(-7)],
        " E%!(EXTRA string=a\"b, int=-7)",
    );
    check("GaeEo", &[], "GaeEo");
    check(
        "g",
        &[s(""), s("héllo\n"), Value::Float(-2.25e+00)],
        "g%!(EXTRA string=, string=héllo\n, float64=-2.25)",
    );
    check("Eq", &[Value::Float(1e+06)], "Eq%!(EXTRA float64=1e+06)");
    check(
        "",
        &[
            Value::list(vec![Value::Int(1), s("a"), Value::Nil]),
            Value::Float(f64::NAN),
        ],
        "%!(EXTRA []interface {}=[1 a <nil>], float64=NaN)",
    );
    check(
        "1Xe%0E",
        &[Value::Float(f64::INFINITY), s("hi")],
        "1Xe+Inf%!(EXTRA string=hi)",
    );
    check(
        "x*vx",
        &[
            Value::Int(128512),
            Value::Float(1.5e+00),
            Value::Float(1e-07),
        ],
        "x*vx%!(EXTRA int=128512, float64=1.5, float64=1e-07)",
    );
    check(
        "ag1OXa",
        &[Value::Int(3), Value::Int64(255)],
        "ag1OXa%!(EXTRA int=3, int64=255)",
    );
    check(
        "%b#",
        &[
            Value::Int64(-1099511627776),
            Value::Float(1e-07),
            Value::Float(1e+06),
        ],
        "-10000000000000000000000000000000000000000#%!(EXTRA float64=1e-07, float64=1e+06)",
    );
    check("-", &[s("hi")], "-%!(EXTRA string=hi)");
    check(
        "%gtUO",
        &[
            Value::Float(f64::NAN),
            Value::Int64(255),
            Value::Int64(-1099511627776),
        ],
        "NaNtUO%!(EXTRA int64=255, int64=-1099511627776)",
    );
    check("E", &[], "E");
    check(
        ".%tEe",
        &[Value::list(vec![Value::Int(1), s("a"), Value::Nil])],
        ".[%!t(int=1) %!t(string=a) <nil>]Ee",
    );
    check("E+bs", &[], "E+bs");
    check(
        "GgcG",
        &[Value::Int(3), Value::Float(1e-07)],
        "GgcG%!(EXTRA int=3, float64=1e-07)",
    );
    check("béU ", &[], "béU ");
    check(
        "%Td+!",
        &[
            Value::strings(["x", "y"].map(String::from)),
            Value::Nil,
            s(""),
        ],
        "[]stringd+!%!(EXTRA <nil>, string=)",
    );
    check(
        "",
        &[
            s("a\"b"),
            m(vec![
                ("a", Value::list(Vec::new())),
                ("k", Value::Float(1.5e+00)),
            ]),
        ],
        "%!(EXTRA string=a\"b, map[string]interface {}=map[a:[] k:1.5])",
    );
    check(
        "5.[1]e c",
        &[Value::Float(-2.25e+00)],
        "5.[1]e c%!(EXTRA float64=-2.25)",
    );
    check(
        "",
        &[s("a\"b"), Value::Float(-2.25e+00)],
        "%!(EXTRA string=a\"b, float64=-2.25)",
    );
    check("Fé.d", &[], "Fé.d");
    check("G ", &[Value::Bool(true)], "G %!(EXTRA bool=true)");
    check(
        "q",
        &[Value::Int(-7), Value::Float(1e+06), Value::Int64(255)],
        "q%!(EXTRA int=-7, float64=1e+06, int64=255)",
    );
    check("Obv", &[s("hi")], "Obv%!(EXTRA string=hi)");
    check("", &[Value::Int(1)], "%!(EXTRA int=1)");
    check("tO-Oc", &[], "tO-Oc");
    check(
        "T*+é05",
        &[Value::Float(1.23456789e+05), s("héllo\n"), s("héllo\n")],
        "T*+é05%!(EXTRA float64=123456.789, string=héllo\n, string=héllo\n)",
    );
    check("s1ee%e", &[Value::Int(65)], "s1ee%!e(int=65)");
    check(
        "Xq%X.o",
        &[s("a\"b"), Value::Float(0e+00)],
        "Xq612262.o%!(EXTRA float64=0)",
    );
    check(
        "q%",
        &[
            m(vec![
                ("a", Value::list(Vec::new())),
                ("k", Value::Float(1.5e+00)),
            ]),
            Value::Bool(true),
        ],
        "q%!(NOVERB)%!(EXTRA map[string]interface {}=map[a:[] k:1.5], bool=true)",
    );
    check(
        "f",
        &[Value::Int(3), Value::Int64(255)],
        "f%!(EXTRA int=3, int64=255)",
    );
    check("%", &[Value::Int(65)], "%!(NOVERB)%!(EXTRA int=65)");
    check(
        " *X",
        &[Value::Int64(-1099511627776)],
        " *X%!(EXTRA int64=-1099511627776)",
    );
    check("- f", &[], "- f");
    check(
        "v",
        &[Value::Float(1.23456789e+05)],
        "v%!(EXTRA float64=123456.789)",
    );
    check(
        "",
        &[Value::Float(-2.25e+00), s("a\"b")],
        "%!(EXTRA float64=-2.25, string=a\"b)",
    );
    check(
        "EqE%",
        &[
            Value::strings(["x", "y"].map(String::from)),
            Value::Bool(true),
            Value::Float(1.5e+00),
        ],
        "EqE%!(NOVERB)%!(EXTRA []string=[x y], bool=true, float64=1.5)",
    );
    check("%#%!0", &[], "%!0");
    check(
        "f%.",
        &[Value::Int64(255), Value::Int(3)],
        "f%!.(int64=255)%!(EXTRA int=3)",
    );
    check(
        "e!f",
        &[Value::Float(-2.25e+00)],
        "e!f%!(EXTRA float64=-2.25)",
    );
    check(
        ".-",
        &[Value::Int64(-1099511627776)],
        ".-%!(EXTRA int64=-1099511627776)",
    );
    check(
        "g",
        &[Value::Float(-2.25e+00), Value::Float(f64::INFINITY)],
        "g%!(EXTRA float64=-2.25, float64=+Inf)",
    );
    check(
        "x[2][2]!",
        &[Value::Float(f64::NAN), Value::Int64(255)],
        "x[2][2]!%!(EXTRA float64=NaN, int64=255)",
    );
    check(
        "a%sava",
        &[
            Value::list(vec![Value::Int(1), s("a"), Value::Nil]),
            s("hi"),
        ],
        "a[%!s(int=1) a <nil>]ava%!(EXTRA string=hi)",
    );
    check(
        "Ed-G",
        &[s("héllo\n"), Value::Int(128512)],
        "Ed-G%!(EXTRA string=héllo\n, int=128512)",
    );
    check("[1]dO", &[], "[1]dO");
    check(
        "dve0",
        &[
            Value::Int(0),
            Value::Int64(255),
            Value::Float(f64::INFINITY),
        ],
        "dve0%!(EXTRA int=0, int64=255, float64=+Inf)",
    );
    check(
        "",
        &[Value::strings(["x", "y"].map(String::from))],
        "%!(EXTRA []string=[x y])",
    );
    check("+a*dF[1]", &[], "+a*dF[1]");
    check("s!!!", &[s("hi")], "s!!!%!(EXTRA string=hi)");
    check("E", &[], "E");
    check("%T0bF", &[Value::Int(65)], "int0bF");
    check("%5", &[], "%!(NOVERB)");
    check(
        "#aFéT",
        &[Value::Int(1), Value::Int64(255)],
        "#aFéT%!(EXTRA int=1, int64=255)",
    );
    check(
        "be",
        &[Value::Float(f64::INFINITY)],
        "be%!(EXTRA float64=+Inf)",
    );
    check("1GXg", &[], "1GXg");
    check("[2]bt .%", &[], "[2]bt .%!(NOVERB)");
    check("E[1]s%", &[], "E[1]s%!(NOVERB)");
    check(
        "x*s",
        &[Value::Float(-2.25e+00), Value::Int(65), Value::Float(1e+06)],
        "x*s%!(EXTRA float64=-2.25, int=65, float64=1e+06)",
    );
    check("tO*", &[], "tO*");
    check(
        "",
        &[Value::Int(-7), Value::Int(-7)],
        "%!(EXTRA int=-7, int=-7)",
    );
    check(
        "c%b-%[2]",
        &[Value::Nil, Value::Int64(255)],
        "c%!b(<nil>)-%!(NOVERB)",
    );
    check(
        "",
        &[Value::Int(65), Value::Int(-7)],
        "%!(EXTRA int=65, int=-7)",
    );
    check(".", &[s("a\"b")], ".%!(EXTRA string=a\"b)");
}
