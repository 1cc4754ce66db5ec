//! Video and animation end to end, with clips FFmpeg makes at test time ([`clips`]): `check`
//! judges each (a 1080p minute, HEVC, a turned phone clip, a clip over Telegram's 50 MB, a GIF,
//! a damaged file, a picture named `.mp4`), `preview` shows what each network gets, and
//! `publish --due` sends them into the emulators, which hold them to the networks' limits.
//! Without FFmpeg, `check` reports `media-tool` for the posts with clips and checks the rest.
// Helpers of this test file panic on setup failures like the tests themselves.
#![allow(clippy::unwrap_used)]

use crate::support::clips::{self, Clip};
use crate::support::repo::{post, repo};
use crate::support::sandboxed::{self, Setup};

use vestnik::networks::ok::emulator::Block;
use vestnik::networks::telegram::emulator::Content;

/// A repository of the `school` organization with `clips` in its media folder, one post each
/// (`video:` or `animation:` by the file's kind).
fn with_clips(clips: &[Clip]) -> crate::support::repo::Repo {
    let mut r = repo();
    for (i, clip) in clips.iter().enumerate() {
        let bytes = std::fs::read(clips::path(*clip)).unwrap();
        let key = if *clip == Clip::Gif {
            "animation"
        } else {
            "video"
        };
        r = r
            .bytes(&format!("media/school/{}", clip.name()), &bytes)
            .file(
                &format!("plans/school/clip-{i}.md"),
                &post(
                    &format!("date: 2026-12-0{} 10:00\n{key}: {}", i + 1, clip.name()),
                    "Ролик недели.",
                ),
            );
    }
    r
}

#[test]
fn check_judges_each_clip() {
    if !clips::ffmpeg() {
        return;
    }
    let all = [
        Clip::FullHd,
        Clip::Hevc,
        Clip::Rotated,
        Clip::Huge,
        Clip::Gif,
        Clip::Corrupted,
        Clip::Still,
    ];
    let r = with_clips(&all);
    let checked = r.check().json();
    let media: Vec<String> = checked
        .diags
        .iter()
        .filter(|d| d.rule.starts_with("media-"))
        .map(|d| format!("{} {}", d.rule, d.file))
        .collect();
    // The damaged clip and the picture are refused; the others can all be adapted.
    assert_eq!(
        media,
        vec![
            "media-format plans/school/clip-5.md",
            "media-format plans/school/clip-6.md"
        ],
        "{:#?}",
        checked.diags
    );
    let still = checked
        .diags
        .iter()
        .find(|d| d.file.ends_with("clip-6.md"))
        .unwrap();
    assert!(
        still.message.contains("still PNG picture"),
        "{}",
        still.message
    );
    let damaged = checked
        .diags
        .iter()
        .find(|d| d.file.ends_with("clip-5.md"))
        .unwrap();
    assert!(damaged.message.contains("damaged"), "{}", damaged.message);
}

#[test]
fn without_ffmpeg_check_says_so_for_clips_and_checks_the_rest() {
    if !clips::ffmpeg() {
        return;
    }
    let r = with_clips(&[Clip::Hevc]).file(
        "plans/school/text.md",
        &post("date: 2026-12-05 10:00\nimages: [missing.jpg]", "Текст."),
    );
    let checked = r
        .check()
        .env("VESTNIK_FFPROBE", "/nonexistent/ffprobe")
        .json();
    let rules: Vec<String> = checked
        .diags
        .iter()
        .filter(|d| d.severity == "error")
        .map(|d| format!("{} {}", d.rule, d.file))
        .collect();
    assert_eq!(
        rules,
        vec![
            "media-tool plans/school/clip-0.md",
            "media-missing plans/school/text.md"
        ]
    );
    assert_eq!(checked.code, 1);
}

