// __GENERATED__
// Preload hook: `node -r ./register.cjs app.js` makes every `require` of the real
// glue return the proxy instead, with no change to the application or its libraries.
// With WASM_PROXY_DISABLE=1 (the kill switch: `1`, `true`, `yes`, `on` in any case; `0`,
// `false`, `no`, `off` or empty leave the proxy on; any other value turns it off with a
// warning) it installs nothing: the application gets the real module, untouched.
// Worker threads (a rayon pool's) get the real module too: they run on the memory
// their instance hands them.
// The app reaches the proxy through this file: `require('./proxy/register.cjs')` is the
// runtime (`swap()`, `metrics()`, `on(...)`), or undefined with the kill switch on.
'use strict';
const Module = require('node:module');
const { isMainThread } = require('node:worker_threads');

const { readKillSwitch } = require('./wasm-proxy-runtime/config.cjs');

if (isMainThread && !readKillSwitch(process.env.WASM_PROXY_DISABLE)) {
  const shim = require(__SHIM__);
  // The bundler target's loader (`X.cjs` in front of `X_bg.cjs`) is what the app requires.
  const gluePath = shim.__wasmProxy.options.loader ?? shim.__wasmProxy.options.glue;
  const before = require.cache[gluePath];
  if (before !== undefined && before.exports !== shim) {
    // Loaded before this hook: what the app made through it is the real glue's, which no
    // swap can move. Said once, loudly, rather than swapping an instance nobody uses.
    process.emitWarning(
      `${gluePath} was loaded before the proxy's register.cjs: objects made through that copy ` +
        'are not proxied and no swap moves them; load it with `node -r <proxy>/register.cjs` ' +
        'or require register.cjs before the package',
      { code: 'WASM_PROXY_LATE_REGISTER' },
    );
  }
  const cached = new Module(gluePath, module);
  cached.filename = gluePath;
  cached.loaded = true;
  cached.exports = shim;
  require.cache[gluePath] = cached;
  module.exports = shim.__wasmProxy;
} else {
  module.exports = undefined;
}
