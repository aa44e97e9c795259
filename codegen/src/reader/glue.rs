//! Reads wasm-bindgen's JavaScript glue (`X.cjs`, `X.js`, `X_bg.js`) with oxc.
//!
//! The glue is the only file that shows which raw wasm exports each JS-level
//! function, constructor, method or accessor calls (`wasm.<export>(...)`), so the
//! model correlates roles from it rather than from naming conventions.

use std::collections::HashMap;
use std::path::Path;

use oxc_allocator::Allocator;
use oxc_ast::ast::{
    AssignmentTarget, Class, ClassElement, Declaration, Expression, FunctionBody,
    MethodDefinitionKind, PropertyKey, Statement, StaticMemberExpression,
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
    let mut functions: HashMap<String, Vec<String>> = HashMap::new();
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
            _ => {}
        }
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
                    Expression::FunctionExpression(f) => GlueExport {
                        name: name.to_owned(),
                        kind: GlueExportKind::Function,
                        raw_calls: f.body.as_deref().map(raw_calls).unwrap_or_default(),
                        members: vec![],
                    },
                    Expression::ArrowFunctionExpression(f) => GlueExport {
                        name: name.to_owned(),
                        kind: GlueExportKind::Function,
                        raw_calls: {
                            let mut collector = RawCallCollector::default();
                            collector.visit_arrow_function_expression(f);
                            collector.names
                        },
                        members: vec![],
                    },
                    Expression::ClassExpression(c) => GlueExport {
                        name: name.to_owned(),
                        kind: GlueExportKind::Class,
                        raw_calls: vec![],
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
    functions: &HashMap<String, Vec<String>>,
) -> GlueExport {
    if let Some(members) = classes.get(local) {
        GlueExport {
            name: exported.to_owned(),
            kind: GlueExportKind::Class,
            raw_calls: vec![],
            members: members.clone(),
        }
    } else if let Some(calls) = functions.get(local) {
        GlueExport {
            name: exported.to_owned(),
            kind: GlueExportKind::Function,
            raw_calls: calls.clone(),
            members: vec![],
        }
    } else {
        value_export(exported)
    }
}

fn class_export(name: &str, classes: &HashMap<String, Vec<GlueMember>>) -> GlueExport {
    by_name(name, name, classes, &HashMap::new())
}

fn function_export(name: &str, functions: &HashMap<String, Vec<String>>) -> GlueExport {
    by_name(name, name, &HashMap::new(), functions)
}

fn value_export(name: &str) -> GlueExport {
    GlueExport {
        name: name.to_owned(),
        kind: GlueExportKind::Value,
        raw_calls: vec![],
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
        members.push(GlueMember {
            name,
            kind,
            raw_calls: m.value.body.as_deref().map(raw_calls).unwrap_or_default(),
        });
    }
    members
}

/// Names `N` of every `wasm.N` in a body, in first-use order.
fn raw_calls(body: &FunctionBody<'_>) -> Vec<String> {
    let mut collector = RawCallCollector::default();
    collector.visit_function_body(body);
    collector.names
}

#[derive(Default)]
struct RawCallCollector {
    names: Vec<String>,
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
