//! What the daemon benchmarks share: a child's CPU and memory from /proc, percentiles, secrets
//! files and the `rate_limits:` of a configuration.
// Each benchmark uses a part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use vestnik::networks::sandbox::{self, Sandbox, SandboxLimits};
use vestnik::networks::{RateLimits, ok, telegram};

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

/// The release binary the benchmarks run; panics with what to do when it is not built.
pub fn release_binary() -> PathBuf {
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/vestnik");
    assert!(
        bin.exists(),
        "build the daemon first: cargo build --release"
    );
    bin
}

/// The `networks:` of a configuration that points at `sb`, with secrets files in `dir` and
/// the clients' limits `limits` (the emulators' own, so that both sides keep the same).
pub fn networks_yaml(dir: &Path, sb: &Sandbox, limits: SandboxLimits) -> String {
    format!(
        "networks:\n  telegram: {{base_url: '{}', token_file: '{}', rate_limits: {}}}\n  vk: {{base_url: '{}', token_file: '{}', rate_limits: {}}}\n  ok: {{base_url: '{}', application_key: {}, secret_file: '{}', token_file: '{}', rate_limits: {}}}\n",
        sb.telegram.base_url,
        secret(dir, "tg", telegram::emulator::TEST_TOKEN),
        rate(limits.telegram),
        sb.vk.base_url,
        secret(dir, "vk", sandbox::VK_TOKEN),
        rate(limits.vk),
        sb.ok.base_url,
        ok::emulator::TEST_APPLICATION_KEY,
        secret(dir, "oks", ok::emulator::TEST_APPLICATION_SECRET),
        secret(dir, "okt", ok::emulator::TEST_ACCESS_TOKEN),
        rate(limits.ok),
    )
}
