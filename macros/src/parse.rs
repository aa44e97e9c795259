//! Reads a `#[proxied]` trait into a list of methods, with spanned errors.

use proc_macro2::{Span, TokenStream};
use syn::spanned::Spanned;
use syn::{
    FnArg, GenericArgument, Ident, ItemTrait, LitStr, Pat, PathArguments, ReturnType, TraitItem,
    Type,
};

/// A raw wasm number type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Raw {
    I32,
    I64,
    F32,
    F64,
}

impl Raw {
    fn from_type(ty: &Type) -> Option<Raw> {
        let Type::Path(p) = ty else { return None };
        if p.qself.is_some() {
            return None;
        }
        let ident = p.path.get_ident()?;
        Some(match ident.to_string().as_str() {
            "i32" => Raw::I32,
            "i64" => Raw::I64,
            "f32" => Raw::F32,
            "f64" => Raw::F64,
            _ => return None,
        })
    }
}

/// How a parameter is passed.
#[derive(Debug, Clone)]
pub enum ParamKind {
    Raw(Raw),
    /// `&Handle<C>`
    Borrow,
    /// `Handle<C>`
    Consume,
    /// `&[Value]`: every argument of an untyped call.
    Values,
}

#[derive(Debug, Clone)]
pub struct Param {
    pub name: Ident,
    pub kind: ParamKind,
}

/// What the method returns inside `Result<...>`.
#[derive(Debug, Clone)]
pub enum Output {
    Unit,
    Raw(Vec<Raw>),
    Handle(Type),
    /// `Vec<Value>`: the results of an untyped call.
    Values,
}

#[derive(Debug, Clone)]
pub struct Method {
    pub name: Ident,
    pub export: String,
    pub replay: bool,
    /// Index of the parameter named by `mutates`.
    pub mutates: Option<usize>,
    pub params: Vec<Param>,
    pub output: Output,
    /// The signature as written (copied into the impl).
    pub sig: syn::Signature,
}

pub struct Proxied {
    pub item: ItemTrait,
    pub methods: Vec<Method>,
    /// Path of the `proxy-runtime` crate (`crate = ..`; default `::proxy_runtime`).
    pub runtime: syn::Path,
}

/// The macro's arguments: `crate = path` (or `crate = "path"`), the path under which the
/// expansion reaches `proxy-runtime` when the crate is renamed or re-exported.
fn runtime_path(attr: TokenStream) -> syn::Result<syn::Path> {
    let mut runtime: Option<syn::Path> = None;
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("crate") {
            if runtime.is_some() {
                return Err(meta.error("`crate` is given twice"));
            }
            let value = meta.value()?;
            runtime = Some(if value.peek(LitStr) {
                value.parse::<LitStr>()?.parse()?
            } else {
                value.parse()?
            });
            Ok(())
        } else {
            Err(meta.error(
                "unknown argument of `#[proxied]`; expected `crate = path::to::proxy_runtime`",
            ))
        }
    });
    syn::parse::Parser::parse2(parser, attr)?;
    Ok(runtime.unwrap_or_else(|| syn::parse_quote!(::proxy_runtime)))
}

/// Whether `ty` is a path ending in `Value` (`Value`, `proxy_runtime::Value`).
fn is_value(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.qself.is_none()
        && p.path.segments.last().is_some_and(|s| s.ident == "Value" && s.arguments.is_none()))
}

/// `Vec<Value>`
fn is_values(ty: &Type) -> bool {
    let Type::Path(p) = ty else { return false };
    let Some(last) = p.path.segments.last() else {
        return false;
    };
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return false;
    };
    last.ident == "Vec"
        && args.args.len() == 1
        && matches!(args.args.first(), Some(GenericArgument::Type(t)) if is_value(t))
}

fn handle_class(ty: &Type) -> Option<Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Handle" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    if args.args.len() != 1 {
        return None;
    }
    match args.args.first()? {
        GenericArgument::Type(t) => Some(t.clone()),
        _ => None,
    }
}

const PARAM_TYPES: &str = "expected `i32`, `i64`, `f32`, `f64`, `&Handle<C>` (borrow), `Handle<C>` (consume) or `&[Value]` (an untyped call)";
const RESULT_TYPES: &str = "expected `Result<()>`, `Result<T>` with T one of `i32 i64 f32 f64`, a tuple of them, `Handle<C>` or `Vec<Value>` (an untyped call)";

