// Real o1js programs that prove across swaps (issue: real programs survive swaps):
// a recursive ZkProgram (base + SelfProof step), a multi-method ZkProgram whose methods
// are proved one after another with a swap between each, a SmartContract on a local
// chain with proofs enabled, and the one-line toy ZkProgram. Run under the generated
// proxy (`node -r <out>/register.cjs`); the runtime is what `require(<out>/register.cjs)`
// returns (the documented way to reach it). Without REGISTER the same steps run directly
// on o1js (swaps are skipped): the baseline of `scripts/bench programs`. Prints one JSON
// line per step; `sinceStartMs` is the time since the process started.
// Env: PROGRAM (recursive | methods | contract | square), O1JS (package to import),
// REGISTER (path of register.cjs), GLUE (without REGISTER: the glue o1js loads, to read
// its wasm memory), CACHE_DIR (o1js prover-key cache; unset: Cache.None, a first run),
// SWAPS (default 3), PROVE_AFTER (the swaps followed by a proof or transaction,
// comma-separated, default every swap; the last swap is always followed by one).
import { createRequire } from 'node:module';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { wasmReservations } from './reservations.mjs';
import { squareProgram } from './square.mjs';

const require = createRequire(import.meta.url);
const o1js = await import(process.env.O1JS ?? 'o1js');
const { ZkProgram, Field, SelfProof, verify, Cache, UInt64, Gadgets, Provable } = o1js;
const proxy = process.env.REGISTER ? require(process.env.REGISTER) : undefined;
const report = (step, detail = {}) => console.log(JSON.stringify({ step, ...detail, sinceStartMs: performance.now() }));
const cache = process.env.CACHE_DIR ? Cache.FileSystem(process.env.CACHE_DIR) : Cache.None;
const swaps = Number(process.env.SWAPS ?? 3);
const proveAfter = new Set((process.env.PROVE_AFTER ?? '').split(',').filter(Boolean).map(Number));
/** Whether swap `i` is followed by a proof (a swap after a swap moves the same state again). */
const provesAfter = (i) => proveAfter.size === 0 || proveAfter.has(i) || i === swaps;
/** The wasm memory of the glue o1js loaded (a direct run), read once o1js has loaded it. */
const directMemory = () => {
  const glue = process.env.GLUE && require.resolve(process.env.GLUE);
  if (!glue) return undefined;
  if (!require.cache[glue]) throw new Error(`GLUE=${glue} is not the glue o1js loaded`);
  return require(glue).__wasm.memory.buffer.byteLength;
};
const wasmBytes = () => (proxy ? proxy.memoryBytes() : directMemory());

/** Runs the collector `rounds` times, `ms` apart (finalizers free what o1js dropped). */
const settle = async (rounds, ms) => {
  for (let round = 0; round < rounds; round++) {
    globalThis.gc?.();
    await new Promise((resolve) => setTimeout(resolve, ms));
  }
};

/**
 * Lets finalizers run, then swaps and reports what moved, and whether the old instance's
 * memory was unmapped once its threads exited and the collector ran.
 */
async function swap(label) {
  if (!proxy) return;
  await settle(2, 50);
  const reservationsBefore = wasmReservations();
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const result = await proxy.swap();
  delay.disable();
  await settle(4, 250);
  report(label, { ...result, maxEventLoopDelayMs: delay.max / 1e6, reservationsBefore, reservationsAfter: wasmReservations(), stats: proxy.stats() });
}

/** Times a step and reports it. */
async function timed(step, run, extra = () => ({})) {
  const t = performance.now();
  const value = await run();
  report(step, { ms: performance.now() - t, wasmBytes: wasmBytes(), ...extra(value) });
  return value;
}

const program = process.env.PROGRAM ?? 'recursive';

