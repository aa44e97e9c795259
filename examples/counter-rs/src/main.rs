//! Runs the counter through its generated proxy, swaps the instance, and shows that the
//! counters kept their values.

use counter_rs::counter_proxy;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proxy = counter_proxy()?;
    let counter = proxy.counter_new(5)?;
    proxy.counter_increment(&counter, 3)?;
    println!(
        "before swap: value {} (generation {}, {} calls logged)",
        proxy.counter_get_value(&counter)?,
        proxy.generation(),
        proxy.log_len()
    );
    let report = proxy.swap()?;
    println!("swap: {report:?}");
    println!(
        "after swap:  value {} (generation {})",
        proxy.counter_get_value(&counter)?,
        proxy.generation()
    );
    Ok(())
}
