// Stand-ins for proxy_runtime types: the macro stops at the error before using the runtime.
#![allow(dead_code)]
use proxy_macros::proxied;
struct Handle<C>(C);
type Result<T> = std::result::Result<T, ()>;
struct Obj;

#[proxied]
trait Module {
    fn no_result(&self, x: i32) -> i32;
    fn nothing(&self, x: i32);
    fn string(&self) -> Result<String>;
    fn nested(&self) -> Result<(i32, Handle<Obj>)>;
}

fn main() {}
