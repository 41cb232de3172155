//! Shared helpers of the Rust peers: the workloads' random numbers and a clock, as in bench/common.h.

/// splitmix64 exactly as WORKLOADS.md gives it.
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E3779B97F4A7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D049BB133111EB);
        z ^ (z >> 31)
    }
}

/// Monotonic nanoseconds.
pub fn now_ns() -> u64 {
    use std::time::Instant;
    thread_local!(static T0: Instant = Instant::now());
    T0.with(|t| t.elapsed().as_nanos() as u64)
}

/// Peak resident set size of this process in bytes (VmHWM).
pub fn peak_rss() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    for line in s.lines() {
        if let Some(v) = line.strip_prefix("VmHWM:") {
            return v.trim().trim_end_matches(" kB").trim().parse::<u64>().unwrap_or(0) * 1024;
        }
    }
    0
}
