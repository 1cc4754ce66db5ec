//! `vestnik site` through the real binary: the block of official pages for an organization's
//! website (п. 3.6), in Russian by default and in English, as HTML and JSON; a clear error for
//! an organization the registry does not have.
// Helpers of this test file panic on setup failures like the tests themselves.
#![allow(clippy::unwrap_used)]

use crate::support::repo::{Repo, bin};

const REGISTRY: &str = "\
organizations:
  - id: school
    name: МБОУ «Школа»
    required: true
    website: https://school.example.ru
    pages:
      vk: {id: 100}
      ok: {id: '200'}
      telegram: {id: '@school'}
  - id: library
    name: Библиотека
    required: false
    pages:
      vk: {id: 101, url: 'https://vk.com/library'}
  - id: quiet
    name: Без страниц
    required: false
";

fn site(repo: &Repo, args: &[&str]) -> std::process::Output {
    std::process::Command::new(bin())
        .arg("site")
        .args(args)
        .arg("--root")
        .arg(repo.path())
        .output()
        .unwrap()
}

fn stdout(out: &std::process::Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn the_block_to_paste_in_russian_and_english() {
    let repo = Repo::new().registry(REGISTRY);
    let ru = stdout(&site(&repo, &["--org", "school"]));
    insta::assert_snapshot!("site_school_ru", ru);
    let en = stdout(&site(&repo, &["--org", "school", "--lang", "en"]));
    insta::assert_snapshot!("site_school_en", en);
}

#[test]
fn the_page_for_webmasters_has_every_organization_with_pages_and_nothing_external() {
    let repo = Repo::new().registry(REGISTRY);
    let html = stdout(&site(&repo, &[]));
    assert_eq!(html.matches("<article>").count(), 2, "{html}");
    assert!(html.contains("https://vk.com/library"));
    assert!(!html.contains("Без страниц"));
    for banned in [
        "<script", "<link", "<img", "src=", "@import", "url(", "<iframe",
    ] {
        assert!(!html.contains(banned), "{banned}");
    }
    // Only the pages' own links leave the page (the code to copy is shown escaped).
    let hrefs: Vec<&str> = html
        .split("<a href=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect();
    assert_eq!(hrefs.len(), 4, "{hrefs:?}");
}

#[test]
fn json_for_a_cms() {
    let repo = Repo::new().registry(REGISTRY);
    let v: serde_json::Value =
        serde_json::from_str(&stdout(&site(&repo, &["--format", "json", "--lang", "en"]))).unwrap();
    let orgs = v["organizations"].as_array().unwrap();
    assert_eq!(orgs.len(), 2);
    assert_eq!(orgs[0]["id"], "school");
    assert_eq!(orgs[0]["website"], "https://school.example.ru");
    let pages = orgs[0]["pages"].as_array().unwrap();
    let got: Vec<(&str, &str, &str)> = pages
        .iter()
        .map(|p| {
            (
                p["network"].as_str().unwrap(),
                p["label"].as_str().unwrap(),
                p["url"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("vk", "VK", "https://vk.com/club100"),
            ("ok", "Odnoklassniki", "https://ok.ru/group/200"),
            ("telegram", "Telegram", "https://t.me/school"),
        ]
    );
}

#[test]
fn an_unknown_organization_is_a_clear_error() {
    let repo = Repo::new().registry(REGISTRY);
    let out = site(&repo, &["--org", "scool"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "vestnik: в реестре нет организации `scool`: проверьте `id` в plans/registry.yaml\n"
    );
    assert!(out.stdout.is_empty());
}
