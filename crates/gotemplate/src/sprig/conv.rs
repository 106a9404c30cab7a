//! slim-sprig's conversions (`strval`, `toInt64`, `toFloat64`) and Go's `strconv` number
//! parsing they rest on.
use crate::gofmt;
use crate::value::Value;

/// Why a Go `strconv` parse failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumErr {
    Syntax,
    /// Out of range: the value is the clamped one Go returns with the error.
    Range(i64),
}

/// slim-sprig's `strval`: a string as is, anything else as `%v` prints it.
pub fn strval(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        _ => gofmt::sprintf("%v", std::slice::from_ref(v)),
    }
}

/// `strconv.ParseInt(s, base, 64)` for an explicit base (2..=36): a sign, then digits; no
/// underscores or prefixes.
pub fn parse_int(s: &str, base: u32) -> Result<i64, NumErr> {
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() {
        return Err(NumErr::Syntax);
    }
    let mut n: u64 = 0;
    let mut overflow = false;
    for c in digits.chars() {
        let d = c.to_digit(base).ok_or(NumErr::Syntax)?;
        match n
            .checked_mul(u64::from(base))
            .and_then(|x| x.checked_add(u64::from(d)))
        {
            Some(x) => n = x,
            None => overflow = true,
        }
    }
    let limit: u64 = if neg { 1 << 63 } else { (1 << 63) - 1 };
    if overflow || n > limit {
        return Err(NumErr::Range(if neg { i64::MIN } else { i64::MAX }));
    }
    Ok(if neg {
        0i64.wrapping_sub(n as i64)
    } else {
        n as i64
    })
}

/// Go's `underscoreOK`, for number literals in templates and `strconv` alike: underscores only
/// between digits (or after a base prefix).
pub(crate) fn underscore_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut saw = b'^';
    let mut i = 0;
    if matches!(b.first(), Some(b'+') | Some(b'-')) {
        i = 1;
    }
    let mut hex = false;
    if b.len() >= i + 2
        && b[i] == b'0'
        && matches!(b[i + 1].to_ascii_lowercase(), b'b' | b'o' | b'x')
    {
        hex = b[i + 1].eq_ignore_ascii_case(&b'x');
        i += 2;
        saw = b'0';
    }
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

/// `strconv.ParseFloat(s, 64)`: decimal and hexadecimal (`0x1p-2`) forms, `inf`, `infinity`
/// and `nan` in any case, underscores between digits. Out of range is an error, as in Go.
pub fn parse_float(s: &str) -> Result<f64, NumErr> {
    let (neg, rest) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let lower = rest.to_ascii_lowercase();
    if lower == "inf" || lower == "infinity" {
        return Ok(if neg {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        });
    }
    if lower == "nan" && !s.starts_with(['+', '-']) {
        return Ok(f64::NAN);
    }
    if rest.is_empty()
        || !rest
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'.' || c == b'_' || c == b'+' || c == b'-')
    {
        return Err(NumErr::Syntax);
    }
    if rest.contains('_') && !underscore_ok(rest) {
        return Err(NumErr::Syntax);
    }
    let clean: String = rest.chars().filter(|c| *c != '_').collect();
    let v = if clean.len() > 2 && clean[..2].eq_ignore_ascii_case("0x") {
        parse_hex_float(&clean[2..])?
    } else {
        if clean
            .bytes()
            .any(|c| c.is_ascii_alphabetic() && c != b'e' && c != b'E')
        {
            return Err(NumErr::Syntax);
        }
        clean.parse::<f64>().map_err(|_| NumErr::Syntax)?
    };
    if v.is_infinite() {
        return Err(NumErr::Range(0));
    }
    Ok(if neg { -v } else { v })
}

fn parse_hex_float(s: &str) -> Result<f64, NumErr> {
    let (mant, exp) = s.split_once(['p', 'P']).ok_or(NumErr::Syntax)?;
    let exp: i32 = match exp.parse::<i64>() {
        Ok(e) => e.clamp(-100_000, 100_000) as i32,
        Err(_) => return Err(NumErr::Syntax),
    };
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    if int.is_empty() && frac.is_empty() {
        return Err(NumErr::Syntax);
    }
    let mut v = 0f64;
    for c in int.chars() {
        v = v * 16.0 + f64::from(c.to_digit(16).ok_or(NumErr::Syntax)?);
    }
    let mut scale = 1.0 / 16.0;
    for c in frac.chars() {
        v += f64::from(c.to_digit(16).ok_or(NumErr::Syntax)?) * scale;
        scale /= 16.0;
    }
    Ok(ldexp(v, exp))
}

