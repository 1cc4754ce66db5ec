//! A thin Telegram Bot API client of our own on reqwest: the eight methods vestnik uses, each
//! first built as a plain [`Request`] (so tests can check it against the official spec without
//! a network), then sent as JSON, or as multipart when it uploads pictures.
//!
//! The token sits in the URL path (`/bot<token>/<method>`), so no URL is ever formatted: transport
//! errors go through [`classify_transport`], and every error text is scrubbed of the token once
//! more before it leaves. The client never retries and never sleeps on an error; see
//! [`PublishError`]. It only waits on its [`Limiter`] before every call, so that its calls keep
//! within [`Config::rate`] (per chat and for the bot token). A 429 is reported to the limiter:
//! every later call to that chat (or of the token, see [`Limiter::rate_limited`]) waits out
//! `retry_after`, and the pace slows down for a while; the refused call comes back as
//! [`PublishError::RateLimited`].

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::networks::{
    Commit, ConfigError, Limiter, NoCommit, PublishError, RateLimits, Secret, classify_transport,
};
use crate::render::publication::{ImageRef, TelegramCall, VideoRef};

/// The official Bot API server.
pub const DEFAULT_BASE_URL: &str = "https://api.telegram.org";

/// How to reach the Bot API.
#[derive(Debug, Clone)]
pub struct Config {
    /// `https://api.telegram.org`, a self-hosted Bot API server, or an emulator's address.
    pub base_url: String,
    /// The bot token (`123456:AA…`).
    pub token: Secret,
    /// Longest wait for a connection (a failure here is [`PublishError::Transient`]).
    pub connect_timeout: Duration,
    /// Longest wait for the whole call, upload included (a failure here is
    /// [`PublishError::Unknown`]: the request may have arrived).
    pub timeout: Duration,
    /// The rates the client keeps to: per chat (`chat_id`) and for the token; a media group
    /// counts one message per picture.
    pub rate: RateLimits,
}

impl Config {
    /// The official server, 10 s to connect, 60 s per call (ten pictures of up to 10 MB each
    /// on a slow line), Telegram's rates ([`RateLimits::TELEGRAM`]).
    pub fn new(token: Secret) -> Config {
        Config {
            base_url: DEFAULT_BASE_URL.to_owned(),
            token,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            rate: RateLimits::TELEGRAM,
        }
    }
}

/// A file sent as one part of a multipart request.
#[derive(Clone, PartialEq, Eq)]
pub struct Upload {
    /// The part's name: a method field (`photo`) or a name that `attach://<name>` refers to.
    pub name: String,
    /// The file name announced in the part.
    pub file_name: String,
    /// The bytes (a JPEG, or an MP4 for a clip).
    pub bytes: Vec<u8>,
    /// The part's content type.
    pub mime: &'static str,
}

impl fmt::Debug for Upload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Upload")
            .field("name", &self.name)
            .field("file_name", &self.file_name)
            .field("bytes", &self.bytes.len())
            .field("mime", &self.mime)
            .finish()
    }
}

/// One Bot API request as plain data: the method, its parameters with their JSON types, and the
/// files to upload. Sent as a JSON body without files, as `multipart/form-data` with them (then
/// strings go as they are and other values JSON-encoded, as the Bot API expects).
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// Method name as in the spec (`sendMessage`).
    pub method: &'static str,
    /// The method's JSON parameters (or form fields when there are uploads).
    pub params: Map<String, Value>,
    /// Files sent as multipart parts, referred to from the parameters as `attach://<name>`.
    pub files: Vec<Upload>,
}

/// A poll to send (`sendPoll`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPoll {
    /// 1–300 characters.
    pub question: String,
    /// 1–12 options of 1–100 characters.
    pub options: Vec<String>,
    /// Channels accept only anonymous polls.
    pub is_anonymous: bool,
    /// Several answers allowed.
    pub allows_multiple_answers: bool,
    /// Unix time when voting closes (5 s to 30.4 days ahead).
    pub close_date: Option<i64>,
}

impl Request {
    fn new(method: &'static str) -> Request {
        Request {
            method,
            params: Map::new(),
            files: Vec::new(),
        }
    }

    fn param(mut self, name: &str, value: Value) -> Request {
        self.params.insert(name.to_owned(), value);
        self
    }

    fn chat(self, chat_id: &str) -> Request {
        self.param("chat_id", chat_id_value(chat_id))
    }

    /// `getMe`: the bot itself (checks the token).
    pub fn get_me() -> Request {
        Request::new("getMe")
    }

    /// `getChat`: the channel's title, description and links.
    pub fn get_chat(chat_id: &str) -> Request {
        Request::new("getChat").chat(chat_id)
    }

