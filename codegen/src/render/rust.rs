//! Renders the Rust shim `<module>.rs`: a `proxy_runtime::classes!` block (one
//! handle type per JS class) and one `#[proxied]` trait with a method per
//! function export, in the shape `proxy-runtime` expects (see its crate docs).
//! The shim names the runtime only through `<crate>::__internal` (doc-hidden
//! re-exports for generated code), `<crate>` being [`RUNTIME_CRATE`] unless the
//! host renamed or re-exported it ([`render`]'s `runtime_crate`).
//!
//! Parameters and results are the raw wasm types. A raw `i32` becomes a class
//! handle only where that is certain: the typings declare the JS parameter (or
//! result) as exactly that class (not optional), and the glue's own call
//! `wasm.<export>(...)` passes that very parameter at that position, as
//! `x.__wbg_ptr` (borrowed: `&Handle<C>`) or as a local set from
//! `x.__destroy_into_raw()` (consumed: `Handle<C>`), or wraps the result with
//! `C.__wrap(ret)` (a constructor: `this.__wbg_ptr = ret`). Because positions come
//! from the glue's call and not from counting parameters, exports that also take
//! a return pointer or `(ptr, len)` pairs get their handles typed too.

use std::collections::HashMap;

use heck::{ToSnakeCase, ToUpperCamelCase};

use super::names::{NameScope, is_rust_path, rust_identifier};
use super::{GeneratedFile, header};
use crate::model::api::{JsApi, JsFunction, JsType};
use crate::model::{Export, ModuleModel, Role};
use crate::reader::glue::{
    Glue, GlueExportKind, Marshaling, MemberKind, OptionalArg, RawArg, RawCallSite, RawResult,
    WordRef,
};
use crate::reader::wasm::ExportKind;
use crate::replay::{CallFacts, Mutated, ReplayDecision, ReplayPolicy};

/// The path the shim reaches `proxy-runtime` under by default (the crate's library name).
pub const RUNTIME_CRATE: &str = "proxy_runtime";

/// Most parameters (or results) a wasmtime `TypedFunc` takes; exports with more are called
/// untyped (`args: &[Value]`).
pub const MAX_TYPED_ARITY: usize = 17;

/// clippy's default `too_many_arguments` threshold (`&self` included).
const CLIPPY_MAX_ARGUMENTS: usize = 7;

/// rustfmt's default line width: longer signatures are broken as rustfmt breaks them.
const MAX_WIDTH: usize = 100;

/// The rendered shim and what it covers.
#[derive(Debug, Clone)]
pub struct RustShim {
    /// `<module>.rs`.
    pub file: GeneratedFile,
    /// Name of the `#[proxied]` trait (`PlonkWasm` for `plonk_wasm`).
    pub trait_name: String,
    /// Trait methods rendered (one per function export, less `skipped`; `untyped` included).
    pub methods: usize,
    /// Parameters typed as `&Handle<C>` or `Handle<C>`.
    pub handle_params: usize,
    /// Results typed as `Handle<C>`.
    pub handle_results: usize,
    /// Methods marked `#[replay]` (mutations included).
    pub replayed: usize,
    /// Methods called untyped (an `externref` or `v128`, or more than 17 parameters).
    pub untyped: usize,
    /// Function exports left out, with the reason (a type not even an untyped call passes).
    pub skipped: Vec<(String, String)>,
}

/// Why no Rust shim could be rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RustRenderError {
    /// The runtime crate path given is not a Rust path.
    RuntimeCrate(String),
    /// A replay rule names an argument the export does not have.
    MutatedArgumentOutOfRange {
        /// The export.
        export: String,
        /// The 0-based position the rule names.
        arg: usize,
        /// How many parameters the export takes.
        arity: usize,
    },
    /// A replay rule says a call mutates an argument that is not a class handle
    /// (`#[replay(mutates = ..)]` must name a handle parameter).
    MutatedArgumentNotHandle {
        /// The export.
        export: String,
        /// The 0-based position the rule names.
        arg: usize,
    },
    /// A replay rule's glob does not parse.
    Policy(String),
}

impl std::fmt::Display for RustRenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::RuntimeCrate(path) => write!(
                f,
                "runtime crate path `{path}` is not a Rust path (e.g. `proxy_runtime`, `my_dep::proxy_runtime`)"
            ),
            Self::MutatedArgumentOutOfRange { export, arg, arity } => write!(
                f,
                "replay policy: `{export}` mutates argument {arg}, but it takes {arity} parameter(s)"
            ),
            Self::MutatedArgumentNotHandle { export, arg } => write!(
                f,
                "replay policy: `{export}` mutates argument {arg}, which is not a class handle \
                 (the typings and glue do not show one there)"
            ),
            Self::Policy(message) => write!(f, "replay policy: {message}"),
        }
    }
}

impl std::error::Error for RustRenderError {}

/// The file name of a module's Rust shim: what `include_proxy!("<module>")` includes.
pub fn file_name(module: &str) -> String {
    format!("{module}.rs")
}

/// The trait name for a module: `plonk_wasm` → `PlonkWasm`.
pub fn trait_name(module: &str) -> String {
    let camel = module.to_upper_camel_case();
    let ident = rust_identifier(&camel);
    // rust_identifier prefixes `_` to names starting with a digit, which UpperCamelCase lost.
    if ident.starts_with('_') || ident.starts_with("r#") {
        format!(
            "Module{}",
            ident.trim_start_matches("r#").trim_start_matches('_')
        )
    } else {
        ident
    }
}

