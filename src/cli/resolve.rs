//! `vestnik resolve`: a person settles an uncertain or failed publication after looking at the
//! page — published after all, or to be sent again.

use std::path::PathBuf;

use super::{CliError, parse_network, print};
use crate::plan::network::Network;

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

/// `vestnik resolve`: records the person's verdict in the ledger; an error when the
/// publication is not uncertain or failed.
pub(super) fn run(args: ResolveArgs) -> Result<i32, CliError> {
    let location = crate::cli::config::ledger_location(&args.config)?;
    let Some((org, post)) = args.publication.split_once('/') else {
        return Err(CliError::BadPublication);
    };
    let key = crate::publish::ledger::Key {
        org: org.into(),
        post: post.into(),
        network: args.network,
    };
    let mut ledger = location.open()?;
    if !ledger.resolve(&key, args.resend, jiff::Timestamp::now())? {
        return Err(CliError::NothingToResolve(key));
    }
    let what = crate::publish::alert::what(&key);
    let line = if args.resend {
        crate::t!("resolve-resend", what = what)
    } else {
        crate::t!("resolve-published", what = what)
    };
    print(&format!("{line}\n"));
    Ok(0)
}
