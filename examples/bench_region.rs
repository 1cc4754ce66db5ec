//! Regional simulation (issue 17): 3,000 pages × 3 networks and 100,000 posts over a week,
//! published by three `vestnik run` on one PostgreSQL database, then by one daemon on SQLite,
//! on the same load, against emulators that keep the limits.
//!
//! ```text
//! cargo build --release
//! VESTNIK_TEST_POSTGRES=postgres://vestnik@127.0.0.1:5432/postgres \
//!     cargo run --release --example bench_region [postgres|sqlite|both]
//! ```
//!
//! The week: each post at a whole minute (as people write them) between 08:00 and 20:59 local
//! time, more of them at 10:00 and 18:00 (the hours' weights below). The ledger holds the whole
//! week (300,000 publications): its rows and size are measured. Publishing is measured in real
//! time over the busiest stretch of the week, its first `WINDOW` minutes (default 10) of Tuesday
//! 10:00, which is placed a few minutes after the start (`LEAD`, default 4); the posts of the week
//! before it are moved to the week after, so the ledger still holds exactly one week.
//!
//! Limits: Telegram's documented ones for the region's one bot; VK and OK at 100 requests a
//! second, standing for a region's many tokens (34 municipalities at 3 a second). The emulators
//! refuse anything beyond. Measured: lateness (published minus due) of every publication due in
//! the window, rate-limit answers, CPU (the daemons', and PostgreSQL's processes) per 1,000
//! publications, RSS.
#![allow(clippy::unwrap_used)]

#[path = "support/bench.rs"]
mod bench;

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use jiff::civil::time;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};
use vestnik::networks::RateLimits;
use vestnik::networks::sandbox::{self, Sandbox, SandboxLimits};
use vestnik::plan::registry::{REGISTRY_PATH, Registry};
use vestnik::publish::ledger::{Entry, Ledger, State};

use bench::{TICKS, networks_yaml, percentile, proc_stats, release_binary};

const PAGES: usize = 3000;
const POSTS: usize = 100_000;
const DAEMONS: usize = 3;

/// Weights of the hours 08..=20 (local time): the morning and evening peaks.
const HOURS: [(i8, u64); 13] = [
    (8, 2),
    (9, 3),
    (10, 5),
    (11, 3),
    (12, 3),
    (13, 2),
    (14, 2),
    (15, 2),
    (16, 2),
    (17, 3),
    (18, 5),
    (19, 3),
    (20, 1),
];

const TELEGRAM: RateLimits = RateLimits::TELEGRAM;
const TOKENS: RateLimits = RateLimits {
    per_chat_per_sec: 0,
    per_chat_per_min: 0,
    global_per_sec: 100,
};

/// A deterministic pseudo-random sequence (the same week every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The week's posts: (organization, due), the busiest stretch (Tuesday 10:00) at `window`.
fn week(window: Timestamp) -> Vec<(usize, Timestamp)> {
    let tz = TimeZone::get("Asia/Novokuznetsk").unwrap();
    let monday = tz.to_datetime(window).date().checked_sub(1.day()).unwrap();
    let at = |date: jiff::civil::Date, hour: i8, minute: i8| {
        tz.to_ambiguous_timestamp(date.to_datetime(time(hour, minute, 0, 0)))
            .compatible()
            .unwrap()
    };
    // The simulated Monday is the day before the window, whatever its real weekday: only the
    // times of day and the spacing of the posts matter to the daemons.
    let tuesday_ten = at(monday.checked_add(1.day()).unwrap(), 10, 0);
    let shift = tuesday_ten.duration_until(window);
    let total: u64 = HOURS.iter().map(|(_, w)| w).sum();
    let mut rng = Lcg(0x7265_6769_6f6e);
    (0..POSTS)
        .map(|i| {
            let day = rng.next(7) as i64;
            let mut pick = rng.next(total);
            let hour = HOURS
                .iter()
                .find(|(_, w)| {
                    let hit = pick < *w;
                    pick = pick.saturating_sub(*w);
                    hit
                })
                .map_or(10, |(h, _)| *h);
            let minute = rng.next(60) as i8;
            let local = at(monday.checked_add(day.days()).unwrap(), hour, minute);
            let mut due = local + shift;
            if due < window {
                due += SignedDuration::from_hours(24 * 7);
            }
            (i % PAGES, due)
        })
        .collect()
}

