//! Benchmark of the daemon's flow (issue 12 item 10): how late each network's posts go out when
//! another network's queue is slow, and when alerts are being delivered.
//!
//! ```text
//! cargo run --release --example bench_flow
//! ```
//!
//! Two scenarios, each a fresh daemon (the library's `Daemon`, in this process) publishing into
//! the local emulators, which keep the documented limits (VK 3 requests a second, Telegram 20
//! messages a minute per chat):
//!
//! - **slow VK**: 20 VK posts due at +1 s, 5 Telegram posts (one in each of five channels) due
//!   at +3 s, while VK's queue is still draining;
//! - **alerts**: 25 alerts pending for an organization whose responsible gets a copy of each
//!   (one message each, 20 a minute in that chat), and the same 5 Telegram posts due at +3 s.
//!
//! Lateness is the ledger's publication time minus the due time, per network.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use tokio_util::sync::CancellationToken;
use vestnik::networks::RateLimits;
use vestnik::networks::sandbox::{self, SandboxLimits};
use vestnik::ops::metrics::Metrics;
use vestnik::ops::monitor::Health;
use vestnik::plan::network::Network;
use vestnik::plan::registry::{REGISTRY_PATH, Registry};
use vestnik::publish::alert::Alerter;
use vestnik::publish::daemon::{Alerts, Daemon, Jobs, Options, Signals, Source, SystemClock};
use vestnik::publish::ledger::sqlite::SqliteLedger;
use vestnik::publish::ledger::{Alert, Ledger, State};
use vestnik::publish::{Publisher, Settings};

const REGISTRY: &str = "\
timezone: Asia/Novokuznetsk
organizations:
  - id: school
    name: Школа
    required: true
    pages:
      vk: {id: 900000001}
      telegram: {id: '@flow_school'}
  - id: club1
    name: Клуб 1
    required: true
    pages:
      telegram: {id: '@flow_club1'}
  - id: club2
    name: Клуб 2
    required: true
    pages:
      telegram: {id: '@flow_club2'}
  - id: club3
    name: Клуб 3
    required: true
    pages:
      telegram: {id: '@flow_club3'}
  - id: club4
    name: Клуб 4
    required: true
    pages:
      telegram: {id: '@flow_club4'}
  - id: mcu
    name: МЦУ
    required: false
    pages:
      telegram: {id: '@flow_mcu'}
  - id: resp
    name: Ответственный
    required: false
    pages:
      telegram: {id: '@flow_resp'}
";

