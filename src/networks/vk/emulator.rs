//! A local emulator of the VK API (5.199) for tests and the sandbox: an in-process axum server
//! on `127.0.0.1:0` that keeps community walls, uploaded photos and polls, and answers the way
//! VK does — HTTP 200 with `{"error":{error_code, error_msg, request_params}}`.
//!
//! What it enforces comes from the official schema (`../shared/reference/vk-api-schema`, read
//! at start-up into a [`MethodTable`]; a checked-in extraction of the four methods vestnik uses
//! when `../shared` is absent): an unknown method is error 3, a parameter of the wrong type or a
//! missing required one is error 100, a token of a kind the method's `access_token_type` does
//! not list is error 27 (community) or 28 (service), a missing, unknown or revoked token is
//! error 5 and an expired one 1117. On top of the schema it enforces what VK documents in prose
//! (docs/api-facts.md, the VK sections): `wall.post` needs text or attachments, at most 10 photos,
//! at most one poll and never a poll alone, and answers a `guid` seen within the hour with the
//! first post; the upload server takes one file in the field `photo`, JPEG, PNG or GIF, width +
//! height at most 14,000, sides at most 1:20, at most 50 MB; `video.save` gives an address
//! that takes one MP4 in the field `video_file`, and `wall.post` attaches only clips that came
//! (its daily quota answers error 29: [`State::set_video_save_limit`]); every token may send 3 requests a
//! second (error 6 "Too many requests per second", counted in a sliding window of a second:
//! [`Config::rate`], [`State::rate_limited`]).
//!
//! Fault knobs ([`State::inject`], [`Fault`]) make the next calls fail with HTTP 500 or any VK error, answer late,
//! or apply the call and close the connection without an answer. Tests read the state
//! ([`State::wall`], [`State::requests`], …) to check what was really published.

use std::collections::HashMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{
    DefaultBodyLimit, FromRequest, Multipart, Path as UrlPath, Request, State as Axum,
};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Json, Response};
use axum::routing::{any, post};
use serde_json::{Value, json};

use crate::networks::RateLimits;
use crate::networks::rate::Windows;
use crate::networks::serve::{FaultPlan, Server, hang_up};

/// The upload server's size limit for one picture.
pub const MAX_UPLOAD_BYTES: usize = 50 * 1024 * 1024;
/// The emulator's size limit for one clip. VK's is UNCONFIRMED (VIDEO.md §3.2); this one only
/// keeps a test's memory bounded.
pub const MAX_VIDEO_UPLOAD_BYTES: usize = 256 * 1024 * 1024;
/// VK's limit on width + height of an uploaded picture.
pub const MAX_SIDES_SUM: u32 = 14_000;
/// How long a `guid` is remembered by `wall.post`.
pub const GUID_WINDOW_SECS: i64 = 3600;
/// How long an access token issued by the emulated VK ID lives.
pub const ACCESS_TOKEN_TTL_SECS: i64 = 3600;

/// Who a token speaks for; the schema's `access_token_type` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// A user token (`"user"`).
    User,
    /// A community token (`"group"`).
    Group,
    /// An application's service token (`"service"`).
    Service,
}

impl TokenKind {
    fn parse(s: &str) -> Option<TokenKind> {
        match s {
            "user" => Some(TokenKind::User),
            "group" => Some(TokenKind::Group),
            "service" => Some(TokenKind::Service),
            _ => None,
        }
    }
}

/// A parameter's type as the schema says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamType {
    /// A whole number.
    Integer,
    /// Any number.
    Number,
    /// A flag: `0` or `1`.
    Boolean,
    /// Any text.
    String,
    /// Comma-separated items of a type.
    Array(Box<ParamType>),
    /// Several types allowed (e.g. `["integer","string"]`): anything goes.
    Any,
}

/// One parameter of a method.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamSpec {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: ParamType,
    /// Whether the schema marks it `required`.
    pub required: bool,
    /// Least value of a number.
    pub minimum: Option<f64>,
    /// Greatest value of a number.
    pub maximum: Option<f64>,
    /// Longest text, in characters.
    pub max_length: Option<usize>,
    /// Most items of an array.
    pub max_items: Option<usize>,
    /// The allowed values, when the schema lists them.
    pub choices: Option<Vec<String>>,
}

/// One method: which tokens it takes and which parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodSpec {
    /// `wall.post`.
    pub name: String,
    /// The schema's `access_token_type`.
    pub token_kinds: Vec<TokenKind>,
    /// Its parameters.
    pub params: Vec<ParamSpec>,
}

impl MethodSpec {
    /// The parameter called `name`.
    pub fn param(&self, name: &str) -> Option<&ParamSpec> {
        self.params.iter().find(|p| p.name == name)
    }
}

/// Where a [`MethodTable`] came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaSource {
    /// Read from the official schema files in this folder.
    Files(PathBuf),
    /// The checked-in extraction ([`MethodTable::builtin`]).
    Builtin,
}

/// The methods the emulator knows, with their parameters and token kinds.
#[derive(Debug, Clone)]
pub struct MethodTable {
    source: SchemaSource,
    methods: HashMap<String, MethodSpec>,
}

/// The method files of the schema the emulator reads.
const SCHEMA_SECTIONS: &[&str] = &["wall", "photos", "polls", "groups", "video"];

impl MethodTable {
    /// `../shared/reference/vk-api-schema` next to this crate.
    pub fn default_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/vk-api-schema")
    }

    /// The official schema when [`Self::default_dir`] exists, else [`Self::builtin`].
    ///
    /// Fails only when the folder exists but its files cannot be read as the schema.
    pub fn load_default() -> Result<MethodTable, String> {
        let dir = Self::default_dir();
        if dir.is_dir() {
            Self::load(&dir)
        } else {
            Ok(Self::builtin())
        }
    }

    /// Reads `{wall,photos,polls,groups}/methods.json` of the schema in `dir`.
    ///
    /// Fails when a file is missing or is not the schema's shape.
    pub fn load(dir: &Path) -> Result<MethodTable, String> {
        let mut methods = HashMap::new();
        for section in SCHEMA_SECTIONS {
            let path = dir.join(section).join("methods.json");
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let doc: Value = serde_json::from_str(&text)
                .map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
            let list = doc
                .get("methods")
                .and_then(Value::as_array)
                .ok_or_else(|| format!("{} has no `methods` list", path.display()))?;
            for m in list {
                let spec = method_from_schema(m)
                    .ok_or_else(|| format!("{}: a method without a name", path.display()))?;
                methods.insert(spec.name.clone(), spec);
            }
        }
        Ok(MethodTable {
            source: SchemaSource::Files(dir.to_owned()),
            methods,
        })
    }

    /// The methods vestnik calls, copied by hand from the schema (5.199, commit 0efe478
    /// of VKCOM/vk-api-schema), for machines without `../shared`. A test compares it with the
    /// schema whenever the schema is there.
    pub fn builtin() -> MethodTable {
        use ParamType::{Boolean, Integer, Number, String as Text};
        let user = vec![TokenKind::User];
        let specs = vec![
            MethodSpec {
                name: "wall.post".to_owned(),
                token_kinds: user.clone(),
                params: vec![
                    p("owner_id", Integer),
                    p("friends_only", Boolean),
                    p("from_group", Boolean),
                    p("message", Text),
                    p("attachments", ParamType::Array(Box::new(Text))),
                    p("services", Text),
                    p("signed", Boolean),
                    p("publish_date", Integer).min(0.0),
                    p("lat", Number),
                    p("long", Number),
                    p("place_id", Integer).min(0.0),
                    p("post_id", Integer).min(0.0),
                    p("guid", Text),
                    p("mark_as_ads", Boolean),
                    p("link_title", Text),
                    p("link_photo_id", Text),
                    p("close_comments", Boolean),
                    p("donut_paid_duration", Integer),
                    p("mute_notifications", Boolean),
                    p("copyright", Text),
                ],
            },
            MethodSpec {
                name: "photos.getWallUploadServer".to_owned(),
                token_kinds: user.clone(),
                params: vec![p("group_id", Integer)],
            },
            MethodSpec {
                name: "photos.saveWallPhoto".to_owned(),
                token_kinds: user.clone(),
                params: vec![
                    p("user_id", Integer).min(0.0),
                    p("group_id", Integer).min(0.0),
                    p("photo", Text).required(),
                    p("server", Integer),
                    p("hash", Text),
                    p("latitude", Number),
                    p("longitude", Number),
                    p("caption", Text),
                ],
            },
            MethodSpec {
                name: "video.save".to_owned(),
                token_kinds: user.clone(),
                params: vec![
                    p("name", Text),
                    p("description", Text),
                    p("is_private", Boolean),
                    p("wallpost", Boolean),
                    p("link", Text),
                    p("group_id", Integer).min(1.0),
                    p("album_id", Integer).min(0.0),
                    p("privacy_view", ParamType::Array(Box::new(Text))),
                    p("privacy_comment", ParamType::Array(Box::new(Text))),
                    p("no_comments", Boolean),
                    p("repeat", Boolean),
                    p("compression", Boolean),
                    p("ord_info", Text),
                    p("auto_publish", Boolean),
                ],
            },
            MethodSpec {
                name: "polls.create".to_owned(),
                token_kinds: user.clone(),
                params: vec![
                    p("question", Text),
                    p("is_anonymous", Boolean),
                    p("is_multiple", Boolean),
                    p("end_date", Integer).min(1_550_700_000.0),
                    p("owner_id", Integer),
                    p("app_id", Integer),
                    p("add_answers", Text),
                    p("photo_id", Integer).min(0.0),
                    p("background_id", Text).choices(&["1", "2", "3", "4", "6", "8", "9"]),
                    p("disable_unvote", Boolean),
                ],
            },
            MethodSpec {
                name: "wall.getComments".to_owned(),
                token_kinds: vec![TokenKind::User, TokenKind::Service],
                params: vec![
                    p("owner_id", Integer),
                    p("post_id", Integer).min(0.0),
                    p("need_likes", Boolean),
                    p("start_comment_id", Integer).min(0.0),
                    p("offset", Integer),
                    p("count", Integer).min(0.0),
                    p("sort", Text).choices(&["asc", "desc", "smart"]),
                    p("preview_length", Integer).min(0.0),
                    p("extended", Boolean),
                    p("fields", ParamType::Array(Box::new(Text))),
                    p("comment_id", Integer).min(0.0),
                    p("thread_items_count", Integer).min(0.0).max(10.0),
                ],
            },
            MethodSpec {
                name: "wall.getComment".to_owned(),
                token_kinds: user.clone(),
                params: vec![
                    p("owner_id", Integer),
                    p("comment_id", Integer).min(0.0).required(),
                    p("extended", Boolean),
                    p("fields", ParamType::Array(Box::new(Text))),
                ],
            },
            MethodSpec {
                name: "wall.deleteComment".to_owned(),
                token_kinds: user.clone(),
                params: vec![
                    p("owner_id", Integer),
                    p("post_id", Integer).min(0.0),
                    p("comment_id", Integer).min(0.0).required(),
                ],
            },
            MethodSpec {
                name: "wall.restoreComment".to_owned(),
                token_kinds: user.clone(),
                params: vec![p("owner_id", Integer), p("comment_id", Integer).required()],
            },
            MethodSpec {
                name: "wall.get".to_owned(),
                token_kinds: vec![TokenKind::User, TokenKind::Service],
                params: vec![
                    p("domain", ParamType::Any),
                    p("offset", Integer).min(0.0),
                    p("count", Integer).min(0.0),
                    p("filter", Text),
                    p("extended", Boolean),
                    p("fields", ParamType::Array(Box::new(Text))),
                ],
            },
            MethodSpec {
                name: "groups.getById".to_owned(),
                token_kinds: vec![TokenKind::User, TokenKind::Group, TokenKind::Service],
                params: vec![
                    p("group_ids", ParamType::Array(Box::new(Text))),
                    p("group_id", ParamType::Any),
                    p("fields", ParamType::Array(Box::new(Text))),
                ],
            },
            MethodSpec {
                name: "groups.getMembers".to_owned(),
                token_kinds: vec![TokenKind::User, TokenKind::Group, TokenKind::Service],
                params: vec![
                    p("group_id", ParamType::Any),
                    p("sort", Text).choices(&["id_asc", "id_desc", "time_asc", "time_desc"]),
                    p("offset", Integer).min(0.0),
                    p("count", Integer).min(0.0).max(1000.0),
                    p("fields", ParamType::Array(Box::new(Text))),
                    p("filter", Text).choices(&["donut", "friends", "managers", "unsure"]),
                ],
            },
        ];
        MethodTable {
            source: SchemaSource::Builtin,
            methods: specs.into_iter().map(|m| (m.name.clone(), m)).collect(),
        }
    }

    /// Where the table came from.
    pub fn source(&self) -> &SchemaSource {
        &self.source
    }

    /// The method called `name` (names are case-sensitive, as in VK).
    pub fn method(&self, name: &str) -> Option<&MethodSpec> {
        self.methods.get(name)
    }

    /// Checks a request's parameters the way VK does: each known parameter must be of its type
    /// and range, each required one present. Unknown parameters are ignored, as VK ignores them.
    ///
    /// Returns error 100's detail, `<name> not integer`, `<name> is missing`, ….
    pub fn check_params(spec: &MethodSpec, params: &[(String, String)]) -> Result<(), String> {
        for param in &spec.params {
            let value = params
                .iter()
                .rev()
                .find(|(k, _)| *k == param.name)
                .map(|(_, v)| v.as_str());
            match value {
                None if param.required => return Err(format!("{} is missing", param.name)),
                None => {}
                Some(v) => check_value(param, &param.ty, v)?,
            }
        }
        Ok(())
    }
}

