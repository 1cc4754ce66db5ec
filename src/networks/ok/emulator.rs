//! A local OK REST API server: an in-process axum app on `127.0.0.1:0` for tests and the
//! sandbox, faithful to OK's documentation (docs/api-facts.md, the OK sections) and OK's
//! method pages rather than to our client.
//!
//! What it does like the real server:
//! - answers `fb.do` (GET or POST; parameters from the query string and a form body) with the
//!   answer as bare JSON, and errors as HTTP 200 with `{"error_code", "error_msg",
//!   "error_data": null}` and the `invocation-error` header;
//! - checks the application key (101), the method (3), the signature exactly as OK documents it
//!   (104 PARAM_SIGNATURE: sorted raw `key=value` pairs without `sig`, `access_token` and
//!   `session_key`, then `md5(access_token + application_secret_key)`; computed here on its
//!   own, not with the client's code), the session (102 PARAM_SESSION_EXPIRED for an unknown,
//!   expired or revoked token) and the parameters (100 PARAM, 160 PARAM_GROUP_ID);
//! - `photosV2.getUploadUrl` hands out an upload URL with a short-lived upload token; the
//!   upload endpoint takes multipart `pic1`…`picN`, JPEG or PNG only, and answers
//!   `{"photos": {"<photo id>": {"token": …}}}`;
//! - `mediatopic.post(type=GROUP_THEME)` reads the attachment JSON (text, link, photo and poll
//!   blocks, `publishAt`, `onBehalfOfGroup`, `disableComments`), checks photo tokens and the
//!   topic limits (errors 600–607), and keeps the topic ([`State::topics`]);
//! - `oauth/token.do` exchanges a refresh token for a new access token;
//! - per-token (and, when set, per-group) request rates past which it answers 8 FLOOD_BLOCKED,
//!   counted in sliding windows of a second and a minute ([`Config::rate`],
//!   [`State::rate_limited`]). OK publishes neither the numbers nor the code it answers when a rate
//!   is exceeded (docs/api-facts.md#ok-rate-limits: 8 FLOOD_BLOCKED and 11 LIMIT_REACHED); 8 is an
//!   assumption, UNCONFIRMED.
//!
//! Fault injection ([`State::inject`], [`State::inject_on`], [`State::revoke_token`],
//! [`State::expire_token`]) covers what the scheduler must survive: 5xx answers, OK errors
//! (2 SERVICE, 8, 11, …), a token that expired or was revoked, an answer that comes after the
//! client gave up, and a call applied whose answer never comes (the connection is closed).
//!
//! OK publishes few numbers. Where the emulator needs one that docs/api-facts.md marks UNCONFIRMED
//! (picture size, topic text length, poll sizes, block counts), the constant says so; error texts
//! after the documented code names are the emulator's own.
//!
//! Not emulated: methods other than the two vestnik calls, personal and album uploads
//! (`uid`, `aid`), topic types other than `GROUP_THEME`, media blocks other than text, link,
//! photo and poll, `photosV2.commit`, the client-server signature (`session_secret_key`).

use std::collections::HashMap;
use std::fmt;
use std::io::Cursor;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{
    DefaultBodyLimit, Form, FromRequest, Multipart, Query, Request, State as Shared,
};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use md5::{Digest as _, Md5};
use serde_json::{Map, Value, json};

use crate::networks::RateLimits;
use crate::networks::rate::Windows;
use crate::networks::serve::{FaultPlan, Server, hang_up};

/// The id of the default application (`client_id` for token refresh).
pub const TEST_APPLICATION_ID: &str = "512000000001";
/// The public key of the default application. Obviously fake.
pub const TEST_APPLICATION_KEY: &str = "CVESTNIKTESTABABA";
/// The secret key of the default application. Obviously fake: it must never look like a real
/// one.
pub const TEST_APPLICATION_SECRET: &str = "VESTNIK0TEST0SECRET00000";
/// An access token the default configuration accepts.
pub const TEST_ACCESS_TOKEN: &str = "-s-vestnik.test-local-emulator-token";
/// The group of the default configuration.
pub const TEST_GROUP: &str = "70000000000001";

/// The pseudo-method name that [`State::inject_on`] uses for the upload endpoint.
pub const UPLOAD: &str = "upload";

/// Largest picture accepted. UNCONFIRMED (docs/api-facts.md#ok-photo-upload: no number):
/// Telegram's 10 MB.
pub const MAX_PHOTO_BYTES: usize = 10 * 1024 * 1024;
/// Largest width + height of a picture. UNCONFIRMED: Telegram's 10 000.
pub const MAX_PHOTO_SIDES: u32 = 10_000;
/// Longest text block, in characters (error 601). UNCONFIRMED: the number vestnik's `check`
/// assumes.
pub const MAX_TEXT_CHARS: usize = 10_000;
/// Most media blocks in a topic (error 600). UNCONFIRMED.
pub const MAX_BLOCKS: usize = 100;
/// Most pictures in a topic (error 600). UNCONFIRMED.
pub const MAX_PHOTOS: usize = 80;
/// Longest poll question, in characters (error 602). UNCONFIRMED.
pub const MAX_POLL_QUESTION_CHARS: usize = 255;
/// Fewest and most poll answers (error 603): vestnik's documented 2–10, UNCONFIRMED by OK.
pub const POLL_ANSWERS: std::ops::RangeInclusive<usize> = 2..=10;
/// Longest poll answer, in characters (error 604). UNCONFIRMED.
pub const MAX_POLL_ANSWER_CHARS: usize = 100;
/// Most pictures per upload URL. UNCONFIRMED.
pub const MAX_UPLOAD_COUNT: usize = 100;
/// How long an upload URL lives (the documented example's `ttl_ms` is about a day).
pub const UPLOAD_TTL: Duration = Duration::from_secs(24 * 3600);

/// Smallest clip `video.getUploadUrl` takes (`PARAM : FileToSmall`, VIDEO.md §4.2).
pub const MIN_VIDEO_BYTES: u64 = 16 * 1024;
/// Largest clip the emulator takes. OK documents 1 GB (2017) or 2 GB; this bound only keeps a
/// test's memory small.
pub const MAX_VIDEO_BYTES: usize = 256 * 1024 * 1024;

/// Largest upload request (several pictures and the rest).
const UPLOAD_BODY_LIMIT: usize = 64 * 1024 * 1024;

/// An application registered with OK.
#[derive(Clone)]
pub struct App {
    /// Numeric id (`client_id`).
    pub application_id: String,
    /// Public key (`application_key`).
    pub application_key: String,
    /// Secret key (`application_secret_key`, `client_secret`).
    pub secret_key: String,
}

impl fmt::Debug for App {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("App")
            .field("application_id", &self.application_id)
            .field("application_key", &self.application_key)
            .field("secret_key", &"***")
            .finish()
    }
}

/// A group topics can be posted to.
#[derive(Debug, Clone)]
pub struct Group {
    /// Numeric id (`gid`).
    pub gid: String,
    /// The group's name, as `group.getInfo` returns it.
    pub name: String,
}

/// An access token valid from the start.
#[derive(Clone)]
pub struct Grant {
    /// The token.
    pub access_token: String,
    /// The application it was issued to.
    pub application_key: String,
}

impl fmt::Debug for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Grant")
            .field("access_token", &"***")
            .field("application_key", &self.application_key)
            .finish()
    }
}

/// What the emulator knows when it starts.
#[derive(Debug, Clone)]
pub struct Config {
    /// Applications whose keys are accepted.
    pub apps: Vec<App>,
    /// Groups that exist; every valid token may post to each (admin rights are not emulated).
    pub groups: Vec<Group>,
    /// Access tokens valid from the start (more: [`State::add_token`],
    /// [`State::issue_oauth`]).
    pub tokens: Vec<Grant>,
    /// The rates past which it answers 8 FLOOD_BLOCKED, per token and, when set, per group
    /// (`gid`); [`RateLimits::UNLIMITED`] turns them off. OK publishes no number
    /// (docs/api-facts.md#ok-rate-limits); [`RateLimits::OK`] is the client's assumption.
    pub rate: RateLimits,
}

