//! Benchmark of publication lateness when every post carries an album of ten 24-megapixel
//! photos (issue 12, item 4): the real daemon (`vestnik run`, release build) publishes POSTS
//! posts, due LEAD seconds after it starts and 5 s apart, to VK, OK and Telegram emulators.
//! Lateness is read from the ledger (published time minus due time).
//!
//! ```text
//! cargo build --release && cargo run --release --example bench_albums [POSTS] [LEAD] [AHEAD] [RATES] [UPLOAD]
//! ```
//!
//! AHEAD is the configuration's `media_ahead_minutes` (default 180; 0 prepares the pictures at
//! send time, as vestnik did before). RATES is `fast` (default: every network at 100 requests a
//! second, so that only the pictures can make a post late) or `real` (VK and OK at their
//! documented 3 requests a second per token, and the emulators refusing more; Telegram stays
//! fast: its 20 messages a minute per channel cannot carry a 10-picture album every 20 s).
//! UPLOAD is the configuration's `upload_ahead` (`true` by default; `false` uploads the
//! pictures at send time). Every picture is distinct (the same photo with different bytes after
//! its end), so no post profits from another's cache. The daemon is the `vestnik` binary beside
//! this example's folder (`$CARGO_TARGET_DIR/release/vestnik`), or `VESTNIK_BIN`.
#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use vestnik::networks::sandbox::{self, SandboxLimits};
use vestnik::networks::{RateLimits, ok, telegram};
use vestnik::plan::network::Network;
use vestnik::plan::registry::{REGISTRY_PATH, Registry};
use vestnik::publish::ledger::{Ledger, State};

const ORGS: usize = 4;
const ALBUM: usize = 10;
const FAST: RateLimits = RateLimits {
    per_chat_per_sec: 0,
    per_chat_per_min: 0,
    global_per_sec: 100,
};

fn secret(dir: &Path, name: &str, value: &str) -> String {
    use std::os::unix::fs::PermissionsExt;
    let p = dir.join(name);
    std::fs::write(&p, value).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    p.display().to_string()
}

