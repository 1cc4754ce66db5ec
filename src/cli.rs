//! The command line: flags parsed by clap and resolved into the settings of each command.
//!
//! Exit codes (a contract with CI): 0 no errors, 1 errors found (or warnings with
//! `--deny-warnings`), 2 could not run (usage, I/O).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::check::{self, Settings};
use crate::diagnostic::Rule;
use crate::network::Network;
use crate::preview;
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
    /// Show what each network will receive for the posts of one file.
    Preview(PreviewArgs),
    /// List the rules of `check` with their ids and default severities.
    Rules,
    /// Run local emulators of the VK, OK and Telegram APIs, seeded with the registry's pages.
    Sandbox(SandboxArgs),
    /// Publish what is due now (one pass), then exit: for a system timer.
    Publish(PublishArgs),
    /// Keep publishing: sleep until the next due publication, re-read the plans regularly.
    Run(RunArgs),
    /// Show the ledger: upcoming, published, failed, uncertain, missed.
    Status(StatusArgs),
}

/// Flags of `publish`.
#[derive(Debug, clap::Args)]
pub struct PublishArgs {
    /// Publish what is due now and exit (the only mode so far; the daemon is `vestnik run`).
    #[arg(long)]
    pub due: bool,
    /// The content repository.
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// The daemon's configuration (ledger, networks, secrets files).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// Act as if now were this time (tests, catching up), in the registry's zone.
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
    /// Most publications sent in this pass.
    #[arg(long, default_value_t = 1000)]
    pub limit: usize,
}

/// Flags of `run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The content repository.
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// The daemon's configuration (ledger, networks, secrets files).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// Re-read the plans at least this often, in seconds.
    #[arg(long, default_value_t = 60)]
    pub reload_seconds: u64,
}

/// Flags of `status`.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// The daemon's configuration (to find the ledger).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
}

/// Flags of `sandbox`.
#[derive(Debug, clap::Args)]
pub struct SandboxArgs {
    /// The content repository whose registry seeds the emulators.
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// Stop after this many seconds (default: run until Ctrl-C).
    #[arg(long, value_name = "SECONDS")]
    pub seconds: Option<u64>,
}

/// Output formats of `preview`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PreviewFormat {
    /// For a terminal.
    Text,
    /// One JSON object.
    Json,
    /// A self-contained page: the three feeds side by side.
    Html,
}

/// Flags of `preview`.
#[derive(Debug, clap::Args)]
pub struct PreviewArgs {
    /// A post (`.md`) or plan (`.yaml`) under plans/<org-id>/.
    pub file: PathBuf,
    /// The content repository.
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// Only this network.
    #[arg(long, value_parser = parse_network)]
    pub network: Option<Network>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: PreviewFormat,
    /// Write to this file instead of standard output (handy for `--format html`).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Where processed images are cached (default: vestnik/media in the system's temp folder).
    #[arg(long)]
    pub cache_dir: Option<PathBuf>,
}

fn parse_network(s: &str) -> Result<Network, String> {
    Network::from_key(s).ok_or_else(|| format!("`{s}` is not vk, ok or telegram"))
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
        Command::Preview(args) => run_preview(args),
        Command::Publish(args) => run_publish(args),
        Command::Run(args) => run_daemon(args),
        Command::Status(args) => run_status(args),
        Command::Sandbox(args) => {
            crate::sandbox::run(&args.root, args.seconds.map(std::time::Duration::from_secs))
        }
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

fn run_preview(args: PreviewArgs) -> i32 {
    let cache = args
        .cache_dir
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join("vestnik").join("media"));
    let p = match preview::build(&args.root, &args.file, args.network, &cache) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("vestnik: {e}");
            return 2;
        }
    };
    let text = match args.format {
        PreviewFormat::Text => preview::to_text(&p),
        PreviewFormat::Json => preview::to_json(&p),
        PreviewFormat::Html => preview::to_html(&p),
    };
    match &args.output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, text) {
                eprintln!("vestnik: cannot write {}: {e}", path.display());
                return 2;
            }
        }
        None => print(&text),
    }
    0
}

/// Prints a command's failure and gives exit code 2.
fn trouble(e: impl std::fmt::Display) -> i32 {
    eprintln!("vestnik: {e}");
    2
}

/// The pass settings and the ledger of `publish` and `run`.
fn publisher(
    config: &std::path::Path,
    root: PathBuf,
    now: jiff::Timestamp,
    limit: usize,
) -> Result<
    (
        crate::publish::Settings,
        crate::ledger::sqlite::SqliteLedger,
    ),
    String,
> {
    let cfg = crate::config::load(config, Some(&root))?;
    let ledger =
        crate::ledger::sqlite::SqliteLedger::open(&cfg.ledger).map_err(|e| e.to_string())?;
    let settings = crate::publish::Settings {
        root,
        now,
        grace: cfg.grace,
        cache_dir: cfg.cache_dir,
        credentials: cfg.credentials,
        limit,
    };
    Ok((settings, ledger))
}

