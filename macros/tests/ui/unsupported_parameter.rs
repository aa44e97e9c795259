// Stand-ins for proxy_runtime types: the macro stops at the error before using the runtime.
#![allow(dead_code)]
use proxy_macros::proxied;
struct Handle<C>(C);
type Result<T> = std::result::Result<T, ()>;
struct Obj;

#[proxied]
trait Module {
    fn takes_string(&self, name: String) -> Result<()>;
    fn takes_mut_handle(&self, h: &mut Handle<Obj>) -> Result<()>;
    fn takes_u8(&self, x: u8) -> Result<i32>;
}

fn main() {}
