//! Pictures prepared ahead of their time (issue 12, item 4): after the plans are read, the
//! pictures of what is due within the horizon are in the cache before the deadline, and
//! nothing further out is touched.
// Helpers of this test file panic on setup failures like the tests themselves.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use jiff::{SignedDuration, Timestamp};

use crate::support::repo::Repo;
use vestnik::media::MediaCache;
use vestnik::plan::network::Network;
use vestnik::publish::ledger::sqlite::SqliteLedger;
use vestnik::publish::{Publisher, Settings, ahead, load};

const REGISTRY: &str = "\
timezone: Asia/Novokuznetsk
organizations:
  - id: school
    name: МБОУ «Школа»
    required: false
    pages:
      vk: {id: 100}
      telegram: {id: '@school'}
";

fn post(due: Timestamp, image: &str) -> String {
    format!("---\ndate: {due}\nimages: [{image}]\n---\nНовость с картинкой\n")
}

fn publisher(root: &Path, cache: &Path) -> Publisher {
    Publisher::new(Settings {
        root: root.to_owned(),
        grace: SignedDuration::from_hours(2),
        cache_dir: cache.to_owned(),
        credentials: Vec::new(),
        rates: Vec::new(),
        limit: 100,
    })
    .unwrap()
}

/// Whether `image` of the repository is in the cache, prepared for `network`.
fn cached(cache: &Path, root: &Path, image: &str, network: Network) -> bool {
    MediaCache::new(cache)
        .get_or_prepare_file(&root.join(image), network)
        .unwrap()
        .hit
}

#[test]
fn pictures_due_within_the_horizon_are_cached_before_their_time() {
    let now: Timestamp = "2026-12-02T03:00:00Z".parse().unwrap();
    let soon = now + SignedDuration::from_hours(1);
    let later = now + ahead::HORIZON + SignedDuration::from_hours(1);
    let repo = Repo::new()
        .registry(REGISTRY)
        .image("media/school/soon.png", 64, 48)
        .image("media/school/later.png", 48, 64)
        .image("media/school/now.png", 50, 50)
        .file("plans/school/soon.md", &post(soon, "soon.png"))
        .file("plans/school/later.md", &post(later, "later.png"))
        .file("plans/school/now.md", &post(now, "now.png"));
    let root = repo.path();
    let cache = tempfile::tempdir().unwrap();
    let mut p = publisher(root, cache.path())
        .with_media_ahead(ahead::HORIZON)
        .unwrap();
    let mut ledger = SqliteLedger::in_memory().unwrap();
    let reading = load(root).unwrap();
    p.sync(reading, &mut ledger, now).unwrap();

    // What is due soon, for each of its networks; not what is due now (the pass prepares it)
    // nor what is beyond the horizon.
    let mut jobs: Vec<(String, Network)> = p
        .media_ahead(&ledger, now)
        .unwrap()
        .into_iter()
        .map(|j| {
            (
                j.path.file_name().unwrap().to_string_lossy().into_owned(),
                j.network,
            )
        })
        .collect();
    jobs.sort();
    assert_eq!(
        jobs,
        [
            ("soon.png".to_owned(), Network::Vk),
            ("soon.png".to_owned(), Network::Telegram)
        ]
    );

    assert_eq!(p.prepare_ahead(&ledger, now, true).unwrap(), 2);
    p.ahead().unwrap().idle();
    assert_eq!(p.ahead().unwrap().done(), 2);
    // Asked again within the look interval, or for pictures already done: nothing new.
    assert_eq!(p.prepare_ahead(&ledger, now, false).unwrap(), 0);
    assert_eq!(p.prepare_ahead(&ledger, now, true).unwrap(), 0);
    drop(p);
    for network in [Network::Vk, Network::Telegram] {
        assert!(cached(cache.path(), root, "media/school/soon.png", network));
    }
    assert!(!cached(
        cache.path(),
        root,
        "media/school/later.png",
        Network::Vk
    ));
    assert!(!cached(
        cache.path(),
        root,
        "media/school/now.png",
        Network::Vk
    ));

    // As time goes on, the later picture enters the horizon and is prepared in its turn (the
    // others are due by then: their pass prepares them).
    let p = {
        let mut p = publisher(root, cache.path())
            .with_media_ahead(ahead::HORIZON)
            .unwrap();
        let reading = load(root).unwrap();
        p.sync(reading, &mut ledger, now).unwrap();
        p
    };
    let t = later - ahead::HORIZON + SignedDuration::from_mins(1);
    assert_eq!(p.prepare_ahead(&ledger, t, false).unwrap(), 2);
    p.ahead().unwrap().idle();
    drop(p);
    assert!(cached(
        cache.path(),
        root,
        "media/school/later.png",
        Network::Telegram
    ));
}

