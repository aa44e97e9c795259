//! Reads wasm-bindgen's JavaScript glue (`X.cjs`, `X.js`, `X_bg.js`) with oxc.
//!
//! The glue is the only file that shows which raw wasm exports each JS-level
//! function, constructor, method or accessor calls (`wasm.<export>(...)`), so the
//! model correlates roles from it rather than from naming conventions.

use std::collections::HashMap;
use std::path::Path;

use oxc_allocator::Allocator;
use oxc_ast::ast::{
    Argument, AssignmentExpression, AssignmentTarget, BinaryOperator, CallExpression, Class,
    ClassElement, Declaration, Expression, FunctionBody, IfStatement, MethodDefinitionKind,
    PropertyKey, ReturnStatement, Statement, StaticMemberExpression, VariableDeclarator,
};
use oxc_ast_visit::{Visit, walk};
use oxc_span::SourceType;
use serde::Serialize;

use super::source::{parse, read_text};
use crate::error::Result;

/// What the glue exports and which raw wasm exports each piece calls.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Glue {
    /// Module system of the glue.
    pub format: GlueFormat,
    /// Exports in source order.
    pub exports: Vec<GlueExport>,
    /// Why the glue looks re-bundled by a JS bundler (esbuild, rollup...) rather than
    /// written by wasm-bindgen, e.g. ``a class declared as `var Resvg = class` ``: its
    /// exports are then the bundler's wrappers, which the model cannot map.
    pub bundled: Option<String>,
    /// Why the glue loads its wasm in a way the proxy cannot take over, e.g. it imports
    /// the wasm as a module itself (`import * as wasm from "./X_bg.wasm"`, the bundler
    /// target before `__wbg_set_wasm`) or reads it with `Deno.readFile` (the deno target).
    pub loads_wasm_itself: Option<String>,
    /// Every raw export the glue names anywhere (`wasm.N`), in first-use order: its
    /// exports' own calls, and those of code no export holds, such as wasm-bindgen's
    /// closure adapters (called when JS invokes a Rust closure) and import shims.
    pub referenced: Vec<String>,
    /// The JS functions the glue hands the module as imports (`__wbg_*`, `__wbindgen_*`),
    /// in source order: what `model::js_imports` classifies.
    #[serde(skip)]
    pub imports: Vec<GlueImport>,
}

/// CommonJS (`module.exports.x = ...`) or ES module (`export function x`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GlueFormat {
    /// `require()`-able glue (`wasm-bindgen --target nodejs`).
    #[default]
    CommonJs,
    /// ES module glue.
    EsModule,
}

/// One export of the glue.
#[derive(Debug, Clone, Serialize)]
pub struct GlueExport {
    /// Exported name.
    pub name: String,
    /// What it is.
    pub kind: GlueExportKind,
    /// Raw wasm exports its body calls (functions only), in first-use order.
    pub raw_calls: Vec<String>,
    /// How each raw call passes class handles (functions only), in source order.
    pub call_sites: Vec<RawCallSite>,
    /// Members (classes only).
    pub members: Vec<GlueMember>,
}

/// Kind of a glue export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GlueExportKind {
    /// A function.
    Function,
    /// A class.
    Class,
    /// Any other value (enum objects, the raw `__wasm` exports...).
    Value,
}

/// One member of a glue class.
#[derive(Debug, Clone, Serialize)]
pub struct GlueMember {
    /// Member name (`constructor` for the constructor).
    pub name: String,
    /// Kind of member.
    pub kind: MemberKind,
    /// Raw wasm exports its body calls.
    pub raw_calls: Vec<String>,
    /// How each raw call passes class handles, in source order.
    pub call_sites: Vec<RawCallSite>,
}

/// One `wasm.<export>(...)` call in a glue body, with what each argument is.
///
/// wasm-bindgen passes a class object as its pointer, either borrowed
/// (`x.__wbg_ptr`) or consumed (`var ptr0 = x.__destroy_into_raw()`, after which
/// the JS object is empty), and wraps a pointer result as an object
/// (`C.__wrap(ret)`, or `this.__wbg_ptr = ret` in a constructor).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RawCallSite {
    /// The raw export called.
    pub export: String,
    /// The call's arguments, in order.
    pub args: Vec<RawArg>,
    /// What the glue does with the result.
    pub result: RawResult,
    /// How the body around the call marshals arguments and results (the facts of the whole
    /// body: wasm-bindgen emits one such call per glue function).
    #[serde(skip)]
    pub marshaling: Marshaling,
}

/// How a glue body moves values across the boundary, as far as high-level Rust calls need:
/// which locals hold copied-in bytes, where the results are read from, what is thrown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Marshaling {
    /// Parameters copied into the module: `const ptr0 = passArray8ToWasm0(input, ..)` /
    /// `passStringToWasm0`, with `const len0 = WASM_VECTOR_LEN`.
    pub passed: Vec<Passed>,
    /// The local holding the return area (`const retptr = wasm.__wbindgen_add_to_stack_pointer(-16)`).
    pub stack: Option<String>,
    /// Bytes or a string read out of the module: `getArrayU8FromWasm0(a, b)`,
    /// `getStringFromWasm0(a, b)` (`true` for a string).
    pub decoded: Option<(bool, WordRef, WordRef)>,
    /// `if (flag) { throw takeObject(value) }`: `(value, flag)`.
    pub throws: Option<(WordRef, WordRef)>,
    /// The word the body returns as is (`return ret`, `return r0 >>> 0`), with `true` when it
    /// returns `word !== 0` (a boolean).
    pub returned: Option<(WordRef, bool)>,
    /// A word wrapped as an object: `C.__wrap(r0)` or `this.__wbg_ptr = r0 >>> 0`.
    pub object: Option<WordRef>,
    /// Raw arguments that pass an optional parameter or a JS value, by argument index.
    pub arg_forms: Vec<(usize, ArgForm)>,
    /// The decoded bytes or string are read only when this word is not 0
    /// (`if (r0 !== 0) { v1 = getStringFromWasm0(r0, r1) }`: an optional result).
    pub decoded_guard: Option<WordRef>,
    /// `return flag === 0 ? undefined : value`: an optional result, `(flag, value)`; the
    /// value may be wrapped as an object ([`Marshaling::object`]).
    pub returned_optional: Option<(WordRef, WordRef)>,
    /// `return takeObject(ret)`: a JS value the module returns (its heap index or table slot).
    pub returned_js: Option<WordRef>,
    /// `let ptr0 = 0; if (!isLikeNone(x)) { ptr0 = x.__destroy_into_raw(); }` (given away) or
    /// `ptr0 = x.__wbg_ptr` (lent): locals holding an optional object, `(local, parameter,
    /// given away)`.
    pub optional_objects: Vec<(String, String, bool)>,
    /// Something the body does that these facts do not capture (an optional argument, a
    /// typed array other than bytes, a JS value...): the body cannot be marshaled from Rust.
    pub unsupported: Option<String>,
}

