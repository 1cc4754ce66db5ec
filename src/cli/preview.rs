//! `vestnik preview`: what each network will receive for the posts of one file, as text, JSON
//! or a self-contained HTML page.

use std::path::PathBuf;

use super::{CliError, emit, parse_network};
use crate::plan::network::Network;
use crate::preview;

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

/// `vestnik preview`: builds the preview and prints it or writes it to `--output`.
pub(super) fn run(args: PreviewArgs) -> Result<i32, CliError> {
    let cache = args
        .cache_dir
        .clone()
        .map_or_else(crate::media::cache::default_dir, Ok)
        .and_then(crate::media::MediaCache::open)?
        .dir()
        .to_owned();
    let p = preview::build(&args.root, &args.file, args.network, &cache)?;
    let text = match args.format {
        PreviewFormat::Text => preview::to_text(&p),
        PreviewFormat::Json => preview::to_json(&p),
        PreviewFormat::Html => preview::to_html(&p),
    };
    emit(args.output.as_deref(), &text)?;
    Ok(0)
}
