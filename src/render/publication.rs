//! The rendered publication: for each network, the exact sequence of API calls and their
//! payloads, as plain data. It is a pure function of (post, page, processed media); the network
//! clients only execute it, and `preview` shows it.
//!
//! Order of Telegram messages (documented in README): pictures first (one `sendPhoto`, or one
//! `sendMediaGroup` of 2–10), carrying the text as caption when it fits 1024 UTF-16 units;
//! otherwise the pictures go without caption and the text follows as its own `sendMessage`, so
//! it is never cut. A poll is always the last message. VK and OK receive one post whose
//! attachments are uploaded first.

use serde::Serialize;

use crate::locale::{Lang, text_in};
use crate::plan::network::Network;
use crate::plan::registry::Page;
use crate::plan::{Poll, Post};
use crate::render::{self, Flavor};

/// An image as processed for one network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageRef {
    /// Path as written in the plan, resolved to `media/<org>/…`.
    pub source: String,
    /// Width after processing.
    pub width: u32,
    /// Height after processing.
    pub height: u32,
    /// JPEG size in bytes after processing.
    pub bytes: u64,
}

/// A clip is a video (with sound) or an animation (a short silent loop).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Motion {
    /// `video:`.
    Video,
    /// `animation:`.
    Animation,
}

/// A clip as adapted for one network: an H.264 MP4 and its poster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VideoRef {
    /// Path as written in the plan, resolved to `media/<org>/…`.
    pub source: String,
    /// Width after adaptation.
    pub width: u32,
    /// Height after adaptation.
    pub height: u32,
    /// Duration in whole seconds.
    pub duration: u32,
    /// MP4 size in bytes after adaptation.
    pub bytes: u64,
    /// The poster (Telegram's thumbnail): the given picture or a frame of the clip.
    pub poster: ImageRef,
    /// Video or animation.
    pub motion: Motion,
}

impl VideoRef {
    /// The MP4 as a file to upload (the clients ask for the bytes of a file by its source).
    pub fn file(&self) -> ImageRef {
        ImageRef {
            source: self.source.clone(),
            width: self.width,
            height: self.height,
            bytes: self.bytes,
        }
    }
}

/// One Telegram Bot API call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "method")]
pub enum TelegramCall {
    /// `sendMessage` with `parse_mode=HTML`.
    #[serde(rename = "sendMessage")]
    SendMessage {
        /// `@channel` or numeric id.
        chat_id: String,
        /// Telegram HTML.
        text: String,
    },
    /// `sendPhoto` (multipart upload of the processed JPEG).
    #[serde(rename = "sendPhoto")]
    SendPhoto {
        /// `@channel` or numeric id.
        chat_id: String,
        /// The picture.
        photo: ImageRef,
        /// Telegram HTML caption, at most 1024 UTF-16 units.
        caption: Option<String>,
    },
    /// `sendMediaGroup` of 2–10 photos (and a video, last); the caption rides on the first.
    #[serde(rename = "sendMediaGroup")]
    SendMediaGroup {
        /// `@channel` or numeric id.
        chat_id: String,
        /// The pictures.
        media: Vec<ImageRef>,
        /// The video, after the pictures (an animation cannot be in an album: VIDEO.md §2.3).
        #[serde(skip_serializing_if = "Option::is_none")]
        video: Option<VideoRef>,
        /// Caption of the first picture.
        caption: Option<String>,
    },
    /// `sendVideo` (multipart upload of the adapted MP4 and its thumbnail,
    /// `supports_streaming`).
    #[serde(rename = "sendVideo")]
    SendVideo {
        /// `@channel` or numeric id.
        chat_id: String,
        /// The clip.
        video: VideoRef,
        /// Telegram HTML caption, at most 1024 UTF-16 units.
        caption: Option<String>,
    },
    /// `sendAnimation` (a silent H.264 MP4 and its thumbnail).
    #[serde(rename = "sendAnimation")]
    SendAnimation {
        /// `@channel` or numeric id.
        chat_id: String,
        /// The loop.
        animation: VideoRef,
        /// Telegram HTML caption, at most 1024 UTF-16 units.
        caption: Option<String>,
    },
    /// `sendPoll`: anonymous (channels accept only anonymous polls).
    #[serde(rename = "sendPoll")]
    SendPoll {
        /// `@channel` or numeric id.
        chat_id: String,
        /// 1–300 characters.
        question: String,
        /// 1–12 options.
        options: Vec<String>,
        /// Always true for channels.
        is_anonymous: bool,
        /// Several answers allowed.
        allows_multiple_answers: bool,
        /// Unix time when voting closes.
        close_date: Option<i64>,
    },
}