/// How a raw argument passes a parameter that is neither a plain value nor bytes: an
/// optional one, or a JS value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgForm {
    /// `!isLikeNone(x)`: 1 when present.
    IsSome(String),
    /// `isLikeNone(x) ? none : x` (`x >>> 0`, `x ? 1 : 0`): the value, or the literal.
    OrNone {
        /// The parameter.
        of: String,
        /// The literal passed for `undefined` (`0`, `0x100000001`, `0xFFFFFF`).
        none: u64,
    },
    /// `addHeapObject(x)` (given to the module) or `addBorrowedObject(x)` (lent for the call):
    /// a JS value.
    Js {
        /// The parameter.
        of: String,
        /// Lent rather than given.
        borrowed: bool,
    },
    /// `isLikeNone(x) ? 0 : x.__destroy_into_raw()` (or `x.__wbg_ptr`): the object, or 0.
    Object {
        /// The parameter.
        of: String,
        /// Given away rather than lent.
        consumed: bool,
    },
}

/// One parameter copied into the module's heap by the glue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passed {
    /// The parameter.
    pub of: String,
    /// The local holding the pointer.
    pub ptr: String,
    /// The local holding the length.
    pub len: Option<String>,
    /// `passStringToWasm0` rather than `passArray8ToWasm0`.
    pub string: bool,
    /// `isLikeNone(x) ? 0 : passArray8ToWasm0(x, ..)`: a null pointer for `undefined`.
    pub optional: bool,
}

/// A raw result word as the glue names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WordRef {
    /// `rN`: the `N`th `i32` of the return area.
    Slot(u8),
    /// `ret[N]`: the `N`th result of a multi-value call.
    Result(u8),
    /// Any other local (`ret`, the single result).
    Local(String),
}

/// One argument of a raw call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RawArg {
    /// `x.__wbg_ptr`: the object `x` (a parameter, or `this`) is lent.
    Borrowed {
        /// The parameter name, or `this`.
        of: String,
    },
    /// A local set from `x.__destroy_into_raw()`: the object `x` is given away.
    Consumed {
        /// The parameter name, or `this`.
        of: String,
    },
    /// A plain identifier (`depth`, `retptr`, `ptr0`, `len0`...).
    Identifier {
        /// Its name.
        name: String,
    },
    /// Any other expression (`!isLikeNone(x)`, `x ? 1 : 0`, literals...).
    Other,
}

/// What the glue does with a raw call's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RawResult {
    /// Wrapped as an object of the class: `C.__wrap(ret)`.
    Wrapped {
        /// The class.
        class: String,
    },
    /// Stored as the constructed object's pointer: `this.__wbg_ptr = ret >>> 0`.
    ThisPointer,
    /// Anything else (returned as a number, ignored, decoded...).
    Other,
}

/// Kind of a class member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberKind {
    /// `constructor(...)`.
    Constructor,
    /// An instance method.
    Method,
    /// A static method.
    StaticMethod,
    /// `get x()`.
    Getter,
    /// `set x(v)`.
    Setter,
}

impl Glue {
    /// The export of that name.
    pub fn export(&self, name: &str) -> Option<&GlueExport> {
        self.exports.iter().find(|e| e.name == name)
    }

    /// Whether the glue is handed its wasm instance by a loader (`__wbg_set_wasm`):
    /// the `X_bg.js` / `X_bg.cjs` half of wasm-bindgen's bundler target.
    pub fn takes_wasm(&self) -> bool {
        self.export("__wbg_set_wasm").is_some()
    }
}

/// Reads a glue file.
pub fn read_glue(path: &Path) -> Result<Glue> {
    let text = read_text(path)?;
    parse_glue(path, &text)
}

