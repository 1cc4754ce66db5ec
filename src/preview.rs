//! `vestnik preview`: what each network will receive for the posts of one file — the text exactly
//! as sent, images after processing, the poll, and warnings — as text, JSON, or a self-contained
//! HTML page that looks like the three feeds side by side.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::check::rules::post::{self as post_rules, MediaProbes, PostContext};
use crate::check::style::Style;
use crate::media::MediaCache;
use crate::plan::diagnostic::Diagnostic;
use crate::plan::network::Network;
use crate::plan::registry::{REGISTRY_PATH, Registry};
use crate::plan::repo::Repo;
use crate::plan::time;
use crate::plan::{self, Post, Status};
use crate::render::publication::{self, ImageRef, Motion, Publication, VideoRef};
use crate::render::{self, markdown::escape_attr};

/// Why a preview could not be made. The `Display` is English, for logs; [`PreviewError::message`]
/// is for people.
#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    /// The file is not under `plans/<org>/` of the repository.
    #[error("{0} is not a post or plan under plans/<org-id>/ of {1}")]
    NotAPlan(String, String),
    /// A file or folder (the file, the repository) could not be opened.
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    /// The file or registry could not be read or parsed (the text is already the reader's, in
    /// the process's language).
    #[error("{0}")]
    Unreadable(String),
}

impl PreviewError {
    /// Why, in the process's language.
    pub fn message(&self) -> String {
        match self {
            PreviewError::NotAPlan(file, root) => crate::t!(
                "preview-error-not-a-plan",
                file = file.as_str(),
                root = root.as_str()
            ),
            PreviewError::Io(path, e) => {
                let reason = crate::plan::repo::io_words(e);
                crate::t!("preview-error-io", path = path.as_str(), reason = reason)
            }
            PreviewError::Unreadable(text) => text.clone(),
        }
    }
}

/// The preview of one post on one network.
#[derive(Debug, Clone, Serialize)]
pub struct NetworkPreview {
    /// The network.
    pub network: Network,
    /// The page's id.
    pub page: String,
    /// The page's public link.
    pub url: Option<String>,
    /// Text as a reader sees it.
    pub visible_text: String,
    /// Its length in the network's unit.
    pub length: usize,
    /// The network's limit for it.
    pub limit: usize,
    /// The calls that will be made.
    pub publication: Option<Publication>,
    /// Why no call can be made, when none can.
    pub error: Option<String>,
    /// Things to know before publishing.
    pub notes: Vec<String>,
}

/// The preview of one post.
#[derive(Debug, Clone, Serialize)]
pub struct PostPreview {
    /// Stable id.
    pub id: String,
    /// Internal title.
    pub title: Option<String>,
    /// Organization name.
    pub org: String,
    /// Local date and time.
    pub date: Option<String>,
    /// The instant of `date` (for the dates people read).
    #[serde(skip)]
    pub when: Option<jiff::Timestamp>,
    /// `ready`, `draft` or `external`.
    pub status: &'static str,
    /// One entry per network the post goes to.
    pub networks: Vec<NetworkPreview>,
}

/// A whole preview: the posts of the file and the problems `check` finds in it.
#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    /// File previewed, relative to the repository.
    pub file: String,
    /// Every post of the file, each with what each network receives.
    pub posts: Vec<PostPreview>,
    /// Problems of the file (same rules as `check`, without the weekly ones).
    pub problems: Vec<serde_json::Value>,
    /// Processed images by source path, as JPEG bytes (for HTML).
    #[serde(skip)]
    pub images: HashMap<String, PathBuf>,
    /// The registry's time zone, in which people read dates.
    #[serde(skip)]
    pub tz: jiff::tz::TimeZone,
}