#[test]
fn a_publisher_for_one_pass_prepares_nothing_ahead() {
    let now: Timestamp = "2026-12-02T03:00:00Z".parse().unwrap();
    let repo = Repo::new()
        .registry(REGISTRY)
        .image("media/school/soon.png", 64, 48)
        .file(
            "plans/school/soon.md",
            &post(now + SignedDuration::from_hours(1), "soon.png"),
        );
    let cache = tempfile::tempdir().unwrap();
    let mut p = publisher(repo.path(), cache.path());
    let mut ledger = SqliteLedger::in_memory().unwrap();
    let reading = load(repo.path()).unwrap();
    p.sync(reading, &mut ledger, now).unwrap();
    assert_eq!(p.prepare_ahead(&ledger, now, true).unwrap(), 0);
    assert!(p.ahead().is_none());
}

// Uploads ahead (issue 12 item 4): on VK and OK, the upload steps of a publication due within
// the horizon are made before its time, so that at its time only the post is sent.

use vestnik::networks::RateLimits;
use vestnik::networks::sandbox::{self, Sandbox, SandboxLimits};
use vestnik::plan::registry::{REGISTRY_PATH, Registry};
use vestnik::publish::ledger::{Ledger, State};

const PAGES: &str = "\
timezone: Asia/Novokuznetsk
organizations:
  - id: school
    name: МБОУ «Школа»
    required: false
    pages:
      vk: {id: 100}
      ok: {id: '990000000000001'}
";

fn album(due: Timestamp) -> String {
    format!("---\ndate: {due}\nimages: [a.png, b.png]\n---\nФотоотчёт с ярмарки\n")
}

/// The sandbox for `PAGES`, a publisher into it that prepares and uploads ahead, and a ledger
/// synced at `now` with the repository's plans.
async fn uploading(
    root: &Path,
    cache: &Path,
    limits: SandboxLimits,
    now: Timestamp,
) -> (Sandbox, Publisher, SqliteLedger) {
    let text = std::fs::read_to_string(root.join(REGISTRY_PATH)).unwrap();
    let (reg, _) = Registry::parse(&text, REGISTRY_PATH);
    let sb = sandbox::start_with_limits(&reg, limits).await.unwrap();
    let rates = if limits == SandboxLimits::UNLIMITED {
        vec![
            (Network::Vk, RateLimits::UNLIMITED),
            (Network::Ok, RateLimits::UNLIMITED),
        ]
    } else {
        Vec::new()
    };
    let mut p = Publisher::new(Settings {
        root: root.to_owned(),
        grace: SignedDuration::from_hours(2),
        cache_dir: cache.to_owned(),
        credentials: sb.credentials(),
        rates,
        limit: 100,
    })
    .unwrap()
    .with_media_ahead(ahead::HORIZON)
    .unwrap();
    let mut ledger = SqliteLedger::in_memory().unwrap();
    let reading = load(root).unwrap();
    p.sync(reading, &mut ledger, now).unwrap();
    (sb, p, ledger)
}

