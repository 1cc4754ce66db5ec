//! A region on PostgreSQL: three real `vestnik run` on one database publish a burst of 3,000
//! posts over 300 pages into emulators that keep the networks' limits (each token's and each
//! channel's). One daemon is killed with SIGKILL in the middle, another is stopped and started
//! again. Afterwards, counted from the emulators: no post lost, no VK post twice, every Telegram
//! and OK post once or `uncertain` in the ledger, and not one rate-limit answer (429, VK's
//! error 6, OK's error 8): each token was used by one daemon at a time. The work was shared:
//! more than one daemon held a token.
//!
//! `POSTS=300 cargo test --test integration region::` runs a smaller burst. Needs PostgreSQL
//! (`VESTNIK_TEST_POSTGRES`); skipped without, failing instead when `VESTNIK_REQUIRE_POSTGRES`.
// Helpers of this test file panic on setup failures like the tests themselves.
#![allow(clippy::unwrap_used)]

use crate::support;
use crate::support::daemon::Running;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use vestnik::networks::RateLimits;
use vestnik::networks::sandbox::{self, Sandbox, SandboxLimits};
use vestnik::plan::registry::{REGISTRY_PATH, Registry};

const PAGES: usize = 300;

/// The limits both sides keep: Telegram's per-channel ones as documented (one message a
/// second, twenty a minute), every token's total raised to 100 a second so that the burst takes
/// a minute, not an hour. The emulators refuse whatever goes beyond.
const TELEGRAM: RateLimits = RateLimits {
    per_chat_per_sec: 1,
    per_chat_per_min: 20,
    global_per_sec: 100,
};
const TOKEN: RateLimits = RateLimits {
    per_chat_per_sec: 0,
    per_chat_per_min: 0,
    global_per_sec: 100,
};

fn vk_group(o: usize) -> u64 {
    900_000_000 + o as u64
}

fn ok_group(o: usize) -> String {
    (990_000_000_000_000_u64 + o as u64).to_string()
}

fn channel(o: usize) -> String {
    format!("@region_{o}")
}

fn registry() -> String {
    let mut reg = String::from("timezone: Asia/Novokuznetsk\norganizations:\n");
    for o in 0..PAGES {
        let _ = write!(
            reg,
            "  - id: org-{o:03}\n    name: Организация {o}\n    required: true\n    pages:\n      vk: {{id: {}}}\n      ok: {{id: '{}'}}\n      telegram: {{id: '{}'}}\n",
            vk_group(o),
            ok_group(o),
            channel(o)
        );
    }
    reg
}

/// Each page's share of `posts`, all due at `due`, in one plan file per organization.
fn plans(root: &Path, posts: usize, due: Timestamp) {
    for o in 0..PAGES {
        let dir = root.join(format!("plans/org-{o:03}"));
        std::fs::create_dir_all(&dir).unwrap();
        let mut plan = String::from("posts:\n");
        for i in (o..posts).step_by(PAGES) {
            let _ = write!(
                plan,
                "  - id: p{i:05}\n    date: {due}\n    text: Новость {i} для страницы {o}\n"
            );
        }
        std::fs::write(dir.join("burst.yaml"), plan).unwrap();
    }
}

/// The limits of both sides.
const LIMITS: SandboxLimits = SandboxLimits {
    telegram: TELEGRAM,
    vk: TOKEN,
    ok: TOKEN,
};

fn config(dir: &Path, sb: &Sandbox, ledger: &str) -> std::path::PathBuf {
    let path = dir.join("vestnik.yaml");
    std::fs::write(
        &path,
        format!(
            "ledger: {ledger}\nledger_lease_seconds: 10\ncache_dir: cache\ngrace_minutes: 600\nmax_nap_seconds: 1\n\
             jobs: {{sync: 'off', weekly_summary: 'off', retry_sweep: 'off', moderate: 'off'}}\n{}",
            support::networks_yaml_limited(dir, sb, &LIMITS)
        ),
    )
    .unwrap();
    path
}

/// Posts on the emulators' pages, all networks together.
fn sent(sb: &Sandbox) -> usize {
    (0..PAGES)
        .map(|o| {
            sb.vk.state.wall(vk_group(o)).len()
                + sb.ok.state.topics(&ok_group(o)).len()
                + sb.telegram.state.messages(&channel(o)).len()
        })
        .sum()
}