fn p(name: &str, ty: ParamType) -> ParamSpec {
    ParamSpec {
        name: name.to_owned(),
        ty,
        required: false,
        minimum: None,
        maximum: None,
        max_length: None,
        max_items: None,
        choices: None,
    }
}

impl ParamSpec {
    fn min(mut self, v: f64) -> ParamSpec {
        self.minimum = Some(v);
        self
    }
    fn max(mut self, v: f64) -> ParamSpec {
        self.maximum = Some(v);
        self
    }
    fn required(mut self) -> ParamSpec {
        self.required = true;
        self
    }
    fn choices(mut self, values: &[&str]) -> ParamSpec {
        self.choices = Some(values.iter().map(|v| (*v).to_owned()).collect());
        self
    }
}

fn type_from_schema(v: Option<&Value>, items: Option<&Value>) -> ParamType {
    match v {
        Some(Value::String(t)) => match t.as_str() {
            "integer" => ParamType::Integer,
            "number" => ParamType::Number,
            "boolean" => ParamType::Boolean,
            "array" => {
                let item = items.map(|i| type_from_schema(i.get("type"), None));
                // Items given by `$ref` (enums of field names) are words.
                ParamType::Array(Box::new(match item {
                    Some(ParamType::Any) | None => ParamType::String,
                    Some(t) => t,
                }))
            }
            "string" => ParamType::String,
            _ => ParamType::Any,
        },
        _ => ParamType::Any,
    }
}

fn method_from_schema(m: &Value) -> Option<MethodSpec> {
    let name = m.get("name")?.as_str()?.to_owned();
    let token_kinds = m
        .get("access_token_type")
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(|k| k.as_str().and_then(TokenKind::parse))
                .collect()
        })
        .unwrap_or_default();
    let params = m
        .get("parameters")
        .and_then(Value::as_array)
        .map(|l| l.iter().filter_map(param_from_schema).collect())
        .unwrap_or_default();
    Some(MethodSpec {
        name,
        token_kinds,
        params,
    })
}

fn param_from_schema(v: &Value) -> Option<ParamSpec> {
    let name = v.get("name")?.as_str()?.to_owned();
    let num = |k: &str| v.get(k).and_then(Value::as_f64);
    let count = |k: &str| v.get(k).and_then(Value::as_u64).map(|n| n as usize);
    Some(ParamSpec {
        ty: type_from_schema(v.get("type"), v.get("items")),
        required: v.get("required").and_then(Value::as_bool).unwrap_or(false),
        minimum: num("minimum"),
        maximum: num("maximum"),
        max_length: count("maxLength"),
        max_items: count("maxItems"),
        choices: v.get("enum").and_then(Value::as_array).map(|l| {
            l.iter()
                .map(|e| match e {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect()
        }),
        name,
    })
}

fn check_value(spec: &ParamSpec, ty: &ParamType, v: &str) -> Result<(), String> {
    let name = &spec.name;
    let range = |x: f64| {
        if spec.minimum.is_some_and(|m| x < m) || spec.maximum.is_some_and(|m| x > m) {
            Err(format!("{name} out of range"))
        } else {
            Ok(())
        }
    };
    match ty {
        ParamType::Integer => {
            let n: i64 = v.parse().map_err(|_| format!("{name} not integer"))?;
            range(n as f64)?;
        }
        ParamType::Number => {
            let x: f64 = v.parse().map_err(|_| format!("{name} not number"))?;
            range(x)?;
        }
        // VK's flags are `1` and `0`; the emulator is strict so that a client sending `true`
        // is caught here rather than guessed about.
        ParamType::Boolean => {
            if v != "0" && v != "1" {
                return Err(format!("{name} not boolean (0 or 1)"));
            }
        }
        ParamType::String => {
            if spec.max_length.is_some_and(|m| v.chars().count() > m) {
                return Err(format!("{name} is too long"));
            }
        }
        ParamType::Array(item) => {
            let items: Vec<&str> = v.split(',').collect();
            if spec.max_items.is_some_and(|m| items.len() > m) {
                return Err(format!("{name} has too many items"));
            }
            for i in items {
                check_value(
                    &ParamSpec {
                        choices: None,
                        ..spec.clone()
                    },
                    item,
                    i.trim(),
                )?;
            }
            return Ok(());
        }
        ParamType::Any => {}
    }
    if let Some(choices) = &spec.choices
        && !choices.iter().any(|c| c == v)
    {
        return Err(format!("{name} should be one of {}", choices.join(", ")));
    }
    Ok(())
}

/// A planned failure of the next method calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 500 with an HTML page (a VK front end in trouble); nothing is applied.
    ServerError,
    /// VK error `code` (10 "Internal server error", 6 "Too many requests per second", 9, 14,
    /// …) with the schema's message; nothing is applied.
    ApiError(i64),
    /// The call is applied and answered after this long (past the client's timeout).
    Delay(Duration),
    /// The call is applied, then the connection is closed without an answer.
    DropResponse,
}

/// One post on a community wall.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WallPost {
    /// Its id on the wall.
    pub id: i64,
    /// `-group_id`.
    pub owner_id: i64,
    /// The user who posted.
    pub created_by: i64,
    /// Published as the community.
    pub from_group: bool,
    /// The text.
    pub message: String,
    /// The attachments, in order, as sent.
    pub attachments: Vec<String>,
    /// The anti-duplicate key.
    pub guid: Option<String>,
    /// Unix time (emulator clock).
    pub date: i64,
}

/// A saved wall photo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photo {
    /// Its id.
    pub id: i64,
    /// `-group_id` (or the user's id for a user wall).
    pub owner_id: i64,
    /// Who uploaded it.
    pub user_id: i64,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// File size.
    pub bytes: usize,
    /// The key an attachment may carry.
    pub access_key: String,
}

/// A clip saved by `video.save` into a community's (or user's) videos.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Video {
    /// Its id.
    pub id: i64,
    /// `-group_id` (or the user's id).
    pub owner_id: i64,
    /// Its name.
    pub name: String,
    /// `wallpost` as asked (1 would post it on the wall by itself).
    pub wallpost: bool,
    /// `repeat` as asked (an animation loops).
    pub repeat: bool,
    /// Bytes uploaded (0 until the file came).
    pub bytes: usize,
}

/// A created poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Poll {
    /// Its id.
    pub id: i64,
    /// `-group_id` or the user's id.
    pub owner_id: i64,
    /// The question.
    pub question: String,
    /// The answers.
    pub answers: Vec<String>,
    /// Voters hidden.
    pub anonymous: bool,
    /// Several answers allowed.
    pub multiple: bool,
    /// Unix time when voting closes (0: never).
    pub end_date: i64,
}

