//! The command line: flags parsed by clap and dispatched to one file per command (`check.rs`,
//! `preview.rs`, `publish.rs`, `run.rs`, `status.rs`, `resolve.rs`, `sandbox.rs`, `site.rs`,
//! `calendar.rs`, `registry.rs`, `report.rs`, `init.rs`, `completions.rs`, `man.rs`,
//! `moderation.rs`); this file keeps the
//! parser, the helpers several commands share, and the one error type. `help.rs` gives the
//! parser its texts in the process's language.
//!
//! Exit codes (a contract with CI and the system timer), decided here and nowhere else:
//!
//! - 0: the command did its work and found nothing wrong (or `--help`, `--version`).
//! - 1: the command ran and found something: errors in `check` (or warnings with
//!   `--deny-warnings`), publications that failed or are uncertain after `publish --due`.
//! - 2: the command could not run: a usage error, or a [`CliError`] (unreadable
//!   configuration, ledger, registry, I/O), printed as `vestnik: {error}` on stderr.

mod audit;
mod calendar;
mod check;
mod completions;
pub mod config;
pub mod help;
mod init;
mod ledger;
mod man;
mod moderate;
mod moderation;
mod preview;
mod publish;
mod registry;
mod report;
mod resolve;
mod run;
mod sandbox;
mod site;
mod status;

use crate::locale::Lang;
use std::io::Write;

use clap::{FromArgMatches, Parser, Subcommand};

pub use audit::{AuditArgs, AuditFormat};
pub use calendar::{CalendarArgs, CalendarFormat};
pub use check::CheckArgs;
pub use completions::{CompletionsArgs, Shell};
pub use init::InitArgs;
pub use ledger::{CopyArgs, LedgerCommand};
pub use man::ManArgs;
pub use moderate::{JournalFormat, LogArgs, ModerateArgs, RestoreArgs};
pub use moderation::{ClassifyArgs, ClassifyFormat, ModerationCommand};
pub use preview::{PreviewArgs, PreviewFormat};
pub use publish::PublishArgs;
pub use registry::{ChangesArgs, ChangesFormat, RegistryCommand};
pub use report::{ReportArgs, ReportFormat, TableArg};
pub use resolve::ResolveArgs;
pub use run::RunArgs;
pub use sandbox::SandboxArgs;
pub use site::{SiteArgs, SiteFormat};
pub use status::StatusArgs;

use crate::plan::network::Network;

/// vestnik: content plans in git → official pages on VK, OK and Telegram.
#[derive(Debug, Parser)]
#[command(name = "vestnik", version, about, long_about = None)]
pub struct Cli {
    /// The language of the texts people read: ru (the default) or en. Also VESTNIK_LANG.
    #[arg(long, global = true, value_parser = parse_lang)]
    pub lang: Option<Lang>,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    Lang::parse(s).ok_or_else(|| crate::t!("cli-bad-lang", code = s))
}

/// The language asked for before the flags are parsed (`--lang X`, `--lang=X`, then
/// `VESTNIK_LANG`), so that the flags' own errors speak it. A `--lang` that names no language
/// counts as not given.
fn early_language(args: &[std::ffi::OsString]) -> Option<Lang> {
    let mut given = None;
    let mut it = args.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(a) = it.next() {
        if a == "--" {
            break;
        }
        if a == "--lang" {
            given = it.next().as_deref().and_then(Lang::parse).or(given);
        } else if let Some(code) = a.strip_prefix("--lang=") {
            given = Lang::parse(code).or(given);
        }
    }
    asked_language(given)
}

/// A flag's value that cannot be read, said in Russian as `vestnik: `--flag`: …` (clap's own
/// frame is English); `None` for the other errors of clap, which it prints itself.
fn value_error(e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if e.kind() != ErrorKind::ValueValidation || crate::locale::current() == Lang::En {
        return None;
    }
    let Some(ContextValue::String(arg)) = e.get(ContextKind::InvalidArg) else {
        return None;
    };
    let flag = arg.split_whitespace().next().unwrap_or(arg);
    let source = std::error::Error::source(e)?;
    let error = match source.downcast_ref::<crate::ops::logging::UnknownLogFormat>() {
        Some(log) => log.message(),
        None => source.to_string(),
    };
    Some(crate::t!("cli-bad-value", flag = flag, error = error))
}

