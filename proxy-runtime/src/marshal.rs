//! Calls at the module's own API level: an export called the way its wasm-bindgen glue calls
//! it (bytes and strings copied in with `__wbindgen_malloc`, results read from the return
//! area on the shadow stack or from multi-value results, a thrown JS value turned into
//! [`Error::Thrown`]), as one step no swap can fall into.
//!
//! codegen reads each glue function and emits its [`JsCall`]; this module interprets it, for
//! the call itself and again when the call is replayed into a standby (one marshaling, so
//! a replayed call passes the same bytes as the original: the log keeps them by value).

use wasmtime::{Store, Val};

use crate::imports::HostState;
use crate::imports::wasm_bindgen::{self, JsValue};
use crate::instance::{InstanceMemory, read_memory, write_memory};
use crate::log::RawValue;
use crate::{Error, Result};

/// Where one raw argument of an export comes from (wasm-bindgen's glue computes each from the
/// JS arguments; this is that computation, recorded by codegen).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WasmArg {
    /// The return area the glue reserves on the shadow stack
    /// (`__wbindgen_add_to_stack_pointer(-16)`).
    RetPtr,
    /// Parameter `n` (a number or a boolean), as is.
    Value(u8),
    /// The pointer of parameter `n`'s bytes (`&[u8]`, `&str`), copied into the module's heap
    /// (`passArray8ToWasm0` / `passStringToWasm0`).
    Ptr(u8),
    /// The length in bytes of parameter `n`.
    Len(u8),
    /// The object of handle parameter `n` (0 for an absent optional one).
    Handle(u8),
    /// 1 when optional parameter `n` is present, else 0 (`!isLikeNone(x)`).
    IsSome(u8),
    /// Optional parameter `n`'s value, or this literal when it is absent
    /// (`isLikeNone(x) ? 0x100000001 : x >>> 0`).
    OrNone(u8, RawValue),
    /// JS value parameter `n`, given to the module (`addHeapObject(x)`; an `externref`).
    Js(u8),
    /// JS value parameter `n`, lent for the call (`addBorrowedObject(x)`).
    JsRef(u8),
}

/// Where one raw result word is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Word {
    /// The export's `n`th result (multi-value returns, wasm-bindgen 0.2.9x and later).
    Result(u8),
    /// The `n`th `i32` of the return area (`r0`, `r1`... of older glue).
    Slot(u8),
}

/// What the glue makes of the results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsReturn {
    /// Nothing (`void`).
    Unit,
    /// A number, as the word is.
    Value(Word),
    /// A boolean (`ret !== 0`).
    Bool(Word),
    /// Bytes the module allocated: copied out, then freed (`getArrayU8FromWasm0(..).slice()`).
    Bytes {
        /// Their pointer.
        ptr: Word,
        /// Their length.
        len: Word,
    },
    /// A UTF-8 string the module allocated: copied out, then freed (`getStringFromWasm0`).
    Str {
        /// Its pointer.
        ptr: Word,
        /// Its length in bytes.
        len: Word,
    },
    /// An object pointer, wrapped as a handle (`C.__wrap(ret)`).
    Handle(Word),
    /// Optional bytes: none when the pointer is 0.
    OptBytes {
        /// Their pointer.
        ptr: Word,
        /// Their length.
        len: Word,
    },
    /// An optional string: none when the pointer is 0.
    OptStr {
        /// Its pointer.
        ptr: Word,
        /// Its length in bytes.
        len: Word,
    },
    /// An optional object: none when the pointer is 0.
    OptHandle(Word),
    /// A JS value (`takeObject(ret)`).
    Js(Word),
    /// An optional number: none when `flag` is 0 (`r0 === 0 ? undefined : r1`).
    OptValue {
        /// 0 when absent.
        flag: Word,
        /// The number.
        value: Word,
    },
}

