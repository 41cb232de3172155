//! W5 small strings, the Rust peers: `w5 <string|kstring> <transient|retained>` prints
//! "<ns/string> <checksum> <% allocations avoided>" exactly as bench/w5.c's `one` mode does
//! (same workload, three runs, mean of runs 2 and 3; allocations counted in an untimed pass).
use kstring::KString;
use memkit_rust_peers::{now_ns, SplitMix64};
use std::hint::black_box;

const NSTR: usize = 10_000_000;
const SRCLEN: usize = 65536;

struct Work {
    src: String,
    offs: Vec<u32>,
    lens: Vec<u8>,
}

fn make_workload() -> Work {
    let mut x = SplitMix64(0x5EED0007);
    let src: String = (0..SRCLEN).map(|_| (b'a' + (x.next() % 26) as u8) as char).collect();
    let mut offs = Vec::with_capacity(NSTR);
    let mut lens = Vec::with_capacity(NSTR);
    for _ in 0..NSTR {
        let r = x.next() % 100;
        let len = if r < 80 { x.next() % 24 } else { 24 + x.next() % 17 } as usize;
        lens.push(len as u8);
        offs.push((x.next() % (SRCLEN - len + 1) as u64) as u32);
    }
    Work { src, offs, lens }
}

trait Small: Sized {
    fn make(s: &str) -> Self;
    fn read(&self) -> u64;
    fn allocates(s: &str) -> bool;
}
impl Small for String {
    fn make(s: &str) -> Self { String::from(s) }
    fn read(&self) -> u64 { self.len() as u64 + *self.as_bytes().first().unwrap_or(&0) as u64 }
    fn allocates(s: &str) -> bool { String::from(s).capacity() > 0 }
}
impl Small for KString {
    fn make(s: &str) -> Self { KString::from_ref(s) }
    fn read(&self) -> u64 { self.len() as u64 + *self.as_bytes().first().unwrap_or(&0) as u64 }
    fn allocates(s: &str) -> bool { KString::try_inline(s).is_none() }
}

fn transient<T: Small>(w: &Work) -> u64 {
    let mut sum = 0u64;
    for i in 0..NSTR {
        let o = w.offs[i] as usize;
        let s = T::make(&w.src[o..o + w.lens[i] as usize]);
        let s = black_box(s);
        sum += s.read();
    }
    sum
}

fn retained<T: Small>(w: &Work, arr: &mut Vec<T>) -> u64 {
    for i in 0..NSTR {
        let o = w.offs[i] as usize;
        arr.push(T::make(&w.src[o..o + w.lens[i] as usize]));
        black_box(arr.last_mut());
    }
    let sum = arr.iter().map(|s| s.read()).sum();
    arr.clear();
    sum
}

fn run<T: Small>(retain: bool) {
    let w = make_workload();
    let mut arr: Vec<T> = Vec::new();
    if retain {
        arr.reserve_exact(NSTR);
        arr.resize_with(NSTR, || T::make("")); // fault the pages in
        arr.clear();
    }
    let mut t = [0f64; 3];
    let mut sum = 0;
    for r in 0..3 {
        let t0 = now_ns();
        sum = if retain { retained(&w, &mut arr) } else { transient::<T>(&w) };
        t[r] = (now_ns() - t0) as f64 / NSTR as f64;
    }
    let allocs = (0..NSTR)
        .filter(|&i| {
            let o = w.offs[i] as usize;
            T::allocates(&w.src[o..o + w.lens[i] as usize])
        })
        .count();
    println!("{:.2} {} {:.1}", (t[1] + t[2]) / 2.0, sum, 100.0 * (NSTR - allocs) as f64 / NSTR as f64);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: w5 <string|kstring> <transient|retained>");
        std::process::exit(2);
    }
    let retain = args[2] == "retained";
    match args[1].as_str() {
        "string" => run::<String>(retain),
        "kstring" => run::<KString>(retain),
        other => {
            eprintln!("w5: unknown contender {}", other);
            std::process::exit(2);
        }
    }
}
