//! slim-sprig's numbers: conversions and arithmetic, with Go's int64 wrap-around and its
//! division-by-zero error.
use std::hash::{BuildHasher, Hasher};

use super::conv::{parse_int, pow10, to_float64, to_int64};
use super::{MAX_ITEMS, Ty, any, arg_int, def, too_many};
use crate::func::FuncMap;
use crate::gofmt;
use crate::value::{Elem, Value};

const DIV_ZERO: &str = "runtime error: integer divide by zero";

pub fn register(m: &mut FuncMap) {
    use Ty::*;
    def(m, "int64", &[Any], None, |a| {
        Ok(Value::Int64(to_int64(&any(&a, 0))))
    });
    def(m, "int", &[Any], None, |a| {
        Ok(Value::Int(to_int64(&any(&a, 0))))
    });
    def(m, "float64", &[Any], None, |a| {
        Ok(Value::Float(to_float64(&any(&a, 0))))
    });
    def(m, "toDecimal", &[Any], None, |a| {
        let s = gofmt::sprint(&[any(&a, 0)]);
        Ok(Value::Int64(parse_int(&s, 8).unwrap_or(0)))
    });
    def(m, "seq", &[], Some(Int), |a| {
        let p: Vec<i64> = a.iter().map(to_int64).collect();
        seq(&p)
    });
    def(m, "until", &[Int], None, |a| {
        let count = arg_int(&a, 0);
        let step = if count < 0 { -1 } else { 1 };
        until_step(0, count, step).map(ints)
    });
    def(m, "untilStep", &[Int, Int, Int], None, |a| {
        until_step(arg_int(&a, 0), arg_int(&a, 1), arg_int(&a, 2)).map(ints)
    });
    def(m, "add1", &[Any], None, |a| {
        Ok(Value::Int64(to_int64(&any(&a, 0)).wrapping_add(1)))
    });
    def(m, "add", &[], Some(Any), |a| {
        Ok(Value::Int64(
            a.iter().fold(0i64, |acc, v| acc.wrapping_add(to_int64(v))),
        ))
    });
    def(m, "sub", &[Any, Any], None, |a| {
        Ok(Value::Int64(
            to_int64(&any(&a, 0)).wrapping_sub(to_int64(&any(&a, 1))),
        ))
    });
    def(m, "div", &[Any, Any], None, |a| {
        let (x, y) = (to_int64(&any(&a, 0)), to_int64(&any(&a, 1)));
        if y == 0 {
            return Err(DIV_ZERO.to_string());
        }
        Ok(Value::Int64(x.wrapping_div(y)))
    });
    def(m, "mod", &[Any, Any], None, |a| {
        let (x, y) = (to_int64(&any(&a, 0)), to_int64(&any(&a, 1)));
        if y == 0 {
            return Err(DIV_ZERO.to_string());
        }
        Ok(Value::Int64(x.wrapping_rem(y)))
    });
    def(m, "mul", &[Any], Some(Any), |a| {
        let first = to_int64(&any(&a, 0));
        Ok(Value::Int64(
            a.iter()
                .skip(1)
                .fold(first, |acc, v| acc.wrapping_mul(to_int64(v))),
        ))
    });
    def(m, "randInt", &[Int, Int], None, |a| {
        let (min, max) = (arg_int(&a, 0), arg_int(&a, 1));
        let span = max.wrapping_sub(min);
        if span <= 0 {
            return Err("invalid argument to Intn".to_string());
        }
        let r = (random_u64() % span as u64) as i64;
        Ok(Value::Int(r.wrapping_add(min)))
    });
    for name in ["max", "biggest"] {
        def(m, name, &[Any], Some(Any), |a| {
            let first = to_int64(&any(&a, 0));
            Ok(Value::Int64(
                a.iter().skip(1).map(to_int64).fold(first, i64::max),
            ))
        });
    }
    def(m, "min", &[Any], Some(Any), |a| {
        let first = to_int64(&any(&a, 0));
        Ok(Value::Int64(
            a.iter().skip(1).map(to_int64).fold(first, i64::min),
        ))
    });
    def(m, "maxf", &[Any], Some(Any), |a| {
        let first = to_float64(&any(&a, 0));
        Ok(Value::Float(
            a.iter().skip(1).map(to_float64).fold(first, go_max),
        ))
    });
    def(m, "minf", &[Any], Some(Any), |a| {
        let first = to_float64(&any(&a, 0));
        Ok(Value::Float(
            a.iter().skip(1).map(to_float64).fold(first, go_min),
        ))
    });
    def(m, "ceil", &[Any], None, |a| {
        Ok(Value::Float(to_float64(&any(&a, 0)).ceil()))
    });
    def(m, "floor", &[Any], None, |a| {
        Ok(Value::Float(to_float64(&any(&a, 0)).floor()))
    });
    def(m, "round", &[Any, Int], Some(Float64), |a| {
        let round_on = match a.get(2) {
            Some(Value::Float(f)) => *f,
            Some(v) => to_float64(v),
            None => 0.5,
        };
        Ok(Value::Float(round(
            to_float64(&any(&a, 0)),
            arg_int(&a, 1),
            round_on,
        )))
    });
}