/// Where a VK attachment comes from: an uploaded photo or video, or the created poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VkAttachment {
    /// The n-th `UploadPhoto` step's `photo{owner}_{id}`.
    Photo(usize),
    /// The n-th `UploadVideo` step's `video{owner}_{id}`.
    Video(usize),
    /// The `CreatePoll` step's `poll{owner}_{id}`.
    Poll,
}

/// One step of publishing on VK (API 5.199, user token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum VkCall {
    /// `photos.getWallUploadServer(group_id)` → POST `photo` → `photos.saveWallPhoto`.
    UploadPhoto {
        /// Positive community id.
        group_id: u64,
        /// The picture.
        image: ImageRef,
    },
    /// `video.save(group_id, name, wallpost=0)` → POST `video_file`: the clip is saved to the
    /// community's videos without a post of its own (the post is `wall.post`). An animation
    /// goes this way too, as a silent clip (VK's GIF-as-document path is not used).
    UploadVideo {
        /// Positive community id.
        group_id: u64,
        /// The clip's name (at most 128 characters).
        name: String,
        /// The clip.
        video: VideoRef,
    },
    /// `polls.create` (answers sent as a JSON array).
    CreatePoll {
        /// `-group_id`.
        owner_id: i64,
        /// The question.
        question: String,
        /// 1–10 answers.
        add_answers: Vec<String>,
        /// Anonymous by default for official pages.
        is_anonymous: bool,
        /// Several answers allowed.
        is_multiple: bool,
        /// Unix time when voting closes.
        end_date: Option<i64>,
    },
    /// `wall.post(owner_id=-group, from_group=1, message, attachments, guid)`.
    WallPost {
        /// `-group_id`.
        owner_id: i64,
        /// Post as the community.
        from_group: bool,
        /// Plain text.
        message: String,
        /// Attachments in order.
        attachments: Vec<VkAttachment>,
        /// Deterministic anti-duplicate key (VK deduplicates repeated `guid`s for about an hour).
        guid: String,
    },
}

/// One block of an OK mediatopic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OkMedia {
    /// `{"type":"text","text":…}`.
    Text {
        /// Plain text.
        text: String,
    },
    /// `{"type":"photo","list":[{"id":token}…]}`: indices of the `UploadPhoto` steps.
    Photo {
        /// Which uploads.
        uploads: Vec<usize>,
    },
    /// `{"type":"movie","list":[{"id":video_id}…]}`: indices of the `UploadVideo` steps (the
    /// block's shape is third-party-confirmed only, VIDEO.md §4.2).
    Movie {
        /// Which uploads.
        uploads: Vec<usize>,
    },
    /// `{"type":"poll","question":…,"answers":[{"text":…}],"options":…}`.
    Poll {
        /// The question.
        question: String,
        /// The answers.
        answers: Vec<String>,
        /// `SingleChoice,AnonymousVoting` or `AnonymousVoting`.
        options: String,
    },
}

/// One step of publishing on OK.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum OkCall {
    /// `photosV2.getUploadUrl(gid)` → POST `pic1` → token (no `photosV2.commit` for group topics).
    UploadPhoto {
        /// Group id.
        gid: String,
        /// The picture.
        image: ImageRef,
    },
    /// `video.getUploadUrl(gid, file_name, file_size, post_form=true)` → POST `data` →
    /// `video.update(vid, title)`. An animation goes this way too (GIFs in mediatopics are
    /// UNCONFIRMED, VIDEO.md §6).
    UploadVideo {
        /// Group id.
        gid: String,
        /// The clip's title (at most 1000 characters).
        title: String,
        /// The clip.
        video: VideoRef,
    },
    /// `mediatopic.post(type=GROUP_THEME, gid, attachment)`.
    MediatopicPost {
        /// Group id.
        gid: String,
        /// The blocks, in order.
        media: Vec<OkMedia>,
    },
}

