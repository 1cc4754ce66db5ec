//! The command line: flags parsed by clap and resolved into the settings of each command.
//!
//! Exit codes (a contract with CI): 0 no errors, 1 errors found (or warnings with
//! `--deny-warnings`), 2 could not run (usage, I/O).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::check::{self, Settings};
use crate::diagnostic::Rule;
use crate::report::{self, Format};
use crate::time::IsoWeek;

/// vestnik: content plans in git → official pages on VK, OK and Telegram.
#[derive(Debug, Parser)]
#[command(name = "vestnik", version, about, long_about = None)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate the content repository: plans, registry, media, style. For CI.
    Check(CheckArgs),
    /// List the rules of `check` with their ids and default severities.
    Rules,
}

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

/// Runs the command line and returns the process exit code.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    match cli.command {
        Command::Check(args) => run_check(args),
        Command::Rules => {
            let mut out = String::new();
            for r in Rule::ALL {
                out.push_str(&format!(
                    "{:<22} {:<8} {}\n",
                    r.id(),
                    r.default_severity().as_str(),
                    r.summary()
                ));
            }
            print(&out);
            0
        }
    }
}

fn run_check(args: CheckArgs) -> i32 {
    let settings = Settings {
        root: args.root.clone(),
        today: args.today,
        from: args.from,
        to: args.to,
        org: args.org,
        changed_since: args.changed_since,
    };
    let report = match check::run(&settings) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("vestnik: {e}");
            return 2;
        }
    };
    let color = args.format == Format::Human
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none();
    print(&report::render(&report, args.format, &args.root, color));
    let s = &report.summary;
    if s.errors > 0 || (args.deny_warnings && s.warnings > 0) {
        1
    } else {
        0
    }
}

/// Writes to stdout, ignoring a closed pipe (`vestnik check | head`).
fn print(s: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(s.as_bytes());
    let _ = out.flush();
}
