// @emurgo/cardano-serialization-lib-nodejs 15.0.3: `--target nodejs` of wasm-bindgen
// 0.2.103, the largest module here (2,426 exports); everything moves by its byte form.
'use strict';
const hex = (bytes) => Buffer.from(bytes).toString('hex');
const build = (m) => {
  const key = m.PrivateKey.from_normal_bytes(Buffer.alloc(32, 7));
  const txHash = m.TransactionHash.from_bytes(Buffer.alloc(32, 3));
  const inputs = m.TransactionInputs.new();
  for (let i = 0; i < 3; i++) inputs.add(m.TransactionInput.new(txHash, i));
  const witnesses = m.Vkeywitnesses.new();
  witnesses.add(m.make_vkey_witness(txHash, key));
  return { key, inputs, witnesses };
};
module.exports = {
  package: '@emurgo/cardano-serialization-lib-nodejs',
  version: '15.0.3',
  wasmBindgen: '0.2.103',
  layout: 'nodejs, CommonJS (.js)',
  wasm: 'cardano_serialization_lib_bg.wasm',
  glue: 'cardano_serialization_lib.js',
  load: 'require',
  sample: (m) => {
    const { key, inputs, witnesses } = build(m);
    const message = Buffer.from('a message');
    return {
      public: key.to_public().to_bech32(),
      signature: key.sign(message).to_hex(),
      verifies: key.to_public().verify(message, key.sign(message)),
      inputs: inputs.to_hex(),
      witnesses: witnesses.to_hex(),
      coin: m.BigNum.from_str('1000000').checked_add(m.BigNum.from_str('1')).to_str(),
    };
  },
  state: {
    handles: 3,
    make: build,
    read: ({ key, inputs, witnesses }) => ({ key: key.to_hex(), inputs: inputs.to_hex(), n: inputs.len(), witnesses: witnesses.to_hex() }),
  },
  consumer: `
const key: m.PrivateKey = m.PrivateKey.from_normal_bytes(new Uint8Array(32));
const pub: m.PublicKey = key.to_public();
const bech: string = pub.to_bech32();
const sum: m.BigNum = m.BigNum.from_str('1').checked_add(m.BigNum.from_str('2'));
// @ts-expect-error to_bech32 takes no argument
pub.to_bech32(1);
void bech, sum;`,
};
