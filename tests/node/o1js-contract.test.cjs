// A SmartContract on a local chain with proofs enabled, o1js 2.15, a first run:
// transactions across three swaps under `node -r register.cjs`, then again from the
// prover-key cache that run filled. Slow.
'use strict';
require('./o1js/harness.cjs').contractTest('2.15.0');