/// Renders `<module>.rs` for `model`, marking calls `#[replay]` as `policy` says; the shim
/// reaches the runtime under `runtime_crate` ([`RUNTIME_CRATE`] unless renamed).
pub fn render(
    model: &ModuleModel,
    policy: &ReplayPolicy,
    runtime_crate: &str,
) -> Result<RustShim, RustRenderError> {
    if !is_rust_path(runtime_crate) {
        return Err(RustRenderError::RuntimeCrate(runtime_crate.to_owned()));
    }
    let internal = format!("{runtime_crate}::__internal");
    let classes = ClassNames::new(model);
    let mut trait_scope = NameScope::default();
    let mut trait_name = trait_name(&model.name);
    // `#[proxied]` also declares `<Trait>Proxy` and `<Trait>Exports`.
    if ["", "Proxy", "Exports"]
        .iter()
        .any(|suffix| classes.is_taken(&format!("{trait_name}{suffix}")))
    {
        trait_name.push_str("Module");
    }
    let context = Context::new(model, &classes);

    let functions: Vec<&Export> = model
        .exports
        .iter()
        .filter(|e| e.kind == ExportKind::Function)
        .collect();
    // Exports whose name is already a fine Rust name keep it, whatever comes first.
    let mut names: HashMap<&str, String> = HashMap::new();
    for export in &functions {
        let candidate = rust_identifier(&context.rust_name(export));
        if candidate == export.name {
            names.insert(&export.name, trait_scope.take(candidate));
        }
    }
    let mut methods = Vec::new();
    let mut skipped = Vec::new();
    for export in &functions {
        let name = match names.remove(export.name.as_str()) {
            Some(name) => name,
            None => trait_scope.take(rust_identifier(&context.rust_name(export))),
        };
        match context.method(export, name, policy)? {
            Ok(method) => methods.push(method),
            Err(reason) => skipped.push((export.name.clone(), reason)),
        }
    }

    let mut imports = Vec::new();
    if methods.iter().any(Method::uses_handles) {
        imports.push("Handle");
    }
    imports.push("Result");
    if methods.iter().any(|m| m.untyped.is_some()) {
        imports.push("Value");
    }
    let any_high = methods.iter().any(|m| m.high.is_ok());
    if any_high {
        imports.extend(["JsArg", "JsCall", "JsReturn", "WasmArg", "Word"]);
    }
    let any_absent_literal = methods.iter().any(|m| {
        m.high
            .as_ref()
            .is_ok_and(|h| h.args.iter().any(|a| a.starts_with("OrNone")))
    });
    if any_absent_literal {
        imports.push("RawValue");
    }
    imports.sort_unstable();
    imports.push("proxied");
    let mut out = String::new();
    out.push_str(&format!("// {}\n", header(model)));
    let use_line = format!("use {internal}::{{{}}};", imports.join(", "));
    if use_line.len() <= MAX_WIDTH {
        out.push_str(&use_line);
        out.push('\n');
    } else {
        out.push_str(&format!(
            "use {internal}::{{\n    {},\n}};\n",
            imports.join(", ")
        ));
    }
    if !classes.list.is_empty() {
        out.push_str(&format!("\n{internal}::classes! {{\n"));
        for class in &classes.list {
            out.push_str(&format!("    /// wasm-bindgen class `{}`.\n", class.js));
            match &class.free {
                Some(free) => out.push_str(&format!("    pub {} = {:?};\n", class.rust, free)),
                None => out.push_str(&format!("    pub {};\n", class.rust)),
            }
        }
        out.push_str("}\n");
    }
    let export_count = model.exports.len();
    out.push('\n');
    out.push_str(&format!(
        "/// Raw exports of `{}`: one method per function export ({} functions of {export_count} exports).\n",
        model.name,
        functions.len(),
    ));
    if !skipped.is_empty() {
        out.push_str(&format!(
            "///\n/// {} function(s) left out: the proxy cannot call them (see the comments).\n",
            skipped.len()
        ));
    }
    if runtime_crate == RUNTIME_CRATE {
        out.push_str("#[proxied]\n");
    } else {
        out.push_str(&format!("#[proxied(crate = {runtime_crate})]\n"));
    }
    // The arity is the module's, not a design choice to lint.
    if methods
        .iter()
        .any(|m| m.params.len() + 1 > CLIPPY_MAX_ARGUMENTS)
    {
        out.push_str("#[allow(clippy::too_many_arguments)]\n");
    }
    out.push_str(&format!("pub trait {trait_name} {{\n"));
    for (name, reason) in &skipped {
        out.push_str(&format!("    // skipped `{name}`: {reason}\n"));
    }
    for method in &methods {
        method.write(&mut out);
    }
    out.push_str("}\n");
    let high: Vec<(&Method, &HighLevel)> = methods
        .iter()
        .filter_map(|m| m.high.as_ref().ok().map(|h| (m, h)))
        .collect();
    if !high.is_empty() {
        out.push_str(&format!(
            "\n/// The module's own API: the typings' signatures, marshaled as the glue does it, each\n/// call atomic with respect to swaps ({} of {} methods; the others only raw, through\n/// [`{trait_name}`]).\nimpl {trait_name}Proxy {{\n",
            high.len(),
            methods.len()
        ));
        // Members of the JS API left raw, with why: what a reader of the shim looks for.
        for m in &methods {
            if let Err(reason) = &m.high
                && !reason.starts_with(NO_JS_MEMBER)
            {
                out.push_str(&format!("    // raw only: `{}`: {reason}\n", m.name));
            }
        }
        for (m, h) in high {
            h.write(&mut out, &m.name, &m.doc);
        }
        out.push_str("}\n");
    }
    out.push_str(&js_imports_table(model, runtime_crate));

    Ok(RustShim {
        file: GeneratedFile::new(file_name(&model.name), out),
        trait_name,
        methods: methods.len(),
        handle_params: methods
            .iter()
            .flat_map(|m| &m.params)
            .filter(|p| !matches!(p.ty, ParamType::Raw(_)))
            .count(),
        handle_results: methods
            .iter()
            .filter(|m| matches!(m.result, ResultType::Handle(_)))
            .count(),
        replayed: methods.iter().filter(|m| m.replay.is_some()).count(),
        untyped: methods.iter().filter(|m| m.untyped.is_some()).count(),
        skipped,
    })
}

/// A JS class and the Rust handle type naming it.
struct ClassName {
    js: String,
    rust: String,
    free: Option<String>,
}

struct ClassNames {
    list: Vec<ClassName>,
    by_js: HashMap<String, usize>,
}

impl ClassNames {
    fn new(model: &ModuleModel) -> Self {
        // The `use` line brings these into scope: a class may not shadow them.
        let mut scope = NameScope::with_reserved(&[
            "Handle", "Result", "Value", "proxied", "JsArg", "JsCall", "JsReturn", "WasmArg",
            "Word", "RawValue",
        ]);
        let mut list = Vec::new();
        let mut by_js = HashMap::new();
        for class in model.api.iter().flat_map(|api| &api.classes) {
            let free = model
                .exports
                .iter()
                .find(|e| e.role == Role::Free && e.class.as_deref() == Some(&class.name))
                .map(|e| e.name.clone());
            by_js.insert(class.name.clone(), list.len());
            list.push(ClassName {
                js: class.name.clone(),
                rust: scope.take(rust_identifier(&class.name)),
                free,
            });
        }
        Self { list, by_js }
    }

    fn rust(&self, js: &str) -> Option<&str> {
        self.by_js.get(js).map(|&i| self.list[i].rust.as_str())
    }

    fn is_taken(&self, rust: &str) -> bool {
        self.list.iter().any(|c| c.rust == rust)
    }
}

