//! Generated cases: random templates from a small grammar of text/template and slim-sprig,
//! run over random input sets by both the CLI and ours.
//!
//! One ResourceSet carries many input sets (one CLI call renders the template for all); when
//! either side fails, the sets are split so that each failing set is compared on its own.
//! `KP_DIFF_SEED` and `KP_DIFF_CASES` (input sets in all) make a run reproducible and sized.
//! Without `KP_DIFF_SEED`, CI (`CI=true`) runs a fixed seed and any other run a new one.
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use serde_json::{Map, Value as Json, json};

use crate::cli::{Outcome, report, run_cli, run_ours, same};

/// splitmix64: small, seedable, the same everywhere.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const REGEXES: &[&str] = &[
    "[a-z]+", "^a", "[0-9]", "\\s+", "(x|y)", "é|中", ".", "[^a-z]*$", "b?",
];

const CHARS: &[&str] = &[
    "a", "b", "z", "A", "Q", "0", "7", " ", "-", "_", ".", "/", ":", "#", "'", "\"", "\\", "\n",
    "\t", "<", ">", "&", "%", "{", "}", "[", "]", ",", "é", "ü", "ß", "İ", "中", "文", "🚀",
    "\u{301}", "ñ", "Ω", "—", "…", "yes", "no", "on", "null", "~", "0x1F", "1e3", "0o17", "true",
    "<<", ">>", "$", "*", "!", "|",
];

pub fn random_string(r: &mut Rng) -> String {
    let n = r.below(8);
    (0..n).map(|_| *r.pick(CHARS)).collect()
}

fn random_scalar(r: &mut Rng) -> Json {
    match r.below(9) {
        0 => json!(r.below(200) as i64 - 100),
        1 => json!((r.below(2000) as f64 - 1000.0) / 8.0),
        2 => json!(r.chance(50)),
        3 => Json::String(String::new()),
        4 => json!(r.next() as i64),
        _ => Json::String(random_string(r)),
    }
}

/// An input set: the same keys (types fixed per key) with random values.
pub fn random_inputs(r: &mut Rng, n: usize) -> Json {
    let strs = |r: &mut Rng| -> Json {
        Json::Array(
            (0..r.below(5))
                .map(|_| Json::String(random_string(r)))
                .collect(),
        )
    };
    let mut out = Vec::new();
    for idx in 0..n {
        let mut m = Map::new();
        m.insert("n".into(), json!(idx));
        m.insert("s".into(), Json::String(random_string(r)));
        m.insert("t".into(), Json::String(random_string(r)));
        m.insert("i".into(), json!(r.below(40) as i64 - 20));
        m.insert("f".into(), json!((r.below(400) as f64 - 200.0) / 4.0));
        m.insert("b".into(), json!(r.chance(50)));
        m.insert("l".into(), strs(r));
        let mixed: Vec<Json> = (0..r.below(5)).map(|_| random_scalar(r)).collect();
        m.insert("x".into(), Json::Array(mixed));
        let mut mm = Map::new();
        for _ in 0..r.below(4) {
            let k = random_string(r);
            mm.insert(k, random_scalar(r));
        }
        mm.insert("k".into(), Json::String(random_string(r)));
        m.insert("m".into(), Json::Object(mm));
        m.insert("v".into(), random_scalar(r));
        out.push(Json::Object(m));
    }
    Json::Array(out)
}

/// The kinds of value the grammar tracks, to make mostly well-typed calls.
#[derive(Clone, Copy, PartialEq, Debug)]
enum T {
    Str,
    Int,
    Float,
    Bool,
    List,
    Map,
    Any,
}

/// A template being generated: variables in scope and their kinds.
struct G<'a> {
    r: &'a mut Rng,
    vars: Vec<(String, T)>,
    depth: usize,
    nvars: usize,
    defines: Vec<String>,
    /// Keep clear of the divergences already recorded in `DIVERGENCES.md` (unless
    /// `KP_DIFF_KNOWN` is set), so that a run fails only on new ones.
    avoid_known: bool,
}