/// Parses glue source; `path` only names the file in errors.
pub fn parse_glue(path: &Path, text: &str) -> Result<Glue> {
    let allocator = Allocator::default();
    let program = parse(
        &allocator,
        path,
        text,
        SourceType::unambiguous(),
        "JavaScript glue",
    )?;
    let mut classes: HashMap<String, Vec<GlueMember>> = HashMap::new();
    let mut functions: HashMap<String, RawCalls> = HashMap::new();
    let mut glue = Glue::default();

    // Declarations first: CommonJS glue exports classes by name after declaring them.
    for statement in &program.body {
        let declaration = match statement {
            Statement::ExportDeclaration(e) => Some(&e.declaration),
            other => other.as_declaration(),
        };
        match declaration {
            Some(Declaration::ClassDeclaration(c)) => {
                if let Some(id) = &c.id {
                    classes.insert(id.name.to_string(), class_members(c));
                }
            }
            Some(Declaration::FunctionDeclaration(f)) => {
                if let (Some(id), Some(body)) = (&f.id, &f.body) {
                    functions.insert(id.name.to_string(), raw_calls(body));
                }
            }
            // wasm-bindgen declares its classes; bundlers turn them into expressions.
            Some(Declaration::VariableDeclaration(v)) if glue.bundled.is_none() => {
                glue.bundled = v.declarations.iter().find_map(|d| {
                    let Some(Expression::ClassExpression(_)) = &d.init else {
                        return None;
                    };
                    let name = d.id.get_binding_identifier()?.name.as_str();
                    Some(format!(
                        "a class declared as `{} {name} = class`, as JS bundlers write \
                         them (wasm-bindgen declares `class {name}`)",
                        v.kind.as_str()
                    ))
                });
            }
            _ => {}
        }
    }

    for statement in &program.body {
        if let Statement::ImportDeclaration(i) = statement {
            let source = i.source.value.as_str();
            if source.ends_with(".wasm") && glue.loads_wasm_itself.is_none() {
                glue.loads_wasm_itself = Some(format!(
                    "it imports the wasm module itself (`import ... from \"{source}\"`, wasm-bindgen's \
                     bundler target before `__wbg_set_wasm`), which only a bundler resolves"
                ));
            }
        }
    }
    if glue.loads_wasm_itself.is_none() && text.contains("Deno.readFile") {
        glue.loads_wasm_itself = Some(
            "it reads its wasm with `Deno.readFile` when it loads (wasm-bindgen's deno target), \
             which node cannot run"
                .into(),
        );
    }

    for statement in &program.body {
        match statement {
            Statement::ExportDeclaration(e) => {
                glue.format = GlueFormat::EsModule;
                match &e.declaration {
                    Declaration::ClassDeclaration(c) => {
                        if let Some(id) = &c.id {
                            glue.exports.push(class_export(id.name.as_str(), &classes));
                        }
                    }
                    Declaration::FunctionDeclaration(f) => {
                        if let Some(id) = &f.id {
                            glue.exports
                                .push(function_export(id.name.as_str(), &functions));
                        }
                    }
                    Declaration::VariableDeclaration(v) => {
                        for d in &v.declarations {
                            if let Some(id) = d.id.get_binding_identifier() {
                                glue.exports.push(value_export(id.name.as_str()));
                            }
                        }
                    }
                    _ => {}
                }
            }
            Statement::ExportNamedDeclaration(e) => {
                glue.format = GlueFormat::EsModule;
                for s in &e.specifiers {
                    let exported = s.exported.name().to_string();
                    let local = s.local.name().to_string();
                    glue.exports
                        .push(by_name(&exported, &local, &classes, &functions));
                }
            }
            Statement::ExportDefaultDeclaration(_) => {
                glue.format = GlueFormat::EsModule;
                glue.exports.push(GlueExport {
                    name: "default".into(),
                    kind: GlueExportKind::Function,
                    raw_calls: vec![],
                    call_sites: vec![],
                    members: vec![],
                });
            }
            Statement::ExpressionStatement(s) => {
                let Expression::AssignmentExpression(a) = &s.expression else {
                    continue;
                };
                // `module.exports.x = ...`, `exports.x = ...` or `exports["x"] = ...`
                let (object, name) = match &a.left {
                    AssignmentTarget::StaticMemberExpression(t) => {
                        (&t.object, t.property.name.as_str())
                    }
                    AssignmentTarget::ComputedMemberExpression(t) => match &t.expression {
                        Expression::StringLiteral(s) => (&t.object, s.value.as_str()),
                        _ => continue,
                    },
                    _ => continue,
                };
                if !is_exports_object(object) {
                    continue;
                }
                let export = match &a.right {
                    Expression::FunctionExpression(f) => {
                        let calls = f.body.as_deref().map(raw_calls).unwrap_or_default();
                        GlueExport {
                            name: name.to_owned(),
                            kind: GlueExportKind::Function,
                            raw_calls: calls.names,
                            call_sites: calls.sites,
                            members: vec![],
                        }
                    }
                    Expression::ArrowFunctionExpression(f) => {
                        let mut collector = RawCallCollector::default();
                        collector.visit_arrow_function_expression(f);
                        let calls = collector.finish();
                        GlueExport {
                            name: name.to_owned(),
                            kind: GlueExportKind::Function,
                            raw_calls: calls.names,
                            call_sites: calls.sites,
                            members: vec![],
                        }
                    }
                    Expression::ClassExpression(c) => GlueExport {
                        name: name.to_owned(),
                        kind: GlueExportKind::Class,
                        raw_calls: vec![],
                        call_sites: vec![],
                        members: class_members(c),
                    },
                    Expression::Identifier(id) => {
                        by_name(name, id.name.as_str(), &classes, &functions)
                    }
                    _ => value_export(name),
                };
                // A later assignment to the same name wins, as at run time.
                glue.exports.retain(|e| e.name != export.name);
                glue.exports.push(export);
            }
            _ => {}
        }
    }
    let mut everywhere = RawCallCollector::default();
    everywhere.visit_program(&program);
    glue.referenced = everywhere.names;
    glue.imports = import_bodies(&program, text);
    Ok(glue)
}

/// `module.exports` or `exports`.
fn is_exports_object(object: &Expression<'_>) -> bool {
    match object {
        Expression::Identifier(id) => id.name == "exports",
        Expression::StaticMemberExpression(m) => {
            m.property.name == "exports"
                && matches!(&m.object, Expression::Identifier(id) if id.name == "module")
        }
        _ => false,
    }
}

fn by_name(
    exported: &str,
    local: &str,
    classes: &HashMap<String, Vec<GlueMember>>,
    functions: &HashMap<String, RawCalls>,
) -> GlueExport {
    if let Some(members) = classes.get(local) {
        GlueExport {
            name: exported.to_owned(),
            kind: GlueExportKind::Class,
            raw_calls: vec![],
            call_sites: vec![],
            members: members.clone(),
        }
    } else if let Some(calls) = functions.get(local) {
        GlueExport {
            name: exported.to_owned(),
            kind: GlueExportKind::Function,
            raw_calls: calls.names.clone(),
            call_sites: calls.sites.clone(),
            members: vec![],
        }
    } else {
        value_export(exported)
    }
}

fn class_export(name: &str, classes: &HashMap<String, Vec<GlueMember>>) -> GlueExport {
    by_name(name, name, classes, &HashMap::new())
}

fn function_export(name: &str, functions: &HashMap<String, RawCalls>) -> GlueExport {
    by_name(name, name, &HashMap::new(), functions)
}

fn value_export(name: &str) -> GlueExport {
    GlueExport {
        name: name.to_owned(),
        kind: GlueExportKind::Value,
        raw_calls: vec![],
        call_sites: vec![],
        members: vec![],
    }
}

fn class_members(class: &Class<'_>) -> Vec<GlueMember> {
    let mut members = Vec::new();
    for element in &class.body.body {
        let ClassElement::MethodDefinition(m) = element else {
            continue;
        };
        let name = match &m.key {
            PropertyKey::StaticIdentifier(id) if !m.computed => id.name.to_string(),
            PropertyKey::StringLiteral(s) => s.value.to_string(),
            PropertyKey::NumericLiteral(n) => n.value.to_string(),
            _ => continue,
        };
        let kind = match (m.kind, m.r#static) {
            (MethodDefinitionKind::Constructor, _) => MemberKind::Constructor,
            (MethodDefinitionKind::Get, _) => MemberKind::Getter,
            (MethodDefinitionKind::Set, _) => MemberKind::Setter,
            (MethodDefinitionKind::Method, true) => MemberKind::StaticMethod,
            (MethodDefinitionKind::Method, false) => MemberKind::Method,
        };
        let calls = m.value.body.as_deref().map(raw_calls).unwrap_or_default();
        members.push(GlueMember {
            name,
            kind,
            raw_calls: calls.names,
            call_sites: calls.sites,
        });
    }
    members
}

