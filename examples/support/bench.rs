//! What the daemon benchmarks share: a child's CPU and memory from /proc, percentiles, secrets
//! files and the `rate_limits:` of a configuration.
// Each benchmark uses a part of it.
#![allow(dead_code)]

use std::path::Path;

use vestnik::networks::RateLimits;

/// Writes a secrets file only its owner can read; returns its path.
pub fn secret(dir: &Path, name: &str, value: &str) -> String {
    use std::os::unix::fs::PermissionsExt;
    let p = dir.join(name);
    std::fs::write(&p, value).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    p.display().to_string()
}

/// (utime + stime) in clock ticks, and VmRSS / VmHWM in KiB, of `pid`.
pub fn proc_stats(pid: u32) -> (u64, u64, u64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = after.split_whitespace().collect();
    let cpu = f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
        + f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (cpu, kib("VmRSS:"), kib("VmHWM:"))
}

/// Clock ticks a second (USER_HZ).
pub const TICKS: f64 = 100.0;

/// The `p` quantile (0..=1) of `sorted`, NaN when empty.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// `r` as the flow map of `rate_limits:` in `vestnik.yaml`.
pub fn rate(r: RateLimits) -> String {
    format!(
        "{{global_per_sec: {}, per_chat_per_sec: {}, per_chat_per_min: {}}}",
        r.global_per_sec, r.per_chat_per_sec, r.per_chat_per_min
    )
}
