//! Where a ledger lives (the `ledger:` of `vestnik.yaml`), and the one place that opens it for
//! each use: publishing, a second connection for the daemon's other tasks, reading only.
//! `postgres://…` or `postgresql://…` is a PostgreSQL database; anything else is the path of a
//! SQLite file, the default, which needs nothing installed.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::postgres::{self, PostgresLedger};
use super::sqlite::SqliteLedger;
use super::{Ledger, LedgerError};

/// Where a ledger lives.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file (one publisher: its lock file).
    Sqlite(PathBuf),
    /// A PostgreSQL database (several daemons may publish from it).
    Postgres {
        /// The connection string. It may carry a password: it prints redacted.
        url: String,
        /// The lease a daemon takes on a row it claims or an alert it delivers.
        lease: Duration,
    },
}

impl Location {
    /// The location written as `text` in a configuration whose relative paths start at `base`.
    pub fn parse(text: &str, base: &Path) -> Self {
        if postgres::is_url(text) {
            Location::Postgres {
                url: text.to_owned(),
                lease: postgres::DEFAULT_LEASE,
            }
        } else if Path::new(text).is_absolute() {
            Location::Sqlite(PathBuf::from(text))
        } else {
            Location::Sqlite(base.join(text))
        }
    }

    /// Opens the ledger for the process that publishes from it (`run`, `publish --due`,
    /// `moderate`): for SQLite, the one publisher, holding the lock file; for PostgreSQL, one of
    /// several, each under leases.
    ///
    /// Fails when the ledger cannot be opened, or (SQLite) another process publishes from it.
    pub fn open_for_publishing(&self) -> Result<Box<dyn Ledger + Send>, LedgerError> {
        Ok(match self {
            Location::Sqlite(path) => Box::new(SqliteLedger::open_for_publishing(path)?),
            Location::Postgres { url, lease } => {
                Box::new(PostgresLedger::open(url)?.with_lease(*lease))
            }
        })
    }

    /// Opens another connection to the ledger, for a task beside the publisher (alerts,
    /// moderation, the audit, `resolve`); it is created or migrated as needed.
    ///
    /// Fails when the ledger cannot be opened.
    pub fn open(&self) -> Result<Box<dyn Ledger + Send>, LedgerError> {
        Ok(match self {
            Location::Sqlite(path) => Box::new(SqliteLedger::open(path)?),
            Location::Postgres { url, lease } => {
                Box::new(PostgresLedger::open(url)?.with_lease(*lease))
            }
        })
    }

    /// Opens the ledger to read it only (`status`, `report`, `moderation log`): neither
    /// created nor migrated, and nothing is taken from it (no alert is handed out).
    ///
    /// Fails when the ledger cannot be opened, is not a ledger, or is newer than this vestnik.
    pub fn open_read_only(&self) -> Result<Box<dyn Ledger + Send>, LedgerError> {
        Ok(match self {
            Location::Sqlite(path) => Box::new(SqliteLedger::open_read_only(path)?),
            Location::Postgres { url, .. } => Box::new(PostgresLedger::open_read_only(url)?),
        })
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Sqlite(path) => write!(f, "{}", path.display()),
            Location::Postgres { url, .. } => f.write_str(&postgres::redact(url)),
        }
    }
}

impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Sqlite(path) => f.debug_tuple("Sqlite").field(path).finish(),
            Location::Postgres { lease, .. } => f
                .debug_struct("Postgres")
                .field("url", &self.to_string())
                .field("lease", lease)
                .finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_is_postgres_and_anything_else_a_sqlite_path() {
        let base = Path::new("/etc/vestnik");
        assert_eq!(
            Location::parse("ledger.sqlite", base),
            Location::Sqlite(PathBuf::from("/etc/vestnik/ledger.sqlite"))
        );
        assert_eq!(
            Location::parse("/var/lib/vestnik/l.sqlite", base),
            Location::Sqlite(PathBuf::from("/var/lib/vestnik/l.sqlite"))
        );
        for url in ["postgres://v@db/ledger", "postgresql://v@db/ledger"] {
            assert_eq!(
                Location::parse(url, base),
                Location::Postgres {
                    url: url.to_owned(),
                    lease: postgres::DEFAULT_LEASE
                }
            );
        }
        let secret = Location::parse("postgres://v:hunter2@db/ledger", base);
        assert_eq!(secret.to_string(), "postgres://v:***@db/ledger");
        assert!(!format!("{secret:?}").contains("hunter2"));
    }
}
