//! slim-sprig's lists, dicts, defaults and reflection functions.
use std::collections::BTreeMap;
use std::rc::Rc;

use super::conv::{f64_to_i64, strval, to_int64};
use super::{MAX_ITEMS, NIL_DEREF, Ty, any, arg_bool, arg_int, arg_str, def};
use crate::func::FuncMap;
use crate::value::{Elem, List, Value};

/// The elements of a slice argument, or Go's error: a nil argument is a nil dereference in
/// slim-sprig (`reflect.TypeOf(nil).Kind()`), another type is `Cannot VERB on type KIND`.
fn items(v: &Value, what: &str) -> Result<Vec<Value>, String> {
    match v {
        Value::List(l) => Ok(l.items.clone()),
        Value::Nil => Err(NIL_DEREF.to_string()),
        other => Err(match what.split_once("{}") {
            Some((pre, post)) => format!("{pre}{}{post}", other.go_kind()),
            None => format!("{what} {}", other.go_kind()),
        }),
    }
}

/// How deep [`deep_equal`] looks before giving up (Go's `reflect.DeepEqual` tracks visited
/// maps instead; a structure this deep is most likely a map that holds itself).
const MAX_EQUAL_DEPTH: usize = 512;

/// `reflect.DeepEqual`, safe on maps that hold themselves.
pub fn deep_equal(a: &Value, b: &Value) -> bool {
    eq_depth(a, b, 0)
}

fn eq_depth(a: &Value, b: &Value, depth: usize) -> bool {
    if depth > MAX_EQUAL_DEPTH {
        return false;
    }
    match (a, b) {
        (Value::List(x), Value::List(y)) => {
            Rc::ptr_eq(x, y)
                || (x.elem == y.elem
                    && x.items.len() == y.items.len()
                    && x.items
                        .iter()
                        .zip(&y.items)
                        .all(|(p, q)| eq_depth(p, q, depth + 1)))
        }
        (Value::Map(x), Value::Map(y)) => {
            if Rc::ptr_eq(x, y) {
                return true;
            }
            let (x, y) = (x.borrow(), y.borrow());
            x.elem == y.elem
                && x.entries.len() == y.entries.len()
                && x.entries
                    .iter()
                    .zip(&y.entries)
                    .all(|((kp, p), (kq, q))| kp == kq && eq_depth(p, q, depth + 1))
        }
        (Value::List(_) | Value::Map(_), _) | (_, Value::List(_) | Value::Map(_)) => false,
        _ => a == b,
    }
}

fn contains(list: &[Value], v: &Value) -> bool {
    list.iter().any(|x| deep_equal(x, v))
}

/// slim-sprig's `empty`.
pub fn empty(v: &Value) -> bool {
    !v.truth()
}

fn map_of(v: &Value) -> BTreeMap<String, Value> {
    match v {
        Value::Map(m) => m.borrow().entries.clone(),
        _ => BTreeMap::new(),
    }
}

