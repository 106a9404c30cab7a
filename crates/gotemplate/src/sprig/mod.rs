//! slim-sprig's hermetic function map (`sprig.HermeticTxtFuncMap()` of
//! `github.com/go-task/slim-sprig/v3` v3.0.0) and the Flux Operator's own functions, each with
//! its Go signature and Go's results.
//!
//! Where slim-sprig panics (bad list types, a nil list, bad slice bounds, division by zero, a
//! bad regular expression in a non-`must` function), Go's `text/template` turns the panic into
//! the call's error; here the function returns that error with Go's message. The `must*` forms
//! therefore behave like their plain forms wherever the plain form panics.
//!
//! Bounds Go does not have: a result string longer than [`MAX_LEN`] bytes (`repeat`, `indent`,
//! `nindent`, `replace`, `cat`) and a list longer than [`MAX_ITEMS`] elements (`until`,
//! `untilStep`, `seq`, `concat`) are refused with an error, where Go would try to allocate them.
//!
//! # Known differences from Go
//!
//! - A `time.Time` is the string Go prints for it (`toDate`'s result has type `string` for
//!   `typeOf`), and the local time zone is UTC. Zone abbreviations are read as 3 to 5 capital
//!   letters (Go knows a few more forms).
//! - Strings are UTF-8: where Go would make broken UTF-8 (`trunc` or `substr` cutting through a
//!   character, `b64dec`/`b32dec` of binary data), the broken bytes show as U+FFFD.
//! - `keys`, `values` and `omit` follow the sorted key order; Go's map order is random.
//! - Regular expressions run on the `regex` crate after a translation (ASCII `\d \w \s \b`,
//!   `\Q...\E`, literal braces, Go's refusals of nested repetitions and counts over 1000).
//!   Error messages for rarer mistakes (bad class ranges, unknown flags) are worded by the crate;
//!   Go's octal escapes (`\123`) are refused; its Unicode tables may be of another version.
//! - Case mapping (`upper`, `lower`, `title`) uses Rust's Unicode tables with Go's simple
//!   mapping where the two differ in known ways; a character of a newer Unicode version than
//!   Go's may map differently.
//! - `slugify` transliterates with the `deunicode` crate: see [`slugify`] for the measured
//!   differences from gosimple/unidecode.
//! - JSON read is limited to 512 levels of nesting (Go: 10000); a value printed or written to
//!   JSON more than 512 or 1000 levels deep is a map holding itself, where Go overflows its
//!   stack (printing) or reports a cycle (JSON, as here).
//! - The bounds [`MAX_LEN`] and [`MAX_ITEMS`] above.
//!
//! # Functions
//!
//! Strings:
//! - `hello`: "Hello!".
//! - `trunc N S`: the first N bytes of S, or the last -N bytes when N is negative.
//! - `trim S`: S without leading and trailing white space.
//! - `upper S`, `lower S`: S in upper or lower case.
//! - `title S`: each word's first letter in title case (Go's `strings.Title`).
//! - `substr START END S`: the bytes START..END of S (START < 0: from 0; END < 0 or past the end:
//!   to the end).
//! - `repeat N S`: S N times.
//! - `trimAll CUTSET S` (and the deprecated `trimall`): S without leading and trailing
//!   characters in CUTSET.
//! - `trimPrefix P S`, `trimSuffix P S`: S without the prefix or suffix P.
//! - `contains SUB S`, `hasPrefix P S`, `hasSuffix P S`: whether S contains, starts or ends
//!   with the string.
//! - `quote ARGS...`: each non-nil argument as a Go double-quoted string, joined by spaces.
//! - `squote ARGS...`: each non-nil argument in single quotes, joined by spaces.
//! - `cat ARGS...`: the non-nil arguments printed with `%v`, joined by spaces.
//! - `indent N S`: S with N spaces before each line; `nindent N S`: the same after a newline.
//! - `replace OLD NEW S`: S with every OLD replaced by NEW.
//! - `plural ONE MANY N`: ONE if N is 1, else MANY.
//! - `toString V`: V as a string (`%v`).
//! - `atoi S`: S as an int (0 when not a number, clamped when out of range).
//! - `split SEP S`, `splitn SEP N S`: the parts of S as a `map[string]string` keyed `_0`, `_1`….
//! - `splitList SEP S`: the parts of S as a `[]string`.
//! - `toStrings LIST`: the non-nil elements of LIST as strings.
//! - `join SEP LIST`: the elements of LIST as strings, joined by SEP.
//! - `sortAlpha LIST`: the elements of LIST as strings, sorted.
//!
//! Encodings, hashes and paths:
//! - `b64enc S`, `b64dec S`, `b32enc S`, `b32dec S`: standard base64 and base32, padded;
//!   decoding returns Go's error text as the result when the input is not valid.
//! - `sha1sum S`, `sha256sum S`: the hex digest; `adler32sum S`: the Adler-32 checksum in decimal.
//! - `base P`, `dir P`, `clean P`, `ext P`, `isAbs P`: Go's `path` functions; `osBase`,
//!   `osDir`, `osClean`, `osExt`, `osIsAbs`: `path/filepath`'s, which are the same on Linux.
//!
//! Numbers (integer arithmetic in int64, wrapping around as Go does):
//! - `int64 V`, `int V`, `float64 V`: V converted (strings parsed, 0 when not a number).
//! - `toDecimal V`: V printed, read as an octal number (0 when not one).
//! - `add ARGS...`, `add1 V`, `sub A B`, `mul A ARGS...`, `div A B`, `mod A B`: int64
//!   arithmetic; `div` and `mod` by zero are an error.
//! - `max A ARGS...` (and `biggest`), `min A ARGS...`: the int64 maximum or minimum.
//! - `maxf A ARGS...`, `minf A ARGS...`: the float64 maximum or minimum.
//! - `ceil V`, `floor V`: as float64; `round V PLACES [ROUND_ON]`: V rounded to PLACES decimals.
//! - `until N`, `untilStep START STOP STEP`: a `[]int` counting up or down.
//! - `seq [START [STEP]] END`: the numbers from START to END, as a space-separated string.
//! - `randInt MIN MAX`: a random int in [MIN, MAX) (slim-sprig keeps it in the hermetic map).
//!
//! Lists (the `must*` forms are the same functions):
//! - `list ARGS...` (and `tuple`): the arguments as a `[]interface {}`.
//! - `append LIST V` (and `push`, `mustAppend`, `mustPush`), `prepend LIST V`
//!   (`mustPrepend`): a new list with V added.
//! - `first LIST`, `last LIST`, `rest LIST`, `initial LIST`, `reverse LIST`, `uniq LIST`,
//!   `compact LIST` (and `mustFirst`, `mustLast`, `mustRest`, `mustInitial`, `mustReverse`,
//!   `mustUniq`, `mustCompact`): parts or rearrangements of LIST.
//! - `without LIST VALUES...` (`mustWithout`), `has V LIST` (`mustHas`): LIST without the
//!   values; whether LIST holds V.
//! - `slice LIST [START [END]]` (`mustSlice`): `LIST[START:END]`, of LIST's own type.
//! - `concat LISTS...`: the lists joined.
//! - `chunk SIZE LIST` (`mustChunk`): LIST in `[][]interface {}` chunks of SIZE.
//!
//! Dicts (maps are shared: `set` and `unset` change the map every holder sees):
//! - `dict K V...`: a `map[string]interface {}` (a missing last value is "").
//! - `get D K`: `D[K]`, or "" when absent. `set D K V`, `unset D K`: change D and return it.
//! - `hasKey D K`, `pluck K DICTS...`, `keys DICTS...`, `pick D KEYS...`, `omit D KEYS...`,
//!   `values D`: key lookups and subsets.
//! - `dig KEYS... DEFAULT D`: the value at the key path in nested dicts, or DEFAULT.
//!
//! Defaults and flow:
//! - `default DEFAULT [V]`: V unless it is empty, else DEFAULT.
//! - `empty V`: whether V is nil, false, 0, or an empty string, list or dict.
//! - `coalesce ARGS...`: the first non-empty argument; `all ARGS...`, `any ARGS...`: whether all
//!   or any are non-empty.
//! - `ternary A B COND`: A if COND, else B.
//! - `fail MSG`: an error with the message MSG.
//!
//! JSON (`encoding/json`: keys sorted, `<>&` escaped except in the raw form):
//! - `toJson V`, `toPrettyJson V` ("" on error), `mustToJson V`, `mustToPrettyJson V`,
//!   `toRawJson V`, `mustToRawJson V` (error on unsupported values such as NaN).
//! - `fromJson S` (nil on error), `mustFromJson S`: JSON read with numbers as float64.
//!
//! YAML (the Flux Operator's):
//! - `toYaml V`: V as `sigs.k8s.io/yaml` writes it ("" on error); `mustToYaml V`: the same, with
//!   the error.
//!
//! Regular expressions (Go's RE2 syntax):
//! - `regexMatch RE S` (false on a bad expression), `regexFind RE S`, `regexFindAll RE S N`,
//!   `regexReplaceAll RE S REPL` (`$1`, `${name}` expanded), `regexReplaceAllLiteral RE S REPL`,
//!   `regexSplit RE S N`; `regexQuoteMeta S`. The `must` forms `mustRegexMatch`,
//!   `mustRegexFind`, `mustRegexFindAll`, `mustRegexReplaceAll`, `mustRegexReplaceAllLiteral`,
//!   `mustRegexSplit` return `regexp.Compile`'s error where the plain ones fail with
//!   `regexp.MustCompile`'s panic message (`regexMatch` is false instead).
//!
//! Reflection:
//! - `typeOf V`, `typeIs T V`, `typeIsLike T V`: Go's type name of V; `kindOf V`, `kindIs K V`:
//!   its kind; `deepEqual A B`: `reflect.DeepEqual`.
//!
//! URLs:
//! - `urlParse S`: a dict of the URL's `scheme host hostname path query opaque fragment
//!   userinfo`; `urlJoin D`: the URL of such a dict.
//!
//! Dates (a `time.Time` is a string here in Go's `Time.String()` form, and the local time zone
//! is UTC):
//! - `toDate LAYOUT S`, `mustToDate LAYOUT S`: S parsed with Go's layout.
//! - `unixEpoch T`: T's Unix seconds; `mustDateModify D T` (and `must_date_modify`): T + the
//!   Go duration D.
//! - `duration SECONDS`, `durationRound D`: Go's duration text, and the duration rounded to its
//!   largest unit; `ago T`: the time since T.
//!
//! The Flux Operator's own:
//! - `slugify S`: gosimple/slug's `Make` (max 63 characters).
//!
//! Not here because slim-sprig's hermetic map removes them: `date`, `date_in_zone`,
//! `date_modify`, `dateInZone`, `dateModify`, `now`, `htmlDate`, `htmlDateInZone`, the `rand*`
//! strings, `uuidv4`, `env`, `expandenv`, `getHostByName`. Not in slim-sprig at all (they are
//! in the full sprig): `abbrev`, `wrap`, `untitle`, `merge`, `semver` and others.
pub(crate) mod conv;
mod dates;
mod encoding;
mod json;
mod lists;
mod numeric;
mod regex;
mod slug;
mod strings;
mod url;

