// parquet-wasm 0.8.0 `esm/`: `--target web` of wasm-bindgen 0.2.128 (`let wasmModule,
// wasmInstance, wasm;`), an ES module glue.
'use strict';
module.exports = { ...require('./_parquet.cjs'), package: 'parquet-wasm', layout: 'web, ES module', wasm: 'esm/parquet_wasm_bg.wasm', glue: 'esm/parquet_wasm.js', load: 'web' };
