//! A local Telegram Bot API server: an in-process axum app on `127.0.0.1:0` for tests and the
//! sandbox, faithful to the Bot API 10.1 spec and docs/api-facts.md (the Telegram sections)
//! rather than to our client.
//!
//! What it does like the real server:
//! - routes `/bot<token>/<method>` (method names case-insensitive); an unknown or revoked
//!   token is `401 Unauthorized`, an unknown method `404 Not Found: method not found`;
//! - reads parameters from the query string and from JSON, form and multipart bodies, with
//!   uploads as file parts or `attach://<name>`;
//! - parses `parse_mode=HTML` with tdlib's rules and error texts ([`super::entities`]), trims
//!   the result and counts the 4096 (text) and 1024 (caption) limits in code points, as tdlib;
//! - checks polls (question 1–300, 1–12 options of 1–100, `InputPollOption` objects or plain
//!   strings, anonymous only in channels, `close_date` 5 s to 30.4 days ahead), albums (2–10
//!   photos, as the spec says; tdlib itself accepts one) and photos (≤ 10 MB, a decodable
//!   image, width + height ≤ 10000, side ratio ≤ 20);
//! - answers `429 Too Many Requests: retry after N` with `parameters.retry_after` past the
//!   configured per-chat and global rates of each bot token, counted in sliding windows of a
//!   second and a minute (a picture of an album counts as one message), and counts those
//!   answers ([`State::rate_limited`]);
//! - keeps what was published ([`State::messages`]): visible text and entities, photo sizes,
//!   polls.
//!
//! Fault injection ([`State::inject`], [`State::revoke`]) covers what the scheduler must survive:
//! 5xx answers, 429, a token revoked, an answer that comes after the client gave up, and a
//! request applied whose answer never comes (the connection is closed instead).
//!
//! - takes videos and animations (`sendVideo`, `sendAnimation`, a video in an album): an MP4
//!   (or a GIF for an animation) of at most 50 MB, a JPEG thumbnail under 200 kB and 320 px.
//!
//! Not emulated: other parse modes and `entities` arrays, `file_id` reuse, documents,
//! quizzes, reply markup, updates. Error texts that neither the spec nor the Bot API server's
//! source gives are marked UNCONFIRMED where they are produced.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::io::Cursor;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{
    DefaultBodyLimit, Form, FromRequest, Multipart, Path, Query, Request, State as Shared,
};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use serde_json::{Map, Value, json};

use super::entities::{self, Entity, Formatted};
use crate::networks::RateLimits;
use crate::networks::rate::Windows;
use crate::networks::serve::{Server, hang_up};

/// A token the default configuration accepts. Obviously fake: it must never look like a real one.
pub const TEST_TOKEN: &str = "123456:TEST-vestnik-local-emulator";

/// The channel of the default configuration.
pub const TEST_CHANNEL: &str = "@krapivino_test";

/// Largest request body accepted (a 50 MB video and nine photos beside it).
const BODY_LIMIT: usize = 128 * 1024 * 1024;
/// Largest video or animation upload (VIDEO.md §2.2: 50 MB multipart).
pub const VIDEO_MAX_BYTES: usize = 50 * 1024 * 1024;
/// Largest thumbnail: under 200 kB (VIDEO.md §2.1).
const THUMBNAIL_MAX_BYTES: usize = 200 * 1024;
/// Largest photo upload (docs/api-facts.md#telegram-photos-and-albums).
const PHOTO_MAX_BYTES: usize = 10 * 1024 * 1024;

/// A bot the emulator knows.
#[derive(Clone)]
pub struct Bot {
    /// Its token, `<id>:<key>`.
    pub token: String,
    /// `@username` without `@`.
    pub username: String,
    /// Display name.
    pub first_name: String,
}

impl fmt::Debug for Bot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bot")
            .field("token", &"***")
            .field("username", &self.username)
            .finish()
    }
}

/// The kind of a chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatKind {
    /// A channel: where official pages publish; only anonymous polls.
    Channel,
    /// A supergroup (a channel's discussion group).
    Supergroup,
}

impl ChatKind {
    fn as_str(self) -> &'static str {
        match self {
            ChatKind::Channel => "channel",
            ChatKind::Supergroup => "supergroup",
        }
    }
}

/// A chat the bots may post to.
#[derive(Debug, Clone)]
pub struct Chat {
    /// Numeric id (`-100…`).
    pub id: i64,
    /// Public username without `@`.
    pub username: Option<String>,
    /// The channel's title.
    pub title: String,
    /// Channel or supergroup.
    pub kind: ChatKind,
    /// Profile description.
    pub description: Option<String>,
    /// The linked chat: a channel's discussion group (where its comments live), or the
    /// channel of a discussion group.
    pub linked_chat_id: Option<i64>,
}

/// What the emulator knows when it starts.
#[derive(Debug, Clone)]
pub struct Config {
    /// Bots whose tokens are accepted.
    pub bots: Vec<Bot>,
    /// Chats that exist.
    pub chats: Vec<Chat>,
    /// Rates past which it answers 429, per bot token (per chat and in total);
    /// [`RateLimits::UNLIMITED`] turns them off. Short bursts in one chat are tolerated by
    /// Telegram, so the default sets no per-second limit per chat.
    pub rate: RateLimits,
}

impl Default for Config {
    /// One bot ([`TEST_TOKEN`]), one channel ([`TEST_CHANNEL`], id `-1001000000001`), 20
    /// messages a minute per chat and 30 a second in total.
    fn default() -> Config {
        Config {
            bots: vec![Bot {
                token: TEST_TOKEN.to_owned(),
                username: "vestnik_test_bot".to_owned(),
                first_name: "Вестник".to_owned(),
            }],
            chats: vec![Chat {
                id: -1_001_000_000_001,
                username: Some(TEST_CHANNEL.trim_start_matches('@').to_owned()),
                title: "Крапивинский район (тест)".to_owned(),
                kind: ChatKind::Channel,
                description: Some("Тестовый канал эмулятора".to_owned()),
                linked_chat_id: None,
            }],
            rate: RateLimits {
                per_chat_per_sec: 0,
                per_chat_per_min: 20,
                global_per_sec: 30,
            },
        }
    }
}

