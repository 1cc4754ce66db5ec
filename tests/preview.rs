//! `vestnik preview` on the shipped example plans: text, JSON, and the HTML page checked in
//! headless Chromium (Debian `chromium`; `.ci/run` installs it and sets
//! `VESTNIK_REQUIRE_CHROMIUM=1` so that a missing browser fails instead of skipping). The
//! preview speaks Russian unless told `--lang en`: both are snapshotted, and the Russian is
//! scanned for English left in it.

use crate::support::latin::latin_words;
use crate::support::repo as util;

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `vestnik --lang en …` in the project's root (the tests that compare wording speak English).
fn vestnik(args: &[&str], cache: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_vestnik"))
        .current_dir(root())
        .args(["--lang", "en"])
        .args(args)
        .arg("--cache-dir")
        .arg(cache)
        .output()
        .expect("run vestnik")
}

#[test]
fn text_preview_shows_calls_in_order_with_texts_as_sent() {
    let cache = tempfile::tempdir().unwrap();
    let out = vestnik(
        &["preview", "plans/admin/2026-12-05-opros-gorodok.md"],
        cache.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let vk = text.find("── VK").unwrap();
    let ok = text.find("── OK").unwrap();
    let tg = text.find("── Telegram").unwrap();
    assert!(vk < ok && ok < tg, "{text}");
    // VK: the poll is created first, then the wall post carries it.
    let poll = text[vk..ok]
        .find("1. polls.create «Что добавить в новогодний городок на площади?»")
        .unwrap();
    let wall = text[vk..ok]
        .find("2. wall.post to -900000001 as the community, 1 attachment(s)")
        .unwrap();
    assert!(poll < wall);
    // OK ignores `closes` and says so; Telegram sends the text, then the poll.
    assert!(text[ok..tg].contains("! OK has no documented closing time for polls"));
    assert!(text[tg..].contains("1. sendMessage (parse_mode HTML):"));
    assert!(text[tg..].contains("2. sendPoll «Что добавить"));
}

#[test]
fn json_preview_reports_processed_images() {
    let cache = tempfile::tempdir().unwrap();
    let out = vestnik(
        &[
            "preview",
            "plans/admin/2026-12-01-katok.md",
            "--network",
            "telegram",
            "--format",
            "json",
        ],
        cache.path(),
    );
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let nets = v["posts"][0]["networks"].as_array().unwrap();
    assert_eq!(nets.len(), 1);
    assert_eq!(nets[0]["network"], "telegram");
    assert_eq!(nets[0]["error"], serde_json::Value::Null);
    let call = &nets[0]["publication"]["calls"][0];
    assert_eq!(call["method"], "sendPhoto");
    assert_eq!(call["photo"]["source"], "media/admin/katok.jpg");
    assert_eq!(
        (
            call["photo"]["width"].as_u64(),
            call["photo"]["height"].as_u64()
        ),
        (Some(800), Some(600))
    );
    assert!(call["photo"]["bytes"].as_u64().unwrap() > 1000);
    assert!(
        call["caption"]
            .as_str()
            .unwrap()
            .starts_with("Каток у Дома культуры")
    );
}

#[test]
fn preview_refuses_files_outside_plans() {
    let cache = tempfile::tempdir().unwrap();
    let out = vestnik(&["preview", "README.md"], cache.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("is not a post or plan under plans/<org-id>/")
    );
}

#[test]
fn html_preview_renders_three_feeds_in_chromium() {
    let Some(browser) = crate::support::browser::chromium() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("preview.html");
    let out = vestnik(
        &[
            "preview",
            "plans/admin/2026-12-01-katok.md",
            "--format",
            "html",
            "-o",
            page.to_str().unwrap(),
        ],
        &dir.path().join("cache"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        !html.contains("src=\"http"),
        "the page must be self-contained"
    );
    let profile = dir.path().join("profile");
    let run = |extra: &[&str]| crate::support::browser::headless(&browser, &profile, &page, extra);
    // The DOM as Chromium parsed it: three feeds, each with the picture decoded inline.
    let dom = String::from_utf8(run(&["--dump-dom"]).stdout).unwrap();
    for net in ["vk", "ok", "telegram"] {
        assert!(
            dom.contains(&format!("data-network=\"{net}\"")),
            "no {net} feed in {dom:.400}"
        );
    }
    assert_eq!(dom.matches("<img src=\"data:image/jpeg;base64,").count(), 3);
    assert!(
        dom.contains("Каток у Дома культуры открываем в субботу"),
        "the Telegram caption override is shown"
    );
    // And it paints: a screenshot of the page is a real image, not an empty canvas.
    crate::support::browser::screenshot_is_not_blank(&browser, &profile, &page, (1400, 1000), 50);
}

/// `preview` of a post in `repo`, with its address space limited to `kb` KiB.
#[cfg(unix)]
fn preview_limited(repo: &util::Repo, post: &str, cache: &Path, kb: u64) -> std::process::Output {
    util::limited(&util::bin(), kb)
        .arg("preview")
        .arg("--root")
        .arg(repo.path())
        .arg(repo.path().join(post))
        .args(["--format", "json", "--cache-dir"])
        .arg(cache)
        .output()
        .expect("run vestnik")
}

/// A JPEG padded to 3 GB with a hole is refused before it is read, by the probe and the cache.
#[cfg(unix)]
#[test]
fn preview_refuses_a_huge_image_unread() {
    let r = util::repo().image("media/school/big.jpg", 16, 16).file(
        "plans/school/a.md",
        &util::post("date: 2026-12-01 09:00\nimages: [big.jpg]", "Текст\n"),
    );
    std::fs::OpenOptions::new()
        .write(true)
        .open(r.path().join("media/school/big.jpg"))
        .unwrap()
        .set_len(3 << 30)
        .unwrap();
    let cache = tempfile::tempdir().unwrap();
    let out = preview_limited(
        &r,
        "plans/school/a.md",
        &cache.path().join("media"),
        1_000_000,
    );
    assert!(
        out.status.success(),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let problems = v["problems"].as_array().unwrap();
    assert!(
        problems.iter().any(|p| p["rule"] == "media-size"),
        "{problems:?}"
    );
    assert_eq!(
        std::fs::read_dir(cache.path().join("media"))
            .unwrap()
            .count(),
        0
    );
}

/// Without --cache-dir the cache is the user's own (`~/.cache/vestnik/media`, private), never
/// the shared temp folder, where another local user could have made it first.
#[cfg(unix)]
#[test]
fn the_default_cache_is_private_and_per_user() {
    use std::os::unix::fs::PermissionsExt as _;
    let home = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let preview = |home: Option<&Path>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_vestnik"));
        cmd.current_dir(root())
            .args(["--lang", "en", "preview", "plans/admin/2026-12-01-katok.md"])
            .env_remove("XDG_CACHE_HOME")
            .env_remove("HOME")
            .env("TMPDIR", tmp.path());
        if let Some(h) = home {
            cmd.env("HOME", h);
        }
        cmd.output().expect("run vestnik")
    };
    let out = preview(Some(home.path()));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cache = home.path().join(".cache/vestnik/media");
    let mode = std::fs::metadata(&cache).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700);
    assert!(std::fs::read_dir(&cache).unwrap().count() > 0);
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);

    // No home at all: a clear refusal instead of a guess.
    let out = preview(None);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("set `cache_dir`"), "{err}");

    // A cache folder that others can write to is refused before anything is read from it.
    let shared = tmp.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).unwrap();
    let out = vestnik(&["preview", "plans/admin/2026-12-01-katok.md"], &shared);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("other users can write to it"), "{err}");
}

