//! brotli-wasm 3.0.1 (`pkg.node`, wasm-bindgen 0.2.7x) through its generated high-level
//! methods: a decompression stream keeps its state across swaps (rebuilt by replaying the
//! chunks it was fed, bytes included), equal to a never-swapped instance.

use npm_rs::brotli::{BrotliWasmProxy, DecompressStream};
use npm_rs::brotli_config;
use proxy_runtime::{Error, Handle, JsArg, JsCall, JsReturn, RawValue, Result, WasmArg, Word};

/// `compress(buf, options)` takes a JS object (`addBorrowedObject`), which the generated
/// methods do not express: called through a hand-written `JsCall`, with `undefined` for the
/// options (a heap slot the host holds `undefined` in).
static COMPRESS: JsCall = JsCall {
    export: "compress",
    args: &[
        WasmArg::RetPtr,
        WasmArg::Ptr(0),
        WasmArg::Len(0),
        WasmArg::Value(1),
    ],
    returns: JsReturn::Bytes {
        ptr: Word::Slot(0),
        len: Word::Slot(1),
    },
    throws: Some((Word::Slot(2), Word::Slot(3))),
    replay: false,
    mutates: None,
};

fn compress(p: &BrotliWasmProxy, data: &[u8]) -> Result<Vec<u8>> {
    let undefined = JsArg::Value(RawValue::I32(31));
    p.call_js(&COMPRESS, &[JsArg::from(data), undefined], None)?
        .into_bytes()
}

fn text(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| b"the quick brown fox jumps over the lazy dog "[(i * 7 + i / 13) % 44])
        .collect()
}

/// Feeds `chunks` to a fresh stream, calling `between` after each; the output bytes and the
/// result codes.
fn stream(
    p: &BrotliWasmProxy,
    chunks: &[&[u8]],
    between: impl Fn() -> Result<()>,
) -> Result<(Vec<u8>, Vec<i32>)> {
    let s: Handle<DecompressStream> = p.decompressstream_new()?;
    let (mut out, mut codes) = (Vec::new(), Vec::new());
    for chunk in chunks {
        let r = p.decompressstream_decompress(&s, chunk, 1 << 20)?;
        assert_eq!(
            p.brotlistreamresult_get_input_offset(&r)?,
            chunk.len() as i32
        );
        out.extend(p.brotlistreamresult_get_buf(&r)?);
        codes.push(p.brotlistreamresult_get_code(&r)?);
        between()?;
    }
    Ok((out, codes))
}

#[test]
fn a_decompression_stream_keeps_its_state_across_swaps() -> Result<()> {
    let data = text(200_000);
    let reference = BrotliWasmProxy::new(brotli_config())?;
    let compressed = compress(&reference, &data)?;
    assert!(
        compressed.len() * 10 < data.len(),
        "{} bytes",
        compressed.len()
    );
    assert_eq!(reference.decompress(&compressed)?, data);
    let third = compressed.len() / 3;
    let chunks = [
        &compressed[..third],
        &compressed[third..2 * third],
        &compressed[2 * third..],
    ];
    let expected = stream(&reference, &chunks, || Ok(()))?;
    assert_eq!(expected.0, data);

    let p = BrotliWasmProxy::new(brotli_config())?;
    let swapped = stream(&p, &chunks, || p.swap().map(|_| ()))?;
    assert_eq!(p.generation(), 3);
    assert_eq!(swapped, expected);
    Ok(())
}

#[test]
fn corrupt_input_is_the_module_s_error() -> Result<()> {
    let p = BrotliWasmProxy::new(brotli_config())?;
    match p.decompress(b"not brotli at all") {
        Err(Error::Thrown { export, message }) => {
            assert_eq!(export, "decompress");
            assert!(!message.is_empty());
        }
        other => panic!("expected the module's error, got {other:?}"),
    }
    assert_eq!(
        p.decompress(&compress(&p, b"still works")?)?,
        b"still works"
    );
    Ok(())
}

/// Compresses `chunks` through a `CompressStream` of quality 5 (an optional parameter), then
/// finishes it (`compress(undefined, ..)`: an absent optional input), calling `between` after
/// each chunk; the compressed bytes.
fn compress_stream(
    p: &BrotliWasmProxy,
    chunks: &[&[u8]],
    between: impl Fn() -> Result<()>,
) -> Result<Vec<u8>> {
    let s = p.compressstream_new(Some(5))?;
    let mut out = Vec::new();
    for chunk in chunks {
        let r = p.compressstream_compress(&s, Some(chunk), 1 << 20)?;
        out.extend(p.brotlistreamresult_get_buf(&r)?);
        between()?;
    }
    // brotli's ResultSuccess is 1; a bounded number of finishing calls.
    for _ in 0..8 {
        let r = p.compressstream_compress(&s, None, 1 << 20)?;
        out.extend(p.brotlistreamresult_get_buf(&r)?);
        if p.brotlistreamresult_get_code(&r)? == 1 {
            return Ok(out);
        }
    }
    panic!("the stream did not finish in 8 calls")
}

#[test]
fn a_compression_stream_with_optional_arguments_keeps_its_state_across_swaps() -> Result<()> {
    let data = text(300_000);
    let chunks: Vec<&[u8]> = data.chunks(100_000).collect();
    let reference = BrotliWasmProxy::new(brotli_config())?;
    let expected = compress_stream(&reference, &chunks, || Ok(()))?;
    assert_eq!(reference.decompress(&expected)?, data);

    let p = BrotliWasmProxy::new(brotli_config())?;
    let swapped = compress_stream(&p, &chunks, || p.swap().map(|_| ()))?;
    assert_eq!(p.generation(), 3);
    assert_eq!(swapped, expected);
    Ok(())
}

#[test]
fn compression_streams_swap_on_their_own_under_a_small_budget() -> Result<()> {
    let data = text(300_000);
    let chunks: Vec<&[u8]> = data.chunks(100_000).collect();
    let reference = BrotliWasmProxy::new(brotli_config())?;
    let expected = compress_stream(&reference, &chunks, || Ok(()))?;

    // A budget of 1.5 times what one stream needs, swapping at half of it: every stream
    // crosses the threshold, so the monitor swaps between and during streams.
    let peak = reference.memory_bytes();
    let budget = peak + peak / 2;
    let p = BrotliWasmProxy::new(brotli_config().memory_budget(budget).swap_threshold(0.5))?;
    for round in 0..4 {
        assert_eq!(
            compress_stream(&p, &chunks, || Ok(()))?,
            expected,
            "round {round}"
        );
    }
    assert!(
        p.generation() >= 1,
        "the monitor swapped (memory {} of {} bytes)",
        p.memory_bytes(),
        p.cap_bytes()
    );
    Ok(())
}