/// The model, glue and typings indexed for rendering methods.
struct Context<'m> {
    model: &'m ModuleModel,
    classes: &'m ClassNames,
    /// Function index of every function export: folded aliases share one.
    index_of: HashMap<&'m str, u32>,
}

enum ParamType {
    Raw(&'static str),
    Borrowed(String),
    Consumed(String),
}

enum ResultType {
    Raw(Vec<&'static str>),
    Handle(String),
    /// `Vec<Value>` of an untyped method.
    Values,
}

struct Param {
    name: String,
    ty: ParamType,
}

struct Method {
    doc: String,
    /// Why the method is called untyped (`args: &[Value]`), if it is.
    untyped: Option<String>,
    export: Option<String>,
    replay: Option<String>,
    name: String,
    params: Vec<Param>,
    result: ResultType,
    /// The high-level method (the typings' signature, marshaled as the glue does), or why
    /// there is none.
    high: Result<HighLevel, String>,
}

impl Method {
    fn uses_handles(&self) -> bool {
        matches!(self.result, ResultType::Handle(_))
            || self
                .params
                .iter()
                .any(|p| !matches!(p.ty, ParamType::Raw(_)))
    }

    fn write(&self, out: &mut String) {
        out.push_str(&format!("    /// {}\n", self.doc));
        if let Some(reason) = &self.untyped {
            out.push_str(&format!("    ///\n    /// Called untyped: {reason}.\n"));
        }
        if let Some(replay) = &self.replay {
            out.push_str(&format!("    {replay}\n"));
        }
        if let Some(export) = &self.export {
            out.push_str(&format!("    #[export = {export:?}]\n"));
        }
        let untyped_args = self.untyped.as_ref().map(|_| "args: &[Value]".to_owned());
        let params: Vec<String> = std::iter::once("&self".to_owned())
            .chain(untyped_args)
            .chain(self.params.iter().map(|p| {
                let ty = match &p.ty {
                    ParamType::Raw(t) => (*t).to_owned(),
                    ParamType::Borrowed(c) => format!("&Handle<{c}>"),
                    ParamType::Consumed(c) => format!("Handle<{c}>"),
                };
                format!("{}: {ty}", p.name)
            }))
            .collect();
        let result = match &self.result {
            ResultType::Raw(types) if types.is_empty() => "()".to_owned(),
            ResultType::Raw(types) if types.len() == 1 => types[0].to_owned(),
            ResultType::Raw(types) => format!("({})", types.join(", ")),
            ResultType::Handle(c) => format!("Handle<{c}>"),
            ResultType::Values => "Vec<Value>".to_owned(),
        };
        let one_line = format!(
            "    fn {}({}) -> Result<{result}>;",
            self.name,
            params.join(", ")
        );
        // rustfmt keeps a signature on one line below the width, moves the result
        // type down at exactly the width (the `;` does not count), else goes vertical.
        if one_line.len() < MAX_WIDTH {
            out.push_str(&one_line);
            out.push('\n');
        } else if one_line.len() == MAX_WIDTH {
            out.push_str(&format!(
                "    fn {}({})\n    -> Result<{result}>;\n",
                self.name,
                params.join(", ")
            ));
        } else {
            // rustfmt's vertical layout: one parameter per line, trailing comma.
            out.push_str(&format!("    fn {}(\n", self.name));
            for p in &params {
                out.push_str(&format!("        {p},\n"));
            }
            out.push_str(&format!("    ) -> Result<{result}>;\n"));
        }
    }
}

/// Wasm types an untyped call passes (as `proxy_runtime::Value`) that a typed one cannot.
const UNTYPED_TYPES: [&str; 2] = ["externref", "v128"];

fn raw_type(wasm: &str) -> Option<&'static str> {
    match wasm {
        "i32" => Some("i32"),
        "i64" => Some("i64"),
        "f32" => Some("f32"),
        "f64" => Some("f64"),
        _ => None,
    }
}

impl<'m> Context<'m> {
    fn new(model: &'m ModuleModel, classes: &'m ClassNames) -> Self {
        let index_of = model
            .wasm
            .exports
            .iter()
            .filter(|e| e.kind == ExportKind::Function)
            .map(|e| (e.name.as_str(), e.index))
            .collect();
        Self {
            model,
            classes,
            index_of,
        }
    }

