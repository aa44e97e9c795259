// @matrix-org/matrix-sdk-crypto-wasm 18.9.0: the bundler split of wasm-bindgen 0.2.128
// without a loader of its own (`pkg/X_bg.js`, loaded by the package's hand-written
// `node.cjs`, whose own `initAsync` is no part of wasm-bindgen's glue); 700 exports,
// closures among them. The glue compared with is `X_bg.js` instantiated as a bundler does.
'use strict';
const ids = (m) => ({ user: new m.UserId('@alice:example.org'), device: new m.DeviceId('ALICEDEVICE'), room: new m.RoomId('!room:example.org') });
/** What a getter made stays live until freed, and nothing could rebuild it after a swap. */
const ip = (server) => {
  const literal = server.isIpLiteral();
  server.free();
  return literal;
};
const versions = (m) => {
  const v = m.getVersions();
  const values = { sha: v.git_sha, description: v.git_description };
  v.free();
  return values;
};
module.exports = {
  package: '@matrix-org/matrix-sdk-crypto-wasm',
  version: '18.9.0',
  wasmBindgen: '0.2.128',
  layout: 'bundler split, ES module X_bg.js without a loader',
  wasm: 'pkg/matrix_sdk_crypto_wasm_bg.wasm',
  glue: 'pkg/matrix_sdk_crypto_wasm_bg.js',
  load: 'bundler',
  sample: (m) => {
    const { user, device, room } = ids(m);
    return {
      localpart: user.localpart,
      server: ip(user.serverName),
      user: user.toString(),
      device: device.toString(),
      room: room.toString(),
      ip: ip(new m.ServerName('127.0.0.1')),
      versions: versions(m),
    };
  },
  state: {
    handles: 3,
    make: ids,
    read: ({ user, device, room }) => ({ user: user.toString(), localpart: user.localpart, device: device.toString(), room: room.toString() }),
  },
  consumer: `
const user: m.UserId = new m.UserId('@alice:example.org');
const localpart: string = user.localpart;
const server: m.ServerName = user.serverName;
declare const settings: m.RoomSettings;
settings.sessionRotationPeriodMs = null;
const period: number | undefined = settings.sessionRotationPeriodMs;
// @ts-expect-error a string is no period
settings.sessionRotationPeriodMs = 'weekly';
void localpart, server, period;`,
};
