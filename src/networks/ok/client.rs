//! A thin OK (Odnoklassniki) REST API client of our own on reqwest: the two methods that publish
//! a topic in a group, each first built as a plain [`Request`] (so tests can look at it without
//! a network), then signed and sent as a form-encoded POST to `{base}/fb.do`.
//!
//! - Every call carries `method`, `application_key`, `format=json`, the method's parameters, `sig`
//!   and `access_token`. The signature is computed exactly as OK documents it
//!   (docs/api-facts.md#ok-requests-and-signature, [`signature`]): all parameters but `sig`,
//!   `access_token` and `session_key`, sorted by key, concatenated as raw `key=value` without
//!   separators, followed by the secret `md5(access_token + application_secret_key)`; `sig` is the
//!   lower-case hex MD5 of that text. The pairs that are signed are the very strings that are sent:
//!   the `attachment` JSON is built once, and a call sent again after a token refresh sends the
//!   same string, signed anew with the new token.
//! - The token and the application secret key never appear in a URL: everything goes in the
//!   POST body, which is never logged or put into an error. The upload URL from
//!   `photosV2.getUploadUrl` holds a short-lived upload token: it is kept in a [`Secret`] and no
//!   error mentions it. Every error text is scrubbed of all of these once more before it leaves.
//! - OK answers errors as `{"error_code", "error_msg"}` (and the `invocation-error` header);
//!   [`classify`] maps each code onto the [`PublishError`] the scheduler acts on. Error 102 (the
//!   session expired) is answered by one token refresh when the client holds a refresh token
//!   ([`Auth::OAuth`]); error 104 (a wrong signature) is reported as what it most likely is, a
//!   bug in vestnik or a secret key that belongs to another application.
//!
//! The client never retries a failed call and never sleeps on an error; see [`PublishError`].
//! It only waits on its [`Limiter`] before every API method call (not before an upload to the
//! upload URL, which is no API method), so that its calls keep within [`Config::rate`]. A
//! rate-limit answer (8, 11, HTTP 429) is reported to the limiter, which pauses every later call
//! of the token and slows down for a while; the refused call comes back as
//! [`PublishError::RateLimited`].

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use md5::{Digest as _, Md5};
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tokio::sync::Mutex;

use crate::networks::tokens::Rotating;
pub use crate::networks::tokens::{TokenPair, TokenStore};
use crate::networks::{
    Comment, Commit, ConfigError, Limiter, NoCommit, PublishError, RateLimits, Secret,
    classify_transport,
};
use crate::render::publication::{ImageRef, OkCall, OkMedia};

/// OK's API host; methods are at `{base}/fb.do`.
pub const DEFAULT_BASE_URL: &str = "https://api.ok.ru";

/// OK's OAuth token endpoint, where a refresh token is exchanged for a new access token.
pub const DEFAULT_REFRESH_URL: &str = "https://api.ok.ru/oauth/token.do";

/// Every API method the client can call.
pub const METHODS: &[&str] = &[
    "group.getInfo",
    "mediatopic.getTopics",
    "photosV2.getUploadUrl",
    "video.getUploadUrl",
    "video.update",
    "mediatopic.post",
    "discussions.getComments",
    "discussions.deleteDiscussionComment",
];

/// The fields of a group the audit reads (`group.getInfo`, NETWORKS.md §3.10). Phones and
/// opening hours have no documented field (UNCONFIRMED), nor has the «Госорганизация» mark.
pub const GROUP_FIELDS: &str =
    "uid,name,description,homepage_url,address,location_latitude,location_longitude,access_type";

/// Topics per `mediatopic.getTopics` page (UNCONFIRMED maximum; 100 as VK's).
pub const TOPICS_PER_PAGE: usize = 100;

/// Comments read per topic and look: the newest ones (OK's `count` maximum is UNCONFIRMED; 100
/// as VK's).
pub const COMMENTS_PER_LOOK: usize = 100;

/// The `discussionType` of a topic vestnik published in a group. UNCONFIRMED (NETWORKS.md
/// §3.10: `GROUP_TOPIC`?): if OK answers that the type is invalid, moderation on OK reports the
/// error for a person and publishing is untouched.
pub const DISCUSSION_TYPE: &str = "GROUP_TOPIC";

/// A group as `group.getInfo` shows it to the audit.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GroupInfo {
    /// `description`.
    pub description: Option<String>,
    /// `homepage_url`: the website.
    pub homepage_url: Option<String>,
    /// `address`.
    pub address: Option<String>,
    /// `location_latitude`, `location_longitude`.
    pub location: Option<(f64, f64)>,
    /// `access_type`: `OPEN`, `CLOSED`, `SECRET`.
    pub access_type: Option<String>,
}

/// One topic of a group as `mediatopic.getTopics` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicItem {
    /// Its id: what the ledger keeps.
    pub id: String,
    /// When it was published, in milliseconds.
    pub created_ms: i64,
    /// Its text blocks.
    pub text: String,
}

/// How long to wait after error 8 FLOOD_BLOCKED. OK publishes no number; an hour is the
/// conservative value (docs/api-facts.md#ok-rate-limits: a long backoff).
pub const FLOOD_WAIT: Duration = Duration::from_secs(3600);

/// How long to wait after error 11 LIMIT_REACHED (a method's quota for the user). OK does not
/// say when quotas reset; the scheduler waits an hour and tries again.
pub const QUOTA_WAIT: Duration = Duration::from_secs(3600);

/// Parameters that are sent but never signed (docs/api-facts.md#ok-requests-and-signature).
const UNSIGNED: [&str; 3] = ["sig", "access_token", "session_key"];

const FORM: &str = "application/x-www-form-urlencoded";

/// How to reach OK and as whom.
#[derive(Debug, Clone)]
pub struct Config {
    /// `https://api.ok.ru`, or an emulator's address; methods are at `{base_url}/fb.do`.
    pub base_url: String,
    /// The application's public key (`application_key`), sent with every call.
    pub application_key: String,
    /// The application's secret key: it only enters the signature (and a token refresh), it is
    /// never sent as a parameter.
    pub application_secret_key: Secret,
    /// The user's tokens.
    pub auth: Auth,
    /// Longest wait for a connection (a failure here is [`PublishError::Transient`]).
    pub connect_timeout: Duration,
    /// Longest wait for one whole call, an upload included (a failure of `mediatopic.post`
    /// here is [`PublishError::Unknown`]: the topic may be up).
    pub timeout: Duration,
    /// The rates the client keeps to: for the token, and per group (`gid`) when set. Every API
    /// call waits for its slot, a call sent again after a token refresh too.
    pub rate: RateLimits,
}

impl Config {
    /// The official API, 10 s to connect, 60 s per call (a 10 MB picture on a slow line), the
    /// assumed OK rate ([`RateLimits::OK`], UNCONFIRMED).
    pub fn new(application_key: &str, application_secret_key: Secret, auth: Auth) -> Config {
        Config {
            base_url: DEFAULT_BASE_URL.to_owned(),
            application_key: application_key.to_owned(),
            application_secret_key,
            auth,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            rate: RateLimits::OK,
        }
    }
}

/// The user token the client publishes with.
#[derive(Clone)]
pub enum Auth {
    /// A long-lived access token (the `LONG_ACCESS_TOKEN` permission: 30 days, extended by
    /// use), used until OK refuses it; error 102 then needs a person.
    AccessToken(Secret),
    /// OAuth tokens: the access token is exchanged for a new one through the refresh token when
    /// OK answers error 102.
    OAuth {
        /// The current pair.
        tokens: TokenPair,
        /// Where and as which application to refresh.
        refresh: Refresh,
        /// Where a new pair is saved before it is used.
        store: Arc<dyn TokenStore>,
    },
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::AccessToken(_) => f.write_str("AccessToken(***)"),
            Auth::OAuth { refresh, .. } => f
                .debug_struct("OAuth")
                .field("tokens", &"***")
                .field("refresh", refresh)
                .finish_non_exhaustive(),
        }
    }
}

/// The OK application that issued the tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refresh {
    /// The token endpoint ([`DEFAULT_REFRESH_URL`], or an emulator's `/oauth/token.do`).
    pub url: String,
    /// The application's numeric id (`client_id`); its secret key is
    /// [`Config::application_secret_key`] (`client_secret`).
    pub application_id: String,
}

