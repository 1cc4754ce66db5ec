//! `vestnik init`: a new content repository that passes `vestnik check` at once. The files are
//! templates under `templates/init/` and `templates/ci/` of the source, compiled in; this module
//! chooses them, fills in the few blanks (the example organization, the example's date), and
//! writes them only when none of them exists yet.
//!
//! Building the list is pure ([`files`]); only [`write`] touches the disk.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::plan::registry::{REGISTRY_PATH, Registry};

/// The registry the vestnik repository ships: the decree's organizations (its appendices 2 and 3).
const SHIPPED_REGISTRY: &str = include_str!("../plans/registry.yaml");
const DECREE_HEADER: &str = include_str!("../templates/init/registry-decree-header.yaml");
const SMALL_REGISTRY: &str = include_str!("../templates/init/registry.yaml");
const EXAMPLE_POST: &str = include_str!("../templates/init/example-post.md");
const README: &str = include_str!("../templates/init/README.md");
const GITATTRIBUTES: &str = include_str!("../templates/init/gitattributes");
const GITATTRIBUTES_LFS: &str = include_str!("../templates/init/gitattributes-lfs");
const EDITORCONFIG: &str = include_str!("../templates/init/editorconfig");

/// The CI templates, also documented in the README: where each goes in a content repository and
/// its text.
pub mod ci {
    /// The script every template runs to get the binary (download and checksum, or a cached
    /// `cargo install`).
    pub const INSTALL: (&str, &str) = (
        "ci/install-vestnik.sh",
        include_str!("../templates/ci/install-vestnik.sh"),
    );
    /// GitLab CI.
    pub const GITLAB: (&str, &str) = (
        ".gitlab-ci.yml",
        include_str!("../templates/ci/gitlab-ci.yml"),
    );
    /// GitHub Actions.
    pub const GITHUB: (&str, &str) = (
        ".github/workflows/vestnik.yml",
        include_str!("../templates/ci/github.yml"),
    );
    /// Forgejo (and Gitea) Actions.
    pub const FORGEJO: (&str, &str) = (
        ".forgejo/workflows/vestnik.yml",
        include_str!("../templates/ci/forgejo.yml"),
    );
}

/// A CI platform `init` writes a workflow for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Ci {
    /// `.gitlab-ci.yml`.
    Gitlab,
    /// `.github/workflows/vestnik.yml`.
    Github,
    /// `.forgejo/workflows/vestnik.yml`.
    Forgejo,
    /// All three.
    All,
}

/// What to scaffold.
#[derive(Debug, Clone)]
pub struct Options {
    /// The decree's organizations instead of one example organization.
    pub from_decree: bool,
    /// The CI platforms.
    pub ci: Vec<Ci>,
    /// Pictures through Git LFS.
    pub lfs: bool,
    /// The example post's date (a week ahead, so that it is not yet a due draft).
    pub example_date: jiff::civil::Date,
}

/// One file to write: its path relative to the new repository, with `/`, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// Where, relative to the repository's root.
    pub path: String,
    /// What.
    pub text: String,
}

/// Why `init` wrote nothing, or stopped.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// A file `init` would write is already there: nothing was written.
    #[error("{} already exists; init writes nothing over existing files", .0.display())]
    Exists(PathBuf),
    /// A file or folder could not be created.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
}

impl InitError {
    /// Why, in the process's language.
    pub fn message(&self) -> String {
        match self {
            InitError::Exists(path) => {
                crate::t!("init-exists", path = path.display().to_string())
            }
            InitError::Io { path, source } => crate::t!(
                "init-io",
                path = path.display().to_string(),
                reason = crate::plan::repo::io_words(source)
            ),
        }
    }
}

