//! The ledger's tests, once for every backend: each test is written against `&mut dyn Ledger`
//! and [`for_each_backend!`] makes a `sqlite::` and a `postgres::` test of it. The PostgreSQL
//! ones run on the server of `VESTNIK_TEST_POSTGRES` (a database of their own each), and skip
//! with a message when it is not set, unless `VESTNIK_REQUIRE_POSTGRES` is (CI), which makes
//! them fail. The leases of several daemons on one database are tested at the end.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use super::journal::{self, CommentRef, NewAction};
use super::postgres::PostgresLedger;
use super::postgres::testing::TestDatabase;
use super::sqlite::SqliteLedger;
use super::*;
use crate::audit::{ObservedPost, Source};

/// Where a test's ledger lives.
enum Backend {
    Sqlite(tempfile::TempDir),
    Postgres(TestDatabase),
}

impl Backend {
    fn sqlite() -> Self {
        Backend::Sqlite(tempfile::tempdir().unwrap())
    }

    fn postgres() -> Option<Self> {
        TestDatabase::new().map(Backend::Postgres)
    }

    /// A connection to the test's ledger (another one each time).
    fn open(&self) -> Box<dyn Ledger> {
        match self {
            Backend::Sqlite(dir) => {
                Box::new(SqliteLedger::open(&dir.path().join("ledger.sqlite")).unwrap())
            }
            Backend::Postgres(db) => Box::new(PostgresLedger::open(&db.url).unwrap()),
        }
    }

    /// The ledger opened again after a crash of the process that had it open: its leases
    /// have expired by then.
    fn reopen(&self) -> Box<dyn Ledger> {
        if let Backend::Postgres(db) = self {
            db.expire_leases();
        }
        self.open()
    }
}

/// A `sqlite::` and a `postgres::` test of each function named.
macro_rules! for_each_backend {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $name() {
                    super::$name(&super::Backend::sqlite());
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $name() {
                    if let Some(b) = super::Backend::postgres() {
                        super::$name(&b);
                    }
                }
            )*
        }
    };
}

for_each_backend!(
    rows_are_kept_by_the_file_they_came_from,
    a_moved_post_changes_only_its_file,
    observed_posts_are_kept_once_and_read_by_time,
    the_latest_profile_snapshot_is_read_back,
    the_moderation_journal_keeps_each_action_once,
    judged_comments_come_back_only_when_edited,
    the_inbox_keeps_received_comments_until_taken,
    meta_remembers_the_last_value_per_key,
    a_second_sync_of_the_same_plans_changes_nothing,
    a_waiting_row_keeps_its_reason_and_since_while_the_reason_repeats,
    schedules_claims_and_publishes_in_time_order,
    edits_before_and_after_publication,
    missed_beyond_grace_but_caught_within_it,
    crash_while_sending_retries_vk_and_surfaces_the_rest,
    a_claim_changes_nothing_and_only_answered_attempts_count,
    alerts_are_raised_once_and_delivered_once,
    a_sync_of_some_files_leaves_the_others_alone,
    a_sync_of_many_files_reads_ranges_to_the_same_result,
    a_post_met_in_another_file_is_a_conflict_unless_that_file_was_read,
    a_sync_of_some_files_marks_what_waited_too_long_as_missed,
);

/// The time `s` (RFC 3339).
pub(super) fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// The key of `post` of the organization `school` on `network`.
pub(super) fn key(post: &str, network: Network) -> Key {
    Key {
        org: "school".into(),
        post: post.into(),
        network,
    }
}

fn planned(post: &str, network: Network, due: &str, content: &str) -> Planned {
    Planned::new(
        key(post, network),
        t(due),
        ContentHash::of(content.as_bytes()),
        &format!("plans/school/{post}.md"),
    )
}

fn files(names: &[&str]) -> Vec<Arc<str>> {
    names.iter().map(|n| Arc::from(*n)).collect()
}

fn state_of(l: &dyn Ledger, k: &Key) -> State {
    l.entries()
        .unwrap()
        .into_iter()
        .find(|e| &e.key == k)
        .map(|e| e.state)
        .unwrap()
}

/// A sync of some files touches the rows of those files and of what they plan, and no
/// other: a file that was not read keeps its rows scheduled.
fn a_sync_of_some_files_leaves_the_others_alone(b: &Backend) {
    let mut l = b.open();
    let now = t("2026-12-01T00:00:00Z");
    let a = planned("a", Network::Vk, "2026-12-02T03:00:00Z", "a");
    let b = planned("b", Network::Vk, "2026-12-02T03:00:00Z", "b");
    let c = planned("c", Network::Vk, "2026-12-02T03:00:00Z", "c");
    l.sync(&[a, b, c.clone()], &|_| false, now, GRACE).unwrap();

    // a.md was edited (a new time), b.md removed, d.md added; c.md was not read.
    let a2 = planned("a", Network::Vk, "2026-12-03T03:00:00Z", "a");
    let d = planned("d", Network::Vk, "2026-12-02T03:00:00Z", "d");
    let scope = files(&[
        "plans/school/a.md",
        "plans/school/b.md",
        "plans/school/d.md",
    ]);
    let r = l
        .sync_files(&[a2, d], &scope, &|_| false, now, GRACE)
        .unwrap();
    assert_eq!(r.added, 1);
    assert_eq!(r.updated, [key("a", Network::Vk)]);
    assert_eq!(r.cancelled, [key("b", Network::Vk)]);
    assert!(r.conflicts.is_empty() && r.missed.is_empty());
    assert_eq!(state_of(&*l, &c.key()), State::Scheduled);
    assert_eq!(state_of(&*l, &key("d", Network::Vk)), State::Scheduled);
    assert_eq!(l.entries().unwrap().len(), 4);

    // Nothing read: nothing changes.
    let r = l.sync_files(&[], &[], &|_| false, now, GRACE).unwrap();
    assert_eq!((r.added, r.cancelled.len(), r.updated.len()), (0, 0, 0));
}

