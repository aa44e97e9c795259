//! Host side of the JS imports of wasm-bindgen modules (nodejs `__wbindgen_placeholder__`, web
//! `wbg`, bundler `./X_bg.js`), with or without threads: a small model of the JS values the
//! module handles, randomness for `getrandom`, panics and logs as `tracing` events, and the
//! rayon pool. Tested on o1js's plonk_wasm (wasm-bindgen 0.2.89) and kimchi_wasm (0.2.100),
//! which share their memory with worker threads, and on lz4-wasm-nodejs (a plain memory).
//!
//! JS values cross the boundary in one of two ways, told apart by each import's signature:
//! as an index into wasm-bindgen's object heap (`i32`, 0.2.89) or as an `externref` holding the
//! host's [`JsValue`] (0.2.100, whose module keeps them in an exported table).
//!
//! Imports are served by their operation ([`JsOp`]), from the table codegen generates beside the
//! shim ([`WasmBindgenImports::js_imports`]); only wasm-bindgen's unhashed intrinsics are known
//! by name. An import nobody can serve fails the proxy's creation
//! ([`crate::Error::UnsupportedImport`]), naming the import and its JS source.

use std::sync::Arc;

use parking_lot::Mutex;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use wasmtime::{
    AsContextMut, Caller, ExternRef, Instance, Linker, Module, Ref, RefType, SharedMemory, Store,
    Val, ValType,
};

use super::HostState;
use super::js_imports::{self, JsImport, JsOp};
use super::rayon_pool::WorkerPool;
use crate::Error;
use crate::instance::ModuleRuntime;

/// The import module wasm-bindgen uses.
pub const IMPORT_MODULE: &str = "__wbindgen_placeholder__";

/// Where `crypto.getRandomValues` gets its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Randomness {
    /// ChaCha20 seeded with this value: every instance sees the same sequence.
    Seeded(u64),
    /// The operating system's generator.
    Os,
}

/// Settings of the wasm-bindgen imports.
#[derive(Debug, Clone)]
pub struct WasmBindgenImports {
    /// Source of randomness.
    pub randomness: Randomness,
    /// Rayon worker threads started per instance with `initThreadPool` (0: no pool; exports that
    /// need rayon then trap).
    pub threads: usize,
    /// Stack size in bytes passed to a `__wbindgen_start` that takes one (o1js's kimchi_wasm;
    /// o1js passes `O1JS_WASM_THREAD_STACK_SIZE`, 1 MiB by default).
    pub thread_stack_size: u32,
    /// Fault drills: armed failures of the worker start (shared by every instance).
    pub drill: FaultDrill,
    /// What each JS import does: the `JS_IMPORTS` table of the module's generated Rust shim.
    /// Without it only wasm-bindgen's unhashed intrinsics (`__wbindgen_string_new`...) are
    /// served.
    pub js_imports: &'static [JsImport],
    /// What to do with an import nobody can serve.
    pub unsupported: UnsupportedImports,
}

/// What happens to a JS import the host cannot serve (an operation the host does not model,
/// such as serde's `JSON.parse`, or a name the table does not have).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UnsupportedImports {
    /// The proxy is not created ([`Error::UnsupportedImport`]): nothing fails later.
    #[default]
    Refuse,
    /// The import fails when the module calls it, with the same error (naming the import
    /// and its JS source): for modules whose unsupported imports serve features the host
    /// does not use (a package's JSON configuration path, say). The failing call traps;
    /// the next call runs in a fresh instance.
    FailOnCall,
}

impl WasmBindgenImports {
    /// The same settings, with `policy` for imports nobody can serve.
    pub fn unsupported(mut self, policy: UnsupportedImports) -> Self {
        self.unsupported = policy;
        self
    }

    /// The same settings serving the imports `table` describes (the shim's `JS_IMPORTS`).
    pub fn js_imports(mut self, table: &'static [JsImport]) -> Self {
        self.js_imports = table;
        self
    }
}

/// Failures armed on purpose, to rehearse what a real one does (tests, chaos runs): the
/// runtime fails at that point as it would on a real fault, and the active keeps serving.
#[derive(Debug, Clone, Default)]
pub struct FaultDrill {
    worker_starts: Arc<std::sync::atomic::AtomicUsize>,
}

impl FaultDrill {
    /// Makes the next `times` worker pool starts fail (a standby's pool, at a swap).
    pub fn fail_worker_starts(&self, times: usize) {
        self.worker_starts
            .store(times, std::sync::atomic::Ordering::SeqCst);
    }

    /// Consumes one armed worker start failure, if any.
    pub(crate) fn worker_start_fails(&self) -> bool {
        use std::sync::atomic::Ordering::SeqCst;
        self.worker_starts
            .fetch_update(SeqCst, SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }
}

impl Default for WasmBindgenImports {
    fn default() -> Self {
        WasmBindgenImports {
            randomness: Randomness::Seeded(0),
            threads: 0,
            thread_stack_size: 1 << 20,
            drill: FaultDrill::default(),
            js_imports: &[],
            unsupported: UnsupportedImports::Refuse,
        }
    }
}

/// A JS value, as far as the module's imports need one; also what an untyped call passes for
/// an `externref` ([`crate::Value::Js`]).
#[derive(Debug, Clone)]
pub enum JsValue {
    /// `undefined` (also a null `externref`).
    Undefined,
    /// `null`
    Null,
    /// A boolean.
    Bool(bool),
    /// A number.
    Number(f64),
    /// A string.
    Str(String),
    /// An `Error` with its message.
    Error(String),
    /// An `Array` (shared, as JS arrays are).
    Array(Arc<Mutex<Vec<JsValue>>>),
    /// A `Uint8Array` over host bytes (`subarray` shares them).
    Bytes {
        /// The whole buffer.
        data: Arc<Mutex<Vec<u8>>>,
        /// Where the view starts in `data`.
        start: usize,
        /// The view's length.
        len: usize,
    },
    /// A `Uint8Array` over the wasm memory of the instance that made it.
    MemoryView {
        /// Byte offset in the memory.
        offset: usize,
        /// The view's length.
        len: usize,
    },
    /// The instance's `WebAssembly.Memory`.
    Memory,
    /// The memory's `ArrayBuffer`.
    Buffer,
    /// `globalThis`.
    Global,
    /// `globalThis.crypto`.
    Crypto,
    /// `new Function(code)`; only `return this` is ever evaluated (to the global object).
    Function(String),
    /// What `initThreadPool` and `terminateWorkers` return; always already settled.
    Promise,
    /// A plain object (`{ k: 10 }`, what serde-wasm-bindgen reads a Rust struct from), its
    /// fields in insertion order, shared as JS objects are.
    Object(Arc<Mutex<Vec<(String, JsValue)>>>),
    /// A `BigInt` (within `i128`).
    BigInt(i128),
}

impl JsValue {
    /// A plain object with these fields (`{ k: 10, numAdvice: 1 }`).
    pub fn object<K: Into<String>>(fields: impl IntoIterator<Item = (K, JsValue)>) -> Self {
        JsValue::Object(Arc::new(Mutex::new(
            fields.into_iter().map(|(k, v)| (k.into(), v)).collect(),
        )))
    }

