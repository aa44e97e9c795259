//! Renders the TypeScript/JavaScript shim: `X.proxy.cjs` + `X.proxy.d.cts` (or
//! `X.proxy.js` + `X.proxy.d.ts` for ES module glue), plus the runtime template
//! and a `register.cjs` preload hook.
//!
//! The shim has the glue's exports, each a plain function (or class member)
//! forwarding to the instance that is active *now*. Class instances are stable
//! handles whose inner wasm-bindgen object the runtime can re-point to another
//! instance; arguments and results typed as classes are unwrapped and wrapped
//! where the typings say so, and nowhere else.

use std::path::Path;

use super::names::{NameScope, is_js_property_name, js_identifier, js_string};
use super::{CodeWriter, GeneratedFile, header};
use crate::model::ModuleModel;
use std::collections::HashMap;

use crate::model::api::{JsApi, JsClass, JsFunction, JsParam, JsType};
use crate::model::calls::{self, ExportCall};
use crate::model::layout::{GlueLayout, GlueMethod, ModuleFormat};
use crate::model::transfer::{self, ClassTransfer};
use crate::model::{Export, Role};
use crate::replay::{CallFacts, Mutated, ReplayPolicy};

/// Emits a runtime file from `templates/ts/` under the same relative path.
macro_rules! runtime_file {
    ($path:literal) => {
        (
            $path,
            include_str!(concat!("../../../templates/ts/", $path)),
        )
    };
}

/// The runtime the shim forwards through (templates, emitted verbatim), split by
/// concern: instances, the replay log, migration, swap, memory, workers, metrics.
pub const RUNTIME_FILES: &[(&str, &str)] = &[
    runtime_file!("wasm-proxy-runtime/index.cjs"),
    runtime_file!("wasm-proxy-runtime/index.d.cts"),
    runtime_file!("wasm-proxy-runtime/config.cjs"),
    runtime_file!("wasm-proxy-runtime/instance.cjs"),
    runtime_file!("wasm-proxy-runtime/log.cjs"),
    runtime_file!("wasm-proxy-runtime/memory.cjs"),
    runtime_file!("wasm-proxy-runtime/metrics.cjs"),
    runtime_file!("wasm-proxy-runtime/migrate.cjs"),
    runtime_file!("wasm-proxy-runtime/profiles.cjs"),
    runtime_file!("wasm-proxy-runtime/side-thread.cjs"),
    runtime_file!("wasm-proxy-runtime/swap.cjs"),
    runtime_file!("wasm-proxy-runtime/workers.cjs"),
];
/// The `node -r` preload hook template.
const REGISTER_JS: &str = include_str!("../../../templates/ts/register.cjs");

/// Entry point of the emitted runtime, relative to the output directory.
pub const RUNTIME_FILE: &str = "wasm-proxy-runtime/index.cjs";

/// Local names the shim itself uses; `$` cannot appear in wasm-bindgen names.
const SHIM_LOCALS: &[&str] = &[
    "$runtime", "$glue", "$wrap", "$unwrap", "$path", "$result", "$error", "$args",
];

/// Writes `body` (a call into the module) inside a `try` whose `catch` hands the error to
/// the runtime before rethrowing it: a trap (`WebAssembly.RuntimeError`) leaves the
/// instance undefined, and the runtime rebuilds a fresh one from the live state before
/// the caller sees the error (`this` and `args` are the objects the call may have left
/// half-changed). A `try` costs nothing while no error is thrown.
fn guarded(w: &mut CodeWriter, this: &str, args: &str, body: impl FnOnce(&mut CodeWriter)) {
    w.block("try {", "} catch ($error) {", body);
    w.indented(|w| w.line(format!("throw $runtime.trapped($error, {this}, [{args}]);")));
    w.line("}");
}

/// Why no TypeScript shim could be rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skipped {
    /// No typings were found or given.
    NoTypings,
    /// No glue was found or given.
    NoGlue,
    /// The glue exports none of the API the typings declare: the files and what the
    /// glue exports instead.
    GlueWithoutApi(String),
    /// The replay policy does not apply (a bad glob).
    Policy(String),
    /// The glue was re-bundled by a JS bundler (why it looks so): not supported.
    BundledGlue(String),
    /// The glue loads its wasm itself, so no other instance can be handed to it (how).
    GlueLoadsWasm(String),
}

