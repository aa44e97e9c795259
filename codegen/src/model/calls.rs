//! Analysis pass: what each function export does at the JS level. From the typings and the
//! glue's own call of the export it derives the JS signature, which raw arguments carry
//! objects (lent or given, and of which class), whether a pointer result is an object, and
//! the [`CallPlan`]: how the glue marshals the whole call (bytes and strings copied in, the
//! return area, optional values, what is thrown), which a high-level Rust method and its
//! replay follow. Renderers read this, not the reader's glue facts.
//!
//! An object is typed only where that is certain: the typings declare the parameter (or
//! result) as exactly that class and the glue passes that very parameter at that position
//! (`x.__wbg_ptr` or `x.ptr` lent, `x.__destroy_into_raw()` given), or wraps the result
//! (`C.__wrap(ret)`, a constructor's `this.__wbg_ptr = ret`).

use std::collections::{BTreeMap, HashMap};

use super::api::{JsApi, JsFunction, JsType};
use super::{Export, ModuleModel, Role};
use crate::reader::glue::{
    ArgForm, GlueExportKind, Marshaling, MemberKind, RawArg, RawCallSite, RawResult, WordRef,
};
use crate::reader::wasm::ExportKind;

/// Every function export's [`ExportCall`], by export name.
pub fn analyse(model: &ModuleModel) -> BTreeMap<String, ExportCall> {
    let index_of: HashMap<&str, u32> = model
        .wasm
        .exports
        .iter()
        .filter(|e| e.kind == ExportKind::Function)
        .map(|e| (e.name.as_str(), e.index))
        .collect();
    let cx = Analysis { model, index_of };
    model
        .exports
        .iter()
        .filter(|e| e.kind == ExportKind::Function)
        .map(|e| (e.name.clone(), cx.export_call(e)))
        .collect()
}

/// What one function export does at the JS level.
#[derive(Debug, Clone)]
pub struct ExportCall {
    /// The JS member it implements, as the typings declare it.
    pub js: Option<JsSignature>,
    /// One per raw argument of the glue's call (empty when the glue does not call it).
    pub args: Vec<CallArg>,
    /// The class of the object a pointer result is, when the typings agree.
    pub result_class: Option<String>,
    /// How the glue marshals the call, or why it cannot be followed.
    pub plan: Result<CallPlan, String>,
}

impl ExportCall {
    /// The raw position of `this` (after a return pointer, if any).
    pub fn this_position(&self) -> Option<usize> {
        self.args
            .iter()
            .position(|a| matches!(a, CallArg::Object { of, consumed: false, .. } if of == "this"))
    }

    /// The raw position of the first object parameter other than `this`.
    pub fn first_object_position(&self) -> Option<usize> {
        self.args
            .iter()
            .position(|a| matches!(a, CallArg::Object { of, .. } if of != "this"))
    }

    /// The JS parameter (by position in [`JsSignature::all_params`]) an object raw argument
    /// carries.
    pub fn js_position(&self, raw: usize) -> Option<usize> {
        let CallArg::Object { of, .. } = self.args.get(raw)? else {
            return None;
        };
        self.js
            .as_ref()?
            .all_params
            .iter()
            .position(|p| &p.name == of)
    }
}

/// One raw argument of the glue's call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallArg {
    /// The object of parameter `of` (or `this`).
    Object {
        /// The parameter name, or `this`.
        of: String,
        /// Its class, when the typings declare exactly that class.
        class: Option<String>,
        /// Given away (`__destroy_into_raw`) rather than lent.
        consumed: bool,
    },
    /// A local or parameter passed as is (`depth`, `retptr`, `ptr0`...): its name.
    Named(String),
    /// Any other expression.
    Other,
}

/// A JS signature: its text for doc comments, parameter and return types.
#[derive(Debug, Clone)]
pub struct JsSignature {
    /// `Counter.increment(by: number): number`, on one line.
    pub text: String,
    /// Required parameters (not optional, not rest), with their types.
    pub params: Vec<(String, JsType)>,
    /// Every declared parameter.
    pub all_params: Vec<SigParam>,
    /// The return type (the class, for a constructor).
    pub returns: JsType,
}

/// One declared parameter.
#[derive(Debug, Clone)]
pub struct SigParam {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: JsType,
    /// `x?: T`.
    pub optional: bool,
    /// `...x`.
    pub rest: bool,
}

