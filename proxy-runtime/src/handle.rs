//! Handles: what the program holds instead of a raw object pointer.
//!
//! A [`Handle`] has a stable id; the [`HandleTable`] of its proxy maps that id to the
//! object's pointer in the instance it currently lives in. A swap re-points the table, never
//! the handle, so code that keeps handles in its own structures never notices.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};

use parking_lot::Mutex;

/// A wasm-bindgen class (or any kind of object a module hands out as a pointer).
///
/// Declared with [`classes!`](crate::classes); the type is never instantiated.
pub trait Class: 'static {
    /// The class name, for errors and metrics.
    const NAME: &'static str;
    /// The export that frees one object (`__wbg_<class>_free`), if the module has one.
    const FREE: Option<&'static str>;
    /// Calls that read an object of the class without changing it (`to_bytes()`, getters of
    /// plain values): a swap compares what they return for each moved object and its
    /// original, and fails on a difference. Derived by codegen from the typings.
    const OBSERVE: &'static [crate::JsCall] = &[];
}

/// Name and free export of a class, without its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClassInfo {
    /// The class name.
    pub name: &'static str,
    /// The export that frees one object.
    pub free: Option<&'static str>,
    /// Its observations ([`Class::OBSERVE`]).
    pub observe: &'static [crate::JsCall],
}

impl ClassInfo {
    /// The info of class `C`.
    pub fn of<C: Class>() -> Self {
        ClassInfo {
            name: C::NAME,
            free: C::FREE,
            observe: C::OBSERVE,
        }
    }
}

