//! What each JS import of a wasm-bindgen module does, derived from its body in the glue.
//!
//! wasm-bindgen names its imports after the JS they call plus a hash of the build
//! (`__wbg_new_abda76e883ba8a5f`): the name says `new`, not whether it is `new Error()`,
//! `new Array()` or `new Uint8Array(x)`, and the hash changes with every build. The glue's
//! body says exactly (`function() { const ret = new Error(); return addHeapObject(ret); }`),
//! in every version and style: this pass reduces each body to a canonical form (arguments
//! by position as `$0`, `$1`..., wasm-bindgen's heap and externref plumbing removed, local
//! bindings substituted) and classifies that form as one [`JsOp`]. A host serves the
//! operation, whatever the import is called; a body that matches nothing is
//! [`JsOp::Unsupported`], its source kept for the error a host reports.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use oxc_allocator::Allocator;
use oxc_ast::ast::{AssignmentTarget, BinaryOperator, Expression, Statement, UnaryOperator};
use oxc_span::SourceType;
use serde::Serialize;

use super::ModuleModel;
use crate::reader::glue::GlueImport;
use crate::reader::wasm::ExportKind;

/// The import modules wasm-bindgen uses: `__wbindgen_placeholder__` (nodejs), `wbg` (web,
/// no-modules) and `./X_bg.js` (bundler).
pub fn is_bindgen_module(module: &str) -> bool {
    module == "__wbindgen_placeholder__"
        || module == "wbg"
        || (module.starts_with("./") && module.ends_with("_bg.js"))
}

/// One JS operation an import performs. The names are the runtime's (`proxy_runtime`'s
/// `JsOp` has the same variants; the Rust shim's `JS_IMPORTS` table spells them out).
///
/// Arguments are by position; `$0` is the first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum JsOp {
    /// Nothing beyond releasing the arguments it takes (`takeObject($0)`:
    /// `__wbindgen_object_drop_ref`).
    Drop,
    /// `$0` itself as a JS value (`__wbindgen_object_clone_ref`; `__wbindgen_number_new`,
    /// whose `$0` is an `f64`).
    Arg,
    /// A string read from wasm memory: `getStringFromWasm0($0, $1)`.
    StringNew,
    /// `new Error(getStringFromWasm0($0, $1))`.
    ErrorNew,
    /// `throw new Error(getStringFromWasm0($0, $1))` (`__wbindgen_throw`).
    Throw,
    /// `console.<method>(getStringFromWasm0($0, $1))`; `frees`: the glue then frees the
    /// message (`wasm.__wbindgen_free($0, $1[, 1])`).
    Console {
        /// `log`, `error`, `warn`, `info`, `debug`.
        method: String,
        /// Whether the message is freed after.
        frees: bool,
    },
    /// `new Error()`.
    NewError,
    /// `new Array()`.
    NewArray,
    /// `new Uint8Array($0)` ($0 a JS value: a buffer or an array).
    NewUint8Array,
    /// `new Uint8Array($0 >>> 0)` (a length).
    NewUint8ArrayWithLength,
    /// `new Uint8Array($0, $1 >>> 0, $2 >>> 0)` (a view of a buffer).
    NewUint8ArrayView,
    /// `new Function(getStringFromWasm0($0, $1))`.
    NewFunction,
    /// `$1.stack` written as a string to the return area at `$0`.
    ErrorStack,
    /// `debugString($1)` written as a string to the return area at `$0`.
    DebugString,
    /// `JSON.stringify($1 === undefined ? null : $1)` written to the return area at `$0`.
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
    /// `$0 instanceof <class>` (`ArrayBuffer`, `Uint8Array`, `WebAssembly.Memory`...).
    InstanceOf(String),
    /// The global object through one of its names (`self.self`, `window.window`,
    /// `globalThis.globalThis`, `global.global`).
    Global(String),
    /// `typeof <name> === 'undefined' ? null : <name>` as an externref table slot, 0 when
    /// absent (`__wbg_static_accessor_GLOBAL_THIS`...).
    StaticGlobal(String),
    /// `$0.<name>` as a JS value (`crypto`, `process`, `versions`, `node`, `msCrypto`,
    /// `buffer`...).
    Property(String),
    /// `$0.length` (a number).
    Length,
    /// `$0.byteLength` (a number).
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
    /// `$0.set($1, $2 >>> 0)` (a typed array's copy).
    TypedArraySet,
    /// `$0.subarray($1 >>> 0, $2 >>> 0)`.
    Subarray,
    /// `$0.call($1)`.
    Call0,
    /// `$0.call($1, $2)`.
    Call1,
    /// `wasm.memory` (`__wbindgen_memory`).
    Memory,
    /// wasm-bindgen-rayon's `startWorkers($0, $1, PoolBuilder.__wrap($2))`.
    StartWorkers,
    /// wasm-bindgen-rayon's `terminateWorkers()`.
    TerminateWorkers,
    /// `__wbindgen_init_externref_table`: grows the externref table by 4 and fills it.
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
    /// `$1` as an optional `f64` in the return area at `$0`.
    NumberGet,
    /// `$1` as an optional string in the return area at `$0`.
    StringGet,
    /// `typeof $0 === 'bigint'`.
    IsBigInt,
    /// `BigInt.asUintN(64, $0)`.
    BigIntFromU64,
    /// `$1` as an optional `i64` in the return area at `$0`.
    BigIntGetAsI64,
    /// `Number.isSafeInteger($0)`.
    IsSafeInteger,
    /// `JSON.parse(getStringFromWasm0($0, $1))`.
    JsonParse,
    /// `JSON.stringify($0)`.
    JsonStringify,
    /// Nothing above: the body is kept in [`JsImport::source`].
    Unsupported,
}