/// One OK API request as plain data: the method and its own parameters, in the order sent.
/// `application_key`, `format`, `sig` and `access_token` are added when it is sent
/// ([`Request::signed`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Method name (`mediatopic.post`).
    pub method: &'static str,
    /// The method's parameters.
    pub params: Vec<(&'static str, String)>,
}

impl Request {
    /// `photosV2.getUploadUrl(gid, count)`: where to upload `count` pictures for a topic in the
    /// group `gid`.
    pub fn get_upload_url(gid: &str, count: usize) -> Request {
        Request {
            method: "photosV2.getUploadUrl",
            params: vec![("gid", gid.to_owned()), ("count", count.to_string())],
        }
    }

    /// `video.getUploadUrl(gid, file_name, file_size, post_form=true)`: where to upload one clip
    /// into the group `gid`. `post_form` is documented to keep OK from announcing the upload in
    /// the feed; whether `gid` with it still makes a separate group post is UNCONFIRMED
    /// (VIDEO.md §4.2, open question 5: one staging test settles it).
    pub fn video_upload_url(gid: &str, file_name: &str, file_size: u64) -> Request {
        Request {
            method: "video.getUploadUrl",
            params: vec![
                ("gid", gid.to_owned()),
                ("file_name", file_name.to_owned()),
                ("file_size", file_size.to_string()),
                ("post_form", "true".to_owned()),
            ],
        }
    }

    /// `video.update(vid, title)`: names the uploaded clip and completes the upload ("accepting
    /// the agreement and making the video available", VIDEO.md §4.2).
    pub fn video_update(vid: &str, title: &str) -> Request {
        Request {
            method: "video.update",
            params: vec![("vid", vid.to_owned()), ("title", title.to_owned())],
        }
    }

    /// `mediatopic.post(type=GROUP_THEME, gid, attachment)`: a topic in the group `gid`;
    /// `attachment` is the JSON text of its content ([`attachment`]), sent exactly as given.
    pub fn mediatopic_post(gid: &str, attachment: String) -> Request {
        Request {
            method: "mediatopic.post",
            params: vec![
                ("type", "GROUP_THEME".to_owned()),
                ("gid", gid.to_owned()),
                ("attachment", attachment),
            ],
        }
    }

    /// `discussions.getComments`: the newest [`COMMENTS_PER_LOOK`] comments of a group topic.
    pub fn get_comments(topic: &str) -> Request {
        Request {
            method: "discussions.getComments",
            params: vec![
                ("discussionId", topic.to_owned()),
                ("discussionType", DISCUSSION_TYPE.to_owned()),
                ("anchor", "LAST".to_owned()),
                ("direction", "BACKWARD".to_owned()),
                ("count", COMMENTS_PER_LOOK.to_string()),
            ],
        }
    }

    /// `discussions.deleteDiscussionComment` of a group topic ("comments can be deleted by the
    /// owner of the discussed object").
    pub fn delete_comment(topic: &str, comment_id: &str) -> Request {
        Request {
            method: "discussions.deleteDiscussionComment",
            params: vec![
                ("discussionId", topic.to_owned()),
                ("discussionType", DISCUSSION_TYPE.to_owned()),
                ("comment_id", comment_id.to_owned()),
            ],
        }
    }

    /// `group.getInfo(uids, fields)`: a group's profile for the audit ([`GROUP_FIELDS`]).
    pub fn group_info(gid: &str) -> Request {
        Request {
            method: "group.getInfo",
            params: vec![
                ("uids", gid.to_owned()),
                ("fields", GROUP_FIELDS.to_owned()),
            ],
        }
    }

    /// `mediatopic.getTopics(gid, count, anchor)`: a page of the group's topics, newest first.
    /// The method, its parameters and its answer (`media_topics[]` of `id`, `created_ms` and
    /// `media`, then `anchor` and `has_more`) are UNCONFIRMED (NETWORKS.md §3.11, open question
    /// 14): the client reads them defensively, and an answer it cannot read leaves the page
    /// unread.
    pub fn get_topics(gid: &str, anchor: Option<&str>) -> Request {
        let mut params = vec![
            ("gid", gid.to_owned()),
            ("count", TOPICS_PER_PAGE.to_string()),
        ];
        if let Some(a) = anchor {
            params.push(("anchor", a.to_owned()));
        }
        Request {
            method: "mediatopic.getTopics",
            params,
        }
    }

    /// Whether the call can publish something (then a lost answer is
    /// [`PublishError::Unknown`]; for any other call it is [`PublishError::Transient`]).
    pub fn publishes(&self) -> bool {
        self.method == "mediatopic.post"
    }

    /// Every pair sent except `access_token`, in order: `method`, `application_key`,
    /// `format=json`, the method's parameters, then `sig`, computed over exactly these strings
    /// with `secret` ([`session_secret`] of the access token).
    pub fn signed(&self, application_key: &str, secret: &str) -> Vec<(&'static str, String)> {
        let mut pairs: Vec<(&'static str, String)> = Vec::with_capacity(self.params.len() + 4);
        pairs.push(("method", self.method.to_owned()));
        pairs.push(("application_key", application_key.to_owned()));
        pairs.push(("format", "json".to_owned()));
        pairs.extend(self.params.iter().cloned());
        let sig = signature(pairs.iter().map(|(k, v)| (*k, v.as_str())), secret);
        pairs.push(("sig", sig));
        pairs
    }
}

/// Lower-case hex MD5 of the UTF-8 bytes of `text`.
pub fn md5_hex(text: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Md5::digest(text.as_bytes());
    let mut out = String::with_capacity(32);
    for b in digest.iter() {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
    out
}

/// The secret of a server-side call in a session: `lower(hex(md5(access_token +
/// application_secret_key)))` (docs/api-facts.md#ok-requests-and-signature).
pub fn session_secret(access_token: &str, application_secret_key: &str) -> String {
    md5_hex(&format!("{access_token}{application_secret_key}"))
}

/// The `sig` of a call's parameters (docs/api-facts.md#ok-requests-and-signature): every pair but
/// `sig`, `access_token` and `session_key`, sorted by key in byte order, concatenated as raw (not
/// URL-encoded) `key=value` with no separator, followed by `secret`; the lower-case hex MD5 of that
/// text.
pub fn signature<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>, secret: &str) -> String {
    let mut pairs: Vec<(&str, &str)> = params
        .into_iter()
        .filter(|(k, _)| !UNSIGNED.contains(k))
        .collect();
    // `str`'s order is the byte order of its UTF-8; the sort is stable for repeated keys.
    pairs.sort_by(|a, b| a.0.cmp(b.0));
    let mut text = String::new();
    for (k, v) in pairs {
        text.push_str(k);
        text.push('=');
        text.push_str(v);
    }
    text.push_str(secret);
    md5_hex(&text)
}

/// The `attachment` JSON of a group topic: the blocks in order, with the `n`-th upload's token
/// in place of the upload index `n`, posted on behalf of the group.
///
/// Fails with [`PublishError::Rejected`] when a photo block refers to an upload that did not
/// happen (a malformed call list).
pub fn attachment(media: &[OkMedia], photo_tokens: &[String]) -> Result<String, PublishError> {
    attachment_with(media, photo_tokens, &[])
}

/// [`attachment`] with the ids of the uploaded clips, for `movie` blocks
/// (`{"type":"movie","list":[{"id":…}]}`: third-party-confirmed only, VIDEO.md §4.2).
///
/// Fails as [`attachment`] does, and when a movie block refers to a clip not uploaded.
pub fn attachment_with(
    media: &[OkMedia],
    photo_tokens: &[String],
    video_ids: &[String],
) -> Result<String, PublishError> {
    let mut blocks = Vec::with_capacity(media.len());
    for block in media {
        blocks.push(match block {
            OkMedia::Text { text } => json!({ "type": "text", "text": text }),
            OkMedia::Photo { uploads } => {
                let list = uploads
                    .iter()
                    .map(|i| photo_tokens.get(*i).map(|token| json!({ "id": token })))
                    .collect::<Option<Vec<Value>>>()
                    .ok_or_else(|| PublishError::Rejected {
                        reason: "an OK photo block refers to a picture that was not uploaded"
                            .to_owned(),
                    })?;
                json!({ "type": "photo", "list": list })
            }
            OkMedia::Movie { uploads } => {
                let list = uploads
                    .iter()
                    .map(|i| video_ids.get(*i).map(|id| json!({ "id": id })))
                    .collect::<Option<Vec<Value>>>()
                    .ok_or_else(|| PublishError::Rejected {
                        reason: "an OK movie block refers to a clip that was not uploaded"
                            .to_owned(),
                    })?;
                json!({ "type": "movie", "list": list })
            }
            // UNCONFIRMED (docs/api-facts.md#ok-polls): only the flags `SingleChoice` and
            // `AnonymousVoting` are documented.
            OkMedia::Poll {
                question,
                answers,
                options,
            } => json!({
                "type": "poll",
                "question": question,
                "answers": answers.iter().map(|a| json!({ "text": a })).collect::<Vec<_>>(),
                "options": options,
            }),
        });
    }
    let mut object = Map::new();
    object.insert("media".to_owned(), Value::Array(blocks));
    // Documented for group topics as the strings "true"/"false"; official pages post as the
    // page, never as the person who holds the token. What OK does without it is UNCONFIRMED.
    object.insert("onBehalfOfGroup".to_owned(), json!("true"));
    Ok(Value::Object(object).to_string())
}

/// Where to upload pictures: the answer of `photosV2.getUploadUrl`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadUrl {
    /// The URL to POST the pictures to. It carries an upload token: a [`Secret`].
    pub url: Secret,
    /// The ids of the pictures to come, in order: the `n`-th is sent as `pic{n+1}`.
    pub photo_ids: Vec<String>,
}

