// @emurgo/cardano-message-signing-nodejs 1.0.1: `--target nodejs` of wasm-bindgen 0.2.78
// (the oldest here), 252 exports, CBOR and COSE objects built from each other.
'use strict';
const hex = (bytes) => Buffer.from(bytes).toString('hex');
/** A CBOR map of a text, an integer and a nested array. */
function cbor(m) {
  const map = m.CBORObject.new();
  map.insert(m.CBORValue.new_text('name'), m.CBORValue.new_text('wasm proxy'));
  map.insert(m.CBORValue.new_text('n'), m.CBORValue.new_int(m.Int.new_i32(-42)));
  const list = m.CBORArray.new();
  list.add(m.CBORValue.new_bytes(Buffer.from('cafe', 'hex')));
  list.add(m.CBORValue.new_special(m.CBORSpecial.new_bool(true)));
  map.insert(m.CBORValue.new_text('list'), m.CBORValue.new_array(list));
  return map;
}
module.exports = {
  package: '@emurgo/cardano-message-signing-nodejs',
  version: '1.0.1',
  wasmBindgen: '0.2.78',
  layout: 'nodejs, CommonJS',
  wasm: 'cardano_message_signing_bg.wasm',
  glue: 'cardano_message_signing.js',
  load: 'require',
  sample: (m) => {
    const big = m.BigNum.from_str('18446744073709551615');
    const map = cbor(m);
    const back = m.CBORObject.from_bytes(map.to_bytes());
    return {
      big: big.to_str(),
      sum: m.BigNum.from_str('40').checked_add(m.BigNum.from_str('2')).to_str(),
      map: hex(map.to_bytes()),
      len: back.len(),
      text: back.get(m.CBORValue.new_text('name'))?.as_text(),
      kind: m.CBORValue.new_text('x').kind(),
    };
  },
  state: {
    make: (m) => cbor(m),
    // A CBORObject moves by to_bytes/from_bytes and is compared with its original: glue of
    // 0.2.78 names its pointer `ptr`, not `__wbg_ptr`.
    verified: 1,
    read: (map) => ({ bytes: hex(map.to_bytes()), len: map.len(), definite: map.is_definite() }),
  },
  consumer: `
const map: m.CBORObject = m.CBORObject.new();
const old: m.CBORValue | undefined = map.insert(m.CBORValue.new_text('k'), m.CBORValue.new_int(m.Int.new_i32(1)));
const n: number = map.len();
const s: string = m.BigNum.from_str('1').to_str();
// @ts-expect-error from_str takes a string
m.BigNum.from_str(1);
void old, n, s;`,
};