    /// `getUpdates` from `offset` (confirming every update below it), at most 100, of the kinds
    /// in [`UPDATE_KINDS`]; `timeout` seconds of long polling.
    pub fn get_updates(offset: Option<i64>, timeout: u32) -> Request {
        let mut r = Request::new("getUpdates")
            .param("limit", json!(100))
            .param("timeout", json!(timeout))
            .param("allowed_updates", json!(UPDATE_KINDS));
        if let Some(offset) = offset {
            r = r.param("offset", json!(offset));
        }
        r
    }

    /// `deleteMessage`: removes a message (in a group, less than 48 hours old).
    pub fn delete_message(chat_id: &str, message_id: i64) -> Request {
        Request::new("deleteMessage")
            .chat(chat_id)
            .param("message_id", json!(message_id))
    }

    /// `getChatAdministrators`: the administrators of a group or channel.
    pub fn get_chat_administrators(chat_id: &str) -> Request {
        Request::new("getChatAdministrators").chat(chat_id)
    }

    /// `sendMessage` of Telegram HTML.
    pub fn send_message(chat_id: &str, html: &str) -> Request {
        Request::new("sendMessage")
            .chat(chat_id)
            .param("text", json!(html))
            .param("parse_mode", json!("HTML"))
    }

    /// `sendPhoto` uploading one JPEG, with an optional HTML caption.
    pub fn send_photo(chat_id: &str, jpeg: Vec<u8>, caption: Option<&str>) -> Request {
        let mut r = Request::new("sendPhoto").chat(chat_id);
        if let Some(caption) = caption {
            r = r
                .param("caption", json!(caption))
                .param("parse_mode", json!("HTML"));
        }
        r.files.push(Upload {
            name: "photo".to_owned(),
            file_name: "photo.jpg".to_owned(),
            bytes: jpeg,
            mime: "image/jpeg",
        });
        r
    }

    /// `sendVideo` uploading an adapted MP4 with its thumbnail (`attach://thumb`), its sizes and
    /// `supports_streaming` (the index comes first: `+faststart`), with an optional HTML
    /// caption.
    pub fn send_video(chat_id: &str, clip: Clip, caption: Option<&str>) -> Request {
        Request::send_clip("sendVideo", "video", chat_id, clip, caption)
            .param("supports_streaming", json!(true))
    }

    /// `sendAnimation` uploading a silent H.264 MP4 with its thumbnail and sizes.
    pub fn send_animation(chat_id: &str, clip: Clip, caption: Option<&str>) -> Request {
        Request::send_clip("sendAnimation", "animation", chat_id, clip, caption)
    }

    fn send_clip(
        method: &'static str,
        field: &str,
        chat_id: &str,
        clip: Clip,
        caption: Option<&str>,
    ) -> Request {
        let mut r = Request::new(method)
            .chat(chat_id)
            .param("width", json!(clip.width))
            .param("height", json!(clip.height))
            .param("duration", json!(clip.duration))
            .param("thumbnail", json!("attach://thumb"));
        if let Some(caption) = caption {
            r = r
                .param("caption", json!(caption))
                .param("parse_mode", json!("HTML"));
        }
        r.files.push(Upload {
            name: field.to_owned(),
            file_name: format!("{field}.mp4"),
            bytes: clip.mp4,
            mime: "video/mp4",
        });
        r.files.push(Upload {
            name: "thumb".to_owned(),
            file_name: "thumb.jpg".to_owned(),
            bytes: clip.thumbnail,
            mime: "image/jpeg",
        });
        r
    }

    /// `sendMediaGroup` uploading 2–10 JPEGs (`attach://photoN`); the caption rides on the
    /// first.
    pub fn send_media_group(chat_id: &str, jpegs: Vec<Vec<u8>>, caption: Option<&str>) -> Request {
        Request::send_album(chat_id, jpegs, None, caption)
    }

