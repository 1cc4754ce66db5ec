//! What one look for changed plan files costs in a plain folder (the daemon's `jobs.sync` without
//! git): a scan of `ROOT`, then `LOOKS` looks with nothing changed, timed, and the CPU of each.
//!
//! ```text
//! cargo run --release --example bench_tree ROOT [LOOKS]
//! ```
#![allow(clippy::unwrap_used)]

use std::time::Instant;

use vestnik::publish::changes::Tree;

fn cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0)
        + f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    ticks as f64 / 100.0
}

fn main() {
    let mut args = std::env::args().skip(1);
    let root = std::path::PathBuf::from(args.next().expect("ROOT"));
    let looks: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let t = Instant::now();
    let mut tree = Tree::scan(&root);
    println!(
        "scan of {} files: {:.2} s",
        tree.files(),
        t.elapsed().as_secs_f64()
    );
    let (c0, t0) = (cpu(), Instant::now());
    for _ in 0..looks {
        assert!(tree.look().is_empty());
    }
    let per = t0.elapsed().as_secs_f64() / looks as f64;
    let cpu_per = (cpu() - c0) / looks as f64;
    println!(
        "a look with nothing changed: {per:.3} s, CPU {cpu_per:.3} s ({:.2}% of a core at one look a minute)",
        cpu_per / 60.0 * 100.0
    );
}