/// Builds the preview of `file` (a path to a `.md` or `.yaml` under `root/plans/<org>/`),
/// limited to `only` when given. Images are processed through the media cache in `cache_dir`.
///
/// Fails when the file is outside `plans/<org>/`, unreadable, or not parseable at all.
pub fn build(
    root: &Path,
    file: &Path,
    only: Option<Network>,
    cache_dir: &Path,
) -> Result<Preview, PreviewError> {
    let abs = if file.is_absolute() {
        file.to_owned()
    } else {
        std::env::current_dir()
            .map_err(|e| PreviewError::Io(".".to_owned(), e))?
            .join(file)
    };
    let root_abs = root
        .canonicalize()
        .map_err(|e| PreviewError::Io(root.display().to_string(), e))?;
    let abs = abs
        .canonicalize()
        .map_err(|e| PreviewError::Io(file.display().to_string(), e))?;
    let rel = abs
        .strip_prefix(&root_abs)
        .ok()
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .filter(|p| p.starts_with("plans/") && p.matches('/').count() >= 2)
        .ok_or_else(|| {
            PreviewError::NotAPlan(file.display().to_string(), root.display().to_string())
        })?;
    let folder = rel.split('/').nth(1).unwrap_or_default().to_owned();
    let repo = Repo::open(root).map_err(|e| PreviewError::Io(root.display().to_string(), e))?;
    let reg_text = repo
        .read_text(REGISTRY_PATH)
        .map_err(|d| PreviewError::Unreadable(d.message))?;
    let (reg, _) = Registry::parse(&reg_text, REGISTRY_PATH);
    let text = repo
        .read_text(&rel)
        .map_err(|d| PreviewError::Unreadable(format!("{rel}: {}", d.message)))?;
    let mut diags: Vec<Diagnostic> = Vec::new();
    let posts: Vec<Post> = plan::parse_file(&rel, &folder, &text, &reg.tz, &mut diags);
    let (style, _) = Style::load(
        repo.read_text(crate::check::style::LOCAL_PATH)
            .ok()
            .as_deref(),
        crate::check::style::LOCAL_PATH,
    );
    let probes = MediaProbes::default();
    let cx = PostContext {
        reg: &reg,
        style: &style,
        probes: &probes,
        root,
        now: jiff::Timestamp::now(),
    };
    let cache = MediaCache::new(cache_dir);
    let mut images = HashMap::new();
    let mut out = Vec::new();
    for post in &posts {
        let targets = post_rules::check(post, &cx, &mut diags);
        let Some(org) = reg.org(&post.org.value) else {
            continue;
        };
        let mut networks = Vec::new();
        for net in targets.into_iter().filter(|n| only.is_none_or(|o| o == *n)) {
            let Some(page) = org.pages.get(&net) else {
                continue;
            };
            let rendered = render::render(&post.text_for(net).markdown, render::flavor(net));
            let mut notes = publication::notes(post, net);
            // Each picture is prepared once: for the publication and for the page's inline copy.
            let prepared: HashMap<&str, (ImageRef, PathBuf)> = post
                .images_for(net)
                .iter()
                .filter_map(|i| {
                    Some((
                        i.value.as_str(),
                        cache.prepare_written(root, &post.org.value, &i.value, net)?,
                    ))
                })
                .collect();
            for (image, path) in prepared.values() {
                images.insert(format!("{}:{}", net.key(), image.source), path.clone());
            }
            let lookup = |written: &str| prepared.get(written).map(|(image, _)| image.clone());
            // Clips are adapted as the publisher adapts them: the sizes shown are the real ones.
            let mut clips: Vec<(String, Motion, VideoRef)> = Vec::new();
            let video = post.video_for(net).map(|v| {
                (
                    &v.file.value,
                    v.poster.as_ref().map(|p| p.value.as_str()),
                    Motion::Video,
                )
            });
            let animation = post
                .animation_for(net)
                .map(|a| (&a.value, None, Motion::Animation));
            for (clip, poster, motion) in video.into_iter().chain(animation) {
                if let Some(made) =
                    cache.prepare_video_written(root, &post.org.value, clip, poster, motion, net)
                {
                    let key = format!("{}:{}", net.key(), made.video.poster.source);
                    images.insert(key, made.poster.clone());
                    clips.push((clip.clone(), motion, made.video));
                }
            }
            let clip_lookup = |written: &str, motion: Motion| {
                clips
                    .iter()
                    .find(|(w, m, _)| w == written && *m == motion)
                    .map(|(_, _, v)| v.clone())
            };
            let (publication, error) = match publication::render(post, page, &lookup, &clip_lookup)
            {
                Ok(p) => (Some(p), None),
                Err(e) => (None, Some(e.message())),
            };
            if post.status == Status::Draft {
                notes.insert(0, crate::t!("preview-note-draft"));
            }
            if let Some(who) = &post.external {
                notes.insert(0, crate::t!("preview-note-external", who = who.as_str()));
            }
            networks.push(NetworkPreview {
                network: net,
                page: page.id.value.clone(),
                url: page.url.clone(),
                length: render::length(net, &rendered),
                limit: net.limits().text_max,
                visible_text: rendered.visible,
                publication,
                error,
                notes,
            });
        }
        out.push(PostPreview {
            id: post.id.to_string(),
            title: post.title.clone(),
            org: org.name.value.clone(),
            date: post
                .when
                .as_ref()
                .map(|w| time::local_label(w.value, &reg.tz)),
            when: post.when.as_ref().map(|w| w.value),
            status: if post.external.is_some() {
                "external"
            } else if post.status == Status::Draft {
                "draft"
            } else {
                "ready"
            },
            networks,
        });
    }
    let problems = diags
        .iter()
        .map(|d| {
            serde_json::json!({
                "rule": d.rule.id(), "severity": d.severity.as_str(), "file": d.file,
                "line": d.pos.line, "column": d.pos.column, "message": crate::check::leak::mask(&d.message), "hint": d.hint,
            })
        })
        .collect();
    Ok(Preview {
        file: rel,
        posts: out,
        problems,
        images,
        tz: reg.tz.clone(),
    })
}

