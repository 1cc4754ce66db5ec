//! The plan stage: the model of a content repository and its parsing, the bottom of the crate
//! (it imports no other stage).
//!
//! This file holds the posts: Markdown files with YAML front matter (`.md`) or lists of posts
//! in YAML plan files (`.yaml`), parsed into one model ([`Post`]) with positions. Beside it:
//! the [`registry`] of official pages, [`yaml`] with positions and a field reader that reports
//! every problem, local [`time`] and ISO weeks, [`source`] positions, the [`network`]s, the
//! [`diagnostic`]s every stage reports with, and [`repo`], the one safe way to list and read
//! the repository's files.
//!
//! Parsing takes text, never paths, so tests feed strings. Every problem becomes a diagnostic and
//! the rest of the file is still read: one bad post never hides the next one.

pub mod changes;
pub mod diagnostic;
pub mod id;
pub mod network;
pub mod registry;
pub mod repo;
pub mod source;
pub mod time;
pub mod yaml;

use std::collections::{BTreeMap, HashSet};

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::plan::diagnostic::{Diagnostic, Rule};
use crate::plan::id::PostId;
use crate::plan::network::Network;
use crate::plan::source::{LineIndex, Pos};
use crate::plan::yaml::{At, Fields, Kind, Node, What};

/// Whether a post is final.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Final: vestnik publishes it.
    Ready,
    /// A planned topic whose text is not final: never published.
    Draft,
}

/// Markdown text of a post and how its offsets map back to the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    /// The Markdown source.
    pub markdown: String,
    /// Where the text starts in the file.
    pub first: Pos,
    /// Column (0-based) where continuation lines start: 0 for a Markdown body, the block's
    /// indentation for a YAML `|` block.
    pub indent: u32,
}

impl Text {
    /// The file position of byte `offset` of the Markdown.
    pub fn pos_of(&self, offset: usize) -> Pos {
        let before = &self.markdown[..offset.min(self.markdown.len())];
        match before.rfind('\n') {
            None => Pos::new(
                self.first.line,
                self.first.column + before.chars().count() as u32,
            ),
            Some(nl) => {
                let lines = before.matches('\n').count() as u32;
                let col = before[nl + 1..].chars().count() as u32;
                Pos::new(self.first.line + lines, self.indent + 1 + col)
            }
        }
    }
}

/// A poll attached to a post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Poll {
    /// The question.
    pub question: At<String>,
    /// The answer options, in order.
    pub options: Vec<At<String>>,
    /// Where `options` is written.
    pub options_pos: Pos,
    /// Whether several options may be chosen.
    pub multiple: bool,
    /// When voting closes.
    pub closes: Option<At<Timestamp>>,
    /// Where `poll:` is written.
    pub pos: Pos,
}

/// A video clip of a post (`video: clip.mp4`, or `video: {file, poster, title}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Video {
    /// The clip's path as written (under `media/<org>/`).
    pub file: At<String>,
    /// A picture to show before the clip plays; without it a frame of the clip is taken.
    pub poster: Option<At<String>>,
    /// The clip's own name on VK and OK (Telegram shows none).
    pub title: Option<String>,
}

/// A live stream a post announces (`live: {url, starts}`): no API here starts one for all three
/// networks, so the post carries its link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Live {
    /// Where the stream will be watched.
    pub url: At<String>,
    /// When it starts.
    pub starts: Option<At<Timestamp>>,
    /// Where `live:` is written.
    pub pos: Pos,
}

/// Per-network overrides of a post.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Override {
    /// Replaces the body on this network.
    pub text: Option<Text>,
    /// Replaces the images on this network.
    pub images: Option<Vec<At<String>>>,
    /// Replaces the video on this network.
    pub video: Option<Video>,
    /// Replaces the animation on this network.
    pub animation: Option<At<String>>,
    /// Do not publish on this network.
    pub skip: bool,
    /// Where the override is written.
    pub pos: Pos,
}

