//! The rules of `check`, one module per subject: single posts, weekly rhythm per page, and the
//! registry. Each takes the parsed model and returns diagnostics; none does I/O except the media
//! probe of `post`, which reads image headers through a shared cache.

pub mod guard;
pub mod post;
pub mod registry;
pub mod weekly;

use std::collections::HashMap;

use crate::plan::Post;
use crate::plan::network::Network;
use crate::plan::source::Pos;
use crate::plan::time::IsoWeek;

/// What the weekly rules and `duplicate-id` need to know about one post, kept after the post
/// itself (its text, its parsed fields) is dropped: a few numbers and, only when the post's id
/// is not its file's name, that id. 100,000 posts take a few megabytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostSummary {
    /// The post's file: an index into the check's list of plan files.
    pub file: u32,
    /// Where the post starts.
    pub pos: Pos,
    /// The organization the post is for: an index into the check's table of organization ids.
    pub org: u32,
    /// The post's id within the organization when it differs from its file's stem (the id of a
    /// `.md` post without `id:`); `None` for that common case.
    pub id: Option<Box<str>>,
    /// Local ISO week of its date.
    pub week: IsoWeek,
    networks: u8,
    /// Ready or external: counts for the weekly minimum (otherwise a draft).
    pub counts: bool,
    /// Published by someone else (Госпаблики…): counts, but vestnik does not send it.
    pub external: bool,
    /// Has images or a poll (not plain text).
    pub rich: bool,
}

impl PostSummary {
    /// Summarizes a post going to `networks`, found in file number `file` and for organization
    /// number `org`; `None` when it has no valid date.
    pub fn of(
        post: &Post,
        networks: &[Network],
        file: u32,
        org: u32,
        week: impl Fn(jiff::Timestamp) -> IsoWeek,
    ) -> Option<Self> {
        let when = post.when.as_ref()?.value;
        let id = (post.id.as_str() != crate::plan::file_stem(&post.file))
            .then(|| Box::from(post.id.as_str()));
        Some(Self {
            file,
            pos: post.pos,
            org,
            id,
            week: week(when),
            networks: networks.iter().fold(0, |set, n| set | bit(*n)),
            counts: post.counts(),
            external: post.external.is_some(),
            // Photos, video, animation, a poll or a live stream announced (req. 2 of the decree).
            rich: networks.iter().any(|n| {
                !post.images_for(*n).is_empty()
                    || post.video_for(*n).is_some()
                    || post.animation_for(*n).is_some()
            }) || post.poll.is_some()
                || post.live.is_some(),
        })
    }

    /// The networks the post goes to, in [`Network::ALL`] order.
    pub fn networks(&self) -> impl Iterator<Item = Network> + '_ {
        Network::ALL
            .into_iter()
            .filter(|n| self.networks & bit(*n) != 0)
    }

    /// The post's id, given the path of its file.
    pub fn id<'a>(&'a self, file: &'a str) -> &'a str {
        self.id
            .as_deref()
            .unwrap_or_else(|| crate::plan::file_stem(file))
    }
}

/// A network's bit in [`PostSummary`]'s set.
fn bit(n: Network) -> u8 {
    match n {
        Network::Vk => 1,
        Network::Ok => 2,
        Network::Telegram => 4,
    }
}

/// The organization ids that posts name, each kept once: summaries refer to them by number.
#[derive(Debug, Default)]
pub struct Orgs {
    names: Vec<Box<str>>,
    index: HashMap<Box<str>, u32>,
}

impl Orgs {
    /// The number of organization `id`, given it the first time it is seen.
    pub fn intern(&mut self, id: &str) -> u32 {
        if let Some(&i) = self.index.get(id) {
            return i;
        }
        let i = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(id.into());
        self.index.insert(id.into(), i);
        i
    }

    /// The number of organization `id`, if some post named it.
    pub fn get(&self, id: &str) -> Option<u32> {
        self.index.get(id).copied()
    }

    /// The id of organization number `i`.
    pub fn name(&self, i: u32) -> &str {
        self.names.get(i as usize).map_or("", |n| n)
    }
}