/// Queues what is due within the horizon and waits until `n` uploads are kept.
async fn upload_ahead(p: &Publisher, ledger: &SqliteLedger, now: Timestamp, n: usize) {
    p.prepare_ahead(ledger, now, true).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while p.uploads().unwrap().kept() < n {
        assert!(
            std::time::Instant::now() < deadline,
            "{} of {n} uploads ahead",
            p.uploads().unwrap().kept()
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

fn vk_methods(sb: &Sandbox) -> Vec<String> {
    sb.vk
        .state
        .requests()
        .into_iter()
        .map(|r| r.method)
        .collect()
}

fn ok_methods(sb: &Sandbox) -> Vec<String> {
    sb.ok.state.calls().into_iter().map(|c| c.method).collect()
}

fn published(ledger: &SqliteLedger) -> usize {
    ledger
        .entries()
        .unwrap()
        .iter()
        .filter(|e| matches!(e.state, State::Published { .. }))
        .count()
}

/// Before the fix every upload was made at the deadline: 2 × 2 VK calls and 2 OK calls before
/// the posts. Now they are made before, at low priority within the networks' real rates, and
/// at the deadline VK gets only `wall.post` and OK only `mediatopic.post`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_deadline_only_the_posts_are_sent() {
    let now: Timestamp = "2026-12-02T03:00:00Z".parse().unwrap();
    let due = now + SignedDuration::from_hours(1);
    let repo = Repo::new()
        .registry(PAGES)
        .image("media/school/a.png", 64, 48)
        .image("media/school/b.png", 48, 64)
        .file("plans/school/fair.md", &album(due));
    let cache = tempfile::tempdir().unwrap();
    let (sb, p, mut ledger) = uploading(repo.path(), cache.path(), SandboxLimits::REAL, now).await;
    upload_ahead(&p, &ledger, now, 4).await;
    assert_eq!(sb.vk.state.photos().len(), 2);
    assert_eq!(sb.ok.state.photos().len(), 2);
    let (vk_before, ok_before) = (vk_methods(&sb).len(), ok_methods(&sb).len());

    let report = p
        .send_due(&mut ledger, &|| due, &|| false, 1)
        .await
        .unwrap();
    assert_eq!(report.published.len(), 2, "{report:?}");
    assert_eq!(vk_methods(&sb)[vk_before..], ["wall.post"]);
    assert_eq!(ok_methods(&sb)[ok_before..], ["mediatopic.post"]);
    // The post carries the photos uploaded ahead, and nothing was uploaded twice.
    let wall = sb.vk.state.wall(100);
    assert_eq!(wall.len(), 1);
    assert_eq!(wall[0].attachments.len(), 2);
    assert_eq!(sb.vk.state.photos().len(), 2);
    assert_eq!(sb.ok.state.topics("990000000000001").len(), 1);
    assert_eq!(sb.ok.state.photos().len(), 2);
    assert_eq!(p.uploads().unwrap().kept(), 0);
    // No request was refused for its rate.
    assert_eq!(sb.vk.state.rate_limited(), 0);
    assert_eq!(sb.ok.state.rate_limited(), 0);
}

/// A picture changed after it was uploaded ahead is uploaded again at send time (its prepared
/// bytes, and so its cache key, differ); the other picture's upload ahead is used.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_picture_edited_after_its_upload_is_uploaded_again() {
    let now: Timestamp = "2026-12-02T03:00:00Z".parse().unwrap();
    let due = now + SignedDuration::from_hours(1);
    let repo = Repo::new()
        .registry(PAGES)
        .image("media/school/a.png", 64, 48)
        .image("media/school/b.png", 48, 64)
        .file("plans/school/fair.md", &album(due));
    let cache = tempfile::tempdir().unwrap();
    let (sb, p, mut ledger) =
        uploading(repo.path(), cache.path(), SandboxLimits::UNLIMITED, now).await;
    upload_ahead(&p, &ledger, now, 4).await;
    let (vk_before, ok_before) = (vk_methods(&sb).len(), ok_methods(&sb).len());
    // The responsible replaces the picture b.png with another one of the same name.
    let repo = repo.image("media/school/b.png", 80, 40);

    let report = p
        .send_due(&mut ledger, &|| due, &|| false, 1)
        .await
        .unwrap();
    assert_eq!(report.published.len(), 2, "{report:?}");
    assert_eq!(
        vk_methods(&sb)[vk_before..],
        [
            "photos.getWallUploadServer",
            "photos.saveWallPhoto",
            "wall.post"
        ]
    );
    assert_eq!(
        ok_methods(&sb)[ok_before..],
        ["photosV2.getUploadUrl", "mediatopic.post"]
    );
    let wall = sb.vk.state.wall(100);
    assert_eq!(wall.len(), 1);
    let photos = sb.vk.state.photos();
    assert_eq!(photos.len(), 3);
    // The new picture (80×40, prepared for VK as it is) is the one posted second.
    let second = &wall[0].attachments[1];
    let newest = photos.last().unwrap();
    assert_eq!((newest.width, newest.height), (80, 40));
    assert!(second.starts_with(&format!("photo{}_{}", newest.owner_id, newest.id)));
    drop(repo);
}

/// The networks may forget an unused upload (how long they keep one is UNCONFIRMED): a post
/// refused for it uploads the pictures again and is published exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_upload_ahead_falls_back_and_publishes_once() {
    let now: Timestamp = "2026-12-02T03:00:00Z".parse().unwrap();
    let due = now + SignedDuration::from_hours(1);
    let repo = Repo::new()
        .registry(PAGES)
        .image("media/school/a.png", 64, 48)
        .image("media/school/b.png", 48, 64)
        .file("plans/school/fair.md", &album(due));
    let cache = tempfile::tempdir().unwrap();
    let (sb, p, mut ledger) =
        uploading(repo.path(), cache.path(), SandboxLimits::UNLIMITED, now).await;
    upload_ahead(&p, &ledger, now, 4).await;
    sb.vk.state.forget_unused_photos();
    sb.ok.state.forget_unused_photos();
    let (vk_before, ok_before) = (vk_methods(&sb).len(), ok_methods(&sb).len());

    let report = p
        .send_due(&mut ledger, &|| due, &|| false, 1)
        .await
        .unwrap();
    assert_eq!(report.published.len(), 2, "{report:?}");
    assert!(report.failed.is_empty() && report.uncertain.is_empty() && report.retried.is_empty());
    assert_eq!(
        vk_methods(&sb)[vk_before..],
        [
            "wall.post",
            "photos.getWallUploadServer",
            "photos.saveWallPhoto",
            "photos.getWallUploadServer",
            "photos.saveWallPhoto",
            "wall.post"
        ]
    );
    assert_eq!(
        ok_methods(&sb)[ok_before..],
        [
            "mediatopic.post",
            "photosV2.getUploadUrl",
            "photosV2.getUploadUrl",
            "mediatopic.post"
        ]
    );
    assert_eq!(sb.vk.state.wall(100).len(), 1);
    assert_eq!(sb.vk.state.wall(100)[0].attachments.len(), 2);
    assert_eq!(sb.ok.state.topics("990000000000001").len(), 1);
    assert_eq!(published(&ledger), 2);
}

