// __GENERATED__
// Preload hook: `node -r ./register.cjs app.js` makes every `require` of the real
// glue return the proxy instead, with no change to the application or its libraries.
'use strict';
const Module = require('node:module');

const shim = require(__SHIM__);
const gluePath = shim.__wasmProxy.options.glue;
const cached = new Module(gluePath, module);
cached.filename = gluePath;
cached.loaded = true;
cached.exports = shim;
require.cache[gluePath] = cached;
