//! `vestnik publish --due`: one publishing pass, for a system timer; and the lines a person
//! reads about a pass, which the daemon (`run.rs`) prints too.

use std::path::PathBuf;

use super::{CliError, alerter, print, read_registry, settings};

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

/// The lines of a pass that a person reads: what went out, what needs a person, what was missed.
pub(super) fn pass_lines(r: &crate::publish::PassReport) -> String {
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

/// `vestnik publish --due`: publishes what is due, delivers the alerts, prints the pass; 1 when
/// a publication failed or is uncertain.
pub(super) fn run(args: PublishArgs) -> Result<i32, CliError> {
    if !args.due {
        return Err("`publish` needs --due (publish what is due now)".into());
    }
    // The zone for --now; a registry that cannot be read is reported by the pass itself.
    let tz = read_registry(&args.root)
        .unwrap_or_else(|_| {
            crate::plan::registry::Registry::unusable(crate::plan::registry::REGISTRY_PATH)
        })
        .tz;
    let now = match &args.now {
        Some(t) => crate::plan::time::parse_today(t, &tz).map_err(CliError::Now)?,
        None => jiff::Timestamp::now(),
    };
    let cfg = crate::cli::config::load(&args.config, Some(&args.root))?;
    super::configured_language(cfg.language);
    let mut ledger =
        crate::publish::ledger::sqlite::SqliteLedger::open_for_publishing(&cfg.ledger)?;
    crate::media::MediaCache::open(&cfg.cache_dir)?;
    let mut publisher =
        crate::publish::Publisher::new(settings(&cfg, args.root.clone(), args.limit))?;
    let alerter = alerter(&cfg, &publisher, &args.root)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (r, delivered) = rt.block_on(async {
        let r = crate::publish::run_once(&mut publisher, now, &mut ledger).await?;
        // Alerts go out with the pass; what cannot be delivered waits for the next one.
        let delivered = match &alerter {
            Some(a) => Some(a.deliver(&mut ledger, now).await?),
            None => None,
        };
        Ok::<_, crate::publish::PassError>((r, delivered))
    })?;
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
    Ok(i32::from(
        !(r.failed.is_empty() && r.uncertain.is_empty() && r.recovered_uncertain.is_empty()),
    ))
}