/// A whole folder read (many files: the SQLite ledger reads its rows by ranges, not one by
/// one) is synced as a few files are: the same rows change, and another folder's are untouched.
fn a_sync_of_many_files_reads_ranges_to_the_same_result(b: &Backend) {
    // More than the SQLite ledger's threshold for reading ranges.
    let n = 128;
    {
        let mut l = b.open();
        let now = t("2026-12-01T00:00:00Z");
        let due = "2026-12-02T03:00:00Z";
        let mut all: Vec<Planned> = (0..n)
            .map(|i| planned(&format!("p{i:03}"), Network::Vk, due, "x"))
            .collect();
        let mut other = planned("elsewhere", Network::Vk, due, "e");
        other.file = "plans/library/elsewhere.md".into();
        other.org = "library".into();
        all.push(other.clone());
        l.sync(&all, &|_| false, now, GRACE).unwrap();
        // The folder read again: p000 removed, p001 moved to a new time, one post added.
        let mut now_planned: Vec<Planned> = (1..n)
            .map(|i| planned(&format!("p{i:03}"), Network::Vk, due, "x"))
            .collect();
        now_planned[0].due = t("2026-12-03T03:00:00Z");
        now_planned.push(planned("new", Network::Vk, due, "n"));
        let scope: Vec<Arc<str>> = (0..n)
            .map(|i| Arc::from(format!("plans/school/p{i:03}.md").as_str()))
            .chain([Arc::from("plans/school/new.md")])
            .collect();
        let r = l
            .sync_files(&now_planned, &scope, &|_| false, now, GRACE)
            .unwrap();
        assert_eq!(r.added, 1, "{n}");
        assert_eq!(r.updated, [key("p001", Network::Vk)], "{n}");
        assert_eq!(r.cancelled, [key("p000", Network::Vk)], "{n}");
        assert!(r.conflicts.is_empty(), "{n}");
        assert_eq!(state_of(&*l, &other.key()), State::Scheduled, "{n}");
    }
}

/// A post id that a file read now shares with a row of a file not read is left alone and
/// reported: the caller tells a duplicate from a move. A row of a file in the scope moves.
fn a_post_met_in_another_file_is_a_conflict_unless_that_file_was_read(b: &Backend) {
    let mut l = b.open();
    let now = t("2026-12-01T00:00:00Z");
    let a = planned("a", Network::Vk, "2026-12-02T03:00:00Z", "a");
    l.sync(&[a], &|_| false, now, GRACE).unwrap();
    let mut elsewhere = planned("a", Network::Vk, "2026-12-05T03:00:00Z", "a");
    elsewhere.file = "plans/school/new.md".into();
    let r = l
        .sync_files(
            std::slice::from_ref(&elsewhere),
            &files(&["plans/school/new.md"]),
            &|_| false,
            now,
            GRACE,
        )
        .unwrap();
    assert_eq!(
        r.conflicts,
        [(key("a", Network::Vk), "plans/school/a.md".to_owned())]
    );
    let row = l.entries().unwrap().remove(0);
    assert_eq!(row.file.as_deref(), Some("plans/school/a.md"));
    assert_eq!(row.due, t("2026-12-02T03:00:00Z"), "untouched");

    // Both files read (a.md was renamed): the row moves with its new time.
    let r = l
        .sync_files(
            &[elsewhere],
            &files(&["plans/school/a.md", "plans/school/new.md"]),
            &|_| false,
            now,
            GRACE,
        )
        .unwrap();
    assert!(r.conflicts.is_empty() && r.cancelled.is_empty());
    let row = l.entries().unwrap().remove(0);
    assert_eq!(row.file.as_deref(), Some("plans/school/new.md"));
    assert_eq!(row.due, t("2026-12-05T03:00:00Z"));
}

/// What waited beyond the grace window is missed after a sync of other files too, unless
/// its file is kept (refused): as a full sync finds it.
fn a_sync_of_some_files_marks_what_waited_too_long_as_missed(b: &Backend) {
    let mut l = b.open();
    let before = t("2026-12-01T00:00:00Z");
    let old = planned("old", Network::Vk, "2026-12-01T01:00:00Z", "o");
    let mut kept = planned("kept", Network::Vk, "2026-12-01T01:00:00Z", "k");
    kept.file = "plans/school/broken.md".into();
    let soon = planned("soon", Network::Vk, "2026-12-01T05:00:00Z", "s");
    l.sync(&[old, kept, soon], &|_| false, before, GRACE)
        .unwrap();
    let now = t("2026-12-01T04:00:00Z");
    let keep = |e: &Entry| e.file.as_deref() == Some("plans/school/broken.md");
    let r = l.sync_files(&[], &[], &keep, now, GRACE).unwrap();
    assert_eq!(r.missed, [key("old", Network::Vk)]);
    assert_eq!(state_of(&*l, &key("old", Network::Vk)), State::Missed);
    assert_eq!(state_of(&*l, &key("kept", Network::Vk)), State::Scheduled);
    assert_eq!(state_of(&*l, &key("soon", Network::Vk)), State::Scheduled);
}

/// A broken plan file protects exactly its own rows, whatever their ids (an explicit `id:`
/// does not name its file): the ledger remembers each row's file.
fn rows_are_kept_by_the_file_they_came_from(b: &Backend) {
    let mut l = b.open();
    let now = t("2026-12-01T00:00:00Z");
    let mut a = planned("concert", Network::Vk, "2026-12-02T03:00:00Z", "a");
    a.file = "plans/school/x.md".into();
    let b = planned("other", Network::Vk, "2026-12-02T03:00:00Z", "b");
    l.sync(&[a, b], &|_| false, now, GRACE).unwrap();
    // Both posts are gone from the plans; x.md cannot be read.
    let keep = |e: &Entry| e.file.as_deref() == Some("plans/school/x.md");
    let r = l.sync(&[], &keep, now, GRACE).unwrap();
    assert_eq!(r.cancelled, [key("other", Network::Vk)]);
    let rows = l.entries().unwrap();
    let state = |post: &str| {
        rows.iter()
            .find(|e| e.key.post == post)
            .map(|e| e.state.clone())
    };
    assert_eq!(state("concert"), Some(State::Scheduled));
    assert_eq!(state("other"), Some(State::Cancelled));
}

/// A post moved to another file: only its file is remembered, nothing is reported.
fn a_moved_post_changes_only_its_file(b: &Backend) {
    let mut l = b.open();
    let now = t("2026-12-01T00:00:00Z");
    let mut p = planned("news", Network::Vk, "2026-12-02T03:00:00Z", "a");
    l.sync(std::slice::from_ref(&p), &|_| false, now, GRACE)
        .unwrap();
    p.file = "plans/school/dec/news.md".into();
    let r = l
        .sync(std::slice::from_ref(&p), &|_| false, now, GRACE)
        .unwrap();
    assert_eq!((r.added, r.updated.len(), r.cancelled.len()), (0, 0, 0));
    let rows = l.entries().unwrap();
    assert_eq!(rows[0].file.as_deref(), Some("plans/school/dec/news.md"));
}

fn observed(id: &str, at: i64, source: Source) -> ObservedPost {
    ObservedPost {
        network: Network::Vk,
        page: "100".into(),
        remote_id: id.into(),
        at: Timestamp::from_second(at).unwrap(),
        source,
        excerpt: format!("  пост   {id}\n"),
    }
}

