//! Reads wasm-bindgen's TypeScript typings (`X.d.ts` / `X.d.cts`, and the raw
//! `X_bg.wasm.d.ts`) into a [`JsApi`] with a real TypeScript parser (oxc).

use std::path::Path;

use oxc_allocator::Allocator;
use oxc_ast::ast::{
    BindingPattern, Class, ClassElement, Declaration, FormalParameters, Function,
    MethodDefinitionKind, PropertyKey, Statement, TSAccessibility, TSInterfaceDeclaration,
    TSMethodSignatureKind, TSSignature, TSType, TSTypeAnnotation, TSTypeName,
};
use oxc_span::{ContentEq, SourceType};

use super::source::{parse, read_text, text_of};
use crate::error::Result;
use crate::model::api::{
    JsAccessor, JsApi, JsClass, JsDeclaration, JsFunction, JsInterface, JsMethod, JsParam, JsType,
    JsValue, TypeRef,
};

/// Reads a typings file into the API it declares.
pub fn read_typings(path: &Path) -> Result<JsApi> {
    let text = read_text(path)?;
    parse_typings(path, &text)
}

/// Parses typings source; `path` only names the file in errors.
pub fn parse_typings(path: &Path, text: &str) -> Result<JsApi> {
    let allocator = Allocator::default();
    let program = parse(
        &allocator,
        path,
        text,
        SourceType::d_ts(),
        "TypeScript typings",
    )?;
    let mut api = JsApi::default();
    let mut default_export = None;
    let mut reader = TypingsReader {
        text,
        api: &mut api,
    };
    for statement in &program.body {
        match statement {
            Statement::ExportDeclaration(export) => reader.declaration(&export.declaration, true),
            Statement::ExportDefaultDeclaration(d) => {
                // `--target web`'s `__wbg_init`: kept verbatim for the shim's typings.
                default_export = Some(text_of(text, &**d).to_owned());
            }
            other => {
                if let Some(declaration) = other.as_declaration() {
                    reader.declaration(declaration, false);
                }
            }
        }
    }
    api.default_export = default_export;
    api.merge_interfaces();
    api.resolve_names();
    Ok(api)
}

struct TypingsReader<'s, 'a> {
    text: &'s str,
    api: &'a mut JsApi,
}

impl TypingsReader<'_, '_> {
    fn declaration(&mut self, declaration: &Declaration<'_>, exported: bool) {
        match declaration {
            Declaration::FunctionDeclaration(f) if exported => {
                if let Some(id) = &f.id {
                    let function = self.function(id.name.as_str(), f);
                    self.api.functions.push(function);
                }
            }
            Declaration::ClassDeclaration(c) if exported => {
                let class = self.class(c);
                self.api.classes.push(class);
            }
            Declaration::TSEnumDeclaration(e) => self.api.enums.push(JsDeclaration {
                name: e.id.name.to_string(),
                text: text_of(self.text, &**e).to_owned(),
                exported,
            }),
            Declaration::TSTypeAliasDeclaration(t) => {
                self.api.type_declarations.push(JsDeclaration {
                    name: t.id.name.to_string(),
                    text: text_of(self.text, &**t).to_owned(),
                    exported,
                })
            }
            Declaration::TSInterfaceDeclaration(i) => {
                self.api.type_declarations.push(JsDeclaration {
                    name: i.id.name.to_string(),
                    text: text_of(self.text, &**i).to_owned(),
                    exported,
                });
                let interface = self.interface(i);
                self.api.interfaces.push(interface);
            }
            Declaration::VariableDeclaration(v) if exported => {
                for d in &v.declarations {
                    let BindingPattern::BindingIdentifier(id) = &d.id else {
                        continue;
                    };
                    // wasm-bindgen 0.2.100's raw typings: `export const f: (a: number) => number;`
                    if let Some(TSType::TSFunctionType(f)) =
                        d.type_annotation.as_ref().map(|a| &a.type_annotation)
                    {
                        self.api.functions.push(JsFunction {
                            name: id.name.to_string(),
                            params: self.params(&f.params),
                            returns: self.annotation(Some(&f.return_type)),
                            is_async: false,
                            type_params: f
                                .type_parameters
                                .as_ref()
                                .map(|t| text_of(self.text, &**t).to_owned()),
                        });
                    } else {
                        self.api.values.push(JsValue {
                            name: id.name.to_string(),
                            ty: self.annotation(d.type_annotation.as_deref()),
                        });
                    }
                }
            }
            _ => {}
        }
    }