/// One publication as planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    /// Path of the file, relative to the content repository.
    pub file: String,
    /// Stable id within the organization (file name, `<file>#<date>` in plans, or explicit `id`).
    pub id: PostId,
    /// The organization the post is for (the folder unless `org:` says otherwise).
    pub org: At<String>,
    /// The folder the file is in.
    pub folder: String,
    /// When to publish; `None` when the date was missing or invalid (already reported).
    pub when: Option<At<Timestamp>>,
    /// Internal title for calendars.
    pub title: Option<String>,
    /// Networks named explicitly; `None` means every page of the organization.
    pub networks: Option<At<Vec<At<Network>>>>,
    /// Image paths as written.
    pub images: Vec<At<String>>,
    /// The video clip.
    pub video: Option<Video>,
    /// A short silent loop (`animation: loop.gif` or `.mp4`).
    pub animation: Option<At<String>>,
    /// A live stream announced.
    pub live: Option<Live>,
    /// The poll.
    pub poll: Option<Poll>,
    /// Ready or draft.
    pub status: Status,
    /// Who publishes it instead of vestnik (e.g. Госпаблики), if someone else does.
    pub external: Option<String>,
    /// Per-network overrides.
    pub overrides: BTreeMap<Network, Override>,
    /// The Markdown text (body or `text:`).
    pub text: Text,
    /// Where the post starts.
    pub pos: Pos,
}

impl Post {
    /// The networks this post goes to, given the pages the organization has: the explicit list
    /// (or all pages) minus those with `skip: true`.
    pub fn targets(&self, pages: impl IntoIterator<Item = Network>) -> Vec<Network> {
        let mut nets: Vec<Network> = match &self.networks {
            Some(list) => list.value.iter().map(|n| n.value).collect(),
            None => pages.into_iter().collect(),
        };
        nets.sort();
        nets.dedup();
        nets.retain(|n| !self.overrides.get(n).is_some_and(|o| o.skip));
        nets
    }

    /// The Markdown text sent to `network` (an override's text or the body).
    pub fn text_for(&self, network: Network) -> &Text {
        self.overrides
            .get(&network)
            .and_then(|o| o.text.as_ref())
            .unwrap_or(&self.text)
    }

    /// The images sent to `network`.
    pub fn images_for(&self, network: Network) -> &[At<String>] {
        self.overrides
            .get(&network)
            .and_then(|o| o.images.as_deref())
            .unwrap_or(&self.images)
    }

    /// The video sent to `network`.
    pub fn video_for(&self, network: Network) -> Option<&Video> {
        self.overrides
            .get(&network)
            .and_then(|o| o.video.as_ref())
            .or(self.video.as_ref())
    }

    /// The animation sent to `network`.
    pub fn animation_for(&self, network: Network) -> Option<&At<String>> {
        self.overrides
            .get(&network)
            .and_then(|o| o.animation.as_ref())
            .or(self.animation.as_ref())
    }

    /// Whether the post sends a video or an animation anywhere (FFmpeg is then needed).
    pub fn has_motion(&self) -> bool {
        self.video.is_some()
            || self.animation.is_some()
            || self
                .overrides
                .values()
                .any(|o| o.video.is_some() || o.animation.is_some())
    }

    /// Every clip and poster path the post writes (overrides included), for the path guard.
    pub fn motion_paths(&self) -> Vec<&At<String>> {
        let videos = self
            .video
            .iter()
            .chain(self.overrides.values().filter_map(|o| o.video.as_ref()));
        let mut out: Vec<&At<String>> = Vec::new();
        for v in videos {
            out.push(&v.file);
            out.extend(v.poster.as_ref());
        }
        out.extend(self.animation.iter());
        out.extend(self.overrides.values().filter_map(|o| o.animation.as_ref()));
        out
    }

    /// Whether the post counts for the weekly rule (ready or external).
    pub fn counts(&self) -> bool {
        self.status == Status::Ready || self.external.is_some()
    }
}

/// The longest explicit post id.
pub const MAX_ID_CHARS: usize = 128;

