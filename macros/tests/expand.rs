//! Snapshots of what `#[proxied]` generates (formatted with prettyplease).

#[path = "../src/expand.rs"]
mod expand;
#[path = "../src/parse.rs"]
mod parse;

use quote::quote;

fn expand(item: proc_macro2::TokenStream) -> String {
    let tokens = expand::proxied(proc_macro2::TokenStream::new(), item).expect("expansion");
    prettyplease::unparse(&syn::parse2(tokens).expect("the expansion parses as a file"))
}

#[test]
fn the_contract_example_expands_to_a_proxy_and_typed_exports() {
    insta::assert_snapshot!(expand(quote! {
        /// Raw exports of `plonk_wasm`.
        pub trait PlonkWasm {
            /// `caml_fp_srs_create(depth: number): WasmFpSrs`
            #[replay]
            fn caml_fp_srs_create(&self, depth: i32) -> Result<Handle<WasmFpSrs>>;
            fn caml_fp_srs_h(&self, srs: &Handle<WasmFpSrs>) -> Result<Handle<WasmGVesta>>;
            #[replay(mutates = v)]
            fn caml_pasta_fp_plonk_gate_vector_add(&self, v: &Handle<WasmFpGateVector>, gate: Handle<WasmFpGate>) -> Result<()>;
            #[export = "__wbg_get_wasmgvesta_x"]
            fn wasmgvesta_get_x(&self, retptr: i32, this: i32) -> Result<()>;
            fn two_results(&self, a: i32) -> Result<(i32, i32)>;
            fn floats(&self, a: f32, b: f64, c: i64) -> Result<f64>;
            /// An `externref` parameter: called untyped.
            #[export = "initThreadPool"]
            fn init_thread_pool(&self, args: &[Value]) -> Result<Vec<Value>>;
        }
    }));
}

#[test]
fn errors_keep_the_trait_so_that_its_users_compile() {
    let out = expand::proxied(
        proc_macro2::TokenStream::new(),
        quote! {
            trait Broken {
                #[replay]
                #[bogus]
                fn f(&self, s: String) -> Result<()>;
            }
        },
    )
    .expect("errors are tokens");
    insta::assert_snapshot!(out.to_string());
}

#[test]
fn a_crate_path_override_reaches_the_runtime_through_its_internal_module() {
    for attr in [
        quote!(crate = my_sdk::proxy_runtime),
        quote!(crate = "my_sdk::proxy_runtime"),
    ] {
        let tokens = expand::proxied(
            attr,
            quote! {
                pub trait Small {
                    #[replay]
                    fn make(&self, n: i32) -> Result<Handle<Obj>>;
                }
            },
        )
        .expect("expansion");
        let text = tokens.to_string().replace(' ', "");
        assert!(
            text.contains("my_sdk::proxy_runtime::__internal::Exports"),
            "{text}"
        );
        assert!(!text.contains("::proxy_runtime::Proxy"), "{text}");
        assert!(
            !text.starts_with("::proxy_runtime") && !text.contains("(::proxy_runtime"),
            "{text}"
        );
    }
    let err = expand::proxied(
        quote!(crate = 1),
        quote!(
            trait T {}
        ),
    )
    .expect("errors are tokens");
    assert!(err.to_string().contains("compile_error"), "{err}");
}