impl Serialize for Network {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.key())
    }
}

/// The preview as text for a terminal: each call in order, texts exactly as sent.
pub fn to_text(p: &Preview) -> String {
    let mut out = String::new();
    for post in &p.posts {
        let _ = writeln!(
            out,
            "━━ {} · {} · {} [{}]",
            p.file,
            post.id,
            date_for_people(p, post),
            status_word(post.status)
        );
        if let Some(t) = &post.title {
            let _ = writeln!(out, "   {t}");
        }
        for n in &post.networks {
            let unit = if n.network.limits().text_unit_is_utf16 {
                "utf16"
            } else {
                "chars"
            };
            let head = crate::t!(
                "preview-network",
                network = n.network.to_string(),
                page = n.page.as_str(),
                len = n.length,
                limit = n.limit,
                unit = unit
            );
            let _ = writeln!(out, "\n── {head}");
            if let Some(publication) = &n.publication {
                describe(&mut out, publication, &p.tz);
            }
            if let Some(e) = &n.error {
                let _ = writeln!(
                    out,
                    "   {}",
                    crate::t!("preview-cannot-publish", error = e.as_str())
                );
            }
            for note in &n.notes {
                let _ = writeln!(out, "   ! {note}");
            }
        }
        out.push('\n');
    }
    for d in &p.problems {
        let _ = writeln!(
            out,
            "{}[{}] {}:{}:{}: {}",
            severity_word(d),
            d["rule"].as_str().unwrap_or(""),
            d["file"].as_str().unwrap_or(""),
            d["line"],
            d["column"],
            d["message"].as_str().unwrap_or("")
        );
    }
    out
}

/// The post's date as people read it, with the year («сб 5 декабря 2026, 11:00»).
fn date_for_people(p: &Preview, post: &PostPreview) -> String {
    post.when.map_or_else(
        || crate::t!("preview-no-date"),
        |w| time::human(w, &p.tz, true),
    )
}

/// `ready`, `draft` or `external` in words.
fn status_word(status: &str) -> String {
    match status {
        "draft" => crate::t!("preview-status-draft"),
        "external" => crate::t!("preview-status-external"),
        _ => crate::t!("preview-status-ready"),
    }
}

/// A problem's severity in words (`error`, `warning` in the JSON).
fn severity_word(d: &serde_json::Value) -> String {
    match d["severity"].as_str() {
        Some("error") => crate::t!("severity-error"),
        Some("warning") => crate::t!("severity-warning"),
        other => other.unwrap_or("").to_owned(),
    }
}

fn quote(out: &mut String, text: &str) {
    for line in text.lines() {
        let _ = writeln!(out, "      │ {line}");
    }
}

/// A clip as people read it: its file, picture size, duration, size after adaptation, and
/// where its poster comes from.
fn video_line(v: &VideoRef) -> String {
    crate::t!(
        "preview-video",
        source = v.source.as_str(),
        width = v.width.to_string(),
        height = v.height.to_string(),
        secs = v.duration,
        mb = format!("{:.1}", v.bytes as f64 / 1_000_000.0),
        poster = v.poster.source.as_str()
    )
}

