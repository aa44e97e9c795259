// @automerge/automerge-wasm 0.1.25 `deno/`: `--target deno` of wasm-bindgen 0.2.84, whose
// glue reads its wasm with `await Deno.readFile(...)` when it loads: refused (node cannot
// load it; the nodejs and bundler builds of the same package are in the corpus).
'use strict';
module.exports = {
  package: '@automerge/automerge-wasm',
  version: '0.1.25',
  wasmBindgen: '0.2.84',
  layout: 'deno (refused)',
  wasm: 'deno/automerge_wasm_bg.wasm',
  refuse: /cannot be handed a fresh instance: it reads its wasm with `Deno\.readFile`.*deno target/,
};
