// Builds a minimal Arrow IPC stream by hand (flatbuffers written directly), for parquet-wasm:
// its only ways to make a Table are Table.fromIPCStream and readParquet.
'use strict';
class Builder {
  constructor() { this.buf = Buffer.alloc(1 << 16); this.len = 0; }
  pad(align, extra = 0) { while ((this.len + extra) % align) this.buf[this.len++] = 0; }
  u8(p, v) { this.buf.writeUInt8(v, p); }
  /** Writes a table; fields: [id, kind, value]; kind: u8 | bool | i16 | i32 | i64 | off (value: builder => position). */
  table(fields) {
    const size = { u8: 1, bool: 1, i16: 2, i32: 4, off: 4, i64: 8 };
    const maxId = fields.reduce((m, f) => Math.max(m, f[0]), -1);
    this.pad(2);
    const v = this.len;
    const vsize = 4 + 2 * (maxId + 1);
    this.len += vsize;
    this.pad(8, 0);
    const t = this.len;
    this.len += 4;
    const sorted = [...fields].sort((a, b) => size[b[1]] - size[a[1]]);
    const at = new Map();
    for (const f of sorted) {
      this.pad(size[f[1]]);
      at.set(f[0], this.len);
      const p = this.len;
      this.len += size[f[1]];
      switch (f[1]) {
        case 'u8': case 'bool': this.buf.writeUInt8(Number(f[2]), p); break;
        case 'i16': this.buf.writeInt16LE(f[2], p); break;
        case 'i32': this.buf.writeInt32LE(f[2], p); break;
        case 'i64': this.buf.writeBigInt64LE(BigInt(f[2]), p); break;
      }
    }
    this.buf.writeInt32LE(t - v, t);
    this.buf.writeUInt16LE(vsize, v);
    this.buf.writeUInt16LE(this.len - t, v + 2);
    for (let i = 0; i <= maxId; i++) this.buf.writeUInt16LE(at.has(i) ? at.get(i) - t : 0, v + 4 + 2 * i);
    for (const f of fields) {
      if (f[1] !== 'off') continue;
      const p = at.get(f[0]);
      const target = f[2](this);
      this.buf.writeUInt32LE(target - p, p);
    }
    return t;
  }
  string(s) {
    this.pad(4);
    const p = this.len;
    const bytes = Buffer.from(s, 'utf8');
    this.buf.writeUInt32LE(bytes.length, p);
    bytes.copy(this.buf, p + 4);
    this.len = p + 4 + bytes.length;
    this.buf[this.len++] = 0;
    return p;
  }
  tables(children) {
    this.pad(4);
    const p = this.len;
    this.buf.writeUInt32LE(children.length, p);
    this.len += 4 + 4 * children.length;
    children.forEach((child, i) => {
      const slot = p + 4 + 4 * i;
      const target = child(this);
      this.buf.writeUInt32LE(target - slot, slot);
    });
    return p;
  }
  /** A vector of structs made of i64 pairs. */
  pairs(list) {
    this.pad(8, 4);
    const p = this.len;
    this.buf.writeUInt32LE(list.length, p);
    this.len += 4;
    for (const [a, b] of list) {
      this.buf.writeBigInt64LE(BigInt(a), this.len);
      this.buf.writeBigInt64LE(BigInt(b), this.len + 8);
      this.len += 16;
    }
    return p;
  }
  /** A flatbuffer whose root is the table `root` writes. */
  static finish(root) {
    const b = new Builder();
    b.len = 8; // root offset, then padding to 8
    const t = root(b);
    b.buf.writeUInt32LE(t, 0);
    b.pad(8);
    return Buffer.from(b.buf.subarray(0, b.len));
  }
}

const V5 = 4;
function message(headerType, header, bodyLength) {
  const meta = Builder.finish((b) =>
    b.table([
      [0, 'i16', V5],
      [1, 'u8', headerType],
      [2, 'off', header],
      [3, 'i64', bodyLength],
    ]),
  );
  const prefix = Buffer.alloc(8);
  prefix.writeUInt32LE(0xffffffff, 0);
  prefix.writeInt32LE(meta.length, 4);
  return Buffer.concat([prefix, meta]);
}

/** An Arrow IPC stream: schema { name: int32 not null }, one record batch per array of `batches`. */
function int32Stream(name, batches) {
  const schema = message(1, (b) =>
    b.table([
      [0, 'i16', 0],
      [1, 'off', (b) => b.tables([(b) => b.table([
        [0, 'off', (b) => b.string(name)],
        [1, 'bool', false],
        [2, 'u8', 2], // Type.Int
        [3, 'off', (b) => b.table([[0, 'i32', 32], [1, 'bool', true]])],
        [5, 'off', (b) => b.tables([])],
      ])])],
    ]),
    0,
  );
  const parts = [schema];
  for (const values of batches) {
    const dataLength = values.length * 4;
    const bodyLength = Math.ceil(dataLength / 8) * 8;
    const body = Buffer.alloc(bodyLength);
    values.forEach((v, i) => body.writeInt32LE(v, i * 4));
    parts.push(
      message(3, (b) => b.table([
        [0, 'i64', values.length],
        [1, 'off', (b) => b.pairs([[values.length, 0]])],
        [2, 'off', (b) => b.pairs([[0, 0], [0, dataLength]])],
      ]), bodyLength),
      body,
    );
  }
  parts.push(Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]));
  return new Uint8Array(Buffer.concat(parts));
}

module.exports = { int32Stream };
