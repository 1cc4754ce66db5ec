//! `Recent`: a bounded memory of the comments seen lately, for spam that is only spam because
//! it repeats (the same text on several pages, or from several accounts).

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};

/// At most this many comments are remembered; the oldest are forgotten first.
pub const CAPACITY: usize = 20_000;

/// Comments older than this (before the newest one seen) are forgotten.
pub const WINDOW: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);

/// At most this many sightings of one text are kept (enough to count to any sensible `min`).
const PER_TEXT: usize = 32;

/// One comment as seen on a page.
#[derive(Debug, Clone, Copy)]
pub struct Seen<'a> {
    /// The comment's text.
    pub text: &'a str,
    /// Who wrote it (the network's user id).
    pub author: &'a str,
    /// Where (the page or post it was left on).
    pub page: &'a str,
    /// When it was written.
    pub at: jiff::Timestamp,
}

/// Fingerprints of recent comments, capped in number ([`CAPACITY`]) and age ([`WINDOW`]).
#[derive(Debug, Default)]
pub struct Recent {
    order: VecDeque<(u64, jiff::Timestamp)>,
    by_text: HashMap<u64, VecDeque<(u64, u64)>>,
    newest: Option<jiff::Timestamp>,
}

fn hash(s: &str) -> u64 {
    let mut h = DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

impl Recent {
    /// An empty memory.
    pub fn new() -> Recent {
        Recent::default()
    }

    /// How many comments are remembered.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Remembers `comment` (whose normalized text is `skeleton`) and says on how many distinct
    /// pages, or from how many distinct accounts, whichever is more, that text was seen within
    /// the window, this time included.
    pub fn note(&mut self, skeleton: &str, comment: &Seen<'_>) -> usize {
        let newest = self.newest.map_or(comment.at, |n| n.max(comment.at));
        self.newest = Some(newest);
        while let Some(&(fp, at)) = self.order.front() {
            let old = newest.duration_since(at) > WINDOW;
            if !old && self.order.len() < CAPACITY {
                break;
            }
            self.order.pop_front();
            if let Some(list) = self.by_text.get_mut(&fp) {
                list.pop_front();
                if list.is_empty() {
                    self.by_text.remove(&fp);
                }
            }
        }
        let fp = hash(skeleton);
        self.order.push_back((fp, comment.at));
        let list = self.by_text.entry(fp).or_default();
        list.push_back((hash(comment.author), hash(comment.page)));
        if list.len() > PER_TEXT {
            // The oldest sighting of this text goes; its place in `order` then forgets the next.
            list.pop_front();
        }
        let mut authors: Vec<u64> = list.iter().map(|s| s.0).collect();
        let mut pages: Vec<u64> = list.iter().map(|s| s.1).collect();
        authors.sort_unstable();
        authors.dedup();
        pages.sort_unstable();
        pages.dedup();
        authors.len().max(pages.len())
    }
}
