//! The command line: flags parsed by clap and resolved into the settings of each command.
//!
//! Exit codes (a contract with CI): 0 no errors, 1 errors found (or warnings with
//! `--deny-warnings`), 2 could not run (usage, I/O).

pub mod config;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::check::format::{self, Format};
use crate::check::{self, Settings};
use crate::plan::diagnostic::Rule;
use crate::plan::network::Network;
use crate::plan::time::IsoWeek;
use crate::preview;

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
    /// Keep publishing: sleep until the next due publication, re-read the plans when they change.
    Run(RunArgs),
    /// Show the ledger: upcoming, published, failed, uncertain, missed.
    Status(StatusArgs),
    /// Settle an uncertain or failed publication after looking at the page.
    Resolve(ResolveArgs),
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
    #[arg(long, value_name = "FILE", required_unless_present = "sandbox")]
    pub config: Option<PathBuf>,
    /// Log lines as `human` text or `json` (overrides the config's `log`).
    #[arg(long, value_name = "FORMAT")]
    pub log_format: Option<crate::ops::logging::LogFormat>,
    /// A demo without any token: publish into the local emulators of the three APIs (started
    /// in this process), with a ledger in a temporary folder.
    #[arg(long, conflicts_with = "config")]
    pub sandbox: bool,
    /// With --sandbox: the time the demo starts at, in the registry's zone (default: now).
    #[arg(long, value_name = "TIME", requires = "sandbox")]
    pub start: Option<String>,
    /// With --sandbox: how many seconds pass per real second (3600: an hour a second).
    #[arg(long, default_value_t = 1, requires = "sandbox")]
    pub speed: u32,
    /// With --sandbox: stop when the demo's clock reaches this time.
    #[arg(long, value_name = "TIME", requires = "sandbox")]
    pub until: Option<String>,
}

/// Flags of `resolve`.
#[derive(Debug, clap::Args)]
pub struct ResolveArgs {
    /// The daemon's configuration (to find the ledger).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// The publication: `ORG/POST` as `status` shows it.
    pub publication: String,
    /// The network.
    #[arg(long, value_parser = parse_network)]
    pub network: Network,
    /// It is on the page: record it as published (nothing is sent).
    #[arg(long, conflicts_with = "resend", required_unless_present = "resend")]
    pub published: bool,
    /// It is not on the page: send it again at the next pass.
    #[arg(long)]
    pub resend: bool,
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
    /// Where processed images are cached, a folder only you can write to (default:
    /// $XDG_CACHE_HOME/vestnik/media or ~/.cache/vestnik/media).
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
        Command::Resolve(args) => run_resolve(args),
        Command::Sandbox(args) => crate::networks::sandbox::run(
            &args.root,
            args.seconds.map(std::time::Duration::from_secs),
        ),
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
    print(&format::render(&report, args.format, &args.root, color));
    let s = &report.summary;
    if s.errors > 0 || (args.deny_warnings && s.warnings > 0) {
        1
    } else {
        0
    }
}

