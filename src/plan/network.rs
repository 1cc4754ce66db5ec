//! The three social networks and the limits each one enforces on what we send.
//!
//! Every number carries its source in docs/api-facts.md; numbers marked UNCONFIRMED there are
//! chosen on the safe side and say so here.

use std::fmt;

/// A social network vestnik publishes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Network {
    /// VKontakte: a community wall.
    Vk,
    /// Odnoklassniki: a group.
    Ok,
    /// Telegram: a channel.
    Telegram,
}

impl Network {
    /// All networks, in the order reports list them.
    pub const ALL: [Network; 3] = [Network::Vk, Network::Ok, Network::Telegram];

    /// The key used in plans, the registry and JSON output: `vk`, `ok`, `telegram`.
    pub const fn key(self) -> &'static str {
        match self {
            Network::Vk => "vk",
            Network::Ok => "ok",
            Network::Telegram => "telegram",
        }
    }

    /// The name people know: `VK`, `OK`, `Telegram`.
    pub const fn display_name(self) -> &'static str {
        match self {
            Network::Vk => "VK",
            Network::Ok => "OK",
            Network::Telegram => "Telegram",
        }
    }

    /// The network's full name for people, in the process's language: «ВКонтакте»,
    /// «Одноклассники», «Телеграм» (`VK`, `Odnoklassniki`, `Telegram` in English).
    pub fn full_name(self) -> String {
        crate::t!(match self {
            Network::Vk => "network-name-vk",
            Network::Ok => "network-name-ok",
            Network::Telegram => "network-name-telegram",
        })
    }

    /// Parses a key as written in plans (`vk`, `ok`, `telegram`; a few common aliases accepted).
    pub fn from_key(key: &str) -> Option<Network> {
        match key.trim().to_ascii_lowercase().as_str() {
            "vk" | "vkontakte" => Some(Network::Vk),
            "ok" | "odnoklassniki" => Some(Network::Ok),
            "telegram" | "tg" => Some(Network::Telegram),
            _ => None,
        }
    }

    /// What this network accepts in one post.
    pub const fn limits(self) -> &'static Limits {
        match self {
            Network::Vk => &VK,
            Network::Ok => &OK,
            Network::Telegram => &TELEGRAM,
        }
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.display_name())
    }
}

/// The limits of one network, as `check` and the renderers apply them.
#[derive(Debug)]
pub struct Limits {
    /// Longest text of one post or message, in the unit `text_unit` names.
    pub text_max: usize,
    /// Longest caption under media (Telegram only; 0 where captions are not separate).
    pub caption_max: usize,
    /// Whether text lengths are counted in UTF-16 units (Telegram) rather than characters.
    pub text_unit_is_utf16: bool,
    /// Most images in one post (or one media group).
    pub images_max: usize,
    /// Poll question length range, in characters.
    pub poll_question_max: usize,
    /// Most poll options.
    pub poll_options_max: usize,
    /// Fewest poll options.
    pub poll_options_min: usize,
    /// Longest poll option, in characters.
    pub poll_option_max: usize,
    /// Whether a poll may be a post's only content.
    pub poll_may_stand_alone: bool,
    /// Largest file we upload, in bytes.
    pub image_bytes_max: u64,
    /// Largest `width + height` of an uploaded image.
    pub image_sides_sum_max: u32,
    /// Largest ratio of the long side to the short side.
    pub image_ratio_max: u32,
}

/// VK: `wall.post`, `photos.saveWallPhoto`, `polls.create` (docs/api-facts.md#vk-post-limits,
/// #vk-photo-upload, #vk-polls).
pub static VK: Limits = Limits {
    // UNCONFIRMED: the post text limit is folklore (16 384); we stay well below it.
    text_max: 15_000,
    caption_max: 0,
    text_unit_is_utf16: false,
    images_max: 10,
    // UNCONFIRMED: the question limit is not published; 255 is a conservative choice.
    poll_question_max: 255,
    poll_options_max: 10,
    poll_options_min: 1,
    poll_option_max: 100,
    poll_may_stand_alone: false,
    image_bytes_max: 50 * 1024 * 1024,
    image_sides_sum_max: 14_000,
    image_ratio_max: 20,
};

/// OK: `mediatopic.post` with text, photo and poll blocks (docs/api-facts.md#ok-topic-limits,
/// #ok-polls, #ok-photo-upload).
pub static OK: Limits = Limits {
    // UNCONFIRMED: OK signals the text limit only by error 601; 10 000 is a conservative choice.
    text_max: 10_000,
    caption_max: 0,
    text_unit_is_utf16: false,
    // UNCONFIRMED: error 600 (too many media blocks) has no published number; VK's 10 is safe.
    images_max: 10,
    // UNCONFIRMED: errors 602–604 have no published numbers; VK's limits are used.
    poll_question_max: 255,
    poll_options_max: 10,
    poll_options_min: 2,
    poll_option_max: 100,
    poll_may_stand_alone: true,
    // UNCONFIRMED: errors 500–505 carry no numbers; Telegram's stricter 10 MB / 10 000 is used.
    image_bytes_max: 10 * 1024 * 1024,
    image_sides_sum_max: 10_000,
    image_ratio_max: 20,
};

/// Telegram Bot API 10.1: `sendMessage`, `sendPhoto`, `sendMediaGroup`, `sendPoll`
/// (docs/api-facts.md#telegram-text-and-caption-limits, #telegram-photos-and-albums,
/// #telegram-polls).
pub static TELEGRAM: Limits = Limits {
    // Counted after entity parsing. Whether Telegram counts UTF-16 units or code points is
    // UNCONFIRMED; UTF-16 is the stricter of the two and is never rejected.
    text_max: 4096,
    caption_max: 1024,
    text_unit_is_utf16: true,
    images_max: 10,
    poll_question_max: 300,
    poll_options_max: 12,
    poll_options_min: 1,
    poll_option_max: 100,
    poll_may_stand_alone: true,
    image_bytes_max: 10 * 1024 * 1024,
    image_sides_sum_max: 10_000,
    image_ratio_max: 20,
};
