//! The SQLite ledger for a single daemon: WAL journal, `synchronous=FULL` (with WAL+NORMAL a
//! committed `sending` row can roll back on power loss, and a lost `sending` means posting
//! twice), and `BEGIN IMMEDIATE` write transactions.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::journal::{self, CommentRef, Inbound, Moderated, NewAction};
use super::{
    Alert, Entry, Key, Ledger, LedgerError, Outcome, Planned, State, SyncReport, Waiting,
    deduplicates,
};
use crate::audit::{Access, ObservedPost, PageProfile, Source};
use crate::plan::id::{OrgId, PostId};
use crate::plan::network::Network;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS publication (
    org         TEXT    NOT NULL,
    post        TEXT    NOT NULL,
    network     TEXT    NOT NULL,
    due_ms      INTEGER NOT NULL,
    next_try_ms INTEGER NOT NULL,
    content     TEXT    NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    state       TEXT    NOT NULL,
    remote_id   TEXT,
    url         TEXT,
    reason      TEXT,
    updated_ms  INTEGER NOT NULL,
    file        TEXT,
    waiting_since_ms INTEGER,
    PRIMARY KEY (org, post, network)
);
CREATE INDEX IF NOT EXISTS publication_due ON publication (state, next_try_ms);
CREATE TABLE IF NOT EXISTS alert (
    id          TEXT    PRIMARY KEY,
    org         TEXT,
    text        TEXT    NOT NULL,
    raised_ms   INTEGER NOT NULL,
    sent_ms     INTEGER
);
CREATE INDEX IF NOT EXISTS alert_pending ON alert (sent_ms, raised_ms);
CREATE TABLE IF NOT EXISTS meta (
    key         TEXT    PRIMARY KEY,
    value       TEXT    NOT NULL
);
CREATE TABLE IF NOT EXISTS moderation (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    org         TEXT    NOT NULL,
    network     TEXT    NOT NULL,
    page        TEXT    NOT NULL,
    thread      TEXT    NOT NULL,
    comment     TEXT    NOT NULL,
    author      TEXT    NOT NULL,
    category    TEXT    NOT NULL,
    rule        TEXT    NOT NULL,
    verdict     TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    excerpt     TEXT    NOT NULL,
    at_ms       INTEGER NOT NULL,
    by_whom     TEXT    NOT NULL,
    restored_ms INTEGER,
    restored_by TEXT,
    UNIQUE (network, page, thread, comment, action)
);
CREATE INDEX IF NOT EXISTS moderation_org ON moderation (org, id);
CREATE TABLE IF NOT EXISTS judged (
    network     TEXT    NOT NULL,
    page        TEXT    NOT NULL,
    comment     TEXT    NOT NULL,
    text_hash   TEXT    NOT NULL,
    at_ms       INTEGER NOT NULL,
    PRIMARY KEY (network, page, comment)
);
CREATE INDEX IF NOT EXISTS judged_at ON judged (at_ms);
CREATE TABLE IF NOT EXISTS inbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    network     TEXT    NOT NULL,
    page        TEXT    NOT NULL,
    thread      TEXT    NOT NULL,
    comment     TEXT    NOT NULL,
    author      TEXT    NOT NULL,
    text        TEXT    NOT NULL,
    date_ms     INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS observed (
    network     TEXT    NOT NULL,
    page        TEXT    NOT NULL,
    remote_id   TEXT    NOT NULL,
    at_ms       INTEGER NOT NULL,
    source      TEXT    NOT NULL,
    excerpt     TEXT    NOT NULL,
    seen_ms     INTEGER NOT NULL,
    PRIMARY KEY (network, page, remote_id)
);
CREATE INDEX IF NOT EXISTS observed_at ON observed (network, page, at_ms);
CREATE TABLE IF NOT EXISTS profile (
    network     TEXT    NOT NULL,
    page        TEXT    NOT NULL,
    at_ms       INTEGER NOT NULL,
    access      TEXT    NOT NULL,
    found       INTEGER NOT NULL,
    accessible  INTEGER NOT NULL,
    admin       INTEGER NOT NULL,
    detail      TEXT,
    verified    INTEGER,
    description TEXT,
    address     TEXT,
    map         TEXT,
    phones      TEXT    NOT NULL,
    hours       TEXT,
    links       TEXT    NOT NULL,
    PRIMARY KEY (network, page, at_ms)
);
";

/// A ledger in one SQLite file.
pub struct SqliteLedger {
    conn: Connection,
    /// The publisher's lock ([`SqliteLedger::open_for_publishing`]), held while this lives.
    _lock: Option<std::fs::File>,
}

fn storage(e: rusqlite::Error) -> LedgerError {
    LedgerError::Storage(e.to_string())
}

/// The ledger at `path` could not be opened: SQLite's failure with its kind (the selector of
/// `ledger-reason`).
fn cannot_open(path: &Path) -> impl Fn(LedgerError) -> LedgerError + '_ {
    move |e| match e {
        LedgerError::Storage(error) => LedgerError::Open {
            path: path.display().to_string(),
            kind: "other",
            error,
        },
        other => other,
    }
}

/// The selector of `ledger-reason` for a failure of SQLite.
fn failure_kind(e: &rusqlite::Error) -> &'static str {
    use rusqlite::ErrorCode as C;
    match e.sqlite_error_code() {
        Some(C::CannotOpen) => "cannot-open",
        Some(C::NotADatabase) => "not-a-database",
        Some(C::ReadOnly) => "read-only",
        Some(C::PermissionDenied) => "permission-denied",
        Some(C::DatabaseBusy | C::DatabaseLocked) => "busy",
        Some(C::DatabaseCorrupt) => "corrupt",
        Some(C::DiskFull) => "storage-full",
        _ => "other",
    }
}

fn ms(t: Timestamp) -> i64 {
    t.as_millisecond()
}

fn ts(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH)
}

impl SqliteLedger {
    /// Opens (creating if needed) the ledger at `path`.
    ///
    /// Fails when the file cannot be opened or the schema cannot be created.
    pub fn open(path: &Path) -> Result<Self, LedgerError> {
        let opened = |e: rusqlite::Error| LedgerError::Open {
            path: path.display().to_string(),
            kind: failure_kind(&e),
            error: e.to_string(),
        };
        let conn = Connection::open(path).map_err(opened)?;
        Self::with_opened(conn, opened).map_err(cannot_open(path))
    }

    /// Opens the ledger at `path` for the one process that publishes from it (`run`, or
    /// `publish --due`), which holds an exclusive lock on `<path>.lock` while the ledger is
    /// open. A second publisher would take the first one's rows in `sending` for a crash's and
    /// make them uncertain (or send a VK one again), so it is refused with
    /// [`LedgerError::Busy`]. The kernel drops the lock when the process ends, even by SIGKILL.
    ///
    /// One publisher per SQLite ledger is this backend's design; several daemons on one ledger
    /// need leases (`FOR UPDATE SKIP LOCKED`) in a server database.
    pub fn open_for_publishing(path: &Path) -> Result<Self, LedgerError> {
        use std::io::{Read, Seek, Write};
        let mut name = path.as_os_str().to_owned();
        name.push(".lock");
        let lock_path = std::path::PathBuf::from(name);
        let io = |source: std::io::Error| LedgerError::Lock {
            path: lock_path.display().to_string(),
            source,
        };
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                return Err(LedgerError::Busy {
                    path: path.display().to_string(),
                    holder: if holder.is_empty() {
                        crate::t!("ledger-holder-unknown")
                    } else {
                        holder.to_owned()
                    },
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
        }
        // Who holds it, for the message a second publisher gets.
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        let args: Vec<String> = std::env::args().skip(1).take(2).collect();
        writeln!(
            file,
            "process {}: vestnik {}",
            std::process::id(),
            args.join(" ")
        )
        .map_err(io)?;
        let mut ledger = Self::open(path)?;
        ledger._lock = Some(file);
        Ok(ledger)
    }

    /// Opens the ledger at `path` to read it only (`vestnik report`): it is neither created
    /// nor migrated, and a daemon may go on writing it meanwhile.
    ///
    /// Fails when the file cannot be opened, is not a ledger, or was written by a newer
    /// vestnik.
    pub fn open_read_only(path: &Path) -> Result<Self, LedgerError> {
        use rusqlite::OpenFlags;
        let opened = |e: rusqlite::Error| LedgerError::Open {
            path: path.display().to_string(),
            kind: failure_kind(&e),
            error: e.to_string(),
        };
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(opened)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(opened)?;
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'publication'",
                [],
                |r| r.get(0),
            )
            .map_err(opened)?;
        if tables == 0 {
            return Err(LedgerError::NotALedger {
                path: path.display().to_string(),
            });
        }
        refuse_newer(&conn, path)?;
        Ok(Self { conn, _lock: None })
    }

    /// A ledger in memory (tests).
    pub fn in_memory() -> Result<Self, LedgerError> {
        Self::with(Connection::open_in_memory().map_err(storage)?)
    }

    fn with(conn: Connection) -> Result<Self, LedgerError> {
        Self::with_opened(conn, storage)
    }