pub use conv::{strval, to_float64, to_int64};
pub use json::{marshal as to_json, unmarshal as from_json};
pub use slug::slugify;

pub(crate) use crate::func::Ty;
use crate::func::{Func, FuncMap};
use crate::value::Value;

/// The longest string a function builds (16 MiB).
pub const MAX_LEN: usize = 16 << 20;
/// The longest list a function builds.
pub const MAX_ITEMS: usize = 1 << 20;

/// Go's message for slim-sprig's `reflect.TypeOf(nil).Kind()` on a nil list.
pub(crate) const NIL_DEREF: &str =
    "runtime error: invalid memory address or nil pointer dereference";

/// slim-sprig's `HermeticTxtFuncMap` plus the Flux Operator's `slugify`, `toYaml` and
/// `mustToYaml`.
pub fn hermetic() -> FuncMap {
    let mut m = FuncMap::new();
    strings::register(&mut m);
    numeric::register(&mut m);
    lists::register(&mut m);
    json::register(&mut m);
    regex::register(&mut m);
    encoding::register(&mut m);
    dates::register(&mut m);
    url::register(&mut m);
    def(&mut m, "fail", &[Ty::String], None, |a| {
        Err(arg_str(&a, 0).to_string())
    });
    def(&mut m, "slugify", &[Ty::String], None, |a| {
        Ok(Value::String(slugify(arg_str(&a, 0))))
    });
    def(&mut m, "toYaml", &[Ty::Any], None, |a| {
        Ok(Value::String(
            crate::yaml::to_yaml(&any(&a, 0)).unwrap_or_default(),
        ))
    });
    def(&mut m, "mustToYaml", &[Ty::Any], None, |a| {
        crate::yaml::to_yaml(&any(&a, 0)).map(Value::String)
    });
    m
}

