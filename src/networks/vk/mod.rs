//! VK API 5.199: the client that publishes a rendered post on a community wall, and a local
//! emulator of the API that tests (and the sandbox) run it against.
//!
//! - [`client`]: [`Client`] with the photo upload (`photos.getWallUploadServer` → upload →
//!   `photos.saveWallPhoto`), `polls.create` and `wall.post`, and [`Client::execute`] for a
//!   whole [`Publication::Vk`](crate::render::publication::Publication::Vk) call list; long-lived
//!   user tokens and VK ID tokens refreshed through a [`TokenStore`];
//! - [`emulator`]: an in-process VK API server whose method table is read from the official
//!   schema, with walls, photos, polls, VK ID refresh and fault injection.
//!
//! The rate to keep is [`RATE_LIMITS`].

pub mod client;
pub mod emulator;

pub use client::{
    Auth, Client, Config, NewPoll, NewPost, Posted, Refresh, Request, TokenPair, TokenStore,
};

use crate::networks::RateLimits;

/// The API version the client sends and the emulator follows (the schema in
/// `../shared/reference/vk-api-schema`).
pub const API_VERSION: &str = client::API_VERSION;

/// VK's documented rate for a user token (docs/api-facts.md#vk-rate-limits): 3 requests a second,
/// all methods and walls together. VK publishes no per-wall spacing; its daily quota of 500 posts
/// is far above what vestnik sends.
pub const RATE_LIMITS: RateLimits = RateLimits {
    per_chat_per_sec: 0,
    per_chat_per_min: 0,
    global_per_sec: 3,
};