/// What one network receives for one post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "network", content = "calls", rename_all = "snake_case")]
pub enum Publication {
    /// VK steps.
    Vk(Vec<VkCall>),
    /// OK steps.
    Ok(Vec<OkCall>),
    /// Telegram messages.
    Telegram(Vec<TelegramCall>),
}

/// Why a post cannot be rendered for a network (`check` reports the same as diagnostics). The
/// `Display` is English, for logs; [`RenderError::message`] is for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// The page's id is not of the network's form.
    #[error("the {0} page id `{1}` is not valid")]
    PageId(Network, String),
    /// An image was not processed.
    #[error("the image `{0}` was not processed")]
    Image(String),
    /// A clip was not adapted.
    #[error("the clip `{0}` was not adapted")]
    Video(String),
    /// Nothing to publish.
    #[error("the post has nothing to publish")]
    Empty,
}

impl RenderError {
    /// Why, in the process's language.
    pub fn message(&self) -> String {
        match self {
            RenderError::PageId(net, id) => crate::t!(
                "render-error-page-id",
                network = net.to_string(),
                id = id.as_str()
            ),
            RenderError::Image(image) => crate::t!("render-error-image", image = image.as_str()),
            RenderError::Video(clip) => crate::t!("render-error-video", clip = clip.as_str()),
            RenderError::Empty => crate::t!("render-error-empty"),
        }
    }
}

/// The adapted clips of a post for one network: what [`render`] is given besides the pictures.
#[derive(Debug, Clone, Default)]
pub struct Clips {
    /// The video, if the post has one for the network.
    pub video: Option<VideoRef>,
    /// The animation, if the post has one for the network.
    pub animation: Option<VideoRef>,
}

/// Renders `post` for the page `page`; `image` gives the processed version of each image path
/// as written in the post (for that page's network), `clip` the adapted version of a clip path
/// (with its poster) as written.
///
/// Fails when the page id is malformed, an image or clip has no processed version, or nothing
/// is left to publish. Limits are not re-checked here: `check` judges them with the same
/// renderer.
pub fn render(
    post: &Post,
    page: &Page,
    image: &dyn Fn(&str) -> Option<ImageRef>,
    clip: &dyn Fn(&str, Motion) -> Option<VideoRef>,
) -> Result<Publication, RenderError> {
    let net = page.network;
    let images = post
        .images_for(net)
        .iter()
        .map(|i| image(&i.value).ok_or_else(|| RenderError::Image(i.value.clone())))
        .collect::<Result<Vec<_>, _>>()?;
    let adapted = |written: &str, motion| {
        clip(written, motion).ok_or_else(|| RenderError::Video(written.to_owned()))
    };
    let clips = Clips {
        video: post
            .video_for(net)
            .map(|v| adapted(&v.file.value, Motion::Video))
            .transpose()?,
        animation: post
            .animation_for(net)
            .map(|a| adapted(&a.value, Motion::Animation))
            .transpose()?,
    };
    let text = render::render(&post.text_for(net).markdown, render::flavor(net));
    let has_text = !text.visible.trim().is_empty();
    if !has_text
        && images.is_empty()
        && clips.video.is_none()
        && clips.animation.is_none()
        && post.poll.is_none()
    {
        return Err(RenderError::Empty);
    }
    let close = post
        .poll
        .as_ref()
        .and_then(|p| p.closes.as_ref())
        .map(|c| c.value.as_second());
    Ok(match net {
        Network::Telegram => {
            Publication::Telegram(telegram(post, page, images, clips, &text, close))
        }
        Network::Vk => {
            let group_id: u64 = page
                .id
                .value
                .parse()
                .map_err(|_| RenderError::PageId(net, page.id.value.clone()))?;
            Publication::Vk(vk(post, group_id, images, clips, text.markup, close))
        }
        Network::Ok => {
            if page.id.value.is_empty() || !page.id.value.bytes().all(|b| b.is_ascii_digit()) {
                return Err(RenderError::PageId(net, page.id.value.clone()));
            }
            Publication::Ok(ok(post, &page.id.value, images, clips, text.markup))
        }
    })
}

