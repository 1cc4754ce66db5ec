//! Why a command could not run, as people read it on stderr (`vestnik: …`, exit code 2): in
//! Russian by default and in English with `--lang en`, snapshotted; the Russian keeps no English
//! word outside code, flags, paths and names; the English of the configuration's problems is
//! pinned byte for byte.
// Helpers of this test file panic on setup failures like the tests themselves.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

use crate::support::latin::latin_words;
use crate::support::repo::{bin, repo};
use crate::support::secret_file;

/// A failing command: what it is called in the snapshot, and its arguments (`{dir}` stands for
/// the temp dir the case was set up in).
struct Case {
    name: &'static str,
    args: Vec<String>,
}

/// Writes `text` as the file `name` of `dir` and gives its path as text.
fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

/// The failing commands, set up in `dir` (with a content repository at `root`).
fn cases(dir: &Path, root: &Path) -> Vec<Case> {
    let d = |s: &str| s.to_owned();
    let root = root.display().to_string();
    let bad_fields = write(
        dir,
        "bad-fields.yaml",
        "cache_dir: cache\ngraze_minutes: 5\ngrace_minutes: lots\nlanguage: fr\nmonitor: 10.0.0.1:80\n",
    );
    let no_token = write(
        dir,
        "no-token.yaml",
        "cache_dir: cache\nnetworks:\n  telegram: {token_file: missing.token}\n",
    );
    let open = secret_file(dir, "open.token", "123:abc");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let open_token = write(
        dir,
        "open-token.yaml",
        "cache_dir: cache\nnetworks:\n  vk: {token_file: open.token}\n",
    );
    let no_ledger = write(
        dir,
        "no-ledger.yaml",
        "ledger: no-such-folder/ledger.sqlite\n",
    );
    let cache = dir.join("cache").display().to_string();
    vec![
        Case {
            name: "run --config missing.yaml",
            args: vec![
                d("run"),
                d("--config"),
                dir.join("missing.yaml").display().to_string(),
            ],
        },
        Case {
            name: "run with fields it cannot use",
            args: vec![d("run"), d("--config"), bad_fields],
        },
        Case {
            name: "publish with a token file that is missing",
            args: vec![
                d("publish"),
                d("--due"),
                d("--root"),
                root.clone(),
                d("--config"),
                no_token,
            ],
        },
        Case {
            name: "publish with a token file others can read",
            args: vec![
                d("publish"),
                d("--due"),
                d("--root"),
                root.clone(),
                d("--config"),
                open_token,
            ],
        },
        Case {
            name: "status with a ledger it cannot open",
            args: vec![d("status"), d("--config"), no_ledger],
        },
        Case {
            name: "check --today nonsense",
            args: vec![
                d("check"),
                d("--root"),
                root.clone(),
                d("--today"),
                d("nonsense"),
            ],
        },
        Case {
            name: "check --root /nonexistent",
            args: vec![d("check"), d("--root"), d("/nonexistent")],
        },
        Case {
            name: "check --from after --to",
            args: vec![
                d("check"),
                d("--root"),
                root.clone(),
                d("--from"),
                d("2026-W50"),
                d("--to"),
                d("2026-W49"),
            ],
        },
        Case {
            name: "preview of a file outside plans",
            args: vec![
                d("preview"),
                d("--root"),
                root.clone(),
                d("--cache-dir"),
                cache.clone(),
                dir.join("bad-fields.yaml").display().to_string(),
            ],
        },
        Case {
            name: "preview --network foo",
            args: vec![d("preview"), d("--network"), d("foo"), d("plans/a.md")],
        },
        Case {
            name: "publish without --due",
            args: vec![
                d("publish"),
                d("--config"),
                dir.join("missing.yaml").display().to_string(),
            ],
        },
        Case {
            name: "resolve of a publication without its organization",
            args: vec![
                d("resolve"),
                d("--config"),
                dir.join("no-ledger.yaml").display().to_string(),
                d("--network"),
                d("vk"),
                d("--published"),
                d("post"),
            ],
        },
    ]
}