/// An OK error object: as much of it as the client reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// `error_code` (or the `invocation-error` header).
    pub code: i64,
    /// `error_msg`, e.g. `PARAM_SIGNATURE : Invalid signature`.
    pub message: String,
}

/// Why one attempt failed: OK's own error (which may call for a refresh) or anything else.
enum Failure {
    Api(ApiError),
    Other(PublishError),
}

impl From<PublishError> for Failure {
    fn from(e: PublishError) -> Failure {
        Failure::Other(e)
    }
}

enum AuthState {
    Token(Secret),
    OAuth { tokens: Rotating, refresh: Refresh },
}

/// An OK API client bound to one application and one user.
///
/// `Debug` shows no key and no token. Calls may run concurrently; a token refresh happens once
/// for all of them.
pub struct Client {
    http: reqwest::Client,
    base_url: String,
    application_key: String,
    application_secret_key: Secret,
    auth: Mutex<AuthState>,
    limiter: Limiter,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url)
            .field("application_key", &self.application_key)
            .field("auth", &"***")
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Builds a client.
    ///
    /// Fails when the base URL or the refresh URL is not an `http(s)` URL, the application key
    /// is not letters and digits, the secret key or a token is empty or holds spaces or
    /// non-ASCII characters, or the HTTP client cannot be set up. The error never contains a
    /// secret.
    pub fn new(config: Config) -> Result<Client, ConfigError> {
        let base_url = config.base_url.trim_end_matches('/').to_owned();
        check_url("OK base URL", &base_url)?;
        if config.application_key.is_empty()
            || !config
                .application_key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric())
        {
            return Err(ConfigError {
                reason: format!(
                    "the OK application key `{}` is not letters and digits",
                    config.application_key
                ),
            });
        }
        check_secret("OK application secret key", &config.application_secret_key)?;
        let auth = match config.auth {
            Auth::AccessToken(token) => {
                check_secret("OK access token", &token)?;
                AuthState::Token(token)
            }
            Auth::OAuth {
                tokens,
                refresh,
                store,
            } => {
                check_secret("OK access token", &tokens.access)?;
                check_secret("OK refresh token", &tokens.refresh)?;
                check_url("OK refresh URL", &refresh.url)?;
                AuthState::OAuth {
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
            application_key: config.application_key,
            application_secret_key: config.application_secret_key,
            auth: Mutex::new(auth),
            limiter: Limiter::new(config.rate),
        })
    }

    /// Publishes a rendered post ([`Publication::Ok`](crate::render::publication::Publication::Ok)):
    /// uploads each picture, then calls `mediatopic.post`, and returns the new topic's id.
    ///
    /// `image_bytes` gives the processed JPEG of a picture; it is called before anything is
    /// sent, so the returned future does not borrow it (and is `Send`). A failure before
    /// `mediatopic.post` leaves at most unused uploads behind (invisible), so the whole list may
    /// be executed again. OK has no idempotency key: a `mediatopic.post` without an answer is
    /// [`PublishError::Unknown`], and sending it again may publish the topic twice. A call list
    /// that is not uploads followed by one `mediatopic.post` into the same group, or whose
    /// photo blocks point at missing uploads, is [`PublishError::Rejected`] before anything is
    /// sent.
    pub fn execute<'s>(
        &'s self,
        calls: &[OkCall],
        image_bytes: &dyn Fn(&ImageRef) -> Vec<u8>,
    ) -> impl Future<Output = Result<String, PublishError>> + Send + use<'s> {
        self.execute_with(calls, image_bytes, NoCommit)
    }

    /// Like [`Client::execute`], calling `commit` immediately before `mediatopic.post` leaves
    /// (after its rate-limit wait and every upload, which publish nothing). If `commit` refuses,
    /// `mediatopic.post` is not sent ([`PublishError::NotCommitted`]).
    pub fn execute_with<'s, C: Commit + 's>(
        &'s self,
        calls: &[OkCall],
        image_bytes: &dyn Fn(&ImageRef) -> Vec<u8>,
        commit: C,
    ) -> impl Future<Output = Result<String, PublishError>> + use<'s, C> {
        self.execute_prepared(calls, image_bytes, Vec::new(), commit)
    }

    /// Like [`Client::execute_with`], with pictures uploaded ahead of time
    /// ([`Client::upload_photo_ahead`]): the `n`-th `UploadPhoto` step uses the upload token
    /// `ready[n]` when it is given instead of uploading again, so that at the deadline only
    /// `mediatopic.post` is left.
    ///
    /// How long OK keeps an upload token after the upload is UNCONFIRMED (NETWORKS.md §3.6
    /// gives only the upload URL's TTL, about a day in an example), and so is whether a token
    /// is good for one topic only (the emulator says so). So when `mediatopic.post` is refused
    /// ([`PublishError::Rejected`]: OK answered with an error, nothing was published, e.g. 121
    /// PARAM_PHOTO_ID) and it carried tokens uploaded ahead, those pictures are uploaded again
    /// now and the topic is posted once more; `commit` is called again before it (it lets a
    /// second call of one publication through). Every other failure is returned as it is: a
    /// `mediatopic.post` without an answer is never sent again.
    ///
    /// The whole publication holds the token busy ([`Limiter::busy`]): uploads ahead of other
    /// posts wait until it is done.
    pub fn execute_prepared<'s, C: Commit + 's>(
        &'s self,
        calls: &[OkCall],
        image_bytes: &dyn Fn(&ImageRef) -> Vec<u8>,
        ready: Vec<Option<String>>,
        mut commit: C,
    ) -> impl Future<Output = Result<String, PublishError>> + use<'s, C> {
        let plan = Plan::new(calls, image_bytes);
        async move {
            let mut plan = plan?;
            let _busy = self.limiter.busy();
            let mut tokens = Vec::with_capacity(plan.uploads.len());
            let mut early = Vec::new();
            for (n, jpeg) in plan.uploads.iter_mut().enumerate() {
                tokens.push(match ready.get(n).cloned().flatten() {
                    Some(token) => {
                        early.push(n);
                        token
                    }
                    None => self.upload_photo(&plan.gid, std::mem::take(jpeg)).await?,
                });
            }
            let mut video_ids = Vec::with_capacity(plan.videos.len());
            for (title, mp4) in &mut plan.videos {
                let mp4 = std::mem::take(mp4);
                video_ids.push(self.upload_video(&plan.gid, title, mp4).await?);
            }
            let content = attachment_with(&plan.media, &tokens, &video_ids)?;
            let first = self
                .mediatopic_post_with(&plan.gid, content, &mut commit)
                .await;
            match first {
                Err(PublishError::Rejected { reason }) if !early.is_empty() => {
                    // Refused, so nothing is up: perhaps OK no longer takes the tokens uploaded
                    // ahead. Upload those pictures again and post once more.
                    tracing::warn!(
                        reason = %reason,
                        pictures = early.len(),
                        "OK refused a topic with pictures uploaded ahead; uploading them again"
                    );
                    for n in early {
                        let jpeg = plan
                            .uploads
                            .get_mut(n)
                            .map(std::mem::take)
                            .unwrap_or_default();
                        let token = self.upload_photo(&plan.gid, jpeg).await?;
                        if let Some(t) = tokens.get_mut(n) {
                            *t = token;
                        }
                    }
                    let content = attachment_with(&plan.media, &tokens, &video_ids)?;
                    self.mediatopic_post_with(&plan.gid, content, &mut commit)
                        .await
                }
                other => other,
            }
        }
    }

    /// Uploads one picture for a topic in the group `gid` (`photosV2.getUploadUrl` → POST
    /// `pic1`) and returns its upload token, which goes into a photo block as it is (no
    /// `photosV2.commit` for group topics).
    ///
    /// Nothing is published by this, so a lost answer is [`PublishError::Transient`].
    pub async fn upload_photo(&self, gid: &str, jpeg: Vec<u8>) -> Result<String, PublishError> {
        self.upload_photo_at(gid, jpeg, Priority::Due).await
    }

    /// [`Client::upload_photo`] ahead of time, for a topic due later: its API call waits at low
    /// priority ([`Limiter::until_idle`]), after every publication's request, so that it never
    /// delays a publication. The token it returns goes to [`Client::execute_prepared`].
    pub async fn upload_photo_ahead(
        &self,
        gid: &str,
        jpeg: Vec<u8>,
    ) -> Result<String, PublishError> {
        self.upload_photo_at(gid, jpeg, Priority::Ahead).await
    }

    async fn upload_photo_at(
        &self,
        gid: &str,
        jpeg: Vec<u8>,
        priority: Priority,
    ) -> Result<String, PublishError> {
        let target = self.get_upload_url_at(gid, 1, priority).await?;
        let mut tokens = self.upload(&target, vec![jpeg]).await?;
        tokens.pop().ok_or_else(|| PublishError::Transient {
            reason: "the OK upload server answered without a photo token".to_owned(),
        })
    }

    /// The newest comments under the group topic `topic`, at low priority (moderation never
    /// delays a publication). The answer's shape is UNCONFIRMED: `comments[]` of `id`,
    /// `author_id` and `text` is read, anything else is left.
    pub async fn comments(&self, topic: &str) -> Result<Vec<Comment>, PublishError> {
        let answer = self
            .call_full(
                &Request::get_comments(topic),
                &mut NoCommit,
                Priority::Ahead,
            )
            .await?;
        Ok(answer["comments"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| {
                let id = c["id"]
                    .as_str()
                    .map(str::to_owned)
                    .or_else(|| c["id"].as_i64().map(|i| i.to_string()))?;
                Some(Comment {
                    thread: topic.to_owned(),
                    id,
                    author: c["author_id"]
                        .as_str()
                        .map(str::to_owned)
                        .or_else(|| c["author_id"].as_i64().map(|i| i.to_string()))
                        .unwrap_or_default(),
                    text: c["text"].as_str().unwrap_or_default().to_owned(),
                    // UNCONFIRMED: OK's date format and zone; moderation needs no date on OK.
                    date: jiff::Timestamp::UNIX_EPOCH,
                })
            })
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

    /// A group's profile as the audit reads it (`group.getInfo`), at low priority; `None` when
    /// OK shows no such group (deleted, or a wrong id).
    pub async fn group_info(&self, gid: &str) -> Result<Option<GroupInfo>, PublishError> {
        let answer = self
            .call_full(&Request::group_info(gid), &mut NoCommit, Priority::Ahead)
            .await?;
        let groups = answer
            .get("groups")
            .and_then(Value::as_array)
            .or_else(|| answer.as_array())
            .cloned()
            .unwrap_or_default();
        let text = |v: &Value| {
            v.as_str()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let number = |v: &Value| {
            v.as_f64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        };
        Ok(groups
            .iter()
            .find(|g| {
                g["uid"].as_str() == Some(gid)
                    || g["uid"].as_u64().map(|u| u.to_string()).as_deref() == Some(gid)
            })
            .map(|g| GroupInfo {
                description: text(&g["description"]),
                homepage_url: text(&g["homepage_url"]),
                address: text(&g["address"]),
                location: number(&g["location_latitude"]).zip(number(&g["location_longitude"])),
                access_type: text(&g["access_type"]),
            }))
    }

    /// The group's topics published at or after `since_ms`, newest first, a hundred a call at
    /// low priority, at most `pages` calls (UNCONFIRMED method, [`Request::get_topics`]).
    /// Returns the topics and the number of calls.
    pub async fn topics_since(
        &self,
        gid: &str,
        since_ms: i64,
        pages: usize,
    ) -> Result<(Vec<TopicItem>, usize), PublishError> {
        let mut out = Vec::new();
        let mut anchor: Option<String> = None;
        let mut calls = 0;
        while calls < pages {
            let answer = self
                .call_full(
                    &Request::get_topics(gid, anchor.as_deref()),
                    &mut NoCommit,
                    Priority::Ahead,
                )
                .await?;
            calls += 1;
            let items =
                answer["media_topics"]
                    .as_array()
                    .ok_or_else(|| PublishError::Transient {
                        reason: "OK answered mediatopic.getTopics without media_topics".to_owned(),
                    })?;
            let mut older = false;
            for t in items {
                let id = t["id"]
                    .as_str()
                    .map(str::to_owned)
                    .or_else(|| t["id"].as_u64().map(|i| i.to_string()));
                let (Some(id), Some(created_ms)) = (id, t["created_ms"].as_i64()) else {
                    continue;
                };
                if created_ms < since_ms {
                    older = true;
                    continue;
                }
                let text = t["media"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|m| m["type"] == "text")
                    .filter_map(|m| m["text"].as_str())
                    .collect::<Vec<_>>()
                    .join("\n");
                out.push(TopicItem {
                    id,
                    created_ms,
                    text,
                });
            }
            anchor = answer["anchor"].as_str().map(str::to_owned);
            let more = answer["has_more"].as_bool().unwrap_or(false);
            if items.is_empty() || older || !more || anchor.is_none() {
                break;
            }
        }
        Ok((out, calls))
    }

    /// `discussions.deleteDiscussionComment` under the group topic `topic`.
    pub async fn delete_comment(&self, topic: &str, comment_id: &str) -> Result<(), PublishError> {
        self.call_full(
            &Request::delete_comment(topic, comment_id),
            &mut NoCommit,
            Priority::Ahead,
        )
        .await
        .map(|_| ())
    }

    /// Uploads one clip into the group `gid` (`video.getUploadUrl` → POST `data` →
    /// `video.update(vid, title)`) and returns its video id, for a `movie` block. Whether
    /// `mediatopic.post` takes a clip OK is still processing is UNCONFIRMED (VIDEO.md §4.2,
    /// open question 7): it is posted at once.
    ///
    /// Nothing is published by this, so a lost answer is [`PublishError::Transient`].
    pub async fn upload_video(
        &self,
        gid: &str,
        title: &str,
        mp4: Vec<u8>,
    ) -> Result<String, PublishError> {
        let method = "video.getUploadUrl";
        let answer = self
            .call_full(
                &Request::video_upload_url(gid, "video.mp4", mp4.len() as u64),
                &mut NoCommit,
                Priority::Due,
            )
            .await?;
        let url = answer
            .get("upload_url")
            .and_then(Value::as_str)
            .filter(|u| !u.is_empty())
            .map(|u| Secret::new(u.to_owned()))
            .ok_or_else(|| malformed(method, "upload_url"))?;
        let vid = match answer.get("video_id") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err(malformed(method, "video_id")),
        };
        let sent = self.upload_clip(&url, mp4).await;
        if let Err(e) = sent {
            return Err(self.redact(e.redacted(url.expose())).await);
        }
        self.call_full(
            &Request::video_update(&vid, title),
            &mut NoCommit,
            Priority::Due,
        )
        .await?;
        Ok(vid)
    }

    /// POSTs one clip to its upload URL in the multipart part `data` (OK's own example).
    async fn upload_clip(&self, url: &Secret, mp4: Vec<u8>) -> Result<(), PublishError> {
        let transport = |e: reqwest::Error| match classify_transport(e) {
            PublishError::Unknown { reason } => PublishError::Transient {
                reason: format!("uploading a clip to OK: {reason}"),
            },
            other => other,
        };
        let part = reqwest::multipart::Part::bytes(mp4)
            .file_name("video.mp4")
            .mime_str("video/mp4")
            .map_err(transport)?;
        let form = reqwest::multipart::Form::new().part("data", part);
        let response = self
            .http
            .post(url.expose())
            .multipart(form)
            .send()
            .await
            .map_err(transport)?;
        let status = response.status().as_u16();
        match status {
            200..=299 => Ok(()),
            500.. => Err(PublishError::Transient {
                reason: format!("the OK upload server answered HTTP {status}"),
            }),
            _ => Err(PublishError::Rejected {
                reason: format!("the OK upload server refused the clip: HTTP {status}"),
            }),
        }
    }

    /// `photosV2.getUploadUrl(gid, count)`.
    pub async fn get_upload_url(&self, gid: &str, count: usize) -> Result<UploadUrl, PublishError> {
        self.get_upload_url_at(gid, count, Priority::Due).await
    }

    async fn get_upload_url_at(
        &self,
        gid: &str,
        count: usize,
        priority: Priority,
    ) -> Result<UploadUrl, PublishError> {
        let method = "photosV2.getUploadUrl";
        let answer = self
            .call_full(
                &Request::get_upload_url(gid, count),
                &mut NoCommit,
                priority,
            )
            .await?;
        let url = answer
            .get("upload_url")
            .and_then(Value::as_str)
            .filter(|u| !u.is_empty())
            .map(|u| Secret::new(u.to_owned()))
            .ok_or_else(|| malformed(method, "upload_url"))?;
        let photo_ids = answer
            .get("photo_ids")
            .and_then(Value::as_array)
            .and_then(|ids| {
                ids.iter()
                    .map(|id| match id {
                        Value::String(s) => Some(s.clone()),
                        Value::Number(n) => Some(n.to_string()),
                        _ => None,
                    })
                    .collect::<Option<Vec<String>>>()
            })
            .filter(|ids| ids.len() == count)
            .ok_or_else(|| malformed(method, "photo_ids"))?;
        Ok(UploadUrl { url, photo_ids })
    }

    /// POSTs pictures to an upload URL as the multipart fields `pic1`, `pic2`, … and returns
    /// their upload tokens, in the order of [`UploadUrl::photo_ids`]. No token or signature
    /// goes there: the URL itself is the permission.
    ///
    /// Nothing is published by an upload: a lost answer is [`PublishError::Transient`]; a
    /// picture the server refuses (errors 500–505) is [`PublishError::Rejected`].
    pub async fn upload(
        &self,
        target: &UploadUrl,
        jpegs: Vec<Vec<u8>>,
    ) -> Result<Vec<String>, PublishError> {
        let result = self.upload_inner(target, jpegs).await;
        match result {
            Ok(tokens) => Ok(tokens),
            Err(e) => Err(self.redact(e.redacted(target.url.expose())).await),
        }
    }

    async fn upload_inner(
        &self,
        target: &UploadUrl,
        jpegs: Vec<Vec<u8>>,
    ) -> Result<Vec<String>, PublishError> {
        if jpegs.len() != target.photo_ids.len() {
            return Err(PublishError::Rejected {
                reason: format!(
                    "{} pictures for an OK upload URL made for {}",
                    jpegs.len(),
                    target.photo_ids.len()
                ),
            });
        }
        let transport = |e: reqwest::Error| match classify_transport(e) {
            PublishError::Unknown { reason } => PublishError::Transient {
                reason: format!("uploading a picture to OK: {reason}"),
            },
            other => other,
        };
        let mut form = reqwest::multipart::Form::new();
        for (i, jpeg) in jpegs.into_iter().enumerate() {
            let part = reqwest::multipart::Part::bytes(jpeg)
                .file_name(format!("pic{}.jpg", i + 1))
                .mime_str("image/jpeg")
                .map_err(transport)?;
            form = form.part(format!("pic{}", i + 1), part);
        }
        let response = self
            .http
            .post(target.url.expose())
            .multipart(form)
            .send()
            .await
            .map_err(transport)?;
        let status = response.status().as_u16();
        let header = invocation_error(response.headers());
        let body = response.bytes().await.map_err(transport)?;
        interpret_upload(status, header, &body, &target.photo_ids)
    }

    /// `mediatopic.post(type=GROUP_THEME, gid, attachment)`; returns the topic id (a string of
    /// digits: keep it as text, it does not fit every integer type).
    ///
    /// An answer that says success but holds no id is [`PublishError::Unknown`]: the topic may
    /// be up.
    pub async fn mediatopic_post(
        &self,
        gid: &str,
        attachment: String,
    ) -> Result<String, PublishError> {
        self.mediatopic_post_with(gid, attachment, &mut NoCommit)
            .await
    }

    async fn mediatopic_post_with<C: Commit + ?Sized>(
        &self,
        gid: &str,
        attachment: String,
        commit: &mut C,
    ) -> Result<String, PublishError> {
        let answer = self
            .call_with(&Request::mediatopic_post(gid, attachment), commit)
            .await?;
        match answer {
            Value::String(id) if !id.is_empty() => Ok(id),
            Value::Number(id) => Ok(id.to_string()),
            _ => Err(PublishError::Unknown {
                reason: "OK answered mediatopic.post without a topic id; the topic may be up"
                    .to_owned(),
            }),
        }
    }

    /// Signs and sends one API request and returns OK's answer, refreshing the access token
    /// once if OK says the session expired and the client holds a refresh token.
    pub async fn call(&self, request: &Request) -> Result<Value, PublishError> {
        self.call_with(request, &mut NoCommit).await
    }

    /// [`Client::call`], calling `commit` immediately before a request that can publish
    /// (`mediatopic.post`) leaves.
    async fn call_with<C: Commit + ?Sized>(
        &self,
        request: &Request,
        commit: &mut C,
    ) -> Result<Value, PublishError> {
        self.call_full(request, commit, Priority::Due).await
    }

    async fn call_full<C: Commit + ?Sized>(
        &self,
        request: &Request,
        commit: &mut C,
        priority: Priority,
    ) -> Result<Value, PublishError> {
        let result = match self.call_inner(request, commit, priority).await {
            // Only mediatopic.post can publish; anything else that got lost can be sent again.
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
        let refreshable = matches!(*self.auth.lock().await, AuthState::OAuth { .. });
        match self.send(request, &token, commit, priority).await {
            Ok(v) => Ok(v),
            Err(Failure::Api(e)) if refreshable && e.code == 102 => {
                self.refresh(&token).await?;
                let token = self.access_token().await?;
                match self.send(request, &token, commit, priority).await {
                    Ok(v) => Ok(v),
                    Err(Failure::Api(e)) => Err(classify(request.method, &e, Renewal::Refreshed)),
                    Err(Failure::Other(e)) => Err(e),
                }
            }
            Err(Failure::Api(e)) => {
                let renewal = if refreshable {
                    Renewal::Possible
                } else {
                    Renewal::Impossible
                };
                Err(classify(request.method, &e, renewal))
            }
            Err(Failure::Other(e)) => Err(e),
        }
    }

    /// The access token to send, after saving a pair that is still unsaved.
    async fn access_token(&self) -> Result<Secret, PublishError> {
        let mut auth = self.auth.lock().await;
        match &mut *auth {
            AuthState::Token(token) => Ok(token.clone()),
            AuthState::OAuth { tokens, .. } => tokens.access_token().map_err(store_failed),
        }
    }

    /// Exchanges the refresh token for a new access token and saves the pair, unless another
    /// call already replaced `failed`.
    async fn refresh(&self, failed: &Secret) -> Result<(), PublishError> {
        let mut auth = self.auth.lock().await;
        let AuthState::OAuth { tokens, refresh } = &mut *auth else {
            return Ok(());
        };
        if !tokens.is_current(failed) {
            return Ok(());
        }
        let new = self
            .request_refresh(refresh, &tokens.tokens().refresh)
            .await?;
        check_secret("OK access token", &new.access)
            .map_err(|e| PublishError::Unauthorized { reason: e.reason })?;
        tokens.install(new).map_err(store_failed)
    }

    /// `POST {refresh.url}` with `grant_type=refresh_token`. The endpoint and its answer
    /// `{"access_token", "token_type", "expires_in"}` are taken from third-party clients (aiookru,
    /// ok-php-sdk); OK's own page was not read: UNCONFIRMED (docs/api-facts.md#ok-tokens). A new
    /// `refresh_token` in the answer replaces the old one; without one the old one is kept.
    async fn request_refresh(
        &self,
        refresh: &Refresh,
        token: &Secret,
    ) -> Result<TokenPair, PublishError> {
        let body = encode_form(&[
            ("refresh_token", token.expose()),
            ("client_id", &refresh.application_id),
            ("client_secret", self.application_secret_key.expose()),
            ("grant_type", "refresh_token"),
        ]);
        // A refresh publishes nothing: whatever went wrong on the way, the publication can be
        // tried again.
        let transient = |e: reqwest::Error| PublishError::Transient {
            reason: format!("refreshing the OK token failed: {}", classify_transport(e)),
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
                reason: format!("OK answered HTTP {status} to the token refresh"),
            });
        }
        #[derive(Deserialize)]
        struct Answer {
            access_token: Option<String>,
            refresh_token: Option<String>,
            error: Option<String>,
            error_description: Option<String>,
            error_code: Option<Value>,
            error_msg: Option<String>,
        }
        let answer: Answer =
            serde_json::from_slice(&bytes).map_err(|_| PublishError::Transient {
                reason: format!("OK answered the token refresh with HTTP {status} and no JSON"),
            })?;
        let refused = answer
            .error
            .or(answer.error_msg)
            .or(answer.error_code.map(|c| format!("error {c}")));
        if let Some(error) = refused {
            let detail = answer
                .error_description
                .map(|d| format!(" ({})", clip(&d)))
                .unwrap_or_default();
            return Err(PublishError::Unauthorized {
                reason: crate::t!(
                    "net-refresh-refused",
                    network = "OK",
                    error = format!("{}{detail}", clip(&error))
                ),
            });
        }
        match answer.access_token {
            Some(access) if !access.is_empty() => Ok(TokenPair {
                access: Secret::new(access),
                refresh: answer
                    .refresh_token
                    .filter(|r| !r.is_empty())
                    .map(Secret::new)
                    .unwrap_or_else(|| token.clone()),
            }),
            _ => Err(PublishError::Unauthorized {
                reason: format!(
                    "OK answered the token refresh with HTTP {status} but without an access token"
                ),
            }),
        }
    }

    /// The limits this client keeps to.
    pub fn rate(&self) -> RateLimits {
        self.limiter.limits()
    }

    /// One attempt, once the token (and the group) may send again: sign with `token`, then a
    /// form-encoded POST to `fb.do`.
    async fn send<C: Commit + ?Sized>(
        &self,
        request: &Request,
        token: &Secret,
        commit: &mut C,
        priority: Priority,
    ) -> Result<Value, Failure> {
        let gid = request
            .params
            .iter()
            .find(|(k, _)| *k == "gid")
            .map(|(_, v)| v.as_str())
            .unwrap_or_default();
        // Held until the answer is read: until then the request counts against the limits.
        let waited = match priority {
            Priority::Due => self.limiter.until_ready(gid).await,
            Priority::Ahead => self.limiter.until_idle(gid).await,
        };
        let _permit = waited.map_err(|p| Failure::Other(p.into()))?;
        // The point of no return: the wait above and the uploads before were safe to cut.
        if request.publishes() {
            commit.commit().map_err(PublishError::from)?;
        }
        let result = self.send_signed(request, token).await;
        // OK's quotas are the user's (docs/api-facts.md#ok-rate-limits): a rate-limit answer
        // pauses every call of the token, not only this one.
        let limited = match &result {
            Err(Failure::Api(e)) => rate_limit_wait(e.code),
            Err(Failure::Other(e)) => e.retry_after(),
            Ok(_) => None,
        };
        if let Some(after) = limited {
            self.limiter.rate_limited("", after);
        }
        result
    }

    async fn send_signed(&self, request: &Request, token: &Secret) -> Result<Value, Failure> {
        let secret = session_secret(token.expose(), self.application_secret_key.expose());
        let mut pairs = request.signed(&self.application_key, &secret);
        pairs.push(("access_token", token.expose().to_owned()));
        let body = encode_form(
            &pairs
                .iter()
                .map(|(k, v)| (*k, v.as_str()))
                .collect::<Vec<_>>(),
        );
        let response = self
            .http
            .post(format!("{}/fb.do", self.base_url))
            .header(CONTENT_TYPE, FORM)
            .body(body)
            .send()
            .await
            .map_err(classify_transport)?;
        let status = response.status().as_u16();
        let header = invocation_error(response.headers());
        let body = response.bytes().await.map_err(classify_transport)?;
        interpret(request.method, status, header, &body)
    }

    /// Replaces every secret this client holds by `***` in an error's text: the tokens, the
    /// application secret key and the signing secret derived from them.
    async fn redact(&self, e: PublishError) -> PublishError {
        let app = self.application_secret_key.expose();
        let auth = self.auth.lock().await;
        let e = e.redacted(app);
        match &*auth {
            AuthState::Token(token) => e
                .redacted(token.expose())
                .redacted(&session_secret(token.expose(), app)),
            AuthState::OAuth { tokens, .. } => e
                .redacted(tokens.tokens().access.expose())
                .redacted(tokens.tokens().refresh.expose())
                .redacted(&session_secret(tokens.tokens().access.expose(), app)),
        }
    }
}