    /// The JS value `JSON.parse` gives for `text`.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        fn convert(v: serde_json::Value) -> JsValue {
            match v {
                serde_json::Value::Null => JsValue::Null,
                serde_json::Value::Bool(b) => JsValue::Bool(b),
                serde_json::Value::Number(n) => JsValue::Number(n.as_f64().unwrap_or(f64::NAN)),
                serde_json::Value::String(s) => JsValue::Str(s),
                serde_json::Value::Array(items) => {
                    JsValue::array(items.into_iter().map(convert).collect())
                }
                serde_json::Value::Object(fields) => {
                    JsValue::object(fields.into_iter().map(|(k, v)| (k, convert(v))))
                }
            }
        }
        serde_json::from_str(text).map(convert)
    }

    /// `$self[key]` for a property key (an object's field; an array's index).
    fn get(&self, key: &JsValue) -> JsValue {
        match (self, key) {
            (JsValue::Object(fields), JsValue::Str(k)) => fields
                .lock()
                .iter()
                .find(|(name, _)| name == k)
                .map_or(JsValue::Undefined, |(_, v)| v.clone()),
            (JsValue::Array(items), JsValue::Number(n)) if n.fract() == 0.0 && *n >= 0.0 => items
                .lock()
                .get(*n as usize)
                .cloned()
                .unwrap_or(JsValue::Undefined),
            _ => JsValue::Undefined,
        }
    }

    /// `a === b` (`loose`: `a == b`, as far as serde-wasm-bindgen asks: `null == undefined`).
    fn equals(&self, other: &JsValue, loose: bool) -> bool {
        match (self, other) {
            (JsValue::Undefined | JsValue::Null, JsValue::Undefined | JsValue::Null) if loose => {
                true
            }
            (JsValue::Undefined, JsValue::Undefined) | (JsValue::Null, JsValue::Null) => true,
            (JsValue::Bool(a), JsValue::Bool(b)) => a == b,
            (JsValue::Number(a), JsValue::Number(b)) => a == b,
            (JsValue::Str(a), JsValue::Str(b)) => a == b,
            (JsValue::BigInt(a), JsValue::BigInt(b)) => a == b,
            (JsValue::Object(a), JsValue::Object(b)) => Arc::ptr_eq(a, b),
            (JsValue::Array(a), JsValue::Array(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// A `Uint8Array` holding `bytes`.
    pub fn bytes(bytes: Vec<u8>) -> Self {
        JsValue::Bytes {
            len: bytes.len(),
            data: Arc::new(Mutex::new(bytes)),
            start: 0,
        }
    }

    /// An `Array` of `items`.
    pub fn array(items: Vec<JsValue>) -> Self {
        JsValue::Array(Arc::new(Mutex::new(items)))
    }

    /// The bytes of a host `Uint8Array` (`None` for anything else).
    pub fn to_bytes(&self) -> Option<Vec<u8>> {
        match self {
            JsValue::Bytes { data, start, len } => {
                Some(data.lock()[*start..*start + *len].to_vec())
            }
            _ => None,
        }
    }

    /// The items of an `Array` (`None` for anything else).
    pub fn to_items(&self) -> Option<Vec<JsValue>> {
        match self {
            JsValue::Array(items) => Some(items.lock().clone()),
            _ => None,
        }
    }
}

/// Strict equality for primitives (`===`), by identity for arrays and objects, by message
/// for errors and by contents for bytes: what a logged argument compares by.
impl PartialEq for JsValue {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (JsValue::Error(a), JsValue::Error(b)) => a == b,
            (JsValue::Bytes { .. }, JsValue::Bytes { .. }) => self.to_bytes() == other.to_bytes(),
            _ => self.equals(other, false),
        }
    }
}

/// As JS prints it (`String(v)`): a string is itself, an error `Error: message`.
impl std::fmt::Display for JsValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JsValue::Undefined => f.write_str("undefined"),
            JsValue::Null => f.write_str("null"),
            JsValue::Bool(b) => write!(f, "{b}"),
            JsValue::Number(n) => write!(f, "{n}"),
            JsValue::Str(s) => f.write_str(s),
            JsValue::Error(m) if m.is_empty() => f.write_str("Error"),
            JsValue::Error(m) => write!(f, "Error: {m}"),
            JsValue::Array(items) => {
                let items: Vec<String> = items.lock().iter().map(|v| v.to_string()).collect();
                f.write_str(&items.join(","))
            }
            JsValue::Bytes { .. } | JsValue::MemoryView { .. } => {
                f.write_str("[object Uint8Array]")
            }
            JsValue::Memory => f.write_str("[object WebAssembly.Memory]"),
            JsValue::Buffer => f.write_str("[object ArrayBuffer]"),
            JsValue::Global | JsValue::Crypto | JsValue::Object(_) => {
                f.write_str("[object Object]")
            }
            JsValue::BigInt(n) => write!(f, "{n}"),
            JsValue::Function(code) => write!(f, "function anonymous() {{\n{code}\n}}"),
            JsValue::Promise => f.write_str("[object Promise]"),
        }
    }
}

enum Slot {
    Value(JsValue),
    Free(usize),
}

/// wasm-bindgen's object heap (indices below 128 are the borrow stack; 128..132 constants).
struct JsHeap {
    slots: Vec<Slot>,
    next: usize,
}