/// Observed posts are kept once per page and remote id: seen again, a post keeps its first
/// time, a post known as vestnik's stays so, and only the posts of the time asked come back.
fn observed_posts_are_kept_once_and_read_by_time(b: &Backend) {
    let mut l = b.open();
    let now = Timestamp::from_second(1_900_000_000).unwrap();
    let first = [
        observed("-100_1", 1_800_000_000, Source::Vestnik),
        observed("-100_2", 1_800_000_100, Source::Hand),
        observed("-100_3", 1_800_900_000, Source::Hand),
    ];
    assert_eq!(l.observe(&first, now).unwrap(), 3);
    let mut again = observed("-100_1", 1_800_000_500, Source::Hand);
    again.excerpt = "правка".into();
    assert_eq!(l.observe(&[again], now).unwrap(), 0);
    let got = l
        .observed(
            Network::Vk,
            "100",
            Timestamp::from_second(1_800_000_000).unwrap(),
            Timestamp::from_second(1_800_000_101).unwrap(),
        )
        .unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].remote_id, "-100_1");
    assert_eq!(got[0].at.as_second(), 1_800_000_000);
    assert_eq!(got[0].source, Source::Vestnik);
    assert_eq!(got[0].excerpt, "правка");
    assert_eq!(got[1].excerpt, "пост -100_2");
    assert!(
        l.observed(Network::Ok, "100", Timestamp::MIN, Timestamp::MAX)
            .unwrap()
            .is_empty()
    );
    // The poller keeps channel posts with its offset, in one go.
    let mut tg = observed("album:77", 1_800_000_000, Source::Hand);
    tg.network = Network::Telegram;
    tg.page = "-1001".into();
    l.receive(&[], &[tg.clone()], "telegram/offset", "5")
        .unwrap();
    assert_eq!(l.meta("telegram/offset").unwrap().as_deref(), Some("5"));
    let got = l
        .observed(Network::Telegram, "-1001", Timestamp::MIN, Timestamp::MAX)
        .unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].remote_id, "album:77");
}

/// The latest profile snapshot of a page comes back as it was kept.
fn the_latest_profile_snapshot_is_read_back(b: &Backend) {
    use crate::audit::{Access, PageProfile};
    let mut l = b.open();
    assert_eq!(l.last_snapshot(Network::Vk, "100").unwrap(), None);
    let at = |s: i64| Timestamp::from_second(s).unwrap();
    let mut p = PageProfile::unreadable(Network::Vk, "100", at(1_800_000_000), Access::Ok, None);
    p.verified = Some(false);
    p.description = Some("Школа".into());
    p.phones = vec!["+7 1".into(), "+7 2".into()];
    p.links = vec!["https://school.ru".into()];
    l.snapshot(&p).unwrap();
    let gone = PageProfile::unreadable(
        Network::Vk,
        "100",
        at(1_800_100_000),
        Access::NotFound,
        Some("deleted".into()),
    );
    l.snapshot(&gone).unwrap();
    assert_eq!(l.last_snapshot(Network::Vk, "100").unwrap(), Some(gone));
}

fn action(comment: &str, action: journal::Action) -> NewAction {
    NewAction {
        org: "school-1".into(),
        at: CommentRef {
            network: Network::Vk,
            page: "200000001".into(),
            thread: "17".into(),
            comment: comment.into(),
        },
        author: "42".into(),
        category: "obscene".into(),
        rule: "obscene-root".into(),
        verdict: "delete".into(),
        action,
        excerpt: "…".into(),
        when: Timestamp::from_second(1_800_000_000).unwrap(),
        by: "daemon".into(),
    }
}

/// Each action on a comment is journaled once; the log is newest first and per organization;
/// only a deleted comment can be restored, and only once; all of it survives a reopen.
fn the_moderation_journal_keeps_each_action_once(b: &Backend) {
    let now = Timestamp::from_second(1_800_000_100).unwrap();
    let (first, reported) = {
        let mut l = b.open();
        let first = l.journal(&action("5", journal::Action::Deleted)).unwrap();
        assert!(first.is_some());
        assert_eq!(
            l.journal(&action("5", journal::Action::Deleted)).unwrap(),
            None
        );
        let reported = l
            .journal(&action("6", journal::Action::Reported))
            .unwrap()
            .unwrap();
        assert!(!l.restored(reported, now, "Иванова").unwrap());
        assert!(l.restored(first.unwrap(), now, "Иванова").unwrap());
        assert!(!l.restored(first.unwrap(), now, "Иванова").unwrap());
        (first.unwrap(), reported)
    };
    let l = b.open();
    let log = l.moderation_log(None, 10).unwrap();
    assert_eq!(
        log.iter().map(|m| m.id).collect::<Vec<_>>(),
        [reported, first]
    );
    assert_eq!(log[1].restored, Some((now, "Иванова".to_owned())));
    assert_eq!(log[1].action, action("5", journal::Action::Deleted));
    assert!(l.moderation_log(Some("library"), 10).unwrap().is_empty());
    assert_eq!(l.moderation_log(Some("school-1"), 1).unwrap().len(), 1);
    assert_eq!(l.moderated(first).unwrap().unwrap().id, first);
    assert!(l.moderated(first + 100).unwrap().is_none());
}

/// A comment is judged again only when its text changed; forgetting is by time.
fn judged_comments_come_back_only_when_edited(b: &Backend) {
    let mut l = b.open();
    let t = Timestamp::from_second(1_800_000_000).unwrap();
    let c = |id: &str, text: &str| (id.to_owned(), journal::text_hash(text));
    let first = [c("1", "привет"), c("2", "спасибо")];
    assert_eq!(l.unjudged(Network::Vk, "p", &first).unwrap(), [0, 1]);
    l.judged(Network::Vk, "p", &first, t).unwrap();
    let later = [
        c("1", "привет"),
        c("2", "спасибо, исправил"),
        c("3", "новый"),
    ];
    assert_eq!(l.unjudged(Network::Vk, "p", &later).unwrap(), [1, 2]);
    assert_eq!(l.unjudged(Network::Ok, "p", &first).unwrap(), [0, 1]);
    assert_eq!(
        l.forget_judged(t + jiff::SignedDuration::from_secs(1))
            .unwrap(),
        2
    );
    assert_eq!(l.unjudged(Network::Vk, "p", &first).unwrap(), [0, 1]);
}

