//! `vestnik audit`: one audit of the real pages (what the daemon's `jobs.audit` does): reads
//! every official page through the publishing clients, keeps what it saw in the ledger, and
//! prints the findings (`crate::audit`) as `check` prints its diagnostics, or as JSON
//! (docs/audit.md). Exit codes as `check`'s: 0 no error, 1 error-level findings, 2 trouble.

use std::io::{IsTerminal, Write as _};
use std::path::PathBuf;

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::{CliError, print, settings};
use crate::audit::{Finding, Level, Scope};
use crate::plan::time::IsoWeek;
use crate::publish::audit::{
    Auditor, Options, Pass, Progress, Settled, external_posts, settle_uncertain,
};
use crate::publish::ledger::Key;

/// Flags of `audit`.
#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// The daemon's configuration (ledger, networks, secrets files).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// The content repository (the registry names the pages).
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// Only the pages of this organization.
    #[arg(long, value_name = "ID")]
    pub org: Option<String>,
    /// The first ISO week audited, like 2026-W45 (default: three weeks before --to).
    #[arg(long, value_name = "WEEK")]
    pub from: Option<String>,
    /// The last ISO week audited (default: the last week that is over, in the district's zone).
    #[arg(long, value_name = "WEEK")]
    pub to: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: AuditFormat,
}

/// How the findings are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuditFormat {
    /// As `check` prints its diagnostics, with a summary line.
    Human,
    /// One JSON object (see docs/audit.md).
    Json,
}

/// The weeks of `--from` and `--to`, by default the four weeks that ended last (in `tz`).
fn weeks(
    from: Option<&str>,
    to: Option<&str>,
    now: Timestamp,
    tz: &jiff::tz::TimeZone,
) -> Result<(IsoWeek, IsoWeek), CliError> {
    let parse = |w: &str| {
        w.trim()
            .parse::<IsoWeek>()
            .map_err(|_| CliError::Audit(crate::t!("audit-bad-week", week = w)))
    };
    let week = SignedDuration::from_hours(7 * 24);
    let to = match to {
        Some(w) => parse(w)?,
        None => crate::audit::default_weeks(now, tz).1,
    };
    let from = match from {
        Some(w) => parse(w)?,
        None => {
            let end = crate::audit::week_start(to, tz);
            IsoWeek::of(end - week * (crate::audit::DEFAULT_WEEKS as i32 - 1), tz)
        }
    };
    if from > to {
        return Err(CliError::Audit(crate::t!(
            "audit-weeks-reversed",
            from = from.to_string(),
            to = to.to_string()
        )));
    }
    Ok((from, to))
}

/// `vestnik audit`.
pub(super) fn run(args: AuditArgs) -> Result<i32, CliError> {
    let cfg = crate::cli::config::load(&args.config, Some(&args.root))?;
    super::configured_language(cfg.language);
    let (_, registry) = super::read_repo_registry(&args.root)?;
    if let Some(org) = &args.org
        && registry.org(org).is_none()
    {
        return Err(CliError::UnknownOrg(org.clone()));
    }
    let now = Timestamp::now();
    let (from, to) = weeks(args.from.as_deref(), args.to.as_deref(), now, &registry.tz)?;
    let mut ledger = cfg.ledger.open()?;
    let publisher = crate::publish::Publisher::new(settings(&cfg, args.root.clone(), 1))?;
    let clients = publisher.moderation_clients();
    // This process publishes nothing: its reads may use each token's whole rate limit.
    clients.publishing_nothing();
    let external = external_posts(&args.root, &registry);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let show = args.format == AuditFormat::Human && std::io::stderr().is_terminal();
    let mut progress = move |p: &Progress| {
        if show {
            let line = crate::t!(
                "audit-progress",
                done = p.done,
                total = p.total,
                calls = p.calls,
                left = p.left_secs()
            );
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K{line}");
            if p.done == p.total {
                let _ = writeln!(err);
            }
            let _ = err.flush();
        }
    };
    let options = Options {
        org: args.org.clone(),
        from,
        to,
    };
    let pass = rt.block_on(async {
        if let Some(tg) = &clients.telegram {
            // The channel posts waiting in the bot's queue (a hundred a call), kept as
            // observations, without long polling.
            for _ in 0..100 {
                match crate::publish::moderation::receive_updates(tg, &mut *ledger, 0).await {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(e) => {
                        eprintln!(
                            "{}",
                            crate::t!("moderation-updates-failed", error = e.to_string())
                        );
                        break;
                    }
                }
            }
        }
        let mut auditor = Auditor::new(clients);
        auditor
            .read(&registry, &mut *ledger, now, &options, &mut progress)
            .await
    })?;
    let settled = settle_uncertain(
        &mut *ledger,
        &registry,
        &args.root,
        &pass,
        crate::audit::week_start(from, &registry.tz),
        now,
    )?;
    let scope = Scope { from, to, now };
    let findings = crate::audit::judge(
        &registry,
        &scope,
        &pass.readings,
        &pass.published,
        &external,
    );
    let errors = findings.iter().filter(|f| f.level == Level::Error).count();
    match args.format {
        AuditFormat::Human => print(&human(&findings, &pass, &scope, &settled)),
        AuditFormat::Json => print(&json_text(&findings, &pass, &scope, &settled)),
    }
    Ok(if errors > 0 { 1 } else { 0 })
}

