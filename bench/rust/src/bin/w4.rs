//! W4 interning, the common Rust way: HashSet<&'static str> + Box::leak, with std's SipHash and with an
//! Fx-style hasher written inline (rustc's FxHasher recipe). See bench/w4.c for the workload, which
//! this file generates identically, and for the driver.
//! Usage: w4 sip|fx -> prints "ns_per_op rss_bytes_per_string 0 checksum cpu_ns_per_op".
use memkit_rust_peers::{now_ns, SplitMix64};
use std::collections::HashSet;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

const NWORDS: usize = 100_000;
const NOPS: usize = 10_000_000;

#[derive(Default)]
struct Fx(u64);

impl Fx {
    #[inline(always)]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x517cc1b727220a95);
    }
}

impl Hasher for Fx {
    #[inline]
    fn write(&mut self, mut b: &[u8]) {
        while b.len() >= 8 {
            self.add(u64::from_le_bytes(b[..8].try_into().unwrap()));
            b = &b[8..];
        }
        if b.len() >= 4 {
            self.add(u32::from_le_bytes(b[..4].try_into().unwrap()) as u64);
            b = &b[4..];
        }
        for &x in b {
            self.add(x as u64);
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

fn rss_now() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    for line in s.lines() {
        if let Some(v) = line.strip_prefix("VmRSS:") {
            return v.trim().trim_end_matches(" kB").trim().parse::<u64>().unwrap_or(0) * 1024;
        }
    }
    0
}

/// User + system CPU time of the process in ns (/proc/self/stat, clock ticks of 10 ms).
fn cpu_ns() -> u64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = s.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let t = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    (t(11) + t(12)) * 10_000_000
}

fn gen() -> (Vec<String>, Vec<u32>) {
    let mut rng = SplitMix64(0x5EED0005);
    let mut seen = HashSet::new();
    let mut words = Vec::with_capacity(NWORDS);
    while words.len() < NWORDS {
        let len = 6 + (rng.next() % 11) as usize;
        let w: String = (0..len).map(|_| (b'a' + (rng.next() % 26) as u8) as char).collect();
        if seen.insert(w.clone()) {
            words.push(w);
        }
    }
    let mut cdf = vec![0f64; NWORDS];
    let mut acc = 0f64;
    for k in 0..NWORDS {
        acc += 1.0 / (k + 1) as f64;
        cdf[k] = acc;
    }
    for c in cdf.iter_mut() {
        *c /= acc;
    }
    let mut ops = Vec::with_capacity(NOPS);
    for _ in 0..NOPS {
        let u = (rng.next() >> 11) as f64 * (1.0 / 9007199254740992.0);
        let (mut lo, mut hi) = (0usize, NWORDS - 1);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if cdf[mid] >= u {
                hi = mid
            } else {
                lo = mid + 1
            }
        }
        ops.push(lo as u32);
    }
    (words, ops)
}

fn run<S: BuildHasher + Default>(words: &[String], ops: &[u32]) -> u64 {
    let mut set: HashSet<&'static str, S> = HashSet::default();
    let mut sum = 0u64;
    for &k in ops {
        let w = words[k as usize].as_str();
        let s: &'static str = match set.get(w) {
            Some(s) => s,
            None => {
                let s: &'static str = Box::leak(w.to_owned().into_boxed_str());
                set.insert(s);
                s
            }
        };
        let b = s.as_bytes();
        sum += b[0] as u64 + b[b.len() - 1] as u64;
    }
    std::mem::forget(set);
    sum
}

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let (words, ops) = gen();
    let r0 = rss_now();
    let c0 = cpu_ns();
    let t0 = now_ns();
    let sum = match mode.as_str() {
        "sip" => run::<std::collections::hash_map::RandomState>(&words, &ops),
        "fx" => run::<BuildHasherDefault<Fx>>(&words, &ops),
        _ => {
            eprintln!("usage: w4 sip|fx");
            std::process::exit(2);
        }
    };
    let t1 = now_ns();
    let c1 = cpu_ns();
    let r1 = rss_now();
    println!(
        "{:.3} {:.1} 0 {} {:.3}",
        (t1 - t0) as f64 / NOPS as f64,
        (r1 - r0) as f64 / NWORDS as f64,
        sum,
        (c1 - c0) as f64 / NOPS as f64
    );
}