/// Whom a request serves: a publication that is due, or an upload ahead of time (which waits at
/// low priority, [`Limiter::until_idle`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Priority {
    Due,
    Ahead,
}

/// A call list checked and with its pictures read: what [`Client::execute`] sends.
struct Plan {
    gid: String,
    uploads: Vec<Vec<u8>>,
    /// Each clip's title and MP4.
    videos: Vec<(String, Vec<u8>)>,
    media: Vec<OkMedia>,
}

impl Plan {
    /// Checks that `calls` is one OK publication: uploads, then exactly one `mediatopic.post`,
    /// last, all in one group whose id is digits; photo blocks refer to uploads that exist.
    fn new(
        calls: &[OkCall],
        image_bytes: &dyn Fn(&ImageRef) -> Vec<u8>,
    ) -> Result<Plan, PublishError> {
        let malformed = |why: &str| PublishError::Rejected {
            reason: format!("a malformed OK publication: {why}"),
        };
        let Some((OkCall::MediatopicPost { gid, media }, steps)) = calls.split_last() else {
            return Err(malformed("it must end with one mediatopic.post"));
        };
        if gid.is_empty() || !gid.bytes().all(|b| b.is_ascii_digit()) {
            return Err(malformed(&format!("the group id `{gid}` is not a number")));
        }
        let mut uploads = Vec::with_capacity(steps.len());
        let mut videos = Vec::new();
        for step in steps {
            match step {
                OkCall::UploadVideo {
                    gid: g,
                    title,
                    video,
                } if g == gid => videos.push((title.clone(), image_bytes(&video.file()))),
                OkCall::UploadVideo { .. } => {
                    return Err(malformed("a clip is uploaded for another group"));
                }
                OkCall::UploadPhoto { gid: g, image } if g == gid => {
                    uploads.push(image_bytes(image))
                }
                OkCall::UploadPhoto { .. } => {
                    return Err(malformed("a picture is uploaded for another group"));
                }
                OkCall::MediatopicPost { .. } => {
                    return Err(malformed("it has more than one mediatopic.post"));
                }
            }
        }
        let dangling = media.iter().any(|m| match m {
            OkMedia::Photo { uploads: used } => used.iter().any(|i| *i >= uploads.len()),
            OkMedia::Movie { uploads: used } => used.iter().any(|i| *i >= videos.len()),
            _ => false,
        });
        if dangling {
            return Err(malformed(
                "a photo block refers to a picture that is not uploaded",
            ));
        }
        if media.is_empty() {
            return Err(malformed("the topic has no blocks"));
        }
        Ok(Plan {
            gid: gid.clone(),
            uploads,
            videos,
            media: media.clone(),
        })
    }
}