/// Whether `id` may be written as a post's `id:`: letters (any script), digits, `-`, `_` and
/// `.`. Ids are printed in `status`, logs and alerts: a line break or an escape sequence in one
/// would forge lines there.
pub fn is_post_id(id: &str) -> bool {
    let n = id.chars().count();
    (1..=MAX_ID_CHARS).contains(&n)
        && id
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

const POST_FIELDS: &[&str] = &[
    "org",
    "id",
    "date",
    "title",
    "networks",
    "images",
    "video",
    "animation",
    "live",
    "poll",
    "status",
    "external",
    "vk",
    "ok",
    "telegram",
];

/// Parses one `.md` post file. `folder` is the organization folder it is in; `tz` the registry's
/// zone. Returns the post (if its front matter could be read) and reports problems into `out`.
pub fn parse_markdown(
    file: &str,
    folder: &str,
    text: &str,
    tz: &TimeZone,
    out: &mut Vec<Diagnostic>,
) -> Option<Post> {
    let split = match split_front_matter(text) {
        Ok(s) => s,
        Err(d) => {
            out.push(d.located(file));
            return None;
        }
    };
    let node = match yaml::parse(split.yaml, split.yaml_line - 1) {
        Ok(n) => n,
        Err(e) => {
            out.push(e.diagnostic(
                file,
                "post-front-matter-yaml",
                Some("post-front-matter-yaml-hint"),
            ));
            return None;
        }
    };
    let body = Text {
        markdown: split.body.to_owned(),
        first: Pos::new(split.body_line, 1),
        indent: 0,
    };
    let stem = file_stem(file);
    let ctx = Ctx {
        file,
        folder,
        tz,
        source: text,
        index: LineIndex::new(text),
    };
    read_post(&node, &ctx, Some(body), stem.to_owned(), Pos::START, out)
}

/// Parses a post (`.md`) or a plan (any other extension: `.yaml`, `.yml`) by its file name.
pub fn parse_file(
    file: &str,
    folder: &str,
    text: &str,
    tz: &TimeZone,
    out: &mut Vec<Diagnostic>,
) -> Vec<Post> {
    if file.to_ascii_lowercase().ends_with(".md") {
        parse_markdown(file, folder, text, tz, out)
            .into_iter()
            .collect()
    } else {
        parse_plan(file, folder, text, tz, out)
    }
}

/// Parses one `.yaml` plan file (`posts:` list). Returns the posts that could be read.
pub fn parse_plan(
    file: &str,
    folder: &str,
    text: &str,
    tz: &TimeZone,
    out: &mut Vec<Diagnostic>,
) -> Vec<Post> {
    let node = match yaml::parse(text, 0) {
        Ok(n) => n,
        Err(e) => {
            out.push(e.diagnostic(file, "post-plan-yaml", Some("post-plan-yaml-hint")));
            return Vec::new();
        }
    };
    let ctx = Ctx {
        file,
        folder,
        tz,
        source: text,
        index: LineIndex::new(text),
    };
    let Some(mut f) = Fields::new(&node, What::Msg("what-plan-file"), file, out) else {
        return Vec::new();
    };
    let items = match f.node("posts") {
        Some(Node {
            kind: Kind::Seq(items),
            ..
        }) => items.as_slice(),
        Some(other) => {
            let msg = crate::t!("post-posts-not-a-list", found = other.kind.describe());
            f.report(
                Diagnostic::new(Rule::Schema, file, other.pos, msg)
                    .hint(crate::t!("post-posts-not-a-list-hint")),
            );
            &[]
        }
        None => {
            if !f.has("posts") {
                let pos = f.pos();
                f.report(
                    Diagnostic::new(Rule::Schema, file, pos, crate::t!("post-no-posts"))
                        .hint(crate::t!("post-no-posts-hint")),
                );
            }
            &[]
        }
    };
    f.finish(&["posts"]);
    let stem = file_stem(file);
    let mut seen: HashSet<PostId> = HashSet::new();
    let mut posts = Vec::new();
    for item in items {
        if let Some(mut p) = read_post(item, &ctx, None, String::new(), item.pos, out) {
            if p.id.is_empty() {
                let when = p.when.as_ref().map_or_else(
                    || "undated".to_owned(),
                    |w| {
                        tz.to_datetime(w.value)
                            .strftime("%Y-%m-%dT%H:%M")
                            .to_string()
                    },
                );
                let base = format!("{stem}#{when}");
                let mut id = base.clone();
                let mut n = 2;
                while seen.contains(id.as_str()) {
                    id = format!("{base}-{n}");
                    n += 1;
                }
                p.id = id.into();
            }
            seen.insert(p.id.clone());
            posts.push(p);
        }
    }
    posts
}

struct Ctx<'a> {
    file: &'a str,
    folder: &'a str,
    tz: &'a TimeZone,
    source: &'a str,
    index: LineIndex,
}