    /// Sets up the opened `conn` (journal, schema, migration), its SQLite failures told by
    /// `failed`.
    fn with_opened(
        conn: Connection,
        failed: impl Fn(rusqlite::Error) -> LedgerError,
    ) -> Result<Self, LedgerError> {
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(&failed)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(&failed)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(&failed)?;
        refuse_newer(&conn, Path::new(conn.path().unwrap_or(":memory:")))?;
        conn.execute_batch(SCHEMA).map_err(&failed)?;
        migrate(&conn)?;
        conn.pragma_update(None, "user_version", SCHEMA_VERSION)
            .map_err(&failed)?;
        Ok(Self { conn, _lock: None })
    }
}

/// The version of [`SCHEMA`], kept in SQLite's `user_version` (0 in ledgers written before
/// it was kept; [`migrate`] brings those up to date). Raise it with every change of the
/// schema, and teach `migrate` the step. Version 2 added the tables of comment moderation
/// (`moderation`, `judged`, `inbox`), which [`SCHEMA`] creates where they are missing. Version 3
/// added the audit's observations (`observed`, `profile`), created the same way: an older
/// ledger gains them empty. Version 4 added the index of rows by plan file (`publication_file`),
/// which a sync of the files that changed reads by, and by state and network
/// (`publication_state_network`), which the queue's depth is counted from.
pub const SCHEMA_VERSION: i64 = 4;

/// Refuses a ledger written by a newer vestnik: its rows may mean what this one does not know.
fn refuse_newer(conn: &Connection, path: &Path) -> Result<(), LedgerError> {
    let found: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(storage)?;
    if found > SCHEMA_VERSION {
        return Err(LedgerError::Newer {
            path: path.display().to_string(),
            found,
            known: SCHEMA_VERSION,
        });
    }
    Ok(())
}

/// Brings a ledger written by an earlier vestnik up to [`SCHEMA`]: `file` and
/// `waiting_since_ms` were added later (their rows read as `None` until the plans are read
/// again, or the row waits again).
fn migrate(conn: &Connection) -> Result<(), LedgerError> {
    for (column, kind) in [("file", "TEXT"), ("waiting_since_ms", "INTEGER")] {
        let has: bool = conn
            .query_row(
                "SELECT count(*) FROM pragma_table_info('publication') WHERE name = ?1",
                [column],
                |r| r.get::<_, i64>(0),
            )
            .map_err(storage)?
            > 0;
        if !has {
            conn.execute_batch(&format!(
                "ALTER TABLE publication ADD COLUMN {column} {kind}"
            ))
            .map_err(storage)?;
        }
    }
    // After `file` exists in a ledger from before it did. The second index makes the count of
    // the queue's depth read only itself: 0.4 s instead of 2–3 s at three million rows.
    conn.execute_batch(
        "CREATE INDEX IF NOT EXISTS publication_file ON publication (file);
         CREATE INDEX IF NOT EXISTS publication_state_network ON publication (state, network);",
    )
    .map_err(storage)?;
    Ok(())
}

fn row_entry(row: &rusqlite::Row<'_>) -> rusqlite::Result<Entry> {
    let network: String = row.get("network")?;
    let state: String = row.get("state")?;
    let reason: Option<String> = row.get("reason")?;
    let since: Option<i64> = row.get("waiting_since_ms")?;
    let waiting = match (state.as_str(), &reason, since) {
        ("scheduled" | "sending", Some(reason), Some(since)) => Some(Waiting {
            reason: reason.clone(),
            since: ts(since),
        }),
        _ => None,
    };
    let state = match state.as_str() {
        "scheduled" => State::Scheduled,
        "sending" => State::Sending,
        "published" => State::Published {
            remote_id: row
                .get::<_, Option<String>>("remote_id")?
                .unwrap_or_default(),
            url: row.get("url")?,
        },
        "failed" => State::Failed {
            reason: reason.unwrap_or_default(),
        },
        "uncertain" => State::Uncertain {
            reason: reason.unwrap_or_default(),
        },
        "missed" => State::Missed,
        _ => State::Cancelled,
    };
    Ok(Entry {
        key: Key {
            org: row.get("org")?,
            post: row.get("post")?,
            network: Network::from_key(&network).unwrap_or(Network::Telegram),
        },
        due: ts(row.get("due_ms")?),
        next_try: ts(row.get("next_try_ms")?),
        content: row.get("content")?,
        attempts: row.get("attempts")?,
        state,
        updated: ts(row.get("updated_ms")?),
        file: row.get("file")?,
        waiting,
    })
}

const COLUMNS: &str = "org, post, network, due_ms, next_try_ms, content, attempts, state, remote_id, url, reason, updated_ms, file, waiting_since_ms";

/// Runs one cached statement of a write transaction.
fn exec(
    tx: &rusqlite::Transaction<'_>,
    sql: &str,
    p: impl rusqlite::Params,
) -> Result<(), LedgerError> {
    tx.prepare_cached(sql)
        .and_then(|mut st| st.execute(p))
        .map(|_| ())
        .map_err(storage)
}

/// The order of the primary key (SQLite compares TEXT bytewise, as Rust compares `str`).
fn sort_key(k: &Key) -> (&str, &str, &str) {
    (&k.org, &k.post, k.network.key())
}

fn planned_order(p: &Planned) -> (&str, &str, &str) {
    (&p.org, &p.post, p.network.key())
}

fn state_of(missed: bool) -> &'static str {
    if missed { "missed" } else { "scheduled" }
}