    /// The trait method for one function export, or why it is left out.
    fn method(
        &self,
        export: &Export,
        name: String,
        policy: &ReplayPolicy,
    ) -> Result<Result<Method, String>, RustRenderError> {
        // Exports a `TypedFunc` cannot call are called untyped, with `Value`s.
        let mut untyped = None;
        for (i, t) in export.params.iter().enumerate() {
            if raw_type(t).is_none() {
                if !UNTYPED_TYPES.contains(&t.as_str()) {
                    return Ok(Err(format!(
                        "parameter {i} is `{t}`, which the proxy cannot pass"
                    )));
                }
                untyped.get_or_insert_with(|| format!("parameter {i} is `{t}`"));
            }
        }
        for t in &export.results {
            if raw_type(t).is_none() {
                if !UNTYPED_TYPES.contains(&t.as_str()) {
                    return Ok(Err(format!(
                        "it returns `{t}`, which the proxy cannot pass"
                    )));
                }
                untyped.get_or_insert_with(|| format!("it returns `{t}`"));
            }
        }
        for (what, n) in [
            ("parameters", export.params.len()),
            ("results", export.results.len()),
        ] {
            if n > MAX_TYPED_ARITY {
                untyped.get_or_insert_with(|| {
                    format!(
                        "it has {n} {what}; wasmtime's typed calls take at most {MAX_TYPED_ARITY}"
                    )
                });
            }
        }
        let resolution = policy
            .resolve(&CallFacts::of(self.model, export))
            .map_err(|e| RustRenderError::Policy(e.to_string()))?;
        // The Rust runtime has no refusal yet: a refused call stays unlogged there.
        let decision = match resolution.mutates {
            Some(Mutated::This) if resolution.refuse.is_none() => {
                // The raw position of `this` (after a return pointer, if any).
                let this = self.call_site(export).and_then(|site| {
                    site.args
                        .iter()
                        .position(|a| matches!(a, RawArg::Borrowed { of } if of == "this"))
                });
                match this {
                    Some(arg) => ReplayDecision::Mutates { arg },
                    None => ReplayDecision::Replay,
                }
            }
            Some(Mutated::FirstHandle) if resolution.refuse.is_none() => {
                let first = self.call_site(export).and_then(|site| {
                    site.args.iter().position(
                        |a| matches!(a, RawArg::Borrowed { of } | RawArg::Consumed { of } if of != "this"),
                    )
                });
                match first {
                    Some(arg) => ReplayDecision::Mutates { arg },
                    // Passed as a raw pointer (an optional object): replaying the pointer
                    // would name another object; left unlogged as before.
                    None => ReplayDecision::Unlogged,
                }
            }
            _ => ReplayDecision::from(resolution),
        };
        let js = self.js_signature(export);
        let doc = self.doc(export, js.as_ref());
        let export_attr = (name != export.name).then(|| export.name.clone());
        if let Some(reason) = untyped {
            let logged = !matches!(decision, ReplayDecision::Unlogged);
            return Ok(Ok(Method {
                doc,
                untyped: Some(if logged {
                    format!("{reason}; the replay policy logs it, but untyped calls are not logged")
                } else {
                    reason
                }),
                export: export_attr,
                replay: None,
                name,
                params: Vec::new(),
                result: ResultType::Values,
                high: Err("called untyped".into()),
            }));
        }
        let raw_params: Vec<&'static str> =
            export.params.iter().filter_map(|t| raw_type(t)).collect();
        let raw_results: Vec<&'static str> =
            export.results.iter().filter_map(|t| raw_type(t)).collect();

        let site = self.call_site(export);
        let mut param_scope = NameScope::with_reserved(&["self"]);
        let params: Vec<Param> = raw_params
            .iter()
            .enumerate()
            .map(|(i, &raw)| {
                let arg = site.and_then(|s| s.args.get(i));
                let hint = match arg {
                    Some(RawArg::Borrowed { of } | RawArg::Consumed { of }) => of.as_str(),
                    Some(RawArg::Identifier { name }) => name.as_str(),
                    _ => "",
                };
                let name = if hint.is_empty() {
                    format!("arg{i}")
                } else {
                    rust_identifier(&hint.to_snake_case())
                };
                let class = (raw == "i32")
                    .then(|| arg.and_then(|a| self.handle_class(export, js.as_ref(), a)))
                    .flatten();
                let ty = match (arg, class) {
                    (Some(RawArg::Borrowed { .. }), Some(c)) => ParamType::Borrowed(c),
                    (Some(RawArg::Consumed { .. }), Some(c)) => ParamType::Consumed(c),
                    _ => ParamType::Raw(raw),
                };
                Param {
                    name: param_scope.take(name),
                    ty,
                }
            })
            .collect();
        let result = match (raw_results.as_slice(), site.map(|s| &s.result)) {
            (["i32"], Some(r)) => match self.result_class(export, js.as_ref(), r) {
                Some(c) => ResultType::Handle(c),
                None => ResultType::Raw(raw_results),
            },
            _ => ResultType::Raw(raw_results),
        };

        let replay = match decision {
            ReplayDecision::Unlogged => None,
            ReplayDecision::Replay => Some("#[replay]".to_owned()),
            ReplayDecision::Mutates { arg } => match params.get(arg) {
                Some(Param {
                    ty: ParamType::Raw(_),
                    ..
                }) => {
                    return Err(RustRenderError::MutatedArgumentNotHandle {
                        export: export.name.clone(),
                        arg,
                    });
                }
                Some(p) => Some(format!("#[replay(mutates = {})]", p.name)),
                None => {
                    return Err(RustRenderError::MutatedArgumentOutOfRange {
                        export: export.name.clone(),
                        arg,
                        arity: params.len(),
                    });
                }
            },
        };
        let high = match (site, js.as_ref()) {
            (Some(site), Some(js)) => self.high_level(export, site, js, &params, &decision),
            _ => Err(NO_JS_MEMBER.into()),
        };
        Ok(Ok(Method {
            doc,
            untyped: None,
            export: export_attr,
            replay,
            name,
            params,
            result,
            high,
        }))
    }

