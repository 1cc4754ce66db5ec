//! Rules about one post: its organization and networks, what each network will receive after
//! rendering (`text-length`, `poll`, `album-size`, `empty-post`, `markdown`), its images
//! (`media-*`), its style and drafts that are due.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use jiff::{SignedDuration, Timestamp};

use crate::check::rules::guard;
use crate::check::style::Style;
use crate::media::video::{self, Motion, Tools, VideoError, VideoInfo};
use crate::media::{self, MediaInfo, PathError, ProbeError};
use crate::plan::diagnostic::{Diagnostic, Rule, Severity};
use crate::plan::network::Network;
use crate::plan::registry::Registry;
use crate::plan::{Poll, Post, Status, Text};
use crate::render;
use crate::t;

/// Telegram accepts `close_date` at most this far after sending (Bot API 10.1 `sendPoll`).
pub const TELEGRAM_POLL_MAX_OPEN: SignedDuration = SignedDuration::from_secs(2_628_000);

/// A draft due within this time is reported.
pub const DRAFT_WARN: SignedDuration = SignedDuration::from_hours(48);

/// Image paths resolved and headers read once per image, shared by the threads of a check
/// (thousands of posts reuse a handful of pictures). The memory is bounded: only the images of
/// the last few thousand lookups are kept (files are read in path order, so an organization's
/// posts, which share its pictures, come together); a repository with a picture per post does
/// not hold 100,000 of them.
#[derive(Debug, Default)]
pub struct MediaProbes {
    seen: Mutex<Recent<PathBuf, Result<MediaInfo, ProbeError>>>,
    resolved: Mutex<Recent<(String, String), Result<PathBuf, PathError>>>,
    clips: Mutex<Recent<PathBuf, Result<VideoInfo, VideoError>>>,
    tools: Tools,
}

/// How many images each generation of [`Recent`] holds.
const RECENT_IMAGES: usize = 4096;

/// A map that keeps what was used lately: two generations of at most [`RECENT_IMAGES`]
/// entries; when the new one is full, the old one is dropped and the new one becomes old.
#[derive(Debug)]
struct Recent<K, V> {
    new: HashMap<K, V>,
    old: HashMap<K, V>,
}

impl<K, V> Default for Recent<K, V> {
    fn default() -> Self {
        Self {
            new: HashMap::new(),
            old: HashMap::new(),
        }
    }
}

impl<K: std::hash::Hash + Eq, V: Clone> Recent<K, V> {
    fn get<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ?Sized,
    {
        if let Some(v) = self.new.get(key) {
            return Some(v.clone());
        }
        let (k, v) = self.old.remove_entry(key)?;
        self.insert(k, v.clone());
        Some(v)
    }

    fn insert(&mut self, key: K, value: V) {
        if self.new.len() >= RECENT_IMAGES {
            self.old = std::mem::take(&mut self.new);
        }
        self.new.insert(key, value);
    }
}

impl MediaProbes {
    fn resolve(&self, root: &Path, org: &str, written: &str) -> Result<PathBuf, PathError> {
        let key = (org.to_owned(), written.to_owned());
        if let Some(hit) = self.resolved.lock().ok().and_then(|mut m| m.get(&key)) {
            return hit;
        }
        let r = media::resolve(root, org, written).map(|(_, abs)| abs);
        if let Ok(mut m) = self.resolved.lock() {
            m.insert(key, r.clone());
        }
        r
    }

    fn probe_video(&self, path: &Path) -> Result<VideoInfo, VideoError> {
        if let Some(hit) = self.clips.lock().ok().and_then(|mut m| m.get(path)) {
            return hit;
        }
        let r = video::probe(&self.tools, path);
        if let Ok(mut m) = self.clips.lock() {
            m.insert(path.to_owned(), r.clone());
        }
        r
    }

