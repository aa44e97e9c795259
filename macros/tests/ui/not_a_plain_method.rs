// Stand-ins for proxy_runtime types: the macro stops at the error before using the runtime.
#![allow(dead_code)]
use proxy_macros::proxied;
struct Handle<C>(C);
type Result<T> = std::result::Result<T, ()>;
struct Obj;

#[proxied(fast)]
trait WithArgs {}

#[proxied]
trait Module {
    const N: usize;
    fn generic<T>(&self, x: i32) -> Result<()>;
    fn with_body(&self) -> Result<()> {
        Ok(())
    }
}

#[proxied]
struct NotATrait;

fn main() {}
