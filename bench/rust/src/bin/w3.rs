//! W3 frames in a shared buffer with bytes::Bytes (see bench/w3.c for the workload and the driver).
//! Usage: w3 split_to|slice|copy  -> prints "ns_per_frame checksum frames" (the median of 16 passes).
use bytes::{Buf, Bytes};
use memkit_rust_peers::{now_ns, SplitMix64};
use std::hint::black_box;

const BUF_SIZE: usize = 64 << 20;
const PASSES: usize = 16;

fn build() -> (Vec<u8>, usize) {
    let mut v = vec![0u8; BUF_SIZE];
    let mut rng = SplitMix64(0x5EED0003);
    let (mut off, mut f) = (0usize, 0usize);
    loop {
        let len = (rng.next() % 121) as usize;
        if off + 4 + len > BUF_SIZE {
            break;
        }
        v[off..off + 4].copy_from_slice(&(len as u32).to_le_bytes());
        for j in 0..len {
            v[off + 4 + j] = (f.wrapping_mul(31).wrapping_add(j)) as u8;
        }
        off += 4 + len;
        f += 1;
    }
    v.truncate(off);
    (v, f)
}

#[inline(always)]
fn frame_sum(p: &[u8]) -> u64 {
    if p.is_empty() {
        0
    } else {
        p.len() as u64 + p[0] as u64 + p[p.len() - 1] as u64
    }
}

#[inline(always)]
fn rd_len(p: &[u8]) -> usize {
    u32::from_le_bytes([p[0], p[1], p[2], p[3]]) as usize
}

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let (v, frames) = build();
    let whole = Bytes::from(v);
    let mut sum = 0u64;
    let mut pass_ns = Vec::with_capacity(PASSES);
    for _ in 0..PASSES {
        let t0 = now_ns();
        match mode.as_str() {
            "split_to" => {
                let mut rest = whole.clone();
                while !rest.is_empty() {
                    let len = rd_len(&rest);
                    rest.advance(4);
                    let frame = rest.split_to(len);
                    sum += frame_sum(&frame);
                }
            }
            "slice" => {
                let mut off = 0;
                while off < whole.len() {
                    let len = rd_len(&whole[off..]);
                    let frame = whole.slice(off + 4..off + 4 + len);
                    sum += frame_sum(&frame);
                    off += 4 + len;
                }
            }
            "copy" => {
                let mut off = 0;
                while off < whole.len() {
                    let len = rd_len(&whole[off..]);
                    let frame = Bytes::copy_from_slice(&whole[off + 4..off + 4 + len]);
                    sum += frame_sum(black_box(&frame));
                    off += 4 + len;
                }
            }
            _ => {
                eprintln!("usage: w3 split_to|slice|copy");
                std::process::exit(2);
            }
        }
        pass_ns.push((now_ns() - t0) as f64 / frames as f64);
    }
    // The median pass, as bench/w3.c reports it.
    pass_ns.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let med = (pass_ns[PASSES / 2 - 1] + pass_ns[PASSES / 2]) / 2.0;
    println!("{:.3} {} {}", med, sum, frames);
}
