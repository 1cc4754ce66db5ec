//! `vestnik publish --due` end to end: the shipped example plans published by the real binary
//! into the local emulators of the three APIs; the emulators' state must match the plans exactly
//! (no more, no less), and a second pass must publish nothing again.
// Helpers of this test file panic on setup failures like the tests themselves.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use vestnik::network::Network;
use vestnik::networks::{ok, telegram};
use vestnik::plan::{self, Status};
use vestnik::registry::{REGISTRY_PATH, Registry};
use vestnik::render::{self, Flavor};
use vestnik::repo::{self, FileKind};
use vestnik::sandbox;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn secret_file(dir: &Path, name: &str, value: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, value).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    p
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
        let text = std::fs::read_to_string(&f.abs).unwrap();
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
    let tg = secret_file(dir.path(), "telegram.token", telegram::emulator::TEST_TOKEN);
    let vk = secret_file(dir.path(), "vk.token", sandbox::VK_TOKEN);
    let okt = secret_file(dir.path(), "ok.token", ok::emulator::TEST_ACCESS_TOKEN);
    let oks = secret_file(
        dir.path(),
        "ok.secret",
        ok::emulator::TEST_APPLICATION_SECRET,
    );
    let config = dir.path().join("vestnik.yaml");
    std::fs::write(
        &config,
        format!(
            "ledger: ledger.sqlite\ncache_dir: cache\ngrace_minutes: 100000\nnetworks:\n  telegram: {{base_url: '{}', token_file: '{}'}}\n  vk: {{base_url: '{}', token_file: '{}'}}\n  ok: {{base_url: '{}', application_key: {}, secret_file: '{}', token_file: '{}'}}\n",
            sb.telegram.base_url,
            tg.display(),
            sb.vk.base_url,
            vk.display(),
            sb.ok.base_url,
            ok::emulator::TEST_APPLICATION_KEY,
            oks.display(),
            okt.display()
        ),
    )
    .unwrap();
    let now = "2026-12-02 12:00";
    let cfg = config.clone();
    let publish = move || {
        Command::new(env!("CARGO_BIN_EXE_vestnik"))
            .args(["publish", "--due", "--root"])
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
    let want = expected(vestnik::time::parse_when(now, &tz).unwrap());
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
}

/// `vestnik run` sleeps until a post is due, publishes it then (not before), and stops on
/// SIGTERM between passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_publishes_at_the_deadline_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("content");
    std::fs::create_dir_all(repo.join("plans/school")).unwrap();
    let registry = "organizations:\n  - id: school\n    name: Школа\n    required: true\n    pages:\n      vk: {id: 900000007}\n";
    std::fs::write(repo.join(REGISTRY_PATH), registry).unwrap();
    let due = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(3);
    std::fs::write(
        repo.join("plans/school/soon.md"),
        format!("---\ndate: {due}\n---\nСкоро!\n"),
    )
    .unwrap();
    let (reg, _) = Registry::parse(registry, REGISTRY_PATH);
    let sb = sandbox::start(&reg).await.unwrap();
    let vk = secret_file(dir.path(), "vk.token", sandbox::VK_TOKEN);
    let config = dir.path().join("vestnik.yaml");
    std::fs::write(
        &config,
        format!(
            "ledger: ledger.sqlite\nnetworks:\n  vk: {{base_url: '{}', token_file: '{}'}}\n",
            sb.vk.base_url,
            vk.display()
        ),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_vestnik"))
        .args(["run", "--reload-seconds", "30", "--root"])
        .arg(&repo)
        .arg("--config")
        .arg(&config)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert!(
        sb.vk.state.wall(900000007).is_empty(),
        "published before its time"
    );
    let mut published_at = None;
    for _ in 0..100 {
        if !sb.vk.state.wall(900000007).is_empty() {
            published_at = Some(jiff::Timestamp::now());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let at = published_at.expect("published within 10 s of its time");
    assert!(at >= due, "published at {at}, due {due}");
    assert!(
        at.duration_since(due) < jiff::SignedDuration::from_secs(5),
        "late: {}",
        at.duration_since(due)
    );
    let pid = child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.code(), Some(0));
    assert_eq!(sb.vk.state.wall(900000007).len(), 1);
}
