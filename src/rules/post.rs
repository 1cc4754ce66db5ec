//! Rules about one post: its organization and networks, what each network will receive after
//! rendering (`text-length`, `poll`, `album-size`, `empty-post`, `markdown`), its images
//! (`media-*`), its style and drafts that are due.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use jiff::{SignedDuration, Timestamp};

use crate::diagnostic::{Diagnostic, Rule, Severity};
use crate::media::{self, MediaInfo, PathError, ProbeError};
use crate::network::Network;
use crate::plan::{Post, Status, Text};
use crate::registry::Registry;
use crate::render;
use crate::style::Style;

/// Telegram accepts `close_date` at most this far after sending (Bot API 10.1 `sendPoll`).
pub const TELEGRAM_POLL_MAX_OPEN: SignedDuration = SignedDuration::from_secs(2_628_000);

/// A draft due within this time is reported.
pub const DRAFT_WARN: SignedDuration = SignedDuration::from_hours(48);

/// Image headers read once per file, shared by the threads of a check.
#[derive(Debug, Default)]
pub struct MediaProbes {
    seen: Mutex<HashMap<PathBuf, Result<MediaInfo, ProbeError>>>,
}

impl MediaProbes {
    fn probe(&self, path: &Path) -> Result<MediaInfo, ProbeError> {
        if let Some(hit) = self.seen.lock().ok().and_then(|m| m.get(path).cloned()) {
            return hit;
        }
        let r = media::probe(path);
        if let Ok(mut m) = self.seen.lock() {
            m.insert(path.to_owned(), r.clone());
        }
        r
    }
}

/// What the post rules need besides the post.
pub struct PostContext<'a> {
    /// The registry.
    pub reg: &'a Registry,
    /// Compiled style rules.
    pub style: &'a Style,
    /// Shared image probes.
    pub probes: &'a MediaProbes,
    /// The content repository.
    pub root: &'a Path,
    /// "Now" for `draft-due`.
    pub now: Timestamp,
}