/// A fault to inject into the next calls (see [`State::inject`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer `500 Internal Server Error` (Bot API JSON) without applying.
    ServerError,
    /// Answer `502 Bad Gateway` with an HTML page, as a proxy in front of the server would,
    /// without applying.
    BadGateway,
    /// Answer `429 Too Many Requests` with this `retry_after` (seconds), without applying.
    TooManyRequests {
        /// Seconds to wait.
        retry_after: u64,
    },
    /// Apply the request, then wait this long before answering (past the client's timeout).
    Delay(Duration),
    /// Apply the request, then close the connection without answering.
    DropResponse,
}

/// Published content of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// A text message.
    Text {
        /// Visible text (markup parsed away, trimmed).
        text: String,
        /// Its formatting.
        entities: Vec<Entity>,
    },
    /// A photo.
    Photo {
        /// Visible caption.
        caption: Option<String>,
        /// Its formatting.
        caption_entities: Vec<Entity>,
        /// Sizes Telegram made of it, smallest first; the last is the largest.
        sizes: Vec<(u32, u32)>,
        /// Bytes uploaded.
        file_size: usize,
    },
    /// A video (`sendVideo`, or in an album) or an animation (`sendAnimation`).
    Video {
        /// Visible caption.
        caption: Option<String>,
        /// Its formatting.
        caption_entities: Vec<Entity>,
        /// Width, height and duration as the request gave them.
        width: u32,
        /// Height.
        height: u32,
        /// Seconds.
        duration: u32,
        /// Bytes uploaded.
        file_size: usize,
        /// The thumbnail's size, when one was uploaded.
        thumbnail: Option<(u32, u32)>,
        /// `supports_streaming` as sent.
        supports_streaming: bool,
        /// An animation rather than a video.
        animation: bool,
    },
    /// A poll.
    Poll {
        /// The question.
        question: String,
        /// The options.
        options: Vec<String>,
        /// Anonymous votes.
        is_anonymous: bool,
        /// Several answers allowed.
        allows_multiple_answers: bool,
        /// When voting closes.
        close_date: Option<i64>,
    },
}

/// A message as published in a chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    /// Its id in the chat (1, 2, … per chat).
    pub message_id: i64,
    /// Unix time it was published.
    pub date: i64,
    /// Shared by the messages of one album.
    pub media_group_id: Option<String>,
    /// What it shows.
    pub content: Content,
    /// The user who wrote it (a comment in a discussion group); `None` for what the bot sent.
    pub from: Option<i64>,
}

impl StoredMessage {
    /// The visible text, caption or poll question.
    pub fn visible_text(&self) -> Option<&str> {
        match &self.content {
            Content::Text { text, .. } => Some(text),
            Content::Photo { caption, .. } | Content::Video { caption, .. } => caption.as_deref(),
            Content::Poll { question, .. } => Some(question),
        }
    }
}

/// A call that reached a method (token and method valid), as the emulator read it.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// Method as written in the URL.
    pub method: String,
    /// Parameters: JSON values from a JSON body, strings from query, form and multipart.
    pub params: Map<String, Value>,
    /// Uploaded file parts: name and size.
    pub files: Vec<(String, usize)>,
}

/// The emulator's state: shared with the server, read and steered by tests.
#[derive(Clone)]
pub struct State {
    inner: Arc<Mutex<Inner>>,
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("State { .. }")
    }
}

struct Inner {
    config: Config,
    revoked: HashSet<String>,
    faults: VecDeque<Fault>,
    messages: HashMap<i64, Vec<StoredMessage>>,
    windows: Windows,
    next_group: u64,
    calls: Vec<Call>,
    /// Updates not confirmed yet (`getUpdates` with a higher `offset` confirms them).
    updates: VecDeque<(i64, Value)>,
    /// The id of the next update.
    next_update: i64,
    /// Deleted messages, by chat and id.
    deleted: HashSet<(i64, i64)>,
    /// Administrators of each chat (user ids), besides the bots.
    admins: HashMap<i64, Vec<i64>>,
    /// Chats the bots are no longer administrators of.
    bots_demoted: HashSet<i64>,
}

