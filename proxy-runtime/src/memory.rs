//! Memory: the limiter that enforces the cap and the monitor that decides when to swap.

use std::sync::atomic::{AtomicU64, Ordering};

/// Bytes in one wasm page.
pub const PAGE_SIZE: u64 = 65536;

/// Refuses memory growth beyond the cap, and remembers that it did (an out-of-memory trap
/// then has a name).
#[derive(Debug)]
pub struct MemoryLimiter {
    max_bytes: usize,
    denied_at: Option<usize>,
}

impl MemoryLimiter {
    /// A limiter that allows `cap_pages` pages.
    pub fn new(cap_pages: u64) -> Self {
        MemoryLimiter {
            max_bytes: (cap_pages * PAGE_SIZE).try_into().unwrap_or(usize::MAX),
            denied_at: None,
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
}

impl wasmtime::ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.max_bytes {
            self.denied_at = Some(current);
            return Ok(false);
        }
        Ok(true)
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
    /// Largest memory size seen on any instance.
    peak: AtomicU64,
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
            peak: AtomicU64::new(0),
        };
        m.reset();
        m
    }

    /// The cap in bytes (module maximum or configured budget, whichever is lower).
    pub fn cap_bytes(&self) -> u64 {
        self.cap_bytes
    }

    /// The largest memory size observed.
    pub fn peak_bytes(&self) -> u64 {
        self.peak.load(Ordering::Relaxed)
    }

    /// Records a memory size; true when an automatic swap is due.
    pub fn observe(&self, bytes: u64) -> bool {
        // A plain load first: the read-modify-write only when memory actually grew.
        if bytes > self.peak.load(Ordering::Relaxed) {
            self.peak.fetch_max(bytes, Ordering::Relaxed);
        }
        bytes >= self.next_attempt.load(Ordering::Relaxed)
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
