//! The PostgreSQL ledger, for several daemons sharing one ledger (a region's pages).
//!
//! **Driver.** [`Ledger`] is synchronous and is called from inside tokio tasks (the daemon holds
//! `&mut dyn Ledger` in async code), where the `postgres` crate's blocking client panics (it runs
//! a runtime of its own). So this uses `tokio-postgres`: its `Connection` (the socket) is driven
//! by a dedicated thread running a current-thread tokio runtime, and each trait call waits for
//! its client future with `futures_executor::block_on` on the caller's thread. The client only
//! talks to that thread through channels, so the wait works on any thread: a plain one, a
//! multi-thread runtime's worker or a current-thread runtime's only thread (it blocks that
//! thread for the duration of the query, as the SQLite ledger does). No TLS: the database is
//! expected on a local network or a Unix socket.
//!
//! **Schema.** Versioned migrations in `migrations/postgres/` (embedded), applied on open inside
//! one transaction holding an advisory lock, recorded in `schema_version`; a database written by
//! a newer vestnik is refused ([`LedgerError::Newer`]).
//!
//! **Leases.** Each ledger has an owner id (host, process, random) and a lease duration.
//! [`Ledger::claim`] takes a row's lease atomically; [`Ledger::due`] leaves out rows under
//! another owner's live lease; [`Ledger::mark_sending`] succeeds only while this owner holds the
//! lease (and extends it); [`Ledger::finish`] and [`Ledger::set_next_try`] release it.
//! [`Ledger::recover`] acts only on `sending` rows whose lease has expired: a live daemon's are
//! left alone. Lease times are the database's clock (`now()`), never a daemon's, so daemons with
//! skewed clocks agree on who holds what. Syncs of the plans are serialized by an advisory lock
//! and write idempotently, so two daemons syncing the same change at once write it once. Alerts
//! leave the outbox once: [`Ledger::pending_alerts`] hands each to one owner under a lease.
//!
//! The connection string may carry a password: it never reaches an error, a log or a panic
//! ([`redact`], and every message of the driver is scrubbed of it).

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use jiff::{SignedDuration, Timestamp};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Row};

use super::journal::{self, CommentRef, Inbound, Moderated, NewAction};
use super::merge::{self, Action, Write, ms, ts};
use super::{Alert, Entry, Holding, Key, Ledger, LedgerError, Outcome, Planned, State, SyncReport};
use crate::audit::{Access, ObservedPost, PageProfile, Source};
use crate::plan::network::Network;

/// The migrations, in order: version `i + 1` is `MIGRATIONS[i]`.
const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/postgres/0001_initial.sql"),
    include_str!("../../../migrations/postgres/0002_rows_by_file.sql"),
    include_str!("../../../migrations/postgres/0003_token_turns.sql"),
    include_str!("../../../migrations/postgres/0004_leased_rows.sql"),
];

/// The newest schema version this vestnik knows.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The advisory lock under which migrations run ("vestnik" and 1).
const MIGRATION_LOCK: i64 = 0x7665_7374_6e69_6b01;
/// The advisory lock that serializes syncs of the plans ("vestnik" and 2).
const SYNC_LOCK: i64 = 0x7665_7374_6e69_6b02;

/// The advisory lock under which daemons share the tokens out ("vestnik" and 3).
const TOKEN_LOCK: i64 = 0x7665_7374_6e69_6b03;

/// The longest turn on a token between two renewals: a daemon that dies holds its tokens this
/// long at most (or its row lease, if shorter).
pub const TOKEN_LEASE: Duration = Duration::from_secs(60);

/// How long a token given back stays free of any holder: the requests its last holder sent
/// leave the networks' windows (Telegram's per-channel spacing is 3 s), so that the next
/// holder's requests never meet them.
pub const HANDOVER_GAP: Duration = Duration::from_secs(5);

/// The lease a daemon takes on a row it claims, unless configured otherwise.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(300);
/// The shortest and longest leases allowed.
pub const LEASE_BOUNDS: (Duration, Duration) = (Duration::from_secs(10), Duration::from_secs(3600));

/// Whether `ledger` (the `ledger:` of `vestnik.yaml`) names a PostgreSQL database.
pub fn is_url(ledger: &str) -> bool {
    ledger.starts_with("postgres://") || ledger.starts_with("postgresql://")
}

/// `url` with its password (in the authority or as a `password=` parameter) replaced by `***`.
pub fn redact(url: &str) -> String {
    let mut out = url.to_owned();
    if let Some(scheme_end) = out.find("://") {
        let rest = scheme_end + 3;
        let authority_end = out[rest..].find(['/', '?']).map_or(out.len(), |i| rest + i);
        if let Some(at) = out[rest..authority_end].rfind('@') {
            let userinfo = &out[rest..rest + at];
            if let Some(colon) = userinfo.find(':') {
                out.replace_range(rest + colon + 1..rest + at, "***");
            }
        }
    }
    if let Some(q) = out.find('?') {
        let (head, query) = out.split_at(q + 1);
        let query: Vec<String> = query
            .split('&')
            .map(|pair| {
                if pair.to_ascii_lowercase().starts_with("password=") {
                    "password=***".to_owned()
                } else {
                    pair.to_owned()
                }
            })
            .collect();
        out = format!("{head}{}", query.join("&"));
    }
    out
}

/// A ledger in a PostgreSQL database.
pub struct PostgresLedger {
    /// The connection; replaced by a new one when the server closed it (a restart, an outage),
    /// on the next call: nothing is retried, a call that failed stays failed.
    client: std::sync::Mutex<Arc<Client>>,
    /// The connection string, to connect again; never printed (it may carry a password).
    url: String,
    /// This ledger's owner id in leases.
    owner: String,
    /// The lease taken on a claimed row or a pending alert, in seconds.
    lease_secs: f64,
    /// The database, as errors name it (password redacted).
    target: String,
    /// The password, scrubbed from every message of the driver.
    password: Option<String>,
    /// Opened to read only: nothing is taken (no alert is handed out).
    read_only: bool,
    /// The tokens this daemon holds, once it takes turns ([`Ledger::hold_tokens`]): the rows
    /// of the other networks are neither due here nor claimed.
    tokens: Option<Vec<String>>,
    /// How long a token given back stays free of any holder, in seconds ([`HANDOVER_GAP`]).
    gap_secs: f64,
}

/// A failure inside a transaction: the driver's, or the ledger's own.
enum Fail {
    Db(tokio_postgres::Error),
    Ledger(LedgerError),
}

impl From<tokio_postgres::Error> for Fail {
    fn from(e: tokio_postgres::Error) -> Self {
        Fail::Db(e)
    }
}

impl From<LedgerError> for Fail {
    fn from(e: LedgerError) -> Self {
        Fail::Ledger(e)
    }
}

/// The driver's words for `e`, with what the server said when it said something.
fn words(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => {
            let mut s = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(inner) = source {
                s.push_str(": ");
                s.push_str(&inner.to_string());
                source = inner.source();
            }
            s
        }
    }
}

/// The selector of `ledger-reason` for a failure to connect.
fn failure_kind(e: &tokio_postgres::Error) -> &'static str {
    use tokio_postgres::error::SqlState;
    match e.code() {
        Some(c)
            if *c == SqlState::INVALID_PASSWORD
                || *c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION =>
        {
            "authentication"
        }
        Some(c) if *c == SqlState::INVALID_CATALOG_NAME => "no-database",
        Some(_) => "postgres",
        None => "unreachable",
    }
}

/// `text` with every occurrence of `password` replaced by `***`.
fn scrub(text: String, password: Option<&str>) -> String {
    match password {
        Some(p) if !p.is_empty() && text.contains(p) => text.replace(p, "***"),
        _ => text,
    }
}