impl JsOp {
    /// The Rust expression of this operation in the runtime's terms (`JsOp::NewError`,
    /// `JsOp::Property("crypto")`).
    pub fn rust(&self) -> String {
        // Debug prints unit variants, tuples and struct variants as Rust does, with
        // string payloads as Rust string literals.
        format!("JsOp::{self:?}")
    }
}

/// One import of the module with what its JS body does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JsImport {
    /// The import module (`__wbindgen_placeholder__`, `wbg`, `./X_bg.js`).
    pub module: String,
    /// The import's name.
    pub name: String,
    /// What it does.
    pub op: JsOp,
    /// Arguments (by position) the body takes ownership of (`takeObject(argN)`): a host that
    /// keeps JS values on wasm-bindgen's heap frees their slots.
    pub takes: Vec<u32>,
    /// Wrapped in `handleError`: a JS exception is handed to the module.
    pub catches: bool,
    /// The body reduced to its canonical form (what [`JsImport::op`] was read from).
    pub canonical: String,
    /// The import's JS source in the glue (empty when the glue does not define it).
    pub source: String,
}

/// Every function import of `model` from a wasm-bindgen import module, in import order,
/// classified from its body in the glue (none without glue).
pub fn analyze(model: &ModuleModel) -> Vec<JsImport> {
    let bodies: HashMap<&str, &GlueImport> = model
        .glue
        .iter()
        .flat_map(|g| &g.imports)
        .map(|i| (i.name.as_str(), i))
        .collect();
    model
        .wasm
        .imports
        .iter()
        .filter(|i| i.kind == ExportKind::Function && is_bindgen_module(&i.module))
        .map(|i| match bodies.get(i.name.as_str()) {
            Some(body) => {
                let classified = classify(&body.body);
                JsImport {
                    module: i.module.clone(),
                    name: i.name.clone(),
                    op: classified.op,
                    takes: classified.takes,
                    catches: body.catches,
                    canonical: classified.canonical,
                    source: body.source.clone(),
                }
            }
            None => JsImport {
                module: i.module.clone(),
                name: i.name.clone(),
                op: JsOp::Unsupported,
                takes: Vec::new(),
                catches: false,
                canonical: String::new(),
                source: String::new(),
            },
        })
        .collect()
}

/// The result of classifying one body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classified {
    /// The operation.
    pub op: JsOp,
    /// Arguments taken (`takeObject`).
    pub takes: Vec<u32>,
    /// The canonical form.
    pub canonical: String,
}

/// Classifies one import function (`function (arg0, arg1) { ... }`, as the glue writes it).
pub fn classify(function: &str) -> Classified {
    let canonical = canonical_form(function);
    let (op, takes) = match &canonical {
        Some((form, takes)) => (op_of(form), takes.iter().copied().collect()),
        None => (JsOp::Unsupported, Vec::new()),
    };
    Classified {
        op,
        takes,
        canonical: canonical.map(|(form, _)| form).unwrap_or_default(),
    }
}

