// A SmartContract on a local chain with proofs enabled, o1js 2.15, a first run:
// transactions across three swaps under `node -r register.cjs`. Slow.
'use strict';
require('./o1js/harness.cjs').contractTest('2.15.0');