/// An owner id for leases: the host, the process and a random part (two ledgers of one process
/// are two owners).
fn owner_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "host".to_owned());
    let mut seed = Vec::new();
    seed.extend_from_slice(&std::process::id().to_le_bytes());
    seed.extend_from_slice(&Timestamp::now().as_nanosecond().to_le_bytes());
    let local = 0u8;
    seed.extend_from_slice(&(&raw const local as usize).to_le_bytes());
    static COUNT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    seed.extend_from_slice(&n.to_le_bytes());
    let random = blake3::hash(&seed).to_hex();
    format!("{host}:{}:{}", std::process::id(), &random.as_str()[..8])
}

/// How the ledger is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Created or migrated as needed.
    Write,
    /// Read only: neither created nor migrated.
    Read,
}

/// A client of the database at `url` whose connection a thread of its own drives (see the
/// module's doc), with the database as errors name it and the password to scrub.
///
/// Fails when the address cannot be read or the server cannot be reached.
pub(super) fn connect(url: &str) -> Result<(Client, String, Option<String>), LedgerError> {
    let target = redact(url);
    let opened = |kind: &'static str, error: String| LedgerError::Open {
        path: target.clone(),
        kind,
        error,
    };
    let mut config: tokio_postgres::Config = url
        .parse()
        .map_err(|_| opened("bad-address", String::new()))?;
    let password = config
        .get_password()
        .map(|p| String::from_utf8_lossy(p).into_owned());
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    config.application_name("vestnik");
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("vestnik-postgres".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = sender.send(Err(("other", e.to_string())));
                    return;
                }
            };
            runtime.block_on(async move {
                match config.connect(tokio_postgres::NoTls).await {
                    Ok((client, connection)) => {
                        let _ = sender.send(Ok(client));
                        // Runs until the client is dropped or the server goes away.
                        let _ = connection.await;
                    }
                    Err(e) => {
                        let _ = sender.send(Err((failure_kind(&e), words(&e))));
                    }
                }
            });
        })
        .map_err(|e| opened("other", e.to_string()))?;
    let client = match receiver.recv() {
        Ok(Ok(client)) => client,
        Ok(Err((kind, error))) => {
            return Err(opened(kind, scrub(error, password.as_deref())));
        }
        Err(_) => return Err(opened("other", String::new())),
    };
    Ok((client, target, password))
}

impl PostgresLedger {
    /// Opens the ledger in the database at `url` (`postgres://…`), creating or migrating its
    /// schema, for publishing or for any other writer (several may work on one database).
    ///
    /// Fails when the database cannot be reached, or was written by a newer vestnik.
    pub fn open(url: &str) -> Result<Self, LedgerError> {
        Self::connect(url, Mode::Write)
    }

    /// Opens the ledger at `url` to read it only (`vestnik status`, `vestnik report`): it is
    /// neither created nor migrated, and the session is read-only.
    ///
    /// Fails when the database cannot be reached, holds no ledger, or was written by a newer
    /// vestnik.
    pub fn open_read_only(url: &str) -> Result<Self, LedgerError> {
        Self::connect(url, Mode::Read)
    }

    /// This ledger with leases of `lease`, kept within [`LEASE_BOUNDS`].
    pub fn with_lease(self, lease: Duration) -> Self {
        let lease = lease.clamp(LEASE_BOUNDS.0, LEASE_BOUNDS.1);
        self.with_any_lease(lease)
    }

    /// This ledger with leases of `lease`, unbounded (tests of expiry).
    pub(crate) fn with_any_lease(mut self, lease: Duration) -> Self {
        self.lease_secs = lease.as_secs_f64();
        self
    }

    /// This ledger with tokens given back free after `gap` instead of [`HANDOVER_GAP`] (tests).
    #[cfg(test)]
    pub(crate) fn with_handover_gap(mut self, gap: Duration) -> Self {
        self.gap_secs = gap.as_secs_f64();
        self
    }

