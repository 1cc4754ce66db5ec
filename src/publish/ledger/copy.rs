//! `vestnik ledger copy`: moves a SQLite ledger into a PostgreSQL database, every table, and
//! checks the copy by the row count of each table and the count of publications in each state.

use std::path::Path;

use rusqlite::OpenFlags;
use tokio_postgres::types::ToSql;

use super::LedgerError;
use super::postgres::{self, PostgresLedger};
use super::sqlite::SqliteLedger;

/// How a column is read from SQLite and written to PostgreSQL.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Int,
    /// An integer 0/1 in SQLite, a boolean in PostgreSQL.
    Bool,
}

use Kind::{Bool, Int, Text};

/// The tables, their columns and kinds, in the order they are copied.
const TABLES: &[(&str, &[(&str, Kind)])] = &[
    (
        "publication",
        &[
            ("org", Text),
            ("post", Text),
            ("network", Text),
            ("due_ms", Int),
            ("next_try_ms", Int),
            ("content", Text),
            ("attempts", Int),
            ("state", Text),
            ("remote_id", Text),
            ("url", Text),
            ("reason", Text),
            ("updated_ms", Int),
            ("file", Text),
            ("waiting_since_ms", Int),
        ],
    ),
    (
        "alert",
        &[
            ("id", Text),
            ("org", Text),
            ("text", Text),
            ("raised_ms", Int),
            ("sent_ms", Int),
        ],
    ),
    ("meta", &[("key", Text), ("value", Text)]),
    (
        "moderation",
        &[
            ("id", Int),
            ("org", Text),
            ("network", Text),
            ("page", Text),
            ("thread", Text),
            ("comment", Text),
            ("author", Text),
            ("category", Text),
            ("rule", Text),
            ("verdict", Text),
            ("action", Text),
            ("excerpt", Text),
            ("at_ms", Int),
            ("by_whom", Text),
            ("restored_ms", Int),
            ("restored_by", Text),
        ],
    ),
    (
        "judged",
        &[
            ("network", Text),
            ("page", Text),
            ("comment", Text),
            ("text_hash", Text),
            ("at_ms", Int),
        ],
    ),
    (
        "inbox",
        &[
            ("id", Int),
            ("network", Text),
            ("page", Text),
            ("thread", Text),
            ("comment", Text),
            ("author", Text),
            ("text", Text),
            ("date_ms", Int),
        ],
    ),
    (
        "observed",
        &[
            ("network", Text),
            ("page", Text),
            ("remote_id", Text),
            ("at_ms", Int),
            ("source", Text),
            ("excerpt", Text),
            ("seen_ms", Int),
        ],
    ),
    (
        "profile",
        &[
            ("network", Text),
            ("page", Text),
            ("at_ms", Int),
            ("access", Text),
            ("found", Bool),
            ("accessible", Bool),
            ("admin", Bool),
            ("detail", Text),
            ("verified", Bool),
            ("description", Text),
            ("address", Text),
            ("map", Text),
            ("phones", Text),
            ("hours", Text),
            ("links", Text),
        ],
    ),
];

/// The states of a publication, each counted on both sides.
const STATES: [&str; 7] = [
    "scheduled",
    "sending",
    "published",
    "failed",
    "uncertain",
    "missed",
    "cancelled",
];

/// One count compared: a table (`publication`), or a state of the publications
/// (`publication/published`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    /// What is counted.
    pub what: String,
    /// Rows in the SQLite ledger.
    pub from: i64,
    /// Rows in the PostgreSQL ledger after the copy.
    pub to: i64,
}

/// Why a copy did not happen, or did not check out.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    /// A ledger could not be opened, read or written.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// The target already holds publications (and the copy was not told to add to them).
    #[error("the ledger {target} is not empty ({rows} publications): give --force to add to it")]
    NotEmpty {
        /// The target, its password redacted.
        target: String,
        /// How many publications it holds.
        rows: i64,
    },
    /// The counts after the copy differ.
    #[error("the copy does not check out: {}", .0.iter().map(|c| format!("{} {} → {}", c.what, c.from, c.to)).collect::<Vec<_>>().join(", "))]
    Mismatch(Vec<Count>),
}

