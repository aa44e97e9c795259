//! The table of a wasm-bindgen module's JS imports: what each one does, as codegen read it
//! from the import's body in the glue (the Rust shim's `JS_IMPORTS`).
//!
//! wasm-bindgen names most imports after the JS they call plus a hash of the build
//! (`__wbg_new_abda76e883ba8a5f` is `new Error()` in one build, `__wbg_new_8a6f238a6ece86ea`
//! in the next), so the host serves an import by its [`JsOp`], never by its name. Only
//! wasm-bindgen's unhashed intrinsics (`__wbindgen_string_new`, `__wbindgen_throw`...) are
//! known without a table ([`intrinsic`]).

/// One JS operation an import performs; arguments by position (`$0` is the first). The
/// variants are codegen's (`codegen::model::js_imports::JsOp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsOp {
    /// Nothing beyond releasing the arguments it takes (`__wbindgen_object_drop_ref`).
    Drop,
    /// `$0` itself as a JS value (`__wbindgen_object_clone_ref`, `__wbindgen_number_new`).
    Arg,
    /// `getStringFromWasm0($0, $1)`.
    StringNew,
    /// `new Error(getStringFromWasm0($0, $1))`.
    ErrorNew,
    /// `throw new Error(getStringFromWasm0($0, $1))`.
    Throw,
    /// `console.<method>(getStringFromWasm0($0, $1))`, the message freed after if `frees`.
    Console {
        /// `log`, `error`, `warn`, `info`, `debug`.
        method: &'static str,
        /// Whether the glue frees the message (`__wbindgen_free`).
        frees: bool,
    },
    /// `new Error()`.
    NewError,
    /// `new Array()`.
    NewArray,
    /// `new Uint8Array($0)` (a buffer or an array).
    NewUint8Array,
    /// `new Uint8Array($0 >>> 0)`.
    NewUint8ArrayWithLength,
    /// `new Uint8Array($0, $1 >>> 0, $2 >>> 0)`.
    NewUint8ArrayView,
    /// `new Function(getStringFromWasm0($0, $1))`.
    NewFunction,
    /// `$1.stack` as a string in the return area at `$0`.
    ErrorStack,
    /// `debugString($1)` in the return area at `$0`.
    DebugString,
    /// `JSON.stringify($1)` in the return area at `$0`.
    JsonSerialize,
    /// `typeof $0 === 'object' && $0 !== null`.
    IsObject,
    /// `typeof $0 === 'string'`.
    IsString,
    /// `typeof $0 === 'function'`.
    IsFunction,
    /// `$0 === undefined`.
    IsUndefined,
    /// `Array.isArray($0)`.
    IsArray,
    /// `$0 instanceof <class>`.
    InstanceOf(&'static str),
    /// The global object through one of its names (`globalThis.globalThis`).
    Global(&'static str),
    /// `typeof <name> === 'undefined' ? null : <name>` as an externref table slot (0: absent).
    StaticGlobal(&'static str),
    /// `$0.<name>` as a JS value.
    Property(&'static str),
    /// `$0.length`.
    Length,
    /// `$0.byteLength`.
    ByteLength,
    /// `module.require`.
    Require,
    /// `$0.getRandomValues($1)`.
    GetRandomValues,
    /// `$0.randomFillSync($1)`.
    RandomFillSync,
    /// `$0[$1 >>> 0]`.
    GetIndex,
    /// `$0[$1 >>> 0] = $2`.
    SetIndex,
    /// `$0.set($1, $2 >>> 0)`.
    TypedArraySet,
    /// `$0.subarray($1 >>> 0, $2 >>> 0)`.
    Subarray,
    /// `$0.call($1)`.
    Call0,
    /// `$0.call($1, $2)`.
    Call1,
    /// `wasm.memory`.
    Memory,
    /// wasm-bindgen-rayon's `startWorkers($0, $1, PoolBuilder.__wrap($2))`.
    StartWorkers,
    /// wasm-bindgen-rayon's `terminateWorkers()`.
    TerminateWorkers,
    /// `__wbindgen_init_externref_table`.
    InitExternrefTable,
    /// `$0[$1]` (serde-wasm-bindgen reading a field).
    GetWithRefKey,
    /// `$0[$1] = $2` (serde-wasm-bindgen writing a field).
    SetWithKey,
    /// `new Object()`.
    NewObject,
    /// `$0 in $1`.
    In,
    /// `$0 === $1`.
    JsvalEq,
    /// `$0 == $1`.
    JsvalLooseEq,
    /// `typeof $0 === 'boolean' ? ($0 ? 1 : 0) : absent` (2 up to 0.2.9x, 0xFFFFFF after).
    BooleanGet(u32),
    /// `$1` as an optional `f64` in the return area at `$0` (flag at 0, value at 8).
    NumberGet,
    /// `$1` as an optional string in the return area at `$0` (pointer, length).
    StringGet,
    /// `typeof $0 === 'bigint'`.
    IsBigInt,
    /// `BigInt.asUintN(64, $0)`.
    BigIntFromU64,
    /// `$1` as an optional `i64` in the return area at `$0` (flag at 0, value at 8).
    BigIntGetAsI64,
    /// `Number.isSafeInteger($0)`.
    IsSafeInteger,
    /// `JSON.parse(getStringFromWasm0($0, $1))`.
    JsonParse,
    /// `JSON.stringify($0)` as a JS string.
    JsonStringify,
    /// A body codegen recognised as none of the above.
    Unsupported,
}

/// One JS import of a module: its name, what it does and the glue's source of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsImport {
    /// The import's name (the wasm import field).
    pub name: &'static str,
    /// What it does.
    pub op: JsOp,
    /// Arguments it takes ownership of (`takeObject(argN)`): their heap slots are freed.
    pub takes: &'static [u32],
    /// Wrapped in `handleError`: a JS exception goes to the module (`__wbindgen_exn_store`).
    pub catches: bool,
    /// The import's function in the glue.
    pub source: &'static str,
}

/// What an unhashed wasm-bindgen intrinsic does (`None` for any other name).
pub fn intrinsic(name: &str) -> Option<JsImport> {
    let (op, takes): (JsOp, &'static [u32]) = match name {
        "__wbindgen_object_drop_ref" => (JsOp::Drop, &[0]),
        "__wbindgen_object_clone_ref" | "__wbindgen_number_new" => (JsOp::Arg, &[]),
        "__wbindgen_string_new" => (JsOp::StringNew, &[]),
        "__wbindgen_error_new" => (JsOp::ErrorNew, &[]),
        "__wbindgen_throw" => (JsOp::Throw, &[]),
        "__wbindgen_debug_string" => (JsOp::DebugString, &[]),
        "__wbindgen_json_serialize" => (JsOp::JsonSerialize, &[]),
        "__wbindgen_is_object" => (JsOp::IsObject, &[]),
        "__wbindgen_is_string" => (JsOp::IsString, &[]),
        "__wbindgen_is_function" => (JsOp::IsFunction, &[]),
        "__wbindgen_is_undefined" => (JsOp::IsUndefined, &[]),
        "__wbindgen_memory" => (JsOp::Memory, &[]),
        "__wbindgen_init_externref_table" => (JsOp::InitExternrefTable, &[]),
        _ => return None,
    };
    Some(JsImport {
        name: "",
        op,
        takes,
        catches: false,
        source: "",
    })
}

/// Why the host cannot serve an operation it was handed (`None`: it can).
pub(crate) fn unservable(op: JsOp) -> Option<String> {
    match op {
        JsOp::Unsupported => Some("its JS body matches no operation the host knows".into()),
        JsOp::Property(p)
            if !matches!(
                p,
                "crypto" | "process" | "versions" | "node" | "msCrypto" | "buffer" | "message"
            ) =>
        {
            Some(format!("the host does not model property `{p}`"))
        }
        JsOp::InstanceOf(c)
            if !matches!(
                c,
                "ArrayBuffer" | "Uint8Array" | "WebAssembly.Memory" | "Error" | "Array"
            ) =>
        {
            Some(format!("the host does not model class `{c}`"))
        }
        JsOp::Global(g) | JsOp::StaticGlobal(g)
            if !matches!(g, "globalThis" | "global" | "self" | "window") =>
        {
            Some(format!("the host does not model global `{g}`"))
        }
        _ => None,
    }
}
