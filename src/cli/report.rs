//! `vestnik report`: the МЦУ's view of compliance, per organization, page and ISO week, from
//! the plans, the registry and (when given) the ledger, as HTML, XLSX, CSV or JSON.

use std::path::PathBuf;

use super::{CliError, emit, emit_bytes};
use crate::plan::time::IsoWeek;
use crate::publish::ledger::location::Location;
use crate::report::{self, table::Table};

/// Output formats of `report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// One self-contained page to mail: a heat map organization × week, totals, a chart,
    /// each organization's pages and problems.
    Html,
    /// A workbook with the sheets «Реестр», «Недели» and «Проблемы».
    Xlsx,
    /// One table (`--table`) as CSV, UTF-8 with a byte order mark.
    Csv,
    /// Everything, with the keys documented in docs/report.md.
    Json,
}

/// Which table `--format csv` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TableArg {
    /// Organization × page × week.
    Weeks,
    /// One row per organization and page, with the columns ЦУР asks for.
    Registry,
    /// Every problem `check` finds.
    Problems,
}

/// Flags of `report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The content repository.
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// First ISO week, e.g. 2026-W37 (default: 12 weeks before the current one).
    #[arg(long, value_name = "WEEK")]
    pub from: Option<IsoWeek>,
    /// Last ISO week (default: the current week and the weeks that must be planned ahead).
    #[arg(long, value_name = "WEEK")]
    pub to: Option<IsoWeek>,
    /// Only this organization (its id in the registry).
    #[arg(long, value_name = "ID")]
    pub org: Option<String>,
    /// The daemon's configuration, to find its ledger (what was published).
    #[arg(long, value_name = "FILE", conflicts_with = "ledger")]
    pub config: Option<PathBuf>,
    /// The ledger itself. Without it (or `--config`) the report reads the plan alone.
    #[arg(long, value_name = "PATH")]
    pub ledger: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "html")]
    pub format: ReportFormat,
    /// With `--format csv`: which table.
    #[arg(long, value_enum, default_value = "weeks")]
    pub table: TableArg,
    /// With `--format csv`: the field separator, `,` or `;` (a Russian Excel expects `;`).
    #[arg(long, default_value = ",", value_parser = separator)]
    pub separator: u8,
    /// Report as if today were DATE (2026-12-01 or 2026-12-01 09:00), in the registry's zone.
    #[arg(long, value_name = "DATE")]
    pub today: Option<String>,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

fn separator(s: &str) -> Result<u8, String> {
    match s {
        "," => Ok(b','),
        ";" => Ok(b';'),
        "\\t" | "tab" => Ok(b'\t'),
        _ => Err(crate::t!("cli-report-separator", value = s)),
    }
}

/// `vestnik report`: writes the report to `--output` or standard output.
pub(super) fn run(args: ReportArgs) -> Result<i32, CliError> {
    let location = match (&args.ledger, &args.config) {
        // A file, or a PostgreSQL database by its address.
        (Some(path), _) => Some(match path.to_str() {
            Some(url) if crate::publish::ledger::postgres::is_url(url) => Location::Postgres {
                url: url.to_owned(),
                lease: crate::publish::ledger::postgres::DEFAULT_LEASE,
            },
            _ => Location::Sqlite(path.clone()),
        }),
        (None, Some(config)) => Some(crate::cli::config::ledger_location(config)?),
        (None, None) => None,
    };
    let ledger = location
        .as_ref()
        .map(Location::open_read_only)
        .transpose()?;
    let opts = report::Options {
        root: args.root,
        from: args.from,
        to: args.to,
        org: args.org,
        today: args.today,
    };
    let report = report::gather(
        &opts,
        ledger
            .as_deref()
            .map(|l| l as &dyn crate::publish::ledger::Ledger),
    )?;
    if !report.with_ledger {
        eprintln!("vestnik: {}", crate::t!("cli-report-plan-only"));
    }
    match args.format {
        ReportFormat::Html => emit(args.output.as_deref(), &report::html::to_html(&report)),
        ReportFormat::Json => emit(args.output.as_deref(), &report::table::to_json(&report)),
        ReportFormat::Csv => {
            let table = match args.table {
                TableArg::Weeks => Table::Weeks,
                TableArg::Registry => Table::Registry,
                TableArg::Problems => Table::Problems,
            };
            emit_bytes(
                args.output.as_deref(),
                &report::table::to_csv(&report, table, args.separator),
            )
        }
        ReportFormat::Xlsx => {
            let bytes = report::xlsx::to_xlsx(&report)?;
            emit_bytes(args.output.as_deref(), &bytes)
        }
    }?;
    Ok(0)
}