fn go_string_literal(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl G<'_> {
    fn lit_str(&mut self) -> String {
        let s = random_string(self.r);
        // Delimiters inside a literal would end the action early: keep them out.
        let s = s.replace(">>", "").replace("<<", "");
        if self.r.chance(15) && !s.contains('`') && !s.contains('\n') {
            format!("`{s}`")
        } else {
            go_string_literal(&s)
        }
    }

    fn var_of(&mut self, t: T) -> Option<String> {
        let vs: Vec<&String> = self
            .vars
            .iter()
            .filter(|(_, vt)| *vt == t || t == T::Any)
            .map(|(n, _)| n)
            .collect();
        if vs.is_empty() {
            None
        } else {
            Some(vs[self.r.below(vs.len())].clone())
        }
    }

    fn expr(&mut self, t: T) -> String {
        self.depth += 1;
        let e = if self.depth > 3 || self.r.chance(30) {
            self.leaf(t)
        } else {
            self.call(t)
        };
        self.depth -= 1;
        e
    }

    fn leaf(&mut self, t: T) -> String {
        if self.r.chance(25)
            && let Some(v) = self.var_of(t)
        {
            return v;
        }
        match t {
            T::Str => match self.r.below(4) {
                0 => "inputs.s".into(),
                1 => "inputs.t".into(),
                2 => "inputs.m.k".into(),
                _ => self.lit_str(),
            },
            T::Int => match self.r.below(4) {
                0 => "inputs.i".into(),
                1 => "inputs.n".into(),
                _ => format!("{}", self.r.below(20) as i64 - 5),
            },
            T::Float => match self.r.below(3) {
                0 => "inputs.f".into(),
                _ => format!("{}.{}", self.r.below(100) as i64 - 50, self.r.below(100)),
            },
            T::Bool => match self.r.below(3) {
                0 => "inputs.b".into(),
                1 => "true".into(),
                _ => "false".into(),
            },
            T::List => match self.r.below(3) {
                0 => "inputs.l".into(),
                1 => "inputs.x".into(),
                _ => "(list 1 \"a\" 2.5 true)".into(),
            },
            T::Map => match self.r.below(3) {
                0 => "inputs.m".into(),
                1 => "(dict \"a\" 1 \"b\" \"two\")".into(),
                _ => "inputs".into(),
            },
            T::Any => match self.r.below(40) {
                0..=4 => "inputs.v".into(),
                5..=8 => "nil".into(),
                9..=11 => "(first inputs.x)".into(),
                // A missing key fails the whole set under missingkey=error: rarely.
                12 if self.r.chance(25) => "inputs.missing".into(),
                13..=16 => "inputs.m.k".into(),
                _ => {
                    let t = *self
                        .r
                        .pick(&[T::Str, T::Int, T::Float, T::Bool, T::List, T::Map]);
                    self.leaf(t)
                }
            },
        }
    }

    /// A call yielding (mostly) a value of kind `t`; now and then an argument of the wrong
    /// kind, to compare type errors.
    fn call(&mut self, t: T) -> String {
        let wrong = self.r.chance(2);
        let a = |g: &mut Self, want: T| {
            if wrong && g.r.chance(50) {
                let other =
                    *g.r.pick(&[T::Str, T::Int, T::Float, T::Bool, T::List, T::Map, T::Any]);
                g.expr(other)
            } else {
                g.expr(want)
            }
        };
        let pipe = self.r.chance(30);
        match t {
            T::Str => {
                let unary = [
                    "upper",
                    "lower",
                    "title",
                    "trim",
                    "quote",
                    "squote",
                    "b64enc",
                    "b32enc",
                    "sha1sum",
                    "sha256sum",
                    "adler32sum",
                    "slugify",
                    "toString",
                    "html",
                    "js",
                    "urlquery",
                    "toJson",
                    "toPrettyJson",
                    "toRawJson",
                    "toYaml",
                    "base",
                    "dir",
                    "ext",
                    "clean",
                    "regexQuoteMeta",
                    "print",
                    "println",
                    "b64dec",
                    "typeOf",
                    "kindOf",
                    "toString",
                ];
                match self.r.below(12) {
                    0..=4 => {
                        let f = *self.r.pick(&unary);
                        let arg_t = if matches!(
                            f,
                            "toString"
                                | "toJson"
                                | "toYaml"
                                | "print"
                                | "typeOf"
                                | "kindOf"
                                | "toPrettyJson"
                                | "toRawJson"
                        ) {
                            T::Any
                        } else {
                            T::Str
                        };
                        let x = a(self, arg_t);
                        // Known: quotes in slugify.
                        let x = if f == "slugify" && self.avoid_known {
                            format!("(regexReplaceAll \"[\\\"'’]\" {x} \"\")")
                        } else {
                            x
                        };
                        if pipe {
                            format!("({x} | {f})")
                        } else {
                            format!("({f} {x})")
                        }
                    }
                    5 => {
                        let (n, s) = (self.int_arg(), a(self, T::Str));
                        let f = *self.r.pick(&["trunc", "repeat", "indent", "nindent"]);
                        let s = if f == "trunc" { self.ascii(s) } else { s };
                        if f == "repeat" {
                            format!("(repeat {} {s})", self.r.below(3))
                        } else if pipe {
                            format!("({s} | {f} {n})")
                        } else {
                            format!("({f} {n} {s})")
                        }
                    }
                    6 => {
                        let pattern = *self.r.pick(REGEXES);
                        let (x, y, s) =
                            (go_string_literal(pattern), a(self, T::Str), a(self, T::Str));
                        let f = *self.r.pick(&["replace", "regexReplaceAllLiteral"]);
                        format!("({f} {x} {y} {s})")
                    }
                    7 => {
                        let (x, s) = (a(self, T::Str), a(self, T::Str));
                        let f = *self.r.pick(&[
                            "trimAll",
                            "trimPrefix",
                            "trimSuffix",
                            "cat",
                            "default",
                            "regexFind",
                            "plural",
                        ]);
                        if f == "plural" {
                            let n = self.int_arg();
                            format!("(plural {x} {s} {n})")
                        } else if f == "regexFind" {
                            // A random pattern would mostly not compile: take a valid one.
                            let p = *self.r.pick(REGEXES);
                            format!("(regexFind {} {s})", go_string_literal(p))
                        } else {
                            format!("({f} {x} {s})")
                        }
                    }
                    8 => {
                        let verbs = [
                            "%v", "%s", "%d", "%q", "%x", "%5d", "%-6s|", "%05.1f", "%+v", "%#v",
                            "%T", "%t", "%o", "%e", "%g", "%8.3f", "%c", "%U", "%x", "%X", "%6.2q",
                            "%%", "%!", "%[1]v", "%v %v",
                        ];
                        let v = *self.r.pick(&verbs);
                        let x = self.expr(T::Any);
                        format!("(printf {} {x})", go_string_literal(v))
                    }
                    9 => {
                        let (l, sep) = (a(self, T::List), self.lit_str());
                        format!("(join {sep} {l})")
                    }
                    10 => {
                        let (s, i, j) = (
                            a(self, T::Str),
                            self.r.below(6) as i64 - 1,
                            self.r.below(8) as i64 - 1,
                        );
                        format!("(substr {i} {j} {})", self.ascii(s))
                    }
                    _ => {
                        let (c, x, y) = (a(self, T::Bool), a(self, T::Str), a(self, T::Str));
                        if self.r.chance(50) {
                            format!("(ternary {x} {y} {c})")
                        } else {
                            format!("(coalesce {x} {y})")
                        }
                    }
                }
            }
            T::Int => match self.r.below(6) {
                0 => {
                    let f = *self.r.pick(&[
                        "add", "sub", "mul", "div", "mod", "max", "min", "add1", "int", "int64",
                        "len",
                    ]);
                    match f {
                        "add1" | "int" | "int64" => {
                            let t = *self.r.pick(&[T::Int, T::Float, T::Str]);
                            let x = a(self, t);
                            format!("({f} {x})")
                        }
                        "len" => {
                            let t = *self.r.pick(&[T::Str, T::List, T::Map]);
                            let x = a(self, t);
                            format!("(len {x})")
                        }
                        _ => {
                            let (x, y) = (a(self, T::Int), a(self, T::Int));
                            format!("({f} {x} {y})")
                        }
                    }
                }
                1 => {
                    let x = a(self, T::Str);
                    format!("(atoi {x})")
                }
                2 => {
                    let (x, y) = (a(self, T::Int), a(self, T::Int));
                    format!("(biggest {x} {y})")
                }
                _ => self.leaf(T::Int),
            },
            T::Float => match self.r.below(4) {
                2 => {
                    let x = a(self, T::Float);
                    let f = *self.r.pick(&["floor", "ceil", "round"]);
                    if f == "round" {
                        format!("(round {x} {})", self.r.below(3))
                    } else {
                        format!("({f} {x})")
                    }
                }
                0 => {
                    let t = *self.r.pick(&[T::Int, T::Str, T::Float]);
                    let x = a(self, t);
                    format!("(float64 {x})")
                }
                1 => {
                    let (x, y) = (a(self, T::Float), a(self, T::Float));
                    let f = *self.r.pick(&["maxf", "minf"]);
                    format!("({f} {x} {y})")
                }
                _ => self.leaf(T::Float),
            },
            T::Bool => match self.r.below(8) {
                0 => {
                    let t = *self.r.pick(&[T::Str, T::Int, T::Float, T::Bool]);
                    let (x, y) = (a(self, t), a(self, t));
                    let f = if t == T::Bool {
                        *self.r.pick(&["eq", "ne"])
                    } else {
                        *self.r.pick(&["eq", "ne", "lt", "le", "gt", "ge"])
                    };
                    format!("({f} {x} {y})")
                }
                1 => {
                    let (x, y) = (self.expr(T::Any), self.expr(T::Any));
                    let f = *self.r.pick(&["and", "or", "deepEqual"]);
                    format!("({f} {x} {y})")
                }
                2 => {
                    let x = self.expr(T::Any);
                    let f = *self.r.pick(&["not", "empty"]);
                    format!("({f} {x})")
                }
                3 => {
                    let (x, s) = (a(self, T::Str), a(self, T::Str));
                    let f = *self
                        .r
                        .pick(&["hasPrefix", "hasSuffix", "contains", "regexMatch"]);
                    if f == "regexMatch" {
                        let p = *self.r.pick(REGEXES);
                        format!("(regexMatch {} {s})", go_string_literal(p))
                    } else {
                        format!("({f} {x} {s})")
                    }
                }
                4 => {
                    let (l, x) = (a(self, T::List), self.expr(T::Any));
                    format!("(has {x} {l})")
                }
                5 => {
                    let (m, k) = (a(self, T::Map), self.lit_str());
                    format!("(hasKey {m} {k})")
                }
                6 => {
                    let x = self.expr(T::Any);
                    let k = *self.r.pick(&[
                        "\"string\"",
                        "\"int64\"",
                        "\"float64\"",
                        "\"map\"",
                        "\"slice\"",
                        "\"bool\"",
                    ]);
                    let f = *self.r.pick(&["kindIs", "typeIs", "typeIsLike"]);
                    format!("({f} {k} {x})")
                }
                _ => self.leaf(T::Bool),
            },
            T::List => match self.r.below(8) {
                0 => {
                    let n = self.r.below(4);
                    let items: Vec<String> = (0..n).map(|_| self.expr(T::Any)).collect();
                    format!("(list {})", items.join(" "))
                }
                1 => {
                    let (sep, s) = (self.lit_str(), a(self, T::Str));
                    let f = *self.r.pick(&["splitList", "regexSplit"]);
                    if f == "regexSplit" {
                        let p = *self.r.pick(REGEXES);
                        format!("(regexSplit {} {s} -1)", go_string_literal(p))
                    } else {
                        format!("(splitList {sep} {s})")
                    }
                }
                2 => {
                    let n = self.r.below(6) as i64 - 1;
                    if self.r.chance(50) {
                        format!("(until {n})")
                    } else {
                        format!(
                            "(untilStep {} {} {})",
                            self.r.below(5),
                            self.r.below(12),
                            self.r.below(4) as i64 - 1
                        )
                    }
                }
                3 => {
                    let (l, x) = (a(self, T::List), self.expr(T::Any));
                    let f = *self.r.pick(&["append", "prepend", "without"]);
                    format!("({f} {l} {x})")
                }
                4 => {
                    let l = a(self, T::List);
                    let f = *self.r.pick(&[
                        "uniq",
                        "compact",
                        "rest",
                        "initial",
                        "reverse",
                        "sortAlpha",
                        "toStrings",
                    ]);
                    // Known: rest and initial of an empty list.
                    let l = if matches!(f, "rest" | "initial") && self.avoid_known {
                        format!("(append {l} 0)")
                    } else {
                        l
                    };
                    if pipe {
                        format!("({l} | {f})")
                    } else {
                        format!("({f} {l})")
                    }
                }
                5 => {
                    let (l, m) = (a(self, T::List), a(self, T::List));
                    // Known: concat of empty lists is Go's nil slice (`null` in toJson).
                    if self.avoid_known {
                        format!("(concat {l} {m} (list 0))")
                    } else {
                        format!("(concat {l} {m})")
                    }
                }
                6 => {
                    let l = a(self, T::List);
                    format!("(slice {l} {})", self.r.below(2))
                }
                _ => {
                    let m = a(self, T::Map);
                    format!("(keys {m} | sortAlpha)")
                }
            },
            T::Map => match self.r.below(5) {
                0 => {
                    let n = self.r.below(3);
                    let kv: Vec<String> = (0..n)
                        .map(|_| format!("{} {}", self.lit_str(), self.expr(T::Any)))
                        .collect();
                    format!("(dict {})", kv.join(" "))
                }
                1 => {
                    let (m, k) = (a(self, T::Map), self.lit_str());
                    let f = *self.r.pick(&["pick", "omit"]);
                    format!("({f} {m} {k})")
                }
                3 => {
                    let (k, v) = (self.lit_str(), self.expr(T::Any));
                    format!("(set (dict) {k} {v})")
                }
                _ => self.leaf(T::Map),
            },
            T::Any => match self.r.below(6) {
                0 => {
                    let l = a(self, T::List);
                    let f = *self.r.pick(&["first", "last"]);
                    format!("({f} {l})")
                }
                1 => {
                    // Mostly in range: an index error fails the whole set.
                    let l = a(self, T::List);
                    if self.r.chance(10) {
                        format!("(index {l} {})", self.r.below(3))
                    } else {
                        let x = self.expr(T::Any);
                        format!("(index (prepend {l} {x}) 0)")
                    }
                }
                4 => {
                    let (sep, s) = (self.lit_str(), a(self, T::Str));
                    format!("(split {sep} {s})")
                }
                2 => {
                    let (m, k) = (a(self, T::Map), self.lit_str());
                    format!("(get {m} {k})")
                }
                3 => {
                    let (d, x) = (self.expr(T::Any), self.expr(T::Any));
                    format!("(default {d} {x})")
                }
                _ => {
                    let t = *self
                        .r
                        .pick(&[T::Str, T::Int, T::Float, T::Bool, T::List, T::Map]);
                    self.call(t)
                }
            },
        }
    }

    /// One list item of the output.
    fn item(&mut self) -> String {
        match self.r.below(10) {
            // Raw printing, re-read as YAML: numbers and bools, which YAML retypes.
            0 => {
                let t = *self.r.pick(&[T::Int, T::Bool, T::Float]);
                let x = self.head(t);
                format!("\n- << {x} >>")
            }
            _ => self.item_of(),
        }
    }

    fn item_of(&mut self) -> String {
        let x = self.head(T::Any);
        match self.r.below(10) {
            1 => format!("\n- << print {x} | quote >>"),
            _ => format!("\n- << {x} | toJson >>"),
        }
    }

    fn fresh_var(&mut self) -> String {
        self.nvars += 1;
        format!("$v{}", self.nvars)
    }

    /// Known: cutting a string inside a UTF-8 sequence. Strip it to ASCII first.
    fn ascii(&self, s: String) -> String {
        if self.avoid_known {
            format!("(regexReplaceAll \"[^ -~]\" {s} \"\")")
        } else {
            s
        }
    }

    /// An expression that can start a pipeline (a bare `nil` cannot).
    fn head(&mut self, t: T) -> String {
        loop {
            let e = self.expr(t);
            if e != "nil" {
                return e;
            }
        }
    }

    /// A Go int argument: a constant, `int` of something, or a length.
    fn int_arg(&mut self) -> String {
        match self.r.below(4) {
            0 => format!("(int {})", self.expr(T::Int)),
            1 => format!("(len {})", self.expr(T::Str)),
            _ => format!("{}", self.r.below(12) as i64 - 2),
        }
    }

    /// Statements in a block of their own: variables declared there end with it.
    fn scoped(&mut self, n: usize, in_range: bool) -> String {
        let saved = self.vars.len();
        let s = self.stmts(n, in_range);
        self.vars.truncate(saved);
        s
    }

    fn stmts(&mut self, n: usize, in_range: bool) -> String {
        (0..n).map(|_| self.stmt(in_range)).collect()
    }

    fn stmt(&mut self, in_range: bool) -> String {
        if self.depth > 2 {
            return self.item();
        }
        match self.r.below(14) {
            0 => {
                let t = *self.r.pick(&[T::Str, T::Int, T::List, T::Map, T::Bool]);
                let v = self.fresh_var();
                let e = self.head(t);
                self.vars.push((v.clone(), t));
                format!("\n<<- {v} := {e} >>")
            }
            1 => {
                self.depth += 1;
                let c = self.head(T::Bool);
                let body = {
                    let n = 1 + self.r.below(2);
                    self.scoped(n, in_range)
                };
                let mut s = format!("\n<<- if {c} >>{body}");
                if self.r.chance(40) {
                    let c2 = self.head(T::Any);
                    let b2 = self.scoped(1, in_range);
                    s.push_str(&format!("\n<<- else if {c2} >>{b2}"));
                }
                if self.r.chance(50) {
                    let b3 = self.scoped(1, in_range);
                    s.push_str(&format!("\n<<- else >>{b3}"));
                }
                s.push_str("\n<<- end >>");
                self.depth -= 1;
                s
            }
            2 | 3 => {
                self.depth += 1;
                let over = *self.r.pick(&[T::List, T::List, T::Map, T::Int]);
                let e = self.head(over);
                // Ranging over an integer is bounded: an input's hash would loop for hours.
                let e = if over == T::Int {
                    format!("(mod {e} 7)")
                } else {
                    e
                };
                let (i, v) = (self.fresh_var(), self.fresh_var());
                let saved = self.vars.len();
                let it = if over == T::Map { T::Str } else { T::Int };
                // 0: `range e`, 1: `range $i := e` (integers), 2: `range $i, $v := e`.
                let form = if over == T::Int {
                    1
                } else if self.r.chance(20) {
                    0
                } else {
                    2
                };
                if form >= 1 {
                    self.vars.push((i.clone(), it));
                }
                if form == 2 {
                    self.vars.push((v.clone(), T::Any));
                }
                // The break/continue condition comes before the body's own variables.
                let stop = if self.r.chance(30) {
                    let c = self.head(T::Bool);
                    let kw = *self.r.pick(&["break", "continue"]);
                    format!("\n<<- if {c} >><<- {kw} >><<- end >>")
                } else {
                    String::new()
                };
                let body = {
                    let n = 1 + self.r.below(2);
                    format!("{stop}{}", self.stmts(n, true))
                };
                self.vars.truncate(saved);
                // An integer ranges with one variable at most.
                let mut s = if form == 1 {
                    format!("\n<<- range {i} := {e} >>\n- << {i} | toJson >>{body}")
                } else if form == 0 {
                    format!("\n<<- range {e} >>\n- << . | toJson >>{body}")
                } else {
                    format!(
                        "\n<<- range {i}, {v} := {e} >>\n- [<< {i} | toJson >>, << {v} | toJson >>]{body}"
                    )
                };
                if self.r.chance(30) {
                    let b = self.scoped(1, in_range);
                    s.push_str(&format!("\n<<- else >>{b}"));
                }
                s.push_str("\n<<- end >>");
                self.depth -= 1;
                s
            }
            4 => {
                self.depth += 1;
                let e = self.head(T::Any);
                let body = self.scoped(1, in_range);
                let mut s = format!("\n<<- with {e} >>\n- << . | toJson >>{body}");
                if self.r.chance(30) {
                    let c = self.head(T::Any);
                    s.push_str(&format!("\n<<- else with {c} >>\n- << . | toJson >>"));
                }
                if self.r.chance(40) {
                    let b = self.scoped(1, in_range);
                    s.push_str(&format!("\n<<- else >>{b}"));
                }
                s.push_str("\n<<- end >>");
                self.depth -= 1;
                s
            }
            5 if !self.defines.is_empty() => {
                let d = self.r.pick(&self.defines).clone();
                let e = self.head(T::Any);
                format!("\n<<- template {} {e} >>", go_string_literal(&d))
            }
            6 => format!("\n<<- /* {} */>>{}", self.r.below(100), self.item()),
            7 => {
                if let Some(v) = self.var_of(T::Any) {
                    let e = self.head(T::Any);
                    // Assignment keeps the variable; its kind becomes unknown.
                    for var in &mut self.vars {
                        if var.0 == v {
                            var.1 = T::Any;
                        }
                    }
                    format!("\n<<- {v} = {e} >>")
                } else {
                    self.item()
                }
            }
            _ => self.item(),
        }
    }
}