pub fn register(m: &mut FuncMap) {
    use Ty::*;
    for name in ["list", "tuple"] {
        def(m, name, &[], Some(Any), |a| Ok(Value::list(a)));
    }
    def(m, "dict", &[], Some(Any), |a| {
        let mut d = BTreeMap::new();
        for pair in a.chunks(2) {
            let key = strval(pair.first().unwrap_or(&Value::Nil));
            d.insert(key, pair.get(1).cloned().unwrap_or(Value::string("")));
        }
        Ok(Value::map(d))
    });
    def(m, "get", &[Map, String], None, |a| {
        Ok(map_of(&any(&a, 0))
            .get(arg_str(&a, 1))
            .cloned()
            .unwrap_or(Value::string("")))
    });
    def(m, "set", &[Map, String, Any], None, |a| match any(&a, 0) {
        Value::Map(d) => {
            d.borrow_mut()
                .entries
                .insert(arg_str(&a, 1).to_string(), any(&a, 2));
            Ok(Value::Map(d))
        }
        _ => Err("assignment to entry in nil map".to_string()),
    });
    def(m, "unset", &[Map, String], None, |a| match any(&a, 0) {
        Value::Map(d) => {
            d.borrow_mut().entries.remove(arg_str(&a, 1));
            Ok(Value::Map(d))
        }
        other => Ok(other),
    });
    def(m, "hasKey", &[Map, String], None, |a| {
        Ok(Value::Bool(
            map_of(&any(&a, 0)).contains_key(arg_str(&a, 1)),
        ))
    });
    def(m, "pluck", &[String], Some(Map), |a| {
        let key = arg_str(&a, 0);
        Ok(Value::list(
            a.iter()
                .skip(1)
                .filter_map(|d| map_of(d).get(key).cloned())
                .collect(),
        ))
    });
    def(m, "keys", &[], Some(Map), |a| {
        Ok(Value::strings(
            a.iter()
                .flat_map(|d| map_of(d).into_keys())
                .collect::<Vec<_>>(),
        ))
    });
    def(m, "pick", &[Map], Some(String), |a| {
        let d = map_of(&any(&a, 0));
        let mut out = BTreeMap::new();
        for k in a.iter().skip(1) {
            let k = strval(k);
            if let Some(v) = d.get(&k) {
                out.insert(k, v.clone());
            }
        }
        Ok(Value::map(out))
    });
    def(m, "omit", &[Map], Some(String), |a| {
        let mut d = map_of(&any(&a, 0));
        for k in a.iter().skip(1) {
            d.remove(&strval(k));
        }
        Ok(Value::map(d))
    });
    def(m, "values", &[Map], None, |a| {
        Ok(Value::list(map_of(&any(&a, 0)).into_values().collect()))
    });
    def(m, "dig", &[], Some(Any), dig);

    for name in ["append", "push", "mustAppend", "mustPush"] {
        def(m, name, &[Any, Any], None, |a| {
            let mut l = items(&any(&a, 0), "Cannot push on type")?;
            l.push(any(&a, 1));
            Ok(Value::list(l))
        });
    }
    for name in ["prepend", "mustPrepend"] {
        def(m, name, &[Any, Any], None, |a| {
            let mut l = items(&any(&a, 0), "Cannot prepend on type")?;
            l.insert(0, any(&a, 1));
            Ok(Value::list(l))
        });
    }
    for name in ["first", "mustFirst"] {
        def(m, name, &[Any], None, |a| {
            let l = items(&any(&a, 0), "Cannot find first on type")?;
            Ok(l.first().cloned().unwrap_or(Value::Nil))
        });
    }
    for name in ["last", "mustLast"] {
        def(m, name, &[Any], None, |a| {
            let l = items(&any(&a, 0), "Cannot find last on type")?;
            Ok(l.last().cloned().unwrap_or(Value::Nil))
        });
    }
    for name in ["rest", "mustRest"] {
        def(m, name, &[Any], None, |a| {
            let l = items(&any(&a, 0), "Cannot find rest on type")?;
            Ok(Value::list(l.into_iter().skip(1).collect()))
        });
    }
    for name in ["initial", "mustInitial"] {
        def(m, name, &[Any], None, |a| {
            let mut l = items(&any(&a, 0), "Cannot find initial on type")?;
            l.pop();
            Ok(Value::list(l))
        });
    }
    for name in ["reverse", "mustReverse"] {
        def(m, name, &[Any], None, |a| {
            let mut l = items(&any(&a, 0), "Cannot find reverse on type")?;
            l.reverse();
            Ok(Value::list(l))
        });
    }
    for name in ["compact", "mustCompact"] {
        def(m, name, &[Any], None, |a| {
            let l = items(&any(&a, 0), "Cannot compact on type")?;
            Ok(Value::list(l.into_iter().filter(|v| !empty(v)).collect()))
        });
    }
    for name in ["uniq", "mustUniq"] {
        def(m, name, &[Any], None, |a| {
            let l = items(&any(&a, 0), "Cannot find uniq on type")?;
            let mut out: Vec<Value> = Vec::new();
            for v in l {
                if !contains(&out, &v) {
                    out.push(v);
                }
            }
            Ok(Value::list(out))
        });
    }
    for name in ["without", "mustWithout"] {
        def(m, name, &[Any], Some(Any), |a| {
            let l = items(&any(&a, 0), "Cannot find without on type")?;
            let omit = a.get(1..).unwrap_or(&[]);
            Ok(Value::list(
                l.into_iter().filter(|v| !contains(omit, v)).collect(),
            ))
        });
    }
    for name in ["has", "mustHas"] {
        def(m, name, &[Any, Any], None, |a| {
            let hay = any(&a, 1);
            if let Value::Nil = hay {
                return Ok(Value::Bool(false));
            }
            let l = items(&hay, "Cannot find has on type")?;
            Ok(Value::Bool(contains(&l, &any(&a, 0))))
        });
    }
    for name in ["slice", "mustSlice"] {
        def(m, name, &[Any], Some(Any), slice);
    }
    def(m, "concat", &[], Some(Any), |a| {
        let mut out = Vec::new();
        for l in &a {
            out.extend(items(l, "Cannot concat type {} as list")?);
            if out.len() > MAX_ITEMS {
                return Err(super::too_many("concat", out.len()));
            }
        }
        Ok(Value::list(out))
    });
    for name in ["chunk", "mustChunk"] {
        def(m, name, &[Int, Any], None, |a| {
            chunk(arg_int(&a, 0), &any(&a, 1))
        });
    }

    // Defaults.
    def(m, "default", &[Any], Some(Any), |a| {
        let given = a.get(1..).unwrap_or(&[]);
        match given.first() {
            Some(g) if !empty(g) => Ok(g.clone()),
            _ => Ok(any(&a, 0)),
        }
    });
    def(m, "empty", &[Any], None, |a| {
        Ok(Value::Bool(empty(&any(&a, 0))))
    });
    def(m, "coalesce", &[], Some(Any), |a| {
        Ok(a.into_iter().find(|v| !empty(v)).unwrap_or(Value::Nil))
    });
    def(m, "all", &[], Some(Any), |a| {
        Ok(Value::Bool(a.iter().all(|v| !empty(v))))
    });
    def(m, "any", &[], Some(Any), |a| {
        Ok(Value::Bool(a.iter().any(|v| !empty(v))))
    });
    def(m, "ternary", &[Any, Any, Bool], None, |a| {
        Ok(if arg_bool(&a, 2) {
            any(&a, 0)
        } else {
            any(&a, 1)
        })
    });

    // Reflection.
    def(m, "typeOf", &[Any], None, |a| {
        Ok(Value::String(any(&a, 0).go_type()))
    });
    def(m, "typeIs", &[String, Any], None, |a| {
        Ok(Value::Bool(arg_str(&a, 0) == any(&a, 1).go_type()))
    });
    def(m, "typeIsLike", &[String, Any], None, |a| {
        let t = any(&a, 1).go_type();
        let target = arg_str(&a, 0);
        Ok(Value::Bool(target == t || format!("*{target}") == t))
    });
    def(m, "kindOf", &[Any], None, |a| {
        Ok(Value::string(any(&a, 0).go_kind()))
    });
    def(m, "kindIs", &[String, Any], None, |a| {
        Ok(Value::Bool(arg_str(&a, 0) == any(&a, 1).go_kind()))
    });
    def(m, "deepEqual", &[Any, Any], None, |a| {
        Ok(Value::Bool(deep_equal(&any(&a, 0), &any(&a, 1))))
    });
}