impl std::fmt::Display for Skipped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Skipped::NoTypings => {
                "no wasm-bindgen typings (X.d.ts / X.d.cts beside the wasm, or `types` in the \
                 package's package.json); name them with --typings"
            }
            Skipped::NoGlue => {
                "no wasm-bindgen glue (X.cjs / X.js beside the wasm); name it with --glue"
            }
            Skipped::GlueWithoutApi(why) => return f.write_str(why),
            Skipped::Policy(message) => return write!(f, "replay policy: {message}"),
            Skipped::BundledGlue(evidence) => {
                return write!(
                    f,
                    "the glue was re-bundled by a JS bundler ({evidence}): its exports are the \
                     bundler's wrappers, not wasm-bindgen's, and a proxy of them is not supported"
                );
            }
            Skipped::GlueLoadsWasm(how) => {
                return write!(
                    f,
                    "the glue cannot be handed a fresh instance: {how}; generate from the \
                     package's nodejs, web or newer bundler build (`X_bg.js` with `__wbg_set_wasm`)"
                );
            }
        })
    }
}

/// Renders the shim files for `model`, with the decisions of `policy` for every
/// call; `glue_from_out_dir` is the glue's path relative to the output directory,
/// with `/` separators.
pub fn render(
    model: &ModuleModel,
    policy: &ReplayPolicy,
    glue_from_out_dir: &str,
) -> Result<Vec<GeneratedFile>, Skipped> {
    let api = model.api.as_ref().ok_or(Skipped::NoTypings)?;
    let glue = GlueLayout::of(model).ok_or(Skipped::NoGlue)?;
    let glue = &glue;
    let glue_file = model.files.glue.as_deref().ok_or(Skipped::NoGlue)?;
    if let Some(evidence) = &glue.bundled {
        return Err(Skipped::BundledGlue(evidence.clone()));
    }
    if let Some(how) = glue.loads_wasm_itself.as_ref().filter(|_| !glue.takes_wasm) {
        return Err(Skipped::GlueLoadsWasm(how.clone()));
    }
    let shim = ShimNames::for_glue(glue_file, glue.format, glue.takes_wasm);
    let header = header(model);
    let mut plan = ShimPlan::new(model, api, glue);
    plan.operations = operations(model, policy).map_err(Skipped::Policy)?;
    transfer::add_named(&mut plan.transfers, api, &policy.transfers);
    if plan.functions.is_empty() && plan.classes.is_empty() && !api.is_empty() {
        return Err(Skipped::GlueWithoutApi(glue_without_api(model, api, glue)));
    }
    let js = render_js(model, &plan, glue, glue_from_out_dir, &header);
    let dts = render_dts(&plan, api, &header);
    let mut files = vec![
        GeneratedFile::new(&shim.js, js),
        GeneratedFile::new(&shim.dts, dts),
    ];
    files.extend(
        RUNTIME_FILES
            .iter()
            .map(|(path, text)| GeneratedFile::new(*path, *text)),
    );
    if glue.format == ModuleFormat::CommonJs {
        let register = REGISTER_JS
            .replace("__SHIM__", &js_string(&format!("./{}", shim.js)))
            .replace("__GENERATED__", &header);
        files.push(GeneratedFile::new("register.cjs", register));
    }
    if shim.js.ends_with(".js") {
        // Node and tsc read a `.js` file's module system from the nearest package.json.
        let kind = match glue.format {
            ModuleFormat::CommonJs => "commonjs",
            ModuleFormat::EsModule => "module",
        };
        files.push(GeneratedFile::new(
            "package.json",
            format!("{{ \"type\": \"{kind}\" }}\n"),
        ));
    }
    Ok(files)
}

/// Why a glue that exports none of the typings' API gets no shim: both files, and
/// what the glue exports instead.
fn glue_without_api(model: &ModuleModel, api: &JsApi, glue: &GlueLayout) -> String {
    let file = |p: Option<&Path>| p.map(|p| p.display().to_string()).unwrap_or_default();
    const SHOWN: usize = 6;
    let names: Vec<&str> = glue.exports.iter().map(String::as_str).collect();
    let exports = match names.len() {
        0 => "nothing wasm-bindgen's shape of exports shows".to_owned(),
        n if n > SHOWN => format!("{}, ... ({n} in all)", names[..SHOWN].join(", ")),
        _ => names.join(", "),
    };
    format!(
        "the glue {} exports none of the {} functions and classes the typings {} declare \
         (it exports {exports}); if it only loads the real glue, name that one with --glue",
        file(model.files.glue.as_deref()),
        api.functions.len() + api.classes.len(),
        file(model.files.typings.as_deref()),
    )
}

/// File names of the shim for a glue file.
struct ShimNames {
    js: String,
    dts: String,
}

