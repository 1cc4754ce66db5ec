//! `vestnik check` end to end: the real binary on content repositories built in temp dirs, with
//! exact diagnostics (rule, severity, file, line, column) and exit codes.
//!
//! Every rule id of `vestnik rules` has at least one test here; `every_rule_is_covered` keeps it so.

use crate::support::latin::latin_words;
use crate::support::repo as util;

use util::{Repo, post, repo};

// ── the command line ────────────────────────────────────────────────────────────────────────

#[test]
fn every_rule_is_covered() {
    let out = std::process::Command::new(util::bin())
        .arg("rules")
        .output()
        .expect("run vestnik rules");
    assert_eq!(out.status.code(), Some(0));
    let listed: Vec<String> = String::from_utf8(out.stdout)
        .expect("UTF-8")
        .lines()
        .map(|l| l.split_whitespace().next().unwrap_or("").to_owned())
        .collect();
    // A new or renamed rule must come with a test here.
    assert_eq!(
        listed,
        [
            "yaml",
            "schema",
            "duplicate-id",
            "date",
            "unknown-org",
            "foreign-org",
            "unknown-network",
            "three-per-week",
            "text-length",
            "poll",
            "album-size",
            "markdown",
            "empty-post",
            "media-missing",
            "media-path",
            "media-format",
            "media-size",
            "media-tool",
            "secret",
            "style",
            "variety",
            "draft-due",
            "stray-file",
            "registry-duplicate",
            "registry-pages",
            "registry-2fa",
            "registry-verified",
            "registry-gospubliki",
            "registry-responsible",
            "registry-profile",
        ]
    );
    // And some test expects a finding of each: `"<id> error …"` or `"<id> warning …"`.
    let source = include_str!("check.rs");
    for id in &listed {
        assert!(
            source.contains(&format!("\"{id} error "))
                || source.contains(&format!("\"{id} warning ")),
            "no test expects a `{id}` finding"
        );
    }
}

#[test]
fn clean_repository_passes() {
    let c = repo()
        .file(
            "plans/school/a.md",
            &post("date: 2026-12-01 09:00", "Привет!\n"),
        )
        .check()
        .json();
    assert_eq!(c.at(), Vec::<String>::new());
    assert_eq!(c.code, 0);
    assert_eq!(c.summary["errors"], 0);
    assert_eq!(c.summary["warnings"], 0);
    assert_eq!(c.summary["passed"], true);
    assert_eq!(c.summary["files"], 1);
    assert_eq!(c.summary["posts"], 1);
    assert_eq!(c.summary["organizations"], 2);
    assert_eq!(c.summary["from"], "2026-W49");
    assert_eq!(c.summary["to"], "2026-W50");
    assert_eq!(c.summary["today"], "2026-11-30 00:00");
}

#[test]
fn shipped_example_plans_pass() {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut cmd = std::process::Command::new(util::bin());
    cmd.args([
        "check",
        "--root",
        root,
        "--today",
        "2026-11-30",
        "--format",
        "json",
    ]);
    let out = cmd.output().expect("run vestnik");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    let errors: Vec<&serde_json::Value> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["severity"] == "error")
        .collect();
    assert_eq!(errors, Vec::<&serde_json::Value>::new());
    assert_eq!(report["summary"]["errors"], 0);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn not_a_repository_exits_2() {
    let r = Repo::bare().check().run("human");
    assert_eq!(r.code, 2);
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr
            .contains("is not a content repository: it has no plans/ folder"),
        "{}",
        r.stderr
    );
}

#[test]
fn bad_today_exits_2() {
    let r = repo().check().today("завтра").run("json");
    assert_eq!(r.code, 2);
    assert_eq!(r.stdout, "");
    assert!(r.stderr.starts_with("vestnik: --today: "), "{}", r.stderr);
}

#[test]
fn from_after_to_exits_2() {
    let r = repo()
        .check()
        .args(&["--from", "2026-W51", "--to", "2026-W50"])
        .run("json");
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "vestnik: --from 2026-W51 is after --to 2026-W50\n"
    );
}

#[test]
fn bad_flag_value_exits_2() {
    let r = repo().check().args(&["--from", "2026-W60"]).run("json");
    assert_eq!(r.code, 2);
    let r = repo().check().run("xml");
    assert_eq!(r.code, 2);
}

// ── yaml ────────────────────────────────────────────────────────────────────────────────────

/// A nasty input: one `yaml` error, exit 1, nothing on stderr (no panic, no hang).
fn one_yaml_error(rel: &str, bytes: &[u8]) -> util::Diag {
    let c = repo().bytes(rel, bytes).check().json();
    assert_eq!(c.code, 1, "{:#?}", c.diags);
    let d = c.only().clone();
    assert_eq!((d.rule.as_str(), d.severity.as_str()), ("yaml", "error"));
    assert_eq!(d.file, rel);
    d
}

#[test]
fn yaml_malformed_front_matter() {
    let d = one_yaml_error(
        "plans/school/a.md",
        post("date: 2026-12-01 09:00\nnetworks: [vk\ntitle: x", "Текст\n").as_bytes(),
    );
    // The parser stops at the `:` of the next line, still inside the unclosed `[`.
    assert_eq!(d.at(), "yaml error plans/school/a.md:4:6");
    assert!(
        d.message.starts_with("the front matter is not valid YAML"),
        "{}",
        d.message
    );
}

#[test]
fn yaml_duplicate_key() {
    let d = one_yaml_error(
        "plans/school/a.md",
        post(
            "date: 2026-12-01 09:00\ntitle: a\ndate: 2026-12-02 09:00",
            "Текст\n",
        )
        .as_bytes(),
    );
    assert_eq!(d.at(), "yaml error plans/school/a.md:4:1");
    assert!(
        d.message.contains("`date` is written twice"),
        "{}",
        d.message
    );
}

#[test]
fn yaml_unclosed_front_matter() {
    let d = one_yaml_error(
        "plans/school/a.md",
        b"---\ndate: 2026-12-01 09:00\n\n\xd0\xa2\xd0\xb5\xd0\xba\xd1\x81\xd1\x82\n",
    );
    assert_eq!(d.at(), "yaml error plans/school/a.md:1:1");
    assert!(d.message.contains("never closed"), "{}", d.message);
}

#[test]
fn yaml_missing_front_matter() {
    let d = one_yaml_error("plans/school/a.md", "Просто текст.\n".as_bytes());
    assert_eq!(d.at(), "yaml error plans/school/a.md:1:1");
}

#[test]
fn yaml_bomb() {
    let bomb = "\
posts:
  - date: 2026-12-01 09:00
    title: &a [x, x, x, x, x, x, x, x, x, x]
    b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
    c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
    d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
    e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
    f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
    g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]
    h: [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]
";
    let d = one_yaml_error("plans/school/plan.yaml", bomb.as_bytes());
    // Where the replay budget runs out depends on the parser; it is inside the aliases.
    assert!((3..=10).contains(&d.line), "{}", d.at());
    assert!(
        d.message.starts_with("the plan is not valid YAML"),
        "{}",
        d.message
    );
    assert!(
        d.message.contains("expands to too much data"),
        "{}",
        d.message
    );
}

#[test]
fn yaml_bomb_in_front_matter() {
    let front = "\
date: 2026-12-01 09:00
a: &a [x, x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
f: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]";
    let d = one_yaml_error("plans/school/a.md", post(front, "Текст\n").as_bytes());
    assert!((3..=8).contains(&d.line), "{}", d.at());
    assert!(
        d.message.contains("expands to too much data"),
        "{}",
        d.message
    );
}

#[test]
fn yaml_two_megabyte_file() {
    let mut text = post("date: 2026-12-01 09:00", "");
    text.push_str(&"Длинный текст. ".repeat(2 * 1024 * 1024 / 27));
    assert!(text.len() > 2_000_000);
    let d = one_yaml_error("plans/school/a.md", text.as_bytes());
    assert_eq!(d.at(), "yaml error plans/school/a.md:1:1");
    assert!(d.message.contains("larger than 1024 KiB"), "{}", d.message);
}

#[test]
fn yaml_invalid_utf8() {
    let mut bytes = post("date: 2026-12-01 09:00", "Текст ").into_bytes();
    bytes.extend_from_slice(b"\xff\xfe\x00junk\n");
    let d = one_yaml_error("plans/school/a.md", &bytes);
    assert_eq!(d.at(), "yaml error plans/school/a.md:4:7");
    assert!(d.message.contains("not UTF-8"), "{}", d.message);
}

#[test]
fn yaml_windows_1251_plan() {
    // «Текст» in Windows-1251.
    let d = one_yaml_error(
        "plans/school/plan.yaml",
        b"posts:\n  - date: 2026-12-01 09:00\n    text: \xd2\xe5\xea\xf1\xf2\n",
    );
    assert_eq!(d.at(), "yaml error plans/school/plan.yaml:3:11");
}

#[test]
fn yaml_binary_junk_named_md() {
    let mut png = Vec::new();
    image::RgbImage::new(4, 4)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("encode a PNG");
    let d = one_yaml_error("plans/school/photo.md", &png);
    assert_eq!(d.at(), "yaml error plans/school/photo.md:1:1");
}

#[test]
fn yaml_deep_nesting_in_plan() {
    let text = format!("posts: {}", "[".repeat(5000));
    let d = one_yaml_error("plans/school/plan.yaml", text.as_bytes());
    // The column is wherever the parser's depth limit is reached.
    assert_eq!(d.line, 1);
}

#[test]
fn yaml_deep_nesting_in_front_matter() {
    let front = format!("date: 2026-12-01 09:00\ntitle: {}", "{a: ".repeat(5000));
    let d = one_yaml_error("plans/school/a.md", post(&front, "Текст\n").as_bytes());
    assert_eq!(d.line, 3);
    assert!(
        d.message.contains("expands to too much data"),
        "{}",
        d.message
    );
}

#[test]
fn yaml_bomb_message_is_whole() {
    let bomb = "\
posts:
  - date: 2026-12-01 09:00
    title: &a [x, x, x, x, x, x, x, x, x, x]
    b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
    c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
    d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
    e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
";
    let d = one_yaml_error("plans/school/plan.yaml", bomb.as_bytes());
    assert!(!d.message.contains("(used ("), "{}", d.message);
    assert!(!d.message.contains(" at line "), "{}", d.message);
}

