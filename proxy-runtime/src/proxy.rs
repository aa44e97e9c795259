//! The proxy: serves calls on the active instance, logs what builds state, owns the handles.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::{Mutex, MutexGuard};
use wasmtime::Store;

use crate::config::{ProxyConfig, ProxyEvent};
use crate::handle::{
    Class, ClassInfo, DropQueue, Handle, HandleId, HandleSlot, HandleTable, RawHandle,
};
use crate::imports::HostState;
use crate::instance::{Exports, Instance, ModuleRuntime};
use crate::log::{LogEntry, LoggedArg, RawValue, ReplayLog};
use crate::memory::MemoryMonitor;
use crate::metrics::{ProxyStats, StatsSnapshot};
use crate::replay::{ProbeContext, ProbeFn};
use crate::{Error, Result};

static NEXT_PROXY_ID: AtomicU64 = AtomicU64::new(1);

/// Handle arguments resolved without allocating.
const INLINE_HANDLES: usize = 8;

/// One argument of a proxied call.
#[derive(Debug, Clone, Copy)]
pub enum Arg<'a> {
    /// A raw number.
    Value(RawValue),
    /// A handle lent to the call (the object's pointer in the calling instance is passed).
    Borrow(&'a RawHandle),
    /// A handle the call takes by value (consumed afterwards).
    Consume(&'a RawHandle),
}

impl<'a> Arg<'a> {
    /// Lends `handle` to the call.
    pub fn borrow<C: Class>(handle: &'a Handle<C>) -> Self {
        Arg::Borrow(&handle.raw)
    }

    /// Gives `handle` to the call.
    pub fn consume<C: Class>(handle: &'a Handle<C>) -> Self {
        Arg::Consume(&handle.raw)
    }
}

macro_rules! arg_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg<'_> {
            fn from(x: $t) -> Self {
                Arg::Value(x.into())
            }
        }
    )*};
}
arg_from!(i32, i64, f32, f64);

/// How a proxied method is called.
#[derive(Debug, Clone, Copy)]
pub struct CallSpec {
    /// The export name.
    pub export: &'static str,
    /// The call is logged for replay (`#[replay]`).
    pub replay: bool,
    /// Index (in the arguments) of the handle the call changes (`#[replay(mutates = v)]`).
    pub mutates: Option<usize>,
}

/// Results of a typed call, captured for the determinism check.
pub trait RawResults {
    /// The results as raw values.
    fn to_raw(&self) -> Vec<RawValue>;
}

impl RawResults for () {
    fn to_raw(&self) -> Vec<RawValue> {
        Vec::new()
    }
}

macro_rules! raw_results {
    ($($t:ty => $v:ident($e:expr)),*) => {$(
        impl RawResults for $t {
            fn to_raw(&self) -> Vec<RawValue> {
                vec![RawValue::$v(($e)(*self))]
            }
        }
    )*};
}
raw_results!(i32 => I32(|x| x), i64 => I64(|x| x), f32 => F32(f32::to_bits), f64 => F64(f64::to_bits));

macro_rules! raw_tuple {
    ($($n:ident),+) => {
        impl<$($n: RawResults),+> RawResults for ($($n,)+) {
            #[allow(non_snake_case)]
            fn to_raw(&self) -> Vec<RawValue> {
                let ($($n,)+) = self;
                let mut out = Vec::new();
                $(out.extend($n.to_raw());)+
                out
            }
        }
    };
}
raw_tuple!(A);
raw_tuple!(A, B);
raw_tuple!(A, B, C);
raw_tuple!(A, B, C, D);

/// The active instance with the state that must change atomically with it.
pub(crate) struct Active<E> {
    pub instance: Instance<E>,
    pub log: ReplayLog,
    pub handles: HandleTable,
    dropped_since_compaction: usize,
}