fn run_preview(args: PreviewArgs) -> i32 {
    let cache = match args
        .cache_dir
        .clone()
        .map_or_else(crate::media::cache::default_dir, Ok)
        .and_then(crate::media::MediaCache::open)
    {
        Ok(c) => c.dir().to_owned(),
        Err(e) => return trouble(e),
    };
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
) -> Result<Option<crate::publish::alert::Alerter>, String> {
    let Some(a) = &cfg.alerts else {
        return Ok(None);
    };
    let Some(client) = publisher.telegram().cloned() else {
        return Err("alerts need the Telegram bot of `networks.telegram`".to_owned());
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
    // The zone for --now; a registry that cannot be read is reported by the pass itself.
    let tz = read_registry(&args.root)
        .unwrap_or_else(|_| {
            crate::plan::registry::Registry::unusable(crate::plan::registry::REGISTRY_PATH)
        })
        .tz;
    let now = match &args.now {
        Some(t) => match crate::plan::time::parse_today(t, &tz) {
            Ok(t) => t,
            Err(e) => return trouble(format!("--now: {e}")),
        },
        None => jiff::Timestamp::now(),
    };
    let cfg = match crate::cli::config::load(&args.config, Some(&args.root)) {
        Ok(c) => c,
        Err(e) => return trouble(e),
    };
    let mut ledger =
        match crate::publish::ledger::sqlite::SqliteLedger::open_for_publishing(&cfg.ledger) {
            Ok(l) => l,
            Err(e) => return trouble(e),
        };
    if let Err(e) = crate::media::MediaCache::open(&cfg.cache_dir) {
        return trouble(e);
    }
    let mut publisher =
        match crate::publish::Publisher::new(settings(&cfg, args.root.clone(), args.limit)) {
            Ok(p) => p,
            Err(e) => return trouble(e),
        };
    let alerter = match alerter(&cfg, &publisher, &args.root) {
        Ok(a) => a,
        Err(e) => return trouble(e),
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return trouble(e),
    };
    let pass = rt.block_on(async {
        let r = crate::publish::run_once(&mut publisher, now, &mut ledger).await?;
        // Alerts go out with the pass; what cannot be delivered waits for the next one.
        let delivered = match &alerter {
            Some(a) => Some(a.deliver(&mut ledger, now).await?),
            None => None,
        };
        Ok::<_, crate::publish::PassError>((r, delivered))
    });
    match pass {
        Ok((r, delivered)) => {
            let mut out = pass_lines(&r);
            out.push_str(&format!(
                "vestnik publish: {} published, {} to retry, {} failed, {} uncertain, {} missed\n",
                r.published.len(),
                r.retried.len(),
                r.failed.len(),
                r.uncertain.len() + r.recovered_uncertain.len(),
                r.sync.missed.len()
            ));
            if let Some(d) = delivered {
                out.push_str(&format!("alerts: {} sent, {} waiting\n", d.sent, d.pending));
            }
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
    use std::sync::Arc;
    let Some(config) = &args.config else {
        return run_sandbox_demo(args);
    };
    let cfg = match crate::cli::config::load(config, Some(&args.root)) {
        Ok(c) => c,
        Err(e) => return trouble(e),
    };
    let format = args.log_format.unwrap_or(cfg.log);
    if let Err(e) = crate::ops::logging::init(format, None) {
        return trouble(e);
    }
    let mut ledger =
        match crate::publish::ledger::sqlite::SqliteLedger::open_for_publishing(&cfg.ledger) {
            Ok(l) => l,
            Err(e) => return trouble(e),
        };
    let (source, root) = match &cfg.git {
        Some(g) => {
            let git = crate::publish::git::GitSource::new(
                g.remote.clone(),
                g.branch.clone(),
                g.checkout.clone(),
            );
            (
                crate::publish::daemon::Source::Git(Arc::new(git)),
                g.checkout.clone(),
            )
        }
        None => (
            crate::publish::daemon::Source::Dir(args.root.clone()),
            args.root.clone(),
        ),
    };
    if let Err(e) = crate::media::MediaCache::open(&cfg.cache_dir) {
        return trouble(e);
    }
    let metrics = Arc::new(crate::ops::metrics::Metrics::new());
    let publisher = match crate::publish::Publisher::new(settings(&cfg, root.clone(), 10_000)) {
        Ok(p) => p.with_metrics(metrics.clone()),
        Err(e) => return trouble(e),
    };
    let rt = match daemon_runtime() {
        Ok(rt) => rt,
        Err(e) => return trouble(e),
    };
    let health = Arc::new(crate::ops::monitor::Health::new(
        cfg.max_nap * 4 + std::time::Duration::from_secs(60),
    ));
    let result = rt.block_on(async {
        let monitor = match cfg.monitor {
            Some(addr) => {
                match crate::ops::monitor::serve(addr, metrics.clone(), health.clone()).await {
                    Ok(m) => {
                        tracing::info!(addr = %m.addr, "serving /healthz and /metrics");
                        Some(m)
                    }
                    Err(e) => return Err(e.to_string()),
                }
            }
            None => None,
        };
        let alerter = alerter(&cfg, &publisher, &root)?;
        let daemon = crate::publish::daemon::Daemon {
            publisher,
            ledger: &mut ledger,
            source,
            clock: Arc::new(crate::publish::daemon::SystemClock),
            options: crate::publish::daemon::Options {
                max_nap: cfg.max_nap,
                shutdown_timeout: cfg.shutdown,
                jobs: cfg.jobs.clone(),
                ..Default::default()
            },
            alerter,
            metrics,
            health,
            signals: Arc::default(),
        };
        let stop = stop_signal();
        let r = daemon
            .run(stop, |r| print(&pass_lines(r)))
            .await
            .map_err(|e| e.to_string());
        if let Some(m) = monitor {
            m.shutdown().await;
        }
        r
    });
    match result {
        Ok(()) => {
            tracing::info!("stopped");
            0
        }
        Err(e) => {
            tracing::error!(error = %e, "vestnik run stopped");
            trouble(e)
        }
    }
}

/// The daemon's runtime: two workers (the loop itself runs on the calling thread).
fn daemon_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
}

/// SIGTERM or Ctrl-C.
async fn stop_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
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
}

/// `vestnik run --sandbox`: the daemon publishing the plans under `--root` into the local
/// emulators, on a clock that may run faster than real time. Prints what goes out, then what
/// each page holds.
fn run_sandbox_demo(args: RunArgs) -> i32 {
    use std::sync::Arc;
    if let Err(e) = crate::ops::logging::init(
        args.log_format
            .unwrap_or(crate::ops::logging::LogFormat::Human),
        Some("warn"),
    ) {
        return trouble(e);
    }
    let reg = match read_registry(&args.root) {
        Ok(reg) => reg,
        Err(e) => return trouble(e),
    };
    let at = |t: &Option<String>| -> Result<Option<jiff::Timestamp>, String> {
        t.as_deref()
            .map(|t| crate::plan::time::parse_today(t, &reg.tz).map_err(|e| e.to_string()))
            .transpose()
    };
    let (start, until) = match (at(&args.start), at(&args.until)) {
        (Ok(s), Ok(u)) => (s.unwrap_or_else(jiff::Timestamp::now), u),
        (Err(e), _) | (_, Err(e)) => return trouble(e),
    };
    let dir = std::env::temp_dir().join(format!("vestnik-sandbox-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        return trouble(e);
    }
    let mut ledger =
        match crate::publish::ledger::sqlite::SqliteLedger::open(&dir.join("ledger.sqlite")) {
            Ok(l) => l,
            Err(e) => return trouble(e),
        };
    let rt = match daemon_runtime() {
        Ok(rt) => rt,
        Err(e) => return trouble(e),
    };
    let clock = Arc::new(crate::publish::daemon::FastClock::new(start, args.speed));
    let result = rt.block_on(async {
        let sb = crate::networks::sandbox::start(&reg)
            .await
            .map_err(|e| e.to_string())?;
        print(&sb.describe());
        let publisher = crate::publish::Publisher::new(crate::publish::Settings {
            root: args.root.clone(),
            grace: jiff::SignedDuration::from_hours(2),
            cache_dir: dir.join("cache"),
            credentials: sb.credentials(),
            rates: Vec::new(),
            limit: 10_000,
        })
        .map_err(|e| e.to_string())?;
        let daemon = crate::publish::daemon::Daemon {
            publisher,
            ledger: &mut ledger,
            source: crate::publish::daemon::Source::Dir(args.root.clone()),
            clock: clock.clone(),
            options: crate::publish::daemon::Options {
                max_nap: std::time::Duration::from_millis(500),
                jobs: crate::publish::daemon::Jobs {
                    weekly_summary: None,
                    ..Default::default()
                },
                ..Default::default()
            },
            alerter: None,
            metrics: Arc::new(crate::ops::metrics::Metrics::new()),
            health: Arc::new(crate::ops::monitor::Health::new(
                std::time::Duration::from_secs(60),
            )),
            signals: Arc::default(),
        };
        let tz = reg.tz.clone();
        let stop = async {
            let reached = async {
                match until {
                    Some(u) => loop {
                        if crate::publish::daemon::Clock::now(&*clock) >= u {
                            break;
                        }
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    },
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = stop_signal() => {}
                () = reached => {}
            }
        };
        let clock_for_report = clock.clone();
        daemon
            .run(stop, |r| {
                let lines = pass_lines(r);
                if !lines.is_empty() {
                    let now = crate::plan::time::local_label(
                        crate::publish::daemon::Clock::now(&*clock_for_report),
                        &tz,
                    );
                    print(
                        &lines
                            .lines()
                            .map(|l| format!("[{now}] {l}\n"))
                            .collect::<String>(),
                    );
                }
            })
            .await
            .map_err(|e| e.to_string())?;
        let mut out = String::from("\nwhat the emulators hold now:\n");
        for org in &reg.organizations {
            for (net, page) in &org.pages {
                let id = &page.id.value;
                let n = match net {
                    Network::Vk => id.parse().map_or(0, |g| sb.vk.state.wall(g).len()),
                    Network::Ok => sb.ok.state.topics(id).len(),
                    Network::Telegram => sb.telegram.state.messages(id).len(),
                };
                if n > 0 {
                    out.push_str(&format!(
                        "  {:<9} {:<28} {n} {}\n",
                        net.key(),
                        id,
                        if *net == Network::Telegram {
                            "messages"
                        } else {
                            "posts"
                        }
                    ));
                }
            }
        }
        print(&out);
        Ok::<(), String>(())
    });
    let _ = std::fs::remove_dir_all(&dir);
    match result {
        Ok(()) => 0,
        Err(e) => trouble(e),
    }
}

/// The registry of the content repository at `root`, read as every file of it is (regular,
/// inside, capped).
fn read_registry(root: &std::path::Path) -> Result<crate::plan::registry::Registry, String> {
    let repo =
        crate::plan::repo::Repo::open(root).map_err(|e| format!("{}: {e}", root.display()))?;
    repo.registry()
        .map(|(reg, _)| reg)
        .map_err(|d| format!("{}: {}", d.file, d.message))
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

fn run_resolve(args: ResolveArgs) -> i32 {
    use crate::publish::ledger::Ledger;
    let path = match crate::cli::config::ledger_path(&args.config) {
        Ok(p) => p,
        Err(e) => return trouble(e),
    };
    let Some((org, post)) = args.publication.split_once('/') else {
        return trouble("give the publication as ORG/POST, as `vestnik status` shows it");
    };
    let key = crate::publish::ledger::Key {
        org: org.to_owned(),
        post: post.to_owned(),
        network: args.network,
    };
    let mut ledger = match crate::publish::ledger::sqlite::SqliteLedger::open(&path) {
        Ok(l) => l,
        Err(e) => return trouble(e),
    };
    match ledger.resolve(&key, args.resend, jiff::Timestamp::now()) {
        Ok(true) => {
            print(&format!(
                "{}/{} on {}: {}\n",
                key.org,
                key.post,
                key.network,
                if args.resend {
                    "will be sent again at the next pass"
                } else {
                    "recorded as published"
                }
            ));
            0
        }
        Ok(false) => trouble(format!(
            "{}/{} on {} is not uncertain or failed (see `vestnik status`)",
            key.org, key.post, key.network
        )),
        Err(e) => trouble(e),
    }
}

fn run_status(args: StatusArgs) -> i32 {
    use crate::publish::ledger::Ledger;
    // Only the ledger's path: `status` needs no secrets.
    let path = match crate::cli::config::ledger_path(&args.config) {
        Ok(p) => p,
        Err(e) => return trouble(e),
    };
    let ledger = match crate::publish::ledger::sqlite::SqliteLedger::open(&path) {
        Ok(l) => l,
        Err(e) => return trouble(e),
    };
    let (entries, alerts) = match ledger
        .entries()
        .and_then(|e| Ok((e, ledger.pending_alerts()?)))
    {
        Ok(v) => v,
        Err(e) => return trouble(e),
    };
    let out = match args.format {
        Format::Json => {
            let rows: Vec<serde_json::Value> = entries
                .iter()
                .map(|e| {
                    let (remote_id, url, reason) = match &e.state {
                        crate::publish::ledger::State::Published { remote_id, url } => {
                            (Some(remote_id.clone()), url.clone(), None)
                        }
                        crate::publish::ledger::State::Failed { reason }
                        | crate::publish::ledger::State::Uncertain { reason } => {
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
        _ => {
            let mut out: String = entries
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
                .collect();
            let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
            for e in &entries {
                *counts.entry(e.state.name()).or_default() += 1;
            }
            let summary: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {s}")).collect();
            out.push_str(&format!(
                "{} publications: {}; {} alerts not delivered yet\n",
                entries.len(),
                if summary.is_empty() {
                    "none".to_owned()
                } else {
                    summary.join(", ")
                },
                alerts.len()
            ));
            out
        }
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
