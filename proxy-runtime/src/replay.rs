//! Replay of the log into a standby, and the determinism check.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::handle::{Class, Handle, HandleId};
use crate::instance::{Instance, InstanceMemory, hex};
use crate::log::{LogEntry, LoggedArg, RawValue};
use crate::memory::PAGE_SIZE;
use crate::{Error, Result};

/// A probe: reads something from an instance whose bytes must be equal in the active and the
/// replayed standby (e.g. an SRS point, an encoded index).
pub type ProbeFn = Arc<dyn Fn(&mut ProbeContext<'_>) -> Result<Vec<u8>> + Send + Sync>;

/// How replayed state is checked before a swap flips.
#[derive(Clone)]
pub struct DeterminismPolicy {
    pub(crate) compare_results: bool,
    pub(crate) probes: Vec<(String, ProbeFn)>,
}

impl Default for DeterminismPolicy {
    fn default() -> Self {
        DeterminismPolicy {
            compare_results: true,
            probes: Vec::new(),
        }
    }
}

impl fmt::Debug for DeterminismPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeterminismPolicy")
            .field("compare_results", &self.compare_results)
            .field(
                "probes",
                &self.probes.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl DeterminismPolicy {
    /// Whether replayed calls must return the numbers the original calls returned (default on).
    pub fn compare_results(mut self, on: bool) -> Self {
        self.compare_results = on;
        self
    }

    /// Adds a probe; the SHA-256 of its bytes must match between active and standby.
    pub fn probe(
        mut self,
        name: impl Into<String>,
        probe: impl Fn(&mut ProbeContext<'_>) -> Result<Vec<u8>> + Send + Sync + 'static,
    ) -> Self {
        self.probes.push((name.into(), Arc::new(probe)));
        self
    }
}

/// What a probe may do with one instance: call exports, read memory, find handles.
pub struct ProbeContext<'a> {
    pub(crate) store: &'a mut wasmtime::Store<crate::imports::HostState>,
    pub(crate) instance: wasmtime::Instance,
    pub(crate) memory: &'a InstanceMemory,
    pub(crate) ptrs: &'a dyn Fn(HandleId) -> Option<i32>,
}

impl ProbeContext<'_> {
    /// Calls export `name` with raw arguments.
    pub fn call(&mut self, name: &str, args: &[RawValue]) -> Result<Vec<RawValue>> {
        let vals: Vec<_> = args.iter().map(|a| a.to_val()).collect();
        let call_err = |source| Error::Call {
            export: name.into(),
            source,
        };
        let func = self
            .instance
            .get_func(&mut *self.store, name)
            .ok_or_else(|| call_err(wasmtime::format_err!("the module has no export `{name}`")))?;
        let mut out = vec![wasmtime::Val::I32(0); func.ty(&*self.store).results().len()];
        func.call(&mut *self.store, &vals, &mut out)
            .map_err(call_err)?;
        Ok(out.iter().filter_map(RawValue::from_val).collect())
    }

    /// The pointer of a handle's object in this instance.
    pub fn ptr<C: Class>(&self, handle: &Handle<C>) -> Result<i32> {
        (self.ptrs)(handle.id()).ok_or(Error::InvalidHandle {
            id: handle.id(),
            class: C::NAME,
            state: "not in this instance",
        })
    }

    /// Copies bytes out of this instance's memory.
    pub fn read_memory(&self, offset: u64, len: u64) -> Result<Vec<u8>> {
        crate::instance::read_memory(&*self.store, self.memory, offset, len)
    }
}

/// Runs `probes` on an instance and returns the SHA-256 of each.
pub(crate) fn probe_hashes<E>(
    probes: &[(String, ProbeFn)],
    instance: &mut Instance<E>,
    ptrs: &dyn Fn(HandleId) -> Option<i32>,
) -> Result<Vec<String>> {
    let mut out = Vec::with_capacity(probes.len());
    for (_, probe) in probes {
        let mut cx = ProbeContext {
            store: &mut instance.store,
            instance: instance.instance,
            memory: &instance.memory,
            ptrs,
        };
        out.push(hex(&Sha256::digest(probe(&mut cx)?)));
    }
    Ok(out)
}

/// Objects built while replaying, by handle.
#[derive(Debug, Default)]
pub(crate) struct Replayed {
    pub ptrs: HashMap<HandleId, i32>,
    pub consumed: HashSet<HandleId>,
    pub entries: usize,
}

/// The error of a replayed call that failed because the standby's memory reached its limit.
fn out_of_memory<E>(standby: &Instance<E>, export: &str) -> Option<Error> {
    let limit = standby.store.data().limiter.max_bytes() as u64;
    let size = standby.memory_bytes();
    let denied = standby.store.data().limiter.denied_at().is_some();
    (denied || size + PAGE_SIZE > limit).then(|| Error::StandbyOutOfMemory {
        export: export.into(),
        pages: size / PAGE_SIZE,
        limit_pages: limit / PAGE_SIZE,
    })
}

/// Replays `entries` (in order) into `standby`.
pub(crate) fn replay_entries<E>(
    standby: &mut Instance<E>,
    entries: &[LogEntry],
    replayed: &mut Replayed,
    compare_results: bool,
) -> Result<()> {
    for e in entries {
        let _span = tracing::trace_span!("replay", export = e.export, seq = e.seq).entered();
        if let Some(js) = e.js {
            let ptrs = &replayed.ptrs;
            let ptr = crate::marshal::replay_js(standby, js, e, &|id| ptrs.get(&id).copied())
                .map_err(|err| match err {
                    Error::ReplayTrap { .. } => out_of_memory(standby, e.export).unwrap_or(err),
                    other => other,
                })?;
            for a in &e.args {
                if let LoggedArg::Handle { id, consumed: true } = a {
                    replayed.consumed.insert(*id);
                }
            }
            if let (Some(id), Some(ptr)) = (e.result_handle, ptr) {
                replayed.ptrs.insert(id, ptr);
            }
            replayed.entries += 1;
            continue;
        }
        let mut args = Vec::with_capacity(e.args.len());
        for a in &e.args {
            args.push(match *a {
                LoggedArg::Bytes(_) | LoggedArg::None | LoggedArg::Js(_) => {
                    return Err(Error::Marshal(format!(
                        "raw call `{}` logged with bytes",
                        e.export
                    )));
                }
                LoggedArg::Value(v) => v.to_val(),
                LoggedArg::Handle { id, consumed } => {
                    let ptr = *replayed.ptrs.get(&id).ok_or(Error::Unreplayable {
                        export: e.export.into(),
                        handle: id,
                    })?;
                    if consumed {
                        replayed.consumed.insert(id);
                    }
                    wasmtime::Val::I32(ptr)
                }
            });
        }
        let results = standby.call_by_name(e.export, &args).map_err(|source| {
            out_of_memory(standby, e.export).unwrap_or(Error::ReplayTrap {
                export: e.export.into(),
                seq: e.seq,
                source,
            })
        })?;
        let raw: Vec<RawValue> = results.iter().filter_map(RawValue::from_val).collect();
        match e.result_handle {
            Some(id) => {
                let ptr = match raw.first() {
                    Some(RawValue::I32(p)) => *p,
                    _ => {
                        return Err(Error::ReplayMismatch {
                            what: format!("result of `{}` (log entry {})", e.export, e.seq),
                            expected: "a pointer".into(),
                            found: format!("{raw:?}"),
                        });
                    }
                };
                replayed.ptrs.insert(id, ptr);
            }
            None if compare_results && raw != e.results => {
                return Err(Error::ReplayMismatch {
                    what: format!("result of `{}` (log entry {})", e.export, e.seq),
                    expected: format!("{:?}", e.results),
                    found: format!("{raw:?}"),
                });
            }
            None => {}
        }
        replayed.entries += 1;
    }
    Ok(())
}
