// Stand-ins for proxy_runtime types: the macro stops at the error before using the runtime.
#![allow(dead_code)]
use proxy_macros::proxied;
struct Value;
type Result<T> = std::result::Result<T, ()>;

#[proxied]
trait Module {
    // Untyped calls are never logged: their handles are unknown to the proxy.
    #[replay]
    fn logged(&self, args: &[Value]) -> Result<Vec<Value>>;
    // An untyped method takes every argument as one slice.
    fn mixed(&self, x: i32, args: &[Value]) -> Result<Vec<Value>>;
    fn typed_result(&self, args: &[Value]) -> Result<i32>;
    fn untyped_result(&self, x: i32) -> Result<Vec<Value>>;
}

fn main() {}
