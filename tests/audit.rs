//! The audit of the real pages (issue 14) through the real binary against the emulators: pages
//! seeded with profiles, posts made by hand, posts vestnik published; then `vestnik audit
//! --format json`, its findings, its exit code and what it kept in the ledger. Weeks are taken
//! relative to the real clock (the last week that is over), in the district's zone.
// Helpers of this test file panic on setup failures like the tests themselves.
#![allow(clippy::unwrap_used)]

use std::process::{Command, Output};
use std::time::Duration;

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use crate::support::sandboxed::{post, write};
use vestnik::audit::Access;
use vestnik::networks::sandbox::{self, Sandbox, VK_TOKEN, VK_USER_ID};
use vestnik::networks::vk::emulator::Profile;
use vestnik::plan::network::Network;
use vestnik::plan::registry::Registry;
use vestnik::plan::time::IsoWeek;
use vestnik::publish::ledger::Ledger;
use vestnik::publish::ledger::sqlite::SqliteLedger;

/// One organization connected to Госпаблики, its VK community declared verified, and a
/// Telegram channel; a second one with a VK community only.
const REGISTRY: &str = "\
timezone: Asia/Novokuznetsk
organizations:
  - id: school
    name: МБОУ «Школа»
    required: false
    gospubliki: connected
    pages:
      vk: {id: 100, verified: true}
      telegram: {id: \"@school\"}
  - id: other
    name: МБУК «Другая»
    required: false
    pages:
      vk: {id: 101, verified: false}
";

/// The channel the sandbox makes for `@school` (the first organization).
const SCHOOL_CHANNEL: i64 = -1_002_000_000_000;

fn tz() -> TimeZone {
    TimeZone::get("Asia/Novokuznetsk").unwrap()
}

/// The last ISO week that is over, in the district's zone.
fn last_week() -> IsoWeek {
    IsoWeek::of(Timestamp::now() - SignedDuration::from_hours(7 * 24), &tz())
}

/// The instant of `day` (0 = Monday) `hh:mm` local time of `week`.
fn at(week: IsoWeek, day: i64, hh: i8, mm: i8) -> Timestamp {
    let date = week.monday() + jiff::Span::new().days(day);
    let dt = DateTime::from_parts(date, jiff::civil::time(hh, mm, 0, 0));
    tz().to_ambiguous_timestamp(dt).compatible().unwrap()
}

/// `2026-12-02 10:00`, as a plan's `date:` and `publish --now` take it.
fn local(t: Timestamp) -> String {
    tz().to_datetime(t).strftime("%Y-%m-%d %H:%M").to_string()
}

struct Setup {
    content: tempfile::TempDir,
    dir: tempfile::TempDir,
    sb: Sandbox,
}

impl Setup {
    async fn new() -> Setup {
        let content = tempfile::tempdir().unwrap();
        write(content.path(), "plans/registry.yaml", REGISTRY);
        let (reg, _) = Registry::parse(REGISTRY, "plans/registry.yaml");
        let sb = sandbox::start(&reg).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("vestnik.yaml"),
            format!(
                "ledger: ledger.sqlite\ncache_dir: cache\ngrace_minutes: 100000\n{}",
                crate::support::networks_yaml(dir.path(), &sb)
            ),
        )
        .unwrap();
        // Complete profiles unless a test says otherwise.
        sb.vk.state.set_profile(100, Profile::complete("Школа"));
        let mut other = Profile::complete("Другая");
        other.verified = false;
        sb.vk.state.set_profile(101, other);
        Setup { content, dir, sb }
    }

    async fn vestnik(&self, args: &[&str]) -> Output {
        let root = self.content.path().to_owned();
        let config = self.dir.path().join("vestnik.yaml");
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        tokio::task::spawn_blocking(move || {
            Command::new(env!("CARGO_BIN_EXE_vestnik"))
                .args(&args)
                .arg("--root")
                .arg(root)
                .arg("--config")
                .arg(config)
                .env("VESTNIK_LANG", "ru")
                .output()
                .unwrap()
        })
        .await
        .unwrap()
    }

    /// `vestnik audit --format json` of weeks `from`–`to`: the exit code and the JSON.
    async fn audit(&self, from: IsoWeek, to: IsoWeek) -> (i32, Value) {
        let out = self
            .vestnik(&[
                "audit",
                "--from",
                &from.to_string(),
                "--to",
                &to.to_string(),
                "--format",
                "json",
            ])
            .await;
        let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{e}: exit {:?}\n{}\n{}",
                out.status.code(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        // Nothing of the progress line when the output is JSON (and stderr no terminal).
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains('\r'),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code().unwrap(), json)
    }

    fn hand_post(&self, group: u64, t: Timestamp, text: &str) -> i64 {
        self.sb
            .vk
            .state
            .add_post_by_hand(group, VK_USER_ID, text, t.as_second())
    }

    fn ledger(&self) -> SqliteLedger {
        SqliteLedger::open(&self.dir.path().join("ledger.sqlite")).unwrap()
    }
}