impl Ctx<'_> {
    /// Where a YAML string value's content starts and how its lines are indented.
    fn text_of(&self, value: &At<String>) -> Text {
        let start = self.index.line_start(value.pos.line).unwrap_or(0);
        let line = &self.source[start..];
        let col_byte = line
            .char_indices()
            .nth(value.pos.column.saturating_sub(1) as usize)
            .map_or(0, |(i, _)| i);
        let rest = &line[col_byte..];
        let markdown = value.value.clone();
        if rest.starts_with('|') || rest.starts_with('>') {
            // A block scalar: the content starts on the next non-empty line, at its indentation.
            let mut next_line = value.pos.line + 1;
            let mut indent = 0;
            while let Some(s) = self.index.line_start(next_line) {
                let l = self.source[s..].split('\n').next().unwrap_or("");
                if !l.trim().is_empty() {
                    indent = (l.len() - l.trim_start_matches(' ').len()) as u32;
                    break;
                }
                next_line += 1;
            }
            Text {
                markdown,
                first: Pos::new(next_line, indent + 1),
                indent,
            }
        } else {
            let quoted = u32::from(rest.starts_with('"') || rest.starts_with('\''));
            // serde-saphyr places block scalars at their first content character, so continuation
            // lines share that indentation.
            Text {
                markdown,
                first: Pos::new(value.pos.line, value.pos.column + quoted),
                indent: value.pos.column - 1,
            }
        }
    }
}

fn read_post(
    node: &Node,
    ctx: &Ctx,
    body: Option<Text>,
    id: String,
    pos: Pos,
    out: &mut Vec<Diagnostic>,
) -> Option<Post> {
    let file = ctx.file;
    let in_plan = body.is_none();
    let what = What::Msg(if in_plan {
        "what-post"
    } else {
        "what-front-matter"
    });
    let mut f = Fields::new(node, what, file, out)?;
    let org = match f.str("org") {
        Some(o) => o,
        None => At::new(ctx.folder.to_owned(), pos),
    };
    let explicit_id = f.str("id").and_then(|a| {
        if is_post_id(&a.value) {
            return Some(a.value);
        }
        f.report(
            Diagnostic::new(
                Rule::Schema,
                file,
                a.pos,
                crate::t!(
                    "post-bad-id",
                    max = MAX_ID_CHARS,
                    value = a.value.escape_default().to_string()
                ),
            )
            .hint(crate::t!("post-bad-id-hint")),
        );
        None
    });
    let when = f.req_str("date", "2026-12-01 09:00").and_then(|d| {
        match time::parse_when(&d.value, ctx.tz) {
            Ok(ts) => Some(At::new(ts, d.pos)),
            Err(e) => {
                f.report(Diagnostic::new(Rule::Date, file, d.pos, e.to_string()).hint(e.hint()));
                None
            }
        }
    });
    let title = f.str("title").map(|t| t.value);
    let networks = f.str_list("networks").map(|list| {
        if list.value.is_empty() {
            f.report(
                Diagnostic::new(
                    Rule::Schema,
                    file,
                    list.pos,
                    crate::t!("post-networks-empty"),
                )
                .hint(crate::t!("post-networks-empty-hint")),
            );
        }
        let nets = list
            .value
            .into_iter()
            .filter_map(|n| match Network::from_key(&n.value) {
                Some(net) => Some(At::new(net, n.pos)),
                None => {
                    f.report(
                        Diagnostic::new(
                            Rule::Schema,
                            file,
                            n.pos,
                            crate::t!("post-unknown-network", value = n.value.as_str()),
                        )
                        .hint(crate::t!("post-unknown-network-hint")),
                    );
                    None
                }
            })
            .collect();
        At::new(nets, list.pos)
    });
    let images = f.str_list("images").map(|l| l.value).unwrap_or_default();
    let video = read_video(&mut f, ctx);
    let animation = f.str("animation");
    let live_pos = f.key_pos("live");
    let live = f
        .map("live")
        .and_then(|n| read_live(n, live_pos, ctx, f.out()));
    let poll_pos = f.key_pos("poll");
    let poll = f
        .map("poll")
        .and_then(|n| read_poll(n, poll_pos, ctx, f.out()));
    let status = match f.str("status") {
        None => Status::Ready,
        Some(s) => match s.value.as_str() {
            "ready" => Status::Ready,
            "draft" => Status::Draft,
            other => {
                f.report(
                    Diagnostic::new(
                        Rule::Schema,
                        file,
                        s.pos,
                        crate::t!("post-bad-status", value = other),
                    )
                    .hint(crate::t!("post-bad-status-hint")),
                );
                Status::Draft
            }
        },
    };
    let external = match f.node("external") {
        None => None,
        Some(Node {
            kind: Kind::Bool(b),
            ..
        }) => b.then(|| "external".to_owned()),
        Some(n) => match n.scalar_text() {
            Some(s) if !s.trim().is_empty() => Some(s),
            _ => {
                f.report(
                    Diagnostic::new(Rule::Schema, file, n.pos, crate::t!("post-bad-external"))
                        .hint(crate::t!("post-bad-external-hint")),
                );
                None
            }
        },
    };
    let mut overrides = BTreeMap::new();
    for net in Network::ALL {
        let key_pos = f.key_pos(net.key());
        if let Some(n) = f.map(net.key())
            && let Some(o) =
                read_override(n, net, ctx, f.out()).map(|o| Override { pos: key_pos, ..o })
        {
            overrides.insert(net, o);
        }
    }
    let text = match body {
        Some(b) => Some(b),
        None => f.str("text").map(|t| ctx.text_of(&t)),
    };
    let mut known: Vec<&str> = POST_FIELDS.to_vec();
    if in_plan {
        known.push("text");
    }
    f.finish(&known);
    let text = text.unwrap_or(Text {
        markdown: String::new(),
        first: pos,
        indent: 0,
    });
    Some(Post {
        file: file.to_owned(),
        id: explicit_id.unwrap_or(id).into(),
        org,
        folder: ctx.folder.to_owned(),
        when,
        title,
        networks,
        images,
        video,
        animation,
        live,
        poll,
        status,
        external,
        overrides,
        text,
        pos,
    })
}

