//! Untyped calls (`args: &[Value]`): `externref`s carry host JS values, wide exports take any
//! number of parameters, and a wrong argument is a clear error that leaves the proxy serving.

use proxy_runtime::{Error, JsValue, ProxyConfig, Result, Value, proxied};

const MODULE: &str = r#"(module
  (memory (export "memory") 1)
  (func (export "echo") (param externref) (result externref) local.get 0)
  (func (export "sum18")
    (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)
    (result i64)
    (local $acc i64)
    (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_s (local.get 0))))
    (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_s (local.get 1))))
    (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_s (local.get 2))))
    (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_s (local.get 3))))
    (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_s (local.get 4))))
    (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_s (local.get 5))))
    (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_s (local.get 6))))
    (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_s (local.get 7))))
    (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_s (local.get 8))))
    (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_s (local.get 9))))
    (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_s (local.get 10))))
    (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_s (local.get 11))))
    (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_s (local.get 12))))
    (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_s (local.get 13))))
    (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_s (local.get 14))))
    (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_s (local.get 15))))
    (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_s (local.get 16))))
    (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_s (local.get 17))))
    local.get $acc)
)"#;

#[proxied]
trait Refs {
    /// Returns its `externref` argument.
    fn echo(&self, args: &[Value]) -> Result<Vec<Value>>;
    /// The sum of 18 `i32`s, as an `i64`.
    fn sum18(&self, args: &[Value]) -> Result<Vec<Value>>;
}

fn proxy() -> RefsProxy {
    let wasm = wat::parse_str(MODULE).expect("fixture");
    RefsProxy::new(ProxyConfig::from_bytes(wasm)).expect("instance")
}

fn sum18(p: &RefsProxy) -> Result<Vec<Value>> {
    let args: Vec<Value> = (1..=18).map(Value::I32).collect();
    p.sum18(&args)
}

#[test]
fn js_values_go_through_externrefs_and_wide_exports_are_called() -> Result<()> {
    let p = proxy();
    let out = p.echo(&[Value::Js(JsValue::bytes(vec![1, 2, 3]))])?;
    let [Value::Js(v)] = out.as_slice() else {
        panic!("one externref back: {out:?}")
    };
    assert_eq!(v.to_bytes(), Some(vec![1, 2, 3]));
    assert!(matches!(sum18(&p)?.as_slice(), [Value::I64(171)]));
    // Untyped exports are resolved again on every instance.
    p.swap()?;
    assert!(matches!(sum18(&p)?.as_slice(), [Value::I64(171)]));
    Ok(())
}

#[test]
fn a_wrong_argument_is_an_error_naming_the_export() {
    let p = proxy();
    let err = p.sum18(&[Value::I32(1)]).unwrap_err();
    assert!(
        matches!(&err, Error::Call { export, .. } if export == "sum18"),
        "{err:?}"
    );
    assert!(
        format!("{err:#}").contains("takes 18 arguments, got 1"),
        "{err:#}"
    );
    let err = p.echo(&[Value::I64(1)]).unwrap_err();
    let text = format!("{:?}", err);
    assert!(
        text.contains("argument 0") && text.contains("expected `(ref null extern)`"),
        "{text}"
    );
    // The proxy keeps serving.
    assert!(matches!(sum18(&p).unwrap().as_slice(), [Value::I64(171)]));
}
