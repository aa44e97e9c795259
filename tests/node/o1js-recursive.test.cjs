// A recursive ZkProgram (base + SelfProof step) on o1js 2.15, a first run, proving
// across three swaps under `node -r register.cjs` with no change to o1js. Slow.
'use strict';
require('./o1js/harness.cjs').recursiveTest('2.15.0');