#[test]
fn yaml_malformed_registry() {
    let c = Repo::new()
        .registry("organizations:\n  - id: school\n    name: [Школа\n")
        .file(
            "plans/school/a.md",
            &post("date: 2026-12-01 09:00", "Текст\n"),
        )
        .check()
        .json();
    assert_eq!(c.at(), ["yaml error plans/registry.yaml:3:11"]);
    assert!(
        c.diags[0]
            .message
            .starts_with("the registry is not valid YAML"),
        "{}",
        c.diags[0].message
    );
    assert_eq!(c.code, 1);
}

#[test]
fn yaml_missing_registry() {
    let c = Repo::new()
        .file(
            "plans/school/a.md",
            &post("date: 2026-12-01 09:00", "Текст\n"),
        )
        .check()
        .json();
    assert_eq!(c.at(), ["yaml error plans/registry.yaml:1:1"]);
    assert_eq!(
        c.diags[0].message,
        "the registry plans/registry.yaml is missing"
    );
    assert_eq!(c.code, 1);
}

#[test]
fn one_bad_file_does_not_hide_the_others() {
    let c = repo()
        .file("plans/school/a.md", "---\ndate: [\n---\n")
        .file(
            "plans/school/b.md",
            &post("date: 2026-12-01 09:00\ntitel: x", "Текст\n"),
        )
        .file(
            "plans/school/c.yaml",
            "posts:\n  - date: 2026-12-01\n    text: x\n",
        )
        .check()
        .json();
    assert_eq!(
        c.at(),
        [
            "yaml error plans/school/a.md:2:7",
            "schema error plans/school/b.md:3:1",
            "date error plans/school/c.yaml:2:11",
        ]
    );
}

#[test]
fn odd_files_are_diagnostics_not_crashes() {
    let c = repo()
        .file("plans/school/empty.md", "")
        .file("plans/school/empty.yaml", "")
        .file("plans/school/only-dashes.md", "---\n---\n")
        .file("plans/school/list.md", "---\n- a\n- b\n---\nТекст\n")
        .file(
            "plans/school/scalars.yaml",
            "posts:\n  - просто текст\n  - 42\n  -\n",
        )
        .file("plans/school/tabs.yaml", "posts:\n\t- date: x\n")
        // A byte order mark and Windows line ends: positions are still right.
        .file(
            "plans/school/crlf.md",
            "\u{feff}---\r\ndate: 2026-12-01 09:00\r\n---\r\nТекст в целях\r\n",
        )
        .check()
        .json();
    assert_eq!(
        c.at(),
        [
            "style warning plans/school/crlf.md:4:7",
            "yaml error plans/school/empty.md:1:1",
            "schema error plans/school/empty.yaml:1:1",
            "schema error plans/school/list.md:2:1",
            "schema error plans/school/only-dashes.md:2:1",
            "schema error plans/school/scalars.yaml:2:5",
            "schema error plans/school/scalars.yaml:3:5",
            "schema error plans/school/scalars.yaml:4:4",
            "yaml error plans/school/tabs.yaml:2:2",
        ]
    );
    assert_eq!(c.code, 1);
}

// ── schema ──────────────────────────────────────────────────────────────────────────────────

#[test]
fn schema_unknown_field_suggests_the_known_one() {
    let c = repo()
        .file(
            "plans/school/a.md",
            &post("date: 2026-12-01 09:00\ntitel: Каток", "Текст\n"),
        )
        .check()
        .json();
    assert_eq!(c.at(), ["schema error plans/school/a.md:3:1"]);
    let d = c.only();
    assert_eq!(d.message, "unknown field `titel` in the front matter");
    assert!(
        d.hint
            .as_deref()
            .is_some_and(|h| h.starts_with("did you mean `title`?")),
        "{:?}",
        d.hint
    );
    assert_eq!(c.code, 1);
}

#[test]
fn schema_unknown_poll_field_in_plan() {
    let plan = "\
posts:
  - date: 2026-12-01 09:00
    text: Опрос
    poll:
      question: Придёте?
      options: [Да, Нет]
      multiply: true
";
    let c = repo().file("plans/school/plan.yaml", plan).check().json();
    assert_eq!(c.at(), ["schema error plans/school/plan.yaml:7:7"]);
    assert!(
        c.diags[0]
            .hint
            .as_deref()
            .is_some_and(|h| h.starts_with("did you mean `multiple`?")),
        "{:?}",
        c.diags[0].hint
    );
}

#[test]
fn schema_wrong_types() {
    let front = "\
date: 2026-12-01 09:00
networks: {vk: true}
poll: Придёте?
status: [draft]";
    let c = repo()
        .file("plans/school/a.md", &post(front, "Текст\n"))
        .check()
        .json();
    assert_eq!(
        c.at(),
        [
            "schema error plans/school/a.md:3:11",
            "schema error plans/school/a.md:4:7",
            "schema error plans/school/a.md:5:9",
        ]
    );
    assert_eq!(
        c.diags[0].message,
        "`networks` in the front matter must be a list, found a group of fields"
    );
    assert_eq!(
        c.diags[1].message,
        "`poll` in the front matter must be a group of fields, found text"
    );
}

#[test]
fn schema_missing_date() {
    let c = repo()
        .file("plans/school/a.md", &post("title: Каток", "Текст\n"))
        .check()
        .json();
    assert_eq!(c.at(), ["schema error plans/school/a.md:2:1"]);
    assert_eq!(c.diags[0].message, "the front matter has no `date`");
}

#[test]
fn schema_missing_date_in_plan() {
    let plan = "\
posts:
  - date: 2026-12-01 09:00
    text: Первый
  - title: Без даты
    text: Второй
";
    let c = repo().file("plans/school/plan.yaml", plan).check().json();
    assert_eq!(c.at(), ["schema error plans/school/plan.yaml:4:5"]);
    assert_eq!(c.diags[0].message, "a post has no `date`");
}

#[test]
fn schema_unknown_network_name() {
    let c = repo()
        .file(
            "plans/school/a.md",
            &post(
                "date: 2026-12-01 09:00\nnetworks: [vk, facebook]",
                "Текст\n",
            ),
        )
        .check()
        .json();
    assert_eq!(c.at(), ["schema error plans/school/a.md:3:16"]);
}

#[test]
fn schema_in_registry() {
    let reg = "\
timezone: Asia/Novokuznetsk
organizations:
  - id: School 1
    name: Школа
    required: yes
    pages:
      vk: {id: club1}
      max: {id: 1}
    pasword: x
";
    let c = Repo::new().registry(reg).check().json();
    assert_eq!(
        c.at(),
        [
            "schema error plans/registry.yaml:3:9",
            "schema error plans/registry.yaml:5:15",
            "schema error plans/registry.yaml:7:16",
            "schema error plans/registry.yaml:8:7",
            "schema error plans/registry.yaml:9:5",
        ]
    );
    assert!(
        c.diags[4]
            .hint
            .as_deref()
            .is_some_and(|h| h.starts_with("known fields:")),
        "{:?}",
        c.diags[4].hint
    );
}

// ── date ────────────────────────────────────────────────────────────────────────────────────

#[test]
fn date_unparseable() {
    let c = repo()
        .file(
            "plans/school/a.md",
            &post("date: 1 декабря 2026", "Текст\n"),
        )
        .file("plans/school/b.md", &post("date: 2026-12-01", "Текст\n"))
        .file(
            "plans/school/c.md",
            &post("date: 2026-02-30 09:00", "Текст\n"),
        )
        .check()
        .json();
    assert_eq!(
        c.at(),
        [
            "date error plans/school/a.md:2:7",
            "date error plans/school/b.md:2:7",
            "date error plans/school/c.md:2:7",
        ]
    );
    assert_eq!(
        c.diags[0].message,
        "`1 декабря 2026` is not a date and time vestnik understands"
    );
    assert_eq!(
        c.diags[1].message,
        "`2026-12-01` has a date but no time of day"
    );
    assert_eq!(c.code, 1);
}

#[test]
fn date_nonexistent_local_time() {
    let reg = util::REGISTRY.replace("Asia/Novokuznetsk", "Europe/Berlin");
    let c = Repo::new()
        .registry(&reg)
        .file(
            "plans/school/a.md",
            &post("date: 2026-03-29 02:30", "Текст\n"),
        )
        .file(
            "plans/school/b.md",
            &post("date: 2026-03-29 03:30", "Текст\n"),
        )
        // The autumn fold: 02:30 happens twice; vestnik does not guess which.
        .file(
            "plans/school/c.md",
            &post("date: 2026-10-25 02:30", "Текст\n"),
        )
        // With an offset the instant is unambiguous.
        .file(
            "plans/school/d.md",
            &post("date: 2026-10-25T02:30:00+01:00", "Текст\n"),
        )
        .check()
        .today("2026-03-23")
        .json();
    assert_eq!(
        c.at(),
        [
            "date error plans/school/a.md:2:7",
            "date error plans/school/c.md:2:7",
        ]
    );
    assert_eq!(
        c.diags[0].message,
        "2026-03-29 02:30 does not exist or is ambiguous in time zone Europe/Berlin"
    );
    assert_eq!(c.code, 1);
}

#[test]
fn date_of_poll_closing() {
    let front = "\
date: 2026-12-01 09:00
poll:
  question: Придёте?
  options: [Да, Нет]
  closes: послезавтра";
    let c = repo()
        .file("plans/school/a.md", &post(front, "Опрос\n"))
        .check()
        .json();
    assert_eq!(c.at(), ["date error plans/school/a.md:6:11"]);
}

// ── organizations and networks ──────────────────────────────────────────────────────────────

#[test]
fn unknown_org_folder() {
    let c = repo()
        .file(
            "plans/shcool/a.md",
            &post("date: 2026-12-01 09:00", "Текст\n"),
        )
        .file(
            "plans/shcool/b.md",
            &post("date: 2026-12-02 09:00", "Текст\n"),
        )
        .check()
        .json();
    assert_eq!(c.at(), ["unknown-org error plans/shcool/a.md:1:1"]);
    let d = c.only();
    assert_eq!(
        d.message,
        "the folder plans/shcool/ is not an organization of the registry"
    );
    assert!(
        d.hint
            .as_deref()
            .is_some_and(|h| h.starts_with("did you mean plans/school/?")),
        "{:?}",
        d.hint
    );
    assert_eq!(c.code, 1);
}

#[test]
fn unknown_org_explicit() {
    let c = repo()
        .file(
            "plans/school/a.md",
            &post("date: 2026-12-01 09:00\norg: nobody", "Текст\n"),
        )
        .check()
        .json();
    // Only the root cause: an unknown organization is not also a foreign one.
    assert_eq!(c.at(), ["unknown-org error plans/school/a.md:3:6"]);
    assert_eq!(
        c.diags[0].message,
        "`nobody` is not an organization of the registry"
    );
}

