//! `vestnik status`: the ledger as a person or a script reads it — each publication's state,
//! why a row waits beyond its time or failed, since when, its next attempt, and the alerts not
//! delivered yet.

use std::path::PathBuf;

use jiff::tz::TimeZone;

use super::{CliError, print, zone_of};
use crate::plan::time::human;
use crate::publish::ledger::{Entry, State};

/// Flags of `status`.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// The daemon's configuration (to find the ledger).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// The content repository, for the district's zone in its registry (the default zone,
    /// Asia/Novokuznetsk, when it has none).
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: StatusFormat,
}

/// What `status` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusFormat {
    /// One line per publication (local time, network, organization/post, state), then why a
    /// row waits or failed, since when and its next attempt, and a summary.
    Human,
    /// One JSON object: `publications`, each with `org`, `post`, `network`, `due`, `state`,
    /// `attempts`, `remote_id`, `url`, `reason`, `since`, `next_attempt` (times in UTC,
    /// RFC 3339).
    Json,
}

/// `vestnik status`: prints the ledger's publications and a summary.
pub(super) fn run(args: StatusArgs) -> Result<i32, CliError> {
    // Only where the ledger lives: `status` needs no secrets.
    let ledger = crate::cli::config::ledger_location(&args.config)?.open_read_only()?;
    let entries = ledger.entries()?;
    let alerts = ledger.pending_alerts()?.len();
    let out = match args.format {
        StatusFormat::Json => json(&entries),
        StatusFormat::Human => human_text(&entries, alerts, &zone_of(&args.root)),
    };
    print(&out);
    Ok(0)
}

/// Why a row is where it is, since when, and when it is tried next (for rows that wait).
struct Why<'a> {
    reason: Option<&'a str>,
    since: Option<jiff::Timestamp>,
    next_attempt: Option<jiff::Timestamp>,
}

fn why(e: &Entry) -> Why<'_> {
    match &e.state {
        State::Failed { reason } | State::Uncertain { reason } => Why {
            reason: Some(reason),
            since: Some(e.updated),
            next_attempt: None,
        },
        State::Scheduled => Why {
            reason: e.waiting.as_ref().map(|w| w.reason.as_str()),
            since: e.waiting.as_ref().map(|w| w.since),
            // A row waiting only for its time is tried at its time.
            next_attempt: (e.next_try > e.due || e.waiting.is_some()).then_some(e.next_try),
        },
        _ => Why {
            reason: None,
            since: None,
            next_attempt: None,
        },
    }
}

fn json(entries: &[Entry]) -> String {
    let rows: Vec<serde_json::Value> = entries
        .iter()
        .map(|e| {
            let (remote_id, url) = match &e.state {
                State::Published { remote_id, url } => (Some(remote_id.clone()), url.clone()),
                _ => (None, None),
            };
            let w = why(e);
            serde_json::json!({
                "org": e.key.org, "post": e.key.post, "network": e.key.network.key(),
                "due": e.due.to_string(), "state": e.state.name(), "attempts": e.attempts,
                "remote_id": remote_id, "url": url, "reason": w.reason,
                "since": w.since.map(|t| t.to_string()),
                "next_attempt": w.next_attempt.map(|t| t.to_string()),
            })
        })
        .collect();
    format!(
        "{}\n",
        serde_json::to_string_pretty(&serde_json::json!({ "publications": rows }))
            .unwrap_or_default()
    )
}

fn human_text(entries: &[Entry], alerts: usize, tz: &TimeZone) -> String {
    let mut out = String::new();
    for e in entries {
        out.push_str(&format!(
            "{}  {:<9} {}/{}  {}\n",
            human(e.due, tz, true),
            e.key.network.key(),
            e.key.org,
            e.key.post,
            match &e.state {
                State::Published { remote_id, url } => {
                    format!(
                        "{} {}",
                        e.state.words(),
                        url.as_deref().unwrap_or(remote_id)
                    )
                }
                _ => e.state.words(),
            }
        ));
        let w = why(e);
        if let Some(reason) = w.reason {
            out.push_str(&format!("    {}\n", crate::t!("status-why", why = reason)));
        }
        let mut when = Vec::new();
        if let Some(since) = w.since {
            let since = human(since, tz, true);
            when.push(match e.state {
                State::Scheduled => crate::t!("status-first", since = since),
                _ => crate::t!("status-when", since = since),
            });
        }
        if let Some(next) = w.next_attempt {
            when.push(crate::t!("status-next", at = human(next, tz, true)));
        }
        if !when.is_empty() {
            out.push_str(&format!("    {}\n", when.join(" · ")));
        }
    }
    let mut counts: std::collections::BTreeMap<&str, (usize, String)> = Default::default();
    for e in entries {
        counts
            .entry(e.state.name())
            .or_insert_with(|| (0, e.state.words()))
            .0 += 1;
    }
    let summary: Vec<String> = counts
        .values()
        .map(|(n, words)| crate::t!("status-count", count = *n, state = words.as_str()))
        .collect();
    let counts = if summary.is_empty() {
        crate::t!("status-none")
    } else {
        summary.join(", ")
    };
    out.push_str(&crate::t!(
        "status-summary",
        total = entries.len(),
        counts = counts,
        alerts = alerts
    ));
    out.push('\n');
    out
}