/// The findings as `(rule, org, network, week)`, sorted.
fn found(json: &Value) -> Vec<(String, String, String, String)> {
    let mut out: Vec<_> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["org"].as_str().unwrap().to_owned(),
                f["network"].as_str().unwrap().to_owned(),
                f["week"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

/// The one finding of `rule` on `network` of `org`.
fn finding<'a>(json: &'a Value, rule: &str, org: &str, network: &str) -> &'a Value {
    let all: Vec<&Value> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule && f["org"] == org && f["network"] == network)
        .collect();
    assert_eq!(all.len(), 1, "{rule} {org} {network}: {json:#}");
    all[0]
}

fn row(rule: &str, org: &str, network: &str, week: &str) -> (String, String, String, String) {
    (rule.into(), org.into(), network.into(), week.into())
}

/// Every kind of finding on pages seeded for it: a community without its mark and with an
/// incomplete profile, two posts by hand in the week, a post of Госпаблики that never came;
/// a channel whose bot lost its rights; a community with an unexpected mark.
#[tokio::test(flavor = "multi_thread")]
async fn every_finding_kind_is_reported() {
    let s = Setup::new().await;
    let w = last_week();
    let mut bare = Profile::complete("Школа");
    bare.verified = false;
    bare.phone.clear();
    bare.weekdays = None;
    s.sb.vk.state.set_profile(100, bare);
    let mut marked = Profile::complete("Другая");
    marked.verified = true;
    s.sb.vk.state.set_profile(101, marked);
    s.hand_post(100, at(w, 4, 12, 0), "Субботник в пятницу");
    s.hand_post(100, at(w, 5, 12, 0), "Итоги субботника");
    for d in 0..3 {
        s.hand_post(101, at(w, d, 9, 0), "Новые книги");
    }
    s.sb.telegram.state.demote_bots(SCHOOL_CHANNEL);
    write(
        s.content.path(),
        "plans/school/gos.md",
        &post(
            &format!(
                "date: {}\nexternal: Госпаблики\nnetworks: [vk]",
                local(at(w, 0, 10, 0))
            ),
            "Приём граждан",
        ),
    );
    let (code, json) = s.audit(w, w).await;
    let wk = w.to_string();
    assert_eq!(
        found(&json),
        [
            row("audit-access", "school", "telegram", ""),
            row("audit-gospubliki", "school", "vk", &wk),
            row("audit-posts-per-week", "school", "vk", &wk),
            row("audit-profile", "school", "vk", ""),
            row("audit-unplanned", "other", "vk", &wk),
            row("audit-unplanned", "school", "vk", &wk),
            row("audit-verified", "other", "vk", ""),
            row("audit-verified", "school", "vk", ""),
        ],
        "{json:#}"
    );
    assert_eq!(code, 1, "error-level findings fail the command");
    let posts = finding(&json, "audit-posts-per-week", "school", "vk");
    assert_eq!(posts["observed"], 2);
    assert_eq!(posts["level"], "error");
    assert!(
        posts["message"].as_str().unwrap().contains("2 публикации"),
        "{posts}"
    );
    let profile = finding(&json, "audit-profile", "school", "vk");
    assert_eq!(profile["missing"], serde_json::json!(["phones", "hours"]));
    assert!(
        profile["message"]
            .as_str()
            .unwrap()
            .contains("телефонов, часов работы"),
        "{profile}"
    );
    assert_eq!(
        finding(&json, "audit-verified", "school", "vk")["level"],
        "error"
    );
    assert_eq!(
        finding(&json, "audit-verified", "other", "vk")["level"],
        "warning"
    );
    let access = finding(&json, "audit-access", "school", "telegram");
    assert!(
        access["message"]
            .as_str()
            .unwrap()
            .contains("нет прав администратора"),
        "{access}"
    );
    assert_eq!(
        finding(&json, "audit-unplanned", "school", "vk")["level"],
        "info"
    );
    assert_eq!(json["summary"]["errors"], 3);
    // What was seen is in the ledger: the posts, and the profile as read.
    let l = s.ledger();
    let seen = l
        .observed(Network::Vk, "100", Timestamp::MIN, Timestamp::MAX)
        .unwrap();
    assert_eq!(seen.len(), 2);
    assert!(
        seen.iter()
            .all(|p| p.source == vestnik::audit::Source::Hand)
    );
    let snap = l.last_snapshot(Network::Vk, "100").unwrap().unwrap();
    assert_eq!(snap.verified, Some(false));
    assert_eq!(snap.access, Access::Ok);
    let tg = l
        .last_snapshot(Network::Telegram, "@school")
        .unwrap()
        .unwrap();
    assert_eq!(tg.access, Access::NotAdmin);
}

