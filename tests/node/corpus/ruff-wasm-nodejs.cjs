// @astral-sh/ruff-wasm-nodejs 0.15.0: `--target nodejs` of wasm-bindgen 0.2.105, a
// `.js` CommonJS glue (the proxy's package.json says `commonjs`).
'use strict';
module.exports = { ...require('./_ruff.cjs'), package: '@astral-sh/ruff-wasm-nodejs', layout: 'nodejs, CommonJS (.js)', load: 'require' };