impl Default for Config {
    /// One application ([`TEST_APPLICATION_KEY`]), one group ([`TEST_GROUP`]), one token
    /// ([`TEST_ACCESS_TOKEN`]), no rate limit ([`RateLimits::UNLIMITED`]).
    fn default() -> Config {
        Config {
            apps: vec![App {
                application_id: TEST_APPLICATION_ID.to_owned(),
                application_key: TEST_APPLICATION_KEY.to_owned(),
                secret_key: TEST_APPLICATION_SECRET.to_owned(),
            }],
            groups: vec![Group {
                gid: TEST_GROUP.to_owned(),
                name: "Крапивинский район (тест)".to_owned(),
            }],
            tokens: vec![Grant {
                access_token: TEST_ACCESS_TOKEN.to_owned(),
                application_key: TEST_APPLICATION_KEY.to_owned(),
            }],
            rate: RateLimits::UNLIMITED,
        }
    }
}

/// A planned failure of the next calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 500 with an HTML page (a front end in trouble); nothing is applied.
    ServerError,
    /// OK error `code` (2 SERVICE, 8 FLOOD_BLOCKED, 11 LIMIT_REACHED, …) with its name;
    /// nothing is applied.
    ApiError(i64),
    /// The call is applied and answered after this long (past the client's timeout).
    Delay(Duration),
    /// The call is applied, then the connection is closed without an answer.
    DropResponse,
}

/// An uploaded picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photo {
    /// Its id from `photosV2.getUploadUrl`.
    pub photo_id: String,
    /// The upload token that a photo block refers to.
    pub token: String,
    /// The group it was uploaded for.
    pub gid: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Bytes uploaded.
    pub bytes: usize,
    /// `jpeg` or `png`.
    pub format: &'static str,
}

/// One media block of a published topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// `{"type":"text"}`.
    Text(String),
    /// `{"type":"link"}`: the URL.
    Link(String),
    /// `{"type":"photo"}`: the pictures, in order.
    Photos(Vec<Photo>),
    /// `{"type":"movie"}`: the clips, in order.
    Movies(Vec<Video>),
    /// `{"type":"poll"}`.
    Poll {
        /// The question.
        question: String,
        /// The answers.
        answers: Vec<String>,
        /// The flags of `options`, in order (`SingleChoice`, `AnonymousVoting`).
        options: Vec<String>,
    },
}

/// A clip uploaded through `video.getUploadUrl`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Video {
    /// Its id (`video_id`, `vid`).
    pub id: String,
    /// The group it was uploaded into.
    pub gid: String,
    /// Its title (`video.update`).
    pub title: String,
    /// Bytes uploaded (0 until the file came).
    pub bytes: usize,
    /// Whether `video.update` completed the upload.
    pub updated: bool,
    /// `post_form=true` was given.
    pub post_form: bool,
}

/// A topic as published in a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topic {
    /// Its id (digits), as `mediatopic.post` answered it.
    pub id: String,
    /// The group.
    pub gid: String,
    /// Its blocks, in order.
    pub blocks: Vec<Block>,
    /// `onBehalfOfGroup`, when given.
    pub on_behalf_of_group: Option<bool>,
    /// `disableComments`, when given.
    pub disable_comments: Option<bool>,
    /// `publishAt` or `publishAtMs`, as given (a deferred topic).
    pub publish_at: Option<String>,
}

/// What `group.getInfo` shows of a group besides its name (the fields of NETWORKS.md §3.10).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GroupProfile {
    /// `description`.
    pub description: String,
    /// `homepage_url`.
    pub homepage_url: String,
    /// `address`.
    pub address: String,
    /// `location_latitude`, `location_longitude`.
    pub location: Option<(f64, f64)>,
    /// `access_type`: `OPEN` (also when empty), `CLOSED` or `SECRET`.
    pub access_type: String,
}

/// A user's comment under a topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// Its id (OK's ids are opaque strings).
    pub id: String,
    /// The topic it is under.
    pub topic: String,
    /// The author's user id.
    pub author_id: String,
    /// The text.
    pub text: String,
    /// Deleted by the group's administrator.
    pub deleted: bool,
}

/// The `discussionType` of a group topic. UNCONFIRMED (NETWORKS.md §3.10): the value OK expects
/// for a topic made by `mediatopic.post` in a group; the client sends the same constant.
pub const GROUP_TOPIC: &str = "GROUP_TOPIC";

/// A call of `fb.do` that passed the key, method, signature and session checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// The method.
    pub method: String,
    /// Every parameter as received, but `access_token`.
    pub params: Vec<(String, String)>,
}

impl Call {
    /// The first value of a parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A POST to an upload URL that named a known upload token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadRecord {
    /// The multipart file fields: name and size.
    pub files: Vec<(String, usize)>,
}

/// A request to the token endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshRecord {
    /// `client_id`.
    pub client_id: String,
    /// Whether a new access token was issued.
    pub granted: bool,
}

/// An error as OK words it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct OkError {
    code: i64,
    text: String,
}

fn err(code: i64, text: impl Into<String>) -> OkError {
    OkError {
        code,
        text: text.into(),
    }
}

/// `100 PARAM`.
fn param(text: impl fmt::Display) -> OkError {
    err(100, text.to_string())
}

/// The documented name of an error code (docs/api-facts.md#ok-errors); names of 602–607 come from
/// third-party copies of OK's enum and are UNCONFIRMED.
fn error_name(code: i64) -> &'static str {
    match code {
        1 => "UNKNOWN",
        2 => "SERVICE",
        3 => "METHOD",
        4 => "REQUEST",
        7 => "ACTION_BLOCKED",
        8 => "FLOOD_BLOCKED",
        9 => "IP_BLOCKED",
        10 => "PERMISSION_DENIED",
        11 => "LIMIT_REACHED",
        21 => "NOT_MULTIPART",
        30 => "NETWORK",
        31 => "NETWORK_TIMEOUT",
        100 => "PARAM",
        101 => "PARAM_API_KEY",
        102 => "PARAM_SESSION_EXPIRED",
        103 => "PARAM_SESSION_KEY",
        104 => "PARAM_SIGNATURE",
        121 => "PARAM_PHOTO_ID",
        160 => "PARAM_GROUP_ID",
        453 => "SESSION_REQUIRED",
        454 => "CENSOR_MATCH",
        456 => "GROUP_RESTRICTION",
        500 => "PHOTO_SIZE_LIMIT_EXCEEDED",
        501 => "PHOTO_SIZE_TOO_SMALL",
        502 => "PHOTO_SIZE_TOO_BIG",
        503 => "PHOTO_INVALID_FORMAT",
        504 => "PHOTO_IMAGE_CORRUPTED",
        505 => "PHOTO_NO_IMAGE",
        511 => "IDS_BLOCKED",
        514 => "IDS_SESSION_VERIFICATION_REQUIRED",
        600 => "MEDIA_TOPIC_BLOCK_LIMIT",
        601 => "MEDIA_TOPIC_TEXT_LIMIT",
        602 => "MEDIA_TOPIC_POLL_QUESTION_TEXT_LIMIT",
        603 => "MEDIA_TOPIC_POLL_ANSWERS_LIMIT",
        604 => "MEDIA_TOPIC_POLL_ANSWER_TEXT_LIMIT",
        607 => "MEDIA_TOPIC_LINK_BAD_FORMAT",
        9999 => "SYSTEM",
        _ => "UNKNOWN",
    }
}

/// Parameters every `fb.do` call may carry (docs/api-facts.md#ok-requests-and-signature).
const COMMON_PARAMS: [&str; 8] = [
    "application_key",
    "method",
    "format",
    "sig",
    "access_token",
    "session_key",
    "call_id",
    "__online",
];