    /// `sendMediaGroup` of JPEGs and a video last (`InputMediaVideo`, its thumbnail
    /// `attach://thumb`); the caption rides on the first item.
    pub fn send_album(
        chat_id: &str,
        jpegs: Vec<Vec<u8>>,
        video: Option<Clip>,
        caption: Option<&str>,
    ) -> Request {
        let mut media = Vec::with_capacity(jpegs.len());
        let mut files = Vec::with_capacity(jpegs.len());
        for (i, bytes) in jpegs.into_iter().enumerate() {
            let name = format!("photo{i}");
            let mut item = Map::new();
            item.insert("type".to_owned(), json!("photo"));
            item.insert("media".to_owned(), json!(format!("attach://{name}")));
            if let (0, Some(caption)) = (i, caption) {
                item.insert("caption".to_owned(), json!(caption));
                item.insert("parse_mode".to_owned(), json!("HTML"));
            }
            media.push(Value::Object(item));
            files.push(Upload {
                file_name: format!("{name}.jpg"),
                name,
                bytes,
                mime: "image/jpeg",
            });
        }
        if let Some(clip) = video {
            let mut item = Map::new();
            item.insert("type".to_owned(), json!("video"));
            item.insert("media".to_owned(), json!("attach://video"));
            item.insert("thumbnail".to_owned(), json!("attach://thumb"));
            item.insert("width".to_owned(), json!(clip.width));
            item.insert("height".to_owned(), json!(clip.height));
            item.insert("duration".to_owned(), json!(clip.duration));
            item.insert("supports_streaming".to_owned(), json!(true));
            if let (true, Some(caption)) = (media.is_empty(), caption) {
                item.insert("caption".to_owned(), json!(caption));
                item.insert("parse_mode".to_owned(), json!("HTML"));
            }
            media.push(Value::Object(item));
            files.push(Upload {
                name: "video".to_owned(),
                file_name: "video.mp4".to_owned(),
                bytes: clip.mp4,
                mime: "video/mp4",
            });
            files.push(Upload {
                name: "thumb".to_owned(),
                file_name: "thumb.jpg".to_owned(),
                bytes: clip.thumbnail,
                mime: "image/jpeg",
            });
        }
        let mut r = Request::new("sendMediaGroup")
            .chat(chat_id)
            .param("media", Value::Array(media));
        r.files = files;
        r
    }

    /// `sendPoll` with options as `InputPollOption` objects (Bot API 7.3+).
    pub fn send_poll(chat_id: &str, poll: &NewPoll) -> Request {
        let options: Vec<Value> = poll.options.iter().map(|o| json!({ "text": o })).collect();
        let mut r = Request::new("sendPoll")
            .chat(chat_id)
            .param("question", json!(poll.question))
            .param("options", Value::Array(options))
            .param("is_anonymous", json!(poll.is_anonymous))
            .param(
                "allows_multiple_answers",
                json!(poll.allows_multiple_answers),
            );
        if let Some(close) = poll.close_date {
            r = r.param("close_date", json!(close));
        }
        r
    }

    /// The request for one rendered call; `image_bytes` gives the processed JPEG of a picture.
    pub fn for_call(call: &TelegramCall, image_bytes: &dyn Fn(&ImageRef) -> Vec<u8>) -> Request {
        match call {
            TelegramCall::SendMessage { chat_id, text } => Request::send_message(chat_id, text),
            TelegramCall::SendPhoto {
                chat_id,
                photo,
                caption,
            } => Request::send_photo(chat_id, image_bytes(photo), caption.as_deref()),
            TelegramCall::SendMediaGroup {
                chat_id,
                media,
                video,
                caption,
            } => Request::send_album(
                chat_id,
                media.iter().map(image_bytes).collect(),
                video.as_ref().map(|v| Clip::of(v, image_bytes)),
                caption.as_deref(),
            ),
            TelegramCall::SendVideo {
                chat_id,
                video,
                caption,
            } => Request::send_video(chat_id, Clip::of(video, image_bytes), caption.as_deref()),
            TelegramCall::SendAnimation {
                chat_id,
                animation,
                caption,
            } => Request::send_animation(
                chat_id,
                Clip::of(animation, image_bytes),
                caption.as_deref(),
            ),
            TelegramCall::SendPoll {
                chat_id,
                question,
                options,
                is_anonymous,
                allows_multiple_answers,
                close_date,
            } => Request::send_poll(
                chat_id,
                &NewPoll {
                    question: question.clone(),
                    options: options.clone(),
                    is_anonymous: *is_anonymous,
                    allows_multiple_answers: *allows_multiple_answers,
                    close_date: *close_date,
                },
            ),
        }
    }
}

/// A clip to upload: the adapted MP4, its thumbnail and what Telegram shows before loading it.
#[derive(Clone, PartialEq, Eq)]
pub struct Clip {
    /// The MP4.
    pub mp4: Vec<u8>,
    /// The thumbnail: JPEG, at most 320 px a side and 200 kB.
    pub thumbnail: Vec<u8>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Duration in seconds.
    pub duration: u32,
}

impl Clip {
    /// The clip of a rendered reference; `bytes` reads a prepared file by its reference.
    pub fn of(video: &VideoRef, bytes: &dyn Fn(&ImageRef) -> Vec<u8>) -> Clip {
        Clip {
            mp4: bytes(&video.file()),
            thumbnail: bytes(&video.poster),
            width: video.width,
            height: video.height,
            duration: video.duration,
        }
    }
}