/// `wall.get` is read a hundred posts at a time, newest first, until the first post older
/// than the weeks audited: 350 posts of the week and 150 older ones take four calls, not five.
#[tokio::test(flavor = "multi_thread")]
async fn the_wall_is_read_in_pages_until_the_weeks_begin() {
    let s = Setup::new().await;
    let w = last_week();
    let start = at(w, 0, 0, 0);
    for n in 0..150 {
        s.hand_post(
            101,
            start - SignedDuration::from_mins(10 * (n + 1)),
            "старое",
        );
    }
    for n in 0..350 {
        s.hand_post(
            101,
            start + SignedDuration::from_mins(20 * (n + 1)),
            &format!("пост {n}"),
        );
    }
    let (_, json) = {
        let out = s
            .vestnik(&[
                "audit",
                "--org",
                "other",
                "--from",
                &w.to_string(),
                "--to",
                &w.to_string(),
                "--format",
                "json",
            ])
            .await;
        (
            out.status.code(),
            serde_json::from_slice::<Value>(&out.stdout).unwrap(),
        )
    };
    assert_eq!(
        found(&json),
        [row("audit-unplanned", "other", "vk", &w.to_string())],
        "{json:#}"
    );
    assert_eq!(
        finding(&json, "audit-unplanned", "other", "vk")["observed"],
        350
    );
    let offsets: Vec<String> =
        s.sb.vk
            .state
            .requests()
            .iter()
            .filter(|r| r.method == "wall.get")
            .map(|r| {
                r.params()
                    .iter()
                    .find(|(k, _)| k == "offset")
                    .unwrap()
                    .1
                    .clone()
            })
            .collect();
    assert_eq!(offsets, ["0", "100", "200", "300"]);
    // One groups.getById and four wall.get: five calls for the page.
    assert_eq!(json["summary"]["calls"], 5);
    assert_eq!(s.sb.vk.state.rate_limited(), 0);
    // Each request as it went over the wire is one the official schema defines.
    let schema = crate::vk::schema_dir();
    if schema.is_dir() {
        for r in s.sb.vk.state.requests() {
            crate::vk::conforms(&schema, &r.method, &r.params()).unwrap();
        }
    }
}