fn read_poll(node: &Node, key_pos: Pos, ctx: &Ctx, out: &mut Vec<Diagnostic>) -> Option<Poll> {
    let mut f = Fields::new(node, What::Msg("what-poll"), ctx.file, out)?;
    let question = f.req_str("question", "Придёте на открытие катка?");
    let options = f.str_list("options");
    if options.is_none() && !f.has("options") {
        let pos = f.pos();
        f.report(
            Diagnostic::new(
                Rule::Schema,
                ctx.file,
                pos,
                crate::t!("post-poll-no-options"),
            )
            .hint(crate::t!("post-poll-no-options-hint")),
        );
    }
    let multiple = f.bool("multiple").is_some_and(|b| b.value);
    let closes = f
        .str("closes")
        .and_then(|c| match time::parse_when(&c.value, ctx.tz) {
            Ok(ts) => Some(At::new(ts, c.pos)),
            Err(e) => {
                f.report(
                    Diagnostic::new(
                        Rule::Date,
                        ctx.file,
                        c.pos,
                        crate::t!("post-poll-closes", error = e.to_string()),
                    )
                    .hint(e.hint()),
                );
                None
            }
        });
    let pos = key_pos;
    let options_pos = f.key_pos("options");
    f.finish(&["question", "options", "multiple", "closes"]);
    Some(Poll {
        question: question?,
        options: options?.value,
        options_pos,
        multiple,
        closes,
        pos,
    })
}

fn read_override(
    node: &Node,
    net: Network,
    ctx: &Ctx,
    out: &mut Vec<Diagnostic>,
) -> Option<Override> {
    let what = What::Msg(match net {
        Network::Vk => "what-override-vk",
        Network::Ok => "what-override-ok",
        Network::Telegram => "what-override-telegram",
    });
    let mut f = Fields::new(node, what, ctx.file, out)?;
    let o = Override {
        text: f.str("text").map(|t| ctx.text_of(&t)),
        images: f.str_list("images").map(|l| l.value),
        video: read_video(&mut f, ctx),
        animation: f.str("animation"),
        skip: f.bool("skip").is_some_and(|b| b.value),
        pos: f.pos(),
    };
    f.finish(&["text", "images", "video", "animation", "skip"]);
    Some(o)
}