/// The colour profile and text chunks are thrown away, so they are never inflated: the picture
/// is previewed within a few hundred MB where it used to take 2 GB.
#[cfg(unix)]
#[test]
fn preview_does_not_inflate_png_profiles_or_texts() {
    let r = util::repo()
        .bytes("media/school/bomb.png", &util::png_with_bombs())
        .file(
            "plans/school/a.md",
            &util::post("date: 2026-12-01 09:00\nimages: [bomb.png]", "Текст\n"),
        );
    let cache = tempfile::tempdir().unwrap();
    let out = preview_limited(&r, "plans/school/a.md", cache.path(), 1_000_000);
    assert!(
        out.status.success(),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["problems"], serde_json::json!([]), "{v}");
    let nets = v["posts"][0]["networks"].as_array().unwrap();
    assert_eq!(nets.len(), 3);
    for net in nets {
        assert_eq!(net["error"], serde_json::Value::Null, "{net}");
        assert!(net.to_string().contains("\"width\":100"), "{net}");
    }
}

/// A post with a multiple-choice poll that closes, two pictures and a link that is not a web
/// address, for all three networks of `school`.
fn poll_with_pictures() -> util::Repo {
    util::repo()
        .image("media/school/elka.png", 640, 480)
        .image("media/school/zal.jpg", 480, 640)
        .file(
            "plans/school/opros.md",
            &util::post(
                "date: 2030-03-02 11:00\n\
                 title: Опрос о весеннем празднике\n\
                 images: [elka.png, zal.jpg]\n\
                 poll:\n  question: Что устроим на празднике?\n  \
                 options: [Концерт, Ярмарку, Спортивные игры]\n  \
                 multiple: true\n  closes: 2030-03-05 18:00",
                "**Готовим весенний праздник!**\n\nВыберите, что устроить. \
                 Программа — в [анкете](anketa.docx).\n\n#Школа #весна\n",
            ),
        )
}