impl fmt::Debug for Clip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Clip")
            .field("mp4", &self.mp4.len())
            .field("thumbnail", &self.thumbnail.len())
            .field("width", &self.width)
            .field("height", &self.height)
            .field("duration", &self.duration)
            .finish()
    }
}

/// A numeric chat id goes as an Integer (ids can exceed 32 bits), `@channel` as a String.
fn chat_id_value(chat_id: &str) -> Value {
    match chat_id.trim().parse::<i64>() {
        Ok(id) => json!(id),
        Err(_) => json!(chat_id),
    }
}

/// The bot (`getMe`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct User {
    /// Bot id (the digits before `:` in its token).
    pub id: i64,
    /// Always true for a bot.
    pub is_bot: bool,
    /// Display name.
    pub first_name: String,
    /// `@username` without `@`.
    pub username: Option<String>,
}

/// A chat as embedded in a message.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Chat {
    /// Numeric id (`-100…` for channels).
    pub id: i64,
    /// `channel`, `supergroup`, `group` or `private`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Title of a channel or group.
    pub title: Option<String>,
    /// Public username without `@`.
    pub username: Option<String>,
}

/// What `getChat` tells about a channel (part of `ChatFullInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ChatInfo {
    /// Numeric id.
    pub id: i64,
    /// `channel`, `supergroup`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// The chat's title, for a channel its name.
    pub title: Option<String>,
    /// Public username without `@`.
    pub username: Option<String>,
    /// The description shown in the profile.
    pub description: Option<String>,
    /// The primary invite link.
    pub invite_link: Option<String>,
    /// The linked discussion group (comments).
    pub linked_chat_id: Option<i64>,
}

/// One size of an uploaded photo.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PhotoSize {
    /// Reusable id of this size.
    pub file_id: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The file's size in bytes, when Telegram knows it.
    pub file_size: Option<u64>,
}

/// One option of a sent poll.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PollOption {
    /// Its text.
    pub text: String,
    /// Votes so far.
    pub voter_count: i64,
}

/// A sent poll.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Poll {
    /// Poll id.
    pub id: String,
    /// The question.
    pub question: String,
    /// The options.
    pub options: Vec<PollOption>,
    /// Whether votes are anonymous.
    pub is_anonymous: bool,
    /// Whether several answers are allowed.
    pub allows_multiple_answers: bool,
    /// When voting closes.
    pub close_date: Option<i64>,
}

/// A sent message (the parts of `Message` vestnik reads).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Message {
    /// Its id in the chat: what the ledger stores to edit or delete it later.
    pub message_id: i64,
    /// Unix time it was sent.
    pub date: i64,
    /// Where it was sent.
    pub chat: Chat,
    /// Shared by the messages of one media group.
    pub media_group_id: Option<String>,
    /// Visible text of a text message.
    pub text: Option<String>,
    /// Visible caption of a photo.
    pub caption: Option<String>,
    /// Sizes of a photo, smallest first.
    #[serde(default)]
    pub photo: Vec<PhotoSize>,
    /// A poll.
    pub poll: Option<Poll>,
}

/// The kinds of update the one poller of a bot asks for (`allowed_updates` is one setting per
/// bot, remembered by Telegram: every use of the updates needs its kind here). Comments in a
/// discussion group come as `message` and `edited_message`; posts made in a channel by others
/// (by hand, by Госпаблики) as `channel_post`.
pub const UPDATE_KINDS: [&str; 4] = [
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
];

/// One update (the parts vestnik reads).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Update {
    /// Sequential id; the next `offset` is the last id plus one.
    pub update_id: i64,
    /// A new message in a group the bot is in (a comment in a discussion group).
    pub message: Option<Incoming>,
    /// An edited message.
    pub edited_message: Option<Incoming>,
    /// A new post in a channel the bot administers, made by someone else.
    pub channel_post: Option<Incoming>,
    /// An edited channel post.
    pub edited_channel_post: Option<Incoming>,
}

/// A message someone else sent (the parts vestnik reads).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Incoming {
    /// Its id in the chat.
    pub message_id: i64,
    /// Unix time it was sent.
    pub date: i64,
    /// Unix time it was last edited.
    pub edit_date: Option<i64>,
    /// The chat it is in.
    pub chat: Chat,
    /// The sender, when a user sent it.
    pub from: Option<Sender>,
    /// The chat it was sent on behalf of: the channel itself (its automatic forward into the
    /// discussion group), the group (an anonymous administrator), or another channel.
    pub sender_chat: Option<Chat>,
    /// Whether the channel's post was forwarded into its discussion group automatically.
    #[serde(default)]
    pub is_automatic_forward: bool,
    /// Text of a text message.
    pub text: Option<String>,
    /// Caption of a photo, video or document.
    pub caption: Option<String>,
    /// Shared by the messages of one album.
    pub media_group_id: Option<String>,
}