/// A 6000×4000 photo-like JPEG (gradients and fine detail, ~quality 90).
fn photo() -> Vec<u8> {
    let (w, h) = (6000u32, 4000u32);
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let n = (x.wrapping_mul(7919) ^ y.wrapping_mul(104_729)) % 23;
        image::Rgb([
            ((x * 255 / w) as u8).wrapping_add(n as u8),
            ((y * 255 / h) as u8).wrapping_add((n * 3) as u8),
            (((x + y) / 40) as u8).wrapping_add((n * 5) as u8),
        ])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&img)
        .unwrap();
    out
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() {
    let arg = |i: usize, default: u64| {
        std::env::args()
            .nth(i)
            .and_then(|a| a.parse().ok())
            .unwrap_or(default)
    };
    let (posts, lead, ahead) = (arg(1, 12) as usize, arg(2, 240), arg(3, 180));
    let word = |i: usize, default: &str| {
        std::env::args()
            .nth(i)
            .unwrap_or_else(|| default.to_owned())
    };
    let real = word(4, "fast") == "real";
    let upload = word(5, "true") != "false";
    let bin = std::env::var_os("VESTNIK_BIN").map_or_else(
        || {
            // target/<profile>/examples/bench_albums → target/<profile>/vestnik
            let exe = std::env::current_exe().unwrap();
            exe.parent().unwrap().parent().unwrap().join("vestnik")
        },
        std::path::PathBuf::from,
    );
    assert!(
        bin.exists(),
        "build the daemon first: cargo build --release"
    );
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("content");
    let mut reg = String::from("timezone: Asia/Novokuznetsk\norganizations:\n");
    for o in 0..ORGS {
        let _ = write!(
            reg,
            "  - id: org-{o}\n    name: Организация {o}\n    required: true\n    pages:\n      vk: {{id: {}}}\n      ok: {{id: '{}'}}\n      telegram: {{id: '@albums_{o}'}}\n",
            900_000_000 + o,
            990_000_000_000_000_u64 + o as u64
        );
        std::fs::create_dir_all(root.join(format!("plans/org-{o}"))).unwrap();
        std::fs::create_dir_all(root.join(format!("media/org-{o}"))).unwrap();
    }
    std::fs::write(root.join(REGISTRY_PATH), &reg).unwrap();

    let made = Instant::now();
    let base = photo();
    eprintln!(
        "a 24-megapixel photo: {} KB, encoded in {:.1} s",
        base.len() / 1024,
        made.elapsed().as_secs_f64()
    );
    let start = Timestamp::now() + SignedDuration::from_secs(lead as i64);
    for i in 0..posts {
        let org = i % ORGS;
        let mut images = Vec::new();
        for k in 0..ALBUM {
            let name = format!("p{i:03}-{k}.jpg");
            let mut bytes = base.clone();
            // After the end of the image: decoders stop before it, the hash differs.
            bytes.extend_from_slice(format!("vestnik-bench {i} {k}").as_bytes());
            std::fs::write(root.join(format!("media/org-{org}/{name}")), bytes).unwrap();
            images.push(name);
        }
        let due = start + SignedDuration::from_secs(i as i64 * 5);
        std::fs::write(
            root.join(format!("plans/org-{org}/p{i:03}.md")),
            format!(
                "---\ndate: {due}\nimages: [{}]\n---\nФотоотчёт {i}: как прошла ярмарка. #Крапивинский\n",
                images.join(", ")
            ),
        )
        .unwrap();
    }

    let (registry, _) = Registry::parse(&reg, REGISTRY_PATH);
    let (vk_rate, ok_rate) = if real {
        (RateLimits::VK, RateLimits::OK)
    } else {
        (FAST, FAST)
    };
    let sb = sandbox::start_with_limits(
        &registry,
        SandboxLimits {
            telegram: FAST,
            vk: vk_rate,
            ok: ok_rate,
        },
    )
    .await
    .unwrap();
    let rate = "{global_per_sec: 100, per_chat_per_sec: 0, per_chat_per_min: 0}";
    // With real rates, VK and OK keep their documented ones (the client's defaults).
    let rated = if real {
        String::new()
    } else {
        format!(", rate_limits: {rate}")
    };
    let config = dir.path().join("vestnik.yaml");
    std::fs::write(
        &config,
        format!(
            "ledger: {}\ncache_dir: {}\nmedia_ahead_minutes: {ahead}\nupload_ahead: {upload}\nlog: json\nmax_nap_seconds: 30\njobs: {{sync: '0 * * * * *', weekly_summary: 'off', retry_sweep: 'off'}}\nnetworks:\n  telegram: {{base_url: '{}', token_file: '{}', rate_limits: {rate}}}\n  vk: {{base_url: '{}', token_file: '{}'{rated}}}\n  ok: {{base_url: '{}', application_key: {}, secret_file: '{}', token_file: '{}'{rated}}}\n",
            dir.path().join("ledger.sqlite").display(),
            dir.path().join("cache").display(),
            sb.telegram.base_url,
            secret(dir.path(), "tg", telegram::emulator::TEST_TOKEN),
            sb.vk.base_url,
            secret(dir.path(), "vk", sandbox::VK_TOKEN),
            sb.ok.base_url,
            ok::emulator::TEST_APPLICATION_KEY,
            secret(dir.path(), "oks", ok::emulator::TEST_APPLICATION_SECRET),
            secret(dir.path(), "okt", ok::emulator::TEST_ACCESS_TOKEN),
        ),
    )
    .unwrap();
    let mut child = Command::new(&bin)
        .args(["run", "--root"])
        .arg(&root)
        .arg("--config")
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();

    // What the emulators hold (VK walls and OK topics: one each per post).
    let count = |sb: &sandbox::Sandbox| -> usize {
        (0..ORGS)
            .map(|o| {
                sb.vk.state.wall(900_000_000 + o as u64).len()
                    + sb.ok
                        .state
                        .topics(&(990_000_000_000_000_u64 + o as u64).to_string())
                        .len()
            })
            .sum::<usize>()
    };
    // Until every publication is in the ledger as published.
    let deadline = Instant::now() + Duration::from_secs(lead + 1200);
    loop {
        let ledger =
            vestnik::publish::ledger::sqlite::SqliteLedger::open(&dir.path().join("ledger.sqlite"));
        let done = ledger.ok().and_then(|l| l.entries().ok()).is_some_and(|e| {
            e.len() == 3 * posts && e.iter().all(|e| matches!(e.state, State::Published { .. }))
        });
        if done || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();

    let ledger =
        vestnik::publish::ledger::sqlite::SqliteLedger::open(&dir.path().join("ledger.sqlite"))
            .unwrap();
    let entries = ledger.entries().unwrap();
    let lateness = |network: Option<Network>| {
        let mut late: Vec<f64> = entries
            .iter()
            .filter(|e| matches!(e.state, State::Published { .. }))
            .filter(|e| network.is_none_or(|n| e.key.network == n))
            .map(|e| e.due.duration_until(e.updated).as_secs_f64())
            .collect();
        late.sort_by(f64::total_cmp);
        late
    };
    let late = lateness(None);
    println!(
        "{posts} posts x {ALBUM} photos of 24 MP on VK, OK and Telegram, due {lead} s after start, media_ahead_minutes: {ahead}, upload_ahead: {upload}, VK and OK rates: {}",
        if real { "real (3/s)" } else { "fast (100/s)" }
    );
    println!(
        "published {} of {}; VK walls + OK topics: {}",
        late.len(),
        3 * posts,
        count(&sb)
    );
    println!(
        "lateness: p50 {:.2} s, p99 {:.2} s, max {:.2} s",
        percentile(&late, 0.5),
        percentile(&late, 0.99),
        late.last().copied().unwrap_or(f64::NAN)
    );
    for network in [Network::Vk, Network::Ok, Network::Telegram] {
        let late = lateness(Some(network));
        println!(
            "  {:<9} p50 {:.2} s, p99 {:.2} s, max {:.2} s",
            network.key(),
            percentile(&late, 0.5),
            percentile(&late, 0.99),
            late.last().copied().unwrap_or(f64::NAN)
        );
    }
    println!(
        "requests refused for their rate: VK {}, OK {}",
        sb.vk.state.rate_limited(),
        sb.ok.state.rate_limited()
    );
}
