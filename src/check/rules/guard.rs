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
use crate::t;

/// Resolves an image path as written by organization `org` (see [`crate::media::resolve`]).
pub type Resolve<'a> = dyn Fn(&str, &str) -> Result<PathBuf, PathError> + 'a;

/// Checks that `post` publishes only where its folder's organization may publish, and only
/// pictures and clips of that organization's `media/` folder. Returns the images whose paths resolved,
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
                Diagnostic::new(
                    Rule::UnknownOrg,
                    file,
                    post.org.pos,
                    t!("unknown-org-not-in-registry", org = org_id),
                )
                .hint(t!("unknown-org-not-in-registry-hint")),
            ),
            // A folder that is no organization may post for nobody.
            (Some(_), None) => out.push(
                Diagnostic::new(
                    Rule::ForeignOrg,
                    file,
                    post.org.pos,
                    t!(
                        "foreign-org-folder-not-org",
                        folder = &*post.folder,
                        org = org_id
                    ),
                )
                .hint(t!("foreign-org-folder-not-org-hint", org = org_id)),
            ),
            (Some(_), Some(folder_org)) if !folder_org.may_post_for(org_id) => out.push(
                Diagnostic::new(
                    Rule::ForeignOrg,
                    file,
                    post.org.pos,
                    t!(
                        "foreign-org-not-allowed",
                        folder = &*post.folder,
                        org = org_id
                    ),
                )
                .hint(t!(
                    "foreign-org-not-allowed-hint",
                    folder = &*post.folder,
                    org = org_id
                )),
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
                        t!(
                            "unknown-network-no-page",
                            org = org.name.value.as_str(),
                            net = n.value.display_name()
                        ),
                    )
                    .hint(t!("unknown-network-no-page-hint"))
                    .network(n.value),
                );
            }
        }
    }
    let mut resolved = Vec::new();
    let all = post
        .images
        .iter()
        .chain(
            post.overrides
                .values()
                .flat_map(|o| o.images.iter().flatten()),
        )
        .chain(post.motion_paths());
    for img in all {
        if img.value.trim().is_empty() || resolved.iter().any(|(w, _)| *w == img.value) {
            continue;
        }
        match resolve(org_id, &img.value) {
            Ok(abs) => resolved.push((img.value.clone(), abs)),
            // Reported by the post rules (`media-missing`): nobody else's picture is at stake.
            Err(PathError::Missing(_)) => {}
            Err(e) => out.push(
                Diagnostic::new(Rule::MediaPath, file, img.pos, e.message())
                    .hint(t!("media-path-hint", org = org_id)),
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
            Diagnostic::new(
                Rule::Secret,
                file,
                index.pos(text, m.start),
                t!(
                    "secret-found",
                    kind = secret_kind(m.kind),
                    masked = m.masked.as_str()
                ),
            )
            .hint(t!("secret-found-hint"))
            .hide_source(),
        );
    }
}

/// The kind of secret `leak` names, in the language of the texts.
fn secret_kind(kind: &str) -> String {
    match kind {
        "a VK access token" => t!("secret-kind-vk"),
        "a Telegram bot token" => t!("secret-kind-telegram"),
        "an OK or app secret key (long hex)" => t!("secret-kind-hex"),
        "an access token" => t!("secret-kind-access"),
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use crate::locale::{Lang, text_in};

    #[test]
    fn every_secret_kind_has_its_message() {
        for (id, kind) in [
            ("secret-kind-vk", "a VK access token"),
            ("secret-kind-telegram", "a Telegram bot token"),
            ("secret-kind-hex", "an OK or app secret key (long hex)"),
            ("secret-kind-access", "an access token"),
        ] {
            assert_eq!(text_in(Lang::En, id, &[]), kind);
        }
        // Every kind `leak` finds is one of those.
        let samples = [
            "vk1.a.abcdefghijklmnopqrstuvwxyz",
            "123456789:AAabcdefghijklmnopqrstuvwxyz0123456789",
            "0123456789abcdef0123456789abcdef",
            "access_token: abcdefghijklmnop",
        ];
        for sample in samples {
            let found = crate::check::leak::find(sample);
            assert!(!found.is_empty(), "{sample}");
            for m in found {
                assert!(
                    [
                        "a VK access token",
                        "a Telegram bot token",
                        "an OK or app secret key (long hex)",
                        "an access token"
                    ]
                    .contains(&m.kind),
                    "{}",
                    m.kind
                );
            }
        }
    }
}