/// `video:` as a path, or as a map `{file, poster, title}`.
fn read_video(f: &mut Fields, ctx: &Ctx) -> Option<Video> {
    let node = f.node("video")?;
    if let Some(file) = node.scalar_text() {
        return Some(Video {
            file: At::new(file, node.pos),
            poster: None,
            title: None,
        });
    }
    let mut v = Fields::new(node, What::Msg("what-video"), ctx.file, f.out())?;
    let file = v.req_str("file", "concert.mp4");
    let poster = v.str("poster");
    let title = v.str("title").map(|t| t.value);
    v.finish(&["file", "poster", "title"]);
    Some(Video {
        file: file?,
        poster,
        title,
    })
}

fn read_live(node: &Node, key_pos: Pos, ctx: &Ctx, out: &mut Vec<Diagnostic>) -> Option<Live> {
    let mut f = Fields::new(node, What::Msg("what-live"), ctx.file, out)?;
    let url = f.req_str("url", "https://vk.com/video-1_2");
    if let Some(u) = &url
        && !(u.value.starts_with("https://") || u.value.starts_with("http://"))
    {
        let d = Diagnostic::new(Rule::Schema, ctx.file, u.pos, crate::t!("post-live-url"))
            .hint(crate::t!("post-live-url-hint"));
        f.report(d);
    }
    let starts = f.req_str("starts", "2026-12-01 18:00").and_then(|c| {
        match time::parse_when(&c.value, ctx.tz) {
            Ok(ts) => Some(At::new(ts, c.pos)),
            Err(e) => {
                f.report(
                    Diagnostic::new(Rule::Date, ctx.file, c.pos, e.to_string()).hint(e.hint()),
                );
                None
            }
        }
    });
    f.finish(&["url", "starts"]);
    Some(Live {
        url: url?,
        starts,
        pos: key_pos,
    })
}

/// The name of a plan file without its folder and extension: the id of a `.md` post without
/// `id:`, and the start of the ids of a plan's posts.
pub fn file_stem(file: &str) -> &str {
    let name = file.rsplit('/').next().unwrap_or(file);
    name.rsplit_once('.').map_or(name, |(s, _)| s)
}

/// A front matter split off a Markdown file.
#[derive(Debug, PartialEq, Eq)]
pub struct FrontMatter<'a> {
    /// The YAML between the `---` lines.
    pub yaml: &'a str,
    /// The 1-based line the YAML starts on.
    pub yaml_line: u32,
    /// The Markdown after the closing line.
    pub body: &'a str,
    /// The 1-based line the body starts on.
    pub body_line: u32,
}

/// A problem splitting the front matter, not yet tied to a file.
#[derive(Debug)]
pub struct SplitError {
    rule: Rule,
    pos: Pos,
    /// The message id; its hint is `<id>-hint`.
    message: &'static str,
}

impl SplitError {
    fn located(self, file: &str) -> Diagnostic {
        Diagnostic::new(self.rule, file, self.pos, crate::t!(self.message))
            .hint(crate::t!(&format!("{}-hint", self.message)))
    }
}