/// A random `resourcesTemplate`: one ConfigMap-like object per input set whose `out` list the
/// generated statements fill.
/// A random spec: a `resourcesTemplate` and, now and then, a `resources` item whose string
/// values hold actions (the JSON-to-YAML path of the operator).
pub fn random_spec(r: &mut Rng) -> Json {
    let template = random_template(r);
    if !r.chance(25) {
        return json!({"resourcesTemplate": template});
    }
    let mut g = G {
        r,
        vars: Vec::new(),
        depth: 0,
        nvars: 0,
        defines: Vec::new(),
        avoid_known: std::env::var_os("KP_DIFF_KNOWN").is_none(),
    };
    let mut data = Map::new();
    for k in 0..1 + g.r.below(3) {
        let value = if g.r.chance(20) {
            let t = *g.r.pick(&[T::Int, T::Bool]);
            format!("<< {} >>", g.head(t))
        } else {
            format!("<< {} | toJson >>", g.head(T::Any))
        };
        data.insert(format!("k{k}"), Json::String(value));
    }
    json!({
        "resourcesTemplate": template,
        "resources": [{
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "r<< inputs.n >>", "namespace": "default"},
            "data": data,
        }],
    })
}

pub fn random_template(r: &mut Rng) -> String {
    let mut g = G {
        r,
        vars: Vec::new(),
        depth: 0,
        nvars: 0,
        defines: Vec::new(),
        avoid_known: std::env::var_os("KP_DIFF_KNOWN").is_none(),
    };
    let mut head = String::new();
    for d in 0..g.r.below(3) {
        let name = format!("d{d}");
        let body = g.item();
        if g.r.chance(50) {
            head.push_str(&format!(
                "<<- define \"{name}\" >>\n- << . | toJson >>{body}\n<<- end >>\n"
            ));
        } else {
            head.push_str(&format!("<<- define \"{name}\" >>{body}\n<<- end >>\n"));
        }
        g.defines.push(name);
    }
    let body = {
        let n = 1 + g.r.below(5);
        g.stmts(n, false)
    };
    let block = if g.r.chance(20) {
        "\n<<- block \"blk\" inputs.s >>\n- << . | quote >>\n<<- end >>"
    } else {
        ""
    };
    format!(
        "{head}apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c<< inputs.n >>\n  namespace: default\nout:{body}{block}\n"
    )
}