    fn class(&self, class: &Class<'_>) -> JsClass {
        let mut out = JsClass {
            name: class
                .id
                .as_ref()
                .map(|id| id.name.to_string())
                .unwrap_or_default(),
            ..JsClass::default()
        };
        for element in &class.body.body {
            match element {
                ClassElement::MethodDefinition(m) => {
                    let Some(name) = self.key(&m.key, m.computed) else {
                        if text_of(self.text, &m.key).contains("Symbol.dispose") {
                            out.has_dispose = true;
                        }
                        continue;
                    };
                    match m.kind {
                        MethodDefinitionKind::Constructor
                            if m.accessibility == Some(TSAccessibility::Private) =>
                        {
                            out.private_constructor = true;
                        }
                        MethodDefinitionKind::Constructor => {
                            out.constructor = Some(self.function("constructor", &m.value));
                        }
                        MethodDefinitionKind::Method if name == "free" && !m.r#static => {
                            out.has_free = true;
                        }
                        MethodDefinitionKind::Method => out.methods.push(JsMethod {
                            is_static: m.r#static,
                            function: self.function(&name, &m.value),
                            from_interface: false,
                        }),
                        MethodDefinitionKind::Get => {
                            let ty = self.annotation(m.value.return_type.as_deref());
                            getter(&mut out.accessors, &name, ty, m.r#static);
                        }
                        MethodDefinitionKind::Set => {
                            let ty = self.setter_value(&m.value.params);
                            setter(&mut out.accessors, &name, ty, m.r#static);
                        }
                    }
                }
                ClassElement::PropertyDefinition(p) => {
                    let Some(name) = self.key(&p.key, p.computed) else {
                        continue;
                    };
                    let ty = self.annotation(p.type_annotation.as_deref());
                    field(&mut out.accessors, &name, ty, p.r#static, p.readonly);
                }
                _ => {}
            }
        }
        out
    }

    /// The members of an `interface` block: method, property and accessor signatures
    /// (call, construct and index signatures are no members of an instance).
    fn interface(&self, interface: &TSInterfaceDeclaration<'_>) -> JsInterface {
        let mut out = JsInterface {
            name: interface.id.name.to_string(),
            ..JsInterface::default()
        };
        for signature in &interface.body.body {
            match signature {
                TSSignature::TSMethodSignature(m) => {
                    let Some(name) = self.key(&m.key, m.computed) else {
                        continue;
                    };
                    match m.kind {
                        TSMethodSignatureKind::Method => {
                            let returns = match &m.return_type {
                                Some(r) => self.annotation(Some(r)),
                                None => TypeRef::void(),
                            };
                            out.methods.push(JsMethod {
                                is_static: false,
                                function: JsFunction {
                                    name,
                                    params: self.params(&m.params),
                                    is_async: matches!(returns.ty, JsType::Promise(_)),
                                    returns,
                                    type_params: m
                                        .type_parameters
                                        .as_ref()
                                        .map(|t| text_of(self.text, &**t).to_owned()),
                                },
                                from_interface: true,
                            });
                        }
                        TSMethodSignatureKind::Get => {
                            let ty = self.annotation(m.return_type.as_deref());
                            getter(&mut out.accessors, &name, ty, false);
                        }
                        TSMethodSignatureKind::Set => {
                            let ty = self.setter_value(&m.params);
                            setter(&mut out.accessors, &name, ty, false);
                        }
                    }
                }
                TSSignature::TSPropertySignature(p) => {
                    let Some(name) = self.key(&p.key, p.computed) else {
                        continue;
                    };
                    let ty = self.annotation(p.type_annotation.as_deref());
                    field(&mut out.accessors, &name, ty, false, p.readonly);
                }
                _ => {}
            }
        }
        for a in &mut out.accessors {
            a.from_interface = true;
        }
        out
    }

    /// The type of a setter's value parameter.
    fn setter_value(&self, params: &FormalParameters<'_>) -> TypeRef {
        match params.items.first() {
            Some(p) => self.annotation(p.type_annotation.as_deref()),
            None => TypeRef::void(),
        }
    }

    fn key(&self, key: &PropertyKey<'_>, computed: bool) -> Option<String> {
        match key {
            PropertyKey::StaticIdentifier(id) if !computed => Some(id.name.to_string()),
            PropertyKey::StringLiteral(s) => Some(s.value.to_string()),
            PropertyKey::NumericLiteral(n) => Some(n.value.to_string()),
            _ => None,
        }
    }

    fn function(&self, name: &str, f: &Function<'_>) -> JsFunction {
        let returns = match &f.return_type {
            Some(r) => self.annotation(Some(r)),
            None => TypeRef::void(),
        };
        JsFunction {
            name: name.to_owned(),
            params: self.params(&f.params),
            is_async: f.r#async || matches!(returns.ty, JsType::Promise(_)),
            returns,
            type_params: f
                .type_parameters
                .as_ref()
                .map(|t| text_of(self.text, &**t).to_owned()),
        }
    }

    fn params(&self, params: &FormalParameters<'_>) -> Vec<JsParam> {
        let mut out: Vec<JsParam> = params
            .items
            .iter()
            .enumerate()
            .map(|(i, p)| JsParam {
                name: binding_name(&p.pattern).unwrap_or_else(|| format!("arg{i}")),
                ty: self.annotation(p.type_annotation.as_deref()),
                optional: p.optional,
                rest: false,
            })
            .collect();
        if let Some(rest) = &params.rest {
            out.push(JsParam {
                name: binding_name(&rest.rest.argument).unwrap_or_else(|| "rest".into()),
                ty: self.annotation(rest.type_annotation.as_deref()),
                optional: false,
                rest: true,
            });
        }
        out
    }

    fn annotation(&self, annotation: Option<&TSTypeAnnotation<'_>>) -> TypeRef {
        match annotation {
            Some(a) => TypeRef {
                text: text_of(self.text, &a.type_annotation).to_owned(),
                ty: classify(&a.type_annotation),
            },
            None => TypeRef {
                text: "any".into(),
                ty: JsType::Any,
            },
        }
    }
}

/// The accessor `name` of a class or interface, made (without getter or setter) on first use.
fn accessor<'c>(
    accessors: &'c mut Vec<JsAccessor>,
    name: &str,
    ty: &TypeRef,
    is_static: bool,
) -> &'c mut JsAccessor {
    let index = match accessors
        .iter()
        .position(|a| a.name == name && a.is_static == is_static)
    {
        Some(i) => i,
        None => {
            accessors.push(JsAccessor {
                name: name.to_owned(),
                ty: ty.clone(),
                setter_ty: None,
                getter: false,
                setter: false,
                is_static,
                from_interface: false,
            });
            accessors.len() - 1
        }
    };
    &mut accessors[index]
}