/// One API request as the emulator received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// The HTTP method (`POST`).
    pub http_method: String,
    /// The API method from the path.
    pub method: String,
    /// `Content-Type`, if any.
    pub content_type: Option<String>,
    /// The parameters from the URL's query string.
    pub query: Vec<(String, String)>,
    /// The parameters from a form-encoded or multipart body.
    pub body: Vec<(String, String)>,
    /// The token from `Authorization: Bearer`.
    pub bearer: Option<String>,
    /// The kind of the token used, when it was a known one.
    pub token_kind: Option<TokenKind>,
}

impl Recorded {
    /// Query and body parameters together (the body's win, as in VK).
    pub fn params(&self) -> Vec<(String, String)> {
        self.query.iter().chain(&self.body).cloned().collect()
    }
}

/// One POST to an upload URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadRecord {
    /// Whether an `Authorization` header came along (it should not: the URL is the permission).
    pub had_authorization: bool,
    /// The multipart field names, in order.
    pub fields: Vec<String>,
    /// The answer given (JSON).
    pub answer: String,
}

/// One request to the VK ID token endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshRecord {
    /// The form parameters.
    pub params: Vec<(String, String)>,
    /// Whether a new pair was issued.
    pub issued: bool,
}

#[derive(Debug, Clone)]
struct TokenInfo {
    kind: TokenKind,
    /// The user of a user token; the community of a community token.
    subject: i64,
    expires_at: Option<i64>,
    revoked: bool,
}

#[derive(Debug, Clone)]
struct RefreshInfo {
    user_id: i64,
    client_id: String,
    used: bool,
    revoked: bool,
}

/// A community's profile as `groups.getById` shows it (the fields the audit reads).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Profile {
    /// `description`.
    pub description: String,
    /// `site`.
    pub site: String,
    /// `verified`: the mark.
    pub verified: bool,
    /// `is_closed`: 0 open, 1 closed, 2 private.
    pub is_closed: i64,
    /// The main address's text (`addresses.main_address.address`); none when empty.
    pub address: String,
    /// The main address's point.
    pub point: Option<(f64, f64)>,
    /// The main address's phone.
    pub phone: String,
    /// The main address's timetable: the same opening and closing minutes every weekday.
    pub weekdays: Option<(i64, i64)>,
    /// The URLs of `links`.
    pub links: Vec<String>,
}

impl Profile {
    /// A complete profile: description, address with a point, phone, hours and a link.
    pub fn complete(name: &str) -> Profile {
        Profile {
            description: format!("Официальная страница: {name}"),
            site: "https://krapivino.example/".to_owned(),
            verified: true,
            is_closed: 0,
            address: "пгт Крапивинский, ул. Юбилейная, 15".to_owned(),
            point: Some((54.999, 86.817)),
            phone: "+7 384 46 2-22-22".to_owned(),
            weekdays: Some((8 * 60, 17 * 60)),
            links: vec!["https://ok.ru/group/200".to_owned()],
        }
    }
}

#[derive(Debug, Default)]
struct Community {
    admins: Vec<i64>,
    /// The profile; `None` reads as an empty one.
    profile: Option<Profile>,
    /// `deleted` or `banned`.
    deactivated: Option<String>,
    wall: Vec<WallPost>,
    /// guid → (post id, date).
    guids: HashMap<String, (i64, i64)>,
    comments: Vec<Comment>,
}

/// A user's comment under a post of a community wall.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// Its id on the wall.
    pub id: i64,
    /// The post it is under.
    pub post_id: i64,
    /// The author (a user id; `-group_id` for the community itself).
    pub from_id: i64,
    /// Unix time (emulator clock).
    pub date: i64,
    /// The text.
    pub text: String,
    /// The comment it answers, for a reply in a thread.
    pub parent: Option<i64>,
    /// Deleted (and restorable).
    pub deleted: bool,
}

/// The first comment id of a community (VK numbers posts and comments in one sequence; the
/// emulator keeps them apart so a test can tell them).
const FIRST_COMMENT_ID: i64 = 1_000_001;

#[derive(Debug, Clone)]
struct Ticket {
    owner_id: i64,
    user_id: i64,
}

#[derive(Debug, Clone)]
struct Upload {
    owner_id: i64,
    user_id: i64,
    width: u32,
    height: u32,
    bytes: usize,
    photo: String,
    saved: Option<i64>,
}

#[derive(Default)]
struct World {
    clock_offset: i64,
    tokens: HashMap<String, TokenInfo>,
    refresh_tokens: HashMap<String, RefreshInfo>,
    communities: HashMap<i64, Community>,
    tickets: HashMap<String, Ticket>,
    uploads: HashMap<String, Upload>,
    photos: Vec<Photo>,
    /// Saved photos (owner, id) that are gone ([`State::forget_unused_photos`]).
    forgotten: std::collections::HashSet<(i64, i64)>,
    polls: Vec<Poll>,
    videos: Vec<Video>,
    /// Upload addresses of clips: ticket → the video's (owner, id).
    video_tickets: HashMap<String, (i64, i64)>,
    /// `video.save` calls today, and how many a day are allowed (VK: 5,000 per app).
    video_saves: usize,
    video_save_limit: Option<usize>,
    /// Planned faults, each for any method (`None`) or one method.
    faults: FaultPlan<Fault>,
    rate: RateLimits,
    windows: Windows,
    requests: Vec<Recorded>,
    /// Edits of comments to apply when a call of a method arrives (method, group, comment,
    /// text): an author editing at that moment.
    edits_on: Vec<(String, i64, i64, String)>,
    upload_log: Vec<UploadRecord>,
    refresh_log: Vec<RefreshRecord>,
    serial: u64,
}

impl World {
    fn now(&self) -> i64 {
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        real + self.clock_offset
    }

    fn next(&mut self) -> u64 {
        self.serial += 1;
        self.serial
    }
}

struct Shared {
    world: Mutex<World>,
    table: MethodTable,
    base_url: String,
    /// Signs upload answers, so `photos.saveWallPhoto` can check `hash`.
    key: [u8; 32],
}

impl Shared {
    fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn sign(&self, photo: &str, server: i64) -> String {
        let mut h = blake3::Hasher::new_keyed(&self.key);
        h.update(photo.as_bytes());
        h.update(&server.to_le_bytes());
        h.finalize().to_hex()[..32].to_owned()
    }
}

/// The upload server's number in every answer.
const UPLOAD_SERVER: i64 = 838_123;

/// How to start an emulator.
#[derive(Debug, Clone)]
pub struct Config {
    /// The schema folder to read the method table from; when it does not exist, the
    /// checked-in extraction ([`MethodTable::builtin`]) is used.
    pub schema_dir: PathBuf,
    /// The rates past which it answers error 6, per token (VK: 3 requests a second for a user
    /// token, [`RateLimits::VK`]) and, when set, per community (`owner_id` or `group_id`);
    /// [`RateLimits::UNLIMITED`] turns them off.
    pub rate: RateLimits,
}

impl Default for Config {
    /// `../shared/reference/vk-api-schema`, 3 requests a second.
    fn default() -> Config {
        Config {
            schema_dir: MethodTable::default_dir(),
            rate: RateLimits::VK,
        }
    }
}

/// The emulator's state: shared with the server, read and steered by tests. Cheap to clone.
#[derive(Clone)]
pub struct State {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State")
            .field("schema", self.shared.table.source())
            .finish_non_exhaustive()
    }
}

/// A running VK emulator. Dropping it stops the server.
#[derive(Debug)]
pub struct Emulator {
    /// `http://127.0.0.1:<port>`: the client's base URL.
    pub base_url: String,
    /// The state, to read and to steer.
    pub state: State,
    server: Server,
}

impl Emulator {
    /// The emulated VK ID token endpoint (`{base_url}/oauth2/auth`).
    pub fn refresh_url(&self) -> String {
        format!("{}/oauth2/auth", self.base_url)
    }

    /// Stops accepting connections and closes the open ones.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}

/// Starts an emulator on `127.0.0.1` on a free port, with no communities and no tokens.
///
/// Fails when no port can be bound, or when the schema folder exists but cannot be read as the
/// schema.
pub async fn start(config: Config) -> std::io::Result<Emulator> {
    let table = if config.schema_dir.is_dir() {
        MethodTable::load(&config.schema_dir).map_err(std::io::Error::other)?
    } else {
        MethodTable::builtin()
    };
    let bound = Server::bind().await?;
    let addr = bound.addr;
    let key = *blake3::hash(format!("{addr}{:?}", SystemTime::now()).as_bytes()).as_bytes();
    let shared = Arc::new(Shared {
        world: Mutex::new(World {
            rate: config.rate,
            ..World::default()
        }),
        table,
        base_url: bound.base_url.clone(),
        key,
    });
    let router = Router::new()
        .route("/method/{name}", any(method))
        .route(
            "/upload/{ticket}",
            post(upload).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES + 1024 * 1024)),
        )
        .route(
            "/upload-video/{ticket}",
            post(upload_video).layer(DefaultBodyLimit::max(MAX_VIDEO_UPLOAD_BYTES + 1024 * 1024)),
        )
        .route("/oauth2/auth", post(refresh))
        .with_state(shared.clone());
    Ok(Emulator {
        base_url: shared.base_url.clone(),
        state: State { shared },
        server: bound.serve(router),
    })
}

impl State {
    /// Where the method table came from.
    pub fn schema_source(&self) -> SchemaSource {
        self.shared.table.source().clone()
    }

    /// Adds a community (positive id) whose wall `admins` (user ids) may post to.
    pub fn add_community(&self, group_id: u64, admins: &[i64]) {
        let mut w = self.shared.world();
        let c = w.communities.entry(group_id as i64).or_default();
        c.admins.extend_from_slice(admins);
    }