const HEAP_RESERVED: usize = 132;

impl JsHeap {
    fn new() -> Self {
        let mut slots: Vec<Slot> = (0..128).map(|_| Slot::Value(JsValue::Undefined)).collect();
        slots.extend(
            [
                JsValue::Undefined,
                JsValue::Null,
                JsValue::Bool(true),
                JsValue::Bool(false),
            ]
            .map(Slot::Value),
        );
        JsHeap {
            next: slots.len(),
            slots,
        }
    }

    fn add(&mut self, v: JsValue) -> i32 {
        if self.next == self.slots.len() {
            self.slots.push(Slot::Free(self.slots.len() + 1));
        }
        let idx = self.next;
        self.next = match self.slots[idx] {
            Slot::Free(n) => n,
            Slot::Value(_) => self.slots.len(),
        };
        self.slots[idx] = Slot::Value(v);
        idx as i32
    }

    fn get(&self, idx: i32) -> JsValue {
        match self.slots.get(idx as u32 as usize) {
            Some(Slot::Value(v)) => v.clone(),
            _ => JsValue::Undefined,
        }
    }

    fn drop_ref(&mut self, idx: i32) {
        let idx = idx as u32 as usize;
        if idx < HEAP_RESERVED || idx >= self.slots.len() {
            return;
        }
        self.slots[idx] = Slot::Free(self.next);
        self.next = idx;
    }

    fn take(&mut self, idx: i32) -> JsValue {
        let v = self.get(idx);
        self.drop_ref(idx);
        v
    }
}

/// Per-instance state of the wasm-bindgen imports.
pub(crate) struct BindgenState {
    heap: JsHeap,
    rng: Arc<Mutex<Rng>>,
    /// What worker threads are instantiated from (main instance only).
    pub(crate) spawn: Option<WorkerSpawn>,
    pub(crate) pool: Option<WorkerPool>,
    pub(crate) threads: usize,
    /// What a `__wbindgen_start(stack_size)` gets.
    pub(crate) stack_size: u32,
    pub(crate) drill: FaultDrill,
    /// The exported `externref` table of a 0.2.100 module.
    externref_table: Option<Arc<str>>,
}

pub(crate) struct WorkerSpawn {
    pub runtime: Arc<ModuleRuntime>,
    pub linker: Linker<HostState>,
    pub memory: SharedMemory,
}

enum Rng {
    Seeded(Box<ChaCha20Rng>),
    Os,
}

impl Rng {
    fn fill(&mut self, buf: &mut [u8]) -> wasmtime::Result<()> {
        match self {
            Rng::Seeded(r) => {
                r.fill_bytes(buf);
                Ok(())
            }
            Rng::Os => {
                getrandom::fill(buf).map_err(|e| wasmtime::format_err!("OS randomness failed: {e}"))
            }
        }
    }
}

impl BindgenState {
    pub(crate) fn new(
        config: &WasmBindgenImports,
        runtime: Arc<ModuleRuntime>,
        linker: Linker<HostState>,
        memory: Option<SharedMemory>,
    ) -> Self {
        let rng = match config.randomness {
            Randomness::Seeded(seed) => Rng::Seeded(Box::new(ChaCha20Rng::seed_from_u64(seed))),
            Randomness::Os => Rng::Os,
        };
        let externref_table = runtime.module.exports().find_map(|e| match e.ty() {
            wasmtime::ExternType::Table(t) if t.element().matches(&RefType::EXTERNREF) => {
                Some(Arc::from(e.name()))
            }
            _ => None,
        });
        BindgenState {
            heap: JsHeap::new(),
            rng: Arc::new(Mutex::new(rng)),
            spawn: memory.map(|memory| WorkerSpawn {
                runtime,
                linker,
                memory,
            }),
            pool: None,
            threads: config.threads,
            stack_size: config.thread_stack_size,
            drill: config.drill.clone(),
            externref_table,
        }
    }

    /// State for a worker thread: shares the randomness of its main instance.
    pub(crate) fn for_worker(&self) -> Self {
        BindgenState {
            heap: JsHeap::new(),
            rng: self.rng.clone(),
            spawn: None,
            pool: None,
            threads: 0,
            stack_size: self.stack_size,
            drill: self.drill.clone(),
            externref_table: self.externref_table.clone(),
        }
    }
}

pub(super) fn state<'a>(
    caller: &'a mut Caller<'_, HostState>,
) -> wasmtime::Result<&'a mut BindgenState> {
    caller
        .data_mut()
        .bindgen
        .as_mut()
        .ok_or_else(|| wasmtime::format_err!("wasm-bindgen imports are not set up"))
}

/// The module's memory as its imports see it: the shared memory the instance imports (threads,
/// o1js), else the plain memory it exports (`memory`, every module built without threads).
enum Mem {
    Shared(SharedMemory),
    Own(wasmtime::Memory),
}

fn memory(caller: &mut Caller<'_, HostState>) -> wasmtime::Result<Mem> {
    if let Some(m) = caller.data().memory.clone() {
        return Ok(Mem::Shared(m));
    }
    caller
        .get_export("memory")
        .and_then(|e| e.into_memory())
        .map(Mem::Own)
        .ok_or_else(|| {
            wasmtime::format_err!("the module imports no shared memory and exports no `memory`")
        })
}

fn memory_size(caller: &mut Caller<'_, HostState>) -> wasmtime::Result<usize> {
    Ok(match memory(caller)? {
        Mem::Shared(m) => m.data_size(),
        Mem::Own(m) => m.data_size(&*caller),
    })
}

fn read_bytes(
    caller: &mut Caller<'_, HostState>,
    ptr: usize,
    len: usize,
) -> wasmtime::Result<Vec<u8>> {
    let oob = || wasmtime::format_err!("read of {len} bytes at {ptr} is out of bounds");
    let end = ptr.checked_add(len).ok_or_else(oob)?;
    match memory(caller)? {
        Mem::Shared(m) => {
            let cells = m.data().get(ptr..end).ok_or_else(oob)?;
            // SAFETY: `UnsafeCell<u8>` has the layout of `u8`; racing wasm threads are allowed
            // by wasm.
            Ok(cells.iter().map(|c| unsafe { *c.get() }).collect())
        }
        Mem::Own(m) => m
            .data(&*caller)
            .get(ptr..end)
            .map(<[u8]>::to_vec)
            .ok_or_else(oob),
    }
}