#[test]
fn foreign_org() {
    let c = repo()
        .file(
            "plans/school/a.md",
            &post("date: 2026-12-01 09:00\norg: library", "Текст\n"),
        )
        .check()
        .json();
    assert_eq!(c.at(), ["foreign-org error plans/school/a.md:3:6"]);
    assert_eq!(
        c.diags[0].message,
        "a post in plans/school/ is for `library`"
    );
    assert_eq!(c.diags[0].org.as_deref(), Some("library"));
    assert_eq!(c.code, 1);
}

#[test]
fn foreign_org_allowed_by_can_post_for() {
    for allowed in ["[library]", "[\"*\"]"] {
        let reg = util::REGISTRY.replace(
            "    required: false\n    pages:\n      vk: {id: 100}",
            &format!("    required: false\n    can_post_for: {allowed}\n    pages:\n      vk: {{id: 100}}"),
        );
        let c = Repo::new()
            .registry(&reg)
            .file(
                "plans/school/a.md",
                &post("date: 2026-12-01 09:00\norg: library", "Текст\n"),
            )
            .check()
            .json();
        assert_eq!(c.at(), Vec::<String>::new(), "can_post_for: {allowed}");
        assert_eq!(c.code, 0);
    }
}

#[test]
fn unknown_network() {
    let front = "\
date: 2026-12-01 09:00
networks: [vk, telegram]
ok:
  text: Для Одноклассников";
    let c = repo()
        .file("plans/library/a.md", &post(front, "Текст\n"))
        .check()
        .json();
    assert_eq!(
        c.at(),
        [
            "unknown-network error plans/library/a.md:3:16",
            "unknown-network warning plans/library/a.md:4:1",
        ]
    );
    assert_eq!(
        c.diags[0].message,
        "«МБУК «Библиотека»» has no Telegram page"
    );
    assert_eq!(c.diags[0].network.as_deref(), Some("telegram"));
    assert_eq!(c.code, 1);
}

// ── three-per-week and variety ──────────────────────────────────────────────────────────────

/// A registry with one required organization `admin` whose VK page is complete, so only the
/// weekly rules speak. Its other pages are missing on purpose (`registry-pages: off`), to keep
/// one finding per week.
const WEEKLY: &str = "\
timezone: Asia/Novokuznetsk
rules:
  weeks_ahead: 0
  severity:
    registry-pages: off
    variety: off