/// The sender of a message.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Sender {
    /// User id.
    pub id: i64,
    /// Whether it is a bot.
    #[serde(default)]
    pub is_bot: bool,
}

/// One administrator of a chat (`ChatMember`, the parts vestnik reads).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Member {
    /// `creator`, `administrator`, …
    pub status: String,
    /// The user.
    pub user: Sender,
}

/// A Telegram Bot API client bound to one bot token.
///
/// Cheap to clone (the connection pool and the rate limiter are shared: clones count against
/// the same limits). `Debug` shows no token.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base_url: String,
    token: Secret,
    limiter: Arc<Limiter>,
}

impl Client {
    /// Builds a client.
    ///
    /// Fails when the base URL is not an `http(s)` URL, the token is not of the form
    /// `<digits>:<letters, digits, _ or ->` (anything else would break the URL path), or the HTTP
    /// client cannot be set up. The error never contains the token.
    pub fn new(config: Config) -> Result<Client, ConfigError> {
        let base_url = config.base_url.trim_end_matches('/').to_owned();
        match reqwest::Url::parse(&base_url) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => {}
            _ => {
                return Err(ConfigError {
                    reason: format!("the Telegram base URL `{base_url}` is not an http(s) URL"),
                });
            }
        }
        if !token_is_well_formed(config.token.expose()) {
            return Err(ConfigError {
                reason: "the Telegram bot token is not of the form <bot id>:<key> (digits, a colon, then letters, digits, `_` or `-`)".to_owned(),
            });
        }
        let http =
            crate::networks::http_client(config.connect_timeout, config.timeout).map_err(|e| {
                ConfigError {
                    reason: format!(
                        "cannot set up the HTTP client: {}",
                        classify_transport(e).redacted(config.token.expose())
                    ),
                }
            })?;
        Ok(Client {
            http,
            base_url,
            token: config.token,
            limiter: Arc::new(Limiter::new(config.rate)),
        })
    }

    /// `getMe`: the bot behind the token; the cheapest check that the token works.
    pub async fn get_me(&self) -> Result<User, PublishError> {
        self.call(Request::get_me()).await
    }

    /// `getChat`: title, description and links of a channel (`@name` or numeric id).
    pub async fn get_chat(&self, chat_id: &str) -> Result<ChatInfo, PublishError> {
        self.call(Request::get_chat(chat_id)).await
    }

    /// Says that this process publishes nothing through this client (a `vestnik audit` or
    /// `vestnik moderate` run): its reads may use the whole rate limit
    /// ([`crate::networks::Limiter::publishes_nothing`]).
    pub fn publishes_nothing(&self) {
        self.limiter.publishes_nothing();
    }

    /// Says whether this process holds the token now (several daemons on one ledger take
    /// turns, `publish::tokens`): while it does not, every call fails at once, sending nothing
    /// ([`crate::networks::Limiter::hold`]).
    pub fn hold(&self, held: bool) {
        self.limiter.hold(held);
    }

    /// Whether this process holds the token ([`Client::hold`]).
    pub fn held(&self) -> bool {
        self.limiter.held()
    }

    /// [`Client::get_chat`] at low priority: it waits while a publication holds the bot
    /// ([`Limiter::until_idle`]), for the audit of the pages.
    pub async fn get_chat_ahead(&self, chat_id: &str) -> Result<ChatInfo, PublishError> {
        self.call_ahead(Request::get_chat(chat_id)).await
    }

    /// [`Client::get_chat_administrators`] at low priority, for the audit of the pages.
    pub async fn get_chat_administrators_ahead(
        &self,
        chat_id: &str,
    ) -> Result<Vec<Member>, PublishError> {
        self.call_ahead(Request::get_chat_administrators(chat_id))
            .await
    }

    /// `getUpdates`: the updates from `offset` on, waiting up to `timeout` seconds for one.
    /// Not counted against the sending limits: it sends nothing.
    pub async fn get_updates(
        &self,
        offset: Option<i64>,
        timeout: u32,
    ) -> Result<Vec<Update>, PublishError> {
        self.call(Request::get_updates(offset, timeout)).await
    }

    /// `deleteMessage` in `chat_id`.
    pub async fn delete_message(&self, chat_id: &str, message_id: i64) -> Result<(), PublishError> {
        self.call::<bool>(Request::delete_message(chat_id, message_id))
            .await
            .map(|_| ())
    }

    /// `getChatAdministrators` of `chat_id`.
    pub async fn get_chat_administrators(
        &self,
        chat_id: &str,
    ) -> Result<Vec<Member>, PublishError> {
        self.call(Request::get_chat_administrators(chat_id)).await
    }

    /// `sendMessage` with `parse_mode=HTML`.
    pub async fn send_message(&self, chat_id: &str, html: &str) -> Result<Message, PublishError> {
        self.call(Request::send_message(chat_id, html)).await
    }

    /// `sendPhoto`: uploads one JPEG with an optional HTML caption.
    pub async fn send_photo(
        &self,
        chat_id: &str,
        jpeg: Vec<u8>,
        caption: Option<&str>,
    ) -> Result<Message, PublishError> {
        self.call(Request::send_photo(chat_id, jpeg, caption)).await
    }

    /// `sendMediaGroup`: uploads 2–10 JPEGs as one album; returns every message of it.
    pub async fn send_media_group(
        &self,
        chat_id: &str,
        jpegs: Vec<Vec<u8>>,
        caption: Option<&str>,
    ) -> Result<Vec<Message>, PublishError> {
        self.call(Request::send_media_group(chat_id, jpegs, caption))
            .await
    }

    /// `sendPoll`.
    pub async fn send_poll(&self, chat_id: &str, poll: &NewPoll) -> Result<Message, PublishError> {
        self.call(Request::send_poll(chat_id, poll)).await
    }

    /// Runs one rendered call and returns the ids of the messages it created (several for a
    /// media group). `image_bytes` gives the processed JPEG of a picture; it is called before
    /// anything is sent, so the returned future borrows neither it nor `call` (and is `Send`
    /// although `image_bytes` need not be `Sync`).
    pub fn execute<'a>(
        &'a self,
        call: &TelegramCall,
        image_bytes: &dyn Fn(&ImageRef) -> Vec<u8>,
    ) -> impl Future<Output = Result<Vec<i64>, PublishError>> + Send + use<'a> {
        self.execute_with(call, image_bytes, NoCommit)
    }

    /// Like [`Client::execute`], calling `commit` after the rate-limit wait, immediately before
    /// the request leaves: every `send*` call can publish (its pictures go in the same request).
    /// If `commit` refuses, nothing is sent ([`PublishError::NotCommitted`]).
    pub fn execute_with<'a, C: Commit + 'a>(
        &'a self,
        call: &TelegramCall,
        image_bytes: &dyn Fn(&ImageRef) -> Vec<u8>,
        mut commit: C,
    ) -> impl Future<Output = Result<Vec<i64>, PublishError>> + use<'a, C> {
        let request = Request::for_call(call, image_bytes);
        let many = matches!(call, TelegramCall::SendMediaGroup { .. });
        async move {
            let method = request.method;
            let result = self.call_raw_with(request, &mut commit).await?;
            let read = |e: serde_json::Error| PublishError::Unknown {
                reason: format!("the answer to {method} could not be read: {e}"),
            };
            if many {
                let messages: Vec<Message> = serde_json::from_value(result).map_err(read)?;
                Ok(messages.into_iter().map(|m| m.message_id).collect())
            } else {
                let message: Message = serde_json::from_value(result).map_err(read)?;
                Ok(vec![message.message_id])
            }
        }
    }

    /// Sends a request and reads its `result` as `T`.
    ///
    /// An answer that was `ok` but whose result cannot be read is [`PublishError::Unknown`]: the
    /// call was applied, we just cannot tell its ids.
    pub async fn call<T: DeserializeOwned>(&self, request: Request) -> Result<T, PublishError> {
        let method = request.method;
        let result = self.call_raw(request).await?;
        serde_json::from_value(result).map_err(|e| PublishError::Unknown {
            reason: format!("the answer to {method} could not be read: {e}"),
        })
    }

    /// [`Client::call`] for a request that publishes nothing, sent only while no publication
    /// holds the bot ([`Limiter::until_idle`]).
    async fn call_ahead<T: DeserializeOwned>(&self, request: Request) -> Result<T, PublishError> {
        let method = request.method;
        let secret = self.token.expose();
        let result = self
            .send_at(request, &mut NoCommit, true)
            .await
            .map_err(|e| e.redacted(secret))?;
        serde_json::from_value(result).map_err(|e| PublishError::Transient {
            reason: format!("the answer to {method} could not be read: {e}"),
        })
    }

    /// The limits this client keeps to.
    pub fn rate(&self) -> RateLimits {
        self.limiter.limits()
    }

    /// Sends a request and returns its `result` as JSON, once its chat and the token may send
    /// again ([`Config::rate`]).
    pub async fn call_raw(&self, request: Request) -> Result<Value, PublishError> {
        self.call_raw_with(request, &mut NoCommit).await
    }

    /// [`Client::call_raw`], calling `commit` immediately before a `send*` request leaves.
    async fn call_raw_with<C: Commit + ?Sized>(
        &self,
        request: Request,
        commit: &mut C,
    ) -> Result<Value, PublishError> {
        let secret = self.token.expose();
        self.send(request, commit)
            .await
            .map_err(|e| e.redacted(secret))
    }

    async fn send<C: Commit + ?Sized>(
        &self,
        request: Request,
        commit: &mut C,
    ) -> Result<Value, PublishError> {
        self.send_at(request, commit, false).await
    }

    /// [`Client::send`]; `ahead` waits at low priority ([`Limiter::until_idle`]).
    async fn send_at<C: Commit + ?Sized>(
        &self,
        request: Request,
        commit: &mut C,
        ahead: bool,
    ) -> Result<Value, PublishError> {
        let (chat, messages) = rate_key(&request);
        // Held until the answer is read: until then the request counts against the limits.
        // `getUpdates` sends nothing and may wait long on the server: it takes no slot.
        let _permit = match request.method {
            "getUpdates" => None,
            _ if ahead => Some(self.limiter.until_idle(&chat).await?),
            _ => Some(self.limiter.until_ready_n(&chat, messages).await?),
        };
        // The point of no return: every `send*` can publish; the wait above was safe to cut.
        if request.method.starts_with("send") {
            commit.commit()?;
        }
        // The only place the token meets the URL; this string is never formatted anywhere else.
        let url = format!(
            "{}/bot{}/{}",
            self.base_url,
            self.token.expose(),
            request.method
        );
        let builder = self.http.post(url);
        let builder = if request.files.is_empty() {
            builder.json(&Value::Object(request.params))
        } else {
            builder.multipart(multipart_form(request.params, request.files)?)
        };
        let response = builder.send().await.map_err(classify_transport)?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(classify_transport)?;
        let result = interpret(status, &body);
        // A 429 pauses the chat it was about (or the token, for a call tied to no chat and
        // when chats are refused together: see `Limiter::rate_limited`), not only this call.
        if let Err(e) = &result
            && let Some(after) = e.retry_after()
        {
            self.limiter.rate_limited(&chat, after);
        }
        result
    }
}