fn write_bytes(
    caller: &mut Caller<'_, HostState>,
    ptr: usize,
    bytes: &[u8],
) -> wasmtime::Result<()> {
    let oob = || wasmtime::format_err!("write of {} bytes at {ptr} is out of bounds", bytes.len());
    let end = ptr.checked_add(bytes.len()).ok_or_else(oob)?;
    match memory(caller)? {
        Mem::Shared(m) => {
            let cells = m.data().get(ptr..end).ok_or_else(oob)?;
            for (c, b) in cells.iter().zip(bytes) {
                // SAFETY: as above; wasm memory is plain bytes.
                unsafe { *c.get() = *b };
            }
        }
        Mem::Own(m) => m
            .data_mut(&mut *caller)
            .get_mut(ptr..end)
            .ok_or_else(oob)?
            .copy_from_slice(bytes),
    }
    Ok(())
}

fn read_string(caller: &mut Caller<'_, HostState>, ptr: i32, len: i32) -> wasmtime::Result<String> {
    let bytes = read_bytes(caller, ptr as u32 as usize, len as u32 as usize)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Calls export `name`, passing as many of `args` as it takes: wasm-bindgen added the
/// alignment parameter of `__wbindgen_malloc` and `__wbindgen_free` in 0.2.8x.
pub(super) fn call_export(
    caller: &mut Caller<'_, HostState>,
    name: &str,
    args: &[Val],
) -> wasmtime::Result<Vec<Val>> {
    let func = caller
        .get_export(name)
        .and_then(|e| e.into_func())
        .ok_or_else(|| wasmtime::format_err!("the module has no export `{name}`"))?;
    let ty = func.ty(&*caller);
    let mut out = vec![Val::I32(0); ty.results().len()];
    let args = &args[..ty.params().len().min(args.len())];
    func.call(&mut *caller, args, &mut out)?;
    Ok(out)
}

/// `passStringToWasm0` + writing `(ptr, len)` at `retptr`.
fn return_string(caller: &mut Caller<'_, HostState>, retptr: i32, s: &str) -> wasmtime::Result<()> {
    let len = s.len() as i32;
    let ptr = call_export(caller, "__wbindgen_malloc", &[Val::I32(len), Val::I32(1)])?
        .first()
        .and_then(Val::i32)
        .ok_or_else(|| wasmtime::format_err!("__wbindgen_malloc returned no pointer"))?;
    write_bytes(caller, ptr as u32 as usize, s.as_bytes())?;
    let retptr = retptr as u32 as usize;
    write_bytes(caller, retptr, &ptr.to_le_bytes())?;
    write_bytes(caller, retptr + 4, &len.to_le_bytes())
}

fn bytes_of(caller: &mut Caller<'_, HostState>, v: &JsValue) -> wasmtime::Result<Vec<u8>> {
    match v {
        JsValue::Bytes { data, start, len } => Ok(data.lock()[*start..*start + *len].to_vec()),
        JsValue::MemoryView { offset, len } => read_bytes(caller, *offset, *len),
        other => Err(wasmtime::format_err!(
            "expected a Uint8Array, got {other:?}"
        )),
    }
}

fn write_into(
    caller: &mut Caller<'_, HostState>,
    dst: &JsValue,
    at: usize,
    src: &[u8],
) -> wasmtime::Result<()> {
    match dst {
        JsValue::Bytes { data, start, len } if at + src.len() <= *len => {
            data.lock()[start + at..start + at + src.len()].copy_from_slice(src);
            Ok(())
        }
        JsValue::MemoryView { offset, len } if at + src.len() <= *len => {
            write_bytes(caller, offset + at, src)
        }
        other => Err(wasmtime::format_err!(
            "cannot write {} bytes into {other:?} at {at}",
            src.len()
        )),
    }
}

fn i(v: &Val) -> i32 {
    v.i32().unwrap_or(0)
}

/// The JS value an argument stands for: a heap index or an `externref` (null is `undefined`).
pub(crate) fn from_wasm(
    mut cx: impl AsContextMut<Data = HostState>,
    v: &Val,
) -> wasmtime::Result<JsValue> {
    let mut cx = cx.as_context_mut();
    match v {
        Val::ExternRef(Some(r)) => Ok(r
            .data(&cx)?
            .and_then(|d| d.downcast_ref::<JsValue>())
            .cloned()
            .unwrap_or(JsValue::Undefined)),
        Val::ExternRef(None) => Ok(JsValue::Undefined),
        // `__wbindgen_number_new(f64)`
        Val::F64(bits) => Ok(JsValue::Number(f64::from_bits(*bits))),
        other => {
            let bindgen = cx.data_mut().bindgen.as_mut();
            let bindgen = bindgen
                .ok_or_else(|| wasmtime::format_err!("wasm-bindgen imports are not set up"))?;
            Ok(bindgen.heap.get(i(other)))
        }
    }
}

/// Passes `v` to wasm as `ty` declares: an `externref` or a new heap index.
pub(crate) fn to_wasm(
    mut cx: impl AsContextMut<Data = HostState>,
    v: JsValue,
    ty: &ValType,
) -> wasmtime::Result<Val> {
    if ty.is_externref() {
        return Ok(Val::ExternRef(Some(ExternRef::new(&mut cx, v)?)));
    }
    let mut cx = cx.as_context_mut();
    let bindgen = cx.data_mut().bindgen.as_mut();
    let bindgen =
        bindgen.ok_or_else(|| wasmtime::format_err!("wasm-bindgen imports are not set up"))?;
    Ok(Val::I32(bindgen.heap.add(v)))
}

/// The table where a 0.2.100 module keeps the `externref`s it holds (`__wbindgen_export_N`).
fn externref_table(caller: &mut Caller<'_, HostState>) -> wasmtime::Result<wasmtime::Table> {
    let name = state(caller)?
        .externref_table
        .clone()
        .ok_or_else(|| wasmtime::format_err!("the module exports no externref table"))?;
    caller
        .get_export(&name)
        .and_then(|e| e.into_table())
        .ok_or_else(|| wasmtime::format_err!("the module has no table export `{name}`"))
}

/// `addToExternrefTable0`: stores `v` in the module's table and returns its slot.
fn to_table_slot(caller: &mut Caller<'_, HostState>, v: JsValue) -> wasmtime::Result<Val> {
    let slot = call_export(caller, "__externref_table_alloc", &[])?
        .first()
        .and_then(Val::i32)
        .ok_or_else(|| wasmtime::format_err!("__externref_table_alloc returned no slot"))?;
    let table = externref_table(caller)?;
    let r = ExternRef::new(&mut *caller, v)?;
    table.set(&mut *caller, slot as u32 as u64, Ref::Extern(Some(r)))?;
    Ok(Val::I32(slot))
}

/// `__wbindgen_init_externref_table`: four new slots for `undefined`, `null`, `true`, `false`.
fn init_externref_table(caller: &mut Caller<'_, HostState>) -> wasmtime::Result<()> {
    let table = externref_table(caller)?;
    let offset = table.grow(&mut *caller, 4, Ref::Extern(None))?;
    for (k, v) in [JsValue::Null, JsValue::Bool(true), JsValue::Bool(false)]
        .into_iter()
        .enumerate()
    {
        let r = ExternRef::new(&mut *caller, v)?;
        table.set(&mut *caller, offset + 1 + k as u64, Ref::Extern(Some(r)))?;
    }
    Ok(())
}

/// What one import does. Returns the (single) result, if any, as `result` declares it.
fn dispatch(
    name: &str,
    import: &JsImport,
    caller: &mut Caller<'_, HostState>,
    a: &[Val],
    result: Option<&ValType>,
) -> wasmtime::Result<Option<Val>> {
    let arg = |k: usize| -> wasmtime::Result<&Val> {
        a.get(k)
            .ok_or_else(|| wasmtime::format_err!("`{}` takes no argument {k}", name))
    };
    let value = |caller: &mut Caller<'_, HostState>, k: usize| -> wasmtime::Result<JsValue> {
        let v = *arg(k)?;
        from_wasm(caller, &v)
    };
    let number = |k: usize| -> wasmtime::Result<usize> { Ok(i(arg(k)?) as u32 as usize) };
    let add = |caller: &mut Caller<'_, HostState>, v: JsValue| -> wasmtime::Result<Option<Val>> {
        let ty = result.ok_or_else(|| wasmtime::format_err!("`{}` declares no result", name))?;
        to_wasm(caller, v, ty).map(Some)
    };
    let count = |n: usize| -> wasmtime::Result<Option<Val>> {
        Ok(Some(match result {
            Some(ValType::F64) => Val::F64((n as f64).to_bits()),
            _ => Val::I32(n as i32),
        }))
    };
    let boolean = |b: bool| Ok(Some(Val::I32(b as i32)));
    let string = |caller: &mut Caller<'_, HostState>| -> wasmtime::Result<String> {
        read_string(caller, i(arg(0)?), i(arg(1)?))
    };
    match import.op {
        JsOp::Drop => Ok(None),
        JsOp::Arg => {
            // A number cast to a JS value (`__wbindgen_number_new(f64)`, 0.2.10x's casts), or
            // a JS value cloned: an `i32` is a heap index only where JS values live on the heap.
            let v = match *arg(0)? {
                Val::I32(n) if state(caller)?.externref_table.is_some() => {
                    JsValue::Number(n as f64)
                }
                Val::I64(n) => JsValue::Number(n as f64),
                Val::F32(bits) => JsValue::Number(f32::from_bits(bits) as f64),
                _ => value(caller, 0)?,
            };
            add(caller, v)
        }
        JsOp::StringNew => {
            let s = string(caller)?;
            add(caller, JsValue::Str(s))
        }
        JsOp::ErrorNew => {
            let s = string(caller)?;
            add(caller, JsValue::Error(s))
        }
        JsOp::Throw => {
            let s = string(caller)?;
            Err(wasmtime::format_err!("wasm threw: Error: {s}"))
        }
        JsOp::Console { method, frees } => {
            let s = string(caller)?;
            match method {
                "error" => tracing::error!(target: "wasm", "{s}"),
                "warn" => tracing::warn!(target: "wasm", "{s}"),
                "debug" => tracing::debug!(target: "wasm", "{s}"),
                _ => tracing::info!(target: "wasm", "{s}"),
            }
            if frees {
                call_export(caller, "__wbindgen_free", &[a[0], a[1], Val::I32(1)])?;
            }
            Ok(None)
        }
        JsOp::NewError => add(caller, JsValue::Error(String::new())),
        JsOp::NewArray => add(caller, JsValue::array(Vec::new())),
        JsOp::NewUint8Array => {
            let v = match value(caller, 0)? {
                JsValue::Buffer => JsValue::MemoryView {
                    offset: 0,
                    len: memory_size(caller)?,
                },
                JsValue::Array(items) => {
                    let items = items.lock().clone();
                    JsValue::bytes(
                        items
                            .iter()
                            .map(|v| match v {
                                JsValue::Number(n) => *n as u8,
                                _ => 0,
                            })
                            .collect(),
                    )
                }
                other => JsValue::bytes(bytes_of(caller, &other)?),
            };
            add(caller, v)
        }
        JsOp::NewUint8ArrayWithLength => add(caller, JsValue::bytes(vec![0; number(0)?])),
        JsOp::NewUint8ArrayView => {
            let v = JsValue::MemoryView {
                offset: number(1)?,
                len: number(2)?,
            };
            add(caller, v)
        }
        JsOp::NewFunction => {
            let code = string(caller)?;
            add(caller, JsValue::Function(code))
        }
        JsOp::ErrorStack => {
            let stack = match value(caller, 1)? {
                JsValue::Error(m) => format!("Error: {m}\n    at wasm (host)"),
                _ => String::new(),
            };
            return_string(caller, i(arg(0)?), &stack)?;
            Ok(None)
        }
        JsOp::DebugString => {
            let s = format!("{:?}", value(caller, 1)?);
            return_string(caller, i(arg(0)?), &s)?;
            Ok(None)
        }
        JsOp::JsonSerialize => {
            let s = json(&value(caller, 1)?);
            return_string(caller, i(arg(0)?), &s)?;
            Ok(None)
        }
        JsOp::IsObject => {
            let v = value(caller, 0)?;
            boolean(!matches!(
                v,
                JsValue::Undefined
                    | JsValue::Null
                    | JsValue::Bool(_)
                    | JsValue::Number(_)
                    | JsValue::BigInt(_)
                    | JsValue::Str(_)
                    | JsValue::Function(_)
            ))
        }
        JsOp::IsString => boolean(matches!(value(caller, 0)?, JsValue::Str(_))),
        JsOp::IsFunction => boolean(matches!(value(caller, 0)?, JsValue::Function(_))),
        JsOp::IsUndefined => boolean(matches!(value(caller, 0)?, JsValue::Undefined)),
        JsOp::IsArray => boolean(matches!(value(caller, 0)?, JsValue::Array(_))),
        JsOp::InstanceOf(class) => {
            let v = value(caller, 0)?;
            boolean(match class {
                "ArrayBuffer" => matches!(v, JsValue::Buffer),
                "Uint8Array" => matches!(v, JsValue::Bytes { .. } | JsValue::MemoryView { .. }),
                "WebAssembly.Memory" => matches!(v, JsValue::Memory),
                "Error" => matches!(v, JsValue::Error(_)),
                "Array" => matches!(v, JsValue::Array(_)),
                _ => false,
            })
        }
        JsOp::Global(_) => add(caller, JsValue::Global),
        // `globalThis` as a table slot; 0 (absent) for `self`, `window`, `global`: getrandom
        // then reaches Web Crypto through `globalThis`.
        JsOp::StaticGlobal(name) => match name {
            "globalThis" => to_table_slot(caller, JsValue::Global).map(Some),
            _ => Ok(Some(Val::I32(0))),
        },
        JsOp::Property(name) => {
            let v = match (value(caller, 0)?, name) {
                (JsValue::Global, "crypto") => JsValue::Crypto,
                (JsValue::Memory | JsValue::MemoryView { .. }, "buffer") => JsValue::Buffer,
                (JsValue::Error(m), "message") => JsValue::Str(m),
                // Not Node: no `process` or `msCrypto`, so getrandom takes the Web Crypto path.
                _ => JsValue::Undefined,
            };
            add(caller, v)
        }
        JsOp::Require => add(caller, JsValue::Undefined),
        JsOp::Length => {
            let len = match value(caller, 0)? {
                JsValue::Array(items) => items.lock().len(),
                JsValue::Bytes { len, .. } | JsValue::MemoryView { len, .. } => len,
                JsValue::Str(s) => s.encode_utf16().count(),
                _ => 0,
            };
            count(len)
        }
        JsOp::ByteLength => {
            let len = match value(caller, 0)? {
                JsValue::Bytes { len, .. } | JsValue::MemoryView { len, .. } => len,
                _ => memory_size(caller)?,
            };
            count(len)
        }
        JsOp::GetRandomValues | JsOp::RandomFillSync => {
            let target = value(caller, 1)?;
            let mut bytes = vec![0u8; bytes_of(caller, &target)?.len()];
            state(caller)?.rng.lock().fill(&mut bytes)?;
            write_into(caller, &target, 0, &bytes)?;
            Ok(None)
        }
        JsOp::GetIndex => {
            let v = match value(caller, 0)? {
                JsValue::Array(items) => items
                    .lock()
                    .get(number(1)?)
                    .cloned()
                    .unwrap_or(JsValue::Undefined),
                _ => JsValue::Undefined,
            };
            add(caller, v)
        }
        JsOp::SetIndex => {
            let item = value(caller, 2)?;
            if let JsValue::Array(items) = value(caller, 0)? {
                let mut items = items.lock();
                let idx = number(1)?;
                if items.len() <= idx {
                    items.resize(idx + 1, JsValue::Undefined);
                }
                items[idx] = item;
            }
            Ok(None)
        }
        JsOp::TypedArraySet => {
            let (dst, src) = (value(caller, 0)?, value(caller, 1)?);
            let src = bytes_of(caller, &src)?;
            write_into(caller, &dst, number(2)?, &src)?;
            Ok(None)
        }
        JsOp::Subarray => {
            let (from, to) = (number(1)?, number(2)?);
            let v = match value(caller, 0)? {
                JsValue::Bytes { data, start, len } => {
                    let (from, to) = (from.min(len), to.min(len).max(from.min(len)));
                    JsValue::Bytes {
                        data,
                        start: start + from,
                        len: to - from,
                    }
                }
                JsValue::MemoryView { offset, len } => {
                    let (from, to) = (from.min(len), to.min(len).max(from.min(len)));
                    JsValue::MemoryView {
                        offset: offset + from,
                        len: to - from,
                    }
                }
                other => return Err(wasmtime::format_err!("subarray of {other:?}")),
            };
            add(caller, v)
        }
        JsOp::Call0 | JsOp::Call1 => {
            let v = match value(caller, 0)? {
                JsValue::Function(code) if code.trim() == "return this" => JsValue::Global,
                other => return Err(wasmtime::format_err!("cannot call {other:?} on the host")),
            };
            add(caller, v)
        }
        JsOp::Memory => add(caller, JsValue::Memory),
        JsOp::StartWorkers => {
            super::rayon_pool::start_workers(caller, i(arg(2)?))?;
            add(caller, JsValue::Promise)
        }
        // The pool's threads end when the module drops its rayon pool; joined on retirement.
        JsOp::TerminateWorkers => add(caller, JsValue::Promise),
        JsOp::InitExternrefTable => {
            init_externref_table(caller)?;
            Ok(None)
        }
        JsOp::GetWithRefKey => {
            let v = value(caller, 0)?.get(&value(caller, 1)?);
            add(caller, v)
        }
        JsOp::SetWithKey => {
            let (object, key, v) = (value(caller, 0)?, value(caller, 1)?, value(caller, 2)?);
            match (object, key) {
                (JsValue::Object(fields), JsValue::Str(k)) => {
                    let mut fields = fields.lock();
                    match fields.iter_mut().find(|(name, _)| *name == k) {
                        Some(field) => field.1 = v,
                        None => fields.push((k, v)),
                    }
                }
                (JsValue::Array(items), JsValue::Number(n)) if n.fract() == 0.0 && n >= 0.0 => {
                    let mut items = items.lock();
                    let idx = n as usize;
                    if items.len() <= idx {
                        items.resize(idx + 1, JsValue::Undefined);
                    }
                    items[idx] = v;
                }
                (object, key) => {
                    return Err(wasmtime::format_err!("cannot set {key:?} on {object:?}"));
                }
            }
            Ok(None)
        }
        JsOp::NewObject => add(caller, JsValue::object(Vec::<(String, JsValue)>::new())),
        JsOp::In => {
            let (key, object) = (value(caller, 0)?, value(caller, 1)?);
            boolean(!matches!(object.get(&key), JsValue::Undefined))
        }
        JsOp::JsvalEq => boolean(value(caller, 0)?.equals(&value(caller, 1)?, false)),
        JsOp::JsvalLooseEq => boolean(value(caller, 0)?.equals(&value(caller, 1)?, true)),
        JsOp::BooleanGet(absent) => Ok(Some(Val::I32(match value(caller, 0)? {
            JsValue::Bool(b) => b as i32,
            _ => absent as i32,
        }))),
        JsOp::NumberGet | JsOp::BigIntGetAsI64 => {
            let at = i(arg(0)?) as u32 as usize;
            let word: Option<[u8; 8]> = match (import.op, value(caller, 1)?) {
                (JsOp::NumberGet, JsValue::Number(n)) => Some(n.to_le_bytes()),
                (JsOp::BigIntGetAsI64, JsValue::BigInt(n)) => Some((n as i64).to_le_bytes()),
                _ => None,
            };
            write_bytes(caller, at, &(word.is_some() as i32).to_le_bytes())?;
            write_bytes(caller, at + 8, &word.unwrap_or_default())?;
            Ok(None)
        }
        JsOp::StringGet => {
            let at = i(arg(0)?);
            match value(caller, 1)? {
                JsValue::Str(s) => return_string(caller, at, &s)?,
                _ => write_bytes(caller, at as u32 as usize, &[0; 8])?,
            }
            Ok(None)
        }
        JsOp::IsBigInt => boolean(matches!(value(caller, 0)?, JsValue::BigInt(_))),
        JsOp::BigIntFromU64 => {
            let n = match arg(0)? {
                Val::I64(n) => *n as u64,
                other => i(other) as u32 as u64,
            };
            add(caller, JsValue::BigInt(n.into()))
        }
        JsOp::IsSafeInteger => boolean(matches!(value(caller, 0)?,
            JsValue::Number(n) if n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_991.0)),
        JsOp::JsonParse => {
            let text = string(caller)?;
            let v =
                JsValue::from_json(&text).map_err(|e| wasmtime::format_err!("JSON.parse: {e}"))?;
            add(caller, v)
        }
        JsOp::JsonStringify => {
            let v = JsValue::Str(json(&value(caller, 0)?));
            add(caller, v)
        }
        JsOp::Unsupported => Err(wasmtime::format_err!(
            "`{}` has no operation (refused at instantiation)",
            name
        )),
    }
}

