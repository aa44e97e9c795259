//! Gives every raw export a role by matching the binary against the glue (which
//! shows what each JS member calls) or, without glue, against the typings by
//! wasm-bindgen's naming scheme; reports what matches nothing, both ways.

use std::collections::{HashMap, HashSet};

use super::api::JsApi;
use super::{Export, Finding, ModuleModel, Role, Severity, TESTED_WASM_BINDGEN};
use crate::reader::ModuleFiles;
use crate::reader::glue::{Glue, GlueExportKind, MemberKind};
use crate::reader::wasm::{ExportKind, WasmModule};

/// Role, class and JS member of one raw export.
type Claim = (Role, Option<String>, Option<String>);

pub(super) fn correlate(
    files: ModuleFiles,
    wasm: WasmModule,
    api: Option<JsApi>,
    raw_api: Option<JsApi>,
    glue: Option<Glue>,
) -> ModuleModel {
    let mut findings = Vec::new();

    let mut claims: HashMap<String, Claim> = HashMap::new();
    if let Some(glue) = &glue {
        claim_from_glue(glue, &wasm, &mut claims, &mut findings);
    }
    if let Some(api) = &api {
        let unclaimed: Vec<&str> = wasm
            .exports
            .iter()
            .filter(|e| e.kind == ExportKind::Function && !claims.contains_key(&e.name))
            .map(|e| e.name.as_str())
            .collect();
        for name in claim_from_names(api, &unclaimed, &mut claims) {
            if glue.is_some() {
                findings.push(warning(format!(
                    "export `{name}` is never called by the glue: JS cannot reach it"
                )));
            }
        }
    }

    let has_bindings = api.is_some() || glue.is_some();
    let exports = wasm
        .exports
        .iter()
        .map(|raw| {
            let (role, class, member) = match raw.kind {
                ExportKind::Memory => (Role::Memory, None, None),
                ExportKind::Global => (Role::Global, None, None),
                ExportKind::Table => (Role::Table, None, None),
                ExportKind::Tag => (Role::Tag, None, None),
                ExportKind::Function if !has_bindings => (Role::Function, None, None),
                ExportKind::Function => match claims.get(&raw.name) {
                    Some(claim) => claim.clone(),
                    None if is_plumbing(&raw.name) => (Role::Plumbing, None, None),
                    None if is_closure_adapter(&raw.name, glue.as_ref()) => {
                        (Role::Closure, None, None)
                    }
                    None if raw_only(&raw.name, raw_api.as_ref(), glue.as_ref()) => {
                        findings.push(info(format!(
                            "export `{}` is declared only by the raw typings and called by no JS \
                             member: a symbol of a linked library, reachable through the raw exports",
                            raw.name
                        )));
                        (Role::Raw, None, None)
                    }
                    None => {
                        findings.push(warning(format!(
                            "export `{}` matches nothing in the typings or glue",
                            raw.name
                        )));
                        (Role::Unmatched, None, None)
                    }
                },
            };
            Export {
                name: raw.name.clone(),
                kind: raw.kind,
                params: raw.params.clone(),
                results: raw.results.clone(),
                role,
                class,
                member,
                detail: raw.detail.clone(),
            }
        })
        .collect();

    if let (Some(api), Some(glue)) = (&api, &glue) {
        let declared = api
            .functions
            .iter()
            .map(|f| &f.name)
            .chain(api.classes.iter().map(|c| &c.name));
        if !api.is_empty() && !declared.into_iter().any(|n| glue.export(n).is_some()) {
            findings.push(warning(format!(
                "the glue {} exports none of the typings' functions and classes: it may only load \
                 the real glue (e.g. `{}_bg.js`); name that one with --glue",
                files
                    .glue
                    .as_deref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
                files.module_name()
            )));
        }
        compare_typings_with_glue(api, glue, &mut findings);
    }
    if let Some(raw_api) = &raw_api {
        compare_raw_typings(&wasm, raw_api, &mut findings);
    }
    if has_bindings {
        // The producers section says e.g. `0.2.92 (2a4a49362)`: compare the version alone.
        let version = wasm
            .wasm_bindgen_version()
            .map(|v| v.split_whitespace().next().unwrap_or(v));
        match version {
            Some(v) if !TESTED_WASM_BINDGEN.contains(&v) => findings.push(info(format!(
                "wasm-bindgen {v} has not been tested (tested: {})",
                TESTED_WASM_BINDGEN.join(", ")
            ))),
            Some(_) => {}
            None => findings.push(info(
                "no wasm-bindgen version in the producers section".into(),
            )),
        }
    }
    if files.typings.is_none() && glue.is_some() {
        findings.push(warning(
            "glue found but no typings: classes and JS types are unknown".into(),
        ));
    }

    ModuleModel {
        name: files.module_name(),
        files,
        wasm,
        api,
        glue,
        exports,
        findings,
    }
}

