//! `vestnik ledger copy`: moves a SQLite ledger into PostgreSQL and prints the counts that
//! check the copy.

use std::path::PathBuf;

use super::{CliError, print};
use crate::publish::ledger::copy;

/// Commands about the ledger itself.
#[derive(Debug, clap::Subcommand)]
pub enum LedgerCommand {
    /// Copy a SQLite ledger into a PostgreSQL database, every table, checked by row counts and
    /// by publications per state.
    Copy(CopyArgs),
}

/// Flags of `ledger copy`.
#[derive(Debug, clap::Args)]
pub struct CopyArgs {
    /// The SQLite ledger to copy: `sqlite:PATH` or a path.
    #[arg(long, value_name = "LEDGER")]
    pub from: String,
    /// The PostgreSQL database to copy into: `postgres://user@host/database`.
    #[arg(long, value_name = "URL")]
    pub to: String,
    /// Copy into a database that already holds publications, keeping the rows it has.
    #[arg(long)]
    pub force: bool,
}

/// `vestnik ledger …`.
pub(super) fn run(command: LedgerCommand) -> Result<i32, CliError> {
    match command {
        LedgerCommand::Copy(args) => copy_ledger(args),
    }
}

fn copy_ledger(args: CopyArgs) -> Result<i32, CliError> {
    let from = PathBuf::from(args.from.strip_prefix("sqlite:").unwrap_or(&args.from));
    if !crate::publish::ledger::postgres::is_url(&args.to) {
        return Err(CliError::LedgerCopy(crate::t!(
            "ledger-copy-not-postgres",
            to = crate::publish::ledger::postgres::redact(&args.to)
        )));
    }
    let counts =
        copy::copy(&from, &args.to, args.force).map_err(|e| CliError::LedgerCopy(e.message()))?;
    let mut out = crate::t!(
        "ledger-copy-done",
        from = from.display().to_string(),
        to = crate::publish::ledger::postgres::redact(&args.to)
    );
    out.push('\n');
    for c in &counts {
        out.push_str(&crate::t!(
            "ledger-copy-count",
            what = c.what.as_str(),
            from = c.from,
            to = c.to
        ));
        out.push('\n');
    }
    print(&out);
    Ok(0)
}