/// One export called at the JS level: its raw arguments, its results, what it may throw, and
/// the replay policy codegen resolved for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsCall {
    /// The raw export.
    pub export: &'static str,
    /// Its raw arguments, in order.
    pub args: &'static [WasmArg],
    /// Its results.
    pub returns: JsReturn,
    /// `(value, flag)`: when the flag word is not 0 the call threw the JS value in `value`
    /// (`if (r3) throw takeObject(r2)`).
    pub throws: Option<(Word, Word)>,
    /// The call is logged for replay.
    pub replay: bool,
    /// The handle parameter whose object the call changes (it joins that object's lineage).
    pub mutates: Option<u8>,
}

/// One argument of a [`JsCall`].
#[derive(Debug, Clone, Copy)]
pub enum JsArg<'a> {
    /// A number or a boolean (`true` is `I32(1)`).
    Value(RawValue),
    /// Bytes, copied into the module for the call.
    Bytes(&'a [u8]),
    /// A string, copied into the module as UTF-8.
    Str(&'a str),
    /// A handle lent to the call.
    Borrow(&'a crate::RawHandle),
    /// A handle the call takes by value.
    Consume(&'a crate::RawHandle),
    /// An absent optional parameter (`undefined`).
    None,
    /// A JS value (an options object, `JsValue::object([..])`).
    Js(&'a JsValue),
}

impl<'a> JsArg<'a> {
    /// An optional handle lent to the call (`undefined` when absent).
    pub fn lend_optional<C: crate::Class>(h: Option<&'a crate::Handle<C>>) -> Self {
        h.map_or(JsArg::None, |h| JsArg::Borrow(h.raw()))
    }

    /// An optional handle the call takes by value (`undefined` when absent).
    pub fn give_optional<C: crate::Class>(h: &'a Option<crate::Handle<C>>) -> Self {
        h.as_ref().map_or(JsArg::None, |h| JsArg::Consume(h.raw()))
    }
}

impl<'a> From<&'a JsValue> for JsArg<'a> {
    fn from(v: &'a JsValue) -> Self {
        JsArg::Js(v)
    }
}

impl<'a, T: Into<JsArg<'a>>> From<Option<T>> for JsArg<'a> {
    fn from(x: Option<T>) -> Self {
        x.map_or(JsArg::None, Into::into)
    }
}

impl From<bool> for JsArg<'_> {
    fn from(b: bool) -> Self {
        JsArg::Value(RawValue::I32(b as i32))
    }
}

macro_rules! js_arg_from {
    ($($t:ty),*) => {$(
        impl From<$t> for JsArg<'_> {
            fn from(x: $t) -> Self {
                JsArg::Value(x.into())
            }
        }
    )*};
}
js_arg_from!(i32, u32, i64, u64, f32, f64);

impl<'a> From<&'a [u8]> for JsArg<'a> {
    fn from(b: &'a [u8]) -> Self {
        JsArg::Bytes(b)
    }
}

impl<'a> From<&'a str> for JsArg<'a> {
    fn from(s: &'a str) -> Self {
        JsArg::Str(s)
    }
}

/// What a [`JsCall`] returned.
#[derive(Debug, Clone, PartialEq)]
pub enum JsOutput {
    /// Nothing.
    Unit,
    /// A number.
    Value(RawValue),
    /// A boolean.
    Bool(bool),
    /// Bytes.
    Bytes(Vec<u8>),
    /// A string.
    Str(String),
    /// A new handle's id.
    Handle(crate::HandleId),
    /// An absent optional result (`undefined`).
    None,
    /// A JS value.
    Js(JsValue),
}

impl JsOutput {
    fn mismatch(self, want: &str) -> Error {
        Error::Marshal(format!("expected {want}, the call returned {self:?}"))
    }

    /// The bytes returned.
    pub fn into_bytes(self) -> Result<Vec<u8>> {
        match self {
            JsOutput::Bytes(b) => Ok(b),
            other => Err(other.mismatch("bytes")),
        }
    }

    /// The string returned.
    pub fn into_string(self) -> Result<String> {
        match self {
            JsOutput::Str(s) => Ok(s),
            other => Err(other.mismatch("a string")),
        }
    }

    /// The boolean returned.
    pub fn into_bool(self) -> Result<bool> {
        match self {
            JsOutput::Bool(b) => Ok(b),
            other => Err(other.mismatch("a boolean")),
        }
    }

