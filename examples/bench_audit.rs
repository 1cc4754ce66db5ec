//! Benchmark of the audit of the real pages (issue 14): `N` organizations (300 by default), each
//! with a VK community, an OK group and a Telegram channel, read by one audit pass through the
//! publisher's clients against the local emulators, which keep the documented limits (VK 3
//! requests a second per token, OK the assumed 3 a second, Telegram 30 a second in total).
//!
//! ```text
//! cargo run --release --example bench_audit [-- N [alone]]
//! ```
//!
//! With `alone`, the pass runs as `vestnik audit` does, in a process that publishes nothing
//! (`Clients::publishing_nothing`): its reads may use each token's whole rate limit, no
//! publication falls due, and the bound that matters is the documented limits' one.
//!
//! Each community and group holds a few posts of the week audited. The bound set by the limits
//! is the slowest network's calls divided by its rate (the networks are read side by side).
//! The audit reads at low priority (`Limiter::until_idle`): such requests alone stay below each
//! window's limit, one request a second of VK's and OK's three is left for a publication that
//! falls due, so the audit's own bound is calls / (rate − 1). Both ratios are printed, with the
//! calls per page. Meanwhile a VK post and a Telegram message fall due every five seconds and
//! are sent through the same clients: how long each waited is its lateness.
#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;
use std::time::Instant;

use jiff::{SignedDuration, Timestamp};
use vestnik::networks::sandbox::{self, SandboxLimits};
use vestnik::plan::registry::Registry;
use vestnik::plan::time::IsoWeek;
use vestnik::publish::audit::{Auditor, Options};
use vestnik::publish::ledger::sqlite::SqliteLedger;
use vestnik::publish::{Publisher, Settings};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(300);
    let mut yaml = String::from("timezone: Asia/Novokuznetsk\norganizations:\n");
    for i in 0..n {
        let _ = write!(
            yaml,
            "  - id: org{i}\n    name: Организация {i}\n    required: true\n    pages:\n      vk: {{id: {}}}\n      ok: {{id: '{}'}}\n      telegram: {{id: '@org{i}'}}\n",
            910_000_000 + i,
            920_000_000 + i
        );
    }
    let (reg, diags) = Registry::parse(&yaml, "plans/registry.yaml");
    assert!(reg.usable, "{diags:?}");
    let sb = sandbox::start_with_limits(&reg, SandboxLimits::REAL)
        .await
        .unwrap();
    let now = Timestamp::now();
    let week = IsoWeek::of(now - SignedDuration::from_hours(7 * 24), &reg.tz);
    let start = vestnik::audit::week_start(week, &reg.tz);
    for i in 0..n {
        for d in 0..3 {
            let at = start + SignedDuration::from_hours(24 * d + 10);
            sb.vk.state.add_post_by_hand(
                910_000_000 + i as u64,
                sandbox::VK_USER_ID,
                "Запись",
                at.as_second(),
            );
            sb.ok.state.add_topic_by_hand(
                &(920_000_000 + i).to_string(),
                "Тема",
                at.as_millisecond(),
            );
        }
    }
    let cache = std::env::temp_dir().join("vestnik-bench-audit-cache");
    let publisher = Publisher::new(Settings {
        root: std::env::temp_dir(),
        grace: SignedDuration::from_hours(1),
        cache_dir: cache,
        credentials: sb.credentials(),
        rates: Vec::new(),
        limit: 1,
    })
    .unwrap();
    let mut ledger = SqliteLedger::in_memory().unwrap();
    let clients = publisher.moderation_clients();
    let alone = std::env::args().nth(2).as_deref() == Some("alone");
    if alone {
        clients.publishing_nothing();
    }
    let mut auditor = Auditor::new(clients.clone());
    // Publications due while the audit runs, through the same clients (the same limiters);
    // none when the pass runs alone.
    let due = tokio::spawn({
        let vk = clients.vk.clone().unwrap();
        let tg = clients.telegram.clone().unwrap();
        async move {
            let mut late = Vec::new();
            for k in 0..if alone { 0 } else { 5 } {
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                let sent = Instant::now();
                let post = vestnik::networks::vk::client::NewPost {
                    owner_id: -910_000_000,
                    from_group: true,
                    message: format!("Пост {k}"),
                    attachments: Vec::new(),
                    guid: format!("bench-audit-{k}"),
                };
                vk.wall_post(&post).await.unwrap();
                let vk_late = sent.elapsed().as_secs_f64();
                let sent = Instant::now();
                tg.send_message("@org0", &format!("Сообщение {k}"))
                    .await
                    .unwrap();
                late.push((vk_late, sent.elapsed().as_secs_f64()));
            }
            late
        }
    });
    let options = Options {
        org: None,
        from: week,
        to: week,
    };
    let began = Instant::now();
    let mut quiet = |_: &vestnik::publish::audit::Progress| {};
    let pass = auditor
        .read(&reg, &mut ledger, now, &options, &mut quiet)
        .await
        .unwrap();
    let took = began.elapsed().as_secs_f64();
    let late = due.await.unwrap();
    // The audit's own calls: the publications made meanwhile are not among them.
    let vk = sb.vk.state.requests().len() - late.len();
    let ok = sb.ok.state.calls().len();
    let tg = sb.telegram.state.calls().len() - late.len();
    // The bounds: each network's calls at its documented rate (or at the rate left to requests
    // made at low priority), the networks side by side.
    let bound = [vk as f64 / 3.0, ok as f64 / 3.0, tg as f64 / 30.0]
        .into_iter()
        .fold(0.0, f64::max);
    let low = [vk as f64 / 2.0, ok as f64 / 2.0, tg as f64 / 29.0]
        .into_iter()
        .fold(0.0, f64::max);
    println!(
        "{n} organizations × 3 networks{}: {} pages read, {} not read, {} calls",
        if alone {
            ", alone (as `vestnik audit`)"
        } else {
            ", beside publications (as the daemon's jobs.audit)"
        },
        pass.readings.len(),
        pass.problems.len(),
        pass.calls
    );
    println!(
        "calls per page: VK {:.2}, OK {:.2}, Telegram {:.2}",
        vk as f64 / n as f64,
        ok as f64 / n as f64,
        tg as f64 / n as f64
    );
    println!(
        "time {took:.1} s; bound by the documented limits {bound:.1} s (ratio {:.3}); bound at low priority {low:.1} s (ratio {:.3})",
        took / bound,
        took / low
    );
    let worst = |f: fn(&(f64, f64)) -> f64| late.iter().map(f).fold(0.0, f64::max);
    println!(
        "publications due during the pass: {} on VK, worst wait {:.2} s; {} on Telegram, worst wait {:.2} s",
        late.len(),
        worst(|l| l.0),
        late.len(),
        worst(|l| l.1)
    );
    println!(
        "rate-limit answers: VK {}, OK {}, Telegram {}",
        sb.vk.state.rate_limited(),
        sb.ok.state.rate_limited(),
        sb.telegram.state.rate_limited()
    );
}
