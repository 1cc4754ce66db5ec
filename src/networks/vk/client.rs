//! A thin VK API client of our own on reqwest (API 5.199): the four methods that publish a
//! post on a community wall, each first built as a plain [`Request`] (so tests can check it
//! against the official schema without a network), then sent as a form-encoded POST to
//! `{base}/method/{name}`.
//!
//! - VK refuses JSON bodies, so every call is `application/x-www-form-urlencoded` with `v=5.199`.
//! - The token travels only in the `Authorization: Bearer` header (marked sensitive), never in a
//!   URL or a body. VK echoes a request's parameters in every error (`request_params`); the client
//!   never even reads that field, and never puts a raw answer into an error.
//! - The photo upload URL is a capability (anyone holding it can upload): it is kept in a
//!   [`Secret`], receives no token, and no error mentions it.
//! - Publishing needs a **user** token; a community token gets error 27. A long-lived user token
//!   is used as it is. VK ID tokens (access for an hour, plus a rotating refresh token) are
//!   refreshed once when VK says the access token is invalid or expired (5, 1117): the new pair
//!   is handed to a [`TokenStore`] **before** it is used, because the old refresh token is dead
//!   from that moment on.
//!
//! The client never retries a failed call and never sleeps on an error; see [`PublishError`].
//! It only waits on its [`Limiter`] before every API method call (not before an upload to the
//! upload server, which is no API method), because one publication is several calls in a row,
//! pages are published side by side, and VK allows a user token 3 requests a second
//! ([`Config::rate`]). A rate-limit answer (6, 9, 29, HTTP 429) is reported to the limiter,
//! which pauses every later call of the token and slows down for a while: the refused call
//! itself still comes back as [`PublishError::RateLimited`].

use std::collections::hash_map::RandomState;
use std::fmt;
use std::future::Future;
use std::hash::BuildHasher as _;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::Mutex;

use crate::networks::tokens::Rotating;
pub use crate::networks::tokens::{TokenPair, TokenStore};
use crate::networks::{
    Comment, Commit, ConfigError, Limiter, NoCommit, PublishError, RateLimits, Secret,
    classify_transport,
};
use crate::render::publication::{ImageRef, Motion, VkAttachment, VkCall};

/// The API version every call sends as `v`.
pub const API_VERSION: &str = "5.199";

/// VK's API host (`api.vk.com` answers too).
pub const DEFAULT_BASE_URL: &str = "https://api.vk.ru";

/// VK ID's token endpoint, where a refresh token is exchanged for a new pair.
pub const DEFAULT_REFRESH_URL: &str = "https://id.vk.com/oauth2/auth";

/// Every API method the client can call: the conformance test checks each against the schema.
pub const METHODS: &[&str] = &[
    "groups.getById",
    "groups.getMembers",
    "photos.getWallUploadServer",
    "photos.saveWallPhoto",
    "polls.create",
    "wall.deleteComment",
    "wall.get",
    "wall.getComment",
    "wall.getComments",
    "video.save",
    "wall.post",
    "wall.restoreComment",
];

/// Posts per `wall.get` page (VK's maximum).
pub const POSTS_PER_PAGE: usize = 100;

/// The fields of a community the audit reads (`groups_fields` of the schema): its profile
/// (description, addresses with the map point, phone and timetable, contacts, links, site),
/// the verification mark, and whether the token's user administers it.
pub const PROFILE_FIELDS: &str =
    "description,addresses,contacts,links,site,verified,is_admin,is_closed,deactivated";

/// Comments per `wall.getComments` page (VK's maximum).
pub const COMMENTS_PER_PAGE: usize = 100;

/// Replies of a thread that come inline with their comment (VK's maximum).
pub const THREAD_ITEMS: usize = 10;

/// How long to wait after error 9 ("Flood control": too many identical actions). VK publishes
/// no number; an hour is the conservative folklore value.
pub const FLOOD_CONTROL_WAIT: Duration = Duration::from_secs(3600);

/// How long to wait after error 29 ("Rate limit reached": a method's daily quota). VK does not
/// say when the quota resets; the scheduler waits an hour and tries again.
pub const QUOTA_WAIT: Duration = Duration::from_secs(3600);

const FORM: &str = "application/x-www-form-urlencoded";

/// How to reach VK and as whom.
#[derive(Debug, Clone)]
pub struct Config {
    /// `https://api.vk.ru`, or an emulator's address; methods are at `{base_url}/method/{name}`.
    pub base_url: String,
    /// The user's tokens.
    pub auth: Auth,
    /// Longest wait for a connection (a failure here is [`PublishError::Transient`]).
    pub connect_timeout: Duration,
    /// Longest wait for one whole call, an upload included (a failure of `wall.post` here is
    /// [`PublishError::Unknown`]: the post may be up).
    pub timeout: Duration,
    /// The rates the client keeps to: for the token, and per community (`owner_id`) when set.
    /// Every API call waits for its slot, a call sent again after a token refresh too.
    pub rate: RateLimits,
}

impl Config {
    /// The official API, 10 s to connect, 60 s per call (a 10 MB picture on a slow line), VK's
    /// rate for a user token ([`RateLimits::VK`]).
    pub fn new(auth: Auth) -> Config {
        Config {
            base_url: DEFAULT_BASE_URL.to_owned(),
            auth,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            rate: RateLimits::VK,
        }
    }
}

/// The user token the client publishes with.
#[derive(Clone)]
pub enum Auth {
    /// A long-lived user token (an Implicit Flow token with `offline`): used until VK refuses it.
    UserToken(Secret),
    /// VK ID tokens: an access token that lives an hour and a refresh token that is replaced on
    /// every refresh.
    VkId {
        /// The current pair.
        tokens: TokenPair,
        /// Where and as which app to refresh.
        refresh: Refresh,
        /// Where a new pair is saved before it is used.
        store: Arc<dyn TokenStore>,
    },
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::UserToken(_) => f.write_str("UserToken(***)"),
            Auth::VkId { refresh, .. } => f
                .debug_struct("VkId")
                .field("tokens", &"***")
                .field("refresh", refresh)
                .finish_non_exhaustive(),
        }
    }
}

/// The VK ID application that issued the tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refresh {
    /// The token endpoint ([`DEFAULT_REFRESH_URL`], or an emulator's `/oauth2/auth`).
    pub url: String,
    /// The VK ID app id.
    pub client_id: String,
    /// The device id VK ID returned with the first tokens; a refresh must repeat it.
    pub device_id: String,
}

/// One VK API request as plain data: the method and its parameters in the order sent, already
/// in VK's wire form (booleans `0`/`1`, lists comma-separated, `add_answers` a JSON array).
/// `v` and the token are added when it is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Method name as in the schema (`wall.post`).
    pub method: &'static str,
    /// The method's parameters, form-encoded (the token is added when sent).
    pub params: Vec<(&'static str, String)>,
}

/// What the upload server answered: the three values `photos.saveWallPhoto` takes back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadedPhoto {
    /// The upload server's number.
    pub server: i64,
    /// An opaque JSON string, passed on as it is.
    pub photo: String,
    /// The upload's signature.
    pub hash: String,
}

/// A poll to create (`polls.create`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPoll {
    /// `-group_id` for a community.
    pub owner_id: i64,
    /// The question.
    pub question: String,
    /// 1–10 answers of at most 100 characters.
    pub answers: Vec<String>,
    /// Hide who voted for what (VK's default is a public voter list).
    pub is_anonymous: bool,
    /// Several answers allowed.
    pub is_multiple: bool,
    /// Unix time when voting closes.
    pub end_date: Option<i64>,
}

/// A wall post to publish (`wall.post`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPost {
    /// `-group_id` for a community.
    pub owner_id: i64,
    /// Publish as the community rather than as the user.
    pub from_group: bool,
    /// Plain text; not sent when empty.
    pub message: String,
    /// `photo{owner}_{id}`, `poll{owner}_{id}`, in order.
    pub attachments: Vec<String>,
    /// The anti-duplicate key: VK answers a repeated `guid` with the first post.
    pub guid: String,
}

