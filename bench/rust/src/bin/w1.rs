//! w1 - the Rust peers of workload W1 (small objects), one contender per process, as bench/w1.c.
//!
//!   w1 <bumpalo-new|bumpalo-reset|typed-arena> [--fixed] [--n N]   prints "cold_ns warm_ns rss_over"
//!
//! bumpalo-new makes a new Bump per round (dropped at the end of the round), bumpalo-reset keeps one
//! Bump and resets it, typed-arena (fixed 32 B only) makes a new Arena per round. Allocation is the
//! same as in C: `p = alloc(size[i]) (align 8); p[0] = i as u8; ptrs[i] = p`; no bytes are initialized
//! beyond the first.
use std::alloc::Layout;
use std::mem::MaybeUninit;

use memkit_rust_peers::{now_ns, peak_rss, SplitMix64};

fn current_rss() -> u64 {
    let s = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = s.split_whitespace().nth(1).and_then(|v| v.parse().ok()).unwrap_or(0);
    pages * 4096
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let which = args.get(1).cloned().unwrap_or_default();
    let mut fixed = false;
    let mut n: usize = 10_000_000;
    let mut i = 2;
    while i < args.len() {
        match args[i].as_str() {
            "--fixed" => fixed = true,
            "--n" if i + 1 < args.len() => {
                i += 1;
                n = args[i].parse().unwrap_or(n);
            }
            _ => {}
        }
        i += 1;
    }
    if !["bumpalo-new", "bumpalo-reset", "typed-arena"].contains(&which.as_str()) || n == 0 {
        eprintln!("usage: w1 <bumpalo-new|bumpalo-reset|typed-arena> [--fixed] [--n N]");
        std::process::exit(2);
    }
    if which == "typed-arena" && !fixed {
        println!("skip: typed-arena holds one type (fixed variant only)");
        std::process::exit(3);
    }
    // Inputs, faulted in before the baseline.
    let mut rng = SplitMix64(0x5EED0001);
    let mut sz = vec![0u8; n];
    let mut requested: u64 = 0;
    for s in sz.iter_mut() {
        *s = if fixed { 32 } else { (16 + rng.next() % 49) as u8 };
        requested += *s as u64;
    }
    let mut ptrs: Vec<*mut u8> = vec![8 as *mut u8; n];
    let base = current_rss();

    let mut ns = [0f64; 3];
    let mut keep = bumpalo::Bump::new();
    for r in 0..3 {
        let t0 = now_ns();
        match which.as_str() {
            "bumpalo-new" => {
                let b = bumpalo::Bump::new();
                for i in 0..n {
                    let p = b.alloc_layout(unsafe { Layout::from_size_align_unchecked(sz[i] as usize, 8) }).as_ptr();
                    unsafe { *p = i as u8 };
                    ptrs[i] = p;
                }
                drop(b);
            }
            "bumpalo-reset" => {
                for i in 0..n {
                    let p = keep.alloc_layout(unsafe { Layout::from_size_align_unchecked(sz[i] as usize, 8) }).as_ptr();
                    unsafe { *p = i as u8 };
                    ptrs[i] = p;
                }
                keep.reset();
            }
            _ => {
                let a: typed_arena::Arena<MaybeUninit<[u64; 4]>> = typed_arena::Arena::new();
                for i in 0..n {
                    let p = a.alloc(MaybeUninit::uninit()).as_mut_ptr() as *mut u8;
                    unsafe { *p = i as u8 };
                    ptrs[i] = p;
                }
                drop(a);
            }
        }
        let t1 = now_ns();
        std::hint::black_box(&ptrs);
        ns[r] = (t1 - t0) as f64 / n as f64;
    }
    let peak = peak_rss();
    let over = if peak > base { (peak - base) as f64 / requested as f64 } else { 0.0 };
    println!("{:.3} {:.3} {:.4}", ns[0], (ns[1] + ns[2]) / 2.0, over);
}
