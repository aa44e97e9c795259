//! Instances: one module instantiation each, with its own `Store` and memory.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};
use wasmtime::{
    Engine, Extern, InstancePre, Linker, Memory, MemoryType, Module, SharedMemory, Store,
    TypedFunc, WasmParams, WasmResults,
};

use crate::config::{ImportsPreset, ProxyConfig};
use crate::imports::{self, HostState};
use crate::memory::{MemoryLimiter, PAGE_SIZE};
use crate::{Error, Result};

/// The typed exports of one instance, resolved once when it is created.
///
/// `#[proxied]` implements this for the trait's exports struct; `()` needs no export.
pub trait Exports: Sized + Send + 'static {
    /// Looks up every export this proxy calls.
    fn resolve(instance: &wasmtime::Instance, store: &mut Store<HostState>) -> Result<Self>;
}

impl Exports for () {
    fn resolve(_: &wasmtime::Instance, _: &mut Store<HostState>) -> Result<Self> {
        Ok(())
    }
}

/// Looks up export `export` as a typed function, for method `method` of a proxied trait.
pub fn typed_export<P: WasmParams, R: WasmResults>(
    instance: &wasmtime::Instance,
    store: &mut Store<HostState>,
    export: &str,
    method: &str,
) -> Result<TypedFunc<P, R>> {
    let func = instance
        .get_func(&mut *store, export)
        .ok_or_else(|| Error::MissingExport {
            export: export.into(),
            method: method.into(),
        })?;
    func.typed(&*store).map_err(|source| Error::ExportType {
        export: export.into(),
        method: method.into(),
        source,
    })
}

/// A memory imported by the module (wasm-bindgen's `wbg.memory`): each instance gets its own.
#[derive(Debug, Clone)]
struct MemoryImport {
    module: String,
    name: String,
    ty: MemoryType,
}

/// What every instance of one proxy is made from: engine, compiled module, linker.
pub(crate) struct ModuleRuntime {
    pub engine: Engine,
    pub module: Module,
    pub linker: Linker<HostState>,
    /// Pre-resolved imports, when the module owns its memory.
    pre: Option<InstancePre<HostState>>,
    memory_import: Option<MemoryImport>,
    memory_export: String,
    /// Limit of every instance's memory, in pages.
    pub cap_pages: u64,
    /// Whether instances are started with `__wbindgen_start`.
    start: bool,
    /// The module has exactly one memory (defined or imported): the store's limiter can
    /// keep its size when it is not shared.
    one_memory: bool,
    pub bindgen: Option<imports::WasmBindgenImports>,
}

impl ModuleRuntime {
    pub fn new(config: &ProxyConfig) -> Result<Self> {
        let mut wasm_config = wasmtime::Config::new();
        wasm_config.wasm_threads(true).shared_memory(true);
        let engine = Engine::new(&wasm_config).map_err(Error::Setup)?;
        let bytes = config.read_module()?;
        let module = match &config.module_cache {
            Some(dir) => load_cached(&engine, &bytes, dir)?,
            None => Module::new(&engine, &bytes).map_err(Error::Compile)?,
        };
        let mut linker: Linker<HostState> = Linker::new(&engine);
        let bindgen = match &config.imports {
            ImportsPreset::None => None,
            ImportsPreset::WasmBindgen(w) => {
                imports::wasm_bindgen::define(&mut linker, &module, w)?;
                Some(w.clone())
            }
        };
        if let Some(hook) = &config.linker_hook {
            hook(&mut linker).map_err(Error::Setup)?;
        }
        let memory_import = module.imports().find_map(|i| match i.ty() {
            wasmtime::ExternType::Memory(ty) => Some(MemoryImport {
                module: i.module().into(),
                name: i.name().into(),
                ty,
            }),
            _ => None,
        });
        let declared_max = match &memory_import {
            Some(m) => m.ty.maximum(),
            None => module.exports().find_map(|e| match e.ty() {
                wasmtime::ExternType::Memory(ty) if e.name() == config.memory_export => {
                    ty.maximum()
                }
                _ => None,
            }),
        };
        let budget_pages = config.memory_budget.map(|b| b / PAGE_SIZE);
        let cap_pages = declared_max
            .unwrap_or(65536)
            .min(budget_pages.unwrap_or(u64::MAX));
        let pre = match memory_import {
            None => Some(
                linker
                    .instantiate_pre(&module)
                    .map_err(Error::Instantiate)?,
            ),
            Some(_) => None,
        };
        let start = bindgen.is_some() && module.exports().any(|e| e.name() == "__wbindgen_start");
        let imported_memories = module
            .imports()
            .filter(|i| matches!(i.ty(), wasmtime::ExternType::Memory(_)))
            .count();
        let one_memory = module.resources_required().num_memories as usize + imported_memories == 1;
        Ok(ModuleRuntime {
            engine,
            module,
            linker,
            pre,
            memory_import,
            memory_export: config.memory_export.clone(),
            cap_pages,
            start,
            one_memory,
            bindgen,
        })
    }