fn conversion_err(v: &Value, want: &str) -> String {
    let got = match v {
        Value::Nil => "nil".to_string(),
        other => other.go_type(),
    };
    format!("interface conversion: interface {{}} is {got}, not {want}")
}

fn dig(a: Vec<Value>) -> Result<Value, String> {
    if a.len() < 3 {
        return Err("dig needs at least three arguments".to_string());
    }
    let n = a.len();
    let dict = a.get(n - 1).cloned().unwrap_or(Value::Nil);
    let default = a.get(n - 2).cloned().unwrap_or(Value::Nil);
    let mut cur = match &dict {
        Value::Map(m) if m.borrow().elem == Elem::Any => dict.clone(),
        other => return Err(conversion_err(other, "map[string]interface {}")),
    };
    let mut keys = Vec::new();
    for k in a.iter().take(n - 2) {
        match k {
            Value::String(s) => keys.push(s.clone()),
            other => return Err(conversion_err(other, "string")),
        }
    }
    for (i, k) in keys.iter().enumerate() {
        let step = match &cur {
            Value::Map(m) if m.borrow().elem == Elem::Any => m.borrow().entries.get(k).cloned(),
            other => return Err(conversion_err(other, "map[string]interface {}")),
        };
        match step {
            None => return Ok(default),
            Some(v) if i + 1 == keys.len() => return Ok(v),
            Some(v) => cur = v,
        }
    }
    Ok(default)
}

fn slice(a: Vec<Value>) -> Result<Value, String> {
    let list = any(&a, 0);
    let l: Rc<List> = match &list {
        Value::List(l) => l.clone(),
        Value::Nil => return Err(NIL_DEREF.to_string()),
        other => {
            return Err(format!(
                "list should be type of slice or array but {}",
                other.go_kind()
            ));
        }
    };
    let len = l.items.len() as i64;
    if len == 0 {
        return Ok(Value::Nil);
    }
    let to_int = |v: &Value| to_int64(v);
    let start = a.get(1).map(to_int).unwrap_or(0);
    let end = if a.len() < 3 {
        len
    } else {
        a.get(2).map(to_int).unwrap_or(len)
    };
    if start < 0 || end < start || end > len {
        return Err("reflect.Value.Slice: slice index out of bounds".to_string());
    }
    let items = l
        .items
        .get(start as usize..end as usize)
        .map(<[Value]>::to_vec)
        .unwrap_or_default();
    Ok(Value::typed_list(l.elem, items))
}

fn chunk(size: i64, list: &Value) -> Result<Value, String> {
    let l = items(list, "Cannot chunk type")?;
    let len = l.len() as i64;
    let cs = f64_to_i64(((len - 1) as f64 / size as f64).floor() + 1.0);
    if cs < 0 || (cs > 0 && size <= 0) {
        return Err("runtime error: makeslice: len out of range".to_string());
    }
    if cs == 0 {
        return Ok(Value::typed_list(Elem::AnyList, Vec::new()));
    }
    let mut out = Vec::new();
    for group in l.chunks(usize::try_from(size).unwrap_or(usize::MAX).max(1)) {
        out.push(Value::list(group.to_vec()));
    }
    Ok(Value::typed_list(Elem::AnyList, out))
}
