//! Writes a ledger for the benchmark of `vestnik report` (benches/report.sh): every publication
//! the plans under ROOT want, as the daemon's own sync writes them, then the rows due before
//! TODAY settled as a year of publishing leaves them (mostly published; some failed, missed,
//! uncertain).
//!
//! ```text
//! cargo run --release --example gen_ledger ROOT LEDGER [TODAY]
//! ```
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use jiff::{SignedDuration, Timestamp};
use vestnik::publish::ledger::Ledger;
use vestnik::publish::ledger::sqlite::SqliteLedger;

fn main() {
    let mut args = std::env::args().skip(1);
    let root = PathBuf::from(args.next().expect("ROOT"));
    let path = PathBuf::from(args.next().expect("LEDGER"));
    let today = args.next().unwrap_or_else(|| "2027-06-01".to_owned());
    let reading = vestnik::publish::load(&root).unwrap();
    let planned = &reading.planned;
    let tz = reading.reg.tz.clone();
    let now = vestnik::plan::time::parse_today(&today, &tz).unwrap();
    let first = planned.iter().map(|p| p.due).min().unwrap_or(now);
    let mut ledger = SqliteLedger::open(&path).unwrap();
    ledger
        .sync(
            planned,
            &|_| false,
            first - SignedDuration::from_hours(24),
            SignedDuration::from_mins(30),
        )
        .unwrap();
    drop(ledger);
    // Settle what fell due before TODAY in one statement per state: about 92% published, 3%
    // failed, 4% missed, 1% uncertain (by the row's position, so the mix is spread evenly).
    let conn = rusqlite::Connection::open(&path).unwrap();
    let cut = now.as_millisecond();
    let updated_at = Timestamp::now().as_millisecond();
    conn.execute_batch("BEGIN").unwrap();
    for (state, rule) in [
        ("failed", "rowid % 100 < 3"),
        ("missed", "rowid % 100 BETWEEN 3 AND 6"),
        ("uncertain", "rowid % 100 = 7"),
        ("published", "rowid % 100 >= 8"),
    ] {
        conn.execute(
            &format!(
                "UPDATE publication SET state = ?1, updated_ms = ?2 WHERE state = 'scheduled' AND due_ms < ?3 AND {rule}"
            ),
            rusqlite::params![state, updated_at, cut],
        )
        .unwrap();
    }
    conn.execute_batch("COMMIT").unwrap();
    let rows: i64 = conn
        .query_row("SELECT count(*) FROM publication", [], |r| r.get(0))
        .unwrap();
    println!("ledger {}: {rows} rows", path.display());
}