    fn probe(&self, path: &Path) -> Result<MediaInfo, ProbeError> {
        if let Some(hit) = self.seen.lock().ok().and_then(|mut m| m.get(path)) {
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
                        t!(
                            "unknown-network-override",
                            net = net.display_name(),
                            org = org.name.value.as_str()
                        ),
                    )
                    .hint(t!("unknown-network-override-hint"))
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
        // A video rides in the album (Telegram's media group, VK's ten photos and videos).
        let video = usize::from(post.video_for(net).is_some());
        if post.images_for(net).len() + video > net.limits().images_max {
            album.push(net);
        }
    }
    for (max, nets) in group_by_limit(&album, |l| l.images_max) {
        let images = post.images_for(nets[0]);
        let video = post.video_for(nets[0]).map(|v| &v.file);
        let pos = images.get(max).or(video).map_or(post.pos, |i| i.pos);
        out.push(with_nets(
            Diagnostic::new(
                Rule::AlbumSize,
                file,
                pos,
                t!(
                    "album-size-too-many",
                    n = images.len() + usize::from(video.is_some()),
                    networks = names(&nets),
                    count = nets.len(),
                    max = max
                ),
            )
            .hint(t!("album-size-too-many-hint", max = max)),
            &nets,
        ));
    }
    if let Some(poll) = &post.poll {
        check_poll(post, poll, &targets, &mut renders, out);
    }
    check_media(post, &targets, cx, out);
    check_motion(post, &targets, cx, out);
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

/// "VK", "VK and OK", "VK, OK and Telegram" (the verbs agreeing with the list are chosen by
/// the messages, from the number of networks).
fn names(nets: &[Network]) -> String {
    match nets {
        [] => String::new(),
        [one] => one.display_name().to_owned(),
        [rest @ .., last] => {
            let head: Vec<&str> = rest.iter().map(|n| n.display_name()).collect();
            t!(
                "networks-and",
                head = head.join(", "),
                last = last.display_name()
            )
        }
    }
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
            Diagnostic::new(Rule::DraftDue, &post.file, when.pos, t!("draft-due-passed"))
                .hint(t!("draft-due-passed-hint"))
                .severity(Severity::Error),
        );
    } else if left < DRAFT_WARN {
        let hours = left.as_hours();
        out.push(
            Diagnostic::new(
                Rule::DraftDue,
                &post.file,
                when.pos,
                t!("draft-due-soon", hours = hours),
            )
            .hint(t!("draft-due-soon-hint")),
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
        if !seen.insert(p.kind) {
            continue;
        }
        let d = Diagnostic::new(Rule::Markdown, file, text.pos_of(p.offset), p.message())
            .hint(p.hint());
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
        "utf16"
    } else {
        "chars"
    };
    if len > limits.text_max {
        out.push(
            Diagnostic::new(
                Rule::TextLength,
                file,
                text.first,
                t!(
                    "text-length-too-long",
                    len = len,
                    unit = unit,
                    net = net.display_name(),
                    max = limits.text_max,
                    over = len - limits.text_max
                ),
            )
            .hint(t!(
                "text-length-too-long-hint",
                net = net.display_name(),
                key = net.key()
            ))
            .network(net),
        );
    }
    if publishes
        && rendered.visible.trim().is_empty()
        && post.images_for(net).is_empty()
        && post.video_for(net).is_none()
        && post.animation_for(net).is_none()
        && post.poll.is_none()
    {
        out.push(
            Diagnostic::new(
                Rule::EmptyPost,
                file,
                text.first,
                t!("empty-post-nothing", net = net.display_name()),
            )
            .hint(t!("empty-post-nothing-hint"))
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
                t!("poll-question-empty"),
            )
            .hint(t!("poll-question-empty-hint")),
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
                    t!(
                        "poll-question-long",
                        len = q,
                        networks = names(&nets),
                        count = nets.len(),
                        max = max
                    ),
                )
                .hint(t!("poll-question-long-hint")),
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
            .map(|n| {
                t!(
                    "poll-options-range",
                    net = n.display_name(),
                    min = n.limits().poll_options_min,
                    max = n.limits().poll_options_max
                )
            })
            .collect();
        out.push(with_nets(
            Diagnostic::new(
                Rule::Poll,
                file,
                poll.options_pos,
                t!("poll-options-count", n = n, ranges = ranges.join(", ")),
            )
            .hint(t!("poll-options-count-hint")),
            &bad_count,
        ));
    }
    let mut seen = BTreeSet::new();
    for o in &poll.options {
        let c = o.value.trim().chars().count();
        if c == 0 {
            out.push(
                Diagnostic::new(Rule::Poll, file, o.pos, t!("poll-option-empty"))
                    .hint(t!("poll-option-empty-hint")),
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
                    t!(
                        "poll-option-long",
                        len = c,
                        networks = names(&nets),
                        count = nets.len(),
                        max = max
                    ),
                )
                .hint(t!("poll-option-long-hint")),
                &nets,
            ));
        }
        if c > 0 && !seen.insert(o.value.trim().to_lowercase()) {
            out.push(
                Diagnostic::new(
                    Rule::Poll,
                    file,
                    o.pos,
                    t!("poll-option-twice", option = o.value.as_str()),
                )
                .hint(t!("poll-option-twice-hint")),
            );
        }
    }
    for &net in targets {
        if net.limits().poll_may_stand_alone
            || !post.images_for(net).is_empty()
            || post.video_for(net).is_some()
            || post.animation_for(net).is_some()
        {
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
                    t!("poll-alone", net = net.display_name()),
                )
                .hint(t!("poll-alone-hint"))
                .network(net),
            );
        }
    }
    if let (Some(closes), Some(when)) = (&poll.closes, &post.when) {
        let open = closes.value.duration_since(when.value);
        if open <= SignedDuration::from_secs(5) {
            out.push(
                Diagnostic::new(Rule::Poll, file, closes.pos, t!("poll-closes-early"))
                    .hint(t!("poll-closes-early-hint")),
            );
        } else if targets.contains(&Network::Telegram) && open > TELEGRAM_POLL_MAX_OPEN {
            out.push(
                Diagnostic::new(Rule::Poll, file, closes.pos, t!("poll-closes-late"))
                    .hint(t!("poll-closes-late-hint"))
                    .network(Network::Telegram),
            );
        }
    }
}

