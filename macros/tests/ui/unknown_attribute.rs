// Stand-ins for proxy_runtime types: the macro stops at the error before using the runtime.
#![allow(dead_code)]
use proxy_macros::proxied;
struct Handle<C>(C);
type Result<T> = std::result::Result<T, ()>;
struct Obj;

#[proxied]
trait Module {
    #[replay]
    #[inline]
    fn build(&self, seed: i32) -> Result<Handle<Obj>>;
}

fn main() {}
