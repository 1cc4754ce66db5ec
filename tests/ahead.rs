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
    let (plans, planned) = load(root).unwrap();
    p.sync(plans, &planned, &mut ledger, now).unwrap();

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
        let (plans, planned) = load(root).unwrap();
        p.sync(plans, &planned, &mut ledger, now).unwrap();
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
    let (plans, planned) = load(repo.path()).unwrap();
    p.sync(plans, &planned, &mut ledger, now).unwrap();
    assert_eq!(p.prepare_ahead(&ledger, now, true).unwrap(), 0);
    assert!(p.ahead().is_none());
}