impl ShimNames {
    /// `split`: the glue is `X_bg.js` of a bundler target, named after its loader `X.js`.
    fn for_glue(glue: &Path, format: ModuleFormat, split: bool) -> Self {
        let file = glue
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (stem, ext) = file.rsplit_once('.').unwrap_or((&file, "js"));
        let stem = match stem.strip_suffix("_bg") {
            Some(loader) if split => loader,
            _ => stem,
        };
        let dts_ext = match (ext, format) {
            ("cjs", _) => "d.cts",
            ("mjs", _) => "d.mts",
            _ => "d.ts",
        };
        Self {
            js: format!("{stem}.proxy.{ext}"),
            dts: format!("{stem}.proxy.{dts_ext}"),
        }
    }
}

/// What the shim exports, with the local identifier chosen for each.
struct ShimPlan<'a> {
    functions: Vec<(&'a JsFunction, String)>,
    classes: Vec<(&'a JsClass, String)>,
    enums: Vec<String>,
    /// Glue exports the typings do not declare (or declare as values): forwarded live.
    values: Vec<String>,
    class_locals: std::collections::HashMap<&'a str, String>,
    /// Methods and static methods of each glue class that its typings do not declare
    /// (automerge-wasm's hand-written typings leave out `Automerge.new`): forwarded
    /// untyped, their values mapped deeply (handles in, handles out), absent from the
    /// proxy's typings as from the package's.
    undeclared: HashMap<String, Vec<&'a GlueMethod>>,
    /// How the shim's classes can move by transfer.
    transfers: Vec<ClassTransfer>,
    /// The replay policy's decision for each call, by (class, member, kind).
    operations: HashMap<OperationKey, String>,
}

/// A shim call: its class (none for a top-level function), member name and kind.
type OperationKey = (Option<String>, String, &'static str);

/// The policy's decision for every function export the shim calls, as the JS
/// object the runtime's `op()` takes.
fn operations(
    model: &ModuleModel,
    policy: &ReplayPolicy,
) -> Result<HashMap<OperationKey, String>, String> {
    let mut decisions = HashMap::new();
    let calls = calls::analyse(model);
    for export in &model.exports {
        let kind = match export.role {
            Role::Function => "function",
            Role::Constructor => "constructor",
            Role::Method => "method",
            Role::StaticMethod => "static",
            Role::Setter => "setter",
            _ => continue,
        };
        let Some(member) = export.member.clone() else {
            continue;
        };
        let resolution = policy
            .resolve(&CallFacts::of(model, export))
            .map_err(|e| e.to_string())?;
        let mutates = match resolution.mutates {
            Some(Mutated::Arg(raw)) => calls
                .get(&export.name)
                .and_then(|c: &ExportCall| c.js_position(raw)),
            Some(Mutated::FirstHandle) => first_handle(model, export),
            _ => None,
        };
        let mut fields = vec![format!("log: {}", resolution.log)];
        fields.push(format!("mutates: {}", mutates.map_or(-1, |i| i as i64)));
        if let Some(reason) = &resolution.refuse {
            fields.push(format!("refuse: {}", js_string(reason)));
        }
        if resolution.pointers {
            fields.push("pointers: true".to_owned());
        }
        decisions.insert((export.class.clone(), member, kind), fields.join(", "));
    }
    Ok(decisions)
}

/// The JS parameters of `export`'s function or method, from the typings.
fn js_params<'m>(model: &'m ModuleModel, export: &Export) -> Option<&'m [JsParam]> {
    let api = model.api.as_ref()?;
    let member = export.member.as_deref()?;
    let f = match &export.class {
        None => api.functions.iter().find(|f| f.name == member)?,
        Some(class) => {
            &api.class(class)?
                .methods
                .iter()
                .find(|m| m.function.name == member)?
                .function
        }
    };
    Some(&f.params)
}

/// The first JS parameter of `export` that is a class handle.
fn first_handle(model: &ModuleModel, export: &Export) -> Option<usize> {
    js_params(model, export)?
        .iter()
        .position(|p| p.ty.ty.class().is_some())
}