    /// Creates a fresh instance with its own store and memory.
    pub fn instantiate<E: Exports>(self: &Arc<Self>, generation: u64) -> Result<Instance<E>> {
        let _span = tracing::debug_span!("instantiate", generation).entered();
        let mut store = Store::new(
            &self.engine,
            HostState::new(MemoryLimiter::new(self.cap_pages)),
        );
        store.limiter(|s| &mut s.limiter);
        let (instance, memory) = match &self.memory_import {
            None => {
                let pre = self
                    .pre
                    .as_ref()
                    .ok_or_else(|| Error::NoMemory(self.memory_export.clone()))?;
                // A module that owns a plain memory (built without threads) needs the
                // wasm-bindgen state too: its imports read and write that memory.
                if let Some(b) = &self.bindgen {
                    store.data_mut().bindgen = Some(imports::wasm_bindgen::BindgenState::new(
                        b,
                        self.clone(),
                        self.linker.clone(),
                        None,
                    ));
                }
                let instance = pre.instantiate(&mut store).map_err(Error::Instantiate)?;
                let memory = instance
                    .get_memory(&mut store, &self.memory_export)
                    .map(InstanceMemory::Own)
                    .unwrap_or(InstanceMemory::None);
                (instance, memory)
            }
            Some(import) => {
                let mut linker = self.linker.clone();
                let max = import.ty.maximum().unwrap_or(65536).min(self.cap_pages);
                let (ext, memory): (Extern, _) = if import.ty.is_shared() {
                    let ty = MemoryType::shared(import.ty.minimum() as u32, max as u32);
                    let shared = SharedMemory::new(&self.engine, ty).map_err(Error::Instantiate)?;
                    store.data_mut().memory = Some(shared.clone());
                    (shared.clone().into(), InstanceMemory::Shared(shared))
                } else {
                    let ty = MemoryType::new(import.ty.minimum() as u32, Some(max as u32));
                    let mem = Memory::new(&mut store, ty).map_err(Error::Instantiate)?;
                    (mem.into(), InstanceMemory::Own(mem))
                };
                linker
                    .define(&store, &import.module, &import.name, ext)
                    .map_err(Error::Instantiate)?;
                if let Some(b) = &self.bindgen {
                    store.data_mut().bindgen = Some(imports::wasm_bindgen::BindgenState::new(
                        b,
                        self.clone(),
                        linker.clone(),
                        store.data().memory.clone(),
                    ));
                }
                let instance = linker
                    .instantiate(&mut store, &self.module)
                    .map_err(Error::Instantiate)?;
                (instance, memory)
            }
        };
        if self.start {
            imports::wasm_bindgen::start(&instance, &mut store).map_err(Error::Instantiate)?;
            let threads = store.data().bindgen.as_ref().map_or(0, |b| b.threads);
            if threads > 0 {
                imports::wasm_bindgen::init_thread_pool(&instance, &mut store, threads)
                    .map_err(|e| Error::WorkerPool(format!("{e:#}")))?;
            }
        }
        let exports = E::resolve(&instance, &mut store)?;
        let memory = match memory {
            InstanceMemory::Own(m) if self.one_memory => {
                let bytes = m.data_size(&store);
                InstanceMemory::Tracked(m, store.data_mut().limiter.track_own_memory(bytes))
            }
            other => other,
        };
        Ok(Instance {
            store,
            instance,
            exports,
            memory,
            generation,
        })
    }
}