/// The findings as `check` prints diagnostics, the pages not read, and a summary line.
fn human(findings: &[Finding], pass: &Pass, scope: &Scope, settled: &[(Key, Settled)]) -> String {
    let mut out = String::new();
    for f in findings {
        out.push_str(&format!(
            "{}[{}]: {}\n",
            crate::t!("audit-level", level = f.level.key()),
            f.rule,
            f.message
        ));
        let mut at = format!("{} · {} {}", f.org, f.network, f.page);
        if let Some(w) = f.week {
            at.push_str(&format!(" · {w}"));
        }
        out.push_str(&format!("  --> {at}\n"));
        out.push_str(&format!("   = {}: {}\n\n", crate::t!("hint"), f.hint));
    }
    for (key, how) in settled {
        out.push_str(&settled_line(key, how));
        out.push('\n');
    }
    for (page, why) in &pass.problems {
        out.push_str(&crate::t!(
            "audit-read-failed",
            place = page.as_str(),
            error = why.as_str()
        ));
        out.push('\n');
    }
    let count = |l: Level| findings.iter().filter(|f| f.level == l).count();
    let errors = count(Level::Error);
    let verdict = if errors == 0 {
        crate::t!("audit-verdict-passed")
    } else {
        crate::t!("audit-verdict-failed")
    };
    out.push_str(&crate::t!(
        "audit-summary",
        verdict = verdict,
        errors = errors,
        warnings = count(Level::Warning),
        infos = count(Level::Info),
        pages = pass.readings.len(),
        from = scope.from.to_string(),
        to = scope.to.to_string()
    ));
    out.push('\n');
    out
}

/// What became of an uncertain publication, for a person.
fn settled_line(key: &Key, how: &Settled) -> String {
    let publication = format!("{}/{} ({})", key.org, key.post, key.network);
    match how {
        Settled::Published(id) => crate::t!(
            "audit-settled-published",
            publication = publication,
            id = id.as_str()
        ),
        Settled::Resend => crate::t!("audit-settled-resend", publication = publication),
        Settled::Person(links) if links.is_empty() => {
            crate::t!("audit-settled-person-private", publication = publication)
        }
        Settled::Person(links) => crate::t!(
            "audit-settled-person",
            publication = publication,
            links = links.join(" ")
        ),
    }
}

/// The JSON contract of docs/audit.md; key order is part of it.
fn json_text(
    findings: &[Finding],
    pass: &Pass,
    scope: &Scope,
    settled: &[(Key, Settled)],
) -> String {
    let count = |l: Level| findings.iter().filter(|f| f.level == l).count();
    let items: Vec<Value> = findings
        .iter()
        .map(|f| {
            let mut v = serde_json::Map::new();
            v.insert("rule".into(), json!(f.rule.id()));
            v.insert("level".into(), json!(f.level.key()));
            v.insert("org".into(), json!(f.org));
            v.insert("network".into(), json!(f.network.key()));
            v.insert("page".into(), json!(f.page));
            if let Some(w) = f.week {
                v.insert("week".into(), json!(w.to_string()));
            }
            v.insert("message".into(), json!(f.message));
            v.insert("hint".into(), json!(f.hint));
            if let Some(n) = f.observed {
                v.insert("observed".into(), json!(n));
            }
            if !f.missing.is_empty() {
                v.insert(
                    "missing".into(),
                    json!(f.missing.iter().map(|e| e.key()).collect::<Vec<_>>()),
                );
            }
            Value::Object(v)
        })
        .collect();
    let problems: Vec<Value> = pass
        .problems
        .iter()
        .map(|(page, why)| json!({"page": page, "error": why}))
        .collect();
    let settled: Vec<Value> = settled
        .iter()
        .map(|(key, how)| {
            let mut v = json!({
                "org": key.org.to_string(),
                "post": key.post.to_string(),
                "network": key.network.key(),
            });
            match how {
                Settled::Published(id) => {
                    v["outcome"] = json!("published");
                    v["remote_id"] = json!(id);
                }
                Settled::Resend => v["outcome"] = json!("resend"),
                Settled::Person(links) => {
                    v["outcome"] = json!("person");
                    v["links"] = json!(links);
                }
            }
            v["message"] = json!(settled_line(key, how));
            v
        })
        .collect();
    let v = json!({
        "findings": items,
        "settled": settled,
        "summary": {
            "errors": count(Level::Error),
            "warnings": count(Level::Warning),
            "infos": count(Level::Info),
            "passed": count(Level::Error) == 0,
            "pages": pass.readings.len(),
            "calls": pass.calls,
            "new_posts": pass.new_posts,
            "from": scope.from.to_string(),
            "to": scope.to.to_string(),
            "not_read": problems,
        }
    });
    let mut out = serde_json::to_string_pretty(&v).unwrap_or_default();
    out.push('\n');
    out
}
