//! The host's rayon pool for wasm-bindgen-rayon modules: `startWorkers` spawns host threads,
//! each with its own `Store` and instance on the same module and shared memory, running
//! `wbg_rayon_start_worker`; then the main instance calls `poolbuilder_build`.

use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use wasmtime::{Caller, Store, Val};

use super::HostState;
use super::wasm_bindgen::{call_export, state};
use crate::memory::MemoryLimiter;

/// How long worker start-up may take before the pool is declared failed.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// The worker threads of one instance.
pub(crate) struct WorkerPool {
    threads: Vec<JoinHandle<()>>,
}

impl WorkerPool {
    /// Waits up to `timeout` for the workers to end (after the module dropped its pool).
    /// Returns how many are still running; those are detached.
    pub(crate) fn join(self, timeout: Duration) -> usize {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline && self.threads.iter().any(|t| !t.is_finished()) {
            std::thread::sleep(Duration::from_millis(2));
        }
        let mut running = 0;
        for t in self.threads {
            if t.is_finished() {
                let _ = t.join();
            } else {
                running += 1;
            }
        }
        running
    }
}

fn first_i32(v: Vec<Val>, what: &str) -> wasmtime::Result<i32> {
    v.first()
        .and_then(Val::i32)
        .ok_or_else(|| wasmtime::format_err!("{what} returned no i32"))
}

/// The `startWorkers(module, memory, builder)` import.
pub(crate) fn start_workers(
    caller: &mut Caller<'_, HostState>,
    builder: i32,
) -> wasmtime::Result<()> {
    let n = first_i32(
        call_export(caller, "poolbuilder_numThreads", &[Val::I32(builder)])?,
        "poolbuilder_numThreads",
    )?;
    let st = state(caller)?;
    if st.drill.worker_start_fails() {
        return Err(wasmtime::format_err!(
            "fault drill: the worker threads did not start"
        ));
    }
    let spawn = st
        .spawn
        .as_ref()
        .ok_or_else(|| wasmtime::format_err!("worker threads need a shared memory"))?;
    let (runtime, linker, memory) = (
        spawn.runtime.clone(),
        spawn.linker.clone(),
        spawn.memory.clone(),
    );
    let worker_states: Vec<_> = (0..n).map(|_| st.for_worker()).collect();
    let (ready_tx, ready_rx) = mpsc::channel::<wasmtime::Result<()>>();
    let mut threads = Vec::new();
    for (k, bindgen) in worker_states.into_iter().enumerate() {
        let receiver = first_i32(
            call_export(caller, "poolbuilder_receiver", &[Val::I32(builder)])?,
            "poolbuilder_receiver",
        )?;
        let (runtime, linker, memory, ready) = (
            runtime.clone(),
            linker.clone(),
            memory.clone(),
            ready_tx.clone(),
        );
        let thread = std::thread::Builder::new()
            .name(format!("wasm-rayon-{k}"))
            .spawn(move || {
                let mut store = Store::new(
                    &runtime.engine,
                    HostState { limiter: MemoryLimiter::new(runtime.cap_pages), memory: Some(memory), bindgen: Some(bindgen) },
                );
                store.limiter(|s| &mut s.limiter);
                let started = linker.instantiate(&mut store, &runtime.module).and_then(|instance| {
                    super::wasm_bindgen::start(&instance, &mut store)?;
                    instance.get_typed_func::<i32, ()>(&mut store, "wbg_rayon_start_worker")
                });
                match started {
                    Ok(run) => {
                        let _ = ready.send(Ok(()));
                        if let Err(e) = run.call(&mut store, receiver) {
                            tracing::warn!(worker = k, error = %e, "rayon worker ended with an error");
                        }
                    }
                    Err(e) => {
                        let _ = ready.send(Err(e));
                    }
                }
            })
            .map_err(|e| wasmtime::format_err!("cannot spawn a worker thread: {e}"))?;
        threads.push(thread);
    }
    drop(ready_tx);
    for _ in 0..n {
        match ready_rx.recv_timeout(STARTUP_TIMEOUT) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(e.context("a rayon worker failed to start")),
            Err(_) => {
                return Err(wasmtime::format_err!(
                    "timed out waiting for rayon workers to start"
                ));
            }
        }
    }
    call_export(caller, "poolbuilder_build", &[Val::I32(builder)])?;
    state(caller)?.pool = Some(WorkerPool { threads });
    Ok(())
}
