//! W2 small vectors, the Rust peers: `w2 <vec|smallvec|arrayvec> <transient|retained>` prints
//! "<ns/vector> <checksum>" exactly as bench/w2.c's `one` mode does (same workload, three
//! runs, mean of runs 2 and 3; the built vector goes through black_box so its stores stay).
use arrayvec::ArrayVec;
use memkit_rust_peers::{now_ns, SplitMix64};
use smallvec::SmallVec;
use std::hint::black_box;

const NVEC: usize = 5_000_000;

fn make_k() -> Vec<u8> {
    let cum = [5u64, 35, 60, 80, 86, 91, 95, 98, 100];
    let mut rng = SplitMix64(0x5EED0002);
    (0..NVEC)
        .map(|_| {
            let r = rng.next() % 100;
            cum.iter().position(|&c| r < c).unwrap() as u8
        })
        .collect()
}

trait Small: Sized {
    fn new_() -> Self;
    fn push_(&mut self, x: u32);
    fn len_(&self) -> usize;
    fn last_(&self) -> u32;
}
impl Small for Vec<u32> {
    fn new_() -> Self { Vec::new() }
    fn push_(&mut self, x: u32) { self.push(x) }
    fn len_(&self) -> usize { self.len() }
    fn last_(&self) -> u32 { *self.last().unwrap() }
}
impl Small for SmallVec<[u32; 4]> {
    fn new_() -> Self { SmallVec::new() }
    fn push_(&mut self, x: u32) { self.push(x) }
    fn len_(&self) -> usize { self.len() }
    fn last_(&self) -> u32 { *self.last().unwrap() }
}
impl Small for ArrayVec<u32, 8> {
    fn new_() -> Self { ArrayVec::new() }
    fn push_(&mut self, x: u32) { let _ = self.try_push(x); }
    fn len_(&self) -> usize { self.len() }
    fn last_(&self) -> u32 { *self.last().unwrap() }
}

fn transient<T: Small>(k: &[u8]) -> u64 {
    let mut sum = 0u64;
    for (i, &ki) in k.iter().enumerate() {
        let mut v = T::new_();
        for j in 0..ki as u32 {
            v.push_((i as u32).wrapping_add(j));
        }
        black_box(&mut v);
        let len = v.len_();
        sum += len as u64 + if len > 0 { v.last_() as u64 } else { 0 };
    }
    sum
}

fn retained<T: Small>(k: &[u8], arr: &mut Vec<T>) -> u64 {
    let mut sum = 0u64;
    for (i, &ki) in k.iter().enumerate() {
        let mut v = T::new_();
        for j in 0..ki as u32 {
            v.push_((i as u32).wrapping_add(j));
        }
        arr.push(v);
        black_box(arr.last_mut());
    }
    for v in arr.iter() {
        let len = v.len_();
        sum += len as u64 + if len > 0 { v.last_() as u64 } else { 0 };
    }
    arr.clear(); // drops every vector, keeps the (pre-faulted) array
    sum
}

fn run<T: Small>(retain: bool) {
    let k = make_k();
    let mut arr: Vec<T> = Vec::new();
    if retain {
        arr.reserve_exact(NVEC);
        arr.resize_with(NVEC, T::new_); // fault the pages in
        arr.clear();
    }
    let mut t = [0f64; 3];
    let mut sum = 0;
    for r in 0..3 {
        let t0 = now_ns();
        sum = if retain { retained(&k, &mut arr) } else { transient::<T>(&k) };
        t[r] = (now_ns() - t0) as f64 / NVEC as f64;
    }
    println!("{:.2} {}", (t[1] + t[2]) / 2.0, sum);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: w2 <vec|smallvec|arrayvec> <transient|retained>");
        std::process::exit(2);
    }
    let retain = args[2] == "retained";
    match args[1].as_str() {
        "vec" => run::<Vec<u32>>(retain),
        "smallvec" => run::<SmallVec<[u32; 4]>>(retain),
        "arrayvec" => run::<ArrayVec<u32, 8>>(retain),
        other => {
            eprintln!("w2: unknown contender {}", other);
            std::process::exit(2);
        }
    }
}
