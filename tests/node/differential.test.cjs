// Differential: random operation sequences (seeded) on stateful wasm-bindgen packages, run
// in lockstep on the raw glue (never swapped) and on the generated shim with
// `runtime.swap()` at random points. Every observable result must be equal; a swap may
// only fail with a SwapError before its flip, and then the program goes on, on the old
// instance, with results still equal.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { fetchPackage, shimOf, prng, hex } = require('./npm-support.cjs');

const SEEDS = [1, 2, 3];
const OPS = 200;
const SWAP_CHANCE = 0.04;

/** Runs one op; an exception is an observable result too. */
function observe(op, m, state, rand) {
  try {
    return { value: op.run(m, state, rand) };
  } catch (error) {
    return { error: String(error?.message ?? error) };
  }
}

/**
 * @param {{ name: string, load: () => { shim: any, runtime: any, gluePath: string }, init: (m: any) => any, ops: { name: string, weight?: number, run: (m: any, s: any, rand: () => number) => any }[] }} pkg
 */
function differential(pkg, seed) {
  return async (t) => {
    const { shim, runtime, gluePath } = pkg.load();
    const raw = require(gluePath);
    const states = { raw: pkg.init(raw), shim: pkg.init(shim) };
    const rng = prng(seed);
    const total = pkg.ops.reduce((sum, op) => sum + (op.weight ?? 1), 0);
    const history = [];
    let completed = 0;
    for (let step = 0; step < OPS; step++) {
      if (rng() < SWAP_CHANCE) {
        const instance = runtime.stats().instance;
        try {
          const result = await runtime.swap();
          completed++;
          history.push(
            `#${step} swap ${result.from}->${result.to} replayed ${result.replayed} transferred ${result.transferred} ` +
              `verified ${result.verified} unverified ${result.unverified} stale ${result.stale}`,
          );
        } catch (error) {
          assert.equal(error?.name, 'SwapError', `seed ${seed} step ${step}: the swap failed with ${error?.name}: ${error?.message}`);
          assert.ok(error instanceof runtime.SwapError);
          assert.equal(runtime.stats().instance, instance, 'a failed swap changed the active instance');
          history.push(`#${step} swap rejected (${error.stage}): ${error.message}`);
        }
      }
      let pick = rng() * total;
      const op = pkg.ops.find((o) => (pick -= o.weight ?? 1) < 0) ?? pkg.ops[pkg.ops.length - 1];
      const stepSeed = Math.floor(rng() * 2 ** 32);
      const expected = observe(op, raw, states.raw, prng(stepSeed));
      const actual = observe(op, shim, states.shim, prng(stepSeed));
      assert.deepEqual(actual, expected, `${pkg.name}, seed ${seed}, step ${step} (${op.name}) differs from the raw glue; swaps so far:\n${history.join('\n') || '(none)'}`);
    }
    if (pkg.finish) assert.deepEqual(pkg.finish(states.shim), pkg.finish(states.raw));
    // A run whose every swap was refused would prove nothing about moving state.
    assert.ok(completed >= 1, `${pkg.name}, seed ${seed}: no swap completed:\n${history.join('\n')}`);
    t.diagnostic(`${pkg.name} seed ${seed}: ${history.length} swap(s): ${history.join('; ')}`);
  };
}

const int = (rand, n) => Math.floor(rand() * n);
const pick = (rand, list) => list[int(rand, list.length)];
const word = (rand) => Array.from({ length: 1 + int(rand, 5) }, () => String.fromCharCode(97 + int(rand, 26))).join('');
const sha = (data) => require('node:crypto').createHash('sha256').update(data).digest('hex');
const bytes = (rand, n) => Uint8Array.from({ length: n }, () => int(rand, 256));