    /// The number returned, as the Rust type of its wasm type.
    pub fn into_value<T: FromRaw>(self) -> Result<T> {
        match self {
            JsOutput::Value(v) => {
                T::from_raw(v).ok_or_else(|| JsOutput::Value(v).mismatch(T::NAME))
            }
            other => Err(other.mismatch(T::NAME)),
        }
    }

    /// Optional bytes returned.
    pub fn into_option_bytes(self) -> Result<Option<Vec<u8>>> {
        match self {
            JsOutput::None => Ok(None),
            other => other.into_bytes().map(Some),
        }
    }

    /// An optional string returned.
    pub fn into_option_string(self) -> Result<Option<String>> {
        match self {
            JsOutput::None => Ok(None),
            other => other.into_string().map(Some),
        }
    }

    /// An optional number returned.
    pub fn into_option_value<T: FromRaw>(self) -> Result<Option<T>> {
        match self {
            JsOutput::None => Ok(None),
            other => other.into_value().map(Some),
        }
    }

    /// The JS value returned.
    pub fn into_js(self) -> Result<JsValue> {
        match self {
            JsOutput::Js(v) => Ok(v),
            other => Err(other.mismatch("a JS value")),
        }
    }

    /// Nothing returned.
    pub fn into_unit(self) -> Result<()> {
        match self {
            JsOutput::Unit => Ok(()),
            other => Err(other.mismatch("nothing")),
        }
    }
}

/// A Rust number a raw value converts to.
pub trait FromRaw: Sized {
    /// Its name in errors.
    const NAME: &'static str;
    /// The number, if `v` has its wasm type.
    fn from_raw(v: RawValue) -> Option<Self>;
}

macro_rules! from_raw {
    ($($t:ty => $v:ident($e:expr)),*) => {$(
        impl FromRaw for $t {
            const NAME: &'static str = stringify!($t);
            fn from_raw(v: RawValue) -> Option<Self> {
                #[allow(clippy::redundant_closure_call)]
                match v { RawValue::$v(x) => Some(($e)(x)), _ => None }
            }
        }
    )*};
}
from_raw!(i32 => I32(|x| x), u32 => I32(|x: i32| x as u32), i64 => I64(|x| x),
    u64 => I64(|x: i64| x as u64), f32 => F32(f32::from_bits), f64 => F64(f64::from_bits));

/// An argument with its handle resolved to a pointer in the instance it is passed to.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Input<'a> {
    Value(RawValue),
    Bytes(&'a [u8]),
    Ptr(i32),
    None,
    Js(&'a JsValue),
}

/// What [`run`] read, before handles are registered.
#[derive(Debug, PartialEq)]
pub(crate) enum RawOutput {
    None,
    Js(JsValue),
    Unit,
    Value(RawValue),
    Bool(bool),
    Bytes(Vec<u8>),
    Str(String),
    Ptr(i32),
}

/// The instance a [`JsCall`] runs in.
pub(crate) struct Target<'a> {
    pub store: &'a mut Store<HostState>,
    pub instance: wasmtime::Instance,
    pub memory: &'a InstanceMemory,
}

