//! Rules about one post: its organization and networks, what each network will receive after
//! rendering (`text-length`, `poll`, `album-size`, `empty-post`, `markdown`), its images
//! (`media-*`), its style and drafts that are due.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use jiff::{SignedDuration, Timestamp};

use crate::check::rules::guard;
use crate::check::style::Style;
use crate::media::{self, MediaInfo, PathError, ProbeError};
use crate::plan::diagnostic::{Diagnostic, Rule, Severity};
use crate::plan::network::Network;
use crate::plan::registry::Registry;
use crate::plan::{Poll, Post, Status, Text};
use crate::render;

/// Telegram accepts `close_date` at most this far after sending (Bot API 10.1 `sendPoll`).
pub const TELEGRAM_POLL_MAX_OPEN: SignedDuration = SignedDuration::from_secs(2_628_000);

/// A draft due within this time is reported.
pub const DRAFT_WARN: SignedDuration = SignedDuration::from_hours(48);

/// Image paths resolved and headers read once per image, shared by the threads of a check
/// (thousands of posts reuse a handful of pictures).
#[derive(Debug, Default)]
pub struct MediaProbes {
    seen: Mutex<HashMap<PathBuf, Result<MediaInfo, ProbeError>>>,
    resolved: Mutex<HashMap<(String, String), Result<PathBuf, PathError>>>,
}

impl MediaProbes {
    fn resolve(&self, root: &Path, org: &str, written: &str) -> Result<PathBuf, PathError> {
        let key = (org.to_owned(), written.to_owned());
        if let Some(hit) = self.resolved.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return hit;
        }
        let r = media::resolve(root, org, written).map(|(_, abs)| abs);
        if let Ok(mut m) = self.resolved.lock() {
            m.insert(key, r.clone());
        }
        r
    }

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
    let org = cx.reg.org(&post.org.value);
    guard::post(
        post,
        cx.reg,
        &|org, written| cx.probes.resolve(cx.root, org, written),
        out,
    );
    let pages: Vec<Network> = org
        .map(|o| o.pages.keys().copied().collect())
        .unwrap_or_default();
    if let Some(org) = org {
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
    // Each text is rendered once per flavour: VK and OK share the plain rendering.
    let mut renders = Renders::default();
    let mut texts: Vec<&Text> = vec![&post.text];
    texts.extend(post.overrides.values().filter_map(|o| o.text.as_ref()));
    for text in &texts {
        check_text(
            text,
            renders.get(text, render::Flavor::Plain),
            file,
            cx.style,
            out,
        );
    }
    let publishes = post.status == Status::Ready && post.external.is_none();
    let mut album = Vec::new();
    for &net in &targets {
        let text = post.text_for(net);
        // Telegram's visible text is never longer than the plain rendering (which adds link
        // addresses), and a UTF-16 length is at most twice the character count: a short plain
        // text needs no second rendering to be judged (half the Markdown work of a check).
        let plain = renders.get(text, render::Flavor::Plain);
        let short =
            plain.char_len() * 2 <= net.limits().text_max && !plain.visible.trim().is_empty();
        let rendered = if short {
            plain
        } else {
            renders.get(text, render::flavor(net))
        };
        check_length(post, net, text, rendered, publishes, out);
        if post.images_for(net).len() > net.limits().images_max {
            album.push(net);
        }
    }
    for (max, nets) in group_by_limit(&album, |l| l.images_max) {
        let images = post.images_for(nets[0]);
        out.push(with_nets(
            Diagnostic::new(
                Rule::AlbumSize,
                file,
                images[max].pos,
                format!(
                    "{} images, but {} {} at most {max} in one post",
                    images.len(),
                    names(&nets),
                    verb(&nets, "takes", "take")
                ),
            )
            .hint(format!(
                "keep the best {max}, or split the album into two posts"
            )),
            &nets,
        ));
    }
    if let Some(poll) = &post.poll {
        check_poll(post, poll, &targets, &mut renders, out);
    }
    check_media(post, &targets, cx, out);
    targets
}

/// Renders of the texts of one post, by text and flavour.
#[derive(Default)]
struct Renders {
    done: Vec<(*const Text, render::Flavor, render::Rendered)>,
}

impl Renders {
    fn get(&mut self, text: &Text, flavor: render::Flavor) -> &render::Rendered {
        let key = std::ptr::from_ref(text);
        let i = match self
            .done
            .iter()
            .position(|(t, f, _)| *t == key && *f == flavor)
        {
            Some(i) => i,
            None => {
                self.done
                    .push((key, flavor, render::render(&text.markdown, flavor)));
                self.done.len() - 1
            }
        };
        &self.done[i].2
    }
}