/// Whether `name` is declared by the raw typings while the glue (present) never names it.
fn raw_only(name: &str, raw_api: Option<&JsApi>, glue: Option<&Glue>) -> bool {
    let (Some(raw_api), Some(glue)) = (raw_api, glue) else {
        return false;
    };
    raw_api.functions.iter().any(|f| f.name == name) && !glue.referenced.iter().any(|r| r == name)
}

/// wasm-bindgen's own exports: allocator, stack, externref table, start, thread hooks.
fn is_plumbing(name: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "__wbindgen_",
        "__externref_",
        "__wbg_",
        "__wasm_",
        "__tls_",
        "__stack_",
    ];
    PREFIXES.iter().any(|p| name.starts_with(p))
}

/// A closure adapter by wasm-bindgen's names for them (`closure` in every version:
/// `wasm_bindgen__convert__closures__invoke1_mut__h…`, `_dyn_core__ops__function__FnMut…
/// WasmClosure___describe__invoke__h…`, `closure12_externref_shim`), which the glue, when
/// there is one, must call: glue code that no export holds invokes it for JS.
fn is_closure_adapter(name: &str, glue: Option<&Glue>) -> bool {
    let named = name.contains("closure") || name.contains("Closure");
    named && glue.is_none_or(|g| g.referenced.iter().any(|r| r == name))
}

