//! Calls of exports a typed trait method cannot express: an `externref` (a JS value) in the
//! signature, or more parameters than wasmtime's typed calls take (17). `#[proxied]` maps a
//! method `fn f(&self, args: &[Value]) -> Result<Vec<Value>>` to one of these.
//!
//! Untyped calls are never logged for replay: their arguments cannot be told apart from handle
//! pointers, so a swap could not remap them.

use wasmtime::{Func, RefType, Store, Val, ValType};

use crate::imports::HostState;
use crate::imports::wasm_bindgen::{JsValue, from_wasm, to_wasm};
use crate::log::RawValue;
use crate::proxy::RawResults;
use crate::{Error, Result};

/// An argument or result of an untyped call.
#[derive(Debug, Clone)]
pub enum Value {
    /// `i32` (also an object pointer: `proxy.ptr_of(&handle)`).
    I32(i32),
    /// `i64`
    I64(i64),
    /// `f32`
    F32(f32),
    /// `f64`
    F64(f64),
    /// `v128`
    V128(u128),
    /// An `externref`: a JS value as the wasm-bindgen imports model it.
    Js(JsValue),
}

impl RawResults for Vec<Value> {
    fn to_raw(&self) -> Vec<RawValue> {
        self.iter()
            .filter_map(|v| match *v {
                Value::I32(v) => Some(RawValue::I32(v)),
                Value::I64(v) => Some(RawValue::I64(v)),
                Value::F32(v) => Some(RawValue::F32(v.to_bits())),
                Value::F64(v) => Some(RawValue::F64(v.to_bits())),
                Value::V128(_) | Value::Js(_) => None,
            })
            .collect()
    }
}

/// Looks up an export for untyped calls (the counterpart of [`crate::instance::typed_export`]).
pub fn untyped_export(
    instance: &wasmtime::Instance,
    store: &mut Store<HostState>,
    export: &str,
    method: &str,
) -> Result<Func> {
    instance
        .get_func(&mut *store, export)
        .ok_or_else(|| Error::MissingExport {
            export: export.into(),
            method: method.into(),
        })
}

/// Calls `func` with `args`, converted to the types its signature declares.
pub fn call_untyped(
    func: &Func,
    store: &mut Store<HostState>,
    args: &[Value],
) -> wasmtime::Result<Vec<Value>> {
    let ty = func.ty(&*store);
    if ty.params().len() != args.len() {
        return Err(wasmtime::format_err!(
            "takes {} arguments, got {}",
            ty.params().len(),
            args.len()
        ));
    }
    let params = ty
        .params()
        .zip(args)
        .enumerate()
        .map(|(i, (ty, arg))| {
            to_val(&mut *store, arg, &ty).map_err(|e| e.context(format!("argument {i}")))
        })
        .collect::<wasmtime::Result<Vec<_>>>()?;
    let mut results = vec![Val::I32(0); ty.results().len()];
    func.call(&mut *store, &params, &mut results)?;
    results.iter().map(|v| from_val(&mut *store, v)).collect()
}

fn to_val(store: &mut Store<HostState>, arg: &Value, ty: &ValType) -> wasmtime::Result<Val> {
    Ok(match (arg, ty) {
        (Value::I32(v), ValType::I32) => Val::I32(*v),
        (Value::I64(v), ValType::I64) => Val::I64(*v),
        (Value::F32(v), ValType::F32) => Val::F32(v.to_bits()),
        (Value::F64(v), ValType::F64) => Val::F64(v.to_bits()),
        (Value::V128(v), ValType::V128) => Val::V128((*v).into()),
        (Value::Js(v), ValType::Ref(r)) if r.matches(&RefType::EXTERNREF) => {
            to_wasm(store, v.clone(), ty)?
        }
        (arg, ty) => return Err(wasmtime::format_err!("expected `{ty}`, got {arg:?}")),
    })
}

fn from_val(store: &mut Store<HostState>, v: &Val) -> wasmtime::Result<Value> {
    Ok(match v {
        Val::I32(v) => Value::I32(*v),
        Val::I64(v) => Value::I64(*v),
        Val::F32(v) => Value::F32(f32::from_bits(*v)),
        Val::F64(v) => Value::F64(f64::from_bits(*v)),
        Val::V128(v) => Value::V128(v.as_u128()),
        Val::ExternRef(_) => Value::Js(from_wasm(store, v)?),
        other => {
            return Err(wasmtime::format_err!(
                "cannot return a {other:?} to the host"
            ));
        }
    })
}
