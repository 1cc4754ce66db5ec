//! `vestnik run`: the daemon, publishing as things fall due until stopped; and `vestnik run
//! --sandbox`, a demo of it publishing into the local emulators on a clock that may run fast.

use std::path::PathBuf;
use std::sync::Arc;

use super::publish::{pass_lines, pass_lines_with};
use super::{CliError, alerter, print, read_registry, settings};
use crate::plan::network::Network;

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

/// `vestnik run`: the daemon until SIGTERM or Ctrl-C (0), or until it stops on its own (an
/// error); with `--sandbox`, the demo.
pub(super) fn run(args: RunArgs) -> Result<i32, CliError> {
    let Some(config) = &args.config else {
        return run_sandbox_demo(args);
    };
    let cfg = crate::cli::config::load(config, Some(&args.root))?;
    super::configured_language(cfg.language);
    let format = args.log_format.unwrap_or(cfg.log);
    crate::ops::logging::init(format, None)?;
    let mut ledger = cfg.ledger.open_for_publishing()?;
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
    crate::media::MediaCache::open(&cfg.cache_dir)?;
    let metrics = Arc::new(crate::ops::metrics::Metrics::new());
    let tz = super::zone_of(&root);
    let publisher = crate::publish::Publisher::new(settings(&cfg, root.clone(), 10_000))?
        .with_tools(cfg.tools.clone())
        .with_metrics(metrics.clone())
        .with_media_ahead(cfg.media_ahead)
        .map_err(CliError::Runtime)?
        .with_uploads_ahead(cfg.upload_ahead);
    let rt = daemon_runtime()?;
    let health = Arc::new(crate::ops::monitor::Health::new(
        cfg.max_nap * 4 + std::time::Duration::from_secs(60),
    ));
    let result = rt.block_on(async {
        let monitor = match cfg.monitor {
            Some(addr) => {
                let m = crate::ops::monitor::serve(addr, metrics.clone(), health.clone()).await?;
                tracing::info!(addr = %m.addr, "serving /healthz and /metrics");
                Some(m)
            }
            None => None,
        };
        // Alerts are delivered on their own task, through a second connection to the ledger
        // (this process holds the publisher's lock).
        let alerts = match alerter(&cfg, &publisher, &root)? {
            Some(alerter) => Some(crate::publish::daemon::Alerts {
                alerter,
                ledger: cfg.ledger.open()?,
            }),
            None => None,
        };
        let moderation = moderation(&cfg, &publisher, &root)?;
        let audit = audit(&cfg, &publisher, moderation.as_ref())?;
        let daemon = crate::publish::daemon::Daemon {
            publisher,
            ledger: &mut *ledger,
            source,
            clock: Arc::new(crate::publish::daemon::SystemClock),
            options: crate::publish::daemon::Options {
                max_nap: cfg.max_nap,
                shutdown_timeout: cfg.shutdown,
                jobs: cfg.jobs.clone(),
                ..Default::default()
            },
            alerts,
            moderation,
            audit,
            metrics,
            health,
            signals: Arc::default(),
        };
        let r = daemon
            .run(stop_when(stop_signal()), |r| print(&pass_lines(r, &tz)))
            .await;
        if let Some(m) = monitor {
            m.shutdown().await;
        }
        Ok::<(), CliError>(r?)
    });
    match result {
        Ok(()) => {
            tracing::info!("stopped");
            Ok(0)
        }
        Err(e) => {
            tracing::error!(error = %e, "vestnik run stopped");
            Err(e)
        }
    }
}

/// Comment moderation for the daemon, when `jobs.moderate` is on: the publisher's clients, the
/// classifier with the content repository's own rules (the built-in ones when the repository
/// cannot be read yet: a checkout made by the first sync), and connections of its own to the
/// ledger for the passes and for the Telegram poller.
fn moderation(
    cfg: &crate::cli::config::Config,
    publisher: &crate::publish::Publisher,
    root: &std::path::Path,
) -> Result<Option<crate::publish::daemon::Moderation>, CliError> {
    if cfg.jobs.moderate.is_none() {
        return Ok(None);
    }
    let classifier = match crate::plan::repo::Repo::open(root) {
        Ok(repo) => {
            let (classifier, problems) = crate::moderation::Classifier::load(&repo);
            for d in &problems {
                tracing::warn!(file = %d.file, line = d.pos.line, problem = %d.message, "a moderation rule was not read");
            }
            classifier
        }
        Err(_) => crate::moderation::Classifier::builtin(),
    };
    let clients = publisher.moderation_clients();
    let poller = match &clients.telegram {
        Some(tg) => Some((tg.clone(), cfg.ledger.open()?)),
        None => None,
    };
    Ok(Some(crate::publish::daemon::Moderation {
        moderator: crate::publish::moderation::Moderator::new(clients, Arc::new(classifier)),
        ledger: cfg.ledger.open()?,
        poller,
    }))
}

