//! The SQLite ledger for a single daemon: WAL journal, `synchronous=FULL` (with WAL+NORMAL a
//! committed `sending` row can roll back on power loss, and a lost `sending` means posting
//! twice), and `BEGIN IMMEDIATE` write transactions.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::journal::{self, CommentRef, Inbound, Moderated, NewAction};
use super::merge::{self, Action, Write, ms, ts};
use super::{
    Alert, Entry, Key, Ledger, LedgerError, Outcome, Planned, State, SyncReport, deduplicates,
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
    Ok(merge::Columns {
        org: row.get("org")?,
        post: row.get("post")?,
        network: row.get("network")?,
        due_ms: row.get("due_ms")?,
        next_try_ms: row.get("next_try_ms")?,
        content: row.get("content")?,
        attempts: row.get("attempts")?,
        state: row.get("state")?,
        remote_id: row.get("remote_id")?,
        url: row.get("url")?,
        reason: row.get("reason")?,
        updated_ms: row.get("updated_ms")?,
        file: row.get("file")?,
        waiting_since_ms: row.get("waiting_since_ms")?,
    }
    .entry())
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

/// Writes what a sync decided, in its transaction.
fn apply(
    tx: &rusqlite::Transaction<'_>,
    actions: Vec<Action<'_>>,
    now: Timestamp,
) -> Result<SyncReport, LedgerError> {
    let mut report = SyncReport::default();
    let now_ms = ms(now);
    for a in actions {
        let Some((p, write, state, tally)) = a.planned() else {
            let (key, to, list) = match a {
                Action::Cancel(key) => (key, "cancelled", &mut report.cancelled),
                Action::Miss(key) => (key, "missed", &mut report.missed),
                _ => continue,
            };
            exec(
                tx,
                "UPDATE publication SET state = ?4, updated_ms = ?5 WHERE org = ?1 AND post = ?2 AND network = ?3",
                params![key.org, key.post, key.network.key(), to, now_ms],
            )?;
            list.push(*key);
            continue;
        };
        let sql = match write {
            Write::Insert => INSERT,
            Write::Update => UPDATE,
            Write::Revive => REVIVE,
            Write::Restore => RESTORE,
            Write::Edited => EDITED,
            Write::Moved => MOVED,
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
        tally.count(p, &mut report);
    }
    Ok(report)
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
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(storage)?;
        let actions = {
            let mut stmt = tx
                .prepare(&format!(
                    "SELECT {COLUMNS} FROM publication ORDER BY org, post, network"
                ))
                .map_err(storage)?;
            let rows = stmt.query_map([], row_entry).map_err(storage)?;
            merge::actions(planned, rows.map(|r| r.map_err(storage)), keep, now, grace)?
        };
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
        let scope: HashSet<&str> = files.iter().map(|f| &**f).collect();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(storage)?;
        let (actions, conflicts) = {
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
            let row_of = |p: &Planned| {
                if whole_org(&p.org) {
                    Ok(whole.remove(&p.key()))
                } else {
                    by_key
                        .query_row(params![p.org, p.post, p.network.key()], row_entry)
                        .optional()
                        .map_err(storage)
                }
            };
            let waited = |late: Timestamp| {
                let mut stmt = tx
                    .prepare_cached(&format!(
                        "SELECT {COLUMNS} FROM publication WHERE state = 'scheduled' AND next_try_ms < ?1"
                    ))
                    .map_err(storage)?;
                let rows = stmt.query_map([ms(late)], row_entry).map_err(storage)?;
                rows.collect::<Result<Vec<_>, _>>().map_err(storage)
            };
            merge::file_actions(planned, files, rows, row_of, waited, keep, now, grace)?
        };
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
        let to = merge::finish_to(key, state.as_deref(), &outcome)?;
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
    use crate::publish::ledger::suite::{key, t};

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
                "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN ('publication_file', 'publication_state_network')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            indexed, 2,
            "version 4 indexes the rows by file, and by state and network"
        );
        let now = Timestamp::from_second(1_900_000_000).unwrap();
        assert_eq!(
            l.observe(
                &[ObservedPost {
                    network: Network::Vk,
                    page: "100".into(),
                    remote_id: "-100_1".into(),
                    at: Timestamp::from_second(1_800_000_000).unwrap(),
                    source: Source::Hand,
                    excerpt: String::new(),
                }],
                now
            )
            .unwrap(),
            1
        );
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
}