/// The methods emulated, with their documented parameters.
const METHODS: [(&str, &[&str]); 8] = [
    // group.getInfo's parameters as NETWORKS.md §3.10 lists them.
    ("group.getInfo", &["uids", "fields", "move_to_top"]),
    // UNCONFIRMED (NETWORKS.md §3.11, open question 14): the listing of a group's topics.
    (
        "mediatopic.getTopics",
        &[
            "gid",
            "uid",
            "count",
            "anchor",
            "direction",
            "fields",
            "features",
            "patterns",
        ],
    ),
    (
        "discussions.getComments",
        &[
            "discussionId",
            "discussionType",
            "anchor",
            "direction",
            "count",
            "fields",
            "fieldset",
            "mark_as_read",
            "includeRemoved",
        ],
    ),
    (
        "discussions.deleteDiscussionComment",
        &[
            "discussionId",
            "discussionType",
            "comment_id",
            "mark_as_spam",
            "block_author",
        ],
    ),
    (
        "video.getUploadUrl",
        &[
            "uid",
            "gid",
            "file_name",
            "file_size",
            "attachment_type",
            "lat",
            "lng",
            "cid",
            "post_form",
        ],
    ),
    (
        "video.update",
        &[
            "vid",
            "title",
            "description",
            "tags",
            "privacy",
            "cover_photo_id",
            "cover_photo_upload_token",
            "publish",
            "game",
            "donate",
            "cid",
            "rec",
            "rec_start",
            "rec_stop",
        ],
    ),
    (
        "photosV2.getUploadUrl",
        &[
            "uid",
            "aid",
            "gid",
            "count",
            "placeholders",
            "sizes",
            "topicLink",
            "target_id",
        ],
    ),
    (
        "mediatopic.post",
        &[
            "uid",
            "type",
            "gid",
            "attachment",
            "set_status",
            "devices",
            "text_link_preview",
            "hidden_post",
            "ads_post",
        ],
    ),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenStatus {
    Valid,
    Expired,
    Revoked,
}

struct TokenInfo {
    application_key: String,
    status: TokenStatus,
    /// The refresh token it was issued through.
    refresh: Option<String>,
}

struct RefreshInfo {
    application_key: String,
    revoked: bool,
}

struct Ticket {
    gid: String,
    photo_ids: Vec<String>,
    expires: Instant,
}

#[derive(Default)]
struct World {
    apps: Vec<App>,
    groups: Vec<Group>,
    tokens: HashMap<String, TokenInfo>,
    refresh_tokens: HashMap<String, RefreshInfo>,
    faults: FaultPlan<Fault>,
    tickets: HashMap<String, Ticket>,
    /// Uploaded pictures by upload token, and whether a topic used them.
    photos: HashMap<String, (Photo, bool)>,
    photo_order: Vec<String>,
    topics: Vec<Topic>,
    /// When each topic was published (ms), by id.
    topic_times: HashMap<String, i64>,
    /// What `group.getInfo` shows of each group, by gid.
    profiles: HashMap<String, GroupProfile>,
    /// Groups deleted since the start.
    deleted_groups: std::collections::HashSet<String>,
    comments: Vec<Comment>,
    videos: Vec<Video>,
    /// Upload addresses of clips: token → video id.
    video_tickets: HashMap<String, String>,
    calls: Vec<Call>,
    uploads: Vec<UploadRecord>,
    refreshes: Vec<RefreshRecord>,
    windows: Windows,
    rate: RateLimits,
    counter: u64,
}

impl World {
    fn next(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }

    fn app_by_key(&self, key: &str) -> Option<&App> {
        self.apps.iter().find(|a| a.application_key == key)
    }

    fn group_exists(&self, gid: &str) -> bool {
        self.groups.iter().any(|g| g.gid == gid) && !self.deleted_groups.contains(gid)
    }

    /// Takes the first planned fault meant for `method` (or for any call).
    fn take_fault(&mut self, method: &str) -> Option<Fault> {
        self.faults.take(method)
    }

    /// Counts a call of `token` to the group `gid` (`""`: none) against the rates, or answers
    /// 8 FLOOD_BLOCKED (UNCONFIRMED: the code OK answers to too many calls).
    fn admit(&mut self, token: &str, gid: &str, arrived: Instant) -> Result<(), OkError> {
        let rate = self.rate;
        self.windows
            .admit(rate, token, gid, 1, arrived)
            .map_err(|_| err(8, "Too many calls per second"))
    }
}

struct SharedState {
    world: Mutex<World>,
    base_url: String,
    key: [u8; 32],
}

impl SharedState {
    fn world(&self) -> MutexGuard<'_, World> {
        // A panicking test must not hide the state from the next assertion.
        self.world.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// An opaque, unguessable string (tokens, upload tokens).
    fn opaque(&self, n: u64, kind: &str) -> String {
        let mut hasher = blake3::Hasher::new_keyed(&self.key);
        hasher.update(kind.as_bytes());
        hasher.update(&n.to_le_bytes());
        let hex = hasher.finalize().to_hex();
        format!("{kind}{n}{}", &hex[..24])
    }
}

/// The emulator's state: shared with the server, read and steered by tests. Cheap to clone.
#[derive(Clone)]
pub struct State {
    shared: Arc<SharedState>,
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("State { .. }")
    }
}

impl State {
    /// Registers an access token issued to the application `application_key`.
    pub fn add_token(&self, access_token: &str, application_key: &str) {
        self.shared.world().tokens.insert(
            access_token.to_owned(),
            TokenInfo {
                application_key: application_key.to_owned(),
                status: TokenStatus::Valid,
                refresh: None,
            },
        );
    }

    /// Issues OAuth tokens through the application `application_key`: an access token and a
    /// refresh token that `oauth/token.do` exchanges for new access tokens. Returns
    /// `(access, refresh)`.
    pub fn issue_oauth(&self, application_key: &str) -> (String, String) {
        let mut w = self.shared.world();
        let n = w.next();
        let refresh = self.shared.opaque(n, "emu-r-");
        w.refresh_tokens.insert(
            refresh.clone(),
            RefreshInfo {
                application_key: application_key.to_owned(),
                revoked: false,
            },
        );
        let access = self.shared.opaque(n, "emu-a-");
        w.tokens.insert(
            access.clone(),
            TokenInfo {
                application_key: application_key.to_owned(),
                status: TokenStatus::Valid,
                refresh: Some(refresh.clone()),
            },
        );
        (access, refresh)
    }

    /// Makes an access token expired: error 102 from now on; its refresh token still works.
    pub fn expire_token(&self, access_token: &str) {
        if let Some(t) = self.shared.world().tokens.get_mut(access_token) {
            t.status = TokenStatus::Expired;
        }
    }

    /// Revokes a token, as a user who removes the application at ok.ru/settings/oauth: an
    /// access token answers error 102 from now on, and the refresh token it came from is dead
    /// too; a refresh token given directly is dead.
    pub fn revoke_token(&self, token: &str) {
        let mut w = self.shared.world();
        let mut refresh = Some(token.to_owned());
        if let Some(t) = w.tokens.get_mut(token) {
            t.status = TokenStatus::Revoked;
            refresh = t.refresh.clone();
        }
        if let Some(r) = refresh.and_then(|r| w.refresh_tokens.get_mut(&r)) {
            r.revoked = true;
        }
    }

    /// Makes a revoked or expired access token valid again (a person renewed the grant).
    pub fn restore_token(&self, access_token: &str) {
        if let Some(t) = self.shared.world().tokens.get_mut(access_token) {
            t.status = TokenStatus::Valid;
        }
    }

    /// Makes the next `times` calls (API methods and uploads) fail with `fault`, in the order
    /// the faults were injected.
    pub fn inject(&self, fault: Fault, times: usize) {
        let mut w = self.shared.world();
        w.faults.plan(None, fault, times);
    }

    /// Makes the next `times` calls of `method` (or of the upload endpoint, [`UPLOAD`]) fail
    /// with `fault`; calls of other methods pass.
    pub fn inject_on(&self, method: &str, fault: Fault, times: usize) {
        let mut w = self.shared.world();
        w.faults.plan(Some(method), fault, times);
    }

    /// API calls a second allowed per token; 0 turns the limit off (per-group limits stay as
    /// they are).
    pub fn set_rate_limit(&self, per_sec: u32) {
        self.shared.world().rate.global_per_sec = per_sec;
    }

    /// Replaces the rates past which the emulator answers 8 FLOOD_BLOCKED (what was sent stays
    /// counted).
    pub fn set_rate(&self, rate: RateLimits) {
        self.shared.world().rate = rate;
    }

    /// How many 8 FLOOD_BLOCKED answers the configured rates caused (injected faults are not
    /// counted): zero when the clients kept to the limits.
    pub fn rate_limited(&self) -> usize {
        self.shared.world().windows.refused()
    }