/// A clip in the HTML page: its poster, and what it is under it.
fn video_tag(p: &Preview, net: Network, v: &VideoRef) -> String {
    let data = p
        .images
        .get(&format!("{}:{}", net.key(), v.poster.source))
        .and_then(|path| crate::media::read_file(path).ok())
        .map(|b| format!("data:image/jpeg;base64,{}", base64(&b)))
        .unwrap_or_default();
    let id = match v.motion {
        Motion::Video => "preview-html-video",
        Motion::Animation => "preview-html-animation",
    };
    let caption = crate::t!(
        id,
        source = v.source.as_str(),
        width = v.width.to_string(),
        height = v.height.to_string(),
        secs = v.duration,
        mb = format!("{:.1}", v.bytes as f64 / 1_000_000.0)
    );
    format!(
        "<figure class=\"photo video\"><img src=\"{data}\" alt=\"{}\" width=\"{}\" height=\"{}\"><figcaption>▶ {}</figcaption></figure>",
        escape_attr(&v.source),
        v.poster.width,
        v.poster.height,
        escape_attr(&caption),
    )
}

fn image_line(i: &ImageRef) -> String {
    crate::t!(
        "preview-image",
        source = i.source.as_str(),
        width = i.width.to_string(),
        height = i.height.to_string(),
        kb = i.bytes.div_ceil(1024)
    )
}

/// A Unix time as people read it in zone `tz`.
fn closing_time(closes: Option<i64>, tz: &jiff::tz::TimeZone) -> Option<String> {
    closes
        .and_then(|c| jiff::Timestamp::from_second(c).ok())
        .map(|c| time::human(c, tz, true))
}

fn poll_line(
    question: &str,
    options: &[String],
    multiple: bool,
    closes: Option<i64>,
    tz: &jiff::tz::TimeZone,
) -> String {
    let mut s = crate::t!(
        "preview-poll",
        question = question,
        options = options.join(" / ")
    );
    if multiple {
        s.push_str(&crate::t!("preview-poll-multiple"));
    }
    if let Some(when) = closing_time(closes, tz) {
        s.push_str(&crate::t!("preview-poll-closes", when = when));
    }
    s
}

