// What the builds of @automerge/automerge-wasm 0.1.25 share (not a corpus entry): wasm-bindgen
// 0.2.84 with `--no-typescript`, so the typings are a hand-written `index.d.ts` at the
// package root, named by package.json's `types`.
'use strict';
const hex = (bytes) => Buffer.from(bytes).toString('hex');
const build = (m) => {
  const doc = m.create(true, 'aabbcc');
  doc.put('_root', 'title', 'hello');
  const list = doc.putObject('_root', 'items', []);
  doc.insert(list, 0, 'a');
  doc.commit('first', 0);
  return { doc, list };
};
module.exports = {
  package: '@automerge/automerge-wasm',
  version: '0.1.25',
  wasmBindgen: '0.2.84',
  sample: (m) => {
    const { doc, list } = build(m);
    const loaded = m.load(doc.save(), true, 'ddeeff');
    return { title: loaded.get('_root', 'title'), items: loaded.length(list), bytes: hex(doc.save()), proxied: doc instanceof m.Automerge, heads: doc.getHeads() };
  },
  state: {
    make: build,
    read: ({ doc, list }) => ({ title: doc.get('_root', 'title'), items: doc.length(list), bytes: hex(doc.save()), json: doc.materialize('_root') }),
  },
  consumer: `
const doc: m.Automerge = m.create(true, 'aabbcc');
doc.put('_root', 'title', 'hello');
const bytes: Uint8Array = doc.save();
const again: m.Automerge = m.load(bytes, true);
// @ts-expect-error save takes no argument
doc.save(1);
void again;`,
};
