// @resvg/resvg-wasm 2.6.2: glue re-bundled by a JS bundler (esbuild's `var Resvg = class`),
// which the proxy cannot follow: refused.
'use strict';
module.exports = {
  package: '@resvg/resvg-wasm',
  version: '2.6.2',
  wasmBindgen: '0.2.92',
  layout: 'glue re-bundled by esbuild (refused)',
  wasm: 'index_bg.wasm',
  // Its hand-written typings declare `const Resvg: {...}` (no class) and its glue is the
  // bundler's: nothing maps its class exports, and it links C code (brotli) without raw
  // typings. Each such export is listed `unmatched` with its warning.
  unmatched: 'nothing maps a re-bundled glue',
  refuse: /re-bundled by a JS bundler.*`var \w+ = class`/s,
};
