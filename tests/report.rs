//! `vestnik report` through the real binary (issue 13, item 1): the counts per organization,
//! page and week from the plan and from a real ledger, the registry's state, the problems; the
//! JSON contract, CSV with its byte order mark, the workbook read back by an independent reader
//! (Python's openpyxl, Debian `python3-openpyxl`, installed by `.ci/run`, which sets
//! `VESTNIK_REQUIRE_OPENPYXL=1`), and the HTML page opened in headless Chromium.
// Helpers of this test file panic on setup failures like the tests themselves.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output};

use jiff::Timestamp;
use vestnik::publish::ledger::sqlite::SqliteLedger;
use vestnik::publish::ledger::{ContentHash, Key, Ledger, Outcome, Planned};

use crate::support::repo::{Repo, bin};

const REGISTRY: &str = "\
timezone: Asia/Novokuznetsk
organizations:
  - id: school
    name: МБОУ «Школа № 1»
    required: true
    website: https://school.example.ru
    gospubliki: connected
    responsible:
      name: Иванова Мария Петровна
      position: секретарь
      phone: +7 900 000-00-01
      email: school@example.ru
      since: 01.09.2026
    profile:
      description: Официальная страница школы
      address: пгт Крапивинский, ул. Школьная, 1
      phones: ['+7 384 46 2-00-00']
    pages:
      vk: {id: 100, verified: true, two_factor: true}
      ok: {id: '200', verified: false, two_factor: true}
      telegram: {id: '@school', two_factor: false}
  - id: library
    name: Библиотека
    required: false
    pages:
      vk: {id: 101}
  - id: museum
    name: Музей
    required: false
";

/// Week 48 (23–29 November): three posts of the school on every page, two of the library.
/// Week 49 (30 November – 6 December, the current one): the school's one ready post, one
/// external, one draft.
fn repo() -> Repo {
    Repo::new()
        .registry(REGISTRY)
        .file(
            "plans/school/2026-11.yaml",
            "posts:\n  - id: a\n    date: 2026-11-23 10:00\n    text: Неделя математики\n  - id: b\n    date: 2026-11-25 10:00\n    text: Каток открыт\n  - id: c\n    date: 2026-11-27 10:00\n    text: Концерт к Дню матери\n",
        )
        .file(
            "plans/school/2026-12.yaml",
            "posts:\n  - id: d\n    date: 2026-12-01 10:00\n    text: Ёлка в школе\n  - id: e\n    date: 2026-12-02 10:00\n    external: gospubliki\n    text: Новости округа\n  - id: f\n    date: 2026-12-03 10:00\n    status: draft\n    text: Тема на потом\n",
        )
        .file(
            "plans/library/2026-11.yaml",
            "posts:\n  - id: a\n    date: 2026-11-24 12:00\n    text: Новые книги\n  - id: b\n    date: 2026-11-26 12:00\n    text: Вечер поэзии\n",
        )
}

fn report(repo: &Repo, args: &[&str]) -> Output {
    Command::new(bin())
        .arg("report")
        .args([
            "--today",
            "2026-12-02 12:00",
            "--from",
            "2026-W48",
            "--to",
            "2026-W49",
        ])
        .args(args)
        .arg("--root")
        .arg(repo.path())
        .output()
        .unwrap()
}

fn ok(out: &Output) -> &[u8] {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    &out.stdout
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(ok(out)).unwrap()
}

fn at(local: &str) -> Timestamp {
    let tz = jiff::tz::TimeZone::get("Asia/Novokuznetsk").unwrap();
    let dt: jiff::civil::DateTime = local.parse().unwrap();
    tz.to_ambiguous_timestamp(dt).compatible().unwrap()
}