/// A module behind a swap-capable proxy. `Send + Sync`: any thread may call while another swaps.
pub struct Proxy<E: Exports> {
    pub(crate) id: u64,
    pub(crate) runtime: Arc<ModuleRuntime>,
    pub(crate) config: ProxyConfig,
    pub(crate) active: Mutex<Active<E>>,
    pub(crate) drops: Arc<DropQueue>,
    pub(crate) swap_lock: Mutex<()>,
    pub(crate) monitor: MemoryMonitor,
    pub(crate) stats: ProxyStats,
    pub(crate) generations: AtomicU64,
    pub(crate) probes: Mutex<Vec<(String, ProbeFn)>>,
    /// Open [`Proxy::group`]s: automatic swaps wait until none is open.
    groups: std::sync::atomic::AtomicUsize,
    /// An automatic swap came due inside a group.
    deferred: std::sync::atomic::AtomicBool,
    /// The last call trapped: the next one recovers first.
    trapped: std::sync::atomic::AtomicBool,
}

impl<E: Exports> Proxy<E> {
    /// Compiles the module and creates the first instance.
    pub fn new(config: ProxyConfig) -> Result<Self> {
        let runtime = Arc::new(ModuleRuntime::new(&config)?);
        let instance = runtime.instantiate::<E>(0)?;
        // A pass-through proxy never swaps, so its monitor has no threshold.
        let threshold = config.swap_threshold.filter(|_| !config.pass_through);
        let monitor = MemoryMonitor::new(runtime.cap_pages, threshold, config.backoff);
        Ok(Proxy {
            id: NEXT_PROXY_ID.fetch_add(1, Ordering::Relaxed),
            runtime,
            active: Mutex::new(Active {
                instance,
                log: ReplayLog::default(),
                handles: HandleTable::default(),
                dropped_since_compaction: 0,
            }),
            drops: Arc::new(DropQueue::default()),
            swap_lock: Mutex::new(()),
            monitor,
            stats: ProxyStats::new(config.metrics_module()),
            generations: AtomicU64::new(0),
            probes: Mutex::new(config.determinism.probes.clone()),
            groups: std::sync::atomic::AtomicUsize::new(0),
            deferred: std::sync::atomic::AtomicBool::new(false),
            trapped: std::sync::atomic::AtomicBool::new(false),
            config,
        })
    }