    /// The high-level method of an export: its JS parameters and result in Rust types
    /// (`&[u8]`, `&str`, numbers, `bool`, handles, `Option`s of them; `Vec<u8>`, `String`...),
    /// and the `JsCall` describing how the glue marshals them. `Err` says why there is none:
    /// whatever the glue does that these facts do not follow leaves the export raw only.
    fn high_level(
        &self,
        export: &Export,
        site: &RawCallSite,
        js: &JsSignature,
        raw: &[Param],
        decision: &ReplayDecision,
    ) -> Result<HighLevel, String> {
        let m = &site.marshaling;
        if let Some(what) = &m.unsupported {
            return Err(format!("the glue uses `{what}`"));
        }
        if js.all_params.iter().any(|p| p.rest) {
            return Err("a rest parameter".into());
        }
        let takes_this = site.args.iter().any(
            |a| matches!(a, RawArg::Borrowed { of } | RawArg::Consumed { of } if of == "this"),
        );
        // Parameters in JS order, `this` first; an optional one's type is `Optional(T)`.
        let mut names: Vec<(String, JsType)> = Vec::new();
        if takes_this {
            names.push(("this".into(), JsType::Other));
        }
        names.extend(js.all_params.iter().map(|p| {
            let ty = match (&p.ty, p.optional) {
                (JsType::Optional(_), _) | (_, false) => p.ty.clone(),
                (t, true) => JsType::Optional(Box::new(t.clone())),
            };
            (p.name.clone(), ty)
        }));
        let index = |of: &str| {
            names
                .iter()
                .position(|(n, _)| n == of)
                .ok_or_else(|| format!("`{of}` is not a parameter"))
        };
        let class = |t: &JsType| match t {
            JsType::Class(c) => self.classes.rust(c).map(str::to_owned),
            _ => None,
        };
        let mut types: Vec<Option<String>> = vec![None; names.len()];
        let mut used = vec![false; names.len()];
        let mut args = Vec::new();
        for (i, a) in site.args.iter().enumerate() {
            let wasm = export.params.get(i).map(String::as_str).unwrap_or_default();
            if let Some((_, o)) = m.optional_args.iter().find(|(at, _)| *at == i) {
                let (of, arg) = match o {
                    OptionalArg::IsSome(of) => (of, None),
                    OptionalArg::OrNone { of, none } => (of, Some(*none)),
                    OptionalArg::Object { of, consumed } => {
                        let n = index(of)?;
                        let JsType::Optional(inner) = &names[n].1 else {
                            return Err(format!(
                                "`{of}` is passed as optional but typed {:?}",
                                names[n].1
                            ));
                        };
                        let c =
                            class(inner).ok_or_else(|| format!("`{of}` is not a known class"))?;
                        types[n] = Some(if *consumed {
                            format!("Option<Handle<{c}>>")
                        } else {
                            format!("Option<&Handle<{c}>>")
                        });
                        used[n] = true;
                        args.push(format!("Handle({n})"));
                        continue;
                    }
                };
                let n = index(of)?;
                let JsType::Optional(inner) = &names[n].1 else {
                    return Err(format!(
                        "`{of}` is passed as optional but typed {:?}",
                        names[n].1
                    ));
                };
                used[n] = true;
                let Some(none) = arg else {
                    args.push(format!("IsSome({n})"));
                    continue;
                };
                // The Rust type follows the encoding: `0x100000001` is an absent `u32` in an
                // `f64`, `0xFFFFFF` an absent boolean in an `i32`; `0` goes with `IsSome`.
                let (ty, literal) = match (&**inner, wasm, none) {
                    (JsType::Number | JsType::Enum(_), "f64", 0x1_0000_0001) => {
                        ("u32", format!("F64({})", (none as f64).to_bits()))
                    }
                    (JsType::Boolean, "i32", 0xFF_FFFF) => ("bool", format!("I32({none})")),
                    (JsType::Number | JsType::Enum(_), "i32", 0) => ("i32", "I32(0)".into()),
                    (JsType::Number, "f64", 0) => ("f64", "F64(0)".into()),
                    (JsType::BigInt, "i64", 0) => ("i64", "I64(0)".into()),
                    (t, w, none) => {
                        return Err(format!(
                            "`{of}` is optional {t:?} passed as {w} ({none} if absent)"
                        ));
                    }
                };
                types[n] = Some(format!("Option<{ty}>"));
                args.push(format!("OrNone({n}, RawValue::{literal})"));
                continue;
            }
            match a {
                RawArg::Borrowed { of } | RawArg::Consumed { of } => {
                    let n = index(of)?;
                    let ty = match raw.get(i).map(|p| &p.ty) {
                        Some(ParamType::Borrowed(c)) => format!("&Handle<{c}>"),
                        Some(ParamType::Consumed(c)) => format!("Handle<{c}>"),
                        _ => return Err(format!("`{of}` is not a known class")),
                    };
                    types[n] = Some(ty);
                    used[n] = true;
                    args.push(format!("Handle({n})"));
                }
                RawArg::Identifier { name } if m.stack.as_deref() == Some(name) => {
                    args.push("RetPtr".into())
                }
                RawArg::Identifier { name } => {
                    if let Some(p) = m
                        .passed
                        .iter()
                        .find(|p| &p.ptr == name || p.len.as_deref() == Some(name))
                    {
                        let n = index(&p.of)?;
                        let declared = match &names[n].1 {
                            JsType::Optional(t) if p.optional => &**t,
                            t if !p.optional => t,
                            t => {
                                return Err(format!(
                                    "`{}` is optional in the glue, {t:?} in the typings",
                                    p.of
                                ));
                            }
                        };
                        let ty = match (declared, p.string) {
                            (JsType::String, true) => "&str",
                            (JsType::TypedArray(a), false) if a == "Uint8Array" => "&[u8]",
                            (t, _) => return Err(format!("`{}` is {t:?} passed as bytes", p.of)),
                        };
                        types[n] = Some(if p.optional {
                            format!("Option<{ty}>")
                        } else {
                            ty.into()
                        });
                        used[n] = true;
                        args.push(format!(
                            "{}({n})",
                            if &p.ptr == name { "Ptr" } else { "Len" }
                        ));
                        continue;
                    }
                    let n = index(name)?;
                    let ty = match (&names[n].1, wasm) {
                        (JsType::Boolean, "i32") => "bool",
                        (JsType::Number | JsType::Enum(_), "i32") => "i32",
                        (JsType::Number, "f64") => "f64",
                        (JsType::Number, "f32") => "f32",
                        (JsType::BigInt, "i64") => "i64",
                        (t, w) => return Err(format!("`{name}` is {t:?} passed as {w}")),
                    };
                    types[n] = Some(ty.into());
                    used[n] = true;
                    args.push(format!("Value({n})"));
                }
                RawArg::Other => return Err(format!("argument {i} is an expression")),
            }
        }
        let params = names
            .iter()
            .zip(types)
            .zip(used)
            .map(|(((n, _), t), used)| {
                let ty = t
                    .filter(|_| used)
                    .ok_or_else(|| format!("`{n}` is not passed to the export"))?;
                let name = rust_identifier(&n.to_snake_case());
                Ok((if name == "self" { "this".into() } else { name }, ty))
            })
            .collect::<Result<Vec<_>, String>>()?;
        let (returns, result) = self.high_result(export, m, js)?;
        let word = |w: &WordRef| word_variant(w);
        let throws = m.throws.as_ref().map(|(v, f)| (word(v), word(f)));
        let (replay, mutates) = match decision {
            ReplayDecision::Unlogged => (false, None),
            ReplayDecision::Replay => (true, None),
            ReplayDecision::Mutates { arg } => match site.args.get(*arg) {
                Some(RawArg::Borrowed { of } | RawArg::Consumed { of }) => (true, Some(index(of)?)),
                _ => return Err("the object it changes is not a parameter".into()),
            },
        };
        Ok(HighLevel {
            export: export.name.clone(),
            params,
            args,
            returns,
            result,
            throws,
            replay,
            mutates,
        })
    }