/// A change that a sync makes to one row. 16 bytes: at the first start there is one for each
/// of 300,000 rows.
enum Action<'a> {
    /// A new publication (`true`: already beyond the grace window).
    Insert(&'a Planned, bool),
    /// A scheduled publication whose time or content changed (or that is now missed).
    Update(&'a Planned, bool),
    /// A cancelled or missed publication back in the plans with a new time or content.
    Revive(&'a Planned),
    /// A cancelled publication back in the plans unchanged.
    Restore(&'a Planned, bool),
    /// Sent (or in flight) and changed afterwards: remembered and reported, not reposted.
    Edited(&'a Planned),
    /// Unchanged, but now written in another file (or read for the first time since the ledger
    /// kept files): only the file is remembered.
    Moved(&'a Planned),
    /// Scheduled but gone from the plans.
    Cancel(Box<Key>),
    /// Scheduled and waiting beyond the grace window, in a file that was not read.
    Miss(Box<Key>),
}

const _: () = assert!(std::mem::size_of::<Action<'static>>() == 16);

// The statements that write a planned row. Each takes the same parameters: ?1 org, ?2 post,
// ?3 network, ?4 due, ?5 content hash, ?6 state, ?7 now, ?8 file; a statement that keeps a
// column as it is leaves its parameter unused.
const INSERT: &str = "INSERT INTO publication (org, post, network, due_ms, next_try_ms, content, state, updated_ms, file) VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7, ?8)";
const UPDATE: &str = "UPDATE publication SET due_ms = ?4, next_try_ms = CASE WHEN due_ms = ?4 THEN next_try_ms ELSE ?4 END, content = ?5, state = ?6, updated_ms = ?7, file = ?8 WHERE org = ?1 AND post = ?2 AND network = ?3";
const REVIVE: &str = "UPDATE publication SET due_ms = ?4, next_try_ms = ?4, content = ?5, state = ?6, attempts = 0, reason = NULL, waiting_since_ms = NULL, updated_ms = ?7, file = ?8 WHERE org = ?1 AND post = ?2 AND network = ?3";
const RESTORE: &str = "UPDATE publication SET state = ?6, updated_ms = ?7, file = ?8 WHERE org = ?1 AND post = ?2 AND network = ?3";
const EDITED: &str = "UPDATE publication SET due_ms = ?4, content = ?5, updated_ms = ?7, file = ?8 WHERE org = ?1 AND post = ?2 AND network = ?3";
const MOVED: &str =
    "UPDATE publication SET file = ?8 WHERE org = ?1 AND post = ?2 AND network = ?3";

/// Where a written planned row is counted in the [`SyncReport`].
enum Tally {
    Added,
    Updated,
    Missed,
    Edited,
    /// Not reported: only the file changed.
    Quiet,
}

impl Tally {
    fn added(missed: bool) -> Self {
        if missed { Self::Missed } else { Self::Added }
    }
}

/// What a sync does to an existing row `e` that the plans still want as `p`.
fn compare<'a>(p: &'a Planned, e: &Entry, missed: bool, now: Timestamp) -> Option<Action<'a>> {
    // The ledger keeps milliseconds: a plan's time with a finer fraction is the same time.
    let changed = e.due != ts(ms(p.due)) || !p.content.matches(&e.content);
    match e.state {
        State::Scheduled if changed || missed => Some(Action::Update(p, missed)),
        State::Cancelled | State::Missed if changed && p.due >= now => Some(Action::Revive(p)),
        State::Cancelled => Some(Action::Restore(p, missed)),
        State::Sending
        | State::Published { .. }
        | State::Failed { .. }
        | State::Uncertain { .. }
            if changed =>
        {
            Some(Action::Edited(p))
        }
        _ if e.file.as_deref() != Some(&*p.file) => Some(Action::Moved(p)),
        _ => None,
    }
}

/// From how many files of one folder (or posts of one organization) a sync of some files reads
/// the rows by one range instead of one by one.
const RANGE_FROM: usize = 64;

/// `plans/<folder>/` of a plan file's path; empty when it has none.
fn folder_prefix(file: &str) -> &str {
    let mut slashes = file.match_indices('/').map(|(i, _)| i);
    match (slashes.next(), slashes.next()) {
        (Some(_), Some(second)) if file.starts_with("plans/") => &file[..=second],
        _ => "",
    }
}

/// Writes what a sync decided, in its transaction.
fn apply(
    tx: &rusqlite::Transaction<'_>,
    actions: Vec<Action<'_>>,
    now: Timestamp,
) -> Result<SyncReport, LedgerError> {
    let mut report = SyncReport::default();
    let now_ms = ms(now);
    for a in actions {
        let (p, sql, state, tally) = match a {
            Action::Miss(key) => {
                exec(
                    tx,
                    "UPDATE publication SET state = 'missed', updated_ms = ?4 WHERE org = ?1 AND post = ?2 AND network = ?3",
                    params![key.org, key.post, key.network.key(), now_ms],
                )?;
                report.missed.push(*key);
                continue;
            }
            Action::Cancel(key) => {
                exec(
                    tx,
                    "UPDATE publication SET state = 'cancelled', updated_ms = ?4 WHERE org = ?1 AND post = ?2 AND network = ?3",
                    params![key.org, key.post, key.network.key(), now_ms],
                )?;
                report.cancelled.push(*key);
                continue;
            }
            Action::Insert(p, missed) => (p, INSERT, state_of(missed), Tally::added(missed)),
            Action::Update(p, missed) => {
                let tally = if missed {
                    Tally::Missed
                } else {
                    Tally::Updated
                };
                (p, UPDATE, state_of(missed), tally)
            }
            Action::Revive(p) => (p, REVIVE, state_of(false), Tally::Added),
            // Back in the plans unchanged: schedule it again.
            Action::Restore(p, missed) => (p, RESTORE, state_of(missed), Tally::added(missed)),
            // Reported once: the new plan is remembered, nothing is reposted.
            Action::Edited(p) => (p, EDITED, "", Tally::Edited),
            Action::Moved(p) => (p, MOVED, "", Tally::Quiet),
        };
        exec(
            tx,
            sql,
            params![
                p.org,
                p.post,
                p.network.key(),
                ms(p.due),
                p.content.to_string(),
                state,
                now_ms,
                &*p.file
            ],
        )?;
        match tally {
            Tally::Added => report.added += 1,
            Tally::Updated => report.updated.push(p.key()),
            Tally::Missed => report.missed.push(p.key()),
            Tally::Edited => report.edited_after_publication.push(p.key()),
            Tally::Quiet => {}
        }
    }
    Ok(report)
}

impl Ledger for SqliteLedger {
    fn sync(
        &mut self,
        planned: &[Planned],
        keep: &dyn Fn(&Entry) -> bool,
        now: Timestamp,
        grace: SignedDuration,
    ) -> Result<SyncReport, LedgerError> {
        // A merge join of the plans (sorted here) with the rows (read in primary-key order):
        // memory stays at the size of the plans, not plans + ledger, with 300,000 rows. The
        // changes are collected first and written after the read finished.
        let mut order: Vec<&Planned> = planned.iter().collect();
        order.sort_by(|a, b| planned_order(a).cmp(&planned_order(b)));
        // One row per key: the plans refuse a post id taken twice, and a duplicate that still
        // came through must not fail the whole sync (a UNIQUE error stopped every organization).
        order.dedup_by(|a, b| planned_order(a) == planned_order(b));
        let late = now.checked_sub(grace).unwrap_or(now);
        let mut actions: Vec<Action<'_>> = Vec::new();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(storage)?;
        {
            let mut stmt = tx
                .prepare(&format!(
                    "SELECT {COLUMNS} FROM publication ORDER BY org, post, network"
                ))
                .map_err(storage)?;
            let mut rows = stmt.query_map([], row_entry).map_err(storage)?;
            let mut next_row = rows.next().transpose().map_err(storage)?;
            let mut plans = order.iter().copied().peekable();
            loop {
                let step = match (plans.peek(), &next_row) {
                    (None, None) => break,
                    (Some(p), Some(e)) => planned_order(p).cmp(&sort_key(&e.key)),
                    (Some(_), None) => std::cmp::Ordering::Less,
                    (None, Some(_)) => std::cmp::Ordering::Greater,
                };
                match step {
                    std::cmp::Ordering::Less => {
                        if let Some(p) = plans.next() {
                            actions.push(Action::Insert(p, p.due < late));
                        }
                    }
                    std::cmp::Ordering::Greater => {
                        if let Some(e) = next_row.take()
                            && e.state == State::Scheduled
                            && !keep(&e)
                        {
                            actions.push(Action::Cancel(Box::new(e.key)));
                        }
                        next_row = rows.next().transpose().map_err(storage)?;
                    }
                    std::cmp::Ordering::Equal => {
                        if let (Some(p), Some(e)) = (plans.next(), next_row.take()) {
                            actions.extend(compare(p, &e, p.due < late, now));
                        }
                        next_row = rows.next().transpose().map_err(storage)?;
                    }
                }
            }
        }
        let report = apply(&tx, actions, now)?;
        tx.commit().map_err(storage)?;
        Ok(report)
    }

    fn sync_files(
        &mut self,
        planned: &[Planned],
        files: &[Arc<str>],
        keep: &dyn Fn(&Entry) -> bool,
        now: Timestamp,
        grace: SignedDuration,
    ) -> Result<SyncReport, LedgerError> {
        let late = now.checked_sub(grace).unwrap_or(now);
        let scope: HashSet<&str> = files.iter().map(|f| &**f).collect();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(storage)?;
        let mut actions: Vec<Action<'_>> = Vec::new();
        let mut conflicts = Vec::new();
        {
            // The rows of the files read, and the rows of what they plan (a post may have moved
            // in from a file that was not read).
            // Many files of one folder (a whole folder read) are read by one range of the file
            // index, and many posts of one organization by one range of the key: a row at a
            // time is only for a few.
            let mut rows: BTreeMap<Key, Entry> = BTreeMap::new();
            let mut per_folder: HashMap<&str, usize> = HashMap::new();
            for f in files {
                *per_folder.entry(folder_prefix(f)).or_default() += 1;
            }
            let ranged = |prefix: &str| {
                !prefix.is_empty() && per_folder.get(prefix).is_some_and(|n| *n >= RANGE_FROM)
            };
            let mut by_range = tx
                .prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM publication WHERE file >= ?1 AND file < ?2"
                ))
                .map_err(storage)?;
            for prefix in per_folder.keys().filter(|p| ranged(p)) {
                // '0' follows '/': the range is every path under the folder.
                let end = format!("{}0", &prefix[..prefix.len() - 1]);
                for e in by_range
                    .query_map(params![prefix, end], row_entry)
                    .map_err(storage)?
                {
                    let e = e.map_err(storage)?;
                    if e.file.as_deref().is_some_and(|f| scope.contains(f)) {
                        rows.insert(e.key.clone(), e);
                    }
                }
            }
            let mut by_file = tx
                .prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM publication WHERE file = ?1"
                ))
                .map_err(storage)?;
            for f in files.iter().filter(|f| !ranged(folder_prefix(f))) {
                for e in by_file.query_map([&**f], row_entry).map_err(storage)? {
                    let e = e.map_err(storage)?;
                    rows.insert(e.key.clone(), e);
                }
            }
            let mut per_org: HashMap<&str, usize> = HashMap::new();
            for p in planned {
                *per_org.entry(&*p.org).or_default() += 1;
            }
            let whole_org = |org: &str| per_org.get(org).is_some_and(|n| *n >= RANGE_FROM);
            // The rows of organizations read whole: a planned key not among them has no row.
            let mut whole: BTreeMap<Key, Entry> = BTreeMap::new();
            let mut by_org = tx
                .prepare_cached(&format!("SELECT {COLUMNS} FROM publication WHERE org = ?1"))
                .map_err(storage)?;
            for org in per_org.keys().filter(|o| whole_org(o)) {
                for e in by_org.query_map([org], row_entry).map_err(storage)? {
                    let e = e.map_err(storage)?;
                    whole.insert(e.key.clone(), e);
                }
            }
            let mut by_key = tx
                .prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM publication WHERE org = ?1 AND post = ?2 AND network = ?3"
                ))
                .map_err(storage)?;
            let mut seen: HashSet<(&str, &str, &str)> = HashSet::new();
            for p in planned {
                if !seen.insert(planned_order(p)) {
                    continue;
                }
                let found = if whole_org(&p.org) {
                    whole.remove(&p.key())
                } else {
                    by_key
                        .query_row(params![p.org, p.post, p.network.key()], row_entry)
                        .optional()
                        .map_err(storage)?
                };
                let e = match found {
                    Some(e) => Some(e),
                    None => rows.remove(&p.key()),
                };
                match e {
                    None => actions.push(Action::Insert(p, p.due < late)),
                    Some(e) => {
                        rows.remove(&e.key);
                        match e.file.as_deref() {
                            Some(other)
                                if !scope.contains(other) && e.state != State::Cancelled =>
                            {
                                conflicts.push((e.key, other.to_owned()));
                            }
                            _ => actions.extend(compare(p, &e, p.due < late, now)),
                        }
                    }
                }
            }
            for (key, e) in rows {
                if e.state == State::Scheduled && !keep(&e) {
                    actions.push(Action::Cancel(Box::new(key)));
                }
            }
            // What waited beyond the grace window elsewhere: missed, as a full sync finds it.
            let mut waited = tx
                .prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM publication WHERE state = 'scheduled' AND next_try_ms < ?1"
                ))
                .map_err(storage)?;
            let planned_keys: HashSet<(&str, &str, &str)> = seen;
            for e in waited.query_map([ms(late)], row_entry).map_err(storage)? {
                let e = e.map_err(storage)?;
                let in_scope = e.file.as_deref().is_some_and(|f| scope.contains(f));
                if !in_scope && !planned_keys.contains(&sort_key(&e.key)) && !keep(&e) {
                    actions.push(Action::Miss(Box::new(e.key)));
                }
            }
        }
        let mut report = apply(&tx, actions, now)?;
        tx.commit().map_err(storage)?;
        report.conflicts = conflicts;
        Ok(report)
    }

    fn files_from(&self, from: &str, limit: usize) -> Result<Vec<String>, LedgerError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT file FROM publication WHERE file >= ?1 ORDER BY file LIMIT ?2",
            )
            .map_err(storage)?;
        let rows = stmt
            .query_map(params![from, limit], |r| r.get::<_, String>(0))
            .map_err(storage)?;
        rows.collect::<Result<_, _>>().map_err(storage)
    }

    fn next_due(&self) -> Result<Option<Timestamp>, LedgerError> {
        self.conn
            .query_row(
                "SELECT min(next_try_ms) FROM publication WHERE state = 'scheduled'",
                [],
                |r| r.get::<_, Option<i64>>(0),
            )
            .optional()
            .map_err(storage)
            .map(|v| v.flatten().map(ts))
    }

    fn next_due_after(&self, after: Timestamp) -> Result<Option<Timestamp>, LedgerError> {
        self.conn
            .prepare_cached(
                "SELECT min(next_try_ms) FROM publication WHERE state = 'scheduled' AND next_try_ms > ?1",
            )
            .and_then(|mut st| st.query_row([ms(after)], |r| r.get::<_, Option<i64>>(0)))
            .map_err(storage)
            .map(|v| v.map(ts))
    }

    fn due(&self, now: Timestamp, limit: usize) -> Result<Vec<Entry>, LedgerError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM publication WHERE state = 'scheduled' AND next_try_ms <= ?1 ORDER BY next_try_ms, org, post, network LIMIT ?2"
            ))
            .map_err(storage)?;
        let rows = stmt
            .query_map(params![ms(now), limit as i64], row_entry)
            .map_err(storage)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(storage)
    }

    fn claim(&mut self, key: &Key, now: Timestamp) -> Result<Option<Entry>, LedgerError> {
        // One publisher per file (the lock of `open_for_publishing`): the row is ours once read.
        // It stays `scheduled` through the waits and uploads.
        self.conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM publication WHERE org = ?1 AND post = ?2 AND network = ?3 AND state = 'scheduled' AND next_try_ms <= ?4"
            ))
            .and_then(|mut st| {
                st.query_row(
                    params![key.org, key.post, key.network.key(), ms(now)],
                    row_entry,
                )
                .optional()
            })
            .map_err(storage)
    }

    fn mark_sending(&mut self, key: &Key, now: Timestamp) -> Result<bool, LedgerError> {
        // Committed (synchronous=FULL) before the publishing request leaves: a crash after this
        // point is seen by `recover`.
        let changed = self
            .conn
            .execute(
                "UPDATE publication SET state = 'sending', updated_ms = ?4 WHERE org = ?1 AND post = ?2 AND network = ?3 AND state = 'scheduled'",
                params![key.org, key.post, key.network.key(), ms(now)],
            )
            .map_err(storage)?;
        Ok(changed == 1)
    }

    fn finish(
        &mut self,
        key: &Key,
        outcome: Outcome,
        answered: bool,
        at: Timestamp,
    ) -> Result<(), LedgerError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(storage)?;
        let state: Option<String> = tx
            .query_row(
                "SELECT state FROM publication WHERE org = ?1 AND post = ?2 AND network = ?3",
                params![key.org, key.post, key.network.key()],
                |r| r.get(0),
            )
            .optional()
            .map_err(storage)?;
        let to = match &outcome {
            Outcome::Published { .. } => "published",
            Outcome::Retry { .. } => "scheduled",
            Outcome::Failed(_) => "failed",
            Outcome::Uncertain(_) => "uncertain",
        };
        // An attempt that ended before its publishing request left the row `scheduled`: it can
        // only have been retried or refused, never published or left uncertain.
        let allowed = match state.as_deref() {
            Some("sending") => true,
            Some("scheduled") => matches!(outcome, Outcome::Retry { .. } | Outcome::Failed(_)),
            _ => false,
        };
        if !allowed {
            let from = match state.as_deref() {
                Some("scheduled") => "scheduled",
                Some("published") => "published",
                Some("failed") => "failed",
                Some("uncertain") => "uncertain",
                Some("missed") => "missed",
                Some("cancelled") => "cancelled",
                _ => "absent",
            };
            return Err(LedgerError::Transition {
                key: key.clone(),
                from,
                to,
            });
        }
        if answered {
            tx.execute(
                "UPDATE publication SET attempts = attempts + 1 WHERE org = ?1 AND post = ?2 AND network = ?3",
                params![key.org, key.post, key.network.key()],
            )
            .map_err(storage)?;
        }
        match outcome {
            Outcome::Published { remote_id, url } => tx.execute(
                "UPDATE publication SET state = 'published', remote_id = ?4, url = ?5, reason = NULL, waiting_since_ms = NULL, updated_ms = ?6 WHERE org = ?1 AND post = ?2 AND network = ?3",
                params![key.org, key.post, key.network.key(), remote_id, url, ms(at)],
            ),
            // The reason and its start are kept while the same reason repeats.
            Outcome::Retry { at: retry, why } => tx.execute(
                "UPDATE publication SET state = 'scheduled', next_try_ms = ?4, updated_ms = ?5, reason = ?6, \
                 waiting_since_ms = CASE WHEN ?6 IS NULL THEN NULL WHEN reason IS ?6 AND waiting_since_ms IS NOT NULL THEN waiting_since_ms ELSE ?5 END \
                 WHERE org = ?1 AND post = ?2 AND network = ?3",
                params![key.org, key.post, key.network.key(), ms(retry), ms(at), why],
            ),
            Outcome::Failed(reason) | Outcome::Uncertain(reason) => tx.execute(
                "UPDATE publication SET state = ?4, reason = ?5, waiting_since_ms = NULL, updated_ms = ?6 WHERE org = ?1 AND post = ?2 AND network = ?3",
                params![key.org, key.post, key.network.key(), to, reason, ms(at)],
            ),
        }
        .map_err(storage)?;
        tx.commit().map_err(storage)
    }

    fn recover(&mut self) -> Result<Vec<Entry>, LedgerError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(storage)?;
        let mut stuck = Vec::new();
        {
            let mut stmt = tx
                .prepare(&format!(
                    "SELECT {COLUMNS} FROM publication WHERE state = 'sending'"
                ))
                .map_err(storage)?;
            for e in stmt.query_map([], row_entry).map_err(storage)? {
                stuck.push(e.map_err(storage)?);
            }
        }
        let mut uncertain = Vec::new();
        for mut e in stuck {
            if deduplicates(e.key.network) {
                tx.execute(
                    "UPDATE publication SET state = 'scheduled' WHERE org = ?1 AND post = ?2 AND network = ?3",
                    params![e.key.org, e.key.post, e.key.network.key()],
                )
                .map_err(storage)?;
            } else {
                let reason = crate::t!("reason-stopped", network = e.key.network.to_string());
                tx.execute(
                    "UPDATE publication SET state = 'uncertain', reason = ?4 WHERE org = ?1 AND post = ?2 AND network = ?3",
                    params![e.key.org, e.key.post, e.key.network.key(), reason],
                )
                .map_err(storage)?;
                e.state = State::Uncertain { reason };
                uncertain.push(e);
            }
        }
        tx.commit().map_err(storage)?;
        Ok(uncertain)
    }

    fn set_next_try(
        &mut self,
        key: &Key,
        at: Timestamp,
        why: Option<&str>,
        now: Timestamp,
    ) -> Result<(), LedgerError> {
        self.conn
            .execute(
                "UPDATE publication SET next_try_ms = ?4, reason = coalesce(?5, reason), \
                 waiting_since_ms = CASE WHEN ?5 IS NULL OR (reason IS ?5 AND waiting_since_ms IS NOT NULL) THEN waiting_since_ms ELSE ?6 END \
                 WHERE org = ?1 AND post = ?2 AND network = ?3 AND state = 'scheduled'",
                params![key.org, key.post, key.network.key(), ms(at), why, ms(now)],
            )
            .map_err(storage)
            .map(|_| ())
    }

    fn depth(&self) -> Result<Vec<(Network, u64)>, LedgerError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT network, count(*) FROM publication WHERE state = 'scheduled' GROUP BY network",
            )
            .map_err(storage)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .map_err(storage)?;
        let mut out: Vec<(Network, u64)> = Network::ALL.iter().map(|n| (*n, 0)).collect();
        for row in rows {
            let (net, n) = row.map_err(storage)?;
            if let Some(slot) = out.iter_mut().find(|(k, _)| k.key() == net) {
                slot.1 = u64::try_from(n).unwrap_or(0);
            }
        }
        Ok(out)
    }

    fn raise(&mut self, alerts: &[Alert], now: Timestamp) -> Result<Vec<Alert>, LedgerError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(storage)?;
        let mut new = Vec::new();
        for a in alerts {
            let n = tx
                .execute(
                    "INSERT OR IGNORE INTO alert (id, org, text, raised_ms) VALUES (?1, ?2, ?3, ?4)",
                    params![a.id, a.org, a.text, ms(now)],
                )
                .map_err(storage)?;
            if n == 1 {
                new.push(a.clone());
            }
        }
        tx.commit().map_err(storage)?;
        Ok(new)
    }

    fn pending_alerts(&self) -> Result<Vec<Alert>, LedgerError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, org, text FROM alert WHERE sent_ms IS NULL ORDER BY raised_ms, id",
            )
            .map_err(storage)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Alert {
                    id: r.get(0)?,
                    org: r.get(1)?,
                    text: r.get(2)?,
                })
            })
            .map_err(storage)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(storage)
    }

    fn alert_sent(&mut self, id: &str, now: Timestamp) -> Result<(), LedgerError> {
        self.conn
            .execute(
                "UPDATE alert SET sent_ms = ?2 WHERE id = ?1",
                params![id, ms(now)],
            )
            .map_err(storage)
            .map(|_| ())
    }

    fn forget_alert(&mut self, id: &str) -> Result<(), LedgerError> {
        self.conn
            .execute("DELETE FROM alert WHERE id = ?1", params![id])
            .map_err(storage)
            .map(|_| ())
    }

    fn meta(&self, key: &str) -> Result<Option<String>, LedgerError> {
        self.conn
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")
            .and_then(|mut st| st.query_row([key], |r| r.get(0)).optional())
            .map_err(storage)
    }

    fn set_meta(&mut self, key: &str, value: &str) -> Result<(), LedgerError> {
        self.conn
            .execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map_err(storage)
            .map(|_| ())
    }

    fn resolve(&mut self, key: &Key, resend: bool, now: Timestamp) -> Result<bool, LedgerError> {
        let n = if resend {
            self.conn.execute(
                "UPDATE publication SET state = 'scheduled', next_try_ms = ?4, attempts = 0, reason = NULL, waiting_since_ms = NULL, updated_ms = ?4 WHERE org = ?1 AND post = ?2 AND network = ?3 AND state IN ('uncertain', 'failed')",
                params![key.org, key.post, key.network.key(), ms(now)],
            )
        } else {
            self.conn.execute(
                "UPDATE publication SET state = 'published', reason = NULL, remote_id = coalesce(remote_id, ''), updated_ms = ?4 WHERE org = ?1 AND post = ?2 AND network = ?3 AND state IN ('uncertain', 'failed')",
                params![key.org, key.post, key.network.key(), ms(now)],
            )
        }
        .map_err(storage)?;
        Ok(n == 1)
    }

    fn resolve_published(
        &mut self,
        key: &Key,
        remote_id: &str,
        url: Option<&str>,
        now: Timestamp,
    ) -> Result<bool, LedgerError> {
        self.conn
            .execute(
                "UPDATE publication SET state = 'published', reason = NULL, remote_id = ?4, url = ?5, updated_ms = ?6 WHERE org = ?1 AND post = ?2 AND network = ?3 AND state = 'uncertain'",
                params![key.org, key.post, key.network.key(), remote_id, url, ms(now)],
            )
            .map(|n| n == 1)
            .map_err(storage)
    }

    fn published_counts(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<(String, Network, u32)>, LedgerError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT org, network, count(*) FROM publication WHERE state = 'published' AND due_ms >= ?1 AND due_ms < ?2 GROUP BY org, network",
            )
            .map_err(storage)?;
        let rows = stmt
            .query_map(params![ms(from), ms(to)], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, u32>(2)?,
                ))
            })
            .map_err(storage)?;
        let mut out = Vec::new();
        for row in rows {
            let (org, net, n) = row.map_err(storage)?;
            if let Some(net) = Network::from_key(&net) {
                out.push((org, net, n));
            }
        }
        Ok(out)
    }

    fn visit_due(
        &self,
        from: Timestamp,
        to: Timestamp,
        visit: &mut dyn FnMut(&str, Network, Timestamp, &str),
    ) -> Result<(), LedgerError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT org, network, due_ms, state FROM publication WHERE due_ms >= ?1 AND due_ms < ?2",
            )
            .map_err(storage)?;
        let mut rows = stmt.query(params![ms(from), ms(to)]).map_err(storage)?;
        while let Some(row) = rows.next().map_err(storage)? {
            let text = |i: usize| -> Result<&str, LedgerError> {
                row.get_ref(i)
                    .and_then(|v| v.as_str().map_err(Into::into))
                    .map_err(storage)
            };
            let Some(network) = Network::from_key(text(1)?) else {
                continue;
            };
            let due: i64 = row.get(2).map_err(storage)?;
            visit(text(0)?, network, ts(due), text(3)?);
        }
        Ok(())
    }

    fn entries(&self) -> Result<Vec<Entry>, LedgerError> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {COLUMNS} FROM publication ORDER BY due_ms, org, post, network"
            ))
            .map_err(storage)?;
        let rows = stmt.query_map([], row_entry).map_err(storage)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(storage)
    }

    fn published_since(&self, since: Timestamp) -> Result<Vec<Entry>, LedgerError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM publication WHERE state = 'published' AND due_ms >= ?1 ORDER BY due_ms"
            ))
            .map_err(storage)?;
        let rows = stmt.query_map([ms(since)], row_entry).map_err(storage)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(storage)
    }

    fn unjudged(
        &self,
        network: Network,
        page: &str,
        comments: &[(String, String)],
    ) -> Result<Vec<usize>, LedgerError> {
        if !self.has_table("judged")? {
            return Ok((0..comments.len()).collect());
        }
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT text_hash FROM judged WHERE network = ?1 AND page = ?2 AND comment = ?3",
            )
            .map_err(storage)?;
        let mut out = Vec::new();
        for (i, (comment, hash)) in comments.iter().enumerate() {
            let known: Option<String> = stmt
                .query_row(params![network.key(), page, comment], |r| r.get(0))
                .optional()
                .map_err(storage)?;
            if known.as_deref() != Some(hash.as_str()) {
                out.push(i);
            }
        }
        Ok(out)
    }

    fn judged(
        &mut self,
        network: Network,
        page: &str,
        comments: &[(String, String)],
        now: Timestamp,
    ) -> Result<(), LedgerError> {
        self.each_in_one_transaction(
            "INSERT INTO judged (network, page, comment, text_hash, at_ms) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (network, page, comment) DO UPDATE SET text_hash = excluded.text_hash, at_ms = excluded.at_ms",
            comments,
            |stmt, (comment, hash)| stmt.execute(params![network.key(), page, comment, hash, ms(now)]),
            |_| Ok(()),
        )
    }

    fn forget_judged(&mut self, before: Timestamp) -> Result<usize, LedgerError> {
        self.conn
            .execute("DELETE FROM judged WHERE at_ms < ?1", params![ms(before)])
            .map_err(storage)
    }

    fn journal(&mut self, a: &NewAction) -> Result<Option<i64>, LedgerError> {
        let n = self
            .conn
            .execute(
                "INSERT OR IGNORE INTO moderation (org, network, page, thread, comment, author, category, rule, verdict, action, excerpt, at_ms, by_whom)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                params![
                    a.org,
                    a.at.network.key(),
                    a.at.page,
                    a.at.thread,
                    a.at.comment,
                    a.author,
                    a.category,
                    a.rule,
                    a.verdict,
                    a.action.key(),
                    a.excerpt,
                    ms(a.when),
                    a.by
                ],
            )
            .map_err(storage)?;
        Ok((n > 0).then(|| self.conn.last_insert_rowid()))
    }

    fn moderation_log(
        &self,
        org: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Moderated>, LedgerError> {
        if !self.has_table("moderation")? {
            return Ok(Vec::new());
        }
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {JOURNAL} FROM moderation WHERE ?1 IS NULL OR org = ?1 ORDER BY id DESC LIMIT ?2"
            ))
            .map_err(storage)?;
        let rows = stmt
            .query_map(params![org, limit], row_moderated)
            .map_err(storage)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(storage)
    }

    fn moderation_counts(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<(String, u32, u32)>, LedgerError> {
        if !self.has_table("moderation")? {
            return Ok(Vec::new());
        }
        let mut stmt = self
            .conn
            .prepare(
                "SELECT org, sum(action = 'deleted'), sum(action = 'reported') FROM moderation
                 WHERE at_ms >= ?1 AND at_ms < ?2 GROUP BY org ORDER BY org",
            )
            .map_err(storage)?;
        let rows = stmt
            .query_map(params![ms(from), ms(to)], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .map_err(storage)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(storage)
    }

    fn moderated(&self, id: i64) -> Result<Option<Moderated>, LedgerError> {
        if !self.has_table("moderation")? {
            return Ok(None);
        }
        self.conn
            .query_row(
                &format!("SELECT {JOURNAL} FROM moderation WHERE id = ?1"),
                [id],
                row_moderated,
            )
            .optional()
            .map_err(storage)
    }

    fn restored(&mut self, id: i64, now: Timestamp, by: &str) -> Result<bool, LedgerError> {
        self.conn
            .execute(
                "UPDATE moderation SET restored_ms = ?2, restored_by = ?3 WHERE id = ?1 AND action = 'deleted' AND restored_ms IS NULL",
                params![id, ms(now), by],
            )
            .map_err(storage)
            .map(|n| n > 0)
    }

    fn receive(
        &mut self,
        comments: &[Inbound],
        posts: &[ObservedPost],
        offset_key: &str,
        offset: &str,
    ) -> Result<(), LedgerError> {
        let now = ms(Timestamp::now());
        self.each_in_one_transaction(
            "INSERT INTO inbox (network, page, thread, comment, author, text, date_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            comments,
            |stmt, c| {
                stmt.execute(params![
                    c.at.network.key(),
                    c.at.page,
                    c.at.thread,
                    c.at.comment,
                    c.author,
                    c.text,
                    ms(c.date)
                ])
            },
            |tx| {
                let mut stmt = tx.prepare_cached(OBSERVE)?;
                for p in posts {
                    observe_one(&mut stmt, p, now)?;
                }
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    params![offset_key, offset],
                )
                .map(|_| ())
            },
        )
    }

    fn observe(&mut self, posts: &[ObservedPost], now: Timestamp) -> Result<usize, LedgerError> {
        let now = ms(now);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(storage)?;
        let mut new = 0;
        {
            let mut known = tx
                .prepare_cached(
                    "SELECT count(*) FROM observed WHERE network = ?1 AND page = ?2 AND remote_id = ?3",
                )
                .map_err(storage)?;
            let mut upsert = tx.prepare_cached(OBSERVE).map_err(storage)?;
            for p in posts {
                let seen: i64 = known
                    .query_row(params![p.network.key(), p.page, p.remote_id], |r| r.get(0))
                    .map_err(storage)?;
                if seen == 0 {
                    new += 1;
                }
                observe_one(&mut upsert, p, now).map_err(storage)?;
            }
        }
        tx.commit().map_err(storage)?;
        Ok(new)
    }

    fn observed(
        &self,
        network: Network,
        page: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<ObservedPost>, LedgerError> {
        if !self.has_table("observed")? {
            return Ok(Vec::new());
        }
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT remote_id, at_ms, source, excerpt FROM observed WHERE network = ?1 AND page = ?2 AND at_ms >= ?3 AND at_ms < ?4 ORDER BY at_ms, remote_id",
            )
            .map_err(storage)?;
        let rows = stmt
            .query_map(params![network.key(), page, ms(from), ms(to)], |r| {
                let source: String = r.get(2)?;
                Ok(ObservedPost {
                    network,
                    page: page.to_owned(),
                    remote_id: r.get(0)?,
                    at: ts(r.get(1)?),
                    source: Source::from_key(&source),
                    excerpt: r.get(3)?,
                })
            })
            .map_err(storage)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(storage)
    }

    fn visit_observed(
        &self,
        from: Timestamp,
        to: Timestamp,
        visit: &mut dyn FnMut(Network, &str, Timestamp, &str),
    ) -> Result<(), LedgerError> {
        if !self.has_table("observed")? {
            return Ok(());
        }
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT network, page, at_ms, source FROM observed WHERE at_ms >= ?1 AND at_ms < ?2",
            )
            .map_err(storage)?;
        let mut rows = stmt.query(params![ms(from), ms(to)]).map_err(storage)?;
        while let Some(r) = rows.next().map_err(storage)? {
            let network: String = r.get(0).map_err(storage)?;
            let Some(network) = Network::from_key(&network) else {
                continue;
            };
            let page: String = r.get(1).map_err(storage)?;
            let source: String = r.get(3).map_err(storage)?;
            visit(network, &page, ts(r.get(2).map_err(storage)?), &source);
        }
        Ok(())
    }

    fn snapshot(&mut self, p: &PageProfile) -> Result<(), LedgerError> {
        self.each_in_one_transaction(
            "INSERT OR REPLACE INTO profile (network, page, at_ms, access, found, accessible, admin, detail, verified, description, address, map, phones, hours, links) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            std::slice::from_ref(p),
            |stmt, p| {
                stmt.execute(params![
                    p.network.key(),
                    p.page,
                    ms(p.at),
                    p.access.key(),
                    p.access.found(),
                    !matches!(p.access, Access::NotFound | Access::Closed | Access::TokenRefused),
                    p.access.read(),
                    p.detail,
                    p.verified,
                    p.description,
                    p.address,
                    p.map,
                    p.phones.join("\n"),
                    p.hours,
                    p.links.join("\n"),
                ])
            },
            |_| Ok(()),
        )
    }

    fn last_snapshot(
        &self,
        network: Network,
        page: &str,
    ) -> Result<Option<PageProfile>, LedgerError> {
        if !self.has_table("profile")? {
            return Ok(None);
        }
        let lines = |s: String| -> Vec<String> {
            s.split('\n')
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect()
        };
        self.conn
            .prepare_cached(
                "SELECT at_ms, access, detail, verified, description, address, map, phones, hours, links FROM profile WHERE network = ?1 AND page = ?2 ORDER BY at_ms DESC LIMIT 1",
            )
            .and_then(|mut stmt| {
                stmt.query_row(params![network.key(), page], |r| {
                    let access: String = r.get(1)?;
                    Ok(PageProfile {
                        network,
                        page: page.to_owned(),
                        at: ts(r.get(0)?),
                        access: Access::from_key(&access),
                        detail: r.get(2)?,
                        verified: r.get(3)?,
                        description: r.get(4)?,
                        address: r.get(5)?,
                        map: r.get(6)?,
                        phones: lines(r.get(7)?),
                        hours: r.get(8)?,
                        links: lines(r.get(9)?),
                    })
                })
                .optional()
            })
            .map_err(storage)
    }

    fn inbox(&self, limit: usize) -> Result<Vec<(i64, Inbound)>, LedgerError> {
        if !self.has_table("inbox")? {
            return Ok(Vec::new());
        }
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, network, page, thread, comment, author, text, date_ms FROM inbox ORDER BY id LIMIT ?1",
            )
            .map_err(storage)?;
        let rows = stmt
            .query_map([limit], |r| {
                let network: String = r.get(1)?;
                Ok((
                    r.get::<_, i64>(0)?,
                    Inbound {
                        at: CommentRef {
                            network: Network::from_key(&network).unwrap_or(Network::Telegram),
                            page: r.get(2)?,
                            thread: r.get(3)?,
                            comment: r.get(4)?,
                        },
                        author: r.get(5)?,
                        text: r.get(6)?,
                        date: ts(r.get(7)?),
                    },
                ))
            })
            .map_err(storage)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(storage)
    }

    fn inbox_done(&mut self, ids: &[i64]) -> Result<(), LedgerError> {
        self.each_in_one_transaction(
            "DELETE FROM inbox WHERE id = ?1",
            ids,
            |stmt, id| stmt.execute([id]),
            |_| Ok(()),
        )
    }
}