/// A post on Sunday at 23:30 local time is in its week, one on Monday at 00:10 in the next,
/// though in UTC both are on Sunday: weeks are the district's.
#[tokio::test(flavor = "multi_thread")]
async fn weeks_end_on_sunday_midnight_local_time() {
    let s = Setup::new().await;
    let w = last_week();
    s.hand_post(101, at(w, 2, 10, 0), "среда");
    s.hand_post(101, at(w, 6, 23, 30), "воскресенье, поздний вечер");
    s.hand_post(
        101,
        at(w.next(), 0, 0, 10),
        "понедельник, сразу после полуночи",
    );
    // The week after is read too (it is not over: only its unplanned posts are told).
    let (code, json) = s.audit(w, w.next()).await;
    // Two posts in the week: the Monday one is not counted.
    let short = finding(&json, "audit-posts-per-week", "other", "vk");
    assert_eq!(short["observed"], 2, "{json:#}");
    assert_eq!(short["week"], w.to_string());
    let unplanned: Vec<(String, u64)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "audit-unplanned" && f["org"] == "other")
        .map(|f| {
            (
                f["week"].as_str().unwrap().to_owned(),
                f["observed"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        unplanned,
        [(w.to_string(), 2), (w.next().to_string(), 1)],
        "{json:#}"
    );
    assert_eq!(code, 1);
}

/// A token the network refuses is an `audit-access` finding of every page it reads, and
/// nothing else is judged there.
#[tokio::test(flavor = "multi_thread")]
async fn a_token_without_rights_is_an_access_finding() {
    let s = Setup::new().await;
    let w = last_week();
    s.sb.vk.state.revoke_token(VK_TOKEN);
    let (code, json) = s.audit(w, w).await;
    let rows: Vec<_> = found(&json).into_iter().filter(|r| r.2 == "vk").collect();
    assert_eq!(
        rows,
        [
            row("audit-access", "other", "vk", ""),
            row("audit-access", "school", "vk", "")
        ],
        "{json:#}"
    );
    let f = finding(&json, "audit-access", "school", "vk");
    assert!(
        f["message"].as_str().unwrap().contains("ключ доступа"),
        "{f}"
    );
    assert!(!json.to_string().contains(VK_TOKEN));
    assert_eq!(code, 1);
}

/// A page closed to the public (a closed VK community, a closed OK group) is an error of
/// `audit-access`, and the rest is still judged: vestnik administers it and reads its posts.
#[tokio::test(flavor = "multi_thread")]
async fn a_page_closed_to_the_public_is_an_access_finding() {
    let s = Setup::new().await;
    let w = last_week();
    for d in 0..3 {
        s.hand_post(101, at(w, d, 9, 0), "книги");
    }
    let mut closed = Profile::complete("Другая");
    closed.verified = false;
    closed.is_closed = 1;
    s.sb.vk.state.set_profile(101, closed);
    let (code, json) = s.vestnik_json_org("other", w).await;
    assert_eq!(
        found(&json),
        [
            row("audit-access", "other", "vk", ""),
            row("audit-unplanned", "other", "vk", &w.to_string())
        ],
        "{json:#}"
    );
    let f = finding(&json, "audit-access", "other", "vk");
    assert_eq!(f["level"], "error", "{f}");
    assert!(f["message"].as_str().unwrap().contains("закрыта"), "{f}");
    assert!(f["hint"].as_str().unwrap().contains("Открытая"), "{f}");
    assert_eq!(code, 1);
    assert_eq!(
        s.ledger()
            .last_snapshot(Network::Vk, "101")
            .unwrap()
            .unwrap()
            .access,
        Access::Private
    );
    // Opened again: the finding is gone.
    let mut open = Profile::complete("Другая");
    open.verified = false;
    s.sb.vk.state.set_profile(101, open);
    let (_, json) = s.vestnik_json_org("other", w).await;
    assert_eq!(
        found(&json),
        [row("audit-unplanned", "other", "vk", &w.to_string())],
        "{json:#}"
    );
}

/// A community that was there at one audit and is deleted at the next: the second says so,
/// and the posts seen before stay in the ledger.
#[tokio::test(flavor = "multi_thread")]
async fn a_page_deleted_between_two_audits() {
    let s = Setup::new().await;
    let w = last_week();
    for d in 0..3 {
        s.hand_post(101, at(w, d, 9, 0), "книги");
    }
    let (_, first) = s.vestnik_json_org("other", w).await;
    assert_eq!(
        found(&first),
        [row("audit-unplanned", "other", "vk", &w.to_string())],
        "{first:#}"
    );
    s.sb.vk.state.delete_community(101);
    let (code, second) = s.vestnik_json_org("other", w).await;
    assert_eq!(
        found(&second),
        [row("audit-access", "other", "vk", "")],
        "{second:#}"
    );
    assert!(
        finding(&second, "audit-access", "other", "vk")["message"]
            .as_str()
            .unwrap()
            .contains("не найдена"),
        "{second:#}"
    );
    assert_eq!(code, 1);
    let l = s.ledger();
    assert_eq!(
        l.last_snapshot(Network::Vk, "101").unwrap().unwrap().access,
        Access::NotFound
    );
    assert_eq!(
        l.observed(Network::Vk, "101", Timestamp::MIN, Timestamp::MAX)
            .unwrap()
            .len(),
        3
    );
}

impl Setup {
    async fn vestnik_json_org(&self, org: &str, w: IsoWeek) -> (i32, Value) {
        let out = self
            .vestnik(&[
                "audit",
                "--org",
                org,
                "--from",
                &w.to_string(),
                "--to",
                &w.to_string(),
                "--format",
                "json",
            ])
            .await;
        (
            out.status.code().unwrap(),
            serde_json::from_slice(&out.stdout).unwrap(),
        )
    }
}

/// Posts vestnik published are counted once: on VK they are on the wall and matched to the
/// ledger by remote id; on Telegram, where the bot never receives its own posts, the ledger
/// counts them and the channel post someone made by hand comes through the poller.
#[tokio::test(flavor = "multi_thread")]
async fn vestnik_posts_are_not_counted_twice() {
    let s = Setup::new().await;
    let w = last_week();
    let wed = at(w, 2, 10, 0);
    // The emulator's clock in the past week, so that the wall dates the posts then.
    let back = Timestamp::now().duration_since(wed).as_secs().max(0) as u64;
    s.sb.vk.state.rewind_clock(Duration::from_secs(back));
    for (n, day) in [(1, 2), (2, 3)] {
        write(
            s.content.path(),
            &format!("plans/school/news-{n}.md"),
            &post(
                &format!("date: {}", local(at(w, day, 10, 0))),
                &format!("Новость {n}"),
            ),
        );
    }
    let out = s
        .vestnik(&["publish", "--due", "--now", &local(at(w, 3, 11, 0))])
        .await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(s.sb.vk.state.wall(100).len(), 2);
    // Someone posts in the channel by hand.
    s.sb.telegram.state.channel_post(
        SCHOOL_CHANNEL,
        "Объявление вручную",
        at(w, 4, 9, 0).as_second(),
    );
    let (_, json) = s.vestnik_json_org("school", w).await;
    // VK: two posts, both vestnik's (four if the ledger were counted beside the wall).
    assert_eq!(
        finding(&json, "audit-posts-per-week", "school", "vk")["observed"],
        2,
        "{json:#}"
    );
    // Telegram: two of vestnik's from the ledger and the one by hand.
    assert!(
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| !(f["rule"] == "audit-posts-per-week" && f["network"] == "telegram")),
        "{json:#}"
    );
    assert_eq!(
        finding(&json, "audit-unplanned", "school", "telegram")["observed"],
        1
    );
    assert!(
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| !(f["rule"] == "audit-unplanned" && f["network"] == "vk")),
        "{json:#}"
    );
    let l = s.ledger();
    let vk = l
        .observed(Network::Vk, "100", Timestamp::MIN, Timestamp::MAX)
        .unwrap();
    assert_eq!(vk.len(), 2);
    assert!(
        vk.iter()
            .all(|p| p.source == vestnik::audit::Source::Vestnik)
    );
    let tg = l
        .observed(
            Network::Telegram,
            &SCHOOL_CHANNEL.to_string(),
            Timestamp::MIN,
            Timestamp::MAX,
        )
        .unwrap();
    assert_eq!(tg.len(), 1);
    assert_eq!(tg[0].excerpt, "Объявление вручную");
}