/// The raw exports one body calls: names in first-use order, and every call site.
#[derive(Debug, Clone, Default)]
struct RawCalls {
    names: Vec<String>,
    sites: Vec<RawCallSite>,
}

/// Names `N` of every `wasm.N` in a body, and how each `wasm.N(...)` call passes handles.
fn raw_calls(body: &FunctionBody<'_>) -> RawCalls {
    let mut collector = RawCallCollector::default();
    collector.visit_function_body(body);
    collector.finish()
}

#[derive(Default)]
struct RawCallCollector {
    names: Vec<String>,
    /// Call sites with their result variable (`const ret = wasm.f(...)`), if any.
    sites: Vec<(RawCallSite, Option<String>)>,
    /// Locals set from `x.__destroy_into_raw()`, with `x`.
    destroyed: HashMap<String, String>,
    /// Locals wrapped as objects: `C.__wrap(ret)`.
    wrapped: HashMap<String, String>,
    /// Locals stored as the constructed object's pointer.
    this_pointer: std::collections::HashSet<String>,
    /// Marshaling facts of the body.
    marshaling: Marshaling,
}

impl RawCallCollector {
    /// Resolves arguments and results once the whole body is seen: glue declares
    /// `ptr0` before the call and wraps `ret` after it.
    fn finish(self) -> RawCalls {
        let sites = self
            .sites
            .into_iter()
            .map(|(mut site, result_var)| {
                for arg in &mut site.args {
                    if let RawArg::Identifier { name } = arg
                        && let Some(of) = self.destroyed.get(name)
                    {
                        *arg = RawArg::Consumed { of: of.clone() };
                    }
                }
                site.marshaling = self.marshaling.clone();
                if let Some(var) = result_var {
                    if let Some(class) = self.wrapped.get(&var) {
                        site.result = RawResult::Wrapped {
                            class: class.clone(),
                        };
                    } else if self.this_pointer.contains(&var) {
                        site.result = RawResult::ThisPointer;
                    }
                }
                site
            })
            .collect();
        RawCalls {
            names: self.names,
            sites,
        }
    }
}

/// `wasm.N` as a callee: `N`.
fn wasm_export_name<'e>(callee: &'e Expression<'_>) -> Option<&'e str> {
    match callee.without_parentheses() {
        Expression::StaticMemberExpression(m) if matches!(&m.object, Expression::Identifier(id) if id.name == "wasm") => {
            Some(m.property.name.as_str())
        }
        _ => None,
    }
}

/// `x.<property>` with `x` an identifier or `this`: the name of `x`.
fn member_of<'e>(expr: &'e Expression<'_>, property: &str) -> Option<&'e str> {
    let Expression::StaticMemberExpression(m) = expr.without_parentheses() else {
        return None;
    };
    if m.property.name != property {
        return None;
    }
    match &m.object {
        Expression::Identifier(id) => Some(id.name.as_str()),
        Expression::ThisExpression(_) => Some("this"),
        _ => None,
    }
}

/// `x.__destroy_into_raw()`: `x`.
fn destroyed_object<'e>(expr: &'e Expression<'_>) -> Option<&'e str> {
    match expr.without_parentheses() {
        Expression::CallExpression(c) if c.arguments.is_empty() => {
            member_of(&c.callee, "__destroy_into_raw")
        }
        _ => None,
    }
}

/// `v`, `v >>> 0` or `v | 0`: `v`.
fn plain_local<'e>(expr: &'e Expression<'_>) -> Option<&'e str> {
    match expr.without_parentheses() {
        Expression::Identifier(id) => Some(id.name.as_str()),
        Expression::BinaryExpression(b)
            if matches!(
                b.operator,
                BinaryOperator::ShiftRightZeroFill | BinaryOperator::BitwiseOR
            ) && matches!(&b.right, Expression::NumericLiteral(n) if n.value == 0.0) =>
        {
            plain_local(&b.left)
        }
        _ => None,
    }
}

fn raw_arg(arg: &Argument<'_>) -> RawArg {
    let Some(expr) = arg.as_expression() else {
        return RawArg::Other;
    };
    // `.ptr` before wasm-bindgen 0.2.85 renamed it `__wbg_ptr`.
    if let Some(of) = member_of(expr, "__wbg_ptr").or_else(|| member_of(expr, "ptr")) {
        return RawArg::Borrowed { of: of.to_owned() };
    }
    if let Some(of) = destroyed_object(expr) {
        return RawArg::Consumed { of: of.to_owned() };
    }
    match expr.without_parentheses() {
        Expression::Identifier(id) => RawArg::Identifier {
            name: id.name.to_string(),
        },
        _ => RawArg::Other,
    }
}

impl<'a> Visit<'a> for RawCallCollector {
    fn visit_static_member_expression(&mut self, it: &StaticMemberExpression<'a>) {
        if matches!(&it.object, Expression::Identifier(id) if id.name == "wasm") {
            let name = it.property.name.as_str();
            if !self.names.iter().any(|n| n == name) {
                self.names.push(name.to_owned());
            }
        }
        walk::walk_static_member_expression(self, it);
    }

    fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
        if let Some(export) = wasm_export_name(&it.callee) {
            for (i, arg) in it.arguments.iter().enumerate() {
                if let Some(o) = arg.as_expression().and_then(optional_arg) {
                    self.marshaling.arg_forms.push((i, o));
                }
            }
            let site = RawCallSite {
                export: export.to_owned(),
                args: it.arguments.iter().map(raw_arg).collect(),
                result: RawResult::Other,
                marshaling: Marshaling::default(),
            };
            self.sites.push((site, None));
        } else if let (Some(class), Some(first)) =
            (member_of(&it.callee, "__wrap"), it.arguments.first())
            && let Some(var) = first.as_expression().and_then(plain_local)
        {
            self.wrapped.insert(var.to_owned(), class.to_owned());
            if let Some(w) = first.as_expression().and_then(word_ref) {
                self.marshaling.object = Some(w);
            }
        } else if let Expression::Identifier(callee) = it.callee.without_parentheses() {
            let words = || -> Option<(WordRef, WordRef)> {
                let a = it.arguments.first()?.as_expression().and_then(word_ref)?;
                let b = it.arguments.get(1)?.as_expression().and_then(word_ref)?;
                Some((a, b))
            };
            match callee.name.as_str() {
                "getArrayU8FromWasm0" | "getStringFromWasm0" => match words() {
                    Some((a, b)) => {
                        self.marshaling.decoded = Some((callee.name == "getStringFromWasm0", a, b))
                    }
                    None => self.unsupported(&callee.name),
                },
                // Values the fact list does not model: typed arrays other than bytes,
                // vectors of JS values or objects, optional values, JS heap values.
                "getArrayI32FromWasm0"
                | "getArrayU32FromWasm0"
                | "getArrayF32FromWasm0"
                | "getArrayF64FromWasm0"
                | "getArrayI8FromWasm0"
                | "getArrayU16FromWasm0"
                | "getArrayI16FromWasm0"
                | "getArrayU64FromWasm0"
                | "getArrayI64FromWasm0"
                | "getArrayJsValueFromWasm0"
                | "passArrayJsValueToWasm0"
                | "passArray32ToWasm0"
                | "passArrayF64ToWasm0"
                | "passArrayF32ToWasm0"
                | "passArray64ToWasm0"
                | "passArray16ToWasm0"
                | "addToExternrefTable0"
                | "getObject"
                | "_assertNum"
                | "makeMutClosure"
                | "makeClosure"
                | "getCachedStringFromWasm0"
                | "_assertBigInt" => self.unsupported(&callee.name),
                _ => {}
            }
        }
        walk::walk_call_expression(self, it);
    }

    fn visit_variable_declarator(&mut self, it: &VariableDeclarator<'a>) {
        if let (Some(id), Some(init)) = (it.id.get_binding_identifier(), &it.init) {
            let local = id.name.to_string();
            self.note_local(&local, init);
            if let Some(of) = destroyed_object(init) {
                self.destroyed.insert(local, of.to_owned());
            } else if let Expression::CallExpression(c) = init.without_parentheses()
                && wasm_export_name(&c.callee).is_some()
            {
                // The first site pushed while walking the initializer is its outer call.
                let outer = self.sites.len();
                walk::walk_variable_declarator(self, it);
                if let Some(site) = self.sites.get_mut(outer) {
                    site.1 = Some(local);
                }
                return;
            }
        }
        walk::walk_variable_declarator(self, it);
    }

    fn visit_assignment_expression(&mut self, it: &AssignmentExpression<'a>) {
        if let AssignmentTarget::StaticMemberExpression(target) = &it.left
            && (target.property.name == "__wbg_ptr" || target.property.name == "ptr")
            && matches!(&target.object, Expression::ThisExpression(_))
            && let Some(var) = plain_local(&it.right)
        {
            self.this_pointer.insert(var.to_owned());
            self.marshaling.object = word_ref(&it.right);
        }
        if let AssignmentTarget::AssignmentTargetIdentifier(local) = &it.left {
            let given = destroyed_object(&it.right).map(|of| (of, true));
            let lent = member_of(&it.right, "__wbg_ptr")
                .or_else(|| member_of(&it.right, "ptr"))
                .map(|of| (of, false));
            if let Some((of, consumed)) = given.or(lent) {
                self.marshaling.optional_objects.push((
                    local.name.to_string(),
                    of.to_owned(),
                    consumed,
                ));
            }
        }
        walk::walk_assignment_expression(self, it);
    }

    fn visit_if_statement(&mut self, it: &IfStatement<'a>) {
        // `if (r3) { throw takeObject(r2); }` / `if (ret[1]) { throw takeFromExternrefTable0(ret[0]); }`
        let thrown = match &it.consequent {
            Statement::BlockStatement(b) => b.body.first(),
            other => Some(other),
        };
        if let (Some(flag), Some(Statement::ThrowStatement(t))) = (word_ref(&it.test), thrown)
            && let Expression::CallExpression(c) = t.argument.without_parentheses()
            && matches!(c.callee.without_parentheses(), Expression::Identifier(f)
                if f.name == "takeObject" || f.name == "takeFromExternrefTable0")
            && let Some(value) = c
                .arguments
                .first()
                .and_then(|a| a.as_expression())
                .and_then(word_ref)
        {
            self.marshaling.throws = Some((value, flag));
            return;
        }
        // `if (r0 !== 0) { v1 = getStringFromWasm0(r0, r1).slice(); ... }`
        if let Expression::BinaryExpression(b) = it.test.without_parentheses()
            && b.operator == BinaryOperator::StrictInequality
            && matches!(&b.right, Expression::NumericLiteral(n) if n.value == 0.0)
            && let Some(w) = word_ref(&b.left)
        {
            let decoded = self.marshaling.decoded.clone();
            walk::walk_if_statement(self, it);
            if self.marshaling.decoded != decoded {
                self.marshaling.decoded_guard = Some(w);
            }
            return;
        }
        walk::walk_if_statement(self, it);
    }

    fn visit_return_statement(&mut self, it: &ReturnStatement<'a>) {
        if let Some(arg) = &it.argument {
            match arg.without_parentheses() {
                // `return r0 === 0 ? undefined : r1` / `... : C.__wrap(r0)`
                Expression::ConditionalExpression(c) if matches!(&c.consequent, Expression::Identifier(u) if u.name == "undefined") => {
                    if let Expression::BinaryExpression(b) = c.test.without_parentheses()
                        && b.operator == BinaryOperator::StrictEquality
                        && matches!(&b.right, Expression::NumericLiteral(n) if n.value == 0.0)
                        && let Some(flag) = word_ref(&b.left)
                    {
                        let value = match c.alternate.without_parentheses() {
                            Expression::CallExpression(w) => w
                                .arguments
                                .first()
                                .and_then(|a| a.as_expression())
                                .and_then(word_ref),
                            other => word_ref(other),
                        };
                        if let Some(value) = value {
                            self.marshaling.returned_optional = Some((flag, value));
                        }
                    }
                }
                Expression::BinaryExpression(b)
                    if b.operator == BinaryOperator::StrictInequality
                        && matches!(&b.right, Expression::NumericLiteral(n) if n.value == 0.0) =>
                {
                    if let Some(w) = word_ref(&b.left) {
                        self.marshaling.returned = Some((w, true));
                    }
                }
                // `return takeObject(ret)` / `takeFromExternrefTable0(ret[0])`
                Expression::CallExpression(c)
                    if matches!(c.callee.without_parentheses(), Expression::Identifier(f)
                        if f.name == "takeObject" || f.name == "takeFromExternrefTable0") =>
                {
                    self.marshaling.returned_js = c
                        .arguments
                        .first()
                        .and_then(|a| a.as_expression())
                        .and_then(word_ref);
                }
                other => {
                    if let Some(w) = word_ref(other) {
                        self.marshaling.returned = Some((w, false));
                    }
                }
            }
        }
        walk::walk_return_statement(self, it);
    }
}

