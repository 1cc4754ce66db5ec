//! Benchmark of `vestnik run` with 100,000 scheduled posts (issue 5): startup time, idle CPU,
//! RSS, publication lateness, and a burst of 1,000 posts due in the same minute across 300
//! pages, drained against rate-limited emulators.
//!
//! ```text
//! cargo build --release && cargo run --release --example bench_daemon [POSTS]
//! ```
//!
//! `BENCH_MEMORY=1` stops after the start-up and one read of the plans with 1,000 new posts
//! (time, RSS and peak RSS only).
//!
//! The emulators run in this process (so their counts of 429 answers can be read); the daemon
//! is the real release binary, a child process measured through /proc. Nothing reaches a real
//! network.
#![allow(clippy::unwrap_used)]

#[path = "support/bench.rs"]
mod bench;

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use vestnik::networks::RateLimits;
use vestnik::networks::sandbox::{self, SandboxLimits};
use vestnik::plan::registry::{REGISTRY_PATH, Registry};

use bench::{networks_yaml, percentile, proc_stats, release_binary};

const PAGES: usize = 300;

/// The limits both sides use: Telegram's documented ones; VK and OK raised from 3/s to 20/s so
/// the burst takes a minute instead of six (the bound scales with them).
const TELEGRAM: RateLimits = RateLimits::TELEGRAM;
const VK: RateLimits = RateLimits {
    per_chat_per_sec: 0,
    per_chat_per_min: 0,
    global_per_sec: 20,
};
const OK: RateLimits = VK;