/// What the poller received is kept with its offset in one go, taken in order, and removed
/// once done.
fn the_inbox_keeps_received_comments_until_taken(b: &Backend) {
    let mut l = b.open();
    let item = |id: &str| Inbound {
        at: CommentRef {
            network: Network::Telegram,
            page: "@school".into(),
            thread: "-1001".into(),
            comment: id.into(),
        },
        author: "7".into(),
        text: format!("comment {id}"),
        date: Timestamp::from_second(1_800_000_000).unwrap(),
    };
    l.receive(&[item("1"), item("2")], &[], "telegram/offset", "11")
        .unwrap();
    l.receive(&[item("3")], &[], "telegram/offset", "12")
        .unwrap();
    assert_eq!(l.meta("telegram/offset").unwrap().as_deref(), Some("12"));
    let got = l.inbox(2).unwrap();
    assert_eq!(
        got.iter().map(|(_, c)| c.clone()).collect::<Vec<_>>(),
        [item("1"), item("2")]
    );
    l.inbox_done(&[got[0].0, got[1].0]).unwrap();
    let rest = l.inbox(10).unwrap();
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].1, item("3"));
}

/// The daemon's small memory: nothing at first, the last value set, kept across a reopen,
/// one value per key.
fn meta_remembers_the_last_value_per_key(b: &Backend) {
    let mut l = b.open();
    assert_eq!(l.meta("registry_commit/main").unwrap(), None);
    l.set_meta("registry_commit/main", "aaaa").unwrap();
    l.set_meta("registry_commit/main", "bbbb").unwrap();
    l.set_meta("registry_commit/draft", "cccc").unwrap();
    drop(l);
    let l = b.open();
    assert_eq!(
        l.meta("registry_commit/main").unwrap().as_deref(),
        Some("bbbb")
    );
    assert_eq!(
        l.meta("registry_commit/draft").unwrap().as_deref(),
        Some("cccc")
    );
    assert_eq!(l.meta("other").unwrap(), None);
}

const GRACE: SignedDuration = SignedDuration::from_hours(2);

fn a_second_sync_of_the_same_plans_changes_nothing(b: &Backend) {
    let mut l = b.open();
    let now = t("2026-12-01T00:00:00Z");
    // A time finer than the ledger's milliseconds, as `date:` may carry.
    let plans = [
        planned("a", Network::Vk, "2026-12-02T03:00:00.123456789Z", "text"),
        planned("a", Network::Telegram, "2026-12-02T03:00:00Z", "text"),
    ];
    let first = l.sync(&plans, &|_| false, now, GRACE).unwrap();
    assert_eq!(first.added, 2);
    let second = l.sync(&plans, &|_| false, now, GRACE).unwrap();
    assert_eq!(second, SyncReport::default(), "nothing changed");
    let edited = [
        planned("a", Network::Vk, "2026-12-02T03:00:00.124Z", "text"),
        planned("a", Network::Telegram, "2026-12-02T03:00:00Z", "new text"),
    ];
    let third = l.sync(&edited, &|_| false, now, GRACE).unwrap();
    assert_eq!(third.updated.len(), 2);
}

fn a_waiting_row_keeps_its_reason_and_since_while_the_reason_repeats(b: &Backend) {
    let mut l = b.open();
    let plan = [planned("a", Network::Ok, "2026-12-01T02:00:00Z", "h")];
    l.sync(&plan, &|_| false, t("2026-12-01T00:00:00Z"), GRACE)
        .unwrap();
    let key = plan[0].key();
    let waiting = |l: &dyn Ledger| l.entries().unwrap()[0].waiting.clone();
    assert_eq!(waiting(&*l), None);
    let retry = |l: &mut dyn Ledger, at: &str, why: Option<&str>, next: &str| {
        assert!(l.claim(&key, t(at)).unwrap().is_some());
        let why = why.map(str::to_owned);
        l.finish(&key, Outcome::Retry { at: t(next), why }, true, t(at))
            .unwrap();
    };
    retry(
        &mut *l,
        "2026-12-01T02:00:00Z",
        Some("token refused"),
        "2026-12-01T02:30:00Z",
    );
    let first = Waiting {
        reason: "token refused".into(),
        since: t("2026-12-01T02:00:00Z"),
    };
    assert_eq!(waiting(&*l), Some(first.clone()));
    assert_eq!(l.entries().unwrap()[0].next_try, t("2026-12-01T02:30:00Z"));
    // The same reason again: still waiting since the first time.
    retry(
        &mut *l,
        "2026-12-01T02:30:00Z",
        Some("token refused"),
        "2026-12-01T03:00:00Z",
    );
    assert_eq!(waiting(&*l), Some(first.clone()));
    // The sweep moves the next attempt and keeps the reason; a page's wait sets one.
    l.set_next_try(
        &key,
        t("2026-12-01T02:40:00Z"),
        None,
        t("2026-12-01T02:40:00Z"),
    )
    .unwrap();
    assert_eq!(waiting(&*l), Some(first));
    l.set_next_try(
        &key,
        t("2026-12-01T04:00:00Z"),
        Some("page waits"),
        t("2026-12-01T02:45:00Z"),
    )
    .unwrap();
    assert_eq!(
        waiting(&*l),
        Some(Waiting {
            reason: "page waits".into(),
            since: t("2026-12-01T02:45:00Z"),
        })
    );
    // Another reason starts anew; a plain retry (plan changed while due) has none.
    retry(
        &mut *l,
        "2026-12-01T04:00:00Z",
        Some("HTTP 502"),
        "2026-12-01T04:01:00Z",
    );
    assert_eq!(waiting(&*l).unwrap().since, t("2026-12-01T04:00:00Z"));
    retry(
        &mut *l,
        "2026-12-01T04:01:00Z",
        None,
        "2026-12-01T04:01:00Z",
    );
    assert_eq!(waiting(&*l), None);
    // Published: nothing waits any more.
    retry(
        &mut *l,
        "2026-12-01T04:01:00Z",
        Some("HTTP 502"),
        "2026-12-01T04:02:00Z",
    );
    assert!(l.claim(&key, t("2026-12-01T04:02:00Z")).unwrap().is_some());
    assert!(l.mark_sending(&key, t("2026-12-01T04:02:00Z")).unwrap());
    l.finish(
        &key,
        Outcome::Published {
            remote_id: "1".into(),
            url: None,
        },
        true,
        t("2026-12-01T04:02:00Z"),
    )
    .unwrap();
    assert_eq!(waiting(&*l), None);
    assert_eq!(l.entries().unwrap()[0].state.name(), "published");
}