impl<'a> ShimPlan<'a> {
    fn new(model: &ModuleModel, api: &'a JsApi, glue: &'a GlueLayout) -> Self {
        let mut scope = NameScope::with_reserved(SHIM_LOCALS);
        let in_glue = |name: &str| glue.exports(name);
        let classes: Vec<_> = api
            .classes
            .iter()
            .filter(|c| in_glue(&c.name))
            .map(|c| (c, scope.take(js_identifier(&c.name))))
            .collect();
        let functions: Vec<_> = api
            .functions
            .iter()
            .filter(|f| in_glue(&f.name))
            .map(|f| (f, scope.take(js_identifier(&f.name))))
            .collect();
        let enums: Vec<String> = api
            .enums
            .iter()
            .filter(|e| e.exported && in_glue(&e.name))
            .map(|e| e.name.clone())
            .collect();
        let covered: std::collections::HashSet<&str> = functions
            .iter()
            .map(|(f, _)| f.name.as_str())
            .chain(classes.iter().map(|(c, _)| c.name.as_str()))
            .chain(enums.iter().map(String::as_str))
            .collect();
        let values = glue
            .exports
            .iter()
            .filter(|e| !covered.contains(e.as_str()) && *e != "default")
            .cloned()
            .collect();
        let class_locals: std::collections::HashMap<&str, String> = classes
            .iter()
            .map(|(c, local)| (c.name.as_str(), local.clone()))
            .collect();
        let undeclared = classes
            .iter()
            .filter_map(|(c, _)| {
                let declared = |m: &GlueMethod| {
                    c.methods.iter().any(|d| d.function.name == m.name)
                        || c.accessors.iter().any(|a| a.name == m.name)
                };
                let members: Vec<&GlueMethod> = glue
                    .methods
                    .get(&c.name)?
                    .iter()
                    // `free` is the runtime's own (`Handle#free`), `__wrap` and kin are wasm-bindgen's.
                    .filter(|m| !declared(m) && m.name != "free" && !m.name.starts_with("__"))
                    .collect();
                (!members.is_empty()).then(|| (c.name.clone(), members))
            })
            .collect();
        let transfers = transfer::of_model(model)
            .into_iter()
            .filter(|t| class_locals.contains_key(t.class.as_str()))
            .collect();
        Self {
            functions,
            classes,
            enums,
            values,
            class_locals,
            undeclared,
            transfers,
            operations: HashMap::new(),
        }
    }

    /// Expression turning a raw glue value `expr` into what the shim hands out.
    fn wrap(&self, ty: &JsType, expr: String) -> String {
        let local = |c: &str| self.class_locals.get(c).cloned();
        match ty {
            JsType::Class(c) => match local(c) {
                Some(l) => format!("$wrap({l}, {expr})"),
                None => expr,
            },
            JsType::Optional(inner) => match inner.as_ref() {
                JsType::Class(c) => match local(c) {
                    Some(l) => format!("$runtime.wrapOptional({l}, {expr})"),
                    None => expr,
                },
                JsType::Any | JsType::Other | JsType::Named(_) => self.wrap(inner, expr),
                _ => expr,
            },
            JsType::Array(inner) => match inner.as_ref() {
                JsType::Class(c) => match local(c) {
                    Some(l) => format!("$runtime.wrapArray({l}, {expr})"),
                    None => expr,
                },
                _ => expr,
            },
            JsType::Promise(inner) if inner.mentions_class() => {
                let body = self.wrap(inner, "$value".into());
                format!("{expr}.then(($value) => {body})")
            }
            // A value the typings do not describe as a class (`any`, a union alias such as
            // loro's `Container`) may still be one, or hold some: hand out handles.
            JsType::Any | JsType::Other | JsType::Named(_) if !self.class_locals.is_empty() => {
                format!("$runtime.wrapDeep({expr})")
            }
            _ => expr,
        }
    }

    /// Expression turning a shim value `expr` into what the glue expects.
    fn unwrap(&self, ty: &JsType, expr: &str) -> String {
        let known = |c: &str| self.class_locals.contains_key(c);
        match ty {
            JsType::Class(c) if known(c) => format!("$unwrap({expr})"),
            JsType::Optional(inner) if inner.class().is_some_and(known) => {
                format!("$runtime.unwrapOptional({expr})")
            }
            JsType::Array(inner) if matches!(inner.as_ref(), JsType::Class(c) if known(c)) => {
                format!("$runtime.unwrapArray({expr})")
            }
            // A value the typings do not describe (`any`, `ReadableStream`, an options
            // object) may carry handles: the module must get its own objects inside.
            JsType::Any | JsType::Other | JsType::Named(_) => {
                format!("$runtime.unwrapDeep({expr})")
            }
            _ => expr.to_owned(),
        }
    }

    /// The argument list a call is logged with: the parameters as the caller gave them.
    fn arg_names(&self, f: &JsFunction) -> String {
        let mut scope = NameScope::with_reserved(SHIM_LOCALS);
        let names: Vec<String> = f
            .params
            .iter()
            .map(|p| {
                let name = scope.take(js_identifier(&p.name));
                if p.rest { format!("...{name}") } else { name }
            })
            .collect();
        names.join(", ")
    }