fn check_media(post: &Post, targets: &[Network], cx: &PostContext, out: &mut Vec<Diagnostic>) {
    let file = post.file.as_str();
    let org = post.org.value.as_str();
    let mut done = BTreeSet::new();
    // Posters are pictures too (their format is checked; Telegram gets them as thumbnails).
    let posters = post
        .video
        .iter()
        .chain(post.overrides.values().filter_map(|o| o.video.as_ref()))
        .filter_map(|v| v.poster.as_ref());
    let all = post
        .images
        .iter()
        .chain(
            post.overrides
                .values()
                .flat_map(|o| o.images.iter().flatten()),
        )
        .chain(posters);
    for img in all {
        if !done.insert((img.value.as_str(), img.pos)) {
            continue;
        }
        if img.value.trim().is_empty() {
            out.push(
                Diagnostic::new(Rule::Schema, file, img.pos, t!("schema-image-empty"))
                    .hint(t!("schema-image-empty-hint")),
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
                    Diagnostic::new(Rule::MediaMissing, file, img.pos, e.message())
                        .hint(t!("media-missing-hint", org = org)),
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
                        format!("`{}`: {}", img.value, e.message()),
                    )
                    .hint(t!(
                        "media-size-file-too-large-hint",
                        max = max / (1024 * 1024)
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
                        format!("`{}`: {}", img.value, e.message()),
                    )
                    .hint(t!("media-format-hint")),
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
                        "`{}`: {}",
                        img.value,
                        t!(
                            "media-size-unfit",
                            why = why,
                            networks = names(&nets),
                            count = nets.len()
                        )
                    ),
                )
                .hint(t!("media-size-unfit-hint")),
                &nets,
            ));
        }
    }
}