/// The operation a canonical form stands for.
fn op_of(form: &str) -> JsOp {
    let str01 = "str($0, $1)";
    let op = match form {
        "$0" => JsOp::Drop,
        "return $0" => JsOp::Arg,
        "return new Error()" => JsOp::NewError,
        "return new Array()" => JsOp::NewArray,
        "return new Uint8Array($0)" => JsOp::NewUint8Array,
        "return new Uint8Array(u32($0))" => JsOp::NewUint8ArrayWithLength,
        "return new Uint8Array($0, u32($1), u32($2))" => JsOp::NewUint8ArrayView,
        "$0 := string($1.stack)" => JsOp::ErrorStack,
        "$0 := string(debugString($1))" => JsOp::DebugString,
        "$0 := string(JSON.stringify((($1 === undefined) ? null : $1)))" => JsOp::JsonSerialize,
        "return ((typeof $0 === \"object\") && ($0 !== null))" => JsOp::IsObject,
        "return (typeof $0 === \"string\")" => JsOp::IsString,
        "return (typeof $0 === \"function\")" => JsOp::IsFunction,
        "return ($0 === undefined)" => JsOp::IsUndefined,
        "return Array.isArray($0)" => JsOp::IsArray,
        "return $0.length" => JsOp::Length,
        "return $0.byteLength" => JsOp::ByteLength,
        "return module.require" => JsOp::Require,
        "$0.getRandomValues($1)" => JsOp::GetRandomValues,
        "$0.randomFillSync($1)" => JsOp::RandomFillSync,
        "return $0[u32($1)]" => JsOp::GetIndex,
        "$0[u32($1)] = $2" => JsOp::SetIndex,
        "$0.set($1, u32($2))" => JsOp::TypedArraySet,
        "return $0.subarray(u32($1), u32($2))" => JsOp::Subarray,
        "return $0.call($1)" => JsOp::Call0,
        "return $0.call($1, $2)" => JsOp::Call1,
        "return wasm.memory" => JsOp::Memory,
        "return startWorkers($0, $1, PoolBuilder.__wrap($2))" => JsOp::StartWorkers,
        "return terminateWorkers()" => JsOp::TerminateWorkers,
        "return $0[$1]" => JsOp::GetWithRefKey,
        "$0[$1] = $2" => JsOp::SetWithKey,
        "return new Object()" => JsOp::NewObject,
        "return ($0 in $1)" => JsOp::In,
        "return ($0 === $1)" => JsOp::JsvalEq,
        "return ($0 == $1)" => JsOp::JsvalLooseEq,
        "return ((typeof $0 === \"boolean\") ? ($0 ? 1 : 0) : 2)" => JsOp::BooleanGet(2),
        "return (isLikeNone(((typeof $0 === \"boolean\") ? $0 : undefined)) ? 16777215 : \
         (((typeof $0 === \"boolean\") ? $0 : undefined) ? 1 : 0))" => JsOp::BooleanGet(0xFF_FFFF),
        // 0.2.10x, through a DataView of the memory.
        "getDataViewMemory0().setFloat64(($0 + (8 * 1)), slot(((typeof $1 === \"number\") ? $1 : \
         undefined)), true); $0.i32[0] = !isLikeNone(((typeof $1 === \"number\") ? $1 : undefined))" => {
            JsOp::NumberGet
        }
        "getDataViewMemory0().setBigInt64(($0 + (8 * 1)), (isLikeNone(((typeof $1 === \"bigint\") ? \
         $1 : undefined)) ? BigInt(0) : ((typeof $1 === \"bigint\") ? $1 : undefined)), true); \
         $0.i32[0] = !isLikeNone(((typeof $1 === \"bigint\") ? $1 : undefined))" => {
            JsOp::BigIntGetAsI64
        }
        "return (typeof $0 === \"bigint\")" => JsOp::IsBigInt,
        "return BigInt.asUintN(64, $0)" => JsOp::BigIntFromU64,
        "return Number.isSafeInteger($0)" => JsOp::IsSafeInteger,
        "return JSON.parse(str($0, $1))" => JsOp::JsonParse,
        "return JSON.stringify($0)" => JsOp::JsonStringify,
        // 0.2.8x-0.2.9x, through typed-array views of the return area.
        "getFloat64Memory0()[(($0 / 8) + 1)] = slot(((typeof $1 === \"number\") ? $1 : undefined)); \
         $0.i32[0] = !isLikeNone(((typeof $1 === \"number\") ? $1 : undefined))" => JsOp::NumberGet,
        "$0.i32[1] = WASM_VECTOR_LEN; $0.i32[0] = (isLikeNone(((typeof $1 === \"string\") ? $1 : \
         undefined)) ? 0 : string(((typeof $1 === \"string\") ? $1 : undefined)))" => {
            JsOp::StringGet
        }
        "getBigInt64Memory0()[(($0 / 8) + 1)] = (isLikeNone(((typeof $1 === \"bigint\") ? $1 : \
         undefined)) ? BigInt(0) : ((typeof $1 === \"bigint\") ? $1 : undefined)); \
         $0.i32[0] = !isLikeNone(((typeof $1 === \"bigint\") ? $1 : undefined))" => {
            JsOp::BigIntGetAsI64
        }
        _ => JsOp::Unsupported,
    };
    if op != JsOp::Unsupported {
        return op;
    }
    if form == format!("return {str01}") {
        return JsOp::StringNew;
    }
    // `Error(msg)` makes an error as `new Error(msg)` does (0.2.10x's `__wbg_Error_*`).
    if form == format!("return new Error({str01})") || form == format!("return Error({str01})") {
        return JsOp::ErrorNew;
    }
    if form == format!("throw new Error({str01})") {
        return JsOp::Throw;
    }
    if form == format!("return new Function({str01})") {
        return JsOp::NewFunction;
    }
    // `console.error(msg)`, then (0.2.80+) the message freed: `wasm.__wbindgen_free($0, $1[, 1])`.
    if let Some(rest) = form.strip_prefix("console.") {
        let (call, free) = rest.split_once("; ").unwrap_or((rest, ""));
        if let Some(method) = call.strip_suffix(&format!("({str01})"))
            && matches!(method, "log" | "error" | "warn" | "info" | "debug")
            && matches!(
                free,
                "" | "wasm.__wbindgen_free($0, $1)" | "wasm.__wbindgen_free($0, $1, 1)"
            )
        {
            return JsOp::Console {
                method: method.to_owned(),
                frees: !free.is_empty(),
            };
        }
    }
    if let Some(class) = form
        .strip_prefix("return ($0 instanceof ")
        .and_then(|r| r.strip_suffix(')'))
        && is_path(class)
    {
        return JsOp::InstanceOf(class.to_owned());
    }
    if let Some(name) = form
        .strip_prefix("return $0.")
        .filter(|n| is_path(n) && !n.contains('.'))
    {
        return JsOp::Property(name.to_owned());
    }
    // `self.self`, `window.window`, `globalThis.globalThis`, `global.global`.
    if let Some((a, b)) = form.strip_prefix("return ").and_then(|r| r.split_once('.'))
        && a == b
        && matches!(a, "self" | "window" | "globalThis" | "global")
    {
        return JsOp::Global(a.to_owned());
    }
    if let Some(name) = form
        .strip_prefix("return slot(maybe(")
        .and_then(|r| r.strip_suffix("))"))
        && is_path(name)
    {
        return JsOp::StaticGlobal(name.to_owned());
    }
    // `table.grow(4)` then `table.set(...)` on the exported externref table (`__wbindgen_export_N`
    // up to 0.2.100, `__wbindgen_externrefs` after), nothing else.
    let table = form.split('.').take(2).collect::<Vec<_>>().join(".");
    if table.starts_with("wasm.__wbindgen_")
        && form.contains(&format!("{table}.grow(4)"))
        && form
            .split("; ")
            .all(|s| s.starts_with(&format!("{table}.set(")))
    {
        return JsOp::InitExternrefTable;
    }
    JsOp::Unsupported
}

