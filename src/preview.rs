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
use crate::render::publication::{self, ImageRef, Publication};
use crate::render::{self, markdown::escape_into};

/// Why a preview could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    /// The file is not under `plans/<org>/` of the repository.
    #[error("{0} is not a post or plan under plans/<org-id>/ of {1}")]
    NotAPlan(String, String),
    /// The file or registry could not be read or parsed.
    #[error("{0}")]
    Unreadable(String),
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
            .map_err(|e| PreviewError::Unreadable(e.to_string()))?
            .join(file)
    };
    let root_abs = root
        .canonicalize()
        .map_err(|e| PreviewError::Unreadable(format!("{}: {e}", root.display())))?;
    let abs = abs
        .canonicalize()
        .map_err(|e| PreviewError::Unreadable(format!("{}: {e}", file.display())))?;
    let rel = abs
        .strip_prefix(&root_abs)
        .ok()
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .filter(|p| p.starts_with("plans/") && p.matches('/').count() >= 2)
        .ok_or_else(|| {
            PreviewError::NotAPlan(file.display().to_string(), root.display().to_string())
        })?;
    let folder = rel.split('/').nth(1).unwrap_or_default().to_owned();
    let repo = Repo::open(root)
        .map_err(|e| PreviewError::Unreadable(format!("{}: {e}", root.display())))?;
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
            let (publication, error) = match publication::render(post, page, &lookup) {
                Ok(p) => (Some(p), None),
                Err(e) => (None, Some(e.to_string())),
            };
            if post.status == Status::Draft {
                notes.insert(
                    0,
                    "a draft: vestnik will not publish it until `status: draft` is removed"
                        .to_owned(),
                );
            }
            if let Some(who) = &post.external {
                notes.insert(
                    0,
                    format!("published by {who}, not by vestnik; shown for reference"),
                );
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
            post.date.as_deref().unwrap_or("no date"),
            post.status
        );
        if let Some(t) = &post.title {
            let _ = writeln!(out, "   {t}");
        }
        for n in &post.networks {
            let unit = if n.network.limits().text_unit_is_utf16 {
                "UTF-16 units"
            } else {
                "characters"
            };
            let _ = writeln!(
                out,
                "\n── {} · page {} · text {} of {} {unit}",
                n.network, n.page, n.length, n.limit
            );
            if let Some(publication) = &n.publication {
                describe(&mut out, publication);
            }
            if let Some(e) = &n.error {
                let _ = writeln!(out, "   cannot be published: {e}");
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
            d["severity"].as_str().unwrap_or(""),
            d["rule"].as_str().unwrap_or(""),
            d["file"].as_str().unwrap_or(""),
            d["line"],
            d["column"],
            d["message"].as_str().unwrap_or("")
        );
    }
    out
}

fn quote(out: &mut String, text: &str) {
    for line in text.lines() {
        let _ = writeln!(out, "      │ {line}");
    }
}

fn image_line(i: &ImageRef) -> String {
    format!(
        "{} ({}×{}, {} KB)",
        i.source,
        i.width,
        i.height,
        i.bytes.div_ceil(1024)
    )
}

fn poll_line(question: &str, options: &[String], multiple: bool, closes: Option<i64>) -> String {
    let mut s = format!("«{question}» [{}], anonymous", options.join(" / "));
    if multiple {
        s.push_str(", several answers");
    }
    if let Some(c) = closes.and_then(|c| jiff::Timestamp::from_second(c).ok()) {
        let _ = write!(s, ", closes {c}");
    }
    s
}

