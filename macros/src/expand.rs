//! Generates the proxy type and the typed exports struct from a parsed trait.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{ItemTrait, TraitItem};

use crate::parse::{self, Method, Output, ParamKind, Raw};

pub fn proxied(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let parsed = match parse::parse(attr, item.clone()) {
        Ok(p) => p,
        Err(e) => {
            // Keep the trait itself so that its users do not add errors of their own.
            let errors = e.to_compile_error();
            let kept = syn::parse2::<ItemTrait>(item)
                .map(strip)
                .map(|t| quote!(#t))
                .unwrap_or_default();
            return Ok(quote!(#errors #kept));
        }
    };
    Ok(generate(&parsed))
}

/// The trait without our attributes on its methods.
fn strip(mut t: ItemTrait) -> ItemTrait {
    for it in &mut t.items {
        if let TraitItem::Fn(m) = it {
            m.attrs
                .retain(|a| parse::PASSED_THROUGH.iter().any(|p| a.path().is_ident(p)));
        }
    }
    t
}

fn raw_ty(r: Raw) -> TokenStream {
    match r {
        Raw::I32 => quote!(i32),
        Raw::I64 => quote!(i64),
        Raw::F32 => quote!(f32),
        Raw::F64 => quote!(f64),
    }
}

fn tuple(items: Vec<TokenStream>) -> TokenStream {
    match items.len() {
        0 => quote!(()),
        _ => quote!((#(#items,)*)),
    }
}

/// `TypedFunc<Params, Results>` of one method (untyped methods have a `Func` instead).
fn func_types(m: &Method) -> (TokenStream, TokenStream) {
    let params = tuple(
        m.params
            .iter()
            .map(|p| match p.kind {
                ParamKind::Raw(r) => raw_ty(r),
                ParamKind::Borrow | ParamKind::Consume | ParamKind::Values => quote!(i32),
            })
            .collect(),
    );
    let results = match &m.output {
        Output::Unit => quote!(()),
        Output::Handle(_) | Output::Values => quote!(i32),
        Output::Raw(rs) if rs.len() == 1 => raw_ty(rs[0]),
        Output::Raw(rs) => tuple(rs.iter().map(|r| raw_ty(*r)).collect()),
    };
    (params, results)
}

fn is_untyped(m: &Method) -> bool {
    matches!(m.output, Output::Values)
}

/// Where the expansion reaches the runtime: `<crate>::__internal`, the re-exports that
/// generated code needs (`proxy_runtime::__internal`, doc-hidden).
fn internal(runtime: &syn::Path) -> TokenStream {
    quote!(#runtime::__internal)
}

/// The exports struct's field of one method: a `TypedFunc`, or a `Func` for an untyped method.
fn field_type(m: &Method, rt: &TokenStream) -> TokenStream {
    if is_untyped(m) {
        return quote!(#rt::wasmtime::Func);
    }
    let (params, results) = func_types(m);
    quote!(#rt::wasmtime::TypedFunc<#params, #results>)
}

fn method_impl(m: &Method, rt: &TokenStream) -> TokenStream {
    let sig = &m.sig;
    let name = &m.name;
    let export = parse::lit(&m.export);
    if is_untyped(m) {
        let args = &m.params[0].name;
        return quote! {
            #sig {
                const SPEC: #rt::CallSpec = #rt::CallSpec { export: #export, replay: false, mutates: ::core::option::Option::None };
                self.proxy.call(&SPEC, &[], |__exports, __store, _| {
                    #rt::call_untyped(&__exports.#name, __store, #args)
                })
            }
        };
    }
    let replay = m.replay;
    let mutates = match m.mutates {
        Some(i) => quote!(::core::option::Option::Some(#i)),
        None => quote!(::core::option::Option::None),
    };
    let args = m.params.iter().filter_map(|p| {
        let n = &p.name;
        match p.kind {
            ParamKind::Raw(_) => Some(quote!(#rt::Arg::from(#n))),
            ParamKind::Borrow => Some(quote!(#rt::Arg::borrow(#n))),
            ParamKind::Consume => Some(quote!(#rt::Arg::consume(&#n))),
            ParamKind::Values => None,
        }
    });
    let mut handle_index = 0usize;
    let call_args: Vec<TokenStream> = m
        .params
        .iter()
        .map(|p| match p.kind {
            ParamKind::Raw(_) | ParamKind::Values => {
                let n = &p.name;
                quote!(#n)
            }
            ParamKind::Borrow | ParamKind::Consume => {
                let i = handle_index;
                handle_index += 1;
                quote!(__handles[#i])
            }
        })
        .collect();
    let call_args = tuple(call_args);
    let handles_pat = if handle_index == 0 {
        quote!(_)
    } else {
        quote!(__handles)
    };
    let call = match &m.output {
        Output::Handle(class) => quote!(call_handle::<#class>),
        _ => quote!(call),
    };
    quote! {
        #sig {
            const SPEC: #rt::CallSpec = #rt::CallSpec { export: #export, replay: #replay, mutates: #mutates };
            self.proxy.#call(&SPEC, &[#(#args),*], |__exports, __store, #handles_pat| {
                __exports.#name.call(__store, #call_args)
            })
        }
    }
}

/// The local a method's export is resolved into (prefixed: a method may be named `store`).
fn resolved_local(name: &syn::Ident) -> syn::Ident {
    format_ident!("__{}", name)
}

fn generate(p: &parse::Proxied) -> TokenStream {
    let rt = &internal(&p.runtime);
    let item = strip(p.item.clone());
    let vis = &item.vis;
    let trait_name = &item.ident;
    let proxy_name = format_ident!("{}Proxy", trait_name);
    let exports_name = format_ident!("{}Exports", trait_name);
    let fields = p.methods.iter().map(|m| {
        let name = &m.name;
        let ty = field_type(m, rt);
        let doc = format!(" `{}`", m.export);
        quote!(#[doc = #doc] pub #name: #ty)
    });
    let resolves = p.methods.iter().map(|m| {
        let name = &m.name;
        let export = parse::lit(&m.export);
        let method = parse::lit(&m.name.to_string());
        let lookup = if is_untyped(m) {
            quote!(untyped_export)
        } else {
            quote!(typed_export)
        };
        let local = resolved_local(name);
        quote!(let #local = #rt::#lookup(instance, store, #export, #method)?;)
    });
    let fields_init = p.methods.iter().map(|m| {
        let (name, local) = (&m.name, resolved_local(&m.name));
        quote!(#name: #local)
    });
    let impls = p.methods.iter().map(|m| method_impl(m, rt));
    let exports_doc = format!(
        " Typed exports of one instance for [`{trait_name}`], resolved once when the instance is created."
    );
    let proxy_doc = format!(" [`{trait_name}`] over a swap-capable `proxy_runtime::Proxy`.");
    quote! {
        #item

        #[doc = #exports_doc]
        #[allow(non_snake_case)]
        #vis struct #exports_name {
            #(#fields,)*
        }

        impl #rt::Exports for #exports_name {
            fn resolve(
                instance: &#rt::wasmtime::Instance,
                store: &mut #rt::wasmtime::Store<#rt::HostState>,
            ) -> #rt::Result<Self> {
                // One `let` per export, not `Self { f: lookup()?, .. }`: rustc drops the fields
                // built so far separately at each `?` of a struct literal, which is quadratic
                // in the fields (4.3M LLVM lines for plonk_wasm and kimchi_wasm); locals
                // share one drop chain.
                #(#resolves)*
                ::core::result::Result::Ok(Self { #(#fields_init,)* })
            }
        }

        #[doc = #proxy_doc]
        #vis struct #proxy_name {
            proxy: #rt::Proxy<#exports_name>,
        }

        impl #proxy_name {
            /// Compiles the module and creates the first instance; fails with
            /// `Error::MissingExport` if an export of the trait is missing.
            #vis fn new(config: #rt::ProxyConfig) -> #rt::Result<Self> {
                ::core::result::Result::Ok(Self { proxy: #rt::Proxy::new(config)? })
            }

            /// The underlying proxy: swap, memory, metrics.
            #vis fn proxy(&self) -> &#rt::Proxy<#exports_name> {
                &self.proxy
            }
        }

        impl ::core::ops::Deref for #proxy_name {
            type Target = #rt::Proxy<#exports_name>;
            fn deref(&self) -> &Self::Target {
                &self.proxy
            }
        }

        impl #trait_name for #proxy_name {
            #(#impls)*
        }
    }
}