/// The language asked for on the command line or in the environment: `--lang`, then
/// `VESTNIK_LANG`.
fn asked_language(flag: Option<Lang>) -> Option<Lang> {
    flag.or_else(|| {
        std::env::var("VESTNIK_LANG")
            .ok()
            .as_deref()
            .and_then(Lang::parse)
    })
}

/// Whether `--lang` or `VESTNIK_LANG` chose the language (then a configuration's `language:`
/// does not change it).
static LANGUAGE_ASKED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Applies a configuration's `language:`, unless the command line or the environment chose.
fn configured_language(language: Option<Lang>) {
    if let Some(lang) = language
        && !LANGUAGE_ASKED.load(std::sync::atomic::Ordering::Relaxed)
    {
        crate::locale::set(lang);
    }
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
    /// Keep publishing: sleep until the next due publication, re-read the plans when they change.
    Run(RunArgs),
    /// Show the ledger: upcoming, published, failed, uncertain, missed.
    Status(StatusArgs),
    /// Settle an uncertain or failed publication after looking at the page.
    Resolve(ResolveArgs),
    /// The block of official pages for each organization's website (HTML to paste, or JSON).
    Site(SiteArgs),
    /// The content plan as a calendar: an iCalendar feed, or an HTML month view.
    Calendar(CalendarArgs),
    /// The registry of official pages: what changed between revisions, notices to ЦУР.
    #[command(subcommand)]
    Registry(RegistryCommand),
    /// The МЦУ's compliance report: every organization, page and week, with the registry and
    /// the problems; HTML to mail, XLSX and CSV for ЦУР, JSON for scripts.
    Report(ReportArgs),
    /// Scaffold a new content repository: registry, an example post, CI files, README.
    Init(InitArgs),
    /// Print the shell's completion script: bash, zsh or fish.
    Completions(CompletionsArgs),
    /// Print the manual page vestnik.1, or write it and a page per command into a folder.
    Man(ManArgs),
    /// Moderate users' comments on the official pages once: read, judge, delete or report,
    /// journal.
    Moderate(ModerateArgs),
    /// The moderation of comments: rate comments offline with the rules, read the journal,
    /// restore a deleted comment.
    #[command(subcommand)]
    Moderation(ModerationCommand),
    /// Audit the real pages once: publications per week, the verification mark, the profile,
    /// access, Госпаблики; what was seen is kept in the ledger.
    Audit(AuditArgs),
    /// The ledger itself: copy a SQLite ledger into PostgreSQL.
    #[command(subcommand)]
    Ledger(LedgerCommand),
}

