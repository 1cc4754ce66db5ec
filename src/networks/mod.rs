//! Network clients: the code that talks to VK, OK and Telegram, and local emulators of their
//! APIs that hold the clients to what the real servers accept.
//!
//! Every network folder has the same files: `client` (a thin client of our own on reqwest, no
//! SDK), `emulator` (an in-process axum server on `127.0.0.1:0` that keeps state, validates like
//! the real API and injects faults) and `mod` (what the folder exports).
//!
//! What is shared lives here and is plain data the scheduler acts on:
//!
//! - [`PublishError`]: the one outcome of a failed call. The clients never retry or sleep on an
//!   error; the scheduler decides from the variant (wait `after`, ask a person, give up, retry, or — for
//!   [`PublishError::Unknown`] — never resend blindly, because the post may already be up).
//! - [`Commit`]: the hook a client calls immediately before the first request that can publish
//!   leaves (the publisher commits `sending` there; waits and uploads come before it).
//! - [`Secret`]: tokens in a type that prints as `***`, read from the environment or from a
//!   secrets file that other users cannot read.
//! - [`RateLimits`]: the documented request rates, as configuration; each client owns a
//!   [`Limiter`] that spaces its API calls by them (the only time a client sleeps), waits out
//!   the pause a rate-limit answer asks for on the whole token or chat, and each emulator
//!   refuses what exceeds them, as the real API does ([`Arrival`]: what it counted, and when).
//! - [`tokens`]: rotating access/refresh token pairs (VK ID and OK OAuth), saved before use.
//! - [`sandbox`]: the three emulators started together and seeded with the registry's pages.
//!
//! No URL is ever logged or formatted into an error: Telegram carries the bot token in the path.
//! [`classify_transport`] strips it from reqwest's errors.

mod comment;
mod commit;
mod credentials;
mod error;
pub mod ok;
mod rate;
mod remote_id;
pub mod sandbox;
mod secret;
mod serve;
pub mod telegram;
pub mod tokens;
pub mod vk;

pub use comment::Comment;
pub use commit::{Commit, NoCommit, NotCommitted};
pub use credentials::Credentials;
pub use error::{ConfigError, PublishError, classify_transport};
pub use rate::{
    Arrival, Busy, LONGEST_PAUSE_WAITED, Limiter, Paused, Permit, RateLimits,
    SAFETY_MARGIN_PERCENT, SLOWDOWN_FOR, SLOWDOWN_MAX,
};
pub use remote_id::RemoteId;
pub use secret::{MAX_SECRET_BYTES, Secret, SecretError};

/// The HTTP client every network client is built on: the given timeouts, no redirects (an API
/// that redirects is misconfigured, and a redirect could carry a token elsewhere), vestnik's
/// user agent.
///
/// Fails when the TLS backend cannot be set up.
pub fn http_client(
    connect_timeout: std::time::Duration,
    timeout: std::time::Duration,
) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("vestnik/", env!("CARGO_PKG_VERSION")))
        .build()
}