fn schedules_claims_and_publishes_in_time_order(b: &Backend) {
    let mut l = b.open();
    let now = t("2026-12-01T00:00:00Z");
    let plan = [
        planned("b", Network::Vk, "2026-12-01T03:00:00Z", "h1"),
        planned("a", Network::Telegram, "2026-12-01T02:00:00Z", "h2"),
    ];
    let r = l.sync(&plan, &|_| false, now, GRACE).unwrap();
    assert_eq!(r.added, 2);
    assert_eq!(l.next_due().unwrap(), Some(t("2026-12-01T02:00:00Z")));
    assert!(claim_due(&mut *l, now, 10).unwrap().is_empty());
    let got = claim_due(&mut *l, t("2026-12-01T03:00:00Z"), 10).unwrap();
    assert_eq!(
        got.iter().map(|e| e.key.post.as_str()).collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert!(
        got.iter()
            .all(|e| e.state == State::Sending && e.attempts == 0)
    );
    l.finish(
        &got[0].key,
        Outcome::Published {
            remote_id: "42".into(),
            url: None,
        },
        true,
        t("2026-12-01T12:00:00Z"),
    )
    .unwrap();
    l.finish(
        &got[1].key,
        Outcome::Retry {
            at: t("2026-12-01T03:05:00Z"),
            why: None,
        },
        true,
        t("2026-12-01T12:00:00Z"),
    )
    .unwrap();
    assert_eq!(l.next_due().unwrap(), Some(t("2026-12-01T03:05:00Z")));
    // Finishing twice is a caller bug, not a silent overwrite.
    assert!(matches!(
        l.finish(
            &got[0].key,
            Outcome::Failed("x".into()),
            true,
            t("2026-12-01T12:00:00Z")
        ),
        Err(LedgerError::Transition { .. })
    ));
}

fn edits_before_and_after_publication(b: &Backend) {
    let mut l = b.open();
    let now = t("2026-12-01T00:00:00Z");
    l.sync(
        &[
            planned("a", Network::Vk, "2026-12-01T02:00:00Z", "h1"),
            planned("b", Network::Ok, "2026-12-01T02:00:00Z", "h1"),
        ],
        &|_| false,
        now,
        GRACE,
    )
    .unwrap();
    let claimed = claim_due(&mut *l, t("2026-12-01T02:00:00Z"), 1).unwrap();
    l.finish(
        &claimed[0].key,
        Outcome::Published {
            remote_id: "1".into(),
            url: None,
        },
        true,
        t("2026-12-01T12:00:00Z"),
    )
    .unwrap();
    // `a` was published; `b` is still scheduled. Both are edited; `c` is new; `b` moves.
    let r = l
        .sync(
            &[
                planned("a", Network::Vk, "2026-12-01T02:00:00Z", "h9"),
                planned("b", Network::Ok, "2026-12-02T02:00:00Z", "h1"),
            ],
            &|_| false,
            now,
            GRACE,
        )
        .unwrap();
    assert_eq!(r.edited_after_publication, [key("a", Network::Vk)]);
    assert_eq!(r.updated, [key("b", Network::Ok)]);
    // Reported once only.
    let r = l
        .sync(
            &[
                planned("a", Network::Vk, "2026-12-01T02:00:00Z", "h9"),
                planned("b", Network::Ok, "2026-12-02T02:00:00Z", "h1"),
            ],
            &|_| false,
            now,
            GRACE,
        )
        .unwrap();
    assert_eq!(r, SyncReport::default());
    // Removed from git before its time: cancelled.
    let r = l
        .sync(
            &[planned("a", Network::Vk, "2026-12-01T02:00:00Z", "h9")],
            &|_| false,
            now,
            GRACE,
        )
        .unwrap();
    assert_eq!(r.cancelled, [key("b", Network::Ok)]);
    assert_eq!(l.next_due().unwrap(), None);
    // Back in git unchanged: scheduled again at its time.
    let both = |b_due: &str| {
        [
            planned("a", Network::Vk, "2026-12-01T02:00:00Z", "h9"),
            planned("b", Network::Ok, b_due, "h1"),
        ]
    };
    let r = l
        .sync(&both("2026-12-02T02:00:00Z"), &|_| false, now, GRACE)
        .unwrap();
    assert_eq!(r.added, 1);
    assert_eq!(l.next_due().unwrap(), Some(t("2026-12-02T02:00:00Z")));
    // Removed again, then back with a new time: scheduled at the new time.
    l.sync(&both("2026-12-02T02:00:00Z")[..1], &|_| false, now, GRACE)
        .unwrap();
    let r = l
        .sync(&both("2026-12-03T02:00:00Z"), &|_| false, now, GRACE)
        .unwrap();
    assert_eq!(r.added, 1);
    assert_eq!(l.next_due().unwrap(), Some(t("2026-12-03T02:00:00Z")));
    let b = l
        .entries()
        .unwrap()
        .into_iter()
        .find(|e| e.key == key("b", Network::Ok))
        .unwrap();
    assert_eq!(b.state, State::Scheduled);
    assert_eq!(b.due, t("2026-12-03T02:00:00Z"));
    assert!(b.content.len() == 32 && ContentHash::of(b"h1").matches(&b.content));
}

fn missed_beyond_grace_but_caught_within_it(b: &Backend) {
    let mut l = b.open();
    let now = t("2026-12-01T10:00:00Z");
    let r = l
        .sync(
            &[
                planned("old", Network::Telegram, "2026-12-01T07:00:00Z", "h"),
                planned("recent", Network::Telegram, "2026-12-01T09:00:00Z", "h"),
            ],
            &|_| false,
            now,
            GRACE,
        )
        .unwrap();
    assert_eq!(r.missed, [key("old", Network::Telegram)]);
    assert_eq!(r.added, 1);
    let due = claim_due(&mut *l, now, 10).unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].key.post, "recent");
}

fn crash_while_sending_retries_vk_and_surfaces_the_rest(b: &Backend) {
    let now = t("2026-12-01T02:00:00Z");
    {
        let mut l = b.open();
        l.sync(
            &[
                planned("a", Network::Vk, "2026-12-01T02:00:00Z", "h"),
                planned("a", Network::Telegram, "2026-12-01T02:00:00Z", "h"),
                planned("a", Network::Ok, "2026-12-01T02:00:00Z", "h"),
            ],
            &|_| false,
            now,
            GRACE,
        )
        .unwrap();
        assert_eq!(claim_due(&mut *l, now, 10).unwrap().len(), 3);
        // The process dies here, between `sending` and the answers.
    }
    let mut l = b.reopen();
    let uncertain = l.recover().unwrap();
    let nets: Vec<Network> = uncertain.iter().map(|e| e.key.network).collect();
    assert_eq!(nets.len(), 2);
    assert!(nets.contains(&Network::Telegram) && nets.contains(&Network::Ok));
    let again = claim_due(&mut *l, now, 10).unwrap();
    assert_eq!(again.len(), 1);
    // No answer came before the crash: the attempt is not counted.
    assert_eq!((again[0].key.network, again[0].attempts), (Network::Vk, 0));
}