impl Request {
    /// `photos.getWallUploadServer(group_id)`: where to upload a picture for a community wall.
    pub fn get_wall_upload_server(group_id: u64) -> Request {
        Request {
            method: "photos.getWallUploadServer",
            params: vec![("group_id", group_id.to_string())],
        }
    }

    /// `photos.saveWallPhoto(group_id, photo, server, hash)`: keeps an uploaded picture.
    pub fn save_wall_photo(group_id: u64, uploaded: &UploadedPhoto) -> Request {
        Request {
            method: "photos.saveWallPhoto",
            params: vec![
                ("group_id", group_id.to_string()),
                ("photo", uploaded.photo.clone()),
                ("server", uploaded.server.to_string()),
                ("hash", uploaded.hash.clone()),
            ],
        }
    }

    /// `video.save(group_id, name, wallpost=0)`: where to upload a clip into the community's
    /// videos. `wallpost=0` so that VK does not post it by itself beside our `wall.post`
    /// (VIDEO.md §3.2); `repeat=1` makes an animation loop.
    pub fn save_video(group_id: u64, name: &str, repeat: bool) -> Request {
        let mut params = vec![
            ("group_id", group_id.to_string()),
            ("name", name.to_owned()),
            ("wallpost", flag(false)),
        ];
        if repeat {
            params.push(("repeat", flag(true)));
        }
        Request {
            method: "video.save",
            params,
        }
    }

    /// `polls.create`, the answers as a JSON array in `add_answers`.
    pub fn create_poll(poll: &NewPoll) -> Request {
        let answers = serde_json::to_string(&poll.answers).unwrap_or_else(|_| "[]".to_owned());
        let mut params = vec![
            ("owner_id", poll.owner_id.to_string()),
            ("question", poll.question.clone()),
            ("add_answers", answers),
            ("is_anonymous", flag(poll.is_anonymous)),
            ("is_multiple", flag(poll.is_multiple)),
        ];
        if let Some(end) = poll.end_date {
            params.push(("end_date", end.to_string()));
        }
        Request {
            method: "polls.create",
            params,
        }
    }

    /// `wall.post`; `message` and `attachments` are left out when empty.
    pub fn wall_post(post: &NewPost) -> Request {
        let mut params = vec![
            ("owner_id", post.owner_id.to_string()),
            ("from_group", flag(post.from_group)),
        ];
        if !post.message.is_empty() {
            params.push(("message", post.message.clone()));
        }
        if !post.attachments.is_empty() {
            params.push(("attachments", post.attachments.join(",")));
        }
        params.push(("guid", post.guid.clone()));
        Request {
            method: "wall.post",
            params,
        }
    }

    /// `wall.getComments`: a page of the comments under post `post_id` of the community, newest
    /// first, whole texts, with up to [`THREAD_ITEMS`] replies of each inline; or, with
    /// `thread`, a page of the replies to that comment.
    pub fn get_comments(
        group_id: u64,
        post_id: i64,
        thread: Option<i64>,
        offset: usize,
    ) -> Request {
        let mut params = vec![
            ("owner_id", format!("-{group_id}")),
            ("post_id", post_id.to_string()),
            ("offset", offset.to_string()),
            ("count", COMMENTS_PER_PAGE.to_string()),
            ("sort", "desc".to_owned()),
            ("preview_length", "0".to_owned()),
        ];
        match thread {
            Some(id) => params.push(("comment_id", id.to_string())),
            None => params.push(("thread_items_count", THREAD_ITEMS.to_string())),
        }
        Request {
            method: "wall.getComments",
            params,
        }
    }

    /// `wall.getComment`: one comment as it is now.
    pub fn get_comment(group_id: u64, comment_id: i64) -> Request {
        Request {
            method: "wall.getComment",
            params: vec![
                ("owner_id", format!("-{group_id}")),
                ("comment_id", comment_id.to_string()),
            ],
        }
    }

    /// `wall.deleteComment` (a user token of an admin of the community).
    pub fn delete_comment(group_id: u64, comment_id: i64) -> Request {
        Request {
            method: "wall.deleteComment",
            params: vec![
                ("owner_id", format!("-{group_id}")),
                ("comment_id", comment_id.to_string()),
            ],
        }
    }

    /// `wall.restoreComment`: brings back a deleted comment.
    pub fn restore_comment(group_id: u64, comment_id: i64) -> Request {
        Request {
            method: "wall.restoreComment",
            params: vec![
                ("owner_id", format!("-{group_id}")),
                ("comment_id", comment_id.to_string()),
            ],
        }
    }

    /// `groups.getMembers` with `filter=managers`: the community's administrators.
    pub fn get_managers(group_id: u64) -> Request {
        Request {
            method: "groups.getMembers",
            params: vec![
                ("group_id", group_id.to_string()),
                ("filter", "managers".to_owned()),
            ],
        }
    }

    /// `groups.getById(group_id, fields)`: a community's profile for the audit
    /// ([`PROFILE_FIELDS`]). In 5.199 the answer is `{groups: […], profiles: […]}`.
    pub fn get_group(group_id: u64) -> Request {
        Request {
            method: "groups.getById",
            params: vec![
                ("group_id", group_id.to_string()),
                ("fields", PROFILE_FIELDS.to_owned()),
            ],
        }
    }

    /// `wall.get`: a page of the community's own posts (`filter=owner`), newest first.
    ///
    /// The wall is named by `domain`, the community's owner id (`-group_id`): the schema at
    /// 5.199 (commit 0efe478) lists no `owner_id` for `wall.get`, and types `domain` as an
    /// integer or a short name of the `owner` entity. That VK takes a negative owner id there
    /// is UNCONFIRMED; `club<id>`, the community's canonical short name, is the fallback.
    pub fn wall_get(group_id: u64, offset: usize) -> Request {
        Request {
            method: "wall.get",
            params: vec![
                ("domain", format!("-{group_id}")),
                ("offset", offset.to_string()),
                ("count", POSTS_PER_PAGE.to_string()),
                ("filter", "owner".to_owned()),
            ],
        }
    }

    /// The form body as sent: the parameters, then `v`.
    pub fn form_body(&self) -> String {
        let mut pairs: Vec<(&str, &str)> =
            self.params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        pairs.push(("v", API_VERSION));
        encode_form(&pairs)
    }

    /// Whether the method can create something visible (only `wall.post`): the other calls
    /// upload or create attachments nobody sees until a post uses them, so sending them again
    /// is always safe.
    /// The community the call concerns, as its `owner_id` (`-42`), for the per-page rate;
    /// `""` when it names none.
    fn page(&self) -> String {
        let get = |name: &str| {
            self.params
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.trim())
        };
        match (get("owner_id"), get("group_id")) {
            (Some(owner), _) => owner.to_owned(),
            (None, Some(group)) if !group.is_empty() && !group.starts_with('-') => {
                format!("-{group}")
            }
            (None, Some(group)) => group.to_owned(),
            (None, None) => get("domain").unwrap_or_default().to_owned(),
        }
    }

    fn publishes(&self) -> bool {
        self.method == "wall.post"
    }
}

fn flag(value: bool) -> String {
    if value { "1" } else { "0" }.to_owned()
}

/// Whom a request serves: a publication that is due, or an upload ahead of time (which waits at
/// low priority, [`Limiter::until_idle`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Priority {
    Due,
    Ahead,
}

/// A published post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Posted {
    /// The wall (`-group_id`).
    pub owner_id: i64,
    /// The post's id on that wall: what the ledger stores.
    pub post_id: i64,
}

impl Posted {
    /// The post's address, `https://vk.com/wall-123_45`.
    pub fn url(&self) -> String {
        format!("https://vk.com/wall{}_{}", self.owner_id, self.post_id)
    }
}

/// A community as `groups.getById` shows it to the audit (the fields of [`PROFILE_FIELDS`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Group {
    /// Its id.
    pub id: u64,
    /// `deleted` or `banned` when it is gone.
    pub deactivated: Option<String>,
    /// 0 open, 1 closed, 2 private.
    pub is_closed: i64,
    /// Whether the token's user administers it (`None` when VK did not say).
    pub is_admin: Option<bool>,
    /// The verification mark.
    pub verified: Option<bool>,
    /// The description.
    pub description: Option<String>,
    /// The website.
    pub site: Option<String>,
    /// The main address's text.
    pub address: Option<String>,
    /// The main address's point, `latitude,longitude`.
    pub map: Option<String>,
    /// Phones of the main address and of the contacts.
    pub phones: Vec<String>,
    /// The main address's timetable, `mon 09:00–18:00, …`.
    pub hours: Option<String>,
    /// The links' URLs, the website first.
    pub links: Vec<String>,
}