    /// Every call the rates judged (admitted or refused), in the order they were judged: the
    /// token, the chat or page, when it arrived (also with no rates configured). Injected
    /// faults are not among them.
    pub fn arrivals(&self) -> Vec<crate::networks::Arrival> {
        self.shared.world().windows.arrivals()
    }

    /// A user comments under the topic `topic`; returns the comment's id.
    pub fn comment(&self, topic: &str, author_id: &str, text: &str) -> String {
        let mut w = self.shared.world();
        let id = format!("c{}", w.next());
        w.comments.push(Comment {
            id: id.clone(),
            topic: topic.to_owned(),
            author_id: author_id.to_owned(),
            text: text.to_owned(),
            deleted: false,
        });
        id
    }

    /// Every comment, deleted ones too.
    pub fn comments(&self) -> Vec<Comment> {
        self.shared.world().comments.clone()
    }

    /// The topics published in the group `gid`, oldest first.
    pub fn topics(&self, gid: &str) -> Vec<Topic> {
        self.topics_of(gid)
    }

    /// Sets what `group.getInfo` shows of the group.
    pub fn set_group_profile(&self, gid: &str, profile: GroupProfile) {
        self.shared.world().profiles.insert(gid.to_owned(), profile);
    }

    /// The group is deleted: `group.getInfo` finds it no more, its topics cannot be listed.
    pub fn delete_group(&self, gid: &str) {
        self.shared.world().deleted_groups.insert(gid.to_owned());
    }

    /// A topic posted in the group by hand (not through the API), with `text`, at `created_ms`.
    /// Returns its id.
    pub fn add_topic_by_hand(&self, gid: &str, text: &str, created_ms: i64) -> String {
        let mut w = self.shared.world();
        let n = w.next();
        let id = format!("{}", 155_000_000_000_000u64 + n);
        w.topics.push(Topic {
            id: id.clone(),
            gid: gid.to_owned(),
            blocks: vec![Block::Text(text.to_owned())],
            on_behalf_of_group: Some(true),
            disable_comments: None,
            publish_at: None,
        });
        w.topic_times.insert(id.clone(), created_ms);
        id
    }

    /// The clips uploaded through `video.getUploadUrl`.
    pub fn videos(&self) -> Vec<Video> {
        self.shared.world().videos.clone()
    }

    fn topics_of(&self, gid: &str) -> Vec<Topic> {
        self.shared
            .world()
            .topics
            .iter()
            .filter(|t| t.gid == gid)
            .cloned()
            .collect()
    }

    /// Every uploaded picture, in the order of upload.
    pub fn photos(&self) -> Vec<Photo> {
        let w = self.shared.world();
        w.photo_order
            .iter()
            .filter_map(|t| w.photos.get(t).map(|(p, _)| p.clone()))
            .collect()
    }

    /// Forgets every uploaded picture that no topic used yet, as OK may after a while (how long
    /// an upload token stays good after the upload is UNCONFIRMED): a topic that names one is
    /// refused with error 121, like any unknown token.
    pub fn forget_unused_photos(&self) {
        let mut w = self.shared.world();
        w.photos.retain(|_, (_, used)| *used);
    }

    /// Every `fb.do` call that passed the key, method, signature and session checks, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.shared.world().calls.clone()
    }

    /// Every POST to a known upload URL, in order.
    pub fn uploads(&self) -> Vec<UploadRecord> {
        self.shared.world().uploads.clone()
    }

    /// Every request to the token endpoint, in order.
    pub fn refreshes(&self) -> Vec<RefreshRecord> {
        self.shared.world().refreshes.clone()
    }
}

/// A running OK emulator. Dropping it stops the server.
#[derive(Debug)]
pub struct Emulator {
    /// `http://127.0.0.1:<port>`: the client's base URL (`fb.do` is under it).
    pub base_url: String,
    /// The state, to read and to steer.
    pub state: State,
    server: Server,
}

impl Emulator {
    /// The emulated OAuth token endpoint (`{base_url}/oauth/token.do`).
    pub fn refresh_url(&self) -> String {
        format!("{}/oauth/token.do", self.base_url)
    }

    /// Stops accepting connections and closes the open ones.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}

/// Starts an emulator on `127.0.0.1` on a free port.
///
/// Fails only when no port can be bound.
pub async fn start(config: Config) -> std::io::Result<Emulator> {
    let bound = Server::bind().await?;
    let addr = bound.addr;
    let key = *blake3::hash(format!("{addr}{:?}", SystemTime::now()).as_bytes()).as_bytes();
    let mut world = World {
        apps: config.apps,
        groups: config.groups,
        rate: config.rate,
        ..World::default()
    };
    for grant in config.tokens {
        world.tokens.insert(
            grant.access_token,
            TokenInfo {
                application_key: grant.application_key,
                status: TokenStatus::Valid,
                refresh: None,
            },
        );
    }
    let shared = Arc::new(SharedState {
        world: Mutex::new(world),
        base_url: bound.base_url.clone(),
        key,
    });
    let router = Router::new()
        .route("/fb.do", any(api))
        .route(
            "/upload.do",
            any(upload).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route(
            "/upload-video.do",
            any(upload_video).layer(DefaultBodyLimit::max(MAX_VIDEO_BYTES + 1024 * 1024)),
        )
        .route("/oauth/token.do", any(token))
        .with_state(shared.clone());
    Ok(Emulator {
        base_url: shared.base_url.clone(),
        state: State { shared },
        server: bound.serve(router),
    })
}

/// An OK answer: the value as bare JSON, or an error object with the `invocation-error` header
/// (HTTP 200 either way).
fn reply(answer: Result<Value, OkError>) -> Response {
    match answer {
        Ok(value) => (StatusCode::OK, axum::Json(value)).into_response(),
        Err(e) => {
            let body = json!({
                "error_code": e.code,
                "error_msg": format!("{} : {}", error_name(e.code), e.text),
                "error_data": null,
            });
            (
                StatusCode::OK,
                [("invocation-error", e.code.to_string())],
                axum::Json(body),
            )
                .into_response()
        }
    }
}

fn server_error() -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [("content-type", "text/html")],
        "<html><head><title>500 Internal Server Error</title></head><body><h1>500 Internal Server Error</h1></body></html>",
    )
        .into_response()
}

/// Applies the after-effect of a fault to an answer of an applied call.
async fn finish(response: Response, fault: Option<Fault>) -> Response {
    match fault {
        Some(Fault::Delay(by)) => {
            tokio::time::sleep(by).await;
            response
        }
        Some(Fault::DropResponse) => hang_up(response),
        _ => response,
    }
}

/// Parameters from the query string and a form body, in order.
async fn read_params(request: Request) -> Result<Vec<(String, String)>, OkError> {
    let mut params = Vec::new();
    if let Ok(Query(pairs)) = Query::<Vec<(String, String)>>::try_from_uri(request.uri()) {
        params.extend(pairs);
    }
    let form = request
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    if form {
        let Form(pairs) = Form::<Vec<(String, String)>>::from_request(request, &())
            .await
            .map_err(|e| err(4, format!("cannot read the form: {e}")))?;
        params.extend(pairs);
    }
    Ok(params)
}