    /// This ledger's owner id in leases.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    fn connect(url: &str, mode: Mode) -> Result<Self, LedgerError> {
        let (client, target, password) = connect(url)?;
        let ledger = Self {
            client: std::sync::Mutex::new(Arc::new(client)),
            url: url.to_owned(),
            owner: owner_id(),
            lease_secs: DEFAULT_LEASE.as_secs_f64(),
            target,
            password,
            read_only: mode == Mode::Read,
            tokens: None,
            gap_secs: HANDOVER_GAP.as_secs_f64(),
        };
        match mode {
            Mode::Write => ledger.migrate()?,
            Mode::Read => {
                ledger.read_only_session(&*ledger.client()?)?;
                let found = ledger.schema_version()?;
                match found {
                    None => {
                        return Err(LedgerError::NotALedger {
                            path: ledger.target.clone(),
                        });
                    }
                    Some(found) => ledger.refuse_newer(found)?,
                }
            }
        }
        Ok(ledger)
    }

    /// Makes the session of `client` read-only.
    fn read_only_session(&self, client: &Client) -> Result<(), LedgerError> {
        self.wait(async {
            client
                .batch_execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
                .await?;
            Ok(())
        })
    }

    /// The connection, a new one when the server closed the last (a restart, an outage).
    ///
    /// Fails when the server cannot be reached.
    fn client(&self) -> Result<Arc<Client>, LedgerError> {
        let mut client = self
            .client
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if client.is_closed() {
            let (fresh, _, _) = connect(&self.url)?;
            if self.read_only {
                self.read_only_session(&fresh)?;
            }
            *client = Arc::new(fresh);
        }
        Ok(client.clone())
    }

    /// The schema version recorded, or `None` when the database holds no ledger.
    fn schema_version(&self) -> Result<Option<i64>, LedgerError> {
        let client = self.client()?;
        self.wait(async {
            let row = client
                .query_one("SELECT to_regclass('schema_version') IS NOT NULL", &[])
                .await?;
            if !row.get::<_, bool>(0) {
                return Ok(None);
            }
            let row = client
                .query_one("SELECT coalesce(max(version), 0) FROM schema_version", &[])
                .await?;
            Ok(Some(row.get(0)))
        })
    }

    fn refuse_newer(&self, found: i64) -> Result<(), LedgerError> {
        if found > SCHEMA_VERSION {
            return Err(LedgerError::Newer {
                path: self.target.clone(),
                found,
                known: SCHEMA_VERSION,
            });
        }
        Ok(())
    }

    /// Applies the migrations this database lacks, in one transaction under an advisory lock
    /// (several daemons starting at once migrate once).
    fn migrate(&self) -> Result<(), LedgerError> {
        self.tx(async |c| {
            c.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
                .await?;
            c.batch_execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT PRIMARY KEY, applied TIMESTAMPTZ NOT NULL DEFAULT now())",
            )
            .await?;
            let found: i64 = c
                .query_one("SELECT coalesce(max(version), 0) FROM schema_version", &[])
                .await?
                .get(0);
            self.refuse_newer(found)?;
            for (version, sql) in (1..).zip(MIGRATIONS) {
                if version > found {
                    c.batch_execute(sql).await?;
                    c.execute(
                        "INSERT INTO schema_version (version) VALUES ($1)",
                        &[&version],
                    )
                    .await?;
                }
            }
            Ok(())
        })
    }

    /// Waits for `work` on this thread (see the module's doc) and turns its failure into a
    /// [`LedgerError`] without the password.
    fn wait<T>(&self, work: impl Future<Output = Result<T, Fail>>) -> Result<T, LedgerError> {
        futures_executor::block_on(work).map_err(|f| match f {
            Fail::Db(e) => LedgerError::Storage(scrub(words(&e), self.password.as_deref())),
            Fail::Ledger(e) => e,
        })
    }

    /// Runs `body` in one transaction: committed when it succeeds, rolled back otherwise.
    fn tx<T>(&self, body: impl AsyncFnOnce(&Client) -> Result<T, Fail>) -> Result<T, LedgerError> {
        let client = self.client()?;
        self.wait(async {
            client.batch_execute("BEGIN").await?;
            match body(&*client).await {
                Ok(v) => {
                    client.batch_execute("COMMIT").await?;
                    Ok(v)
                }
                Err(e) => {
                    let _ = client.batch_execute("ROLLBACK").await;
                    Err(e)
                }
            }
        })
    }

    /// Runs one statement and returns how many rows it changed.
    fn execute(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64, LedgerError> {
        let client = self.client()?;
        self.wait(async { Ok(client.execute(sql, params).await?) })
    }

    /// Runs one query and returns its rows.
    fn query(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>, LedgerError> {
        let client = self.client()?;
        self.wait(async { Ok(client.query(sql, params).await?) })
    }

    /// Runs one query and calls `each` with its rows as they come, without holding them all.
    fn stream(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
        each: &mut dyn FnMut(&Row) -> Result<(), Fail>,
    ) -> Result<(), LedgerError> {
        let client = self.client()?;
        self.wait(async {
            let rows = client.query_raw(sql, params.iter().copied()).await?;
            let mut rows = std::pin::pin!(rows);
            while let Some(row) = rows.next().await {
                each(&row?)?;
            }
            Ok(())
        })
    }
}

/// A key's three columns, as parameters.
fn key_parts(key: &Key) -> (&str, &str, &'static str) {
    (key.org.as_str(), key.post.as_str(), key.network.key())
}

const COLUMNS: &str = "org, post, network, due_ms, next_try_ms, content, attempts, state, remote_id, url, reason, updated_ms, file, waiting_since_ms";

fn row_entry(r: &Row) -> Result<Entry, tokio_postgres::Error> {
    Ok(merge::Columns {
        org: r.try_get("org")?,
        post: r.try_get("post")?,
        network: r.try_get("network")?,
        due_ms: r.try_get("due_ms")?,
        next_try_ms: r.try_get("next_try_ms")?,
        content: r.try_get("content")?,
        attempts: r.try_get("attempts")?,
        state: r.try_get("state")?,
        remote_id: r.try_get("remote_id")?,
        url: r.try_get("url")?,
        reason: r.try_get("reason")?,
        updated_ms: r.try_get("updated_ms")?,
        file: r.try_get("file")?,
        waiting_since_ms: r.try_get("waiting_since_ms")?,
    }
    .entry())
}

fn entries(rows: &[Row]) -> Result<Vec<Entry>, LedgerError> {
    rows.iter()
        .map(row_entry)
        .collect::<Result<_, _>>()
        .map_err(|e| LedgerError::Storage(words(&e)))
}

/// Whether a row is free for this owner: under no lease, an expired one, or its own. The
/// database's clock decides (`now()`), so daemons with skewed clocks agree.
const FREE: &str = "(lease_until IS NULL OR lease_until < now() OR lease_owner = $me)";

/// `sql` with the owner's parameter `$me` numbered `n`.
fn with_owner(sql: &str, n: usize) -> String {
    sql.replace("$me", &format!("${n}"))
}

// The statements that write a planned row, each with the same parameters: $1 org, $2 post,
// $3 network, $4 due, $5 content hash, $6 state, $7 now, $8 file. A statement that keeps a
// column leaves its parameter unused, which PostgreSQL cannot type: each names its types. A
// row rewritten by a sync loses its lease, so a daemon that claimed it cannot mark it sending
// with the old plan.
const INSERT: &str = "INSERT INTO publication (org, post, network, due_ms, next_try_ms, content, state, updated_ms, file) VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING";
const UPDATE: &str = "UPDATE publication SET due_ms = $4, next_try_ms = CASE WHEN due_ms = $4 THEN next_try_ms ELSE $4 END, content = $5, state = $6, updated_ms = $7, file = $8, lease_owner = NULL, lease_until = NULL WHERE org = $1 AND post = $2 AND network = $3 AND state = 'scheduled'";
const REVIVE: &str = "UPDATE publication SET due_ms = $4, next_try_ms = $4, content = $5, state = $6, attempts = 0, reason = NULL, waiting_since_ms = NULL, updated_ms = $7, file = $8, lease_owner = NULL, lease_until = NULL WHERE org = $1 AND post = $2 AND network = $3 AND state IN ('cancelled', 'missed')";
const RESTORE: &str = "UPDATE publication SET state = $6, updated_ms = $7, file = $8 WHERE org = $1 AND post = $2 AND network = $3 AND state = 'cancelled' AND $4::bigint IS NOT NULL AND $5::text IS NOT NULL";
const EDITED: &str = "UPDATE publication SET due_ms = $4, content = $5, updated_ms = $7, file = $8 WHERE org = $1 AND post = $2 AND network = $3 AND $6::text IS NOT NULL";
const MOVED: &str = "UPDATE publication SET file = $8 WHERE org = $1 AND post = $2 AND network = $3 AND $4::bigint IS NOT NULL AND $5::text IS NOT NULL AND $6::text IS NOT NULL AND $7::bigint IS NOT NULL";

/// How many writes of a sync go to the server at once (pipelined on the one connection).
const SYNC_BATCH: usize = 512;

/// Writes what a sync decided, a batch at a time, pipelined on the connection. A row another
/// daemon changed meanwhile is not written (each statement names the state it expects) and not
/// reported.
async fn write_actions(
    c: &Client,
    actions: &[Action<'_>],
    now_ms: i64,
) -> Result<SyncReport, Fail> {
    let statements = [
        (Write::Insert, c.prepare(INSERT).await?),
        (Write::Update, c.prepare(UPDATE).await?),
        (Write::Revive, c.prepare(REVIVE).await?),
        (Write::Restore, c.prepare(RESTORE).await?),
        (Write::Edited, c.prepare(EDITED).await?),
        (Write::Moved, c.prepare(MOVED).await?),
    ];
    let cancel = c
        .prepare("UPDATE publication SET state = $5, updated_ms = $4, lease_owner = NULL, lease_until = NULL WHERE org = $1 AND post = $2 AND network = $3 AND state = 'scheduled'")
        .await?;
    let mut report = SyncReport::default();
    for batch in actions.chunks(SYNC_BATCH) {
        let mut writes = Vec::with_capacity(batch.len());
        for a in batch {
            let statement = match a.planned() {
                None => &cancel,
                Some((_, write, _, _)) => statements
                    .iter()
                    .find(|(w, _)| *w == write)
                    .map(|(_, s)| s)
                    .unwrap_or(&cancel),
            };
            writes.push(async move {
                match a {
                    Action::Cancel(key) | Action::Miss(key) => {
                        let (o, p, n) = key_parts(key);
                        let to = if matches!(a, Action::Miss(_)) {
                            "missed"
                        } else {
                            "cancelled"
                        };
                        c.execute(statement, &[&o, &p, &n, &now_ms, &to]).await
                    }
                    _ => {
                        let Some((p, _, state, _)) = a.planned() else {
                            return Ok(0);
                        };
                        let content = p.content.to_string();
                        c.execute(
                            statement,
                            &[
                                &p.org.as_str(),
                                &p.post.as_str(),
                                &p.network.key(),
                                &ms(p.due),
                                &content,
                                &state,
                                &now_ms,
                                &&*p.file,
                            ],
                        )
                        .await
                    }
                }
            });
        }
        let written = futures_util::future::try_join_all(writes).await?;
        // A row another daemon changed meanwhile (sent, or synced) is not reported.
        for (a, n) in batch.iter().zip(written) {
            if n == 0 {
                continue;
            }
            match a {
                Action::Cancel(key) => report.cancelled.push((**key).clone()),
                Action::Miss(key) => report.missed.push((**key).clone()),
                _ => {
                    if let Some((p, _, _, tally)) = a.planned() {
                        tally.count(p, &mut report);
                    }
                }
            }
        }
    }
    Ok(report)
}

impl Ledger for PostgresLedger {
    fn sync(
        &mut self,
        planned: &[Planned],
        keep: &dyn Fn(&Entry) -> bool,
        now: Timestamp,
        grace: SignedDuration,
    ) -> Result<SyncReport, LedgerError> {
        let now_ms = ms(now);
        self.tx(async |c| {
            // Two daemons syncing the same change: the second waits here, then reads what the
            // first wrote and finds nothing to do.
            c.execute("SELECT pg_advisory_xact_lock($1)", &[&SYNC_LOCK])
                .await?;
            let rows = c
                .query(
                    &format!("SELECT {COLUMNS} FROM publication ORDER BY org, post, network"),
                    &[],
                )
                .await?;
            let actions = merge::actions(planned, rows.iter().map(row_entry), keep, now, grace)?;
            drop(rows);
            write_actions(c, &actions, now_ms).await
        })
    }

    fn sync_files(
        &mut self,
        planned: &[Planned],
        files: &[Arc<str>],
        keep: &dyn Fn(&Entry) -> bool,
        now: Timestamp,
        grace: SignedDuration,
    ) -> Result<SyncReport, LedgerError> {
        let now_ms = ms(now);
        let late = ms(now.checked_sub(grace).unwrap_or(now));
        let (mut actions_conflicts, mut report) = (None, SyncReport::default());
        self.tx(async |c| {
            c.execute("SELECT pg_advisory_xact_lock($1)", &[&SYNC_LOCK])
                .await?;
            let names: Vec<&str> = files.iter().map(|f| &**f).collect();
            let mut rows = std::collections::BTreeMap::new();
            for r in c
                .query(
                    &format!("SELECT {COLUMNS} FROM publication WHERE file = ANY($1)"),
                    &[&names],
                )
                .await?
            {
                let e = row_entry(&r)?;
                rows.insert(e.key.clone(), e);
            }
            // The rows of the planned keys, in one query.
            let orgs: Vec<&str> = planned.iter().map(|p| p.org.as_str()).collect();
            let posts: Vec<&str> = planned.iter().map(|p| p.post.as_str()).collect();
            let networks: Vec<&str> = planned.iter().map(|p| p.network.key()).collect();
            let mut keyed = std::collections::HashMap::new();
            for r in c
                .query(
                    &format!(
                        "SELECT {COLUMNS} FROM publication JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(org, post, network) USING (org, post, network)"
                    ),
                    &[&orgs, &posts, &networks],
                )
                .await?
            {
                let e = row_entry(&r)?;
                keyed.insert(e.key.clone(), e);
            }
            let mut waited = Vec::new();
            for r in c
                .query(
                    &format!(
                        "SELECT {COLUMNS} FROM publication WHERE state = 'scheduled' AND next_try_ms < $1"
                    ),
                    &[&late],
                )
                .await?
            {
                waited.push(row_entry(&r)?);
            }
            let (actions, conflicts) = merge::file_actions::<tokio_postgres::Error>(
                planned,
                files,
                rows,
                |p| Ok(keyed.remove(&p.key())),
                |_| Ok(waited),
                keep,
                now,
                grace,
            )?;
            report = write_actions(c, &actions, now_ms).await?;
            actions_conflicts = Some(conflicts);
            Ok(())
        })?;
        report.conflicts = actions_conflicts.unwrap_or_default();
        Ok(report)
    }

    fn files_from(&self, from: &str, limit: usize) -> Result<Vec<String>, LedgerError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        // Bytewise (`file` is `COLLATE "C"`), as SQLite orders paths.
        let rows = self.query(
            "SELECT DISTINCT file FROM publication WHERE file >= $1 ORDER BY file LIMIT $2",
            &[&from, &limit],
        )?;
        Ok(rows
            .iter()
            .filter_map(|r| r.get::<_, Option<String>>(0))
            .collect())
    }

    fn next_due(&self) -> Result<Option<Timestamp>, LedgerError> {
        self.next_due_after(Timestamp::MIN)
    }

    fn next_due_after(&self, after: Timestamp) -> Result<Option<Timestamp>, LedgerError> {
        // A row under another owner's live lease is not due before the lease ends. Two short
        // index reads, not one scan of every row to come (the daemon asks after each
        // publication): the first free row in time order, and the few rows under a lease.
        let sql = with_owner(
            &format!(
                "SELECT least(\
                 (SELECT next_try_ms FROM publication WHERE state = 'scheduled' AND next_try_ms > $1 \
                  AND ($3::text[] IS NULL OR network = ANY($3)) AND {FREE} \
                  ORDER BY state, next_try_ms LIMIT 1), \
                 (SELECT min(greatest(next_try_ms, (extract(epoch FROM lease_until) * 1000)::bigint)) \
                  FROM publication WHERE lease_owner IS NOT NULL AND lease_until >= now() AND lease_owner <> $me \
                  AND state = 'scheduled' AND next_try_ms > $1 AND ($3::text[] IS NULL OR network = ANY($3))))"
            ),
            2,
        );
        let rows = self.query(&sql, &[&ms(after), &self.owner, &self.tokens])?;
        Ok(rows
            .first()
            .and_then(|r| r.get::<_, Option<i64>>(0))
            .map(ts))
    }

    fn due(&self, now: Timestamp, limit: usize) -> Result<Vec<Entry>, LedgerError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let sql = with_owner(
            &format!(
                "SELECT {COLUMNS} FROM publication WHERE state = 'scheduled' AND next_try_ms <= $1 AND {FREE} \
                 AND ($4::text[] IS NULL OR network = ANY($4)) \
                 ORDER BY next_try_ms, org, post, network LIMIT $2"
            ),
            3,
        );
        entries(&self.query(&sql, &[&ms(now), &limit, &self.owner, &self.tokens])?)
    }

    fn claim(&mut self, key: &Key, now: Timestamp) -> Result<Option<Entry>, LedgerError> {
        // One statement: of two daemons claiming at once, the second finds the first's lease.
        let (o, p, n) = key_parts(key);
        let sql = with_owner(
            &format!(
                "UPDATE publication SET lease_owner = $me, lease_until = now() + make_interval(secs => $5) \
                 WHERE org = $1 AND post = $2 AND network = $3 AND state = 'scheduled' AND next_try_ms <= $4 AND {FREE} \
                 AND ($7::text[] IS NULL OR network = ANY($7)) \
                 RETURNING {COLUMNS}"
            ),
            6,
        );
        let rows = self.query(
            &sql,
            &[
                &o,
                &p,
                &n,
                &ms(now),
                &self.lease_secs,
                &self.owner,
                &self.tokens,
            ],
        )?;
        Ok(entries(&rows)?.into_iter().next())
    }

    fn mark_sending(&mut self, key: &Key, now: Timestamp) -> Result<bool, LedgerError> {
        // Only while this owner's lease lives; the lease is extended over the request, so that
        // `recover` elsewhere leaves the row alone while it may be in flight. A daemon taking
        // turns on the tokens needs its turn on this row's token too: one that was paused past
        // its turn sends nothing through a token another daemon holds now.
        let (o, p, n) = key_parts(key);
        let turns = self.tokens.is_some();
        let changed = self.execute(
            "UPDATE publication SET state = 'sending', updated_ms = $4, lease_until = now() + make_interval(secs => $5) \
             WHERE org = $1 AND post = $2 AND network = $3 AND state = 'scheduled' AND lease_owner = $6 AND lease_until >= now() \
             AND (NOT $7 OR EXISTS (SELECT 1 FROM token_lease t WHERE t.name = $3 AND t.owner = $6 AND t.until >= now()))",
            &[&o, &p, &n, &ms(now), &self.lease_secs, &self.owner, &turns],
        )?;
        Ok(changed == 1)
    }

    fn set_next_try(
        &mut self,
        key: &Key,
        at: Timestamp,
        why: Option<&str>,
        now: Timestamp,
    ) -> Result<(), LedgerError> {
        let (o, p, n) = key_parts(key);
        self.execute(
            "UPDATE publication SET next_try_ms = $4, reason = coalesce($5::text, reason), \
             waiting_since_ms = CASE WHEN $5::text IS NULL OR (reason IS NOT DISTINCT FROM $5::text AND waiting_since_ms IS NOT NULL) THEN waiting_since_ms ELSE $6 END, \
             lease_owner = NULL, lease_until = NULL \
             WHERE org = $1 AND post = $2 AND network = $3 AND state = 'scheduled'",
            &[&o, &p, &n, &ms(at), &why, &ms(now)],
        )
        .map(|_| ())
    }

    fn finish(
        &mut self,
        key: &Key,
        outcome: Outcome,
        answered: bool,
        at: Timestamp,
    ) -> Result<(), LedgerError> {
        let (o, p, n) = key_parts(key);
        let owner = &self.owner;
        self.tx(async |c| {
            let row = c
                .query_opt(
                    "SELECT state, lease_owner IS NOT NULL AND lease_owner <> $4 AND lease_until >= now() \
                     FROM publication WHERE org = $1 AND post = $2 AND network = $3 FOR UPDATE",
                    &[&o, &p, &n, owner],
                )
                .await?;
            let state: Option<String> = row.as_ref().map(|r| r.get(0));
            let to = merge::finish_to(key, state.as_deref(), &outcome)?;
            // Another daemon took the row after this one's lease ran out (a VK row recovered and
            // claimed again): its attempt decides, not this late answer.
            if row.as_ref().is_some_and(|r| r.get::<_, bool>(1)) {
                return Err(LedgerError::Transition {
                    key: key.clone(),
                    from: "leased by another daemon",
                    to,
                }
                .into());
            }
            let attempts: i64 = i64::from(answered);
            // The lease is released whatever the outcome.
            match &outcome {
                Outcome::Published { remote_id, url } => c.execute(
                    "UPDATE publication SET state = 'published', remote_id = $4, url = $5, reason = NULL, waiting_since_ms = NULL, updated_ms = $6, attempts = attempts + $7, lease_owner = NULL, lease_until = NULL WHERE org = $1 AND post = $2 AND network = $3",
                    &[&o, &p, &n, remote_id, url, &ms(at), &attempts],
                )
                .await?,
                // The reason and its start are kept while the same reason repeats.
                Outcome::Retry { at: retry, why } => c.execute(
                    "UPDATE publication SET state = 'scheduled', next_try_ms = $4, updated_ms = $5, reason = $6::text, \
                     waiting_since_ms = CASE WHEN $6::text IS NULL THEN NULL WHEN reason IS NOT DISTINCT FROM $6::text AND waiting_since_ms IS NOT NULL THEN waiting_since_ms ELSE $5 END, \
                     attempts = attempts + $7, lease_owner = NULL, lease_until = NULL \
                     WHERE org = $1 AND post = $2 AND network = $3",
                    &[&o, &p, &n, &ms(*retry), &ms(at), why, &attempts],
                )
                .await?,
                Outcome::Failed(reason) | Outcome::Uncertain(reason) => c.execute(
                    "UPDATE publication SET state = $4, reason = $5, waiting_since_ms = NULL, updated_ms = $6, attempts = attempts + $7, lease_owner = NULL, lease_until = NULL WHERE org = $1 AND post = $2 AND network = $3",
                    &[&o, &p, &n, &to, reason, &ms(at), &attempts],
                )
                .await?,
            };
            Ok(())
        })
    }

    fn shared(&self) -> bool {
        true
    }

    fn hold_tokens(&mut self, tokens: &[&str]) -> Result<Holding, LedgerError> {
        let turn = TOKEN_LEASE.as_secs_f64().min(self.lease_secs);
        let gap = self.gap_secs;
        let mut names: Vec<String> = tokens.iter().map(|t| (*t).to_owned()).collect();
        names.sort();
        names.dedup();
        let owner = self.owner.clone();
        let held = self.tx(async |c| {
            // One daemon shares out at a time: each sees the others' turns as they are.
            c.execute("SELECT pg_advisory_xact_lock($1)", &[&TOKEN_LOCK])
                .await?;
            c.execute(
                "INSERT INTO token_holder (owner, until) VALUES ($1, now() + make_interval(secs => $2)) \
                 ON CONFLICT (owner) DO UPDATE SET until = excluded.until",
                &[&owner, &turn],
            )
            .await?;
            c.execute(
                "DELETE FROM token_holder WHERE until < now() - interval '1 day'",
                &[],
            )
            .await?;
            let alive: i64 = c
                .query_one("SELECT count(*) FROM token_holder WHERE until >= now()", &[])
                .await?
                .try_get(0)?;
            let rows = c
                .query(
                    "SELECT name, owner, until >= now() FROM token_lease WHERE name = ANY($1)",
                    &[&names],
                )
                .await?;
            let mut mine = Vec::new();
            let mut busy = std::collections::HashSet::new();
            for r in &rows {
                let (name, holder, live): (String, String, bool) =
                    (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
                if !live {
                    continue;
                }
                if holder == owner {
                    mine.push(name);
                } else {
                    busy.insert(name);
                }
            }
            mine.sort();
            let share = names
                .len()
                .div_ceil(usize::try_from(alive).unwrap_or(1).max(1));
            // More than a fair share (others started): the last ones go back, free after the gap.
            let extra = mine.split_off(share.min(mine.len()));
            if !extra.is_empty() {
                c.execute(
                    "UPDATE token_lease SET owner = '', until = now() + make_interval(secs => $3) \
                     WHERE name = ANY($1) AND owner = $2",
                    &[&extra, &owner, &gap],
                )
                .await?;
            }
            for name in &names {
                if mine.len() >= share {
                    break;
                }
                if mine.contains(name) || busy.contains(name) || extra.contains(name) {
                    continue;
                }
                let got = c
                    .query(
                        "INSERT INTO token_lease (name, owner, until) VALUES ($1, $2, now() + make_interval(secs => $3)) \
                         ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, until = excluded.until \
                         WHERE token_lease.until < now() RETURNING name",
                        &[name, &owner, &turn],
                    )
                    .await?;
                if !got.is_empty() {
                    mine.push(name.clone());
                }
            }
            c.execute(
                "UPDATE token_lease SET until = now() + make_interval(secs => $3) WHERE owner = $1 AND name = ANY($2)",
                &[&owner, &mine, &turn],
            )
            .await?;
            mine.sort();
            Ok(mine)
        })?;
        self.tokens = Some(held.clone());
        Ok(Holding {
            held,
            renew_in: Some(Duration::from_secs_f64(turn / 3.0)),
        })
    }

    fn release_tokens(&mut self) -> Result<(), LedgerError> {
        let gap = self.gap_secs;
        let owner = self.owner.clone();
        self.tx(async |c| {
            c.execute(
                "UPDATE token_lease SET owner = '', until = now() + make_interval(secs => $2) WHERE owner = $1",
                &[&owner, &gap],
            )
            .await?;
            c.execute("DELETE FROM token_holder WHERE owner = $1", &[&owner])
                .await?;
            Ok(())
        })?;
        self.tokens = Some(Vec::new());
        Ok(())
    }

    fn recover(&mut self) -> Result<Vec<Entry>, LedgerError> {
        // Only rows whose lease has expired: a live daemon's `sending` rows are its own. A row
        // another daemon is recovering right now is skipped, not waited for.
        let reason_of =
            |network: Network| crate::t!("reason-stopped", network = network.to_string());
        self.tx(async |c| {
            let rows = c
                .query(
                    &format!(
                        "SELECT {COLUMNS} FROM publication WHERE state = 'sending' AND (lease_until IS NULL OR lease_until < now()) FOR UPDATE SKIP LOCKED"
                    ),
                    &[],
                )
                .await?;
            let mut uncertain = Vec::new();
            for row in &rows {
                let mut e = row_entry(row)?;
                let (o, p, n) = key_parts(&e.key);
                if super::deduplicates(e.key.network) {
                    c.execute(
                        "UPDATE publication SET state = 'scheduled', lease_owner = NULL, lease_until = NULL WHERE org = $1 AND post = $2 AND network = $3",
                        &[&o, &p, &n],
                    )
                    .await?;
                } else {
                    let reason = reason_of(e.key.network);
                    c.execute(
                        "UPDATE publication SET state = 'uncertain', reason = $4, lease_owner = NULL, lease_until = NULL WHERE org = $1 AND post = $2 AND network = $3",
                        &[&o, &p, &n, &reason],
                    )
                    .await?;
                    e.state = State::Uncertain { reason };
                    uncertain.push(e);
                }
            }
            Ok(uncertain)
        })
    }

    fn depth(&self) -> Result<Vec<(Network, u64)>, LedgerError> {
        let rows = self.query(
            "SELECT network, count(*) FROM publication WHERE state = 'scheduled' GROUP BY network",
            &[],
        )?;
        let mut out: Vec<(Network, u64)> = Network::ALL.iter().map(|n| (*n, 0)).collect();
        for r in rows {
            let net: String = r.get(0);
            if let Some(slot) = out.iter_mut().find(|(k, _)| k.key() == net) {
                slot.1 = u64::try_from(r.get::<_, i64>(1)).unwrap_or(0);
            }
        }
        Ok(out)
    }

    fn raise(&mut self, alerts: &[Alert], now: Timestamp) -> Result<Vec<Alert>, LedgerError> {
        self.tx(async |c| {
            let mut new = Vec::new();
            for a in alerts {
                let org = a.org.as_ref().map(|o| o.as_str());
                let n = c
                    .execute(
                        "INSERT INTO alert (id, org, text, raised_ms) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                        &[&a.id, &org, &a.text, &ms(now)],
                    )
                    .await?;
                if n == 1 {
                    new.push(a.clone());
                }
            }
            Ok(new)
        })
    }

    fn pending_alerts(&self) -> Result<Vec<Alert>, LedgerError> {
        // Each pending alert is handed to one owner at a time, under a lease: two daemons never
        // deliver the same alert at once, and one that died leaves its alerts to the others.
        if self.read_only {
            let rows = self.query(
                "SELECT id, org, text, raised_ms FROM alert WHERE sent_ms IS NULL ORDER BY raised_ms, id",
                &[],
            )?;
            return Ok(rows.iter().map(|r| row_alert(r).1).collect());
        }
        let rows = self.query(
            "UPDATE alert SET sending_owner = $1, sending_until = now() + make_interval(secs => $2) \
             WHERE id IN (SELECT id FROM alert WHERE sent_ms IS NULL \
                 AND (sending_until IS NULL OR sending_until < now() OR sending_owner = $1) \
                 ORDER BY raised_ms, id FOR UPDATE SKIP LOCKED) \
             RETURNING id, org, text, raised_ms",
            &[&self.owner, &self.lease_secs],
        )?;
        let mut out: Vec<(i64, Alert)> = rows.iter().map(row_alert).collect();
        out.sort_by(|a, b| (a.0, &a.1.id).cmp(&(b.0, &b.1.id)));
        Ok(out.into_iter().map(|(_, a)| a).collect())
    }

    fn alert_sent(&mut self, id: &str, now: Timestamp) -> Result<(), LedgerError> {
        self.execute(
            "UPDATE alert SET sent_ms = $2, sending_owner = NULL, sending_until = NULL WHERE id = $1",
            &[&id, &ms(now)],
        )
        .map(|_| ())
    }

    fn forget_alert(&mut self, id: &str) -> Result<(), LedgerError> {
        self.execute("DELETE FROM alert WHERE id = $1", &[&id])
            .map(|_| ())
    }

    fn meta(&self, key: &str) -> Result<Option<String>, LedgerError> {
        let rows = self.query("SELECT value FROM meta WHERE key = $1", &[&key])?;
        Ok(rows.first().map(|r| r.get(0)))
    }

    fn set_meta(&mut self, key: &str, value: &str) -> Result<(), LedgerError> {
        self.execute(SET_META, &[&key, &value]).map(|_| ())
    }

    fn resolve(&mut self, key: &Key, resend: bool, now: Timestamp) -> Result<bool, LedgerError> {
        let (o, p, n) = key_parts(key);
        let sql = if resend {
            "UPDATE publication SET state = 'scheduled', next_try_ms = $4, attempts = 0, reason = NULL, waiting_since_ms = NULL, updated_ms = $4, lease_owner = NULL, lease_until = NULL WHERE org = $1 AND post = $2 AND network = $3 AND state IN ('uncertain', 'failed')"
        } else {
            "UPDATE publication SET state = 'published', reason = NULL, remote_id = coalesce(remote_id, ''), updated_ms = $4 WHERE org = $1 AND post = $2 AND network = $3 AND state IN ('uncertain', 'failed')"
        };
        Ok(self.execute(sql, &[&o, &p, &n, &ms(now)])? == 1)
    }

    fn resolve_published(
        &mut self,
        key: &Key,
        remote_id: &str,
        url: Option<&str>,
        now: Timestamp,
    ) -> Result<bool, LedgerError> {
        let (o, p, n) = key_parts(key);
        Ok(self.execute(
            "UPDATE publication SET state = 'published', reason = NULL, remote_id = $4, url = $5, updated_ms = $6 WHERE org = $1 AND post = $2 AND network = $3 AND state = 'uncertain'",
            &[&o, &p, &n, &remote_id, &url, &ms(now)],
        )? == 1)
    }

    fn published_counts(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<(String, Network, u32)>, LedgerError> {
        let rows = self.query(
            "SELECT org, network, count(*) FROM publication WHERE state = 'published' AND due_ms >= $1 AND due_ms < $2 GROUP BY org, network",
            &[&ms(from), &ms(to)],
        )?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                let net = Network::from_key(r.get(1))?;
                Some((r.get(0), net, count(r.get(2))))
            })
            .collect())
    }

    fn entries(&self) -> Result<Vec<Entry>, LedgerError> {
        entries(&self.query(
            &format!("SELECT {COLUMNS} FROM publication ORDER BY due_ms, org, post, network"),
            &[],
        )?)
    }

    fn visit_due(
        &self,
        from: Timestamp,
        to: Timestamp,
        visit: &mut dyn FnMut(&str, Network, Timestamp, &str),
    ) -> Result<(), LedgerError> {
        self.stream(
            "SELECT org, network, due_ms, state FROM publication WHERE due_ms >= $1 AND due_ms < $2",
            &[&ms(from), &ms(to)],
            &mut |r| {
                if let Some(network) = Network::from_key(r.try_get(1)?) {
                    visit(r.try_get(0)?, network, ts(r.try_get(2)?), r.try_get(3)?);
                }
                Ok(())
            },
        )
    }

    fn published_since(&self, since: Timestamp) -> Result<Vec<Entry>, LedgerError> {
        entries(&self.query(
            &format!(
                "SELECT {COLUMNS} FROM publication WHERE state = 'published' AND due_ms >= $1 ORDER BY due_ms"
            ),
            &[&ms(since)],
        )?)
    }

    fn unjudged(
        &self,
        network: Network,
        page: &str,
        comments: &[(String, String)],
    ) -> Result<Vec<usize>, LedgerError> {
        let ids: Vec<&str> = comments.iter().map(|(c, _)| c.as_str()).collect();
        let rows = self.query(
            "SELECT comment, text_hash FROM judged WHERE network = $1 AND page = $2 AND comment = ANY($3)",
            &[&network.key(), &page, &ids],
        )?;
        let known: std::collections::HashMap<String, String> =
            rows.iter().map(|r| (r.get(0), r.get(1))).collect();
        Ok(comments
            .iter()
            .enumerate()
            .filter(|(_, (c, hash))| known.get(c) != Some(hash))
            .map(|(i, _)| i)
            .collect())
    }

    fn judged(
        &mut self,
        network: Network,
        page: &str,
        comments: &[(String, String)],
        now: Timestamp,
    ) -> Result<(), LedgerError> {
        self.tx(async |c| {
            let stmt = c
                .prepare(
                    "INSERT INTO judged (network, page, comment, text_hash, at_ms) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (network, page, comment) DO UPDATE SET text_hash = excluded.text_hash, at_ms = excluded.at_ms",
                )
                .await?;
            for (comment, hash) in comments {
                c.execute(&stmt, &[&network.key(), &page, comment, hash, &ms(now)])
                    .await?;
            }
            Ok(())
        })
    }

    fn forget_judged(&mut self, before: Timestamp) -> Result<usize, LedgerError> {
        let n = self.execute("DELETE FROM judged WHERE at_ms < $1", &[&ms(before)])?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    fn journal(&mut self, a: &NewAction) -> Result<Option<i64>, LedgerError> {
        let rows = self.query(
            "INSERT INTO moderation (org, network, page, thread, comment, author, category, rule, verdict, action, excerpt, at_ms, by_whom) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT DO NOTHING RETURNING id",
            &[
                &a.org,
                &a.at.network.key(),
                &a.at.page,
                &a.at.thread,
                &a.at.comment,
                &a.author,
                &a.category,
                &a.rule,
                &a.verdict,
                &a.action.key(),
                &a.excerpt,
                &ms(a.when),
                &a.by,
            ],
        )?;
        Ok(rows.first().map(|r| r.get(0)))
    }

    fn moderation_counts(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<(String, u32, u32)>, LedgerError> {
        let rows = self.query(
            "SELECT org, count(*) FILTER (WHERE action = 'deleted'), count(*) FILTER (WHERE action = 'reported') \
             FROM moderation WHERE at_ms >= $1 AND at_ms < $2 GROUP BY org ORDER BY org COLLATE \"C\"",
            &[&ms(from), &ms(to)],
        )?;
        Ok(rows
            .iter()
            .map(|r| (r.get(0), count(r.get(1)), count(r.get(2))))
            .collect())
    }

    fn moderation_log(
        &self,
        org: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Moderated>, LedgerError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self.query(
            &format!(
                "SELECT {JOURNAL} FROM moderation WHERE $1::text IS NULL OR org = $1::text ORDER BY id DESC LIMIT $2"
            ),
            &[&org, &limit],
        )?;
        Ok(rows.iter().map(row_moderated).collect())
    }

    fn moderated(&self, id: i64) -> Result<Option<Moderated>, LedgerError> {
        let rows = self.query(
            &format!("SELECT {JOURNAL} FROM moderation WHERE id = $1"),
            &[&id],
        )?;
        Ok(rows.first().map(row_moderated))
    }

    fn restored(&mut self, id: i64, now: Timestamp, by: &str) -> Result<bool, LedgerError> {
        Ok(self.execute(
            "UPDATE moderation SET restored_ms = $2, restored_by = $3 WHERE id = $1 AND action = 'deleted' AND restored_ms IS NULL",
            &[&id, &ms(now), &by],
        )? > 0)
    }

    fn receive(
        &mut self,
        comments: &[Inbound],
        posts: &[ObservedPost],
        offset_key: &str,
        offset: &str,
    ) -> Result<(), LedgerError> {
        let now = ms(Timestamp::now());
        self.tx(async |c| {
            for m in comments {
                c.execute(
                    "INSERT INTO inbox (network, page, thread, comment, author, text, date_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    &[
                        &m.at.network.key(),
                        &m.at.page,
                        &m.at.thread,
                        &m.at.comment,
                        &m.author,
                        &m.text,
                        &ms(m.date),
                    ],
                )
                .await?;
            }
            for p in posts {
                observe_one(c, p, now).await?;
            }
            c.execute(SET_META, &[&offset_key, &offset]).await?;
            Ok(())
        })
    }

    fn inbox(&self, limit: usize) -> Result<Vec<(i64, Inbound)>, LedgerError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self.query(
            "SELECT id, network, page, thread, comment, author, text, date_ms FROM inbox ORDER BY id LIMIT $1",
            &[&limit],
        )?;
        Ok(rows
            .iter()
            .map(|r| {
                (
                    r.get(0),
                    Inbound {
                        at: CommentRef {
                            network: Network::from_key(r.get(1)).unwrap_or(Network::Telegram),
                            page: r.get(2),
                            thread: r.get(3),
                            comment: r.get(4),
                        },
                        author: r.get(5),
                        text: r.get(6),
                        date: ts(r.get(7)),
                    },
                )
            })
            .collect())
    }

    fn inbox_done(&mut self, ids: &[i64]) -> Result<(), LedgerError> {
        self.execute("DELETE FROM inbox WHERE id = ANY($1)", &[&ids])
            .map(|_| ())
    }

    fn observe(&mut self, posts: &[ObservedPost], now: Timestamp) -> Result<usize, LedgerError> {
        self.tx(async |c| {
            let mut new = 0;
            for p in posts {
                if observe_one(c, p, ms(now)).await? {
                    new += 1;
                }
            }
            Ok(new)
        })
    }

    fn observed(
        &self,
        network: Network,
        page: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<ObservedPost>, LedgerError> {
        let rows = self.query(
            "SELECT remote_id, at_ms, source, excerpt FROM observed WHERE network = $1 AND page = $2 AND at_ms >= $3 AND at_ms < $4 ORDER BY at_ms, remote_id",
            &[&network.key(), &page, &ms(from), &ms(to)],
        )?;
        Ok(rows
            .iter()
            .map(|r| ObservedPost {
                network,
                page: page.to_owned(),
                remote_id: r.get(0),
                at: ts(r.get(1)),
                source: Source::from_key(r.get(2)),
                excerpt: r.get(3),
            })
            .collect())
    }

    fn visit_observed(
        &self,
        from: Timestamp,
        to: Timestamp,
        visit: &mut dyn FnMut(Network, &str, Timestamp, &str),
    ) -> Result<(), LedgerError> {
        self.stream(
            "SELECT network, page, at_ms, source FROM observed WHERE at_ms >= $1 AND at_ms < $2",
            &[&ms(from), &ms(to)],
            &mut |r| {
                if let Some(network) = Network::from_key(r.try_get(0)?) {
                    visit(network, r.try_get(1)?, ts(r.try_get(2)?), r.try_get(3)?);
                }
                Ok(())
            },
        )
    }

    fn snapshot(&mut self, p: &PageProfile) -> Result<(), LedgerError> {
        let accessible = !matches!(
            p.access,
            Access::NotFound | Access::Closed | Access::TokenRefused
        );
        self.execute(
            "INSERT INTO profile (network, page, at_ms, access, found, accessible, admin, detail, verified, description, address, map, phones, hours, links) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
             ON CONFLICT (network, page, at_ms) DO UPDATE SET access = excluded.access, found = excluded.found, accessible = excluded.accessible, admin = excluded.admin, \
             detail = excluded.detail, verified = excluded.verified, description = excluded.description, address = excluded.address, map = excluded.map, \
             phones = excluded.phones, hours = excluded.hours, links = excluded.links",
            &[
                &p.network.key(),
                &p.page,
                &ms(p.at),
                &p.access.key(),
                &p.access.found(),
                &accessible,
                &p.access.read(),
                &p.detail,
                &p.verified,
                &p.description,
                &p.address,
                &p.map,
                &p.phones.join("\n"),
                &p.hours,
                &p.links.join("\n"),
            ],
        )
        .map(|_| ())
    }

    fn last_snapshot(
        &self,
        network: Network,
        page: &str,
    ) -> Result<Option<PageProfile>, LedgerError> {
        let lines = |s: String| -> Vec<String> {
            s.split('\n')
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let rows = self.query(
            "SELECT at_ms, access, detail, verified, description, address, map, phones, hours, links FROM profile WHERE network = $1 AND page = $2 ORDER BY at_ms DESC LIMIT 1",
            &[&network.key(), &page],
        )?;
        Ok(rows.first().map(|r| PageProfile {
            network,
            page: page.to_owned(),
            at: ts(r.get(0)),
            access: Access::from_key(r.get(1)),
            detail: r.get(2),
            verified: r.get(3),
            description: r.get(4),
            address: r.get(5),
            map: r.get(6),
            phones: lines(r.get(7)),
            hours: r.get(8),
            links: lines(r.get(9)),
        }))
    }
}

/// An alert and when it was raised, from `id, org, text, raised_ms`.
fn row_alert(r: &Row) -> (i64, Alert) {
    (
        r.get(3),
        Alert {
            id: r.get(0),
            org: r.get::<_, Option<String>>(1).map(Into::into),
            text: r.get(2),
        },
    )
}

const SET_META: &str = "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value";

/// A count from the database as the trait returns it.
fn count(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Keeps an observed post once per page and remote id; seen again, it keeps its first time and
/// takes the newer source and excerpt (a post found to be vestnik's stays so). Returns whether
/// it was new.
async fn observe_one(c: &Client, p: &ObservedPost, now_ms: i64) -> Result<bool, Fail> {
    let row = c
        .query_one(
            "INSERT INTO observed (network, page, remote_id, at_ms, source, excerpt, seen_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (network, page, remote_id) DO UPDATE SET excerpt = excluded.excerpt, seen_ms = excluded.seen_ms, \
             source = CASE WHEN observed.source = 'vestnik' THEN 'vestnik' ELSE excluded.source END \
             RETURNING (xmax = 0)",
            &[
                &p.network.key(),
                &p.page,
                &p.remote_id,
                &ms(p.at),
                &p.source.key(),
                &crate::audit::observation::excerpt(&p.excerpt),
                &now_ms,
            ],
        )
        .await?;
    Ok(row.get(0))
}

/// The columns [`row_moderated`] reads.
const JOURNAL: &str = "id, org, network, page, thread, comment, author, category, rule, verdict, action, excerpt, at_ms, by_whom, restored_ms, restored_by";

fn row_moderated(r: &Row) -> Moderated {
    let restored_ms: Option<i64> = r.get("restored_ms");
    let restored_by: Option<String> = r.get("restored_by");
    Moderated {
        id: r.get("id"),
        action: NewAction {
            org: r.get("org"),
            at: CommentRef {
                network: Network::from_key(r.get("network")).unwrap_or(Network::Telegram),
                page: r.get("page"),
                thread: r.get("thread"),
                comment: r.get("comment"),
            },
            author: r.get("author"),
            category: r.get("category"),
            rule: r.get("rule"),
            verdict: r.get("verdict"),
            action: journal::Action::from_key(r.get("action")).unwrap_or(journal::Action::Reported),
            excerpt: r.get("excerpt"),
            when: ts(r.get("at_ms")),
            by: r.get("by_whom"),
        },
        restored: restored_ms.map(|t| (ts(t), restored_by.unwrap_or_default())),
    }
}

/// A fresh database per test on the server of `VESTNIK_TEST_POSTGRES`, dropped afterwards.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// The server the tests use, or `None` (with a message) when none is given and none is
    /// required.
    ///
    /// Panics when `VESTNIK_REQUIRE_POSTGRES` is set and `VESTNIK_TEST_POSTGRES` is not.
    pub(crate) fn server() -> Option<String> {
        let url = std::env::var("VESTNIK_TEST_POSTGRES")
            .ok()
            .filter(|u| !u.is_empty());
        if url.is_none() {
            assert!(
                std::env::var_os("VESTNIK_REQUIRE_POSTGRES").is_none(),
                "PostgreSQL is required (VESTNIK_REQUIRE_POSTGRES) but VESTNIK_TEST_POSTGRES is not set"
            );
            eprintln!(
                "skipped: VESTNIK_TEST_POSTGRES is not set (a server such as postgres://vestnik@127.0.0.1:5432/postgres)"
            );
        }
        url
    }

    /// `url` naming the database `name` instead of its own.
    pub(crate) fn with_database(url: &str, name: &str) -> String {
        let rest = url.find("://").map_or(0, |i| i + 3);
        let path = url[rest..].find('/').map(|i| rest + i);
        let query = url[rest..].find('?').map(|i| rest + i);
        let end = path.or(query).unwrap_or(url.len());
        let tail = query.map_or("", |q| &url[q..]);
        format!("{}/{name}{tail}", &url[..end])
    }

    /// Runs `sql` on the database at `url`.
    pub(crate) fn execute(url: &str, sql: &str) {
        let (client, _, _) = connect(url).unwrap();
        futures_executor::block_on(client.batch_execute(sql)).unwrap();
    }

    /// A database of its own for one test; dropped with this.
    pub(crate) struct TestDatabase {
        server: String,
        name: String,
        /// The database's address.
        pub(crate) url: String,
    }

    impl TestDatabase {
        /// A new empty database, or `None` when no server is given (see [`server`]).
        pub(crate) fn new() -> Option<Self> {
            let server = server()?;
            let name = format!(
                "vestnik_test_{}",
                owner_id().rsplit(':').next().unwrap_or("x")
            );
            execute(&server, &format!("CREATE DATABASE {name}"));
            let url = with_database(&server, &name);
            Some(Self { server, name, url })
        }

        /// Ends every lease now, as if its daemon had died long ago.
        pub(crate) fn expire_leases(&self) {
            execute(
                &self.url,
                "UPDATE publication SET lease_until = now() - interval '1 second' WHERE lease_until IS NOT NULL; \
                 UPDATE alert SET sending_until = now() - interval '1 second' WHERE sending_until IS NOT NULL",
            );
        }
    }

    /// A PostgreSQL server of a test's own (the outage tests stop and start it), in a
    /// temporary cluster owned by the `postgres` user, on 127.0.0.1; stopped with this.
    pub(crate) struct OwnServer {
        dir: tempfile::TempDir,
        bin: std::path::PathBuf,
        port: u16,
    }

    impl OwnServer {
        /// A new server, or `None` (with a message) when no server is asked for
        /// (`VESTNIK_TEST_POSTGRES`) or PostgreSQL's programs are not installed and not
        /// required.
        pub(crate) fn start() -> Option<Self> {
            server()?;
            let bin = std::fs::read_dir("/usr/lib/postgresql")
                .ok()
                .and_then(|d| d.flatten().map(|e| e.path().join("bin")).max());
            let Some(bin) = bin.filter(|b| b.join("initdb").is_file()) else {
                assert!(
                    std::env::var_os("VESTNIK_REQUIRE_POSTGRES").is_none(),
                    "PostgreSQL's programs are required but not installed"
                );
                eprintln!("skipped: initdb is not installed (apt-get install postgresql)");
                return None;
            };
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let dir = tempfile::tempdir().unwrap();
            let ok = std::process::Command::new("chown")
                .arg("postgres")
                .arg(dir.path())
                .status()
                .unwrap();
            assert!(ok.success(), "chown postgres");
            let server = Self { dir, bin, port };
            let data = server.path("data");
            server.as_postgres("initdb", &["-A", "trust", "-U", "vestnik", "-D", &data]);
            server.start_again();
            Some(server)
        }

        /// A path inside its folder, as an argument.
        fn path(&self, name: &str) -> String {
            self.dir.path().join(name).display().to_string()
        }

        /// Runs PostgreSQL's `program` as the `postgres` user (the server refuses root).
        fn as_postgres(&self, program: &str, args: &[&str]) {
            let out = std::process::Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(self.bin.join(program))
                .args(args)
                .output()
                .unwrap();
            assert!(out.status.success(), "{program} {args:?}: {out:?}");
        }

        /// Starts the server (again), and waits until it accepts connections.
        pub(crate) fn start_again(&self) {
            let options = format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
                self.port,
                self.dir.path().display()
            );
            let (data, log) = (self.path("data"), self.path("log"));
            self.as_postgres(
                "pg_ctl",
                &["-w", "-o", &options, "-l", &log, "-D", &data, "start"],
            );
        }

        /// Stops the server (fast: connections are closed).
        pub(crate) fn stop(&self) {
            let data = self.path("data");
            self.as_postgres("pg_ctl", &["-w", "-m", "fast", "-D", &data, "stop"]);
        }

        /// The address of its `postgres` database.
        pub(crate) fn url(&self) -> String {
            format!("postgres://vestnik@127.0.0.1:{}/postgres", self.port)
        }
    }

    impl Drop for OwnServer {
        fn drop(&mut self) {
            let _ = std::process::Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(self.bin.join("pg_ctl"))
                .args(["-m", "immediate", "-D", &self.path("data"), "stop"])
                .output();
        }
    }

    impl Drop for TestDatabase {
        fn drop(&mut self) {
            let name = &self.name;
            if let Ok((client, _, _)) = connect(&self.server) {
                let _ = futures_executor::block_on(
                    client.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")),
                );
            }
        }
    }
}
