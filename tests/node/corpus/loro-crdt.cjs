// loro-crdt 1.17.1 `nodejs/`: `--target nodejs` of wasm-bindgen 0.2.100; most members are
// declared only by `interface X` merged with `class X` in the typings; containers made by
// their document's methods (`getMap`, `getText`) move with it.
'use strict';
const build = (m) => {
  const doc = new m.LoroDoc();
  doc.setPeerId(7); // a random peer id could not be rebuilt
  const map = doc.getMap('m');
  map.set('k', 1);
  const text = doc.getText('t');
  text.insert(0, 'hello');
  doc.getList('l').push('x');
  doc.commit();
  return { doc, map, text };
};
module.exports = {
  package: 'loro-crdt',
  version: '1.17.1',
  wasmBindgen: '0.2.100',
  layout: 'nodejs, CommonJS (.js)',
  wasm: 'nodejs/loro_wasm_bg.wasm',
  glue: 'nodejs/loro_wasm.js',
  load: 'require',
  sample: (m) => {
    const { doc, map, text } = build(m);
    const copy = new m.LoroDoc();
    copy.setPeerId(8);
    copy.import(doc.export({ mode: 'snapshot' }));
    return { json: doc.toJSON(), k: map.get('k'), text: text.toString(), copied: copy.getText('t').toString(), isMap: map instanceof m.LoroMap, peer: doc.peerIdStr };
  },
  state: {
    handles: 3,
    make: build,
    read: ({ doc, map, text }) => ({ json: doc.toJSON(), k: map.get('k'), text: text.toString(), len: text.length }),
  },
  consumer: `
const doc: m.LoroDoc = new m.LoroDoc();
const map: m.LoroMap = doc.getMap('m');
map.set('k', 1);
const text: m.LoroText = doc.getText('t');
text.insert(0, 'hi');
const s: string = text.toString();
// @ts-expect-error insert takes a position first
text.insert('hi', 0);
void s;`,
};