/// The signature OK expects, computed independently of the client: the pairs but `sig`,
/// `access_token` and `session_key`, ordered by key bytes, fed to MD5 as `key=value` one after
/// another, then the secret.
fn expected_signature(params: &[(String, String)], secret: &str) -> String {
    let mut signed: Vec<&(String, String)> = params
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "sig" | "access_token" | "session_key"))
        .collect();
    signed.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut md5 = Md5::new();
    for (k, v) in signed {
        md5.update(k.as_bytes());
        md5.update(b"=");
        md5.update(v.as_bytes());
    }
    md5.update(secret.as_bytes());
    hex(&md5.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn first<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

async fn api(Shared(shared): Shared<Arc<SharedState>>, request: Request) -> Response {
    // Rates count a call when it arrives, as a server in front of the API would.
    let arrived = Instant::now();
    let params = match read_params(request).await {
        Ok(p) => p,
        Err(e) => return reply(Err(e)),
    };
    let (answer, fault) = decide(&shared, &params, arrived);
    match answer {
        Some(answer) => finish(reply(answer), fault).await,
        None => match fault {
            Some(Fault::ServerError) => server_error(),
            Some(Fault::ApiError(code)) => reply(Err(err(code, "injected by the emulator"))),
            _ => reply(Err(err(1, "no answer"))),
        },
    }
}

/// Checks and applies one `fb.do` call. Returns the answer (none when a fault replaces it) and
/// the fault to apply.
fn decide(
    shared: &SharedState,
    params: &[(String, String)],
    arrived: Instant,
) -> (Option<Result<Value, OkError>>, Option<Fault>) {
    let mut w = shared.world();
    let checked = check_call(&mut w, params, arrived);
    let method = match checked {
        Ok(method) => method,
        Err(e) => return (Some(Err(e)), None),
    };
    w.calls.push(Call {
        method: method.clone(),
        params: params
            .iter()
            .filter(|(k, _)| k != "access_token")
            .cloned()
            .collect(),
    });
    let fault = w.take_fault(&method);
    if matches!(fault, Some(Fault::ServerError | Fault::ApiError(_))) {
        return (None, fault);
    }
    let answer = match method.as_str() {
        "photosV2.getUploadUrl" => get_upload_url(shared, &mut w, params),
        "mediatopic.post" => mediatopic_post(&mut w, params),
        "discussions.getComments" => get_comments(&w, params),
        "discussions.deleteDiscussionComment" => delete_comment(&mut w, params),
        "video.getUploadUrl" => video_upload_url(shared, &mut w, params),
        "video.update" => video_update(&mut w, params),
        "group.getInfo" => group_info(&w, params),
        "mediatopic.getTopics" => get_topics(&w, params),
        _ => Err(err(3, format!("Method {method} is not emulated"))),
    };
    (Some(answer), fault)
}

/// Key, method, signature, session, rate and parameter names: what OK checks before a method
/// runs; the rate counts the call at `arrived`. Returns the method.
fn check_call(
    w: &mut World,
    params: &[(String, String)],
    arrived: Instant,
) -> Result<String, OkError> {
    for (i, (k, _)) in params.iter().enumerate() {
        if params[..i].iter().any(|(seen, _)| seen == k) {
            // UNCONFIRMED: what OK does with a repeated parameter is not documented.
            return Err(param(format!("Parameter {k} is given twice")));
        }
    }
    let key = first(params, "application_key")
        .filter(|k| !k.is_empty())
        .ok_or_else(|| err(101, "Application key is not specified"))?;
    let app = w
        .app_by_key(key)
        .cloned()
        .ok_or_else(|| err(101, format!("Unknown application key {key}")))?;
    let method = first(params, "method")
        .filter(|m| !m.is_empty())
        .ok_or_else(|| param("Method is not specified"))?;
    let Some((method, own)) = METHODS.iter().find(|(m, _)| *m == method) else {
        return Err(err(3, format!("Method {method} is not known")));
    };
    let token = first(params, "access_token").filter(|t| !t.is_empty());
    let sig = first(params, "sig")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| err(104, "No signature specified"))?;
    let secret = match token {
        Some(token) => hex(&Md5::digest(
            format!("{token}{}", app.secret_key).as_bytes(),
        )),
        None => app.secret_key.clone(),
    };
    if !sig.eq_ignore_ascii_case(&expected_signature(params, &secret)) {
        return Err(err(104, format!("Invalid signature {sig}")));
    }
    // UNCONFIRMED: the code OK answers to a session method called without a session.
    let token = token.ok_or_else(|| err(453, "Session key is required for this method"))?;
    match w.tokens.get(token) {
        Some(t) if t.status == TokenStatus::Valid && t.application_key == app.application_key => {}
        _ => return Err(err(102, "Session expired")),
    }
    w.admit(token, first(params, "gid").unwrap_or_default(), arrived)?;
    if let Some(format) = first(params, "format")
        && !format.eq_ignore_ascii_case("json")
    {
        return Err(param("the emulator answers only format=json"));
    }
    if let Some((k, _)) = params
        .iter()
        .find(|(k, _)| !COMMON_PARAMS.contains(&k.as_str()) && !own.contains(&k.as_str()))
    {
        // Stricter than OK (which ignores unknown names, UNCONFIRMED): a misspelt parameter
        // in the client must not pass silently.
        return Err(param(format!("Unknown parameter {k} for {method}")));
    }
    Ok((*method).to_owned())
}

/// The group named by `gid`: present, digits, known.
fn group(w: &World, params: &[(String, String)]) -> Result<String, OkError> {
    let gid = first(params, "gid")
        .filter(|g| !g.is_empty())
        .ok_or_else(|| {
            param("gid is required (the emulator does not upload to personal albums)")
        })?;
    if !gid.bytes().all(|b| b.is_ascii_digit()) || !w.group_exists(gid) {
        return Err(err(160, format!("Invalid group id {gid}")));
    }
    Ok(gid.to_owned())
}

fn get_upload_url(
    shared: &SharedState,
    w: &mut World,
    params: &[(String, String)],
) -> Result<Value, OkError> {
    if first(params, "aid").is_some() || first(params, "uid").is_some() {
        return Err(param(
            "the emulator uploads only for group topics (no aid, no uid)",
        ));
    }
    let gid = group(w, params)?;
    let count = match first(params, "count") {
        None => 1,
        Some(c) => c
            .parse::<usize>()
            .ok()
            .filter(|c| (1..=MAX_UPLOAD_COUNT).contains(c))
            .ok_or_else(|| param(format!("count must be 1 to {MAX_UPLOAD_COUNT}")))?,
    };
    let n = w.next();
    let api_token = shared.opaque(n, "up-");
    let photo_ids: Vec<String> = (0..count)
        .map(|i| format!("{}", 950_000_000_000_000u64 + n * 1000 + i as u64))
        .collect();
    w.tickets.insert(
        api_token.clone(),
        Ticket {
            gid,
            photo_ids: photo_ids.clone(),
            expires: Instant::now() + UPLOAD_TTL,
        },
    );
    let ttl_ms = UPLOAD_TTL.as_millis() as u64;
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    Ok(json!({
        "expires_ms": now_ms + ttl_ms,
        "photo_ids": photo_ids,
        "ttl_ms": ttl_ms,
        "upload_url": format!(
            "{}/upload.do?apiToken={api_token}&photoIds={}",
            shared.base_url,
            photo_ids.join(",")
        ),
    }))
}

async fn upload(Shared(shared): Shared<Arc<SharedState>>, request: Request) -> Response {
    let api_token = Query::<Vec<(String, String)>>::try_from_uri(request.uri())
        .ok()
        .and_then(|Query(pairs)| {
            pairs
                .into_iter()
                .find(|(k, _)| k == "apiToken")
                .map(|(_, v)| v)
        })
        .unwrap_or_default();
    let ticket = {
        let w = shared.world();
        w.tickets
            .get(&api_token)
            .filter(|t| t.expires > Instant::now())
            .map(|t| (t.gid.clone(), t.photo_ids.clone()))
    };
    let Some((gid, photo_ids)) = ticket else {
        // UNCONFIRMED: the upload server's answer to an unknown or expired upload token.
        return reply(Err(param("Invalid or expired upload token")));
    };
    let multipart = request
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    let files = if multipart {
        match read_files(request).await {
            Ok(files) => Ok(files),
            Err(e) => return reply(Err(e)),
        }
    } else {
        Err(err(21, "The request is not multipart/form-data"))
    };
    let fault = {
        let mut w = shared.world();
        w.uploads.push(UploadRecord {
            files: files
                .as_ref()
                .map(|f| f.iter().map(|(n, b)| (n.clone(), b.len())).collect())
                .unwrap_or_default(),
        });
        w.take_fault(UPLOAD)
    };
    match fault {
        Some(Fault::ServerError) => return server_error(),
        Some(Fault::ApiError(code)) => {
            return reply(Err(err(code, "injected by the emulator")));
        }
        _ => {}
    }
    let answer = files.and_then(|files| store_photos(&shared, &gid, &photo_ids, files));
    finish(reply(answer), fault).await
}