fn content(root: &Path, posts: &[(usize, Timestamp)]) -> String {
    let mut reg = String::from("timezone: Asia/Novokuznetsk\norganizations:\n");
    let mut plans = vec![String::from("posts:\n"); PAGES];
    for (i, (org, due)) in posts.iter().enumerate() {
        let _ = write!(
            plans[*org],
            "  - id: p{i:06}\n    date: {due}\n    text: Новость {i}, приходите в субботу на каток!\n"
        );
    }
    for (o, plan) in plans.iter().enumerate() {
        let _ = write!(
            reg,
            "  - id: org-{o:04}\n    name: Организация {o}\n    required: true\n    pages:\n      vk: {{id: {}}}\n      ok: {{id: '{}'}}\n      telegram: {{id: '@region_{o}'}}\n",
            800_000_000 + o,
            980_000_000_000_000_u64 + o as u64
        );
        let dir = root.join(format!("plans/org-{o:04}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("week.yaml"), plan).unwrap();
    }
    std::fs::write(root.join(REGISTRY_PATH), &reg).unwrap();
    reg
}

fn config(dir: &Path, sb: &Sandbox, ledger: &str) -> std::path::PathBuf {
    let path = dir.join("vestnik.yaml");
    let limits = SandboxLimits {
        telegram: TELEGRAM,
        vk: TOKENS,
        ok: TOKENS,
    };
    std::fs::write(
        &path,
        format!(
            "ledger: {ledger}\ncache_dir: {}\nlog: json\nmax_nap_seconds: 30\ngrace_minutes: 600\njobs: {{sync: '0 * * * * *', weekly_summary: 'off', retry_sweep: 'off', moderate: 'off'}}\n{}",
            dir.join("cache").display(),
            networks_yaml(dir, sb, limits),
        ),
    )
    .unwrap();
    path
}

/// CPU ticks of every PostgreSQL process on this machine (the benchmark's server is the only
/// one running).
fn postgres_ticks() -> u64 {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|c| c.trim() == "postgres")
        })
        .map(|pid| proc_stats(pid).0)
        .sum()
}

/// Runs SQL on `url` on a runtime of its own; the rows' first columns as text.
fn sql(url: &str, statement: &str) -> Vec<String> {
    let (url, statement) = (url.to_owned(), statement.to_owned());
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .unwrap();
            let driver = tokio::spawn(conn);
            let rows = client.simple_query(&statement).await.unwrap();
            drop(client);
            let _ = driver.await;
            rows.iter()
                .filter_map(|m| match m {
                    tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).map(str::to_owned),
                    _ => None,
                })
                .collect()
        })
    })
    .join()
    .unwrap()
}