/// `JSON.stringify(v === undefined ? null : v)` for the values the host models.
fn json(v: &JsValue) -> String {
    fn string(s: &str) -> String {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }
    match v {
        JsValue::Undefined | JsValue::Null => "null".into(),
        JsValue::Bool(b) => b.to_string(),
        JsValue::Number(n) if n.is_finite() => {
            if n.fract() == 0.0 && n.abs() < 1e21 {
                format!("{}", *n as i64)
            } else {
                n.to_string()
            }
        }
        JsValue::Number(_) => "null".into(),
        JsValue::Str(s) => string(s),
        JsValue::Object(fields) => {
            let fields: Vec<String> = fields
                .lock()
                .iter()
                .filter(|(_, v)| !matches!(v, JsValue::Undefined | JsValue::Function(_)))
                .map(|(k, v)| format!("{}:{}", string(k), json(v)))
                .collect();
            format!("{{{}}}", fields.join(","))
        }
        JsValue::Array(items) => {
            let items: Vec<String> = items
                .lock()
                .iter()
                .map(|v| match v {
                    JsValue::Undefined | JsValue::Function(_) => "null".into(),
                    v => json(v),
                })
                .collect();
            format!("[{}]", items.join(","))
        }
        JsValue::Bytes { .. } => {
            let bytes = v.to_bytes().unwrap_or_default();
            let fields: Vec<String> = bytes
                .iter()
                .enumerate()
                .map(|(k, b)| format!("\"{k}\":{b}"))
                .collect();
            format!("{{{}}}", fields.join(","))
        }
        _ => "{}".into(),
    }
}