/// Issue 12 items 8 and 9: a claim leaves the row `scheduled` (a crash during the waits and
/// uploads leaves nothing to recover), and only attempts that got an answer count, however
/// often the process died before one.
fn a_claim_changes_nothing_and_only_answered_attempts_count(b: &Backend) {
    let now = t("2026-12-01T02:00:00Z");
    let tg = key("a", Network::Telegram);
    let vk = key("a", Network::Vk);
    {
        let mut l = b.open();
        l.sync(
            &[
                planned("a", Network::Telegram, "2026-12-01T02:00:00Z", "h"),
                planned("a", Network::Vk, "2026-12-01T02:00:00Z", "h"),
            ],
            &|_| false,
            now,
            GRACE,
        )
        .unwrap();
        let e = l.claim(&tg, now).unwrap().unwrap();
        assert_eq!((e.state, e.attempts), (State::Scheduled, 0));
        // The process dies while the Telegram row waits for its slot.
    }
    let row = |l: &dyn Ledger, k: &Key| {
        l.entries()
            .unwrap()
            .into_iter()
            .find(|e| e.key == *k)
            .unwrap()
    };
    let mut l = b.reopen();
    assert!(l.recover().unwrap().is_empty(), "nothing was sent");
    assert_eq!(row(&*l, &tg).state, State::Scheduled);
    // Twelve crashes after VK's request left and before any answer.
    for _ in 0..12 {
        assert!(l.claim(&vk, now).unwrap().is_some());
        assert!(l.mark_sending(&vk, now).unwrap());
        drop(l);
        l = b.reopen();
        assert!(l.recover().unwrap().is_empty());
    }
    assert_eq!(row(&*l, &vk).attempts, 0);
    // Then one HTTP 502: one attempt.
    assert!(l.claim(&vk, now).unwrap().is_some());
    assert!(l.mark_sending(&vk, now).unwrap());
    let retry = Outcome::Retry {
        at: t("2026-12-01T02:01:00Z"),
        why: Some("HTTP 502".into()),
    };
    l.finish(&vk, retry.clone(), true, now).unwrap();
    assert_eq!(row(&*l, &vk).attempts, 1);
    // An attempt that ended before its publishing request (an upload refused) finishes
    // from `scheduled`; one that got no answer at all does not count.
    let later = t("2026-12-01T02:01:00Z");
    assert!(l.claim(&vk, later).unwrap().is_some());
    l.finish(&vk, retry, false, later).unwrap();
    assert_eq!(row(&*l, &vk).attempts, 1);
    // Published or uncertain only after `sending`.
    assert!(l.claim(&tg, now).unwrap().is_some());
    assert!(matches!(
        l.finish(&tg, Outcome::Uncertain("x".into()), true, now),
        Err(LedgerError::Transition { .. })
    ));
    // A row that is no longer scheduled cannot become `sending`.
    assert!(l.mark_sending(&tg, now).unwrap());
    assert!(!l.mark_sending(&tg, now).unwrap());
}

/// An alert is raised once per id, handed out until it is marked sent, and raised again only
/// after it was forgotten.
fn alerts_are_raised_once_and_delivered_once(b: &Backend) {
    let mut l = b.open();
    let now = t("2026-12-01T00:00:00Z");
    let alert = |id: &str| Alert {
        id: id.into(),
        org: Some("school".into()),
        text: format!("тревога {id}"),
    };
    assert_eq!(l.raise(&[alert("a"), alert("b")], now).unwrap().len(), 2);
    assert_eq!(l.raise(&[alert("a")], now).unwrap(), []);
    let pending = l.pending_alerts().unwrap();
    assert_eq!(pending, [alert("a"), alert("b")]);
    l.alert_sent("a", now).unwrap();
    assert_eq!(l.pending_alerts().unwrap(), [alert("b")]);
    l.forget_alert("a").unwrap();
    assert_eq!(l.raise(&[alert("a")], now).unwrap(), [alert("a")]);
}

// Several daemons on one PostgreSQL database.

/// Two ledgers on one fresh database (two daemons), with leases of `lease`; `None` without a
/// server.
fn two_daemons(lease: Duration) -> Option<(TestDatabase, PostgresLedger, PostgresLedger)> {
    let db = TestDatabase::new()?;
    let first = PostgresLedger::open(&db.url).unwrap().with_any_lease(lease);
    let second = PostgresLedger::open(&db.url).unwrap().with_any_lease(lease);
    assert_ne!(first.owner(), second.owner());
    Some((db, first, second))
}

/// The lease tests' lease: short, so that its expiry is seen in a test.
const SHORT_LEASE: Duration = Duration::from_millis(1500);

/// Waits until the leases taken before have expired.
fn outlive_the_lease() {
    std::thread::sleep(SHORT_LEASE + Duration::from_millis(300));
}

/// Two daemons of which the first has synced `plans` (each `(post, network)` due at `due`).
fn two_daemons_with(
    plans: &[(&str, Network)],
    due: &str,
) -> Option<(TestDatabase, PostgresLedger, PostgresLedger)> {
    let (db, mut first, second) = two_daemons(SHORT_LEASE)?;
    let planned: Vec<Planned> = plans
        .iter()
        .map(|(post, network)| planned(post, *network, due, "h"))
        .collect();
    first.sync(&planned, &|_| false, t(due), GRACE).unwrap();
    Some((db, first, second))
}

#[test]
fn postgres_a_claimed_row_belongs_to_its_daemon_until_the_lease_expires() {
    let now = t("2026-12-01T02:00:00Z");
    let both = [("a", Network::Vk), ("a", Network::Telegram)];
    let Some((_db, mut first, mut second)) = two_daemons_with(&both, "2026-12-01T02:00:00Z") else {
        return;
    };
    let vk = key("a", Network::Vk);
    let tg = key("a", Network::Telegram);
    assert!(first.claim(&vk, now).unwrap().is_some());
    // The second daemon neither sees, claims nor sends the first one's row.
    let due: Vec<Key> = second
        .due(now, 10)
        .unwrap()
        .into_iter()
        .map(|e| e.key)
        .collect();
    assert_eq!(due, std::slice::from_ref(&tg));
    assert!(second.claim(&vk, now).unwrap().is_none());
    assert!(!second.mark_sending(&vk, now).unwrap());
    // With its own row sent, its next due time is the end of the other's lease (the
    // database's clock), not the row's time, which has come.
    assert!(second.claim(&tg, now).unwrap().is_some());
    assert!(second.mark_sending(&tg, now).unwrap());
    let published = Outcome::Published {
        remote_id: "1".into(),
        url: None,
    };
    second.finish(&tg, published.clone(), true, now).unwrap();
    let next = second.next_due().unwrap().unwrap();
    assert!(next > Timestamp::now(), "{next} is when the lease ends");
    // After the lease, the row is free.
    outlive_the_lease();
    assert!(!first.mark_sending(&vk, now).unwrap(), "the lease expired");
    assert!(second.claim(&vk, now).unwrap().is_some());
    assert!(second.mark_sending(&vk, now).unwrap());
    second.finish(&vk, published, true, now).unwrap();
    assert!(first.claim(&vk, now).unwrap().is_none(), "published");
}

