//! `vestnik calendar`: the content plan as an iCalendar feed or an HTML month view.

use std::path::PathBuf;

use super::{CliError, emit};
use crate::calendar;

/// Output formats of `calendar`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CalendarFormat {
    /// An iCalendar feed (RFC 5545): one event per post, for Яндекс Календарь, Google, Outlook.
    Ics,
    /// A self-contained page: each month's weeks with their posts and count against the minimum.
    Html,
}

/// Flags of `calendar`.
#[derive(Debug, clap::Args)]
pub struct CalendarArgs {
    /// The content repository.
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// Only this organization (its id in the registry).
    #[arg(long, value_name = "ID")]
    pub org: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "ics")]
    pub format: CalendarFormat,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// `vestnik calendar`: prints the calendar or writes it to `--output`; files with errors are
/// named on stderr (their posts may be missing), and the rest is still written.
pub(super) fn run(args: CalendarArgs) -> Result<i32, CliError> {
    let plan = calendar::read(&args.root, args.org.as_deref())?;
    for file in &plan.broken {
        eprintln!(
            "vestnik: {}",
            crate::t!("calendar-skipped", file = file.as_str())
        );
    }
    let text = match args.format {
        CalendarFormat::Ics => calendar::to_ics(&plan, jiff::Timestamp::now()),
        CalendarFormat::Html => calendar::to_html(&plan),
    };
    emit(args.output.as_deref(), &text)?;
    Ok(0)
}