/// A glue member's raw calls name its implementation plus plumbing (stack pointer,
/// malloc, free...): everything that is not plumbing is the member's own export.
///
/// Identical functions are often folded into one by the linker and exported under
/// several names (plonk's `caml_pasta_fq_plonk_index_max_degree` is
/// `caml_pasta_fp_plonk_index_max_degree`), and the glue may call any of the
/// aliases: each member gets the alias whose name fits it best.
fn claim_from_glue(
    glue: &Glue,
    wasm: &WasmModule,
    claims: &mut HashMap<String, Claim>,
    findings: &mut Vec<Finding>,
) {
    let mut aliases: HashMap<u32, Vec<&str>> = HashMap::new();
    let mut index_of: HashMap<&str, u32> = HashMap::new();
    let exported: HashSet<&str> = wasm.exports.iter().map(|e| e.name.as_str()).collect();
    for e in wasm
        .exports
        .iter()
        .filter(|e| e.kind == ExportKind::Function)
    {
        aliases.entry(e.index).or_default().push(&e.name);
        index_of.insert(&e.name, e.index);
    }
    let mut claim = |raw: &str, role: Role, class: Option<&str>, member: &str| {
        // `__wbg_<class>_free` and field accessors look like plumbing but are members.
        let own = !is_plumbing(raw)
            || (raw.starts_with("__wbg_")
                && (raw.ends_with("_free")
                    || raw.starts_with("__wbg_get_")
                    || raw.starts_with("__wbg_set_")));
        if !own {
            return;
        }
        let Some(index) = index_of.get(raw) else {
            if exported.contains(raw) {
                return; // a memory, global or table: its role comes from its kind
            }
            findings.push(warning(format!(
                "glue `{}` calls `wasm.{raw}`, which the module does not export",
                qualified(class, member)
            )));
            return;
        };
        let this = (class.map(str::to_owned), Some(member.to_owned()));
        let mine = |c: &Claim| c.1 == this.0 && c.2 == this.1;
        let candidates = &aliases[index];
        if candidates.iter().any(|a| claims.get(*a).is_some_and(mine)) {
            return;
        }
        let fit = |name: &str| {
            let lower = class.map(str::to_lowercase).unwrap_or_default();
            usize::from(name == member) * 4
                + usize::from(!lower.is_empty() && name.contains(&lower)) * 2
                + usize::from(name.ends_with(member))
                + usize::from(name == raw)
        };
        let free = candidates
            .iter()
            .filter(|a| !claims.contains_key(**a))
            .max_by_key(|a| fit(a));
        match free {
            Some(alias) => {
                claims.insert((*alias).to_owned(), (role, this.0, this.1));
            }
            None => {
                let other = claims
                    .get(raw)
                    .map(|c| qualified(c.1.as_deref(), c.2.as_deref().unwrap_or("?")))
                    .unwrap_or_default();
                findings.push(warning(format!(
                    "glue `{}` calls `wasm.{raw}`, which glue `{other}` calls too",
                    qualified(class, member)
                )));
            }
        }
    };
    for export in &glue.exports {
        match export.kind {
            GlueExportKind::Function => {
                for raw in &export.raw_calls {
                    claim(raw, Role::Function, None, &export.name);
                }
            }
            GlueExportKind::Class => {
                for m in &export.members {
                    let role = match m.kind {
                        MemberKind::Constructor => Role::Constructor,
                        MemberKind::Getter => Role::Getter,
                        MemberKind::Setter => Role::Setter,
                        MemberKind::StaticMethod => Role::StaticMethod,
                        MemberKind::Method if m.name == "free" => Role::Free,
                        MemberKind::Method => Role::Method,
                    };
                    for raw in &m.raw_calls {
                        claim(raw, role, Some(&export.name), &m.name);
                    }
                }
            }
            GlueExportKind::Value => {}
        }
    }
}

fn qualified(class: Option<&str>, member: &str) -> String {
    match class {
        Some(c) => format!("{c}.{member}"),
        None => member.to_owned(),
    }
}

/// By name (without glue, or for what the glue never calls): wasm-bindgen names a class `C`'s exports `c_<method>`,
/// `__wbg_c_free`, `__wbg_get_c_<field>` and `__wbg_set_c_<field>` (lowercased).
/// Returns the names it claimed.
fn claim_from_names<'n>(
    api: &JsApi,
    raw_names: &[&'n str],
    claims: &mut HashMap<String, Claim>,
) -> Vec<&'n str> {
    let mut claimed = Vec::new();
    for f in &api.functions {
        if let Some(raw) = raw_names.iter().find(|r| **r == f.name) {
            claims.insert(f.name.clone(), (Role::Function, None, Some(f.name.clone())));
            claimed.push(*raw);
        }
    }
    // Longest class prefix first, so `wasmfpsrs_x` is not taken by a class `WasmFp`.
    let mut classes: Vec<_> = api.classes.iter().collect();
    classes.sort_by_key(|c| std::cmp::Reverse(c.name.len()));
    for raw in raw_names {
        if claims.contains_key(*raw) {
            continue;
        }
        for class in &classes {
            let lower = class.name.to_lowercase();
            let name = Some(class.name.clone());
            let claim = if *raw == format!("__wbg_{lower}_free") {
                Some((Role::Free, name, Some("free".into())))
            } else if let Some(field) = raw.strip_prefix(&format!("__wbg_get_{lower}_")) {
                Some((Role::Getter, name, Some(field.to_owned())))
            } else if let Some(field) = raw.strip_prefix(&format!("__wbg_set_{lower}_")) {
                Some((Role::Setter, name, Some(field.to_owned())))
            } else if let Some(method) = raw.strip_prefix(&format!("{lower}_")) {
                let declared = class.methods.iter().find(|m| m.function.name == method);
                let (role, member) = match declared {
                    Some(m) if m.is_static => (Role::StaticMethod, method),
                    Some(_) => (Role::Method, method),
                    None if class.constructor.is_some() && method == "new" => {
                        (Role::Constructor, "constructor")
                    }
                    // Renamed with `js_name`: the glue would tell; assume a method.
                    None => (Role::Method, method),
                };
                Some((role, name, Some(member.to_owned())))
            } else {
                None
            };
            if let Some(claim) = claim {
                claims.insert((*raw).to_owned(), claim);
                claimed.push(*raw);
                break;
            }
        }
    }
    claimed
}

