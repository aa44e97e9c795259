// What the nodejs and the web builds of ruff 0.15.0 share (not a corpus entry: no `package`).
'use strict';
const source = 'import os\nx=1\ndef f( a ):\n  return a\n';
/** Two workspaces of different settings: each must come back as it was. */
const workspaces = (m) => ({
  strict: new m.Workspace({ ...m.Workspace.defaultSettings(), 'line-length': 20, lint: { select: ['ALL'] } }, m.PositionEncoding.Utf16),
  loose: new m.Workspace(m.Workspace.defaultSettings(), m.PositionEncoding.Utf16),
});
module.exports = {
  version: '0.15.0',
  wasmBindgen: '0.2.105',
  wasm: 'ruff_wasm_bg.wasm',
  glue: 'ruff_wasm.js',
  sample: (m) => {
    const ws = new m.Workspace(m.Workspace.defaultSettings(), m.PositionEncoding.Utf16);
    let error;
    try {
      ws.format('def (');
    } catch (e) {
      error = typeof e;
    }
    const result = {
      version: m.Workspace.version(),
      diagnostics: ws.check(source).map((d) => d.code),
      formatted: ws.format(source),
      tokens: ws.tokens(source).length,
      instance: ws instanceof m.Workspace,
      error,
    };
    ws.free();
    return result;
  },
  state: {
    handles: 2,
    make: workspaces,
    read: ({ strict, loose }) => ({ strict: strict.check(source).map((d) => d.code), loose: loose.check(source).map((d) => d.code), formatted: strict.format(source) }),
  },
  consumer: `
const ws: m.Workspace = new m.Workspace(m.Workspace.defaultSettings(), m.PositionEncoding.Utf16);
const diagnostics: m.Diagnostic[] = ws.check('x=1');
const formatted: string = ws.format('x=1');
const version: string = m.Workspace.version();
// @ts-expect-error check takes the source text
ws.check(42);
ws.free();
void diagnostics, formatted, version;`,
};