fn param_kind(ty: &Type) -> syn::Result<ParamKind> {
    if let Some(raw) = Raw::from_type(ty) {
        return Ok(ParamKind::Raw(raw));
    }
    if let Type::Reference(r) = ty {
        if let Type::Slice(slice) = &*r.elem
            && r.mutability.is_none()
            && is_value(&slice.elem)
        {
            return Ok(ParamKind::Values);
        }
        if r.mutability.is_none() && handle_class(&r.elem).is_some() {
            return Ok(ParamKind::Borrow);
        }
        if r.mutability.is_some() && handle_class(&r.elem).is_some() {
            return Err(syn::Error::new(
                ty.span(),
                "a handle is lent as `&Handle<C>`, not `&mut Handle<C>`",
            ));
        }
    }
    if handle_class(ty).is_some() {
        return Ok(ParamKind::Consume);
    }
    Err(syn::Error::new(
        ty.span(),
        format!("unsupported parameter type in a proxied method; {PARAM_TYPES}"),
    ))
}

fn output(ret: &ReturnType, span: Span) -> syn::Result<Output> {
    let ReturnType::Type(_, ty) = ret else {
        return Err(syn::Error::new(
            span,
            format!("a proxied method returns a `Result` (calls can trap); {RESULT_TYPES}"),
        ));
    };
    let bad = || {
        syn::Error::new(
            ty.span(),
            format!("unsupported return type in a proxied method; {RESULT_TYPES}"),
        )
    };
    let Type::Path(p) = &**ty else {
        return Err(bad());
    };
    let last = p.path.segments.last().ok_or_else(bad)?;
    if last.ident != "Result" {
        return Err(bad());
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return Err(bad());
    };
    let Some(GenericArgument::Type(inner)) = args.args.first() else {
        return Err(bad());
    };
    if args.args.len() != 1 {
        return Err(syn::Error::new(
            args.span(),
            "use `proxy_runtime::Result<T>` (one type argument): errors are `proxy_runtime::Error`",
        ));
    }
    if let Some(raw) = Raw::from_type(inner) {
        return Ok(Output::Raw(vec![raw]));
    }
    if let Some(c) = handle_class(inner) {
        return Ok(Output::Handle(c));
    }
    if is_values(inner) {
        return Ok(Output::Values);
    }
    if let Type::Tuple(t) = inner {
        if t.elems.is_empty() {
            return Ok(Output::Unit);
        }
        let raws = t
            .elems
            .iter()
            .map(|e| {
                Raw::from_type(e).ok_or_else(|| {
                    syn::Error::new(
                        e.span(),
                        "tuple results are raw numbers (`i32 i64 f32 f64`)",
                    )
                })
            })
            .collect::<syn::Result<Vec<_>>>()?;
        return Ok(Output::Raw(raws));
    }
    Err(syn::Error::new(
        inner.span(),
        format!("unsupported result type in a proxied method; {RESULT_TYPES}"),
    ))
}

/// Errors gathered across the whole trait, so that one compile shows them all.
#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn push(&mut self, e: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(e),
            None => self.0 = Some(e),
        }
    }

    fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

/// Attributes a proxied method may carry besides ours.
pub const PASSED_THROUGH: [&str; 5] = ["doc", "allow", "expect", "warn", "deny"];