/// Every function and class the typings declare must be exported by the glue, and back.
fn compare_typings_with_glue(api: &JsApi, glue: &Glue, findings: &mut Vec<Finding>) {
    let declared: HashSet<&str> = api
        .functions
        .iter()
        .map(|f| f.name.as_str())
        .chain(api.classes.iter().map(|c| c.name.as_str()))
        .chain(
            api.enums
                .iter()
                .filter(|e| e.exported)
                .map(|e| e.name.as_str()),
        )
        .chain(api.values.iter().map(|v| v.name.as_str()))
        .collect();
    for name in &declared {
        if glue.export(name).is_none() {
            findings.push(warning(format!(
                "typings declare `{name}` but the glue does not export it"
            )));
        }
    }
    let extra: Vec<&str> = glue
        .exports
        .iter()
        .map(|e| e.name.as_str())
        .filter(|n| !declared.contains(n))
        .collect();
    let (imports, others): (Vec<&str>, Vec<&str>) = extra
        .into_iter()
        .partition(|n| n.starts_with("__wbg_") || n.starts_with("__wbindgen_"));
    if !imports.is_empty() {
        findings.push(info(format!(
            "glue exports {} wasm-bindgen import shims not in the typings",
            imports.len()
        )));
    }
    for name in others {
        findings.push(info(format!(
            "glue exports `{name}`, which the typings do not declare"
        )));
    }
    for class in &api.classes {
        let Some(glue_class) = glue.export(&class.name) else {
            continue;
        };
        let members = class
            .methods
            .iter()
            .map(|m| m.function.name.as_str())
            .chain(class.accessors.iter().map(|a| a.name.as_str()))
            .chain(class.constructor.as_ref().map(|_| "constructor"));
        for member in members {
            if !glue_class.members.iter().any(|m| m.name == member) {
                findings.push(warning(format!(
                    "typings declare `{}.{member}` but the glue class has no such member",
                    class.name
                )));
            }
        }
    }
}

/// `X_bg.wasm.d.ts` must list the binary's function exports with matching arity.
fn compare_raw_typings(wasm: &WasmModule, raw_api: &JsApi, findings: &mut Vec<Finding>) {
    let declared: HashMap<&str, usize> = raw_api
        .functions
        .iter()
        .map(|f| (f.name.as_str(), f.params.len()))
        .collect();
    for export in wasm
        .exports
        .iter()
        .filter(|e| e.kind == ExportKind::Function)
    {
        match declared.get(export.name.as_str()) {
            None => findings.push(warning(format!(
                "`{}` is exported by the wasm but missing from the raw typings",
                export.name
            ))),
            Some(&n) if n != export.params.len() => findings.push(warning(format!(
                "`{}` takes {} parameters in the wasm but {n} in the raw typings",
                export.name,
                export.params.len()
            ))),
            Some(_) => {}
        }
    }
    let exported: HashSet<&str> = wasm.exports.iter().map(|e| e.name.as_str()).collect();
    for f in &raw_api.functions {
        if !exported.contains(f.name.as_str()) {
            findings.push(warning(format!(
                "raw typings declare `{}`, which the wasm does not export",
                f.name
            )));
        }
    }
}

fn warning(message: String) -> Finding {
    Finding {
        severity: Severity::Warning,
        message,
    }
}

fn info(message: String) -> Finding {
    Finding {
        severity: Severity::Info,
        message,
    }
}
