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
    /// A post (`.md`) or plan (`.yaml`) under plans/<org-id>/ (not with --changed-since).
    #[arg(
        required_unless_present = "changed_since",
        conflicts_with = "changed_since"
    )]
    pub file: Option<PathBuf>,
    /// Every post or plan file changed since this git revision: one HTML page each and an
    /// index.html, written into the folder `-o` (with `--format html`), for a merge request.
    #[arg(long, value_name = "REV")]
    pub changed_since: Option<String>,
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
    let file = match (&args.file, &args.changed_since) {
        (Some(file), _) => file,
        (None, Some(rev)) => return changed(&args, rev, &cache),
        (None, None) => return Err(CliError::PreviewChangedNeeds),
    };
    let p = preview::build(&args.root, file, args.network, &cache)?;
    let text = match args.format {
        PreviewFormat::Text => preview::to_text(&p),
        PreviewFormat::Json => preview::to_json(&p),
        PreviewFormat::Html => preview::to_html(&p),
    };
    emit(args.output.as_deref(), &text)?;
    Ok(0)
}

/// `preview --changed-since REV --format html -o DIR`: a page per changed file that still
/// exists, and `index.html` listing every changed file (the deleted ones marked).
fn changed(args: &PreviewArgs, rev: &str, cache: &std::path::Path) -> Result<i32, CliError> {
    let (PreviewFormat::Html, Some(dir)) = (args.format, &args.output) else {
        return Err(CliError::PreviewChangedNeeds);
    };
    let files = crate::plan::repo::changed_plans(&args.root, rev)?;
    let write = |path: std::path::PathBuf, text: &str| {
        std::fs::write(&path, text).map_err(|source| CliError::Write { path, source })
    };
    std::fs::create_dir_all(dir).map_err(|source| CliError::Write {
        path: dir.clone(),
        source,
    })?;
    let mut listed = Vec::with_capacity(files.len());
    for f in files {
        let mut problem = None;
        if f.exists {
            match preview::build(&args.root, &args.root.join(&f.path), args.network, cache) {
                Ok(p) => write(dir.join(preview::page_name(&f.path)), &preview::to_html(&p))?,
                // One unreadable file does not hide the others' pages: the index says why.
                Err(e) => problem = Some(e.message()),
            }
        }
        listed.push((f, problem));
    }
    write(
        dir.join("index.html"),
        &preview::changed_index(rev, &listed),
    )?;
    Ok(0)
}