/// The decree's registry as the repository ships it, without the invented example data: each
/// organization keeps its `id`, `name`, `required` and `can_post_for` and the comments naming its
/// point of the decree; pages, responsibles, profiles and websites (fictional ids, people and
/// phones in the shipped file) are left out, so that nothing would be published to a page that
/// is not the district's.
pub fn decree_registry() -> String {
    const KEPT: [&str; 4] = ["id:", "name:", "required:", "can_post_for:"];
    let body = SHIPPED_REGISTRY
        .find("\ntimezone:")
        .map_or(SHIPPED_REGISTRY, |at| &SHIPPED_REGISTRY[at + 1..]);
    let mut out = String::from(DECREE_HEADER);
    let mut skipping = false;
    for line in body.lines() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if trimmed.starts_with("- ") && indent <= 2 {
            skipping = false;
        } else if indent == 4 && !trimmed.starts_with('#') {
            skipping = !KEPT.iter().any(|k| trimmed.starts_with(k));
        }
        if indent >= 4 && skipping {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Every file of a new content repository, in the order they are written.
pub fn files(options: &Options) -> Vec<File> {
    let registry = if options.from_decree {
        decree_registry()
    } else {
        SMALL_REGISTRY.to_owned()
    };
    // The example goes to the registry's first organization (the administration in both).
    let (reg, _) = Registry::parse(&registry, REGISTRY_PATH);
    let org = reg
        .organizations
        .first()
        .map_or_else(|| "admin".to_owned(), |o| o.id.value.clone());
    let date = options.example_date.to_string();
    let fill = |t: &str| t.replace("{org}", &org).replace("{date}", &date);
    let mut out = vec![
        File {
            path: REGISTRY_PATH.to_owned(),
            text: registry,
        },
        File {
            path: format!("plans/{org}/primer.md"),
            text: fill(EXAMPLE_POST),
        },
        File {
            path: format!("media/{org}/.gitkeep"),
            text: String::new(),
        },
        File {
            path: "README.md".to_owned(),
            text: fill(README),
        },
        File {
            path: ".gitattributes".to_owned(),
            text: if options.lfs {
                format!("{GITATTRIBUTES}{GITATTRIBUTES_LFS}")
            } else {
                GITATTRIBUTES.to_owned()
            },
        },
        File {
            path: ".editorconfig".to_owned(),
            text: EDITORCONFIG.to_owned(),
        },
    ];
    let all = options.ci.contains(&Ci::All);
    let chosen = [
        (Ci::Gitlab, ci::GITLAB),
        (Ci::Github, ci::GITHUB),
        (Ci::Forgejo, ci::FORGEJO),
    ]
    .into_iter()
    .filter(|(c, _)| all || options.ci.contains(c))
    .map(|(_, f)| f)
    .collect::<Vec<_>>();
    if !chosen.is_empty() {
        out.extend(
            std::iter::once(ci::INSTALL)
                .chain(chosen)
                .map(|(path, text)| File {
                    path: path.to_owned(),
                    text: text.to_owned(),
                }),
        );
    }
    out
}

/// Writes `files` under `root` (created if missing), after making sure that none of them
/// exists: when one does, nothing is written.
///
/// Fails with [`InitError::Exists`] naming the first file that is there, or [`InitError::Io`]
/// when a folder or file cannot be created.
pub fn write(root: &Path, files: &[File]) -> Result<(), InitError> {
    for f in files {
        let path = root.join(&f.path);
        // A dangling symlink counts as existing: writing through it would land elsewhere.
        if path.symlink_metadata().is_ok() {
            return Err(InitError::Exists(path));
        }
    }
    for f in files {
        let path = root.join(&f.path);
        let io = |source| InitError::Io {
            path: path.clone(),
            source,
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        // `create_new`: a file that appeared since the look above is still not overwritten.
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(io)?;
        file.write_all(f.text.as_bytes()).map_err(io)?;
        #[cfg(unix)]
        if f.path.ends_with(".sh") {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).map_err(io)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_decree_registry_keeps_every_organization_and_no_example_data() {
        let (shipped, _) = Registry::parse(SHIPPED_REGISTRY, REGISTRY_PATH);
        let text = decree_registry();
        let (reg, diags) = Registry::parse(&text, REGISTRY_PATH);
        assert!(
            diags
                .iter()
                .all(|d| d.severity != crate::plan::diagnostic::Severity::Error),
            "{diags:#?}"
        );
        let key = |r: &Registry| {
            r.organizations
                .iter()
                .map(|o| (o.id.value.clone(), o.name.value.clone(), o.required))
                .collect::<Vec<_>>()
        };
        assert_eq!(key(&reg), key(&shipped));
        assert_eq!(reg.organizations.len(), 49);
        assert!(
            reg.organizations
                .iter()
                .all(|o| o.pages.is_empty() && o.responsible.is_none() && o.profile.is_none())
        );
        assert_eq!(reg.organizations[0].can_post_for, ["*"]);
        assert!(!text.contains("example.ru"), "{text}");
        assert!(text.contains("# Приложение 3"), "the decree's points stay");
    }

    #[test]
    fn ci_all_writes_every_template_and_the_installer_once() {
        let options = Options {
            from_decree: false,
            ci: vec![Ci::All, Ci::Gitlab],
            lfs: true,
            example_date: jiff::civil::date(2026, 12, 11),
        };
        let paths: Vec<String> = files(&options).into_iter().map(|f| f.path).collect();
        assert_eq!(
            paths,
            [
                "plans/registry.yaml",
                "plans/admin/primer.md",
                "media/admin/.gitkeep",
                "README.md",
                ".gitattributes",
                ".editorconfig",
                "ci/install-vestnik.sh",
                ".gitlab-ci.yml",
                ".github/workflows/vestnik.yml",
                ".forgejo/workflows/vestnik.yml",
            ]
        );
    }
}