/// `get name(): ty`: the property reads as `ty` (a setter seen first keeps its own type).
fn getter(accessors: &mut Vec<JsAccessor>, name: &str, ty: TypeRef, is_static: bool) {
    let a = accessor(accessors, name, &ty, is_static);
    if a.setter && a.setter_ty.is_none() && a.ty.text != ty.text {
        a.setter_ty = Some(std::mem::replace(&mut a.ty, ty));
    } else {
        a.ty = ty;
    }
    a.getter = true;
}

/// `set name(value: ty)`: kept apart from the getter's type when it differs.
fn setter(accessors: &mut Vec<JsAccessor>, name: &str, ty: TypeRef, is_static: bool) {
    let a = accessor(accessors, name, &ty, is_static);
    if a.getter && a.ty.text != ty.text {
        a.setter_ty = Some(ty);
    } else if !a.getter {
        a.ty = ty;
    }
    a.setter = true;
}

/// A field (`x: T`, `readonly x: T`): one type both ways.
fn field(
    accessors: &mut Vec<JsAccessor>,
    name: &str,
    ty: TypeRef,
    is_static: bool,
    readonly: bool,
) {
    let a = accessor(accessors, name, &ty, is_static);
    a.ty = ty;
    a.setter_ty = None;
    a.getter = true;
    a.setter = !readonly;
}

fn binding_name(pattern: &BindingPattern<'_>) -> Option<String> {
    match pattern {
        BindingPattern::BindingIdentifier(id) => Some(id.name.to_string()),
        _ => None,
    }
}

const TYPED_ARRAYS: &[&str] = &[
    "Int8Array",
    "Uint8Array",
    "Uint8ClampedArray",
    "Int16Array",
    "Uint16Array",
    "Int32Array",
    "Uint32Array",
    "Float32Array",
    "Float64Array",
    "BigInt64Array",
    "BigUint64Array",
];