#[test]
fn preview_shows_poster_duration_and_size_per_network() {
    if !clips::ffmpeg() {
        return;
    }
    let r = with_clips(&[Clip::Rotated]);
    let cache = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(crate::support::repo::bin())
        .args(["preview", "--lang", "en", "--root"])
        .arg(r.path())
        .arg("--cache-dir")
        .arg(cache.path())
        .arg(r.path().join("plans/school/clip-0.md"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Turned upright: 240 wide, 320 high; two seconds; a frame of the clip as poster.
    let clip = "media/school/rotated.mp4 (240×320, 2 s,";
    assert!(text.contains(&format!("sendVideo {clip}")), "{text}");
    assert_eq!(
        text.matches(&format!("upload video {clip}")).count(),
        2,
        "{text}"
    );
    assert!(
        text.contains("poster media/school/rotated.mp4#poster"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clips_are_published_to_every_network() {
    if !clips::ffmpeg() {
        return;
    }
    let setup = Setup::new().await;
    let posts = [
        (Clip::FullHd, "video"),
        (Clip::Hevc, "video"),
        (Clip::Rotated, "video"),
        (Clip::Huge, "video"),
        (Clip::Gif, "animation"),
    ];
    for (i, (clip, key)) in posts.iter().enumerate() {
        let bytes = std::fs::read(clips::path(*clip)).unwrap();
        let media = setup.content.path().join("media/school").join(clip.name());
        std::fs::create_dir_all(media.parent().unwrap()).unwrap();
        std::fs::write(media, bytes).unwrap();
        setup.file(
            &format!("plans/school/clip-{i}.md"),
            &sandboxed::post(
                &format!("date: 2026-12-01 1{i}:00\n{key}: {}", clip.name()),
                &format!("Ролик {i}."),
            ),
        );
    }
    let out = setup.publish().await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sb = &setup.sb;

    // Telegram: four videos and an animation, each with its thumbnail, under 50 MB.
    let messages = sb.telegram.state.messages("@school");
    let shown: Vec<(u32, u32, bool, usize)> = messages
        .iter()
        .map(|m| match &m.content {
            Content::Video {
                width,
                height,
                animation,
                file_size,
                thumbnail,
                supports_streaming,
                ..
            } => {
                let (tw, th) = thumbnail.expect("a thumbnail");
                assert!(tw <= 320 && th <= 320);
                assert_eq!(*supports_streaming, !animation);
                (*width, *height, *animation, *file_size)
            }
            other => panic!("not a video: {other:?}"),
        })
        .collect();
    let sizes: Vec<(u32, u32, bool)> = shown.iter().map(|(w, h, a, _)| (*w, *h, *a)).collect();
    assert_eq!(
        sizes,
        vec![
            (1920, 1080, false),
            (320, 240, false),
            (240, 320, false),
            (1280, 720, false),
            (160, 120, true)
        ]
    );
    let huge = std::fs::metadata(clips::path(Clip::Huge)).unwrap().len();
    assert!(huge > 50_000_000, "the test clip is {huge} bytes");
    assert!(shown.iter().all(|s| s.3 <= 50_000_000), "{shown:?}");

    // VK: five clips saved without a post of their own, each attached to one wall post.
    let videos = sb.vk.state.videos();
    assert_eq!(videos.len(), 5);
    assert!(videos.iter().all(|v| !v.wallpost && v.bytes > 0));
    assert_eq!(
        videos.iter().filter(|v| v.repeat).count(),
        1,
        "the animation loops"
    );
    let wall = sb.vk.state.wall(100);
    assert_eq!(wall.len(), 5);
    assert!(
        wall.iter()
            .all(|p| p.attachments.len() == 1 && p.attachments[0].starts_with("video-100_"))
    );

    // OK: five topics, each a text and a movie block; no extra topic per upload.
    let topics = sb.ok.state.topics("200");
    assert_eq!(topics.len(), 5);
    for t in &topics {
        assert!(
            matches!(&t.blocks[..], [Block::Text(_), Block::Movies(m)] if m.len() == 1),
            "{:?}",
            t.blocks
        );
    }
    assert!(
        sb.ok
            .state
            .videos()
            .iter()
            .all(|v| v.post_form && v.updated)
    );
}
