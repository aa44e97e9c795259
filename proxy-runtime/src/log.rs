//! The replay log: the calls that built the state still alive.

use std::collections::{HashMap, HashSet};

use crate::handle::{ClassInfo, HandleId, HandleTable};

/// A raw wasm value, captured by value (floats as bits so that equality is exact).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RawValue {
    /// `i32`
    I32(i32),
    /// `i64`
    I64(i64),
    /// `f32` bits
    F32(u32),
    /// `f64` bits
    F64(u64),
}

/// A Rust number as the raw value wasm passes it: `u32`/`u64` by their bits in `i32`/`i64`,
/// floats by their bits. The one rule both [`crate::proxy::Arg`] and
/// [`crate::JsArg`] convert numbers by.
macro_rules! raw_value_from {
    ($($t:ty => $v:ident($e:expr)),*) => {$(
        impl From<$t> for RawValue {
            fn from(x: $t) -> Self {
                #[allow(clippy::redundant_closure_call)]
                RawValue::$v(($e)(x))
            }
        }
    )*};
}
raw_value_from!(i32 => I32(|x| x), u32 => I32(|x: u32| x as i32), i64 => I64(|x| x),
    u64 => I64(|x: u64| x as i64), f32 => F32(f32::to_bits), f64 => F64(f64::to_bits));

impl RawValue {
    pub(crate) fn to_val(self) -> wasmtime::Val {
        match self {
            RawValue::I32(v) => wasmtime::Val::I32(v),
            RawValue::I64(v) => wasmtime::Val::I64(v),
            RawValue::F32(v) => wasmtime::Val::F32(v),
            RawValue::F64(v) => wasmtime::Val::F64(v),
        }
    }

    pub(crate) fn from_val(v: &wasmtime::Val) -> Option<Self> {
        Some(match *v {
            wasmtime::Val::I32(v) => RawValue::I32(v),
            wasmtime::Val::I64(v) => RawValue::I64(v),
            wasmtime::Val::F32(v) => RawValue::F32(v),
            wasmtime::Val::F64(v) => RawValue::F64(v),
            _ => return None,
        })
    }
}

/// One argument of a logged call.
#[derive(Debug, Clone, PartialEq)]
pub enum LoggedArg {
    /// A number, by value.
    Value(RawValue),
    /// Bytes (or a string's UTF-8) a high-level call copied into the module, by value: the
    /// replay copies them into the standby (their pointer in the old instance means nothing
    /// there).
    Bytes(std::sync::Arc<[u8]>),
    /// An absent optional argument.
    None,
    /// A JS value a high-level call handed the module (an options object), by value.
    Js(crate::JsValue),
    /// A handle, passed as the pointer of its object in the calling instance.
    Handle {
        /// The handle's stable id.
        id: HandleId,
        /// The call took the object by value.
        consumed: bool,
    },
}

/// One logged call: `{method, args, result handle, dependencies}`.
#[derive(Debug, Clone)]
pub struct LogEntry {
    /// Order of execution.
    pub seq: u64,
    /// The export that was called.
    pub export: &'static str,
    /// The arguments (handles are the dependencies).
    pub args: Vec<LoggedArg>,
    /// The handle the call returned, if it returns one.
    pub result_handle: Option<HandleId>,
    /// The class of the returned handle.
    pub result_class: Option<ClassInfo>,
    /// The raw results (when the call does not return a handle), for the determinism check.
    pub results: Vec<RawValue>,
    /// The handle whose object this call changes (`#[replay(mutates = v)]`).
    pub mutates: Option<HandleId>,
    /// How the call marshals its arguments, for a high-level call (then `args` has one
    /// entry per JS parameter); `None` for a raw call.
    pub js: Option<&'static crate::marshal::JsCall>,
    /// The message the call threw, if it threw (a logged high-level call that throws is kept:
    /// it may have changed its objects first; its replay must throw the same).
    pub threw: Option<String>,
}

impl LogEntry {
    /// The handles this entry needs to exist before it can be replayed.
    pub fn dependencies(&self) -> impl Iterator<Item = HandleId> + '_ {
        self.args.iter().filter_map(|a| match a {
            LoggedArg::Handle { id, .. } => Some(*id),
            LoggedArg::Value(_) | LoggedArg::Bytes(_) | LoggedArg::None | LoggedArg::Js(_) => None,
        })
    }
}

/// Calls logged for replay, compacted by liveness.
#[derive(Debug, Default)]
pub struct ReplayLog {
    entries: Vec<LogEntry>,
    next_seq: u64,
    /// Length right after the last compaction, to amortise the next one.
    compacted_len: usize,
}

impl ReplayLog {
    /// The next sequence number (also the number of calls ever logged).
    pub(crate) fn next_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    /// Sequence number of the last logged call.
    pub(crate) fn last_seq(&self) -> u64 {
        self.next_seq
    }

    pub(crate) fn push(&mut self, entry: LogEntry) {
        self.entries.push(entry);
    }

    /// The retained entries, in execution order.
    pub fn entries(&self) -> &[LogEntry] {
        &self.entries
    }

    /// Number of retained entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing needs replaying.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether enough was logged since the last compaction to make another one worthwhile.
    pub(crate) fn wants_compaction(&self) -> bool {
        self.entries.len() > 2 * self.compacted_len + 64
    }

    /// The handles the retained state needs: held handles plus, transitively, every handle an
    /// entry needed by them takes as argument.
    pub(crate) fn needed(&self, table: &HandleTable) -> (HashSet<HandleId>, Vec<bool>) {
        let mut creators: HashMap<HandleId, usize> = HashMap::new();
        let mut mutators: HashMap<HandleId, Vec<usize>> = HashMap::new();
        let mut keep = vec![false; self.entries.len()];
        let mut handles: HashSet<HandleId> = HashSet::new();
        let mut work: Vec<HandleId> = Vec::new();
        for (i, e) in self.entries.iter().enumerate() {
            if let Some(h) = e.result_handle {
                creators.insert(h, i);
            }
            if let Some(h) = e.mutates {
                mutators.entry(h).or_default().push(i);
            }
            // A call that changes global state rather than an object is kept for good.
            if e.result_handle.is_none() && e.mutates.is_none() {
                keep[i] = true;
                work.extend(e.dependencies());
            }
        }
        work.extend(
            table
                .slots
                .iter()
                .filter(|(_, s)| s.held)
                .map(|(id, _)| *id),
        );
        while let Some(h) = work.pop() {
            if !handles.insert(h) {
                continue;
            }
            let entries = creators
                .get(&h)
                .into_iter()
                .chain(mutators.get(&h).into_iter().flatten());
            for &i in entries {
                if !keep[i] {
                    keep[i] = true;
                    work.extend(self.entries[i].dependencies());
                    if let Some(r) = self.entries[i].result_handle {
                        work.push(r);
                    }
                }
            }
        }
        (handles, keep)
    }

    /// Drops the entries no live handle needs and the table slots of dropped handles nothing
    /// needs any more. Returns the number of entries removed.
    pub(crate) fn compact(&mut self, table: &mut HandleTable) -> usize {
        let (handles, keep) = self.needed(table);
        let before = self.entries.len();
        let mut keep = keep.into_iter();
        self.entries.retain(|_| keep.next().unwrap_or(true));
        table.slots.retain(|id, s| s.held || handles.contains(id));
        self.compacted_len = self.entries.len();
        before - self.entries.len()
    }
}