/// Writes the calls of one publication, numbered, with their texts as sent.
fn describe(out: &mut String, publication: &Publication) {
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
                        line(out, "sendMessage (parse_mode HTML):".to_owned());
                        quote(out, text);
                    }
                    publication::TelegramCall::SendPhoto { photo, caption, .. } => {
                        line(
                            out,
                            format!(
                                "sendPhoto {}{}",
                                image_line(photo),
                                if caption.is_some() {
                                    " with caption:"
                                } else {
                                    ""
                                }
                            ),
                        );
                        quote(out, caption.as_deref().unwrap_or(""));
                    }
                    publication::TelegramCall::SendMediaGroup { media, caption, .. } => {
                        let list: Vec<String> = media.iter().map(image_line).collect();
                        line(
                            out,
                            format!(
                                "sendMediaGroup of {}: {}{}",
                                media.len(),
                                list.join(", "),
                                if caption.is_some() { "; caption:" } else { "" }
                            ),
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
                        line(
                            out,
                            format!(
                                "sendPoll {}",
                                poll_line(question, options, *allows_multiple_answers, *close_date)
                            ),
                        );
                    }
                }
            }
        }
        Publication::Vk(calls) => {
            for c in calls {
                match c {
                    publication::VkCall::UploadPhoto { image, .. } => {
                        line(out, format!("upload photo {}", image_line(image)))
                    }
                    publication::VkCall::CreatePoll {
                        question,
                        add_answers,
                        is_multiple,
                        end_date,
                        ..
                    } => {
                        line(
                            out,
                            format!(
                                "polls.create {}",
                                poll_line(question, add_answers, *is_multiple, *end_date)
                            ),
                        );
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
                            format!(
                                "wall.post to {owner_id} as the community, {} attachment(s), guid {guid}:",
                                attachments.len()
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
                    publication::OkCall::UploadPhoto { image, .. } => {
                        line(out, format!("upload photo {}", image_line(image)))
                    }
                    publication::OkCall::MediatopicPost { gid, media } => {
                        line(
                            out,
                            format!(
                                "mediatopic.post to group {gid} (GROUP_THEME) with {} block(s):",
                                media.len()
                            ),
                        );
                        for m in media {
                            match m {
                                publication::OkMedia::Text { text } => quote(out, text),
                                publication::OkMedia::Photo { uploads } => {
                                    let _ =
                                        writeln!(out, "      [photos: {} uploaded]", uploads.len());
                                }
                                publication::OkMedia::Poll {
                                    question,
                                    answers,
                                    options,
                                } => {
                                    let _ = writeln!(
                                        out,
                                        "      [poll «{question}» {} · {options}]",
                                        answers.join(" / ")
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

fn esc(s: &str) -> String {
    let mut out = String::new();
    escape_into(&mut out, s, true);
    out
}

/// Plain text as HTML with its line breaks.
fn plain_html(text: &str) -> String {
    esc(text).replace('\n', "<br>")
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
    format!(
        "<figure class=\"photo\"><img src=\"{data}\" alt=\"{}\" width=\"{}\" height=\"{}\"><figcaption>{} · {}×{} · {} KB</figcaption></figure>",
        esc(&image.source),
        image.width,
        image.height,
        esc(&image.source),
        image.width,
        image.height,
        image.bytes.div_ceil(1024)
    )
}

fn poll_html(question: &str, options: &[String], note: &str) -> String {
    let mut s = format!(
        "<div class=\"poll\"><div class=\"q\">{}</div>",
        esc(question)
    );
    for o in options {
        let _ = write!(s, "<div class=\"opt\">○ {}</div>", esc(o));
    }
    let _ = write!(s, "<div class=\"pnote\">{}</div></div>", esc(note));
    s
}

/// The body of one feed card: what the network shows, built from its calls.
fn card_body(p: &Preview, n: &NetworkPreview) -> String {
    let mut s = String::new();
    if let Some(e) = &n.error {
        let _ = write!(
            s,
            "<div class=\"error\">cannot be published: {}</div>",
            esc(e)
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
                    publication::TelegramCall::SendMediaGroup { media, caption, .. } => {
                        s.push_str("<div class=\"album\">");
                        for m in media {
                            s.push_str(&img_tag(p, n.network, m));
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
                        ..
                    } => {
                        let kind = if *allows_multiple_answers {
                            "Anonymous poll · several answers"
                        } else {
                            "Anonymous poll"
                        };
                        s.push_str(&poll_html(question, options, kind));
                    }
                }
                s.push_str("</div>");
            }
        }
        Some(Publication::Vk(calls)) => {
            let mut photos = Vec::new();
            let mut poll = String::new();
            let mut message = "";
            for call in calls {
                match call {
                    publication::VkCall::UploadPhoto { image, .. } => photos.push(image),
                    publication::VkCall::CreatePoll {
                        question,
                        add_answers,
                        ..
                    } => poll = poll_html(question, add_answers, "Анонимный опрос"),
                    publication::VkCall::WallPost { message: m, .. } => message = m,
                }
            }
            let _ = write!(s, "<div class=\"text\">{}</div>", plain_html(message));
            if !photos.is_empty() {
                s.push_str("<div class=\"album\">");
                for ph in photos {
                    s.push_str(&img_tag(p, n.network, ph));
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
                    publication::OkCall::MediatopicPost { .. } => None,
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
                            publication::OkMedia::Poll {
                                question, answers, ..
                            } => s.push_str(&poll_html(question, answers, "Анонимный опрос")),
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

/// The preview as one self-contained HTML page (images inline), the three feeds side by side.
pub fn to_html(p: &Preview) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<!doctype html><html lang=\"ru\"><head><meta charset=\"utf-8\"><title>vestnik preview · {}</title><style>{CSS}</style></head><body>",
        esc(&p.file)
    );
    let _ = write!(
        s,
        "<header><h1>vestnik preview</h1><p>{}</p></header>",
        esc(&p.file)
    );
    for post in &p.posts {
        let _ = write!(
            s,
            "<section class=\"post\" data-post=\"{}\"><h2>{} · {} · {}</h2><div class=\"feeds\">",
            esc(&post.id),
            esc(post.title.as_deref().unwrap_or(&post.id)),
            esc(post.date.as_deref().unwrap_or("")),
            post.status
        );
        for n in &post.networks {
            let _ = write!(
                s,
                "<article class=\"feed {}\" data-network=\"{}\"><div class=\"top\">{} · {}</div><div class=\"body\">{}<div class=\"meta\">{} · text {} of {}</div>",
                n.network.key(),
                n.network.key(),
                n.network,
                esc(&post.org),
                card_body(p, n),
                esc(&n.page),
                n.length,
                n.limit
            );
            for note in &n.notes {
                let _ = write!(s, "<div class=\"note\">⚠ {}</div>", esc(note));
            }
            s.push_str("</div></article>");
        }
        s.push_str("</div></section>");
    }
    if !p.problems.is_empty() {
        s.push_str("<section class=\"problems\"><h2>Problems</h2><ul>");
        for d in &p.problems {
            let _ = write!(
                s,
                "<li>{}[{}] line {}: {}</li>",
                d["severity"].as_str().unwrap_or(""),
                d["rule"].as_str().unwrap_or(""),
                d["line"],
                esc(d["message"].as_str().unwrap_or(""))
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
}
