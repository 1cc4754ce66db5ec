//! Request rates as documented configuration. The scheduler spaces calls by these numbers; the
//! clients never sleep, and a `429` that still happens comes back as
//! [`PublishError::RateLimited`](super::PublishError::RateLimited).

use std::time::Duration;

/// How often one token may send, per target page ("chat") and in total.
///
/// A value of 0 means "no limit of this kind". The numbers are the networks' documented ones
/// (`../shared/reference/NETWORKS.md`); where a network publishes none, the safe folklore value is
/// used and says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// Most messages per second to one chat or page.
    pub per_chat_per_sec: u32,
    /// Most messages per minute to one chat or page.
    pub per_chat_per_min: u32,
    /// Most requests per second for the whole token, all chats together.
    pub global_per_sec: u32,
}

impl RateLimits {
    /// Telegram Bot API (NETWORKS.md §4.5): avoid more than 1 message/s in one chat, at most 20
    /// messages/min in one group (channels have no published number; the group one is used),
    /// about 30 messages/s in total. A media group counts as one message per picture
    /// (UNCONFIRMED, assumed to be safe).
    pub const TELEGRAM: RateLimits = RateLimits {
        per_chat_per_sec: 1,
        per_chat_per_min: 20,
        global_per_sec: 30,
    };

    /// No limits at all (tests).
    pub const UNLIMITED: RateLimits = RateLimits {
        per_chat_per_sec: 0,
        per_chat_per_min: 0,
        global_per_sec: 0,
    };

    /// The even spacing between two messages to one chat that keeps within both per-chat
    /// limits (Telegram: 3 s), or `None` when neither is set.
    pub fn per_chat_spacing(&self) -> Option<Duration> {
        let per_sec = spacing(self.per_chat_per_sec, Duration::from_secs(1));
        let per_min = spacing(self.per_chat_per_min, Duration::from_secs(60));
        per_sec.into_iter().chain(per_min).max()
    }

    /// The even spacing between two requests of the token that keeps within the global limit.
    pub fn global_spacing(&self) -> Option<Duration> {
        spacing(self.global_per_sec, Duration::from_secs(1))
    }
}

fn spacing(count: u32, window: Duration) -> Option<Duration> {
    (count > 0).then(|| window / count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn telegram_spacing_is_three_seconds_per_chat() {
        assert_eq!(
            RateLimits::TELEGRAM.per_chat_spacing(),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            RateLimits::TELEGRAM.global_spacing(),
            Some(Duration::from_millis(33) + Duration::from_nanos(333_333))
        );
        assert_eq!(RateLimits::UNLIMITED.per_chat_spacing(), None);
    }
}