fn post(root: &Path, org: &str, name: &str, due: Timestamp, networks: &str) {
    std::fs::create_dir_all(root.join(format!("plans/{org}"))).unwrap();
    std::fs::write(
        root.join(format!("plans/{org}/{name}.md")),
        format!(
            "---\ndate: {due}\nnetworks: [{networks}]\n---\nНовость {name}: приходите на каток!\n"
        ),
    )
    .unwrap();
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Runs one scenario and prints the lateness per network.
async fn scenario(name: &str, vk_posts: usize, tg_posts: usize, alerts: usize) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("content");
    std::fs::create_dir_all(root.join("plans/school")).unwrap();
    std::fs::write(root.join(REGISTRY_PATH), REGISTRY).unwrap();
    let start = Timestamp::now();
    for i in 0..vk_posts {
        post(
            &root,
            "school",
            &format!("vk{i:02}"),
            start + SignedDuration::from_secs(1),
            "vk",
        );
    }
    for i in 0..tg_posts {
        // One post in each of five channels: Telegram's per-chat spacing (3 s) does not add up.
        let org = ["school", "club1", "club2", "club3", "club4"][i % 5];
        post(
            &root,
            org,
            &format!("tg{i:02}"),
            start + SignedDuration::from_secs(3),
            "telegram",
        );
    }
    let (reg, _) = Registry::parse(REGISTRY, REGISTRY_PATH);
    let sb = sandbox::start_with_limits(
        &reg,
        SandboxLimits {
            telegram: RateLimits::TELEGRAM,
            vk: RateLimits::VK,
            ok: RateLimits::OK,
        },
    )
    .await
    .unwrap();
    let path = dir.path().join("ledger.sqlite");
    let mut ledger = SqliteLedger::open(&path).unwrap();
    let pending: Vec<Alert> = (0..alerts)
        .map(|i| Alert {
            id: format!("bench/{i}"),
            org: Some("school".into()),
            text: format!("Тревога номер {i}: публикация не вышла, посмотрите страницу."),
        })
        .collect();
    ledger.raise(&pending, start).unwrap();
    let publisher = Publisher::new(Settings {
        root: root.clone(),
        grace: SignedDuration::from_hours(2),
        cache_dir: dir.path().join("cache"),
        credentials: sb.credentials(),
        rates: Vec::new(),
        limit: 10_000,
    })
    .unwrap();
    let client = publisher.telegram().cloned().unwrap();
    let responsibles = HashMap::from([("school".to_owned(), "@flow_resp".to_owned())]);
    let delivery = Alerts {
        alerter: Alerter::new(client, "@flow_mcu", responsibles),
        ledger: Box::new(SqliteLedger::open(&path).unwrap()),
    };
    let daemon = Daemon {
        publisher,
        ledger: &mut ledger,
        source: Source::Dir(root.clone()),
        clock: Arc::new(SystemClock),
        options: Options {
            max_nap: Duration::from_millis(500),
            jobs: Jobs {
                sync: None,
                weekly_summary: None,
                retry_sweep: None,
                moderate: None,
                audit: None,
            },
            ..Options::default()
        },
        alerts: Some(delivery),
        moderation: None,
        audit: None,
        metrics: Arc::new(Metrics::new()),
        health: Arc::new(Health::new(Duration::from_secs(60))),
        signals: Arc::new(Signals::default()),
    };
    let stop = CancellationToken::new();
    let want = vk_posts + tg_posts;
    let watcher = {
        let stop = stop.clone();
        let path = path.clone();
        async move {
            let reader = SqliteLedger::open(&path).unwrap();
            loop {
                tokio::time::sleep(Duration::from_millis(100)).await;
                let rows = reader.entries().unwrap_or_default();
                let done = rows
                    .iter()
                    .filter(|e| matches!(e.state, State::Published { .. }))
                    .count();
                if done == want || start.duration_until(Timestamp::now()).as_secs() > 300 {
                    stop.cancel();
                    return;
                }
            }
        }
    };
    let (r, ()) = tokio::join!(daemon.run(stop.clone(), |_| {}), watcher);
    r.unwrap();
    let mut late: HashMap<Network, Vec<f64>> = HashMap::new();
    for e in ledger.entries().unwrap() {
        if matches!(e.state, State::Published { .. }) {
            late.entry(e.key.network)
                .or_default()
                .push(e.due.duration_until(e.updated).as_secs_f64());
        }
    }
    let delivered = sb.telegram.state.messages("@flow_resp").len();
    println!("{name}:");
    for net in [Network::Vk, Network::Telegram] {
        let Some(v) = late.get_mut(&net) else {
            continue;
        };
        v.sort_by(f64::total_cmp);
        println!(
            "  {net}: {} published, lateness p50 {:.2} s, max {:.2} s",
            v.len(),
            percentile(v, 0.5),
            v.last().copied().unwrap_or(f64::NAN)
        );
    }
    if alerts > 0 {
        println!(
            "  alerts: {delivered} of {alerts} copies delivered to the responsible by the end"
        );
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    scenario(
        "slow VK (20 VK posts at 3 req/s, 5 Telegram posts due 2 s later)",
        20,
        5,
        0,
    )
    .await;
    scenario(
        "alerts (25 alerts at 20 a minute, 5 Telegram posts)",
        0,
        5,
        25,
    )
    .await;
}
