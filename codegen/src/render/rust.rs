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

use std::collections::{BTreeMap, HashMap};

use heck::{ToSnakeCase, ToUpperCamelCase};

use super::names::{NameScope, is_rust_path, rust_identifier};
use super::{GeneratedFile, header};
use crate::model::calls::{
    self, AbsentLiteral, CallArg, CallPlan, ExportCall, JsSignature, NO_JS_MEMBER, PlanArg,
    PlanReturn, PlanType, PlanWord,
};
use crate::model::{Export, ExportKind, ModuleModel, Role};
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
    let any_js_value = methods.iter().any(|m| {
        m.high.as_ref().is_ok_and(|h| {
            h.params.iter().any(|(_, t)| t.contains("JsValue"))
                || matches!(&h.result, HighResult::Plain(t, _) if t.contains("JsValue"))
        })
    });
    if any_js_value {
        imports.push("JsValue");
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
        let observations = observations(model, &methods);
        out.push_str(&format!("\n{internal}::classes! {{\n"));
        for class in &classes.list {
            out.push_str(&format!("    /// wasm-bindgen class `{}`.\n", class.js));
            let free = class
                .free
                .as_ref()
                .map(|f| format!(" = {f:?}"))
                .unwrap_or_default();
            match observations.get(class.js.as_str()) {
                Some(calls) => {
                    out.push_str(&format!("    pub {}{free} observe [\n", class.rust));
                    for call in calls {
                        out.push_str(&format!("        {call},\n"));
                    }
                    out.push_str("    ];\n");
                }
                None => out.push_str(&format!("    pub {}{free};\n", class.rust)),
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
    // A host uses the part of a module's API it needs: the rest is not dead code to warn of
    // (a private `mod x { include_proxy!(..) }` would otherwise list every unused method).
    out.push_str("#[allow(dead_code)]\n");
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
            "\n/// The module's own API: the typings' signatures, marshaled as the glue does it, each\n/// call atomic with respect to swaps ({} of {} methods; the others only raw, through\n/// [`{trait_name}`]).\n#[allow(dead_code)]\nimpl {trait_name}Proxy {{\n",
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
            "Word", "RawValue", "JsValue",
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
    /// What each function export does at the JS level (the model's analysis pass).
    calls: BTreeMap<String, ExportCall>,
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
        Self {
            model,
            classes,
            calls: calls::analyse(model),
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
        let call = self.calls.get(&export.name);
        // The Rust runtime has no refusal yet: a refused call stays unlogged there.
        let decision = match resolution.mutates {
            Some(Mutated::This) if resolution.refuse.is_none() => {
                match call.and_then(ExportCall::this_position) {
                    Some(arg) => ReplayDecision::Mutates { arg },
                    None => ReplayDecision::Replay,
                }
            }
            Some(Mutated::FirstHandle) if resolution.refuse.is_none() => {
                match call.and_then(ExportCall::first_object_position) {
                    Some(arg) => ReplayDecision::Mutates { arg },
                    // Passed as a raw pointer (an optional object): replaying the pointer
                    // would name another object; left unlogged as before.
                    None => ReplayDecision::Unlogged,
                }
            }
            _ => ReplayDecision::from(resolution),
        };
        let js = call.and_then(|c| c.js.as_ref());
        let doc = self.doc(export, js);
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

        let mut param_scope = NameScope::with_reserved(&["self"]);
        let params: Vec<Param> = raw_params
            .iter()
            .enumerate()
            .map(|(i, &raw)| {
                let arg = call.and_then(|c| c.args.get(i));
                let hint = match arg {
                    Some(CallArg::Object { of, .. }) => of.as_str(),
                    Some(CallArg::Named(name)) => name.as_str(),
                    _ => "",
                };
                let name = if hint.is_empty() {
                    format!("arg{i}")
                } else {
                    rust_identifier(&hint.to_snake_case())
                };
                let ty = match arg {
                    Some(CallArg::Object {
                        class: Some(class),
                        consumed,
                        ..
                    }) if raw == "i32" => match (self.classes.rust(class), consumed) {
                        (Some(c), false) => ParamType::Borrowed(c.to_owned()),
                        (Some(c), true) => ParamType::Consumed(c.to_owned()),
                        (None, _) => ParamType::Raw(raw),
                    },
                    _ => ParamType::Raw(raw),
                };
                Param {
                    name: param_scope.take(name),
                    ty,
                }
            })
            .collect();
        let result_class = call
            .and_then(|c| c.result_class.as_deref())
            .and_then(|c| self.classes.rust(c));
        let result = match (raw_results.as_slice(), result_class) {
            (["i32"], Some(c)) => ResultType::Handle(c.to_owned()),
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
        let high = match call.map(|c| &c.plan) {
            Some(Ok(plan)) => self.high_level(export, plan, &decision),
            Some(Err(reason)) => Err(reason.clone()),
            None => Err(NO_JS_MEMBER.into()),
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

    /// The high-level method of a [`CallPlan`]: its parameters and result in Rust types,
    /// the `JsCall` fields, and the replay decision of the raw method.
    fn high_level(
        &self,
        export: &Export,
        plan: &CallPlan,
        decision: &ReplayDecision,
    ) -> Result<HighLevel, String> {
        let mut scope = NameScope::with_reserved(&["self"]);
        let params = plan
            .params
            .iter()
            .map(|p| {
                let name = rust_identifier(&p.name.to_snake_case());
                let name = if name == "self" {
                    "this".to_owned()
                } else {
                    name
                };
                Ok((scope.take(name), self.rust_type(&p.ty)?))
            })
            .collect::<Result<Vec<_>, String>>()?;
        let args = plan
            .args
            .iter()
            .map(|a| match a {
                PlanArg::RetPtr => "RetPtr".to_owned(),
                PlanArg::Value(n) => format!("Value({n})"),
                PlanArg::Ptr(n) => format!("Ptr({n})"),
                PlanArg::Len(n) => format!("Len({n})"),
                PlanArg::Handle(n) => format!("Handle({n})"),
                PlanArg::IsSome(n) => format!("IsSome({n})"),
                PlanArg::Js(n) => format!("Js({n})"),
                PlanArg::JsRef(n) => format!("JsRef({n})"),
                PlanArg::OrNone(n, literal) => format!(
                    "OrNone({n}, RawValue::{})",
                    match literal {
                        AbsentLiteral::I32(x) => format!("I32({x})"),
                        AbsentLiteral::I64(x) => format!("I64({x})"),
                        AbsentLiteral::F64(bits) => format!("F64({bits})"),
                    }
                ),
            })
            .collect();
        let word = |w: &PlanWord| match w {
            PlanWord::Slot(n) => format!("Slot({n})"),
            PlanWord::Result(n) => format!("Result({n})"),
        };
        let plain = |ty: String, into: &'static str| HighResult::Plain(ty, into);
        let (returns, result) = match &plan.returns {
            PlanReturn::Unit => (
                ReturnExpr::Call("Unit".into()),
                plain("()".into(), "into_unit()"),
            ),
            PlanReturn::Value(w, ty) => (
                ReturnExpr::Call(format!("Value(Word::{})", word(w))),
                plain(ty.rust().into(), "into_value()"),
            ),
            PlanReturn::Js(w) => (
                ReturnExpr::Call(format!("Js(Word::{})", word(w))),
                plain("JsValue".into(), "into_js()"),
            ),
            PlanReturn::Bool(w) => (
                ReturnExpr::Call(format!("Bool(Word::{})", word(w))),
                plain("bool".into(), "into_bool()"),
            ),
            PlanReturn::Bytes { ptr, len, optional } | PlanReturn::Str { ptr, len, optional } => {
                let string = matches!(plan.returns, PlanReturn::Str { .. });
                let (kind, ty, into) = match (string, optional) {
                    (true, false) => ("Str", "String", "into_string()"),
                    (false, false) => ("Bytes", "Vec<u8>", "into_bytes()"),
                    (true, true) => ("OptStr", "Option<String>", "into_option_string()"),
                    (false, true) => ("OptBytes", "Option<Vec<u8>>", "into_option_bytes()"),
                };
                (
                    ReturnExpr::Struct(kind, [("ptr", word(ptr)), ("len", word(len))]),
                    plain(ty.into(), into),
                )
            }
            PlanReturn::Object {
                ptr,
                class,
                optional,
            } => {
                let c = self.rust_class(class)?;
                if *optional {
                    (
                        ReturnExpr::Call(format!("OptHandle(Word::{})", word(ptr))),
                        HighResult::OptHandle(c),
                    )
                } else {
                    (
                        ReturnExpr::Call(format!("Handle(Word::{})", word(ptr))),
                        HighResult::Handle(c),
                    )
                }
            }
            PlanReturn::OptValue { flag, value, ty } => (
                ReturnExpr::Struct("OptValue", [("flag", word(flag)), ("value", word(value))]),
                plain(format!("Option<{}>", ty.rust()), "into_option_value()"),
            ),
        };
        let (replay, mutates) = match decision {
            ReplayDecision::Unlogged => (false, None),
            ReplayDecision::Replay => (true, None),
            ReplayDecision::Mutates { arg } => match plan.param_of(*arg) {
                Some(n) => (true, Some(n)),
                None => return Err("the object it changes is not a parameter".into()),
            },
        };
        Ok(HighLevel {
            export: export.name.clone(),
            params,
            args,
            returns,
            result,
            throws: plan.throws.as_ref().map(|(v, f)| (word(v), word(f))),
            replay,
            mutates,
        })
    }

    /// The handle type of a JS class.
    fn rust_class(&self, js: &str) -> Result<String, String> {
        self.classes
            .rust(js)
            .map(str::to_owned)
            .ok_or_else(|| format!("class `{js}` has no handle type"))
    }

    /// A parameter's Rust type.
    fn rust_type(&self, t: &PlanType) -> Result<String, String> {
        Ok(match t {
            PlanType::Bool => "bool".into(),
            PlanType::Number(n) => n.rust().into(),
            PlanType::Bytes => "&[u8]".into(),
            PlanType::Str => "&str".into(),
            PlanType::Object {
                class,
                consumed: true,
            } => format!("Handle<{}>", self.rust_class(class)?),
            PlanType::Object {
                class,
                consumed: false,
            } => format!("&Handle<{}>", self.rust_class(class)?),
            PlanType::Optional(inner) => format!("Option<{}>", self.rust_type(inner)?),
            PlanType::JsValue => "&JsValue".into(),
        })
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
}

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

impl HighLevel {
    /// The `JsCall` on one line (inside `classes!`, which rustfmt leaves as written).
    fn js_call(&self) -> String {
        let args: Vec<String> = self.args.iter().map(|a| format!("WasmArg::{a}")).collect();
        let returns = match &self.returns {
            ReturnExpr::Call(e) => e.clone(),
            ReturnExpr::Struct(kind, fields) => format!(
                "{kind} {{ {} }}",
                fields
                    .iter()
                    .map(|(f, v)| format!("{f}: Word::{v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let throws = match &self.throws {
            Some((v, f)) => format!("Some((Word::{v}, Word::{f}))"),
            None => "None".into(),
        };
        format!(
            "JsCall {{ export: {:?}, args: &[{}], returns: JsReturn::{returns}, throws: {throws}, \
             replay: false, mutates: None }}",
            self.export,
            args.join(", ")
        )
    }

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
                t if t.starts_with("Option<&Handle") => format!("JsArg::lend_optional({n})"),
                t if t.starts_with("Option<Handle") => format!("JsArg::give_optional(&{n})"),
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

/// The calls that observe an object of each class (by JS class name), as `JsCall` literals:
/// the serialisations and field getters the transfer analysis found that have a high-level
/// method taking only the object and returning a plain value (never an object or a JS
/// value, which differ between instances by identity). Methods that only read by their name
/// (`getVk()`, `to_hex()`) are left out: they may compute a lot, and one that panics (on an
/// object not yet configured, say) would leave the original borrowed in the active
/// instance.
fn observations<'m>(model: &'m ModuleModel, methods: &[Method]) -> HashMap<&'m str, Vec<String>> {
    let mut out: HashMap<&str, Vec<String>> = HashMap::new();
    for t in crate::model::transfer::of_model(model) {
        let names: Vec<&str> = t
            .serial
            .iter()
            .map(|p| p.save.as_str())
            .chain(t.getters.iter().map(String::as_str))
            .collect();
        let Some(class) = model
            .api
            .as_ref()
            .and_then(|api| api.class(&t.class))
            .map(|c| c.name.as_str())
        else {
            continue;
        };
        for name in names {
            let export = model.exports.iter().find(|e| {
                e.class.as_deref() == Some(class)
                    && e.member.as_deref() == Some(name)
                    && matches!(e.role, Role::Method | Role::Getter)
            });
            let Some(export) = export else { continue };
            let high = methods
                .iter()
                .find(|m| m.export.as_deref().unwrap_or(&m.name) == export.name)
                .and_then(|m| m.high.as_ref().ok());
            let Some(h) = high else { continue };
            let only_this = h.params.len() == 1 && h.params[0].1.starts_with("&Handle<");
            let plain = matches!(&h.result, HighResult::Plain(t, _) if !t.contains("JsValue"));
            if only_this && plain && !out.get(class).is_some_and(|c| c.contains(&h.js_call())) {
                out.entry(class).or_default().push(h.js_call());
            }
        }
    }
    out
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
        "#[allow(dead_code)]\npub const JS_IMPORTS: &[{internal}::JsImport] = &["
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
