// lz4-wasm 0.9.2: `--target bundler` of wasm-bindgen 0.2.80, the older bundler layout: the
// loader `X.js` imports the wasm as an ES module (`import * as wasm from "./X_bg.wasm"`,
// which only a bundler or node's --experimental-wasm-modules resolves) and the real glue
// `X_bg.js` imports it too, with no `__wbg_set_wasm` to hand it another instance: refused.
'use strict';
module.exports = {
  package: 'lz4-wasm',
  version: '0.9.2',
  wasmBindgen: '0.2.80',
  layout: 'bundler, older (X_bg.js imports the wasm itself; refused)',
  wasm: 'lz4_wasm_bg.wasm',
  refuse: /cannot be handed a fresh instance: it imports the wasm module itself \(`import \.\.\. from "\.\/lz4_wasm_bg\.wasm"`/,
};
