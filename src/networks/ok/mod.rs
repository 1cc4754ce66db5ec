//! Odnoklassniki (OK) REST API: the client that publishes a rendered post as a topic in a
//! group, and a local emulator of the API that tests (and the sandbox) run it against.
//!
//! - [`client`]: [`Client`] with the signed `fb.do` calls (`sig` exactly as OK documents it),
//!   the photo upload (`photosV2.getUploadUrl` → multipart POST → token) and `mediatopic.post`,
//!   and [`Client::execute`] for a whole
//!   [`Publication::Ok`](crate::render::publication::Publication::Ok) call list; long-lived
//!   access tokens, and OAuth tokens refreshed through a [`TokenStore`];
//! - [`emulator`]: an in-process OK API server that checks keys, signatures, sessions and
//!   parameters, keeps uploaded pictures and group topics, and injects faults.
//!
//! The rate to keep is [`RATE_LIMITS`].

pub mod client;
pub mod emulator;

pub use client::{
    Auth, Client, Config, Refresh, Request, TokenPair, TokenStore, UploadUrl, attachment,
    session_secret, signature,
};

use crate::networks::RateLimits;

/// The rate the scheduler keeps for one OK token. OK documents per-user quotas
/// (`users.getCallsLeft`) but no numbers (UNCONFIRMED, docs/api-facts.md#ok-rate-limits); VK's 3
/// requests a second is assumed as a safe spacing. A quota that is still hit comes back as
/// [`PublishError::RateLimited`](crate::networks::PublishError::RateLimited) (errors 8, 11).
pub const RATE_LIMITS: RateLimits = RateLimits {
    per_chat_per_sec: 0,
    per_chat_per_min: 0,
    global_per_sec: 3,
};
