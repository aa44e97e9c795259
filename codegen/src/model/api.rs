//! The JavaScript-level API of a wasm-bindgen module, as its typings declare it.

use serde::Serialize;

/// Everything the `X.d.ts` / `X.d.cts` typings declare.
#[derive(Debug, Clone, Default, Serialize)]
pub struct JsApi {
    /// Exported top-level functions, in declaration order.
    pub functions: Vec<JsFunction>,
    /// Exported classes, in declaration order.
    pub classes: Vec<JsClass>,
    /// Exported enums (wasm-bindgen emits C-style enums as frozen objects).
    pub enums: Vec<JsDeclaration>,
    /// Exported values other than functions and classes (`export const memory: ...`).
    pub values: Vec<JsValue>,
    /// Type-only declarations (interfaces, aliases, exported or not), kept verbatim.
    pub type_declarations: Vec<JsDeclaration>,
    /// The members of every interface, in declaration order (one entry per
    /// `interface` block: declaration merging may split one over several).
    pub interfaces: Vec<JsInterface>,
    /// The `export default ...` declaration (`--target web`'s init function), verbatim.
    pub default_export: Option<String>,
}

impl JsApi {
    /// The class of that name, if declared.
    pub fn class(&self, name: &str) -> Option<&JsClass> {
        self.classes.iter().find(|c| c.name == name)
    }

    /// Whether anything at all was declared.
    pub fn is_empty(&self) -> bool {
        self.functions.is_empty()
            && self.classes.is_empty()
            && self.enums.is_empty()
            && self.values.is_empty()
    }

    /// Declaration merging: an `interface C { ... }` named like an exported class `C`
    /// adds its members to the class (wasm-bindgen's `typescript_custom_section` declares
    /// generic or hand-written signatures this way, with the methods `skip_typescript` in
    /// the class). Members are marked [`JsMethod::from_interface`] /
    /// [`JsAccessor::from_interface`]; a member the class declares itself is kept as the
    /// class declares it, and of overloads the one with the most parameters is kept.
    pub(crate) fn merge_interfaces(&mut self) {
        for interface in &self.interfaces {
            let Some(class) = self.classes.iter_mut().find(|c| c.name == interface.name) else {
                continue;
            };
            for m in &interface.methods {
                let declared = class
                    .methods
                    .iter_mut()
                    .find(|c| !c.is_static && c.function.name == m.function.name);
                match declared {
                    None => class.methods.push(m.clone()),
                    Some(d)
                        if d.from_interface
                            && m.function.params.len() > d.function.params.len() =>
                    {
                        *d = m.clone();
                    }
                    Some(_) => {}
                }
            }
            for a in &interface.accessors {
                let declared = class
                    .methods
                    .iter()
                    .any(|m| !m.is_static && m.function.name == a.name)
                    || class
                        .accessors
                        .iter()
                        .any(|c| !c.is_static && c.name == a.name);
                if !declared {
                    class.accessors.push(a.clone());
                }
            }
        }
    }

    /// Turns named type references into class or enum types once all declarations are known.
    pub(crate) fn resolve_names(&mut self) {
        let classes: Vec<String> = self.classes.iter().map(|c| c.name.clone()).collect();
        let enums: Vec<String> = self.enums.iter().map(|e| e.name.clone()).collect();
        let resolve = |ty: &mut JsType| ty.resolve(&classes, &enums);
        for f in &mut self.functions {
            f.for_each_type(resolve);
        }
        for c in &mut self.classes {
            if let Some(ctor) = &mut c.constructor {
                ctor.for_each_type(resolve);
            }
            for_each_member_type(&mut c.methods, &mut c.accessors, resolve);
        }
        for i in &mut self.interfaces {
            for_each_member_type(&mut i.methods, &mut i.accessors, resolve);
        }
        for v in &mut self.values {
            resolve(&mut v.ty.ty);
        }
    }
}

/// A function signature: a top-level function, a method or a constructor.
#[derive(Debug, Clone, Serialize)]
pub struct JsFunction {
    /// The JS name.
    pub name: String,
    /// Parameters in order.
    pub params: Vec<JsParam>,
    /// Return type (`void` when the typings omit it).
    pub returns: TypeRef,
    /// Declared `async` (or returning a `Promise`).
    pub is_async: bool,
    /// Its type parameters as written (`<Doc>`, `<T extends X = Y>`), if generic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub type_params: Option<String>,
}

impl JsFunction {
    fn for_each_type(&mut self, mut f: impl FnMut(&mut JsType)) {
        for p in &mut self.params {
            f(&mut p.ty.ty);
        }
        f(&mut self.returns.ty);
    }
}

/// One parameter.
#[derive(Debug, Clone, Serialize)]
pub struct JsParam {
    /// Name as written in the typings (may be a JS keyword or non-ASCII).
    pub name: String,
    /// Type.
    pub ty: TypeRef,
    /// Declared with `?`.
    pub optional: bool,
    /// A rest parameter (`...args`).
    pub rest: bool,
}

/// A type as written (`text`) and as understood (`ty`).
#[derive(Debug, Clone, Serialize)]
pub struct TypeRef {
    /// The source text, copied verbatim into generated typings.
    pub text: String,
    /// The classified type.
    pub ty: JsType,
}

impl TypeRef {
    /// `void`, for functions whose typings give no return type.
    pub fn void() -> Self {
        Self {
            text: "void".into(),
            ty: JsType::Void,
        }
    }
}

