//! The content repository is written by many semi-trusted hands: what protects another
//! organization's page holds in the publisher itself, not only in `check`. Each test is a
//! reproducer of issue 9 run through the real binary (`publish --due`) into the emulators.
// Helpers of this test file panic on setup failures like the tests themselves.
#![allow(clippy::unwrap_used)]

use crate::support;

use std::process::Output;

use support::sandboxed::{Setup, post, write};

fn text(out: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Item 1: the same file name in two folders, an `id:` equal to another file's name, and two
/// posts with one `id:` used to fail the whole pass with a UNIQUE error. Now the duplicates are
/// skipped and reported, and every other post goes out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_post_id_stops_nobody_else() {
    let s = Setup::new().await;
    s.file(
        "plans/school/dec/news.md",
        &post("date: 2026-12-01 09:00", "Декабрь"),
    );
    s.file(
        "plans/school/jan/news.md",
        &post("date: 2026-12-01 10:00", "Январь"),
    );
    s.file(
        "plans/school/x.md",
        &post("date: 2026-12-01 11:00\nid: concert", "Концерт"),
    );
    s.file(
        "plans/school/concert.md",
        &post("date: 2026-12-01 11:30", "Тоже концерт"),
    );
    s.file(
        "plans/school/fine.md",
        &post("date: 2026-12-01 12:00", "Хорошая новость"),
    );
    s.file(
        "plans/other/a.md",
        &post("date: 2026-12-01 09:00", "Новость другой"),
    );
    let out = s.publish().await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let (school, other, _, _) = s.pages();
    assert_eq!(school, ["Хорошая новость"]);
    assert_eq!(other, ["Новость другой"]);
    let said = text(&out);
    for f in [
        "plans/school/dec/news.md",
        "plans/school/jan/news.md",
        "plans/school/x.md",
        "plans/school/concert.md",
    ] {
        assert!(said.contains(f), "{f} is not named: {said}");
    }
    // The publisher speaks Russian by default.
    assert!(said.contains("есть и в"), "{said}");
    // A second pass publishes nothing twice and still fails nobody.
    let again = s.publish().await;
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert_eq!(s.pages().0, ["Хорошая новость"]);
}

/// Item 2: a post in `school`'s folder with `org: other` was published on `other`'s three
/// pages. The publisher refuses it (and everything in its file), as `check` does, and goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_foreign_post_is_not_published() {
    let s = Setup::new().await;
    s.file(
        "plans/school/evil.md",
        &post("date: 2026-12-01 09:00\norg: other", "Чужая новость"),
    );
    s.file(
        "plans/school/good.md",
        &post("date: 2026-12-01 10:00", "Своя новость"),
    );
    // A folder that is no organization may post for nobody either.
    s.file(
        "plans/nobody/evil.md",
        &post("date: 2026-12-01 09:00\norg: other", "Ничья новость"),
    );
    let out = s.publish().await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let (school, other, _, others) = s.pages();
    assert_eq!(school, ["Своя новость"]);
    assert_eq!(other, Vec::<String>::new());
    assert_eq!(others, 0, "nothing on other's Telegram or OK");
    let said = text(&out);
    assert!(said.contains("plans/school/evil.md"), "{said}");
    assert!(said.contains("plans/nobody/evil.md"), "{said}");
    assert!(!s.alerts_and_status().contains("\"other\""));
}

/// Item 2, the other guards: a network the organization has no page on, a token in the text,
/// and a picture of another organization refuse the file; the rest goes out.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_pictures_and_networks_are_guarded_too() {
    let s = Setup::new().await;
    write(s.content.path(), "media/other/their.png", "");
    image::RgbImage::from_pixel(40, 30, image::Rgb([1, 2, 3]))
        .save(s.content.path().join("media/other/their.png"))
        .unwrap();
    std::os::unix::fs::symlink(
        s.content.path().join("media/other"),
        s.content.path().join("media/school"),
    )
    .unwrap();
    s.file(
        "plans/school/picture.md",
        &post(
            "date: 2026-12-01 09:00\nimages: [their.png]",
            "Чужая картинка",
        ),
    );
    s.file(
        "plans/school/token.md",
        &post(
            "date: 2026-12-01 09:30",
            "vk1.a.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        ),
    );
    s.file(
        "plans/school/good.md",
        &post("date: 2026-12-01 10:00", "Своя новость"),
    );
    let out = s.publish().await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let (school, other, _, _) = s.pages();
    assert_eq!(school, ["Своя новость"]);
    assert_eq!(other, Vec::<String>::new());
    let said = text(&out);
    assert!(said.contains("plans/school/picture.md"), "{said}");
    assert!(said.contains("plans/school/token.md"), "{said}");
    assert!(!said.contains("AAAAAAAAAAAAAAAAAAAA"), "{said}");
}

/// A plan file that breaks keeps exactly its own rows, whatever their ids: a post with an
/// explicit `id:` (which does not name its file) was cancelled when its file broke.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_file_keeps_its_posts_with_explicit_ids() {
    let s = Setup::new().await;
    s.file(
        "plans/school/x.md",
        &post("date: 2026-12-05 09:00\nid: concert", "Концерт"),
    );
    s.file(
        "plans/school/gone.md",
        &post("date: 2026-12-05 10:00", "Отменили"),
    );
    let out = s.publish().await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // x.md breaks; gone.md is deleted.
    s.file("plans/school/x.md", "---\ndate: [\n---\nКонцерт\n");
    std::fs::remove_file(s.content.path().join("plans/school/gone.md")).unwrap();
    let out = s.publish().await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let rows = support::ledger_rows(&s.dir.path().join("vestnik.yaml"));
    let states = |post: &str| -> Vec<String> {
        rows.iter()
            .filter(|r| r["post"] == post)
            .map(|r| r["state"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    assert_eq!(states("concert"), ["scheduled"; 3], "{rows:?}");
    assert_eq!(states("gone"), ["cancelled"; 3], "{rows:?}");
}