    /// A user (`from_id`; `-group_id` for the community) comments under post `post_id` of the
    /// community, as a reply to `parent` when given. Returns the comment's id.
    pub fn add_comment(
        &self,
        group_id: u64,
        post_id: i64,
        from_id: i64,
        text: &str,
        parent: Option<i64>,
    ) -> i64 {
        let mut w = self.shared.world();
        let date = w.now();
        let c = w.communities.entry(group_id as i64).or_default();
        let id = FIRST_COMMENT_ID + c.comments.len() as i64;
        c.comments.push(Comment {
            id,
            post_id,
            from_id,
            date,
            text: text.to_owned(),
            parent,
            deleted: false,
        });
        id
    }

    /// Sets the community's profile (what `groups.getById` shows).
    pub fn set_profile(&self, group_id: u64, profile: Profile) {
        let mut w = self.shared.world();
        w.communities.entry(group_id as i64).or_default().profile = Some(profile);
    }

    /// The community is deleted (`deactivated: deleted`): its wall cannot be read any more.
    pub fn delete_community(&self, group_id: u64) {
        let mut w = self.shared.world();
        w.communities
            .entry(group_id as i64)
            .or_default()
            .deactivated = Some("deleted".to_owned());
    }

    /// The user stops administering the community.
    pub fn remove_admin(&self, group_id: u64, user_id: i64) {
        let mut w = self.shared.world();
        if let Some(c) = w.communities.get_mut(&(group_id as i64)) {
            c.admins.retain(|a| *a != user_id);
        }
    }

    /// A post made on the wall by hand (as the community, by an administrator `by`), at unix
    /// time `date`. Returns its id.
    pub fn add_post_by_hand(&self, group_id: u64, by: i64, text: &str, date: i64) -> i64 {
        let mut w = self.shared.world();
        let c = w.communities.entry(group_id as i64).or_default();
        let id = c.wall.len() as i64 + 1;
        c.wall.push(WallPost {
            id,
            owner_id: -(group_id as i64),
            created_by: by,
            from_group: true,
            message: text.to_owned(),
            attachments: Vec::new(),
            guid: None,
            date,
        });
        id
    }

    /// The author edits comment `id`.
    pub fn edit_comment(&self, group_id: u64, id: i64, text: &str) {
        let mut w = self.shared.world();
        if let Some(c) = w
            .communities
            .get_mut(&(group_id as i64))
            .and_then(|c| c.comments.iter_mut().find(|c| c.id == id))
        {
            c.text = text.to_owned();
        }
    }

    /// The author edits comment `id` when the next call of `method` arrives, before it is
    /// answered: an edit made between two requests of a client.
    pub fn edit_comment_on(&self, method: &str, group_id: u64, id: i64, text: &str) {
        self.shared.world().edits_on.push((
            method.to_owned(),
            group_id as i64,
            id,
            text.to_owned(),
        ));
    }

    /// Every comment of the community, deleted ones too.
    pub fn comments(&self, group_id: u64) -> Vec<Comment> {
        let w = self.shared.world();
        w.communities
            .get(&(group_id as i64))
            .map(|c| c.comments.clone())
            .unwrap_or_default()
    }

    /// Registers a long-lived user token of `user_id`.
    pub fn add_user_token(&self, token: &str, user_id: i64) {
        self.add_token(token, TokenKind::User, user_id, None);
    }

    /// Registers a community token of `group_id`.
    pub fn add_community_token(&self, token: &str, group_id: u64) {
        self.add_token(token, TokenKind::Group, group_id as i64, None);
    }

    /// Registers an application's service token.
    pub fn add_service_token(&self, token: &str) {
        self.add_token(token, TokenKind::Service, 0, None);
    }

    fn add_token(&self, token: &str, kind: TokenKind, subject: i64, expires_at: Option<i64>) {
        self.shared.world().tokens.insert(
            token.to_owned(),
            TokenInfo {
                kind,
                subject,
                expires_at,
                revoked: false,
            },
        );
    }

    /// Issues VK ID tokens for `user_id` through the app `client_id`: an access token that
    /// lives [`ACCESS_TOKEN_TTL_SECS`] on the emulator's clock, and a refresh token good for one
    /// exchange. Returns `(access, refresh)`.
    pub fn issue_vk_id(&self, user_id: i64, client_id: &str) -> (String, String) {
        let mut w = self.shared.world();
        issue_pair(&mut w, user_id, client_id)
    }

    /// Makes `token` expired (error 1117 from now on).
    pub fn expire_token(&self, token: &str) {
        if let Some(t) = self.shared.world().tokens.get_mut(token) {
            t.expires_at = Some(i64::MIN);
        }
    }

    /// Revokes an access or refresh token (error 5, or `invalid_grant`, from now on).
    pub fn revoke_token(&self, token: &str) {
        let mut w = self.shared.world();
        if let Some(t) = w.tokens.get_mut(token) {
            t.revoked = true;
        }
        if let Some(r) = w.refresh_tokens.get_mut(token) {
            r.revoked = true;
        }
    }

    /// Moves the emulator's clock forward (token lifetimes, the `guid` hour, poll end dates).
    pub fn advance_clock(&self, by: Duration) {
        self.shared.world().clock_offset += by.as_secs() as i64;
    }

    /// Moves the emulator's clock back (posts made now are dated in the past week, as if the
    /// test had run then).
    pub fn rewind_clock(&self, by: Duration) {
        self.shared.world().clock_offset -= by.as_secs() as i64;
    }

    /// Makes the next `times` method calls fail with `fault`, in the order the faults were
    /// injected.
    pub fn inject(&self, fault: Fault, times: usize) {
        let mut w = self.shared.world();
        w.faults.plan(None, fault, times);
    }

    /// Makes the next `times` calls of `method` fail with `fault` (calls of other methods pass).
    pub fn inject_on(&self, method: &str, fault: Fault, times: usize) {
        let mut w = self.shared.world();
        w.faults.plan(Some(method), fault, times);
    }

    /// Requests a second allowed per token; 0 turns the limit off (per-community limits stay
    /// as they are).
    pub fn set_rate_limit(&self, per_sec: u32) {
        self.shared.world().rate.global_per_sec = per_sec;
    }

    /// Replaces the rates past which the emulator answers error 6 (what was sent stays
    /// counted).
    pub fn set_rate(&self, rate: RateLimits) {
        self.shared.world().rate = rate;
    }

    /// How many error 6 answers the configured rates caused (injected faults are not counted):
    /// zero when the clients kept to the limits.
    pub fn rate_limited(&self) -> usize {
        self.shared.world().windows.refused()
    }

    /// Every call the rates judged (admitted or refused), in the order they were judged: the
    /// token, the chat or page, when it arrived (also with no rates configured). Injected
    /// faults are not among them.
    pub fn arrivals(&self) -> Vec<crate::networks::Arrival> {
        self.shared.world().windows.arrivals()
    }

    /// The posts on a community's wall, oldest first.
    pub fn wall(&self, group_id: u64) -> Vec<WallPost> {
        self.shared
            .world()
            .communities
            .get(&(group_id as i64))
            .map(|c| c.wall.clone())
            .unwrap_or_default()
    }

    /// Every saved photo.
    pub fn photos(&self) -> Vec<Photo> {
        self.shared.world().photos.clone()
    }

    /// Forgets every saved photo that no post uses yet, as VK may after a while (how long VK
    /// keeps a saved wall photo that nothing uses is UNCONFIRMED): a `wall.post` that attaches
    /// one is refused with error 100, like any unknown photo.
    pub fn forget_unused_photos(&self) {
        let mut w = self.shared.world();
        let used: std::collections::HashSet<(i64, i64)> = w
            .communities
            .values()
            .flat_map(|c| c.wall.iter().flat_map(|p| p.attachments.iter()))
            .filter_map(|a| parse_attachment(a))
            .filter(|(kind, ..)| *kind == "photo")
            .map(|(_, owner, id, _)| (owner, id))
            .collect();
        let gone: Vec<(i64, i64)> = w
            .photos
            .iter()
            .map(|p| (p.owner_id, p.id))
            .filter(|k| !used.contains(k))
            .collect();
        w.forgotten.extend(gone);
    }

    /// The clips saved by `video.save`.
    pub fn videos(&self) -> Vec<Video> {
        self.shared.world().videos.clone()
    }

    /// Allows `limit` more `video.save` calls (counted from the start), then answers error 29.
    pub fn set_video_save_limit(&self, limit: usize) {
        let mut w = self.shared.world();
        w.video_save_limit = Some(w.video_saves + limit);
    }

    /// Every created poll.
    pub fn polls(&self) -> Vec<Poll> {
        self.shared.world().polls.clone()
    }

    /// Every API request received, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.world().requests.clone()
    }

    /// Every POST to an upload URL, in order.
    pub fn uploads(&self) -> Vec<UploadRecord> {
        self.shared.world().upload_log.clone()
    }

    /// Every request to the VK ID token endpoint, in order.
    pub fn refreshes(&self) -> Vec<RefreshRecord> {
        self.shared.world().refresh_log.clone()
    }
}

fn issue_pair(w: &mut World, user_id: i64, client_id: &str) -> (String, String) {
    let n = w.next();
    let access = format!("vk2.a.emu{n:06}{user_id}");
    let refresh = format!("vk2.r.emu{n:06}{user_id}");
    let expires = w.now() + ACCESS_TOKEN_TTL_SECS;
    w.tokens.insert(
        access.clone(),
        TokenInfo {
            kind: TokenKind::User,
            subject: user_id,
            expires_at: Some(expires),
            revoked: false,
        },
    );
    w.refresh_tokens.insert(
        refresh.clone(),
        RefreshInfo {
            user_id,
            client_id: client_id.to_owned(),
            used: false,
            revoked: false,
        },
    );
    (access, refresh)
}

/// The schema's description of an error code: what VK puts before the details.
fn error_text(code: i64) -> &'static str {
    match code {
        1 => "Unknown error occurred",
        3 => "Unknown method passed",
        5 => "User authorization failed",
        6 => "Too many requests per second",
        8 => "Invalid request",
        9 => "Flood control",
        10 => "Internal server error",
        14 => "Captcha needed",
        15 => "Access denied",
        17 => "Validation required",
        22 => "Upload error",
        24 => "Confirmation required",
        27 => "Group authorization failed",
        28 => "Application authorization failed",
        29 => "Rate limit reached",
        100 => "One of the parameters specified was missing or invalid",
        118 => "Invalid server",
        121 => "Invalid hash",
        125 => "Invalid group id",
        203 => "Access to group denied",
        214 => "Access to adding post denied",
        222 => "Hyperlinks are forbidden",
        1117 => "Access token has expired",
        3609 => "Token extension required",
        _ => "Unknown error occurred",
    }
}