/// Compiles `bytes`, or loads the artifact cached in `dir` by an earlier run.
fn load_cached(engine: &Engine, bytes: &[u8], dir: &Path) -> Result<Module> {
    use std::hash::{Hash, Hasher};
    let mut engine_hash = std::collections::hash_map::DefaultHasher::new();
    engine
        .precompile_compatibility_hash()
        .hash(&mut engine_hash);
    let key = Sha256::new()
        .chain_update(bytes)
        .chain_update(engine_hash.finish().to_le_bytes())
        .finalize();
    let path = dir.join(format!("{}.cwasm", hex(&key)));
    if path.exists() {
        // SAFETY: the file is one this function wrote for the same engine settings; a corrupt or
        // foreign file is rejected by wasmtime's header checks and recompiled below.
        if let Ok(module) = unsafe { Module::deserialize_file(engine, &path) } {
            return Ok(module);
        }
    }
    let module = Module::new(engine, bytes).map_err(Error::Compile)?;
    // A cache that cannot be written only costs the next start a compile.
    if let Ok(artifact) = module.serialize() {
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        if std::fs::create_dir_all(dir).is_ok() && std::fs::write(&tmp, artifact).is_ok() {
            let _ = std::fs::rename(&tmp, &path);
        }
    }
    Ok(module)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Read on every call (the memory monitor): a field of the limiter for an own memory, an
/// atomic load for a shared one (`data_size` takes the shared memory's lock).
#[inline]
pub(crate) fn memory_bytes(store: &Store<HostState>, memory: &InstanceMemory) -> u64 {
    let bytes = match memory {
        InstanceMemory::Tracked(_, bytes) => bytes.load(Ordering::Relaxed) as usize,
        InstanceMemory::Own(m) => m.data_size(store),
        InstanceMemory::Shared(m) => m.data().len(),
        InstanceMemory::None => 0,
    };
    debug_assert_eq!(
        bytes,
        match memory {
            InstanceMemory::Own(m) | InstanceMemory::Tracked(m, _) => m.data_size(store),
            InstanceMemory::Shared(m) => m.data_size(),
            InstanceMemory::None => 0,
        },
        "the tracked memory size is wasmtime's"
    );
    bytes as u64
}

pub(crate) fn read_memory(
    store: &Store<HostState>,
    memory: &InstanceMemory,
    offset: u64,
    len: u64,
) -> Result<Vec<u8>> {
    let size = memory_bytes(store, memory);
    let oob = || Error::MemoryOutOfBounds { offset, len, size };
    let end = offset
        .checked_add(len)
        .filter(|&e| e <= size)
        .ok_or_else(oob)?;
    let (start, end) = (offset as usize, end as usize);
    Ok(match memory {
        InstanceMemory::Own(m) | InstanceMemory::Tracked(m, _) => {
            m.data(store)[start..end].to_vec()
        }
        InstanceMemory::Shared(m) => {
            let cells = &m.data()[start..end];
            // SAFETY: `UnsafeCell<u8>` has the layout of `u8`; other threads may write the
            // shared memory concurrently, which wasm allows and a byte copy tolerates.
            cells.iter().map(|c| unsafe { *c.get() }).collect()
        }
        InstanceMemory::None => return Err(oob()),
    })
}

/// Copies `bytes` into the instance's memory at `offset`.
pub(crate) fn write_memory(
    store: &mut Store<HostState>,
    memory: &InstanceMemory,
    offset: u64,
    bytes: &[u8],
) -> Result<()> {
    let size = memory_bytes(store, memory);
    let len = bytes.len() as u64;
    let oob = || Error::MemoryOutOfBounds { offset, len, size };
    let end = offset
        .checked_add(len)
        .filter(|&e| e <= size)
        .ok_or_else(oob)?;
    let (start, end) = (offset as usize, end as usize);
    match memory {
        InstanceMemory::Own(m) | InstanceMemory::Tracked(m, _) => {
            m.data_mut(store)[start..end].copy_from_slice(bytes)
        }
        InstanceMemory::Shared(m) => {
            for (c, b) in m.data()[start..end].iter().zip(bytes) {
                // SAFETY: as in `read_memory`; wasm memory is plain bytes.
                unsafe { *c.get() = *b };
            }
        }
        InstanceMemory::None => return Err(oob()),
    }
    Ok(())
}

/// The memory an instance monitors.
#[derive(Debug, Clone)]
pub(crate) enum InstanceMemory {
    /// Its own memory, not tracked by the limiter (the module has several).
    Own(Memory),
    /// Its only own memory, whose size the store's limiter keeps in the counter.
    Tracked(Memory, Arc<AtomicU64>),
    Shared(SharedMemory),
    None,
}

/// One instantiation of the module: its own store and memory, its typed exports.
pub struct Instance<E> {
    pub(crate) store: Store<HostState>,
    pub(crate) instance: wasmtime::Instance,
    pub(crate) exports: E,
    pub(crate) memory: InstanceMemory,
    pub(crate) generation: u64,
}

impl<E> Drop for Instance<E> {
    fn drop(&mut self) {
        // A retired instance's rayon workers end once the module drops its pool.
        let pool = self
            .store
            .data_mut()
            .bindgen
            .as_mut()
            .and_then(|b| b.pool.take());
        if let Some(pool) = pool {
            if let Some(exit) = self.instance.get_func(&mut self.store, "exitThreadPool") {
                let mut out = vec![wasmtime::Val::I32(0); exit.ty(&self.store).results().len()];
                if let Err(e) = exit.call(&mut self.store, &[], &mut out) {
                    tracing::warn!(error = %e, "exitThreadPool failed on a retired instance");
                }
            }
            let running = pool.join(std::time::Duration::from_secs(2));
            if running > 0 {
                tracing::warn!(
                    running,
                    "rayon workers of a retired instance did not end; detached"
                );
            }
        }
    }
}

/// An instance being prepared (replayed into) while the active one keeps serving.
pub type StandbyInstance<E> = Instance<E>;

impl<E> Instance<E> {
    /// Current memory size in bytes.
    #[inline]
    pub fn memory_bytes(&self) -> u64 {
        memory_bytes(&self.store, &self.memory)
    }

    /// Copies `len` bytes at `offset` out of the instance's memory.
    pub fn read_memory(&self, offset: u64, len: u64) -> Result<Vec<u8>> {
        read_memory(&self.store, &self.memory, offset, len)
    }

    /// Copies `bytes` into the instance's memory at `offset`.
    pub fn write_memory(&mut self, offset: u64, bytes: &[u8]) -> Result<()> {
        write_memory(&mut self.store, &self.memory, offset, bytes)
    }

    /// Takes the JS value the module holds at `idx`, as the glue's `takeObject` (object
    /// heap, 0.2.9x and before) or `takeFromExternrefTable0` (externref table, 0.2.100 and
    /// later) does: what an export reports as thrown (`throw takeObject(r2)`), for instance.
    /// `Undefined` for an index nothing is held at or without the wasm-bindgen imports.
    pub fn take_js_value(&mut self, idx: i32) -> crate::JsValue {
        crate::imports::wasm_bindgen::take_js(&mut self.store, &self.instance, idx)
            .unwrap_or(crate::JsValue::Undefined)
    }

    /// Which instantiation this is (0 for the first, +1 per swap attempt).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The typed exports.
    pub fn exports(&self) -> &E {
        &self.exports
    }

    /// The store, for raw calls.
    pub fn store_mut(&mut self) -> &mut Store<HostState> {
        &mut self.store
    }

    /// The wasmtime instance.
    pub fn wasmtime_instance(&self) -> &wasmtime::Instance {
        &self.instance
    }

    /// Calls export `name` untyped (replay and probes; never the hot path).
    pub(crate) fn call_by_name(
        &mut self,
        name: &str,
        args: &[wasmtime::Val],
    ) -> wasmtime::Result<Vec<wasmtime::Val>> {
        let func = self
            .instance
            .get_func(&mut self.store, name)
            .ok_or_else(|| wasmtime::format_err!("the module has no export `{name}`"))?;
        let mut results = vec![wasmtime::Val::I32(0); func.ty(&self.store).results().len()];
        func.call(&mut self.store, args, &mut results)?;
        Ok(results)
    }

    /// Frees the object at `ptr` with the class's free export (one or two parameters, by
    /// wasm-bindgen version). A class without a free export leaves the object to the module.
    pub(crate) fn free_object(&mut self, free: Option<&str>, ptr: i32) -> wasmtime::Result<()> {
        let Some(name) = free else { return Ok(()) };
        let Some(func) = self.instance.get_func(&mut self.store, name) else {
            return Ok(());
        };
        let params = func.ty(&self.store).params().len();
        let args = [wasmtime::Val::I32(ptr), wasmtime::Val::I32(0)];
        func.call(&mut self.store, &args[..params.min(2)], &mut [])
    }
}