/// A ledger as the daemon leaves it after week 48: on VK the school's three posts published;
/// on OK two published and one failed; on Telegram one published, one missed (the daemon was
/// down), one uncertain; the library's two VK posts published.
fn ledger(path: &Path) {
    let mut l = SqliteLedger::open(path).unwrap();
    let rows = [
        ("school", "a", "vk", "2026-11-23T10:00", "published"),
        ("school", "b", "vk", "2026-11-25T10:00", "published"),
        ("school", "c", "vk", "2026-11-27T10:00", "published"),
        ("school", "a", "ok", "2026-11-23T10:00", "published"),
        ("school", "b", "ok", "2026-11-25T10:00", "published"),
        ("school", "c", "ok", "2026-11-27T10:00", "failed"),
        ("school", "a", "telegram", "2026-11-23T10:00", "published"),
        ("school", "b", "telegram", "2026-11-25T10:00", "missed"),
        ("school", "c", "telegram", "2026-11-27T10:00", "uncertain"),
        ("library", "a", "vk", "2026-11-24T12:00", "published"),
        ("library", "b", "vk", "2026-11-26T12:00", "published"),
    ];
    let key = |org: &str, post: &str, net: &str| Key {
        org: org.into(),
        post: post.into(),
        network: vestnik::plan::network::Network::from_key(net).unwrap(),
    };
    let planned: Vec<Planned> = rows
        .iter()
        .map(|(org, post, net, due, _)| {
            Planned::new(
                key(org, post, net),
                at(due),
                ContentHash::of(post.as_bytes()),
                "plans/x.yaml",
            )
        })
        .collect();
    let grace = jiff::SignedDuration::from_mins(30);
    l.sync(&planned, &|_| false, at("2026-11-22T00:00"), grace)
        .unwrap();
    for (org, post, net, due, state) in rows {
        let k = key(org, post, net);
        let when = at(due);
        if state == "missed" {
            continue;
        }
        l.claim(&k, when).unwrap().unwrap();
        assert!(l.mark_sending(&k, when).unwrap());
        let outcome = match state {
            "published" => Outcome::Published {
                remote_id: format!("{org}-{post}"),
                url: None,
            },
            "failed" => Outcome::Failed("refused".into()),
            _ => Outcome::Uncertain("no answer".into()),
        };
        l.finish(&k, outcome, true, when).unwrap();
    }
    // The daemon comes back on Saturday: what it did not send is missed.
    l.sync(&planned, &|_| false, at("2026-11-28T00:00"), grace)
        .unwrap();
}