/// A VK error answer: HTTP 200, the code, the message, and — like VK — every parameter of the
/// request echoed in `request_params`, the token too when it came as a parameter.
fn vk_error(code: i64, detail: &str, method: &str, params: &[(String, String)]) -> Response {
    let msg = if detail.is_empty() {
        error_text(code).to_owned()
    } else {
        format!("{}: {detail}", error_text(code))
    };
    let mut echo = vec![
        json!({"key": "method", "value": method}),
        json!({"key": "oauth", "value": "1"}),
    ];
    echo.extend(params.iter().map(|(k, v)| json!({"key": k, "value": v})));
    Json(json!({"error": {"error_code": code, "error_msg": msg, "request_params": echo}}))
        .into_response()
}

fn vk_response(value: Value) -> Response {
    Json(json!({ "response": value })).into_response()
}

/// `application/x-www-form-urlencoded` pairs; undecodable escapes are kept as they are.
fn parse_form(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|s| !s.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn content_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// `/method/{name}`: an API call.
async fn method(
    Axum(shared): Axum<Arc<Shared>>,
    UrlPath(name): UrlPath<String>,
    req: Request,
) -> Response {
    // Rates count a call when it arrives, as a server in front of the API would.
    let arrived = std::time::Instant::now();
    let http_method = req.method().to_string();
    let headers = req.headers().clone();
    let query = req.uri().query().map(parse_form).unwrap_or_default();
    let ctype = content_type(&headers);
    let mime = ctype
        .as_deref()
        .and_then(|c| c.split(';').next())
        .map(|c| c.trim().to_ascii_lowercase());
    // VK reads parameters from the query string and from form-encoded or multipart bodies.
    // Any other body — JSON above all — is not read at all ("application/json is not
    // supported"), so such a request is judged by its query string alone: without `v` it gets
    // error 8, as VK answers a request that lacks the version, and a token sent inside the JSON
    // is not seen (error 5).
    let body = match mime.as_deref() {
        Some("application/x-www-form-urlencoded") => {
            match axum::body::to_bytes(req.into_body(), 2 * 1024 * 1024).await {
                Ok(b) => parse_form(&String::from_utf8_lossy(&b)),
                Err(_) => Vec::new(),
            }
        }
        Some("multipart/form-data") => multipart_fields(req).await,
        _ => Vec::new(),
    };
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned());
    let mut record = Recorded {
        http_method,
        method: name.clone(),
        content_type: ctype,
        query,
        body,
        bearer,
        token_kind: None,
    };
    let params = record.params();
    let (response, after) = answer(&shared, &name, &params, &mut record, arrived);
    shared.world().requests.push(record);
    match after {
        Some(Fault::Delay(d)) => {
            tokio::time::sleep(d).await;
            response
        }
        Some(Fault::DropResponse) => hang_up(response),
        _ => response,
    }
}

async fn multipart_fields(req: Request) -> Vec<(String, String)> {
    let Ok(mut form) = Multipart::from_request(req, &()).await else {
        return Vec::new();
    };
    let mut out = Vec::new();
    while let Ok(Some(field)) = form.next_field().await {
        let name = field.name().unwrap_or_default().to_owned();
        if let Ok(text) = field.text().await {
            out.push((name, text));
        }
    }
    out
}

/// Decides a method call. Returns the answer and the fault to apply after it (a delay or a
/// dropped connection: the call itself is applied).
fn answer(
    shared: &Shared,
    name: &str,
    params: &[(String, String)],
    record: &mut Recorded,
    arrived: std::time::Instant,
) -> (Response, Option<Fault>) {
    let get = |k: &str| {
        params
            .iter()
            .rev()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let mut w = shared.world();
    let fault = w.faults.take(name);
    match fault {
        Some(Fault::ServerError) => {
            let page = Html("<html><body><h1>500 Internal Server Error</h1></body></html>");
            return (
                (StatusCode::INTERNAL_SERVER_ERROR, page).into_response(),
                None,
            );
        }
        Some(Fault::ApiError(code)) => return (vk_error(code, "", name, params), None),
        _ => {}
    }
    let Some(spec) = shared.table.method(name) else {
        return (vk_error(3, "", name, params), None);
    };
    let token = record
        .bearer
        .clone()
        .or_else(|| get("access_token").map(str::to_owned));
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return (vk_error(5, "no access_token passed.", name, params), None);
    };
    let now = w.now();
    let Some(info) = w.tokens.get(&token).cloned() else {
        return (vk_error(5, "invalid access_token (4).", name, params), None);
    };
    record.token_kind = Some(info.kind);
    if info.revoked {
        return (vk_error(5, "invalid access_token (4).", name, params), None);
    }
    if info.expires_at.is_some_and(|e| e <= now) {
        return (vk_error(1117, "", name, params), None);
    }
    if !spec.token_kinds.contains(&info.kind) {
        return match info.kind {
            TokenKind::Group => (
                vk_error(27, "method is unavailable with group auth.", name, params),
                None,
            ),
            _ => (
                vk_error(
                    28,
                    "method is unavailable with service token.",
                    name,
                    params,
                ),
                None,
            ),
        };
    }
    if get("v").is_none_or(|v| v.parse::<f64>().is_err()) {
        return (
            vk_error(8, "v (version) is required or not valid", name, params),
            None,
        );
    }
    let rate = w.rate;
    let page = match (get("owner_id"), get("group_id")) {
        (Some(owner), _) => owner.trim().to_owned(),
        (None, Some(group)) if !group.trim().starts_with('-') => format!("-{}", group.trim()),
        (None, Some(group)) => group.trim().to_owned(),
        (None, None) => String::new(),
    };
    if w.windows.admit(rate, &token, &page, 1, arrived).is_err() {
        return (vk_error(6, "", name, params), None);
    }
    if let Err(detail) = MethodTable::check_params(spec, params) {
        return (vk_error(100, &detail, name, params), None);
    }
    let call = Call {
        shared,
        name,
        params,
        user: info.subject,
        now,
    };
    let (now_edited, later): (Vec<_>, Vec<_>) = std::mem::take(&mut w.edits_on)
        .into_iter()
        .partition(|e| e.0 == name);
    w.edits_on = later;
    for (_, group, id, text) in now_edited {
        if let Some(c) = w
            .communities
            .get_mut(&group)
            .and_then(|c| c.comments.iter_mut().find(|c| c.id == id))
        {
            c.text = text;
        }
    }
    let result = match name {
        "photos.getWallUploadServer" => call.get_wall_upload_server(&mut w),
        "photos.saveWallPhoto" => call.save_wall_photo(&mut w),
        "polls.create" => call.create_poll(&mut w),
        "video.save" => call.save_video(&mut w),
        "wall.post" => call.wall_post(&mut w),
        "wall.getComments" => call.get_comments(&w),
        "wall.getComment" => call.get_comment(&w),
        "wall.deleteComment" => call.set_comment_deleted(&mut w, true),
        "wall.restoreComment" => call.set_comment_deleted(&mut w, false),
        "groups.getMembers" => call.get_members(&w),
        "groups.getById" => call.get_by_id(&w),
        "wall.get" => call.wall_get(&w),
        _ => Err((1, format!("the emulator does not implement {name}"))),
    };
    let response = match result {
        Ok(v) => vk_response(v),
        Err((code, detail)) => vk_error(code, &detail, name, params),
    };
    (response, fault)
}

type Outcome = Result<Value, (i64, String)>;

/// One accepted call of a user token, ready to be applied.
struct Call<'a> {
    shared: &'a Shared,
    name: &'a str,
    params: &'a [(String, String)],
    user: i64,
    now: i64,
}

fn invalid(detail: impl Into<String>) -> (i64, String) {
    (100, detail.into())
}