/// How the glue marshals one call: the plan of a high-level method (the runtime's `JsCall`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallPlan {
    /// Parameters in JS order, `this` first.
    pub params: Vec<PlanParam>,
    /// Where each raw argument comes from.
    pub args: Vec<PlanArg>,
    /// What the glue makes of the results.
    pub returns: PlanReturn,
    /// `(value, flag)`: the call threw the value when the flag is not 0.
    pub throws: Option<(PlanWord, PlanWord)>,
}

impl CallPlan {
    /// The parameter an object raw argument carries.
    pub fn param_of(&self, raw: usize) -> Option<usize> {
        match self.args.get(raw)? {
            PlanArg::Handle(n) => Some(*n as usize),
            _ => None,
        }
    }
}

/// One JS parameter of a [`CallPlan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanParam {
    /// Its JS name (`this` for the receiver).
    pub name: String,
    /// Its type.
    pub ty: PlanType,
}

/// The type of a parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanType {
    /// A boolean.
    Bool,
    /// A number of this wasm type.
    Number(NumType),
    /// `Uint8Array`, copied in.
    Bytes,
    /// A string, copied in as UTF-8.
    Str,
    /// An object of the class, lent or given.
    Object {
        /// The JS class.
        class: String,
        /// Given away rather than lent.
        consumed: bool,
    },
    /// `T | undefined`.
    Optional(Box<PlanType>),
    /// Any JS value (an options object, `any`), handed to the module's heap or table.
    JsValue,
}

/// A number's Rust type, by its wasm encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumType {
    /// `i32`.
    I32,
    /// `u32` (an optional `u32` travels in an `f64`).
    U32,
    /// `i64`.
    I64,
    /// `f32`.
    F32,
    /// `f64`.
    F64,
}

impl NumType {
    /// The Rust type's name.
    pub fn rust(self) -> &'static str {
        match self {
            NumType::I32 => "i32",
            NumType::U32 => "u32",
            NumType::I64 => "i64",
            NumType::F32 => "f32",
            NumType::F64 => "f64",
        }
    }

    fn of(js: &JsType, wasm: Option<&str>) -> Option<Self> {
        Some(match (js, wasm?) {
            (JsType::Number | JsType::Enum(_), "i32") => NumType::I32,
            (JsType::Number, "f64") => NumType::F64,
            (JsType::Number, "f32") => NumType::F32,
            (JsType::BigInt, "i64") => NumType::I64,
            _ => return None,
        })
    }
}

/// Where one raw argument comes from (the runtime's `WasmArg`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanArg {
    /// The return area.
    RetPtr,
    /// Parameter `n` as is.
    Value(u8),
    /// The pointer of parameter `n`'s bytes.
    Ptr(u8),
    /// The length of parameter `n`'s bytes.
    Len(u8),
    /// The object of parameter `n` (0 when an optional one is absent).
    Handle(u8),
    /// 1 when optional parameter `n` is present.
    IsSome(u8),
    /// Optional parameter `n`, or the literal when absent.
    OrNone(u8, AbsentLiteral),
    /// JS value parameter `n`, given to the module (`addHeapObject`).
    Js(u8),
    /// JS value parameter `n`, lent for the call (`addBorrowedObject`).
    JsRef(u8),
}

/// The literal the glue passes for an absent optional number, in the argument's wasm type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbsentLiteral {
    /// An `i32`.
    I32(i32),
    /// An `i64`.
    I64(i64),
    /// An `f64`, by its bits.
    F64(u64),
}

/// Where a raw result word is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanWord {
    /// The `n`th `i32` of the return area.
    Slot(u8),
    /// The export's `n`th result.
    Result(u8),
}

/// What the glue makes of the results (the runtime's `JsReturn`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanReturn {
    /// Nothing.
    Unit,
    /// A number.
    Value(PlanWord, NumType),
    /// A boolean.
    Bool(PlanWord),
    /// Bytes, copied out and freed.
    Bytes {
        /// Their pointer.
        ptr: PlanWord,
        /// Their length.
        len: PlanWord,
        /// `undefined` when the pointer is 0.
        optional: bool,
    },
    /// A string, copied out and freed.
    Str {
        /// Its pointer.
        ptr: PlanWord,
        /// Its length.
        len: PlanWord,
        /// `undefined` when the pointer is 0.
        optional: bool,
    },
    /// An object of the class.
    Object {
        /// Its pointer.
        ptr: PlanWord,
        /// The JS class.
        class: String,
        /// `undefined` when the pointer is 0.
        optional: bool,
    },
    /// A JS value (`takeObject(ret)`).
    Js(PlanWord),
    /// `flag === 0 ? undefined : value`.
    OptValue {
        /// 0 when absent.
        flag: PlanWord,
        /// The number.
        value: PlanWord,
        /// Its type.
        ty: NumType,
    },
}

