//! `vestnik calendar` through the real binary: the content plan as an iCalendar feed read back
//! by an independent parser (Python's `icalendar`, Debian `python3-icalendar`, installed by
//! `.ci/run`, which sets `VESTNIK_REQUIRE_ICALENDAR=1`), and as an HTML month view opened in
//! headless Chromium.
// Helpers of this test file panic on setup failures like the tests themselves.
#![allow(clippy::unwrap_used)]

use std::process::{Command, Output};

use crate::support::repo::{Repo, bin};

const REGISTRY: &str = "\
timezone: Asia/Novokuznetsk
organizations:
  - id: school
    name: МБОУ «Школа»
    required: true
    pages:
      vk: {id: 100}
      telegram: {id: '@school'}
  - id: library
    name: Библиотека
    required: false
    pages:
      vk: {id: 101}
";

fn repo() -> Repo {
    Repo::new()
        .registry(REGISTRY)
        .file(
            "plans/school/2026-12-07-katok.md",
            "---\ndate: 2026-12-07 10:00\ntitle: Каток открыт\n---\nПриходите кататься; вход свободный, коньки — напрокат.\n",
        )
        .file(
            "plans/school/2026-12-09-elka.md",
            "---\ndate: 2026-12-09 18:30\nstatus: draft\nnetworks: [telegram]\n---\nЁлка: тема на потом\n",
        )
        .file(
            "plans/library/2026-12.yaml",
            "posts:\n  - date: 2026-12-08 12:00\n    text: Новые книги\n  - date: 2027-01-11 12:00\n    external: gospubliki\n    text: Каникулы в библиотеке\n",
        )
}

fn calendar(repo: &Repo, args: &[&str]) -> Output {
    Command::new(bin())
        .arg("calendar")
        .args(args)
        .arg("--root")
        .arg(repo.path())
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// Debian's Python (where `python3-icalendar` installs; a `python3` earlier on PATH may be
/// another one) with the `icalendar` module, or `None` when absent and not required.
fn python_icalendar() -> Option<&'static str> {
    let python = ["/usr/bin/python3", "python3"].into_iter().find(|p| {
        Command::new(p)
            .args(["-c", "import icalendar"])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if python.is_none() {
        assert!(
            std::env::var_os("VESTNIK_REQUIRE_ICALENDAR").is_none(),
            "python3-icalendar is required but not installed"
        );
        eprintln!(
            "skipped: python3-icalendar is not installed (apt-get install python3-icalendar)"
        );
    }
    python
}

#[test]
fn the_feed_reads_back_in_an_independent_parser() {
    let repo = repo();
    let ics = stdout(&calendar(&repo, &[]));
    // Lines end with CRLF and none is longer than 75 octets.
    assert!(ics.ends_with("END:VCALENDAR\r\n"));
    assert!(ics.split("\r\n").all(|l| l.len() <= 75));
    // UIDs are stable from one run to the next (DTSTAMP is the time of writing).
    let uids = |s: &str| -> Vec<String> {
        s.split("\r\n")
            .filter(|l| l.starts_with("UID:"))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(uids(&ics), uids(&stdout(&calendar(&repo, &[]))));
    let Some(python) = python_icalendar() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plan.ics");
    std::fs::write(&file, &ics).unwrap();
    let script = r#"
import sys, icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
for e in cal.walk('VEVENT'):
    print('|'.join([str(e['UID']), e['DTSTART'].dt.isoformat(), str(e['STATUS']), str(e['SUMMARY'])]))
"#;
    let out = Command::new(python)
        .args(["-c", script])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let events: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        events,
        [
            // 10:00 in Asia/Novokuznetsk is 03:00 UTC.
            "school/2026-12-07-katok@vestnik|2026-12-07T03:00:00+00:00|CONFIRMED|МБОУ «Школа»: Каток открыт",
            "library/2026-12#2026-12-08T12:00@vestnik|2026-12-08T05:00:00+00:00|CONFIRMED|Библиотека: Новые книги",
            "school/2026-12-09-elka@vestnik|2026-12-09T11:30:00+00:00|TENTATIVE|[черновик] МБОУ «Школа»: Ёлка: тема на потом",
            "library/2026-12#2027-01-11T12:00@vestnik|2027-01-11T05:00:00+00:00|CONFIRMED|[внешняя] Библиотека: Каникулы в библиотеке",
        ]
    );
}

#[test]
fn one_organization_and_a_clear_error_for_an_unknown_one() {
    let repo = repo();
    let ics = stdout(&calendar(&repo, &["--org", "library", "--lang", "en"]));
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 2);
    let unfolded = ics.replace("\r\n ", "");
    assert!(unfolded.contains("SUMMARY:[external] Библиотека: Каникулы в библиотеке"));
    let out = calendar(&repo, &["--org", "nobody"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("в реестре нет организации `nobody`"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_broken_file_is_named_and_the_rest_is_written() {
    let repo = repo().file("plans/school/broken.md", "---\ndate: [\n---\nx\n");
    let out = calendar(&repo, &[]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("plans/school/broken.md"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout)
            .matches("BEGIN:VEVENT")
            .count(),
        4
    );
}

#[test]
fn the_month_view_counts_weeks_against_the_minimum_in_chromium() {
    let repo = repo();
    let html = stdout(&calendar(&repo, &["--format", "html", "--org", "school"]));
    // December 2026 only: weeks 49..53, each with its count; the short ones say so in words.
    assert_eq!(html.matches("<h2>").count(), 1, "{html}");
    assert!(html.contains("<h2>Декабрь 2026</h2>"));
    assert_eq!(html.matches("<td class=\"short\">").count(), 5, "{html}");
    assert!(html.contains("1 из 3"));
    assert!(html.contains("[черновик] Ёлка: тема на потом"));
    for banned in ["<script", "<link", "<img", "src=", "@import", "url("] {
        assert!(!html.contains(banned), "{banned}");
    }
    let Some(browser) = crate::support::browser::chromium() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("calendar.html");
    std::fs::write(&page, &html).unwrap();
    let profile = dir.path().join("profile");
    let dom = crate::support::browser::headless(&browser, &profile, &page, &["--dump-dom"]);
    let dom = String::from_utf8(dom.stdout).unwrap();
    assert_eq!(
        dom.matches("<tr>").count(),
        1 + 5,
        "a header and five weeks"
    );
    crate::support::browser::screenshot_is_not_blank(&browser, &profile, &page, (1200, 900), 10);
    // Narrow, as on a phone: still painted.
    crate::support::browser::screenshot_is_not_blank(&browser, &profile, &page, (375, 800), 5);
}