/// "VK", "VK and OK", "VK, OK and Telegram".
fn names(nets: &[Network]) -> String {
    match nets {
        [] => String::new(),
        [one] => one.display_name().to_owned(),
        [rest @ .., last] => {
            let head: Vec<&str> = rest.iter().map(|n| n.display_name()).collect();
            format!("{} and {}", head.join(", "), last.display_name())
        }
    }
}

/// The verb form agreeing with a list of networks ("VK takes", "VK and OK take").
fn verb(nets: &[Network], one: &'static str, many: &'static str) -> &'static str {
    if nets.len() == 1 { one } else { many }
}

/// Names the network on a diagnostic that concerns exactly one.
fn with_nets(d: Diagnostic, nets: &[Network]) -> Diagnostic {
    match nets {
        [one] => d.network(*one),
        _ => d,
    }
}

/// Groups networks by the value of one of their limits, so that one finding names every
/// network with the same limit.
fn group_by_limit(
    nets: &[Network],
    limit: impl Fn(&crate::plan::network::Limits) -> usize,
) -> Vec<(usize, Vec<Network>)> {
    let mut groups: Vec<(usize, Vec<Network>)> = Vec::new();
    for &n in nets {
        let v = limit(n.limits());
        match groups.iter_mut().find(|(l, _)| *l == v) {
            Some((_, g)) => g.push(n),
            None => groups.push((v, vec![n])),
        }
    }
    groups
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

fn check_text(
    text: &Text,
    plain: &render::Rendered,
    file: &str,
    style: &Style,
    out: &mut Vec<Diagnostic>,
) {
    for f in style.findings(&text.markdown) {
        out.push(Diagnostic::new(Rule::Style, file, text.pos_of(f.start), f.message).hint(f.hint));
    }
    // Problems are the same in every flavour; each kind is reported once per text.
    let mut seen = BTreeSet::new();
    for p in &plain.problems {
        if !seen.insert(p.message) {
            continue;
        }
        let d =
            Diagnostic::new(Rule::Markdown, file, text.pos_of(p.offset), p.message).hint(p.hint);
        out.push(if p.cosmetic {
            d.severity(Severity::Warning)
        } else {
            d
        });
    }
}

fn check_length(
    post: &Post,
    net: Network,
    text: &Text,
    rendered: &render::Rendered,
    publishes: bool,
    out: &mut Vec<Diagnostic>,
) {
    let file = post.file.as_str();
    let limits = net.limits();
    let len = render::length(net, rendered);
    let unit = if limits.text_unit_is_utf16 {
        "UTF-16 units"
    } else {
        "characters"
    };
    if len > limits.text_max {
        out.push(
            Diagnostic::new(
                Rule::TextLength,
                file,
                text.first,
                format!("the text is {len} {unit} on {net} after formatting; {net} takes at most {} ({} too many)", limits.text_max, len - limits.text_max),
            )
            .hint(format!("shorten the text, or give {net} its own shorter text under `{}: {{text: …}}`", net.key()))
            .network(net),
        );
    }
    if publishes
        && rendered.visible.trim().is_empty()
        && post.images_for(net).is_empty()
        && post.poll.is_none()
    {
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

fn check_poll(
    post: &Post,
    poll: &Poll,
    targets: &[Network],
    renders: &mut Renders,
    out: &mut Vec<Diagnostic>,
) {
    let file = post.file.as_str();
    let q = poll.question.value.chars().count();
    if q == 0 {
        out.push(
            Diagnostic::new(
                Rule::Poll,
                file,
                poll.question.pos,
                "the poll question is empty",
            )
            .hint("write the question"),
        );
    } else {
        let long: Vec<Network> = targets
            .iter()
            .copied()
            .filter(|n| q > n.limits().poll_question_max)
            .collect();
        for (max, nets) in group_by_limit(&long, |l| l.poll_question_max) {
            out.push(with_nets(
                Diagnostic::new(
                    Rule::Poll,
                    file,
                    poll.question.pos,
                    format!(
                        "the poll question is {q} characters; {} {} at most {max}",
                        names(&nets),
                        verb(&nets, "takes", "take")
                    ),
                )
                .hint("shorten the question; details can go into the post text"),
                &nets,
            ));
        }
    }
    let n = poll.options.len();
    let bad_count: Vec<Network> = targets
        .iter()
        .copied()
        .filter(|t| n < t.limits().poll_options_min || n > t.limits().poll_options_max)
        .collect();
    if !bad_count.is_empty() {
        let ranges: Vec<String> = bad_count
            .iter()
            .map(|t| {
                format!(
                    "{t} takes {} to {}",
                    t.limits().poll_options_min,
                    t.limits().poll_options_max
                )
            })
            .collect();
        out.push(with_nets(
            Diagnostic::new(
                Rule::Poll,
                file,
                poll.options_pos,
                format!("the poll has {n} options; {}", ranges.join(", ")),
            )
            .hint("change the number of options to fit every network the post goes to"),
            &bad_count,
        ));
    }
    let mut seen = BTreeSet::new();
    for o in &poll.options {
        let c = o.value.trim().chars().count();
        if c == 0 {
            out.push(
                Diagnostic::new(Rule::Poll, file, o.pos, "a poll option is empty")
                    .hint("write the option or remove it"),
            );
        }
        let long: Vec<Network> = targets
            .iter()
            .copied()
            .filter(|t| c > t.limits().poll_option_max)
            .collect();
        for (max, nets) in group_by_limit(&long, |l| l.poll_option_max) {
            out.push(with_nets(
                Diagnostic::new(
                    Rule::Poll,
                    file,
                    o.pos,
                    format!(
                        "a poll option is {c} characters; {} {} at most {max}",
                        names(&nets),
                        verb(&nets, "takes", "take")
                    ),
                )
                .hint("shorten the option"),
                &nets,
            ));
        }
        if c > 0 && !seen.insert(o.value.trim().to_lowercase()) {
            out.push(
                Diagnostic::new(
                    Rule::Poll,
                    file,
                    o.pos,
                    format!("the option «{}» is listed twice", o.value),
                )
                .hint("each option must be different"),
            );
        }
    }
    for &net in targets {
        if net.limits().poll_may_stand_alone || !post.images_for(net).is_empty() {
            continue;
        }
        if renders
            .get(post.text_for(net), render::flavor(net))
            .visible
            .trim()
            .is_empty()
        {
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
                .hint("set `closes` after the post's `date`"),
            );
        } else if targets.contains(&Network::Telegram) && open > TELEGRAM_POLL_MAX_OPEN {
            out.push(
                Diagnostic::new(
                    Rule::Poll,
                    file,
                    closes.pos,
                    "Telegram closes polls at most 30 days after they are posted",
                )
                .hint("set `closes` within 30 days of the post's `date`, or leave it out")
                .network(Network::Telegram),
            );
        }
    }
}

fn check_media(post: &Post, targets: &[Network], cx: &PostContext, out: &mut Vec<Diagnostic>) {
    let file = post.file.as_str();
    let org = post.org.value.as_str();
    let mut done = BTreeSet::new();
    let all = post.images.iter().chain(
        post.overrides
            .values()
            .flat_map(|o| o.images.iter().flatten()),
    );
    for img in all {
        if !done.insert((img.value.as_str(), img.pos)) {
            continue;
        }
        if img.value.trim().is_empty() {
            out.push(
                Diagnostic::new(Rule::Schema, file, img.pos, "an image path is empty")
                    .hint("write the file name, or remove the empty item"),
            );
            continue;
        }
        let nets: Vec<Network> = targets
            .iter()
            .copied()
            .filter(|n| post.images_for(*n).iter().any(|i| i.pos == img.pos))
            .collect();
        let abs = match cx.probes.resolve(cx.root, org, &img.value) {
            Ok(r) => r,
            Err(e @ PathError::Missing(_)) => {
                out.push(
                    Diagnostic::new(Rule::MediaMissing, file, img.pos, e.to_string())
                        .hint(format!("put the picture into media/{org}/ and write its name here, e.g. `images: [photo.jpg]`")),
                );
                continue;
            }
            // Reported by the guard (`media-path`).
            Err(_) => continue,
        };
        let info = match cx.probes.probe(&abs) {
            Ok(i) => i,
            Err(e @ ProbeError::TooLarge { max, .. }) => {
                out.push(
                    Diagnostic::new(
                        Rule::MediaSize,
                        file,
                        img.pos,
                        format!("`{}`: {e}", img.value),
                    )
                    .hint(format!(
                        "shrink it below {} MB: save it again as JPEG with fewer pixels (2560 px on the long side is plenty) or a lower quality",
                        max / (1024 * 1024)
                    )),
                );
                continue;
            }
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
            out.push(with_nets(
                Diagnostic::new(
                    Rule::MediaSize,
                    file,
                    img.pos,
                    format!(
                        "`{}`: {why}; {} {} it",
                        img.value,
                        names(&nets),
                        verb(&nets, "refuses", "refuse")
                    ),
                )
                .hint("crop the picture to a normal shape (e.g. 4:3 or 1:1) and save it again"),
                &nets,
            ));
        }
    }
}