/// Why an export has no plan when it implements no JS member (plumbing).
pub const NO_JS_MEMBER: &str = "no glue call or typings to follow";

struct Analysis<'m> {
    model: &'m ModuleModel,
    /// Function index of every function export: folded aliases share one.
    index_of: HashMap<&'m str, u32>,
}

impl Analysis<'_> {
    fn export_call(&self, export: &Export) -> ExportCall {
        let site = self.call_site(export);
        let js = self.js_signature(export, site);
        let args: Vec<CallArg> = site
            .map(|s| {
                s.args
                    .iter()
                    .map(|a| match a {
                        RawArg::Borrowed { of } | RawArg::Consumed { of } => CallArg::Object {
                            of: of.clone(),
                            class: self.object_class(export, js.as_ref(), of),
                            consumed: matches!(a, RawArg::Consumed { .. }),
                        },
                        RawArg::Identifier { name } => CallArg::Named(name.clone()),
                        RawArg::Other => CallArg::Other,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let result_class = site.and_then(|s| self.result_class(export, js.as_ref(), &s.result));
        let plan = match (site, js.as_ref()) {
            (Some(site), Some(js)) => self.plan(export, site, js, &args),
            _ => Err(NO_JS_MEMBER.into()),
        };
        ExportCall {
            js,
            args,
            result_class,
            plan,
        }
    }

    /// The glue's call of this export (or of an alias the linker folded it into), when the
    /// glue member calls it exactly once or every call agrees.
    fn call_site(&self, export: &Export) -> Option<&RawCallSite> {
        let glue = self.model.glue.as_ref()?;
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

    fn is_class(&self, name: &str) -> bool {
        self.model
            .api
            .as_ref()
            .is_some_and(|api| api.class(name).is_some())
    }

    /// The class of the object parameter `of` carries, if the typings declare exactly it.
    fn object_class(&self, export: &Export, js: Option<&JsSignature>, of: &str) -> Option<String> {
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
        self.is_class(&class).then_some(class)
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
        self.is_class(&class).then_some(class)
    }

    /// The JS-level signature this export implements, from the typings.
    fn js_signature(&self, export: &Export, site: Option<&RawCallSite>) -> Option<JsSignature> {
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
                let params: Vec<(String, JsType)> = if getter {
                    vec![]
                } else {
                    site.and_then(setter_param)
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

    /// The plan of one call: its JS parameters in plan types, where each raw argument comes
    /// from, and the result. `Err` says why there is none: whatever the glue does that these
    /// facts do not follow leaves the export raw only.
    fn plan(
        &self,
        export: &Export,
        site: &RawCallSite,
        js: &JsSignature,
        call_args: &[CallArg],
    ) -> Result<CallPlan, String> {
        let m = &site.marshaling;
        if let Some(what) = &m.unsupported {
            return Err(format!("the glue uses `{what}`"));
        }
        if js.all_params.iter().any(|p| p.rest) {
            return Err("a rest parameter".into());
        }
        let takes_this = call_args
            .iter()
            .any(|a| matches!(a, CallArg::Object { of, .. } if of == "this"));
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
            JsType::Class(c) if self.is_class(c) => Some(c.clone()),
            _ => None,
        };
        let mut types: Vec<Option<PlanType>> = vec![None; names.len()];
        let mut args = Vec::new();
        for (i, a) in call_args.iter().enumerate() {
            let wasm = export.params.get(i).map(String::as_str);
            if let Some((_, ArgForm::Js { of, borrowed })) =
                m.arg_forms.iter().find(|(at, _)| *at == i)
            {
                // Any JS value the typings declare (an options object, `any`), not a class:
                // a class object crosses as its pointer, never through the heap.
                let n = index(of)?;
                if class(&names[n].1).is_some() {
                    return Err(format!("`{of}` is an object passed as a JS value"));
                }
                types[n] = Some(PlanType::JsValue);
                args.push(if *borrowed {
                    PlanArg::JsRef(n as u8)
                } else {
                    PlanArg::Js(n as u8)
                });
                continue;
            }
            if let Some((_, o)) = m.arg_forms.iter().find(|(at, _)| *at == i) {
                let of = match o {
                    ArgForm::IsSome(of)
                    | ArgForm::OrNone { of, .. }
                    | ArgForm::Object { of, .. }
                    | ArgForm::Js { of, .. } => of,
                };
                let n = index(of)?;
                let JsType::Optional(inner) = &names[n].1 else {
                    return Err(format!(
                        "`{of}` is optional in the glue, {:?} in the typings",
                        names[n].1
                    ));
                };
                let at = n as u8;
                match o {
                    ArgForm::Js { .. } => unreachable!("handled above"),
                    ArgForm::IsSome(_) => args.push(PlanArg::IsSome(at)),
                    ArgForm::Object { consumed, .. } => {
                        let c =
                            class(inner).ok_or_else(|| format!("`{of}` is not a known class"))?;
                        types[n] = Some(PlanType::Optional(Box::new(PlanType::Object {
                            class: c,
                            consumed: *consumed,
                        })));
                        args.push(PlanArg::Handle(at));
                    }
                    ArgForm::OrNone { none, .. } => {
                        // The type follows the encoding: `0x100000001` is an absent `u32` in
                        // an `f64`, `0xFFFFFF` an absent boolean in an `i32`; `0` goes with
                        // `IsSome`.
                        let (ty, literal) = match (&**inner, wasm, *none) {
                            (JsType::Number | JsType::Enum(_), Some("f64"), 0x1_0000_0001) => (
                                PlanType::Number(NumType::U32),
                                AbsentLiteral::F64((*none as f64).to_bits()),
                            ),
                            (JsType::Boolean, Some("i32"), 0xFF_FFFF) => {
                                (PlanType::Bool, AbsentLiteral::I32(0xFF_FFFF))
                            }
                            (t, w, 0) => match NumType::of(t, w) {
                                Some(NumType::I64) => {
                                    (PlanType::Number(NumType::I64), AbsentLiteral::I64(0))
                                }
                                Some(NumType::F64) => {
                                    (PlanType::Number(NumType::F64), AbsentLiteral::F64(0))
                                }
                                Some(NumType::I32) => {
                                    (PlanType::Number(NumType::I32), AbsentLiteral::I32(0))
                                }
                                _ => {
                                    return Err(format!(
                                        "`{of}` is optional {t:?} passed as {w:?}"
                                    ));
                                }
                            },
                            (t, w, none) => {
                                return Err(format!(
                                    "`{of}` is optional {t:?} passed as {w:?} ({none} if absent)"
                                ));
                            }
                        };
                        types[n] = Some(PlanType::Optional(Box::new(ty)));
                        args.push(PlanArg::OrNone(at, literal));
                    }
                }
                continue;
            }
            match a {
                CallArg::Object {
                    of,
                    class,
                    consumed,
                } => {
                    let n = index(of)?;
                    let class = class
                        .clone()
                        .ok_or_else(|| format!("`{of}` is not a known class"))?;
                    types[n] = Some(PlanType::Object {
                        class,
                        consumed: *consumed,
                    });
                    args.push(PlanArg::Handle(n as u8));
                }
                CallArg::Named(name) if m.stack.as_deref() == Some(name) => {
                    args.push(PlanArg::RetPtr)
                }
                CallArg::Named(name) => {
                    if let Some((_, of, consumed)) =
                        m.optional_objects.iter().find(|(l, _, _)| l == name)
                    {
                        let n = index(of)?;
                        let c = match &names[n].1 {
                            JsType::Optional(inner) => class(inner),
                            _ => None,
                        }
                        .ok_or_else(|| format!("`{of}` is not an optional known class"))?;
                        types[n] = Some(PlanType::Optional(Box::new(PlanType::Object {
                            class: c,
                            consumed: *consumed,
                        })));
                        args.push(PlanArg::Handle(n as u8));
                        continue;
                    }
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
                            (JsType::String, true) => PlanType::Str,
                            (JsType::TypedArray(a), false) if a == "Uint8Array" => PlanType::Bytes,
                            (t, _) => return Err(format!("`{}` is {t:?} passed as bytes", p.of)),
                        };
                        types[n] = Some(if p.optional {
                            PlanType::Optional(Box::new(ty))
                        } else {
                            ty
                        });
                        args.push(if &p.ptr == name {
                            PlanArg::Ptr(n as u8)
                        } else {
                            PlanArg::Len(n as u8)
                        });
                        continue;
                    }
                    let n = index(name)?;
                    let ty = match (&names[n].1, wasm) {
                        (JsType::Boolean, Some("i32")) => PlanType::Bool,
                        (t, w) => PlanType::Number(
                            NumType::of(t, w)
                                .ok_or_else(|| format!("`{name}` is {t:?} passed as {w:?}"))?,
                        ),
                    };
                    types[n] = Some(ty);
                    args.push(PlanArg::Value(n as u8));
                }
                CallArg::Other => return Err(format!("argument {i} is an expression")),
            }
        }
        let params = names
            .into_iter()
            .zip(types)
            .map(|((name, _), ty)| {
                let ty = ty.ok_or_else(|| format!("`{name}` is not passed to the export"))?;
                Ok(PlanParam { name, ty })
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(CallPlan {
            params,
            args,
            returns: self.plan_return(export, m, js)?,
            throws: m.throws.as_ref().map(|(v, f)| (word(v), word(f))),
        })
    }

    /// What the glue makes of the results, when its handling agrees with the typings' type.
    fn plan_return(
        &self,
        export: &Export,
        m: &Marshaling,
        js: &JsSignature,
    ) -> Result<PlanReturn, String> {
        let result_wasm = |w: &WordRef| match w {
            WordRef::Slot(_) => Some("i32"),
            WordRef::Result(n) => export.results.get(*n as usize).map(String::as_str),
            WordRef::Local(_) => export.results.first().map(String::as_str),
        };
        let number = |t: &JsType, w: &WordRef| {
            NumType::of(t, result_wasm(w))
                .ok_or_else(|| format!("returns {t:?} as {:?}", result_wasm(w)))
        };
        let (declared, optional) = match &js.returns {
            JsType::Optional(t) => (&**t, true),
            t => (t, false),
        };
        let class = match declared {
            JsType::Class(c) if self.is_class(c) => Some(c.clone()),
            _ => None,
        };
        if let Some(w) = &m.returned_js {
            return if class.is_none() {
                Ok(PlanReturn::Js(word(w)))
            } else {
                Err("an object returned as a JS value".into())
            };
        }
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
            let (ptr, len) = (word(ptr), word(len));
            return Ok(if *string {
                PlanReturn::Str { ptr, len, optional }
            } else {
                PlanReturn::Bytes { ptr, len, optional }
            });
        }
        if optional {
            let Some((flag, value)) = &m.returned_optional else {
                return Err(format!(
                    "the glue's result handling of {:?} is not followed",
                    js.returns
                ));
            };
            if let Some(class) = class {
                return if m.object.as_ref() == Some(value) {
                    Ok(PlanReturn::Object {
                        ptr: word(value),
                        class,
                        optional: true,
                    })
                } else {
                    Err("an optional object the glue does not wrap".into())
                };
            }
            return Ok(PlanReturn::OptValue {
                flag: word(flag),
                value: word(value),
                ty: number(declared, value)?,
            });
        }
        if let (Some(class), Some(w)) = (
            class,
            m.object.as_ref().or(m.returned.as_ref().map(|r| &r.0)),
        ) {
            return Ok(PlanReturn::Object {
                ptr: word(w),
                class,
                optional: false,
            });
        }
        match (&m.returned, declared) {
            (Some((w, true)), JsType::Boolean) => Ok(PlanReturn::Bool(word(w))),
            (Some((w, false)), t) => Ok(PlanReturn::Value(word(w), number(t, w)?)),
            (None, JsType::Void) => Ok(PlanReturn::Unit),
            _ => Err(format!(
                "the glue's result handling of {:?} is not followed",
                js.returns
            )),
        }
    }
}

/// The word a glue local names (a plain local is the single direct result).
fn word(w: &WordRef) -> PlanWord {
    match w {
        WordRef::Slot(n) => PlanWord::Slot(*n),
        WordRef::Result(n) => PlanWord::Result(*n),
        WordRef::Local(_) => PlanWord::Result(0),
    }
}

/// The name the glue gives a setter's value (`set value(arg0)` → `arg0`).
fn setter_param(site: &RawCallSite) -> Option<String> {
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