    /// The `JsReturn` of a high-level method and its Rust result, when the glue's handling
    /// of the result agrees with the typings' type.
    fn high_result(
        &self,
        export: &Export,
        m: &Marshaling,
        js: &JsSignature,
    ) -> Result<(ReturnExpr, HighResult), String> {
        let word = word_variant;
        let result_wasm = |w: &WordRef| match w {
            WordRef::Slot(_) => Some("i32"),
            WordRef::Result(n) => export.results.get(*n as usize).map(String::as_str),
            WordRef::Local(_) => export.results.first().map(String::as_str),
        };
        let number = |t: &JsType, w: &WordRef| -> Result<&'static str, String> {
            Ok(match (t, result_wasm(w)) {
                (JsType::Number | JsType::Enum(_), Some("i32")) => "i32",
                (JsType::Number, Some("f64")) => "f64",
                (JsType::Number, Some("f32")) => "f32",
                (JsType::BigInt, Some("i64")) => "i64",
                (t, w) => return Err(format!("returns {t:?} as {w:?}")),
            })
        };
        let class = |t: &JsType| match t {
            JsType::Class(c) => self.classes.rust(c).map(str::to_owned),
            _ => None,
        };
        let (declared, optional) = match &js.returns {
            JsType::Optional(t) => (&**t, true),
            t => (t, false),
        };
        if let Some((string, ptr, len)) = &m.decoded {
            let fits = match declared {
                JsType::String => *string,
                JsType::TypedArray(a) => a == "Uint8Array" && !*string,
                _ => false,
            };
            if !fits || optional != m.decoded_guard.is_some() {
                return Err(format!(
                    "decodes {} for {:?}",
                    if *string { "a string" } else { "bytes" },
                    js.returns
                ));
            }
            let fields = [("ptr", word(ptr)), ("len", word(len))];
            return Ok(match (string, optional) {
                (true, false) => (
                    ReturnExpr::Struct("Str", fields),
                    HighResult::Plain("String".into(), "into_string()"),
                ),
                (false, false) => (
                    ReturnExpr::Struct("Bytes", fields),
                    HighResult::Plain("Vec<u8>".into(), "into_bytes()"),
                ),
                (true, true) => (
                    ReturnExpr::Struct("OptStr", fields),
                    HighResult::Plain("Option<String>".into(), "into_option_string()"),
                ),
                (false, true) => (
                    ReturnExpr::Struct("OptBytes", fields),
                    HighResult::Plain("Option<Vec<u8>>".into(), "into_option_bytes()"),
                ),
            });
        }
        if optional {
            let Some((flag, value)) = &m.returned_optional else {
                return Err(format!(
                    "the glue's result handling of {:?} is not followed",
                    js.returns
                ));
            };
            if let Some(c) = class(declared) {
                return if m.object.as_ref() == Some(value) {
                    Ok((
                        ReturnExpr::Call(format!("OptHandle(Word::{})", word(value))),
                        HighResult::OptHandle(c),
                    ))
                } else {
                    Err("an optional object the glue does not wrap".into())
                };
            }
            let ty = number(declared, value)?;
            return Ok((
                ReturnExpr::Struct("OptValue", [("flag", word(flag)), ("value", word(value))]),
                HighResult::Plain(format!("Option<{ty}>"), "into_option_value()"),
            ));
        }
        if let (Some(c), Some(w)) = (
            class(declared),
            m.object.as_ref().or(m.returned.as_ref().map(|r| &r.0)),
        ) {
            return Ok((
                ReturnExpr::Call(format!("Handle(Word::{})", word(w))),
                HighResult::Handle(c),
            ));
        }
        match (&m.returned, declared) {
            (Some((w, true)), JsType::Boolean) => Ok((
                ReturnExpr::Call(format!("Bool(Word::{})", word(w))),
                HighResult::Plain("bool".into(), "into_bool()"),
            )),
            (Some((w, false)), t) => Ok((
                ReturnExpr::Call(format!("Value(Word::{})", word(w))),
                HighResult::Plain(number(t, w)?.into(), "into_value()"),
            )),
            (None, JsType::Void) => Ok((
                ReturnExpr::Call("Unit".into()),
                HighResult::Plain("()".into(), "into_unit()"),
            )),
            _ => Err(format!(
                "the glue's result handling of {:?} is not followed",
                js.returns
            )),
        }
    }

    /// The method's doc line: the JS signature, or the raw one.
    fn doc(&self, export: &Export, js: Option<&JsSignature>) -> String {
        match js {
            Some(js) => format!("`{}`", js.text),
            None => format!(
                "`{}({}) -> ({})`{}",
                export.name,
                export.params.join(", "),
                export.results.join(", "),
                match export.role {
                    Role::Plumbing => " (wasm-bindgen plumbing)",
                    Role::Unmatched => " (nothing in the typings or glue calls it)",
                    _ => "",
                }
            ),
        }
    }

    /// `caml_pasta_fp_plonk_gate_vector_add`, `counter_with_seed`, `wasmgvesta_get_x`.
    fn rust_name(&self, export: &Export) -> String {
        let class = export.class.as_deref().map(str::to_lowercase);
        let member = export.member.as_deref().unwrap_or_default().to_snake_case();
        match (export.role, class) {
            (Role::Getter, Some(c)) => format!("{c}_get_{member}"),
            (Role::Setter, Some(c)) => format!("{c}_set_{member}"),
            (Role::Free, Some(c)) => format!("{c}_free"),
            _ => {
                // Keep wasm-bindgen's leading underscores (`__wbindgen_malloc`); snake-case the rest.
                let rest = export.name.trim_start_matches('_');
                let underscores = &export.name[..export.name.len() - rest.len()];
                let snake = rest.to_snake_case();
                if snake.is_empty() {
                    export.name.clone()
                } else {
                    format!("{underscores}{snake}")
                }
            }
        }
    }

