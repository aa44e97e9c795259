// ywasm 0.18.3: `--target nodejs` of wasm-bindgen 0.2.91; a document with a text and a map
// (moved by `encodeStateAsUpdate`/`applyUpdate`, its types by replay).
'use strict';
const hex = (bytes) => Buffer.from(bytes).toString('hex');
const build = (m) => {
  const doc = new m.YDoc({ clientID: 7, guid: 'corpus' });
  const text = doc.getText('t');
  text.insert(0, 'hello', undefined, undefined);
  text.push(' world', undefined, undefined);
  const map = doc.getMap('m');
  map.set('k', 42, undefined);
  return { doc, text, map };
};
module.exports = {
  package: 'ywasm',
  version: '0.18.3',
  wasmBindgen: '0.2.91',
  layout: 'nodejs, CommonJS',
  wasm: 'ywasm_bg.wasm',
  glue: 'ywasm.js',
  load: 'require',
  sample: (m) => {
    const { doc, text, map } = build(m);
    const copy = new m.YDoc({ clientID: 8, guid: 'copy' });
    m.applyUpdate(copy, m.encodeStateAsUpdate(doc, undefined), undefined);
    return {
      text: text.toString(undefined),
      length: text.length(undefined),
      k: map.get('k', undefined),
      update: hex(m.encodeStateAsUpdate(doc, undefined)),
      copied: copy.getText('t').toString(undefined),
      debug: m.debugUpdateV1(m.encodeStateAsUpdate(doc, undefined)),
    };
  },
  state: {
    handles: 3,
    make: build,
    read: ({ doc, text, map }) => ({ text: text.toString(undefined), k: map.get('k', undefined), again: doc.getText('t').toString(undefined), id: doc.id }),
  },
  consumer: `
const doc: m.YDoc = new m.YDoc({ clientID: 1 });
const text: m.YText = doc.getText('t');
text.insert(0, 'x', undefined, undefined);
const s: string = text.toString(undefined);
const update: Uint8Array = m.encodeStateAsUpdate(doc, undefined);
// @ts-expect-error applyUpdate takes a document first
m.applyUpdate(update, doc, undefined);
void s;`,
};