/// Classifies a TypeScript type into what a proxy needs to know of it.
fn classify(ty: &TSType<'_>) -> JsType {
    match ty {
        TSType::TSNumberKeyword(_) => JsType::Number,
        TSType::TSBigIntKeyword(_) => JsType::BigInt,
        TSType::TSBooleanKeyword(_) => JsType::Boolean,
        TSType::TSStringKeyword(_) => JsType::String,
        TSType::TSVoidKeyword(_) => JsType::Void,
        TSType::TSUndefinedKeyword(_) => JsType::Undefined,
        TSType::TSNullKeyword(_) => JsType::Null,
        TSType::TSAnyKeyword(_) | TSType::TSUnknownKeyword(_) => JsType::Any,
        TSType::TSParenthesizedType(p) => classify(&p.type_annotation),
        TSType::TSArrayType(a) => JsType::Array(Box::new(classify(&a.element_type))),
        TSType::TSTypeReference(r) => {
            let TSTypeName::IdentifierReference(id) = &r.type_name else {
                return JsType::Other;
            };
            let name = id.name.as_str();
            let first_argument = || {
                r.type_arguments
                    .as_ref()
                    .and_then(|a| a.params.first())
                    .map_or(JsType::Any, classify)
            };
            match name {
                "Promise" => JsType::Promise(Box::new(first_argument())),
                "Array" => JsType::Array(Box::new(first_argument())),
                _ if TYPED_ARRAYS.contains(&name) => JsType::TypedArray(name.to_owned()),
                _ => JsType::Named(name.to_owned()),
            }
        }
        // `T[K] extends C ? T[K] : C` is always a `C` (loro's `getMap<Key>(name: Key)`).
        TSType::TSConditionalType(c) => {
            if c.check_type.content_eq(&c.true_type) && c.extends_type.content_eq(&c.false_type) {
                classify(&c.false_type)
            } else {
                JsType::Other
            }
        }
        TSType::TSUnionType(u) => {
            let mut rest: Vec<JsType> = u
                .types
                .iter()
                .map(classify)
                .filter(|t| !matches!(t, JsType::Null | JsType::Undefined))
                .collect();
            if rest.len() == 1 && rest.len() < u.types.len() {
                JsType::Optional(Box::new(rest.remove(0)))
            } else {
                JsType::Other
            }
        }
        _ => JsType::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_parameters_are_kept_as_written() {
        // automerge-wasm 0.1.25's hand-written typings: `applyPatches<Doc>(obj: Doc, ...)`.
        let api = parse_typings(
            Path::new("t.d.ts"),
            r#"
export function pick<T extends object = {}>(x: T): T;
export function plain(x: number): number;
export class Automerge {
  applyPatches<Doc>(obj: Doc, meta?: unknown): Doc;
}
interface Automerge { view<V>(v: V): V; }
"#,
        )
        .unwrap();
        assert_eq!(
            api.functions[0].type_params.as_deref(),
            Some("<T extends object = {}>")
        );
        assert_eq!(api.functions[1].type_params, None);
        let methods = &api.classes[0].methods;
        let generic = |name: &str| {
            methods
                .iter()
                .find(|m| m.function.name == name)
                .and_then(|m| m.function.type_params.clone())
        };
        assert_eq!(generic("applyPatches").as_deref(), Some("<Doc>"));
        assert_eq!(generic("view").as_deref(), Some("<V>"));
    }

    #[test]
    fn reads_functions_classes_enums_and_optionals() {
        let api = parse_typings(
            Path::new("t.d.ts"),
            r#"
export function f(a: number, b?: Uint8Array, ...more: bigint[]): WasmThing | undefined;
export enum GateType { Zero = 0, Generic = 1 }
export class WasmThing {
  free(): void;
  [Symbol.dispose](): void;
  constructor(seed: number);
  static make(x: GateType): WasmThing;
  grow(other: WasmThing, n: number | null | undefined): Promise<WasmThing>;
  readonly size: number;
  label: string;
  get inner(): WasmThing;
  set inner(value: WasmThing);
}
"#,
        )
        .unwrap();
        let f = &api.functions[0];
        assert_eq!(f.params.len(), 3);
        assert!(f.params[1].optional && f.params[2].rest);
        assert_eq!(f.params[1].ty.ty, JsType::TypedArray("Uint8Array".into()));
        assert_eq!(
            f.returns.ty,
            JsType::Optional(Box::new(JsType::Class("WasmThing".into())))
        );
        assert_eq!(f.returns.text, "WasmThing | undefined");
        let c = api.class("WasmThing").unwrap();
        assert!(c.has_free && c.has_dispose);
        assert_eq!(c.constructor.as_ref().unwrap().params[0].name, "seed");
        assert_eq!(
            c.methods[0].function.params[0].ty.ty,
            JsType::Enum("GateType".into())
        );
        assert!(c.methods[0].is_static && !c.methods[1].is_static);
        assert!(c.methods[1].function.is_async);
        let size = c.accessors.iter().find(|a| a.name == "size").unwrap();
        assert!(size.getter && !size.setter);
        let inner = c.accessors.iter().find(|a| a.name == "inner").unwrap();
        assert!(inner.getter && inner.setter);
        assert_eq!(inner.ty.ty, JsType::Class("WasmThing".into()));
        assert_eq!(api.enums[0].name, "GateType");
    }

    #[test]
    fn interfaces_merge_into_the_class_of_their_name() {
        // loro-crdt's shape: `skip_typescript` methods declared in `interface C` blocks.
        let api = parse_typings(
            Path::new("t.d.ts"),
            r#"
interface Doc {
  getText(key: string): Text;
  getMap<Key extends keyof T | string>(name: Key): T[Key] extends Map ? T[Key] : Map;
  diff(from: number[]): string;
  diff(from: number[], to: number[], json?: boolean): string;
  readonly peer: number;
  new(): Doc;
  (event: string): void;
}
interface Options { depth: number; }
export class Doc {
  free(): void;
  constructor();
  export(): Uint8Array;
}
export class Text { free(): void; }
export class Map { free(): void; }
interface Doc { export(mode: string): Uint8Array; getText(other: number): Text; }
"#,
        )
        .unwrap();
        let doc = api.class("Doc").unwrap();
        let method = |name: &str| doc.methods.iter().find(|m| m.function.name == name);
        let names: Vec<_> = doc
            .methods
            .iter()
            .map(|m| m.function.name.as_str())
            .collect();
        assert_eq!(names, ["export", "getText", "getMap", "diff"]);
        // The class's own declaration stays as it is; of overloads the longest is kept.
        assert!(!method("export").unwrap().from_interface);
        assert_eq!(method("export").unwrap().function.params.len(), 0);
        assert_eq!(method("diff").unwrap().function.params.len(), 3);
        let get_text = method("getText").unwrap();
        assert!(get_text.from_interface && !get_text.is_static);
        assert_eq!(get_text.function.params[0].name, "key");
        assert_eq!(get_text.function.returns.ty, JsType::Class("Text".into()));
        // `T[Key] extends Map ? T[Key] : Map` is a Map: a handle the shim wraps.
        assert_eq!(
            method("getMap").unwrap().function.returns.ty,
            JsType::Class("Map".into())
        );
        let peer = doc.accessors.iter().find(|a| a.name == "peer").unwrap();
        assert!(peer.from_interface && peer.getter && !peer.setter);
        // An interface of no class adds nothing; the interfaces stay declared verbatim.
        assert_eq!(api.interfaces.len(), 3);
        assert!(api.interfaces.iter().any(|i| i.name == "Options"));
        let verbatim = api
            .type_declarations
            .iter()
            .filter(|d| d.name == "Doc")
            .count();
        assert_eq!(verbatim, 2);
    }

    #[test]
    fn getters_and_setters_keep_their_own_types() {
        // wasm-bindgen 0.2.9x on an `Option<u32>` field (matrix-sdk-crypto-wasm's RoomSettings).
        let api = parse_typings(
            Path::new("t.d.ts"),
            r#"
export class RoomSettings {
  free(): void;
  get sessionRotationPeriodMs(): number | undefined;
  set sessionRotationPeriodMs(value: number | null | undefined);
  set onlyAllowTrusted(value: boolean | null);
  get onlyAllowTrusted(): boolean;
  get same(): number;
  set same(value: number);
  plain: string;
}
"#,
        )
        .unwrap();
        let class = api.class("RoomSettings").unwrap();
        let accessor = |name: &str| class.accessors.iter().find(|a| a.name == name).unwrap();
        let period = accessor("sessionRotationPeriodMs");
        assert!(period.getter && period.setter);
        assert_eq!(period.ty.text, "number | undefined");
        assert_eq!(period.setter_type().text, "number | null | undefined");
        assert_eq!(
            period.setter_type().ty,
            JsType::Optional(Box::new(JsType::Number))
        );
        // Declared setter first: the getter's type is still the property's.
        let trusted = accessor("onlyAllowTrusted");
        assert_eq!(trusted.ty.text, "boolean");
        assert_eq!(trusted.setter_type().text, "boolean | null");
        for same in ["same", "plain"] {
            assert!(accessor(same).setter_ty.is_none(), "{same}");
        }
    }

    #[test]
    fn a_syntax_error_names_line_and_column() {
        let err =
            parse_typings(Path::new("bad.d.ts"), "export function f(: number;\n").unwrap_err();
        let message = err.to_string();
        assert!(message.starts_with("bad.d.ts:1:"), "{message}");
    }
}
