// Stand-ins for proxy_runtime types: the macro stops at the error before using the runtime.
#![allow(dead_code)]
use proxy_macros::proxied;
struct Handle<C>(C);
type Result<T> = std::result::Result<T, ()>;
struct Obj;

#[proxied]
trait Module {
    #[export]
    fn no_name(&self) -> Result<()>;
    #[export = ""]
    fn empty_name(&self) -> Result<()>;
    #[export = "same"]
    fn first(&self) -> Result<()>;
    #[export = "same"]
    fn second(&self) -> Result<()>;
    #[replay(mutates = missing)]
    fn mutates_missing(&self, h: &Handle<Obj>) -> Result<()>;
    #[replay(mutates = x)]
    fn mutates_number(&self, x: i32) -> Result<()>;
    #[replay(consumes = h)]
    fn unknown_option(&self, h: &Handle<Obj>) -> Result<()>;
}

fn main() {}