fn week<'a>(v: &'a serde_json::Value, org: &str, net: &str, week: &str) -> &'a serde_json::Value {
    let org = v["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == org)
        .unwrap();
    let page = org["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["network"] == net)
        .unwrap();
    page["weeks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["week"] == week)
        .unwrap()
}

#[test]
fn the_plan_alone_counts_ready_external_and_drafts_and_says_it_is_the_plan() {
    let repo = repo();
    let out = report(&repo, &["--format", "json"]);
    let v = json(&out);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("только по контент-плану"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(v["version"], 1);
    assert_eq!(v["ledger"], false);
    assert_eq!(v["from"], "2026-W48");
    assert_eq!(v["to"], "2026-W49");
    assert_eq!(v["current_week"], "2026-W49");
    assert_eq!(v["min_posts_per_week"], 3);

    let w48 = week(&v, "school", "telegram", "2026-W48");
    assert_eq!(
        (w48["ready"].as_u64(), w48["counted"].as_u64()),
        (Some(3), Some(3))
    );
    assert_eq!(w48["basis"], "planned");
    assert_eq!(w48["meets"], true);
    let w49 = week(&v, "school", "vk", "2026-W49");
    assert_eq!(w49["ready"], 1);
    assert_eq!(w49["external"], 1);
    assert_eq!(w49["drafts"], 1);
    assert_eq!(w49["counted"], 2, "a draft does not count");
    assert_eq!(w49["meets"], false);
    let lib = week(&v, "library", "vk", "2026-W48");
    assert_eq!(
        (lib["counted"].as_u64(), lib["meets"].as_bool()),
        (Some(2), Some(false))
    );

    // The registry's state.
    let school = &v["organizations"][0];
    assert_eq!(school["gospubliki"], "connected");
    assert_eq!(school["website"], "https://school.example.ru");
    assert_eq!(school["responsible"]["name"], "Иванова Мария Петровна");
    assert_eq!(school["responsible"]["since"], "2026-09-01");
    assert_eq!(
        school["profile_missing"],
        serde_json::json!(["map", "hours"])
    );
    let pages: Vec<&str> = school["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["url"].as_str().unwrap())
        .collect();
    assert_eq!(
        pages,
        [
            "https://vk.com/club100",
            "https://ok.ru/group/200",
            "https://t.me/school"
        ]
    );
    assert_eq!(school["pages"][1]["verified"], false);
    let museum = &v["organizations"][2];
    assert_eq!(museum["pages"], serde_json::json!([]));
    assert_eq!(museum["responsible"], serde_json::Value::Null);

    // Problems, grouped: the school's short current week is its own.
    let rules: Vec<&str> = school["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"three-per-week"), "{rules:?}");
    let p = &school["problems"][0];
    for k in [
        "severity", "rule", "file", "line", "column", "message", "hint",
    ] {
        assert!(p.get(k).is_some(), "{k} in {p}");
    }
    // Totals per network.
    let vk = &v["totals"][0];
    assert_eq!(vk["network"], "vk");
    assert_eq!(vk["pages"], 2);
    assert_eq!(vk["ready"], 3 + 1 + 2);
}

#[test]
fn a_ledger_judges_the_weeks_that_ended_by_what_was_published() {
    let repo = repo();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    ledger(&path);
    let v = json(&report(
        &repo,
        &["--format", "json", "--ledger", path.to_str().unwrap()],
    ));
    assert_eq!(v["ledger"], true);
    let vk = week(&v, "school", "vk", "2026-W48");
    assert_eq!(vk["published"], 3);
    assert_eq!(vk["basis"], "published");
    assert_eq!(vk["meets"], true);
    let okw = week(&v, "school", "ok", "2026-W48");
    assert_eq!(
        (okw["published"].as_u64(), okw["failed"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(okw["counted"], 2, "planned three, but one failed");
    assert_eq!(okw["meets"], false);
    let tg = week(&v, "school", "telegram", "2026-W48");
    assert_eq!(tg["published"], 1);
    assert_eq!(tg["missed"], 1);
    assert_eq!(tg["uncertain"], 1);
    assert_eq!(tg["meets"], false);
    // The current week is still judged by the plan.
    let now = week(&v, "school", "vk", "2026-W49");
    assert_eq!(now["basis"], "planned");
    assert_eq!(now["counted"], 2);
    assert_eq!(v["totals"][0]["published"], 5);

    // The same ledger through the daemon's configuration.
    let config = dir.path().join("vestnik.yaml");
    std::fs::write(&config, "ledger: ledger.sqlite\n").unwrap();
    let through_config = json(&report(
        &repo,
        &["--format", "json", "--config", config.to_str().unwrap()],
    ));
    assert_eq!(through_config["organizations"], v["organizations"]);
}

#[test]
fn csv_has_a_byte_order_mark_the_chosen_separator_and_the_same_rows() {
    let repo = repo();
    let out = report(&repo, &["--format", "csv", "--separator", ";"]);
    let bytes = ok(&out);
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "UTF-8 BOM");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    // A header and one row per page and week: (3 + 1 + 0 pages) × 2 weeks.
    assert_eq!(lines.len(), 1 + 4 * 2, "{text}");
    assert!(lines[0].starts_with("Организация;Соцсеть;Страница;Неделя;Понедельник;Готово"));
    assert!(
        lines.iter().any(|l| l.starts_with(
            "МБОУ «Школа № 1»;ВКонтакте;https://vk.com/club100;2026-W49;2026-11-30;1;1;1;0;0;0;0;2;по плану;нет;school"
        )),
        "{text}"
    );
    let registry = report(
        &repo,
        &["--format", "csv", "--table", "registry", "--lang", "en"],
    );
    let text = String::from_utf8(ok(&registry)[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    // Three school pages, the library's page, the museum without pages.
    assert_eq!(lines.len(), 1 + 5, "{text}");
    assert!(
        lines[0].starts_with("Organization,Network,Page,"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].contains("Иванова Мария Петровна,секретарь"),
        "{}",
        lines[1]
    );
    assert!(lines[1].contains(",2026-09-01,"), "{}", lines[1]);

    let bad = report(&repo, &["--format", "csv", "--separator", "|"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("`;`"));
}

#[test]
fn bad_input_fails_with_a_clear_message() {
    let repo = repo();
    let unknown = report(&repo, &["--org", "nope"]);
    assert_eq!(unknown.status.code(), Some(2));
    let said = String::from_utf8_lossy(&unknown.stderr);
    assert!(said.contains("нет организации `nope`"), "{said}");

    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nothing.sqlite");
    let out = report(&repo, &["--ledger", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!missing.exists(), "reading a report never creates a ledger");

    // A ledger a newer vestnik wrote.
    let newer = dir.path().join("newer.sqlite");
    drop(SqliteLedger::open(&newer).unwrap());
    let conn = rusqlite::Connection::open(&newer).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let out = report(&repo, &["--ledger", newer.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("более новой версией") && said.contains("99"),
        "{said}"
    );

    // A database that is not a ledger.
    let other = dir.path().join("other.sqlite");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE t (x)")
        .unwrap();
    let out = report(&repo, &["--ledger", other.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("не журнал публикаций"));

    // A folder with plans but no registry.
    let bare = tempfile::tempdir().unwrap();
    std::fs::create_dir(bare.path().join("plans")).unwrap();
    let out = Command::new(bin())
        .args(["report", "--root"])
        .arg(bare.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("plans/registry.yaml"));

    // A window backwards.
    let out = Command::new(bin())
        .args(["report", "--from", "2026-W49", "--to", "2026-W40", "--root"])
        .arg(repo.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("2026-W49"));
}

#[test]
fn one_organization_only() {
    let repo = repo();
    let v = json(&report(&repo, &["--format", "json", "--org", "library"]));
    let ids: Vec<&str> = v["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["library"]);
    assert_eq!(v["totals"][0]["pages"], 1);
}

/// Debian's python3 with openpyxl, or `None` (with a message) when it is missing and not
/// required.
fn openpyxl() -> Option<&'static str> {
    // Debian's own python3: a pyenv python3 earlier on PATH cannot see Debian's packages.
    let python = "/usr/bin/python3";
    let found = Command::new(python)
        .args(["-c", "import openpyxl"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("VESTNIK_REQUIRE_OPENPYXL").is_none(),
            "python3-openpyxl is required but not installed"
        );
        eprintln!("skipped: python3-openpyxl is not installed (apt-get install python3-openpyxl)");
        return None;
    }
    Some(python)
}

const READ_BACK: &str = r#"
import json, sys, datetime, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
out = {}
for ws in wb.worksheets:
    rows = list(ws.iter_rows(values_only=True))
    out[ws.title] = {
        "header": list(rows[0]) if rows else [],
        "rows": len(rows) - 1,
        "freeze": ws.freeze_panes,
        "filter": ws.auto_filter.ref,
        "widths": [ws.column_dimensions[c].width for c in "ABC"],
        "types": {},
    }
    for r in rows[1:]:
        for h, v in zip(rows[0], r):
            if v is not None:
                out[ws.title]["types"].setdefault(h, type(v).__name__)
    if ws.title == "Реестр":
        out["since"] = [str(r[10]) for r in rows[1:]]
json.dump(out, sys.stdout, ensure_ascii=False)
"#;

#[test]
fn the_workbook_reads_back_in_an_independent_reader() {
    let repo = repo();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.xlsx");
    ok(&report(
        &repo,
        &["--format", "xlsx", "-o", file.to_str().unwrap()],
    ));
    let Some(python) = openpyxl() else {
        return;
    };
    let out = Command::new(python)
        .args(["-c", READ_BACK])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&String> = v
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| *k != "since")
        .collect();
    assert_eq!(names.len(), 3, "{v}");
    let reg = &v["Реестр"];
    assert_eq!(
        reg["header"].as_array().unwrap()[..11],
        serde_json::json!([
            "Организация",
            "Соцсеть",
            "Страница",
            "«Госорганизация»",
            "Двухфакторная защита",
            "Госпаблики",
            "Ответственный",
            "Должность",
            "Телефон",
            "Эл. почта",
            "Ответственный с"
        ])
        .as_array()
        .unwrap()[..]
    );
    assert_eq!(
        reg["rows"], 5,
        "one row per page, and the museum without pages"
    );
    assert_eq!(reg["freeze"], "A2");
    assert!(reg["filter"].as_str().unwrap().starts_with("A1:"), "{reg}");
    assert_eq!(reg["types"]["Ответственный с"], "datetime", "a real date");
    assert!(
        v["since"][0].as_str().unwrap().starts_with("2026-09-01"),
        "{v}"
    );
    let weeks = &v["Недели"];
    assert_eq!(weeks["rows"], 4 * 2);
    assert_eq!(weeks["types"]["Понедельник"], "datetime");
    assert_eq!(weeks["types"]["Готово"], "int");
    assert!(v["Проблемы"]["rows"].as_u64().unwrap() >= 1);
}

#[test]
fn the_page_opens_in_chromium_with_one_cell_per_organization_and_week_and_fetches_nothing() {
    let repo = repo();
    let html = String::from_utf8(ok(&report(&repo, &["--format", "html"])).to_vec()).unwrap();
    for banned in ["<script", "<link", "<img", "src=", "@import", "url("] {
        assert!(!html.contains(banned), "{banned}");
    }
    assert!(html.contains("<html lang=\"ru\">"));
    assert!(
        html.contains("только по контент-плану"),
        "the plan-only note"
    );
    // Readable without colour: the sign says what the colour says.
    assert!(html.contains("3\u{a0}✓"), "{html}");
    assert!(html.contains("2\u{a0}✗"), "{html}");
    assert!(html.contains("<svg role=\"img\""));
    assert!(html.contains("@media print"));
    insta::assert_snapshot!("report_html_russian", html);
    let Some(browser) = crate::support::browser::chromium() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    std::fs::write(&page, &html).unwrap();
    let profile = dir.path().join("profile");
    let netlog = dir.path().join("netlog.json");
    let dom = crate::support::browser::headless(
        &browser,
        &profile,
        &page,
        &["--dump-dom", &format!("--log-net-log={}", netlog.display())],
    );
    let dom = String::from_utf8(dom.stdout).unwrap();
    // Three organizations × two weeks.
    assert_eq!(dom.matches("data-week=").count(), 3 * 2, "{dom}");
    assert_eq!(dom.matches("data-org=\"school\"").count(), 2);
    // No request for anything the page names (its links are only links).
    let log = std::fs::read_to_string(&netlog).unwrap_or_default();
    for host in ["vk.com", "ok.ru", "t.me", "school.example.ru"] {
        assert!(!log.contains(host), "the page requested {host}");
    }
    crate::support::browser::screenshot_is_not_blank(&browser, &profile, &page, (1200, 900), 10);
    crate::support::browser::screenshot_is_not_blank(&browser, &profile, &page, (375, 800), 5);
}

#[test]
fn in_english_only_names_stay_russian() {
    let repo = repo();
    let html =
        String::from_utf8(ok(&report(&repo, &["--format", "html", "--lang", "en"])).to_vec())
            .unwrap();
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("Official pages: compliance report"));
    let mut rest = html.clone();
    // What people wrote stays as written; Госпаблики and «Госорганизация» are names.
    for name in [
        "МБОУ «Школа № 1»",
        "Библиотека",
        "Музей",
        "Иванова Мария Петровна",
        "секретарь",
        "Госпаблики",
        "Госорганизация",
        "Госуслуги",
    ] {
        rest = rest.replace(name, "");
    }
    // Problems quote the plan's own text in «ёлочки».
    let cyrillic: Vec<&str> = rest
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| {
            w.chars()
                .any(|c| ('а'..='я').contains(&c.to_lowercase().next().unwrap_or(c)))
        })
        .collect();
    assert!(cyrillic.is_empty(), "{cyrillic:?}");
}