/// Hands a JS exception to the module, as `handleError` does: onto the heap (or into the
/// externref table) and through `__wbindgen_exn_store`.
fn store_exception(
    caller: &mut Caller<'_, HostState>,
    e: &wasmtime::Error,
) -> wasmtime::Result<()> {
    let error = JsValue::Error(format!("{e:#}"));
    let idx = if state(caller)?.externref_table.is_some() {
        to_table_slot(caller, error)?
    } else {
        Val::I32(state(caller)?.heap.add(error))
    };
    call_export(caller, "__wbindgen_exn_store", &[idx])?;
    Ok(())
}

/// Calls `__wbindgen_start`, with the thread stack size when it takes one (o1js's kimchi_wasm).
pub(crate) fn start(instance: &Instance, store: &mut Store<HostState>) -> wasmtime::Result<()> {
    let start = instance
        .get_func(&mut *store, "__wbindgen_start")
        .ok_or_else(|| wasmtime::format_err!("the module has no `__wbindgen_start`"))?;
    let stack_size = store
        .data()
        .bindgen
        .as_ref()
        .map_or(1 << 20, |b| b.stack_size);
    let args: &[Val] = match start.ty(&*store).params().len() {
        0 => &[],
        _ => &[Val::I32(stack_size as i32)],
    };
    start.call(&mut *store, args, &mut [])
}