impl Group {
    fn read(g: &Value) -> Group {
        let text = |v: &Value| {
            v.as_str()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let flag = |v: &Value| v.as_i64().map(|n| n != 0).or_else(|| v.as_bool());
        let main = &g["addresses"]["main_address"];
        let map = match (main["latitude"].as_f64(), main["longitude"].as_f64()) {
            (Some(lat), Some(long)) => Some(format!("{lat},{long}")),
            _ => None,
        };
        let mut phones: Vec<String> = text(&main["phone"]).into_iter().collect();
        phones.extend(
            g["contacts"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| text(&c["phone"])),
        );
        let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let hours: Vec<String> = days
            .iter()
            .filter_map(|d| {
                let day = &main["timetable"][*d];
                let open = day["open_time"].as_i64()?;
                let close = day["close_time"].as_i64()?;
                Some(format!(
                    "{d} {:02}:{:02}–{:02}:{:02}",
                    open / 60,
                    open % 60,
                    close / 60,
                    close % 60
                ))
            })
            .collect();
        let site = text(&g["site"]);
        let mut links: Vec<String> = site.iter().cloned().collect();
        links.extend(
            g["links"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|l| text(&l["url"])),
        );
        Group {
            id: g["id"].as_u64().unwrap_or(0),
            deactivated: text(&g["deactivated"]),
            is_closed: g["is_closed"].as_i64().unwrap_or(0),
            is_admin: flag(&g["is_admin"]),
            verified: flag(&g["verified"]),
            description: text(&g["description"]),
            site,
            address: text(&main["address"]),
            map,
            phones,
            hours: (!hours.is_empty()).then(|| hours.join(", ")),
            links,
        }
    }
}

/// One post of a wall as `wall.get` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WallItem {
    /// Its id on the wall.
    pub id: i64,
    /// The wall (`-group_id`).
    pub owner_id: i64,
    /// Unix time it was published.
    pub date: i64,
    /// Its text.
    pub text: String,
    /// Pinned at the top of the wall.
    pub pinned: bool,
}

impl WallItem {
    fn read(v: &Value) -> Option<WallItem> {
        Some(WallItem {
            id: v["id"].as_i64()?,
            owner_id: v["owner_id"].as_i64()?,
            date: v["date"].as_i64()?,
            text: v["text"].as_str().unwrap_or_default().to_owned(),
            pinned: v["is_pinned"].as_i64().is_some_and(|p| p != 0),
        })
    }

    /// Its id as the ledger keeps it (`-42_7`).
    pub fn remote_id(&self) -> String {
        format!("{}_{}", self.owner_id, self.id)
    }
}

/// The tokens in use, behind the client's lock.
enum AuthState {
    User(Secret),
    VkId { tokens: Rotating, refresh: Refresh },
}

/// A VK API client bound to one user.
///
/// `Debug` shows no token. Calls may run concurrently; a token refresh happens once for all of
/// them.
pub struct Client {
    http: reqwest::Client,
    base_url: String,
    auth: Mutex<AuthState>,
    limiter: Limiter,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url)
            .field("auth", &"***")
            .finish_non_exhaustive()
    }
}

/// A VK error object, as much of it as the client reads. `request_params` is deliberately not
/// a field: VK echoes the request there, the token too when it was sent as a parameter.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct ApiError {
    error_code: i64,
    #[serde(default)]
    error_msg: String,
}

#[derive(Deserialize)]
struct Envelope {
    response: Option<Value>,
    error: Option<ApiError>,
}

/// Why one attempt failed: VK's own error (which may call for a refresh) or anything else.
enum Failure {
    Api(ApiError),
    Other(PublishError),
}

impl From<PublishError> for Failure {
    fn from(e: PublishError) -> Failure {
        Failure::Other(e)
    }
}

impl Client {
    /// Builds a client.
    ///
    /// Fails when the base URL or the refresh URL is not an `http(s)` URL, a token cannot be
    /// sent in a header, or the HTTP client cannot be set up. The error never contains a token.
    pub fn new(config: Config) -> Result<Client, ConfigError> {
        let base_url = config.base_url.trim_end_matches('/').to_owned();
        check_url("VK base URL", &base_url)?;
        let auth = match config.auth {
            Auth::UserToken(token) => {
                check_token(&token)?;
                AuthState::User(token)
            }
            Auth::VkId {
                tokens,
                refresh,
                store,
            } => {
                check_token(&tokens.access)?;
                check_url("VK ID refresh URL", &refresh.url)?;
                AuthState::VkId {
                    tokens: Rotating::new(tokens, store),
                    refresh,
                }
            }
        };
        let http =
            crate::networks::http_client(config.connect_timeout, config.timeout).map_err(|e| {
                ConfigError {
                    reason: format!("cannot set up the HTTP client: {}", classify_transport(e)),
                }
            })?;
        Ok(Client {
            http,
            base_url,
            auth: Mutex::new(auth),
            limiter: Limiter::new(config.rate),
        })
    }