if (program === 'recursive') {
  const Counter = ZkProgram({
    name: 'counter',
    publicInput: Field,
    methods: {
      base: {
        privateInputs: [],
        async method(input) {
          input.assertEquals(Field(0));
        },
      },
      step: {
        privateInputs: [SelfProof],
        async method(input, previous) {
          previous.verify();
          input.assertEquals(previous.publicInput.add(1));
        },
      },
    },
  });
  const { verificationKey } = await timed('compile', () => Counter.compile({ cache }));
  const unwrap = (result) => result.proof ?? result;
  let proof = await timed('proof-base', async () => unwrap(await Counter.base(Field(0))));
  report('verify-base', { ok: await verify(proof, verificationKey) });
  let steps = 0;
  for (let i = 1; i <= swaps; i++) {
    await swap(`swap-${i}`);
    if (!provesAfter(i)) continue;
    // The proof made before the swap is the input of a step after it.
    steps++;
    proof = await timed(`proof-step-${steps}`, async () => unwrap(await Counter.step(Field(steps), proof)));
    report(`verify-step-${steps}`, { ok: await verify(proof, verificationKey), publicInput: proof.publicInput.toString(), afterSwap: i });
  }
} else if (program === 'methods') {
  const Bits = ZkProgram({
    name: 'bits',
    publicInput: Field,
    methods: {
      rotate: {
        privateInputs: [Field],
        async method(out, x) {
          Gadgets.rotate64(x, 3, 'left').assertEquals(out);
        },
      },
      xor: {
        privateInputs: [Field, Field],
        async method(out, a, b) {
          Gadgets.xor(a, b, 64).assertEquals(out);
        },
      },
      and: {
        privateInputs: [Field, Field],
        async method(out, a, b) {
          Gadgets.and(a, b, 64).assertEquals(out);
        },
      },
    },
  });
  const { verificationKey } = await timed('compile', () => Bits.compile({ cache }));
  const unwrap = (result) => result.proof ?? result;
  const x = Field(0x0123456789abcdefn);
  const y = Field(0x00ff00ff00ff00ffn);
  const calls = [
    ['rotate', () => Bits.rotate(Gadgets.rotate64(x, 3, 'left'), x)],
    ['xor', () => Bits.xor(Gadgets.xor(x, y, 64), x, y)],
    ['and', () => Bits.and(Gadgets.and(x, y, 64), x, y)],
    // And the first again, after a third swap: its prover index moved twice since it was used.
    ['rotate-again', () => Bits.rotate(Gadgets.rotate64(y, 3, 'left'), y)],
  ];
  for (let i = 0; i < calls.length; i++) {
    if (i > 0) await swap(`swap-${i}`);
    const [name, call] = calls[i];
    const proof = await timed(`proof-${name}`, async () => unwrap(await call()));
    report(`verify-${name}`, { ok: await verify(proof, verificationKey), afterSwap: i });
  }
} else if (program === 'square') {
  const Square = squareProgram(o1js);
  const { verificationKey } = await timed('compile', () => Square.compile({ cache }));
  const unwrap = (result) => result.proof ?? result;
  for (let i = 0; i <= swaps; i++) {
    if (i > 0) await swap(`swap-${i}`);
    if (i > 0 && !provesAfter(i)) continue;
    const proof = await timed(`proof-${i}`, async () => unwrap(await Square.check(Field((i + 3) ** 2), Field(i + 3))));
    report(`verify-${i}`, { ok: await verify(proof, verificationKey), afterSwap: i });
  }
} else if (program === 'contract') {
  const { SmartContract, State, declareState, declareMethods, Mina, PrivateKey, AccountUpdate } = o1js;
  class Counter extends SmartContract {
    constructor(address) {
      super(address);
      this.count = State();
    }
    init() {
      super.init();
      this.count.set(Field(1));
    }
    async update() {
      const count = this.count.getAndRequireEquals();
      this.count.set(count.add(2));
    }
  }
  declareState(Counter, { count: Field });
  declareMethods(Counter, { update: [] });
  const Local = await Mina.LocalBlockchain({ proofsEnabled: true });
  Mina.setActiveInstance(Local);
  const [sender] = Local.testAccounts;
  const zkappKey = PrivateKey.random();
  const zkapp = new Counter(zkappKey.toPublicKey());
  await timed('compile', () => Counter.compile({ cache }));
  await timed('deploy', async () => {
    const tx = await Mina.transaction(sender, async () => {
      AccountUpdate.fundNewAccount(sender);
      await zkapp.deploy();
    });
    await tx.prove();
    await tx.sign([sender.key, zkappKey]).send();
  });
  report('state-0', { count: zkapp.count.get().toString() });
  let updates = 0;
  for (let i = 1; i <= swaps; i++) {
    await swap(`swap-${i}`);
    if (!provesAfter(i)) continue;
    updates++;
    await timed(`update-${updates}`, async () => {
      const tx = await Mina.transaction(sender, async () => {
        await zkapp.update();
      });
      await tx.prove();
      await tx.sign([sender.key]).send();
    });
    report(`state-${updates}`, { count: zkapp.count.get().toString(), afterSwap: i });
  }
} else {
  throw new Error(`PROGRAM=${program}: not one of recursive, methods, contract, square`);
}
if (proxy) report('metrics', { text: proxy.metrics() });
process.exit(0);
