// rusty.rs - a Rust program for the analyzer's suite: std's HashMap (hashbrown, whose allocation
// sits under a deep chain of inlined calls), Vec growth, boxed slices from a closure and format!.
// Built with Debian's rustc by check.sh, once with the default (legacy) mangling and once with v0.
use std::collections::HashMap;

#[inline(never)]
fn build(n: u32) -> HashMap<String, Vec<u32>> {
    let mut m = HashMap::new();
    for i in 0..n {
        m.entry(format!("key{}", i % 50)).or_insert_with(Vec::new).push(i);
    }
    m
}

#[inline(never)]
fn boxes() -> Vec<Box<[u8]>> {
    (1..=10).map(|i| vec![0u8; 100 * i].into_boxed_slice()).collect()
}

fn main() {
    let m = build(1000);
    let v = boxes();
    let total: usize = v.iter().map(|b| b.len()).sum();
    println!("{} {} {}", m.len(), m["key7"].len(), total);
}