impl CopyError {
    /// The error in the language of the process's texts.
    pub fn message(&self) -> String {
        match self {
            CopyError::Ledger(e) => e.message(),
            CopyError::NotEmpty { target, rows } => {
                crate::t!(
                    "ledger-copy-not-empty",
                    target = target.as_str(),
                    rows = *rows
                )
            }
            CopyError::Mismatch(counts) => crate::t!(
                "ledger-copy-mismatch",
                counts = counts
                    .iter()
                    .map(|c| format!("{} {} → {}", c.what, c.from, c.to))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

fn storage(e: impl std::fmt::Display) -> LedgerError {
    LedgerError::Storage(e.to_string())
}

/// A value of one column, typed for PostgreSQL.
enum Cell {
    Text(Option<String>),
    Int(Option<i64>),
    Bool(Option<bool>),
}

impl Cell {
    fn sql(&self) -> &(dyn ToSql + Sync) {
        match self {
            Cell::Text(v) => v,
            Cell::Int(v) => v,
            Cell::Bool(v) => v,
        }
    }
}

/// Copies the SQLite ledger at `from` into the PostgreSQL database at `to` (its schema created
/// as needed), every table in one transaction, and returns the counts compared. A target that
/// already holds publications is refused unless `force`; then rows it already has are kept.
///
/// Fails when a ledger cannot be opened, read or written, when the target is not empty, or when
/// the counts differ afterwards (with `force`: when the target has fewer rows than the source).
pub fn copy(from: &Path, to: &str, force: bool) -> Result<Vec<Count>, CopyError> {
    // Checks that it is a ledger this vestnik knows, and brings the target's schema up.
    drop(SqliteLedger::open_read_only(from)?);
    drop(PostgresLedger::open(to)?);
    let source = rusqlite::Connection::open_with_flags(
        from,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(storage)?;
    let (client, target, _) = postgres::connect(to)?;
    let wait = |e: tokio_postgres::Error| {
        // The driver's words never carry the connection string.
        storage(
            e.as_db_error()
                .map_or_else(|| e.to_string(), |d| d.message().to_owned()),
        )
    };
    let already: i64 =
        futures_executor::block_on(client.query_one("SELECT count(*) FROM publication", &[]))
            .map_err(wait)?
            .get(0);
    if already > 0 && !force {
        return Err(CopyError::NotEmpty {
            target,
            rows: already,
        });
    }
    futures_executor::block_on(async {
        client.batch_execute("BEGIN").await?;
        for (table, columns) in TABLES {
            copy_table(&source, &client, table, columns).await?;
        }
        // The identities go on after the ids copied.
        for table in ["moderation", "inbox"] {
            client
                .batch_execute(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
                ))
                .await?;
        }
        // A failure before this leaves nothing: the connection ends and the server rolls
        // the transaction back.
        client.batch_execute("COMMIT").await?;
        Ok::<(), Fail>(())
    })
    .map_err(|e| e.into_ledger(wait))?;
    let counts = count(&source, &client).map_err(|e| e.into_ledger(wait))?;
    let wrong: Vec<Count> = counts
        .iter()
        .filter(|c| if force { c.to < c.from } else { c.to != c.from })
        .cloned()
        .collect();
    if !wrong.is_empty() {
        return Err(CopyError::Mismatch(wrong));
    }
    Ok(counts)
}

/// A failure of either side.
enum Fail {
    Db(tokio_postgres::Error),
    Sqlite(rusqlite::Error),
}

impl Fail {
    /// As a [`LedgerError`], the driver's errors told by `db`.
    fn into_ledger(self, db: impl Fn(tokio_postgres::Error) -> LedgerError) -> LedgerError {
        match self {
            Fail::Db(e) => db(e),
            Fail::Sqlite(e) => storage(e),
        }
    }
}

impl From<tokio_postgres::Error> for Fail {
    fn from(e: tokio_postgres::Error) -> Self {
        Fail::Db(e)
    }
}

impl From<rusqlite::Error> for Fail {
    fn from(e: rusqlite::Error) -> Self {
        Fail::Sqlite(e)
    }
}

/// Whether the SQLite ledger has `table` (one written by an earlier vestnik may lack some).
fn has_table(source: &rusqlite::Connection, table: &str) -> Result<bool, rusqlite::Error> {
    source
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [table],
            |r| r.get::<_, i64>(0),
        )
        .map(|n| n > 0)
}

async fn copy_table(
    source: &rusqlite::Connection,
    client: &tokio_postgres::Client,
    table: &str,
    columns: &[(&str, Kind)],
) -> Result<(), Fail> {
    if !has_table(source, table)? {
        return Ok(());
    }
    let names: Vec<&str> = columns.iter().map(|(n, _)| *n).collect();
    let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
    let insert = client
        .prepare(&format!(
            "INSERT INTO {table} ({}) VALUES ({}) ON CONFLICT DO NOTHING",
            names.join(", "),
            placeholders.join(", ")
        ))
        .await?;
    let mut stmt = source.prepare(&format!("SELECT {} FROM {table}", names.join(", ")))?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let mut cells = Vec::with_capacity(columns.len());
        for (i, (_, kind)) in columns.iter().enumerate() {
            cells.push(match kind {
                Kind::Text => Cell::Text(row.get(i)?),
                Kind::Int => Cell::Int(row.get(i)?),
                Kind::Bool => Cell::Bool(row.get::<_, Option<i64>>(i)?.map(|v| v != 0)),
            });
        }
        let params: Vec<&(dyn ToSql + Sync)> = cells.iter().map(Cell::sql).collect();
        client.execute(&insert, &params).await?;
    }
    Ok(())
}

/// The rows of each table and the publications in each state, on both sides.
fn count(
    source: &rusqlite::Connection,
    client: &tokio_postgres::Client,
) -> Result<Vec<Count>, Fail> {
    let mut queries: Vec<(String, String, Vec<String>)> = Vec::new();
    for (table, _) in TABLES {
        queries.push((
            (*table).to_owned(),
            format!("SELECT count(*) FROM {table}"),
            Vec::new(),
        ));
        if *table == "publication" {
            for state in STATES {
                queries.push((
                    format!("publication/{state}"),
                    "SELECT count(*) FROM publication WHERE state = $1".to_owned(),
                    vec![state.to_owned()],
                ));
            }
        }
    }
    let mut counts = Vec::new();
    for (what, sql, params) in queries {
        let table = what.split('/').next().unwrap_or(&what);
        let from = if has_table(source, table)? {
            let sqlite_sql = sql.replace("$1", "?1");
            source.query_row(
                &sqlite_sql,
                rusqlite::params_from_iter(params.iter()),
                |r| r.get::<_, i64>(0),
            )?
        } else {
            0
        };
        let pg_params: Vec<&(dyn ToSql + Sync)> =
            params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        let to: i64 = futures_executor::block_on(client.query_one(&sql, &pg_params))?.get(0);
        counts.push(Count { what, from, to });
    }
    Ok(counts)
}