/// Calls `initThreadPool(threads, workerSource)` on a freshly started instance.
pub(crate) fn init_thread_pool(
    instance: &Instance,
    store: &mut Store<HostState>,
    threads: usize,
) -> wasmtime::Result<()> {
    let init = instance
        .get_func(&mut *store, "initThreadPool")
        .ok_or_else(|| wasmtime::format_err!("the module has no `initThreadPool`"))?;
    let ty = init.ty(&*store);
    let source_ty = ty
        .params()
        .nth(1)
        .ok_or_else(|| wasmtime::format_err!("`initThreadPool` takes no worker source"))?;
    let source = to_wasm(&mut *store, JsValue::Str("host".into()), &source_ty)?;
    let mut promise = [Val::I32(0)];
    init.call(
        &mut *store,
        &[Val::I32(threads as i32), source],
        &mut promise,
    )?;
    if let (Val::I32(idx), Some(b)) = (&promise[0], store.data_mut().bindgen.as_mut()) {
        b.heap.drop_ref(*idx);
    }
    Ok(())
}

/// Whether `module` is one of the import modules wasm-bindgen uses: `__wbindgen_placeholder__`
/// (nodejs), `wbg` (web, no-modules) or `./X_bg.js` (bundler).
pub fn is_import_module(module: &str) -> bool {
    module == IMPORT_MODULE
        || module == "wbg"
        || (module.starts_with("./") && module.ends_with("_bg.js"))
}

