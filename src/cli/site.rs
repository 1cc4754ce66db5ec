//! `vestnik site`: the block of official pages each organization's website carries (п. 3.6),
//! as HTML to paste or JSON for a CMS.

use std::path::PathBuf;

use super::{CliError, emit, read_registry};
use crate::site;

/// Output formats of `site`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SiteFormat {
    /// With `--org`: the block to paste into the website. Without: a page with every
    /// organization's block and its code, for the webmasters.
    Html,
    /// `{"organizations": [{"id", "name", "website", "pages": [{"network", "label", "url"}]}]}`.
    Json,
}

/// Flags of `site`.
#[derive(Debug, clap::Args)]
pub struct SiteArgs {
    /// The content repository.
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// Only this organization (its id in the registry).
    #[arg(long, value_name = "ID")]
    pub org: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "html")]
    pub format: SiteFormat,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// `vestnik site`: prints the blocks or writes them to `--output`.
pub(super) fn run(args: SiteArgs) -> Result<i32, CliError> {
    let reg = read_registry(&args.root)?;
    let blocks = site::blocks(&reg, args.org.as_deref())?;
    let text = match (args.format, &args.org) {
        (SiteFormat::Json, _) => site::to_json(&blocks),
        (SiteFormat::Html, Some(_)) => blocks.iter().map(site::snippet).collect(),
        (SiteFormat::Html, None) => site::to_html(&blocks),
    };
    emit(args.output.as_deref(), &text)?;
    Ok(0)
}
