//! `#[proxied]`: turns a trait whose methods are wasm exports into a swap-capable proxy over
//! `proxy-runtime`. Use it through `proxy_runtime::proxied`.
//!
//! ```ignore
//! #[proxied]
//! pub trait Counter {
//!     #[replay]
//!     fn new_counter(&self, start: i32) -> Result<Handle<CounterObj>>;
//!     #[replay(mutates = c)]
//!     fn counter_add(&self, c: &Handle<CounterObj>, by: i32) -> Result<()>;
//!     #[export = "counter_get"]
//!     fn get(&self, c: &Handle<CounterObj>) -> Result<i32>;
//! }
//! // generates `CounterProxy` (implements `Counter`) and `CounterExports` (typed exports).
//! ```

mod expand;
mod parse;

use proc_macro::TokenStream;

/// Generates `<Trait>Proxy` (implementing the trait over `proxy_runtime::Proxy`) and
/// `<Trait>Exports` (the typed exports, resolved once per instance).
///
/// Method attributes: `#[replay]` logs the call for replay, `#[replay(mutates = arg)]` also
/// says which handle argument it changes, `#[export = "name"]` maps to an export whose name is
/// not the method's. Parameters are `i32 i64 f32 f64`, `&Handle<C>` (borrow) or `Handle<C>`
/// (consume); results `Result<()>`, `Result<raw>`, `Result<(raw, ..)>` or `Result<Handle<C>>`.
#[proc_macro_attribute]
pub fn proxied(attr: TokenStream, item: TokenStream) -> TokenStream {
    match expand::proxied(attr.into(), item.into()) {
        Ok(tokens) => tokens.into(),
        Err(e) => e.to_compile_error().into(),
    }
}