/// The multipart file parts: name and bytes.
async fn read_files(request: Request) -> Result<Vec<(String, Bytes)>, OkError> {
    let mut form = Multipart::from_request(request, &())
        .await
        .map_err(|e| err(21, format!("cannot read multipart: {e}")))?;
    let mut files = Vec::new();
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(err(21, format!("cannot read multipart: {e}"))),
        };
        let name = field.name().unwrap_or_default().to_owned();
        let is_file = field.file_name().is_some();
        let bytes = field
            .bytes()
            .await
            .map_err(|e| err(21, format!("cannot read multipart: {e}")))?;
        if is_file {
            files.push((name, bytes));
        }
    }
    Ok(files)
}

/// Checks uploaded pictures and issues their tokens: `{"photos": {"<id>": {"token": …}}}`.
fn store_photos(
    shared: &SharedState,
    gid: &str,
    photo_ids: &[String],
    files: Vec<(String, Bytes)>,
) -> Result<Value, OkError> {
    if files.is_empty() {
        return Err(err(
            505,
            "No picture in the request (expected the field pic1)",
        ));
    }
    let mut checked = Vec::with_capacity(files.len());
    for (name, bytes) in files {
        // The documented field names are pic1, pic2, …; the server's leniency with other names
        // (`photo`, `file`) is UNCONFIRMED, so the emulator insists.
        let index = name
            .strip_prefix("pic")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| (1..=photo_ids.len()).contains(n))
            .ok_or_else(|| {
                param(format!(
                    "unexpected file field `{name}` (expected pic1 to pic{})",
                    photo_ids.len()
                ))
            })?;
        let (width, height, format) = probe(&bytes)?;
        checked.push((index, width, height, format, bytes.len()));
    }
    let mut w = shared.world();
    let mut photos = Map::new();
    for (index, width, height, format, size) in checked {
        let photo_id = photo_ids[index - 1].clone();
        let n = w.next();
        let token = shared.opaque(n, "pt-");
        photos.insert(photo_id.clone(), json!({ "token": token }));
        w.photo_order.push(token.clone());
        w.photos.insert(
            token.clone(),
            (
                Photo {
                    photo_id,
                    token,
                    gid: gid.to_owned(),
                    width,
                    height,
                    bytes: size,
                    format,
                },
                false,
            ),
        );
    }
    Ok(json!({ "photos": photos }))
}

/// Width, height and format of an uploaded picture, checked against the limits.
fn probe(bytes: &[u8]) -> Result<(u32, u32, &'static str), OkError> {
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(err(
            500,
            format!("The picture is over {} bytes", MAX_PHOTO_BYTES),
        ));
    }
    let reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| err(504, "The picture cannot be read"))?;
    let format = match reader.format() {
        Some(image::ImageFormat::Jpeg) => "jpeg",
        Some(image::ImageFormat::Png) => "png",
        Some(other) => {
            return Err(err(
                503,
                format!("{other:?} is not accepted (JPEG or PNG only)"),
            ));
        }
        None => return Err(err(503, "Not a picture (JPEG or PNG only)")),
    };
    let (width, height) = reader
        .into_dimensions()
        .map_err(|_| err(504, "The picture is corrupted"))?;
    if width == 0 || height == 0 {
        return Err(err(501, "The picture is empty"));
    }
    if u64::from(width) + u64::from(height) > u64::from(MAX_PHOTO_SIDES) {
        return Err(err(
            502,
            format!("Width + height is over {MAX_PHOTO_SIDES} pixels"),
        ));
    }
    Ok((width, height, format))
}

/// The topic a discussion call is about, which must exist with the group topic type.
fn discussion<'w>(w: &'w World, params: &[(String, String)]) -> Result<&'w Topic, OkError> {
    let id = first(params, "discussionId")
        .filter(|d| !d.is_empty())
        .ok_or_else(|| param("discussionId is required"))?;
    if first(params, "discussionType") != Some(GROUP_TOPIC) {
        return Err(param("discussionType is invalid"));
    }
    w.topics
        .iter()
        .find(|t| t.id == id)
        .ok_or_else(|| err(700, "COMMENT_NOT_FOUND: no such discussion"))
}

/// `discussions.getComments`: the topic's comments, the newest `count` (≤ 100) first-to-last
/// from `anchor=LAST` backwards. The answer's shape (`comments[]` with `id`, `author_id`,
/// `text`, `date`) is UNCONFIRMED.
fn get_comments(w: &World, params: &[(String, String)]) -> Result<Value, OkError> {
    let topic = discussion(w, params)?;
    let count = first(params, "count")
        .and_then(|c| c.parse::<usize>().ok())
        .unwrap_or(20)
        .clamp(1, 100);
    let live: Vec<&Comment> = w
        .comments
        .iter()
        .filter(|c| c.topic == topic.id && !c.deleted)
        .collect();
    let skip = live.len().saturating_sub(count);
    let comments: Vec<Value> = live[skip..]
        .iter()
        .map(|c| json!({"id": c.id, "author_id": c.author_id, "text": c.text, "date": "2026-12-01 12:00:00"}))
        .collect();
    Ok(json!({"comments": comments, "has_more": skip > 0}))
}

/// `discussions.deleteDiscussionComment`: by the owner of the discussed object (the group).
fn delete_comment(w: &mut World, params: &[(String, String)]) -> Result<Value, OkError> {
    let topic = discussion(w, params)?.id.clone();
    let id = first(params, "comment_id").unwrap_or_default().to_owned();
    let comment = w
        .comments
        .iter_mut()
        .find(|c| c.id == id && c.topic == topic && !c.deleted)
        .ok_or_else(|| err(700, "COMMENT_NOT_FOUND"))?;
    comment.deleted = true;
    Ok(json!({"success": true}))
}