#[test]
fn clips_due_within_the_horizon_are_adapted_before_their_time() {
    if !crate::support::clips::ffmpeg() {
        return;
    }
    let now: Timestamp = "2026-12-02T03:00:00Z".parse().unwrap();
    let soon = now + SignedDuration::from_hours(1);
    let clip = std::fs::read(crate::support::clips::path(
        crate::support::clips::Clip::Hevc,
    ))
    .unwrap();
    let repo = Repo::new()
        .registry(REGISTRY)
        .bytes("media/school/clip.mp4", &clip)
        .file(
            "plans/school/soon.md",
            &format!("---\ndate: {soon}\nvideo: clip.mp4\n---\nРолик\n"),
        );
    let root = repo.path();
    let cache = tempfile::tempdir().unwrap();
    let mut p = publisher(root, cache.path())
        .with_media_ahead(ahead::HORIZON)
        .unwrap();
    let mut ledger = SqliteLedger::in_memory().unwrap();
    let reading = load(root).unwrap();
    p.sync(reading, &mut ledger, now).unwrap();
    let jobs = p.clips_ahead(&ledger, now).unwrap();
    assert_eq!(jobs.len(), 2, "{jobs:?}");
    // Both networks queued, one of them a cache hit of the other's transcode.
    assert_eq!(p.prepare_ahead(&ledger, now, true).unwrap(), 2);
    p.ahead().unwrap().idle();
    drop(p);
    for network in [Network::Vk, Network::Telegram] {
        let got = MediaCache::new(cache.path())
            .prepare_video(
                "media/school/clip.mp4",
                &root.join("media/school/clip.mp4"),
                None,
                vestnik::media::video::Motion::Video,
                network,
            )
            .unwrap();
        assert!(got.hit, "{network} was adapted ahead");
    }
}
