//! Go's `strconv.FormatFloat` in the shapes the YAML layer needs: `'g'` with the shortest
//! precision (go-yaml's float scalars, `sigs.k8s.io/yaml`'s float map keys) and the
//! `encoding/json` form (which decides whether a number reads back as an integer).

/// Shortest decimal digits and the decimal point position of a finite, non-zero `f`
/// (`0.d1d2… × 10^dp`): as many digits as Rust's shortest round-trip formatting needs,
/// rounded from the exact value with ties to even, as Go rounds (Rust's shortest form
/// rounds such ties up).
fn shortest<F: std::fmt::LowerExp + Copy>(f: F) -> (String, i32) {
    let (digs, _) = digits(&format!("{f:e}"));
    let prec = digs.len().saturating_sub(1);
    digits(&format!("{f:.prec$e}"))
}

fn digits(sci: &str) -> (String, i32) {
    let (mant, exp) = sci.split_once('e').unwrap_or((sci, "0"));
    let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    let exp: i32 = exp.parse().unwrap_or(0);
    (digits, exp + 1)
}

fn special(f: f64) -> Option<String> {
    if f.is_nan() {
        Some("NaN".to_string())
    } else if f.is_infinite() {
        Some(if f > 0.0 { "+Inf" } else { "-Inf" }.to_string())
    } else {
        None
    }
}

/// `%e`/`%f` choice of `'g'` with shortest precision, given the digits.
fn format_g(neg: bool, zero: bool, digs: &str, dp: i32) -> String {
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if zero {
        out.push('0');
        return out;
    }
    let exp = dp - 1;
    if !(-4..6).contains(&exp) {
        out.push_str(&format_e(digs, exp));
        return out;
    }
    out.push_str(&format_f(digs, dp));
    out
}

fn format_e(digs: &str, exp: i32) -> String {
    let mut out = String::new();
    let mut chars = digs.chars();
    out.push(chars.next().unwrap_or('0'));
    let rest: String = chars.collect();
    if !rest.is_empty() {
        out.push('.');
        out.push_str(&rest);
    }
    out.push('e');
    out.push(if exp < 0 { '-' } else { '+' });
    let e = exp.unsigned_abs();
    if e < 10 {
        out.push('0');
    }
    out.push_str(&e.to_string());
    out
}

fn format_f(digs: &str, dp: i32) -> String {
    let nd = digs.len() as i32;
    let mut out = String::new();
    if dp <= 0 {
        out.push_str("0.");
        for _ in 0..(-dp) {
            out.push('0');
        }
        out.push_str(digs);
    } else if dp >= nd {
        out.push_str(digs);
        for _ in 0..(dp - nd) {
            out.push('0');
        }
    } else {
        let (a, b) = digs.split_at(dp as usize);
        out.push_str(a);
        out.push('.');
        out.push_str(b);
    }
    out
}

/// `strconv.FormatFloat(f, 'g', -1, 64)`.
pub fn format_g64(f: f64) -> String {
    if let Some(s) = special(f) {
        return s;
    }
    let (digs, dp) = shortest(f.abs());
    format_g(f.is_sign_negative(), f == 0.0, &digs, dp)
}

/// `strconv.FormatFloat(f, 'g', -1, 32)`.
pub fn format_g32(f: f64) -> String {
    let g = f as f32;
    if let Some(s) = special(f64::from(g)) {
        return s;
    }
    let (digs, dp) = shortest(g.abs());
    format_g(g.is_sign_negative(), g == 0.0, &digs, dp)
}

/// What `encoding/json` writes for a float64 (`None` for NaN and infinities, which it
/// refuses).
pub fn format_json(f: f64) -> Option<String> {
    if !f.is_finite() {
        return None;
    }
    let abs = f.abs();
    let neg = f.is_sign_negative();
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if abs == 0.0 {
        out.push('0');
        return Some(out);
    }
    let (digs, dp) = shortest(abs);
    if !(1e-6..1e21).contains(&abs) {
        let e = format_e(&digs, dp - 1);
        // encoding/json writes e-7, not e-07
        let e = e.replace("e-0", "e-").replace("e+0", "e+");
        out.push_str(&e);
    } else {
        out.push_str(&format_f(&digs, dp));
    }
    Some(out)
}

/// The JSON number text Go writes for `f`, read back as the Kubernetes JSON decoder does:
/// integer text that fits `int64` is an integer, anything else a float.
pub fn json_number(f: f64) -> Option<serde_json::Value> {
    let text = format_json(f)?;
    if let Ok(i) = text.parse::<i64>() {
        return Some(serde_json::Value::from(i));
    }
    serde_json::Number::from_f64(f).map(serde_json::Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g64() {
        for (f, s) in [
            (1e21, "1e+21"),
            (1e20, "1e+20"),
            (1.0, "1"),
            (-0.0, "-0"),
            (0.000001, "1e-06"),
            (1e-7, "1e-07"),
            (0.0001, "0.0001"),
            (123456.0, "123456"),
            (1234567.0, "1.234567e+06"),
            (1.5, "1.5"),
            (1.2345678901234569e23, "1.2345678901234569e+23"),
            (f64::INFINITY, "+Inf"),
            // a tie at the shortest length: Go rounds to even
            (
                f64::from_bits(4_802_416_526_549_834_784),
                "1.1880709766126062e+13",
            ),
        ] {
            assert_eq!(format_g64(f), s, "{f}");
        }
        assert_eq!(format_g32(0.1), "0.1");
        assert_eq!(format_g32(123456789.0), "1.2345679e+08");
    }

    #[test]
    fn json() {
        for (f, s) in [
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (1e-7, "1e-7"),
            (0.000001, "0.000001"),
            (1.5, "1.5"),
            (-0.0, "-0"),
            (1.2345678901234569e23, "1.2345678901234569e+23"),
        ] {
            assert_eq!(format_json(f).as_deref(), Some(s), "{f}");
        }
    }
}
