//! Setup shared by the integration tests: content repositories and the `check` runner
//! ([`repo`]), and for the tests that publish into the sandbox, secrets files and the daemon's
//! configuration pointing at the emulators. One git helper ([`git`]) serves them all. [`latin`]
//! finds English left in Russian output.
// Each test binary uses a part of this module.
#![allow(dead_code, clippy::unwrap_used)]

pub mod browser;
pub mod clips;
pub mod daemon;
pub mod latin;
pub mod postgres;
pub mod repo;
pub mod sandboxed;
pub mod schema;

use std::path::{Path, PathBuf};

use vestnik::networks::sandbox::{self, Sandbox};
use vestnik::networks::{RateLimits, ok, telegram};

/// Writes a secrets file only its owner can read.
pub fn secret_file(dir: &Path, name: &str, value: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, value).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    p
}

/// The `networks:` part of a configuration reaching the sandbox's three emulators, with the
/// secrets files written into `dir`.
pub fn networks_yaml(dir: &Path, sb: &Sandbox) -> String {
    networks_yaml_with(dir, sb, None)
}

/// Like [`networks_yaml`], with the same `rate_limits` (a YAML flow map) for every network.
pub fn networks_yaml_with(dir: &Path, sb: &Sandbox, rate_limits: Option<&str>) -> String {
    networks_yaml_each(dir, sb, [rate_limits; 3])
}

/// Like [`networks_yaml`], with the clients held to `limits`, each network's own (the
/// emulators' limits, so that both sides keep the same numbers).
pub fn networks_yaml_limited(dir: &Path, sb: &Sandbox, limits: &sandbox::SandboxLimits) -> String {
    let flow = |r: RateLimits| {
        format!(
            "{{global_per_sec: {}, per_chat_per_sec: {}, per_chat_per_min: {}}}",
            r.global_per_sec, r.per_chat_per_sec, r.per_chat_per_min
        )
    };
    let (tg, vk, ok) = (flow(limits.telegram), flow(limits.vk), flow(limits.ok));
    networks_yaml_each(dir, sb, [Some(&tg), Some(&vk), Some(&ok)])
}

/// The `networks:` of a configuration pointing at `sb`, with `rate_limits` for Telegram, VK
/// and OK in this order (`None`: the documented ones).
fn networks_yaml_each(dir: &Path, sb: &Sandbox, rate_limits: [Option<&str>; 3]) -> String {
    let [tg_rate, vk_rate, ok_rate] =
        rate_limits.map(|r| r.map_or_else(String::new, |r| format!(", rate_limits: {r}")));
    let tg = secret_file(dir, "telegram.token", telegram::emulator::TEST_TOKEN);
    let vk = secret_file(dir, "vk.token", sandbox::VK_TOKEN);
    let okt = secret_file(dir, "ok.token", ok::emulator::TEST_ACCESS_TOKEN);
    let oks = secret_file(dir, "ok.secret", ok::emulator::TEST_APPLICATION_SECRET);
    format!(
        "networks:\n  telegram: {{base_url: '{}', token_file: '{}'{tg_rate}}}\n  vk: {{base_url: '{}', token_file: '{}'{vk_rate}}}\n  ok: {{base_url: '{}', application_key: {}, secret_file: '{}', token_file: '{}'{ok_rate}}}\n",
        sb.telegram.base_url,
        tg.display(),
        sb.vk.base_url,
        vk.display(),
        sb.ok.base_url,
        ok::emulator::TEST_APPLICATION_KEY,
        oks.display(),
        okt.display()
    )
}

/// Runs git in `dir` for a test's setup (never through the code under test), with a fixed
/// identity and no user or system configuration; panics on failure. Returns its output.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.org")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.org")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// The ledger as `vestnik status --format json` shows it (empty while the daemon has not
/// created it yet).
pub fn ledger_rows(config: &Path) -> Vec<serde_json::Value> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vestnik"))
        .args(["status", "--format", "json", "--config"])
        .arg(config)
        .output()
        .unwrap();
    serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .ok()
        .and_then(|v| v["publications"].as_array().cloned())
        .unwrap_or_default()
}

/// Sends SIGTERM to a child process (the daemon's graceful stop).
pub fn sigterm(child: &std::process::Child) {
    let pid = child.id().to_string();
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(sent.success(), "kill -TERM {pid}");
}
