// Calls one export of a wasm-bindgen module through its real glue, in the original
// bindings directory and in a copy whose module had a leak injected
// (`codegen inject-leak`), and prints the memory size after each call.
//   node scripts/leak-demo.cjs ORIGINAL_DIR LEAKY_DIR [MODULE] [EXPORT] [CALLS]
// Exits 1 unless the leaky copy grows on every call and the original does not.
'use strict';
const path = require('path');

const [original, leaky] = process.argv.slice(2, 4).map((d) => path.resolve(d));
const moduleName = process.argv[4] ?? 'kimchi_wasm';
const exportName = process.argv[5] ?? 'caml_pasta_fp_plonk_gate_vector_create';
const calls = Number(process.argv[6] ?? 5);
const MiB = 1 << 20;

function run(dir) {
  const glue = require(path.join(dir, `${moduleName}.cjs`));
  // o1js's glue exposes the raw exports as `__wasm`; newer wasm-bindgen glue also
  // returns the memory itself from `__wbindgen_memory()` (older glue: a heap index).
  const memory = glue.__wasm?.memory ?? glue.__wbindgen_memory?.();
  if (!(memory instanceof WebAssembly.Memory)) throw new Error(`${moduleName}: no memory found in the glue`);
  const sizes = [memory.buffer.byteLength];
  for (let i = 0; i < calls; i++) {
    const result = glue[exportName]();
    if (result && typeof result.free === 'function') result.free();
    sizes.push(memory.buffer.byteLength);
  }
  return sizes;
}

const mib = (n) => `${(n / MiB).toFixed(1)} MiB`;
const rows = { original: run(original), leaky: run(leaky) };
console.log(`${moduleName}.${exportName}(), memory.buffer.byteLength after each of ${calls} calls:`);
for (const [name, sizes] of Object.entries(rows)) {
  console.log(`  ${name.padEnd(8)} ${sizes.map(mib).join(' -> ')}`);
}
const grew = (s) => s.slice(1).every((n, i) => n > s[i]);
const flat = (s) => s.every((n) => n === s[0]);
if (!grew(rows.leaky) || !flat(rows.original)) {
  console.error('unexpected: the leaky copy should grow on every call, the original not at all');
  process.exit(1);
}
console.log(`leaky copy grew ${mib(rows.leaky[calls] - rows.leaky[0])} in ${calls} calls; original unchanged`);
