//! Swap: prepare a standby from the log while the active serves, then flip atomically.

use std::time::{Duration, Instant};

use crate::config::ProxyEvent;
use crate::handle::HandleId;
use crate::instance::{Exports, Instance};
use crate::log::LogEntry;
use crate::proxy::Proxy;
use crate::replay::{Replayed, probe_hashes, replay_entries};
use crate::{Error, Result};

/// Why a swap ran, in both runtimes' terms (`SwapResult.cause` in TypeScript).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SwapCause {
    /// The memory monitor: the active instance passed the swap threshold.
    Memory,
    /// The host asked ([`Proxy::swap`]).
    Request,
    /// A call trapped: the next call runs in a fresh instance rebuilt from the live state.
    Trap,
}

impl SwapCause {
    /// `memory`, `request` or `trap`.
    pub fn as_str(self) -> &'static str {
        match self {
            SwapCause::Memory => "memory",
            SwapCause::Request => "request",
            SwapCause::Trap => "trap",
        }
    }
}

/// What a completed swap did.
#[derive(Debug, Clone)]
pub struct SwapReport {
    /// Why it ran.
    pub cause: SwapCause,
    /// Generation of the new active instance.
    pub generation: u64,
    /// Log entries replayed into it.
    pub entries_replayed: usize,
    /// Handles re-pointed to it (those the program holds, and those kept for their lineage).
    pub handles_moved: usize,
    /// Handles the program held at the flip.
    pub handles_live: usize,
    /// Handles the program held that nothing could rebuild: they stay on the retired instance
    /// and fail with a clear error on use.
    pub handles_stale: usize,
    /// Moved handles the program holds whose object was compared with its original and
    /// read the same ([`Class::OBSERVE`](crate::Class::OBSERVE)); the others moved unverified.
    pub handles_verified: usize,
    /// Generation of the instance the swap retired (released with its memory).
    pub retired_generation: u64,
    /// Preparation plus flip.
    pub duration: Duration,
    /// Time calls were blocked during the flip.
    pub pause: Duration,
    /// Memory of the old active instance, bytes.
    pub memory_before: u64,
    /// Memory of the new active instance, bytes.
    pub memory_after: u64,
}

impl<E: Exports> Proxy<E> {
    /// Replaces the active instance with a fresh one holding the same live state.
    ///
    /// Calls continue on the active instance while the standby is prepared; the flip waits for
    /// the call in flight. On any failure the standby is destroyed, the active keeps serving,
    /// the failure is counted, and automatic swaps back off.
    pub fn swap(&self) -> Result<SwapReport> {
        self.swap_for(SwapCause::Request)
    }

    /// [`Proxy::swap`], for `cause`.
    pub(crate) fn swap_for(&self, cause: SwapCause) -> Result<SwapReport> {
        if self.config.pass_through {
            return Err(Error::PassThrough);
        }
        let _swapping = self.swap_lock.try_lock().ok_or(Error::SwapInProgress)?;
        let span = tracing::info_span!("swap", proxy = self.id);
        let _entered = span.enter();
        let started = Instant::now();
        let generation = self
            .generations
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1;
        let (entries, last_seq) = {
            let mut guard = self.lock_active();
            let active = &mut *guard;
            self.release_dropped(active);
            active.log.compact(&mut active.handles);
            (active.log.entries().to_vec(), active.log.last_seq())
        };
        tracing::info!(entries = entries.len(), generation, "swap-start");
        self.emit(ProxyEvent::SwapStart {
            entries: entries.len(),
        });
        match self.prepare_and_flip(generation, &entries, last_seq, started) {
            Ok(mut report) => {
                report.cause = cause;
                self.monitor.reset();
                self.monitor.retire(report.memory_before);
                self.stats.swap_completed(&report);
                tracing::info!(duration = ?report.duration, pause = ?report.pause, "swap-complete");
                self.emit(ProxyEvent::SwapComplete {
                    cause: report.cause,
                    duration: report.duration,
                    pause: report.pause,
                });
                tracing::info!(generation = report.retired_generation, "instance-retired");
                self.emit(ProxyEvent::InstanceRetired {
                    generation: report.retired_generation,
                });
                Ok(report)
            }
            Err(error) => {
                let stage = error.stage();
                self.stats.standby_failed(stage);
                self.monitor.back_off(self.memory_bytes());
                tracing::warn!(stage, reason = error.reason(), error = %error, "standby-failed");
                self.emit(ProxyEvent::StandbyFailed {
                    stage,
                    error: error.to_string(),
                });
                Err(error)
            }
        }
    }