/// What serves import `name`: its entry in `table`, else a wasm-bindgen intrinsic.
fn resolve(module: &str, name: &str, table: &[JsImport]) -> Result<JsImport, Error> {
    let refuse = |reason: String, source: &str| Error::UnsupportedImport {
        module: module.into(),
        name: name.into(),
        reason,
        js_source: source.into(),
    };
    match table.iter().find(|i| i.name == name) {
        Some(entry) => match js_imports::unservable(entry.op) {
            Some(reason) => Err(refuse(reason, entry.source)),
            None => Ok(*entry),
        },
        None => match js_imports::intrinsic(name) {
            Some(found) => Ok(found),
            None => Err(refuse(
                if table.is_empty() {
                    "no JS import table was given (pass the shim's `JS_IMPORTS` to \
                     `WasmBindgenImports::js_imports`)"
                        .into()
                } else {
                    "it is not in the JS import table (was the table generated from another \
                     build?)"
                        .into()
                },
                "",
            )),
        },
    }
}

/// Defines every function import of `module` from a wasm-bindgen import module on `linker`,
/// with the signature the module declares, served by its operation. An import nobody can
/// serve fails here, before any instance exists.
pub(crate) fn define(
    linker: &mut Linker<HostState>,
    module: &Module,
    config: &WasmBindgenImports,
) -> Result<(), Error> {
    for import in module.imports() {
        if !is_import_module(import.module()) {
            continue;
        }
        let Some(ty) = import.ty().func().cloned() else {
            continue;
        };
        let js = match resolve(import.module(), import.name(), config.js_imports) {
            Ok(js) => js,
            Err(refused) if config.unsupported == UnsupportedImports::FailOnCall => {
                let message = refused.to_string();
                linker
                    .func_new(import.module(), import.name(), ty, move |_, _, _| {
                        Err(wasmtime::format_err!("{message}"))
                    })
                    .map_err(Error::Setup)?;
                continue;
            }
            Err(refused) => return Err(refused),
        };
        let name: Arc<str> = import.name().into();
        let result = ty.results().next();
        linker
            .func_new(
                import.module(),
                import.name(),
                ty,
                move |mut caller, params, results| {
                    let out = match dispatch(&name, &js, &mut caller, params, result.as_ref()) {
                        Ok(out) => out,
                        // What the glue's `handleError` returns after storing: `undefined`,
                        // which the module reads as a zero of the result's type.
                        Err(e) if js.catches => {
                            store_exception(&mut caller, &e)?;
                            result.as_ref().and_then(Val::default_for_ty)
                        }
                        Err(e) if js.op == JsOp::Throw => return Err(e),
                        Err(e) => {
                            return Err(
                                e.context(format!("wasm-bindgen import `{name}` ({:?})", js.op))
                            );
                        }
                    };
                    // `takeObject(argN)`: the glue frees the heap slot of what it took.
                    for &k in js.takes {
                        if let (Some(Val::I32(idx)), Some(b)) =
                            (params.get(k as usize), caller.data_mut().bindgen.as_mut())
                        {
                            b.heap.drop_ref(*idx);
                        }
                    }
                    if let (Some(v), Some(slot)) = (out, results.first_mut()) {
                        *slot = v;
                    }
                    Ok(())
                },
            )
            .map_err(Error::Setup)?;
    }
    Ok(())
}

/// Releases a JS value the host lent the module for one call (`addBorrowedObject`): its
/// heap slot, when it has one.
pub(crate) fn release_lent(store: &mut Store<HostState>, v: &Val) {
    if let (Val::I32(idx), Some(b)) = (v, store.data_mut().bindgen.as_mut()) {
        b.heap.drop_ref(*idx);
    }
}

/// The JS value a call threw or returned, by the index the module gave: a slot of its externref table
/// (0.2.100 and later: read, then released with `__externref_table_dealloc`, as the glue's
/// `takeFromExternrefTable0` does) or of the host's object heap (`takeObject`).
pub(crate) fn take_js(
    store: &mut Store<HostState>,
    instance: &Instance,
    idx: i32,
) -> wasmtime::Result<JsValue> {
    let bindgen = store
        .data_mut()
        .bindgen
        .as_mut()
        .ok_or_else(|| wasmtime::format_err!("wasm-bindgen imports are not set up"))?;
    let Some(table) = bindgen.externref_table.clone() else {
        return Ok(bindgen.heap.take(idx));
    };
    let table = instance
        .get_table(&mut *store, &table)
        .ok_or_else(|| wasmtime::format_err!("the module has no table `{table}`"))?;
    let value = match table.get(&mut *store, idx as u32 as u64) {
        Some(Ref::Extern(r)) => from_wasm(&mut *store, &Val::ExternRef(r))?,
        _ => JsValue::Undefined,
    };
    if let Some(dealloc) = instance.get_func(&mut *store, "__externref_table_dealloc") {
        dealloc.call(&mut *store, &[Val::I32(idx)], &mut [])?;
    }
    Ok(value)
}
