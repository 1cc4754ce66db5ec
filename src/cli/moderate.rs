//! `vestnik moderate`: one moderation pass over the official pages' comments (what the
//! daemon's `jobs.moderate` does), and `vestnik moderation log` and `restore`, the journal as a
//! person reads and undoes it.

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{Value, json};

use super::{CliError, alerter, print, settings, zone_of};
use crate::publish::ledger::journal::Moderated;
use crate::publish::moderation::{self, Done, Moderator, Options, Summary};

/// Flags of `moderate`.
#[derive(Debug, clap::Args)]
pub struct ModerateArgs {
    /// Judge and print what would be done, changing nothing: nothing deleted or journaled, no
    /// Telegram update taken from the bot's queue.
    #[arg(long)]
    pub dry_run: bool,
    /// The content repository (the registry says which pages are moderated, and how).
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// The daemon's configuration (ledger, networks, secrets files).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// Only the pages of this organization.
    #[arg(long, value_name = "ID")]
    pub org: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: JournalFormat,
}

/// How the journal and a pass are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum JournalFormat {
    /// One line per comment acted on: journal id, action, network, category, rule, excerpt.
    Human,
    /// One JSON object (see docs/moderation.md).
    Json,
}

/// Flags of `moderation log`.
#[derive(Debug, clap::Args)]
pub struct LogArgs {
    /// The daemon's configuration (to find the ledger).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// Only this organization's actions.
    #[arg(long, value_name = "ID")]
    pub org: Option<String>,
    /// The newest actions shown.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub limit: u32,
    /// The content repository, for the district's zone in its registry.
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: JournalFormat,
}

/// Flags of `moderation restore`.
#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// The journal id of the deletion (`vestnik moderation log` shows it).
    pub id: i64,
    /// The content repository.
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// The daemon's configuration (ledger, networks, secrets files).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
}

/// Who a person is in the journal: the login that ran the command.
fn person() -> String {
    std::env::var("SUDO_USER")
        .or_else(|_| std::env::var("USER"))
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "person".to_owned())
}