    /// Compares each moved object the program holds with its original, by its class's
    /// observations run in both instances (the active is locked). Returns how many read the
    /// same by at least one; a difference fails the swap, naming the object and what reads
    /// differently. An observation that fails in both instances alike tells nothing.
    fn verify(
        &self,
        active: &mut crate::proxy::Active<E>,
        standby: &mut Instance<E>,
        replayed: &Replayed,
    ) -> Result<usize> {
        use crate::marshal::{Input, Target, run};
        let old_gen = active.instance.generation;
        let mut verified = 0;
        for (id, slot) in active.handles.slots.iter() {
            let observe = slot.class.observe;
            if observe.is_empty() || !slot.held || slot.consumed || slot.generation != old_gen {
                continue;
            }
            let Some(&new_ptr) = replayed.ptrs.get(id) else {
                continue;
            };
            let mut agreed = false;
            for call in observe {
                // The standby first: an observation that traps there (a panic on an object
                // in some state) tells nothing and must not run on the original, whose
                // instance keeps serving if the swap fails.
                let new = {
                    let mut target = Target {
                        store: &mut standby.store,
                        instance: standby.instance,
                        memory: &standby.memory,
                    };
                    run(&mut target, call, &[Input::Ptr(new_ptr)])
                };
                if matches!(new, Err(Err(_))) {
                    continue;
                }
                let old = {
                    let inst = &mut active.instance;
                    let mut target = Target {
                        store: &mut inst.store,
                        instance: inst.instance,
                        memory: &inst.memory,
                    };
                    run(&mut target, call, &[Input::Ptr(slot.ptr)])
                };
                if let Err(Err(e)) = &old {
                    // The original trapped where its copy did not: its instance is in an
                    // unknown state, so the next call recovers first.
                    self.note_failure(e);
                }
                match (old, new) {
                    (Ok(a), Ok(b)) if a == b => agreed = true,
                    (Err(Ok(a)), Err(Ok(b))) if a == b => {}
                    (a, b) => {
                        return Err(Error::ReplayMismatch {
                            what: format!(
                                "object #{id} of class {}: `{}` reads differently",
                                slot.class.name, call.export
                            ),
                            expected: format!("{a:?}"),
                            found: format!("{b:?}"),
                        });
                    }
                }
            }
            verified += usize::from(agreed);
        }
        Ok(verified)
    }

    fn prepare_and_flip(
        &self,
        generation: u64,
        entries: &[LogEntry],
        last_seq: u64,
        started: Instant,
    ) -> Result<SwapReport> {
        let compare = self.config.determinism.compare_results;
        let mut standby: Instance<E> = self.runtime.instantiate(generation)?;
        let mut replayed = Replayed::default();
        replay_entries(&mut standby, entries, &mut replayed, compare)?;

        let mut guard = self.lock_active();
        let pause_start = Instant::now();
        let active = &mut *guard;
        self.release_dropped(active);
        // Calls logged while the standby was prepared.
        let catch_up: Vec<LogEntry> = active
            .log
            .entries()
            .iter()
            .filter(|e| e.seq > last_seq)
            .cloned()
            .collect();
        replay_entries(&mut standby, &catch_up, &mut replayed, compare)?;

        let probes = self.probes.lock().clone();
        if !probes.is_empty() {
            let table = &active.handles;
            let old_gen = active.instance.generation;
            let in_active = |id: HandleId| {
                table
                    .get(id)
                    .filter(|s| s.generation == old_gen)
                    .map(|s| s.ptr)
            };
            let expected = probe_hashes(&probes, &mut active.instance, &in_active)?;
            let ptrs = &replayed.ptrs;
            let in_standby = |id: HandleId| ptrs.get(&id).copied();
            let found = probe_hashes(&probes, &mut standby, &in_standby)?;
            for (((name, _), e), f) in probes.iter().zip(expected).zip(found) {
                if e != f {
                    return Err(Error::ReplayMismatch {
                        what: format!("probe `{name}`"),
                        expected: e,
                        found: f,
                    });
                }
            }
        }

        // Objects rebuilt only because live state depends on them: free them in the standby.
        let classes = entries
            .iter()
            .chain(&catch_up)
            .filter_map(|e| Some((e.result_handle?, e.result_class?)));
        for (id, class) in classes {
            let held = active.handles.get(id).is_some_and(|s| s.held);
            if let Some(&ptr) = replayed.ptrs.get(&id)
                && !held
                && !replayed.consumed.contains(&id)
            {
                standby
                    .free_object(class.free, ptr)
                    .map_err(|source| Error::ReplayTrap {
                        export: class.free.unwrap_or_default().into(),
                        seq: 0,
                        source,
                    })?;
            }
        }

        let verified = self.verify(active, &mut standby, &replayed)?;
        let (mut moved, mut live, mut stale) = (0, 0, 0);
        for (id, slot) in active.handles.slots.iter_mut() {
            let live_here = slot.held && !slot.consumed;
            live += usize::from(live_here);
            if let Some(&ptr) = replayed.ptrs.get(id) {
                slot.ptr = ptr;
                slot.generation = generation;
                moved += 1;
            } else if live_here {
                stale += 1;
            }
        }
        let memory_after = standby.memory_bytes();
        let old = std::mem::replace(&mut active.instance, standby);
        let retired_generation = old.generation;
        drop(guard);
        let pause = pause_start.elapsed();
        let memory_before = old.memory_bytes();
        // The old store (and its memory) goes now, outside the lock.
        drop(old);
        Ok(SwapReport {
            cause: SwapCause::Request,
            generation,
            entries_replayed: replayed.entries,
            handles_moved: moved,
            handles_live: live,
            handles_stale: stale,
            handles_verified: verified,
            retired_generation,
            duration: started.elapsed(),
            pause,
            memory_before,
            memory_after,
        })
    }
}
