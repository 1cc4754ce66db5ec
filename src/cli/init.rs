//! `vestnik init`: a new content repository in a folder, refusing to overwrite anything.

use std::path::PathBuf;

use super::{CliError, print};
use crate::init::{self, Ci, Options};
use crate::plan::registry::{REGISTRY_PATH, Registry};

/// Flags of `init`.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The folder of the new content repository (created if missing; may be a fresh clone).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// The decree's organizations (appendices 2 and 3) instead of one example organization.
    #[arg(long)]
    pub from_decree: bool,
    /// CI files for these platforms (repeat or separate with commas).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub ci: Vec<Ci>,
    /// Pictures (media/) through Git LFS, in .gitattributes.
    #[arg(long)]
    pub lfs: bool,
}

/// `vestnik init`: writes the files and lists them; 2 (writing nothing) when one exists.
pub(super) fn run(args: InitArgs) -> Result<i32, CliError> {
    let small = Options {
        from_decree: args.from_decree,
        ci: args.ci,
        lfs: args.lfs,
        example_date: jiff::civil::Date::default(),
    };
    // The example is dated a week ahead in the registry's zone: a draft, not yet due.
    let registry = init::files(&small)
        .into_iter()
        .next()
        .map(|f| f.text)
        .unwrap_or_default();
    let tz = Registry::parse(&registry, REGISTRY_PATH).0.tz;
    let today = tz.to_datetime(jiff::Timestamp::now()).date();
    let options = Options {
        example_date: today.saturating_add(jiff::Span::new().days(7)),
        ..small
    };
    let files = init::files(&options);
    init::write(&args.dir, &files)?;
    let mut out = crate::t!("init-done", dir = args.dir.display().to_string());
    out.push('\n');
    for f in &files {
        out.push_str("  ");
        out.push_str(&f.path);
        out.push('\n');
    }
    out.push_str(&crate::t!("init-next"));
    out.push('\n');
    print(&out);
    Ok(0)
}