/// A classified JS type: enough to know what a proxy must do with a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "of", rename_all = "snake_case")]
pub enum JsType {
    /// `number`.
    Number,
    /// `bigint`.
    BigInt,
    /// `boolean`.
    Boolean,
    /// `string`.
    String,
    /// `void`.
    Void,
    /// `undefined`.
    Undefined,
    /// `null`.
    Null,
    /// `any` or `unknown`.
    Any,
    /// A typed array such as `Uint8Array` or `Uint32Array` (copied by value across the boundary).
    TypedArray(String),
    /// An instance of an exported class: a handle into the instance's memory.
    Class(String),
    /// An exported enum (plain numbers at run time).
    Enum(String),
    /// A named type that is neither a class nor an enum of this module.
    Named(String),
    /// `T[]` or `Array<T>`.
    Array(Box<JsType>),
    /// `T | undefined`, `T | null` or both.
    Optional(Box<JsType>),
    /// `Promise<T>`.
    Promise(Box<JsType>),
    /// Anything else (unions, literals, function types...), passed through untouched.
    Other,
}

impl JsType {
    /// The class this type holds a handle to, looking through `Optional`.
    pub fn class(&self) -> Option<&str> {
        match self {
            Self::Class(c) => Some(c),
            Self::Optional(inner) => inner.class(),
            _ => None,
        }
    }

    /// Whether values of this type contain class handles anywhere.
    pub fn mentions_class(&self) -> bool {
        match self {
            Self::Class(_) => true,
            Self::Array(t) | Self::Optional(t) | Self::Promise(t) => t.mentions_class(),
            _ => false,
        }
    }

    fn resolve(&mut self, classes: &[String], enums: &[String]) {
        match self {
            Self::Named(n) if classes.contains(n) => *self = Self::Class(std::mem::take(n)),
            Self::Named(n) if enums.contains(n) => *self = Self::Enum(std::mem::take(n)),
            Self::Array(t) | Self::Optional(t) | Self::Promise(t) => t.resolve(classes, enums),
            _ => {}
        }
    }
}

/// An exported class.
#[derive(Debug, Clone, Default, Serialize)]
pub struct JsClass {
    /// Class name (e.g. `WasmFpSrs`).
    pub name: String,
    /// The constructor, when JS can call `new`.
    pub constructor: Option<JsFunction>,
    /// Declared `private constructor()`: instances come only from the module.
    pub private_constructor: bool,
    /// Methods, static and instance, except `free`.
    pub methods: Vec<JsMethod>,
    /// Getters and setters (fields are a getter plus a setter unless `readonly`).
    pub accessors: Vec<JsAccessor>,
    /// Whether the class declares `free()`.
    pub has_free: bool,
    /// Whether the class declares `[Symbol.dispose]()`.
    pub has_dispose: bool,
}

/// The members of one `interface` block.
#[derive(Debug, Clone, Default, Serialize)]
pub struct JsInterface {
    /// Interface name.
    pub name: String,
    /// Method signatures (`f(x: T): U;`), marked `from_interface`.
    pub methods: Vec<JsMethod>,
    /// Property signatures (`x: T;`, `readonly x: T;`) and `get`/`set` signatures,
    /// marked `from_interface`.
    pub accessors: Vec<JsAccessor>,
}

/// A method of a class.
#[derive(Debug, Clone, Serialize)]
pub struct JsMethod {
    /// `static`.
    pub is_static: bool,
    /// The signature; `function.name` is the method name.
    pub function: JsFunction,
    /// Declared in an `interface` merged with the class, not in the class body (the
    /// generated typings re-declare the interface verbatim, so not in the class again).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub from_interface: bool,
}

/// A property with a getter and/or a setter.
#[derive(Debug, Clone, Serialize)]
pub struct JsAccessor {
    /// Property name.
    pub name: String,
    /// Property type: the getter's result (the setter's value without a getter).
    pub ty: TypeRef,
    /// The setter's value type, when it is declared apart (`set x(value: T)`) and
    /// differs from the getter's: wasm-bindgen reads `Option<T>` fields as `T | undefined`
    /// and takes `T | null | undefined`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub setter_ty: Option<TypeRef>,
    /// Has a getter.
    pub getter: bool,
    /// Has a setter.
    pub setter: bool,
    /// `static`.
    pub is_static: bool,
    /// Declared in an `interface` merged with the class (see [`JsMethod::from_interface`]).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub from_interface: bool,
}

impl JsAccessor {
    /// The type the setter takes.
    pub fn setter_type(&self) -> &TypeRef {
        self.setter_ty.as_ref().unwrap_or(&self.ty)
    }
}

/// A declaration kept as source text (enums, interfaces, type aliases).
#[derive(Debug, Clone, Serialize)]
pub struct JsDeclaration {
    /// Declared name.
    pub name: String,
    /// Full source text of the declaration, without `export`.
    pub text: String,
    /// Whether the typings export it.
    pub exported: bool,
}

/// An exported value that is not a function or class.
#[derive(Debug, Clone, Serialize)]
pub struct JsValue {
    /// Name.
    pub name: String,
    /// Declared type.
    pub ty: TypeRef,
}

/// Runs `resolve` on every type of a class's or interface's members: each method's
/// parameters and result, each accessor's getter type and its own setter type.
fn for_each_member_type(
    methods: &mut [JsMethod],
    accessors: &mut [JsAccessor],
    resolve: impl Fn(&mut JsType) + Copy,
) {
    for m in methods {
        m.function.for_each_type(resolve);
    }
    for a in accessors {
        resolve(&mut a.ty.ty);
        if let Some(set) = &mut a.setter_ty {
            resolve(&mut set.ty);
        }
    }
}