async fn until_sent(sb: &Sandbox, at_least: usize, limit: Duration) {
    let deadline = Instant::now() + limit;
    while sent(sb) < at_least {
        assert!(
            Instant::now() < deadline,
            "only {} of {at_least} sent",
            sent(sb)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn tokens_taken(log: &str) -> usize {
    log.lines()
        .filter(|l| l.contains("tokens held by this daemon"))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_daemons_share_a_burst_through_a_kill_and_a_restart() {
    let Some(db) = support::postgres::Database::new("region") else {
        return;
    };
    let posts: usize = std::env::var("POSTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("content");
    let reg = registry();
    let registry_file = root.join(REGISTRY_PATH);
    std::fs::create_dir_all(registry_file.parent().unwrap()).unwrap();
    std::fs::write(&registry_file, &reg).unwrap();
    // Due after the daemons have shared the tokens out (a turn given back is free 5 s later).
    plans(
        &root,
        posts,
        Timestamp::now() + SignedDuration::from_secs(15),
    );
    let (registry, _) = Registry::parse(&reg, REGISTRY_PATH);
    let sb = sandbox::start_with_limits(&registry, LIMITS).await.unwrap();
    let config = config(dir.path(), &sb, &db.url);
    let start = || Running::start(Some(&root), &config);
    let (first, second, third) = (start(), start(), start());
    let want = 3 * posts;

    // A fifth of the way in, the first dies without a word.
    until_sent(&sb, want / 5, Duration::from_secs(120)).await;
    let killed_log = first.kill().await;
    // Half way, the second stops as asked (its tokens go back) and starts again.
    until_sent(&sb, want / 2, Duration::from_secs(120)).await;
    let (code, stopped_log) = second.stop().await;
    assert_eq!(code, Some(0), "{stopped_log}");
    let second = start();

    // Every row settles: published, or uncertain for the kill's requests in flight (its
    // rows come back when their lease ends and a running daemon recovers them, within a
    // minute).
    let deadline = Instant::now() + Duration::from_secs(240);
    let rows = loop {
        let rows = support::ledger_rows(&config);
        if rows.len() == want
            && rows
                .iter()
                .all(|r| r["state"] == "published" || r["state"] == "uncertain")
        {
            break rows;
        }
        assert!(
            Instant::now() < deadline,
            "not settled: {} rows, {:?}",
            rows.len(),
            rows.iter()
                .filter(|r| r["state"] != "published")
                .take(5)
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let (c2, log2) = second.stop().await;
    let (c3, log3) = third.stop().await;
    assert_eq!((c2, c3), (Some(0), Some(0)), "{log2}\n{log3}");

    // Within the limits all along: not one rate-limit answer on any network.
    assert_eq!(sb.telegram.state.rate_limited(), 0, "Telegram 429 answers");
    assert_eq!(sb.vk.state.rate_limited(), 0, "VK error 6 answers");
    assert_eq!(sb.ok.state.rate_limited(), 0, "OK error 8 answers");

    let mut states: HashMap<(String, String), String> = HashMap::new();
    for r in &rows {
        states.insert(
            (
                r["network"].as_str().unwrap().to_owned(),
                r["post"].as_str().unwrap().to_owned(),
            ),
            r["state"].as_str().unwrap().to_owned(),
        );
    }
    let state = |network: &str, post: &str| states[&(network.to_owned(), post.to_owned())].clone();
    let (mut uncertain, mut vk_posts) = (0, 0);
    for o in 0..PAGES {
        let mine: Vec<usize> = (o..posts).step_by(PAGES).collect();
        let text = |i: usize| format!("Новость {i} для страницы {o}");
        // VK: each post exactly once (a retry after the kill reuses its guid), all published.
        let wall = sb.vk.state.wall(vk_group(o));
        for &i in &mine {
            let n = wall.iter().filter(|p| p.message.contains(&text(i))).count();
            assert_eq!(n, 1, "VK page {o}, post {i}: {n} times");
            assert_eq!(state("vk", &format!("p{i:05}")), "published");
        }
        assert_eq!(wall.len(), mine.len());
        vk_posts += wall.len();
        // Telegram and OK: never twice; published once, or uncertain for a person.
        let messages: Vec<String> = sb
            .telegram
            .state
            .messages(&channel(o))
            .iter()
            .map(|m| format!("{:?}", m.content))
            .collect();
        let topics: Vec<String> = sb
            .ok
            .state
            .topics(&ok_group(o))
            .iter()
            .map(|t| format!("{:?}", t.blocks))
            .collect();
        for &i in &mine {
            let post = format!("p{i:05}");
            for (network, seen) in [("telegram", &messages), ("ok", &topics)] {
                let n = seen.iter().filter(|m| m.contains(&text(i))).count();
                assert!(n <= 1, "{network} page {o}, post {i}: {n} times");
                match state(network, &post).as_str() {
                    "published" => assert_eq!(n, 1, "{network} {post} published but not seen"),
                    "uncertain" => uncertain += 1,
                    other => panic!("{network} {post}: {other}"),
                }
            }
        }
    }
    assert_eq!(vk_posts, posts);
    // The kill left at most a request in flight per lane of its own.
    assert!(uncertain <= 2 * PAGES, "{uncertain} uncertain");
    // The work was shared: each daemon took tokens at some point.
    for (name, log) in [
        ("killed", &killed_log),
        ("stopped", &stopped_log),
        ("third", &log3),
    ] {
        assert!(
            tokens_taken(log) > 0,
            "the {name} daemon held no token:\n{log}"
        );
    }
    eprintln!(
        "{posts} posts x 3 networks over {PAGES} pages, three daemons, one killed, one restarted: {} sent, {uncertain} uncertain, 0 rate-limit answers",
        sent(&sb)
    );
}