impl Call<'_> {
    fn get(&self, k: &str) -> Option<&str> {
        self.params
            .iter()
            .rev()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    }

    fn int(&self, k: &str) -> Option<i64> {
        self.get(k).and_then(|v| v.parse().ok())
    }

    /// The wall owner a call acts on: the community `-owner`, which must exist and have the
    /// user as an admin, or the user's own wall.
    fn owner(&self, w: &World, owner_id: Option<i64>, denied: i64) -> Result<i64, (i64, String)> {
        match owner_id {
            Some(id) if id < 0 => {
                let c = w
                    .communities
                    .get(&-id)
                    .ok_or((125, format!("community {} does not exist", -id)))?;
                if !c.admins.contains(&self.user) {
                    return Err((
                        denied,
                        format!("user {} is not an admin of community {}", self.user, -id),
                    ));
                }
                Ok(id)
            }
            Some(id) if id != 0 && id != self.user => Err((
                denied,
                format!("user {} cannot act on the wall of {id}", self.user),
            )),
            _ => Ok(self.user),
        }
    }

    fn get_wall_upload_server(&self, w: &mut World) -> Outcome {
        let group = self.int("group_id").filter(|g| *g != 0);
        let owner = self.owner(w, group.map(|g| -g.abs()), 203)?;
        let n = w.next();
        let ticket =
            blake3::hash(format!("{n}{:?}", self.shared.key).as_bytes()).to_hex()[..24].to_owned();
        w.tickets.insert(
            ticket.clone(),
            Ticket {
                owner_id: owner,
                user_id: self.user,
            },
        );
        let mut answer = json!({
            "album_id": -14,
            "upload_url": format!("{}/upload/{ticket}", self.shared.base_url),
            "user_id": self.user,
        });
        if owner < 0 {
            answer["group_id"] = json!(-owner);
        }
        Ok(answer)
    }

    fn save_wall_photo(&self, w: &mut World) -> Outcome {
        let photo = self.get("photo").unwrap_or_default();
        let server = self.int("server").unwrap_or(0);
        let hash = self.get("hash").unwrap_or_default();
        let upload_id = serde_json::from_str::<Value>(photo)
            .ok()
            .and_then(|v| v.get(0)?.get("photo")?.as_str().map(str::to_owned))
            .and_then(|p| p.split(':').next().map(str::to_owned))
            .ok_or_else(|| invalid("photo is invalid"))?;
        if server != UPLOAD_SERVER {
            return Err((118, String::new()));
        }
        if self.shared.sign(photo, server) != hash {
            return Err((121, String::new()));
        }
        let upload = w
            .uploads
            .get(&upload_id)
            .cloned()
            .ok_or_else(|| invalid("photo is invalid"))?;
        let group = self.int("group_id").filter(|g| *g != 0);
        let owner = group.map(|g| -g).unwrap_or(self.user);
        // The hash covers the upload's wall and user: another wall or user fails it.
        if owner != upload.owner_id || upload.user_id != self.user || upload.photo != photo {
            return Err((121, String::new()));
        }
        let saved = match upload.saved {
            Some(id) => w
                .photos
                .iter()
                .find(|p| p.owner_id == owner && p.id == id)
                .cloned()
                .ok_or_else(|| invalid("photo is invalid"))?,
            None => {
                let id = w.photos.iter().filter(|p| p.owner_id == owner).count() as i64 + 1;
                let photo = Photo {
                    id,
                    owner_id: owner,
                    user_id: self.user,
                    width: upload.width,
                    height: upload.height,
                    bytes: upload.bytes,
                    access_key: format!("k{:x}", 0xabc000 + id),
                };
                w.photos.push(photo.clone());
                if let Some(u) = w.uploads.get_mut(&upload_id) {
                    u.saved = Some(id);
                }
                photo
            }
        };
        Ok(json!([{
            "id": saved.id,
            "album_id": -14,
            "owner_id": saved.owner_id,
            "user_id": saved.user_id,
            "access_key": saved.access_key,
            "date": self.now,
            "text": "",
            "has_tags": false,
            "sizes": [{
                "type": "x",
                "url": format!("{}/photos/{}_{}.jpg", self.shared.base_url, saved.owner_id, saved.id),
                "width": saved.width,
                "height": saved.height,
            }],
        }]))
    }

    /// `video.save`: a new clip in the community's videos and the address to upload it to.
    /// Past the day's quota ([`State::set_video_save_limit`]) it is error 29, as VK answers a
    /// method's daily limit.
    fn save_video(&self, w: &mut World) -> Outcome {
        if self.get("link").is_some() {
            return Err((1, "the emulator does not embed external videos".to_owned()));
        }
        if w.video_save_limit.is_some_and(|max| w.video_saves >= max) {
            return Err((29, String::new()));
        }
        let group = self.int("group_id").filter(|g| *g != 0);
        let owner = self.owner(w, group.map(|g| -g), 204)?;
        w.video_saves += 1;
        let id = w.videos.iter().filter(|v| v.owner_id == owner).count() as i64 + 1;
        let name = self.get("name").unwrap_or_default().to_owned();
        w.videos.push(Video {
            id,
            owner_id: owner,
            name: name.clone(),
            wallpost: self.get("wallpost") == Some("1"),
            repeat: self.get("repeat") == Some("1"),
            bytes: 0,
        });
        let n = w.next();
        let ticket =
            blake3::hash(format!("v{n}{:?}", self.shared.key).as_bytes()).to_hex()[..24].to_owned();
        w.video_tickets.insert(ticket.clone(), (owner, id));
        Ok(json!({
            "access_key": format!("v{:x}", 0xdef000 + id),
            "description": self.get("description").unwrap_or_default(),
            "owner_id": owner,
            "title": name,
            "upload_url": format!("{}/upload-video/{ticket}", self.shared.base_url),
            "video_id": id,
        }))
    }

    fn create_poll(&self, w: &mut World) -> Outcome {
        let question = self.get("question").unwrap_or_default().trim().to_owned();
        if question.is_empty() {
            return Err(invalid("question is empty"));
        }
        let answers: Vec<String> = self
            .get("add_answers")
            .and_then(|a| serde_json::from_str(a).ok())
            .ok_or_else(|| invalid("add_answers should be a JSON array of strings"))?;
        if answers.is_empty() || answers.len() > 10 {
            return Err(invalid("add_answers should hold 1 to 10 answers"));
        }
        if answers
            .iter()
            .any(|a| a.trim().is_empty() || a.chars().count() > 100)
        {
            return Err(invalid(
                "add_answers: an answer is empty or over 100 characters",
            ));
        }
        let end_date = self.int("end_date").unwrap_or(0);
        if end_date != 0 && end_date <= self.now {
            return Err(invalid("end_date is in the past"));
        }
        let owner = self.owner(w, self.int("owner_id"), 15)?;
        let id = w.polls.len() as i64 + 1;
        let poll = Poll {
            id,
            owner_id: owner,
            question,
            answers,
            anonymous: self.get("is_anonymous") == Some("1"),
            multiple: self.get("is_multiple") == Some("1"),
            end_date,
        };
        w.polls.push(poll.clone());
        let answers: Vec<Value> = poll
            .answers
            .iter()
            .enumerate()
            .map(|(i, text)| json!({"id": 1000 + i as i64, "rate": 0, "text": text, "votes": 0}))
            .collect();
        Ok(json!({
            "id": poll.id,
            "owner_id": poll.owner_id,
            "created": self.now,
            "question": poll.question,
            "votes": 0,
            "answers": answers,
            "anonymous": poll.anonymous,
            "multiple": poll.multiple,
            "answer_ids": [],
            "end_date": poll.end_date,
            "closed": false,
            "is_board": false,
            "can_edit": true,
            "can_vote": true,
            "can_report": false,
            "can_share": true,
            "author_id": self.user,
            "disable_unvote": false,
        }))
    }

    fn wall_post(&self, w: &mut World) -> Outcome {
        if self.get("post_id").is_some() || self.get("publish_date").is_some() {
            return Err((
                1,
                format!(
                    "the emulator does not implement scheduled posts in {}",
                    self.name
                ),
            ));
        }
        let owner = self.owner(w, self.int("owner_id"), 214)?;
        let message = self.get("message").unwrap_or_default().to_owned();
        let attachments: Vec<String> = self
            .get("attachments")
            .map(|a| {
                a.split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        if message.trim().is_empty() && attachments.is_empty() {
            return Err(invalid("message is empty or invalid"));
        }
        let (mut media, mut polls, mut links) = (0, 0, 0);
        for a in &attachments {
            if a.starts_with("http://") || a.starts_with("https://") {
                links += 1;
                continue;
            }
            let Some((kind, owner_id, id, key)) = parse_attachment(a) else {
                return Err(invalid(format!("attachments: `{a}` is not an attachment")));
            };
            match kind {
                "photo" => {
                    let photo = w
                        .photos
                        .iter()
                        .filter(|p| !w.forgotten.contains(&(p.owner_id, p.id)))
                        .find(|p| p.owner_id == owner_id && p.id == id);
                    match photo {
                        Some(p) if key.is_none_or(|k| k == p.access_key) => media += 1,
                        _ => return Err(invalid(format!("attachments: no photo `{a}`"))),
                    }
                }
                "video" => {
                    let video = w
                        .videos
                        .iter()
                        .find(|v| v.owner_id == owner_id && v.id == id);
                    match video {
                        Some(v) if v.bytes > 0 => media += 1,
                        Some(_) => {
                            return Err(invalid(format!("attachments: `{a}` was never uploaded")));
                        }
                        None => return Err(invalid(format!("attachments: no video `{a}`"))),
                    }
                }
                "poll" => {
                    if !w.polls.iter().any(|p| p.owner_id == owner_id && p.id == id) {
                        return Err(invalid(format!("attachments: no poll `{a}`")));
                    }
                    polls += 1;
                }
                other => {
                    return Err(invalid(format!(
                        "attachments: the emulator keeps no {other} `{a}`"
                    )));
                }
            }
        }
        if links > 1 {
            return Err(invalid("attachments: only one link may be attached"));
        }
        if media > 10 {
            return Err(invalid("attachments: at most 10 photos and videos"));
        }
        if polls > 1 {
            return Err(invalid("attachments: at most one poll"));
        }
        if polls == 1 && media == 0 && links == 0 && message.trim().is_empty() {
            return Err(invalid(
                "attachments: a poll cannot be the only content of a post",
            ));
        }
        let guid = self
            .get("guid")
            .filter(|g| !g.is_empty())
            .map(str::to_owned);
        let now = self.now;
        let from_group = owner < 0 && self.get("from_group") == Some("1");
        let community = w.communities.entry(-owner).or_default();
        if let Some(g) = &guid
            && let Some((post_id, date)) = community.guids.get(g)
            && now - date < GUID_WINDOW_SECS
        {
            return Ok(json!({ "post_id": post_id }));
        }
        let id = community.wall.len() as i64 + 1;
        community.wall.push(WallPost {
            id,
            owner_id: owner,
            created_by: self.user,
            from_group,
            message,
            attachments,
            guid: guid.clone(),
            date: now,
        });
        if let Some(g) = guid {
            community.guids.insert(g, (id, now));
        }
        Ok(json!({ "post_id": id }))
    }
}

/// The answer's form of a comment, with up to `thread_items` replies inline.
fn comment_json(c: &Comment, owner: i64, all: &[Comment], thread_items: usize) -> Value {
    let replies: Vec<&Comment> = all
        .iter()
        .filter(|r| r.parent == Some(c.id) && !r.deleted)
        .collect();
    let mut v = json!({
        "id": c.id,
        "from_id": c.from_id,
        "date": c.date,
        "text": c.text,
        "post_id": c.post_id,
        "owner_id": owner,
        "parents_stack": c.parent.map(|p| vec![p]).unwrap_or_default(),
    });
    if c.parent.is_none() {
        let items: Vec<Value> = replies
            .iter()
            .take(thread_items)
            .map(|r| comment_json(r, owner, all, 0))
            .collect();
        v["thread"] = json!({"count": replies.len(), "items": items, "can_post": true});
    }
    v
}

impl Call<'_> {
    /// The community a comment method acts on, with the admin check of `denied`.
    fn comment_wall<'w>(
        &self,
        w: &'w World,
        denied: i64,
    ) -> Result<(i64, &'w Community), (i64, String)> {
        let owner = self.owner(w, self.int("owner_id"), denied)?;
        let c = w
            .communities
            .get(&-owner)
            .ok_or((100, format!("owner_id {owner} has no wall here")))?;
        Ok((owner, c))
    }

    /// `wall.getComments`: a post's comments (or, with `comment_id`, one thread), paged by
    /// `offset` and `count` (≤ 100), oldest or newest first, replies inline up to
    /// `thread_items_count` (≤ 10). Deleted comments are left out.
    fn get_comments(&self, w: &World) -> Outcome {
        let (owner, c) = self.comment_wall(w, 212)?;
        let post = self.int("post_id").unwrap_or(0);
        let thread = self.int("comment_id");
        if thread.is_none() && !c.wall.iter().any(|p| p.id == post) {
            return Err((100, "post_id: no such post".into()));
        }
        let count = self.int("count").unwrap_or(10).clamp(0, 100) as usize;
        let offset = self.int("offset").unwrap_or(0).max(0) as usize;
        let thread_items = self.int("thread_items_count").unwrap_or(0).clamp(0, 10) as usize;
        let mut level: Vec<&Comment> = c
            .comments
            .iter()
            .filter(|x| !x.deleted)
            .filter(|x| match thread {
                Some(t) => x.parent == Some(t),
                None => x.post_id == post && x.parent.is_none(),
            })
            .collect();
        if self.get("sort") == Some("desc") {
            level.reverse();
        }
        let items: Vec<Value> = level
            .iter()
            .skip(offset)
            .take(count)
            .map(|x| comment_json(x, owner, &c.comments, thread_items))
            .collect();
        Ok(json!({
            "count": level.len(),
            "current_level_count": level.len(),
            "items": items,
            "can_post": true,
            "show_reply_button": true,
            "groups_can_post": true,
        }))
    }

    /// `wall.getComment`: one comment, as `{items: [comment]}`.
    fn get_comment(&self, w: &World) -> Outcome {
        let (owner, c) = self.comment_wall(w, 212)?;
        let id = self.int("comment_id").unwrap_or(0);
        let found = c
            .comments
            .iter()
            .find(|x| x.id == id && !x.deleted)
            .ok_or((100, "comment_id: no such comment".to_owned()))?;
        Ok(json!({"items": [comment_json(found, owner, &c.comments, 0)]}))
    }

    /// `wall.deleteComment` / `wall.restoreComment`: only an admin of the community; restoring
    /// only what was deleted.
    fn set_comment_deleted(&self, w: &mut World, deleted: bool) -> Outcome {
        let owner = self.owner(w, self.int("owner_id"), 211)?;
        let id = self.int("comment_id").unwrap_or(0);
        let comment = w
            .communities
            .get_mut(&-owner)
            .and_then(|c| c.comments.iter_mut().find(|x| x.id == id))
            .ok_or((100, "comment_id: no such comment".to_owned()))?;
        if comment.deleted == deleted {
            // UNCONFIRMED: what VK answers for a comment already deleted or not deleted.
            return Err((if deleted { 211 } else { 243 }, "nothing to change".into()));
        }
        comment.deleted = deleted;
        Ok(json!(1))
    }

    /// `groups.getById` of one community (`group_id` or the first of `group_ids`), 5.199's
    /// shape `{groups: […], profiles: []}`. An unknown community is error 100, as VK answers
    /// an id that names none; a deleted one is shown with `deactivated`, and nothing else.
    fn get_by_id(&self, w: &World) -> Outcome {
        let id = self
            .get("group_id")
            .or_else(|| self.get("group_ids").and_then(|l| l.split(',').next()))
            .map(|g| g.trim().trim_start_matches("club").trim_start_matches('-'))
            .and_then(|g| g.parse::<i64>().ok())
            .ok_or((100, "group_ids is undefined".to_owned()))?;
        let c = w
            .communities
            .get(&id)
            .ok_or((100, format!("invalid group id {id}")))?;
        let fields: Vec<&str> = self
            .get("fields")
            .map(|f| f.split(',').map(str::trim).collect())
            .unwrap_or_default();
        let wants = |f: &str| fields.contains(&f);
        let mut g = json!({
            "id": id,
            "name": format!("Сообщество {id}"),
            "screen_name": format!("club{id}"),
            "type": "group",
        });
        if let Some(d) = &c.deactivated {
            g["deactivated"] = json!(d);
            return Ok(json!({"groups": [g], "profiles": []}));
        }
        let p = c.profile.clone().unwrap_or_default();
        g["is_closed"] = json!(p.is_closed);
        if wants("is_admin") {
            g["is_admin"] = json!(i64::from(c.admins.contains(&self.user)));
        }
        if wants("verified") {
            g["verified"] = json!(i64::from(p.verified));
        }
        if wants("description") {
            g["description"] = json!(p.description);
        }
        if wants("site") {
            g["site"] = json!(p.site);
        }
        if wants("links") {
            g["links"] = Value::Array(
                p.links
                    .iter()
                    .enumerate()
                    .map(|(n, url)| json!({"id": n + 1, "url": url, "name": url}))
                    .collect(),
            );
        }
        if wants("contacts") {
            g["contacts"] = json!([]);
        }
        if wants("addresses") {
            if p.address.is_empty() {
                g["addresses"] = json!({"is_enabled": false, "count": 0});
            } else {
                let mut main = json!({"id": 1, "address": p.address, "title": "Главный адрес"});
                if let Some((lat, long)) = p.point {
                    main["latitude"] = json!(lat);
                    main["longitude"] = json!(long);
                }
                if !p.phone.is_empty() {
                    main["phone"] = json!(p.phone);
                }
                if let Some((open, close)) = p.weekdays {
                    let day = json!({"open_time": open, "close_time": close});
                    main["timetable"] =
                        json!({"mon": day, "tue": day, "wed": day, "thu": day, "fri": day});
                    main["work_info_status"] = json!("timetable");
                }
                g["addresses"] = json!({"is_enabled": true, "main_address_id": 1, "main_address": main, "count": 1});
            }
        }
        Ok(json!({"groups": [g], "profiles": []}))
    }

    /// `wall.get` of a community wall named by `domain` (`-id`, `club<id>` or the id), newest
    /// first, `count` (at most 100) from `offset`. `filter=owner` lists the posts made as the
    /// community. A deleted community, or a closed one the user does not administer, is error
    /// 15 (access denied); an unknown one error 100.
    fn wall_get(&self, w: &World) -> Outcome {
        let id = self
            .get("domain")
            .map(|d| d.trim().trim_start_matches("club").trim_start_matches('-'))
            .and_then(|d| d.parse::<i64>().ok())
            .ok_or((100, "domain is undefined".to_owned()))?;
        let c = w
            .communities
            .get(&id)
            .ok_or((100, format!("invalid owner id -{id}")))?;
        if c.deactivated.is_some() {
            return Err((15, "Access denied: community is deactivated".to_owned()));
        }
        let closed = c.profile.as_ref().is_some_and(|p| p.is_closed != 0);
        if closed && !c.admins.contains(&self.user) {
            return Err((
                15,
                "Access denied: this wall available only for community members".to_owned(),
            ));
        }
        let offset = self.int("offset").unwrap_or(0).max(0) as usize;
        let count = self.int("count").unwrap_or(20).clamp(0, 100) as usize;
        let owner_only = self.get("filter") == Some("owner");
        let admin = c.admins.contains(&self.user);
        let mut wall: Vec<&WallPost> = c
            .wall
            .iter()
            .filter(|p| !owner_only || p.from_group)
            .collect();
        wall.sort_by_key(|p| std::cmp::Reverse((p.date, p.id)));
        let items: Vec<Value> = wall
            .iter()
            .skip(offset)
            .take(count)
            .map(|p| {
                let mut v = json!({
                    "id": p.id,
                    "owner_id": p.owner_id,
                    "from_id": if p.from_group { p.owner_id } else { p.created_by },
                    "date": p.date,
                    "text": p.message,
                    "post_type": "post",
                    "is_pinned": 0,
                });
                // Only an administrator sees who made a post.
                if admin {
                    v["created_by"] = json!(p.created_by);
                }
                v
            })
            .collect();
        Ok(json!({"count": wall.len(), "items": items}))
    }

    /// `groups.getMembers` with `filter=managers`: the community's admins.
    fn get_members(&self, w: &World) -> Outcome {
        let group: i64 = self
            .get("group_id")
            .and_then(|g| g.trim().trim_start_matches("club").parse().ok())
            .ok_or((100, "group_id is undefined".to_owned()))?;
        if self.get("filter") != Some("managers") {
            return Err((1, "the emulator lists only filter=managers".into()));
        }
        let c = w
            .communities
            .get(&group)
            .ok_or((125, format!("community {group} does not exist")))?;
        let items: Vec<Value> = c
            .admins
            .iter()
            .map(|id| json!({"id": id, "role": "administrator"}))
            .collect();
        Ok(json!({"count": items.len(), "items": items}))
    }
}