/// Registers a function whose body needs only its arguments.
pub(crate) fn def(
    m: &mut FuncMap,
    name: &str,
    params: &[Ty],
    variadic: Option<Ty>,
    body: impl Fn(Vec<Value>) -> Result<Value, String> + Send + Sync + 'static,
) {
    m.insert(
        name,
        Func::new(params, variadic, move |_env, args| body(args)),
    );
}

/// Argument `i` (nil when absent).
pub(crate) fn any(a: &[Value], i: usize) -> Value {
    a.get(i).cloned().unwrap_or(Value::Nil)
}

/// Argument `i` as a string ("" when it is not one; the engine converts before the call).
pub(crate) fn arg_str(a: &[Value], i: usize) -> &str {
    match a.get(i) {
        Some(Value::String(s)) => s,
        _ => "",
    }
}

/// Argument `i` as an integer.
pub(crate) fn arg_int(a: &[Value], i: usize) -> i64 {
    match a.get(i) {
        Some(Value::Int(n) | Value::Int64(n)) => *n,
        Some(v) => to_int64(v),
        None => 0,
    }
}

/// Argument `i` as a bool.
pub(crate) fn arg_bool(a: &[Value], i: usize) -> bool {
    matches!(a.get(i), Some(Value::Bool(true)))
}

/// Refuses a string result longer than [`MAX_LEN`].
pub(crate) fn check_len(func: &str, len: usize) -> Result<(), String> {
    if len > MAX_LEN {
        return Err(format!(
            "{func}: the result would be {len} bytes, more than the {MAX_LEN} this renderer allows"
        ));
    }
    Ok(())
}

/// The error for a list longer than [`MAX_ITEMS`].
pub(crate) fn too_many(func: &str, n: usize) -> String {
    format!(
        "{func}: the result would have {n} elements, more than the {MAX_ITEMS} this renderer allows"
    )
}

#[cfg(test)]
mod tests;