/// Runs each case in `lang` (`None`: the default) and gives the snapshot's text: each command,
/// then its stderr, with the temp dirs written as `DIR` and `ROOT`. Every case exits with 2.
fn report(lang: Option<&str>) -> String {
    let dir = tempfile::tempdir().unwrap();
    let content = repo();
    let mut out = String::new();
    for case in cases(dir.path(), content.path()) {
        let mut cmd = Command::new(bin());
        if let Some(lang) = lang {
            cmd.arg("--lang").arg(lang);
        }
        let run = cmd
            .args(&case.args)
            .current_dir(dir.path())
            .env_remove("VESTNIK_LANG")
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let stderr = String::from_utf8(run.stderr).unwrap();
        assert_eq!(run.status.code(), Some(2), "{}: {stderr}", case.name);
        let stderr = stderr
            .replace(&content.path().display().to_string(), "ROOT")
            .replace(&dir.path().display().to_string(), "DIR");
        out.push_str(&format!("$ {}\n{stderr}\n", case.name));
    }
    // `--lang xx` itself: the flags' errors speak the default language.
    if lang.is_none() {
        let run = Command::new(bin())
            .args(["--lang", "xx", "status", "--config", "x.yaml"])
            .env_remove("VESTNIK_LANG")
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(2));
        out.push_str(&format!(
            "$ --lang xx\n{}\n",
            String::from_utf8(run.stderr).unwrap()
        ));
    }
    out
}

#[test]
fn errors_speak_russian_by_default() {
    insta::assert_snapshot!(report(None));
}

#[test]
fn errors_speak_english_with_lang_en() {
    insta::assert_snapshot!(report(Some("en")));
}

/// The names that stay as they are in a Russian error: the networks, and the commands, formats
/// and words of the configuration that are written without backticks.
const ALLOWED: &[&str] = &[
    "vestnik", "VK", "OK", "Telegram", "UTF-8", "SQLite", "DIR", "ROOT",
];

#[test]
fn russian_errors_have_no_english_left() {
    let text = report(None);
    let mut english = Vec::new();
    for line in text.lines() {
        // The command lines of the snapshot.
        if line.starts_with("$ ") {
            continue;
        }
        let words = latin_words(line, ALLOWED);
        if !words.is_empty() {
            english.push(format!("{words:?} in: {line}"));
        }
    }
    assert!(english.is_empty(), "{}\n\n{text}", english.join("\n"));
}