/// `vestnik [--lang <lang>] preview plans/school/opros.md --format <format>` on `repo`, with
/// no language in the environment; the standard output, after checking that it succeeded.
fn preview_of(
    repo: &util::Repo,
    lang: Option<&str>,
    env_lang: Option<&str>,
    format: &str,
) -> String {
    let cache = tempfile::tempdir().expect("a temp dir");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vestnik"));
    cmd.env_remove("VESTNIK_LANG");
    if let Some(l) = env_lang {
        cmd.env("VESTNIK_LANG", l);
    }
    if let Some(l) = lang {
        cmd.args(["--lang", l]);
    }
    let out = cmd
        .arg("preview")
        .arg("--root")
        .arg(repo.path())
        .arg(repo.path().join("plans/school/opros.md"))
        .args(["--format", format, "--cache-dir"])
        .arg(cache.path())
        .output()
        .expect("run vestnik");
    assert!(
        out.status.success(),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

#[test]
fn text_preview_speaks_russian_by_default() {
    let r = poll_with_pictures();
    let ru = preview_of(&r, None, None, "text");
    assert_eq!(ru, preview_of(&r, Some("ru"), None, "text"));
    insta::assert_snapshot!("text_ru", ru);
}

#[test]
fn text_preview_speaks_english_when_asked() {
    let r = poll_with_pictures();
    let en = preview_of(&r, Some("en"), None, "text");
    assert_eq!(en, preview_of(&r, None, Some("en"), "text"));
    insta::assert_snapshot!("text_en", en);
}

/// The page without its style sheet and with each picture's data cut short: what it says.
fn page_words(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(at) = rest.find("base64,") {
        out.push_str(&rest[..at + "base64,".len()]);
        out.push('…');
        rest = &rest[at..];
        rest = &rest[rest.find('"').unwrap_or(rest.len())..];
    }
    out.push_str(rest);
    let (head, tail) = out.split_once("<style>").expect("a style sheet");
    let tail = tail.split_once("</style>").expect("its end").1;
    format!("{head}<style>…</style>{tail}").replace("><", ">\n<")
}

#[test]
fn html_preview_speaks_russian_by_default() {
    let r = poll_with_pictures();
    let ru = preview_of(&r, None, None, "html");
    assert!(
        ru.starts_with("<!doctype html><html lang=\"ru\">"),
        "{ru:.200}"
    );
    insta::assert_snapshot!("html_ru", page_words(&ru));
    let en = preview_of(&r, Some("en"), None, "html");
    assert!(
        en.starts_with("<!doctype html><html lang=\"en\">"),
        "{en:.200}"
    );
    assert!(en.contains("Anonymous poll · several answers · closes Tue 5 Mar 2030, 18:00"));
}

/// The Latin words a Russian preview may have: the API's method names, said as they are.
const API_NAMES: [&str; 8] = [
    "sendMessage",
    "sendPhoto",
    "sendMediaGroup",
    "sendPoll",
    "polls.create",
    "wall.post",
    "mediatopic.post",
    "vestnik",
];

/// English words in a Russian text preview, outside the post's own text (the `│` lines) and
/// the post's id in its heading (`━━ file · id · date [status]`: the id is the file's name).
fn english_in(preview: &str) -> Vec<String> {
    preview
        .lines()
        .filter(|l| !l.trim_start().starts_with('│'))
        .filter_map(|line| {
            let words = match line.strip_prefix("━━ ") {
                Some(head) => {
                    let mut parts: Vec<&str> = head.split(" · ").collect();
                    assert!(parts.len() >= 3, "a heading of file · id · date: {line}");
                    parts.remove(1);
                    latin_words(&parts.join(" · "), &API_NAMES)
                }
                None => latin_words(line, &API_NAMES),
            };
            (!words.is_empty()).then(|| format!("{words:?} in: {line}"))
        })
        .collect()
}

#[test]
fn russian_preview_has_no_english_left() {
    assert_eq!(
        english_in("── OK · page 200 · text 5 of 10000 characters"),
        [
            "[\"page\", \"text\", \"of\", \"characters\"] in: ── OK · page 200 · text 5 of 10000 characters"
        ]
    );
    assert!(english_in("      │ the post's own text").is_empty());
    let mut english = english_in(&preview_of(&poll_with_pictures(), None, None, "text"));
    let cache = tempfile::tempdir().unwrap();
    // Pictures, polls, a post published by others, drafts, and a plan of many posts.
    for file in [
        "plans/admin/2026-12-01-katok.md",
        "plans/admin/2026-12-05-opros-gorodok.md",
        "plans/admin/2026-12-03-gospubliki-privivki.md",
        "plans/admin/2026-12-31-pozdravlenie-glavy.md",
        "plans/school-krapivino/2026-12.yaml",
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_vestnik"))
            .current_dir(root())
            .env_remove("VESTNIK_LANG")
            .args(["preview", file, "--cache-dir"])
            .arg(cache.path())
            .output()
            .expect("run vestnik");
        assert!(out.status.success(), "{file}");
        english.extend(english_in(&String::from_utf8(out.stdout).unwrap()));
    }
    assert!(english.is_empty(), "{}", english.join("\n"));
}

/// A merge request's artifact: a branch that changes a post, adds one and deletes one gets a
/// page for each post still there and an index naming all three.
#[test]
fn changed_since_writes_a_page_per_changed_post_and_an_index() {
    let r = util::repo()
        .file(
            "plans/school/changed.md",
            &util::post("date: 2026-12-01 09:00", "Было.\n"),
        )
        .file(
            "plans/school/deleted.md",
            &util::post("date: 2026-12-02 09:00", "Уйдёт.\n"),
        )
        .file(
            "plans/library/same.md",
            &util::post("date: 2026-12-02 09:00", "Не меняется.\n"),
        );
    r.git(&["init", "-q"])
        .git(&["add", "-A"])
        .git(&["commit", "-q", "-m", "base"]);
    r.git(&["checkout", "-q", "-b", "change"]);
    std::fs::write(
        r.path().join("plans/school/changed.md"),
        util::post("date: 2026-12-01 09:00", "Стало лучше.\n"),
    )
    .unwrap();
    std::fs::write(
        r.path().join("plans/school/added.md"),
        util::post("date: 2026-12-03 09:00", "Новый пост.\n"),
    )
    .unwrap();
    std::fs::remove_file(r.path().join("plans/school/deleted.md")).unwrap();
    r.git(&["add", "-A"]).git(&["commit", "-q", "-m", "change"]);

    let out_dir = r.path().join("preview-out");
    let cache = tempfile::tempdir().unwrap();
    let out = Command::new(util::bin())
        .current_dir(r.path())
        .args([
            "--lang",
            "en",
            "preview",
            "--changed-since",
            "main",
            "--format",
            "html",
            "-o",
        ])
        .arg(&out_dir)
        .arg("--cache-dir")
        .arg(cache.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut pages: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    assert_eq!(
        pages,
        [
            "index.html",
            "plans__school__added.md.html",
            "plans__school__changed.md.html",
        ]
    );
    let changed = std::fs::read_to_string(out_dir.join("plans__school__changed.md.html")).unwrap();
    assert!(changed.contains("Стало лучше."), "{changed}");
    let index = std::fs::read_to_string(out_dir.join("index.html")).unwrap();
    assert!(
        index.contains("<a href=\"plans__school__added.md.html\">plans/school/added.md</a>"),
        "{index}"
    );
    assert!(
        index.contains("<a href=\"plans__school__changed.md.html\">"),
        "{index}"
    );
    assert!(
        index.contains("<del>plans/school/deleted.md</del> — deleted"),
        "{index}"
    );
    assert!(!index.contains("same.md"), "{index}");

    // Without a folder to write into, it says what it needs.
    let out = Command::new(util::bin())
        .current_dir(r.path())
        .args(["--lang", "en", "preview", "--changed-since", "main"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--format html and -o DIR"));
}