    /// The operation the shim hands the runtime: what the call is, and what the
    /// replay policy decided for it (resolved here, at generation time).
    fn operation(&self, kind: &'static str, name: &str, class: Option<&str>) -> String {
        let mut fields = vec![
            format!("kind: {}", js_string(kind)),
            format!("name: {}", js_string(name)),
        ];
        if let Some(class) = class {
            fields.push(format!("className: {}", js_string(class)));
        }
        // The model names a constructor's member `constructor`; the runtime calls it `new`.
        let member = if kind == "constructor" {
            "constructor"
        } else {
            name
        };
        let key = (class.map(str::to_owned), member.to_owned(), kind);
        // A member with no raw export behind it calls nothing in the module: nothing to log.
        let decision = self
            .operations
            .get(&key)
            .map_or("log: false, mutates: -1", String::as_str);
        fields.push(decision.to_owned());
        format!("{{ {} }}", fields.join(", "))
    }

    /// Parameter list and argument list of a forwarding call.
    fn params_and_args(&self, f: &JsFunction) -> (String, String) {
        let mut scope = NameScope::with_reserved(SHIM_LOCALS);
        let mut params = Vec::new();
        let mut args = Vec::new();
        for p in &f.params {
            let name = scope.take(js_identifier(&p.name));
            if p.rest {
                params.push(format!("...{name}"));
                let inner = match &p.ty.ty {
                    JsType::Array(t) => t.as_ref().clone(),
                    other => other.clone(),
                };
                let converted = self.unwrap(&inner, "$v");
                if converted == "$v" {
                    args.push(format!("...{name}"));
                } else {
                    args.push(format!("...{name}.map(($v) => {converted})"));
                }
            } else {
                // `x?: C` may be left out: the glue takes undefined for it.
                let ty = match &p.ty.ty {
                    JsType::Class(_) if p.optional => JsType::Optional(Box::new(p.ty.ty.clone())),
                    other => other.clone(),
                };
                args.push(self.unwrap(&ty, &name));
                params.push(name);
            }
        }
        (params.join(", "), args.join(", "))
    }
}

/// Where the shim reads a glue value export. The wasm exports (`__wasm`) come from the
/// runtime's forwarding view of the active instance: an importer that keeps the value
/// (an ES module importing CommonJS snapshots named exports) must not keep an old
/// instance, and its memory, alive.
fn glue_value(name: &str) -> String {
    if name == "__wasm" {
        "$runtime.wasm".to_owned()
    } else {
        member("$glue", name)
    }
}

/// `object.name`, or `object["name"]` when `name` cannot follow a dot.
fn member(object: &str, name: &str) -> String {
    if is_js_property_name(name) {
        format!("{object}.{name}")
    } else {
        format!("{object}[{}]", js_string(name))
    }
}

/// A method or accessor name inside a class body.
fn property_key(name: &str) -> String {
    if is_js_property_name(name) {
        name.to_owned()
    } else {
        js_string(name)
    }
}

