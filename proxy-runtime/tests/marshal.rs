//! High-level calls ([`Proxy::call_js`]): bytes copied in and out as wasm-bindgen's glue does,
//! logged by value so that a replay passes the same bytes to the fresh instance.

use proxy_runtime::{
    JsArg, JsCall, JsOutput, JsReturn, LoggedArg, ProxyConfig, Result, WasmArg, Word, proxied,
};

/// A bump allocator, a shadow stack, and an append-only byte log: `append(ptr, len)` adds
/// bytes (state that only a replay with the same bytes rebuilds), `contents(retptr)` returns
/// them through the return area.
const MODULE: &str = r#"(module
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 8192))
  (global $sp (mut i32) (i32.const 1024))
  (global $len (mut i32) (i32.const 0))
  (func (export "__wbindgen_malloc") (param $size i32) (param $align i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (local.get $size)))
    (local.get $p))
  (func (export "__wbindgen_free") (param i32 i32 i32))
  (func (export "__wbindgen_add_to_stack_pointer") (param $d i32) (result i32)
    (global.set $sp (i32.add (global.get $sp) (local.get $d)))
    (global.get $sp))
  (func (export "append") (param $ptr i32) (param $n i32)
    (memory.copy (i32.add (i32.const 4096) (global.get $len)) (local.get $ptr) (local.get $n))
    (global.set $len (i32.add (global.get $len) (local.get $n))))
  (func (export "contents") (param $ret i32)
    (i32.store (local.get $ret) (i32.const 4096))
    (i32.store offset=4 (local.get $ret) (global.get $len)))
  (func (export "size") (result i32) (global.get $len))
)"#;

#[proxied]
trait ByteLog {
    /// Bytes appended so far.
    fn size(&self) -> Result<i32>;
}

static APPEND: JsCall = JsCall {
    export: "append",
    args: &[WasmArg::Ptr(0), WasmArg::Len(0)],
    returns: JsReturn::Unit,
    throws: None,
    replay: true,
    mutates: None,
};

static CONTENTS: JsCall = JsCall {
    export: "contents",
    args: &[WasmArg::RetPtr],
    returns: JsReturn::Bytes {
        ptr: Word::Slot(0),
        len: Word::Slot(1),
    },
    throws: None,
    replay: false,
    mutates: None,
};

fn contents(p: &ByteLogProxy) -> Result<Vec<u8>> {
    p.call_js(&CONTENTS, &[], None)?.into_bytes()
}

#[test]
fn logged_byte_arguments_are_replayed_with_their_bytes() -> Result<()> {
    let wasm = wat::parse_str(MODULE).expect("fixture");
    let p = ByteLogProxy::new(ProxyConfig::from_bytes(wasm))?;
    p.call_js(&APPEND, &[JsArg::from(&b"hello, "[..])], None)?;
    p.call_js(&APPEND, &[JsArg::from("wörld")], None)?;
    let before = contents(&p)?;
    assert_eq!(before, "hello, wörld".as_bytes());
    // The log keeps the bytes, not the pointers they had in the old instance.
    let logged: Vec<LoggedArg> = p.log_entries().into_iter().flat_map(|e| e.args).collect();
    assert_eq!(
        logged,
        vec![
            LoggedArg::Bytes(b"hello, ".as_slice().into()),
            LoggedArg::Bytes("wörld".as_bytes().into())
        ]
    );

    p.swap()?;

    assert_eq!(p.generation(), 1);
    assert_eq!(contents(&p)?, before);
    assert_eq!(p.size()?, before.len() as i32);
    // The return area was given back: the shadow stack pointer is where it started.
    assert_eq!(
        p.call_js(&CONTENTS, &[], None)?,
        JsOutput::Bytes(before.clone())
    );
    p.call_js(&APPEND, &[JsArg::from(&b"!"[..])], None)?;
    assert_eq!(contents(&p)?, b"hello, w\xc3\xb6rld!");
    Ok(())
}

#[test]
fn a_group_holds_automatic_swaps_until_it_ends() -> Result<()> {
    let wasm = wat::parse_str(MODULE).expect("fixture");
    // One page of two is in use: any call is past a threshold of 0.1, so every call would
    // swap, but not inside a group.
    let config = ProxyConfig::from_bytes(wasm)
        .memory_budget(2 * 65536)
        .swap_threshold(0.1);
    let p = ByteLogProxy::new(config)?;
    p.group(|| -> Result<()> {
        p.call_js(&APPEND, &[JsArg::from(&b"ab"[..])], None)?;
        assert_eq!(p.generation(), 0, "no swap inside the group");
        p.call_js(&APPEND, &[JsArg::from(&b"cd"[..])], None)?;
        assert_eq!(p.generation(), 0, "no swap inside the group");
        Ok(())
    })?;
    assert!(
        p.generation() >= 1,
        "the swap that came due ran as the group ended"
    );
    assert_eq!(contents(&p)?, b"abcd");
    Ok(())
}
