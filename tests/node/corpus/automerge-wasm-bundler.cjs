// @automerge/automerge-wasm 0.1.25 `bundler/`: the bundler split of wasm-bindgen 0.2.84 in ES
// modules (`automerge_wasm.js` imports the wasm and hands it to `automerge_wasm_bg.js` by
// `__wbg_set_wasm`), in a package without `"type": "module"`. The glue is loaded as a
// bundler would: the real glue's exports are the wasm's imports.
'use strict';
module.exports = { ...require('./_automerge.cjs'), layout: 'bundler split, ES module (loader + X_bg.js)', wasm: 'bundler/automerge_wasm_bg.wasm', glue: 'bundler/automerge_wasm_bg.js', load: 'bundler' };