/// Writes the calls of one publication, numbered, with their texts as sent; dates in `tz`.
fn describe(out: &mut String, publication: &Publication, tz: &jiff::tz::TimeZone) {
    let mut step = 0;
    let mut line = |out: &mut String, what: String| {
        step += 1;
        let _ = writeln!(out, "   {step}. {what}");
    };
    match publication {
        Publication::Telegram(calls) => {
            for c in calls {
                match c {
                    publication::TelegramCall::SendMessage { text, .. } => {
                        line(out, crate::t!("preview-call-send-message"));
                        quote(out, text);
                    }
                    publication::TelegramCall::SendPhoto { photo, caption, .. } => {
                        let id = if caption.is_some() {
                            "preview-call-send-photo-caption"
                        } else {
                            "preview-call-send-photo"
                        };
                        line(out, crate::t!(id, image = image_line(photo)));
                        quote(out, caption.as_deref().unwrap_or(""));
                    }
                    publication::TelegramCall::SendVideo { video, caption, .. }
                    | publication::TelegramCall::SendAnimation {
                        animation: video,
                        caption,
                        ..
                    } => {
                        let id = match (video.motion, caption.is_some()) {
                            (Motion::Video, false) => "preview-call-send-video",
                            (Motion::Video, true) => "preview-call-send-video-caption",
                            (Motion::Animation, false) => "preview-call-send-animation",
                            (Motion::Animation, true) => "preview-call-send-animation-caption",
                        };
                        line(out, crate::t!(id, video = video_line(video)));
                        quote(out, caption.as_deref().unwrap_or(""));
                    }
                    publication::TelegramCall::SendMediaGroup {
                        media,
                        video,
                        caption,
                        ..
                    } => {
                        let mut list: Vec<String> = media.iter().map(image_line).collect();
                        list.extend(video.iter().map(video_line));
                        let id = if caption.is_some() {
                            "preview-call-send-media-group-caption"
                        } else {
                            "preview-call-send-media-group"
                        };
                        line(
                            out,
                            crate::t!(id, count = list.len(), images = list.join(", ")),
                        );
                        quote(out, caption.as_deref().unwrap_or(""));
                    }
                    publication::TelegramCall::SendPoll {
                        question,
                        options,
                        allows_multiple_answers,
                        close_date,
                        ..
                    } => {
                        let poll =
                            poll_line(question, options, *allows_multiple_answers, *close_date, tz);
                        line(out, crate::t!("preview-call-send-poll", poll = poll));
                    }
                }
            }
        }
        Publication::Vk(calls) => {
            for c in calls {
                match c {
                    publication::VkCall::UploadPhoto { image, .. } => line(
                        out,
                        crate::t!("preview-call-upload-photo", image = image_line(image)),
                    ),
                    publication::VkCall::UploadVideo { video, name, .. } => line(
                        out,
                        crate::t!(
                            "preview-call-upload-video",
                            video = video_line(video),
                            name = name.as_str()
                        ),
                    ),
                    publication::VkCall::CreatePoll {
                        question,
                        add_answers,
                        is_multiple,
                        end_date,
                        ..
                    } => {
                        let poll = poll_line(question, add_answers, *is_multiple, *end_date, tz);
                        line(out, crate::t!("preview-call-polls-create", poll = poll));
                    }
                    publication::VkCall::WallPost {
                        owner_id,
                        message,
                        attachments,
                        guid,
                        ..
                    } => {
                        line(
                            out,
                            crate::t!(
                                "preview-call-wall-post",
                                owner = owner_id.to_string(),
                                attachments = attachments.len(),
                                guid = guid.as_str()
                            ),
                        );
                        quote(out, message);
                    }
                }
            }
        }
        Publication::Ok(calls) => {
            for c in calls {
                match c {
                    publication::OkCall::UploadPhoto { image, .. } => line(
                        out,
                        crate::t!("preview-call-upload-photo", image = image_line(image)),
                    ),
                    publication::OkCall::UploadVideo { video, title, .. } => line(
                        out,
                        crate::t!(
                            "preview-call-upload-video",
                            video = video_line(video),
                            name = title.as_str()
                        ),
                    ),
                    publication::OkCall::MediatopicPost { gid, media } => {
                        line(
                            out,
                            crate::t!(
                                "preview-call-mediatopic-post",
                                gid = gid.as_str(),
                                blocks = media.len()
                            ),
                        );
                        for m in media {
                            match m {
                                publication::OkMedia::Text { text } => quote(out, text),
                                publication::OkMedia::Photo { uploads } => {
                                    let _ = writeln!(
                                        out,
                                        "      {}",
                                        crate::t!("preview-ok-photos", count = uploads.len())
                                    );
                                }
                                publication::OkMedia::Movie { uploads } => {
                                    let _ = writeln!(
                                        out,
                                        "      {}",
                                        crate::t!("preview-ok-movies", count = uploads.len())
                                    );
                                }
                                publication::OkMedia::Poll {
                                    question,
                                    answers,
                                    options,
                                } => {
                                    let _ = writeln!(
                                        out,
                                        "      {}",
                                        crate::t!(
                                            "preview-ok-poll",
                                            question = question.as_str(),
                                            answers = answers.join(" / "),
                                            options = options.as_str()
                                        )
                                    );
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The preview as JSON.
pub fn to_json(p: &Preview) -> String {
    let mut s = serde_json::to_string_pretty(p).unwrap_or_default();
    s.push('\n');
    s
}

/// Plain text as HTML with its line breaks.
fn plain_html(text: &str) -> String {
    escape_attr(text).replace('\n', "<br>")
}

fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn img_tag(p: &Preview, net: Network, image: &ImageRef) -> String {
    let data = p
        .images
        .get(&format!("{}:{}", net.key(), image.source))
        .and_then(|path| crate::media::read_file(path).ok())
        .map(|b| format!("data:image/jpeg;base64,{}", base64(&b)))
        .unwrap_or_default();
    let caption = crate::t!(
        "preview-html-image",
        source = image.source.as_str(),
        width = image.width.to_string(),
        height = image.height.to_string(),
        kb = image.bytes.div_ceil(1024)
    );
    format!(
        "<figure class=\"photo\"><img src=\"{data}\" alt=\"{}\" width=\"{}\" height=\"{}\"><figcaption>{}</figcaption></figure>",
        escape_attr(&image.source),
        image.width,
        image.height,
        escape_attr(&caption),
    )
}

/// The note under a poll: anonymous, several answers or one, when it closes (in `tz`).
fn poll_note(multiple: bool, closes: Option<i64>, tz: &jiff::tz::TimeZone) -> String {
    let mut note = if multiple {
        crate::t!("preview-html-poll-multiple")
    } else {
        crate::t!("preview-html-poll")
    };
    if let Some(when) = closing_time(closes, tz) {
        let _ = write!(
            note,
            " · {}",
            crate::t!("preview-html-poll-closes", when = when)
        );
    }
    note
}

fn poll_html(question: &str, options: &[String], note: &str) -> String {
    let mut s = format!(
        "<div class=\"poll\"><div class=\"q\">{}</div>",
        escape_attr(question)
    );
    for o in options {
        let _ = write!(s, "<div class=\"opt\">○ {}</div>", escape_attr(o));
    }
    let _ = write!(s, "<div class=\"pnote\">{}</div></div>", escape_attr(note));
    s
}

/// The body of one feed card: what the network shows, built from its calls.
fn card_body(p: &Preview, n: &NetworkPreview) -> String {
    let mut s = String::new();
    if let Some(e) = &n.error {
        let _ = write!(
            s,
            "<div class=\"error\">{}</div>",
            escape_attr(&crate::t!("preview-cannot-publish", error = e.as_str()))
        );
    }
    match &n.publication {
        None => {}
        Some(Publication::Telegram(calls)) => {
            for call in calls {
                s.push_str("<div class=\"bubble\">");
                match call {
                    publication::TelegramCall::SendMessage { text, .. } => {
                        s.push_str(&text.replace('\n', "<br>"))
                    }
                    publication::TelegramCall::SendPhoto { photo, caption, .. } => {
                        s.push_str(&img_tag(p, n.network, photo));
                        if let Some(c) = caption {
                            let _ = write!(
                                s,
                                "<div class=\"caption\">{}</div>",
                                c.replace('\n', "<br>")
                            );
                        }
                    }
                    publication::TelegramCall::SendVideo { video, caption, .. }
                    | publication::TelegramCall::SendAnimation {
                        animation: video,
                        caption,
                        ..
                    } => {
                        s.push_str(&video_tag(p, n.network, video));
                        if let Some(c) = caption {
                            let _ = write!(
                                s,
                                "<div class=\"caption\">{}</div>",
                                c.replace('\n', "<br>")
                            );
                        }
                    }
                    publication::TelegramCall::SendMediaGroup {
                        media,
                        video,
                        caption,
                        ..
                    } => {
                        s.push_str("<div class=\"album\">");
                        for m in media {
                            s.push_str(&img_tag(p, n.network, m));
                        }
                        if let Some(v) = video {
                            s.push_str(&video_tag(p, n.network, v));
                        }
                        s.push_str("</div>");
                        if let Some(c) = caption {
                            let _ = write!(
                                s,
                                "<div class=\"caption\">{}</div>",
                                c.replace('\n', "<br>")
                            );
                        }
                    }
                    publication::TelegramCall::SendPoll {
                        question,
                        options,
                        allows_multiple_answers,
                        close_date,
                        ..
                    } => {
                        let note = poll_note(*allows_multiple_answers, *close_date, &p.tz);
                        s.push_str(&poll_html(question, options, &note));
                    }
                }
                s.push_str("</div>");
            }
        }
        Some(Publication::Vk(calls)) => {
            let mut photos = Vec::new();
            let mut videos = Vec::new();
            let mut poll = String::new();
            let mut message = "";
            for call in calls {
                match call {
                    publication::VkCall::UploadPhoto { image, .. } => photos.push(image),
                    publication::VkCall::UploadVideo { video, .. } => videos.push(video),
                    publication::VkCall::CreatePoll {
                        question,
                        add_answers,
                        is_multiple,
                        end_date,
                        ..
                    } => {
                        let note = poll_note(*is_multiple, *end_date, &p.tz);
                        poll = poll_html(question, add_answers, &note);
                    }
                    publication::VkCall::WallPost { message: m, .. } => message = m,
                }
            }
            let _ = write!(s, "<div class=\"text\">{}</div>", plain_html(message));
            if !photos.is_empty() || !videos.is_empty() {
                s.push_str("<div class=\"album\">");
                for ph in photos {
                    s.push_str(&img_tag(p, n.network, ph));
                }
                for v in videos {
                    s.push_str(&video_tag(p, n.network, v));
                }
                s.push_str("</div>");
            }
            s.push_str(&poll);
        }
        Some(Publication::Ok(calls)) => {
            let uploads: Vec<&ImageRef> = calls
                .iter()
                .filter_map(|c| match c {
                    publication::OkCall::UploadPhoto { image, .. } => Some(image),
                    _ => None,
                })
                .collect();
            let movies: Vec<&VideoRef> = calls
                .iter()
                .filter_map(|c| match c {
                    publication::OkCall::UploadVideo { video, .. } => Some(video),
                    _ => None,
                })
                .collect();
            for call in calls {
                if let publication::OkCall::MediatopicPost { media, .. } = call {
                    for m in media {
                        match m {
                            publication::OkMedia::Text { text } => {
                                let _ = write!(s, "<div class=\"text\">{}</div>", plain_html(text));
                            }
                            publication::OkMedia::Photo { uploads: idx } => {
                                s.push_str("<div class=\"album\">");
                                for i in idx {
                                    if let Some(img) = uploads.get(*i) {
                                        s.push_str(&img_tag(p, n.network, img));
                                    }
                                }
                                s.push_str("</div>");
                            }
                            publication::OkMedia::Movie { uploads: idx } => {
                                for i in idx {
                                    if let Some(v) = movies.get(*i) {
                                        s.push_str(&video_tag(p, n.network, v));
                                    }
                                }
                            }
                            publication::OkMedia::Poll {
                                question,
                                answers,
                                options,
                            } => {
                                // OK gets no closing time (the notes say so).
                                let multiple = !options.contains("SingleChoice");
                                let note = poll_note(multiple, None, &p.tz);
                                s.push_str(&poll_html(question, answers, &note));
                            }
                        }
                    }
                }
            }
        }
    }
    s
}

const CSS: &str = "body{margin:0;font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;background:#edeef0;color:#222}\
header{padding:12px 20px;background:#fff;border-bottom:1px solid #dce1e6}header h1{font-size:18px;margin:0}\
header p{margin:4px 0 0;color:#666}.post{padding:16px 20px}.post>h2{font-size:16px;margin:0 0 10px}\
.feeds{display:grid;grid-template-columns:repeat(3,minmax(260px,1fr));gap:16px;align-items:start}\
.feed{border-radius:12px;overflow:hidden;box-shadow:0 1px 3px rgba(0,0,0,.15)}\
.feed>.top{padding:8px 12px;font-weight:600;color:#fff}.feed.vk>.top{background:#0077ff}\
.feed.ok>.top{background:#ee8208}.feed.telegram>.top{background:#2aabee}\
.feed>.body{background:#fff;padding:12px}.feed.telegram>.body{background:#d7e7c8;padding:10px}\
.bubble{background:#fff;border-radius:10px;padding:8px 10px;margin:0 0 8px;box-shadow:0 1px 1px rgba(0,0,0,.1)}\
.photo{margin:0 0 6px}.photo img{max-width:100%;height:auto;border-radius:6px;display:block;background:#ccc}\
.photo figcaption{font-size:11px;color:#888}.album{display:grid;grid-template-columns:repeat(auto-fit,minmax(100px,1fr));gap:4px}\
.poll{border:1px solid #dce1e6;border-radius:8px;padding:8px;margin-top:8px}.poll .q{font-weight:600}\
.poll .opt{padding:4px 0}.pnote{font-size:12px;color:#888}.meta{font-size:12px;color:#666;margin-top:8px}\
.note{font-size:12px;color:#a15c00;margin-top:6px}.error{color:#c00}.problems{padding:0 20px 20px}\
.problems li{font-family:ui-monospace,monospace;font-size:13px}pre{white-space:pre-wrap}blockquote{border-left:3px solid #2aabee;margin:4px 0;padding-left:8px}";

/// The name of the page of `path` (a post or plan file) among the pages of changed posts:
/// `plans/school/a.md` → `plans__school__a.md.html`.
pub fn page_name(path: &str) -> String {
    format!("{}.html", path.replace('/', "__"))
}

/// The index of the pages of changed posts, for a merge request's artifact: one line a file,
/// a link to its page, or the word that it was deleted, or why it has no page.
pub fn changed_index(
    rev: &str,
    files: &[(crate::plan::repo::ChangedPlan, Option<String>)],
) -> String {
    use crate::render::markdown::escape_into;
    let mut s = String::new();
    let title = crate::t!("preview-changed-title", rev = rev);
    let _ = write!(
        s,
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>",
        crate::locale::current().code()
    );
    escape_into(&mut s, &title, false);
    s.push_str("</title><style>");
    s.push_str(CSS);
    s.push_str("</style></head><body><h1>");
    escape_into(&mut s, &title, false);
    s.push_str("</h1><ul>");
    if files.is_empty() {
        s.push_str("<li>");
        escape_into(&mut s, &crate::t!("preview-changed-none"), false);
        s.push_str("</li>");
    }
    for (file, problem) in files {
        s.push_str("<li>");
        if !file.exists {
            s.push_str("<del>");
            escape_into(&mut s, &file.path, false);
            s.push_str("</del> — ");
            escape_into(&mut s, &crate::t!("preview-changed-deleted"), false);
        } else if let Some(problem) = problem {
            escape_into(&mut s, &file.path, false);
            s.push_str(" — ");
            escape_into(&mut s, problem, false);
        } else {
            s.push_str("<a href=\"");
            escape_into(&mut s, &page_name(&file.path), true);
            s.push_str("\">");
            escape_into(&mut s, &file.path, false);
            s.push_str("</a>");
        }
        s.push_str("</li>");
    }
    s.push_str("</ul></body></html>\n");
    s
}

/// The preview as one self-contained HTML page (images inline), the three feeds side by side.
pub fn to_html(p: &Preview) -> String {
    let mut s = String::new();
    let title = crate::t!("preview-html-title");
    let _ = write!(
        s,
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{} · {}</title><style>{CSS}</style></head><body>",
        crate::locale::current().code(),
        escape_attr(&title),
        escape_attr(&p.file)
    );
    let _ = write!(
        s,
        "<header><h1>{}</h1><p>{}</p></header>",
        escape_attr(&title),
        escape_attr(&p.file)
    );
    for post in &p.posts {
        let date = post
            .when
            .map(|w| time::human(w, &p.tz, true))
            .unwrap_or_default();
        let _ = write!(
            s,
            "<section class=\"post\" data-post=\"{}\"><h2>{} · {} · {}</h2><div class=\"feeds\">",
            escape_attr(&post.id),
            escape_attr(post.title.as_deref().unwrap_or(&post.id)),
            escape_attr(&date),
            escape_attr(&status_word(post.status))
        );
        for n in &post.networks {
            let meta = crate::t!(
                "preview-html-meta",
                page = n.page.as_str(),
                len = n.length,
                limit = n.limit
            );
            let _ = write!(
                s,
                "<article class=\"feed {}\" data-network=\"{}\"><div class=\"top\">{} · {}</div><div class=\"body\">{}<div class=\"meta\">{}</div>",
                n.network.key(),
                n.network.key(),
                n.network,
                escape_attr(&post.org),
                card_body(p, n),
                escape_attr(&meta)
            );
            for note in &n.notes {
                let _ = write!(s, "<div class=\"note\">⚠ {}</div>", escape_attr(note));
            }
            s.push_str("</div></article>");
        }
        s.push_str("</div></section>");
    }
    if !p.problems.is_empty() {
        let _ = write!(
            s,
            "<section class=\"problems\"><h2>{}</h2><ul>",
            escape_attr(&crate::t!("preview-html-problems"))
        );
        for d in &p.problems {
            let _ = write!(
                s,
                "<li>{}[{}] {}: {}</li>",
                escape_attr(&severity_word(d)),
                escape_attr(d["rule"].as_str().unwrap_or("")),
                escape_attr(&crate::t!(
                    "preview-html-line",
                    line = d["line"].to_string()
                )),
                escape_attr(d["message"].as_str().unwrap_or(""))
            );
        }
        s.push_str("</ul></section>");
    }
    s.push_str("</body></html>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    /// People read the catalogue's words (Russian in-process); logs keep the English `Display`.
    #[test]
    fn errors_speak_to_people_and_logs_apart() {
        use crate::locale::{Lang, text_in};
        let e = PreviewError::NotAPlan("README.md".to_owned(), ".".to_owned());
        assert_eq!(
            e.to_string(),
            "README.md is not a post or plan under plans/<org-id>/ of ."
        );
        let args = [("file", "README.md".into()), ("root", ".".into())];
        assert_eq!(
            e.message(),
            text_in(Lang::Ru, "preview-error-not-a-plan", &args)
        );
        assert_eq!(
            text_in(Lang::En, "preview-error-not-a-plan", &args),
            e.to_string()
        );
        let missing = std::io::Error::from(std::io::ErrorKind::NotFound);
        let e = PreviewError::Io("plans/x.md".to_owned(), missing);
        assert!(e.to_string().starts_with("plans/x.md: "));
        assert_eq!(e.message(), "plans/x.md: нет такого файла или папки");
    }

    #[test]
    fn status_words_and_severities_come_from_the_catalogue() {
        assert_eq!(status_word("ready"), "готово");
        assert_eq!(status_word("draft"), "черновик");
        assert_eq!(status_word("external"), "внешняя");
        let d = serde_json::json!({"severity": "warning"});
        assert_eq!(severity_word(&d), "предупреждение");
    }
}