fn rset(spec: &Json) -> Json {
    json!({
        "apiVersion": "fluxcd.controlplane.io/v1",
        "kind": "ResourceSet",
        "metadata": {"name": "gen", "namespace": "default"},
        "spec": spec,
    })
}

#[derive(Default)]
struct Tally {
    cases: AtomicUsize,
    compared: AtomicUsize,
    both_failed: AtomicUsize,
    message_differs: AtomicUsize,
    message_samples: Mutex<Vec<String>>,
    cli_calls: AtomicUsize,
    cli_failed_batches: AtomicUsize,
    divergences: Mutex<Vec<String>>,
}

/// The seed of CI's generated cases (see `run`).
const CI_SEED: u64 = 2026;

fn env_num(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

pub fn run(bin: &Path) {
    // CI runs one fixed seed, so that a run of the same commit gives the same verdict; a seed
    // of the clock everywhere else keeps exploring (the seed printed reproduces any find).
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let seed = env_num("KP_DIFF_SEED").unwrap_or_else(|| {
        if ci {
            return CI_SEED;
        }
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1)
    });
    let cases = env_num("KP_DIFF_CASES").unwrap_or(6000) as usize;
    const PER_RSET: usize = 20;
    println!("generated: seed {seed} (KP_DIFF_SEED={seed} reproduces), {cases} cases");
    let start = Instant::now();
    let tally = Tally::default();
    let batches = cases.div_ceil(PER_RSET);
    let next = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .max(2);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let b = next.fetch_add(1, Ordering::Relaxed);
                    if b >= batches {
                        break;
                    }
                    // Each batch has its own stream, so a run is the same whatever the threads.
                    let mut r = Rng::new(seed ^ (b as u64).wrapping_mul(0x2545_F491_4F6C_DD1D));
                    let n = PER_RSET.min(cases - b * PER_RSET);
                    let spec = random_spec(&mut r);
                    let inputs = random_inputs(&mut r, n);
                    batch(bin, &spec, &inputs, b, &tally);
                }
            });
        }
    });
    let div = tally
        .divergences
        .lock()
        .map(|d| d.clone())
        .unwrap_or_default();
    println!(
        "generated: {} cases run in {} ResourceSets ({} failing in the CLI), {} compared ({} both failed, {} of them with different messages), {} CLI calls, {} divergent, {:.1}s",
        tally.cases.load(Ordering::Relaxed),
        batches,
        tally.cli_failed_batches.load(Ordering::Relaxed),
        tally.compared.load(Ordering::Relaxed),
        tally.both_failed.load(Ordering::Relaxed),
        tally.message_differs.load(Ordering::Relaxed),
        tally.cli_calls.load(Ordering::Relaxed),
        div.len(),
        start.elapsed().as_secs_f64()
    );
    for m in tally
        .message_samples
        .lock()
        .map(|m| m.clone())
        .unwrap_or_default()
    {
        println!("both failed, messages differ:\n{m}");
    }
    for d in div.iter().take(20) {
        println!("{d}");
    }
    assert!(
        div.is_empty(),
        "{} generated cases diverge (seed {seed})",
        div.len()
    );
}

