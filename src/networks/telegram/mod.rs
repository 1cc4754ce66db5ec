//! Telegram Bot API 10.1: the client that publishes a rendered post to a channel, and a local
//! emulator of the Bot API that tests (and the sandbox) run it against.
//!
//! - [`client`]: [`Client`] with `getMe`, `getChat`, `sendMessage`, `sendPhoto`,
//!   `sendMediaGroup`, `sendPoll`, and [`Client::execute`] for one
//!   [`TelegramCall`](crate::render::publication::TelegramCall);
//! - [`emulator`]: an in-process Bot API server with state and fault injection;
//! - [`entities`]: Telegram's HTML `parse_mode` as the server parses it (used by the emulator,
//!   and usable to check rendered HTML offline).
//!
//! The rates to keep are [`RateLimits::TELEGRAM`](crate::networks::RateLimits::TELEGRAM).

pub mod client;
pub mod emulator;
pub mod entities;

pub use client::{Client, Config, Message, NewPoll, Request};

/// The Bot API version the client and the emulator follow (the spec in
/// `../shared/reference/telegram-bot-api/api.json`).
pub const API_VERSION: &str = "Bot API 10.1";