/// Checks one post and returns the networks it goes to (those of its targets on which the
/// organization has a page).
pub fn check(post: &Post, cx: &PostContext, out: &mut Vec<Diagnostic>) -> Vec<Network> {
    let file = post.file.as_str();
    let org_id = post.org.value.as_str();
    let folder_org = cx.reg.org(&post.folder);
    let org = cx.reg.org(org_id);
    if cx.reg.usable {
        if org.is_none() && org_id != post.folder {
            out.push(
                Diagnostic::new(Rule::UnknownOrg, file, post.org.pos, format!("`{org_id}` is not an organization of the registry"))
                    .hint("use the id of an organization from plans/registry.yaml, or leave `org` out to post for the folder's organization"),
            );
        }
        if org_id != post.folder
            && let Some(folder_org) = folder_org
            && !folder_org.may_post_for(org_id)
        {
            out.push(
                Diagnostic::new(Rule::ForeignOrg, file, post.org.pos, format!("a post in plans/{}/ is for `{org_id}`", post.folder))
                    .hint(format!("move the file to plans/{org_id}/, or let `{}` post for it with `can_post_for` in the registry", post.folder)),
            );
        }
    }
    let pages: Vec<Network> = org
        .map(|o| o.pages.keys().copied().collect())
        .unwrap_or_default();
    if let (Some(org), Some(list)) = (org, &post.networks) {
        for n in &list.value {
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
        for (net, o) in &post.overrides {
            if !org.pages.contains_key(net) {
                out.push(
                    Diagnostic::new(
                        Rule::UnknownNetwork,
                        file,
                        o.pos,
                        format!(
                            "an override for {net}, but «{}» has no {net} page",
                            org.name.value
                        ),
                    )
                    .hint("remove the override or add the page to the registry")
                    .network(*net)
                    .severity(Severity::Warning),
                );
            }
        }
    }
    let targets: Vec<Network> = post
        .targets(pages.iter().copied())
        .into_iter()
        .filter(|n| pages.contains(n))
        .collect();

    check_draft(post, cx.now, out);
    let mut texts: Vec<&Text> = vec![&post.text];
    texts.extend(post.overrides.values().filter_map(|o| o.text.as_ref()));
    for text in &texts {
        check_text(text, file, cx.style, out);
    }
    let publishes = post.status == Status::Ready && post.external.is_none();
    for &net in &targets {
        check_network(post, net, publishes, file, out);
    }
    check_media(post, &targets, cx, out);
    targets
}

fn check_draft(post: &Post, now: Timestamp, out: &mut Vec<Diagnostic>) {
    let (Status::Draft, Some(when)) = (post.status, &post.when) else {
        return;
    };
    let left = when.value.duration_since(now);
    if left <= SignedDuration::ZERO {
        out.push(
            Diagnostic::new(
                Rule::DraftDue,
                &post.file,
                when.pos,
                "this draft's publication time has passed",
            )
            .hint("finish the text and remove `status: draft`, or move the date")
            .severity(Severity::Error),
        );
    } else if left < DRAFT_WARN {
        let hours = left.as_hours();
        out.push(
            Diagnostic::new(
                Rule::DraftDue,
                &post.file,
                when.pos,
                format!("this draft is due in {hours} h and is still a draft"),
            )
            .hint("finish the text and remove `status: draft`, or it will not be published"),
        );
    }
}

fn check_text(text: &Text, file: &str, style: &Style, out: &mut Vec<Diagnostic>) {
    for f in style.findings(&text.markdown) {
        out.push(Diagnostic::new(Rule::Style, file, text.pos_of(f.start), f.message).hint(f.hint));
    }
    // Problems are the same in every flavour; report them once per text.
    for p in render::render(&text.markdown, render::Flavor::Plain).problems {
        let d =
            Diagnostic::new(Rule::Markdown, file, text.pos_of(p.offset), p.message).hint(p.hint);
        out.push(if p.cosmetic {
            d.severity(Severity::Warning)
        } else {
            d
        });
    }
}

fn check_network(
    post: &Post,
    net: Network,
    publishes: bool,
    file: &str,
    out: &mut Vec<Diagnostic>,
) {
    let limits = net.limits();
    let text = post.text_for(net);
    let rendered = render::render(&text.markdown, render::flavor(net));
    let len = render::length(net, &rendered);
    let images = post.images_for(net);
    let unit = if limits.text_unit_is_utf16 {
        "UTF-16 units"
    } else {
        "characters"
    };
    if len > limits.text_max {
        out.push(
            Diagnostic::new(Rule::TextLength, file, text.first, format!("the text is {len} {unit} on {net} after formatting; {net} takes at most {} ({} too many)", limits.text_max, len - limits.text_max))
                .hint(format!("shorten the text, or give {net} its own shorter text under `{}: {{text: …}}`", net.key()))
                .network(net),
        );
    }
    if images.len() > limits.images_max {
        out.push(
            Diagnostic::new(
                Rule::AlbumSize,
                file,
                images[limits.images_max].pos,
                format!(
                    "{} images, but {net} takes at most {} in one post",
                    images.len(),
                    limits.images_max
                ),
            )
            .hint(format!(
                "keep the best {}, or split the album into two posts",
                limits.images_max
            ))
            .network(net),
        );
    }
    if let Some(poll) = &post.poll {
        let q = poll.question.value.chars().count();
        if q == 0 || q > limits.poll_question_max {
            out.push(
                Diagnostic::new(
                    Rule::Poll,
                    file,
                    poll.question.pos,
                    format!(
                        "the poll question is {q} characters; {net} takes 1 to {}",
                        limits.poll_question_max
                    ),
                )
                .hint("shorten the question; details can go into the post text")
                .network(net),
            );
        }
        let n = poll.options.len();
        if n < limits.poll_options_min || n > limits.poll_options_max {
            out.push(
                Diagnostic::new(
                    Rule::Poll,
                    file,
                    poll.pos,
                    format!(
                        "the poll has {n} options; {net} takes {} to {}",
                        limits.poll_options_min, limits.poll_options_max
                    ),
                )
                .hint(format!(
                    "give the poll {} to {} options",
                    limits.poll_options_min, limits.poll_options_max
                ))
                .network(net),
            );
        }
        let mut seen = BTreeSet::new();
        for o in &poll.options {
            let c = o.value.chars().count();
            if c == 0 || c > limits.poll_option_max {
                out.push(
                    Diagnostic::new(
                        Rule::Poll,
                        file,
                        o.pos,
                        format!(
                            "a poll option is {c} characters; {net} takes 1 to {}",
                            limits.poll_option_max
                        ),
                    )
                    .hint("shorten the option")
                    .network(net),
                );
            }
            if !seen.insert(o.value.trim().to_lowercase()) {
                out.push(
                    Diagnostic::new(
                        Rule::Poll,
                        file,
                        o.pos,
                        format!("the option «{}» is listed twice", o.value),
                    )
                    .hint("each option must be different")
                    .network(net),
                );
            }
        }
        if !limits.poll_may_stand_alone && rendered.visible.trim().is_empty() && images.is_empty() {
            out.push(
                Diagnostic::new(
                    Rule::Poll,
                    file,
                    poll.pos,
                    format!("on {net} a poll cannot be a post's only content"),
                )
                .hint("add a few words of text or a picture to the post")
                .network(net),
            );
        }
        if let (Some(closes), Some(when)) = (&poll.closes, &post.when) {
            let open = closes.value.duration_since(when.value);
            if open <= SignedDuration::from_secs(5) {
                out.push(
                    Diagnostic::new(
                        Rule::Poll,
                        file,
                        closes.pos,
                        "the poll closes before (or right when) the post is published",
                    )
                    .hint("set `closes` after the post's `date`")
                    .network(net),
                );
            } else if net == Network::Telegram && open > TELEGRAM_POLL_MAX_OPEN {
                out.push(
                    Diagnostic::new(
                        Rule::Poll,
                        file,
                        closes.pos,
                        "Telegram closes polls at most 30 days after they are posted",
                    )
                    .hint("set `closes` within 30 days of the post's `date`, or leave it out")
                    .network(net),
                );
            }
        }
    }
    if publishes && rendered.visible.trim().is_empty() && images.is_empty() && post.poll.is_none() {
        out.push(
            Diagnostic::new(
                Rule::EmptyPost,
                file,
                text.first,
                format!("the post has nothing to publish on {net}: no text, no images, no poll"),
            )
            .hint("write the text, or mark the topic `status: draft` until it is ready")
            .network(net),
        );
    }
}

fn check_media(post: &Post, targets: &[Network], cx: &PostContext, out: &mut Vec<Diagnostic>) {
    let file = post.file.as_str();
    let org = post.org.value.as_str();
    let mut done = BTreeSet::new();
    let mut all: Vec<(&crate::yaml::At<String>, Vec<Network>)> = Vec::new();
    for img in post.images.iter().chain(
        post.overrides
            .values()
            .flat_map(|o| o.images.iter().flatten()),
    ) {
        if !done.insert((img.value.as_str(), img.pos)) {
            continue;
        }
        let nets: Vec<Network> = targets
            .iter()
            .copied()
            .filter(|n| post.images_for(*n).iter().any(|i| i.pos == img.pos))
            .collect();
        all.push((img, nets));
    }
    for (img, nets) in all {
        let (_, abs) = match media::resolve(cx.root, org, &img.value) {
            Ok(r) => r,
            Err(e @ PathError::Missing(_)) => {
                out.push(
                    Diagnostic::new(Rule::MediaMissing, file, img.pos, e.to_string())
                        .hint(format!("put the picture into media/{org}/ and write its name here, e.g. `images: [photo.jpg]`")),
                );
                continue;
            }
            Err(e) => {
                out.push(
                    Diagnostic::new(Rule::MediaPath, file, img.pos, e.to_string()).hint(format!(
                        "keep pictures inside media/{org}/ and write paths relative to it"
                    )),
                );
                continue;
            }
        };
        let info = match cx.probes.probe(&abs) {
            Ok(i) => i,
            Err(e) => {
                out.push(
                    Diagnostic::new(
                        Rule::MediaFormat,
                        file,
                        img.pos,
                        format!("`{}`: {e}", img.value),
                    )
                    .hint("save the picture as JPEG or PNG (phones and editors can export it)"),
                );
                continue;
            }
        };
        // One finding per reason: an image too narrow for every network is reported once.
        let mut reasons: Vec<(String, Vec<Network>)> = Vec::new();
        for net in nets {
            if let Some(why) = media::unfit_for(&info, net) {
                match reasons.iter_mut().find(|(w, _)| *w == why) {
                    Some((_, n)) => n.push(net),
                    None => reasons.push((why, vec![net])),
                }
            }
        }
        for (why, nets) in reasons {
            let mut d = Diagnostic::new(
                Rule::MediaSize,
                file,
                img.pos,
                format!("`{}`: {why}", img.value),
            )
            .hint("crop the picture to a normal shape (e.g. 4:3 or 1:1) and save it again");
            if let [one] = nets.as_slice() {
                d = d.network(*one);
            }
            out.push(d);
        }
    }
}
