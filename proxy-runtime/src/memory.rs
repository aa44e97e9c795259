//! Memory: the limiter that enforces the cap and the monitor that decides when to swap.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Bytes in one wasm page.
pub const PAGE_SIZE: u64 = 65536;

/// Refuses memory growth beyond the cap, and remembers that it did (an out-of-memory trap
/// then has a name). Also keeps the size of the store's own memory, so that the call path
/// reads a field instead of asking wasmtime (wasmtime does not consult a limiter for shared
/// memories, whose size is read lock-free instead).
#[derive(Debug)]
pub struct MemoryLimiter {
    max_bytes: usize,
    denied_at: Option<usize>,
    /// Bytes of the store's own memory after its last growth, shared with its
    /// [`Instance`](crate::Instance) (read there after every call, without touching the
    /// store); `None` when the memory is shared or the module has several (then wasmtime is
    /// asked instead).
    own_bytes: Option<Arc<AtomicU64>>,
    /// Size before the growth last asked for, restored if that growth fails.
    growing_from: u64,
}

impl MemoryLimiter {
    /// A limiter that allows `cap_pages` pages.
    pub fn new(cap_pages: u64) -> Self {
        MemoryLimiter {
            max_bytes: (cap_pages * PAGE_SIZE).try_into().unwrap_or(usize::MAX),
            denied_at: None,
            own_bytes: None,
            growing_from: 0,
        }
    }

    /// The size (bytes) at which a growth was refused, if one was.
    pub fn denied_at(&self) -> Option<usize> {
        self.denied_at
    }

    /// The cap in bytes.
    pub fn max_bytes(&self) -> usize {
        self.max_bytes
    }

    /// Starts tracking the store's only own memory from its size at instantiation; the
    /// size is kept in the returned counter.
    pub(crate) fn track_own_memory(&mut self, bytes: usize) -> Arc<AtomicU64> {
        let counter = Arc::new(AtomicU64::new(bytes as u64));
        self.own_bytes = Some(counter.clone());
        counter
    }
}

impl wasmtime::ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // What a failed growth (refused here, beyond the maximum, or by the OS) leaves.
        self.growing_from = current as u64;
        if desired > self.max_bytes {
            self.denied_at = Some(current);
            return Ok(false);
        }
        // wasmtime asks even beyond the memory's own maximum, and then fails the growth.
        if let Some(bytes) = &self.own_bytes
            && maximum.is_none_or(|m| desired <= m)
        {
            bytes.store(desired as u64, Ordering::Relaxed);
        }
        Ok(true)
    }

    fn memory_grow_failed(&mut self, _error: wasmtime::Error) -> wasmtime::Result<()> {
        // The growth allowed above did not happen (the OS refused the pages).
        if let Some(bytes) = &self.own_bytes {
            bytes.store(self.growing_from, Ordering::Relaxed);
        }
        Ok(())
    }

    fn table_growing(
        &mut self,
        _current: usize,
        _desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(true)
    }
}

/// Compares the active instance's memory with the cap and says when a swap is due.
#[derive(Debug)]
pub struct MemoryMonitor {
    cap_bytes: u64,
    threshold: Option<f64>,
    backoff: f64,
    /// Memory size at which the next automatic swap is attempted (`u64::MAX`: never).
    next_attempt: AtomicU64,
    /// Largest memory size of an instance that was active and is retired (an instance's
    /// memory only grows, so its size when retired is its peak; no call pays for this).
    retired_peak: AtomicU64,
}

impl MemoryMonitor {
    /// A monitor for instances capped at `cap_pages`.
    pub fn new(cap_pages: u64, threshold: Option<f64>, backoff: f64) -> Self {
        let cap_bytes = cap_pages * PAGE_SIZE;
        let m = MemoryMonitor {
            cap_bytes,
            threshold,
            backoff,
            next_attempt: AtomicU64::new(u64::MAX),
            retired_peak: AtomicU64::new(0),
        };
        m.reset();
        m
    }

    /// The cap in bytes (module maximum or configured budget, whichever is lower).
    pub fn cap_bytes(&self) -> u64 {
        self.cap_bytes
    }

    /// The largest memory size of any active instance, given the active one's `current`.
    pub fn peak_bytes(&self, current: u64) -> u64 {
        self.retired_peak.load(Ordering::Relaxed).max(current)
    }

    /// True when an automatic swap is due at memory size `bytes` (after every call: one
    /// load and a comparison).
    #[inline]
    pub fn observe(&self, bytes: u64) -> bool {
        bytes >= self.next_attempt.load(Ordering::Relaxed)
    }

    /// An active instance of `bytes` was retired by a swap.
    pub fn retire(&self, bytes: u64) {
        self.retired_peak.fetch_max(bytes, Ordering::Relaxed);
    }

    /// After a swap: the next one is due at the threshold again.
    pub fn reset(&self) {
        let at = self
            .threshold
            .map_or(u64::MAX, |t| (self.cap_bytes as f64 * t) as u64);
        self.next_attempt.store(at, Ordering::Relaxed);
    }

    /// After a failed standby: wait for `backoff` of the cap more before the next attempt.
    pub fn back_off(&self, current: u64) {
        if self.threshold.is_some() {
            let step = ((self.cap_bytes as f64 * self.backoff) as u64).max(PAGE_SIZE);
            self.next_attempt
                .store(current.saturating_add(step), Ordering::Relaxed);
        }
    }
}