impl State {
    fn new(config: Config) -> State {
        State {
            inner: Arc::new(Mutex::new(Inner {
                config,
                revoked: HashSet::new(),
                faults: VecDeque::new(),
                messages: HashMap::new(),
                windows: Windows::default(),
                next_group: 0,
                calls: Vec::new(),
                updates: VecDeque::new(),
                next_update: 700_000_001,
                deleted: HashSet::new(),
                admins: HashMap::new(),
                bots_demoted: HashSet::new(),
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panicking test must not hide the state from the next assertion.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The messages published in a chat (`@username` or numeric id), oldest first; empty for an
    /// unknown chat.
    pub fn messages(&self, chat: &str) -> Vec<StoredMessage> {
        let inner = self.lock();
        match inner.find_chat(chat) {
            Some(c) => inner
                .messages
                .get(&c.id)
                .into_iter()
                .flatten()
                .filter(|m| !inner.deleted.contains(&(c.id, m.message_id)))
                .cloned()
                .collect(),
            None => Vec::new(),
        }
    }

    /// A user writes `text` in the chat `chat` (a channel's discussion group) `age` ago: the
    /// message is stored and a `message` update is queued for the bots. Returns its id.
    pub fn comment(&self, chat: i64, user: i64, text: &str, age: Duration) -> i64 {
        let mut inner = self.lock();
        let date = unix_now() - i64::try_from(age.as_secs()).unwrap_or(i64::MAX);
        let m = inner.store_from(chat, Some(user), text, date);
        let update = inner.message_update(chat, &m, "message");
        inner.queue(update);
        m.message_id
    }

    /// The user edits their message: its text changes and an `edited_message` update is
    /// queued.
    pub fn edit(&self, chat: i64, message_id: i64, text: &str) {
        let mut inner = self.lock();
        let Some(m) = inner
            .messages
            .get_mut(&chat)
            .and_then(|l| l.iter_mut().find(|m| m.message_id == message_id))
        else {
            return;
        };
        m.content = Content::Text {
            text: text.to_owned(),
            entities: Vec::new(),
        };
        let m = m.clone();
        let mut update = inner.message_update(chat, &m, "edited_message");
        update["edited_message"]["edit_date"] = json!(unix_now());
        inner.queue(update);
    }

    /// Someone posts `text` in the channel `chat` by hand at unix time `date` (not through the
    /// bot): the message is stored and a `channel_post` update is queued, as Telegram sends one
    /// to the administrator bots. Returns its id.
    pub fn channel_post(&self, chat: i64, text: &str, date: i64) -> i64 {
        let mut inner = self.lock();
        let m = inner.store_from(chat, None, text, date);
        let update = inner.message_update(chat, &m, "channel_post");
        inner.queue(update);
        m.message_id
    }

    /// Sets a chat's profile description (`None`: none).
    pub fn set_description(&self, chat: i64, description: Option<&str>) {
        let mut inner = self.lock();
        if let Some(c) = inner.config.chats.iter_mut().find(|c| c.id == chat) {
            c.description = description.map(str::to_owned);
        }
    }

    /// The bots are no longer administrators of `chat`: `getChatAdministrators` lists them no
    /// more.
    pub fn demote_bots(&self, chat: i64) {
        self.lock().bots_demoted.insert(chat);
    }

    /// The chat is deleted: every call naming it is `400 Bad Request: chat not found`.
    pub fn delete_chat(&self, chat: i64) {
        self.lock().config.chats.retain(|c| c.id != chat);
    }

    /// Makes `users` the administrators of `chat` (besides the bots).
    pub fn set_admins(&self, chat: i64, users: &[i64]) {
        self.lock().admins.insert(chat, users.to_vec());
    }

    /// Updates not yet confirmed by a `getUpdates` offset.
    pub fn pending_updates(&self) -> usize {
        self.lock().updates.len()
    }

    /// Makes the next `times` calls that reach a method fail with `fault`, in the order the
    /// faults were injected. `getUpdates` takes none: the daemon's update poller calls it at
    /// any moment, and a fault meant for a publication must not go to it.
    pub fn inject(&self, fault: Fault, times: usize) {
        self.lock().faults.extend(std::iter::repeat_n(fault, times));
    }

    /// Revokes a token: every later call with it is `401 Unauthorized`.
    pub fn revoke(&self, token: &str) {
        self.lock().revoked.insert(token.to_owned());
    }

    /// Every call that reached a method, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.lock().calls.clone()
    }

    /// Replaces the rates past which the emulator answers 429 (what was sent stays counted).
    pub fn set_rate(&self, rate: RateLimits) {
        self.lock().config.rate = rate;
    }

    /// How many `429 Too Many Requests` answers the configured rates caused (injected faults
    /// are not counted): zero when the clients kept to the limits.
    pub fn rate_limited(&self) -> usize {
        self.lock().windows.refused()
    }

    /// Every call the rates judged (admitted or refused), in the order they were judged: the
    /// token, the chat or page, when it arrived (also with no rates configured). Injected
    /// faults are not among them.
    pub fn arrivals(&self) -> Vec<crate::networks::Arrival> {
        self.lock().windows.arrivals()
    }
}

/// A running emulator. Dropping it stops the server.
#[derive(Debug)]
pub struct Emulator {
    /// `http://127.0.0.1:<port>`: the client's base URL.
    pub base_url: String,
    /// The state, to read and to steer.
    pub state: State,
    server: Server,
}

impl Emulator {
    /// Stops accepting connections and closes the open ones.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}

/// Starts an emulator on `127.0.0.1` on a free port.
///
/// Fails only when no port can be bound.
pub async fn start(config: Config) -> std::io::Result<Emulator> {
    let state = State::new(config);
    let app = Router::new()
        .route("/{bot}/{method}", any(handle))
        .fallback(|| async { reply(Err(ApiError::new(404, "Not Found"))) })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state.clone());
    let (base_url, server) = Server::start(app).await?;
    Ok(Emulator {
        base_url,
        state,
        server,
    })
}

const METHODS: [&str; 11] = [
    "getme",
    "getchat",
    "sendmessage",
    "sendphoto",
    "sendvideo",
    "sendanimation",
    "sendmediagroup",
    "sendpoll",
    "getupdates",
    "deletemessage",
    "getchatadministrators",
];

/// How long a message can be deleted after it was sent.
const DELETE_WINDOW_SECS: i64 = 48 * 3600;

async fn handle(
    Shared(state): Shared<State>,
    Path((bot, method)): Path<(String, String)>,
    request: Request,
) -> Response {
    // Rates count a request when it arrives, as a server in front of the API would.
    let arrived = Instant::now();
    let Some(token) = bot.strip_prefix("bot") else {
        return reply(Err(ApiError::new(404, "Not Found")));
    };
    if !state.lock().authorized(token) {
        return reply(Err(ApiError::new(401, "Unauthorized")));
    }
    let name = method.to_ascii_lowercase();
    if !METHODS.contains(&name.as_str()) {
        return reply(Err(ApiError::new(404, "Not Found: method not found")));
    }
    let params = match Params::read(request).await {
        Ok(p) => p,
        Err(e) => return reply(Err(e)),
    };
    let fault = {
        let mut inner = state.lock();
        inner.calls.push(Call {
            method: method.clone(),
            params: params.values.clone(),
            files: params
                .files
                .iter()
                .map(|(k, v)| (k.clone(), v.len()))
                .collect(),
        });
        if name == "getupdates" {
            None
        } else {
            inner.faults.pop_front()
        }
    };
    match fault {
        Some(Fault::ServerError) => {
            return reply(Err(ApiError::new(500, "Internal Server Error")));
        }
        Some(Fault::BadGateway) => {
            return (
                StatusCode::BAD_GATEWAY,
                [("content-type", "text/html")],
                "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>",
            )
                .into_response();
        }
        Some(Fault::TooManyRequests { retry_after }) => {
            return reply(Err(ApiError::too_many(retry_after)));
        }
        _ => {}
    }
    let caller = Caller { token, arrived };
    let answer = state.lock().apply(&name, &caller, &params);
    match fault {
        Some(Fault::Delay(by)) => {
            tokio::time::sleep(by).await;
            reply(answer)
        }
        // The connection is closed with nothing written.
        Some(Fault::DropResponse) => hang_up(reply(answer)),
        _ => reply(answer),
    }
}

/// Who sent a call, and when it arrived (what the rates count).
struct Caller<'a> {
    token: &'a str,
    arrived: Instant,
}

/// A refusal as the Bot API words it.
#[derive(Debug)]
struct ApiError {
    code: u16,
    description: String,
    retry_after: Option<u64>,
}

impl ApiError {
    fn new(code: u16, description: impl Into<String>) -> ApiError {
        ApiError {
            code,
            description: description.into(),
            retry_after: None,
        }
    }

    fn too_many(retry_after: u64) -> ApiError {
        ApiError {
            code: 429,
            description: format!("Too Many Requests: retry after {retry_after}"),
            retry_after: Some(retry_after),
        }
    }
}

/// `400 Bad Request: <what>`.
fn bad(what: impl fmt::Display) -> ApiError {
    ApiError::new(400, format!("Bad Request: {what}"))
}

fn reply(answer: Result<Value, ApiError>) -> Response {
    let (status, body) = match answer {
        Ok(result) => (200, json!({ "ok": true, "result": result })),
        Err(e) => {
            let mut body = json!({
                "ok": false,
                "error_code": e.code,
                "description": e.description,
            });
            if let Some(after) = e.retry_after {
                body["parameters"] = json!({ "retry_after": after });
            }
            (e.code, body)
        }
    };
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(body)).into_response()
}

/// Parameters of one call, from wherever the client put them.
#[derive(Default)]
struct Params {
    values: Map<String, Value>,
    files: HashMap<String, Bytes>,
}

impl Params {
    async fn read(request: Request) -> Result<Params, ApiError> {
        let mut p = Params::default();
        if let Ok(Query(pairs)) = Query::<Vec<(String, String)>>::try_from_uri(request.uri()) {
            for (k, v) in pairs {
                p.values.insert(k, Value::String(v));
            }
        }
        let content_type = request
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        if content_type.starts_with("application/json") {
            let body = Bytes::from_request(request, &())
                .await
                .map_err(|e| bad(format!("can't read the request body: {e}")))?;
            if !body.is_empty() {
                match serde_json::from_slice::<Value>(&body) {
                    Ok(Value::Object(map)) => p.values.extend(map),
                    _ => return Err(bad("can't parse JSON object")), // UNCONFIRMED wording
                }
            }
        } else if content_type.starts_with("application/x-www-form-urlencoded") {
            let Form(pairs) = Form::<Vec<(String, String)>>::from_request(request, &())
                .await
                .map_err(|e| bad(format!("can't parse the form: {e}")))?;
            for (k, v) in pairs {
                p.values.insert(k, Value::String(v));
            }
        } else if content_type.starts_with("multipart/form-data") {
            let mut multipart = Multipart::from_request(request, &())
                .await
                .map_err(|e| bad(format!("can't parse multipart: {e}")))?;
            loop {
                let field = match multipart.next_field().await {
                    Ok(Some(f)) => f,
                    Ok(None) => break,
                    Err(e) => return Err(bad(format!("can't parse multipart: {e}"))),
                };
                let name = field.name().unwrap_or_default().to_owned();
                let is_file = field.file_name().is_some();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| bad(format!("can't parse multipart: {e}")))?;
                if is_file {
                    p.files.insert(name, bytes);
                } else {
                    let text = String::from_utf8(bytes.to_vec())
                        .map_err(|_| bad("strings must be encoded in UTF-8"))?;
                    p.values.insert(name, Value::String(text));
                }
            }
        }
        Ok(p)
    }

    /// A parameter as the server reads it: text.
    fn text(&self, name: &str) -> Option<String> {
        match self.values.get(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    }

    /// tdlib's `to_bool`: `true` or `1`.
    fn flag(&self, name: &str) -> Option<bool> {
        match self.values.get(name)? {
            Value::Bool(b) => Some(*b),
            Value::Number(n) => Some(n.as_i64() == Some(1)),
            Value::String(s) => Some(s.eq_ignore_ascii_case("true") || s == "1"),
            _ => Some(false),
        }
    }

    fn int(&self, name: &str) -> Option<i64> {
        match self.values.get(name)? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// A JSON-serialized parameter: a string to decode in form and multipart bodies, the value
    /// itself in a JSON body. `None` when absent, `Some(Err)` when it does not decode.
    fn json(&self, name: &str) -> Option<Result<Value, ()>> {
        match self.values.get(name)? {
            Value::String(s) if s.is_empty() => None,
            Value::String(s) => Some(serde_json::from_str(s).map_err(|_| ())),
            other => Some(Ok(other.clone())),
        }
    }

    /// An uploaded file: `attach://<name>` in `value`, or else the part named `field`.
    fn file(&self, value: Option<&str>, field: &str) -> Option<Bytes> {
        match value {
            Some(v) if v.starts_with("attach://") => {
                self.files.get(v.trim_start_matches("attach://")).cloned()
            }
            Some(v) if !v.is_empty() => None,
            _ => self.files.get(field).cloned(),
        }
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Parses a text or caption with its `parse_mode`, then trims it as the server does.
fn formatted(text: &str, parse_mode: Option<String>) -> Result<Formatted, ApiError> {
    if text.len() > 1 << 15 {
        return Err(bad("text is too long"));
    }
    let mode = parse_mode.unwrap_or_default().to_ascii_lowercase();
    let parsed = match mode.as_str() {
        _ if text.is_empty() => Formatted::default(),
        "" | "none" => Formatted::plain(text),
        "html" => {
            entities::parse_html(text).map_err(|e| bad(format!("can't parse entities: {e}")))?
        }
        "markdown" | "markdownv2" => {
            return Err(bad("the emulator supports only parse_mode HTML"));
        }
        _ => return Err(bad("unsupported parse_mode")),
    };
    Ok(parsed.trimmed())
}

/// A caption: absent, or parsed and at most 1024 characters.
fn caption(
    text: Option<String>,
    parse_mode: Option<String>,
) -> Result<Option<Formatted>, ApiError> {
    let Some(text) = text.filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let f = formatted(&text, parse_mode)?;
    if f.char_len() > 1024 {
        return Err(bad("message caption is too long"));
    }
    Ok((!f.text.is_empty()).then_some(f))
}

/// Width and height of an uploaded photo, checked against the `sendPhoto` limits.
fn photo_dimensions(bytes: &[u8]) -> Result<(u32, u32), ApiError> {
    if bytes.len() > PHOTO_MAX_BYTES {
        return Err(bad("file is too big")); // UNCONFIRMED wording for photos over 10 MB
    }
    let (w, h) = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()
        .and_then(|r| r.into_dimensions().ok())
        .ok_or_else(|| bad("IMAGE_PROCESS_FAILED"))?;
    let (long, short) = (w.max(h), w.min(h));
    if w == 0 || h == 0 || u64::from(w) + u64::from(h) > 10_000 || long > short.saturating_mul(20) {
        return Err(bad("PHOTO_INVALID_DIMENSIONS"));
    }
    Ok((w, h))
}

/// The sizes Telegram keeps of a photo: fitted into 90, 320, 800, 1280 and 2560 pixels.
fn photo_sizes(w: u32, h: u32) -> Vec<(u32, u32)> {
    let mut sizes = Vec::new();
    for limit in [90u32, 320, 800, 1280, 2560] {
        let long = w.max(h);
        let size = if long <= limit {
            (w, h)
        } else {
            let scale = f64::from(limit) / f64::from(long);
            (
                ((f64::from(w) * scale).round() as u32).max(1),
                ((f64::from(h) * scale).round() as u32).max(1),
            )
        };
        if sizes.last() != Some(&size) {
            sizes.push(size);
        }
        if long <= limit {
            break;
        }
    }
    sizes
}

impl Inner {
    fn authorized(&self, token: &str) -> bool {
        !self.revoked.contains(token) && self.config.bots.iter().any(|b| b.token == token)
    }

    fn find_chat(&self, raw: &str) -> Option<Chat> {
        let raw = raw.trim();
        if let Some(name) = raw.strip_prefix('@') {
            self.config
                .chats
                .iter()
                .find(|c| {
                    c.username
                        .as_deref()
                        .is_some_and(|u| u.eq_ignore_ascii_case(name))
                })
                .cloned()
        } else {
            let id: i64 = raw.parse().ok()?;
            self.config.chats.iter().find(|c| c.id == id).cloned()
        }
    }

    fn chat(&self, p: &Params) -> Result<Chat, ApiError> {
        let raw = p.text("chat_id").unwrap_or_default();
        if raw.trim().is_empty() {
            return Err(bad("chat_id is empty"));
        }
        self.find_chat(&raw).ok_or_else(|| bad("chat not found"))
    }

    fn apply(&mut self, method: &str, from: &Caller, p: &Params) -> Result<Value, ApiError> {
        match method {
            "getme" => Ok(self.get_me(from.token)),
            "getchat" => Ok(chat_full_info(&self.chat(p)?)),
            "sendmessage" => self.send_message(from, p),
            "sendphoto" => self.send_photo(from, p),
            "sendvideo" => self.send_video(from, p, false),
            "sendanimation" => self.send_video(from, p, true),
            "sendmediagroup" => self.send_media_group(from, p),
            "sendpoll" => self.send_poll(from, p),
            "getupdates" => self.get_updates(p),
            "deletemessage" => self.delete_message(p),
            "getchatadministrators" => self.get_chat_administrators(from.token, p),
            _ => Err(ApiError::new(404, "Not Found: method not found")),
        }
    }

    fn get_me(&self, token: &str) -> Value {
        let bot = self.config.bots.iter().find(|b| b.token == token);
        let id: i64 = token
            .split(':')
            .next()
            .and_then(|d| d.parse().ok())
            .unwrap_or(0);
        json!({
            "id": id,
            "is_bot": true,
            "first_name": bot.map(|b| b.first_name.as_str()).unwrap_or("bot"),
            "username": bot.map(|b| b.username.as_str()).unwrap_or("bot"),
            "can_join_groups": true,
            "can_read_all_group_messages": false,
            "supports_inline_queries": false,
            "can_connect_to_business": false,
            "has_main_web_app": false,
        })
    }

    fn send_message(&mut self, from: &Caller, p: &Params) -> Result<Value, ApiError> {
        let chat = self.chat(p)?;
        let text = p.text("text").unwrap_or_default();
        if text.is_empty() {
            return Err(bad("message text is empty"));
        }
        let f = formatted(&text, p.text("parse_mode"))?;
        if f.text.is_empty() {
            return Err(bad("message text is empty"));
        }
        if f.char_len() > 4096 {
            return Err(bad("message is too long"));
        }
        self.admit(from, chat.id, 1)?;
        let m = self.store(
            chat.id,
            None,
            Content::Text {
                text: f.text,
                entities: f.entities,
            },
        );
        Ok(message_json(&chat, &m))
    }

    fn send_photo(&mut self, from: &Caller, p: &Params) -> Result<Value, ApiError> {
        let chat = self.chat(p)?;
        let photo = p.text("photo");
        let bytes = match p.file(photo.as_deref(), "photo") {
            Some(b) => b,
            None if photo
                .as_deref()
                .is_some_and(|v| !v.starts_with("attach://")) =>
            {
                return Err(bad("wrong file identifier/HTTP URL specified"));
            }
            None => return Err(bad("there is no photo in the request")),
        };
        let caption = caption(p.text("caption"), p.text("parse_mode"))?;
        let (w, h) = photo_dimensions(&bytes)?;
        self.admit(from, chat.id, 1)?;
        let m = self.store(chat.id, None, photo_content(caption, w, h, bytes.len()));
        Ok(message_json(&chat, &m))
    }

    /// `sendVideo` (or `sendAnimation` when `animation`): an MP4 (or a GIF for an animation) of
    /// at most 50 MB, with an optional JPEG thumbnail.
    fn send_video(
        &mut self,
        from: &Caller,
        p: &Params,
        animation: bool,
    ) -> Result<Value, ApiError> {
        let chat = self.chat(p)?;
        let field = if animation { "animation" } else { "video" };
        let value = p.text(field);
        let Some(bytes) = p.file(value.as_deref(), field) else {
            return Err(bad(format!("there is no {field} in the request")));
        };
        let caption = caption(p.text("caption"), p.text("parse_mode"))?;
        let thumb = p.text("thumbnail");
        let thumbnail = match thumb.as_deref() {
            None => None,
            Some(t) => Some(thumbnail(&p.file(Some(t), "thumbnail").ok_or_else(
                || {
                    bad("thumbnail not found") // UNCONFIRMED wording
                },
            )?)?),
        };
        let content = video_content(
            caption,
            &bytes,
            thumbnail,
            [p.int("width"), p.int("height"), p.int("duration")],
            p.flag("supports_streaming").unwrap_or(false),
            animation,
        )?;
        self.admit(from, chat.id, 1)?;
        let m = self.store(chat.id, None, content);
        Ok(message_json(&chat, &m))
    }

    fn send_media_group(&mut self, from: &Caller, p: &Params) -> Result<Value, ApiError> {
        let chat = self.chat(p)?;
        let items = match p.json("media") {
            None => return Err(bad("parameter \"media\" is required")),
            Some(Err(())) => return Err(bad("can't parse media JSON object")),
            Some(Ok(Value::Array(items))) => items,
            Some(Ok(_)) => return Err(bad("expected an Array of InputMedia")),
        };
        let mut photos = Vec::with_capacity(items.len());
        for item in &items {
            let invalid = |why: &str| bad(format!("can't parse InputMedia: {why}"));
            let Value::Object(item) = item else {
                return Err(invalid("expected an Object"));
            };
            let kind = item.get("type").and_then(Value::as_str).unwrap_or_default();
            match kind {
                "photo" | "video" => {}
                "document" | "audio" | "live_photo" => {
                    return Err(invalid(&format!(
                        "type \"{kind}\" is not supported by the emulator"
                    )));
                }
                "animation" => {
                    return Err(invalid(
                        "type \"animation\" can't be used in sendMediaGroup",
                    ));
                }
                _ => return Err(invalid(&format!("type \"{kind}\" is unsupported"))),
            }
            let media = item.get("media").and_then(Value::as_str);
            let Some(bytes) = media.and_then(|m| p.file(Some(m), "")) else {
                return Err(invalid("media not found"));
            };
            let text = item
                .get("caption")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let mode = item
                .get("parse_mode")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let caption = caption(text, mode)?;
            if kind == "video" {
                let thumbnail = match item.get("thumbnail").and_then(Value::as_str) {
                    None => None,
                    Some(t) => Some(thumbnail(
                        &p.file(Some(t), "")
                            .ok_or_else(|| invalid("thumbnail not found"))?,
                    )?),
                };
                let int = |k: &str| item.get(k).and_then(Value::as_i64);
                photos.push(video_content(
                    caption,
                    &bytes,
                    thumbnail,
                    [int("width"), int("height"), int("duration")],
                    item.get("supports_streaming").and_then(Value::as_bool) == Some(true),
                    false,
                )?);
                continue;
            }
            let (w, h) = photo_dimensions(&bytes)?;
            photos.push(photo_content(caption, w, h, bytes.len()));
        }
        match photos.len() {
            0 => return Err(bad("there are no messages to send")),
            1 => return Err(bad("media must include 2-10 items")), // the spec's rule; UNCONFIRMED wording
            n if n > 10 => return Err(bad("too many messages to send as an album")),
            _ => {}
        }
        self.admit(from, chat.id, photos.len())?;
        self.next_group += 1;
        let group = format!("{}", 13_000_000_000_000_000u64 + self.next_group);
        let messages: Vec<Value> = photos
            .into_iter()
            .map(|content| {
                let m = self.store(chat.id, Some(group.clone()), content);
                message_json(&chat, &m)
            })
            .collect();
        Ok(Value::Array(messages))
    }

    fn send_poll(&mut self, from: &Caller, p: &Params) -> Result<Value, ApiError> {
        let chat = self.chat(p)?;
        let question = formatted(
            &p.text("question").unwrap_or_default(),
            p.text("question_parse_mode"),
        )?;
        if question.text.is_empty() {
            return Err(bad("poll question must be non-empty"));
        }
        if question.char_len() > 300 {
            return Err(bad("poll question length must not exceed 300"));
        }
        let raw = match p.json("options") {
            None | Some(Err(())) => return Err(bad("can't parse options JSON object")),
            Some(Ok(Value::Array(items))) => items,
            Some(Ok(_)) => return Err(bad("expected an Array of String as options")),
        };
        let mut options = Vec::with_capacity(raw.len());
        for option in raw {
            let (text, mode) = match option {
                Value::String(s) => (s, None),
                Value::Object(o) => match o.get("text") {
                    Some(Value::String(s)) => (
                        s.clone(),
                        o.get("text_parse_mode")
                            .and_then(Value::as_str)
                            .map(str::to_owned),
                    ),
                    _ => return Err(bad("field \"text\" must be of type String")),
                },
                _ => return Err(bad("expected an option to be of type String")),
            };
            let f = formatted(&text, mode)?;
            if f.text.is_empty() {
                return Err(bad("poll options must be non-empty"));
            }
            if f.char_len() > 100 {
                return Err(bad("poll options length must not exceed 100"));
            }
            options.push(f.text);
        }
        if options.is_empty() {
            return Err(bad("poll must have at least 1 option"));
        }
        if options.len() > 12 {
            return Err(bad("poll can't have more than 12 options"));
        }
        let is_anonymous = p.flag("is_anonymous").unwrap_or(true);
        if !is_anonymous && chat.kind == ChatKind::Channel {
            return Err(bad("non-anonymous polls can't be sent to channel chats"));
        }
        match p.text("type").unwrap_or_default().as_str() {
            "" | "regular" => {}
            "quiz" => return Err(bad("the emulator supports only regular polls")),
            _ => return Err(bad("unsupported poll type specified")),
        }
        let close_date = p.int("close_date").filter(|d| *d != 0);
        if let Some(close) = close_date {
            let ahead = close - unix_now();
            if !(5..=2_628_000).contains(&ahead) {
                // UNCONFIRMED wording; the range is the spec's.
                return Err(bad(
                    "poll close date must be 5-2628000 seconds in the future",
                ));
            }
        }
        self.admit(from, chat.id, 1)?;
        let m = self.store(
            chat.id,
            None,
            Content::Poll {
                question: question.text,
                options,
                is_anonymous,
                allows_multiple_answers: p.flag("allows_multiple_answers").unwrap_or(false),
                close_date,
            },
        );
        Ok(message_json(&chat, &m))
    }

    /// Counts `n` messages of the caller to `chat` against the rates, or answers 429 with the
    /// wait in whole seconds (at least one).
    fn admit(&mut self, from: &Caller, chat: i64, n: usize) -> Result<(), ApiError> {
        let rate = self.config.rate;
        self.windows
            .admit(rate, from.token, &chat.to_string(), n, from.arrived)
            .map_err(|wait| {
                let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                ApiError::too_many(secs.max(1))
            })
    }

    fn store(&mut self, chat: i64, group: Option<String>, content: Content) -> StoredMessage {
        let list = self.messages.entry(chat).or_default();
        let m = StoredMessage {
            message_id: list.len() as i64 + 1,
            date: unix_now(),
            media_group_id: group,
            content,
            from: None,
        };
        list.push(m.clone());
        m
    }

    /// Stores a text message in `chat` by `user` (`None`: the channel itself) at `date`.
    fn store_from(&mut self, chat: i64, user: Option<i64>, text: &str, date: i64) -> StoredMessage {
        let list = self.messages.entry(chat).or_default();
        let m = StoredMessage {
            message_id: list.len() as i64 + 1,
            date,
            media_group_id: None,
            content: Content::Text {
                text: text.to_owned(),
                entities: Vec::new(),
            },
            from: user,
        };
        list.push(m.clone());
        m
    }

    /// An update of `kind` (`message`, `edited_message`) about `m` in `chat`.
    fn message_update(&self, chat: i64, m: &StoredMessage, kind: &str) -> Value {
        let chat = self
            .config
            .chats
            .iter()
            .find(|c| c.id == chat)
            .cloned()
            .unwrap_or(Chat {
                id: chat,
                username: None,
                title: String::new(),
                kind: ChatKind::Supergroup,
                description: None,
                linked_chat_id: None,
            });
        let mut v = message_json(&chat, m);
        if let Some(user) = m.from {
            v.as_object_mut().map(|o| o.remove("sender_chat"));
            v["from"] = json!({"id": user, "is_bot": false, "first_name": format!("user{user}")});
        }
        json!({ kind: v })
    }

    fn queue(&mut self, mut update: Value) {
        let id = self.next_update;
        self.next_update += 1;
        update["update_id"] = json!(id);
        self.updates.push_back((id, update));
    }

    /// `getUpdates`: confirms the updates below `offset`, returns up to `limit` (1–100) of the
    /// rest filtered by `allowed_updates`. Long polling is not emulated: an empty answer comes at
    /// once (the client's own pause stands in for the server's wait).
    fn get_updates(&mut self, p: &Params) -> Result<Value, ApiError> {
        if let Some(offset) = p.text("offset").and_then(|o| o.trim().parse::<i64>().ok()) {
            while self.updates.front().is_some_and(|(id, _)| *id < offset) {
                self.updates.pop_front();
            }
        }
        let limit = match p.text("limit") {
            Some(l) => l
                .trim()
                .parse::<usize>()
                .map_err(|_| bad("limit is invalid"))?
                .clamp(1, 100),
            None => 100,
        };
        let allowed: Option<Vec<String>> = p.values.get("allowed_updates").and_then(|v| match v {
            Value::Array(a) => Some(
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect(),
            ),
            Value::String(s) => serde_json::from_str(s).ok(),
            _ => None,
        });
        let items: Vec<Value> = self
            .updates
            .iter()
            .filter(|(_, u)| {
                allowed
                    .as_ref()
                    .is_none_or(|a| a.is_empty() || a.iter().any(|k| u.get(k.as_str()).is_some()))
            })
            .take(limit)
            .map(|(_, u)| u.clone())
            .collect();
        Ok(Value::Array(items))
    }

    /// `deleteMessage`: only within 48 hours of sending, by a bot that administers the chat.
    fn delete_message(&mut self, p: &Params) -> Result<Value, ApiError> {
        let chat = self.chat(p)?;
        let id: i64 = p
            .text("message_id")
            .and_then(|m| m.trim().parse().ok())
            .ok_or_else(|| bad("message_id is empty"))?;
        let found = self
            .messages
            .get(&chat.id)
            .and_then(|l| l.iter().find(|m| m.message_id == id))
            .filter(|_| !self.deleted.contains(&(chat.id, id)))
            .cloned();
        let Some(m) = found else {
            return Err(bad("message to delete not found"));
        };
        if unix_now() - m.date >= DELETE_WINDOW_SECS {
            return Err(bad("message can't be deleted"));
        }
        self.deleted.insert((chat.id, id));
        Ok(json!(true))
    }

    /// `getChatAdministrators`: the bots and the users set by [`State::set_admins`].
    fn get_chat_administrators(&self, token: &str, p: &Params) -> Result<Value, ApiError> {
        let chat = self.chat(p)?;
        let admin = |user: Value| {
            json!({
                "status": "administrator", "user": user, "can_be_edited": false,
                "is_anonymous": false, "can_manage_chat": true, "can_delete_messages": true,
                "can_manage_video_chats": false, "can_restrict_members": true,
                "can_promote_members": false, "can_change_info": false, "can_invite_users": true,
                "can_post_stories": false, "can_edit_stories": false, "can_delete_stories": false,
            })
        };
        let mut out = Vec::new();
        if !self.bots_demoted.contains(&chat.id) {
            out.push(admin(self.get_me(token)));
        }
        for user in self.admins.get(&chat.id).into_iter().flatten() {
            out.push(admin(
                json!({"id": user, "is_bot": false, "first_name": format!("user{user}")}),
            ));
        }
        Ok(Value::Array(out))
    }
}

/// A thumbnail's size: a JPEG under 200 kB, at most 320 px a side (VIDEO.md §2.1).
fn thumbnail(bytes: &[u8]) -> Result<(u32, u32), ApiError> {
    // UNCONFIRMED wordings: the Bot API documents the limits, not its answers to them.
    if bytes.len() > THUMBNAIL_MAX_BYTES {
        return Err(bad("thumbnail is too big"));
    }
    let reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| bad("thumbnail must be in JPEG format"))?;
    if reader.format() != Some(image::ImageFormat::Jpeg) {
        return Err(bad("thumbnail must be in JPEG format"));
    }
    let (w, h) = reader
        .into_dimensions()
        .map_err(|_| bad("IMAGE_PROCESS_FAILED"))?;
    if w > 320 || h > 320 {
        return Err(bad("thumbnail must be at most 320 px a side"));
    }
    Ok((w, h))
}

/// A video or animation message: the file must be an MP4 (`ftyp` box first), or a GIF for an
/// animation, of at most [`VIDEO_MAX_BYTES`]; `sizes` are `width`, `height`, `duration`.
fn video_content(
    caption: Option<Formatted>,
    bytes: &[u8],
    thumbnail: Option<(u32, u32)>,
    sizes: [Option<i64>; 3],
    supports_streaming: bool,
    animation: bool,
) -> Result<Content, ApiError> {
    if bytes.len() > VIDEO_MAX_BYTES {
        return Err(ApiError::new(413, "Request Entity Too Large"));
    }
    let mp4 = bytes.get(4..8) == Some(b"ftyp");
    let gif = bytes.starts_with(b"GIF8");
    if !(mp4 || animation && gif) {
        // UNCONFIRMED: the real server takes other files and sends them as documents.
        return Err(bad("VIDEO_CONTENT_TYPE_INVALID"));
    }
    let [width, height, duration] =
        sizes.map(|v| v.and_then(|v| u32::try_from(v).ok()).unwrap_or(0));
    let (caption, caption_entities) = match caption {
        Some(f) => (Some(f.text), f.entities),
        None => (None, Vec::new()),
    };
    Ok(Content::Video {
        caption,
        caption_entities,
        width,
        height,
        duration,
        file_size: bytes.len(),
        thumbnail,
        supports_streaming,
        animation,
    })
}

fn photo_content(caption: Option<Formatted>, w: u32, h: u32, file_size: usize) -> Content {
    let (caption, caption_entities) = match caption {
        Some(f) => (Some(f.text), f.entities),
        None => (None, Vec::new()),
    };
    Content::Photo {
        caption,
        caption_entities,
        sizes: photo_sizes(w, h),
        file_size,
    }
}

fn chat_json(chat: &Chat) -> Value {
    let mut v = json!({ "id": chat.id, "type": chat.kind.as_str(), "title": chat.title });
    if let Some(u) = &chat.username {
        v["username"] = json!(u);
    }
    v
}

fn chat_full_info(chat: &Chat) -> Value {
    let mut v = chat_json(chat);
    v["accent_color_id"] = json!(0);
    v["max_reaction_count"] = json!(11);
    v["accepted_gift_types"] = json!({
        "unlimited_gifts": false,
        "limited_gifts": false,
        "unique_gifts": false,
        "premium_subscription": false,
        "gifts_from_channels": false,
    });
    if let Some(d) = &chat.description {
        v["description"] = json!(d);
    }
    if let Some(u) = &chat.username {
        v["invite_link"] = json!(format!("https://t.me/{u}"));
    }
    if let Some(linked) = chat.linked_chat_id {
        v["linked_chat_id"] = json!(linked);
    }
    v
}

fn entities_json(entities: &[Entity]) -> Value {
    Value::Array(
        entities
            .iter()
            .map(|e| {
                let mut v = json!({ "type": e.kind, "offset": e.offset, "length": e.length });
                if let Some(arg) = &e.argument {
                    match e.kind {
                        "text_link" => v["url"] = json!(arg),
                        "pre" => v["language"] = json!(arg),
                        "custom_emoji" => v["custom_emoji_id"] = json!(arg),
                        "date_time" => {
                            v["unix_time"] = json!(arg.parse::<i64>().unwrap_or(0));
                        }
                        _ => {}
                    }
                }
                v
            })
            .collect(),
    )
}

fn message_json(chat: &Chat, m: &StoredMessage) -> Value {
    let chat_v = chat_json(chat);
    let mut v = json!({
        "message_id": m.message_id,
        "date": m.date,
        "chat": chat_v,
        "sender_chat": chat_v,
    });
    if let Some(g) = &m.media_group_id {
        v["media_group_id"] = json!(g);
    }
    match &m.content {
        Content::Text { text, entities } => {
            v["text"] = json!(text);
            if !entities.is_empty() {
                v["entities"] = entities_json(entities);
            }
        }
        Content::Photo {
            caption,
            caption_entities,
            sizes,
            file_size,
        } => {
            let (bw, bh) = sizes.last().copied().unwrap_or((1, 1));
            let area = (f64::from(bw) * f64::from(bh)).max(1.0);
            v["photo"] = Value::Array(
                sizes
                    .iter()
                    .enumerate()
                    .map(|(i, (w, h))| {
                        let share = f64::from(*w) * f64::from(*h) / area;
                        json!({
                            "file_id": format!("AgAC-{}-{}-{i}", chat.id.unsigned_abs(), m.message_id),
                            "file_unique_id": format!("AQAD{}{}{i}", chat.id.unsigned_abs(), m.message_id),
                            "width": w,
                            "height": h,
                            "file_size": (*file_size as f64 * share).round() as u64,
                        })
                    })
                    .collect(),
            );
            if let Some(c) = caption {
                v["caption"] = json!(c);
                if !caption_entities.is_empty() {
                    v["caption_entities"] = entities_json(caption_entities);
                }
            }
        }
        Content::Video {
            caption,
            caption_entities,
            width,
            height,
            duration,
            file_size,
            thumbnail,
            animation,
            ..
        } => {
            let mut file = json!({
                "file_id": format!("BAAC-{}-{}", chat.id.unsigned_abs(), m.message_id),
                "file_unique_id": format!("AgAD{}{}", chat.id.unsigned_abs(), m.message_id),
                "width": width,
                "height": height,
                "duration": duration,
                "mime_type": "video/mp4",
                "file_size": file_size,
            });
            if let Some((w, h)) = thumbnail {
                file["thumbnail"] = json!({
                    "file_id": format!("AAMC-{}-{}", chat.id.unsigned_abs(), m.message_id),
                    "file_unique_id": format!("AQAD{}{}t", chat.id.unsigned_abs(), m.message_id),
                    "width": w,
                    "height": h,
                });
            }
            v[if *animation { "animation" } else { "video" }] = file;
            if let Some(c) = caption {
                v["caption"] = json!(c);
                if !caption_entities.is_empty() {
                    v["caption_entities"] = entities_json(caption_entities);
                }
            }
        }
        Content::Poll {
            question,
            options,
            is_anonymous,
            allows_multiple_answers,
            close_date,
        } => {
            let mut poll = json!({
                "id": format!("{}{}", chat.id.unsigned_abs(), m.message_id),
                "question": question,
                "options": options
                    .iter()
                    .enumerate()
                    .map(|(i, o)| json!({ "persistent_id": i.to_string(), "text": o, "voter_count": 0 }))
                    .collect::<Vec<_>>(),
                "total_voter_count": 0,
                "is_closed": false,
                "is_anonymous": is_anonymous,
                "type": "regular",
                "allows_multiple_answers": allows_multiple_answers,
                "allows_revoting": true,
                "members_only": false,
            });
            if let Some(c) = close_date {
                poll["close_date"] = json!(c);
            }
            v["poll"] = poll;
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn photo_sizes_fit_telegrams_steps() {
        assert_eq!(
            photo_sizes(1600, 1200),
            vec![(90, 68), (320, 240), (800, 600), (1280, 960), (1600, 1200)]
        );
        assert_eq!(photo_sizes(64, 48), vec![(64, 48)]);
    }
}
