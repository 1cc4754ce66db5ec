//! A user's comment on an official page, as every network's client reads it: what comment
//! moderation judges, network by network the same shape.

use jiff::Timestamp;

/// One comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// What it is under: the VK post id, the OK topic id, the Telegram discussion chat id.
    pub thread: String,
    /// Its id on the network.
    pub id: String,
    /// Its author: a user id, or `-<group id>` (VK) / `chat:<id>` (Telegram) when a page or
    /// chat wrote it.
    pub author: String,
    /// Its text (attachments' captions are not read).
    pub text: String,
    /// When it was written.
    pub date: Timestamp,
}

impl Comment {
    /// Unix seconds as a time (0 for what cannot be one).
    pub fn unix(seconds: i64) -> Timestamp {
        Timestamp::from_second(seconds).unwrap_or(Timestamp::UNIX_EPOCH)
    }
}
