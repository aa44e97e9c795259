// Stand-ins for proxy_runtime types: the macro stops at the error before using the runtime.
#![allow(dead_code)]
use proxy_macros::proxied;
struct Handle<C>(C);
type Result<T> = std::result::Result<T, ()>;
struct Obj;

#[proxied]
trait Module {
    fn by_mut(&mut self) -> Result<()>;
    fn by_value(self) -> Result<()>;
    fn no_self(x: i32) -> Result<()>;
}

fn main() {}