    /// The glue's call of this export (or of an alias the linker folded it into),
    /// when the glue member calls it exactly once or every call agrees.
    fn call_site(&self, export: &Export) -> Option<&'m RawCallSite> {
        let glue: &Glue = self.model.glue.as_ref()?;
        let member = export.member.as_deref()?;
        let sites: &[RawCallSite] = match (&export.class, export.role) {
            (None, _) => {
                let e = glue.export(member)?;
                (e.kind == GlueExportKind::Function).then_some(())?;
                &e.call_sites
            }
            (Some(class), role) => {
                let kind = match role {
                    Role::Constructor => MemberKind::Constructor,
                    Role::Getter => MemberKind::Getter,
                    Role::Setter => MemberKind::Setter,
                    Role::StaticMethod => MemberKind::StaticMethod,
                    _ => MemberKind::Method,
                };
                let m = glue
                    .export(class)?
                    .members
                    .iter()
                    .find(|m| m.name == member && m.kind == kind)?;
                &m.call_sites
            }
        };
        let index = self.index_of.get(export.name.as_str())?;
        let mut mine = sites
            .iter()
            .filter(|s| self.index_of.get(s.export.as_str()) == Some(index));
        let first = mine.next()?;
        mine.all(|s| s == first).then_some(first)
    }

    /// The class handle an argument carries, if the typings agree it is exactly that class.
    fn handle_class(
        &self,
        export: &Export,
        js: Option<&JsSignature>,
        arg: &RawArg,
    ) -> Option<String> {
        let of = match arg {
            RawArg::Borrowed { of } | RawArg::Consumed { of } => of,
            _ => return None,
        };
        let class = if of == "this" {
            match export.role {
                Role::Method | Role::Getter | Role::Setter | Role::Free => export.class.clone()?,
                _ => return None,
            }
        } else {
            match &js?.params.iter().find(|(name, _)| name == of)?.1 {
                JsType::Class(c) => c.clone(),
                _ => return None,
            }
        };
        self.classes.rust(&class).map(str::to_owned)
    }

    /// The class a pointer result is wrapped as, if the typings agree.
    fn result_class(
        &self,
        export: &Export,
        js: Option<&JsSignature>,
        result: &RawResult,
    ) -> Option<String> {
        let class = match result {
            RawResult::ThisPointer if export.role == Role::Constructor => export.class.clone()?,
            RawResult::Wrapped { class } if js?.returns == JsType::Class(class.clone()) => {
                class.clone()
            }
            _ => return None,
        };
        self.classes.rust(&class).map(str::to_owned)
    }

    /// The JS-level signature this export implements, from the typings.
    fn js_signature(&self, export: &Export) -> Option<JsSignature> {
        let api: &JsApi = self.model.api.as_ref()?;
        let member = export.member.as_deref()?;
        let Some(class_name) = &export.class else {
            let f = api.functions.iter().find(|f| f.name == member)?;
            return Some(JsSignature::function(f, &f.name));
        };
        let class = api.class(class_name)?;
        match export.role {
            Role::Constructor => {
                let ctor = class.constructor.as_ref()?;
                let mut sig = JsSignature::function(ctor, &format!("new {class_name}"));
                sig.text = sig.text.trim_end_matches(": void").to_owned();
                sig.returns = JsType::Class(class_name.clone());
                Some(sig)
            }
            Role::Method | Role::StaticMethod => {
                let m = class.methods.iter().find(|m| m.function.name == member)?;
                let prefix = if m.is_static { "static " } else { "" };
                let mut sig = JsSignature::function(&m.function, &format!("{class_name}.{member}"));
                sig.text = format!("{prefix}{}", sig.text);
                Some(sig)
            }
            Role::Getter | Role::Setter => {
                let a = class.accessors.iter().find(|a| a.name == member)?;
                let getter = export.role == Role::Getter;
                let declared = if getter { &a.ty } else { a.setter_type() };
                let ty = one_line(&declared.text);
                // A setter's value parameter is unnamed in the typings: the glue names it.
                let params = if getter {
                    vec![]
                } else {
                    self.setter_param(export)
                        .map(|p| vec![(p, declared.ty.clone())])
                        .unwrap_or_default()
                };
                Some(JsSignature {
                    text: format!(
                        "{} {class_name}.{member}: {ty}",
                        if getter { "get" } else { "set" }
                    ),
                    all_params: params
                        .iter()
                        .map(|(name, ty)| SigParam {
                            name: name.clone(),
                            ty: ty.clone(),
                            optional: false,
                            rest: false,
                        })
                        .collect(),
                    params,
                    returns: if getter {
                        a.ty.ty.clone()
                    } else {
                        JsType::Void
                    },
                })
            }
            Role::Free => Some(JsSignature {
                text: format!("{class_name}.free(): void"),
                params: vec![],
                all_params: vec![],
                returns: JsType::Void,
            }),
            _ => None,
        }
    }

    /// The name the glue gives a setter's value (`set value(arg0)` → `arg0`).
    fn setter_param(&self, export: &Export) -> Option<String> {
        let site = self.call_site(export)?;
        site.args.iter().find_map(|a| match a {
            RawArg::Borrowed { of } | RawArg::Consumed { of } if of != "this" => Some(of.clone()),
            // `set buf(arg0)` passes `ptr0` (`passArray8ToWasm0(arg0, ..)`): the value is `arg0`.
            RawArg::Identifier { name } => Some(
                site.marshaling
                    .passed
                    .iter()
                    .find(|p| &p.ptr == name)
                    .map_or_else(|| name.clone(), |p| p.of.clone()),
            ),
            _ => None,
        })
    }
}

/// One declared parameter.
struct SigParam {
    name: String,
    ty: JsType,
    optional: bool,
    rest: bool,
}

/// Why an export has no high-level method when it implements no JS member (plumbing).
const NO_JS_MEMBER: &str = "no glue call or typings to follow";

/// A high-level method: Rust parameters in JS order (`this` first), the `JsCall` fields.
struct HighLevel {
    /// The raw export.
    export: String,
    /// `(name, Rust type)`.
    params: Vec<(String, String)>,
    /// `WasmArg` variants, in raw argument order.
    args: Vec<String>,
    /// The `JsReturn`.
    returns: ReturnExpr,
    result: HighResult,
    /// The `throws` pair `(value, flag)` as `Word` variants, if the call can throw.
    throws: Option<(String, String)>,
    replay: bool,
    /// Index (in `params`) of the handle the call changes.
    mutates: Option<usize>,
}

/// A `JsReturn` variant: `Value(Word::Slot(0))`, or one with fields (`Bytes { ptr, len }`).
enum ReturnExpr {
    Call(String),
    Struct(&'static str, [(&'static str, String); 2]),
}