/// Declares handle classes: `pub WasmFpSrs = "__wbg_wasmfpsrs_free";` or `pub Opaque;`,
/// optionally with the calls that observe an object (`pub Doc = "__wbg_doc_free" observe
/// [JsCall { .. }];`, [`Class::OBSERVE`]).
#[macro_export]
macro_rules! classes {
    ($( $(#[$meta:meta])* $vis:vis $name:ident $(= $free:literal)? $(observe [$($obs:expr),* $(,)?])? ; )*) => {
        $(
            $(#[$meta])*
            #[derive(Debug)]
            $vis enum $name {}
            impl $crate::Class for $name {
                const NAME: &'static str = stringify!($name);
                const FREE: ::core::option::Option<&'static str> = $crate::__class_free!($($free)?);
                $(const OBSERVE: &'static [$crate::JsCall] = &[$($obs),*];)?
            }
        )*
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __class_free {
    () => {
        ::core::option::Option::None
    };
    ($free:literal) => {
        ::core::option::Option::Some($free)
    };
}

/// The stable identity of a handle within its proxy.
pub type HandleId = u64;

/// Handles dropped by the program, waiting to be freed under the proxy's lock.
///
/// `Drop` must not call into wasm (it may run while the proxy is locked), so it only queues.
#[derive(Debug, Default)]
pub(crate) struct DropQueue {
    pending: AtomicBool,
    ids: Mutex<Vec<HandleId>>,
}

impl DropQueue {
    pub(crate) fn push(&self, id: HandleId) {
        self.ids.lock().push(id);
        self.pending.store(true, Ordering::Release);
    }

    #[inline]
    pub(crate) fn is_pending(&self) -> bool {
        self.pending.load(Ordering::Acquire)
    }

    pub(crate) fn take(&self) -> Vec<HandleId> {
        let mut ids = self.ids.lock();
        self.pending.store(false, Ordering::Release);
        std::mem::take(&mut *ids)
    }
}

/// A wasm object of class `C`, owned by the program; dropping it frees the object.
pub struct Handle<C: Class> {
    pub(crate) raw: RawHandle,
    _class: PhantomData<fn() -> C>,
}

/// The untyped part of a handle.
pub struct RawHandle {
    pub(crate) id: HandleId,
    pub(crate) proxy: u64,
    pub(crate) class: ClassInfo,
    pub(crate) drops: Arc<DropQueue>,
    pub(crate) resolved: ResolvedPtr,
}

/// The handle's pointer as last resolved through the [`HandleTable`], with the generation
/// of the instance it is valid in: a call in that same instance skips the table lookup.
///
/// Read and written only under the proxy's lock (so the two fields never tear); a swap
/// changes the active generation, which invalidates every entry at once, and a call that
/// consumes the handle clears it.
#[derive(Debug)]
pub(crate) struct ResolvedPtr {
    generation: AtomicU64,
    ptr: AtomicI32,
}

impl ResolvedPtr {
    const NONE: u64 = u64::MAX;

    fn new() -> Self {
        ResolvedPtr {
            generation: AtomicU64::new(Self::NONE),
            ptr: AtomicI32::new(0),
        }
    }

    /// The pointer, if it was resolved in instance `generation`.
    #[inline]
    pub(crate) fn get(&self, generation: u64) -> Option<i32> {
        (self.generation.load(Ordering::Relaxed) == generation)
            .then(|| self.ptr.load(Ordering::Relaxed))
    }

    pub(crate) fn set(&self, generation: u64, ptr: i32) {
        self.ptr.store(ptr, Ordering::Relaxed);
        self.generation.store(generation, Ordering::Relaxed);
    }

    pub(crate) fn clear(&self) {
        self.generation.store(Self::NONE, Ordering::Relaxed);
    }
}

impl<C: Class> Handle<C> {
    pub(crate) fn new(id: HandleId, proxy: u64, drops: Arc<DropQueue>) -> Self {
        Handle {
            raw: RawHandle {
                id,
                proxy,
                class: ClassInfo::of::<C>(),
                drops,
                resolved: ResolvedPtr::new(),
            },
            _class: PhantomData,
        }
    }

    /// The stable id (the same across swaps).
    pub fn id(&self) -> HandleId {
        self.raw.id
    }

    /// The untyped handle, as passed to [`Arg`](crate::proxy::Arg).
    pub fn raw(&self) -> &RawHandle {
        &self.raw
    }
}

impl Drop for RawHandle {
    fn drop(&mut self) {
        self.drops.push(self.id);
    }
}

impl<C: Class> fmt::Debug for Handle<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Handle<{}>#{}", C::NAME, self.raw.id)
    }
}

impl fmt::Debug for RawHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.class.name, self.id)
    }
}

/// One handle's entry in the table.
#[derive(Debug, Clone)]
pub(crate) struct HandleSlot {
    pub class: ClassInfo,
    /// The object's pointer in instance `generation`.
    pub ptr: i32,
    pub generation: u64,
    /// The program still holds the handle.
    pub held: bool,
    /// A call took the object by value; the module owns (and frees) it now.
    pub consumed: bool,
    /// Sequence number of the logged call that created it (`None`: not replayable).
    pub lineage: Option<u64>,
}

/// Maps stable handle ids to object pointers, per proxy.
#[derive(Debug, Default)]
pub struct HandleTable {
    /// Looked up on every call that takes a handle: a fast hasher (handle ids are ours,
    /// sequential, never attacker-chosen), not SipHash.
    pub(crate) slots: foldhash::HashMap<HandleId, HandleSlot>,
    next_id: HandleId,
}

impl HandleTable {
    pub(crate) fn insert(&mut self, slot: HandleSlot) -> HandleId {
        self.next_id += 1;
        self.slots.insert(self.next_id, slot);
        self.next_id
    }

    pub(crate) fn get(&self, id: HandleId) -> Option<&HandleSlot> {
        self.slots.get(&id)
    }

    pub(crate) fn get_mut(&mut self, id: HandleId) -> Option<&mut HandleSlot> {
        self.slots.get_mut(&id)
    }

    /// Number of handles the program still holds.
    pub fn held(&self) -> usize {
        self.slots.values().filter(|s| s.held).count()
    }

    /// Number of slots, including dropped handles the log still needs.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// True when the table has no slot.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}