// ---- ywasm: documents with text, map and array, observers, transactions, sync.
const ywasm = {
  name: 'ywasm',
  load: () => shimOf(fetchPackage('ywasm', '0.18.3'), 'ywasm'),
  init: () => ({ docs: [], nextClient: 100 }),
  ops: [
    {
      name: 'new YDoc',
      run(m, s) {
        if (s.docs.length >= 3) return 'full';
        const client = s.nextClient++;
        const doc = new m.YDoc({ clientID: client, guid: `doc-${client}` });
        const d = { doc, text: doc.getText('t'), map: doc.getMap('m'), array: doc.getArray('a'), updates: 0 };
        d.observer = doc.onUpdate(() => d.updates++);
        d.textEvents = 0;
        d.textObserver = d.text.observe(() => d.textEvents++);
        s.docs.push(d);
        return doc.id;
      },
    },
    {
      name: 'text insert', weight: 4,
      run(m, s, rand) {
        if (!s.docs.length) return null;
        const d = pick(rand, s.docs);
        d.text.insert(int(rand, d.text.length(undefined) + 1), word(rand), undefined, undefined);
        return d.text.toString(undefined);
      },
    },
    {
      name: 'text delete', weight: 2,
      run(m, s, rand) {
        if (!s.docs.length) return null;
        const d = pick(rand, s.docs);
        const n = d.text.length(undefined);
        if (n === 0) return '';
        const at = int(rand, n);
        d.text.delete(at, 1 + int(rand, n - at), undefined);
        return d.text.toString(undefined);
      },
    },
    {
      name: 'map set', weight: 3,
      run(m, s, rand) {
        if (!s.docs.length) return null;
        const d = pick(rand, s.docs);
        d.map.set(`k${int(rand, 5)}`, rand() < 0.5 ? int(rand, 1000) : word(rand), undefined);
        return d.map.toJson(undefined);
      },
    },
    {
      name: 'map delete',
      run(m, s, rand) {
        if (!s.docs.length) return null;
        const d = pick(rand, s.docs);
        d.map.delete(`k${int(rand, 5)}`, undefined);
        return d.map.toJson(undefined);
      },
    },
    {
      name: 'array push/insert/delete', weight: 2,
      run(m, s, rand) {
        if (!s.docs.length) return null;
        const d = pick(rand, s.docs);
        const n = d.array.length(undefined);
        const r = rand();
        if (r < 0.4) d.array.push([int(rand, 100), word(rand)], undefined);
        else if (r < 0.7) d.array.insert(int(rand, n + 1), [{ w: word(rand) }], undefined);
        else if (n > 0) d.array.delete(int(rand, n), 1, undefined);
        return d.array.toJson(undefined);
      },
    },
    {
      name: 'transaction',
      run(m, s, rand) {
        if (!s.docs.length) return null;
        const d = pick(rand, s.docs);
        const txn = d.doc.beginTransaction(undefined);
        d.text.insert(0, word(rand), undefined, txn);
        d.map.set('tx', int(rand, 100), txn);
        const seen = d.text.toString(txn);
        txn.commit();
        txn.free();
        return seen;
      },
    },
    {
      name: 'sync two documents',
      run(m, s, rand) {
        if (s.docs.length < 2) return null;
        const a = pick(rand, s.docs);
        const b = pick(rand, s.docs);
        if (a === b) return null;
        const update = m.encodeStateAsUpdate(a.doc, m.encodeStateVector(b.doc));
        m.applyUpdate(b.doc, update, undefined);
        return { text: b.text.toString(undefined), map: b.map.toJson(undefined), array: b.array.toJson(undefined) };
      },
    },
    {
      name: 'read everything', weight: 2,
      run(m, s) {
        return s.docs.map((d) => ({
          text: d.text.toString(undefined),
          length: d.text.length(undefined),
          map: d.map.toJson(undefined),
          array: d.array.toJson(undefined),
          state: hex(m.encodeStateAsUpdate(d.doc)),
          updates: d.updates,
          textEvents: d.textEvents,
        }));
      },
    },
    {
      name: 'free a YDoc', weight: 0.3,
      run(m, s, rand) {
        if (s.docs.length < 2) return null;
        const d = s.docs.splice(int(rand, s.docs.length), 1)[0];
        d.observer.free();
        d.textObserver.free();
        d.doc.free();
        return s.docs.length;
      },
    },
  ],
};

// ---- brotli-wasm: compress streams fed from one reused buffer, decompressed by a stream.
const brotli = {
  name: 'brotli-wasm',
  load: () => shimOf(path.join(fetchPackage('brotli-wasm', '3.0.1'), 'pkg.node'), 'brotli_wasm'),
  init: () => ({ streams: [], buffer: Buffer.alloc(2048) }),
  ops: [
    {
      name: 'new CompressStream',
      run(m, s, rand) {
        if (s.streams.length >= 3) return 'full';
        s.streams.push({ stream: new m.CompressStream(1 + int(rand, 11)), out: [] });
        return s.streams.length;
      },
    },
    {
      name: 'compress a chunk', weight: 5,
      run(m, s, rand) {
        if (!s.streams.length) return null;
        const entry = pick(rand, s.streams);
        const n = 1 + int(rand, s.buffer.length);
        const base = int(rand, 4);
        for (let i = 0; i < n; i++) s.buffer[i] = rand() < 0.8 ? 97 + ((i + base) % 7) : int(rand, 256);
        const chunk = s.buffer.subarray(0, n);
        const codes = [];
        let offset = 0;
        let code;
        do {
          const result = entry.stream.compress(chunk.subarray(offset), 1 + int(rand, 4096));
          entry.out.push(Buffer.from(result.buf));
          code = result.code;
          codes.push(code, result.input_offset);
          offset += result.input_offset;
          result.free();
        } while (code === 3 && codes.length < 2000);
        return { codes, total: entry.stream.total_out() };
      },
    },
    {
      name: 'finish and decompress',
      run(m, s, rand) {
        if (!s.streams.length) return null;
        const entry = s.streams.splice(int(rand, s.streams.length), 1)[0];
        let code;
        do {
          const result = entry.stream.compress(undefined, 4096);
          entry.out.push(Buffer.from(result.buf));
          code = result.code;
          result.free();
        } while (code === 3);
        entry.stream.free();
        const compressed = Buffer.concat(entry.out);
        // Decompressed by a stream of the same module, from one reused buffer.
        const decoder = new m.DecompressStream();
        const piece = Buffer.alloc(257);
        const plain = [];
        for (let at = 0; at < compressed.length; at += piece.length) {
          const k = compressed.copy(piece, 0, at, at + piece.length);
          let used = 0;
          let c;
          do {
            const result = decoder.decompress(piece.subarray(used, k), 8192);
            plain.push(Buffer.from(result.buf));
            c = result.code;
            used += result.input_offset;
            result.free();
          } while (c === 3);
        }
        decoder.free();
        const output = Buffer.concat(plain);
        // Digests keep a failure message short.
        return { code, compressed: sha(compressed), plain: sha(output), plainBytes: output.length };
      },
    },
    {
      name: 'one-shot compress',
      run(m, s, rand) {
        const input = Buffer.from(word(rand).repeat(1 + int(rand, 50)));
        const out = m.compress(input, { quality: 1 + int(rand, 11) });
        return { out: hex(out), back: Buffer.from(m.decompress(out)).toString() };
      },
    },
  ],
};