fn render_js(
    model: &ModuleModel,
    plan: &ShimPlan<'_>,
    glue: &GlueLayout,
    glue_from_out_dir: &str,
    header: &str,
) -> String {
    let esm = glue.format == ModuleFormat::EsModule;
    let mut w = CodeWriter::default();
    w.line(format!("// {header}"));
    w.line("// Every export forwards to the wasm instance that is active at the time of the call.");
    let class_names: Vec<String> = plan
        .classes
        .iter()
        .map(|(c, _)| js_string(&c.name))
        .collect();
    if esm {
        w.line("import $path from 'node:path';");
        w.line("import { fileURLToPath } from 'node:url';");
        w.line("import { createRuntime } from './wasm-proxy-runtime/index.cjs';");
        w.line("const $dirname = $path.dirname(fileURLToPath(import.meta.url));");
    } else {
        w.line("'use strict';");
        w.line("const $path = require('node:path');");
        w.line("const { createRuntime } = require('./wasm-proxy-runtime/index.cjs');");
        w.line("const $dirname = __dirname;");
    }
    w.block("const $runtime = createRuntime({", "});", |w| {
        w.line(format!("name: {},", js_string(&model.name)));
        w.line(format!(
            "glue: $path.resolve($dirname, {}),",
            js_string(glue_from_out_dir)
        ));
        w.line(format!(
            "format: {},",
            js_string(if esm { "esm" } else { "cjs" })
        ));
        if glue.takes_wasm {
            // Bundler target: the runtime instantiates the wasm itself; the preload hook
            // redirects the loader, which is what the application requires.
            let files = [
                ("wasm", Some(&model.files.wasm)),
                ("loader", model.files.loader.as_ref()),
            ];
            for (key, file) in files {
                if let Some(path) = beside_glue(model, file) {
                    w.line(format!(
                        "{key}: $path.resolve($dirname, {}, '..', {}),",
                        js_string(glue_from_out_dir),
                        js_string(&path)
                    ));
                }
            }
        }
        w.line(format!("classes: [{}],", class_names.join(", ")));
        // How each class can move by transfer and be observed (codegen's analysis pass).
        let transfers: serde_json::Map<String, serde_json::Value> = plan
            .transfers
            .iter()
            .filter_map(|t| Some((t.class.clone(), serde_json::to_value(t).ok()?)))
            .collect();
        w.line(format!(
            "transfers: {},",
            serde_json::Value::Object(transfers)
        ));
    });
    if esm {
        w.line("await $runtime.ready;");
    }
    w.line("const { wrap: $wrap, unwrap: $unwrap } = $runtime;");
    w.line("let $glue = $runtime.active.exports;");

    // Live re-export of glue values (ESM needs `export let` bindings, CJS uses getters).
    let value_locals: Vec<(String, String)> = {
        let mut scope = NameScope::with_reserved(SHIM_LOCALS);
        for (_, l) in plan.functions.iter() {
            scope.take(l.clone());
        }
        for (_, l) in plan.classes.iter() {
            scope.take(l.clone());
        }
        plan.values
            .iter()
            .map(|v| (v.clone(), scope.take(format!("${}", js_identifier(v)))))
            .collect()
    };
    w.block("$runtime.onActivate((instance) => {", "});", |w| {
        w.line("$glue = instance.exports;");
        if esm {
            for (name, local) in &value_locals {
                w.line(format!("{local} = {};", glue_value(name)));
            }
        }
    });
    w.line("");

    let export = |w: &mut CodeWriter, name: &str, local: &str| {
        if esm {
            if name == local {
                w.line(format!("export {{ {local} }};"));
            } else {
                w.line(format!("export {{ {local} as {} }};", js_string(name)));
            }
        } else {
            w.line(format!("{} = {local};", member("module.exports", name)));
        }
    };

    let mut ops = NameScope::with_reserved(SHIM_LOCALS);
    for (f, local) in &plan.functions {
        let (params, args) = plan.params_and_args(f);
        let call = format!("{}({args})", member("$glue", &f.name));
        let op = ops.take(format!("$op_{local}"));
        w.line(format!(
            "const {op} = $runtime.op({});",
            plan.operation("function", &f.name, None)
        ));
        let arg_names = plan.arg_names(f);
        w.block(format!("function {local}({params}) {{"), "}", |w| {
            guarded(w, "undefined", &arg_names, |w| {
                w.line(format!(
                    "const $result = {};",
                    plan.wrap(&f.returns.ty, call)
                ));
                w.line(format!(
                    "if ({op}.log) $runtime.record({op}, undefined, [{arg_names}], $result);"
                ));
                w.line("return $result;");
            });
        });
        export(&mut w, &f.name, local);
    }
    w.line("");

    for (class, local) in &plan.classes {
        render_class(&mut w, plan, class, local, &mut ops);
        w.line(format!(
            "$runtime.register({local}, {});",
            js_string(&class.name)
        ));
        export(&mut w, &class.name, local);
        w.line("");
    }

    for name in &plan.enums {
        if esm {
            w.line(format!(
                "export const {} = {};",
                js_identifier(name),
                member("$glue", name)
            ));
        } else {
            w.line(format!(
                "{} = {};",
                member("module.exports", name),
                member("$glue", name)
            ));
        }
    }
    for (name, local) in &value_locals {
        if esm {
            w.line(format!("let {local} = {};", glue_value(name)));
            export(&mut w, name, local);
        } else {
            w.line(format!(
                "Object.defineProperty(module.exports, {}, {{ enumerable: true, get: () => {} }});",
                js_string(name),
                glue_value(name)
            ));
        }
    }
    if esm && glue.exports("default") {
        // `--target web`'s init: the runtime has initialised the instance already.
        w.line("export default function (...args) {");
        w.line("  return $glue.default(...args);");
        w.line("}");
    }
    w.line("");
    w.line("// The runtime behind this module: instances, memory, metrics.");
    if esm {
        w.line("export { $runtime as __wasmProxy };");
    } else {
        w.line("Object.defineProperty(module.exports, '__wasmProxy', { value: $runtime });");
    }
    w.finish()
}