/// Why a command could not run (exit code 2). Its text is what `vestnik: ` is followed by on
/// stderr.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// `check` could not run.
    #[error(transparent)]
    Check(#[from] crate::check::CheckError),
    /// `preview` could not read or parse its file.
    #[error(transparent)]
    Preview(#[from] crate::preview::PreviewError),
    /// `site` was asked for an organization the registry does not have.
    #[error(transparent)]
    Site(#[from] crate::site::SiteError),
    /// `calendar` could not read the plans, or was asked for an unknown organization.
    #[error(transparent)]
    Calendar(#[from] crate::calendar::CalendarError),
    /// `init` found a file it would overwrite, or could not write one.
    #[error(transparent)]
    Init(#[from] crate::init::InitError),
    /// `report` could not gather its data.
    #[error(transparent)]
    Report(#[from] crate::report::ReportError),
    /// The workbook of `report --format xlsx` could not be written.
    #[error(transparent)]
    Xlsx(#[from] crate::report::xlsx::XlsxFailure),
    /// A file could not be read at a git revision.
    #[error(transparent)]
    Revision(#[from] crate::plan::repo::RevisionError),
    /// A publishing pass (or the publisher's setup) failed.
    #[error(transparent)]
    Pass(#[from] crate::publish::PassError),
    /// The ledger could not be opened, read or written.
    #[error(transparent)]
    Ledger(#[from] crate::publish::ledger::LedgerError),
    /// The daemon stopped on its own.
    #[error(transparent)]
    Daemon(#[from] crate::publish::daemon::DaemonError),
    /// The media cache could not be found or opened.
    #[error(transparent)]
    Cache(#[from] crate::media::cache::CacheError),
    /// Logging could not be set up.
    #[error(transparent)]
    Log(#[from] crate::ops::logging::LogError),
    /// The monitor (`/healthz`, `/metrics`) could not start.
    #[error(transparent)]
    Monitor(#[from] crate::ops::monitor::MonitorError),
    /// A time given on the command line could not be read.
    #[error(transparent)]
    Date(#[from] crate::plan::time::DateError),
    /// `--now` could not be read.
    #[error("--now: {0}")]
    Now(#[source] crate::plan::time::DateError),
    /// An output file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: std::path::PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The async runtime of `sandbox` could not start.
    #[error("cannot start the runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// The emulators of `sandbox` could not start.
    #[error("cannot start the emulators: {0}")]
    Emulators(#[source] std::io::Error),
    /// Any other I/O failure.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The configuration cannot be read or has problems.
    #[error(transparent)]
    Config(#[from] crate::cli::config::ConfigError),
    /// `alerts:` is configured without a Telegram bot.
    #[error("alerts need the Telegram bot of `networks.telegram`")]
    AlertsNeedTelegram,
    /// The content repository's folder cannot be opened.
    #[error("{}: {source}", root.display())]
    Repository {
        /// The folder.
        root: std::path::PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The registry cannot be read or used: its first problem.
    #[error("{file}: {message}")]
    Registry {
        /// The registry's file.
        file: String,
        /// The problem, as the registry's reader says it (in the process's language).
        message: String,
    },
    /// `preview --changed-since` without `--format html` and `-o`.
    #[error("--changed-since writes pages into a folder: give --format html and -o DIR")]
    PreviewChangedNeeds,
    /// `publish` without `--due`.
    #[error("`publish` needs --due (publish what is due now)")]
    NeedsDue,
    /// `resolve` was given a publication that is not `ORG/POST`.
    #[error("give the publication as ORG/POST, as `vestnik status` shows it")]
    BadPublication,
    /// `resolve` was given a publication that is neither uncertain nor failed.
    #[error("{}/{} on {} is not uncertain or failed (see `vestnik status`)", .0.org, .0.post, .0.network)]
    NothingToResolve(crate::publish::ledger::Key),
    /// `--org` names no organization of the registry.
    #[error("the registry has no organization `{0}`")]
    UnknownOrg(String),
    /// `moderation classify` could not read its input, or `moderation restore` could not
    /// restore the comment (the text is already in the process's language).
    #[error("{0}")]
    Moderation(String),
    /// `audit` was given weeks it cannot use (the text is already in the process's language).
    #[error("{0}")]
    Audit(String),
    /// `ledger copy` failed or did not check out (the text is already in the process's
    /// language).
    #[error("{0}")]
    LedgerCopy(String),
}

impl CliError {
    /// The error in the language of the process's texts, as `run` prints it after `vestnik: `
    /// (its `Display` stays English, for logs).
    pub fn message(&self) -> String {
        use crate::plan::repo::io_words;
        match self {
            CliError::Check(e) => e.message(),
            CliError::Preview(e) => e.message(),
            CliError::Site(e) => e.message(),
            CliError::Calendar(e) => e.message(),
            CliError::Report(e) => e.message(),
            CliError::Init(e) => e.message(),
            CliError::Xlsx(e) => crate::t!("cli-report-xlsx", error = e.to_string()),
            CliError::Revision(e) => e.message(),
            CliError::Pass(e) => e.message(),
            CliError::Ledger(e) => e.message(),
            CliError::Daemon(e) => e.message(),
            CliError::Cache(e) => e.message(),
            CliError::Log(e) => e.message(),
            CliError::Monitor(e) => e.message(),
            CliError::Date(e) => e.to_string(),
            CliError::Now(e) => crate::t!("cli-now", error = e.to_string()),
            CliError::Write { path, source } => crate::t!(
                "cli-write",
                path = path.display().to_string(),
                reason = io_words(source)
            ),
            CliError::Runtime(e) => crate::t!("cli-runtime", reason = io_words(e)),
            CliError::Emulators(e) => crate::t!("cli-emulators", reason = io_words(e)),
            CliError::Io(e) => io_words(e),
            CliError::Config(e) => e.to_string(),
            CliError::AlertsNeedTelegram => crate::t!("cli-alerts-need-telegram"),
            CliError::Repository { root, source } => crate::t!(
                "cli-registry",
                root = root.display().to_string(),
                reason = io_words(source)
            ),
            CliError::Registry { file, message } => crate::t!(
                "cli-registry-broken",
                file = file.as_str(),
                reason = message.as_str()
            ),
            CliError::PreviewChangedNeeds => crate::t!("preview-changed-needs"),
            CliError::NeedsDue => crate::t!("cli-publish-needs-due"),
            CliError::BadPublication => crate::t!("cli-resolve-bad-publication"),
            CliError::UnknownOrg(org) => crate::t!("cli-unknown-org", org = org.as_str()),
            CliError::Moderation(message) => message.clone(),
            CliError::Audit(message) => message.clone(),
            CliError::LedgerCopy(message) => message.clone(),
            CliError::NothingToResolve(key) => crate::t!(
                "cli-resolve-not-open",
                org = key.org.to_string(),
                post = key.post.to_string(),
                network = key.network.to_string()
            ),
        }
    }
}

/// Runs the command line and returns the process exit code (see the module's doc).
pub fn run() -> i32 {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    crate::locale::set(early_language(&args).unwrap_or(Lang::Ru));
    let parsed = help::command(crate::locale::current())
        .try_get_matches_from(&args)
        .and_then(|matches| Cli::from_arg_matches(&matches));
    let cli = match parsed {
        Ok(c) => c,
        Err(e) => {
            match value_error(&e).or_else(|| help::error_text(&e, crate::locale::current())) {
                Some(text) => eprintln!("vestnik: {text}"),
                None => {
                    let _ = e.print();
                }
            }
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    let asked = asked_language(cli.lang);
    LANGUAGE_ASKED.store(asked.is_some(), std::sync::atomic::Ordering::Relaxed);
    crate::locale::set(asked.unwrap_or(Lang::Ru));
    let outcome = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Preview(args) => preview::run(args),
        Command::Publish(args) => publish::run(args),
        Command::Run(args) => run::run(args),
        Command::Status(args) => status::run(args),
        Command::Resolve(args) => resolve::run(args),
        Command::Sandbox(args) => sandbox::run(args),
        Command::Rules => check::rules(),
        Command::Site(args) => site::run(args),
        Command::Calendar(args) => calendar::run(args),
        Command::Registry(command) => registry::run(command),
        Command::Report(args) => report::run(args),
        Command::Init(args) => init::run(args),
        Command::Completions(args) => completions::run(args),
        Command::Man(args) => man::run(args),
        Command::Moderate(args) => moderate::run(args),
        Command::Moderation(command) => moderation::run(command),
        Command::Audit(args) => audit::run(args),
        Command::Ledger(command) => ledger::run(command),
    };
    match outcome {
        Ok(code) => code,
        Err(e) => {
            eprintln!("vestnik: {}", e.message());
            2
        }
    }
}

/// Reads a network's key (`vk`, `ok`, `telegram`) given as a flag.
fn parse_network(s: &str) -> Result<Network, String> {
    Network::from_key(s).ok_or_else(|| crate::t!("cli-bad-network", key = s))
}

/// The publisher's settings from a configuration: the content repository at `root`, at most
/// `limit` publications a pass.
fn settings(
    cfg: &crate::cli::config::Config,
    root: std::path::PathBuf,
    limit: usize,
) -> crate::publish::Settings {
    crate::publish::Settings {
        root,
        grace: cfg.grace,
        cache_dir: cfg.cache_dir.clone(),
        credentials: cfg.credentials.clone(),
        rates: cfg.rates.clone(),
        limit,
    }
}

/// The alerter of a configuration with `alerts:`: the МЦУ chat, through the publisher's
/// Telegram client (one rate limiter for the bot), and the responsibles' chats from the
/// registry under `root`.
fn alerter(
    cfg: &crate::cli::config::Config,
    publisher: &crate::publish::Publisher,
    root: &std::path::Path,
) -> Result<Option<crate::publish::alert::Alerter>, CliError> {
    let Some(a) = &cfg.alerts else {
        return Ok(None);
    };
    let Some(client) = publisher.telegram().cloned() else {
        return Err(CliError::AlertsNeedTelegram);
    };
    let responsibles = if a.responsibles {
        responsible_chats(root)
    } else {
        Default::default()
    };
    Ok(Some(crate::publish::alert::Alerter::new(
        client,
        a.telegram_chat.clone(),
        responsibles,
    )))
}

/// The registry of the content repository at `root`, read as every file of it is (regular,
/// inside, capped).
fn read_registry(root: &std::path::Path) -> Result<crate::plan::registry::Registry, CliError> {
    read_repo_registry(root).map(|(_, reg)| reg)
}

/// The content repository under `root` and its registry.
fn read_repo_registry(
    root: &std::path::Path,
) -> Result<(crate::plan::repo::Repo, crate::plan::registry::Registry), CliError> {
    let repo = crate::plan::repo::Repo::open(root).map_err(|source| CliError::Repository {
        root: root.to_owned(),
        source,
    })?;
    let (reg, _) = repo.registry().map_err(|d| CliError::Registry {
        file: d.file,
        message: d.message,
    })?;
    Ok((repo, reg))
}

/// The district's zone from the registry under `root`, or the default zone when the registry
/// cannot be read (the pass reports that itself). Never the machine's zone.
fn zone_of(root: &std::path::Path) -> jiff::tz::TimeZone {
    read_registry(root)
        .unwrap_or_else(|_| {
            crate::plan::registry::Registry::unusable(crate::plan::registry::REGISTRY_PATH)
        })
        .tz
}

/// Organization id → the responsible's Telegram chat, from the registry under `root`.
fn responsible_chats(root: &std::path::Path) -> std::collections::HashMap<String, String> {
    let Ok(reg) = read_registry(root) else {
        return std::collections::HashMap::new();
    };
    reg.organizations
        .iter()
        .filter_map(|o| {
            let chat = o.responsible.as_ref()?.telegram.clone()?;
            Some((o.id.value.clone(), chat))
        })
        .collect()
}

/// Writes `text` to the file `output` (`-o`), or to stdout when there is none.
///
/// Fails when the file cannot be written.
fn emit(output: Option<&std::path::Path>, text: &str) -> Result<(), CliError> {
    emit_bytes(output, text.as_bytes())
}

/// [`emit`] for bytes (a spreadsheet, a CSV with its byte order mark).
fn emit_bytes(output: Option<&std::path::Path>, bytes: &[u8]) -> Result<(), CliError> {
    match output {
        Some(path) => std::fs::write(path, bytes).map_err(|source| CliError::Write {
            path: path.to_owned(),
            source,
        }),
        None => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(bytes);
            let _ = out.flush();
            Ok(())
        }
    }
}

/// Writes to stdout, ignoring a closed pipe (`vestnik check | head`).
fn print(s: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(s.as_bytes());
    let _ = out.flush();
}