// ---- cardano-serialization-lib: keys from bytes, signatures, inputs and witness sets, values.
const cardano = {
  name: 'cardano-serialization-lib',
  load: () => shimOf(fetchPackage('@emurgo/cardano-serialization-lib-nodejs', '15.0.3'), 'cardano_serialization_lib'),
  init: (m) => ({ keys: [], inputs: m.TransactionInputs.new(), witnesses: m.Vkeywitnesses.new(), values: [m.Value.zero()], assets: m.MultiAsset.new() }),
  ops: [
    {
      name: 'key from bytes',
      run(m, s, rand) {
        const key = m.PrivateKey.from_normal_bytes(bytes(rand, 32));
        s.keys.push(key);
        return key.to_public().to_hex();
      },
    },
    {
      name: 'sign', weight: 2,
      run(m, s, rand) {
        if (!s.keys.length) return null;
        const key = pick(rand, s.keys);
        const message = bytes(rand, 1 + int(rand, 64));
        const signature = key.sign(message);
        return { signature: signature.to_hex(), ok: key.to_public().verify(message, signature) };
      },
    },
    {
      name: 'add an input', weight: 2,
      run(m, s, rand) {
        const hash = m.TransactionHash.from_bytes(bytes(rand, 32));
        const added = s.inputs.add(m.TransactionInput.new(hash, int(rand, 4)));
        return { added, len: s.inputs.len(), bytes: s.inputs.to_hex() };
      },
    },
    {
      name: 'add a witness',
      run(m, s, rand) {
        if (!s.keys.length) return null;
        const witness = m.make_vkey_witness(m.TransactionHash.from_bytes(bytes(rand, 32)), pick(rand, s.keys));
        return { added: s.witnesses.add(witness), len: s.witnesses.len(), bytes: s.witnesses.to_hex() };
      },
    },
    {
      name: 'set an asset', weight: 2,
      run(m, s, rand) {
        const policy = m.ScriptHash.from_bytes(new Uint8Array(28).fill(1 + int(rand, 3)));
        const name = m.AssetName.new(Buffer.from(word(rand)));
        const old = s.assets.set_asset(policy, name, m.BigNum.from_str(String(int(rand, 1e9))));
        return { old: old?.to_str(), assets: s.assets.to_hex(), len: s.assets.len() };
      },
    },
    {
      name: 'value arithmetic', weight: 2,
      run(m, s, rand) {
        const i = int(rand, s.values.length);
        const coin = m.BigNum.from_str(String(int(rand, 1e12)));
        const add = rand() < 0.5 ? m.Value.new(coin) : m.Value.new_with_assets(coin, s.assets);
        const next = rand() < 0.7 ? s.values[i].checked_add(add) : s.values[i].clamped_sub(add);
        if (s.values.length < 4) s.values.push(next);
        else s.values[i] = next;
        return next.to_json();
      },
    },
    {
      name: 'free a key', weight: 0.3,
      run(m, s, rand) {
        if (s.keys.length < 2) return null;
        s.keys.splice(int(rand, s.keys.length), 1)[0].free();
        return s.keys.length;
      },
    },
  ],
  finish: (s) => ({ inputs: s.inputs.to_hex(), witnesses: s.witnesses.to_hex(), values: s.values.map((v) => v.to_hex()) }),
};

for (const pkg of [ywasm, brotli, cardano]) {
  for (const seed of SEEDS) test(`${pkg.name}: seed ${seed}, ${OPS} ops with swaps, same results as the raw glue`, differential(pkg, seed));
}