    /// Calls an export whose results are numbers. `f` receives the active instance's exports,
    /// its store and the pointers of the handle arguments (in argument order).
    pub fn call<R: RawResults>(
        &self,
        spec: &CallSpec,
        args: &[Arg<'_>],
        f: impl FnOnce(&E, &mut Store<HostState>, &[i32]) -> wasmtime::Result<R>,
    ) -> Result<R> {
        // `spec` is a constant of the generated method and `args` a literal, so this test
        // folds away: a call that is not logged and only lends handles (reads, mostly)
        // takes the short path below, everything else the full one.
        let lends_only =
            args.len() <= INLINE_HANDLES && !args.iter().any(|a| matches!(a, Arg::Consume(_)));
        if spec.replay || !lends_only {
            return self.invoke(spec, args, None, f).map(|(r, _)| r);
        }
        self.recover_if_trapped();
        let mut guard = self.active.lock();
        let active = &mut *guard;
        if self.drops.is_pending() {
            self.release_dropped(active);
        }
        let mut ptrs = [0i32; INLINE_HANDLES];
        let n = self.resolve_lent(active, args, &mut ptrs)?;
        let inst = &mut active.instance;
        let r = f(&inst.exports, &mut inst.store, &ptrs[..n]).map_err(|e| {
            self.note_failure(&e);
            Self::call_error(spec)(e)
        })?;
        let due = self.swap_due(active);
        drop(guard);
        self.swap_if_due(due);
        Ok(r)
    }

    /// The pointers of the handles in `args` (at most [`INLINE_HANDLES`]), into `ptrs`;
    /// returns how many.
    #[inline]
    fn resolve_lent(
        &self,
        active: &Active<E>,
        args: &[Arg<'_>],
        ptrs: &mut [i32; INLINE_HANDLES],
    ) -> Result<usize> {
        let mut n = 0;
        for a in args {
            if let Arg::Borrow(h) | Arg::Consume(h) = a {
                ptrs[n] = self.resolve(active, h)?;
                n += 1;
            }
        }
        Ok(n)
    }

    /// Tells the monitor the active instance's memory after a call; true when an automatic
    /// swap is due.
    #[inline]
    pub(crate) fn swap_due(&self, active: &Active<E>) -> bool {
        self.monitor.observe(active.instance.memory_bytes())
    }

    /// Once the lock is released: the automatic swap a call made due (a failed one is
    /// counted and backed off; the call itself succeeded).
    #[inline]
    pub(crate) fn swap_if_due(&self, due: bool) {
        if due {
            if self.groups.load(Ordering::Acquire) > 0 {
                self.deferred.store(true, Ordering::Release);
                return;
            }
            let _ = self.swap_for(crate::swap::SwapCause::Memory);
        }
    }

    /// Notes a call's failure: a trap leaves the instance in an unknown state (a Rust panic
    /// half-way through a change, an allocator out of memory), so the next call first moves
    /// the live state to a fresh instance ([`Proxy::recover_if_trapped`]).
    #[cold]
    pub(crate) fn note_failure(&self, e: &wasmtime::Error) {
        if e.downcast_ref::<wasmtime::Trap>().is_some() {
            self.trapped.store(true, Ordering::Release);
        }
    }

    /// Before a call: if the last call trapped, rebuild the live state in a fresh instance
    /// (the calls that built it are replayed; the trapping call itself was not logged, so its
    /// objects come back as they were before it). If that fails the trapped instance keeps
    /// serving, as a failed standby leaves the active (counted, `standby-failed`).
    #[inline]
    pub(crate) fn recover_if_trapped(&self) {
        if self.trapped.load(Ordering::Relaxed) {
            self.recover();
        }
    }

    #[cold]
    fn recover(&self) {
        if self.trapped.swap(false, Ordering::AcqRel) {
            let _ = self.swap_for(crate::swap::SwapCause::Trap);
        }
    }

    /// Runs `f`, whose calls form one operation: no automatic swap happens until it returns
    /// (the monitor still sees every call's memory; a swap that came due meanwhile runs as
    /// `f` returns). For raw calls that only make sense together (`__wbindgen_malloc`, then
    /// writing to the pointer it returned); a high-level call ([`Proxy::call_js`]) is one
    /// such operation already. Groups are per proxy: another thread's calls meanwhile do not
    /// swap either. A requested [`Proxy::swap`] is not held back.
    pub fn group<R>(&self, f: impl FnOnce() -> R) -> R {
        struct Open<'a>(&'a std::sync::atomic::AtomicUsize);
        impl Drop for Open<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::AcqRel);
            }
        }
        self.groups.fetch_add(1, Ordering::AcqRel);
        let r = {
            let _open = Open(&self.groups);
            f()
        };
        if self.groups.load(Ordering::Acquire) == 0 && self.deferred.swap(false, Ordering::AcqRel) {
            let _ = self.swap_for(crate::swap::SwapCause::Memory);
        }
        r
    }

    /// The error of a call that failed in the module (a trap, or a typed-call mismatch).
    fn call_error(spec: &CallSpec) -> impl FnOnce(wasmtime::Error) -> Error + '_ {
        |source| Error::Call {
            export: spec.export.into(),
            source,
        }
    }

    /// Calls an export that returns an object pointer, and wraps it as a handle of class `C`.
    pub fn call_handle<C: Class>(
        &self,
        spec: &CallSpec,
        args: &[Arg<'_>],
        f: impl FnOnce(&E, &mut Store<HostState>, &[i32]) -> wasmtime::Result<i32>,
    ) -> Result<Handle<C>> {
        let (_, id) = self.invoke(spec, args, Some(ClassInfo::of::<C>()), f)?;
        let id = id.ok_or_else(|| Error::InvalidHandle {
            id: 0,
            class: C::NAME,
            state: "not created",
        })?;
        Ok(Handle::new(id, self.id, self.drops.clone()))
    }

    /// The typed shell of a call: everything but the export's own call is in [`Self::invoke_core`],
    /// compiled once per exports type rather than once per method (a plonk_wasm shim has
    /// about 1,000 methods; this shell is the only part each of them instantiates).
    fn invoke<R: RawResults>(
        &self,
        spec: &CallSpec,
        args: &[Arg<'_>],
        result_class: Option<ClassInfo>,
        f: impl FnOnce(&E, &mut Store<HostState>, &[i32]) -> wasmtime::Result<R>,
    ) -> Result<(R, Option<HandleId>)> {
        let mut f = Some(f);
        let mut result = None;
        let handle = self.invoke_core(
            spec,
            args,
            result_class,
            &mut |exports, store, ptrs, want_raw| {
                let f = f
                    .take()
                    .ok_or_else(|| wasmtime::format_err!("a proxied call ran twice"))?;
                let r = f(exports, store, ptrs)?;
                let raw = if want_raw { r.to_raw() } else { Vec::new() };
                result = Some(r);
                Ok(raw)
            },
        )?;
        // Lazily: an eager error here would capture a backtrace on every call.
        let r = result.ok_or_else(|| Error::Call {
            export: spec.export.into(),
            source: wasmtime::format_err!("the call returned no result"),
        })?;
        Ok((r, handle))
    }

    /// One call under the active instance's lock: resolves handle arguments, calls `f`
    /// (which returns the raw results when asked: logged calls and handle results need
    /// them), logs it, registers a result handle, and tells the monitor.
    fn invoke_core(
        &self,
        spec: &CallSpec,
        args: &[Arg<'_>],
        result_class: Option<ClassInfo>,
        f: &mut dyn FnMut(
            &E,
            &mut Store<HostState>,
            &[i32],
            bool,
        ) -> wasmtime::Result<Vec<RawValue>>,
    ) -> Result<Option<HandleId>> {
        self.recover_if_trapped();
        let mut guard = self.active.lock();
        let active = &mut *guard;
        if self.drops.is_pending() {
            self.release_dropped(active);
        }
        // Handle pointers on the stack for the usual few handle arguments (no allocation).
        let mut inline = [0i32; INLINE_HANDLES];
        let mut spilled = Vec::new();
        let mut n = 0;
        for a in args {
            if let Arg::Borrow(h) | Arg::Consume(h) = a {
                let ptr = self.resolve(active, h)?;
                if n < INLINE_HANDLES {
                    inline[n] = ptr;
                } else {
                    if spilled.is_empty() {
                        spilled.extend_from_slice(&inline);
                    }
                    spilled.push(ptr);
                }
                n += 1;
            }
        }
        let ptrs: &[i32] = if n <= INLINE_HANDLES {
            &inline[..n]
        } else {
            &spilled
        };
        let generation = active.instance.generation;
        let inst = &mut active.instance;
        let logged = spec.replay && !self.config.pass_through;
        let raw = f(
            &inst.exports,
            &mut inst.store,
            ptrs,
            logged || result_class.is_some(),
        )
        .map_err(|e| {
            self.note_failure(&e);
            Self::call_error(spec)(e)
        })?;
        let seq = logged.then(|| active.log.next_seq());
        let result_handle = result_class.map(|class| {
            let ptr = match raw.first() {
                Some(RawValue::I32(p)) => *p,
                _ => 0,
            };
            active.handles.insert(HandleSlot {
                class,
                ptr,
                generation,
                held: true,
                consumed: false,
                lineage: seq,
            })
        });
        for a in args {
            if let Arg::Consume(h) = a {
                h.resolved.clear();
                if let Some(slot) = active.handles.get_mut(h.id) {
                    slot.consumed = true;
                }
            }
        }
        if let Some(seq) = seq {
            let logged_args = args
                .iter()
                .map(|a| match a {
                    Arg::Value(v) => LoggedArg::Value(*v),
                    Arg::Borrow(h) => LoggedArg::Handle {
                        id: h.id,
                        consumed: false,
                    },
                    Arg::Consume(h) => LoggedArg::Handle {
                        id: h.id,
                        consumed: true,
                    },
                })
                .collect();
            let mutates = spec.mutates.and_then(|i| match args.get(i) {
                Some(Arg::Borrow(h) | Arg::Consume(h)) => Some(h.id),
                _ => None,
            });
            active.log.push(LogEntry {
                seq,
                export: spec.export,
                args: logged_args,
                result_handle,
                result_class,
                results: if result_class.is_some() {
                    Vec::new()
                } else {
                    raw
                },
                mutates,
                js: None,
                threw: None,
            });
            if active.log.wants_compaction() {
                self.compact(active);
            }
        }
        let due = self.swap_due(active);
        drop(guard);
        self.swap_if_due(due);
        Ok(result_handle)
    }

    #[inline]
    pub(crate) fn resolve(&self, active: &Active<E>, h: &RawHandle) -> Result<i32> {
        if h.proxy == self.id
            && let Some(ptr) = h.resolved.get(active.instance.generation)
        {
            return Ok(ptr);
        }
        self.resolve_in_table(active, h)
    }

    /// [`Self::resolve`] for a handle not yet resolved in the active instance.
    #[cold]
    fn resolve_in_table(&self, active: &Active<E>, h: &RawHandle) -> Result<i32> {
        let invalid = |state| Error::InvalidHandle {
            id: h.id,
            class: h.class.name,
            state,
        };
        if h.proxy != self.id {
            return Err(invalid("from another proxy"));
        }
        let generation = active.instance.generation;
        let slot = active.handles.get(h.id).ok_or(invalid("unknown"))?;
        if slot.consumed {
            return Err(invalid("consumed by an earlier call"));
        }
        if slot.generation != generation {
            return Err(invalid(
                "stale: created by an unlogged call in an instance that was swapped out",
            ));
        }
        h.resolved.set(generation, slot.ptr);
        Ok(slot.ptr)
    }

    /// Frees the objects of dropped handles in the active instance.
    #[cold]
    pub(crate) fn release_dropped(&self, active: &mut Active<E>) {
        let generation = active.instance.generation;
        for id in self.drops.take() {
            let Some(slot) = active.handles.get_mut(id) else {
                continue;
            };
            slot.held = false;
            active.dropped_since_compaction += 1;
            let (free, ptr, live_here) = (
                slot.class.free,
                slot.ptr,
                !slot.consumed && slot.generation == generation,
            );
            if slot.lineage.is_none() {
                // Not replayable, so no log entry can need it by lineage: forget it now unless a
                // logged call took it (then compaction decides).
                let referenced = active
                    .log
                    .entries()
                    .iter()
                    .any(|e| e.dependencies().any(|d| d == id));
                if !referenced {
                    active.handles.slots.remove(&id);
                }
            }
            if live_here && let Err(e) = active.instance.free_object(free, ptr) {
                tracing::warn!(handle = id, error = %e, "freeing a dropped handle's object failed");
            }
        }
        if active.dropped_since_compaction > active.log.len() / 2 + 32 {
            self.compact(active);
        }
    }

    pub(crate) fn compact(&self, active: &mut Active<E>) {
        active.log.compact(&mut active.handles);
        active.dropped_since_compaction = 0;
    }

    /// Frees dropped handles and compacts the log now (it otherwise happens on later calls).
    pub fn collect(&self) {
        let mut guard = self.active.lock();
        let active = &mut *guard;
        self.release_dropped(active);
        self.compact(active);
    }

    /// Number of retained log entries (bounded by live state, not by calls).
    pub fn log_len(&self) -> usize {
        self.active.lock().log.len()
    }

    /// A copy of the retained log entries.
    pub fn log_entries(&self) -> Vec<LogEntry> {
        self.active.lock().log.entries().to_vec()
    }

    /// Handles the program holds.
    pub fn handles_held(&self) -> usize {
        self.active.lock().handles.held()
    }

    /// Memory of the active instance, bytes.
    pub fn memory_bytes(&self) -> u64 {
        self.active.lock().instance.memory_bytes()
    }

    /// The memory cap (module maximum or configured budget), bytes.
    pub fn cap_bytes(&self) -> u64 {
        self.monitor.cap_bytes()
    }

    /// The largest memory size any active instance reached, bytes.
    pub fn peak_memory_bytes(&self) -> u64 {
        self.monitor.peak_bytes(self.memory_bytes())
    }

    /// Copies bytes out of the active instance's memory.
    pub fn read_memory(&self, offset: u64, len: u64) -> Result<Vec<u8>> {
        self.active.lock().instance.read_memory(offset, len)
    }

    /// Copies `bytes` into the active instance's memory at `offset` (arguments the caller
    /// allocated with the module's allocator).
    pub fn write_memory(&self, offset: u64, bytes: &[u8]) -> Result<()> {
        self.active.lock().instance.write_memory(offset, bytes)
    }

    /// The pointer of a handle's object in the active instance.
    pub fn ptr_of<C: Class>(&self, handle: &Handle<C>) -> Result<i32> {
        let guard = self.active.lock();
        self.resolve(&guard, &handle.raw)
    }

    /// Wraps an object pointer that an untyped call returned as a handle of class `C`. Untyped
    /// calls are not logged, so after a swap the handle is stale (a clear error on use).
    pub fn adopt<C: Class>(&self, ptr: i32) -> Handle<C> {
        let mut active = self.active.lock();
        let generation = active.instance.generation;
        let id = active.handles.insert(HandleSlot {
            class: ClassInfo::of::<C>(),
            ptr,
            generation,
            held: true,
            consumed: false,
            lineage: None,
        });
        Handle::new(id, self.id, self.drops.clone())
    }

    /// Generation of the active instance (0 before the first swap).
    pub fn generation(&self) -> u64 {
        self.active.lock().instance.generation
    }

    /// Counters of swaps and failed standbys.
    pub fn stats(&self) -> StatsSnapshot {
        self.stats.snapshot()
    }

    /// Runs `f` on the active instance, with calls blocked meanwhile (raw access, benchmarks).
    pub fn with_instance<T>(&self, f: impl FnOnce(&mut Instance<E>) -> T) -> T {
        f(&mut self.active.lock().instance)
    }

    /// A fresh instance of the same module, outside the proxy (for comparisons and benchmarks).
    pub fn fresh_instance(&self) -> Result<Instance<E>> {
        self.runtime.instantiate(u64::MAX)
    }

    /// Adds a determinism probe: before each flip it runs on the active and on the standby,
    /// and the swap is refused if the SHA-256 of the bytes differ.
    pub fn add_probe(
        &self,
        name: impl Into<String>,
        probe: impl Fn(&mut ProbeContext<'_>) -> Result<Vec<u8>> + Send + Sync + 'static,
    ) {
        self.probes.lock().push((name.into(), Arc::new(probe)));
    }

    pub(crate) fn emit(&self, event: ProxyEvent) {
        if let Some(listener) = &self.config.on_event {
            listener(&event);
        }
    }

    pub(crate) fn lock_active(&self) -> MutexGuard<'_, Active<E>> {
        self.active.lock()
    }
}

impl<E: Exports> std::fmt::Debug for Proxy<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy")
            .field("id", &self.id)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}
