//! W6's Rust contenders, each run as its own process:
//!   w6 memmem NEEDLE FILE   memchr::memmem::Finder over a memmap2 mapping, non-overlapping count
//!   w6 floor FILE           memchr of a byte the file does not hold (the bandwidth floor)
use std::fs::File;

fn map(path: &str) -> memmap2::Mmap {
    let f = File::open(path).unwrap_or_else(|e| {
        eprintln!("{}: {}", path, e);
        std::process::exit(2)
    });
    unsafe { memmap2::Mmap::map(&f) }.unwrap_or_else(|e| {
        eprintln!("{}: mmap: {}", path, e);
        std::process::exit(2)
    })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let count = match (args.len(), args.get(1).map(|s| s.as_str())) {
        (4, Some("memmem")) => {
            let m = map(&args[3]);
            // find_iter yields non-overlapping matches, as grep -o and memkit count do.
            memchr::memmem::Finder::new(args[2].as_bytes()).find_iter(&m[..]).count()
        }
        (3, Some("floor")) => {
            let m = map(&args[2]);
            memchr::memchr_iter(0x01, &m[..]).count()
        }
        _ => {
            eprintln!("usage: w6 memmem NEEDLE FILE | w6 floor FILE");
            std::process::exit(2)
        }
    };
    println!("{}", count);
}