/// The lines of a pass that a person reads: what went out, what needs a person, what was missed.
fn pass_lines(r: &crate::publish::PassReport) -> String {
    let mut out = String::new();
    for (file, why) in &r.broken_files {
        out.push_str(&format!("skipped {file}: {why}\n"));
    }
    for k in &r.sync.missed {
        out.push_str(&format!("missed {}/{} on {}\n", k.org, k.post, k.network));
    }
    for k in &r.sync.edited_after_publication {
        out.push_str(&format!(
            "edited after publication (not reposted) {}/{} on {}\n",
            k.org, k.post, k.network
        ));
    }
    for (k, id) in &r.published {
        out.push_str(&format!(
            "published {}/{} on {}: {id}\n",
            k.org, k.post, k.network
        ));
    }
    for (k, at, _) in &r.retried {
        out.push_str(&format!(
            "retry {}/{} on {} at {at}\n",
            k.org, k.post, k.network
        ));
    }
    for (k, why) in r.failed.iter().chain(&r.uncertain) {
        out.push_str(&format!(
            "NEEDS A PERSON {}/{} on {}: {why}\n",
            k.org, k.post, k.network
        ));
    }
    out
}

fn run_publish(args: PublishArgs) -> i32 {
    if !args.due {
        return trouble("`publish` needs --due (publish what is due now)");
    }
    let registry =
        std::fs::read_to_string(args.root.join(crate::registry::REGISTRY_PATH)).unwrap_or_default();
    let tz = crate::registry::Registry::parse(&registry, crate::registry::REGISTRY_PATH)
        .0
        .tz;
    let now = match &args.now {
        Some(t) => match crate::time::parse_today(t, &tz) {
            Ok(t) => t,
            Err(e) => return trouble(format!("--now: {e}")),
        },
        None => jiff::Timestamp::now(),
    };
    let (settings, mut ledger) = match publisher(&args.config, args.root, now, args.limit) {
        Ok(p) => p,
        Err(e) => return trouble(e),
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return trouble(e),
    };
    match rt.block_on(crate::publish::run_once(&settings, &mut ledger)) {
        Ok(r) => {
            let mut out = pass_lines(&r);
            out.push_str(&format!(
                "vestnik publish: {} published, {} to retry, {} failed, {} uncertain, {} missed\n",
                r.published.len(),
                r.retried.len(),
                r.failed.len(),
                r.uncertain.len() + r.recovered_uncertain.len(),
                r.sync.missed.len()
            ));
            print(&out);
            i32::from(
                !(r.failed.is_empty()
                    && r.uncertain.is_empty()
                    && r.recovered_uncertain.is_empty()),
            )
        }
        Err(e) => trouble(e),
    }
}

fn run_daemon(args: RunArgs) -> i32 {
    let (settings, mut ledger) =
        match publisher(&args.config, args.root, jiff::Timestamp::now(), 1000) {
            Ok(p) => p,
            Err(e) => return trouble(e),
        };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return trouble(e),
    };
    let schedule = crate::daemon::Schedule {
        reload: std::time::Duration::from_secs(args.reload_seconds.max(1)),
    };
    let result = rt.block_on(async {
        let stop = async {
            #[cfg(unix)]
            {
                let mut term =
                    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    {
                        Ok(s) => s,
                        Err(_) => return std::future::pending::<()>().await,
                    };
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            #[cfg(not(unix))]
            {
                let _ = tokio::signal::ctrl_c().await;
            }
        };
        crate::daemon::run(settings, &mut ledger, schedule, stop, |r| {
            print(&pass_lines(r))
        })
        .await
    });
    match result {
        Ok(()) => 0,
        Err(e) => trouble(e),
    }
}

fn run_status(args: StatusArgs) -> i32 {
    use crate::ledger::Ledger;
    let cfg = match crate::config::load(&args.config, None) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("vestnik: {e}");
            return 2;
        }
    };
    let entries =
        match crate::ledger::sqlite::SqliteLedger::open(&cfg.ledger).and_then(|l| l.entries()) {
            Ok(e) => e,
            Err(e) => {
                eprintln!("vestnik: {e}");
                return 2;
            }
        };
    let out = match args.format {
        Format::Json => {
            let rows: Vec<serde_json::Value> = entries
                .iter()
                .map(|e| {
                    let (remote_id, url, reason) = match &e.state {
                        crate::ledger::State::Published { remote_id, url } => {
                            (Some(remote_id.clone()), url.clone(), None)
                        }
                        crate::ledger::State::Failed { reason }
                        | crate::ledger::State::Uncertain { reason } => {
                            (None, None, Some(reason.clone()))
                        }
                        _ => (None, None, None),
                    };
                    serde_json::json!({
                        "org": e.key.org, "post": e.key.post, "network": e.key.network.key(),
                        "due": e.due.to_string(), "state": e.state.name(), "attempts": e.attempts,
                        "remote_id": remote_id, "url": url, "reason": reason,
                    })
                })
                .collect();
            format!(
                "{}\n",
                serde_json::to_string_pretty(&serde_json::json!({ "publications": rows }))
                    .unwrap_or_default()
            )
        }
        _ => entries
            .iter()
            .map(|e| {
                format!(
                    "{}  {:<9} {}/{}  {}\n",
                    e.due,
                    e.key.network.key(),
                    e.key.org,
                    e.key.post,
                    e.state.label()
                )
            })
            .collect(),
    };
    print(&out);
    0
}

/// Writes to stdout, ignoring a closed pipe (`vestnik check | head`).
fn print(s: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(s.as_bytes());
    let _ = out.flush();
}