fn mediatopic_post(w: &mut World, params: &[(String, String)]) -> Result<Value, OkError> {
    match first(params, "type") {
        None | Some("") => return Err(param("type is required")),
        Some("GROUP_THEME") => {}
        Some(
            t @ ("USER" | "USER_STATUS" | "USER_NOTE" | "GROUP_THEME_PROMO" | "GROUP_SUGGESTED"),
        ) => {
            return Err(param(format!(
                "the emulator publishes only type=GROUP_THEME, not {t}"
            )));
        }
        Some(t) => return Err(param(format!("Invalid type {t}"))),
    }
    if first(params, "uid").is_some() {
        return Err(param("uid is for calls without a session"));
    }
    let gid = group(w, params)?;
    let text = first(params, "attachment")
        .filter(|a| !a.is_empty())
        .ok_or_else(|| param("attachment is required"))?;
    let Ok(Value::Object(attachment)) = serde_json::from_str::<Value>(text) else {
        return Err(param("attachment is not a JSON object"));
    };
    let mut blocks = None;
    let mut on_behalf_of_group = None;
    let mut disable_comments = None;
    let mut publish_at = None;
    for (key, value) in &attachment {
        match key.as_str() {
            "media" => blocks = Some(media(w, &gid, value)?),
            "onBehalfOfGroup" => on_behalf_of_group = Some(flag(key, value)?),
            "disableComments" => disable_comments = Some(flag(key, value)?),
            "publishAt" | "publishAtMs" => {
                publish_at = Some(match value {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
            }
            // Stricter than OK, UNCONFIRMED: a misspelt key must not be dropped silently.
            _ => return Err(param(format!("Unknown attachment key {key}"))),
        }
    }
    let blocks = blocks.ok_or_else(|| param("attachment has no media"))?;
    for block in &blocks {
        if let Block::Photos(list) = block {
            for p in list {
                if let Some(entry) = w.photos.get_mut(&p.token) {
                    entry.1 = true;
                }
            }
        }
    }
    let n = w.next();
    let id = format!("{}", 155_000_000_000_000u64 + n);
    w.topics.push(Topic {
        id: id.clone(),
        gid,
        blocks,
        on_behalf_of_group,
        disable_comments,
        publish_at,
    });
    w.topic_times.insert(id.clone(), now_ms());
    Ok(Value::String(id))
}

/// `video.getUploadUrl`: a new clip in the group and where to upload it. A clip under 16 KB is
/// `PARAM : FileToSmall` (the documented error, VIDEO.md §4.2).
fn video_upload_url(
    shared: &SharedState,
    w: &mut World,
    params: &[(String, String)],
) -> Result<Value, OkError> {
    let gid = group(w, params)?;
    let size: u64 = first(params, "file_size")
        .unwrap_or("0")
        .parse()
        .map_err(|_| param("file_size is not a number"))?;
    if size != 0 && size < MIN_VIDEO_BYTES {
        return Err(param("FileToSmall"));
    }
    if size > MAX_VIDEO_BYTES as u64 {
        return Err(param("FileToLarge"));
    }
    if first(params, "attachment_type").is_some() {
        // UNCONFIRMED (3P): `attachment_type` makes `video.update` fail with error 10.
        return Err(param("the emulator does not take attachment_type"));
    }
    let n = w.next();
    let id = format!("{}", 960_000_000_000_000u64 + n);
    let token = shared.opaque(n, "vu-");
    w.videos.push(Video {
        id: id.clone(),
        gid,
        title: String::new(),
        bytes: 0,
        updated: false,
        post_form: first(params, "post_form") == Some("true"),
    });
    w.video_tickets.insert(token.clone(), id.clone());
    Ok(json!({
        "upload_url": format!("{}/upload-video.do?apiToken={token}", shared.base_url),
        "video_id": id.parse::<u64>().unwrap_or(0),
    }))
}

/// `/upload-video.do`: one clip in the multipart part `data` (OK's example; other part names
/// are UNCONFIRMED and refused here), an MP4 (`ftyp` first).
async fn upload_video(Shared(shared): Shared<Arc<SharedState>>, request: Request) -> Response {
    let token = Query::<Vec<(String, String)>>::try_from_uri(request.uri())
        .ok()
        .and_then(|Query(pairs)| {
            pairs
                .into_iter()
                .find(|(k, _)| k == "apiToken")
                .map(|(_, v)| v)
        })
        .unwrap_or_default();
    let Some(vid) = shared.world().video_tickets.get(&token).cloned() else {
        return reply(Err(param("Invalid or expired upload token")));
    };
    let files = match read_files(request).await {
        Ok(f) => f,
        Err(e) => return reply(Err(e)),
    };
    let mut w = shared.world();
    w.uploads.push(UploadRecord {
        files: files.iter().map(|(n, b)| (n.clone(), b.len())).collect(),
    });
    let Some((_, bytes)) = files.iter().find(|(n, _)| n == "data") else {
        return reply(Err(param("no file in the part `data`")));
    };
    if bytes.get(4..8) != Some(b"ftyp") {
        return reply(Err(param("BadFormat")));
    }
    let size = bytes.len();
    if let Some(v) = w.videos.iter_mut().find(|v| v.id == vid) {
        v.bytes = size;
    }
    w.video_tickets.remove(&token);
    reply(Ok(json!({})))
}

/// `video.update(vid, title)`: completes an upload. A clip uploaded with `gid` and without
/// `post_form=true` is then also posted in the group by itself, as a third-party client
/// reports (UNCONFIRMED, VIDEO.md §4.2): the duplicate vestnik must avoid.
fn video_update(w: &mut World, params: &[(String, String)]) -> Result<Value, OkError> {
    let vid = first(params, "vid").unwrap_or_default().to_owned();
    let title = first(params, "title").unwrap_or_default().to_owned();
    if chars(&title) > 1000 {
        return Err(param("title is over 1000 characters"));
    }
    let Some(v) = w.videos.iter_mut().find(|v| v.id == vid) else {
        return Err(err(300, format!("Video {vid} not found")));
    };
    if v.bytes == 0 {
        return Err(param(format!("Video {vid} was never uploaded")));
    }
    let first_time = !v.updated;
    v.title = title;
    v.updated = true;
    let video = v.clone();
    if first_time && !video.post_form {
        let n = w.next();
        w.topics.push(Topic {
            id: format!("{}", 155_000_000_000_000u64 + n),
            gid: video.gid.clone(),
            blocks: vec![Block::Movies(vec![video])],
            on_behalf_of_group: None,
            disable_comments: None,
            publish_at: None,
        });
    }
    Ok(Value::Null)
}

/// Now in milliseconds.
fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// `group.getInfo(uids, fields)`: `{groups: [...]}` as NETWORKS.md §3.10 shows it; a group
/// that does not exist (or was deleted) is left out, as OK leaves out ids it cannot show
/// (UNCONFIRMED).
fn group_info(w: &World, params: &[(String, String)]) -> Result<Value, OkError> {
    let uids = first(params, "uids")
        .filter(|u| !u.is_empty())
        .ok_or_else(|| param("uids is required"))?;
    if first(params, "fields").is_none_or(str::is_empty) {
        return Err(param("fields is required"));
    }
    let groups: Vec<Value> = uids
        .split(',')
        .map(str::trim)
        .filter(|gid| w.group_exists(gid))
        .map(|gid| {
            let name = w
                .groups
                .iter()
                .find(|g| g.gid == gid)
                .map(|g| g.name.clone())
                .unwrap_or_default();
            let p = w.profiles.get(gid).cloned().unwrap_or_default();
            let mut v = json!({
                "uid": gid,
                "name": name,
                "description": p.description,
                "homepage_url": p.homepage_url,
                "address": p.address,
                "access_type": if p.access_type.is_empty() { "OPEN" } else { p.access_type.as_str() },
            });
            if let Some((lat, long)) = p.location {
                v["location_latitude"] = json!(lat);
                v["location_longitude"] = json!(long);
            }
            v
        })
        .collect();
    Ok(json!({ "groups": groups }))
}

/// `mediatopic.getTopics(gid, count, anchor)`, UNCONFIRMED (NETWORKS.md §3.11): the group's
/// topics, newest first, `count` (at most 100) after `anchor` (the opaque position the last
/// page answered), as `{media_topics: [{id, created_ms, media: [{type: text, text}]}], anchor,
/// has_more}`.
fn get_topics(w: &World, params: &[(String, String)]) -> Result<Value, OkError> {
    let gid = group(w, params)?;
    let count = first(params, "count")
        .and_then(|c| c.parse::<usize>().ok())
        .unwrap_or(20)
        .clamp(1, 100);
    let skip = first(params, "anchor")
        .and_then(|a| a.strip_prefix("pos"))
        .and_then(|a| a.parse::<usize>().ok())
        .unwrap_or(0);
    let mut topics: Vec<(&Topic, i64)> = w
        .topics
        .iter()
        .filter(|t| t.gid == gid && t.publish_at.is_none())
        .map(|t| (t, w.topic_times.get(&t.id).copied().unwrap_or(0)))
        .collect();
    topics.sort_by_key(|(t, at)| std::cmp::Reverse((*at, t.id.clone())));
    let page: Vec<Value> = topics
        .iter()
        .skip(skip)
        .take(count)
        .map(|(t, at)| {
            let media: Vec<Value> = t
                .blocks
                .iter()
                .filter_map(|b| match b {
                    Block::Text(text) => Some(json!({"type": "text", "text": text})),
                    _ => None,
                })
                .collect();
            json!({"id": t.id, "created_ms": at, "media": media})
        })
        .collect();
    let next = skip + page.len();
    Ok(json!({
        "media_topics": page,
        "anchor": format!("pos{next}"),
        "has_more": next < topics.len(),
    }))
}

/// `"true"` / `"false"` (documented as strings).
fn flag(key: &str, value: &Value) -> Result<bool, OkError> {
    match value.as_str() {
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        _ => Err(param(format!("{key} must be \"true\" or \"false\""))),
    }
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Reads and checks the `media` blocks; photo tokens must be this group's and unused.
fn media(w: &World, gid: &str, value: &Value) -> Result<Vec<Block>, OkError> {
    let Some(items) = value.as_array().filter(|a| !a.is_empty()) else {
        return Err(param("media must be a non-empty array"));
    };
    if items.len() > MAX_BLOCKS {
        return Err(err(600, format!("More than {MAX_BLOCKS} media blocks")));
    }
    let mut blocks = Vec::with_capacity(items.len());
    let mut photos = 0usize;
    let mut polls = 0usize;
    let mut used: Vec<&str> = Vec::new();
    for item in items {
        let Some(item) = item.as_object() else {
            return Err(param("a media block is not an object"));
        };
        let kind = item.get("type").and_then(Value::as_str).unwrap_or_default();
        let only = |keys: &[&str]| -> Result<(), OkError> {
            match item.keys().find(|k| !keys.contains(&k.as_str())) {
                Some(k) => Err(param(format!("Unknown key {k} in a {kind} block"))),
                None => Ok(()),
            }
        };
        let string = |key: &str| -> Result<String, OkError> {
            item.get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| param(format!("a {kind} block needs the string {key}")))
        };
        match kind {
            "text" => {
                only(&["type", "text"])?;
                let text = string("text")?;
                if chars(&text) > MAX_TEXT_CHARS {
                    return Err(err(
                        601,
                        format!("The text is over {MAX_TEXT_CHARS} characters"),
                    ));
                }
                blocks.push(Block::Text(text));
            }
            "link" => {
                only(&["type", "url"])?;
                let url = string("url")?;
                let good = reqwest::Url::parse(&url)
                    .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host());
                if !good {
                    return Err(err(607, format!("Bad link {url}")));
                }
                blocks.push(Block::Link(url));
            }
            "photo" => {
                only(&["type", "list"])?;
                let Some(list) = item
                    .get("list")
                    .and_then(Value::as_array)
                    .filter(|l| !l.is_empty())
                else {
                    return Err(param("a photo block needs a non-empty list"));
                };
                let mut pictures = Vec::with_capacity(list.len());
                for entry in list {
                    // `{"id": token}` is confirmed; a `photoId` alias is UNCONFIRMED and refused.
                    let token = entry
                        .as_object()
                        .filter(|o| o.len() == 1)
                        .and_then(|o| o.get("id"))
                        .and_then(Value::as_str)
                        .ok_or_else(|| param("a photo list entry must be {\"id\": token}"))?;
                    // UNCONFIRMED: an upload token is good for one topic, in its own group.
                    match w.photos.get(token) {
                        Some((p, false)) if p.gid == gid && !used.contains(&token) => {
                            used.push(token);
                            pictures.push(p.clone());
                        }
                        _ => return Err(err(121, format!("Invalid photo id {token}"))),
                    }
                }
                photos += pictures.len();
                if photos > MAX_PHOTOS {
                    return Err(err(600, format!("More than {MAX_PHOTOS} pictures")));
                }
                blocks.push(Block::Photos(pictures));
            }
            "movie" => {
                only(&["type", "list"])?;
                let Some(list) = item
                    .get("list")
                    .and_then(Value::as_array)
                    .filter(|l| !l.is_empty())
                else {
                    return Err(param("a movie block needs a non-empty list"));
                };
                let mut clips = Vec::with_capacity(list.len());
                for entry in list {
                    let id = match entry.as_object().and_then(|o| o.get("id")) {
                        Some(Value::String(s)) => s.clone(),
                        Some(Value::Number(n)) => n.to_string(),
                        _ => return Err(param("a movie list entry must be {\"id\": video_id}")),
                    };
                    // UNCONFIRMED: OK's answer to a clip not completed by `video.update`.
                    match w.videos.iter().find(|v| v.id == id) {
                        Some(v) if v.gid == gid && v.updated => clips.push(v.clone()),
                        _ => return Err(err(300, format!("Invalid video id {id}"))),
                    }
                }
                blocks.push(Block::Movies(clips));
            }
            "poll" => {
                only(&["type", "question", "answers", "options"])?;
                polls += 1;
                if polls > 1 {
                    return Err(err(600, "More than one poll"));
                }
                let question = string("question")?;
                if question.trim().is_empty() || chars(&question) > MAX_POLL_QUESTION_CHARS {
                    return Err(err(
                        602,
                        format!("The question must be 1 to {MAX_POLL_QUESTION_CHARS} characters"),
                    ));
                }
                let Some(raw) = item.get("answers").and_then(Value::as_array) else {
                    return Err(param("a poll block needs an answers array"));
                };
                if !POLL_ANSWERS.contains(&raw.len()) {
                    return Err(err(
                        603,
                        format!(
                            "A poll needs {} to {} answers",
                            POLL_ANSWERS.start(),
                            POLL_ANSWERS.end()
                        ),
                    ));
                }
                let mut answers = Vec::with_capacity(raw.len());
                for a in raw {
                    let text = a
                        .as_object()
                        .filter(|o| o.len() == 1)
                        .and_then(|o| o.get("text"))
                        .and_then(Value::as_str)
                        .ok_or_else(|| param("a poll answer must be {\"text\": …}"))?;
                    if text.trim().is_empty() || chars(text) > MAX_POLL_ANSWER_CHARS {
                        return Err(err(
                            604,
                            format!("An answer must be 1 to {MAX_POLL_ANSWER_CHARS} characters"),
                        ));
                    }
                    answers.push(text.to_owned());
                }
                let options = match item.get("options") {
                    None => Vec::new(),
                    Some(Value::String(s)) => {
                        let flags: Vec<String> = s
                            .split(',')
                            .map(str::trim)
                            .filter(|f| !f.is_empty())
                            .map(str::to_owned)
                            .collect();
                        // Only these two are documented; others are UNCONFIRMED and refused.
                        if let Some(f) = flags
                            .iter()
                            .find(|f| !matches!(f.as_str(), "SingleChoice" | "AnonymousVoting"))
                        {
                            return Err(param(format!("Unknown poll option {f}")));
                        }
                        flags
                    }
                    Some(_) => return Err(param("poll options must be a string")),
                };
                blocks.push(Block::Poll {
                    question,
                    answers,
                    options,
                });
            }
            "" => return Err(param("a media block has no type")),
            other => {
                return Err(param(format!(
                    "the emulator does not support media of type {other}"
                )));
            }
        }
    }
    Ok(blocks)
}

/// `oauth/token.do`: a refresh token for a new access token. The answer's shape is taken from
/// third-party clients: UNCONFIRMED.
async fn token(Shared(shared): Shared<Arc<SharedState>>, request: Request) -> Response {
    let params = read_params(request).await.unwrap_or_default();
    let get = |name: &str| first(&params, name).unwrap_or_default().to_owned();
    let client_id = get("client_id");
    let refused = |error: &str, description: &str| {
        (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({ "error": error, "error_description": description })),
        )
            .into_response()
    };
    let mut w = shared.world();
    let answer = (|| {
        if get("grant_type") != "refresh_token" {
            return Err(("unsupported_grant_type", "only refresh_token is emulated"));
        }
        let app = w
            .apps
            .iter()
            .find(|a| a.application_id == client_id)
            .cloned()
            .ok_or(("invalid_client", "unknown client_id"))?;
        if app.secret_key != get("client_secret") {
            return Err(("invalid_client", "wrong client_secret"));
        }
        let refresh = get("refresh_token");
        match w.refresh_tokens.get(&refresh) {
            Some(r) if !r.revoked && r.application_key == app.application_key => {}
            _ => return Err(("invalid_grant", "Expired or revoked refresh token")),
        }
        let n = w.next();
        let access = shared.opaque(n, "emu-a-");
        w.tokens.insert(
            access.clone(),
            TokenInfo {
                application_key: app.application_key.clone(),
                status: TokenStatus::Valid,
                refresh: Some(refresh),
            },
        );
        Ok(access)
    })();
    w.refreshes.push(RefreshRecord {
        client_id,
        granted: answer.is_ok(),
    });
    match answer {
        Ok(access) => (
            StatusCode::OK,
            axum::Json(json!({
                "access_token": access,
                "token_type": "session",
                "expires_in": 1800,
            })),
        )
            .into_response(),
        Err((error, description)) => refused(error, description),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_the_documented_example() {
        let params: Vec<(String, String)> = [
            ("method", "events.get"),
            ("format", "json"),
            ("application_key", "ABCDEFGHIGKLMNOPK"),
            (
                "access_token",
                "-s-84W-s3egarWUsbkq-IWTucuedzTKT8VUXIA.s4Xx8IW7",
            ),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        assert_eq!(
            expected_signature(&params, "b1a2b89707a94624c43afae67d59274c"),
            "232c8eb921951c4dba9b72606f9ddb4c"
        );
    }
}
