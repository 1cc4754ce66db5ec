//! The rules that protect someone else: another organization's page (`unknown-org`,
//! `foreign-org` with the registry's `can_post_for`, `unknown-network`), the host and other
//! organizations' pictures (`media-path`), and tokens (`secret`).
//!
//! `check` reports them, but the content repository is written by many hands and the daemon is
//! not bound by CI (a direct push, a merge despite a red check), so the publisher runs this same
//! code on every plan file it reads and refuses a file with any of these errors. Their severity
//! cannot be lowered by the registry ([`Rule::guards`]).

use std::path::PathBuf;

use crate::check::leak;
use crate::media::PathError;
use crate::plan::Post;
use crate::plan::diagnostic::{Diagnostic, Rule};
use crate::plan::registry::Registry;
use crate::plan::source::LineIndex;

/// Resolves an image path as written by organization `org` (see [`crate::media::resolve`]).
pub type Resolve<'a> = dyn Fn(&str, &str) -> Result<PathBuf, PathError> + 'a;

/// Checks that `post` publishes only where its folder's organization may publish, and only
/// pictures of that organization's `media/` folder. Returns the images whose paths resolved,
/// as written, with their files.
pub fn post(
    post: &Post,
    reg: &Registry,
    resolve: &Resolve,
    out: &mut Vec<Diagnostic>,
) -> Vec<(String, PathBuf)> {
    let file = post.file.as_str();
    let org_id = post.org.value.as_str();
    let org = reg.org(org_id);
    if reg.usable && org_id != post.folder {
        match (org, reg.org(&post.folder)) {
            (None, _) => out.push(
                Diagnostic::new(Rule::UnknownOrg, file, post.org.pos, format!("`{org_id}` is not an organization of the registry"))
                    .hint("use the id of an organization from plans/registry.yaml, or leave `org` out to post for the folder's organization"),
            ),
            // A folder that is no organization may post for nobody.
            (Some(_), None) => out.push(
                Diagnostic::new(Rule::ForeignOrg, file, post.org.pos, format!("a post in plans/{}/, which is not an organization of the registry, is for `{org_id}`", post.folder))
                    .hint(format!("move the file to plans/{org_id}/")),
            ),
            (Some(_), Some(folder_org)) if !folder_org.may_post_for(org_id) => out.push(
                Diagnostic::new(Rule::ForeignOrg, file, post.org.pos, format!("a post in plans/{}/ is for `{org_id}`", post.folder))
                    .hint(format!("move the file to plans/{org_id}/, or let `{}` post for it with `can_post_for` in the registry", post.folder)),
            ),
            _ => {}
        }
    }
    if let Some(org) = org {
        for n in post.networks.iter().flat_map(|l| &l.value) {
            if !org.pages.contains_key(&n.value) {
                out.push(
                    Diagnostic::new(
                        Rule::UnknownNetwork,
                        file,
                        n.pos,
                        format!("«{}» has no {} page", org.name.value, n.value),
                    )
                    .hint("remove it from `networks`, or add the page to the registry first")
                    .network(n.value),
                );
            }
        }
    }
    let mut resolved = Vec::new();
    let all = post.images.iter().chain(
        post.overrides
            .values()
            .flat_map(|o| o.images.iter().flatten()),
    );
    for img in all {
        if img.value.trim().is_empty() || resolved.iter().any(|(w, _)| *w == img.value) {
            continue;
        }
        match resolve(org_id, &img.value) {
            Ok(abs) => resolved.push((img.value.clone(), abs)),
            // Reported by the post rules (`media-missing`): nobody else's picture is at stake.
            Err(PathError::Missing(_)) => {}
            Err(e) => out.push(
                Diagnostic::new(Rule::MediaPath, file, img.pos, e.to_string()).hint(format!(
                    "keep pictures inside media/{org_id}/ and write paths relative to it"
                )),
            ),
        }
    }
    resolved
}

/// `secret` findings of one file's text.
pub fn secrets(text: &str, file: &str, out: &mut Vec<Diagnostic>) {
    let found = leak::find(text);
    if found.is_empty() {
        return;
    }
    let index = LineIndex::new(text);
    for m in found {
        out.push(
            Diagnostic::new(Rule::Secret, file, index.pos(text, m.start), format!("this looks like {} ({}); tokens must never be in git", m.kind, m.masked))
                .hint("delete it, revoke the token (it is in the git history now), and give the daemon tokens through its secrets file or environment")
                .hide_source(),
        );
    }
}