organizations:
  - id: admin
    name: Администрация
    required: true
    gospubliki: connected
    responsible: {name: Иванова Мария, phone: \"+7 384 46 0-00-01\", email: press@example.ru}
    profile: {description: Новости округа, address: ул. Примерная 1, map: https://yandex.ru/maps/1, phones: [\"+7 384 46 0-00-01\"], hours: пн–пт}
    pages:
      vk: {id: 1, url: https://vk.com/club1, verified: true, two_factor: true}
";

/// A plan of text posts for `admin` at `dates`.
fn plan(dates: &[&str]) -> String {
    let mut s = String::from("posts:\n");
    for d in dates {
        s.push_str(&format!("  - date: {d}\n    text: Новость.\n"));
    }
    s
}

fn weekly(dates: &[&str]) -> Repo {
    Repo::new()
        .registry(WEEKLY)
        .file("plans/admin/plan.yaml", &plan(dates))
}

#[test]
fn three_per_week_passes_and_fails() {
    let ok = weekly(&["2026-12-01 09:00", "2026-12-02 09:00", "2026-12-04 09:00"])
        .check()
        .json();
    assert_eq!(ok.at(), Vec::<String>::new());
    assert_eq!(ok.code, 0);

    let c = weekly(&["2026-12-01 09:00", "2026-12-02 09:00"])
        .check()
        .json();
    assert_eq!(c.at(), ["three-per-week error plans/registry.yaml:15:7"]);
    let d = c.only();
    assert_eq!(
        d.message,
        "«Администрация» has 2 of 3 publications on VK in 2026-W49 (30.11–06.12.2026); 1 missing"
    );
    assert_eq!(d.org.as_deref(), Some("admin"));
    assert_eq!(d.network.as_deref(), Some("vk"));
    assert_eq!(d.week.as_deref(), Some("2026-W49"));
    assert_eq!(c.code, 1);
}

#[test]
fn three_per_week_boundaries_are_local_midnight_monday() {
    // Sunday 23:30 local (also written in UTC) still belongs to W49; Monday 00:00 local and
    // 2026-12-06T17:30:00Z (Monday 00:30 in Novokuznetsk, UTC+7) belong to W50.
    let c = weekly(&[
        "2026-12-01 09:00",
        "2026-12-06 23:30",
        "2026-12-06T16:45:00Z",
        "2026-12-07 00:00",
        "2026-12-06T17:30:00Z",
    ])
    .check()
    .json();
    assert_eq!(c.weekly(), ["three-per-week error vk 2026-W50"]);
    assert_eq!(
        c.diags[0].message,
        "«Администрация» has 2 of 3 publications on VK in 2026-W50 (07.12–13.12.2026); 1 missing"
    );
}

#[test]
fn three_per_week_iso_week_53() {
    // 2027-01-01 belongs to 2026-W53, the week of Monday 2026-12-28.
    let c = weekly(&[
        "2026-12-29 09:00",
        "2026-12-31 09:00",
        "2027-01-01 12:00",
        "2027-01-04 09:00",
    ])
    .check()
    .today("2026-12-28")
    .json();
    assert_eq!(c.weekly(), ["three-per-week error vk 2027-W01"]);
    assert_eq!(c.summary["from"], "2026-W53");
    assert_eq!(c.summary["to"], "2027-W01");

    let c = weekly(&["2026-12-29 09:00", "2026-12-31 09:00"])
        .check()
        .today("2026-12-28")
        .json();
    assert_eq!(
        c.diags[0].message,
        "«Администрация» has 2 of 3 publications on VK in 2026-W53 (28.12–03.01.2027); 1 missing"
    );
}

#[test]
fn three_per_week_drafts_only_warn() {
    let plan = "\
posts:
  - date: 2026-12-01 09:00
    text: Новость.
  - date: 2026-12-03 09:00
    status: draft
    title: Итоги недели
  - date: 2026-12-04 09:00
    status: draft
    title: Афиша
";
    let c = Repo::new()
        .registry(WEEKLY)
        .file("plans/admin/plan.yaml", plan)
        .check()
        .json();
    assert_eq!(c.at(), ["three-per-week warning plans/registry.yaml:15:7"]);
    assert_eq!(
        c.diags[0].message,
        "«Администрация» has 1 of 3 publications on VK in 2026-W49 (30.11–06.12.2026); 2 missing (2 more planned as drafts)"
    );
    assert_eq!(c.code, 0);
}

#[test]
fn three_per_week_counts_external_publications() {
    let plan = "\
posts:
  - date: 2026-12-01 09:00
    text: Новость.
  - date: 2026-12-02 09:00
    text: Новость.
  - date: 2026-12-03 09:00
    external: Госпаблики
    title: Прививки
";
    let c = Repo::new()
        .registry(WEEKLY)
        .file("plans/admin/plan.yaml", plan)
        .check()
        .json();
    assert_eq!(c.at(), Vec::<String>::new());
    assert_eq!(c.code, 0);
}

#[test]
fn three_per_week_windows() {
    let full = ["2026-12-01 09:00", "2026-12-02 09:00", "2026-12-03 09:00"];
    // --to judges every week up to it, planned or not.
    let c = weekly(&full).check().args(&["--to", "2026-W51"]).json();
    assert_eq!(
        c.weekly(),
        [
            "three-per-week error vk 2026-W50",
            "three-per-week error vk 2026-W51"
        ]
    );
    assert_eq!(c.summary["to"], "2026-W51");
    // --from skips the weeks before it.
    let c = weekly(&full)
        .check()
        .args(&["--from", "2026-W51", "--to", "2026-W51"])
        .json();
    assert_eq!(c.weekly(), ["three-per-week error vk 2026-W51"]);
    // Past weeks are judged only when asked for.
    let c = weekly(&full).check().today("2026-12-14").json();
    assert_eq!(c.weekly(), ["three-per-week error vk 2026-W51"]);
    let c = weekly(&full)
        .check()
        .today("2026-12-14")
        .args(&["--from", "2026-W49", "--to", "2026-W49"])
        .json();
    assert_eq!(c.weekly(), Vec::<String>::new());
}

#[test]
fn three_per_week_weeks_ahead() {
    let full = ["2026-12-01 09:00", "2026-12-02 09:00", "2026-12-03 09:00"];
    let c = Repo::new()
        .registry(&WEEKLY.replace("weeks_ahead: 0", "weeks_ahead: 2"))
        .file("plans/admin/plan.yaml", &plan(&full))
        .check()
        .json();
    assert_eq!(
        c.weekly(),
        [
            "three-per-week error vk 2026-W50",
            "three-per-week error vk 2026-W51"
        ]
    );
    // The default is one week ahead.
    let c = Repo::new()
        .registry(&WEEKLY.replace("  weeks_ahead: 0\n", ""))
        .file("plans/admin/plan.yaml", &plan(&full))
        .check()
        .json();
    assert_eq!(c.weekly(), ["three-per-week error vk 2026-W50"]);
    // min_posts_per_week changes the minimum.
    let c = Repo::new()
        .registry(&WEEKLY.replace("weeks_ahead: 0", "weeks_ahead: 0\n  min_posts_per_week: 4"))
        .file("plans/admin/plan.yaml", &plan(&full))
        .check()
        .json();
    assert_eq!(c.weekly(), ["three-per-week error vk 2026-W49"]);
}

#[test]
fn variety() {
    let reg = WEEKLY.replace("    variety: off\n", "");
    let text_only = Repo::new()
        .registry(&reg)
        .file(
            "plans/admin/plan.yaml",
            &plan(&["2026-12-01 09:00", "2026-12-02 09:00", "2026-12-03 09:00"]),
        )
        .check()
        .json();
    assert_eq!(text_only.at(), ["variety warning plans/registry.yaml:14:7"]);
    assert_eq!(
        text_only.diags[0].message,
        "«Администрация» has only plain text posts on VK in 2026-W49 (30.11–06.12.2026)"
    );
    assert_eq!(text_only.code, 0);

    let with_photo = Repo::new()
        .registry(&reg)
        .file(
            "plans/admin/plan.yaml",
            &plan(&["2026-12-01 09:00", "2026-12-02 09:00"]),
        )
        .file(
            "plans/admin/photo.md",
            &post(
                "date: 2026-12-03 09:00\nimages: [katok.png]",
                "Каток открыт.\n",
            ),
        )
        .image("media/admin/katok.png", 40, 30)
        .check()
        .json();
    assert_eq!(with_photo.at(), Vec::<String>::new());
}

// ── what each network receives ──────────────────────────────────────────────────────────────

#[test]
fn text_length_telegram_counts_utf16_units() {
    // 2100 emoji are 2100 characters but 4200 UTF-16 units: too long for Telegram only.
    let c = repo()
        .file(
            "plans/school/a.md",
            &post("date: 2026-12-01 09:00", &"👍".repeat(2100)),
        )
        .check()
        .json();
    assert_eq!(c.at(), ["text-length error plans/school/a.md:4:1"]);
    let d = c.only();
    assert_eq!(d.network.as_deref(), Some("telegram"));
    assert_eq!(
        d.message,
        "the text is 4200 UTF-16 units on Telegram after formatting; Telegram takes at most 4096 (104 too many)"
    );
    assert_eq!(c.code, 1);
}

#[test]
fn text_length_cyrillic_and_markup_fit() {
    // 4000 Cyrillic letters are 4000 UTF-16 units; `**` markup is not counted.
    let bold = format!("**{}**", "ж".repeat(4096));
    let c = repo()
        .file(
            "plans/school/a.md",
            &post("date: 2026-12-01 09:00", &"ж".repeat(4000)),
        )
        .file("plans/school/b.md", &post("date: 2026-12-01 10:00", &bold))
        .check()
        .json();
    assert_eq!(c.at(), Vec::<String>::new());
    let over = format!("**{}**", "ж".repeat(4097));
    let c = repo()
        .file("plans/school/b.md", &post("date: 2026-12-01 10:00", &over))
        .check()
        .json();
    assert_eq!(c.at(), ["text-length error plans/school/b.md:4:1"]);
    assert!(
        c.diags[0].message.contains("4097 UTF-16 units"),
        "{}",
        c.diags[0].message
    );
}

#[test]
fn text_length_long_caption_is_split_not_an_error() {
    // Telegram captions stop at 1024; a longer text goes out as a separate message.
    let c = repo()
        .image("media/school/a.png", 40, 30)
        .file(
            "plans/school/a.md",
            &post("date: 2026-12-01 09:00\nimages: [a.png]", &"ж".repeat(2000)),
        )
        .check()
        .json();
    assert_eq!(c.at(), Vec::<String>::new());
}

#[test]
fn text_length_override_gets_its_own_position() {
    let front = "\
date: 2026-12-01 09:00
telegram:
  text: |
    Короткая версия.";
    let long = format!("{}\n", "ж".repeat(5000));
    let c = repo()
        .file("plans/school/a.md", &post(front, &long))
        .check()
        .json();
    // The body is fine for VK and OK; Telegram gets the short override.
    assert_eq!(c.at(), Vec::<String>::new());
    let front = "\
date: 2026-12-01 09:00
telegram:
  text: |
    Первая строка.
    ЖЖЖ";
    let c = repo()
        .file(
            "plans/school/a.md",
            &post(&format!("{front}{}", "ж".repeat(4100)), "Текст\n"),
        )
        .check()
        .json();
    assert_eq!(c.at(), ["text-length error plans/school/a.md:5:5"]);
}

#[test]
fn poll_too_many_options_for_vk() {
    let front = "\
date: 2026-12-01 09:00
poll:
  question: Какую книгу читать?
  options: [о1, о2, о3, о4, о5, о6, о7, о8, о9, о10, о11]";
    let c = repo()
        .file("plans/library/a.md", &post(front, "Голосуем!\n"))
        .check()
        .json();
    assert_eq!(c.at(), ["poll error plans/library/a.md:5:3"]);
    assert_eq!(
        c.diags[0].message,
        "the poll has 11 options; VK takes 1 to 10"
    );
    assert_eq!(c.code, 1);
}

#[test]
fn poll_question_too_long_for_telegram() {
    let front = format!(
        "date: 2026-12-01 09:00\nnetworks: [telegram]\npoll:\n  question: {}?\n  options: [Да, Нет]",
        "в".repeat(300)
    );
    let c = repo()
        .file("plans/school/a.md", &post(&front, "Голосуем!\n"))
        .check()
        .json();
    assert_eq!(c.at(), ["poll error plans/school/a.md:5:13"]);
    assert_eq!(
        c.diags[0].message,
        "the poll question is 301 characters; Telegram takes at most 300"
    );
}

#[test]
fn poll_alone_on_vk() {
    let front = "\
date: 2026-12-01 09:00
poll:
  question: Придёте?
  options: [Да, Нет]";
    let c = repo()
        .file("plans/library/a.md", &post(front, ""))
        .check()
        .json();
    assert_eq!(c.at(), ["poll error plans/library/a.md:3:1"]);
    assert_eq!(
        c.diags[0].message,
        "on VK a poll cannot be a post's only content"
    );
    // Telegram and OK take a poll alone.
    let c = repo()
        .file(
            "plans/school/a.md",
            &post(&format!("{front}\nnetworks: [ok, telegram]"), ""),
        )
        .check()
        .json();
    assert_eq!(c.at(), Vec::<String>::new());
}

#[test]
fn poll_duplicate_options() {
    let front = "\
date: 2026-12-01 09:00
poll:
  question: Придёте?
  options:
    - Да
    - Нет
    - ' да '";
    let c = repo()
        .file("plans/library/a.md", &post(front, "Голосуем!\n"))
        .check()
        .json();
    assert_eq!(c.at(), ["poll error plans/library/a.md:8:7"]);
    assert_eq!(c.diags[0].message, "the option « да » is listed twice");
}

#[test]
fn poll_needs_two_options_on_ok() {
    let front = "\
date: 2026-12-01 09:00
networks: [ok, telegram]
poll:
  question: Придёте?
  options: [Да]";
    let c = repo()
        .file("plans/school/a.md", &post(front, "Голосуем!\n"))
        .check()
        .json();
    assert_eq!(c.at(), ["poll error plans/school/a.md:6:3"]);
    assert_eq!(
        c.diags[0].message,
        "the poll has 1 options; OK takes 2 to 10"
    );
    assert_eq!(c.diags[0].network.as_deref(), Some("ok"));
}

#[test]
fn poll_closes_before_the_post() {
    let front = "\
date: 2026-12-01 09:00
poll:
  question: Придёте?
  options: [Да, Нет]
  closes: 2026-12-01 08:00";
    let c = repo()
        .file("plans/library/a.md", &post(front, "Голосуем!\n"))
        .check()
        .json();
    assert_eq!(c.at(), ["poll error plans/library/a.md:6:11"]);
    assert_eq!(
        c.diags[0].message,
        "the poll closes before (or right when) the post is published"
    );
}

#[test]
fn poll_problems_of_every_network_are_reported_once() {
    let front = "\
date: 2026-12-01 09:00
poll:
  question: Придёте?
  options: [Да, Нет, да]
  closes: 2026-12-01 08:00";
    let c = repo()
        .file("plans/school/a.md", &post(front, "Голосуем!\n"))
        .check()
        .json();
    assert_eq!(
        c.at(),
        [
            "poll error plans/school/a.md:5:22",
            "poll error plans/school/a.md:6:11",
        ]
    );
}

#[test]
fn poll_position_is_the_poll_key() {
    let front = "\
date: 2026-12-01 09:00
poll:
  question: Придёте?
  options: [Да, Нет]";
    let c = repo()
        .file("plans/library/a.md", &post(front, ""))
        .check()
        .json();
    assert_eq!(c.at(), ["poll error plans/library/a.md:3:1"]);
}

#[test]
fn poll_open_longer_than_telegram_allows() {
    let front = "\
date: 2026-12-01 09:00
networks: [telegram]
poll:
  question: Придёте?
  options: [Да, Нет]
  closes: 2027-01-15 09:00";
    let c = repo()
        .file("plans/school/a.md", &post(front, "Голосуем!\n"))
        .check()
        .json();
    assert_eq!(c.at(), ["poll error plans/school/a.md:7:11"]);
}

#[test]
fn album_size() {
    let mut r = repo();
    let mut list = String::from("date: 2026-12-01 09:00\nimages:");
    for i in 1..=11 {
        r = r.image(&format!("media/library/{i}.png"), 8, 6);
        list.push_str(&format!("\n  - {i}.png"));
    }
    let c = r
        .file("plans/library/a.md", &post(&list, "Фотоотчёт.\n"))
        .check()
        .json();
    assert_eq!(c.at(), ["album-size error plans/library/a.md:14:5"]);
    assert_eq!(
        c.diags[0].message,
        "11 images, but VK takes at most 10 in one post"
    );
    assert_eq!(c.code, 1);
}

#[test]
fn empty_post() {
    let c = repo()
        .file("plans/library/a.md", &post("date: 2026-12-01 09:00", "\n"))
        .check()
        .json();
    assert_eq!(c.at(), ["empty-post error plans/library/a.md:4:1"]);
    assert_eq!(
        c.diags[0].message,
        "the post has nothing to publish on VK: no text, no images, no poll"
    );
    assert_eq!(c.code, 1);
    // A draft may be empty; so may a publication made elsewhere.
    let c = repo()
        .file(
            "plans/library/a.md",
            &post("date: 2026-12-05 09:00\nstatus: draft", ""),
        )
        .file(
            "plans/library/b.md",
            &post("date: 2026-12-05 09:00\nexternal: Госпаблики", ""),
        )
        .check()
        .json();
    assert_eq!(c.at(), Vec::<String>::new());
}

#[test]
fn markdown_image_inside_the_text() {
    let c = repo()
        .file(
            "plans/library/a.md",
            &post(
                "date: 2026-12-01 09:00",
                "Первая строка.\nСмотрите ![фото](a.png) выше.\n",
            ),
        )
        .check()
        .json();
    assert_eq!(c.at(), ["markdown error plans/library/a.md:5:10"]);
    assert_eq!(
        c.diags[0].message,
        "an image inside the text cannot be published; only its description is shown"
    );
}

#[test]
fn markdown_table_and_html_are_warnings() {
    let c = repo()
        .file(
            "plans/library/a.md",
            &post(
                "date: 2026-12-01 09:00",
                "Часы работы:\n\n| день | часы |\n|---|---|\n| пн | 9–18 |\n\nИ <b>жирный</b> текст.\n",
            ),
        )
        .check()
        .json();
    assert_eq!(
        c.at(),
        [
            "markdown warning plans/library/a.md:6:1",
            "markdown warning plans/library/a.md:10:3",
        ]
    );
    assert_eq!(c.code, 0);
}

// ── media ───────────────────────────────────────────────────────────────────────────────────

#[test]
fn media_missing() {
    let c = repo()
        .image("media/library/est.png", 40, 30)
        .file(
            "plans/library/a.md",
            &post(
                "date: 2026-12-01 09:00\nimages: [est.png, net.png, media/library/est.png]",
                "Текст\n",
            ),
        )
        .check()
        .json();
    assert_eq!(c.at(), ["media-missing error plans/library/a.md:3:19"]);
    assert_eq!(c.diags[0].message, "`media/library/net.png` does not exist");
    assert_eq!(c.code, 1);
}

#[test]
fn media_path() {
    let front = "\
date: 2026-12-01 09:00
images:
  - ../library/x.png
  - media/library/x.png
  - /etc/hostname
  - link.png
  - ok.png";
    let mut r = repo()
        .image("media/library/x.png", 40, 30)
        .image("media/school/ok.png", 40, 30);
    #[cfg(unix)]
    {
        r = r.symlink("media/school/link.png", "media/library/x.png");
    }
    let c = r
        .file("plans/school/a.md", &post(front, "Текст\n"))
        .check()
        .json();
    let mut want = vec![
        "media-path error plans/school/a.md:4:5",
        "media-path error plans/school/a.md:5:5",
        "media-path error plans/school/a.md:6:5",
    ];
    if cfg!(unix) {
        want.push("media-path error plans/school/a.md:7:5");
    } else {
        want.push("media-missing error plans/school/a.md:7:5");
    }
    assert_eq!(c.at(), want);
    assert_eq!(
        c.diags[0].message,
        "`../library/x.png` leaves media/school/"
    );
    assert_eq!(c.diags[2].message, "`/etc/hostname` is an absolute path");
    if cfg!(unix) {
        assert_eq!(
            c.diags[3].message,
            "`link.png` is a link to a file outside media/school/"
        );
    }
    assert_eq!(c.code, 1);
}

#[test]
fn media_format() {
    let c = repo()
        .file("media/library/fake.jpg", "это не картинка, а текст\n")
        .file(
            "plans/library/a.md",
            &post("date: 2026-12-01 09:00\nimages: [fake.jpg]", "Текст\n"),
        )
        .check()
        .json();
    assert_eq!(c.at(), ["media-format error plans/library/a.md:3:10"]);
    // The content is unknown, so the reader goes by the extension and finds a broken JPEG.
    assert!(
        c.diags[0]
            .message
            .starts_with("`fake.jpg`: the JPEG file is damaged"),
        "{}",
        c.diags[0].message
    );
    assert_eq!(c.code, 1);
}

#[test]
fn media_size_extreme_ratio() {
    let c = repo()
        .image("media/library/lenta.png", 4000, 100)
        .image("media/library/norm.png", 3900, 200)
        .file(
            "plans/library/a.md",
            &post(
                "date: 2026-12-01 09:00\nimages: [lenta.png, norm.png]",
                "Текст\n",
            ),
        )
        .check()
        .json();
    assert_eq!(c.at(), ["media-size error plans/library/a.md:3:10"]);
    assert_eq!(
        c.diags[0].message,
        "`lenta.png`: 4000×100 is more than 20 times longer than it is wide, and resizing cannot fix the shape; VK refuses it"
    );
    assert_eq!(c.code, 1);
}

#[test]
fn media_size_is_reported_once_for_all_networks() {
    let c = repo()
        .image("media/school/lenta.png", 4000, 100)
        .file(
            "plans/school/a.md",
            &post("date: 2026-12-01 09:00\nimages: [lenta.png]", "Текст\n"),
        )
        .check()
        .json();
    assert_eq!(c.at(), ["media-size error plans/school/a.md:3:10"]);
}

/// A JPEG padded to 3 GB with a hole: a few MB in git, and `check` used to read all of it.
#[cfg(unix)]
#[test]
fn media_size_a_huge_file_is_refused_unread() {
    let r = repo().image("media/school/big.jpg", 16, 16).file(
        "plans/school/a.md",
        &post("date: 2026-12-01 09:00\nimages: [big.jpg]", "Текст\n"),
    );
    std::fs::OpenOptions::new()
        .write(true)
        .open(r.path().join("media/school/big.jpg"))
        .unwrap()
        .set_len(3 << 30)
        .unwrap();
    // 1 GB of address space: reading the file would abort the run.
    let c = r.check().memory_kb(1_000_000).json();
    assert_eq!(c.at(), ["media-size error plans/school/a.md:3:10"]);
    assert_eq!(
        c.diags[0].message,
        "`big.jpg`: the file is 3072 MB; vestnik takes image files up to 50 MB"
    );
    assert!(
        c.diags[0]
            .hint
            .as_deref()
            .unwrap()
            .starts_with("shrink it below 50 MB"),
        "{:?}",
        c.diags[0].hint
    );
    assert_eq!(c.code, 1);
}

/// A PNG whose colour profile and text chunks inflate to 3 GB each: the probe skips them.
#[cfg(unix)]
#[test]
fn media_png_metadata_is_not_inflated() {
    let c = repo()
        .bytes("media/school/bomb.png", &util::png_with_bombs())
        .file(
            "plans/school/a.md",
            &post("date: 2026-12-01 09:00\nimages: [bomb.png]", "Текст\n"),
        )
        .check()
        .memory_kb(1_000_000)
        .json();
    assert_eq!(c.at(), Vec::<String>::new());
    assert_eq!(c.code, 0);
}

// ── secrets ─────────────────────────────────────────────────────────────────────────────────

const TOKEN: &str = "vk1.a.Zx9QwErTyUiOpAsDfGhJkLzXcVbNm1234567890";

#[test]
fn secret_is_reported_and_never_printed() {
    let r = repo().file(
        "plans/school/a.md",
        &post(
            &format!("date: 2026-12-01 09:00\ntitle: {TOKEN}"),
            "Текст\n",
        ),
    );
    let c = r.check().json();
    assert_eq!(c.at(), ["secret error plans/school/a.md:3:8"]);
    assert_eq!(
        c.diags[0].message,
        "this looks like a VK access token (vk1.a.***); tokens must never be in git"
    );
    assert_eq!(c.code, 1);
    let secret_part = &TOKEN["vk1.a.".len()..];
    assert!(
        !c.stdout.contains(secret_part),
        "json output shows the token:\n{}",
        c.stdout
    );
    for format in ["human", "github"] {
        let run = r.check().run(format);
        assert_eq!(run.code, 1);
        assert!(
            !run.stdout.contains(secret_part) && !run.stderr.contains(secret_part),
            "{format} output shows the token:\n{}",
            run.stdout
        );
    }
}

#[test]
fn secret_in_the_registry() {
    let reg = format!("{}    # ключ доступа: {TOKEN}\n", util::REGISTRY);
    let r = Repo::new().registry(&reg);
    let c = r.check().json();
    assert_eq!(c.at(), ["secret error plans/registry.yaml:15:21"]);
    assert_eq!(c.diags[0].org, None);
    assert!(
        !c.stdout.contains(&TOKEN[6..]),
        "json output shows the token:\n{}",
        c.stdout
    );
    for format in ["human", "github"] {
        let run = r.check().run(format);
        assert_eq!(run.code, 1);
        assert!(
            !run.stdout.contains(&TOKEN[6..]),
            "{format} output shows the token:\n{}",
            run.stdout
        );
    }
}

#[test]
fn secret_never_printed_with_other_findings_on_its_line() {
    // `token` is an unknown field: `schema` fires on the line of the token and shows it.
    let reg = format!("{}    token: {TOKEN}\n", util::REGISTRY);
    let r = Repo::new().registry(&reg);
    let c = r.check().json();
    assert_eq!(
        c.at(),
        [
            "schema error plans/registry.yaml:15:5",
            "secret error plans/registry.yaml:15:12",
        ]
    );
    assert!(
        !c.stdout.contains(&TOKEN[6..]),
        "json output shows the token:\n{}",
        c.stdout
    );
    for format in ["human", "github"] {
        let run = r.check().run(format);
        assert!(
            !run.stdout.contains(&TOKEN[6..]),
            "{format} output shows the token:\n{}",
            run.stdout
        );
    }
}

#[test]
fn secret_never_printed_in_other_messages() {
    // A Telegram bot token pasted where the channel id belongs: a plausible mix-up.
    let bot = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0";
    let reg = util::REGISTRY.replace("\"@school\"", &format!("\"{bot}\""));
    let r = Repo::new().registry(&reg);
    let c = r.check().json();
    assert_eq!(
        c.at(),
        [
            "schema error plans/registry.yaml:9:22",
            "secret error plans/registry.yaml:9:23",
        ]
    );
    assert!(
        !c.stdout.contains(&bot[12..]),
        "json output shows the token:\n{}",
        c.stdout
    );
    for format in ["human", "github"] {
        let run = r.check().run(format);
        assert!(
            !run.stdout.contains(&bot[12..]),
            "{format} output shows the token:\n{}",
            run.stdout
        );
    }
}

// ── style ───────────────────────────────────────────────────────────────────────────────────

#[test]
fn style_in_a_post() {
    let c = repo()
        .file(
            "plans/school/a.md",
            &post(
                "date: 2026-12-01 09:00",
                "Зима.\nВ целях безопасности уборка осуществляется ночью.\n",
            ),
        )
        .check()
        .json();
    assert_eq!(
        c.at(),
        [
            "style warning plans/school/a.md:5:1",
            "style warning plans/school/a.md:5:29",
        ]
    );
    assert_eq!(c.diags[0].message, "«В целях»: «в целях» — канцелярит");
    assert!(
        c.diags[1].message.starts_with("«осуществляется»"),
        "{}",
        c.diags[1].message
    );
    assert_eq!(c.code, 0);
}

#[test]
fn style_in_a_plan_block_and_override() {
    let plan = "\
posts:
  - date: 2026-12-01 09:00
    text: |
      Первая строка.
      Уборка осуществляется ночью.
    telegram:
      text: В целях экономии — коротко.
";
    let c = repo().file("plans/school/plan.yaml", plan).check().json();
    assert_eq!(
        c.at(),
        [
            "style warning plans/school/plan.yaml:5:14",
            "style warning plans/school/plan.yaml:7:13",
        ]
    );
}

#[test]
fn style_rules_of_the_repository() {
    let local = "\
disable: [v-celyah]
rules:
  - id: zimniy-period
    match: [\"зимн* период*\"]
    message: штамп
    suggest: зимой
";
    let c = repo()
        .file("plans/style.yaml", local)
        .file(
            "plans/school/a.md",
            &post(
                "date: 2026-12-01 09:00",
                "В целях безопасности в зимний период катка нет.\n",
            ),
        )
        .check()
        .json();
    assert_eq!(c.at(), ["style warning plans/school/a.md:4:24"]);
    assert_eq!(c.diags[0].message, "«зимний период»: штамп");
}

// ── drafts and stray files ──────────────────────────────────────────────────────────────────

#[test]
fn draft_due() {
    let c = repo()
        .file(
            "plans/school/soon.md",
            &post("date: 2026-12-01 09:00\nstatus: draft", "Тема.\n"),
        )
        .file(
            "plans/school/later.md",
            &post("date: 2026-12-02 01:00\nstatus: draft", "Тема.\n"),
        )
        .file(
            "plans/school/past.md",
            &post("date: 2026-11-29 23:59\nstatus: draft", "Тема.\n"),
        )
        .check()
        .json();
    assert_eq!(
        c.at(),
        [
            "draft-due error plans/school/past.md:2:7",
            "draft-due warning plans/school/soon.md:2:7",
        ]
    );
    assert_eq!(
        c.diags[0].message,
        "this draft's publication time has passed"
    );
    assert_eq!(
        c.diags[1].message,
        "this draft is due in 33 h and is still a draft"
    );
    assert_eq!(c.code, 1);
}

#[test]
fn today_with_a_time_of_day_in_utc() {
    let c = repo()
        .file(
            "plans/school/soon.md",
            &post("date: 2026-12-01 09:00\nstatus: draft", "Тема.\n"),
        )
        .check()
        .today("2026-11-30T05:00:00Z")
        .json();
    assert_eq!(c.summary["today"], "2026-11-30 12:00");
    assert_eq!(
        c.diags[0].message,
        "this draft is due in 21 h and is still a draft"
    );
}

#[test]
fn today_with_a_local_time_of_day() {
    let c = repo()
        .file(
            "plans/school/past.md",
            &post("date: 2026-11-30 09:00\nstatus: draft", "Тема.\n"),
        )
        .check()
        .today("2026-11-30 12:00")
        .json();
    assert_eq!(c.summary["today"], "2026-11-30 12:00");
    assert_eq!(c.at(), ["draft-due error plans/school/past.md:2:7"]);
}

#[test]
fn stray_file() {
    let c = repo()
        .bytes("plans/school/plan.docx", b"PK\x03\x04")
        .file("plans/school/.hidden", "x")
        .file("plans/notes.txt", "x")
        .check()
        .json();
    assert_eq!(c.at(), ["stray-file warning plans/school/plan.docx:1:1"]);
    assert_eq!(c.code, 0);
}

// ── the registry ────────────────────────────────────────────────────────────────────────────

#[test]
fn registry_duplicate() {
    let reg = "\
organizations:
  - id: school
    name: МБОУ «Школа»
    required: false
    pages:
      vk: {id: 100}
  - id: school-2
    name: мбоу  «школа»
    required: false
    pages:
      vk: {id: 100}
";
    let c = Repo::new().registry(reg).check().json();
    assert_eq!(
        c.at(),
        [
            "registry-duplicate warning plans/registry.yaml:8:11",
            "registry-duplicate warning plans/registry.yaml:11:16",
        ]
    );
    assert_eq!(
        c.diags[0].message,
        "«мбоу  «школа»» is listed twice (also as `school`)"
    );
    assert_eq!(
        c.diags[1].message,
        "VK page 100 is also the page of `school`"
    );
    assert_eq!(c.code, 0);
}

#[test]
fn schema_organization_id_used_twice() {
    let reg = "\
organizations:
  - id: school
    name: МБОУ «Школа»
    required: false
  - id: school
    name: МБОУ «Школа №2»
    required: false
";
    let c = Repo::new().registry(reg).check().json();
    assert_eq!(c.at(), ["schema error plans/registry.yaml:5:9"]);
    assert!(
        c.diags[0].message.contains("`school`"),
        "{}",
        c.diags[0].message
    );
    assert_eq!(c.code, 1);
}

/// A required organization with one bare VK page: every `registry-*` warning fires. The weekly
/// rule is off so that only the registry speaks.
const BARE: &str = "\
rules:
  severity:
    three-per-week: off
organizations:
  - id: uo
    name: Управление образования
    required: true
    pages:
      vk: {id: 5}
  - id: ksk
    name: Контрольно-счётная палата
    required: false
";

#[test]
fn registry_rules_for_a_bare_required_organization() {
    let c = Repo::new().registry(BARE).check().json();
    assert_eq!(
        c.at(),
        [
            "registry-pages warning plans/registry.yaml:5:5",
            "registry-gospubliki warning plans/registry.yaml:5:5",
            "registry-responsible warning plans/registry.yaml:5:5",
            "registry-profile warning plans/registry.yaml:5:5",
            "registry-2fa warning plans/registry.yaml:9:7",
            "registry-verified warning plans/registry.yaml:9:7",
        ]
    );
    let msg = |rule: &str| {
        c.diags
            .iter()
            .find(|d| d.rule == rule)
            .map(|d| d.message.clone())
            .unwrap_or_default()
    };
    assert_eq!(
        msg("registry-pages"),
        "«Управление образования» has no official page on OK, Telegram"
    );
    assert_eq!(
        msg("registry-2fa"),
        "the VK page of «Управление образования» is not marked as protected by two-factor authentication"
    );
    assert_eq!(
        msg("registry-verified"),
        "the VK page of «Управление образования» has no «Госорганизация» mark"
    );
    assert_eq!(
        msg("registry-gospubliki"),
        "«Управление образования» is not connected to Госпаблики"
    );
    assert_eq!(
        msg("registry-responsible"),
        "«Управление образования» has no responsible person for its pages"
    );
    assert_eq!(
        msg("registry-profile"),
        "the page profile of «Управление образования» lacks description, address, map link, phones, hours, links to the other pages"
    );
    assert!(c.diags.iter().all(|d| d.org.as_deref() == Some("uo")));
    assert_eq!(c.code, 0);
}

#[test]
fn registry_rules_point_at_the_incomplete_part() {
    let reg = "\
rules:
  severity:
    three-per-week: off
organizations:
  - id: uo
    name: Управление образования
    required: true
    gospubliki: not-connected
    responsible:
      name: Петрова Анна
      phone: \"+7 384 46 0-00-03\"
    profile:
      description: Новости образования
      address: ул. Школьная 2
      phones: [\"+7 384 46 0-00-03\"]
      hours: пн–пт
    pages:
      vk: {id: 5, url: https://vk.com/club5, verified: true, two_factor: true}
      ok: {id: \"6\", url: https://ok.ru/group/6, verified: false, two_factor: true}
      telegram: {id: \"@uo\", url: https://t.me/uo, two_factor: false}
";
    let c = Repo::new().registry(reg).check().json();
    assert_eq!(
        c.at(),
        [
            "registry-gospubliki warning plans/registry.yaml:8:17",
            "registry-responsible warning plans/registry.yaml:10:7",
            "registry-profile warning plans/registry.yaml:13:7",
            "registry-verified warning plans/registry.yaml:19:7",
            "registry-2fa warning plans/registry.yaml:20:7",
        ]
    );
    assert_eq!(
        c.diags[1].message,
        "the responsible person of «Управление образования» lacks email"
    );
    assert_eq!(
        c.diags[2].message,
        "the page profile of «Управление образования» lacks map link"
    );
}

// ── severity overrides ──────────────────────────────────────────────────────────────────────

#[test]
fn severity_can_raise_a_warning_to_an_error() {
    let reg = BARE.replace(
        "    three-per-week: off\n",
        "    three-per-week: off\n    registry-2fa: error\n",
    );
    let c = Repo::new().registry(&reg).check().json();
    assert_eq!(
        c.diags
            .iter()
            .filter(|d| d.severity == "error")
            .map(util::Diag::at)
            .collect::<Vec<_>>(),
        ["registry-2fa error plans/registry.yaml:10:7"]
    );
    assert_eq!(c.summary["errors"], 1);
    assert_eq!(c.code, 1);
}

#[test]
fn severity_off_silences_and_warning_lowers() {
    let reg = BARE.replace(
        "    three-per-week: off\n",
        "    three-per-week: warning\n    registry-pages: off\n    registry-2fa: off\n    registry-verified: off\n    registry-gospubliki: off\n    registry-responsible: off\n    registry-profile: off\n",
    );
    let c = Repo::new().registry(&reg).check().json();
    assert_eq!(
        c.at(),
        [
            "three-per-week warning plans/registry.yaml:15:7",
            "three-per-week warning plans/registry.yaml:15:7",
        ]
    );
    assert_eq!(c.code, 0);
}

#[test]
fn severity_of_an_unknown_rule() {
    let reg = format!(
        "rules:\n  severity:\n    registry-2FA: error\n    style: loud\n{}",
        util::REGISTRY
    );
    let c = Repo::new().registry(&reg).check().json();
    assert_eq!(
        c.at(),
        [
            "schema error plans/registry.yaml:3:5",
            "schema error plans/registry.yaml:4:12",
        ]
    );
    assert_eq!(
        c.diags[0].hint.as_deref(),
        Some("did you mean `registry-2fa`?")
    );
}

// ── filters and exit codes ──────────────────────────────────────────────────────────────────

/// One style warning in `school`, one schema error in `library`.
fn two_orgs() -> Repo {
    repo()
        .file(
            "plans/school/a.md",
            &post("date: 2026-12-01 09:00", "В целях порядка.\n"),
        )
        .file(
            "plans/library/a.md",
            &post("date: 2026-12-01 09:00\ntitel: x", "Текст\n"),
        )
}

#[test]
fn org_filter() {
    let r = two_orgs();
    assert_eq!(
        r.check().json().at(),
        [
            "schema error plans/library/a.md:3:1",
            "style warning plans/school/a.md:4:1",
        ]
    );
    let c = r.check().args(&["--org", "school"]).json();
    assert_eq!(c.at(), ["style warning plans/school/a.md:4:1"]);
    assert_eq!(c.code, 0);
    let c = r.check().args(&["--org", "library"]).json();
    assert_eq!(c.at(), ["schema error plans/library/a.md:3:1"]);
    assert_eq!(c.code, 1);
}

#[test]
fn deny_warnings() {
    let r = repo().file(
        "plans/school/a.md",
        &post("date: 2026-12-01 09:00", "В целях порядка.\n"),
    );
    let c = r.check().json();
    assert_eq!(c.at(), ["style warning plans/school/a.md:4:1"]);
    assert_eq!(c.code, 0);
    let c = r.check().args(&["--deny-warnings"]).json();
    assert_eq!(c.code, 1);
    assert_eq!(c.summary["passed"], true);
    let clean = repo()
        .file(
            "plans/school/a.md",
            &post("date: 2026-12-01 09:00", "Текст.\n"),
        )
        .check()
        .args(&["--deny-warnings"])
        .json();
    assert_eq!(clean.code, 0);
}

#[test]
fn changed_since() {
    let r = two_orgs();
    r.git(&["init", "-q"])
        .git(&["add", "-A"])
        .git(&["commit", "-q", "-m", "plans"]);
    // Nothing changed: nothing reported.
    let c = r.check().args(&["--changed-since", "HEAD"]).json();
    assert_eq!(c.at(), Vec::<String>::new());
    assert_eq!(c.code, 0);
    // A change in school's file: only school is reported.
    let r = r.file(
        "plans/school/a.md",
        &post("date: 2026-12-01 10:00", "В целях порядка.\n"),
    );
    let c = r.check().args(&["--changed-since", "HEAD"]).json();
    assert_eq!(c.at(), ["style warning plans/school/a.md:4:1"]);
    assert_eq!(c.code, 0);
    // A new image of library counts as a change of library.
    let r = r.image("media/library/new.png", 10, 10);
    let c = r.check().args(&["--changed-since", "HEAD"]).json();
    assert_eq!(
        c.at(),
        [
            "schema error plans/library/a.md:3:1",
            "style warning plans/school/a.md:4:1",
        ]
    );
    // A bad revision: exit 2.
    let run = r
        .check()
        .args(&["--changed-since", "no-such-rev"])
        .run("json");
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.starts_with("vestnik: --changed-since: "),
        "{}",
        run.stderr
    );
}

#[test]
fn changed_since_registry_change_reports_everyone() {
    let r = two_orgs();
    r.git(&["init", "-q"])
        .git(&["add", "-A"])
        .git(&["commit", "-q", "-m", "plans"]);
    let r = r.registry(&format!("{}# комментарий\n", util::REGISTRY));
    let c = r.check().args(&["--changed-since", "HEAD"]).json();
    assert_eq!(
        c.at(),
        [
            "schema error plans/library/a.md:3:1",
            "style warning plans/school/a.md:4:1",
        ]
    );
}

// ── output formats ──────────────────────────────────────────────────────────────────────────

#[test]
fn github_annotations() {
    let run = two_orgs().check().run("github");
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stdout,
        "\
::error file=plans/library/a.md,line=3,col=1,title=vestnik schema::unknown field `titel` in the front matter%0AHint: did you mean `title`? Known fields: org, id, date, title, networks, images, video, animation, live, poll, status, external, vk, ok, telegram
::warning file=plans/school/a.md,line=4,col=1,title=vestnik style::«В целях»: «в целях» — канцелярит%0AHint: лучше: «чтобы» или «для»: «чтобы дети были в безопасности»
vestnik check: 1 error(s), 1 warning(s)
"
    );
}

/// In Russian the annotations keep their syntax (the rule id, the position, `%0A` between
/// message and hint); only the words change, in UTF-8.
#[test]
fn github_annotations_in_russian() {
    let run = two_orgs().check().lang("ru").run("github");
    assert_eq!(run.code, 1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", run.stdout);
    assert!(
        lines[0].starts_with(
            "::error file=plans/library/a.md,line=3,col=1,title=vestnik schema::в шапке поста незнакомое поле `titel`"
        ),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains("%0AПодсказка: "), "{}", lines[0]);
    assert!(
        lines[1].starts_with("::warning file=plans/school/a.md,line=4,col=1,title=vestnik style::"),
        "{}",
        lines[1]
    );
    assert!(!lines[2].starts_with("::"), "{}", lines[2]);
}

#[test]
fn human_output() {
    let run = two_orgs().check().run("human");
    assert_eq!(run.code, 1);
    assert_eq!(run.stderr, "");
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn json_output_shape() {
    let c = two_orgs().check().json();
    // Field order is documented: read it from the text, not from a parsed (sorted) map.
    let keys: Vec<&str> = c
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("    {"))
        .skip(1)
        .take_while(|l| !l.starts_with("    }"))
        .filter_map(|l| l.trim_start().strip_prefix('"')?.split_once('"'))
        .map(|(k, _)| k)
        .collect();
    assert_eq!(
        keys,
        [
            "rule", "severity", "file", "line", "column", "message", "hint", "org", "network",
            "week"
        ]
    );
    let d = &c.diags[0];
    assert_eq!(d.org.as_deref(), Some("library"));
    assert_eq!(d.network, None);
    assert_eq!(d.week, None);
    assert_eq!(c.summary["passed"], false);
    assert_eq!(c.summary["errors"], 1);
    assert_eq!(c.summary["warnings"], 1);
}

// ── a hostile or careless commit (issue 9) ───────────────────────────────────────────────────

/// Memory for one `check` of a small repository run under `ulimit -v`: the binary maps far more
/// address space than it touches (threads' stacks, the allocator's arenas), so the bound is
/// generous, but a runaway (13 GB for `match: ["*"]`) still hits it.
const CHECK_MEMORY_KIB: u64 = 2 * 1024 * 1024;

#[test]
fn duplicate_ids() {
    let c = repo()
        .file(
            "plans/school/dec/news.md",
            &post("date: 2026-12-01 09:00", "Декабрь\n"),
        )
        .file(
            "plans/school/jan/news.md",
            &post("date: 2026-12-02 09:00", "Январь\n"),
        )
        .file(
            "plans/school/x.md",
            &post("date: 2026-12-03 09:00\nid: concert", "Концерт\n"),
        )
        .file(
            "plans/school/concert.md",
            &post("date: 2026-12-04 09:00", "Тоже концерт\n"),
        )
        // The same file name in another organization's folder is another id.
        .file(
            "plans/library/news.md",
            &post("date: 2026-12-01 09:00", "Библиотека\n"),
        )
        .check()
        .json();
    assert_eq!(
        c.at(),
        [
            "duplicate-id error plans/school/concert.md:1:1",
            "duplicate-id error plans/school/dec/news.md:1:1",
            "duplicate-id error plans/school/jan/news.md:1:1",
            "duplicate-id error plans/school/x.md:1:1",
        ]
    );
    assert_eq!(
        c.diags[1].message,
        "the post id `news` of `school` is also used in plans/school/jan/news.md:1; neither post is published until the ids differ"
    );
    assert_eq!(c.code, 1);
}

#[test]
fn post_ids_are_slugs() {
    let c = repo()
        .file(
            "plans/school/a.md",
            &post(
                "date: 2026-12-01 09:00\nid: \"x\\n2026-12-01 published \\e[31m\"",
                "Текст\n",
            ),
        )
        .file(
            "plans/school/b.md",
            &post("date: 2026-12-01 10:00\nid: Концерт_2026.12", "Текст\n"),
        )
        .check()
        .json();
    assert_eq!(c.at(), ["schema error plans/school/a.md:3:5"]);
    assert!(
        c.diags[0].message.contains("`id` must be letters"),
        "{}",
        c.diags[0].message
    );
    assert!(!c.diags[0].message.contains('\n'));
}

/// Item 3: git quotes non-ASCII paths unless asked for `-z`, and the new post went unseen.
#[test]
fn changed_since_sees_non_ascii_file_names() {
    let r = repo().file(
        "plans/school/a.md",
        &post("date: 2026-12-01 09:00", "Текст\n"),
    );
    r.git(&["init", "-q"])
        .git(&["add", "-A"])
        .git(&["commit", "-q", "-m", "plans"]);
    let r = r.file(
        "plans/school/новость.md",
        &post("date: 2026-12-01 10:00\ntitel: x", "Текст\n"),
    );
    r.git(&["add", "-A"])
        .git(&["commit", "-q", "-m", "новость"]);
    let c = r.check().args(&["--changed-since", "HEAD~1"]).json();
    assert_eq!(c.at(), ["schema error plans/school/новость.md:3:1"]);
}

/// Item 7: a revision that is an option (`--output=…`) made git truncate a file.
#[test]
fn changed_since_is_never_an_option() {
    let r = repo().file(
        "plans/school/a.md",
        &post("date: 2026-12-01 09:00", "Текст\n"),
    );
    r.git(&["init", "-q"])
        .git(&["add", "-A"])
        .git(&["commit", "-q", "-m", "plans"]);
    let victim = r.path().join("victim.txt");
    std::fs::write(&victim, "keep me").unwrap();
    let out = format!("--output={}", victim.display());
    for rev in [out.as_str(), "--all", ""] {
        let run = r
            .check()
            .args(&[&format!("--changed-since={rev}")])
            .run("json");
        assert_eq!(run.code, 2, "{rev}: {}", run.stderr);
        assert!(
            run.stderr.starts_with("vestnik: --changed-since: "),
            "{}",
            run.stderr
        );
    }
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
}

/// Item 4: a link to a host file was printed as a diagnostic's source line (CI tokens with it).
#[cfg(unix)]
#[test]
fn a_linked_plan_file_is_not_read() {
    let outside = tempfile::tempdir().unwrap();
    let host = outside.path().join("environ");
    std::fs::write(&host, "date: CI_TOKEN=supersecretvalue\n").unwrap();
    let r = repo().file(
        "plans/school/a.md",
        &post("date: 2026-12-01 09:00", "Текст\n"),
    );
    std::os::unix::fs::symlink(&host, r.path().join("plans/school/env.md")).unwrap();
    std::os::unix::fs::symlink("/proc/self/environ", r.path().join("plans/school/proc.md"))
        .unwrap();
    let run = r.check().run("human");
    assert!(!run.stdout.contains("supersecretvalue"), "{}", run.stdout);
    assert!(!run.stdout.contains("PATH="), "{}", run.stdout);
    let c = r.check().json();
    assert_eq!(
        c.at(),
        [
            "yaml error plans/school/env.md:1:1",
            "yaml error plans/school/proc.md:1:1",
        ]
    );
    assert_eq!(
        c.diags[0].message,
        "vestnik does not read this file: it is a link to a file outside the repository"
    );
}

/// Item 14: a FIFO as a plan file hung `check` for ever.
#[cfg(unix)]
#[test]
fn a_fifo_plan_file_does_not_hang() {
    let r = repo().file(
        "plans/school/a.md",
        &post("date: 2026-12-01 09:00", "Текст\n"),
    );
    let made = std::process::Command::new("mkfifo")
        .arg(r.path().join("plans/school/fifo.md"))
        .status()
        .expect("run mkfifo");
    assert!(made.success());
    // A hang would fail the suite by its own timeout; a refusal is a diagnostic.
    let c = r.check().json();
    assert_eq!(c.at(), ["yaml error plans/school/fifo.md:1:1"]);
    assert!(c.diags[0].message.contains("not a regular file"));
}

/// Item 5: `match: ["*"]` matched empty text at one place for ever (13 GB in 60 s).
#[test]
fn a_style_phrase_that_matches_nothing_is_refused() {
    let c = repo()
        .file(
            "plans/style.yaml",
            "rules:\n  - id: all\n    match: [\"*\", \"хорош*\"]\n    message: всё плохо\n",
        )
        .file(
            "plans/school/a.md",
            &post(
                "date: 2026-12-01 09:00",
                "Хороший текст, и ещё немного слов.\n",
            ),
        )
        .check()
        .memory_kb(CHECK_MEMORY_KIB)
        .json();
    assert_eq!(
        c.at(),
        [
            "style warning plans/school/a.md:4:1",
            "schema error plans/style.yaml:3:13",
        ]
    );
    assert!(c.diags[1].message.contains("matches empty text"));
}

/// Item 6: `media/school -> /` made any host file a picture of the school.
#[cfg(unix)]
#[test]
fn a_linked_media_folder_is_not_trusted() {
    let r = repo()
        .image("media/library/their.png", 40, 30)
        .file(
            "plans/school/a.md",
            &post("date: 2026-12-01 09:00\nimages: [their.png]", "Текст\n"),
        )
        .symlink("media/school", "media/library");
    let c = r.check().json();
    assert_eq!(c.at(), ["media-path error plans/school/a.md:3:10"]);
    assert!(
        c.diags[0]
            .message
            .contains("link to a file outside media/school/")
    );
}

/// Item 8: the registry linked to `/dev/zero` grew memory without end.
#[cfg(unix)]
#[test]
fn a_registry_without_end_is_refused() {
    let r = util::Repo::new().file(
        "plans/school/a.md",
        &post("date: 2026-12-01 09:00", "Текст\n"),
    );
    std::os::unix::fs::symlink("/dev/zero", r.path().join("plans/registry.yaml")).unwrap();
    for format in ["json", "human"] {
        let run = r.check().memory_kb(CHECK_MEMORY_KIB).run(format);
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        assert!(run.stdout.contains("plans/registry.yaml"), "{}", run.stdout);
    }
}

/// Item 10: `weeks_ahead: 4000000000` made `check` loop for ever.
#[test]
fn numeric_settings_are_bounded() {
    let reg = util::REGISTRY.replace(
        "timezone: Asia/Novokuznetsk\n",
        "timezone: Asia/Novokuznetsk\nrules:\n  weeks_ahead: 4000000000\n  min_posts_per_week: 100000\n",
    );
    let c = util::Repo::new()
        .registry(&reg)
        .file(
            "plans/school/a.md",
            &post("date: 2026-12-01 09:00", "Текст\n"),
        )
        .check()
        .memory_kb(CHECK_MEMORY_KIB)
        .json();
    assert_eq!(
        c.at(),
        [
            "schema error plans/registry.yaml:3:16",
            "schema error plans/registry.yaml:4:23",
        ]
    );
    assert_eq!(
        c.diags[0].message,
        "`weeks_ahead` in `rules` must be a whole number from 0 to 52, found a number"
    );
}

/// The rules that protect others cannot be turned down in the registry.
#[test]
fn guarding_rules_cannot_be_turned_off() {
    let reg = util::REGISTRY.replace(
        "timezone: Asia/Novokuznetsk\n",
        "timezone: Asia/Novokuznetsk\nrules:\n  severity:\n    foreign-org: off\n    style: off\n",
    );
    let c = util::Repo::new()
        .registry(&reg)
        .file(
            "plans/school/a.md",
            &post("date: 2026-12-01 09:00\norg: library", "В целях порядка.\n"),
        )
        .check()
        .json();
    assert_eq!(
        c.at(),
        [
            "schema error plans/registry.yaml:4:18",
            "foreign-org error plans/school/a.md:3:6",
        ]
    );
}

/// Item 13: escape sequences in file names and texts were printed raw to the terminal.
#[test]
fn terminal_escapes_are_not_printed_raw() {
    let r = repo().file(
        "plans/school/a.md",
        &post("date: 2026-12-01 09:00\ntitel: \"\x1b[2J\"", "Текст\n"),
    );
    let run = r.check().run("human");
    assert!(!run.stdout.contains('\x1b'), "{:?}", run.stdout);
    assert!(run.stdout.contains("\\u{1b}"), "{}", run.stdout);
    #[cfg(unix)]
    {
        let r = r.file("plans/school/b\x1b[31m\nforged.md", "x");
        let run = r.check().run("human");
        assert!(!run.stdout.contains('\x1b'), "{:?}", run.stdout);
        assert!(run.stdout.contains("control characters"), "{}", run.stdout);
        let run = r.check().run("github");
        assert!(!run.stdout.contains('\x1b'), "{:?}", run.stdout);
    }
}

// ── the Russian texts ───────────────────────────────────────────────────────────────────────

/// A repository that trips as many rules as one report can show: the Russian users read.
#[cfg(unix)]
fn many_problems() -> Repo {
    let registry = "\
timezone: Asia/Novokuznetsk
rules:
  weeks_ahead: 0
organizations:
  - id: school
    name: МБОУ «Школа»
    required: true
    responsible: {name: Иванова Мария}
    profile: {description: Школа посёлка}
    pages:
      vk: {id: 100}
  - id: library
    name: МБУК «Библиотека»
    required: false
    pages:
      vk: {id: 101}
  - id: biblio
    name: МБУК «БИБЛИОТЕКА»
    required: false
    pages:
      vk: {id: 101}
";
    let style = "\
rules:
  - id: zvezda
    match: [\"*\"]
    message: звёздочка
";
    let poll = "\
date: 2026-12-01 09:00
poll:
  question: Какую книгу читать?
  options: [о1, о2, о3, о4, о5, о6, о7, о8, о9, о10, о1]
  closes: 2026-11-30 09:00";
    let mut album = String::from("date: 2026-12-02 09:00\nimages:");
    let mut r = Repo::new()
        .registry(registry)
        .file("plans/style.yaml", style)
        .file(
            "plans/school/a.md",
            &post(
                "date: 2026-12-01 09:00",
                "В целях порядка приходите к восьми.\n",
            ),
        )
        .file(
            "plans/school/b.md",
            &post("date: 2026-12-01 10:00\norg: library", "Текст\n"),
        )
        .file(
            "plans/school/c.md",
            &post("date: 2026-12-01 11:00\norg: nobody", "Текст\n"),
        )
        .file(
            "plans/school/d.md",
            &post(
                "date: 2026-12-01 12:00\nnetworks: [telegram]\nok:\n  text: Для Одноклассников",
                "Текст\n",
            ),
        )
        .file(
            "plans/shcool/a.md",
            &post("date: 2026-12-01 09:00", "Текст\n"),
        )
        .file("plans/library/poll.md", &post(poll, "Голосуем!\n"))
        .file(
            "plans/library/past.md",
            &post("date: 2026-11-29 23:59\nstatus: draft", "Тема.\n"),
        )
        .file(
            "plans/library/soon.md",
            &post("date: 2026-11-30 10:00\nstatus: draft", "Тема.\n"),
        )
        .file(
            "plans/library/empty.md",
            &post("date: 2026-12-03 09:00", "\n"),
        )
        .file(
            "plans/library/long.md",
            &post("date: 2026-12-03 10:00", &"Новость дня.\n".repeat(1300)),
        )
        .file("media/library/fake.txt", "это не картинка, а текст\n")
        .image("media/library/lenta.png", 4000, 100)
        .image("media/school/x.png", 40, 30)
        .file(
            "plans/library/media.md",
            &post(
                "date: 2026-12-03 11:00\nimages: [net.png, ../school/x.png, fake.txt, lenta.png]",
                "Фото.\n",
            ),
        )
        .file(
            "plans/library/key.md",
            &post(
                "date: 2026-12-03 12:00",
                "Ключ vk1.a.abcdefghijklmnopqrstuvwxyz0123456789\n",
            ),
        )
        .file(
            "plans/library/one.md",
            &post("date: 2026-12-04 09:00\nid: same", "Текст\n"),
        )
        .file(
            "plans/library/two.md",
            &post("date: 2026-12-04 10:00\nid: same", "Текст\n"),
        )
        .bytes("plans/library/notes.docx", b"PK\x03\x04")
        .file("plans/library/bad\nname.md", "x");
    for i in 1..=11 {
        r = r.image(&format!("media/library/{i}.png"), 8, 6);
        album.push_str(&format!("\n  - {i}.png"));
    }
    r.file("plans/library/album.md", &post(&album, "Фотоотчёт.\n"))
}

#[cfg(unix)]
#[test]
fn russian_human_output() {
    let run = many_problems()
        .check()
        .lang("ru")
        .args(&["--to", "2026-W49"])
        .run("human");
    assert_eq!(run.code, 1);
    assert_eq!(run.stderr, "");
    insta::assert_snapshot!(run.stdout);
}

#[cfg(unix)]
#[test]
fn russian_output_has_no_english_left() {
    let run = many_problems()
        .check()
        .lang("ru")
        .args(&["--to", "2026-W49"])
        .run("human");
    let mut english = Vec::new();
    for line in run.stdout.lines() {
        // The user's own lines, quoted under a finding: `3 | date: …` and the caret under it.
        let t = line.trim_start();
        if t.starts_with('|')
            || t.split_once(" |")
                .is_some_and(|(n, _)| n.chars().all(|c| c.is_ascii_digit()))
        {
            continue;
        }
        let words = latin_words(line, &[]);
        if !words.is_empty() {
            english.push(format!("{words:?} in: {line}"));
        }
    }
    assert!(
        english.is_empty(),
        "{}\n\n{}",
        english.join("\n"),
        run.stdout
    );
}

#[test]
fn media_tool_without_ffmpeg_for_a_clip() {
    // A post with a clip and no ffprobe: `media-tool` for it, nothing else is lost.
    let r = repo()
        .bytes("media/school/clip.mp4", b"not even looked at")
        .file(
            "plans/school/a.md",
            &post("date: 2026-12-01 10:00\nvideo: clip.mp4", "Ролик."),
        );
    let checked = r
        .check()
        .env("VESTNIK_FFPROBE", "/nonexistent/ffprobe")
        .json();
    let errors: Vec<String> = checked
        .diags
        .iter()
        .filter(|d| d.severity == "error")
        .map(util::Diag::at)
        .collect();
    assert_eq!(errors, ["media-tool error plans/school/a.md:3:8"]);
}