/// The audit of the real pages for the daemon, when `jobs.audit` is on: the publisher's
/// clients and a connection of its own to the ledger. The Telegram update poller is
/// moderation's when moderation runs (one poller per bot); else the audit runs it.
fn audit(
    cfg: &crate::cli::config::Config,
    publisher: &crate::publish::Publisher,
    moderation: Option<&crate::publish::daemon::Moderation>,
) -> Result<Option<crate::publish::daemon::Audit>, CliError> {
    if cfg.jobs.audit.is_none() {
        return Ok(None);
    }
    let clients = publisher.moderation_clients();
    let poller = match (&clients.telegram, moderation) {
        (Some(_), Some(m)) if m.poller.is_some() => None,
        (Some(tg), _) => Some((tg.clone(), cfg.ledger.open()?)),
        (None, _) => None,
    };
    Ok(Some(crate::publish::daemon::Audit {
        auditor: crate::publish::audit::Auditor::new(clients),
        ledger: cfg.ledger.open()?,
        poller,
    }))
}

/// The daemon's runtime: two workers (the loop itself runs on the calling thread).
fn daemon_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
}

/// A stop token for the daemon, cancelled when `cause` completes (a signal, the demo's end).
fn stop_when(
    cause: impl std::future::Future<Output = ()> + Send + 'static,
) -> tokio_util::sync::CancellationToken {
    let token = tokio_util::sync::CancellationToken::new();
    let cancel = token.clone();
    tokio::spawn(async move {
        cause.await;
        cancel.cancel();
    });
    token
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
fn run_sandbox_demo(args: RunArgs) -> Result<i32, CliError> {
    // Quiet unless `VESTNIK_LOG` asks for more: the demo's own lines are the point.
    let quiet = std::env::var_os(crate::ops::logging::FILTER_ENV).is_none();
    crate::ops::logging::init(
        args.log_format
            .unwrap_or(crate::ops::logging::LogFormat::Human),
        quiet.then_some("warn"),
    )?;
    let reg = read_registry(&args.root)?;
    let at = |t: &Option<String>| {
        t.as_deref()
            .map(|t| crate::plan::time::parse_today(t, &reg.tz))
            .transpose()
    };
    let start = at(&args.start)?.unwrap_or_else(jiff::Timestamp::now);
    let until = at(&args.until)?;
    let dir = std::env::temp_dir().join(format!("vestnik-sandbox-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let mut ledger =
        crate::publish::ledger::sqlite::SqliteLedger::open(&dir.join("ledger.sqlite"))?;
    let rt = daemon_runtime()?;
    let clock = Arc::new(crate::publish::daemon::FastClock::new(start, args.speed));
    let result = rt.block_on(async {
        let sb = crate::networks::sandbox::start(&reg)
            .await
            .map_err(CliError::Emulators)?;
        print(&sb.describe());
        let publisher = crate::publish::Publisher::new(crate::publish::Settings {
            root: args.root.clone(),
            grace: jiff::SignedDuration::from_hours(2),
            cache_dir: dir.join("cache"),
            credentials: sb.credentials(),
            rates: Vec::new(),
            limit: 10_000,
        })?
        .with_media_ahead(crate::publish::ahead::HORIZON)
        .map_err(CliError::Runtime)?;
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
            alerts: None,
            moderation: None,
            audit: None,
            metrics: Arc::new(crate::ops::metrics::Metrics::new()),
            health: Arc::new(crate::ops::monitor::Health::new(
                std::time::Duration::from_secs(60),
            )),
            signals: Arc::default(),
        };
        let tz = reg.tz.clone();
        let demo_clock = clock.clone();
        let stop = stop_when(async move {
            let reached = async {
                match until {
                    Some(u) => loop {
                        if crate::publish::daemon::Clock::now(&*demo_clock) >= u {
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
        });
        let clock_for_report = clock.clone();
        daemon
            .run(stop, |r| {
                // Each publication with its own time and lateness; the rest with the time the
                // pass ended.
                let now = crate::plan::time::local_label(
                    crate::publish::daemon::Clock::now(&*clock_for_report),
                    &tz,
                );
                let published = |p: &crate::publish::Published| {
                    crate::t!(
                        "demo-published",
                        at = crate::plan::time::local_label(p.at, &tz),
                        what = crate::publish::alert::what(&p.key),
                        id = p.remote_id.as_str(),
                        late = late_words(p.late)
                    )
                };
                print(&pass_lines_with(r, &tz, &published, &|l| {
                    format!("[{now}] {l}")
                }));
            })
            .await?;
        let mut out = format!("\n{}\n", crate::t!("demo-held"));
        for org in &reg.organizations {
            for (net, page) in &org.pages {
                let id = &page.id.value;
                let n = match net {
                    Network::Vk => id.parse().map_or(0, |g| sb.vk.state.wall(g).len()),
                    Network::Ok => sb.ok.state.topics(id).len(),
                    Network::Telegram => sb.telegram.state.messages(id).len(),
                };
                if n > 0 {
                    let messages = if *net == Network::Telegram {
                        "yes"
                    } else {
                        "no"
                    };
                    out.push_str(&format!(
                        "  {:<9} {:<28} {}\n",
                        net.key(),
                        id,
                        crate::t!("demo-count", count = n, messages = messages)
                    ));
                }
            }
        }
        print(&out);
        Ok::<(), CliError>(())
    });
    let _ = std::fs::remove_dir_all(&dir);
    result?;
    Ok(0)
}

/// How late a publication of the demo went out, in the demo's clock: on time, seconds, or
/// whole minutes.
fn late_words(late: jiff::SignedDuration) -> String {
    let secs = late.as_secs();
    if secs <= 0 {
        crate::t!("demo-late-none")
    } else if secs < 60 {
        crate::t!("demo-late-seconds", n = secs)
    } else {
        crate::t!("demo-late-minutes", n = secs / 60)
    }
}
