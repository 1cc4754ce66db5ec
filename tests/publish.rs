//! `vestnik publish --due` end to end: the shipped example plans published by the real binary
//! into the local emulators of the three APIs; the emulators' state must match the plans exactly
//! (no more, no less), and a second pass must publish nothing again.
// Helpers of this test file panic on setup failures like the tests themselves.
#![allow(clippy::unwrap_used)]

use crate::support;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use vestnik::networks::sandbox;
use vestnik::plan::network::Network;
use vestnik::plan::registry::{REGISTRY_PATH, Registry};
use vestnik::plan::repo::{self, FileKind};
use vestnik::plan::{self, Status};
use vestnik::render::{self, Flavor};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Ready posts of the shipped plans due at or before `now` (and not external), per network,
/// with the plain text VK and OK receive.
fn expected(now: jiff::Timestamp) -> BTreeMap<(String, Network), Vec<String>> {
    let text = std::fs::read_to_string(root().join(REGISTRY_PATH)).unwrap();
    let (reg, _) = Registry::parse(&text, REGISTRY_PATH);
    let mut out: BTreeMap<(String, Network), Vec<String>> = BTreeMap::new();
    for f in repo::plan_files(&root())
        .unwrap()
        .into_iter()
        .filter(|f| f.kind != FileKind::Other)
    {
        let text = std::fs::read_to_string(root().join(&f.rel)).unwrap();
        let mut d = Vec::new();
        let posts = if f.kind == FileKind::Post {
            plan::parse_markdown(&f.rel, &f.folder, &text, &reg.tz, &mut d)
                .into_iter()
                .collect()
        } else {
            plan::parse_plan(&f.rel, &f.folder, &text, &reg.tz, &mut d)
        };
        for p in posts {
            let due = p.when.as_ref().unwrap().value;
            if due > now || p.status != Status::Ready || p.external.is_some() {
                continue;
            }
            let org = reg.org(&p.org.value).unwrap();
            let pages: Vec<Network> = org.pages.keys().copied().collect();
            for net in p.targets(pages.clone()) {
                let page = &org.pages[&net].id.value;
                let text = render::render(&p.text_for(net).markdown, Flavor::Plain).markup;
                out.entry((page.clone(), net)).or_default().push(text);
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shipped_plans_are_published_exactly_once() {
    let (reg, _) = Registry::parse(
        &std::fs::read_to_string(root().join(REGISTRY_PATH)).unwrap(),
        REGISTRY_PATH,
    );
    let sb = sandbox::start(&reg).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("vestnik.yaml");
    std::fs::write(
        &config,
        format!(
            "ledger: ledger.sqlite\ncache_dir: cache\ngrace_minutes: 100000\n{}",
            support::networks_yaml(dir.path(), &sb)
        ),
    )
    .unwrap();
    let now = "2026-12-02 12:00";
    let cfg = config.clone();
    let publish = move || {
        Command::new(env!("CARGO_BIN_EXE_vestnik"))
            .args(["publish", "--lang", "en", "--due", "--root"])
            .arg(root())
            .arg("--config")
            .arg(&cfg)
            .args(["--now", now])
            .output()
            .unwrap()
    };
    let first = tokio::task::spawn_blocking(publish.clone()).await.unwrap();
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert_eq!(
        first.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&first.stderr)
    );

    let tz = reg.tz.clone();
    let want = expected(vestnik::plan::time::parse_when(now, &tz).unwrap());
    assert!(!want.is_empty());
    let mut total = 0;
    for ((page, net), texts) in &want {
        total += texts.len();
        match net {
            Network::Vk => {
                let wall = sb.vk.state.wall(page.parse().unwrap());
                let mut got: Vec<String> = wall.iter().map(|p| p.message.clone()).collect();
                let mut texts = texts.clone();
                got.sort();
                texts.sort();
                assert_eq!(got, texts, "VK wall of {page}");
            }
            Network::Ok => assert_eq!(
                sb.ok.state.topics(page).len(),
                texts.len(),
                "OK group {page}"
            ),
            Network::Telegram => {
                // At least one message per post (a poll or separate text adds more).
                let msgs = sb.telegram.state.messages(page);
                assert!(
                    msgs.len() >= texts.len(),
                    "Telegram {page}: {} < {}",
                    msgs.len(),
                    texts.len()
                );
            }
        }
    }
    assert!(
        stdout.contains(&format!(
            "vestnik publish: {total} published, 0 to retry, 0 failed, 0 uncertain"
        )),
        "{stdout}"
    );

    // A second pass publishes nothing again.
    let counts = |sb: &sandbox::Sandbox| -> usize {
        want.keys()
            .map(|(page, net)| match net {
                Network::Vk => sb.vk.state.wall(page.parse().unwrap()).len(),
                Network::Ok => sb.ok.state.topics(page).len(),
                Network::Telegram => sb.telegram.state.messages(page).len(),
            })
            .sum()
    };
    let before = counts(&sb);
    let second = tokio::task::spawn_blocking(publish).await.unwrap();
    let stdout = String::from_utf8_lossy(&second.stdout);
    assert!(stdout.contains("vestnik publish: 0 published"), "{stdout}");
    assert_eq!(counts(&sb), before);

    // `status` shows every publication with its link.
    let status = Command::new(env!("CARGO_BIN_EXE_vestnik"))
        .args(["status", "--format", "json", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    let rows = v["publications"].as_array().unwrap();
    let published: Vec<&serde_json::Value> =
        rows.iter().filter(|r| r["state"] == "published").collect();
    assert_eq!(published.len(), total);
    assert!(
        published
            .iter()
            .all(|r| r["url"].as_str().is_some_and(|u| u.starts_with("https://")))
    );
    assert!(
        rows.iter().any(|r| r["state"] == "scheduled"),
        "later posts wait for their time"
    );
    // The human form ends with a count per state (and reads no secret: it needs none).
    let human = Command::new(env!("CARGO_BIN_EXE_vestnik"))
        .args(["status", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&human.stdout);
    let last = text.lines().last().unwrap();
    // In Russian, the default.
    assert!(
        last.contains(&format!("опубликовано: {total}")) && last.contains("запланировано: "),
        "{last}"
    );
}

/// `publish --due` logs as `run` does (issue 12, item 3): `log: json` in the configuration
/// gives one JSON object per line on stderr, with the publication's fields and no secret, and
/// `VESTNIK_LOG` filters it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publishing_pass_logs_like_the_daemon() {
    use crate::support::sandboxed::{Setup, post};
    let s = Setup::new().await;
    s.file(
        "plans/school/news.md",
        &post("date: 2026-12-02 11:00", "Каток открыт"),
    );
    let config = s.dir.path().join("vestnik.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("log: json\n{text}")).unwrap();
    let out = s.publish().await;
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let published: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|v| v["fields"]["message"] == "published")
        .collect();
    assert_eq!(published.len(), 3, "{stderr}");
    let networks: std::collections::BTreeSet<&str> = published
        .iter()
        .map(|v| v["span"]["network"].as_str().unwrap())
        .collect();
    assert_eq!(
        networks.into_iter().collect::<Vec<_>>(),
        ["ok", "telegram", "vk"]
    );
    assert!(published.iter().all(|v| v["span"]["org"] == "school"));
    for secret in [
        vestnik::networks::telegram::emulator::TEST_TOKEN,
        sandbox::VK_TOKEN,
        vestnik::networks::ok::emulator::TEST_ACCESS_TOKEN,
    ] {
        assert!(!stderr.contains(secret), "a secret in the log");
    }
    // The filter of the environment applies too: warnings only, and a clean pass has none.
    s.file(
        "plans/school/more.md",
        &post("date: 2026-12-02 11:30", "Ещё новость"),
    );
    let root = s.content.path().to_owned();
    let quiet = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_vestnik"))
            .env("VESTNIK_LOG", "warn")
            .args(["publish", "--due", "--now", "2026-12-02 12:00", "--root"])
            .arg(root)
            .arg("--config")
            .arg(config)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(quiet.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&quiet.stderr), "");
    assert_eq!(
        s.pages().2,
        4,
        "the second post went out to Telegram and OK too"
    );
}