/// `media-format`, `media-size` and `media-tool` for the clips of a post: each probed once with
/// `ffprobe`, and judged per network by the adaptation it would get.
fn check_motion(post: &Post, targets: &[Network], cx: &PostContext, out: &mut Vec<Diagnostic>) {
    let file = post.file.as_str();
    let org = post.org.value.as_str();
    for &net in targets {
        if let (Some(_), Some(a)) = (post.video_for(net), post.animation_for(net)) {
            out.push(
                Diagnostic::new(Rule::Schema, file, a.pos, t!("video-animation-and-video"))
                    .hint(t!("video-animation-and-video-hint"))
                    .network(net),
            );
            break;
        }
    }
    let videos = post
        .video
        .iter()
        .chain(post.overrides.values().filter_map(|o| o.video.as_ref()))
        .map(|v| (&v.file, Motion::Video));
    let animations = post
        .animation
        .iter()
        .chain(post.overrides.values().filter_map(|o| o.animation.as_ref()))
        .map(|a| (a, Motion::Animation));
    let mut done = BTreeSet::new();
    for (clip, motion) in videos.chain(animations) {
        if !done.insert(clip.pos) {
            continue;
        }
        if clip.value.trim().is_empty() {
            out.push(
                Diagnostic::new(Rule::Schema, file, clip.pos, t!("schema-image-empty"))
                    .hint(t!("schema-image-empty-hint")),
            );
            continue;
        }
        let nets: Vec<Network> = targets
            .iter()
            .copied()
            .filter(|&n| match motion {
                Motion::Video => post.video_for(n).is_some_and(|v| v.file.pos == clip.pos),
                Motion::Animation => post.animation_for(n).is_some_and(|a| a.pos == clip.pos),
            })
            .collect();
        let abs = match cx.probes.resolve(cx.root, org, &clip.value) {
            Ok(r) => r,
            Err(e @ PathError::Missing(_)) => {
                out.push(
                    Diagnostic::new(Rule::MediaMissing, file, clip.pos, e.message())
                        .hint(t!("media-missing-hint", org = org)),
                );
                continue;
            }
            // Reported by the guard (`media-path`).
            Err(_) => continue,
        };
        let said = |e: &VideoError| format!("`{}`: {}", clip.value, e.message());
        let info = match cx.probes.probe_video(&abs) {
            Ok(i) => i,
            Err(VideoError::ToolMissing(tool)) => {
                out.push(
                    Diagnostic::new(
                        Rule::MediaTool,
                        file,
                        clip.pos,
                        t!("media-tool-missing", tool = tool.display().to_string()),
                    )
                    .hint(t!("media-tool-missing-hint")),
                );
                continue;
            }
            Err(e) => {
                let (rule, hint) = if e.is_size() {
                    (Rule::MediaSize, t!("video-size-hint"))
                } else {
                    (Rule::MediaFormat, t!("video-format-hint"))
                };
                out.push(Diagnostic::new(rule, file, clip.pos, said(&e)).hint(hint));
                continue;
            }
        };
        // One finding per reason, with the networks it concerns.
        let mut reasons: Vec<(String, Vec<Network>)> = Vec::new();
        for net in nets {
            if let Err(e) = video::adaptation(&info, motion, net) {
                let why = said(&e);
                match reasons.iter_mut().find(|(w, _)| *w == why) {
                    Some((_, n)) => n.push(net),
                    None => reasons.push((why, vec![net])),
                }
            }
        }
        for (why, nets) in reasons {
            out.push(with_nets(
                Diagnostic::new(Rule::MediaSize, file, clip.pos, why).hint(t!("video-size-hint")),
                &nets,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use fluent_bundle::FluentValue;

    use crate::locale::{Lang, text_in};

    #[test]
    fn text_length_counts_in_both_languages() {
        let args = |len: u32, unit: &'static str, net: &'static str, max: u32| {
            [
                ("len", FluentValue::from(len)),
                ("unit", unit.into()),
                ("net", net.into()),
                ("max", max.into()),
                ("over", (len - max).into()),
            ]
        };
        let tg = args(4200, "utf16", "Telegram", 4096);
        assert_eq!(
            text_in(Lang::En, "text-length-too-long", &tg),
            "the text is 4200 UTF-16 units on Telegram after formatting; Telegram takes at most 4096 (104 too many)"
        );
        assert_eq!(
            text_in(Lang::Ru, "text-length-too-long", &tg),
            "после оформления в тексте для Telegram 4200 знаков (по счёту Telegram, где эмодзи идёт за два), а Telegram принимает не больше 4096. Лишних: 104"
        );
        let vk = args(15_021, "chars", "VK", 15_000);
        assert_eq!(
            text_in(Lang::En, "text-length-too-long", &vk),
            "the text is 15021 characters on VK after formatting; VK takes at most 15000 (21 too many)"
        );
        assert_eq!(
            text_in(Lang::Ru, "text-length-too-long", &vk),
            "после оформления в тексте для VK 15\u{a0}021 знак, а VK принимает не больше 15\u{a0}000. Лишних: 21"
        );
    }

    #[test]
    fn russian_counts_agree() {
        let hours = |n: i64| text_in(Lang::Ru, "draft-due-soon", &[("hours", n.into())]);
        assert!(hours(1).contains("остался 1 час,"), "{}", hours(1));
        assert!(hours(3).contains("осталось 3 часа,"), "{}", hours(3));
        assert!(hours(11).contains("осталось 11 часов,"), "{}", hours(11));
        assert!(hours(21).contains("остался 21 час,"), "{}", hours(21));
        let album = |n: i64, count: i64| {
            text_in(
                Lang::Ru,
                "album-size-too-many",
                &[
                    ("n", n.into()),
                    ("networks", "VK и OK".into()),
                    ("count", count.into()),
                    ("max", 10.into()),
                ],
            )
        };
        assert_eq!(
            album(12, 2),
            "в публикации 12 картинок, а VK и OK принимают не больше 10"
        );
        assert_eq!(
            text_in(
                Lang::En,
                "album-size-too-many",
                &[
                    ("n", 12.into()),
                    ("networks", "VK and OK".into()),
                    ("count", 2.into()),
                    ("max", 10.into()),
                ],
            ),
            "12 images, but VK and OK take at most 10 in one post"
        );
    }
}
