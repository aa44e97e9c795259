// The recursive ZkProgram of o1js-recursive.test.cjs on o1js 2.2.0 (plonk_wasm, the old
// `_node_bindings` layout, a thread pool started and stopped around every proof). Slow.
'use strict';
require('./o1js/harness.cjs').recursiveTest('2.2.0');
