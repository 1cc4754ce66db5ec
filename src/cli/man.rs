//! `vestnik man`: the manual pages (roff), from the command tree in the process's language:
//! `vestnik.1` on stdout, or it and one page per command (`vestnik-check.1`, …) in a folder.

use std::path::{Path, PathBuf};

use clap::Command;

use crate::cli::CliError;
use crate::locale::{Lang, text_in};

/// Arguments of `vestnik man`.
#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Write vestnik.1 and a page per command into this folder instead of printing vestnik.1.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Prints `vestnik.1`, or writes every page into `args.dir`.
pub fn run(args: ManArgs) -> Result<i32, CliError> {
    let lang = crate::locale::current();
    let cmd = crate::cli::help::command(lang);
    match args.dir {
        None => crate::cli::emit_bytes(None, page(cmd, lang).as_bytes())?,
        Some(dir) => write_pages(cmd, &dir, lang)?,
    }
    Ok(0)
}

/// Writes the page of `cmd` and of each of its commands (clap's `help` aside) into `dir`.
fn write_pages(cmd: Command, dir: &Path, lang: Lang) -> Result<(), CliError> {
    for sub in cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        let name = format!("{}-{}", display_name(&cmd), sub.get_name());
        write_pages(sub.clone().display_name(name), dir, lang)?;
    }
    let path = dir.join(format!("{}.1", display_name(&cmd)));
    std::fs::write(&path, page(cmd, lang)).map_err(|source| CliError::Write { path, source })
}

/// The name a page is called by: `vestnik`, `vestnik-check`, `vestnik-registry-changes`.
fn display_name(cmd: &Command) -> String {
    cmd.get_display_name()
        .unwrap_or_else(|| cmd.get_name())
        .to_owned()
}

/// The roff of the page of `cmd`, its section headings in `lang` (clap_mangen writes them in
/// English).
fn page(cmd: Command, lang: Lang) -> String {
    let mut roff = Vec::new();
    // Writing into memory does not fail.
    let _ = clap_mangen::Man::new(cmd).render(&mut roff);
    let roff = String::from_utf8_lossy(&roff);
    let mut out = String::with_capacity(roff.len());
    for line in roff.lines() {
        let Some(heading) = line.strip_prefix(".SH ") else {
            out.push_str(line);
            out.push('\n');
            continue;
        };
        let id = match heading {
            "NAME" => Some("help-man-name"),
            "SYNOPSIS" => Some("help-man-synopsis"),
            "DESCRIPTION" => Some("help-man-description"),
            "OPTIONS" => Some("help-man-options"),
            "VERSION" => Some("help-man-version"),
            _ => None,
        };
        // The commands' heading is the tree's own, already in `lang`.
        let heading = id.map_or_else(|| heading.to_owned(), |id| text_in(lang, id, &[]));
        out.push_str(".SH ");
        out.push_str(&heading.to_uppercase());
        out.push('\n');
    }
    out
}