fn batch(bin: &Path, spec: &Json, inputs: &Json, b: usize, tally: &Tally) {
    if std::env::var_os("KP_DIFF_TRACE").is_some() {
        println!("batch {b} starts:\n{spec:#}");
    }
    let sets = inputs.as_array().cloned().unwrap_or_default();
    tally.cases.fetch_add(sets.len(), Ordering::Relaxed);
    let rs = rset(spec);
    let cli = run_cli(bin, &rs, Some(inputs));
    tally.cli_calls.fetch_add(1, Ordering::Relaxed);
    if cli.is_err() {
        tally.cli_failed_batches.fetch_add(1, Ordering::Relaxed);
        if std::env::var_os("KP_DIFF_VERBOSE").is_some() {
            println!("batch {b}: the CLI fails: {}", cli.show());
        }
    }
    let ours = run_ours(&rs, Some(inputs));
    if !cli.is_err() && !ours.is_err() {
        tally.compared.fetch_add(sets.len(), Ordering::Relaxed);
        if !same(&cli, &ours, false) {
            record(tally, b, &rs, inputs, &cli, &ours);
        }
        return;
    }
    // Some set fails on one side: compare the sets ours builds as one call, and each failing
    // set (ours) on its own, a few at most.
    let mut ok = Vec::new();
    let mut failing = Vec::new();
    for set in &sets {
        let one = Json::Array(vec![set.clone()]);
        if run_ours(&rs, Some(&one)).is_err() {
            failing.push(set.clone());
        } else {
            ok.push(set.clone());
        }
    }
    if !ok.is_empty() {
        let group = Json::Array(ok.clone());
        let cli = run_cli(bin, &rs, Some(&group));
        tally.cli_calls.fetch_add(1, Ordering::Relaxed);
        let ours = run_ours(&rs, Some(&group));
        tally.compared.fetch_add(ok.len(), Ordering::Relaxed);
        if !same(&cli, &ours, false) {
            record(tally, b, &rs, &group, &cli, &ours);
        }
    }
    for (k, set) in failing.iter().enumerate() {
        if k >= 3 {
            break;
        }
        let one = Json::Array(vec![set.clone()]);
        let cli = run_cli(bin, &rs, Some(&one));
        tally.cli_calls.fetch_add(1, Ordering::Relaxed);
        let ours = run_ours(&rs, Some(&one));
        tally.compared.fetch_add(1, Ordering::Relaxed);
        if same(&cli, &ours, false) {
            tally.both_failed.fetch_add(1, Ordering::Relaxed);
            if !same(&cli, &ours, true) {
                tally.message_differs.fetch_add(1, Ordering::Relaxed);
                if let Ok(mut m) = tally.message_samples.lock()
                    && m.len() < 10
                {
                    m.push(format!(
                        "  flux-operator: {}\n  ours:          {}",
                        cli.show(),
                        ours.show()
                    ));
                }
            }
        } else {
            record(tally, b, &rs, &one, &cli, &ours);
        }
    }
}

fn record(tally: &Tally, b: usize, rs: &Json, inputs: &Json, cli: &Outcome, ours: &Outcome) {
    let msg = report(&format!("generated batch {b}"), rs, Some(inputs), cli, ours);
    if let Ok(mut d) = tally.divergences.lock() {
        d.push(msg);
    }
}