/// `x * 2^e` without overflowing the intermediate power.
pub fn ldexp(mut x: f64, mut e: i32) -> f64 {
    while e > 1000 {
        x *= 2f64.powi(1000);
        e -= 1000;
    }
    while e < -1000 {
        x *= 2f64.powi(-1000);
        e += 1000;
    }
    x * 2f64.powi(e)
}

/// Go's conversion of a float64 to int64 on amd64: truncation, and the most negative int64 for
/// NaN and values out of range.
pub fn f64_to_i64(f: f64) -> i64 {
    if f.is_nan() || !(-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}

/// slim-sprig's `toInt64`.
pub fn to_int64(v: &Value) -> i64 {
    match v {
        Value::String(s) => parse_int(s, 10).unwrap_or(0),
        Value::Int(n) | Value::Int64(n) => *n,
        Value::Float(f) => f64_to_i64(*f),
        Value::Bool(b) => i64::from(*b),
        _ => 0,
    }
}

/// slim-sprig's `toFloat64`.
pub fn to_float64(v: &Value) -> f64 {
    match v {
        Value::String(s) => parse_float(s).unwrap_or(0.0),
        Value::Int(n) | Value::Int64(n) => *n as f64,
        Value::Float(f) => *f,
        Value::Bool(true) => 1.0,
        Value::Bool(false) => 0.0,
        _ => 0.0,
    }
}

/// Go's `math.Pow(10, p)` for an integer `p`, computed as Go computes it (repeated squaring of
/// the mantissa, exponent kept apart), so `round` rounds as Go does.
pub fn pow10(p: i64) -> f64 {
    if p == 0 {
        return 1.0;
    }
    let (mut x1, mut xe) = frexp(10.0);
    let mut a1 = 1.0f64;
    let mut ae: i64 = 0;
    let mut i = p.unsigned_abs();
    while i != 0 {
        if !(-(1 << 12)..=(1 << 12)).contains(&xe) {
            ae += xe;
            break;
        }
        if i & 1 == 1 {
            a1 *= x1;
            ae += xe;
        }
        x1 *= x1;
        xe <<= 1;
        if x1 < 0.5 {
            x1 += x1;
            xe -= 1;
        }
        i >>= 1;
    }
    if p < 0 {
        a1 = 1.0 / a1;
        ae = -ae;
    }
    ldexp(a1, ae.clamp(-100_000, 100_000) as i32)
}

/// `math.Frexp` for finite non-zero values: `f = frac * 2^exp`, `frac` in [0.5, 1).
fn frexp(f: f64) -> (f64, i64) {
    if f == 0.0 || !f.is_finite() {
        return (f, 0);
    }
    let bits = f.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i64;
    if exp == 0 {
        let (fr, e) = frexp(f * 2f64.powi(64));
        return (fr, e - 64);
    }
    let frac = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (frac, exp - 1022)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_as_strconv() {
        assert_eq!(
            parse_int("99999999999999999999", 10),
            Err(NumErr::Range(i64::MAX))
        );
        assert_eq!(parse_int("-9223372036854775808", 10), Ok(i64::MIN));
        assert_eq!(parse_int("+5", 10), Ok(5));
        assert_eq!(parse_int(" 5", 10), Err(NumErr::Syntax));
        assert_eq!(parse_int("0777", 8), Ok(511));
        assert_eq!(parse_float("1_000"), Ok(1000.0));
        assert_eq!(parse_float("0x1p-2"), Ok(0.25));
        assert_eq!(parse_float("1e400"), Err(NumErr::Range(0)));
        assert_eq!(parse_float("Inf"), Ok(f64::INFINITY));
        assert_eq!(parse_float("1__0"), Err(NumErr::Syntax));
        assert_eq!(parse_float("_1"), Err(NumErr::Syntax));
        assert_eq!(parse_float("1e"), Err(NumErr::Syntax));
        assert_eq!(f64_to_i64(1e19), i64::MIN);
        assert_eq!(f64_to_i64(-2.9), -2);
        assert_eq!(pow10(2), 100.0);
        assert_eq!(pow10(-2), 0.01);
        assert_eq!(pow10(22), 1e22);
    }
}