fn write_post(root: &Path, org: usize, name: &str, due: Timestamp) {
    let dir = root.join(format!("plans/org-{org:03}"));
    std::fs::write(
        dir.join(format!("{name}.md")),
        format!(
            "---\ndate: {due}\n---\nНовость {name}: приходите в субботу на каток! #Крапивинский\n"
        ),
    )
    .unwrap();
}

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() {
    let posts: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let bin = release_binary();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("content");
    std::fs::create_dir_all(root.join("plans")).unwrap();

    // The registry: 300 organizations, each with a VK, OK and Telegram page.
    let mut reg = String::from("timezone: Asia/Novokuznetsk\norganizations:\n");
    for o in 0..PAGES {
        let _ = write!(
            reg,
            "  - id: org-{o:03}\n    name: Организация {o}\n    required: true\n    pages:\n      vk: {{id: {}}}\n      ok: {{id: '{}'}}\n      telegram: {{id: '@bench_{o}'}}\n",
            900_000_000 + o,
            990_000_000_000_000_u64 + o as u64
        );
        std::fs::create_dir_all(root.join(format!("plans/org-{o:03}"))).unwrap();
    }
    std::fs::write(root.join(REGISTRY_PATH), &reg).unwrap();

    // 100,000 posts in the coming year (one file each), minus the measured ones below.
    let t0 = Timestamp::now();
    let start = t0 + SignedDuration::from_hours(48);
    let timed = 150; // lateness: due 40 s .. 70 s after start, 5 a second at most
    let burst = 1000; // due together 100 s after start
    let background = posts.saturating_sub(timed + burst);
    for i in 0..background {
        let due = start + SignedDuration::from_secs(i as i64 * 300);
        write_post(&root, i % PAGES, &format!("p{i:06}"), due);
    }
    let gen_done = t0.duration_until(Timestamp::now());
    eprintln!("generated {posts} posts in {gen_done:#}");

    let (registry, _) = Registry::parse(&reg, REGISTRY_PATH);
    let sb = sandbox::start_with_limits(
        &registry,
        SandboxLimits {
            telegram: TELEGRAM,
            vk: VK,
            ok: OK,
        },
    )
    .await
    .unwrap();
    let config = dir.path().join("vestnik.yaml");
    std::fs::write(
        &config,
        format!(
            "ledger: {}\ncache_dir: {}\nlog: json\nmax_nap_seconds: 30\njobs: {{sync: '0 * * * * *', weekly_summary: 'off', retry_sweep: 'off'}}\n{}",
            dir.path().join("ledger.sqlite").display(),
            dir.path().join("cache").display(),
            networks_yaml(
                dir.path(),
                &sb,
                SandboxLimits {
                    telegram: TELEGRAM,
                    vk: VK,
                    ok: OK,
                },
            ),
        ),
    )
    .unwrap();

    // Startup: until the first pass is logged (all plans read, the ledger filled).
    let launched = Instant::now();
    let mut child = Command::new(&bin)
        .args(["run", "--root"])
        .arg(&root)
        .arg("--config")
        .arg(&config)
        .env("VESTNIK_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    {
        let log = log.clone();
        let mut err = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            use std::io::Read;
            let mut buf = [0u8; 8192];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                log.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
    }
    let mut ready = None;
    while !log.lock().unwrap().contains("plans read") {
        assert!(launched.elapsed() < Duration::from_secs(600), "no start");
        if ready.is_none() && log.lock().unwrap().contains("publishing from the ledger") {
            ready = Some(launched.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let startup = launched.elapsed();
    let ready = ready.unwrap_or(startup);
    let (_, rss_start, hwm_start) = proc_stats(pid);
    if std::env::var_os("BENCH_MEMORY").is_some() {
        // Memory alone: the start-up, then one read of the plans after 1,000 new posts appear
        // (the old plans are held while the new ones are read). No idle window, no burst.
        let tomorrow = Timestamp::now() + SignedDuration::from_hours(24);
        for i in 0..1000 {
            write_post(&root, i % PAGES, &format!("more{i:04}"), tomorrow);
        }
        let reloaded = Instant::now();
        while log.lock().unwrap().matches("plans read").count() < 2 {
            assert!(reloaded.elapsed() < Duration::from_secs(600), "no reload");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let (_, rss_reload, hwm) = proc_stats(pid);
        for l in log
            .lock()
            .unwrap()
            .lines()
            .filter(|l| l.contains("plans read"))
        {
            eprintln!("{l}");
        }
        let _ = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status();
        let _ = child.wait();
        println!(
            "{posts} posts: publishing after {:.2} s, all plans read after {:.2} s; RSS after start {} MB, peak {} MB; after a reload {} MB, peak {} MB",
            ready.as_secs_f64(),
            startup.as_secs_f64(),
            rss_start / 1024,
            hwm_start / 1024,
            rss_reload / 1024,
            hwm / 1024
        );
        return;
    }

    // Idle: 120 s with nothing due (two looks for changed files, one a minute, fall into it).
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (c0, _, _) = proc_stats(pid);
    let idle_window = Duration::from_secs(120);
    tokio::time::sleep(idle_window).await;
    let (c1, rss_idle, _) = proc_stats(pid);
    let ticks = 100.0; // USER_HZ
    let idle_cpu = (c1 - c0) as f64 / ticks / idle_window.as_secs_f64() * 100.0;

    // Lateness and burst: new posts appear in the plans (the content look notices them).
    let now = Timestamp::now();
    let t_timed = now + SignedDuration::from_secs(70);
    for i in 0..timed {
        let due = t_timed + SignedDuration::from_millis(i as i64 * 200);
        write_post(&root, (i * 7) % PAGES, &format!("timed{i:04}"), due);
    }
    let t_burst = now + SignedDuration::from_secs(130);
    for i in 0..burst {
        write_post(&root, i % PAGES, &format!("burst{i:04}"), t_burst);
    }
    // Wait for the burst to drain: every burst post on all three networks.
    let count = |sb: &sandbox::Sandbox| -> usize {
        (0..PAGES)
            .map(|o| {
                sb.vk.state.wall(900_000_000 + o as u64).len()
                    + sb.ok
                        .state
                        .topics(&(990_000_000_000_000_u64 + o as u64).to_string())
                        .len()
                    + sb.telegram.state.messages(&format!("@bench_{o}")).len()
            })
            .sum()
    };
    let want = 3 * (timed + burst);
    let mut drained_at = None;
    let deadline = Instant::now() + Duration::from_secs(900);
    while Instant::now() < deadline {
        if count(&sb) >= want {
            drained_at = Some(Timestamp::now());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (_, rss_end, hwm) = proc_stats(pid);
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let _ = child.wait();

    // Lateness from the ledger: published time minus due time.
    let ledger =
        vestnik::publish::ledger::sqlite::SqliteLedger::open(&dir.path().join("ledger.sqlite"))
            .unwrap();
    use vestnik::publish::ledger::{Ledger, State};
    let entries = ledger.entries().unwrap();
    let mut timed_late: Vec<f64> = Vec::new();
    let mut last_burst = t_burst;
    for e in &entries {
        if !matches!(e.state, State::Published { .. }) {
            continue;
        }
        let late = e.due.duration_until(e.updated).as_secs_f64();
        if e.key.post.starts_with("timed") {
            timed_late.push(late);
        } else if e.key.post.starts_with("burst") && e.updated > last_burst {
            last_burst = e.updated;
        }
    }
    timed_late.sort_by(f64::total_cmp);
    let drain = t_burst.duration_until(last_burst).as_secs_f64();
    // The bound the limits set: each network's requests at its global rate, or a page's posts
    // at its per-page spacing, whichever is longer; the slowest network decides.
    let per_page = burst.div_ceil(PAGES) as f64;
    let bound = |r: RateLimits| {
        let global = if r.global_per_sec > 0 {
            (burst as f64 - 1.0) / f64::from(r.global_per_sec)
        } else {
            0.0
        };
        let chat = r
            .per_chat_spacing()
            .map_or(0.0, |s| (per_page - 1.0) * s.as_secs_f64());
        global.max(chat)
    };
    let bound = bound(TELEGRAM).max(bound(VK)).max(bound(OK));
    let rejected =
        sb.telegram.state.rate_limited() + sb.vk.state.rate_limited() + sb.ok.state.rate_limited();

    println!("vestnik run, {posts} scheduled posts on {PAGES} pages x 3 networks");
    println!(
        "startup: publishing from the ledger after {:.2} s; all plans read, ledger filled, after {:.2} s",
        ready.as_secs_f64(),
        startup.as_secs_f64()
    );
    println!(
        "RSS after start: {} MB; idle: {} MB; after the burst: {} MB; peak (VmHWM): {} MB",
        rss_start / 1024,
        rss_idle / 1024,
        rss_end / 1024,
        hwm / 1024
    );
    println!(
        "idle CPU over {} s: {idle_cpu:.2}% of a core",
        idle_window.as_secs()
    );
    println!(
        "lateness of {} publications within the limits: p50 {:.3} s, p99 {:.3} s, max {:.3} s",
        timed_late.len(),
        percentile(&timed_late, 0.5),
        percentile(&timed_late, 0.99),
        timed_late.last().copied().unwrap_or(f64::NAN)
    );
    println!(
        "burst of {burst} posts x 3 networks on {PAGES} pages: drained in {drain:.1} s; bound from the limits {bound:.1} s; ratio {:.3}; 429 answers: {rejected}; drained: {}",
        drain / bound,
        drained_at.is_some()
    );
}
