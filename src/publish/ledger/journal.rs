//! The ledger's memory of comment moderation (decree п. 3.7): the journal of every action taken
//! on a user's comment, the comments already judged (so each is judged once, and again only when
//! its text changes), and the inbox where the one Telegram update poller leaves the comments it
//! receives until the moderation pass takes them.
//!
//! Kept beside the publications in the same ledger: a person restores a comment by its journal
//! id, the report and the metrics count the journal, and the poller's offset is committed in the
//! same transaction as the comments it brought (nothing received is lost in a crash).

use jiff::Timestamp;

use crate::plan::network::Network;

/// What moderation did with a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Removed from the page.
    Deleted,
    /// Left on the page and reported to the responsible (mode `report` or `hold`, a network that
    /// cannot delete it, or a `--dry-run`).
    Reported,
}

impl Action {
    /// The word stored in the ledger and shown in JSON.
    pub fn key(self) -> &'static str {
        match self {
            Action::Deleted => "deleted",
            Action::Reported => "reported",
        }
    }

    /// The action stored as `key`.
    pub fn from_key(key: &str) -> Option<Action> {
        match key {
            "deleted" => Some(Action::Deleted),
            "reported" => Some(Action::Reported),
            _ => None,
        }
    }
}

/// Where a comment is: enough to find it again on its network (to delete or restore it).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CommentRef {
    /// The network.
    pub network: Network,
    /// The page's id in the registry (VK community id, OK group id, Telegram channel).
    pub page: String,
    /// What the comment is under: the VK post id, the OK topic id, the Telegram discussion
    /// chat id.
    pub thread: String,
    /// The comment's id on the network (for Telegram, the message id in the discussion chat).
    pub comment: String,
}

/// One action to journal.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAction {
    /// The organization whose page it is.
    pub org: String,
    /// The comment.
    pub at: CommentRef,
    /// The comment's author on the network (a user id).
    pub author: String,
    /// `obscene`, `insult` or `spam`.
    pub category: String,
    /// The rule that decided.
    pub rule: String,
    /// `delete` or `hold`: what the classifier said.
    pub verdict: String,
    /// What was done.
    pub action: Action,
    /// The start of the comment's text, as it was (the journal keeps no more of a person's words).
    pub excerpt: String,
    /// When.
    pub when: Timestamp,
    /// `daemon`, or the person who ran the command.
    pub by: String,
}

/// One action from the journal.
#[derive(Debug, Clone, PartialEq)]
pub struct Moderated {
    /// The journal id a person gives `vestnik moderation restore`.
    pub id: i64,
    /// What was journaled.
    pub action: NewAction,
    /// When the comment was restored, and by whom.
    pub restored: Option<(Timestamp, String)>,
}

/// A comment the Telegram update poller received, waiting for the moderation pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbound {
    /// Where it is (`thread` is the discussion chat's id).
    pub at: CommentRef,
    /// The sender (a user id), or the chat it was sent on behalf of, `chat:<id>`.
    pub author: String,
    /// The text or caption.
    pub text: String,
    /// When it was sent (or edited, for an edit).
    pub date: Timestamp,
}

/// How much of a comment's text the journal keeps, in characters.
pub const EXCERPT_CHARS: usize = 200;

/// The journal's excerpt of `text`: its first [`EXCERPT_CHARS`] characters, an ellipsis when cut.
pub fn excerpt(text: &str) -> String {
    match text.char_indices().nth(EXCERPT_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// A comment's text as the ledger remembers it judged: a hash, so an edit is judged again.
pub fn text_hash(text: &str) -> String {
    let hash = blake3::hash(text.as_bytes());
    hash.to_hex()[..16].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_cut_on_a_character_boundary() {
        let long = "щ".repeat(EXCERPT_CHARS + 5);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), EXCERPT_CHARS + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(excerpt("коротко"), "коротко");
    }

    #[test]
    fn actions_read_back_from_their_keys() {
        for a in [Action::Deleted, Action::Reported] {
            assert_eq!(Action::from_key(a.key()), Some(a));
        }
        assert_eq!(Action::from_key("hidden"), None);
    }
}