/// Keeps an observed post once per page and remote id; seen again, it keeps its first time and
/// takes the newer source and excerpt (a post found to be vestnik's stays so).
const OBSERVE: &str = "INSERT INTO observed (network, page, remote_id, at_ms, source, excerpt, seen_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (network, page, remote_id) DO UPDATE SET excerpt = excluded.excerpt, seen_ms = excluded.seen_ms, source = CASE WHEN observed.source = 'vestnik' THEN 'vestnik' ELSE excluded.source END";

fn observe_one(
    stmt: &mut rusqlite::CachedStatement<'_>,
    p: &ObservedPost,
    now_ms: i64,
) -> rusqlite::Result<usize> {
    stmt.execute(params![
        p.network.key(),
        p.page,
        p.remote_id,
        ms(p.at),
        p.source.key(),
        crate::audit::observation::excerpt(&p.excerpt),
        now_ms
    ])
}

/// The columns [`row_moderated`] reads.
const JOURNAL: &str = "id, org, network, page, thread, comment, author, category, rule, verdict, action, excerpt, at_ms, by_whom, restored_ms, restored_by";

fn row_moderated(r: &rusqlite::Row<'_>) -> rusqlite::Result<Moderated> {
    let network: String = r.get("network")?;
    let action: String = r.get("action")?;
    let restored_ms: Option<i64> = r.get("restored_ms")?;
    let restored_by: Option<String> = r.get("restored_by")?;
    Ok(Moderated {
        id: r.get("id")?,
        action: NewAction {
            org: r.get("org")?,
            at: CommentRef {
                network: Network::from_key(&network).unwrap_or(Network::Telegram),
                page: r.get("page")?,
                thread: r.get("thread")?,
                comment: r.get("comment")?,
            },
            author: r.get("author")?,
            category: r.get("category")?,
            rule: r.get("rule")?,
            verdict: r.get("verdict")?,
            action: journal::Action::from_key(&action).unwrap_or(journal::Action::Reported),
            excerpt: r.get("excerpt")?,
            when: ts(r.get("at_ms")?),
            by: r.get("by_whom")?,
        },
        restored: restored_ms.map(|t| (ts(t), restored_by.unwrap_or_default())),
    })
}