/// Each publication's lateness beyond the least the limits impose on it, sorted: the posts due
/// at one minute on one network go one by one, the `i`-th no sooner than `i` spacings of the
/// token after the minute, and no sooner than `j` spacings of a channel if `j` posts to the same
/// channel went before it (Telegram: 3 s). What is left is vestnik's own.
fn beyond_the_limits(entries: &[Entry], from: Timestamp, to: Timestamp) -> Vec<f64> {
    use std::collections::HashMap;
    let mut groups: HashMap<(&'static str, Timestamp), Vec<&Entry>> = HashMap::new();
    for e in entries {
        if e.due >= from && e.due < to && matches!(e.state, State::Published { .. }) {
            groups
                .entry((e.key.network.key(), e.due))
                .or_default()
                .push(e);
        }
    }
    let margin = 1.0 + f64::from(vestnik::networks::SAFETY_MARGIN_PERCENT) / 100.0;
    let mut out = Vec::new();
    for ((network, due), mut group) in groups {
        let limits = if network == "telegram" {
            TELEGRAM
        } else {
            TOKENS
        };
        let token = limits
            .global_spacing()
            .map_or(0.0, |s| s.as_secs_f64() * margin);
        let chat = limits
            .per_chat_spacing()
            .map_or(0.0, |s| s.as_secs_f64() * margin);
        group.sort_by_key(|e| e.updated);
        let mut per_page: HashMap<&str, u32> = HashMap::new();
        for (i, e) in group.iter().enumerate() {
            let j = per_page.entry(e.key.org.as_str()).or_default();
            let bound = (i as f64 * token).max(f64::from(*j) * chat);
            *j += 1;
            let late = due.duration_until(e.updated).as_secs_f64();
            out.push((late - bound).max(0.0));
        }
    }
    out.sort_by(f64::total_cmp);
    out
}

struct Outcome {
    label: String,
    rows: usize,
    bytes: u64,
    load_seconds: f64,
    lateness: Vec<(String, Vec<f64>)>,
    /// Lateness beyond what the limits impose, sorted.
    excess: Vec<f64>,
    published: usize,
    cpu_daemons: f64,
    cpu_postgres: f64,
    rss_mb: Vec<u64>,
    rejected: usize,
    tokens: Vec<String>,
}

async fn run(backend: &str, server: Option<&str>, lead: u64, window_min: u64) -> Outcome {
    let bin = release_binary();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("content");
    std::fs::create_dir_all(root.join("plans")).unwrap();
    let window = Timestamp::now() + SignedDuration::from_secs(60 * lead as i64);
    let window_end = window + SignedDuration::from_secs(60 * window_min as i64);
    let posts = week(window);
    let reg = content(&root, &posts);
    let (registry, _) = Registry::parse(&reg, REGISTRY_PATH);
    let sb = sandbox::start_with_limits(
        &registry,
        SandboxLimits {
            telegram: TELEGRAM,
            vk: TOKENS,
            ok: TOKENS,
        },
    )
    .await
    .unwrap();
    let db_name = "vestnik_bench_region";
    let (ledger, daemons) = match server {
        Some(server) => {
            sql(
                server,
                &format!("DROP DATABASE IF EXISTS {db_name} WITH (FORCE)"),
            );
            sql(server, &format!("CREATE DATABASE {db_name}"));
            let (head, _) = server.split_at(server.rfind('/').unwrap());
            (format!("{head}/{db_name}"), DAEMONS)
        }
        None => (dir.path().join("ledger.sqlite").display().to_string(), 1),
    };
    let config = config(dir.path(), &sb, &ledger);
    let started = Instant::now();
    let logs: Vec<std::path::PathBuf> = (0..daemons)
        .map(|i| dir.path().join(format!("daemon{i}.log")))
        .collect();
    let mut children: Vec<Child> = logs
        .iter()
        .map(|log| {
            Command::new(&bin)
                .args(["run", "--root"])
                .arg(&root)
                .arg("--config")
                .arg(&config)
                .env("VESTNIK_LOG", "info")
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(log).unwrap())
                .spawn()
                .unwrap()
        })
        .collect();
    // Loaded: every daemon has read all the plans once.
    let read_all = |log: &Path| {
        std::fs::read_to_string(log)
            .unwrap_or_default()
            .contains("\"files\":\"all\"")
    };
    while !logs.iter().all(|l| read_all(l)) {
        assert!(
            started.elapsed() < Duration::from_secs(60 * lead),
            "not loaded in time"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let load_seconds = started.elapsed().as_secs_f64();
    eprintln!("{backend}: the week loaded in {load_seconds:.1} s");
    let until = |t: Timestamp| async move {
        let wait = Timestamp::now().duration_until(t);
        if wait.is_positive() {
            tokio::time::sleep(Duration::try_from(wait).unwrap()).await;
        }
    };
    until(window).await;
    let cpu = |children: &[Child]| -> u64 { children.iter().map(|c| proc_stats(c.id()).0).sum() };
    let (d0, p0) = (cpu(&children), postgres_ticks());
    until(window_end).await;
    // What falls due in the window gets a minute to go out.
    tokio::time::sleep(Duration::from_secs(60)).await;
    let (d1, p1) = (cpu(&children), postgres_ticks());
    let rss_mb: Vec<u64> = children
        .iter()
        .map(|c| proc_stats(c.id()).1 / 1024)
        .collect();
    for c in &children {
        let _ = Command::new("kill")
            .args(["-TERM", &c.id().to_string()])
            .status();
    }
    for c in &mut children {
        let _ = c.wait();
    }
    let tokens: Vec<String> = logs
        .iter()
        .map(|l| {
            std::fs::read_to_string(l)
                .unwrap_or_default()
                .lines()
                .filter(|l| l.contains("tokens held by this daemon"))
                .filter_map(|l| {
                    let v: serde_json::Value = serde_json::from_str(l).ok()?;
                    v["fields"]["tokens"].as_str().map(str::to_owned)
                })
                .next_back()
                .unwrap_or_else(|| "all".to_owned())
        })
        .collect();
    let entries: Vec<Entry> = match server {
        Some(_) => vestnik::publish::ledger::postgres::PostgresLedger::open(&ledger)
            .unwrap()
            .entries()
            .unwrap(),
        None => vestnik::publish::ledger::sqlite::SqliteLedger::open(Path::new(&ledger))
            .unwrap()
            .entries()
            .unwrap(),
    };
    let bytes = match server {
        Some(server) => {
            let size = sql(&ledger, "SELECT pg_database_size(current_database())");
            sql(
                server,
                &format!("DROP DATABASE IF EXISTS {db_name} WITH (FORCE)"),
            );
            size[0].parse().unwrap()
        }
        None => ["", "-wal"]
            .iter()
            .filter_map(|s| std::fs::metadata(format!("{ledger}{s}")).ok())
            .map(|m| m.len())
            .sum(),
    };
    let mut lateness: Vec<(String, Vec<f64>)> = ["all", "vk", "ok", "telegram"]
        .iter()
        .map(|n| ((*n).to_owned(), Vec::new()))
        .collect();
    let mut published = 0;
    for e in &entries {
        if e.due < window || e.due >= window_end {
            continue;
        }
        let late = match e.state {
            State::Published { .. } => e.due.duration_until(e.updated).as_secs_f64(),
            // Not out a minute after the window: counted as a minute late.
            _ => 60.0,
        };
        published += usize::from(matches!(e.state, State::Published { .. }));
        for (name, l) in &mut lateness {
            if name == "all" || name == e.key.network.key() {
                l.push(late);
            }
        }
    }
    for (_, l) in &mut lateness {
        l.sort_by(f64::total_cmp);
    }
    let excess = beyond_the_limits(&entries, window, window_end);
    Outcome {
        label: format!("{daemons} daemon(s) on {backend}"),
        rows: entries.len(),
        bytes,
        load_seconds,
        lateness,
        excess,
        published,
        cpu_daemons: (d1 - d0) as f64 / TICKS,
        cpu_postgres: (p1 - p0) as f64 / TICKS,
        rss_mb,
        rejected: sb.telegram.state.rate_limited()
            + sb.vk.state.rate_limited()
            + sb.ok.state.rate_limited(),
        tokens,
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() {
    let which = std::env::args().nth(1).unwrap_or_else(|| "both".to_owned());
    let lead = env_or("LEAD", 4);
    let window = env_or("WINDOW", 10);
    let server = std::env::var("VESTNIK_TEST_POSTGRES").ok();
    let mut outcomes = Vec::new();
    if which == "postgres" || which == "both" {
        let server = server
            .as_deref()
            .expect("set VESTNIK_TEST_POSTGRES to a server where databases may be created");
        outcomes.push(run("postgres", Some(server), lead, window).await);
    }
    if which == "sqlite" || which == "both" {
        outcomes.push(run("sqlite", None, lead, window).await);
    }
    println!(
        "regional simulation: {PAGES} pages x 3 networks, {POSTS} posts over a week ({} publications); window: the first {window} min of the busiest hour",
        POSTS * 3
    );
    for o in &outcomes {
        let per_1000 = |x: f64| x / o.published.max(1) as f64 * 1000.0;
        println!("{}:", o.label);
        println!(
            "  ledger: {} rows, {:.1} MB ({:.0} bytes a publication); the week loaded by every daemon in {:.1} s",
            o.rows,
            o.bytes as f64 / 1e6,
            o.bytes as f64 / o.rows.max(1) as f64,
            o.load_seconds
        );
        for (name, l) in &o.lateness {
            println!(
                "  lateness {name}: {} publications, p50 {:.3} s, p99 {:.3} s, max {:.3} s",
                l.len(),
                percentile(l, 0.5),
                percentile(l, 0.99),
                l.last().copied().unwrap_or(f64::NAN)
            );
        }
        println!(
            "  beyond the least the limits impose: p50 {:.3} s, p99 {:.3} s, max {:.3} s",
            percentile(&o.excess, 0.5),
            percentile(&o.excess, 0.99),
            o.excess.last().copied().unwrap_or(f64::NAN)
        );
        println!(
            "  CPU over the window: daemons {:.1} s, PostgreSQL {:.1} s; per 1,000 publications: daemons {:.2} s, PostgreSQL {:.2} s ({} published)",
            o.cpu_daemons,
            o.cpu_postgres,
            per_1000(o.cpu_daemons),
            per_1000(o.cpu_postgres),
            o.published
        );
        println!(
            "  RSS per daemon: {:?} MB; tokens held at the end: {:?}; rate-limit answers: {}",
            o.rss_mb, o.tokens, o.rejected
        );
    }
}