/// A dotted JS name (`WebAssembly.Memory`).
fn is_path(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
        })
}

/// The canonical form of a function's body and the arguments it takes, `None` when the
/// text is not one function.
fn canonical_form(function: &str) -> Option<(String, BTreeSet<u32>)> {
    let allocator = Allocator::default();
    let text = format!("({function})");
    let parsed = oxc_parser::Parser::new(&allocator, &text, SourceType::cjs()).parse();
    if parsed.panicked || parsed.diagnostics.errors().next().is_some() {
        return None;
    }
    let [Statement::ExpressionStatement(s)] = parsed.program.body.as_slice() else {
        return None;
    };
    let Expression::FunctionExpression(f) = s.expression.without_parentheses() else {
        return None;
    };
    let mut canon = Canon::default();
    for (k, p) in f.params.items.iter().enumerate() {
        let id = p.pattern.get_binding_identifier()?;
        canon.params.insert(id.name.to_string(), k as u32);
    }
    canon.statements(&f.body.as_ref()?.statements);
    Some((canon.finish(), canon.takes))
}

/// Reduces statements and expressions to the canonical form.
#[derive(Default)]
struct Canon {
    params: HashMap<String, u32>,
    /// Locals bound so far, by their canonical value.
    env: HashMap<String, String>,
    takes: BTreeSet<u32>,
    out: Vec<String>,
}

impl Canon {
    /// The statements joined; a string written to a return area (`ptr` at `+0`, `len` at
    /// `+4`, as `passStringToWasm0` leaves them) becomes `$N := string(x)`.
    fn finish(&self) -> String {
        let mut out = self.out.clone();
        let mut k = 0;
        while k < out.len() {
            if let Some((area, value)) = out[k].split_once(".i32[0] = ")
                && value.starts_with("string(")
                && let Some(len) = out
                    .iter()
                    .position(|s| *s == format!("{area}.i32[1] = WASM_VECTOR_LEN"))
            {
                out[k] = format!("{area} := {value}");
                out.remove(len);
                k = 0;
                continue;
            }
            k += 1;
        }
        out.join("; ")
    }