    /// Publishes a rendered post: uploads each picture, creates the poll, then calls
    /// `wall.post`, and returns the post.
    ///
    /// `image_bytes` gives the processed JPEG of a picture; it is called for every picture
    /// before anything is sent, so the returned future does not borrow it. A failure before `wall.post` leaves
    /// at most unused uploads and polls behind (invisible), so the whole list may be executed
    /// again; a repeated `wall.post` carries the same `guid`, and VK answers it with the first
    /// post for an hour. Only a `wall.post` without an answer is [`PublishError::Unknown`]. A
    /// call list that does not end in exactly one `wall.post`, or whose attachments point at
    /// missing steps, is [`PublishError::Rejected`] before anything is sent.
    pub fn execute(
        &self,
        calls: &[VkCall],
        image_bytes: &dyn Fn(&ImageRef) -> Vec<u8>,
    ) -> impl Future<Output = Result<Posted, PublishError>> + Send + '_ {
        self.execute_with(calls, image_bytes, NoCommit)
    }

    /// Like [`Client::execute`], calling `commit` immediately before `wall.post` leaves (after
    /// its rate-limit wait and every upload and poll, which publish nothing). If `commit`
    /// refuses, `wall.post` is not sent ([`PublishError::NotCommitted`]).
    pub fn execute_with<'a, C: Commit + 'a>(
        &'a self,
        calls: &[VkCall],
        image_bytes: &dyn Fn(&ImageRef) -> Vec<u8>,
        commit: C,
    ) -> impl Future<Output = Result<Posted, PublishError>> + use<'a, C> {
        self.execute_prepared(calls, image_bytes, Vec::new(), commit)
    }

    /// Like [`Client::execute_with`], with pictures uploaded ahead of time
    /// ([`Client::upload_wall_photo_ahead`]): the `n`-th `UploadPhoto` step uses `ready[n]`
    /// (`photo{owner}_{id}`) when it is given instead of uploading again, so that at the
    /// deadline only `wall.post` is left.
    ///
    /// How long VK keeps a saved wall photo that no post uses is UNCONFIRMED (NETWORKS.md §2.5
    /// says nothing of it). So when `wall.post` is refused ([`PublishError::Rejected`]: VK
    /// answered, nothing was published) and it carried pictures uploaded ahead, those pictures
    /// are uploaded again now and `wall.post` is sent once more, with the same `guid`; `commit`
    /// is called again before it (it lets a second call of one publication through). Every
    /// other failure is returned as it is.
    ///
    /// The whole publication holds the token busy ([`Limiter::busy`]): uploads ahead of other
    /// posts wait until it is done.
    pub fn execute_prepared<'a, C: Commit + 'a>(
        &'a self,
        calls: &[VkCall],
        image_bytes: &dyn Fn(&ImageRef) -> Vec<u8>,
        ready: Vec<Option<String>>,
        mut commit: C,
    ) -> impl Future<Output = Result<Posted, PublishError>> + use<'a, C> {
        // The pictures are read before anything is sent, so the future borrows neither
        // `image_bytes` nor `calls` and can be spawned.
        let checked = check_plan(calls);
        let calls = calls.to_vec();
        let mut jpegs: Vec<Vec<u8>> = calls
            .iter()
            .filter_map(|c| match c {
                VkCall::UploadPhoto { image, .. } => Some(image_bytes(image)),
                _ => None,
            })
            .collect();
        let mut clips: Vec<Vec<u8>> = calls
            .iter()
            .filter_map(|c| match c {
                VkCall::UploadVideo { video, .. } => Some(image_bytes(&video.file())),
                _ => None,
            })
            .collect();
        async move {
            checked?;
            let _busy = self.limiter.busy();
            // Each upload step's group and attachment, and which came from ahead of time.
            let mut photos: Vec<(u64, String)> = Vec::new();
            let mut early: Vec<usize> = Vec::new();
            let mut poll = None;
            let mut videos: Vec<String> = Vec::new();
            for call in &calls {
                match call {
                    VkCall::UploadVideo {
                        group_id,
                        name,
                        video,
                    } => {
                        let mp4 = clips
                            .get_mut(videos.len())
                            .map(std::mem::take)
                            .unwrap_or_default();
                        let repeat = video.motion == Motion::Animation;
                        videos.push(self.upload_video(*group_id, name, repeat, mp4).await?);
                    }
                    VkCall::UploadPhoto { group_id, .. } => {
                        let n = photos.len();
                        let attachment = match ready.get(n).cloned().flatten() {
                            Some(id) => {
                                early.push(n);
                                id
                            }
                            None => {
                                let jpeg = jpegs.get_mut(n).map(std::mem::take).unwrap_or_default();
                                self.upload_wall_photo(*group_id, jpeg).await?
                            }
                        };
                        photos.push((*group_id, attachment));
                    }
                    VkCall::CreatePoll {
                        owner_id,
                        question,
                        add_answers,
                        is_anonymous,
                        is_multiple,
                        end_date,
                    } => {
                        let new = NewPoll {
                            owner_id: *owner_id,
                            question: question.clone(),
                            answers: add_answers.clone(),
                            is_anonymous: *is_anonymous,
                            is_multiple: *is_multiple,
                            end_date: *end_date,
                        };
                        poll = Some(self.create_poll(&new).await?);
                    }
                    VkCall::WallPost {
                        owner_id,
                        from_group,
                        message,
                        attachments,
                        guid,
                    } => {
                        let post = |photos: &[(u64, String)]| {
                            let attachments = attachments
                                .iter()
                                .map(|a| match a {
                                    VkAttachment::Photo(i) => {
                                        photos.get(*i).map(|(_, id)| id.clone())
                                    }
                                    VkAttachment::Video(i) => videos.get(*i).cloned(),
                                    VkAttachment::Poll => poll.clone(),
                                })
                                .collect::<Option<Vec<String>>>()
                                .ok_or_else(|| PublishError::Rejected {
                                    reason:
                                        "a VK attachment refers to a step that produced nothing"
                                            .to_owned(),
                                })?;
                            Ok::<_, PublishError>(NewPost {
                                owner_id: *owner_id,
                                from_group: *from_group,
                                message: message.clone(),
                                attachments,
                                guid: guid.clone(),
                            })
                        };
                        let first = self.wall_post_with(&post(&photos)?, &mut commit).await;
                        let post_id = match first {
                            Err(PublishError::Rejected { reason }) if !early.is_empty() => {
                                // Refused, so nothing is up: perhaps VK no longer keeps the
                                // pictures uploaded ahead. Upload them again and post once more.
                                tracing::warn!(
                                    reason = %reason,
                                    pictures = early.len(),
                                    "VK refused a post with pictures uploaded ahead; uploading them again"
                                );
                                for n in early.drain(..) {
                                    let jpeg =
                                        jpegs.get_mut(n).map(std::mem::take).unwrap_or_default();
                                    if let Some((group_id, id)) = photos.get_mut(n) {
                                        *id = self.upload_wall_photo(*group_id, jpeg).await?;
                                    }
                                }
                                self.wall_post_with(&post(&photos)?, &mut commit).await?
                            }
                            other => other?,
                        };
                        return Ok(Posted {
                            owner_id: *owner_id,
                            post_id,
                        });
                    }
                }
            }
            // check_plan guarantees the last step is wall.post.
            Err(PublishError::Rejected {
                reason: "the VK publication has no wall.post step".to_owned(),
            })
        }
    }

    /// Uploads one picture to a community wall (`photos.getWallUploadServer` → POST `photo` →
    /// `photos.saveWallPhoto`) and returns its attachment, `photo{owner}_{id}` (with
    /// `_{access_key}` when VK returns one).
    ///
    /// Nothing is published by this, so a lost answer is [`PublishError::Transient`].
    pub async fn upload_wall_photo(
        &self,
        group_id: u64,
        jpeg: Vec<u8>,
    ) -> Result<String, PublishError> {
        self.upload_wall_photo_at(group_id, jpeg, Priority::Due)
            .await
    }

    /// [`Client::upload_wall_photo`] ahead of time, for a post due later: its two API calls
    /// wait at low priority ([`Limiter::until_idle`]), after every publication's request, so
    /// that it never delays a publication. The attachment it returns goes to
    /// [`Client::execute_prepared`].
    pub async fn upload_wall_photo_ahead(
        &self,
        group_id: u64,
        jpeg: Vec<u8>,
    ) -> Result<String, PublishError> {
        self.upload_wall_photo_at(group_id, jpeg, Priority::Ahead)
            .await
    }

    async fn upload_wall_photo_at(
        &self,
        group_id: u64,
        jpeg: Vec<u8>,
        priority: Priority,
    ) -> Result<String, PublishError> {
        let server = self
            .call_at(Request::get_wall_upload_server(group_id), priority)
            .await?;
        let upload_url = server
            .get("upload_url")
            .and_then(Value::as_str)
            .map(|url| Secret::new(url.to_owned()))
            .ok_or_else(|| malformed("photos.getWallUploadServer", "upload_url"))?;
        let uploaded = self.upload(&upload_url, jpeg).await?;
        let saved = self
            .call_at(Request::save_wall_photo(group_id, &uploaded), priority)
            .await?;
        let photo = saved
            .as_array()
            .and_then(|list| list.first())
            .ok_or_else(|| malformed("photos.saveWallPhoto", "a photo"))?;
        media_ref("photo", photo).ok_or_else(|| malformed("photos.saveWallPhoto", "owner_id, id"))
    }

    /// Page `page` (from 0) of the comments under post `post_id` of the community, newest
    /// first, each followed by the replies of its thread, and whether the page was full (a next
    /// one may follow). At low priority: moderation never delays a publication.
    pub async fn comments_page(
        &self,
        group_id: u64,
        post_id: i64,
        page: usize,
    ) -> Result<(Vec<Comment>, bool), PublishError> {
        let thread = post_id.to_string();
        let answer = self
            .call_at(
                Request::get_comments(group_id, post_id, None, page * COMMENTS_PER_PAGE),
                Priority::Ahead,
            )
            .await?;
        let items = answer["items"].as_array().cloned().unwrap_or_default();
        let mut out = Vec::new();
        for item in &items {
            let Some(c) = read_comment(item, &thread) else {
                continue;
            };
            out.push(c);
            let replies = item["thread"]["items"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let total = item["thread"]["count"].as_u64().unwrap_or(0) as usize;
            if total > replies.len() {
                // A long thread: its newest page of replies.
                let id = item["id"].as_i64().unwrap_or(0);
                let more = self
                    .call_at(
                        Request::get_comments(group_id, post_id, Some(id), 0),
                        Priority::Ahead,
                    )
                    .await?;
                let more = more["items"].as_array().cloned().unwrap_or_default();
                out.extend(more.iter().filter_map(|r| read_comment(r, &thread)));
            } else {
                out.extend(replies.iter().filter_map(|r| read_comment(r, &thread)));
            }
        }
        Ok((out, items.len() >= COMMENTS_PER_PAGE))
    }

    /// One comment as it is now, `None` when it is gone (deleted, or never was).
    pub async fn comment(
        &self,
        group_id: u64,
        post_id: i64,
        comment_id: i64,
    ) -> Result<Option<Comment>, PublishError> {
        match self
            .call_at(Request::get_comment(group_id, comment_id), Priority::Ahead)
            .await
        {
            Ok(answer) => Ok(answer["items"]
                .as_array()
                .and_then(|a| a.first())
                .and_then(|c| read_comment(c, &post_id.to_string()))),
            Err(PublishError::Rejected { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `wall.deleteComment`.
    pub async fn delete_comment(&self, group_id: u64, comment_id: i64) -> Result<(), PublishError> {
        self.call_at(
            Request::delete_comment(group_id, comment_id),
            Priority::Ahead,
        )
        .await
        .map(|_| ())
    }

    /// `wall.restoreComment`.
    pub async fn restore_comment(
        &self,
        group_id: u64,
        comment_id: i64,
    ) -> Result<(), PublishError> {
        self.call_at(
            Request::restore_comment(group_id, comment_id),
            Priority::Ahead,
        )
        .await
        .map(|_| ())
    }

    /// The user ids of the community's administrators.
    pub async fn managers(&self, group_id: u64) -> Result<Vec<i64>, PublishError> {
        let answer = self
            .call_at(Request::get_managers(group_id), Priority::Ahead)
            .await?;
        Ok(answer["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m["id"].as_i64().or_else(|| m.as_i64()))
            .collect())
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

    /// A community's profile as the audit reads it (`groups.getById`), at low priority.
    pub async fn group(&self, group_id: u64) -> Result<Group, PublishError> {
        let answer = self
            .call_at(Request::get_group(group_id), Priority::Ahead)
            .await?;
        // 5.199: `{groups: […]}`; older versions answered the array itself.
        let groups = answer
            .get("groups")
            .and_then(Value::as_array)
            .or_else(|| answer.as_array())
            .ok_or_else(|| malformed("groups.getById", "groups"))?;
        groups
            .iter()
            .find(|g| g["id"].as_u64() == Some(group_id))
            .or_else(|| groups.first())
            .map(Group::read)
            .ok_or_else(|| PublishError::Rejected {
                reason: format!("VK answered groups.getById without community {group_id}"),
            })
    }

    /// The community's own posts published at or after `since` (unix time), newest first,
    /// read a hundred at a time (`wall.get`, `filter=owner`) at low priority, at most `pages`
    /// pages (VK counts `wall.get` against a daily quota of 5,000 calls, NETWORKS.md §2.8).
    /// Returns the posts and the number of calls made.
    pub async fn wall_since(
        &self,
        group_id: u64,
        since: i64,
        pages: usize,
    ) -> Result<(Vec<WallItem>, usize), PublishError> {
        let mut out = Vec::new();
        let mut calls = 0;
        let mut offset = 0;
        while calls < pages {
            let answer = self
                .call_at(Request::wall_get(group_id, offset), Priority::Ahead)
                .await?;
            calls += 1;
            let items = answer["items"].as_array().cloned().unwrap_or_default();
            let total = answer["count"].as_u64().unwrap_or(0) as usize;
            let mut older = false;
            for item in &items {
                let Some(post) = WallItem::read(item) else {
                    continue;
                };
                // A pinned post may be old and stand first: it does not end the reading.
                if post.date < since {
                    older |= !post.pinned;
                    continue;
                }
                out.push(post);
            }
            offset += items.len();
            if items.is_empty() || older || offset >= total {
                break;
            }
        }
        Ok((out, calls))
    }

    /// Uploads one clip into a community's videos (`video.save(wallpost=0)` → POST
    /// `video_file`) and returns its attachment, `video{owner}_{id}`. Whether `wall.post`
    /// takes a video VK is still processing is UNCONFIRMED (VIDEO.md §3.2): it is attached at
    /// once.
    ///
    /// Nothing is published by this, so a lost answer is [`PublishError::Transient`]. VK's
    /// daily quota of `video.save` (5,000 a day per app) answers error 29, a rate limit.
    pub async fn upload_video(
        &self,
        group_id: u64,
        name: &str,
        repeat: bool,
        mp4: Vec<u8>,
    ) -> Result<String, PublishError> {
        let saved = self
            .call(Request::save_video(group_id, name, repeat))
            .await?;
        let upload_url = saved
            .get("upload_url")
            .and_then(Value::as_str)
            .map(|url| Secret::new(url.to_owned()))
            .ok_or_else(|| malformed("video.save", "upload_url"))?;
        let owner = saved.get("owner_id").and_then(Value::as_i64);
        let id = saved.get("video_id").and_then(Value::as_i64);
        let (Some(owner), Some(id)) = (owner, id) else {
            return Err(malformed("video.save", "owner_id, video_id"));
        };
        self.upload_file(&upload_url, "video_file", "video.mp4", "video/mp4", mp4)
            .await?;
        Ok(match saved.get("access_key").and_then(Value::as_str) {
            Some(key) if !key.is_empty() => format!("video{owner}_{id}_{key}"),
            _ => format!("video{owner}_{id}"),
        })
    }

    /// `polls.create`; returns the attachment `poll{owner}_{id}`.
    pub async fn create_poll(&self, poll: &NewPoll) -> Result<String, PublishError> {
        let answer = self.call(Request::create_poll(poll)).await?;
        media_ref("poll", &answer).ok_or_else(|| malformed("polls.create", "owner_id, id"))
    }

    /// `wall.post`; returns the post id (the first post's id when the `guid` was seen within
    /// the hour).
    pub async fn wall_post(&self, post: &NewPost) -> Result<i64, PublishError> {
        self.wall_post_with(post, &mut NoCommit).await
    }

    async fn wall_post_with<C: Commit + ?Sized>(
        &self,
        post: &NewPost,
        commit: &mut C,
    ) -> Result<i64, PublishError> {
        let answer = self.call_with(Request::wall_post(post), commit).await?;
        answer
            .get("post_id")
            .and_then(Value::as_i64)
            .ok_or_else(|| PublishError::Unknown {
                reason: "VK answered wall.post without a post_id; the post may be up".to_owned(),
            })
    }

    /// Sends one API request and returns VK's `response`, refreshing a VK ID token once if VK
    /// says it is invalid or expired.
    pub async fn call(&self, request: Request) -> Result<Value, PublishError> {
        self.call_with(request, &mut NoCommit).await
    }

    /// [`Client::call`] at `priority` (a request that cannot publish).
    async fn call_at(&self, request: Request, priority: Priority) -> Result<Value, PublishError> {
        self.call_full(request, &mut NoCommit, priority).await
    }

    /// [`Client::call`], calling `commit` immediately before a request that can publish
    /// (`wall.post`) leaves.
    async fn call_with<C: Commit + ?Sized>(
        &self,
        request: Request,
        commit: &mut C,
    ) -> Result<Value, PublishError> {
        self.call_full(request, commit, Priority::Due).await
    }

    async fn call_full<C: Commit + ?Sized>(
        &self,
        request: Request,
        commit: &mut C,
        priority: Priority,
    ) -> Result<Value, PublishError> {
        let result = self.call_inner(&request, commit, priority).await;
        let result = match result {
            // Only wall.post can publish; anything else that got lost can be sent again.
            Err(PublishError::Unknown { reason }) if !request.publishes() => {
                Err(PublishError::Transient {
                    reason: format!("{reason} ({} publishes nothing)", request.method),
                })
            }
            other => other,
        };
        match result {
            Ok(v) => Ok(v),
            Err(e) => Err(self.redact(e).await),
        }
    }

    async fn call_inner<C: Commit + ?Sized>(
        &self,
        request: &Request,
        commit: &mut C,
        priority: Priority,
    ) -> Result<Value, PublishError> {
        let token = self.access_token().await?;
        let refreshable = matches!(*self.auth.lock().await, AuthState::VkId { .. });
        match self.send(request, &token, commit, priority).await {
            Ok(v) => Ok(v),
            Err(Failure::Api(e)) if refreshable && token_expired(e.error_code) => {
                self.refresh(&token).await?;
                let token = self.access_token().await?;
                match self.send(request, &token, commit, priority).await {
                    Ok(v) => Ok(v),
                    Err(Failure::Api(e)) => Err(classify_api(request.method, &e, Some(true))),
                    Err(Failure::Other(e)) => Err(e),
                }
            }
            Err(Failure::Api(e)) => Err(classify_api(
                request.method,
                &e,
                refreshable.then_some(false),
            )),
            Err(Failure::Other(e)) => Err(e),
        }
    }

    /// The access token to send, after saving a pair that is still unsaved.
    async fn access_token(&self) -> Result<Secret, PublishError> {
        let mut auth = self.auth.lock().await;
        match &mut *auth {
            AuthState::User(token) => Ok(token.clone()),
            AuthState::VkId { tokens, .. } => tokens.access_token().map_err(store_failed),
        }
    }

    /// Exchanges the refresh token for a new pair and saves it, unless another call already
    /// replaced `failed`.
    async fn refresh(&self, failed: &Secret) -> Result<(), PublishError> {
        let mut auth = self.auth.lock().await;
        let AuthState::VkId { tokens, refresh } = &mut *auth else {
            return Ok(());
        };
        if !tokens.is_current(failed) {
            return Ok(());
        }
        let new = self
            .request_refresh(refresh, &tokens.tokens().refresh)
            .await?;
        check_token(&new.access).map_err(|e| PublishError::Unauthorized { reason: e.reason })?;
        tokens.install(new).map_err(store_failed)
    }

    async fn request_refresh(
        &self,
        refresh: &Refresh,
        token: &Secret,
    ) -> Result<TokenPair, PublishError> {
        let state = format!(
            "{:016x}",
            RandomState::new().hash_one(std::time::Instant::now())
        );
        let body = encode_form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", token.expose()),
            ("client_id", &refresh.client_id),
            ("device_id", &refresh.device_id),
            ("state", &state),
        ]);
        // A refresh publishes nothing: whatever went wrong on the way, the publication can be
        // tried again (if VK ID did rotate the pair unseen, that try ends in Unauthorized).
        let transient = |e: reqwest::Error| PublishError::Transient {
            reason: format!(
                "refreshing the VK ID token failed: {}",
                classify_transport(e)
            ),
        };
        let response = self
            .http
            .post(&refresh.url)
            .header(CONTENT_TYPE, FORM)
            .body(body)
            .send()
            .await
            .map_err(transient)?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(transient)?;
        if status >= 500 {
            return Err(PublishError::Transient {
                reason: format!("VK ID answered HTTP {status} to the token refresh"),
            });
        }
        #[derive(Deserialize)]
        struct Answer {
            access_token: Option<String>,
            refresh_token: Option<String>,
            state: Option<String>,
            error: Option<String>,
            error_description: Option<String>,
        }
        let answer: Answer =
            serde_json::from_slice(&bytes).map_err(|_| PublishError::Transient {
                reason: format!("VK ID answered the token refresh with HTTP {status} and no JSON"),
            })?;
        if let Some(error) = answer.error {
            if status == 429 {
                return Err(PublishError::RateLimited {
                    after: Duration::from_secs(1),
                });
            }
            let detail = answer
                .error_description
                .map(|d| format!(" ({})", clip(&d)))
                .unwrap_or_default();
            return Err(PublishError::Unauthorized {
                reason: crate::t!(
                    "net-refresh-refused",
                    network = "VK ID",
                    error = format!("{}{detail}", clip(&error))
                ),
            });
        }
        if answer.state.is_some_and(|s| s != state) {
            return Err(PublishError::Unauthorized {
                reason: "VK ID answered the token refresh with another state".to_owned(),
            });
        }
        match (answer.access_token, answer.refresh_token) {
            (Some(access), Some(refresh)) if !access.is_empty() && !refresh.is_empty() => {
                Ok(TokenPair {
                    access: Secret::new(access),
                    refresh: Secret::new(refresh),
                })
            }
            _ => Err(PublishError::Unauthorized {
                reason: format!(
                    "VK ID answered the token refresh with HTTP {status} but without a new token pair"
                ),
            }),
        }
    }

    /// The limits this client keeps to.
    pub fn rate(&self) -> RateLimits {
        self.limiter.limits()
    }

    /// One attempt, once the token (and the community) may send again: a form-encoded POST
    /// with the token in the header.
    async fn send<C: Commit + ?Sized>(
        &self,
        request: &Request,
        token: &Secret,
        commit: &mut C,
        priority: Priority,
    ) -> Result<Value, Failure> {
        // Held until the answer is read: until then the request counts against the limits.
        let page = request.page();
        let waited = match priority {
            Priority::Due => self.limiter.until_ready(&page).await,
            Priority::Ahead => self.limiter.until_idle(&page).await,
        };
        let _permit = waited.map_err(|p| Failure::Other(p.into()))?;
        // The point of no return: the wait above and the uploads before were safe to cut.
        if request.publishes() {
            commit.commit().map_err(PublishError::from)?;
        }
        let result = self.send_now(request, token).await;
        // VK's limits are the token's, whatever the community (docs/api-facts.md#vk-rate-limits):
        // a rate-limit answer pauses every call of the token, not only this one.
        let limited = match &result {
            Err(Failure::Api(e)) => rate_limit_wait(e.error_code),
            Err(Failure::Other(e)) => e.retry_after(),
            Ok(_) => None,
        };
        if let Some(after) = limited {
            self.limiter.rate_limited("", after);
        }
        result
    }

    async fn send_now(&self, request: &Request, token: &Secret) -> Result<Value, Failure> {
        let mut bearer =
            HeaderValue::from_str(&format!("Bearer {}", token.expose())).map_err(|_| {
                PublishError::Unauthorized {
                    reason: "the VK token holds characters that cannot be sent".to_owned(),
                }
            })?;
        bearer.set_sensitive(true);
        let method = request.method;
        let response = self
            .http
            .post(format!("{}/method/{method}", self.base_url))
            .header(AUTHORIZATION, bearer)
            .header(CONTENT_TYPE, FORM)
            .body(request.form_body())
            .send()
            .await
            .map_err(classify_transport)?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(classify_transport)?;
        interpret(method, status, &body)
    }

    /// POSTs the picture to the upload URL as the multipart field `photo`. No token goes
    /// there: the URL itself is the permission, and it may be another host.
    async fn upload(&self, url: &Secret, jpeg: Vec<u8>) -> Result<UploadedPhoto, PublishError> {
        let (status, body) = self
            .upload_file(url, "photo", "photo.jpg", "image/jpeg", jpeg)
            .await?;
        interpret_upload(status, &body)
    }

    /// POSTs one file to an upload address in the multipart field `field`; returns the HTTP
    /// status and the body. A clip's answer (`video_hash`, `size`; the rest UNCONFIRMED,
    /// VIDEO.md §3.2) is only checked for an `error`.
    async fn upload_file(
        &self,
        url: &Secret,
        field: &'static str,
        file_name: &'static str,
        mime: &'static str,
        bytes: Vec<u8>,
    ) -> Result<(u16, Vec<u8>), PublishError> {
        // Nothing is published by an upload: a lost answer only costs a new upload.
        let transport = |e: reqwest::Error| match classify_transport(e) {
            PublishError::Unknown { reason } => PublishError::Transient {
                reason: format!("uploading a file to VK: {reason}"),
            },
            other => other,
        };
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(file_name)
            .mime_str(mime)
            .map_err(transport)?;
        let form = reqwest::multipart::Form::new().part(field, part);
        let response = self
            .http
            .post(url.expose())
            .multipart(form)
            .send()
            .await
            .map_err(transport)?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(transport)?;
        if field == "video_file" {
            interpret_video_upload(status, &body)?;
        }
        Ok((status, body.to_vec()))
    }

    /// Replaces every token this client holds by `***` in an error's text.
    async fn redact(&self, e: PublishError) -> PublishError {
        let auth = self.auth.lock().await;
        match &*auth {
            AuthState::User(token) => e.redacted(token.expose()),
            AuthState::VkId { tokens, .. } => e
                .redacted(tokens.tokens().access.expose())
                .redacted(tokens.tokens().refresh.expose()),
        }
    }
}

/// Checks that a call list is one VK publication: steps, then exactly one `wall.post`, last.
fn check_plan(calls: &[VkCall]) -> Result<(), PublishError> {
    let posts = calls
        .iter()
        .filter(|c| matches!(c, VkCall::WallPost { .. }))
        .count();
    let polls = calls
        .iter()
        .filter(|c| matches!(c, VkCall::CreatePoll { .. }))
        .count();
    let uploads = calls
        .iter()
        .filter(|c| matches!(c, VkCall::UploadPhoto { .. }))
        .count();
    let videos = calls
        .iter()
        .filter(|c| matches!(c, VkCall::UploadVideo { .. }))
        .count();
    let attachments_exist = match calls.last() {
        Some(VkCall::WallPost { attachments, .. }) => attachments.iter().all(|a| match a {
            VkAttachment::Photo(i) => *i < uploads,
            VkAttachment::Video(i) => *i < videos,
            VkAttachment::Poll => polls == 1,
        }),
        _ => false,
    };
    if posts != 1 || polls > 1 || !attachments_exist {
        return Err(PublishError::Rejected {
            reason: "a VK publication must be uploads, at most one poll, then one wall.post whose attachments are those steps"
                .to_owned(),
        });
    }
    Ok(())
}

fn check_url(what: &str, url: &str) -> Result<(), ConfigError> {
    match reqwest::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(()),
        _ => Err(ConfigError {
            reason: format!("the {what} `{url}` is not an http(s) URL"),
        }),
    }
}

fn check_token(token: &Secret) -> Result<(), ConfigError> {
    let t = token.expose();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ConfigError {
            reason: "the VK token is empty or holds spaces or non-ASCII characters".to_owned(),
        });
    }
    Ok(())
}

fn store_failed(reason: String) -> PublishError {
    PublishError::Unauthorized {
        reason: format!(
            "VK ID issued new tokens but saving them failed ({}); nothing was sent with them, and saving is tried again before the next call",
            clip(&reason)
        ),
    }
}

/// Error codes that say the access token itself is no longer good: a refresh may help.
fn token_expired(code: i64) -> bool {
    matches!(code, 5 | 1117)
}

/// Maps an HTTP answer of the API onto `response` or a failure.
fn interpret(method: &str, status: u16, body: &[u8]) -> Result<Value, Failure> {
    match status {
        500..=599 => {
            return Err(PublishError::Transient {
                reason: format!("VK answered HTTP {status} to {method}"),
            }
            .into());
        }
        429 => {
            return Err(PublishError::RateLimited {
                after: Duration::from_secs(1),
            }
            .into());
        }
        200..=299 => {}
        _ => {
            return Err(PublishError::Rejected {
                reason: format!("VK answered HTTP {status} to {method}; is the base URL right?"),
            }
            .into());
        }
    }
    match serde_json::from_slice::<Envelope>(body) {
        Ok(Envelope {
            error: Some(error), ..
        }) => Err(Failure::Api(error)),
        Ok(Envelope {
            response: Some(response),
            ..
        }) => Ok(response),
        // Not VK speaking (a proxy page, a cut body): the call may have been applied.
        _ => Err(PublishError::Unknown {
            reason: format!("VK answered {method} with HTTP {status} but no VK response"),
        }
        .into()),
    }
}

/// The wait a VK error asks for when it is a rate limit: 6 (too many requests per second:
/// about a second, NETWORKS.md §2.8), 9 (flood control: [`FLOOD_CONTROL_WAIT`]) and 29 (a
/// method's quota: [`QUOTA_WAIT`]). The client pauses the whole token for it: 6 is the token's
/// rate; 9 and 29 may concern one kind of action or one method only (UNCONFIRMED), and pausing
/// the token is the cautious reading.
fn rate_limit_wait(code: i64) -> Option<Duration> {
    match code {
        6 => Some(Duration::from_secs(1)),
        9 => Some(FLOOD_CONTROL_WAIT),
        29 => Some(QUOTA_WAIT),
        _ => None,
    }
}

/// Maps a VK error onto what the scheduler acts on. `refreshed` says whether the client holds a
/// refresh token (`Some`) and whether it already refreshed for this call (`Some(true)`).
fn classify_api(method: &str, e: &ApiError, refreshed: Option<bool>) -> PublishError {
    let code = e.error_code;
    let said = crate::t!(
        "net-said",
        network = "VK",
        code = code.to_string(),
        method = method,
        message = clip(&e.error_msg).trim_end_matches('.')
    );
    // The network's words, then what a person does about them.
    let reason = |hint: String| crate::t!("net-hint", said = said.as_str(), hint = hint);
    let hint = |id: &str| reason(crate::t!(id));
    if let Some(after) = rate_limit_wait(code) {
        return PublishError::RateLimited { after };
    }
    match code {
        1 | 10 => PublishError::Transient { reason: said },
        // A failed upload: the publication starts again with a fresh upload server.
        22 | 118 | 121 => PublishError::Transient {
            reason: hint("vk-upload-again"),
        },
        5 | 1117 => PublishError::Unauthorized {
            reason: hint(match refreshed {
                Some(true) => "vk-refresh-failed",
                Some(false) => "vk-token-refused",
                None => "vk-token-expired",
            }),
        },
        27 => PublishError::Unauthorized {
            reason: reason(crate::t!("vk-user-token-only", method = method)),
        },
        28 => PublishError::Unauthorized {
            reason: hint("vk-app-not-allowed"),
        },
        3609 => PublishError::Unauthorized {
            reason: hint("vk-token-extension"),
        },
        7 | 15 | 18 | 200 | 203 | 703 | 704 => PublishError::Unauthorized {
            reason: hint("vk-no-right"),
        },
        14 => PublishError::Unauthorized {
            reason: hint("vk-captcha"),
        },
        17 => PublishError::Unauthorized {
            reason: hint("vk-validate"),
        },
        24 => PublishError::Unauthorized {
            reason: hint("vk-confirm"),
        },
        // 100 (parameters), 113/125 (ids), 214 (posting denied), 222 (links), 129 (photo), …:
        // VK answered, nothing was applied, and the same request fails the same way.
        _ => PublishError::Rejected { reason: said },
    }
}

/// The upload server's answer as JSON, or why it is refused: an HTTP error, no JSON, or an
/// `error` (about the `what` uploaded: a picture, a clip).
fn upload_answer(status: u16, body: &[u8], what: &str) -> Result<Value, PublishError> {
    if status >= 500 {
        return Err(PublishError::Transient {
            reason: format!("the VK upload server answered HTTP {status}"),
        });
    }
    if !(200..300).contains(&status) {
        return Err(PublishError::Rejected {
            reason: format!("the VK upload server answered HTTP {status}"),
        });
    }
    let answer: Value = serde_json::from_slice(body).map_err(|_| PublishError::Transient {
        reason: "the VK upload server answered without JSON".to_owned(),
    })?;
    if let Some(error) = answer.get("error") {
        let text = error
            .as_str()
            .map(clip)
            .unwrap_or_else(|| error.to_string());
        return Err(PublishError::Rejected {
            reason: format!("the VK upload server refused the {what}: {}", clip(&text)),
        });
    }
    Ok(answer)
}

/// Reads the answer of a clip's upload: an HTTP error or an `error` is refused.
fn interpret_video_upload(status: u16, body: &[u8]) -> Result<(), PublishError> {
    upload_answer(status, body, "clip").map(|_| ())
}

/// Maps the upload server's answer onto the three values `photos.saveWallPhoto` needs.
fn interpret_upload(status: u16, body: &[u8]) -> Result<UploadedPhoto, PublishError> {
    let answer = upload_answer(status, body, "picture")?;
    let server = answer.get("server").and_then(|s| match s {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    });
    let photo = answer.get("photo").and_then(Value::as_str);
    let hash = answer.get("hash").and_then(Value::as_str);
    match (server, photo, hash) {
        (Some(server), Some(photo), Some(hash)) if !photo.is_empty() && photo != "[]" => {
            Ok(UploadedPhoto {
                server,
                photo: photo.to_owned(),
                hash: hash.to_owned(),
            })
        }
        _ => Err(PublishError::Rejected {
            reason: "the VK upload server kept no picture (an empty `photo`)".to_owned(),
        }),
    }
}

/// `{kind}{owner_id}_{id}[_{access_key}]` from a photo or poll object.
fn media_ref(kind: &str, object: &Value) -> Option<String> {
    let owner = object.get("owner_id")?.as_i64()?;
    let id = object.get("id")?.as_i64()?;
    Some(match object.get("access_key").and_then(Value::as_str) {
        Some(key) if !key.is_empty() => format!("{kind}{owner}_{id}_{key}"),
        _ => format!("{kind}{owner}_{id}"),
    })
}

/// An answer of a step before `wall.post` that lacks what we need: nothing was published.
/// A comment of a `wall.getComments` answer; `None` for a deleted one or one without an id.
fn read_comment(item: &Value, thread: &str) -> Option<Comment> {
    if item.get("deleted").and_then(Value::as_bool) == Some(true) {
        return None;
    }
    Some(Comment {
        thread: thread.to_owned(),
        id: item["id"].as_i64()?.to_string(),
        author: item["from_id"].as_i64().unwrap_or(0).to_string(),
        text: item["text"].as_str().unwrap_or_default().to_owned(),
        date: Comment::unix(item["date"].as_i64().unwrap_or(0)),
    })
}

fn malformed(method: &str, what: &str) -> PublishError {
    PublishError::Transient {
        reason: format!("VK answered {method} without {what}"),
    }
}

/// At most 300 characters of a text the network sent, so an error stays one line's worth.
fn clip(text: &str) -> String {
    let one_line = text.replace(['\n', '\r'], " ");
    match one_line.char_indices().nth(300) {
        Some((cut, _)) => format!("{}…", &one_line[..cut]),
        None => one_line,
    }
}

/// `application/x-www-form-urlencoded` as browsers write it: ASCII letters, digits and `*-._`
/// stay, a space becomes `+`, every other byte of the UTF-8 is `%XX`.
pub fn encode_form(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (key, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode_component(key, &mut out);
        out.push('=');
        encode_component(value, &mut out);
    }
    out
}

fn encode_component(text: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in text.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 15)]));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: i64) -> ApiError {
        ApiError {
            error_code: code,
            error_msg: "words".to_owned(),
        }
    }

    #[test]
    fn forms_are_encoded_like_browsers_do() {
        assert_eq!(
            encode_form(&[("message", "Каток & мы: 100%"), ("a b", "x+y=z")]),
            "message=%D0%9A%D0%B0%D1%82%D0%BE%D0%BA+%26+%D0%BC%D1%8B%3A+100%25&a+b=x%2By%3Dz"
        );
    }

    #[test]
    fn requests_are_in_wire_form() {
        let poll = Request::create_poll(&NewPoll {
            owner_id: -7,
            question: "Q?".to_owned(),
            answers: vec!["Да".to_owned(), "Нет \"точно\"".to_owned()],
            is_anonymous: true,
            is_multiple: false,
            end_date: None,
        });
        assert_eq!(
            poll.params,
            vec![
                ("owner_id", "-7".to_owned()),
                ("question", "Q?".to_owned()),
                ("add_answers", r#"["Да","Нет \"точно\""]"#.to_owned()),
                ("is_anonymous", "1".to_owned()),
                ("is_multiple", "0".to_owned()),
            ]
        );
        let post = Request::wall_post(&NewPost {
            owner_id: -7,
            from_group: true,
            message: String::new(),
            attachments: vec!["photo-7_1".to_owned(), "poll-7_2".to_owned()],
            guid: "g".to_owned(),
        });
        assert_eq!(
            post.form_body(),
            "owner_id=-7&from_group=1&attachments=photo-7_1%2Cpoll-7_2&guid=g&v=5.199"
        );
    }

    #[test]
    fn vk_errors_map_onto_outcomes() {
        let c = |code| classify_api("wall.post", &api(code), None);
        assert_eq!(
            c(6),
            PublishError::RateLimited {
                after: Duration::from_secs(1)
            }
        );
        assert_eq!(c(9).retry_after(), Some(FLOOD_CONTROL_WAIT));
        assert_eq!(c(29).retry_after(), Some(QUOTA_WAIT));
        for code in [1, 10, 22, 118, 121] {
            assert!(matches!(c(code), PublishError::Transient { .. }), "{code}");
        }
        for code in [5, 7, 14, 15, 17, 24, 27, 28, 1117, 3609] {
            assert!(
                matches!(c(code), PublishError::Unauthorized { .. }),
                "{code}"
            );
        }
        for code in [3, 8, 100, 113, 125, 129, 214, 222, 250] {
            assert!(matches!(c(code), PublishError::Rejected { .. }), "{code}");
        }
    }

    #[test]
    fn answers_are_read_without_request_params() {
        let body = br#"{"error":{"error_code":100,"error_msg":"One of the parameters specified was missing or invalid: owner_id","request_params":[{"key":"access_token","value":"vk1.a.SECRET"}]}}"#;
        let Err(Failure::Api(e)) = interpret("wall.post", 200, body) else {
            panic!("an API error");
        };
        let text = classify_api("wall.post", &e, None).to_string();
        assert!(!text.contains("SECRET"), "{text}");
        assert!(text.contains("owner_id"), "{text}");
        assert!(matches!(
            interpret("wall.post", 200, b"<html>"),
            Err(Failure::Other(PublishError::Unknown { .. }))
        ));
        assert!(matches!(
            interpret("wall.post", 502, b""),
            Err(Failure::Other(PublishError::Transient { .. }))
        ));
    }

    #[test]
    fn upload_answers_are_checked() {
        assert_eq!(
            interpret_upload(200, br#"{"server":5,"photo":"[{}]","hash":"h"}"#),
            Ok(UploadedPhoto {
                server: 5,
                photo: "[{}]".to_owned(),
                hash: "h".to_owned()
            })
        );
        assert!(matches!(
            interpret_upload(200, br#"{"server":5,"photo":"[]","hash":"h"}"#),
            Err(PublishError::Rejected { .. })
        ));
        assert!(matches!(
            interpret_upload(200, br#"{"error":"ERR_UPLOAD_BAD_IMAGE_SIZE: too big"}"#),
            Err(PublishError::Rejected { .. })
        ));
    }

    #[test]
    fn call_lists_are_checked_before_anything_is_sent() {
        let post = |attachments| VkCall::WallPost {
            owner_id: -7,
            from_group: true,
            message: "x".to_owned(),
            attachments,
            guid: "g".to_owned(),
        };
        assert!(check_plan(&[post(vec![])]).is_ok());
        assert!(check_plan(&[post(vec![VkAttachment::Photo(0)])]).is_err());
        assert!(check_plan(&[post(vec![VkAttachment::Poll])]).is_err());
        assert!(check_plan(&[post(vec![]), post(vec![])]).is_err());
        assert!(check_plan(&[]).is_err());
    }

    #[test]
    fn calls_count_against_their_community() {
        assert_eq!(Request::get_wall_upload_server(42).page(), "-42");
        let post = NewPost {
            owner_id: -42,
            from_group: true,
            message: "x".to_owned(),
            attachments: Vec::new(),
            guid: "g".to_owned(),
        };
        assert_eq!(Request::wall_post(&post).page(), "-42");
        let other = Request {
            method: "groups.getById",
            params: Vec::new(),
        };
        assert_eq!(other.page(), "");
    }

    #[test]
    fn attachments_carry_the_access_key_when_given() {
        let photo = serde_json::json!({"id": 3, "owner_id": -7, "access_key": "abc"});
        assert_eq!(media_ref("photo", &photo).as_deref(), Some("photo-7_3_abc"));
        let poll = serde_json::json!({"id": 4, "owner_id": -7});
        assert_eq!(media_ref("poll", &poll).as_deref(), Some("poll-7_4"));
    }
}
