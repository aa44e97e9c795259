// @astral-sh/ruff-wasm-web 0.15.0: `--target web` of wasm-bindgen 0.2.105, an ES module
// glue initialised by `initSync` (the proxy initialises itself).
'use strict';
module.exports = { ...require('./_ruff.cjs'), package: '@astral-sh/ruff-wasm-web', layout: 'web, ES module', load: 'web' };
