// @automerge/automerge-wasm 0.1.25 `nodejs/`: `--target nodejs` of wasm-bindgen 0.2.84,
// typings at the package root.
'use strict';
module.exports = { ...require('./_automerge.cjs'), layout: 'nodejs, CommonJS (.js), typings at the package root', wasm: 'nodejs/automerge_wasm_bg.wasm', glue: 'nodejs/automerge_wasm.js', load: 'require' };