fn telegram(
    post: &Post,
    page: &Page,
    images: Vec<ImageRef>,
    clips: Clips,
    text: &render::Rendered,
    close: Option<i64>,
) -> Vec<TelegramCall> {
    let chat_id = page.id.value.clone();
    let has_text = !text.visible.trim().is_empty();
    let fits_caption = text.utf16_len() <= Network::Telegram.limits().caption_max;
    let caption = (has_text && fits_caption).then(|| text.markup.clone());
    let mut calls = Vec::new();
    let mut images = images;
    let Clips { video, animation } = clips;
    match (images.len(), video) {
        (0, None) => {}
        (0, Some(video)) => calls.push(TelegramCall::SendVideo {
            chat_id: chat_id.clone(),
            video,
            caption: caption.clone(),
        }),
        (1, None) => calls.push(TelegramCall::SendPhoto {
            chat_id: chat_id.clone(),
            photo: images.remove(0),
            caption: caption.clone(),
        }),
        (_, video) => calls.push(TelegramCall::SendMediaGroup {
            chat_id: chat_id.clone(),
            media: images,
            video,
            caption: caption.clone(),
        }),
    }
    // An animation cannot join an album: alone it carries the caption, else it follows.
    if let Some(animation) = animation {
        let caption = if calls.is_empty() {
            caption.clone()
        } else {
            None
        };
        calls.push(TelegramCall::SendAnimation {
            chat_id: chat_id.clone(),
            animation,
            caption,
        });
    }
    if has_text && (calls.is_empty() || caption.is_none()) {
        calls.push(TelegramCall::SendMessage {
            chat_id: chat_id.clone(),
            text: text.markup.clone(),
        });
    }
    if let Some(poll) = &post.poll {
        calls.push(TelegramCall::SendPoll {
            chat_id,
            question: poll.question.value.clone(),
            options: options(poll),
            is_anonymous: true,
            allows_multiple_answers: poll.multiple,
            close_date: close,
        });
    }
    calls
}

fn vk(
    post: &Post,
    group_id: u64,
    images: Vec<ImageRef>,
    clips: Clips,
    message: String,
    close: Option<i64>,
) -> Vec<VkCall> {
    let owner_id = -(group_id as i64);
    let mut calls = Vec::new();
    let mut attachments = Vec::new();
    for (i, image) in images.into_iter().enumerate() {
        calls.push(VkCall::UploadPhoto { group_id, image });
        attachments.push(VkAttachment::Photo(i));
    }
    for (i, video) in clips.video.into_iter().chain(clips.animation).enumerate() {
        calls.push(VkCall::UploadVideo {
            group_id,
            name: clip_title(post, &video, 128),
            video,
        });
        attachments.push(VkAttachment::Video(i));
    }
    if let Some(poll) = &post.poll {
        calls.push(VkCall::CreatePoll {
            owner_id,
            question: poll.question.value.clone(),
            add_answers: options(poll),
            is_anonymous: true,
            is_multiple: poll.multiple,
            end_date: close,
        });
        attachments.push(VkAttachment::Poll);
    }
    calls.push(VkCall::WallPost {
        owner_id,
        from_group: true,
        message,
        attachments,
        guid: guid(post, Network::Vk, &group_id.to_string()),
    });
    calls
}