/// On a terminal the human format prints the findings as `check` does, and the summary.
#[tokio::test(flavor = "multi_thread")]
async fn the_human_format_reads_like_checks() {
    let s = Setup::new().await;
    let w = last_week();
    let out = s
        .vestnik(&[
            "audit",
            "--org",
            "other",
            "--from",
            &w.to_string(),
            "--to",
            &w.to_string(),
        ])
        .await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("ошибка[audit-posts-per-week]: VK 101: за неделю"),
        "{text}"
    );
    assert!(
        text.contains(&format!("  --> other · VK 101 · {w}")),
        "{text}"
    );
    assert!(text.contains("есть нарушения: 1 ошибка"), "{text}");
    assert_eq!(out.status.code(), Some(1));
    let bad = s.vestnik(&["audit", "--from", "2026-W60"]).await;
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("2026-W60"),
        "{bad:?}"
    );
}

/// `vestnik run` audits on `jobs.audit`, on a task of its own: what the pages show reaches the
/// ledger (a channel post through the one update poller, which the audit runs when moderation
/// is off), while a post due meanwhile goes out on time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemon_audits_while_it_publishes() {
    let s = Setup::new().await;
    let w = last_week();
    for d in 0..2 {
        s.hand_post(101, at(w, d, 9, 0), "книги");
    }
    s.sb.telegram.state.channel_post(
        SCHOOL_CHANNEL,
        "Объявление вручную",
        at(w, 1, 9, 0).as_second(),
    );
    let config = s.dir.path().join("vestnik.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        format!("jobs: {{audit: '* * * * * *', moderate: 'off', sync: '* * * * * *'}}\n{text}"),
    )
    .unwrap();
    let mut daemon = Command::new(env!("CARGO_BIN_EXE_vestnik"))
        .args(["run", "--root"])
        .arg(s.content.path())
        .arg("--config")
        .arg(&config)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let wait = |cond: &dyn Fn() -> bool| {
        let start = std::time::Instant::now();
        while !cond() && start.elapsed() < Duration::from_secs(20) {
            std::thread::sleep(Duration::from_millis(100));
        }
        cond()
    };
    let observed = |network: Network, page: &str| {
        SqliteLedger::open(&s.dir.path().join("ledger.sqlite"))
            .ok()
            .and_then(|l| {
                l.observed(network, page, Timestamp::MIN, Timestamp::MAX)
                    .ok()
            })
            .map_or(0, |p| p.len())
    };
    assert!(
        wait(&|| observed(Network::Vk, "101") == 2),
        "the wall was read"
    );
    assert!(
        wait(&|| observed(Network::Telegram, &SCHOOL_CHANNEL.to_string()) == 1),
        "the channel post came through the poller"
    );
    // Two posts on `other`'s wall last week: an error, alerted once for the organization.
    let audit_alerts = || {
        SqliteLedger::open(&s.dir.path().join("ledger.sqlite"))
            .ok()
            .and_then(|l| l.pending_alerts().ok())
            .unwrap_or_default()
            .into_iter()
            .filter(|a| a.id.starts_with("audit/other/"))
            .collect::<Vec<_>>()
    };
    assert!(
        wait(&|| !audit_alerts().is_empty()),
        "an audit alert was raised"
    );
    let alert = &audit_alerts()[0];
    assert!(alert.text.contains("VK 101"), "{}", alert.text);
    // A post due while the audit runs every second goes out on time.
    let due = Timestamp::now() + SignedDuration::from_secs(3);
    write(
        s.content.path(),
        "plans/school/now.md",
        &post(&format!("date: {due}"), "Лыжня готова"),
    );
    assert!(
        wait(&|| s.sb.vk.state.wall(100).len() == 1),
        "the post went out"
    );
    let late = Timestamp::now().duration_since(due);
    assert!(late < SignedDuration::from_secs(5), "late by {late}");
    crate::support::sigterm(&daemon);
    let (code, log) = tokio::task::spawn_blocking(move || {
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
    assert_eq!(code, Some(0), "{log}");
    assert!(log.contains("audit pass"), "{log}");
    assert!(!log.contains(VK_TOKEN));
}

/// The sandbox seeded for the audit shows, against the registry alone, every finding the
/// pages can cause.
#[tokio::test(flavor = "multi_thread")]
async fn the_seeded_sandbox_shows_every_kind_of_page_finding() {
    const THREE: &str = "\
timezone: Asia/Novokuznetsk
organizations:
  - id: a
    name: A
    required: false
    pages:
      vk: {id: 100, verified: true}
      telegram: {id: \"@a\"}
  - id: b
    name: B
    required: false
    pages:
      vk: {id: 101, verified: true}
      telegram: {id: \"@b\"}
  - id: c
    name: C
    required: false
    pages:
      vk: {id: 102}
";
    let s = Setup::new().await;
    write(s.content.path(), "plans/registry.yaml", THREE);
    let (reg, _) = Registry::parse(THREE, "plans/registry.yaml");
    let sb = sandbox::start(&reg).await.unwrap();
    sb.seed_audit(&reg, Timestamp::now());
    std::fs::write(
        s.dir.path().join("vestnik.yaml"),
        format!(
            "ledger: ledger.sqlite\ncache_dir: cache\n{}",
            crate::support::networks_yaml(s.dir.path(), &sb)
        ),
    )
    .unwrap();
    let w = last_week();
    let (code, json) = s.audit(w, w).await;
    let rules: std::collections::BTreeSet<String> = found(&json).into_iter().map(|r| r.0).collect();
    assert_eq!(
        rules.into_iter().collect::<Vec<_>>(),
        [
            "audit-access",
            "audit-posts-per-week",
            "audit-profile",
            "audit-unplanned",
            "audit-verified"
        ],
        "{json:#}"
    );
    assert_eq!(code, 1);
}

/// An OK group: its profile from `group.getInfo`, its topics listed a hundred at a time
/// (`mediatopic.getTopics`, UNCONFIRMED) until the first older one; deleted, it is not found.
#[tokio::test(flavor = "multi_thread")]
async fn an_ok_group_is_read_and_its_topics_paged() {
    const OK_ONLY: &str = "\
timezone: Asia/Novokuznetsk
organizations:
  - id: club
    name: МБУК «Клуб»
    required: false
    pages:
      ok: {id: \"300\"}
";
    let s = Setup::new().await;
    write(s.content.path(), "plans/registry.yaml", OK_ONLY);
    let (reg, _) = Registry::parse(OK_ONLY, "plans/registry.yaml");
    let sb = sandbox::start(&reg).await.unwrap();
    std::fs::write(
        s.dir.path().join("vestnik.yaml"),
        format!(
            "ledger: ledger.sqlite\ncache_dir: cache\n{}",
            crate::support::networks_yaml(s.dir.path(), &sb)
        ),
    )
    .unwrap();
    let club = vestnik::networks::ok::emulator::GroupProfile {
        description: "Клуб".into(),
        homepage_url: "https://club.example".into(),
        address: "ул. Мира, 3".into(),
        location: None,
        access_type: String::new(),
    };
    sb.ok.state.set_group_profile("300", club.clone());
    let w = last_week();
    let start = at(w, 0, 0, 0);
    for n in 0..5 {
        sb.ok.state.add_topic_by_hand(
            "300",
            "старая тема",
            (start - SignedDuration::from_hours(n + 1)).as_millisecond(),
        );
    }
    for n in 0..120 {
        sb.ok.state.add_topic_by_hand(
            "300",
            &format!("тема {n}"),
            (start + SignedDuration::from_mins(30 * (n + 1))).as_millisecond(),
        );
    }
    let (code, json) = s.audit(w, w).await;
    assert_eq!(
        found(&json),
        [
            row("audit-profile", "club", "ok", ""),
            row("audit-unplanned", "club", "ok", &w.to_string()),
        ],
        "{json:#}"
    );
    assert_eq!(
        finding(&json, "audit-profile", "club", "ok")["missing"],
        serde_json::json!(["map"])
    );
    assert_eq!(
        finding(&json, "audit-unplanned", "club", "ok")["observed"],
        120
    );
    assert_eq!(code, 0, "warnings and notes only");
    let listed = sb
        .ok
        .state
        .calls()
        .iter()
        .filter(|c| c.method == "mediatopic.getTopics")
        .count();
    assert_eq!(listed, 2);
    // A closed group: an access error, and the rest is still judged.
    sb.ok.state.set_group_profile(
        "300",
        vestnik::networks::ok::emulator::GroupProfile {
            access_type: "CLOSED".into(),
            ..club
        },
    );
    let (code, json) = s.audit(w, w).await;
    assert_eq!(
        found(&json),
        [
            row("audit-access", "club", "ok", ""),
            row("audit-profile", "club", "ok", ""),
            row("audit-unplanned", "club", "ok", &w.to_string()),
        ],
        "{json:#}"
    );
    assert!(
        finding(&json, "audit-access", "club", "ok")["message"]
            .as_str()
            .unwrap()
            .contains("закрыта"),
        "{json:#}"
    );
    assert_eq!(code, 1);
    sb.ok.state.delete_group("300");
    let (code, json) = s.audit(w, w).await;
    assert_eq!(
        found(&json),
        [row("audit-access", "club", "ok", "")],
        "{json:#}"
    );
    assert_eq!(code, 1);
}

/// `vestnik report --format json` carries, per page and week, the publications the audit
/// observed (with vestnik's own from the ledger), and `null` for a page never audited.
#[tokio::test(flavor = "multi_thread")]
async fn the_report_carries_the_observed_counts() {
    let s = Setup::new().await;
    let w = last_week();
    for d in 0..3 {
        s.hand_post(101, at(w, d, 9, 0), "книги");
    }
    s.hand_post(100, at(w, 1, 9, 0), "школа");
    let (_, _) = s.vestnik_json_org("other", w).await;
    let out = s
        .vestnik(&[
            "report",
            "--format",
            "json",
            "--from",
            &w.to_string(),
            "--to",
            &w.to_string(),
        ])
        .await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let observed = |org: &str, network: &str| {
        let o = json["organizations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["id"] == org)
            .unwrap();
        let p = o["pages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["network"] == network)
            .unwrap();
        p["weeks"][0]["observed"].clone()
    };
    assert_eq!(observed("other", "vk"), 3, "{json:#}");
    // Not audited yet.
    assert_eq!(observed("school", "vk"), Value::Null);
    s.vestnik_json_org("school", w).await;
    let out = s
        .vestnik(&[
            "report",
            "--format",
            "json",
            "--from",
            &w.to_string(),
            "--to",
            &w.to_string(),
        ])
        .await;
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let vk = json["organizations"][0]["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["network"] == "vk")
        .unwrap()["weeks"][0]["observed"]
        .clone();
    assert_eq!(vk, 1, "{json:#}");
}

/// Publications left `uncertain` (the answer lost after OK applied the post, or OK failing
/// inside without applying it; a Telegram answer lost) are settled from what the audit sees:
/// the OK topic found by its text becomes `published` with its id, the one absent is sent
/// again, and for Telegram a person is given the candidate message links.
#[tokio::test(flavor = "multi_thread")]
async fn uncertain_publications_are_settled_from_the_pages() {
    const CLUB: &str = "\
timezone: Asia/Novokuznetsk
organizations:
  - id: club
    name: МБУК «Клуб»
    required: false
    pages:
      ok: {id: \"300\"}
      telegram: {id: \"@club\"}
";
    let s = Setup::new().await;
    write(s.content.path(), "plans/registry.yaml", CLUB);
    let (reg, _) = Registry::parse(CLUB, "plans/registry.yaml");
    let sb = sandbox::start(&reg).await.unwrap();
    std::fs::write(
        s.dir.path().join("vestnik.yaml"),
        format!(
            "ledger: ledger.sqlite\ncache_dir: cache\ngrace_minutes: 100000\n{}",
            crate::support::networks_yaml(s.dir.path(), &sb)
        ),
    )
    .unwrap();
    let now = Timestamp::now();
    let due = now - SignedDuration::from_mins(5);
    write(
        s.content.path(),
        "plans/club/dance.md",
        &post(
            &format!("date: {}\nnetworks: [ok, telegram]", local(due)),
            "Танцы в субботу в **19:00**",
        ),
    );
    use vestnik::networks::ok::emulator::Fault as OkFault;
    use vestnik::networks::telegram::emulator::Fault as TgFault;
    sb.ok
        .state
        .inject_on("mediatopic.post", OkFault::DropResponse, 1);
    sb.telegram.state.inject(TgFault::DropResponse, 1);
    let out = s.vestnik(&["publish", "--due", "--now", &local(now)]).await;
    assert!(out.status.code().is_some(), "{out:?}");
    let state = |network: Network| {
        s.ledger()
            .entries()
            .unwrap()
            .into_iter()
            .find(|e| e.key.network == network)
            .unwrap()
            .state
    };
    assert_eq!(state(Network::Ok).name(), "uncertain");
    assert_eq!(state(Network::Telegram).name(), "uncertain");
    let topic = sb.ok.state.topics("300")[0].id.clone();
    let w = IsoWeek::of(now, &tz());
    let (_, json) = s.audit(w, w).await;
    let settled = json["settled"].as_array().unwrap();
    let ok = settled.iter().find(|v| v["network"] == "ok").unwrap();
    assert_eq!(ok["outcome"], "published", "{json:#}");
    assert_eq!(ok["remote_id"], topic.as_str());
    match state(Network::Ok) {
        vestnik::publish::ledger::State::Published { remote_id, url } => {
            assert_eq!(remote_id, topic);
            assert_eq!(
                url.unwrap(),
                format!("https://ok.ru/group/300/topic/{topic}")
            );
        }
        other => panic!("{other:?}"),
    }
    let tg = settled.iter().find(|v| v["network"] == "telegram").unwrap();
    assert_eq!(tg["outcome"], "person");
    assert_eq!(
        tg["links"],
        serde_json::json!([
            "https://t.me/club/1",
            "https://t.me/club/2",
            "https://t.me/club/3"
        ])
    );
    assert_eq!(state(Network::Telegram).name(), "uncertain");

    // OK failing inside without applying: nothing on the page, so it is sent again.
    write(
        s.content.path(),
        "plans/club/choir.md",
        &post(
            &format!("date: {}\nnetworks: [ok]", local(due)),
            "Хор собирается в пятницу",
        ),
    );
    sb.ok
        .state
        .inject_on("mediatopic.post", OkFault::ApiError(1), 1);
    s.vestnik(&["publish", "--due", "--now", &local(now)]).await;
    let choir = |l: &SqliteLedger| {
        l.entries()
            .unwrap()
            .into_iter()
            .find(|e| e.key.post.as_str() == "choir")
            .unwrap()
            .state
    };
    assert_eq!(choir(&s.ledger()).name(), "uncertain");
    assert_eq!(sb.ok.state.topics("300").len(), 1);
    let (_, json) = s.audit(w, w).await;
    let again: Vec<&Value> = json["settled"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["post"] == "choir")
        .collect();
    assert_eq!(again.len(), 1, "{json:#}");
    assert_eq!(again[0]["outcome"], "resend");
    assert_eq!(choir(&s.ledger()).name(), "scheduled");
}