fn render_class(
    w: &mut CodeWriter,
    plan: &ShimPlan<'_>,
    class: &JsClass,
    local: &str,
    ops: &mut NameScope,
) {
    let glue_class = member("$glue", &class.name);
    // Operations first: class bodies cannot hold `const`s.
    let mut op_of = |w: &mut CodeWriter, kind: &'static str, name: &str| {
        let op = ops.take(format!("$op_{local}_{}", js_identifier(name)));
        w.line(format!(
            "const {op} = $runtime.op({});",
            plan.operation(kind, name, Some(&class.name))
        ));
        op
    };
    let ctor_op = class
        .constructor
        .as_ref()
        .map(|_| op_of(w, "constructor", "new"));
    let method_ops: Vec<String> = class
        .methods
        .iter()
        .map(|m| {
            let kind = if m.is_static { "static" } else { "method" };
            op_of(w, kind, &m.function.name)
        })
        .collect();
    let undeclared: &[&GlueMethod] = plan.undeclared.get(&class.name).map_or(&[], Vec::as_slice);
    let undeclared_ops: Vec<String> = undeclared
        .iter()
        .map(|m| {
            let kind = if m.is_static { "static" } else { "method" };
            op_of(w, kind, &m.name)
        })
        .collect();
    let setter_ops: Vec<Option<String>> = class
        .accessors
        .iter()
        .map(|a| (a.setter && !a.is_static).then(|| op_of(w, "setter", &a.name)))
        .collect();
    w.block(
        format!("class {local} extends $runtime.Handle {{"),
        "}",
        |w| {
            if let (Some(ctor), Some(op)) = (&class.constructor, &ctor_op) {
                let (params, args) = plan.params_and_args(ctor);
                let arg_names = plan.arg_names(ctor);
                w.block(format!("constructor({params}) {{"), "}", |w| {
                    w.line("super();");
                    guarded(w, "undefined", &arg_names, |w| {
                        w.line(format!("$runtime.adopt(this, new {glue_class}({args}));"));
                        w.line(format!(
                            "if ({op}.log) $runtime.record({op}, undefined, [{arg_names}], this);"
                        ));
                    });
                });
            }
            for (m, op) in class.methods.iter().zip(&method_ops) {
                let (params, args) = plan.params_and_args(&m.function);
                let key = property_key(&m.function.name);
                let (prefix, target, this) = if m.is_static {
                    ("static ", glue_class.clone(), "undefined")
                } else {
                    ("", "$unwrap(this)".to_owned(), "this")
                };
                let call = format!("{}({args})", member(&target, &m.function.name));
                let arg_names = plan.arg_names(&m.function);
                w.block(format!("{prefix}{key}({params}) {{"), "}", |w| {
                    guarded(w, this, &arg_names, |w| {
                        w.line(format!(
                            "const $result = {};",
                            plan.wrap(&m.function.returns.ty, call)
                        ));
                        w.line(format!(
                            "if ({op}.log) $runtime.record({op}, {this}, [{arg_names}], $result);"
                        ));
                        w.line("return $result;");
                    });
                });
            }
            for (m, op) in undeclared.iter().zip(&undeclared_ops) {
                let (prefix, target, this) = if m.is_static {
                    ("static ", glue_class.clone(), "undefined")
                } else {
                    ("", "$unwrap(this)".to_owned(), "this")
                };
                let call = format!(
                    "{}(...$runtime.unwrapDeep($args))",
                    member(&target, &m.name)
                );
                w.block(
                    format!("{prefix}{}(...$args) {{", property_key(&m.name)),
                    "}",
                    |w| {
                        guarded(w, this, "...$args", |w| {
                            w.line(format!("const $result = $runtime.wrapDeep({call});"));
                            w.line(format!(
                                "if ({op}.log) $runtime.record({op}, {this}, $args, $result);"
                            ));
                            w.line("return $result;");
                        });
                    },
                );
            }
            for (a, op) in class.accessors.iter().zip(&setter_ops) {
                let key = property_key(&a.name);
                let (prefix, target, this) = if a.is_static {
                    ("static ", glue_class.clone(), "undefined")
                } else {
                    ("", "$unwrap(this)".to_owned(), "this")
                };
                let field = member(&target, &a.name);
                if a.getter {
                    w.block(format!("{prefix}get {key}() {{"), "}", |w| {
                        guarded(w, this, "", |w| {
                            w.line(format!("return {};", plan.wrap(&a.ty.ty, field.clone())));
                        });
                    });
                }
                if a.setter {
                    // Optional fields (`x?: C`) are not marked in the type: let null through.
                    let set = &a.setter_type().ty;
                    let ty = match set {
                        JsType::Class(_) => JsType::Optional(Box::new(set.clone())),
                        other => other.clone(),
                    };
                    w.block(format!("{prefix}set {key}(value) {{"), "}", |w| {
                        guarded(w, this, "value", |w| {
                            w.line(format!("{field} = {};", plan.unwrap(&ty, "value")));
                            if let Some(op) = op {
                                w.line(format!(
                                    "if ({op}.log) $runtime.record({op}, this, [value], undefined);"
                                ));
                            }
                        });
                    });
                }
            }
        },
    );
}