/// The networks' tokens, as the daemons name them.
const TOKENS: [&str; 3] = ["ok", "telegram", "vk"];

fn held(l: &mut PostgresLedger) -> Vec<String> {
    l.hold_tokens(&TOKENS).unwrap().held
}

#[test]
fn postgres_the_daemons_alive_share_the_tokens_out_one_holder_each() {
    let Some((_db, first, second)) = two_daemons(SHORT_LEASE) else {
        return;
    };
    let gap = Duration::from_millis(300);
    let (mut first, mut second) = (first.with_handover_gap(gap), second.with_handover_gap(gap));
    let holding = first.hold_tokens(&TOKENS).unwrap();
    assert_eq!(holding.held, TOKENS, "alone, it takes every token");
    let renew = holding.renew_in.expect("turns are renewed");
    assert!(renew < SHORT_LEASE, "renewed within the turn: {renew:?}");
    assert!(held(&mut second).is_empty(), "none is free");
    // The first gives back what is beyond its share, free after the gap only.
    assert_eq!(held(&mut first), ["ok", "telegram"]);
    assert!(held(&mut second).is_empty(), "within the gap");
    std::thread::sleep(gap + Duration::from_millis(100));
    assert_eq!(held(&mut second), ["vk"]);
    // Renewed, each keeps its own; no token has two holders.
    assert_eq!(held(&mut first), ["ok", "telegram"]);
    assert_eq!(held(&mut second), ["vk"]);
    // One that stops gives its tokens back: after the gap the other takes them.
    second.release_tokens().unwrap();
    std::thread::sleep(gap + Duration::from_millis(100));
    assert_eq!(held(&mut first), TOKENS);
}

#[test]
fn postgres_a_dead_daemons_tokens_go_to_the_others_when_its_turn_ends() {
    let Some((_db, mut first, mut second)) = two_daemons(SHORT_LEASE) else {
        return;
    };
    assert_eq!(held(&mut first), TOKENS);
    assert!(held(&mut second).is_empty());
    // The first dies: it renews nothing. Its turn ends with the lease.
    outlive_the_lease();
    assert_eq!(held(&mut second), TOKENS);
}

#[test]
fn postgres_rows_of_a_token_held_elsewhere_are_neither_due_nor_sent() {
    let now = t("2026-12-01T02:00:00Z");
    let both = [("a", Network::Vk), ("a", Network::Telegram)];
    let Some((_db, mut first, mut second)) = two_daemons_with(&both, "2026-12-01T02:00:00Z") else {
        return;
    };
    let vk = key("a", Network::Vk);
    let tg = key("a", Network::Telegram);
    assert_eq!(first.hold_tokens(&["vk"]).unwrap().held, ["vk"]);
    assert_eq!(
        second.hold_tokens(&["telegram"]).unwrap().held,
        ["telegram"]
    );
    let keys = |l: &PostgresLedger| -> Vec<Key> {
        l.due(now, 10).unwrap().into_iter().map(|e| e.key).collect()
    };
    assert_eq!(keys(&first), std::slice::from_ref(&vk));
    assert_eq!(keys(&second), std::slice::from_ref(&tg));
    assert!(second.claim(&vk, now).unwrap().is_none(), "not its token");
    // A daemon whose turn ended sends nothing, though it claimed the row and its lease on
    // the row lives.
    assert!(first.claim(&vk, now).unwrap().is_some());
    first.release_tokens().unwrap();
    assert!(!first.mark_sending(&vk, now).unwrap(), "its turn ended");
}

#[test]
fn postgres_recover_leaves_a_live_daemons_sending_rows_alone() {
    let now = t("2026-12-01T02:00:00Z");
    let both = [("a", Network::Vk), ("a", Network::Telegram)];
    let Some((_db, mut first, mut second)) = two_daemons_with(&both, "2026-12-01T02:00:00Z") else {
        return;
    };
    assert_eq!(claim_due(&mut first, now, 10).unwrap().len(), 2);
    // The first daemon is alive: its requests may be in flight.
    assert!(second.recover().unwrap().is_empty());
    let states = |l: &dyn Ledger| -> Vec<&'static str> {
        l.entries()
            .unwrap()
            .iter()
            .map(|e| e.state.name())
            .collect()
    };
    assert_eq!(states(&second), ["sending", "sending"]);
    // It dies; once its lease expires, the other settles its rows.
    drop(first);
    outlive_the_lease();
    let uncertain = second.recover().unwrap();
    assert_eq!(uncertain.len(), 1);
    assert_eq!(uncertain[0].key, key("a", Network::Telegram));
    let again = claim_due(&mut second, now, 10).unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].key, key("a", Network::Vk));
}

/// `mark_sending` extends the lease over the request: a request that began late in its lease
/// is still the daemon's when the lease it claimed with has run out.
#[test]
fn postgres_marking_a_row_sending_extends_its_lease_over_the_request() {
    let now = t("2026-12-01T02:00:00Z");
    let Some((_db, mut first, mut second)) =
        two_daemons_with(&[("a", Network::Telegram)], "2026-12-01T02:00:00Z")
    else {
        return;
    };
    let tg = key("a", Network::Telegram);
    assert!(first.claim(&tg, now).unwrap().is_some());
    // Most of the claim's lease goes by (uploads, the rate limit's wait) before the request.
    std::thread::sleep(SHORT_LEASE * 2 / 3);
    assert!(first.mark_sending(&tg, now).unwrap());
    // The claim's lease has run out; the request's has not: the other daemon leaves it alone.
    std::thread::sleep(SHORT_LEASE / 2);
    assert!(second.recover().unwrap().is_empty(), "recovered in flight");
    assert_eq!(state_of(&second, &tg).name(), "sending");
    // Past the extended lease, a dead daemon's row is settled.
    outlive_the_lease();
    assert_eq!(second.recover().unwrap().len(), 1);
    assert_eq!(state_of(&second, &tg).name(), "uncertain");
}