/// `vestnik moderate`: 0 when every page was read, 1 when some could not be (the others were
/// moderated).
pub(super) fn run(args: ModerateArgs) -> Result<i32, CliError> {
    let cfg = crate::cli::config::load(&args.config, Some(&args.root))?;
    super::configured_language(cfg.language);
    let (repo, registry) = super::read_repo_registry(&args.root)?;
    if let Some(org) = &args.org
        && registry.org(org).is_none()
    {
        return Err(CliError::UnknownOrg(org.clone()));
    }
    let (classifier, problems) = crate::moderation::Classifier::load(&repo);
    for d in &problems {
        eprintln!("{}:{}:{}: {}", d.file, d.pos.line, d.pos.column, d.message);
    }
    let mut ledger = cfg.ledger.open_for_publishing()?;
    let publisher = crate::publish::Publisher::new(settings(&cfg, args.root.clone(), 1))?;
    let alerter = alerter(&cfg, &publisher, &args.root)?;
    let clients = publisher.moderation_clients();
    // This process publishes nothing: its reads may use each token's whole rate limit.
    clients.publishing_nothing();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let now = jiff::Timestamp::now();
    let options = Options {
        dry_run: args.dry_run,
        org: args.org.clone(),
        by: person(),
    };
    let summary = rt.block_on(async {
        if let (Some(tg), false) = (&clients.telegram, args.dry_run) {
            // Everything waiting in the bot's queue (a hundred a call), without long polling.
            for _ in 0..100 {
                match moderation::receive_updates(tg, &mut *ledger, 0).await {
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
        let mut moderator = Moderator::new(clients, Arc::new(classifier));
        let summary = moderator
            .pass(&registry, &mut *ledger, now, &options)
            .await?;
        if let Some(a) = &alerter {
            a.deliver(&mut *ledger, now).await?;
        }
        Ok::<_, crate::publish::ledger::LedgerError>(summary)
    })?;
    let out = match args.format {
        JournalFormat::Json => pass_json(&summary, args.dry_run),
        JournalFormat::Human => pass_text(&summary, args.dry_run),
    };
    print(&out);
    Ok(i32::from(!summary.problems.is_empty()))
}

fn pass_text(s: &Summary, dry_run: bool) -> String {
    let mut out = String::new();
    for d in &s.done {
        out.push_str(&moderation::line(d));
        out.push('\n');
    }
    for (page, why) in &s.problems {
        out.push_str(&crate::t!(
            "moderation-page-failed",
            page = page.as_str(),
            why = why.as_str()
        ));
        out.push('\n');
    }
    let deleted = s
        .done
        .iter()
        .filter(|d| d.action.action == crate::publish::ledger::journal::Action::Deleted)
        .count();
    out.push_str(&crate::t!(
        if dry_run {
            "moderation-summary-dry"
        } else {
            "moderation-summary"
        },
        judged = s.judged,
        deleted = deleted,
        reported = s.done.len() - deleted
    ));
    out.push('\n');
    out
}

fn done_json(d: &Done) -> Value {
    let a = &d.action;
    json!({
        "id": d.id,
        "org": a.org,
        "network": a.at.network.key(),
        "page": a.at.page,
        "thread": a.at.thread,
        "comment": a.at.comment,
        "author": a.author,
        "category": a.category,
        "rule": a.rule,
        "verdict": a.verdict,
        "action": a.action.key(),
        "excerpt": a.excerpt,
        "at": a.when.to_string(),
        "by": a.by,
        "not_deleted": d.not_deleted,
    })
}

fn pass_json(s: &Summary, dry_run: bool) -> String {
    let v = json!({
        "version": 1,
        "dry_run": dry_run,
        "judged": s.judged,
        "actions": s.done.iter().map(done_json).collect::<Vec<_>>(),
        "problems": s.problems.iter().map(|(page, why)| json!({"page": page, "error": why})).collect::<Vec<_>>(),
    });
    format!("{v:#}\n")
}

fn moderated_json(m: &Moderated) -> Value {
    let mut v = done_json(&Done {
        id: Some(m.id),
        action: m.action.clone(),
        not_deleted: None,
    });
    if let Some(o) = v.as_object_mut() {
        o.remove("not_deleted");
        o.insert(
            "restored".into(),
            match &m.restored {
                Some((at, by)) => json!({"at": at.to_string(), "by": by}),
                None => Value::Null,
            },
        );
    }
    v
}

/// `vestnik moderation log`: the journal, newest first.
pub(super) fn log(args: LogArgs) -> Result<i32, CliError> {
    let ledger = crate::cli::config::ledger_location(&args.config)?.open_read_only()?;
    let entries = moderation::log(&*ledger, args.org.as_deref(), args.limit as usize)?;
    let out = match args.format {
        JournalFormat::Json => format!(
            "{:#}\n",
            json!({"version": 1, "actions": entries.iter().map(moderated_json).collect::<Vec<_>>()})
        ),
        JournalFormat::Human => {
            let tz = zone_of(&args.root);
            let mut out = String::new();
            for m in &entries {
                out.push_str(&crate::plan::time::human(m.action.when, &tz, false));
                out.push(' ');
                out.push_str(&moderation::line(&Done {
                    id: Some(m.id),
                    action: m.action.clone(),
                    not_deleted: None,
                }));
                if let Some((at, by)) = &m.restored {
                    out.push(' ');
                    out.push_str(&crate::t!(
                        "moderation-restored-mark",
                        at = crate::plan::time::human(*at, &tz, false),
                        by = by.as_str()
                    ));
                }
                out.push('\n');
            }
            if entries.is_empty() {
                out.push_str(&crate::t!("moderation-log-empty"));
                out.push('\n');
            }
            out
        }
    };
    print(&out);
    Ok(0)
}

/// `vestnik moderation restore ID`: brings a deleted comment back where the network allows.
pub(super) fn restore(args: RestoreArgs) -> Result<i32, CliError> {
    let cfg = crate::cli::config::load(&args.config, Some(&args.root))?;
    super::configured_language(cfg.language);
    // The daemon may be running: a connection of its own, as its alert task has.
    let mut ledger = cfg.ledger.open()?;
    let publisher = crate::publish::Publisher::new(settings(&cfg, args.root.clone(), 1))?;
    let clients = publisher.moderation_clients();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let restored = rt.block_on(moderation::restore(
        &clients,
        &mut *ledger,
        args.id,
        jiff::Timestamp::now(),
        &person(),
    ));
    match restored {
        Ok(m) => {
            print(&format!(
                "{}\n",
                crate::t!(
                    "moderation-restored",
                    id = m.id,
                    excerpt = m.action.excerpt.as_str()
                )
            ));
            Ok(0)
        }
        Err(e) => Err(CliError::Moderation(e.to_string())),
    }
}
