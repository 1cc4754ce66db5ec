//! `vestnik status`: the ledger as a person or a script reads it — each publication's state,
//! and the alerts not delivered yet.

use std::path::PathBuf;

use super::{CliError, print};
use crate::check::format::Format;
use crate::publish::ledger::Ledger;

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

/// `vestnik status`: prints the ledger's publications and a summary.
pub(super) fn run(args: StatusArgs) -> Result<i32, CliError> {
    // Only the ledger's path: `status` needs no secrets.
    let path = crate::cli::config::ledger_path(&args.config)?;
    let ledger = crate::publish::ledger::sqlite::SqliteLedger::open(&path)?;
    let entries = ledger.entries()?;
    let alerts = ledger.pending_alerts()?;
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
            let mut counts: std::collections::BTreeMap<&str, (usize, String)> = Default::default();
            for e in &entries {
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
                alerts = alerts.len()
            ));
            out.push('\n');
            out
        }
    };
    print(&out);
    Ok(0)
}
