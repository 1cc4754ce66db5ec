//! Comment moderation (issue 15) through the real binary against the emulators: posts published
//! by `vestnik publish --due`, users' comments seeded on the pages, then `vestnik moderate`:
//! fetched (paged, threads), judged, deleted or reported as each page's mode says, journaled,
//! restored where the network allows; the page's own comments and its administrators' never
//! touched; Telegram's 48 hours; an edit judged as it reads; `--dry-run` changing nothing.
// Helpers of this test file panic on setup failures like the tests themselves.
#![allow(clippy::unwrap_used)]

use std::process::Output;
use std::time::Duration;

use serde_json::Value;

use crate::support::sandboxed::{Setup, post};
use vestnik::networks::sandbox::VK_USER_ID;
use vestnik::publish::ledger::Ledger;
use vestnik::publish::ledger::sqlite::SqliteLedger;

/// Two organizations: `school` removes what is certain and what is likely, `other` only reports.
const REGISTRY: &str = "\
timezone: Asia/Novokuznetsk
organizations:
  - id: school
    name: МБОУ «Школа»
    required: false
    pages:
      vk: {id: 100, moderation: delete}
      ok: {id: \"200\", moderation: delete}
      telegram: {id: \"@school\", moderation: delete}
  - id: other
    name: МБУК «Другая»
    required: false
    pages:
      vk: {id: 101}
      ok: {id: \"201\", moderation: off}
      telegram: {id: \"@other\", moderation: report}
";

const OBSCENE: &str = "Да пошли вы все на хуй со своим катком";
const CLEAN: &str = "Спасибо! Во сколько открывается каток в субботу?";
const CRITICISM: &str = "Администрация опять ничего не сделала с дорогой на Зеленогорский, позор";

fn ok_stdout(out: &Output) -> String {
    assert!(
        out.status.code() == Some(0),
        "exit {:?}\n{}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The local time an hour ago in the district, as `publish --now` and a post's `date` take it:
/// moderation reads the comments of posts of the last week, by the real clock.
fn an_hour_ago() -> String {
    let tz = jiff::tz::TimeZone::get("Asia/Novokuznetsk").unwrap();
    let t = tz.to_datetime(jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1));
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// A setup whose two organizations published one post each on every page.
async fn published() -> Setup {
    let s = Setup::new().await;
    s.file("plans/registry.yaml", REGISTRY);
    let when = an_hour_ago();
    s.file(
        "plans/school/news.md",
        &post(&format!("date: {when}"), "Каток открыт"),
    );
    s.file(
        "plans/other/news.md",
        &post(&format!("date: {when}"), "Выставка открыта"),
    );
    let out = s.vestnik(&["publish", "--due", "--now", &when]).await;
    ok_stdout(&out);
    assert_eq!(s.sb.vk.state.wall(100).len(), 1);
    s
}

async fn moderate(s: &Setup, extra: &[&str]) -> Value {
    let mut args = vec!["moderate", "--format", "json"];
    args.extend_from_slice(extra);
    let out = s.vestnik(&args).await;
    serde_json::from_str(&ok_stdout(&out)).unwrap()
}

fn actions(v: &Value) -> Vec<(String, String, String)> {
    let mut a: Vec<(String, String, String)> = v["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                format!(
                    "{}/{}",
                    a["org"].as_str().unwrap(),
                    a["network"].as_str().unwrap()
                ),
                a["excerpt"].as_str().unwrap().to_owned(),
                a["action"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    a.sort();
    a
}

fn deleted_vk(s: &Setup, group: u64) -> Vec<String> {
    s.sb.vk
        .state
        .comments(group)
        .into_iter()
        .filter(|c| c.deleted)
        .map(|c| c.text)
        .collect()
}

#[tokio::test]
async fn comments_are_judged_and_deleted_or_reported_as_each_page_says() {
    let s = published().await;
    let vk_post = s.sb.vk.state.wall(100)[0].id;
    let other_post = s.sb.vk.state.wall(101)[0].id;
    let vk = &s.sb.vk.state;
    vk.add_comment(100, vk_post, 5001, CLEAN, None);
    let bad = vk.add_comment(100, vk_post, 5002, OBSCENE, None);
    vk.add_comment(100, vk_post, 5003, CRITICISM, None);
    // In a thread under the clean one: a reply.
    let parent = vk.add_comment(100, vk_post, 5004, "Когда заливают лёд?", None);
    vk.add_comment(100, vk_post, 5005, "Иди на хуй, умник", Some(parent));
    // The community itself and its administrator are never moderated.
    vk.add_comment(100, vk_post, -100, OBSCENE, None);
    vk.add_comment(100, vk_post, VK_USER_ID, OBSCENE, None);
    // `other` only reports.
    vk.add_comment(101, other_post, 5006, OBSCENE, None);

    let topic = s.sb.ok.state.topics("200")[0].id.clone();
    s.sb.ok.state.comment(&topic, "9001", OBSCENE);
    s.sb.ok
        .state
        .comment(&topic, "9002", "Отличная новость, придём всей семьёй");
    // `other` has moderation off on OK: its comments are not even read.
    let other_topic = s.sb.ok.state.topics("201")[0].id.clone();
    s.sb.ok.state.comment(&other_topic, "9003", OBSCENE);

    let tg = &s.sb.telegram.state;
    let school = s.sb.discussions["@school"];
    let other = s.sb.discussions["@other"];
    tg.set_admins(school, &[777]);
    let fresh = tg.comment(school, 601, OBSCENE, Duration::from_secs(60));
    tg.comment(
        school,
        602,
        "Лёд уже залили? Хотим с детьми в выходные",
        Duration::from_secs(60),
    );
    tg.comment(school, 777, OBSCENE, Duration::from_secs(60));
    // Older than the 48 hours Telegram allows for deleting.
    tg.comment(
        school,
        603,
        "Старое: иди на хуй",
        Duration::from_secs(49 * 3600),
    );
    tg.comment(other, 604, OBSCENE, Duration::from_secs(60));

    let v = moderate(&s, &[]).await;
    assert_eq!(
        actions(&v),
        [
            ("other/telegram".into(), OBSCENE.into(), "reported".into()),
            ("other/vk".into(), OBSCENE.into(), "reported".into()),
            ("school/ok".into(), OBSCENE.into(), "deleted".into()),
            ("school/telegram".into(), OBSCENE.into(), "deleted".into()),
            (
                "school/telegram".into(),
                "Старое: иди на хуй".into(),
                "reported".into()
            ),
            ("school/vk".into(), OBSCENE.into(), "deleted".into()),
            (
                "school/vk".into(),
                "Иди на хуй, умник".into(),
                "deleted".into()
            ),
        ],
        "{v:#}"
    );
    // Only the users' words on the pages that delete are gone.
    let mut gone = deleted_vk(&s, 100);
    gone.sort();
    assert_eq!(gone, [OBSCENE, "Иди на хуй, умник"]);
    assert!(deleted_vk(&s, 101).is_empty());
    assert!(vk.comments(100).iter().any(|c| c.id == bad && c.deleted));
    let ok_gone: Vec<String> =
        s.sb.ok
            .state
            .comments()
            .into_iter()
            .filter(|c| c.deleted)
            .map(|c| c.author_id)
            .collect();
    assert_eq!(ok_gone, ["9001"]);
    let left: Vec<i64> = tg
        .messages(&school.to_string())
        .iter()
        .map(|m| m.message_id)
        .collect();
    assert!(!left.contains(&fresh), "{left:?}");
    assert_eq!(left.len(), 3, "{left:?}");
    // The old one says why it stayed.
    let old = v["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["excerpt"] == "Старое: иди на хуй")
        .unwrap();
    assert!(
        old["not_deleted"].as_str().unwrap().contains("48"),
        "{old:#}"
    );
    // Every update was taken from the bot's queue, and nothing broke a rate limit.
    assert_eq!(tg.pending_updates(), 0);
    assert_eq!(s.sb.vk.state.rate_limited(), 0);
    assert_eq!(tg.rate_limited(), 0);
    // The responsibles hear of it once per organization.
    let ledger = SqliteLedger::open(&s.dir.path().join("ledger.sqlite")).unwrap();
    let mut alerts: Vec<String> = ledger
        .pending_alerts()
        .unwrap()
        .into_iter()
        .filter(|a| a.id.starts_with("moderation/"))
        .map(|a| a.org.unwrap().to_string())
        .collect();
    alerts.sort();
    assert_eq!(alerts, ["other", "school"]);

    // A second pass finds nothing new: each comment is judged once.
    let again = moderate(&s, &[]).await;
    assert!(actions(&again).is_empty(), "{again:#}");
    assert_eq!(again["judged"], 0);

    // The journal, newest first, and restoring where the network allows.
    let log = s.vestnik(&["moderation", "log", "--format", "json"]).await;
    let log: Value = serde_json::from_str(&ok_stdout(&log)).unwrap();
    let entries = log["actions"].as_array().unwrap();
    assert_eq!(entries.len(), 7, "{log:#}");
    let ids: Vec<i64> = entries.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");
    let find = |network: &str, action: &str| {
        entries
            .iter()
            .find(|e| e["network"] == network && e["action"] == action && e["org"] == "school")
            .map(|e| e["id"].as_i64().unwrap().to_string())
            .unwrap()
    };
    let vk_id = find("vk", "deleted");
    let restored = s.vestnik(&["moderation", "restore", &vk_id]).await;
    assert!(ok_stdout(&restored).contains("возвращён"));
    let back = vk.comments(100).into_iter().filter(|c| c.deleted).count();
    assert_eq!(back, 1, "one of the two deletions is back");
    let twice = s.vestnik(&["moderation", "restore", &vk_id]).await;
    assert_eq!(twice.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&twice.stderr).contains("уже возвращён"));
    let ok_id = find("ok", "deleted");
    let ok = s.vestnik(&["moderation", "restore", &ok_id]).await;
    assert_eq!(ok.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&ok.stderr).contains("не даёт вернуть"),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let reported = find("telegram", "reported");
    let nothing = s.vestnik(&["moderation", "restore", &reported]).await;
    assert_eq!(nothing.status.code(), Some(2));
    let human = s.vestnik(&["moderation", "log", "--org", "other"]).await;
    let human = ok_stdout(&human);
    assert_eq!(human.lines().count(), 2, "{human}");
    assert!(
        human.contains("оставлен, ответственному сообщено"),
        "{human}"
    );
    let after = s
        .vestnik(&["moderation", "log", "--format", "json", "--org", "school"])
        .await;
    let after: Value = serde_json::from_str(&ok_stdout(&after)).unwrap();
    let entry = after["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"].as_i64().unwrap().to_string() == vk_id)
        .unwrap()
        .clone();
    assert!(entry["restored"]["by"].is_string(), "{entry:#}");
}

#[tokio::test]
async fn an_edited_comment_is_judged_as_it_reads_now() {
    let s = published().await;
    let post_id = s.sb.vk.state.wall(100)[0].id;
    let vk = &s.sb.vk.state;
    let turned = vk.add_comment(100, post_id, 5001, CLEAN, None);
    let calmed = vk.add_comment(100, post_id, 5002, OBSCENE, None);
    // Between the reading of the list and the deletion, its author takes the words back.
    vk.edit_comment_on(
        "wall.getComment",
        100,
        calmed,
        "Извините, погорячился. Каток отличный",
    );
    let first = moderate(&s, &[]).await;
    assert!(actions(&first).is_empty(), "{first:#}");
    assert!(deleted_vk(&s, 100).is_empty());
    // A clean comment edited into abuse later is judged again.
    vk.edit_comment(100, turned, OBSCENE);
    let second = moderate(&s, &[]).await;
    assert_eq!(
        actions(&second),
        [("school/vk".into(), OBSCENE.into(), "deleted".into())],
        "{second:#}"
    );

    // Telegram: an edit that comes before the pass replaces the first words.
    let tg = &s.sb.telegram.state;
    let group = s.sb.discussions["@school"];
    let id = tg.comment(group, 601, OBSCENE, Duration::from_secs(10));
    tg.edit(group, id, "Простите, сорвался. Спасибо за каток");
    let third = moderate(&s, &[]).await;
    assert!(actions(&third).is_empty(), "{third:#}");
    assert_eq!(tg.messages(&group.to_string()).len(), 1);
}

#[tokio::test]
async fn a_dry_run_changes_nothing() {
    let s = published().await;
    let post_id = s.sb.vk.state.wall(100)[0].id;
    s.sb.vk.state.add_comment(100, post_id, 5002, OBSCENE, None);
    let group = s.sb.discussions["@school"];
    s.sb.telegram
        .state
        .comment(group, 601, OBSCENE, Duration::from_secs(10));
    let dry = moderate(&s, &["--dry-run"]).await;
    assert_eq!(dry["dry_run"], true);
    // What the VK pass would do is told; nothing is deleted, journaled or taken from Telegram.
    assert_eq!(
        actions(&dry),
        [("school/vk".into(), OBSCENE.into(), "deleted".into())],
        "{dry:#}"
    );
    assert!(dry["actions"][0]["id"].is_null());
    assert!(deleted_vk(&s, 100).is_empty());
    assert_eq!(s.sb.telegram.state.pending_updates(), 1);
    // The real pass still finds both.
    let real = moderate(&s, &[]).await;
    assert_eq!(actions(&real).len(), 2, "{real:#}");
    assert_eq!(deleted_vk(&s, 100), [OBSCENE]);
}

#[tokio::test]
async fn hundreds_of_comments_are_read_page_by_page() {
    let s = published().await;
    let post_id = s.sb.vk.state.wall(100)[0].id;
    let vk = &s.sb.vk.state;
    // The oldest is the bad one: three pages of a hundred, newest first, reach it.
    vk.add_comment(100, post_id, 5000, OBSCENE, None);
    for i in 0..249 {
        vk.add_comment(
            100,
            post_id,
            6000 + i,
            &format!("Спасибо за новость, номер {i}"),
            None,
        );
    }
    let v = moderate(&s, &[]).await;
    assert_eq!(v["judged"], 250, "{v:#}");
    assert_eq!(deleted_vk(&s, 100), [OBSCENE]);
    // The next look reads one page and stops: nothing on it is new.
    let before = vk.requests().len();
    let again = moderate(&s, &[]).await;
    assert_eq!(again["judged"], 0);
    let pages = vk.requests()[before..]
        .iter()
        .filter(|r| {
            r.method == "wall.getComments"
                && r.params()
                    .contains(&("owner_id".to_owned(), "-100".to_owned()))
        })
        .count();
    assert_eq!(pages, 1);
}

/// `vestnik run` moderates on `jobs.moderate`, on tasks of its own: comments on a post it
/// published are deleted while it keeps publishing on time, and it stops cleanly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemon_moderates_while_it_publishes() {
    let s = Setup::new().await;
    s.file("plans/registry.yaml", REGISTRY);
    let first = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(2);
    s.file(
        "plans/school/first.md",
        &post(&format!("date: {first}"), "Каток открыт"),
    );
    let config = s.dir.path().join("vestnik.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        format!("jobs: {{moderate: '* * * * * *', sync: '* * * * * *'}}\n{text}"),
    )
    .unwrap();
    let mut daemon = std::process::Command::new(env!("CARGO_BIN_EXE_vestnik"))
        .args(["run", "--root"])
        .arg(s.content.path())
        .arg("--config")
        .arg(&config)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let vk = &s.sb.vk.state;
    let wait = |cond: &dyn Fn() -> bool| {
        let start = std::time::Instant::now();
        while !cond() && start.elapsed() < Duration::from_secs(20) {
            std::thread::sleep(Duration::from_millis(100));
        }
        cond()
    };
    assert!(
        wait(&|| !vk.wall(100).is_empty()),
        "the first post went out"
    );
    let post_id = vk.wall(100)[0].id;
    vk.add_comment(100, post_id, 5002, OBSCENE, None);
    vk.add_comment(100, post_id, 5003, CLEAN, None);
    let group = s.sb.discussions["@school"];
    let tg = &s.sb.telegram.state;
    let bad = tg.comment(group, 601, OBSCENE, Duration::from_secs(5));
    // A second post, due while moderation runs, goes out on time.
    let second = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(3);
    s.file(
        "plans/school/second.md",
        &post(&format!("date: {second}"), "Лыжня готова"),
    );
    assert!(
        wait(&|| deleted_vk(&s, 100) == [OBSCENE]),
        "the VK comment was deleted: {:?}",
        vk.comments(100)
    );
    assert!(
        wait(&|| !tg
            .messages(&group.to_string())
            .iter()
            .any(|m| m.message_id == bad)),
        "the Telegram comment was deleted"
    );
    assert!(
        wait(&|| vk.wall(100).len() == 2),
        "the second post went out"
    );
    let late = jiff::Timestamp::now().duration_since(second);
    assert!(late < jiff::SignedDuration::from_secs(5), "late by {late}");
    crate::support::sigterm(&daemon);
    let out = tokio::task::spawn_blocking(move || {
        let status = daemon.wait().unwrap();
        let mut log = String::new();
        use std::io::Read;
        daemon
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut log)
            .unwrap();
        (status.code(), log)
    })
    .await
    .unwrap();
    assert_eq!(out.0, Some(0), "{}", out.1);
    assert!(!out.1.contains(vestnik::networks::sandbox::VK_TOKEN));
}