/// The chat a request counts against (`""`: only the bot's total, as `getMe`) and how many
/// messages it counts as: one per picture for a media group (UNCONFIRMED,
/// docs/api-facts.md#telegram-rate-limits), else one.
///
/// Telegram's per-chat limits (about one message a second in a chat, twenty a minute in a
/// group; NETWORKS.md §3) are about messages. Reading a chat's profile or its administrators
/// (the audit) sends nothing into it and counts only against the bot's total: UNCONFIRMED
/// (Telegram documents no limit of its own for these reads), and a 429 still pauses the bot.
/// Counted per chat, the audit's two reads of a channel took a second, and 300 channels five
/// minutes.
fn rate_key(request: &Request) -> (String, u32) {
    let reads_only = matches!(
        request.method,
        "getChat" | "getChatAdministrators" | "getChatMember" | "getChatMemberCount"
    );
    let chat = match request.params.get("chat_id") {
        _ if reads_only => String::new(),
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    let messages = match (request.method, request.params.get("media")) {
        ("sendMediaGroup", Some(Value::Array(items))) => {
            u32::try_from(items.len()).unwrap_or(u32::MAX).max(1)
        }
        _ => 1,
    };
    (chat, messages)
}

fn token_is_well_formed(token: &str) -> bool {
    match token.split_once(':') {
        Some((id, key)) => {
            !id.is_empty()
                && id.bytes().all(|b| b.is_ascii_digit())
                && !key.is_empty()
                && key
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        }
        None => false,
    }
}

fn multipart_form(
    params: Map<String, Value>,
    files: Vec<Upload>,
) -> Result<reqwest::multipart::Form, PublishError> {
    let mut form = reqwest::multipart::Form::new();
    for (name, value) in params {
        let text = match value {
            Value::String(s) => s,
            other => other.to_string(),
        };
        form = form.text(name, text);
    }
    for file in files {
        let part = reqwest::multipart::Part::bytes(file.bytes)
            .file_name(file.file_name)
            .mime_str(file.mime)
            .map_err(classify_transport)?;
        form = form.part(file.name, part);
    }
    Ok(form)
}

/// The Bot API's answer envelope.
#[derive(Deserialize)]
struct Envelope {
    ok: bool,
    result: Option<Value>,
    error_code: Option<i64>,
    description: Option<String>,
    parameters: Option<ResponseParameters>,
}

#[derive(Deserialize)]
struct ResponseParameters {
    retry_after: Option<u64>,
    migrate_to_chat_id: Option<i64>,
}

/// Maps an HTTP answer onto the result or a [`PublishError`].
fn interpret(status: u16, body: &[u8]) -> Result<Value, PublishError> {
    let Ok(envelope) = serde_json::from_slice::<Envelope>(body) else {
        // Not the Bot API speaking: a proxy, a load balancer, a truncated body.
        let reason = format!("HTTP {status} without a Bot API answer");
        return Err(match status {
            200..=299 => PublishError::Unknown { reason },
            _ => from_code(i64::from(status), reason, None),
        });
    };
    if envelope.ok {
        return envelope.result.ok_or_else(|| PublishError::Unknown {
            reason: "the answer was ok but had no result".to_owned(),
        });
    }
    let code = envelope.error_code.unwrap_or(i64::from(status));
    let mut reason = envelope
        .description
        .unwrap_or_else(|| format!("error {code}"));
    let parameters = envelope.parameters;
    if let Some(chat) = parameters.as_ref().and_then(|p| p.migrate_to_chat_id) {
        reason.push_str(&format!(" (the group is now the supergroup {chat})"));
    }
    let retry_after = parameters
        .and_then(|p| p.retry_after)
        .or_else(|| retry_after_from(&reason));
    Err(from_code(code, reason, retry_after))
}

fn from_code(code: i64, reason: String, retry_after: Option<u64>) -> PublishError {
    match code {
        429 => PublishError::RateLimited {
            after: Duration::from_secs(retry_after.unwrap_or(1).max(1)),
        },
        401 | 403 => PublishError::Unauthorized { reason },
        500..=599 => PublishError::Transient { reason },
        // 400, 404 (unknown method), 409, and any other refusal: the server answered, so nothing
        // was applied, and the same request will be refused again.
        _ => PublishError::Rejected { reason },
    }
}

/// `Too Many Requests: retry after 17` carries the wait in the text too.
fn retry_after_from(description: &str) -> Option<u64> {
    let (_, rest) = description.split_once("retry after ")?;
    rest.split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_map_onto_outcomes() {
        let ok = interpret(200, br#"{"ok":true,"result":{"message_id":7}}"#).unwrap();
        assert_eq!(ok["message_id"], 7);
        assert_eq!(
            interpret(
                429,
                br#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 9","parameters":{"retry_after":9}}"#
            ),
            Err(PublishError::RateLimited {
                after: Duration::from_secs(9)
            })
        );
        assert_eq!(
            interpret(
                429,
                br#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 4"}"#
            ),
            Err(PublishError::RateLimited {
                after: Duration::from_secs(4)
            })
        );
        assert!(matches!(
            interpret(403, br#"{"ok":false,"error_code":403,"description":"Forbidden: bot is not a member of the channel chat"}"#),
            Err(PublishError::Unauthorized { .. })
        ));
        assert!(matches!(
            interpret(
                400,
                br#"{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}"#
            ),
            Err(PublishError::Rejected { .. })
        ));
        assert!(matches!(
            interpret(502, b"<html>Bad Gateway</html>"),
            Err(PublishError::Transient { .. })
        ));
        assert!(matches!(
            interpret(200, b"<html>"),
            Err(PublishError::Unknown { .. })
        ));
        assert!(matches!(
            interpret(200, br#"{"ok":true}"#),
            Err(PublishError::Unknown { .. })
        ));
    }

    #[test]
    fn tokens_are_checked_for_shape() {
        assert!(token_is_well_formed("123456:AAbc-_x9"));
        assert!(!token_is_well_formed("123456"));
        assert!(!token_is_well_formed("12a:AA"));
        assert!(!token_is_well_formed("123:AA/../x"));
        assert!(!token_is_well_formed("123:"));
    }

    #[test]
    fn calls_count_against_their_chat() {
        let group = Request::send_media_group("-100123", vec![vec![1], vec![2], vec![3]], None);
        assert_eq!(rate_key(&group), ("-100123".to_owned(), 3));
        let text = Request::send_message("@krapivino", "x");
        assert_eq!(rate_key(&text), ("@krapivino".to_owned(), 1));
        assert_eq!(rate_key(&Request::get_me()), (String::new(), 1));
        // Reads of a chat send nothing into it: only the bot's total counts them.
        assert_eq!(
            rate_key(&Request::get_chat("@krapivino")),
            (String::new(), 1)
        );
        assert_eq!(
            rate_key(&Request::get_chat_administrators("@krapivino")),
            (String::new(), 1)
        );
    }

    #[test]
    fn numeric_chat_ids_are_integers() {
        assert_eq!(chat_id_value("-1001234567890"), json!(-1001234567890_i64));
        assert_eq!(chat_id_value("@krapivino"), json!("@krapivino"));
    }
}