impl Target<'_> {
    fn call(&mut self, name: &str, args: &[Val]) -> wasmtime::Result<Vec<Val>> {
        let func = self
            .instance
            .get_func(&mut *self.store, name)
            .ok_or_else(|| wasmtime::format_err!("the module has no export `{name}`"))?;
        let mut out = vec![Val::I32(0); func.ty(&*self.store).results().len()];
        func.call(&mut *self.store, args, &mut out)?;
        Ok(out)
    }

    /// Calls `name` with the first `n` of `args`, `n` being its arity (wasm-bindgen added an
    /// alignment parameter to `__wbindgen_malloc` and `__wbindgen_free` in 0.2.8x).
    fn call_prefix(&mut self, name: &str, args: &[i32]) -> wasmtime::Result<Vec<Val>> {
        let func = self
            .instance
            .get_func(&mut *self.store, name)
            .ok_or_else(|| wasmtime::format_err!("the module has no export `{name}`"))?;
        let n = func.ty(&*self.store).params().len().min(args.len());
        let vals: Vec<Val> = args[..n].iter().map(|&a| Val::I32(a)).collect();
        self.call(name, &vals)
    }

    fn i32_of(vals: &[Val], what: &str) -> wasmtime::Result<i32> {
        vals.first()
            .and_then(Val::i32)
            .ok_or_else(|| wasmtime::format_err!("{what} returned no i32"))
    }

    fn pass(&mut self, bytes: &[u8]) -> wasmtime::Result<i32> {
        let len = i32::try_from(bytes.len())
            .map_err(|_| wasmtime::format_err!("{} bytes do not fit wasm32", bytes.len()))?;
        let ptr = Self::i32_of(
            &self.call_prefix("__wbindgen_malloc", &[len, 1])?,
            "__wbindgen_malloc",
        )?;
        write_memory(self.store, self.memory, ptr as u32 as u64, bytes)
            .map_err(|e| wasmtime::format_err!("{e}"))?;
        Ok(ptr)
    }

    fn take(&mut self, ptr: i32, len: i32) -> wasmtime::Result<Vec<u8>> {
        let bytes = read_memory(
            self.store,
            self.memory,
            ptr as u32 as u64,
            len as u32 as u64,
        )
        .map_err(|e| wasmtime::format_err!("{e}"))?;
        if len != 0 {
            self.call_prefix("__wbindgen_free", &[ptr, len, 1])?;
        }
        Ok(bytes)
    }

    fn slot(&self, retptr: i32, n: u8) -> wasmtime::Result<i32> {
        let at = retptr as u32 as u64 + 4 * n as u64;
        let b = read_memory(self.store, self.memory, at, 4)
            .map_err(|e| wasmtime::format_err!("{e}"))?;
        Ok(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// The message of the JS value the module threw (an `Error`'s message, a string, or
    /// the value's debug form), taken out of its heap or externref table.
    fn thrown(&mut self, word: &Val) -> String {
        let value = match word {
            Val::I32(idx) => wasm_bindgen::take_js(self.store, &self.instance, *idx),
            other => wasm_bindgen::from_wasm(&mut *self.store, other),
        };
        match value {
            Ok(JsValue::Error(m) | JsValue::Str(m)) => m,
            Ok(other) => format!("{other:?}"),
            Err(e) => format!("a value that cannot be read ({e})"),
        }
    }
}

/// `v` as a parameter of wasm type `ty`: a `u32` passed as an `f64` (wasm-bindgen's
/// optional `u32`, `isLikeNone(x) ? 0x100000001 : x >>> 0`) or as an `i64`.
fn as_param(v: RawValue, ty: Option<&wasmtime::ValType>) -> wasmtime::Result<Val> {
    use wasmtime::ValType;
    Ok(match (v, ty) {
        (RawValue::I32(x), Some(ValType::F64)) => Val::F64(f64::from(x as u32).to_bits()),
        (RawValue::I32(x), Some(ValType::I64)) => Val::I64(i64::from(x)),
        (RawValue::I64(x), Some(ValType::F64)) => Val::F64((x as f64).to_bits()),
        (v, _) => v.to_val(),
    })
}

fn number(v: &Val) -> wasmtime::Result<RawValue> {
    RawValue::from_val(v)
        .ok_or_else(|| wasmtime::format_err!("a reference where a number was expected"))
}

/// Runs `call` in `target` with `inputs` (one per parameter). `Err(Ok(message))` is a JS
/// value the module threw, `Err(Err(e))` a trap or a host failure.
pub(crate) fn run(
    target: &mut Target<'_>,
    call: &JsCall,
    inputs: &[Input<'_>],
) -> std::result::Result<RawOutput, std::result::Result<String, wasmtime::Error>> {
    let uses_stack = call.args.contains(&WasmArg::RetPtr);
    let retptr = if uses_stack {
        let r = target
            .call("__wbindgen_add_to_stack_pointer", &[Val::I32(-16)])
            .map_err(Err)?;
        Some(Target::i32_of(&r, "__wbindgen_add_to_stack_pointer").map_err(Err)?)
    } else {
        None
    };
    let out = run_in_frame(target, call, inputs, retptr);
    if uses_stack {
        // The glue's `finally`: the frame is popped whatever happened.
        target
            .call("__wbindgen_add_to_stack_pointer", &[Val::I32(16)])
            .map_err(Err)?;
    }
    out
}

fn run_in_frame(
    target: &mut Target<'_>,
    call: &JsCall,
    inputs: &[Input<'_>],
    retptr: Option<i32>,
) -> std::result::Result<RawOutput, std::result::Result<String, wasmtime::Error>> {
    let fail = |msg: String| Err(wasmtime::format_err!("`{}`: {msg}", call.export));
    let input = |n: u8| {
        inputs
            .get(n as usize)
            .copied()
            .ok_or_else(|| fail(format!("parameter {n} is missing")))
    };
    // One lookup of the export and of its type: they give the parameters' types (a value is
    // converted to what the export takes) and the number of results.
    let func = target
        .instance
        .get_func(&mut *target.store, call.export)
        .ok_or_else(|| fail("the module has no such export".into()))?;
    let func_ty = func.ty(&*target.store);
    let param_types: Vec<wasmtime::ValType> = func_ty.params().collect();
    // Each bytes parameter is copied in once, for its pointer and its length.
    let mut passed: Vec<(u8, i32, i32)> = Vec::new();
    // JS values lent for the call, released after it (`heap[stack_pointer++] = undefined`).
    let mut lent: Vec<Val> = Vec::new();
    let mut args = Vec::with_capacity(call.args.len());
    for (i, a) in call.args.iter().enumerate() {
        let ty = param_types.get(i);
        args.push(match *a {
            WasmArg::RetPtr => Val::I32(retptr.unwrap_or(0)),
            WasmArg::Value(n) => match input(n)? {
                Input::Value(v) => as_param(v, ty).map_err(Err)?,
                other => return Err(fail(format!("parameter {n} is {other:?}, not a number"))),
            },
            WasmArg::IsSome(n) => Val::I32(!matches!(input(n)?, Input::None) as i32),
            WasmArg::OrNone(n, none) => match input(n)? {
                Input::Value(v) => as_param(v, ty).map_err(Err)?,
                Input::None => as_param(none, ty).map_err(Err)?,
                other => return Err(fail(format!("parameter {n} is {other:?}, not a number"))),
            },
            WasmArg::Js(n) | WasmArg::JsRef(n) => match input(n)? {
                Input::Js(v) => {
                    let ty = ty.cloned().unwrap_or(wasmtime::ValType::I32);
                    let val =
                        wasm_bindgen::to_wasm(&mut *target.store, v.clone(), &ty).map_err(Err)?;
                    if matches!(a, WasmArg::JsRef(_)) {
                        lent.push(val);
                    }
                    val
                }
                other => return Err(fail(format!("parameter {n} is {other:?}, not a JS value"))),
            },
            WasmArg::Handle(n) => match input(n)? {
                Input::Ptr(p) => Val::I32(p),
                Input::None => Val::I32(0),
                other => return Err(fail(format!("parameter {n} is {other:?}, not a handle"))),
            },
            WasmArg::Ptr(n) | WasmArg::Len(n) => {
                let (ptr, len) = match passed.iter().find(|p| p.0 == n) {
                    Some(&(_, ptr, len)) => (ptr, len),
                    None => {
                        let (ptr, len) = match input(n)? {
                            Input::Bytes(b) => (target.pass(b).map_err(Err)?, b.len() as i32),
                            Input::None => (0, 0),
                            other => {
                                return Err(fail(format!("parameter {n} is {other:?}, not bytes")));
                            }
                        };
                        passed.push((n, ptr, len));
                        (ptr, len)
                    }
                };
                Val::I32(if matches!(a, WasmArg::Ptr(_)) {
                    ptr
                } else {
                    len
                })
            }
        });
    }
    let mut results = vec![Val::I32(0); func_ty.results().len()];
    let called = func.call(&mut *target.store, &args, &mut results);
    for v in &lent {
        wasm_bindgen::release_lent(target.store, v);
    }
    called.map_err(Err)?;
    let word = |target: &Target<'_>, w: Word| -> wasmtime::Result<Val> {
        match w {
            Word::Result(n) => results
                .get(n as usize)
                .cloned()
                .ok_or_else(|| wasmtime::format_err!("`{}` has no result {n}", call.export)),
            Word::Slot(n) => Ok(Val::I32(target.slot(retptr.unwrap_or(0), n)?)),
        }
    };
    let i32_word = |target: &Target<'_>, w: Word| -> wasmtime::Result<i32> {
        word(target, w)?
            .i32()
            .ok_or_else(|| wasmtime::format_err!("result word of `{}` is not an i32", call.export))
    };
    if let Some((value, flag)) = call.throws
        && i32_word(target, flag).map_err(Err)? != 0
    {
        let value = word(target, value).map_err(Err)?;
        return Err(Ok(target.thrown(&value)));
    }
    let absent = match call.returns {
        JsReturn::OptHandle(w)
        | JsReturn::OptBytes { ptr: w, .. }
        | JsReturn::OptStr { ptr: w, .. }
        | JsReturn::OptValue { flag: w, .. } => i32_word(target, w).map_err(Err)? == 0,
        _ => false,
    };
    if absent {
        return Ok(RawOutput::None);
    }
    Ok(match call.returns {
        JsReturn::Unit => RawOutput::Unit,
        JsReturn::Value(w) | JsReturn::OptValue { value: w, .. } => {
            RawOutput::Value(number(&word(target, w).map_err(Err)?).map_err(Err)?)
        }
        JsReturn::Bool(w) => RawOutput::Bool(i32_word(target, w).map_err(Err)? != 0),
        JsReturn::Js(w) => {
            let v = word(target, w).map_err(Err)?;
            RawOutput::Js(match v {
                Val::I32(idx) => {
                    wasm_bindgen::take_js(target.store, &target.instance, idx).map_err(Err)?
                }
                other => wasm_bindgen::from_wasm(&mut *target.store, &other).map_err(Err)?,
            })
        }
        JsReturn::Handle(w) | JsReturn::OptHandle(w) => {
            RawOutput::Ptr(i32_word(target, w).map_err(Err)?)
        }
        JsReturn::Bytes { ptr, len }
        | JsReturn::Str { ptr, len }
        | JsReturn::OptBytes { ptr, len }
        | JsReturn::OptStr { ptr, len } => {
            let (p, l) = (
                i32_word(target, ptr).map_err(Err)?,
                i32_word(target, len).map_err(Err)?,
            );
            let bytes = target.take(p, l).map_err(Err)?;
            match call.returns {
                JsReturn::Str { .. } | JsReturn::OptStr { .. } => RawOutput::Str(
                    String::from_utf8(bytes)
                        .map_err(|e| fail(format!("returned a string that is not UTF-8: {e}")))?,
                ),
                _ => RawOutput::Bytes(bytes),
            }
        }
    })
}

impl<E: crate::Exports> crate::Proxy<E> {
    /// Calls an export at the JS level, as its glue would: copies bytes and strings in, calls,
    /// reads the results out and frees them, under one hold of the active instance (a swap,
    /// automatic or requested, happens before or after, never between the raw calls).
    /// `result_class` is the class of a [`JsReturn::Handle`] result.
    ///
    /// A logged call ([`JsCall::replay`]) keeps its bytes and strings by value, so a replay
    /// passes the same bytes; a call that throws is logged too (it may have changed its
    /// objects before it threw) and must throw the same message when replayed.
    ///
    /// # Errors
    /// [`Error::Thrown`] with the module's message; [`Error::Call`] for a trap;
    /// [`Error::InvalidHandle`] for a handle argument this proxy cannot use.
    pub fn call_js(
        &self,
        call: &'static JsCall,
        args: &[JsArg<'_>],
        result_class: Option<crate::ClassInfo>,
    ) -> Result<JsOutput> {
        use crate::handle::HandleSlot;
        use crate::log::{LogEntry, LoggedArg};

        self.recover_if_trapped();
        let mut guard = self.active.lock();
        let active = &mut *guard;
        if self.drops.is_pending() {
            self.release_dropped(active);
        }
        let mut inputs = Vec::with_capacity(args.len());
        for a in args {
            inputs.push(match *a {
                JsArg::Value(v) => Input::Value(v),
                JsArg::Bytes(b) => Input::Bytes(b),
                JsArg::Str(s) => Input::Bytes(s.as_bytes()),
                JsArg::Borrow(h) | JsArg::Consume(h) => Input::Ptr(self.resolve(active, h)?),
                JsArg::None => Input::None,
                JsArg::Js(v) => Input::Js(v),
            });
        }
        let generation = active.instance.generation;
        let inst = &mut active.instance;
        let mut target = Target {
            store: &mut inst.store,
            instance: inst.instance,
            memory: &inst.memory,
        };
        let outcome = run(&mut target, call, &inputs);
        // The glue takes a consumed object (`__destroy_into_raw`) before the call, whatever
        // the call then does.
        for a in args {
            if let JsArg::Consume(h) = a {
                h.resolved.clear();
                if let Some(slot) = active.handles.get_mut(h.id) {
                    slot.consumed = true;
                }
            }
        }
        let (output, threw) = match outcome {
            Ok(out) => (Some(out), None),
            Err(Ok(message)) => (None, Some(message)),
            Err(Err(source)) => {
                self.note_failure(&source);
                return Err(Error::Call {
                    export: call.export.into(),
                    source,
                });
            }
        };
        let logged = call.replay && !self.config.pass_through;
        let seq = logged.then(|| active.log.next_seq());
        let output = match output {
            None => None,
            Some(RawOutput::Ptr(ptr)) => {
                let class = result_class.ok_or_else(|| {
                    Error::Marshal(format!("`{}` returned an object of no class", call.export))
                })?;
                Some(JsOutput::Handle(active.handles.insert(HandleSlot {
                    class,
                    ptr,
                    generation,
                    held: true,
                    consumed: false,
                    lineage: seq,
                })))
            }
            Some(RawOutput::None) => Some(JsOutput::None),
            Some(RawOutput::Js(v)) => Some(JsOutput::Js(v)),
            Some(RawOutput::Unit) => Some(JsOutput::Unit),
            Some(RawOutput::Value(v)) => Some(JsOutput::Value(v)),
            Some(RawOutput::Bool(b)) => Some(JsOutput::Bool(b)),
            Some(RawOutput::Bytes(b)) => Some(JsOutput::Bytes(b)),
            Some(RawOutput::Str(s)) => Some(JsOutput::Str(s)),
        };
        if let Some(seq) = seq {
            let logged_args = args
                .iter()
                .map(|a| match *a {
                    JsArg::Value(v) => LoggedArg::Value(v),
                    JsArg::Bytes(b) => LoggedArg::Bytes(b.into()),
                    JsArg::Str(s) => LoggedArg::Bytes(s.as_bytes().into()),
                    JsArg::Borrow(h) => LoggedArg::Handle {
                        id: h.id,
                        consumed: false,
                    },
                    JsArg::Consume(h) => LoggedArg::Handle {
                        id: h.id,
                        consumed: true,
                    },
                    JsArg::None => LoggedArg::None,
                    JsArg::Js(v) => LoggedArg::Js(v.clone()),
                })
                .collect();
            let mutates = call.mutates.and_then(|i| match args.get(i as usize) {
                Some(JsArg::Borrow(h) | JsArg::Consume(h)) => Some(h.id),
                _ => None,
            });
            let (result_handle, results) = match &output {
                Some(JsOutput::Handle(id)) => (Some(*id), Vec::new()),
                Some(JsOutput::Value(v)) => (None, vec![*v]),
                Some(JsOutput::Bool(b)) => (None, vec![RawValue::I32(*b as i32)]),
                _ => (None, Vec::new()),
            };
            active.log.push(LogEntry {
                seq,
                export: call.export,
                args: logged_args,
                result_handle,
                result_class: result_handle.and(result_class),
                results,
                mutates,
                js: Some(call),
                threw: threw.clone(),
            });
            if active.log.wants_compaction() {
                self.compact(active);
            }
        }
        let due = self.swap_due(active);
        drop(guard);
        self.swap_if_due(due);
        match (output, threw) {
            (Some(out), _) => Ok(out),
            (None, message) => Err(Error::Thrown {
                export: call.export.into(),
                message: message.unwrap_or_default(),
            }),
        }
    }
}

/// Replays one logged high-level call into `standby`: `ptrs` are the handle arguments'
/// objects there. Returns the object pointer of a handle result.
pub(crate) fn replay_js<E>(
    standby: &mut crate::Instance<E>,
    call: &JsCall,
    entry: &crate::LogEntry,
    ptrs: &dyn Fn(crate::HandleId) -> Option<i32>,
) -> Result<Option<i32>> {
    use crate::log::LoggedArg;
    let mut inputs = Vec::with_capacity(entry.args.len());
    for a in &entry.args {
        inputs.push(match a {
            LoggedArg::Value(v) => Input::Value(*v),
            LoggedArg::Bytes(b) => Input::Bytes(b),
            LoggedArg::None => Input::None,
            LoggedArg::Js(v) => Input::Js(v),
            LoggedArg::Handle { id, .. } => Input::Ptr(ptrs(*id).ok_or(Error::Unreplayable {
                export: call.export.into(),
                handle: *id,
            })?),
        });
    }
    let mut target = Target {
        store: &mut standby.store,
        instance: standby.instance,
        memory: &standby.memory,
    };
    let mismatch = |found: String| Error::ReplayMismatch {
        what: format!("outcome of `{}` (log entry {})", call.export, entry.seq),
        expected: entry
            .threw
            .as_ref()
            .map_or_else(|| "a result".to_owned(), |m| format!("threw {m:?}")),
        found,
    };
    match (run(&mut target, call, &inputs), &entry.threw) {
        (Ok(RawOutput::Ptr(p)), None) => Ok(Some(p)),
        (Ok(out), None) => {
            let raw = match out {
                RawOutput::Value(v) => vec![v],
                RawOutput::Bool(b) => vec![RawValue::I32(b as i32)],
                _ => Vec::new(),
            };
            if !entry.results.is_empty() && raw != entry.results {
                return Err(Error::ReplayMismatch {
                    what: format!("result of `{}` (log entry {})", call.export, entry.seq),
                    expected: format!("{:?}", entry.results),
                    found: format!("{raw:?}"),
                });
            }
            Ok(None)
        }
        (Err(Ok(m)), Some(original)) if &m == original => Ok(None),
        (Err(Ok(m)), _) => Err(mismatch(format!("threw {m:?}"))),
        (Ok(_), Some(_)) => Err(mismatch("a result".into())),
        (Err(Err(source)), _) => Err(Error::ReplayTrap {
            export: call.export.into(),
            seq: entry.seq,
            source,
        }),
    }
}

impl<E: crate::Exports> crate::Proxy<E> {
    /// [`Proxy::call_js`](crate::Proxy::call_js) of a call returning an object, wrapped as
    /// a handle of class `C`.
    pub fn call_js_handle<C: crate::Class>(
        &self,
        call: &'static JsCall,
        args: &[JsArg<'_>],
    ) -> Result<crate::Handle<C>> {
        match self.call_js(call, args, Some(crate::ClassInfo::of::<C>()))? {
            JsOutput::Handle(id) => Ok(crate::Handle::new(id, self.id, self.drops.clone())),
            other => Err(other.mismatch("an object")),
        }
    }

    /// [`Proxy::call_js`](crate::Proxy::call_js) of a call returning an optional object.
    pub fn call_js_opt_handle<C: crate::Class>(
        &self,
        call: &'static JsCall,
        args: &[JsArg<'_>],
    ) -> Result<Option<crate::Handle<C>>> {
        match self.call_js(call, args, Some(crate::ClassInfo::of::<C>()))? {
            JsOutput::None => Ok(None),
            JsOutput::Handle(id) => Ok(Some(crate::Handle::new(id, self.id, self.drops.clone()))),
            other => Err(other.mismatch("an optional object")),
        }
    }
}