/// What a high-level method returns.
enum HighResult {
    /// A Rust type and the `JsOutput` conversion giving it.
    Plain(String, &'static str),
    /// A handle of this class.
    Handle(String),
    /// An optional handle of this class.
    OptHandle(String),
}

/// The `Word` variant naming a result word (a local is the single direct result).
fn word_variant(w: &WordRef) -> String {
    match w {
        WordRef::Slot(n) => format!("Slot({n})"),
        WordRef::Result(n) => format!("Result({n})"),
        WordRef::Local(_) => "Result(0)".into(),
    }
}

impl HighLevel {
    /// The method in the proxy's inherent `impl` block.
    fn write(&self, out: &mut String, name: &str, doc: &str) {
        // Laid out as rustfmt would (its default widths: 100 a line, 60 an array or chain).
        let params: Vec<String> = std::iter::once("&self".to_owned())
            .chain(self.params.iter().map(|(n, t)| format!("{n}: {t}")))
            .collect();
        let result = match &self.result {
            HighResult::Plain(t, _) => t.clone(),
            HighResult::Handle(c) => format!("Handle<{c}>"),
            HighResult::OptHandle(c) => format!("Option<Handle<{c}>>"),
        };
        out.push_str(&format!("    /// {doc}\n"));
        let one_line = format!(
            "    pub fn {name}({}) -> Result<{result}> {{",
            params.join(", ")
        );
        if one_line.len() <= MAX_WIDTH {
            out.push_str(&one_line);
            out.push('\n');
        } else {
            out.push_str(&format!("    pub fn {name}(\n"));
            for p in &params {
                out.push_str(&format!("        {p},\n"));
            }
            out.push_str(&format!("    ) -> Result<{result}> {{\n"));
        }
        out.push_str("        const CALL: JsCall = JsCall {\n");
        out.push_str(&format!("            export: {:?},\n", self.export));
        let args: Vec<String> = self.args.iter().map(|a| format!("WasmArg::{a}")).collect();
        push_array(out, "            args: &", &args, ",", 12);
        match &self.returns {
            ReturnExpr::Call(e) => out.push_str(&format!("            returns: JsReturn::{e},\n")),
            ReturnExpr::Struct(kind, fields) => {
                out.push_str(&format!("            returns: JsReturn::{kind} {{\n"));
                for (f, v) in fields {
                    out.push_str(&format!("                {f}: Word::{v},\n"));
                }
                out.push_str("            },\n");
            }
        }
        match &self.throws {
            Some((v, f)) => out.push_str(&format!(
                "            throws: Some((Word::{v}, Word::{f})),\n"
            )),
            None => out.push_str("            throws: None,\n"),
        }
        out.push_str(&format!("            replay: {},\n", self.replay));
        match self.mutates {
            Some(i) => out.push_str(&format!("            mutates: Some({i}),\n")),
            None => out.push_str("            mutates: None,\n"),
        }
        out.push_str("        };\n");
        let js_args: Vec<String> = self
            .params
            .iter()
            .map(|(n, t)| match t.as_str() {
                t if t.starts_with("&Handle") => format!("JsArg::Borrow({n}.raw())"),
                t if t.starts_with("Handle") => format!("JsArg::Consume({n}.raw())"),
                t if t.starts_with("Option<&Handle") => {
                    format!("{n}.map_or(JsArg::None, |h| JsArg::Borrow(h.raw()))")
                }
                t if t.starts_with("Option<Handle") => {
                    format!("{n}.as_ref().map_or(JsArg::None, |h| JsArg::Consume(h.raw()))")
                }
                _ => format!("JsArg::from({n})"),
            })
            .collect();
        let args = if js_args.is_empty() {
            "&[]"
        } else {
            push_array(out, "        let args = ", &js_args, ";", 8);
            "&args"
        };
        let call = match &self.result {
            HighResult::Plain(_, into) => format!("call_js(&CALL, {args}, None)?.{into}"),
            HighResult::Handle(_) => format!("call_js_handle(&CALL, {args})"),
            HighResult::OptHandle(_) => format!("call_js_opt_handle(&CALL, {args})"),
        };
        // rustfmt breaks a chain wider than 60 into one call per line.
        let chain = format!("self.proxy().{call}");
        if chain.len() <= 60 {
            out.push_str(&format!("        {chain}\n    }}\n"));
        } else {
            out.push_str("        self.proxy()\n");
            for (i, link) in call.split(")?.").enumerate() {
                let link = if i == 0 && call.contains(")?.") {
                    format!("{link})?")
                } else {
                    link.to_owned()
                };
                out.push_str(&format!("            .{link}\n"));
            }
            out.push_str("    }\n");
        }
    }
}

/// `{prefix}[a, b]{end}` on one line when rustfmt keeps it so (at most 60 wide inside the
/// brackets and 100 in all), else one item per line.
fn push_array(out: &mut String, prefix: &str, items: &[String], end: &str, indent: usize) {
    let inner = items.join(", ");
    let line = format!("{prefix}[{inner}]{end}");
    if inner.len() <= 60 && line.len() <= MAX_WIDTH {
        out.push_str(&line);
        out.push('\n');
        return;
    }
    out.push_str(&format!("{prefix}[\n"));
    for item in items {
        out.push_str(&format!("{:indent$}    {item},\n", ""));
    }
    out.push_str(&format!("{:indent$}]{end}\n", ""));
}

/// A JS signature: its text for the doc comment, parameter and return types.
struct JsSignature {
    text: String,
    params: Vec<(String, JsType)>,
    /// Every parameter the typings declare, optional and rest ones included.
    all_params: Vec<SigParam>,
    returns: JsType,
}

impl JsSignature {
    fn function(f: &JsFunction, shown_name: &str) -> Self {
        let params: Vec<String> = f
            .params
            .iter()
            .map(|p| {
                format!(
                    "{}{}{}: {}",
                    if p.rest { "..." } else { "" },
                    p.name,
                    if p.optional { "?" } else { "" },
                    one_line(&p.ty.text)
                )
            })
            .collect();
        Self {
            text: format!(
                "{shown_name}({}): {}",
                params.join(", "),
                one_line(&f.returns.text)
            ),
            params: f
                .params
                .iter()
                .filter(|p| !p.optional && !p.rest)
                .map(|p| (p.name.clone(), p.ty.ty.clone()))
                .collect(),
            all_params: f
                .params
                .iter()
                .map(|p| SigParam {
                    name: p.name.clone(),
                    ty: p.ty.ty.clone(),
                    optional: p.optional,
                    rest: p.rest,
                })
                .collect(),
            returns: f.returns.ty.clone(),
        }
    }
}

/// Type text on one line, for doc comments.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The `JS_IMPORTS` table: every JS import of the module with the operation its glue body
/// performs (`model::js_imports`), for `WasmBindgenImports::js_imports`. Hashed import
/// names change with every build; the table generated beside the shim always matches it.
/// `runtime_crate` as for [`render`] (the shim ends with this section).
pub fn js_imports_table(model: &ModuleModel, runtime_crate: &str) -> String {
    use crate::model::js_imports::{JsOp, analyze};
    let internal = format!("{runtime_crate}::__internal");
    let imports = analyze(model);
    let unsupported = imports.iter().filter(|i| i.op == JsOp::Unsupported).count();
    let mut out = format!(
        "\n/// What each JS import of `{}` does, read from its body in the glue\n/// ({} imports, \
         {unsupported} unsupported): hand it to the host with\n/// \
         `WasmBindgenImports::default().js_imports(JS_IMPORTS)`.\n",
        model.name,
        imports.len(),
    );
    out.push_str(&format!(
        "pub const JS_IMPORTS: &[{internal}::JsImport] = &["
    ));
    if imports.is_empty() {
        out.push_str("];\n");
        return out;
    }
    out.push('\n');
    for i in &imports {
        // rustfmt lays out a struct variant's fields one per line.
        let op = match &i.op {
            JsOp::Console { method, frees } => format!(
                "{internal}::JsOp::Console {{\n            method: {method:?},\n            \
                 frees: {frees},\n        }}"
            ),
            op => format!("{internal}::{}", op.rust()),
        };
        out.push_str(&format!(
            "    {internal}::JsImport {{\n        name: {:?},\n        op: {op},\n        \
             takes: &{:?},\n        catches: {},\n        source: {:?},\n    }},\n",
            i.name, i.takes, i.catches, i.source,
        ));
    }
    out.push_str("];\n");
    out
}