/// `photo-42_7` or `photo-42_7_key` → (`photo`, -42, 7, Some(key)).
fn parse_attachment(a: &str) -> Option<(&str, i64, i64, Option<&str>)> {
    let split = a.find(|c: char| c == '-' || c.is_ascii_digit())?;
    let (kind, rest) = a.split_at(split);
    if kind.is_empty() || !kind.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
        return None;
    }
    let mut parts = rest.splitn(3, '_');
    let owner = parts.next()?.parse().ok()?;
    let id = parts.next()?.parse().ok()?;
    let key = parts.next();
    if key.is_some_and(|k| k.is_empty() || !k.bytes().all(|b| b.is_ascii_alphanumeric())) {
        return None;
    }
    Some((kind, owner, id, key))
}

/// The multipart body of an upload: every field's name, the first file in `field`, and whether
/// the body was too large (or broken) to read.
async fn one_file(req: Request, field: &str) -> (Vec<String>, Option<Bytes>, bool) {
    let mut fields = Vec::new();
    let mut file: Option<Bytes> = None;
    let mut too_big = false;
    if let Ok(mut form) = Multipart::from_request(req, &()).await {
        loop {
            match form.next_field().await {
                Ok(Some(part)) => {
                    let name = part.name().unwrap_or_default().to_owned();
                    let data = part.bytes().await;
                    if name == field && file.is_none() {
                        match data {
                            Ok(b) => file = Some(b),
                            Err(_) => too_big = true,
                        }
                    }
                    fields.push(name);
                }
                Ok(None) => break,
                Err(_) => {
                    too_big = true;
                    break;
                }
            }
        }
    }
    (fields, file, too_big)
}

