// tiktoken 1.0.22 `lite/`: the bundler split of wasm-bindgen 0.2.100 in CommonJS (the
// loader `tiktoken.cjs` instantiates the wasm and hands it to `tiktoken_bg.cjs` by
// `__wbg_set_wasm`). The proxy is named after the loader. (layouts.test.cjs checks the ES
// module half, `register.cjs` and the release of retired instances.)
'use strict';
const path = require('node:path');
const { fetchPackage } = require('../npm-support.cjs');
const gpt2 = () => require(path.join(fetchPackage('tiktoken', '1.0.22'), 'encoders/gpt2.json'));
const encoder = (m) => {
  const { bpe_ranks, special_tokens, pat_str } = gpt2();
  return new m.Tiktoken(bpe_ranks, special_tokens, pat_str);
};
const answers = (enc) => ({
  ids: [...enc.encode('hello world, swap me <|endoftext|>', 'all')],
  ordinary: [...enc.encode_ordinary('naïve café')],
  text: Buffer.from(enc.decode(enc.encode('naïve café'))).toString(),
  single: enc.encode_single_token(new TextEncoder().encode('hello')),
  name: enc.name,
});
module.exports = {
  package: 'tiktoken',
  version: '1.0.22',
  wasmBindgen: '0.2.100',
  layout: 'bundler split, CommonJS (loader + X_bg.cjs)',
  wasm: 'lite/tiktoken_bg.wasm',
  glue: 'lite/tiktoken.cjs',
  load: 'require',
  sample: (m) => {
    const enc = encoder(m);
    const result = answers(enc);
    enc.free();
    return result;
  },
  state: { make: encoder, read: answers },
  consumer: `
declare const ranks: string;
const enc: m.Tiktoken = new m.Tiktoken(ranks, { '<|endoftext|>': 50256 }, '\\\\w+');
const ids: Uint32Array = enc.encode('hello', 'all');
const bytes: Uint8Array = enc.decode(ids);
const name: string | undefined = enc.name;
// @ts-expect-error decode takes token ids
enc.decode('hello');
void bytes, name;`,
};