impl RawCallCollector {
    fn unsupported(&mut self, what: &str) {
        self.marshaling
            .unsupported
            .get_or_insert_with(|| what.to_owned());
    }

    /// `const ptr0 = passArray8ToWasm0(x, ..)`, `const len0 = WASM_VECTOR_LEN`,
    /// `const retptr = wasm.__wbindgen_add_to_stack_pointer(-16)`.
    fn note_local(&mut self, local: &str, init: &Expression<'_>) {
        // `isLikeNone(x) ? 0 : passArray8ToWasm0(x, ..)`
        if let Expression::ConditionalExpression(c) = init.without_parentheses()
            && like_none(&c.test).is_some()
            && matches!(&c.consequent, Expression::NumericLiteral(n) if n.value == 0.0)
        {
            let before = self.marshaling.passed.len();
            self.note_local(local, &c.alternate);
            if let Some(p) = self.marshaling.passed.get_mut(before) {
                p.optional = true;
            }
            return;
        }
        // `var r0 = getInt32Memory0()[retptr / 4 + 0]` (or `getDataViewMemory0().getInt32(..)`):
        // a return-area word is an `i32` at `4 * N`; a float or 64-bit read there is not.
        if local
            .strip_prefix('r')
            .is_some_and(|n| n.parse::<u8>().is_ok())
            && !reads_i32(init)
        {
            self.unsupported("a return-area word that is not an i32");
            return;
        }
        match init.without_parentheses() {
            Expression::Identifier(id) if id.name == "WASM_VECTOR_LEN" => {
                if let Some(p) = self.marshaling.passed.last_mut() {
                    p.len = Some(local.to_owned());
                }
            }
            Expression::CallExpression(c) => {
                if wasm_export_name(&c.callee) == Some("__wbindgen_add_to_stack_pointer") {
                    self.marshaling.stack = Some(local.to_owned());
                    return;
                }
                let Expression::Identifier(f) = c.callee.without_parentheses() else {
                    return;
                };
                let string = match f.name.as_str() {
                    "passArray8ToWasm0" => false,
                    "passStringToWasm0" => true,
                    _ => return,
                };
                match c.arguments.first().and_then(|a| a.as_expression()) {
                    Some(Expression::Identifier(of)) => self.marshaling.passed.push(Passed {
                        of: of.name.to_string(),
                        ptr: local.to_owned(),
                        len: None,
                        string,
                        optional: false,
                    }),
                    _ => self.unsupported(&f.name),
                }
            }
            _ => {}
        }
    }
}

/// `getInt32Memory0()[..]` or `getDataViewMemory0().getInt32(..)`.
fn reads_i32(expr: &Expression<'_>) -> bool {
    match expr.without_parentheses() {
        Expression::ComputedMemberExpression(m) => matches!(
            m.object.without_parentheses(),
            Expression::CallExpression(c) if matches!(c.callee.without_parentheses(),
                Expression::Identifier(f) if f.name == "getInt32Memory0")
        ),
        Expression::CallExpression(c) => matches!(c.callee.without_parentheses(),
            Expression::StaticMemberExpression(m) if m.property.name == "getInt32"),
        _ => false,
    }
}

/// `isLikeNone(x)`: `x`.
fn like_none<'e>(expr: &'e Expression<'_>) -> Option<&'e str> {
    let Expression::CallExpression(c) = expr.without_parentheses() else {
        return None;
    };
    matches!(c.callee.without_parentheses(), Expression::Identifier(f) if f.name == "isLikeNone")
        .then_some(())?;
    match c.arguments.first()?.as_expression()?.without_parentheses() {
        Expression::Identifier(x) => Some(x.name.as_str()),
        _ => None,
    }
}

/// How an argument expression passes an optional parameter or a JS value, if it does.
fn optional_arg(expr: &Expression<'_>) -> Option<ArgForm> {
    match expr.without_parentheses() {
        Expression::CallExpression(c)
            if matches!(c.callee.without_parentheses(), Expression::Identifier(f)
                if f.name == "addHeapObject" || f.name == "addBorrowedObject") =>
        {
            let borrowed = matches!(c.callee.without_parentheses(),
                Expression::Identifier(f) if f.name == "addBorrowedObject");
            match c.arguments.first()?.as_expression()?.without_parentheses() {
                Expression::Identifier(x) => Some(ArgForm::Js {
                    of: x.name.to_string(),
                    borrowed,
                }),
                _ => None,
            }
        }
        Expression::UnaryExpression(u) if u.operator == oxc_ast::ast::UnaryOperator::LogicalNot => {
            like_none(&u.argument).map(|x| ArgForm::IsSome(x.to_owned()))
        }
        Expression::ConditionalExpression(c) => {
            let of = like_none(&c.test)?;
            let Expression::NumericLiteral(none) = c.consequent.without_parentheses() else {
                return None;
            };
            let some = c.alternate.without_parentheses();
            if let Some(x) = destroyed_object(some) {
                return (x == of).then(|| ArgForm::Object {
                    of: of.to_owned(),
                    consumed: true,
                });
            }
            if let Some(x) = member_of(some, "__wbg_ptr") {
                return (x == of).then(|| ArgForm::Object {
                    of: of.to_owned(),
                    consumed: false,
                });
            }
            // `x`, `x >>> 0`, or a boolean's `x ? 1 : 0`.
            let value = match some {
                Expression::ConditionalExpression(b)
                    if matches!(&b.consequent, Expression::NumericLiteral(n) if n.value == 1.0)
                        && matches!(&b.alternate, Expression::NumericLiteral(n) if n.value == 0.0) =>
                {
                    plain_local(&b.test)
                }
                other => plain_local(other),
            }?;
            (value == of).then(|| ArgForm::OrNone {
                of: of.to_owned(),
                none: none.value as u64,
            })
        }
        _ => None,
    }
}