/// Every kind of problem of a configuration at once, in English: the text and the order of the
/// lines are pinned (as printed before `load` was split by section, and before the catalogues).
#[test]
fn configuration_problems_keep_their_english_and_order() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("content");
    std::fs::create_dir_all(&repo).unwrap();
    secret_file(&repo, "tok", "123:abc");
    let cfg = dir.path().join("vestnik.yaml");
    let load_err = |text: &str| {
        std::fs::write(&cfg, text).unwrap();
        let run = Command::new(bin())
            .args(["--lang", "en", "publish", "--due", "--root"])
            .arg(&repo)
            .arg("--config")
            .arg(&cfg)
            .env_remove("VESTNIK_VK_TOKEN")
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(2));
        let err = String::from_utf8(run.stderr).unwrap();
        let err = err.strip_prefix("vestnik: ").unwrap().trim_end().to_owned();
        err.replace(&dir.path().display().to_string(), "D")
    };
    let err = load_err(
        "ledger: [x]\n\
         graze_minutes: 5\n\
         grace_minutes: 999999999\n\
         shutdown_seconds: 601\n\
         max_nap_seconds: 0\n\
         log: xml\n\
         monitor: 10.0.0.1:80\n\
         source: {git: x, brnch: y}\n\
         jobs: {sync: 5, weekly: x}\n\
         alerts: {responsibles: yes}\n\
         networks:\n\
         \x20 telegram: 5\n\
         \x20 vk: {token_env: VESTNIK_NO_SUCH_VAR_X, rate_limits: {global_per_sec: 5000, foo: 1}, extra: 1}\n\
         \x20 ok: {token_file: content/tok, secret_env: VESTNIK_NO_SUCH_VAR_Y, rate_limits: 3}\n\
         \x20 mastodon: {rate_limits: [1], x: 1}\n",
    );
    let expected = [
        "D/vestnik.yaml:6: log: unknown log format `xml`: expected `human` or `json`",
        "D/vestnik.yaml:7: monitor: 10.0.0.1:80 is not a loopback address; /healthz and /metrics have no authentication, so they listen on 127.0.0.1 or ::1 only",
        "D/vestnik.yaml:8: source needs `git` (the remote) and `checkout` (a folder of the daemon's own)",
        "D/vestnik.yaml:10: alerts need `telegram_chat` (the МЦУ chat id or @username)",
        "D/vestnik.yaml:12: `telegram` must be a group of fields",
        "vk: the environment variable VESTNIK_NO_SUCH_VAR_X is not set",
        "ok: the secrets file D/content/tok is inside the content repository; move it out (e.g. to /etc/vestnik/) so it never reaches git",
        "ok: the environment variable VESTNIK_NO_SUCH_VAR_Y is not set",
        "ok: `application_key` is missing",
        "mastodon: give `token_env` (an environment variable) or `token_file` (a file only its owner can read)",
        "D/vestnik.yaml:15: unknown network `mastodon` (vk, ok, telegram)",
        "D/vestnik.yaml:1:9: `ledger` in the configuration must be text, found a list",
        "D/vestnik.yaml:3:16: `grace_minutes` in the configuration must be a whole number from 0 to 527040, found a number",
        "D/vestnik.yaml:4:19: `shutdown_seconds` in the configuration must be a whole number from 0 to 600, found a number",
        "D/vestnik.yaml:5:18: `max_nap_seconds` in the configuration must be a whole number from 1 to 3600, found a number",
        "D/vestnik.yaml:2:1: unknown field `graze_minutes` in the configuration",
        "D/vestnik.yaml:8:18: unknown field `brnch` in the source",
        "D/vestnik.yaml:9:17: unknown field `weekly` in the jobs",
        "D/vestnik.yaml:10:10: unknown field `responsibles` in the alerts",
        "D/vestnik.yaml:13:72: `global_per_sec` in rate limits must be a whole number from 0 to 1000, found a number",
        "D/vestnik.yaml:13:78: unknown field `foo` in rate limits",
        "D/vestnik.yaml:13:87: unknown field `extra` in a network",
        "D/vestnik.yaml:14:81: `rate_limits` in a network must be a group of fields, found a number",
        "D/vestnik.yaml:15:27: `rate_limits` in a network must be a group of fields, found a list",
    ];
    assert_eq!(err, expected.join("\n"));
    let err = load_err("monitor: nonsense\nsource: 5\nnetworks: {vk: {token_file: nope}}\n");
    let expected = [
        "D/vestnik.yaml:1: monitor: `nonsense` is not an address like 127.0.0.1:9187",
        "vk: cannot read the secrets file D/nope: entity not found",
        "D/vestnik.yaml:2:9: `source` in the configuration must be a group of fields, found a number",
    ];
    assert_eq!(err, expected.join("\n"));
    assert_eq!(
        load_err("- a\n"),
        "D/vestnik.yaml:1:1: the configuration must be a group of `field: value` lines, found a list"
    );
    assert_eq!(
        load_err(""),
        "D/vestnik.yaml:1:1: the configuration must be a group of `field: value` lines, found nothing"
    );
    assert_eq!(
        load_err("a: [\n"),
        "D/vestnik.yaml:1:4: unclosed bracket '['"
    );
}
