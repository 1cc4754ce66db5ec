//! `vestnik registry changes`: what changed in `plans/registry.yaml` between two git revisions,
//! per organization, with the notice to ЦУР ready to send for every new responsible.

use std::path::PathBuf;

use super::{CliError, print};
use crate::plan::changes::{self, Change};
use crate::plan::diagnostic::Severity;
use crate::plan::registry::{REGISTRY_PATH, Registry};

/// Commands about the registry.
#[derive(Debug, clap::Subcommand)]
pub enum RegistryCommand {
    /// What changed in the registry between two git revisions (to the working tree by default),
    /// with the notices to ЦУР.
    Changes(ChangesArgs),
}

/// Output formats of `registry changes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ChangesFormat {
    /// Per organization, a line per change, then the notices to ЦУР.
    Text,
    /// `{"since", "to", "changes": [{"kind", "org", …}], "notices": [{"org", "text"}]}`.
    Json,
}

/// Flags of `registry changes`.
#[derive(Debug, clap::Args)]
pub struct ChangesArgs {
    /// The content repository (a git checkout).
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// The revision to compare from (a commit, branch or tag).
    #[arg(long, value_name = "REV")]
    pub since: String,
    /// The revision to compare to (default: the registry as it is in the working tree).
    #[arg(long, value_name = "REV")]
    pub to: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ChangesFormat,
}

/// `vestnik registry …`.
pub(super) fn run(command: RegistryCommand) -> Result<i32, CliError> {
    match command {
        RegistryCommand::Changes(args) => changes(args),
    }
}

/// The registry at `rev`, or in the working tree; one that does not parse is an error.
fn registry_at(root: &std::path::Path, rev: Option<&str>) -> Result<Registry, CliError> {
    let (text, file) = match rev {
        Some(rev) => (
            crate::plan::repo::file_at_revision(root, rev, REGISTRY_PATH)?,
            format!("{REGISTRY_PATH}@{rev}"),
        ),
        None => {
            let repo =
                crate::plan::repo::Repo::open(root).map_err(|source| CliError::Repository {
                    root: root.to_owned(),
                    source,
                })?;
            let text = repo
                .read_text(REGISTRY_PATH)
                .map_err(|d| CliError::Registry {
                    file: d.file,
                    message: d.message,
                })?;
            (text, REGISTRY_PATH.to_owned())
        }
    };
    let (reg, diags) = Registry::parse(&text, &file);
    match diags.into_iter().find(|d| d.severity == Severity::Error) {
        Some(d) => Err(CliError::Registry {
            file: format!("{file}:{}:{}", d.pos.line, d.pos.column),
            message: d.message,
        }),
        None => Ok(reg),
    }
}

fn changes(args: ChangesArgs) -> Result<i32, CliError> {
    let old = registry_at(&args.root, Some(&args.since))?;
    let new = registry_at(&args.root, args.to.as_deref())?;
    let found = changes::diff(&old, &new);
    let notices: Vec<(&Change, String)> = found
        .iter()
        .filter_map(|c| Some((c, changes::notice(c, &new)?)))
        .collect();
    let out = match args.format {
        ChangesFormat::Json => {
            let notices: Vec<serde_json::Value> = notices
                .iter()
                .map(|(c, text)| serde_json::json!({ "org": c.org(), "text": text }))
                .collect();
            format!(
                "{}\n",
                serde_json::to_string_pretty(&serde_json::json!({
                    "since": args.since,
                    "to": args.to,
                    "changes": found,
                    "notices": notices,
                }))
                .unwrap_or_default()
            )
        }
        ChangesFormat::Text => text(&found, &notices, &old, &new),
    };
    print(&out);
    Ok(0)
}

fn text(found: &[Change], notices: &[(&Change, String)], old: &Registry, new: &Registry) -> String {
    if found.is_empty() {
        return format!("{}\n", crate::t!("changes-none"));
    }
    let mut out = String::new();
    let mut current: Option<&str> = None;
    for c in found {
        if current != Some(c.org()) {
            current = Some(c.org());
            let name = new
                .org(c.org())
                .or_else(|| old.org(c.org()))
                .map_or("", |o| o.name.value.as_str());
            out.push_str(&crate::t!("changes-org", org = c.org(), name = name));
            out.push('\n');
        }
        out.push_str("  ");
        out.push_str(&changes::describe(c));
        out.push('\n');
    }
    if !notices.is_empty() {
        out.push('\n');
        out.push_str(&crate::t!("changes-notices"));
        out.push('\n');
        for (_, n) in notices {
            out.push_str("  ");
            out.push_str(n);
            out.push('\n');
        }
    }
    out
}