    fn statements(&mut self, statements: &[Statement<'_>]) {
        for s in statements {
            self.statement(s);
        }
    }

    fn statement(&mut self, s: &Statement<'_>) {
        match s {
            Statement::VariableDeclaration(v) => {
                for d in &v.declarations {
                    if let (Some(id), Some(init)) = (d.id.get_binding_identifier(), &d.init) {
                        let value = self.expr(init);
                        self.env.insert(id.name.to_string(), value);
                    }
                }
            }
            Statement::ExpressionStatement(e) => {
                // `x = v` on a local (`deferred0_0 = arg0`, `result = ... instanceof ...`).
                if let Expression::AssignmentExpression(a) = e.expression.without_parentheses()
                    && let AssignmentTarget::AssignmentTargetIdentifier(id) = &a.left
                    && !self.params.contains_key(id.name.as_str())
                {
                    let value = self.expr(&a.right);
                    self.env.insert(id.name.to_string(), value);
                    return;
                }
                let e = self.expr(&e.expression);
                self.out.push(e);
            }
            Statement::ReturnStatement(r) => {
                let e = match &r.argument {
                    Some(a) => format!("return {}", self.expr(a)),
                    None => "return".into(),
                };
                self.out.push(e);
            }
            Statement::ThrowStatement(t) => {
                let e = format!("throw {}", self.expr(&t.argument));
                self.out.push(e);
            }
            Statement::BlockStatement(b) => self.statements(&b.body),
            // The `catch` of a `try` in an import body is the fallback of an `instanceof`
            // test (`result = false`); `finally` frees what the body read.
            Statement::TryStatement(t) => {
                self.statements(&t.block.body);
                if let Some(f) = &t.finalizer {
                    self.statements(&f.body);
                }
            }
            Statement::EmptyStatement(_) => {}
            _ => self.out.push("?".into()),
        }
    }

    fn args(&mut self, args: &[oxc_ast::ast::Argument<'_>]) -> String {
        args.iter()
            .map(|a| match a.as_expression() {
                Some(e) => self.expr(e),
                None => "?".into(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn expr(&mut self, e: &Expression<'_>) -> String {
        match e.without_parentheses() {
            Expression::Identifier(id) => {
                let name = id.name.as_str();
                if let Some(k) = self.params.get(name) {
                    format!("${k}")
                } else if let Some(v) = self.env.get(name) {
                    v.clone()
                } else {
                    name.to_owned()
                }
            }
            Expression::NumericLiteral(n) => n.value.to_string(),
            Expression::StringLiteral(s) => format!("{:?}", s.value.as_str()),
            Expression::BooleanLiteral(b) => b.value.to_string(),
            Expression::NullLiteral(_) => "null".into(),
            Expression::ThisExpression(_) => "this".into(),
            Expression::StaticMemberExpression(m) => {
                format!("{}.{}", self.expr(&m.object), m.property.name)
            }
            Expression::ComputedMemberExpression(m) => {
                // `getInt32Memory0()[arg0 / 4 + k]`: word k of the return area at `arg0`.
                if let Some((area, k)) = self.int32_slot(&m.object, &m.expression) {
                    return format!("{area}.i32[{k}]");
                }
                format!("{}[{}]", self.expr(&m.object), self.expr(&m.expression))
            }
            Expression::CallExpression(c) => self.call(c),
            Expression::NewExpression(n) => {
                format!("new {}({})", self.expr(&n.callee), self.args(&n.arguments))
            }
            Expression::BinaryExpression(b) => {
                if matches!(b.operator, BinaryOperator::ShiftRightZeroFill)
                    && matches!(&b.right, Expression::NumericLiteral(n) if n.value == 0.0)
                {
                    return format!("u32({})", self.expr(&b.left));
                }
                format!(
                    "({} {} {})",
                    self.expr(&b.left),
                    b.operator.as_str(),
                    self.expr(&b.right)
                )
            }
            Expression::LogicalExpression(l) => format!(
                "({} {} {})",
                self.expr(&l.left),
                l.operator.as_str(),
                self.expr(&l.right)
            ),
            Expression::UnaryExpression(u) => match u.operator {
                UnaryOperator::Typeof => format!("typeof {}", self.expr(&u.argument)),
                op => format!("{}{}", op.as_str(), self.expr(&u.argument)),
            },
            Expression::ConditionalExpression(c) => {
                let (test, yes, no) = (
                    self.expr(&c.test),
                    self.expr(&c.consequent),
                    self.expr(&c.alternate),
                );
                // `typeof g === 'undefined' ? null : g`
                if test == format!("(typeof {no} === \"undefined\")") && yes == "null" {
                    return format!("maybe({no})");
                }
                // `isLikeNone(x) ? 0 : addToExternrefTable0(x)`
                if test == format!("isLikeNone({no})") && yes == "0" {
                    return format!("slot({no})");
                }
                format!("({test} ? {yes} : {no})")
            }
            Expression::AssignmentExpression(a) => {
                let target = match &a.left {
                    AssignmentTarget::AssignmentTargetIdentifier(id) => {
                        self.expr_name(id.name.as_str())
                    }
                    AssignmentTarget::StaticMemberExpression(m) => {
                        format!("{}.{}", self.expr(&m.object), m.property.name)
                    }
                    AssignmentTarget::ComputedMemberExpression(m) => {
                        match self.int32_slot(&m.object, &m.expression) {
                            Some((area, k)) => format!("{area}.i32[{k}]"),
                            None => {
                                format!("{}[{}]", self.expr(&m.object), self.expr(&m.expression))
                            }
                        }
                    }
                    _ => "?".into(),
                };
                format!("{target} = {}", self.expr(&a.right))
            }
            _ => "?".into(),
        }
    }

    fn expr_name(&self, name: &str) -> String {
        match self.params.get(name) {
            Some(k) => format!("${k}"),
            None => name.to_owned(),
        }
    }

    fn call(&mut self, c: &oxc_ast::ast::CallExpression<'_>) -> String {
        let callee = match c.callee.without_parentheses() {
            Expression::Identifier(id) => Some(id.name.as_str()),
            _ => None,
        };
        let first = c.arguments.first().and_then(|a| a.as_expression());
        match (callee, first) {
            // wasm-bindgen's heap and externref plumbing: the value itself.
            (Some("getObject" | "addHeapObject" | "addToExternrefTable0"), Some(x)) => {
                return self.expr(x);
            }
            (Some("takeObject"), Some(x)) => {
                if let Expression::Identifier(id) = x.without_parentheses()
                    && let Some(&k) = self.params.get(id.name.as_str())
                {
                    self.takes.insert(k);
                }
                return self.expr(x);
            }
            (Some("getStringFromWasm0"), _) => return format!("str({})", self.args(&c.arguments)),
            (Some("getArrayU8FromWasm0"), _) => {
                return format!("bytes({})", self.args(&c.arguments));
            }
            // `passStringToWasm0(s, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc)`
            (Some("passStringToWasm0"), Some(x)) => return format!("string({})", self.expr(x)),
            _ => {}
        }
        // `getDataViewMemory0().setInt32(arg0 + 4 * k, v, true)`: word k of the return area.
        if let Expression::StaticMemberExpression(m) = c.callee.without_parentheses()
            && m.property.name == "setInt32"
            && self.expr(&m.object) == "getDataViewMemory0()"
            && let [at, value, ..] = c.arguments.as_slice()
            && let (Some(at), Some(value)) = (at.as_expression(), value.as_expression())
            && let Some((area, k)) = self.data_view_slot(at)
        {
            return format!("{area}.i32[{k}] = {}", self.expr(value));
        }
        format!("{}({})", self.expr(&c.callee), self.args(&c.arguments))
    }

    /// `getInt32Memory0()[a / 4 + k]` (or `[a / 4]`): `(a, k)`.
    fn int32_slot(
        &mut self,
        object: &Expression<'_>,
        index: &Expression<'_>,
    ) -> Option<(String, i64)> {
        let Expression::CallExpression(c) = object.without_parentheses() else {
            return None;
        };
        let Expression::Identifier(f) = c.callee.without_parentheses() else {
            return None;
        };
        if f.name != "getInt32Memory0" {
            return None;
        }
        let (quarter, k) = match index.without_parentheses() {
            Expression::BinaryExpression(b) if b.operator == BinaryOperator::Addition => {
                (&b.left, number(&b.right)?)
            }
            other => (other, 0),
        };
        let Expression::BinaryExpression(d) = quarter.without_parentheses() else {
            return None;
        };
        if d.operator != BinaryOperator::Division || number(&d.right)? != 4 {
            return None;
        }
        Some((self.expr(&d.left), k))
    }

    /// `a + 4 * k` (or `a`): `(a, k)`.
    fn data_view_slot(&mut self, at: &Expression<'_>) -> Option<(String, i64)> {
        match at.without_parentheses() {
            Expression::BinaryExpression(b) if b.operator == BinaryOperator::Addition => {
                let k = match b.right.without_parentheses() {
                    Expression::BinaryExpression(m)
                        if m.operator == BinaryOperator::Multiplication
                            && number(&m.left)? == 4 =>
                    {
                        number(&m.right)?
                    }
                    other => number(other)? / 4,
                };
                Some((self.expr(&b.left), k))
            }
            other => Some((self.expr(other), 0)),
        }
    }
}

/// A whole numeric literal.
fn number(e: &Expression<'_>) -> Option<i64> {
    match e.without_parentheses() {
        Expression::NumericLiteral(n) if n.value.fract() == 0.0 => Some(n.value as i64),
        _ => None,
    }
}

/// Classifies every import body of a glue file (for listings and tests).
pub fn classify_glue(path: &Path) -> crate::Result<Vec<(GlueImport, Classified)>> {
    let glue = crate::reader::glue::read_glue(path)?;
    Ok(glue
        .imports
        .into_iter()
        .map(|i| {
            let c = classify(&i.body);
            (i, c)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::reader::glue::parse_glue;

    /// Every import the glue defines, classified, by name.
    fn ops(path: &str, glue: &str) -> Vec<(String, JsOp, Vec<u32>, bool)> {
        parse_glue(Path::new(path), glue)
            .unwrap()
            .imports
            .into_iter()
            .map(|i| {
                let c = classify(&i.body);
                (i.name, c.op, c.takes, i.catches)
            })
            .collect()
    }

    fn op(body: &str) -> JsOp {
        classify(body).op
    }

    /// `(name, operation)` of each import `ops` found.
    fn names_and_ops(found: &[(String, JsOp, Vec<u32>, bool)]) -> Vec<(&str, JsOp)> {
        found
            .iter()
            .map(|(n, o, ..)| (n.as_str(), o.clone()))
            .collect()
    }

    /// wasm-bindgen 0.2.89 (o1js's plonk_wasm, nodejs): JS values on the heap.
    #[test]
    fn heap_style_0_2_89() {
        let found = ops(
            "plonk_wasm.cjs",
            r#"
module.exports.__wbg_new_abda76e883ba8a5f = function() {
    const ret = new Error();
    return addHeapObject(ret);
};
module.exports.__wbg_new_898a68150f225f2e = function() {
    const ret = new Array();
    return addHeapObject(ret);
};
module.exports.__wbg_new_8125e318e6245eed = function(arg0) {
    const ret = new Uint8Array(getObject(arg0));
    return addHeapObject(ret);
};
module.exports.__wbg_stack_658279fe44541cf6 = function(arg0, arg1) {
    const ret = getObject(arg1).stack;
    const ptr1 = passStringToWasm0(ret, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
    const len1 = WASM_VECTOR_LEN;
    getInt32Memory0()[arg0 / 4 + 1] = len1;
    getInt32Memory0()[arg0 / 4 + 0] = ptr1;
};
module.exports.__wbg_error_f851667af71bcfc6 = function(arg0, arg1) {
    let deferred0_0;
    let deferred0_1;
    try {
        deferred0_0 = arg0;
        deferred0_1 = arg1;
        console.error(getStringFromWasm0(arg0, arg1));
    } finally {
        wasm.__wbindgen_free(deferred0_0, deferred0_1, 1);
    }
};
module.exports.__wbg_randomFillSync_5c9c955aa56b6049 = function() { return handleError(function (arg0, arg1) {
    getObject(arg0).randomFillSync(takeObject(arg1));
}, arguments) };
module.exports.__wbg_set_502d29070ea18557 = function(arg0, arg1, arg2) {
    getObject(arg0)[arg1 >>> 0] = takeObject(arg2);
};
module.exports.__wbg_instanceof_Memory_6b2a8e33c4176794 = function(arg0) {
    let result;
    try {
        result = getObject(arg0) instanceof WebAssembly.Memory;
    } catch (_) {
        result = false;
    }
    const ret = result;
    return ret;
};
module.exports.__wbg_self_1ff1d729e9aae938 = function() { return handleError(function () {
    const ret = self.self;
    return addHeapObject(ret);
}, arguments) };
module.exports.__wbindgen_object_drop_ref = function(arg0) {
    takeObject(arg0);
};
module.exports.__wbindgen_number_new = function(arg0) {
    const ret = arg0;
    return addHeapObject(ret);
};
"#,
        );
        let console_error = JsOp::Console {
            method: "error".into(),
            frees: true,
        };
        let expected = [
            ("__wbg_new_abda76e883ba8a5f", JsOp::NewError, vec![], false),
            ("__wbg_new_898a68150f225f2e", JsOp::NewArray, vec![], false),
            (
                "__wbg_new_8125e318e6245eed",
                JsOp::NewUint8Array,
                vec![],
                false,
            ),
            (
                "__wbg_stack_658279fe44541cf6",
                JsOp::ErrorStack,
                vec![],
                false,
            ),
            ("__wbg_error_f851667af71bcfc6", console_error, vec![], false),
            (
                "__wbg_randomFillSync_5c9c955aa56b6049",
                JsOp::RandomFillSync,
                vec![1],
                true,
            ),
            ("__wbg_set_502d29070ea18557", JsOp::SetIndex, vec![2], false),
            (
                "__wbg_instanceof_Memory_6b2a8e33c4176794",
                JsOp::InstanceOf("WebAssembly.Memory".into()),
                vec![],
                false,
            ),
            (
                "__wbg_self_1ff1d729e9aae938",
                JsOp::Global("self".into()),
                vec![],
                true,
            ),
            ("__wbindgen_object_drop_ref", JsOp::Drop, vec![0], false),
            ("__wbindgen_number_new", JsOp::Arg, vec![], false),
        ];
        let expected: Vec<_> = expected
            .into_iter()
            .map(|(n, o, t, c)| (n.to_owned(), o, t, c))
            .collect();
        assert_eq!(found, expected);
    }

    /// wasm-bindgen 0.2.100 (o1js's kimchi_wasm): JS values as externrefs, the same
    /// operations under other hashes.
    #[test]
    fn externref_style_0_2_100() {
        assert_eq!(
            op("function() {\n    const ret = new Error();\n    return ret;\n}"),
            JsOp::NewError
        );
        assert_eq!(
            op("function(arg0) {\n    const ret = new Uint8Array(arg0);\n    return ret;\n}"),
            JsOp::NewUint8Array
        );
        assert_eq!(
            op("function(arg0) {\n    const ret = new Uint8Array(arg0 >>> 0);\n    return ret;\n}"),
            JsOp::NewUint8ArrayWithLength
        );
        assert_eq!(
            op("function(arg0, arg1) {
    const ret = arg1.stack;
    const ptr1 = passStringToWasm0(ret, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
    const len1 = WASM_VECTOR_LEN;
    getDataViewMemory0().setInt32(arg0 + 4 * 1, len1, true);
    getDataViewMemory0().setInt32(arg0 + 4 * 0, ptr1, true);
}"),
            JsOp::ErrorStack
        );
        assert_eq!(
            op("function() {
    const ret = typeof globalThis === 'undefined' ? null : globalThis;
    return isLikeNone(ret) ? 0 : addToExternrefTable0(ret);
}"),
            JsOp::StaticGlobal("globalThis".into())
        );
        assert_eq!(
            op("function() {
    const table = wasm.__wbindgen_export_2;
    const offset = table.grow(4);
    table.set(0, undefined);
    table.set(offset + 0, undefined);
    table.set(offset + 1, null);
    table.set(offset + 2, true);
    table.set(offset + 3, false);
    ;
}"),
            JsOp::InitExternrefTable
        );
        let random = classify("function (arg0, arg1) {\n    arg0.randomFillSync(arg1);\n}");
        assert_eq!((random.op, random.takes), (JsOp::RandomFillSync, vec![]));
    }

    /// wasm-bindgen 0.2.7x (brotli-wasm 3.0.1, lz4-wasm-nodejs 0.9.2): a two-argument
    /// `__wbindgen_free`, `__wbindgen_json_serialize`.
    #[test]
    fn heap_style_0_2_7x() {
        assert_eq!(
            op("function(arg0, arg1) {
    try {
        console.error(getStringFromWasm0(arg0, arg1));
    } finally {
        wasm.__wbindgen_free(arg0, arg1);
    }
}"),
            JsOp::Console {
                method: "error".into(),
                frees: true
            }
        );
        assert_eq!(
            op("function(arg0, arg1) {
    const obj = getObject(arg1);
    const ret = JSON.stringify(obj === undefined ? null : obj);
    const ptr0 = passStringToWasm0(ret, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
    const len0 = WASM_VECTOR_LEN;
    getInt32Memory0()[arg0 / 4 + 1] = len0;
    getInt32Memory0()[arg0 / 4 + 0] = ptr0;
}"),
            JsOp::JsonSerialize
        );
        assert_eq!(
            op(
                "function(arg0, arg1) {\n    const ret = getStringFromWasm0(arg0, arg1);\n    return addHeapObject(ret);\n}"
            ),
            JsOp::StringNew
        );
    }

    /// wasm-bindgen 0.2.105 (@astral-sh/ruff-wasm-nodejs 0.15.0): `exports.` glue, the
    /// intrinsics hashed too (`__wbg___wbindgen_throw_*`), casts as `__wbindgen_cast_*` and
    /// the externref table renamed.
    #[test]
    fn hashed_intrinsics_0_2_105() {
        let found = ops(
            "ruff_wasm.js",
            r#"
exports.__wbg___wbindgen_throw_b855445ff6a94295 = function(arg0, arg1) {
    throw new Error(getStringFromWasm0(arg0, arg1));
};
exports.__wbg_Error_e83987f665cf5504 = function(arg0, arg1) {
    const ret = Error(getStringFromWasm0(arg0, arg1));
    return ret;
};
exports.__wbindgen_cast_2241b6af4c4b2941 = function(arg0, arg1) {
    // Cast intrinsic for `Ref(String) -> Externref`.
    const ret = getStringFromWasm0(arg0, arg1);
    return ret;
};
exports.__wbindgen_init_externref_table = function() {
    const table = wasm.__wbindgen_externrefs;
    const offset = table.grow(4);
    table.set(0, undefined);
    table.set(offset + 0, undefined);
    table.set(offset + 1, null);
    table.set(offset + 2, true);
    table.set(offset + 3, false);
};
exports.__wbg_now_793306c526e2e3b6 = function() {
    const ret = Date.now();
    return ret;
};
"#,
        );
        let ops = names_and_ops(&found);
        assert_eq!(
            ops,
            [
                ("__wbg___wbindgen_throw_b855445ff6a94295", JsOp::Throw),
                ("__wbg_Error_e83987f665cf5504", JsOp::ErrorNew),
                ("__wbindgen_cast_2241b6af4c4b2941", JsOp::StringNew),
                ("__wbindgen_init_externref_table", JsOp::InitExternrefTable),
                ("__wbg_now_793306c526e2e3b6", JsOp::Unsupported),
            ]
        );
    }

    /// The three places glue defines imports: nodejs `module.exports.x = function`, web
    /// `imports.wbg.x = function` inside `__wbg_get_imports`, bundler `export function x`.
    #[test]
    fn web_and_bundler_glue() {
        let web = ops(
            "x.js",
            "function __wbg_get_imports() {
    const imports = {};
    imports.wbg = {};
    imports.wbg.__wbg_new_693216e109162396 = function() {
        const ret = new Error();
        return addHeapObject(ret);
    };
    imports.wbg.__wbindgen_throw = function(arg0, arg1) {
        throw new Error(getStringFromWasm0(arg0, arg1));
    };
    return imports;
}
export default __wbg_init;",
        );
        let names = names_and_ops(&web);
        assert_eq!(
            names,
            [
                ("__wbg_get_imports", JsOp::Unsupported),
                ("__wbg_new_693216e109162396", JsOp::NewError),
                ("__wbindgen_throw", JsOp::Throw),
            ]
        );
        let bundler = ops(
            "x_bg.js",
            "let wasm;
export function __wbg_set_wasm(val) { wasm = val; }
export function __wbg_new_693216e109162396() {
    const ret = new Error();
    return addHeapObject(ret);
}
export function __wbg_parse_def2e24ef1252aff() { return handleError(function (arg0, arg1) {
    const ret = JSON.parse(getStringFromWasm0(arg0, arg1));
    return addHeapObject(ret);
}, arguments) };",
        );
        let names: Vec<_> = bundler
            .iter()
            .map(|(n, o, _, c)| (n.as_str(), o.clone(), *c))
            .collect();
        assert_eq!(
            names,
            [
                ("__wbg_set_wasm", JsOp::Unsupported, false),
                ("__wbg_new_693216e109162396", JsOp::NewError, false),
                ("__wbg_parse_def2e24ef1252aff", JsOp::JsonParse, true),
            ]
        );
    }

    /// A body nothing matches keeps its source, wrapper and all.
    #[test]
    fn unknown_bodies_are_unsupported_with_their_source() {
        let glue = parse_glue(
            Path::new("x.cjs"),
            "module.exports.__wbg_frobnicate_0123456789abcdef = function() { return handleError(function (arg0) {\n    frobnicate(getObject(arg0));\n}, arguments) };",
        )
        .unwrap();
        let import = &glue.imports[0];
        assert!(import.catches);
        assert!(
            import
                .source
                .starts_with("function() { return handleError("),
            "{}",
            import.source
        );
        assert!(
            import.body.starts_with("function (arg0)"),
            "{}",
            import.body
        );
        let c = classify(&import.body);
        assert_eq!(c.op, JsOp::Unsupported);
        assert_eq!(c.canonical, "frobnicate($0)");
    }

    #[test]
    fn ops_render_as_runtime_expressions() {
        assert_eq!(JsOp::NewError.rust(), "JsOp::NewError");
        assert_eq!(
            JsOp::Property("crypto".into()).rust(),
            r#"JsOp::Property("crypto")"#
        );
        assert_eq!(
            JsOp::Console {
                method: "log".into(),
                frees: false
            }
            .rust(),
            r#"JsOp::Console { method: "log", frees: false }"#
        );
    }
}