/// A result word: `rN`, `ret[N]`, or a local, through `>>> 0` / `| 0`.
fn word_ref(expr: &Expression<'_>) -> Option<WordRef> {
    match expr.without_parentheses() {
        Expression::ComputedMemberExpression(m) => {
            let Expression::NumericLiteral(n) = &m.expression else {
                return None;
            };
            matches!(&m.object, Expression::Identifier(_)).then_some(())?;
            u8::try_from(n.value as u64).ok().map(WordRef::Result)
        }
        _ => {
            let local = plain_local(expr)?;
            match local.strip_prefix('r').and_then(|n| n.parse::<u8>().ok()) {
                Some(n) => Some(WordRef::Slot(n)),
                None => Some(WordRef::Local(local.to_owned())),
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Import bodies: the JS functions wasm-bindgen hands the module as imports.

/// One import function of the glue, as written: `module.exports.__wbg_x_HASH = function
/// (arg0) {...}` (nodejs), `imports.wbg.__wbg_x = function` (web) or `export function
/// __wbg_x(...)` (bundler `X_bg.js`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GlueImport {
    /// The import's name (the wasm import field).
    pub name: String,
    /// The function that does the work, as source text: the import itself, or the function
    /// a `handleError(function (...) {...}, arguments)` wrapper applies.
    pub body: String,
    /// The whole function as the glue writes it (for messages and the generated table).
    pub source: String,
    /// Wrapped in `handleError`: a JS exception is handed to the module
    /// (`__wbindgen_exn_store`) instead of unwinding through it.
    pub catches: bool,
}

/// Every `__wbg_*` / `__wbindgen_*` function the glue defines, wherever it sits (top level,
/// inside `__wbg_get_imports`, as an object property). Helpers such as `__wbg_set_wasm` or
/// `__wbg_init` are collected too: the caller keeps the names the wasm imports.
fn import_bodies(program: &oxc_ast::ast::Program<'_>, text: &str) -> Vec<GlueImport> {
    let mut collector = ImportCollector {
        text,
        found: Vec::new(),
    };
    // `export function N(...)` (bundler `X_bg.js`), or a declaration exported by name later.
    for statement in &program.body {
        let declaration = match statement {
            Statement::ExportDeclaration(e) => Some(&e.declaration),
            other => other.as_declaration(),
        };
        if let Some(Declaration::FunctionDeclaration(f)) = declaration
            && let Some(id) = &f.id
            && is_import_name(&id.name)
        {
            collector.push(id.name.as_str(), f);
        }
    }
    collector.visit_program(program);
    collector.found
}

struct ImportCollector<'t> {
    text: &'t str,
    found: Vec<GlueImport>,
}

/// wasm-bindgen's import names: `__wbg_` (hashed imports) or `__wbindgen_` (intrinsics).
fn is_import_name(name: &str) -> bool {
    name.starts_with("__wbg_") || name.starts_with("__wbindgen_")
}

impl ImportCollector<'_> {
    fn push(&mut self, name: &str, function: &oxc_ast::ast::Function<'_>) {
        let source = super::source::text_of(self.text, function).to_owned();
        let (body, catches) = match function.body.as_deref().and_then(handle_error_inner) {
            Some(inner) => (super::source::text_of(self.text, inner).to_owned(), true),
            None => (source.clone(), false),
        };
        // A later definition of the same name wins, as at run time.
        self.found.retain(|i| i.name != name);
        self.found.push(GlueImport {
            name: name.to_owned(),
            body,
            source,
            catches,
        });
    }
}

/// `{ return handleError(function (...) {...}, arguments) }`: the inner function.
fn handle_error_inner<'b, 'a>(
    body: &'b FunctionBody<'a>,
) -> Option<&'b oxc_ast::ast::Function<'a>> {
    let [Statement::ReturnStatement(r)] = body.statements.as_slice() else {
        return None;
    };
    let Expression::CallExpression(call) = r.argument.as_ref()?.without_parentheses() else {
        return None;
    };
    if !matches!(&call.callee, Expression::Identifier(id) if id.name == "handleError") {
        return None;
    }
    match call
        .arguments
        .first()?
        .as_expression()?
        .without_parentheses()
    {
        Expression::FunctionExpression(f) => Some(f),
        _ => None,
    }
}

impl<'a> Visit<'a> for ImportCollector<'_> {
    fn visit_assignment_expression(&mut self, it: &AssignmentExpression<'a>) {
        // `module.exports.N = function`, `imports.wbg.N = function`, `exports["N"] = ...`
        let name = match &it.left {
            AssignmentTarget::StaticMemberExpression(t) => Some(t.property.name.as_str()),
            AssignmentTarget::ComputedMemberExpression(t) => match &t.expression {
                Expression::StringLiteral(s) => Some(s.value.as_str()),
                _ => None,
            },
            _ => None,
        };
        if let (Some(name), Expression::FunctionExpression(f)) =
            (name, it.right.without_parentheses())
            && is_import_name(name)
        {
            self.push(name, f);
        }
        walk::walk_assignment_expression(self, it);
    }

    fn visit_object_property(&mut self, it: &oxc_ast::ast::ObjectProperty<'a>) {
        // `{ __wbg_x: function (...) {...} }`
        let name = match &it.key {
            PropertyKey::StaticIdentifier(id) if !it.computed => Some(id.name.as_str()),
            PropertyKey::StringLiteral(s) => Some(s.value.as_str()),
            _ => None,
        };
        if let (Some(name), Expression::FunctionExpression(f)) =
            (name, it.value.without_parentheses())
            && is_import_name(name)
        {
            self.push(name, f);
        }
        walk::walk_object_property(self, it);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commonjs_glue_maps_members_to_raw_exports() {
        let glue = parse_glue(
            Path::new("x.cjs"),
            r#"
let wasm;
class Thing {
    static __wrap(ptr) { const o = Object.create(Thing.prototype); o.__wbg_ptr = ptr; return o; }
    free() { const ptr = this.__destroy_into_raw(); wasm.__wbg_thing_free(ptr); }
    constructor(n) { const ret = wasm.thing_create(n); this.__wbg_ptr = ret; }
    get size() { return wasm.__wbg_get_thing_size(this.__wbg_ptr); }
    set size(v) { wasm.__wbg_set_thing_size(this.__wbg_ptr, v); }
    static make() { return Thing.__wrap(wasm.thing_make()); }
}
module.exports.Thing = Thing;
module.exports.add = function(a, b) {
    const r = wasm.__wbindgen_add_to_stack_pointer(-16);
    wasm.add(r, a, b);
};
module.exports.GateType = Object.freeze({ Zero: 0 });
module.exports.__wasm = wasm;
"#,
        )
        .unwrap();
        assert_eq!(glue.format, GlueFormat::CommonJs);
        let names: Vec<_> = glue.exports.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["Thing", "add", "GateType", "__wasm"]);
        let thing = glue.export("Thing").unwrap();
        assert_eq!(thing.kind, GlueExportKind::Class);
        let ctor = thing
            .members
            .iter()
            .find(|m| m.kind == MemberKind::Constructor)
            .unwrap();
        assert_eq!(ctor.raw_calls, ["thing_create"]);
        let add = glue.export("add").unwrap();
        assert_eq!(add.raw_calls, ["__wbindgen_add_to_stack_pointer", "add"]);
        assert_eq!(glue.export("GateType").unwrap().kind, GlueExportKind::Value);
    }

    #[test]
    fn call_sites_show_borrowed_consumed_and_wrapped_handles() {
        let glue = parse_glue(
            Path::new("x.cjs"),
            r#"
let wasm;
class Gate {
    constructor(w) {
        _assertClass(w, Wire);
        var ptr0 = w.__destroy_into_raw();
        const ret = wasm.gate_new(ptr0);
        this.__wbg_ptr = ret >>> 0;
        return this;
    }
    get wire() { const ret = wasm.__wbg_get_gate_wire(this.__wbg_ptr); return Wire.__wrap(ret); }
    free() { const ptr = this.__destroy_into_raw(); wasm.__wbg_gate_free(ptr, 0); }
}
module.exports.Gate = Gate;
module.exports.add = function(v, gate) {
    _assertClass(v, Vec);
    _assertClass(gate, Gate);
    var ptr0 = gate.__destroy_into_raw();
    wasm.vec_add(v.__wbg_ptr, ptr0);
};
module.exports.read = function(offset, srs, path) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16);
        const ptr0 = passStringToWasm0(path, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        const len0 = WASM_VECTOR_LEN;
        wasm.index_read(retptr, !isLikeNone(offset), srs.__wbg_ptr, ptr0, len0);
        return Index.__wrap(getInt32Memory0()[retptr / 4 + 0]);
    } finally { wasm.__wbindgen_add_to_stack_pointer(16); }
};
module.exports.maybe = function(c) {
    let ptr0 = 0;
    if (!isLikeNone(c)) { _assertClass(c, Gate); ptr0 = c.__destroy_into_raw(); }
    const ret = wasm.maybe(ptr0);
    return ret === 0 ? undefined : Gate.__wrap(ret);
};
"#,
        )
        .unwrap();
        let borrowed = |of: &str| RawArg::Borrowed { of: of.into() };
        let consumed = |of: &str| RawArg::Consumed { of: of.into() };
        let ident = |name: &str| RawArg::Identifier { name: name.into() };
        let site = |export: &str, member: Option<&str>, raw: &str| {
            let e = glue.export(export).unwrap();
            let sites = match member {
                Some(m) => &e.members.iter().find(|x| x.name == m).unwrap().call_sites,
                None => &e.call_sites,
            };
            sites.iter().find(|s| s.export == raw).unwrap().clone()
        };
        let ctor = site("Gate", Some("constructor"), "gate_new");
        assert_eq!(ctor.args, [consumed("w")]);
        assert_eq!(ctor.result, RawResult::ThisPointer);
        let get = site("Gate", Some("wire"), "__wbg_get_gate_wire");
        assert_eq!(get.args, [borrowed("this")]);
        assert_eq!(
            get.result,
            RawResult::Wrapped {
                class: "Wire".into()
            }
        );
        let free = site("Gate", Some("free"), "__wbg_gate_free");
        assert_eq!(free.args, [consumed("this"), RawArg::Other]);
        assert_eq!(
            site("add", None, "vec_add").args,
            [borrowed("v"), consumed("gate")]
        );
        let read = site("read", None, "index_read");
        assert_eq!(
            read.args,
            [
                ident("retptr"),
                RawArg::Other,
                borrowed("srs"),
                ident("ptr0"),
                ident("len0")
            ]
        );
        assert_eq!(read.result, RawResult::Other);
        // Optional objects: the pointer may be 0, so it is no handle.
        let maybe = site("maybe", None, "maybe");
        assert_eq!(maybe.args, [ident("ptr0")]);
        assert_eq!(
            maybe.result,
            RawResult::Wrapped {
                class: "Gate".into()
            }
        );
    }

    #[test]
    fn glue_that_loads_its_wasm_itself_says_how() {
        // wasm-bindgen's bundler target before `__wbg_set_wasm` (lz4-wasm 0.9.2, 0.2.80).
        let old = parse_glue(
            Path::new("lz4_wasm.js"),
            "import * as wasm from \"./lz4_wasm_bg.wasm\";\nexport * from \"./lz4_wasm_bg.js\";",
        )
        .unwrap();
        let how = old.loads_wasm_itself.unwrap_or_default();
        assert!(how.contains("imports the wasm module itself"), "{how}");
        assert!(how.contains("\"./lz4_wasm_bg.wasm\""), "{how}");
        // The deno target (automerge-wasm 0.1.25's `deno/`).
        let deno = parse_glue(
            Path::new("x.js"),
            "let wasmCode = '';\nwasmCode = await Deno.readFile(new URL('x_bg.wasm', import.meta.url));\nexport function f() {}",
        )
        .unwrap();
        assert!(
            deno.loads_wasm_itself
                .unwrap_or_default()
                .contains("`Deno.readFile`")
        );
        // The newer split's real glue is handed its instance: nothing to say.
        let split = parse_glue(
            Path::new("x_bg.js"),
            "let wasm;\nexport function __wbg_set_wasm(val) { wasm = val; }",
        )
        .unwrap();
        assert_eq!(split.loads_wasm_itself, None);
    }

    #[test]
    fn bundler_halves_and_rebundled_glue_are_told_apart() {
        let split = parse_glue(
            Path::new("x_bg.js"),
            "let wasm;\nexport function __wbg_set_wasm(val) { wasm = val; }\nexport class C { free() { wasm.__wbg_c_free(0); } }",
        )
        .unwrap();
        assert!(split.takes_wasm());
        assert_eq!(split.bundled, None);
        let bundled = parse_glue(
            Path::new("index.js"),
            "var wasm;\nvar Resvg = class { free() { wasm.__wbg_resvg_free(0); } };\nexport { Resvg };",
        )
        .unwrap();
        assert!(!bundled.takes_wasm());
        let evidence = bundled.bundled.unwrap_or_default();
        assert!(evidence.contains("`var Resvg = class`"), "{evidence}");
    }

    #[test]
    fn es_module_glue_is_recognised() {
        let glue = parse_glue(
            Path::new("x.js"),
            "let wasm; export function f() { return wasm.f(); } export class C { free() { wasm.__wbg_c_free(0); } }",
        )
        .unwrap();
        assert_eq!(glue.format, GlueFormat::EsModule);
        assert_eq!(glue.export("f").unwrap().raw_calls, ["f"]);
        assert_eq!(
            glue.export("C").unwrap().members[0].raw_calls,
            ["__wbg_c_free"]
        );
    }
}