fn method(m: &syn::TraitItemFn, errors: &mut Errors) -> Option<Method> {
    let sig = &m.sig;
    let mut export = None;
    let mut replay = false;
    let mut mutates_name: Option<Ident> = None;
    for attr in &m.attrs {
        let path = attr.path();
        if path.is_ident("replay") {
            replay = true;
            if let syn::Meta::List(_) = &attr.meta {
                let r = attr.parse_nested_meta(|meta| {
                    if meta.path.is_ident("mutates") {
                        mutates_name = Some(meta.value()?.parse::<Ident>()?);
                        Ok(())
                    } else {
                        Err(meta.error(
                            "unknown `replay` option; expected `mutates = <handle parameter>`",
                        ))
                    }
                });
                if let Err(e) = r {
                    errors.push(e);
                }
            } else if let syn::Meta::NameValue(nv) = &attr.meta {
                errors.push(syn::Error::new(
                    nv.span(),
                    "expected `#[replay]` or `#[replay(mutates = <handle parameter>)]`",
                ));
            }
        } else if path.is_ident("export") {
            match &attr.meta {
                syn::Meta::NameValue(nv) => match &nv.value {
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) if !s.value().is_empty() => {
                        export = Some(s.value());
                    }
                    other => errors.push(syn::Error::new(
                        other.span(),
                        "the export name is a non-empty string: `#[export = \"name\"]`",
                    )),
                },
                other => errors.push(syn::Error::new(
                    other.span(),
                    "expected `#[export = \"name\"]`",
                )),
            }
        } else if !PASSED_THROUGH.iter().any(|p| path.is_ident(p)) {
            let name = path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect::<Vec<_>>()
                .join("::");
            errors.push(syn::Error::new(
                path.span(),
                format!("unknown attribute `{name}` on a proxied method; expected `replay`, `export = \"..\"` or doc comments"),
            ));
        }
    }
    let mut ok = true;
    if let Some(body) = &m.default {
        errors.push(syn::Error::new(
            body.span(),
            "a proxied method has no body: it forwards to the wasm export",
        ));
        ok = false;
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errors.push(syn::Error::new(
            sig.generics.span(),
            "a proxied method cannot be generic",
        ));
        ok = false;
    }
    if let Some(a) = &sig.asyncness {
        errors.push(syn::Error::new(
            a.span(),
            "a proxied method cannot be `async`",
        ));
        ok = false;
    }
    let mut inputs = sig.inputs.iter();
    match inputs.next() {
        Some(FnArg::Receiver(r))
            if r.reference.is_some() && r.mutability.is_none() && r.colon_token.is_none() => {}
        Some(FnArg::Receiver(r)) => {
            errors.push(syn::Error::new(
                r.span(),
                "a proxied method takes `&self` (the proxy is shared between threads)",
            ));
            ok = false;
        }
        _ => {
            errors.push(syn::Error::new(
                sig.ident.span(),
                "a proxied method takes `&self` as its first parameter",
            ));
            ok = false;
        }
    }
    let mut params = Vec::new();
    for input in inputs {
        let FnArg::Typed(pt) = input else { continue };
        let Pat::Ident(pi) = &*pt.pat else {
            errors.push(syn::Error::new(
                pt.pat.span(),
                "a proxied method's parameters are plain names",
            ));
            ok = false;
            continue;
        };
        match param_kind(&pt.ty) {
            Ok(kind) => params.push(Param {
                name: pi.ident.clone(),
                kind,
            }),
            Err(e) => {
                errors.push(e);
                ok = false;
            }
        }
    }
    let out = match output(&sig.output, sig.ident.span()) {
        Ok(o) => Some(o),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let mutates = match &mutates_name {
        None => None,
        Some(name) => match params.iter().position(|p| &p.name == name) {
            Some(i) if matches!(params[i].kind, ParamKind::Borrow | ParamKind::Consume) => Some(i),
            Some(_) => {
                errors.push(syn::Error::new(
                    name.span(),
                    format!("`mutates = {name}` names a number; it must name a handle parameter"),
                ));
                None
            }
            None => {
                errors.push(syn::Error::new(
                    name.span(),
                    format!("`mutates = {name}`: the method has no parameter `{name}`"),
                ));
                None
            }
        },
    };
    let output = out?;
    let untyped = params.iter().any(|p| matches!(p.kind, ParamKind::Values))
        || matches!(output, Output::Values);
    if untyped {
        let shape = params.len() == 1
            && matches!(params[0].kind, ParamKind::Values)
            && matches!(output, Output::Values);
        if !shape {
            errors.push(syn::Error::new(
                sig.ident.span(),
                "an untyped method takes only `args: &[Value]` and returns `Result<Vec<Value>>`",
            ));
            ok = false;
        }
        if replay {
            errors.push(syn::Error::new(
                sig.ident.span(),
                "an untyped method cannot be `#[replay]`: its handles are not known, so a swap could not remap them",
            ));
            ok = false;
        }
    }
    ok.then(|| Method {
        name: sig.ident.clone(),
        export: export.unwrap_or_else(|| sig.ident.to_string()),
        replay,
        mutates,
        params,
        output,
        sig: sig.clone(),
    })
}

pub fn parse(attr: TokenStream, item: TokenStream) -> syn::Result<Proxied> {
    let runtime = runtime_path(attr)?;
    let item: ItemTrait = syn::parse2(item).map_err(|e| {
        syn::Error::new(
            e.span(),
            "`#[proxied]` goes on a trait whose methods are the module's exports",
        )
    })?;
    let mut errors = Errors::default();
    if !item.generics.params.is_empty() {
        errors.push(syn::Error::new(
            item.generics.span(),
            "a proxied trait cannot be generic",
        ));
    }
    let mut methods = Vec::new();
    let mut exports: Vec<(String, Span)> = Vec::new();
    for it in &item.items {
        match it {
            TraitItem::Fn(m) => {
                if let Some(m) = method(m, &mut errors) {
                    if let Some((_, first)) = exports.iter().find(|(e, _)| *e == m.export) {
                        let mut e = syn::Error::new(
                            m.name.span(),
                            format!("export `{}` is mapped by two methods", m.export),
                        );
                        e.combine(syn::Error::new(*first, "first mapped here"));
                        errors.push(e);
                    }
                    exports.push((m.export.clone(), m.name.span()));
                    methods.push(m);
                }
            }
            other => errors.push(syn::Error::new(
                other.span(),
                "a proxied trait has only methods",
            )),
        }
    }
    errors.finish()?;
    Ok(Proxied {
        item,
        methods,
        runtime,
    })
}

/// The string literal for an export name.
pub fn lit(s: &str) -> LitStr {
    LitStr::new(s, Span::call_site())
}