impl SqliteLedger {
    /// Runs `sql` once per item (its parameters bound by `run`), then `after`, in one immediate
    /// transaction: all of it is written, or none.
    fn each_in_one_transaction<T>(
        &mut self,
        sql: &str,
        items: &[T],
        run: impl Fn(&mut rusqlite::CachedStatement<'_>, &T) -> rusqlite::Result<usize>,
        after: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<()>,
    ) -> Result<(), LedgerError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(storage)?;
        {
            let mut stmt = tx.prepare_cached(sql).map_err(storage)?;
            for item in items {
                run(&mut stmt, item).map_err(storage)?;
            }
        }
        after(&tx).map_err(storage)?;
        tx.commit().map_err(storage)
    }

    /// Whether the ledger has the table `name` (a ledger opened read-only and written by an
    /// earlier vestnik may lack the newer ones).
    fn has_table(&self, name: &str) -> Result<bool, LedgerError> {
        self.conn
            .prepare_cached("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1")
            .and_then(|mut st| st.query_row([name], |r| r.get::<_, i64>(0)))
            .map(|n| n > 0)
            .map_err(storage)
    }
}

/// Ids are stored as their text.
macro_rules! id_column {
    ($t:ty) => {
        impl rusqlite::ToSql for $t {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(rusqlite::types::ToSqlOutput::from(self.as_str()))
            }
        }

        impl rusqlite::types::FromSql for $t {
            fn column_result(
                v: rusqlite::types::ValueRef<'_>,
            ) -> rusqlite::types::FromSqlResult<Self> {
                v.as_str().map(<$t>::from)
            }
        }
    };
}
id_column!(OrgId);
id_column!(PostId);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::ledger::{ContentHash, claim_due};

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn key(post: &str, network: Network) -> Key {
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

    fn state_of(l: &SqliteLedger, k: &Key) -> State {
        l.entries()
            .unwrap()
            .into_iter()
            .find(|e| &e.key == k)
            .map(|e| e.state)
            .unwrap()
    }

    /// A sync of some files touches the rows of those files and of what they plan, and no
    /// other: a file that was not read keeps its rows scheduled.
    #[test]
    fn a_sync_of_some_files_leaves_the_others_alone() {
        let mut l = SqliteLedger::in_memory().unwrap();
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
        assert_eq!(state_of(&l, &c.key()), State::Scheduled);
        assert_eq!(state_of(&l, &key("d", Network::Vk)), State::Scheduled);
        assert_eq!(l.entries().unwrap().len(), 4);

        // Nothing read: nothing changes.
        let r = l.sync_files(&[], &[], &|_| false, now, GRACE).unwrap();
        assert_eq!((r.added, r.cancelled.len(), r.updated.len()), (0, 0, 0));
    }

    /// A whole folder read (many files: its rows are read by ranges, not one by one) is synced
    /// as a few files are: the same rows change, and another folder's are untouched.
    #[test]
    fn a_sync_of_many_files_reads_ranges_to_the_same_result() {
        for n in [3, 2 * RANGE_FROM] {
            let mut l = SqliteLedger::in_memory().unwrap();
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
            assert_eq!(state_of(&l, &other.key()), State::Scheduled, "{n}");
        }
    }

    /// A post id that a file read now shares with a row of a file not read is left alone and
    /// reported: the caller tells a duplicate from a move. A row of a file in the scope moves.
    #[test]
    fn a_post_met_in_another_file_is_a_conflict_unless_that_file_was_read() {
        let mut l = SqliteLedger::in_memory().unwrap();
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
    #[test]
    fn a_sync_of_some_files_marks_what_waited_too_long_as_missed() {
        let mut l = SqliteLedger::in_memory().unwrap();
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
        assert_eq!(state_of(&l, &key("old", Network::Vk)), State::Missed);
        assert_eq!(state_of(&l, &key("kept", Network::Vk)), State::Scheduled);
        assert_eq!(state_of(&l, &key("soon", Network::Vk)), State::Scheduled);
    }

    /// A broken plan file protects exactly its own rows, whatever their ids (an explicit `id:`
    /// does not name its file): the ledger remembers each row's file.
    #[test]
    fn rows_are_kept_by_the_file_they_came_from() {
        let mut l = SqliteLedger::in_memory().unwrap();
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
    #[test]
    fn a_moved_post_changes_only_its_file() {
        let mut l = SqliteLedger::in_memory().unwrap();
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

    /// A ledger written before rows kept their file gains the column, its rows read as `None`.
    #[test]
    fn an_older_ledger_gains_the_file_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite");
        let old = SCHEMA.replace("    file        TEXT,\n", "");
        assert_ne!(old, SCHEMA);
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(&old).unwrap();
        conn.execute(
            "INSERT INTO publication (org, post, network, due_ms, next_try_ms, content, state, updated_ms) VALUES ('school', 'a', 'vk', 0, 0, 'x', 'scheduled', 0)",
            [],
        )
        .unwrap();
        drop(conn);
        let l = SqliteLedger::open(&path).unwrap();
        let rows = l.entries().unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].file, None);
        // Opening it again finds the column there.
        drop(l);
        SqliteLedger::open(&path).unwrap();
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
    #[test]
    fn observed_posts_are_kept_once_and_read_by_time() {
        let mut l = SqliteLedger::in_memory().unwrap();
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
    #[test]
    fn the_latest_profile_snapshot_is_read_back() {
        use crate::audit::{Access, PageProfile};
        let mut l = SqliteLedger::in_memory().unwrap();
        assert_eq!(l.last_snapshot(Network::Vk, "100").unwrap(), None);
        let at = |s: i64| Timestamp::from_second(s).unwrap();
        let mut p =
            PageProfile::unreadable(Network::Vk, "100", at(1_800_000_000), Access::Ok, None);
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
        let conn = &l.conn;
        let first: (i64, i64, i64) = conn
            .query_row(
                "SELECT found, accessible, admin FROM profile WHERE at_ms = ?1",
                [1_800_000_000_000_i64],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!(first, (1, 1, 1));
    }

    /// A ledger of version 2 (before the audit) gains the audit's tables, empty, and the new
    /// version.
    #[test]
    fn a_version_2_ledger_gains_the_audits_tables() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v2.sqlite");
        let start = SCHEMA.find("CREATE TABLE IF NOT EXISTS observed").unwrap();
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(&SCHEMA[..start]).unwrap();
        conn.pragma_update(None, "user_version", 2).unwrap();
        drop(conn);
        let mut l = SqliteLedger::open(&path).unwrap();
        assert!(l.has_table("observed").unwrap() && l.has_table("profile").unwrap());
        let version: i64 = l
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        let indexed: i64 = l
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'publication_file'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(indexed, 1, "version 4 indexes the rows by file");
        let now = Timestamp::from_second(1_900_000_000).unwrap();
        assert_eq!(
            l.observe(&[observed("-100_1", 1_800_000_000, Source::Hand)], now)
                .unwrap(),
            1
        );
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
    #[test]
    fn the_moderation_journal_keeps_each_action_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.db");
        let now = Timestamp::from_second(1_800_000_100).unwrap();
        let (first, reported) = {
            let mut l = SqliteLedger::open(&path).unwrap();
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
        let l = SqliteLedger::open(&path).unwrap();
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
    #[test]
    fn judged_comments_come_back_only_when_edited() {
        let mut l = SqliteLedger::in_memory().unwrap();
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
    #[test]
    fn the_inbox_keeps_received_comments_until_taken() {
        let mut l = SqliteLedger::in_memory().unwrap();
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
    #[test]
    fn meta_remembers_the_last_value_per_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.sqlite");
        let mut l = SqliteLedger::open(&path).unwrap();
        assert_eq!(l.meta("registry_commit/main").unwrap(), None);
        l.set_meta("registry_commit/main", "aaaa").unwrap();
        l.set_meta("registry_commit/main", "bbbb").unwrap();
        l.set_meta("registry_commit/draft", "cccc").unwrap();
        drop(l);
        let l = SqliteLedger::open(&path).unwrap();
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

    /// A ledger written before the `meta` table existed opens, keeps its rows and alerts, and
    /// gains the table (empty); one written with it is unchanged for an older vestnik, which
    /// only creates what is missing.
    #[test]
    fn an_older_ledger_gains_the_meta_table() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite");
        let start = SCHEMA.find("CREATE TABLE IF NOT EXISTS meta").unwrap();
        let old = &SCHEMA[..start];
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(old).unwrap();
        conn.execute(
            "INSERT INTO alert (id, org, text, raised_ms) VALUES ('weekly/2026-W49', NULL, 'x', 0)",
            [],
        )
        .unwrap();
        drop(conn);
        let mut l = SqliteLedger::open(&path).unwrap();
        assert_eq!(l.meta("registry_commit/main").unwrap(), None);
        assert_eq!(l.pending_alerts().unwrap().len(), 1);
        l.set_meta("registry_commit/main", "aaaa").unwrap();
        drop(l);
        // An older vestnik runs its own schema on it: nothing is lost.
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(old).unwrap();
        drop(conn);
        let l = SqliteLedger::open(&path).unwrap();
        assert_eq!(
            l.meta("registry_commit/main").unwrap().as_deref(),
            Some("aaaa")
        );
    }

    const GRACE: SignedDuration = SignedDuration::from_hours(2);

    #[test]
    fn a_second_sync_of_the_same_plans_changes_nothing() {
        let mut l = SqliteLedger::in_memory().unwrap();
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

    #[test]
    fn one_publisher_per_ledger_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.sqlite");
        let first = SqliteLedger::open_for_publishing(&path).unwrap();
        match SqliteLedger::open_for_publishing(&path) {
            Err(LedgerError::Busy { path: p, holder }) => {
                assert_eq!(p, path.display().to_string());
                assert!(
                    holder.starts_with(&format!("process {}: vestnik", std::process::id())),
                    "{holder}"
                );
            }
            other => panic!("a second publisher was let in: {:?}", other.err()),
        }
        // Readers (`status`) and a person's `resolve` open it as usual.
        let mut reader = SqliteLedger::open(&path).unwrap();
        assert!(reader.entries().unwrap().is_empty());
        assert!(
            !reader
                .resolve(&key("p", Network::Vk), true, t("2026-12-01T00:00:00Z"))
                .unwrap()
        );
        drop(first);
        SqliteLedger::open_for_publishing(&path).unwrap();
    }

    #[test]
    fn a_waiting_row_keeps_its_reason_and_since_while_the_reason_repeats() {
        let mut l = SqliteLedger::in_memory().unwrap();
        let plan = [planned("a", Network::Ok, "2026-12-01T02:00:00Z", "h")];
        l.sync(&plan, &|_| false, t("2026-12-01T00:00:00Z"), GRACE)
            .unwrap();
        let key = plan[0].key();
        let waiting = |l: &SqliteLedger| l.entries().unwrap()[0].waiting.clone();
        assert_eq!(waiting(&l), None);
        let retry = |l: &mut SqliteLedger, at: &str, why: Option<&str>, next: &str| {
            assert!(l.claim(&key, t(at)).unwrap().is_some());
            let why = why.map(str::to_owned);
            l.finish(&key, Outcome::Retry { at: t(next), why }, true, t(at))
                .unwrap();
        };
        retry(
            &mut l,
            "2026-12-01T02:00:00Z",
            Some("token refused"),
            "2026-12-01T02:30:00Z",
        );
        let first = Waiting {
            reason: "token refused".into(),
            since: t("2026-12-01T02:00:00Z"),
        };
        assert_eq!(waiting(&l), Some(first.clone()));
        assert_eq!(l.entries().unwrap()[0].next_try, t("2026-12-01T02:30:00Z"));
        // The same reason again: still waiting since the first time.
        retry(
            &mut l,
            "2026-12-01T02:30:00Z",
            Some("token refused"),
            "2026-12-01T03:00:00Z",
        );
        assert_eq!(waiting(&l), Some(first.clone()));
        // The sweep moves the next attempt and keeps the reason; a page's wait sets one.
        l.set_next_try(
            &key,
            t("2026-12-01T02:40:00Z"),
            None,
            t("2026-12-01T02:40:00Z"),
        )
        .unwrap();
        assert_eq!(waiting(&l), Some(first));
        l.set_next_try(
            &key,
            t("2026-12-01T04:00:00Z"),
            Some("page waits"),
            t("2026-12-01T02:45:00Z"),
        )
        .unwrap();
        assert_eq!(
            waiting(&l),
            Some(Waiting {
                reason: "page waits".into(),
                since: t("2026-12-01T02:45:00Z"),
            })
        );
        // Another reason starts anew; a plain retry (plan changed while due) has none.
        retry(
            &mut l,
            "2026-12-01T04:00:00Z",
            Some("HTTP 502"),
            "2026-12-01T04:01:00Z",
        );
        assert_eq!(waiting(&l).unwrap().since, t("2026-12-01T04:00:00Z"));
        retry(&mut l, "2026-12-01T04:01:00Z", None, "2026-12-01T04:01:00Z");
        assert_eq!(waiting(&l), None);
        // Published: nothing waits any more.
        retry(
            &mut l,
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
        assert_eq!(waiting(&l), None);
        assert_eq!(l.entries().unwrap()[0].state.name(), "published");
    }

    #[test]
    fn schedules_claims_and_publishes_in_time_order() {
        let mut l = SqliteLedger::in_memory().unwrap();
        let now = t("2026-12-01T00:00:00Z");
        let plan = [
            planned("b", Network::Vk, "2026-12-01T03:00:00Z", "h1"),
            planned("a", Network::Telegram, "2026-12-01T02:00:00Z", "h2"),
        ];
        let r = l.sync(&plan, &|_| false, now, GRACE).unwrap();
        assert_eq!(r.added, 2);
        assert_eq!(l.next_due().unwrap(), Some(t("2026-12-01T02:00:00Z")));
        assert!(claim_due(&mut l, now, 10).unwrap().is_empty());
        let got = claim_due(&mut l, t("2026-12-01T03:00:00Z"), 10).unwrap();
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

    #[test]
    fn edits_before_and_after_publication() {
        let mut l = SqliteLedger::in_memory().unwrap();
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
        let claimed = claim_due(&mut l, t("2026-12-01T02:00:00Z"), 1).unwrap();
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

    #[test]
    fn missed_beyond_grace_but_caught_within_it() {
        let mut l = SqliteLedger::in_memory().unwrap();
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
        let due = claim_due(&mut l, now, 10).unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].key.post, "recent");
    }

    #[test]
    fn crash_while_sending_retries_vk_and_surfaces_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.sqlite");
        let now = t("2026-12-01T02:00:00Z");
        {
            let mut l = SqliteLedger::open(&path).unwrap();
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
            assert_eq!(claim_due(&mut l, now, 10).unwrap().len(), 3);
            // The process dies here, between `sending` and the answers.
        }
        let mut l = SqliteLedger::open(&path).unwrap();
        let uncertain = l.recover().unwrap();
        let nets: Vec<Network> = uncertain.iter().map(|e| e.key.network).collect();
        assert_eq!(nets.len(), 2);
        assert!(nets.contains(&Network::Telegram) && nets.contains(&Network::Ok));
        let again = claim_due(&mut l, now, 10).unwrap();
        assert_eq!(again.len(), 1);
        // No answer came before the crash: the attempt is not counted.
        assert_eq!((again[0].key.network, again[0].attempts), (Network::Vk, 0));
    }

    /// Issue 12 items 8 and 9: a claim leaves the row `scheduled` (a crash during the waits and
    /// uploads leaves nothing to recover), and only attempts that got an answer count, however
    /// often the process died before one.
    #[test]
    fn a_claim_changes_nothing_and_only_answered_attempts_count() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.sqlite");
        let now = t("2026-12-01T02:00:00Z");
        let tg = key("a", Network::Telegram);
        let vk = key("a", Network::Vk);
        {
            let mut l = SqliteLedger::open(&path).unwrap();
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
        let row = |l: &SqliteLedger, k: &Key| {
            l.entries()
                .unwrap()
                .into_iter()
                .find(|e| e.key == *k)
                .unwrap()
        };
        let mut l = SqliteLedger::open(&path).unwrap();
        assert!(l.recover().unwrap().is_empty(), "nothing was sent");
        assert_eq!(row(&l, &tg).state, State::Scheduled);
        // Twelve crashes after VK's request left and before any answer.
        for _ in 0..12 {
            assert!(l.claim(&vk, now).unwrap().is_some());
            assert!(l.mark_sending(&vk, now).unwrap());
            drop(l);
            l = SqliteLedger::open(&path).unwrap();
            assert!(l.recover().unwrap().is_empty());
        }
        assert_eq!(row(&l, &vk).attempts, 0);
        // Then one HTTP 502: one attempt.
        assert!(l.claim(&vk, now).unwrap().is_some());
        assert!(l.mark_sending(&vk, now).unwrap());
        let retry = Outcome::Retry {
            at: t("2026-12-01T02:01:00Z"),
            why: Some("HTTP 502".into()),
        };
        l.finish(&vk, retry.clone(), true, now).unwrap();
        assert_eq!(row(&l, &vk).attempts, 1);
        // An attempt that ended before its publishing request (an upload refused) finishes
        // from `scheduled`; one that got no answer at all does not count.
        let later = t("2026-12-01T02:01:00Z");
        assert!(l.claim(&vk, later).unwrap().is_some());
        l.finish(&vk, retry, false, later).unwrap();
        assert_eq!(row(&l, &vk).attempts, 1);
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
}
