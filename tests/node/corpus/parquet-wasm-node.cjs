// parquet-wasm 0.8.0 `node/`: `--target nodejs` of wasm-bindgen 0.2.128, whose glue has no
// `__wasm` export (the runtime reads the memory of the instance it made).
'use strict';
module.exports = { ...require('./_parquet.cjs'), package: 'parquet-wasm', layout: 'nodejs, CommonJS (.js)', wasm: 'node/parquet_wasm_bg.wasm', glue: 'node/parquet_wasm.js', load: 'require' };