/// Whether the access token could be renewed after error 102.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renewal {
    /// No refresh token is configured: a person must issue a new token.
    Impossible,
    /// A refresh token is configured (and was not tried, because the error was another).
    Possible,
    /// The token was refreshed for this call and OK still refused it.
    Refreshed,
}

/// The wait an OK error asks for when it is a rate limit: 8 FLOOD_BLOCKED ([`FLOOD_WAIT`]) and
/// 11 LIMIT_REACHED ([`QUOTA_WAIT`]). The client pauses the whole token for it: OK's quotas are
/// per user, and whether 11 concerns one method only is UNCONFIRMED, so pausing the token is
/// the cautious reading.
fn rate_limit_wait(code: i64) -> Option<Duration> {
    match code {
        8 => Some(FLOOD_WAIT),
        11 => Some(QUOTA_WAIT),
        _ => None,
    }
}

/// Maps an OK error onto what the scheduler acts on (docs/api-facts.md#ok-errors).
///
/// - 2 SERVICE, 30 NETWORK, 31 NETWORK_TIMEOUT: OK failed before doing anything: transient;
/// - 1 UNKNOWN, 5000 INVALID_RESPONSE, 9999 SYSTEM: OK failed somewhere; for `mediatopic.post`
///   the topic may be up ([`PublishError::Unknown`]), for the other methods transient;
/// - 8 FLOOD_BLOCKED, 11 LIMIT_REACHED: rate limited for [`FLOOD_WAIT`] / [`QUOTA_WAIT`];
/// - 102 PARAM_SESSION_EXPIRED and the other token and permission errors: unauthorized,
///   with what a person has to do;
/// - 104 PARAM_SIGNATURE, 105: rejected, worded as the bug it most likely is;
/// - 454 CENSOR_MATCH: rejected (the text must change, the page is fine);
/// - 456, 511, 514 and other account restrictions: unauthorized (a person must act on ok.ru);
/// - everything else (100 PARAM, 160 PARAM_GROUP_ID, 500–505 pictures, 600–607 topic limits,
///   …): OK answered, nothing was applied, and the same request fails the same way: rejected.
pub fn classify(method: &str, e: &ApiError, renewal: Renewal) -> PublishError {
    let code = e.code;
    let said = if e.message.is_empty() {
        crate::t!(
            "net-said-bare",
            network = "OK",
            code = code.to_string(),
            method = method
        )
    } else {
        crate::t!(
            "net-said",
            network = "OK",
            code = code.to_string(),
            method = method,
            message = clip(&e.message).trim_end_matches('.')
        )
    };
    // The network's words, then what a person does about them.
    let hint = |id: &str| crate::t!("net-hint", said = said.as_str(), hint = crate::t!(id));
    match code {
        2 | 30 | 31 => PublishError::Transient { reason: said },
        1 | 5000 | 9999 if method == "mediatopic.post" => PublishError::Unknown {
            reason: hint("ok-failed-inside"),
        },
        1 | 5000 | 9999 => PublishError::Transient { reason: said },
        8 | 11 => PublishError::RateLimited {
            after: rate_limit_wait(code).unwrap_or(FLOOD_WAIT),
        },
        102 => PublishError::Unauthorized {
            reason: hint(match renewal {
                Renewal::Refreshed => "ok-refresh-failed",
                Renewal::Possible => "ok-session-expired",
                Renewal::Impossible => "ok-token-expired",
            }),
        },
        103 | 453 => PublishError::Unauthorized {
            reason: hint("ok-wants-session"),
        },
        101 => PublishError::Unauthorized {
            reason: hint("ok-unknown-app"),
        },
        104 | 105 => PublishError::Rejected {
            reason: crate::t!("ok-bad-signature", said = said.as_str()),
        },
        454 => PublishError::Rejected {
            reason: hint("ok-censor"),
        },
        10 | 50 | 200 | 210 => PublishError::Unauthorized {
            reason: hint("ok-no-right"),
        },
        7 | 9 | 401..=403 | 455..=458 | 511 | 514 => PublishError::Unauthorized {
            reason: hint("ok-restricted"),
        },
        _ => PublishError::Rejected { reason: said },
    }
}

