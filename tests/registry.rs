//! `vestnik registry changes` on a real git history: every kind of change between two
//! revisions and against the working tree, the notice to ЦУР for a new responsible, and clear
//! errors (exit 2) for a revision that does not exist and a registry that does not parse.
// Helpers of this test file panic on setup failures like the tests themselves.
#![allow(clippy::unwrap_used)]

use std::process::{Command, Output};

use crate::support::git;
use crate::support::repo::{Repo, bin};

const V1: &str = "\
organizations:
  - id: school
    name: МБОУ «Школа»
    required: true
    gospubliki: requested
    responsible: {name: Иванова Анна Петровна, position: секретарь, phone: '+7 900 000-00-01', email: a@school.ru, since: 2026-09-01}
    pages:
      vk: {id: 100, url: 'https://vk.com/school', verified: false}
      ok: {id: '200'}
  - id: lib
    name: Библиотека
    required: false
";

const V2: &str = "\
organizations:
  - id: school
    name: МБОУ «Школа»
    required: true
    gospubliki: connected
    responsible: {name: Петров Олег Ильич, position: учитель информатики, phone: '+7 900 000-00-02', email: o@school.ru, since: 2026-12-01}
    pages:
      vk: {id: 100, url: 'https://vk.com/school', verified: true}
      telegram: {id: '@school'}
  - id: library
    name: Библиотека
    required: true
  - id: museum
    name: Музей
    required: false
";

/// A repository with V1 committed, then V2 committed.
fn history() -> Repo {
    let repo = Repo::new().registry(V1);
    git(repo.path(), &["init", "-q"]);
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-qm", "v1"]);
    let repo = repo.registry(V2);
    git(repo.path(), &["commit", "-qam", "v2"]);
    repo
}

fn changes(repo: &Repo, args: &[&str]) -> Output {
    Command::new(bin())
        .args(["registry", "changes", "--root"])
        .arg(repo.path())
        .args(args)
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

#[test]
fn every_change_between_two_revisions_with_the_notice_to_the_regional_centre() {
    let repo = history();
    let ru = stdout(&changes(&repo, &["--since", "HEAD~1", "--to", "HEAD"]));
    insta::assert_snapshot!("registry_changes_ru", ru);
    let en = stdout(&changes(
        &repo,
        &["--since", "HEAD~1", "--to", "HEAD", "--lang", "en"],
    ));
    assert!(
        en.contains("new responsible: Иванова Анна Петровна"),
        "{en}"
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&changes(
        &repo,
        &["--since", "HEAD~1", "--to", "HEAD", "--format", "json"],
    )))
    .unwrap();
    let kinds: Vec<&str> = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "gospubliki",
            "responsible",
            "page",
            "page_added",
            "page_removed",
            "renamed",
            "required",
            "added"
        ]
    );
    let notices = v["notices"].as_array().unwrap();
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0]["org"], "school");
    assert_eq!(v["changes"][1]["change"], "replaced");
    assert_eq!(v["changes"][1]["new"]["since"], "2026-12-01");
}

#[test]
fn the_working_tree_is_compared_by_default() {
    let repo = history();
    assert_eq!(
        stdout(&changes(&repo, &["--since", "HEAD"])),
        "В реестре ничего не изменилось.\n"
    );
    let repo = repo.registry(&V2.replace("+7 900 000-00-02", "+7 900 333-33-33"));
    let out = stdout(&changes(&repo, &["--since", "HEAD"]));
    assert!(out.contains("у ответственного новые данные"), "{out}");
    assert!(
        !out.contains("ЦУР"),
        "an update of contacts is no notice: {out}"
    );
}

#[test]
fn bad_revisions_and_broken_registries_are_clear_errors() {
    let repo = history();
    for (args, says) in [
        (vec!["--since", "nosuch"], "нет коммита `nosuch`"),
        (vec!["--since=--output=x"], "не ревизия"),
    ] {
        let out = changes(&repo, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
    // A registry that does not parse at one revision: its place, exit 2.
    let repo = repo.registry("organizations: [\n");
    git(repo.path(), &["commit", "-qam", "broken"]);
    let out = changes(&repo, &["--since", "HEAD~1", "--to", "HEAD"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("plans/registry.yaml@HEAD:"), "{err}");
}
