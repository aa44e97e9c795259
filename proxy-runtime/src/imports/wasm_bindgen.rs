//! Host side of the `__wbindgen_placeholder__` imports of plonk_wasm (wasm-bindgen 0.2.89) and
//! kimchi_wasm (0.2.100), both with threads: a small model of the JS values the module handles,
//! randomness for `getrandom`, panics and logs as `tracing` events, and the rayon pool.
//!
//! JS values cross the boundary in one of two ways, told apart by each import's signature:
//! as an index into wasm-bindgen's object heap (`i32`, 0.2.89) or as an `externref` holding the
//! host's [`JsValue`] (0.2.100, whose module keeps them in an exported table).
//!
//! Imports are dispatched on their full name: several share a base name (`__wbg_new_*` is
//! `new Error()`, `new Array()` or `new Uint8Array(x)` depending on the hash).

use std::sync::Arc;

use parking_lot::Mutex;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use wasmtime::{
    AsContextMut, Caller, ExternRef, Instance, Linker, Module, Ref, RefType, SharedMemory, Store,
    Val, ValType,
};

use super::HostState;
use super::rayon_pool::WorkerPool;
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
}

impl JsValue {
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

fn memory(caller: &Caller<'_, HostState>) -> wasmtime::Result<SharedMemory> {
    caller
        .data()
        .memory
        .clone()
        .ok_or_else(|| wasmtime::format_err!("the wasm-bindgen imports need a shared memory"))
}

fn read_bytes(mem: &SharedMemory, ptr: i32, len: i32) -> wasmtime::Result<Vec<u8>> {
    let (start, len) = (ptr as u32 as usize, len as u32 as usize);
    let cells = mem
        .data()
        .get(start..start + len)
        .ok_or_else(|| wasmtime::format_err!("read out of bounds"))?;
    // SAFETY: `UnsafeCell<u8>` has the layout of `u8`; racing wasm threads are allowed by wasm.
    Ok(cells.iter().map(|c| unsafe { *c.get() }).collect())
}

fn write_bytes(mem: &SharedMemory, ptr: usize, bytes: &[u8]) -> wasmtime::Result<()> {
    let cells = mem
        .data()
        .get(ptr..ptr + bytes.len())
        .ok_or_else(|| wasmtime::format_err!("write out of bounds"))?;
    for (c, b) in cells.iter().zip(bytes) {
        // SAFETY: as above; wasm memory is plain bytes.
        unsafe { *c.get() = *b };
    }
    Ok(())
}

fn read_string(caller: &Caller<'_, HostState>, ptr: i32, len: i32) -> wasmtime::Result<String> {
    Ok(String::from_utf8_lossy(&read_bytes(&memory(caller)?, ptr, len)?).into_owned())
}

pub(super) fn call_export(
    caller: &mut Caller<'_, HostState>,
    name: &str,
    args: &[Val],
) -> wasmtime::Result<Vec<Val>> {
    let func = caller
        .get_export(name)
        .and_then(|e| e.into_func())
        .ok_or_else(|| wasmtime::format_err!("the module has no export `{name}`"))?;
    let mut out = vec![Val::I32(0); func.ty(&*caller).results().len()];
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
    let mem = memory(caller)?;
    write_bytes(&mem, ptr as u32 as usize, s.as_bytes())?;
    let retptr = retptr as u32 as usize;
    write_bytes(&mem, retptr, &ptr.to_le_bytes())?;
    write_bytes(&mem, retptr + 4, &len.to_le_bytes())
}

fn bytes_of(v: &JsValue, mem: &SharedMemory) -> wasmtime::Result<Vec<u8>> {
    match v {
        JsValue::Bytes { data, start, len } => Ok(data.lock()[*start..*start + *len].to_vec()),
        JsValue::MemoryView { offset, len } => read_bytes(mem, *offset as i32, *len as i32),
        other => Err(wasmtime::format_err!(
            "expected a Uint8Array, got {other:?}"
        )),
    }
}

fn write_into(dst: &JsValue, at: usize, src: &[u8], mem: &SharedMemory) -> wasmtime::Result<()> {
    match dst {
        JsValue::Bytes { data, start, len } if at + src.len() <= *len => {
            data.lock()[start + at..start + at + src.len()].copy_from_slice(src);
            Ok(())
        }
        JsValue::MemoryView { offset, len } if at + src.len() <= *len => {
            write_bytes(mem, offset + at, src)
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
        other => {
            let bindgen = cx.data_mut().bindgen.as_mut();
            let bindgen = bindgen
                .ok_or_else(|| wasmtime::format_err!("wasm-bindgen imports are not set up"))?;
            Ok(bindgen.heap.get(i(other)))
        }
    }
}

/// Like [`from_wasm`], for an argument the import takes ownership of (its heap slot is freed).
fn js_take(caller: &mut Caller<'_, HostState>, v: &Val) -> wasmtime::Result<JsValue> {
    match v {
        Val::I32(idx) => Ok(state(caller)?.heap.take(*idx)),
        other => from_wasm(caller, other),
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
    caller: &mut Caller<'_, HostState>,
    a: &[Val],
    result: Option<&ValType>,
) -> wasmtime::Result<Option<Val>> {
    let base = name
        .rsplit_once('_')
        .filter(|(_, h)| h.len() == 16)
        .map_or(name, |(b, _)| b);
    let heap_get = |caller: &mut Caller<'_, HostState>, v: &Val| from_wasm(caller, v);
    let add = |caller: &mut Caller<'_, HostState>, v: JsValue| -> wasmtime::Result<Option<Val>> {
        let ty = result.ok_or_else(|| wasmtime::format_err!("`{name}` declares no result"))?;
        to_wasm(caller, v, ty).map(Some)
    };
    let boolean = |b: bool| Ok(Some(Val::I32(b as i32)));
    match (name, base) {
        (_, "__wbindgen_object_drop_ref") => {
            state(caller)?.heap.drop_ref(i(&a[0]));
            Ok(None)
        }
        (_, "__wbindgen_object_clone_ref") => {
            let v = heap_get(caller, &a[0])?;
            add(caller, v)
        }
        (_, "__wbindgen_init_externref_table") => {
            init_externref_table(caller)?;
            Ok(None)
        }
        (_, "__wbindgen_number_new") => add(caller, JsValue::Number(a[0].f64().unwrap_or(0.0))),
        (_, "__wbindgen_string_new") => {
            let s = read_string(caller, i(&a[0]), i(&a[1]))?;
            add(caller, JsValue::Str(s))
        }
        (_, "__wbindgen_error_new") => {
            let s = read_string(caller, i(&a[0]), i(&a[1]))?;
            add(caller, JsValue::Error(s))
        }
        (_, "__wbindgen_throw") => {
            let s = read_string(caller, i(&a[0]), i(&a[1]))?;
            Err(wasmtime::format_err!("wasm threw: {s}"))
        }
        (_, "__wbg_log") => {
            let s = read_string(caller, i(&a[0]), i(&a[1]))?;
            tracing::info!(target: "wasm", "{s}");
            Ok(None)
        }
        (_, "__wbg_error") => {
            let s = read_string(caller, i(&a[0]), i(&a[1]))?;
            tracing::error!(target: "wasm", "{s}");
            call_export(caller, "__wbindgen_free", &[a[0], a[1], Val::I32(1)])?;
            Ok(None)
        }
        // Per wasm-bindgen version: 0.2.89 (plonk_wasm), 0.2.100 (kimchi_wasm).
        ("__wbg_new_abda76e883ba8a5f" | "__wbg_new_8a6f238a6ece86ea", _) => {
            add(caller, JsValue::Error(String::new()))
        }
        ("__wbg_new_898a68150f225f2e" | "__wbg_new_78feb108b6472713", _) => {
            add(caller, JsValue::array(Vec::new()))
        }
        ("__wbg_new_8125e318e6245eed" | "__wbg_new_a12002a7f91c75be", _) => {
            let v = match heap_get(caller, &a[0])? {
                JsValue::Buffer => JsValue::MemoryView {
                    offset: 0,
                    len: memory(caller)?.data_size(),
                },
                other => JsValue::bytes(bytes_of(&other, &memory(caller)?)?),
            };
            add(caller, v)
        }
        (_, "__wbg_stack") => {
            let stack = match heap_get(caller, &a[1])? {
                JsValue::Error(m) => format!("Error: {m}\n    at wasm (host)"),
                _ => String::new(),
            };
            return_string(caller, i(&a[0]), &stack)?;
            Ok(None)
        }
        (_, "__wbindgen_debug_string") => {
            let s = format!("{:?}", heap_get(caller, &a[1])?);
            return_string(caller, i(&a[0]), &s)?;
            Ok(None)
        }
        (_, "__wbindgen_is_object") => {
            let v = heap_get(caller, &a[0])?;
            boolean(!matches!(
                v,
                JsValue::Undefined
                    | JsValue::Null
                    | JsValue::Bool(_)
                    | JsValue::Number(_)
                    | JsValue::Str(_)
                    | JsValue::Function(_)
            ))
        }
        (_, "__wbindgen_is_string") => boolean(matches!(heap_get(caller, &a[0])?, JsValue::Str(_))),
        (_, "__wbindgen_is_function") => {
            boolean(matches!(heap_get(caller, &a[0])?, JsValue::Function(_)))
        }
        (_, "__wbindgen_is_undefined") => {
            boolean(matches!(heap_get(caller, &a[0])?, JsValue::Undefined))
        }
        (_, "__wbg_self" | "__wbg_window" | "__wbg_globalThis" | "__wbg_global") => {
            add(caller, JsValue::Global)
        }
        // 0.2.100: `globalThis` as a table slot (0 would mean absent, for SELF, WINDOW, GLOBAL).
        (_, "__wbg_static_accessor_GLOBAL_THIS") => {
            to_table_slot(caller, JsValue::Global).map(Some)
        }
        (
            _,
            "__wbg_static_accessor_SELF"
            | "__wbg_static_accessor_WINDOW"
            | "__wbg_static_accessor_GLOBAL",
        ) => Ok(Some(Val::I32(0))),
        (_, "__wbg_crypto") => {
            let v = match heap_get(caller, &a[0])? {
                JsValue::Global => JsValue::Crypto,
                _ => JsValue::Undefined,
            };
            add(caller, v)
        }
        // Not Node: no `process`, `require` or `msCrypto`, so getrandom takes the Web Crypto path.
        (_, "__wbg_process" | "__wbg_versions" | "__wbg_node" | "__wbg_msCrypto") => {
            add(caller, JsValue::Undefined)
        }
        (_, "__wbg_require") => add(caller, JsValue::Undefined),
        (_, "__wbg_getRandomValues" | "__wbg_randomFillSync") => {
            let target = if base == "__wbg_randomFillSync" {
                js_take(caller, &a[1])?
            } else {
                heap_get(caller, &a[1])?
            };
            let mem = memory(caller)?;
            let mut bytes = vec![0u8; bytes_of(&target, &mem)?.len()];
            state(caller)?.rng.lock().fill(&mut bytes)?;
            write_into(&target, 0, &bytes, &mem)?;
            Ok(None)
        }
        (_, "__wbg_newnoargs") => {
            let code = read_string(caller, i(&a[0]), i(&a[1]))?;
            add(caller, JsValue::Function(code))
        }
        (_, "__wbg_call") => {
            let v = match heap_get(caller, &a[0])? {
                JsValue::Function(code) if code.trim() == "return this" => JsValue::Global,
                other => return Err(wasmtime::format_err!("cannot call {other:?} on the host")),
            };
            add(caller, v)
        }
        ("__wbg_get_44be0491f933a435" | "__wbg_get_b9b93047fe3cf45b", _) => {
            let v = match heap_get(caller, &a[0])? {
                JsValue::Array(items) => items
                    .lock()
                    .get(i(&a[1]) as u32 as usize)
                    .cloned()
                    .unwrap_or(JsValue::Undefined),
                _ => JsValue::Undefined,
            };
            add(caller, v)
        }
        ("__wbg_set_502d29070ea18557" | "__wbg_set_37837023f3d740e8", _) => {
            let value = js_take(caller, &a[2])?;
            if let JsValue::Array(items) = heap_get(caller, &a[0])? {
                let mut items = items.lock();
                let idx = i(&a[1]) as u32 as usize;
                if items.len() <= idx {
                    items.resize(idx + 1, JsValue::Undefined);
                }
                items[idx] = value;
            }
            Ok(None)
        }
        ("__wbg_set_5cf90238115182c3" | "__wbg_set_65595bdd868b3009", _) => {
            let (dst, src) = (heap_get(caller, &a[0])?, heap_get(caller, &a[1])?);
            let mem = memory(caller)?;
            write_into(&dst, i(&a[2]) as u32 as usize, &bytes_of(&src, &mem)?, &mem)?;
            Ok(None)
        }
        (_, "__wbg_length") => {
            let len = match heap_get(caller, &a[0])? {
                JsValue::Array(items) => items.lock().len(),
                JsValue::Bytes { len, .. } | JsValue::MemoryView { len, .. } => len,
                JsValue::Str(s) => s.encode_utf16().count(),
                _ => 0,
            };
            Ok(Some(Val::I32(len as i32)))
        }
        (_, "__wbg_isArray") => boolean(matches!(heap_get(caller, &a[0])?, JsValue::Array(_))),
        (_, "__wbg_instanceof_ArrayBuffer") => {
            boolean(matches!(heap_get(caller, &a[0])?, JsValue::Buffer))
        }
        (_, "__wbg_instanceof_Uint8Array") => boolean(matches!(
            heap_get(caller, &a[0])?,
            JsValue::Bytes { .. } | JsValue::MemoryView { .. }
        )),
        (_, "__wbg_instanceof_Memory") => {
            boolean(matches!(heap_get(caller, &a[0])?, JsValue::Memory))
        }
        (_, "__wbg_byteLength") => Ok(Some(Val::I32(memory(caller)?.data_size() as i32))),
        (_, "__wbg_buffer") => add(caller, JsValue::Buffer),
        (_, "__wbindgen_memory") => add(caller, JsValue::Memory),
        (_, "__wbg_newwithbyteoffsetandlength") => {
            let v = JsValue::MemoryView {
                offset: i(&a[1]) as u32 as usize,
                len: i(&a[2]) as u32 as usize,
            };
            add(caller, v)
        }
        (_, "__wbg_newwithlength") => {
            add(caller, JsValue::bytes(vec![0; i(&a[0]) as u32 as usize]))
        }
        (_, "__wbg_subarray") => {
            let (from, to) = (i(&a[1]) as u32 as usize, i(&a[2]) as u32 as usize);
            let v = match heap_get(caller, &a[0])? {
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
        (_, "__wbg_startWorkers") => {
            let (_src, _memory) = (js_take(caller, &a[0])?, js_take(caller, &a[1])?);
            super::rayon_pool::start_workers(caller, i(&a[2]))?;
            add(caller, JsValue::Promise)
        }
        (_, "__wbg_terminateWorkers") => {
            // The pool's threads end when the module drops its rayon pool; joined on retirement.
            add(caller, JsValue::Promise)
        }
        _ => Err(wasmtime::format_err!(
            "wasm-bindgen import `{name}` is not implemented by the host"
        )),
    }
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

/// Defines every `__wbindgen_placeholder__` function import of `module` on `linker`, with the
/// signature the module declares.
pub(crate) fn define(
    linker: &mut Linker<HostState>,
    module: &Module,
    _config: &WasmBindgenImports,
) -> wasmtime::Result<()> {
    for import in module.imports() {
        if import.module() != IMPORT_MODULE {
            continue;
        }
        let Some(ty) = import.ty().func().cloned() else {
            continue;
        };
        let name: Arc<str> = import.name().into();
        let result = ty.results().next();
        linker.func_new(
            IMPORT_MODULE,
            import.name(),
            ty,
            move |mut caller, params, results| {
                let out = dispatch(&name, &mut caller, params, result.as_ref())?;
                if let (Some(v), Some(slot)) = (out, results.first_mut()) {
                    *slot = v;
                }
                Ok(())
            },
        )?;
    }
    Ok(())
}

/// The JS value a call threw, by the index the module returned: a slot of its externref table
/// (0.2.100 and later: read, then released with `__externref_table_dealloc`, as the glue's
/// `takeFromExternrefTable0` does) or of the host's object heap (`takeObject`).
pub(crate) fn take_thrown(
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
