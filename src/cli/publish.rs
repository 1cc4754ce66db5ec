//! `vestnik publish --due`: one publishing pass, for a system timer; and the lines a person
//! reads about a pass, which the daemon (`run.rs`) prints too.

use std::path::PathBuf;

use super::{CliError, alerter, print, settings, zone_of};

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
    /// Log lines as `human` text or `json` (overrides the config's `log`), on stderr as `run`
    /// writes them: a system timer's journal keeps a record of what was sent.
    #[arg(long, value_name = "FORMAT")]
    pub log_format: Option<crate::ops::logging::LogFormat>,
}

/// The lines of a pass that a person reads: what went out, what needs a person, what was missed
/// (times in the zone `tz`).
pub(super) fn pass_lines(r: &crate::publish::PassReport, tz: &jiff::tz::TimeZone) -> String {
    let published = |p: &crate::publish::Published| {
        crate::t!(
            "pass-published",
            what = crate::publish::alert::what(&p.key),
            id = p.remote_id.as_str()
        )
    };
    pass_lines_with(r, tz, &published, &|l| l)
}

/// The lines of a pass, each publication's written by `published`, and every other line passed
/// through `other` (the demo stamps those with the time of the pass, and each publication with
/// its own).
pub(super) fn pass_lines_with(
    r: &crate::publish::PassReport,
    tz: &jiff::tz::TimeZone,
    published: &dyn Fn(&crate::publish::Published) -> String,
    other: &dyn Fn(String) -> String,
) -> String {
    use crate::publish::alert::what;
    let mut lines = Vec::new();
    for (file, why) in &r.broken_files {
        lines.push(crate::t!(
            "pass-skipped",
            file = file.as_str(),
            why = why.as_str()
        ));
    }
    for k in &r.sync.missed {
        lines.push(crate::t!("pass-missed", what = what(k)));
    }
    for k in &r.sync.edited_after_publication {
        lines.push(crate::t!("pass-edited", what = what(k)));
    }
    let mut lines: Vec<String> = lines.into_iter().map(other).collect();
    for p in &r.published {
        lines.push(published(p));
    }
    let mut rest = Vec::new();
    for (k, at, why) in &r.retried {
        let at = crate::plan::time::human(*at, tz, false);
        rest.push(if why.is_empty() {
            crate::t!("pass-retry", what = what(k), at = at)
        } else {
            crate::t!(
                "pass-retry-why",
                what = what(k),
                at = at,
                why = why.as_str()
            )
        });
    }
    for (k, why) in r.failed.iter().chain(&r.uncertain) {
        rest.push(crate::t!(
            "pass-needs-person",
            what = what(k),
            why = why.as_str()
        ));
    }
    lines.extend(rest.into_iter().map(other));
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// `vestnik publish --due`: publishes what is due, delivers the alerts, prints the pass; 1 when
/// a publication failed or is uncertain.
pub(super) fn run(args: PublishArgs) -> Result<i32, CliError> {
    if !args.due {
        return Err(CliError::NeedsDue);
    }
    // The zone for --now; a registry that cannot be read is reported by the pass itself.
    let tz = zone_of(&args.root);
    let now = match &args.now {
        Some(t) => crate::plan::time::parse_today(t, &tz).map_err(CliError::Now)?,
        None => jiff::Timestamp::now(),
    };
    let cfg = crate::cli::config::load(&args.config, Some(&args.root))?;
    super::configured_language(cfg.language);
    crate::ops::logging::init(args.log_format.unwrap_or(cfg.log), None)?;
    let mut ledger = cfg.ledger.open_for_publishing()?;
    crate::media::MediaCache::open(&cfg.cache_dir)?;
    let mut publisher =
        crate::publish::Publisher::new(settings(&cfg, args.root.clone(), args.limit))?
            .with_tools(cfg.tools.clone());
    let alerter = alerter(&cfg, &publisher, &args.root)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (r, delivered) = rt.block_on(async {
        let r = crate::publish::run_once(&mut publisher, now, &mut *ledger).await?;
        // Alerts go out with the pass; what cannot be delivered waits for the next one.
        let delivered = match &alerter {
            Some(a) => Some(a.deliver(&mut *ledger, now).await?),
            None => None,
        };
        Ok::<_, crate::publish::PassError>((r, delivered))
    })?;
    let mut out = pass_lines(&r, &tz);
    out.push_str(&crate::t!(
        "pass-summary",
        published = r.published.len(),
        retry = r.retried.len(),
        failed = r.failed.len(),
        uncertain = r.uncertain.len() + r.recovered_uncertain.len(),
        missed = r.sync.missed.len()
    ));
    out.push('\n');
    if let Some(d) = delivered {
        out.push_str(&crate::t!(
            "pass-alerts",
            sent = d.sent,
            waiting = d.pending
        ));
        out.push('\n');
    }
    print(&out);
    Ok(i32::from(
        !(r.failed.is_empty() && r.uncertain.is_empty() && r.recovered_uncertain.is_empty()),
    ))
}