fn ok(post: &Post, gid: &str, images: Vec<ImageRef>, clips: Clips, text: String) -> Vec<OkCall> {
    let mut calls = Vec::new();
    let mut media = Vec::new();
    if !text.trim().is_empty() {
        media.push(OkMedia::Text { text });
    }
    let uploads: Vec<usize> = (0..images.len()).collect();
    for image in images {
        calls.push(OkCall::UploadPhoto {
            gid: gid.to_owned(),
            image,
        });
    }
    if !uploads.is_empty() {
        media.push(OkMedia::Photo { uploads });
    }
    let mut movies = Vec::new();
    for (i, video) in clips.video.into_iter().chain(clips.animation).enumerate() {
        calls.push(OkCall::UploadVideo {
            gid: gid.to_owned(),
            title: clip_title(post, &video, 1000),
            video,
        });
        movies.push(i);
    }
    if !movies.is_empty() {
        media.push(OkMedia::Movie { uploads: movies });
    }
    if let Some(poll) = &post.poll {
        // UNCONFIRMED (docs/api-facts.md#ok-polls): only `SingleChoice` and `AnonymousVoting` are
        // documented; that leaving out `SingleChoice` allows several answers is assumed. OK has no
        // documented closing time for polls, so `closes` is not sent (preview warns).
        let flags = if poll.multiple {
            "AnonymousVoting"
        } else {
            "SingleChoice,AnonymousVoting"
        };
        media.push(OkMedia::Poll {
            question: poll.question.value.clone(),
            answers: options(poll),
            options: flags.to_owned(),
        });
    }
    calls.push(OkCall::MediatopicPost {
        gid: gid.to_owned(),
        media,
    });
    calls
}

/// A clip's name on VK and OK: its `title:`, else the post's title, else its file name; at most
/// `max` characters.
fn clip_title(post: &Post, video: &VideoRef, max: usize) -> String {
    let written = post
        .video
        .as_ref()
        .filter(|_| video.motion == Motion::Video)
        .and_then(|v| v.title.clone());
    let name = written
        .or_else(|| post.title.clone())
        .unwrap_or_else(|| crate::plan::file_stem(&video.source).to_owned());
    name.trim().chars().take(max).collect()
}

/// The poll's options as sent.
fn options(poll: &Poll) -> Vec<String> {
    poll.options
        .iter()
        .map(|o| o.value.trim().to_owned())
        .collect()
}

/// The deterministic anti-duplicate key of a post on a page: the same post on the same page gets
/// the same key on every attempt, so a retried `wall.post` is deduplicated by VK.
pub fn guid(post: &Post, network: Network, page_id: &str) -> String {
    let mut h = blake3::Hasher::new();
    for part in [
        post.org.value.as_str(),
        post.id.as_str(),
        network.key(),
        page_id,
    ] {
        h.update(part.as_bytes());
        h.update(&[0]);
    }
    let hex = h.finalize().to_hex();
    format!("vestnik-{}", &hex.as_str()[..32])
}

/// Warnings a person should see before publishing, per network (not errors: `check` has those),
/// in the process's language.
pub fn notes(post: &Post, net: Network) -> Vec<String> {
    notes_in(crate::locale::current(), post, net)
}

/// [`notes`] in `lang`.
pub fn notes_in(lang: Lang, post: &Post, net: Network) -> Vec<String> {
    let mut out = Vec::new();
    if net == Network::Telegram {
        let text = render::render(&post.text_for(net).markdown, Flavor::TelegramHtml);
        let len = text.utf16_len();
        if !post.images_for(net).is_empty() && len > Network::Telegram.limits().caption_max {
            out.push(text_in(
                lang,
                "render-note-caption-too-long",
                &[("len", len.into())],
            ));
        }
    }
    if net == Network::Ok && post.poll.as_ref().is_some_and(|p| p.closes.is_some()) {
        out.push(text_in(lang, "render-note-ok-closes", &[]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_errors_keep_english_logs_and_speak_to_people() {
        let e = RenderError::PageId(Network::Vk, "abc".to_owned());
        assert_eq!(e.to_string(), "the VK page id `abc` is not valid");
        assert_eq!(e.message(), "у страницы VK неверный код `abc`");
        let en = text_in(
            Lang::En,
            "render-error-page-id",
            &[("network", "VK".into()), ("id", "abc".into())],
        );
        assert_eq!(en, e.to_string());
        assert_eq!(
            text_in(Lang::En, "render-error-empty", &[]),
            RenderError::Empty.to_string()
        );
    }
}
