//! `vestnik check` (validate the content repository, for CI) and `vestnik rules` (the rules it
//! applies).

use std::io::IsTerminal;
use std::path::PathBuf;

use super::{CliError, print};
use crate::check::format::{self, Format};
use crate::check::{self, Settings};
use crate::plan::diagnostic::Rule;
use crate::plan::time::IsoWeek;

/// Flags of `check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The content repository (holds plans/ and media/).
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// Evaluate as if today were DATE (2026-12-01 or 2026-12-01 09:00), in the registry's zone.
    #[arg(long, value_name = "DATE")]
    pub today: Option<String>,
    /// First ISO week judged by the weekly rules (default: the current week), e.g. 2026-W49.
    #[arg(long, value_name = "WEEK")]
    pub from: Option<IsoWeek>,
    /// Last ISO week judged by the weekly rules (default: the last planned week).
    #[arg(long, value_name = "WEEK")]
    pub to: Option<IsoWeek>,
    /// Report only this organization's problems.
    #[arg(long, value_name = "ID")]
    pub org: Option<String>,
    /// Report only organizations whose files changed since this git revision.
    #[arg(long, value_name = "REV")]
    pub changed_since: Option<String>,
    /// Fail on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
}

/// `vestnik check`: prints the report; 1 when it has errors (or warnings with
/// `--deny-warnings`).
pub(super) fn run(args: CheckArgs) -> Result<i32, CliError> {
    let settings = Settings {
        root: args.root.clone(),
        today: args.today,
        from: args.from,
        to: args.to,
        org: args.org,
        changed_since: args.changed_since,
    };
    let report = check::run(&settings)?;
    let color = args.format == Format::Human
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none();
    print(&format::render(&report, args.format, &args.root, color));
    let s = &report.summary;
    if s.errors > 0 || (args.deny_warnings && s.warnings > 0) {
        Ok(1)
    } else {
        Ok(0)
    }
}

/// `vestnik rules`: one line a rule, its id, default severity and summary.
pub(super) fn rules() -> Result<i32, CliError> {
    let mut out = String::new();
    let severity = |r: Rule| r.default_severity().label();
    let width = Rule::ALL
        .iter()
        .map(|r| severity(*r).chars().count())
        .max()
        .unwrap_or(0)
        .max(8);
    for r in Rule::ALL {
        // The id is the machine's; what a rule checks is told in the reader's language.
        out.push_str(&format!(
            "{:<22} {:<width$} {}\n",
            r.id(),
            severity(*r),
            crate::t!(&format!("rule-{}", r.id()))
        ));
    }
    print(&out);
    Ok(0)
}
