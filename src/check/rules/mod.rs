//! The rules of `check`, one module per subject: single posts, weekly rhythm per page, and the
//! registry. Each takes the parsed model and returns diagnostics; none does I/O except the media
//! probe of `post`, which reads image headers through a shared cache.

pub mod guard;
pub mod post;
pub mod registry;
pub mod weekly;

use jiff::Timestamp;

use crate::plan::Post;
use crate::plan::id::PostId;
use crate::plan::network::Network;
use crate::plan::source::Pos;
use crate::plan::time::IsoWeek;

/// What the weekly rules need to know about one post, kept after the post itself is dropped so
/// that 100,000 posts fit in little memory.
#[derive(Debug, Clone)]
pub struct PostSummary {
    /// The organization the post is for.
    pub org: String,
    /// The post's id within the organization.
    pub id: PostId,
    /// Networks it goes to.
    pub networks: Vec<Network>,
    /// Local ISO week of its date.
    pub week: IsoWeek,
    /// Ready or external: counts for the weekly minimum.
    pub counts: bool,
    /// A draft.
    pub draft: bool,
    /// Has images or a poll (not plain text).
    pub rich: bool,
    /// When the post is due.
    pub when: Timestamp,
    /// File of the post.
    pub file: String,
    /// Where the post starts.
    pub pos: Pos,
}

impl PostSummary {
    /// Summarizes a post going to `networks`; `None` when it has no valid date.
    pub fn of(
        post: &Post,
        networks: Vec<Network>,
        week: impl Fn(Timestamp) -> IsoWeek,
    ) -> Option<Self> {
        let when = post.when.as_ref()?.value;
        Some(Self {
            org: post.org.value.clone(),
            id: post.id.clone(),
            rich: networks.iter().any(|n| !post.images_for(*n).is_empty()) || post.poll.is_some(),
            networks,
            week: week(when),
            counts: post.counts(),
            draft: !post.counts(),
            when,
            file: post.file.clone(),
            pos: post.pos,
        })
    }
}