fn render_dts(plan: &ShimPlan<'_>, api: &JsApi, header: &str) -> String {
    let mut w = CodeWriter::default();
    w.line(format!("// {header}"));
    w.line("/* eslint-disable */");
    w.line("import type { Runtime } from './wasm-proxy-runtime/index.cjs';");
    w.line("");
    for d in &api.type_declarations {
        let export = if d.exported { "export " } else { "" };
        w.line(format!("{export}{}", d.text));
    }
    for e in &api.enums {
        let export = if e.exported { "export " } else { "" };
        w.line(format!("{export}{}", e.text));
    }
    for v in &api.values {
        w.line(format!(
            "export const {}: {};",
            js_identifier(&v.name),
            v.ty.text
        ));
    }
    for (f, local) in &plan.functions {
        let signature = dts_signature(f);
        if *local == f.name {
            w.line(format!("export function {local}{signature};"));
        } else {
            w.line(format!("declare function {local}{signature};"));
            w.line(format!("export {{ {local} as {} }};", js_string(&f.name)));
        }
    }
    for (class, local) in &plan.classes {
        w.block(format!("export class {local} {{"), "}", |w| {
            if class.has_free {
                w.line("free(): void;");
            }
            if class.has_dispose {
                w.line("[Symbol.dispose](): void;");
            }
            if let Some(ctor) = &class.constructor {
                w.line(format!("constructor{};", dts_params(ctor)));
            } else if class.private_constructor {
                w.line("private constructor();");
            }
            // Members of a merged `interface C` are declared by that interface, copied above.
            for m in class.methods.iter().filter(|m| !m.from_interface) {
                let prefix = if m.is_static { "static " } else { "" };
                let key = property_key(&m.function.name);
                w.line(format!("{prefix}{key}{};", dts_signature(&m.function)));
            }
            for a in class.accessors.iter().filter(|a| !a.from_interface) {
                let prefix = if a.is_static { "static " } else { "" };
                let key = property_key(&a.name);
                match &a.setter_ty {
                    // Getter and setter of different types: declared apart, as in the typings.
                    Some(set) if a.getter => {
                        w.line(format!("{prefix}get {key}(): {};", a.ty.text));
                        w.line(format!("{prefix}set {key}(value: {});", set.text));
                    }
                    _ => {
                        let readonly = if a.setter { "" } else { "readonly " };
                        w.line(format!("{prefix}{readonly}{key}: {};", a.ty.text));
                    }
                }
            }
        });
    }
    if let Some(default) = &api.default_export {
        w.line(default);
    }
    w.line("/** The runtime behind this module: instances, memory, metrics. */");
    w.line("export declare const __wasmProxy: Runtime;");
    w.finish()
}

fn dts_params(f: &JsFunction) -> String {
    let mut scope = NameScope::default();
    let params: Vec<String> = f
        .params
        .iter()
        .map(|p| {
            let name = scope.take(js_identifier(&p.name));
            let rest = if p.rest { "..." } else { "" };
            let optional = if p.optional { "?" } else { "" };
            format!("{rest}{name}{optional}: {}", p.ty.text)
        })
        .collect();
    format!("({})", params.join(", "))
}

fn dts_signature(f: &JsFunction) -> String {
    let generics = f.type_params.as_deref().unwrap_or_default();
    format!("{generics}{}: {}", dts_params(f), f.returns.text)
}

/// `file` relative to the glue's directory (None without either).
fn beside_glue(model: &ModuleModel, file: Option<&std::path::PathBuf>) -> Option<String> {
    let dir = model.files.glue.as_deref()?.parent()?;
    Some(relative_path(dir, file?))
}

/// `to` relative to the directory `from`, with `/` separators (both made absolute first).
pub fn relative_path(from: &Path, to: &Path) -> String {
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_owned());
    let (from, to) = (absolute(from), absolute(to));
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".into(); from.len() - common];
    parts.extend(
        to[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_climb_and_descend() {
        assert_eq!(
            relative_path(Path::new("/a/b/out"), Path::new("/a/c/glue.cjs")),
            "../../c/glue.cjs"
        );
        assert_eq!(
            relative_path(Path::new("/a"), Path::new("/a/x.cjs")),
            "x.cjs"
        );
    }
}