/// Splits `---\nyaml\n---\nbody`. The opening line must be the first line (a UTF-8 BOM is
/// skipped); the closing line is `---` or `...`.
///
/// pulldown-cmark silently renders an unclosed block as a rule and a paragraph, so this is done
/// here, and an unclosed block is an error.
pub fn split_front_matter(text: &str) -> Result<FrontMatter<'_>, SplitError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or("");
    if first.trim_end() != "---" {
        return Err(SplitError {
            rule: Rule::Yaml,
            pos: Pos::START,
            message: "post-no-front-matter",
        });
    }
    let yaml_start = first.len();
    let mut offset = yaml_start;
    for (line, l) in (2u32..).zip(lines) {
        let t = l.trim_end();
        if t == "---" || t == "..." {
            let yaml = &text[yaml_start..offset];
            let body = &text[offset + l.len()..];
            return Ok(FrontMatter {
                yaml,
                yaml_line: 2,
                body,
                body_line: line + 1,
            });
        }
        offset += l.len();
    }
    Err(SplitError {
        rule: Rule::Yaml,
        pos: Pos::START,
        message: "post-front-matter-unclosed",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nk() -> TimeZone {
        time::zone(time::DEFAULT_ZONE).unwrap()
    }

    #[test]
    fn front_matter_splits_with_lines() {
        let fm = split_front_matter("---\ndate: x\n---\nHello\n").unwrap();
        assert_eq!(fm.yaml, "date: x\n");
        assert_eq!(fm.body, "Hello\n");
        assert_eq!(fm.body_line, 4);
        assert!(split_front_matter("---\ndate: x\nHello\n").is_err());
        assert!(split_front_matter("date: x\n").is_err());
        assert!(split_front_matter("\u{feff}---\n---\n").is_ok());
    }

    #[test]
    fn markdown_post_parses() {
        let src = "---\ndate: 2026-12-01 09:00\nnetworks: [vk, telegram]\nimages: [a.jpg]\npoll:\n  question: Q?\n  options: [Да, Нет]\ntelegram:\n  text: Коротко\n---\nТекст **поста**\n";
        let mut out = Vec::new();
        let p = parse_markdown("plans/school/post.md", "school", src, &nk(), &mut out).unwrap();
        assert!(out.is_empty(), "{out:?}");
        assert_eq!(p.id, "post");
        assert_eq!(p.org.value, "school");
        assert_eq!(p.when.as_ref().unwrap().pos, Pos::new(2, 7));
        assert_eq!(
            p.targets([Network::Vk, Network::Ok, Network::Telegram]),
            [Network::Vk, Network::Telegram]
        );
        assert_eq!(p.text.first, Pos::new(11, 1));
        assert_eq!(p.text_for(Network::Telegram).markdown, "Коротко");
        assert_eq!(p.text_for(Network::Telegram).first, Pos::new(9, 9));
        assert_eq!(p.poll.as_ref().unwrap().options.len(), 2);
    }

    #[test]
    fn plan_reports_each_bad_post_and_keeps_the_rest() {
        let src = "posts:\n  - date: 2026-12-01 09:00\n    text: |\n      Первая строка\n      вторая\n  - date: 2026-13-01 09:00\n    text: x\n  - date: 2026-12-03 09:00\n    pol: {question: q}\n  - date: 2026-12-03 09:00\n";
        let mut out = Vec::new();
        let posts = parse_plan("plans/lib/december.yaml", "lib", src, &nk(), &mut out);
        assert_eq!(posts.len(), 4);
        let rules: Vec<(u32, Rule)> = out.iter().map(|d| (d.pos.line, d.rule)).collect();
        assert_eq!(rules, [(6, Rule::Date), (9, Rule::Schema)]);
        assert_eq!(posts[0].text.first, Pos::new(4, 7));
        assert_eq!(
            posts[0].text.pos_of("Первая строка\nвто".len()),
            Pos::new(5, 10)
        );
        assert_eq!(posts[0].id, "december#2026-12-01T09:00");
        assert_eq!(posts[2].id, "december#2026-12-03T09:00");
        assert_eq!(posts[3].id, "december#2026-12-03T09:00-2");
    }

    /// Every message of the plan stage reads in both languages; the Russian is Russian: Cyrillic,
    /// and Latin only in `backticks`, in «quoted user text», or as a network's name.
    #[test]
    fn plan_messages_speak_russian_and_english() {
        use crate::locale::{Lang, catalogue, messages, text_in};
        let plan = |lang| {
            catalogue(lang)
                .into_iter()
                .find(|(f, _)| *f == "plan.ftl")
                .unwrap()
                .1
        };
        let ids = messages(plan(Lang::Ru));
        assert!(ids.len() > 100, "{}", ids.len());
        let latin_outside_code = |s: &str| -> Vec<String> {
            let (mut out, mut code, mut quoted) = (String::new(), false, false);
            for c in s.chars() {
                match c {
                    '`' => code = !code,
                    '«' => quoted = true,
                    '»' => quoted = false,
                    _ if !code && !quoted => out.push(c),
                    _ => {}
                }
            }
            out.split(|c: char| !c.is_ascii_alphabetic())
                .filter(|w| !w.is_empty() && !["VK", "OK", "Telegram"].contains(w))
                .map(str::to_owned)
                .collect()
        };
        for (id, vars) in &ids {
            let args: Vec<(&str, fluent_bundle::FluentValue<'_>)> =
                vars.iter().map(|v| (v.as_str(), "1".into())).collect();
            let ru = text_in(Lang::Ru, id, &args);
            let en = text_in(Lang::En, id, &args);
            assert!(!ru.is_empty() && !en.is_empty(), "{id}");
            assert_ne!(ru, en, "{id}");
            assert_ne!(ru, *id, "{id} is missing in ru");
            assert_ne!(en, *id, "{id} is missing in en");
            if !["yaml-name", "kind-bool"].contains(&id.as_str()) {
                assert!(
                    ru.chars().any(|c| matches!(c, 'а'..='я' | 'А'..='Я' | 'ё')),
                    "{id}: {ru}"
                );
            }
            assert!(latin_outside_code(&ru).is_empty(), "{id}: {ru}");
        }
        // Composed messages read naturally in Russian.
        let args = |pairs: &[(&'static str, &'static str)]| -> Vec<(&'static str, fluent_bundle::FluentValue<'static>)> {
            pairs.iter().map(|(k, v)| (*k, (*v).into())).collect()
        };
        let ru = |id: &str, a: &[(&'static str, &'static str)]| text_in(Lang::Ru, id, &args(a));
        let expected = ru("yaml-expect-number", &[("lo", "0"), ("hi", "52")]);
        let what = ru("what-rules", &[]);
        let found = ru("kind-number", &[]);
        assert_eq!(
            text_in(
                Lang::Ru,
                "yaml-wrong-type",
                &[
                    ("key", "weeks_ahead".into()),
                    ("what", what.as_str().into()),
                    ("expected", expected.as_str().into()),
                    ("found", found.as_str().into()),
                ]
            ),
            "поле `weeks_ahead` в разделе `rules`: нужно целое число от 0 до 52, а здесь число"
        );
        let max = |n: i64| {
            text_in(
                Lang::Ru,
                "post-bad-id",
                &[("max", n.into()), ("value", "a b".into())],
            )
        };
        assert!(max(1).contains("не больше 1 знака,"), "{}", max(1));
        assert!(max(128).contains("не больше 128 знаков,"), "{}", max(128));
    }

    /// A broken post and a broken registry report through the catalogues, in the process's
    /// language (whichever it is: the tests never set it).
    #[test]
    fn broken_post_and_registry_report_catalogue_texts() {
        let mut out = Vec::new();
        let src = "---\ndate: 2026-12-01\nnetwork: [vk]\n---\nТекст\n";
        parse_markdown("plans/a/x.md", "a", src, &nk(), &mut out);
        assert_eq!(out.len(), 2, "{out:?}");
        assert_eq!(out[0].rule, Rule::Date);
        assert_eq!(
            out[0].message,
            crate::t!("date-no-time", text = "2026-12-01")
        );
        assert_eq!(
            out[0].hint.as_deref(),
            Some(crate::t!("date-no-time-hint").as_str())
        );
        assert_eq!(
            out[1].message,
            crate::t!(
                "yaml-unknown-field",
                name = "network",
                what = crate::t!("what-front-matter")
            )
        );
        let (_, diags) = registry::Registry::parse("organizations: 5\n", registry::REGISTRY_PATH);
        assert_eq!(
            diags[0].message,
            crate::t!("registry-orgs-not-a-list", found = crate::t!("kind-number"))
        );
    }

    #[test]
    fn unclosed_front_matter_is_an_error() {
        let mut out = Vec::new();
        assert!(
            parse_markdown(
                "plans/a/x.md",
                "a",
                "---\ndate: 2026-12-01 09:00\nТекст\n",
                &nk(),
                &mut out
            )
            .is_none()
        );
        assert_eq!(out[0].rule, Rule::Yaml);
        assert_eq!(out[0].message, crate::t!("post-front-matter-unclosed"));
    }
}
