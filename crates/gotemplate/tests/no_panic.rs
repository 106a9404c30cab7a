//! Inputs are written by strangers: no function of the map, and no `printf` format, may panic
//! or allocate without bound, whatever the values.
use std::collections::BTreeMap;

use gotemplate::func::Env;
use gotemplate::{Elem, Value, gofmt, sprig};
use proptest::prelude::*;

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Nil),
        any::<bool>().prop_map(Value::Bool),
        prop_oneof![
            -300i64..300,
            Just(i64::MIN),
            Just(i64::MAX),
            Just(1_000_001)
        ]
        .prop_map(Value::Int),
        prop_oneof![-300i64..300, Just(i64::MIN), Just(-1)].prop_map(Value::Int64),
        prop_oneof![
            any::<f64>(),
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(1e300),
            Just(-0.0)
        ]
        .prop_map(Value::Float),
        prop_oneof![
            ".{0,12}",
            "[%a-z0-9*.\\-+#\\[\\]{}()?$\\\\:/@=]{0,12}",
            Just("2006-01-02".to_string()),
            Just("1h30m".to_string()),
        ]
        .prop_map(Value::String),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::list),
            prop::collection::vec(".{0,4}", 0..3).prop_map(Value::strings),
            prop::collection::btree_map(".{0,4}", inner, 0..4).prop_map(Value::map),
        ]
    })
}

/// Cases per property: `PROPTEST_CASES` when set, else 500.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), .. ProptestConfig::default() })]

    #[test]
    fn functions_do_not_panic(args in prop::collection::vec(value(), 0..5), pick in any::<usize>()) {
        let map = sprig::hermetic();
        let mut names: Vec<&String> = map.funcs.keys().collect();
        names.sort();
        let name = names[pick % names.len()];
        let f = &map.funcs[name];
        let env = Env { env: &Value::Nil };
        let _ = (f.body)(&env, args.clone());
        // Every function once more with the same values, whatever their number.
        for n in &names {
            let _ = (map.funcs[*n].body)(&env, args.clone());
        }
    }

    #[test]
    fn printf_does_not_panic(format in "[%a-zA-Z0-9 .*\\[\\]+#\\-!é]{0,16}", args in prop::collection::vec(value(), 0..4)) {
        let _ = gofmt::sprintf(&format, &args);
        let _ = gofmt::sprint(&args);
        let _ = gofmt::sprintln(&args);
    }
}

#[test]
fn a_map_holding_itself_prints_and_compares() {
    let m = Value::map(BTreeMap::new());
    if let Value::Map(inner) = &m {
        inner
            .borrow_mut()
            .entries
            .insert("self".to_string(), m.clone());
    }
    let printed = gofmt::sprint(std::slice::from_ref(&m));
    assert!(printed.starts_with("map[self:map[self:"));
    let map = sprig::hermetic();
    let env = Env { env: &Value::Nil };
    let eq = (map.funcs["deepEqual"].body)(&env, vec![m.clone(), m.clone()]);
    assert!(matches!(eq, Ok(Value::Bool(true))));
    let json = (map.funcs["mustToJson"].body)(&env, vec![m.clone()]);
    assert!(json.is_err());
    let _ = Value::typed_list(Elem::Any, vec![m]);
}

#[test]
fn number_arguments_cannot_allocate_without_bound() {
    let map = sprig::hermetic();
    let env = Env { env: &Value::Nil };
    let call = |name: &str, args: Vec<Value>| (map.funcs[name].body)(&env, args);
    let big = Value::Int(1_000_000_000);
    assert!(call("repeat", vec![big.clone(), Value::string("x")]).is_err());
    assert!(call("indent", vec![big.clone(), Value::string("x")]).is_err());
    assert!(call("nindent", vec![big.clone(), Value::string("x")]).is_err());
    assert!(call("until", vec![big.clone()]).is_err());
    assert!(call("untilStep", vec![Value::Int(0), big.clone(), Value::Int(1)]).is_err());
    assert!(call("seq", vec![big.clone()]).is_err());
    assert!(call("seq", vec![Value::Int(i64::MIN), Value::Int(i64::MAX - 1)]).is_err());
    // Steps at the ends of int64 count without overflowing (Go wraps around).
    let ints = |v: Value| gofmt::sprint(&[v]);
    assert_eq!(
        ints(
            call(
                "untilStep",
                vec![Value::Int(0), Value::Int(-1), Value::Int(i64::MIN)]
            )
            .unwrap()
        ),
        "[0]"
    );
    assert_eq!(
        ints(
            call(
                "untilStep",
                vec![Value::Int(i64::MIN), Value::Int(-1), Value::Int(i64::MIN)]
            )
            .unwrap()
        ),
        "[]"
    );
    assert_eq!(
        ints(
            call(
                "untilStep",
                vec![
                    Value::Int(i64::MAX),
                    Value::Int(i64::MIN),
                    Value::Int(i64::MIN)
                ]
            )
            .unwrap()
        ),
        "[9223372036854775807 -1]"
    );
    // Go's fmt refuses widths and precisions over a million.
    assert_eq!(
        gofmt::sprintf("%1000000000d", &[Value::Int(1)]),
        "%!(NOVERB)%!(EXTRA int=1)"
    );
    assert_eq!(
        gofmt::sprintf("%.1000000000d", &[Value::Int(1)]),
        "%!(NOVERB)%!(EXTRA int=1)"
    );
}