#[test]
fn postgres_two_daemons_syncing_the_same_plans_write_each_row_once() {
    let Some((db, first, second)) = two_daemons(SHORT_LEASE) else {
        return;
    };
    let now = t("2026-12-01T00:00:00Z");
    let plans: Vec<Planned> = (0..300)
        .map(|i| planned(&format!("p{i}"), Network::Vk, "2026-12-02T03:00:00Z", "h"))
        .collect();
    let barrier = std::sync::Barrier::new(2);
    let added: Vec<usize> = std::thread::scope(|s| {
        [first, second]
            .map(|mut l| {
                let (plans, barrier) = (&plans, &barrier);
                s.spawn(move || {
                    barrier.wait();
                    l.sync(plans, &|_| false, now, GRACE).unwrap().added
                })
            })
            .map(|h| h.join().unwrap())
            .into()
    });
    // One of them added every row, the other found them there.
    let mut added = added;
    added.sort();
    assert_eq!(added, [0, 300]);
    let l = PostgresLedger::open(&db.url).unwrap();
    assert_eq!(l.entries().unwrap().len(), 300);
}

#[test]
fn postgres_an_alert_is_handed_to_one_daemon_only() {
    let Some((_db, mut first, second)) = two_daemons(SHORT_LEASE) else {
        return;
    };
    let now = t("2026-12-01T00:00:00Z");
    let alert = Alert {
        id: "token/vk".into(),
        org: None,
        text: "токен отозван".into(),
    };
    first.raise(std::slice::from_ref(&alert), now).unwrap();
    assert_eq!(
        first.pending_alerts().unwrap(),
        std::slice::from_ref(&alert)
    );
    assert!(second.pending_alerts().unwrap().is_empty());
    // The first one dies before delivering it: after its lease the other delivers it.
    outlive_the_lease();
    assert_eq!(
        second.pending_alerts().unwrap(),
        std::slice::from_ref(&alert)
    );
    assert!(first.pending_alerts().unwrap().is_empty());
    first.alert_sent(&alert.id, now).unwrap();
    outlive_the_lease();
    assert!(second.pending_alerts().unwrap().is_empty());
}

#[test]
fn postgres_a_newer_schema_is_refused() {
    let Some(db) = TestDatabase::new() else {
        return;
    };
    drop(PostgresLedger::open(&db.url).unwrap());
    super::postgres::testing::execute(&db.url, "INSERT INTO schema_version (version) VALUES (99)");
    for opened in [
        PostgresLedger::open(&db.url),
        PostgresLedger::open_read_only(&db.url),
    ] {
        match opened {
            Err(LedgerError::Newer { found, known, .. }) => {
                assert_eq!((found, known), (99, super::postgres::SCHEMA_VERSION));
            }
            Err(e) => panic!("{e}"),
            Ok(_) => panic!("a newer schema was opened"),
        }
    }
}

#[test]
fn postgres_an_empty_database_is_not_a_ledger_to_read() {
    let Some(db) = TestDatabase::new() else {
        return;
    };
    assert!(matches!(
        PostgresLedger::open_read_only(&db.url),
        Err(LedgerError::NotALedger { .. })
    ));
}

#[test]
fn postgres_the_password_never_reaches_an_error() {
    let url = "postgres://vestnik:s3cr3t-pw@127.0.0.1:1/ledger?password=s3cr3t-pw";
    assert_eq!(
        super::postgres::redact(url),
        "postgres://vestnik:***@127.0.0.1:1/ledger?password=***"
    );
    let Err(e) = PostgresLedger::open(url) else {
        panic!("nothing listens on port 1");
    };
    for text in [e.to_string(), e.message(), format!("{e:?}")] {
        assert!(!text.contains("s3cr3t"), "{text}");
    }
    assert!(
        e.message().contains("127.0.0.1:1/ledger"),
        "{}",
        e.message()
    );
}

/// The ledger is called from inside tokio tasks: its waits work on a current-thread runtime's
/// only thread and on a multi-thread runtime's worker.
#[tokio::test(flavor = "current_thread")]
async fn postgres_works_inside_a_current_thread_runtime() {
    inside_a_runtime();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_works_inside_a_multi_thread_runtime() {
    inside_a_runtime();
}

fn inside_a_runtime() {
    let Some(db) = TestDatabase::new() else {
        return;
    };
    let mut l = PostgresLedger::open(&db.url).unwrap();
    l.set_meta("k", "v").unwrap();
    assert_eq!(l.meta("k").unwrap().as_deref(), Some("v"));
}

/// After the server went away and came back (a restart, an outage), the same ledger works
/// again: the call made while it was down fails with an error (no panic, no hang), the next one
/// after it is back connects anew.
#[test]
fn postgres_a_ledger_connects_again_after_the_server_restarts() {
    let Some(server) = super::postgres::testing::OwnServer::start() else {
        return;
    };
    let mut l = PostgresLedger::open(&server.url()).unwrap();
    l.set_meta("k", "1").unwrap();
    server.stop();
    assert!(matches!(
        l.set_meta("k", "2"),
        Err(LedgerError::Storage(_) | LedgerError::Open { .. })
    ));
    assert!(l.meta("k").is_err());
    server.start_again();
    l.set_meta("k", "3").unwrap();
    assert_eq!(l.meta("k").unwrap().as_deref(), Some("3"));
}

/// A daemon whose lease ran out while its request was in flight, and whose VK row another
/// daemon recovered and took, cannot finish it: the other one's attempt decides.
#[test]
fn postgres_a_late_answer_does_not_finish_a_row_another_daemon_took() {
    let now = t("2026-12-01T02:00:00Z");
    let vk_only = [("a", Network::Vk)];
    let Some((_db, mut first, mut second)) = two_daemons_with(&vk_only, "2026-12-01T02:00:00Z")
    else {
        return;
    };
    let vk = key("a", Network::Vk);
    assert_eq!(claim_due(&mut first, now, 10).unwrap().len(), 1);
    outlive_the_lease();
    assert!(
        second.recover().unwrap().is_empty(),
        "VK goes back to scheduled"
    );
    assert_eq!(claim_due(&mut second, now, 10).unwrap().len(), 1);
    let published = |id: &str| Outcome::Published {
        remote_id: id.into(),
        url: None,
    };
    assert!(matches!(
        first.finish(&vk, published("late"), true, now),
        Err(LedgerError::Transition { .. })
    ));
    second.finish(&vk, published("1"), true, now).unwrap();
    let rows = second.entries().unwrap();
    assert_eq!(
        rows[0].state,
        State::Published {
            remote_id: "1".into(),
            url: None
        }
    );
}