/// `/upload/{ticket}`: the upload server. It takes one file in the multipart field `photo`
/// and answers `{"server", "photo", "hash"}`, or `{"error": …}` on a bad file. VK publishes
/// no list of its upload errors; the texts here are the emulator's own.
async fn upload(
    Axum(shared): Axum<Arc<Shared>>,
    UrlPath(ticket): UrlPath<String>,
    req: Request,
) -> Response {
    let had_authorization = req.headers().contains_key(header::AUTHORIZATION);
    let (fields, file, too_big) = one_file(req, "photo").await;
    let answer = upload_answer(&shared, &ticket, file, too_big);
    let text = answer.to_string();
    shared.world().upload_log.push(UploadRecord {
        had_authorization,
        fields,
        answer: text,
    });
    Json(answer).into_response()
}

fn upload_answer(shared: &Shared, ticket: &str, file: Option<Bytes>, too_big: bool) -> Value {
    let error = |e: &str| json!({ "error": e });
    let Some(t) = shared.world().tickets.get(ticket).cloned() else {
        return error("ERR_UPLOAD_BAD_TICKET: unknown upload address");
    };
    if too_big {
        return error("ERR_UPLOAD_FILE_TOO_BIG: the file is over 50 MB");
    }
    let Some(file) = file else {
        return error("ERR_UPLOAD_FILE_NOT_UPLOADED: no file in the field `photo`");
    };
    if file.len() > MAX_UPLOAD_BYTES {
        return error("ERR_UPLOAD_FILE_TOO_BIG: the file is over 50 MB");
    }
    let reader = match image::ImageReader::new(Cursor::new(&file[..])).with_guessed_format() {
        Ok(r) => r,
        Err(_) => return error("ERR_UPLOAD_BAD_IMAGE_TYPE: not a JPEG, PNG or GIF"),
    };
    if !matches!(
        reader.format(),
        Some(image::ImageFormat::Jpeg | image::ImageFormat::Png | image::ImageFormat::Gif)
    ) {
        return error("ERR_UPLOAD_BAD_IMAGE_TYPE: not a JPEG, PNG or GIF");
    }
    let Ok((width, height)) = reader.into_dimensions() else {
        return error("ERR_UPLOAD_BAD_IMAGE: the picture cannot be read");
    };
    if width == 0 || height == 0 || width + height > MAX_SIDES_SUM {
        return error("ERR_UPLOAD_BAD_IMAGE_SIZE: width + height is over 14000 px");
    }
    if width.max(height) > 20 * width.min(height) {
        return error("ERR_UPLOAD_BAD_IMAGE_SIZE: the sides are beyond 1:20");
    }
    let mut w = shared.world();
    let n = w.next();
    let id = format!("u{n}");
    let kid = &blake3::hash(&file).to_hex()[..16];
    let photo =
        json!([{ "photo": format!("{id}:{width}x{height}"), "sizes": [], "kid": kid }]).to_string();
    w.uploads.insert(
        id,
        Upload {
            owner_id: t.owner_id,
            user_id: t.user_id,
            width,
            height,
            bytes: file.len(),
            photo: photo.clone(),
            saved: None,
        },
    );
    let hash = shared.sign(&photo, UPLOAD_SERVER);
    json!({ "server": UPLOAD_SERVER, "photo": photo, "hash": hash })
}

/// `/upload-video/{ticket}`: the clip upload server. It takes one file in the multipart field
/// `video_file` (VIDEO.md §3.2) that is an MP4 (`ftyp` box first; VK takes other containers
/// too, vestnik sends only MP4) of at most [`MAX_VIDEO_UPLOAD_BYTES`], and answers
/// `{"video_hash", "size", "owner_id", "video_id"}` (the fields after `size` are UNCONFIRMED),
/// or `{"error": …}`.
async fn upload_video(
    Axum(shared): Axum<Arc<Shared>>,
    UrlPath(ticket): UrlPath<String>,
    req: Request,
) -> Response {
    let had_authorization = req.headers().contains_key(header::AUTHORIZATION);
    let (fields, file, too_big) = one_file(req, "video_file").await;
    let error = |e: &str| json!({ "error": e });
    let answer = {
        let mut w = shared.world();
        match (w.video_tickets.get(&ticket).copied(), file) {
            (None, _) => error("ERR_UPLOAD_BAD_TICKET: unknown upload address"),
            (Some(_), _) if too_big => error("ERR_UPLOAD_FILE_TOO_BIG: the file is too large"),
            (Some(_), None) => error("ERR_UPLOAD_FILE_NOT_UPLOADED: no file in `video_file`"),
            (Some(_), Some(f)) if f.len() > MAX_VIDEO_UPLOAD_BYTES => {
                error("ERR_UPLOAD_FILE_TOO_BIG: the file is too large")
            }
            (Some(_), Some(f)) if f.get(4..8) != Some(b"ftyp") => {
                error("ERR_UPLOAD_BAD_VIDEO: not a video file")
            }
            (Some((owner, id)), Some(f)) => {
                if let Some(v) = w
                    .videos
                    .iter_mut()
                    .find(|v| v.owner_id == owner && v.id == id)
                {
                    v.bytes = f.len();
                }
                w.video_tickets.remove(&ticket);
                let hash = &blake3::hash(&f).to_hex()[..16];
                json!({ "video_hash": hash, "size": f.len(), "owner_id": owner, "video_id": id })
            }
        }
    };
    shared.world().upload_log.push(UploadRecord {
        had_authorization,
        fields,
        answer: answer.to_string(),
    });
    Json(answer).into_response()
}

/// `/oauth2/auth`: VK ID's token endpoint, `grant_type=refresh_token` only. A refresh token
/// works once: the answer carries a new pair (rotation). Errors are OAuth's (RFC 6749 §5.2):
/// HTTP 400 with `{"error":"invalid_grant", …}`.
async fn refresh(Axum(shared): Axum<Arc<Shared>>, body: Bytes) -> Response {
    let params = parse_form(&String::from_utf8_lossy(&body));
    let get = |k: &str| {
        params
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut w = shared.world();
    let oauth_error = |code: &str, description: &str| {
        (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": code, "error_description": description, "state": get("state")})),
        )
            .into_response()
    };
    let outcome = if get("grant_type") != "refresh_token" {
        Err(oauth_error(
            "unsupported_grant_type",
            "only refresh_token is emulated",
        ))
    } else if get("device_id").is_empty() {
        Err(oauth_error("invalid_request", "device_id is missing"))
    } else {
        let token = get("refresh_token");
        match w.refresh_tokens.get(&token).cloned() {
            Some(r) if !r.used && !r.revoked && r.client_id == get("client_id") => {
                if let Some(r) = w.refresh_tokens.get_mut(&token) {
                    r.used = true;
                }
                let (access, refresh) = issue_pair(&mut w, r.user_id, &r.client_id);
                Ok(Json(json!({
                    "access_token": access,
                    "refresh_token": refresh,
                    "id_token": "",
                    "token_type": "Bearer",
                    "expires_in": ACCESS_TOKEN_TTL_SECS,
                    "user_id": r.user_id,
                    "state": get("state"),
                    "scope": "wall photos groups",
                }))
                .into_response())
            }
            Some(r) if r.client_id != get("client_id") => Err(oauth_error(
                "invalid_client",
                "the token belongs to another app",
            )),
            _ => Err(oauth_error(
                "invalid_grant",
                "refresh token is invalid, used or revoked",
            )),
        }
    };
    w.refresh_log.push(RefreshRecord {
        params: params.clone(),
        issued: outcome.is_ok(),
    });
    outcome.unwrap_or_else(|e| e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode() {
        assert_eq!(
            parse_form("a=1+2&b=%D0%9A%2C&c&d=%zz"),
            vec![
                ("a".to_owned(), "1 2".to_owned()),
                ("b".to_owned(), "К,".to_owned()),
                ("c".to_owned(), String::new()),
                ("d".to_owned(), "%zz".to_owned()),
            ]
        );
    }

    #[test]
    fn attachments_parse() {
        assert_eq!(
            parse_attachment("photo-42_7_kabc"),
            Some(("photo", -42, 7, Some("kabc")))
        );
        assert_eq!(parse_attachment("poll-42_1"), Some(("poll", -42, 1, None)));
        assert_eq!(parse_attachment("photo42"), None);
        assert_eq!(parse_attachment("-42_1"), None);
    }

    #[test]
    fn values_are_checked_by_type() {
        let table = MethodTable::builtin();
        let spec = table.method("polls.create").expect("builtin");
        let ok =
            |k: &str, v: &str| MethodTable::check_params(spec, &[(k.to_owned(), v.to_owned())]);
        assert!(ok("owner_id", "-42").is_ok());
        assert_eq!(ok("owner_id", "x"), Err("owner_id not integer".to_owned()));
        assert_eq!(
            ok("is_anonymous", "true"),
            Err("is_anonymous not boolean (0 or 1)".to_owned())
        );
        assert_eq!(ok("end_date", "5"), Err("end_date out of range".to_owned()));
        assert!(ok("background_id", "3").is_ok());
        assert!(ok("background_id", "5").is_err());
        let save = table.method("photos.saveWallPhoto").expect("builtin");
        assert_eq!(
            MethodTable::check_params(save, &[]),
            Err("photo is missing".to_owned())
        );
    }
}
