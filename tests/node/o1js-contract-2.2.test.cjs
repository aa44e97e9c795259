// The SmartContract of o1js-contract.test.cjs on o1js 2.2.0 (plonk_wasm, the old
// `_node_bindings` layout, a thread pool started and stopped around every proof). Slow.
'use strict';
require('./o1js/harness.cjs').contractTest('2.2.0');