fn ints(v: Vec<i64>) -> Value {
    Value::typed_list(Elem::Int, v.into_iter().map(Value::Int).collect())
}

/// Go's `math.Max`.
pub fn go_max(x: f64, y: f64) -> f64 {
    if x == f64::INFINITY || y == f64::INFINITY {
        return f64::INFINITY;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == 0.0 && x == y {
        return if x.is_sign_negative() { y } else { x };
    }
    if x > y { x } else { y }
}

/// Go's `math.Min`.
pub fn go_min(x: f64, y: f64) -> f64 {
    if x == f64::NEG_INFINITY || y == f64::NEG_INFINITY {
        return f64::NEG_INFINITY;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == 0.0 && x == y {
        return if x.is_sign_negative() { x } else { y };
    }
    if x < y { x } else { y }
}

/// slim-sprig's `round`.
pub fn round(val: f64, places: i64, round_on: f64) -> f64 {
    let pow = pow10(places);
    let digit = pow * val;
    let frac = if digit.is_infinite() {
        f64::NAN
    } else {
        digit - digit.trunc()
    };
    let r = if frac >= round_on {
        digit.ceil()
    } else {
        digit.floor()
    };
    r / pow
}

/// slim-sprig's `untilStep`, refusing more than [`MAX_ITEMS`] elements (Go would try to
/// allocate them, or loop forever when the counter wraps around).
pub fn until_step(start: i64, stop: i64, step: i64) -> Result<Vec<i64>, String> {
    let count: i128 = if stop < start {
        if step >= 0 {
            return Ok(Vec::new());
        }
        (i128::from(start) - i128::from(stop) - i128::from(step) - 1) / -i128::from(step)
    } else {
        if step <= 0 {
            return Ok(Vec::new());
        }
        (i128::from(stop) - i128::from(start) + i128::from(step) - 1) / i128::from(step)
    };
    if count > MAX_ITEMS as i128 {
        return Err(too_many(
            "untilStep",
            usize::try_from(count).unwrap_or(usize::MAX),
        ));
    }
    let mut out = Vec::with_capacity(count.max(0) as usize);
    let mut i = start;
    for _ in 0..count {
        out.push(i);
        i = i.wrapping_add(step);
    }
    Ok(out)
}

/// slim-sprig's `seq`.
pub fn seq(p: &[i64]) -> Result<Value, String> {
    let v = match *p {
        [end] => {
            let inc = if end < 1 { -1 } else { 1 };
            until_step(1, end.wrapping_add(inc), inc)?
        }
        [start, end] => {
            let step = if end < start { -1 } else { 1 };
            until_step(start, end.wrapping_add(step), step)?
        }
        [start, step, end] => {
            let mut inc = 1;
            if end < start {
                inc = -1;
                if step > 0 {
                    return Ok(Value::string(""));
                }
            }
            until_step(start, end.wrapping_add(inc), step)?
        }
        _ => Vec::new(),
    };
    let s: Vec<String> = v.iter().map(i64::to_string).collect();
    Ok(Value::String(s.join(" ")))
}

/// A random number for `randInt` (the one function of the hermetic map that is not
/// repeatable, in slim-sprig too).
fn random_u64() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.finish()
}