fn check_url(what: &str, url: &str) -> Result<(), ConfigError> {
    match reqwest::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(()),
        _ => Err(ConfigError {
            reason: format!("the {what} `{url}` is not an http(s) URL"),
        }),
    }
}

fn check_secret(what: &str, secret: &Secret) -> Result<(), ConfigError> {
    let s = secret.expose();
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ConfigError {
            reason: format!("the {what} is empty or holds spaces or non-ASCII characters"),
        });
    }
    Ok(())
}

fn store_failed(reason: String) -> PublishError {
    PublishError::Unauthorized {
        reason: format!(
            "OK issued a new access token but saving it failed ({}); nothing was sent with it, and saving is tried again before the next call",
            clip(&reason)
        ),
    }
}

fn malformed(method: &str, what: &str) -> PublishError {
    PublishError::Transient {
        reason: format!("OK answered {method} without {what}"),
    }
}

/// The error code in OK's `invocation-error` header.
fn invocation_error(headers: &HeaderMap) -> Option<i64> {
    headers
        .get("invocation-error")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

/// An OK error object in an answer: `error_code` and/or `error_msg` (the Android SDK treats any
/// JSON with `error_msg` as an error), or the `invocation-error` header.
fn api_error(answer: Option<&Value>, header: Option<i64>) -> Option<ApiError> {
    if let Some(Value::Object(map)) = answer
        && (map.contains_key("error_code") || map.contains_key("error_msg"))
    {
        let code = match map.get("error_code") {
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        };
        return Some(ApiError {
            code: code.or(header).unwrap_or(1),
            message: map
                .get("error_msg")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        });
    }
    header.map(|code| ApiError {
        code,
        message: String::new(),
    })
}

/// Maps an HTTP answer of `fb.do` onto OK's answer or a failure.
fn interpret(
    method: &str,
    status: u16,
    header: Option<i64>,
    body: &[u8],
) -> Result<Value, Failure> {
    if status >= 500 {
        return Err(PublishError::Transient {
            reason: format!("OK answered HTTP {status} to {method}"),
        }
        .into());
    }
    let answer = serde_json::from_slice::<Value>(body).ok();
    if let Some(error) = api_error(answer.as_ref(), header) {
        return Err(Failure::Api(error));
    }
    if status == 429 {
        return Err(PublishError::RateLimited {
            after: Duration::from_secs(1),
        }
        .into());
    }
    if !(200..300).contains(&status) {
        return Err(PublishError::Rejected {
            reason: format!("OK answered HTTP {status} to {method}; is the base URL right?"),
        }
        .into());
    }
    // `video.update` answers nothing on success (VIDEO.md §4.2).
    if method == "video.update" && body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    // Not OK speaking (a proxy page, a cut body): the call may have been applied.
    answer.ok_or_else(|| {
        PublishError::Unknown {
            reason: format!("OK answered {method} with HTTP {status} but no JSON"),
        }
        .into()
    })
}

/// Maps the upload server's answer `{"photos": {"<photo id>": {"token": …}}}` onto the tokens,
/// in the order of `photo_ids`.
///
/// The upload server's error shape is UNCONFIRMED; an OK error object is assumed.
fn interpret_upload(
    status: u16,
    header: Option<i64>,
    body: &[u8],
    photo_ids: &[String],
) -> Result<Vec<String>, PublishError> {
    if status >= 500 {
        return Err(PublishError::Transient {
            reason: format!("the OK upload server answered HTTP {status}"),
        });
    }
    let answer = serde_json::from_slice::<Value>(body).ok();
    if let Some(e) = api_error(answer.as_ref(), header) {
        let said = format!(
            "the OK upload server refused the picture: error {} {}",
            e.code,
            clip(&e.message)
        );
        return Err(match e.code {
            // The picture itself (size, format, content) or our request (not multipart).
            21 | 500..=505 => PublishError::Rejected { reason: said },
            // Anything else (an expired upload URL, OK in trouble): a new upload may succeed.
            _ => PublishError::Transient { reason: said },
        });
    }
    if !(200..300).contains(&status) {
        return Err(PublishError::Transient {
            reason: format!("the OK upload server answered HTTP {status}"),
        });
    }
    let photos = answer
        .as_ref()
        .and_then(|a| a.get("photos"))
        .and_then(Value::as_object);
    photo_ids
        .iter()
        .map(|id| {
            photos
                .and_then(|p| p.get(id))
                .and_then(|p| p.get("token"))
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
        })
        .collect::<Option<Vec<String>>>()
        .ok_or_else(|| PublishError::Transient {
            reason: "the OK upload server answered without a token for every picture".to_owned(),
        })
}

/// At most 300 characters of a network's text.
fn clip(text: &str) -> String {
    match text.char_indices().nth(300) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}

/// `application/x-www-form-urlencoded`, every byte but unreserved ones percent-encoded (a space
/// as `%20`, which every server decodes the same way).
fn encode_form(pairs: &[(&str, &str)]) -> String {
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
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(char::from(b))
            }
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

    /// docs/api-facts.md#ok-requests-and-signature, the test vector (from aiookru's documentation,
    /// which gives the whole digest `232c8eb9…db4c` and the token and key behind the secret).
    #[test]
    fn signature_of_the_documented_example() {
        let params = [
            ("application_key", "ABCDEFGHIGKLMNOPK"),
            ("format", "json"),
            ("method", "events.get"),
        ];
        let secret = "b1a2b89707a94624c43afae67d59274c";
        let sig = signature(params, secret);
        assert!(sig.starts_with("232c8eb9"), "{sig}");
        assert!(sig.ends_with("db4c"), "{sig}");
        assert_eq!(sig, "232c8eb921951c4dba9b72606f9ddb4c");
        // The secret is md5(access_token + application_secret_key).
        assert_eq!(
            session_secret(
                "-s-84W-s3egarWUsbkq-IWTucuedzTKT8VUXIA.s4Xx8IW7",
                "ABC123DEF456GHI789JKL123"
            ),
            secret
        );
    }

    #[test]
    fn signature_ignores_order_and_unsigned_params() {
        let secret = "b1a2b89707a94624c43afae67d59274c";
        let shuffled = [
            ("method", "events.get"),
            (
                "access_token",
                "-s-84W-s3egarWUsbkq-IWTucuedzTKT8VUXIA.s4Xx8IW7",
            ),
            ("format", "json"),
            ("sig", "whatever"),
            ("session_key", "x"),
            ("application_key", "ABCDEFGHIGKLMNOPK"),
        ];
        assert_eq!(
            signature(shuffled, secret),
            "232c8eb921951c4dba9b72606f9ddb4c"
        );
        // The client-server variant of the same example: the session secret key as the secret.
        assert_eq!(
            signature(
                [
                    ("application_key", "ABCDEFGHIGKLMNOPK"),
                    ("format", "json"),
                    ("method", "events.get"),
                ],
                "ae5362b5b588cc7294c2414d71b74d5d"
            ),
            "03a41413523ea8092507949d6e711963"
        );
    }

    #[test]
    fn signature_uses_raw_utf8_values_sorted_by_bytes() {
        // Keys sort by bytes: `Z` (0x5A) before `a` (0x61); values are not URL-encoded.
        let params = [("a", "привет мир&=%"), ("Z", "1")];
        assert_eq!(signature(params, "s"), md5_hex("Z=1a=привет мир&=%s"));
        assert_eq!(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
    }

    #[test]
    fn signed_requests_carry_the_common_params_in_order() {
        let r = Request::mediatopic_post("70000000000001", r#"{"media":[]}"#.to_owned());
        let pairs = r.signed("CKEY", "secret");
        let keys: Vec<&str> = pairs.iter().map(|(k, _)| *k).collect();
        assert_eq!(
            keys,
            [
                "method",
                "application_key",
                "format",
                "type",
                "gid",
                "attachment",
                "sig"
            ]
        );
        let expected = md5_hex(
            "application_key=CKEYattachment={\"media\":[]}format=jsongid=70000000000001method=mediatopic.posttype=GROUP_THEMEsecret",
        );
        assert_eq!(
            pairs.last().map(|(_, v)| v.as_str()),
            Some(expected.as_str())
        );
    }

    #[test]
    fn attachments_follow_the_documented_blocks() {
        let media = vec![
            OkMedia::Text {
                text: "Каток открыт".to_owned(),
            },
            OkMedia::Photo {
                uploads: vec![1, 0],
            },
            OkMedia::Poll {
                question: "Придёте?".to_owned(),
                answers: vec!["Да".to_owned(), "Нет".to_owned()],
                options: "SingleChoice,AnonymousVoting".to_owned(),
            },
        ];
        let text = attachment(&media, &["t0".to_owned(), "t1".to_owned()]).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            v,
            json!({
                "media": [
                    {"type": "text", "text": "Каток открыт"},
                    {"type": "photo", "list": [{"id": "t1"}, {"id": "t0"}]},
                    {"type": "poll", "question": "Придёте?",
                     "answers": [{"text": "Да"}, {"text": "Нет"}],
                     "options": "SingleChoice,AnonymousVoting"}
                ],
                "onBehalfOfGroup": "true"
            })
        );
        assert!(matches!(
            attachment(&media, &["t0".to_owned()]),
            Err(PublishError::Rejected { .. })
        ));
    }

    #[test]
    fn answers_map_onto_outcomes() {
        let api = |code: i64| {
            let e = ApiError {
                code,
                message: "X : y".to_owned(),
            };
            classify("mediatopic.post", &e, Renewal::Impossible)
        };
        assert!(matches!(api(2), PublishError::Transient { .. }));
        assert!(matches!(api(31), PublishError::Transient { .. }));
        assert_eq!(api(8), PublishError::RateLimited { after: FLOOD_WAIT });
        assert_eq!(api(11), PublishError::RateLimited { after: QUOTA_WAIT });
        assert!(matches!(api(102), PublishError::Unauthorized { .. }));
        assert!(matches!(api(456), PublishError::Unauthorized { .. }));
        assert!(matches!(api(514), PublishError::Unauthorized { .. }));
        assert!(matches!(api(9999), PublishError::Unknown { .. }));
        for code in [100, 160, 600, 601, 603, 607, 454] {
            assert!(matches!(api(code), PublishError::Rejected { .. }), "{code}");
        }
        match api(104) {
            PublishError::Rejected { reason } => {
                // In the process's language, Russian by default: the network's words inside.
                assert!(reason.contains("подпись") && reason.contains("ошибка vestnik"));
                assert!(reason.contains("104"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        let ok = interpret("mediatopic.post", 200, None, br#""70102413183763""#);
        assert!(matches!(ok, Ok(Value::String(id)) if id == "70102413183763"));
        let err = interpret(
            "mediatopic.post",
            200,
            Some(104),
            br#"{"error_code":104,"error_msg":"PARAM_SIGNATURE : Invalid signature","error_data":null}"#,
        );
        assert!(matches!(err, Err(Failure::Api(ApiError { code: 104, .. }))));
        assert!(matches!(
            interpret("mediatopic.post", 200, Some(2), b"<html>"),
            Err(Failure::Api(ApiError { code: 2, .. }))
        ));
        assert!(matches!(
            interpret("mediatopic.post", 502, None, b"<html>"),
            Err(Failure::Other(PublishError::Transient { .. }))
        ));
        assert!(matches!(
            interpret("mediatopic.post", 200, None, b"<html>"),
            Err(Failure::Other(PublishError::Unknown { .. }))
        ));
    }

    #[test]
    fn uploads_answer_tokens_in_order() {
        let ids = ["2".to_owned(), "1".to_owned()];
        let body = br#"{"photos":{"1":{"token":"b"},"2":{"token":"a"}}}"#;
        assert_eq!(interpret_upload(200, None, body, &ids).unwrap(), ["a", "b"]);
        assert!(matches!(
            interpret_upload(
                200,
                None,
                br#"{"error_code":503,"error_msg":"PHOTO_INVALID_FORMAT : x"}"#,
                &ids
            ),
            Err(PublishError::Rejected { .. })
        ));
        assert!(matches!(
            interpret_upload(200, None, br#"{"photos":{"1":{"token":"b"}}}"#, &ids),
            Err(PublishError::Transient { .. })
        ));
    }

    #[test]
    fn forms_encode_every_reserved_byte() {
        assert_eq!(
            encode_form(&[("a b", "{\"x\":\"я+&\"}")]),
            "a%20b=%7B%22x%22%3A%22%D1%8F%2B%26%22%7D"
        );
    }
}
