//! The ledger: the queue and the memory of publications. One row per (post, network), with a
//! state machine
//!
//! ```text
//!            claim: the row is this publisher's; its state does not change
//! scheduled ─────────────▶ rate-limit waits, uploads (safe to repeat; a crash here leaves it
//!     ▲   ▲                      │                   scheduled, and the attempt is not counted)
//!     │   └──retry / failed ─────┤ (an upload or a wait ended the attempt: from scheduled)
//!     │                          │ mark_sending, committed, immediately before the request
//!     │                          ▼ that can publish (wall.post, mediatopic.post, send*)
//!     └──retry (backoff)─────  sending ──▶ published(remote id, url)
//!                                │    └──▶ failed(reason)   (Rejected, Unauthorized, retries spent)
//!                                └──crash──▶ scheduled again on VK (same guid: VK deduplicates)
//!                                          ▶ uncertain on Telegram and OK (nothing deduplicates)
//! scheduled ──time passed while down, beyond the grace window──▶ missed
//! scheduled ──removed from git──▶ cancelled
//! ```
//!
//! `sending` is committed **immediately before the first request that can publish** (VK's
//! `wall.post`, OK's `mediatopic.post`, Telegram's first `send*`): the clients call a
//! [`crate::networks::Commit`] hook after their rate-limit waits and uploads, and the publisher's
//! hook is [`Ledger::mark_sending`]. If that write fails, nothing irreversible is sent. So a
//! crash can never lose the fact that a publishing request may have been made, and a crash
//! during waits or uploads (which are safe to repeat) leaves the row `scheduled`, as if the
//! attempt had not begun.
//!
//! [`Entry::attempts`] counts attempts that got an answer or a transport error (told to
//! [`Ledger::finish`]), not claims: a process that died before any answer does not use up the
//! retry budget.
//!
//! Between `claim` and `finish` the row belongs to the publisher that claimed it. The SQLite
//! ledger ([`sqlite`]) has one publisher (its lock file), so `claim` only reads; the PostgreSQL
//! ledger ([`postgres`], several daemons on one database) takes a lease there (an owner and an
//! expiry in the row, judged by the database's clock), `mark_sending` checks it and `recover`
//! leaves live leases alone, without changing the daemon. The ledger is a trait for that reason;
//! [`location::Location`] opens the one the configuration names.

pub mod copy;
pub mod journal;
pub mod location;
mod merge;
pub mod postgres;
pub mod sqlite;
#[cfg(test)]
mod suite;

use jiff::Timestamp;

use std::sync::Arc;

use crate::audit::{ObservedPost, PageProfile};
use crate::plan::id::{OrgId, PostId};
use crate::plan::network::Network;
use journal::{Inbound, Moderated, NewAction};

/// Identity of one publication: a post of an organization on one network.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    /// Organization id.
    pub org: OrgId,
    /// Post id (stable, see `plan::Post::id`).
    pub post: PostId,
    /// The network the row publishes to.
    pub network: Network,
}

/// Where a publication is in its life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Waiting for its time (or for its next attempt).
    Scheduled,
    /// A publishing request may be in flight: committed right before it leaves.
    Sending,
    /// Published: the network accepted it.
    Published {
        /// The network's id of the post or message.
        remote_id: String,
        /// Public link, when known.
        url: Option<String>,
    },
    /// Will not be published without a person (content refused, token revoked, retries spent).
    Failed {
        /// Why, in plain words.
        reason: String,
    },
    /// A request may have been applied but no answer came, on a network that cannot
    /// deduplicate: a person must look before anything is sent again.
    Uncertain {
        /// What happened.
        reason: String,
    },
    /// Its time passed while the daemon was down, beyond the grace window.
    Missed,
    /// Removed from the plans before its time.
    Cancelled,
}

impl State {
    /// The state's name as stored and shown: `scheduled`, `sending`, `published`, …
    pub fn name(&self) -> &'static str {
        match self {
            State::Scheduled => "scheduled",
            State::Sending => "sending",
            State::Published { .. } => "published",
            State::Failed { .. } => "failed",
            State::Uncertain { .. } => "uncertain",
            State::Missed => "missed",
            State::Cancelled => "cancelled",
        }
    }

    /// Whether nothing more will happen to the row by itself.
    pub fn is_final(&self) -> bool {
        !matches!(self, State::Scheduled | State::Sending)
    }
}

/// One row of the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Which publication: organization, post and network.
    pub key: Key,
    /// When it is due (the post's time).
    pub due: Timestamp,
    /// When the next attempt may start (≥ `due`; later after a retryable failure).
    pub next_try: Timestamp,
    /// Hash of what is to be sent (text, images, poll), to notice edits: a [`ContentHash`]
    /// in its text form.
    pub content: String,
    /// Attempts that got an answer or a transport error so far (a claim, or a crash before any
    /// answer, does not count).
    pub attempts: u32,
    /// Where the publication stands in the state machine.
    pub state: State,
    /// When the row last changed (for a published row: when it was published).
    pub updated: Timestamp,
    /// The plan file the post was last read from (`None` in rows written before the ledger
    /// kept it): a file that cannot be read now protects exactly its own rows.
    pub file: Option<String>,
    /// Why a scheduled row waits beyond its time, and since when (`None` when it simply waits
    /// for its time).
    pub waiting: Option<Waiting>,
}

/// Why a scheduled publication waits beyond its time: the reason of its last attempt, kept
/// while the same reason repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    /// Why, in plain words (as written in the language of the process that decided it).
    pub reason: String,
    /// When this reason first held it back.
    pub since: Timestamp,
}

/// A hash of what a network receives for a post (text, images, poll): the first 128 bits of
/// its BLAKE3 hash. 16 bytes in memory, where 300,000 of them are held while the plans are
/// synced; 32 hex digits in the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ContentHash(u128);

impl ContentHash {
    /// The hash of `bytes` (tests; the publisher hashes a post's parts in turn).
    pub fn of(bytes: &[u8]) -> Self {
        Self::from(blake3::hash(bytes))
    }

    /// Whether the ledger's text form `hex` is this hash.
    pub fn matches(&self, hex: &str) -> bool {
        hex.len() == 32
            && hex.bytes().all(|b| b.is_ascii_hexdigit())
            && u128::from_str_radix(hex, 16) == Ok(self.0)
    }
}

impl From<blake3::Hash> for ContentHash {
    fn from(h: blake3::Hash) -> Self {
        let mut first = [0; 16];
        first.copy_from_slice(&h.as_bytes()[..16]);
        Self(u128::from_be_bytes(first))
    }
}

impl std::fmt::Display for ContentHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

/// A publication as the plans want it now. The identity's strings are shared: one post id for
/// the post's networks, one organization id for all its posts (300,000 of these are held while
/// the plans are synced).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// Organization id (its text shared by the organization's rows).
    pub org: OrgId,
    /// Post id (its text shared by the post's rows on each network).
    pub post: PostId,
    /// The network the row publishes to.
    pub network: Network,
    /// When it is due, as planned.
    pub due: Timestamp,
    /// Hash of what is to be sent.
    pub content: ContentHash,
    /// The plan file the post is written in (its text shared by the file's rows).
    pub file: Arc<str>,
}

impl Planned {
    /// A planned publication of `key` (the publisher shares the strings instead).
    pub fn new(key: Key, due: Timestamp, content: ContentHash, file: &str) -> Self {
        Self {
            org: key.org,
            post: key.post,
            network: key.network,
            due,
            content,
            file: file.into(),
        }
    }

    /// Its identity, as the ledger's rows carry it.
    pub fn key(&self) -> Key {
        Key {
            org: self.org.clone(),
            post: self.post.clone(),
            network: self.network,
        }
    }

    /// Whether it is the publication `key`.
    pub fn is(&self, key: &Key) -> bool {
        self.org == key.org && self.post == key.post && self.network == key.network
    }
}

/// What a sync of the plans into the ledger changed, for reports and alerts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// How many publications were scheduled (new, or back in the plans). A count, not keys: at
    /// the first start it is every row of the ledger.
    pub added: usize,
    /// Scheduled publications whose time or content changed before their time.
    pub updated: Vec<Key>,
    /// Scheduled publications removed from the plans.
    pub cancelled: Vec<Key>,
    /// Publications already made (or in flight) whose plan changed afterwards: reported, never
    /// reposted.
    pub edited_after_publication: Vec<Key>,
    /// Due while the daemon was down, beyond the grace window.
    pub missed: Vec<Key>,
    /// [`Ledger::sync_files`] only: planned publications whose row belongs to a file that was
    /// not read, with that file. Nothing was done with them: the caller tells a duplicate id
    /// (that file still has the post) from a move (it does not).
    pub conflicts: Vec<(Key, String)>,
}

impl SyncReport {
    /// Adds what a second sync did.
    pub fn merge(&mut self, other: SyncReport) {
        self.added += other.added;
        self.updated.extend(other.updated);
        self.cancelled.extend(other.cancelled);
        self.edited_after_publication
            .extend(other.edited_after_publication);
        self.missed.extend(other.missed);
        self.conflicts.extend(other.conflicts);
    }
}

/// How an attempt ended, as the scheduler decided from the client's typed error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Published: the network accepted it; the remote id and link are kept.
    Published {
        /// Remote id.
        remote_id: String,
        /// The public link of the publication, where the remote id makes one.
        url: Option<String>,
    },
    /// Try again at `at` (a transient error, a rate limit, a refused token, a plan that cannot
    /// be read now).
    Retry {
        /// When the next attempt may start.
        at: Timestamp,
        /// Why the row waits, in plain words, for `status` (`None`: it was only put back, as
        /// when its plan changed while it was due).
        why: Option<String>,
    },
    /// Give up: a person must act.
    Failed(String),
    /// No answer; the request may have been applied.
    Uncertain(String),
}

/// A message for a person (the МЦУ, optionally the organization's responsible): a publication
/// failed, is uncertain or was missed, a token needs renewal, a plan file is broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// Identity of the problem: the same problem is alerted once.
    pub id: String,
    /// The organization concerned, if one is.
    pub org: Option<OrgId>,
    /// The message, in plain words.
    pub text: String,
}

/// Errors of a ledger backend.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The storage failed.
    #[error("ledger storage: {0}")]
    Storage(String),
    /// The storage could not be opened.
    #[error("ledger storage: {error}")]
    Open {
        /// The ledger.
        path: String,
        /// The kind of failure, the selector of `ledger-reason` (`cannot-open`,
        /// `not-a-database`…, `other`).
        kind: &'static str,
        /// What the storage said.
        error: String,
    },
    /// The publisher's lock file could not be opened or written.
    #[error("ledger storage: the lock file {path}: {source}")]
    Lock {
        /// The lock file.
        path: String,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// Another process publishes from this ledger.
    #[error(
        "another vestnik is publishing from the ledger {path} ({holder}): `run` and `publish --due` cannot work side by side on one ledger; stop the other one first (`status` and `resolve` need no stop)"
    )]
    Busy {
        /// The ledger.
        path: String,
        /// Who holds it, as it wrote itself into the lock file.
        holder: String,
    },
    /// The ledger was written by a newer vestnik, whose schema this one does not know.
    #[error(
        "the ledger {path} was written by a newer vestnik (schema version {found}; this one knows up to {known}): update vestnik"
    )]
    Newer {
        /// The ledger.
        path: String,
        /// The schema version the file carries.
        found: i64,
        /// The newest version this vestnik knows.
        known: i64,
    },
    /// The file is a database, but not a ledger of vestnik.
    #[error("{path} is not a vestnik ledger: it has no table of publications")]
    NotALedger {
        /// The file.
        path: String,
    },
    /// A transition that the state machine does not allow (a bug in the caller).
    #[error("ledger: {key:?} cannot go from {from} to {to}")]
    Transition {
        /// Which row.
        key: Key,
        /// Its state.
        from: &'static str,
        /// The state asked for.
        to: &'static str,
    },
}

impl LedgerError {
    /// The error in the language of the process's texts (its `Display` stays English, for
    /// logs).
    pub fn message(&self) -> String {
        match self {
            LedgerError::Storage(error) => crate::t!("ledger-storage", error = error.as_str()),
            LedgerError::Open { path, kind, error } => crate::t!(
                "ledger-open",
                path = path.as_str(),
                reason = crate::t!("ledger-reason", kind = *kind, error = error.as_str())
            ),
            LedgerError::Newer { path, found, known } => crate::t!(
                "ledger-newer",
                path = path.as_str(),
                found = *found,
                known = *known
            ),
            LedgerError::NotALedger { path } => {
                crate::t!("ledger-not-a-ledger", path = path.as_str())
            }
            LedgerError::Lock { path, source } => crate::t!(
                "ledger-lock",
                path = path.as_str(),
                reason = crate::plan::repo::io_words(source)
            ),
            LedgerError::Busy { path, holder } => crate::t!(
                "ledger-busy",
                path = path.as_str(),
                holder = holder.as_str()
            ),
            LedgerError::Transition { key, from, to } => crate::t!(
                "ledger-transition",
                key = format!("{key:?}"),
                from = *from,
                to = *to
            ),
        }
    }
}

/// The tokens a daemon holds after [`Ledger::hold_tokens`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holding {
    /// The names of the tokens held, sorted.
    pub held: Vec<String>,
    /// When to renew the turn, or `None`: held for good (a ledger of one publisher).
    pub renew_in: Option<std::time::Duration>,
}

/// The ledger's operations. Every method is one transaction.
pub trait Ledger {
    /// Brings the ledger in line with the plans at `now`: schedules new publications, updates or
    /// cancels future ones, reports edits of published ones, and marks as missed those due before
    /// `now - grace`. Rows for which `keep` is true are never cancelled: their plan file cannot be
    /// read right now, and a typo must not cancel a publication. Each row remembers the file its
    /// post was last read from ([`Entry::file`]), which `keep` is given.
    fn sync(
        &mut self,
        planned: &[Planned],
        keep: &dyn Fn(&Entry) -> bool,
        now: Timestamp,
        grace: jiff::SignedDuration,
    ) -> Result<SyncReport, LedgerError>;

    /// [`sync`](Ledger::sync) for some plan files only, after they changed: `planned` is what
    /// `files` want now (a file that was removed wants nothing). Rows of other files are not
    /// cancelled; a planned publication whose row belongs to another file is left alone and
    /// reported in [`SyncReport::conflicts`]. Scheduled rows of any file that waited beyond
    /// `grace` are marked missed, as a full sync does.
    fn sync_files(
        &mut self,
        planned: &[Planned],
        files: &[Arc<str>],
        keep: &dyn Fn(&Entry) -> bool,
        now: Timestamp,
        grace: jiff::SignedDuration,
    ) -> Result<SyncReport, LedgerError>;

    /// The plan files rows were read from, distinct and in order, from `from` on, at most
    /// `limit`: a reading of a whole folder finds with them the files that are gone.
    fn files_from(&self, from: &str, limit: usize) -> Result<Vec<String>, LedgerError>;

    /// When the earliest scheduled publication may be attempted, if any.
    fn next_due(&self) -> Result<Option<Timestamp>, LedgerError>;

    /// When the earliest scheduled publication not yet due at `after` may be attempted, if any
    /// (a pass that is sending looks for what falls due meanwhile).
    fn next_due_after(&self, after: Timestamp) -> Result<Option<Timestamp>, LedgerError>;

    /// Up to `limit` scheduled publications whose time has come, in order of time, without
    /// changing them: the daemon claims each one just before its request leaves.
    fn due(&self, now: Timestamp, limit: usize) -> Result<Vec<Entry>, LedgerError>;

    /// Takes one scheduled publication due at `now` for this publisher and returns it, or `None`
    /// when it is no longer scheduled and due (edited, cancelled, or taken by another daemon).
    /// The row stays `scheduled`: the rate-limit waits and uploads that follow are safe to repeat,
    /// and a crash during them leaves nothing to recover. (The SQLite ledger has one publisher,
    /// so this only reads; a server backend takes a lease here.)
    fn claim(&mut self, key: &Key, now: Timestamp) -> Result<Option<Entry>, LedgerError>;

    /// Moves a claimed publication from `scheduled` to `sending`, committed before this returns:
    /// called immediately before the first request that can publish leaves, so that a crash after
    /// it is seen by [`Ledger::recover`]. Returns `false` (and changes nothing) when the row is no
    /// longer scheduled: then nothing may be sent.
    fn mark_sending(&mut self, key: &Key, now: Timestamp) -> Result<bool, LedgerError>;

    /// Sets when a scheduled publication is attempted next: later while its page waits for a
    /// person (`why` says so, from `now` on), now when the retry sweep lifts the wait (`why` is
    /// `None`: the reason stays until the next attempt tells). Does nothing to rows in other
    /// states.
    fn set_next_try(
        &mut self,
        key: &Key,
        at: Timestamp,
        why: Option<&str>,
        now: Timestamp,
    ) -> Result<(), LedgerError>;

    /// Records how an attempt of a claimed row ended, at time `at`: from `sending`, any outcome;
    /// from `scheduled` (the attempt ended before its publishing request), a retry or a failure.
    /// `answered` says whether a request of the attempt got an answer or a transport error: only
    /// then does [`Entry::attempts`] grow.
    fn finish(
        &mut self,
        key: &Key,
        outcome: Outcome,
        answered: bool,
        at: Timestamp,
    ) -> Result<(), LedgerError>;

    /// How many publications are scheduled, per network (the queue depth).
    fn depth(&self) -> Result<Vec<(Network, u64)>, LedgerError>;

    /// Records alerts for a person. Each alert id is raised once: the ones already known are
    /// ignored. Returns the alerts that are new.
    fn raise(&mut self, alerts: &[Alert], now: Timestamp) -> Result<Vec<Alert>, LedgerError>;

    /// Alerts raised but not delivered yet, oldest first.
    fn pending_alerts(&self) -> Result<Vec<Alert>, LedgerError>;

    /// Marks an alert as delivered.
    fn alert_sent(&mut self, id: &str, now: Timestamp) -> Result<(), LedgerError>;

    /// Forgets an alert, so the same problem alerts again when it comes back (a token renewed,
    /// then revoked again).
    fn forget_alert(&mut self, id: &str) -> Result<(), LedgerError>;

    /// A small value the daemon remembers across restarts under `key` (the last registry commit
    /// it looked at), or `None` when nothing is remembered.
    fn meta(&self, key: &str) -> Result<Option<String>, LedgerError>;

    /// Remembers `value` under `key`, replacing what was there.
    fn set_meta(&mut self, key: &str, value: &str) -> Result<(), LedgerError>;

    /// A person settles an `uncertain` (or `failed`) publication: `published` when it is on the
    /// page, or back to `scheduled` (at `now`) to send it again. Returns whether a row changed.
    fn resolve(&mut self, key: &Key, resend: bool, now: Timestamp) -> Result<bool, LedgerError>;

    /// The audit found an `uncertain` publication on its page: it becomes `published` with the
    /// network's `remote_id` (and `url`). Returns whether a row changed.
    fn resolve_published(
        &mut self,
        key: &Key,
        remote_id: &str,
        url: Option<&str>,
        now: Timestamp,
    ) -> Result<bool, LedgerError>;

    /// After a crash: rows left in `sending` are retried where the network deduplicates (VK, by
    /// `guid`) and become `uncertain` elsewhere. Returns the rows that became uncertain. (On a
    /// ledger shared by several daemons, only rows whose lease has expired: a live daemon's
    /// requests may be in flight.)
    fn recover(&mut self) -> Result<Vec<Entry>, LedgerError>;

    /// Whether other daemons may publish from this ledger too (rows are leased). A running
    /// daemon then calls [`recover`](Ledger::recover) now and then, for the rows of one that
    /// died; on a ledger of one publisher it is called only at the start.
    fn shared(&self) -> bool {
        false
    }

    /// Takes or renews this daemon's turn on the tokens named `tokens` (the networks'
    /// keys: each network has one token), as `publish::tokens` asks every few seconds, and
    /// returns those it holds. On a shared ledger each token is held by one daemon at a time,
    /// under a lease, and the daemons alive share the tokens out evenly; rows of a network
    /// whose token another daemon holds are then neither due here nor claimed, and a row is
    /// marked `sending` only while its token's lease lives. A ledger of one publisher holds
    /// every token, for ever.
    fn hold_tokens(&mut self, tokens: &[&str]) -> Result<Holding, LedgerError> {
        Ok(Holding {
            held: tokens.iter().map(|t| (*t).to_owned()).collect(),
            renew_in: None,
        })
    }

    /// Gives every token this daemon holds back (it stops), for the others to take at once.
    fn release_tokens(&mut self) -> Result<(), LedgerError> {
        Ok(())
    }

    /// How many publications due in `[from, to)` are published, per organization and network
    /// (the weekly compliance summary), without reading every row.
    fn published_counts(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<(String, Network, u32)>, LedgerError>;

    /// Every row, ordered by time.
    fn entries(&self) -> Result<Vec<Entry>, LedgerError>;

    /// Calls `visit` with the organization, network, due time and state name
    /// ([`State::name`]) of every publication due in `[from, to)`, without building rows: the
    /// МЦУ's report reads hundreds of thousands of them.
    fn visit_due(
        &self,
        from: Timestamp,
        to: Timestamp,
        visit: &mut dyn FnMut(&str, Network, Timestamp, &str),
    ) -> Result<(), LedgerError>;

    /// The publications published that were due at or after `since`, oldest first: the posts
    /// whose comments moderation reads.
    fn published_since(&self, since: Timestamp) -> Result<Vec<Entry>, LedgerError>;

    /// Of `comments` on `page` (each its id and [`journal::text_hash`]), the indexes of those
    /// not judged yet, or judged when their text was another (edited since).
    fn unjudged(
        &self,
        network: Network,
        page: &str,
        comments: &[(String, String)],
    ) -> Result<Vec<usize>, LedgerError>;

    /// Remembers `comments` on `page` as judged at `now`.
    fn judged(
        &mut self,
        network: Network,
        page: &str,
        comments: &[(String, String)],
        now: Timestamp,
    ) -> Result<(), LedgerError>;

    /// Forgets the comments judged before `before` (their posts are out of moderation's
    /// window). Returns how many.
    fn forget_judged(&mut self, before: Timestamp) -> Result<usize, LedgerError>;

    /// Journals a moderation action and returns its id, or `None` when the same action on the
    /// same comment is journaled already.
    fn journal(&mut self, action: &NewAction) -> Result<Option<i64>, LedgerError>;

    /// How many comments were deleted and reported per organization, by actions journaled in
    /// `[from, to)`: `(org, deleted, reported)`.
    fn moderation_counts(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<(String, u32, u32)>, LedgerError>;

    /// The journal, newest first: at most `limit` actions, of `org` when given.
    fn moderation_log(
        &self,
        org: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Moderated>, LedgerError>;

    /// The journaled action `id`.
    fn moderated(&self, id: i64) -> Result<Option<Moderated>, LedgerError>;

    /// Marks the deleted comment of action `id` restored at `now` by `by`. Returns whether a
    /// row changed (not when it was restored already).
    fn restored(&mut self, id: i64, now: Timestamp, by: &str) -> Result<bool, LedgerError>;

    /// Keeps the comments the update poller received, and the channel posts others made
    /// (observations for the audit, [`Ledger::observe`]), and remembers its next `offset` under
    /// the meta key `offset_key`, in one transaction: what was received is never lost, nor
    /// taken twice.
    fn receive(
        &mut self,
        comments: &[Inbound],
        posts: &[ObservedPost],
        offset_key: &str,
        offset: &str,
    ) -> Result<(), LedgerError>;

    /// Up to `limit` received comments the moderation pass has not taken, oldest first, each
    /// with its inbox id.
    fn inbox(&self, limit: usize) -> Result<Vec<(i64, Inbound)>, LedgerError>;

    /// Removes taken comments from the inbox.
    fn inbox_done(&mut self, ids: &[i64]) -> Result<(), LedgerError>;

    /// Keeps the publications the audit observed, once per page and remote id (seen again, a
    /// post keeps its first time; a post known as vestnik's stays so). Returns how many were new.
    fn observe(&mut self, posts: &[ObservedPost], now: Timestamp) -> Result<usize, LedgerError>;

    /// The publications observed on `page` of `network` at times in `[from, to)`, oldest first.
    fn observed(
        &self,
        network: Network,
        page: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<ObservedPost>, LedgerError>;

    /// Calls `visit` with the network, page and time of every publication the audit observed at
    /// a time in `[from, to)` and not made by vestnik, without building rows (the report counts
    /// them per page and week).
    fn visit_observed(
        &self,
        from: Timestamp,
        to: Timestamp,
        visit: &mut dyn FnMut(Network, &str, Timestamp, &str),
    ) -> Result<(), LedgerError>;

    /// Keeps a page's profile as the audit read it.
    fn snapshot(&mut self, profile: &PageProfile) -> Result<(), LedgerError>;

    /// The latest profile of `page` of `network` the audit kept, if any.
    fn last_snapshot(
        &self,
        network: Network,
        page: &str,
    ) -> Result<Option<PageProfile>, LedgerError>;
}

/// Tests: claims up to `limit` scheduled publications whose time has come and moves them to
/// `sending`, in order of time, and returns them, as the daemon does one [`Ledger::claim`] and
/// [`Ledger::mark_sending`] at a time.
#[cfg(test)]
pub(crate) fn claim_due(
    ledger: &mut dyn Ledger,
    now: Timestamp,
    limit: usize,
) -> Result<Vec<Entry>, LedgerError> {
    let mut claimed = Vec::new();
    for e in ledger.due(now, limit)? {
        if let Some(mut e) = ledger.claim(&e.key, now)?
            && ledger.mark_sending(&e.key, now)?
        {
            e.state = State::Sending;
            claimed.push(e);
        }
    }
    Ok(claimed)
}

/// The meta key under which the audit remembers a Telegram page's numeric chat id (what the
/// update poller keeps its posts under), for the page as the registry names it.
pub fn telegram_chat_key(page: &str) -> String {
    format!("audit/telegram-chat/{page}")
}

/// Whether a network deduplicates a retried create call (VK's `guid`), so that a publication
/// left in `sending` by a crash may be sent again.
pub const fn deduplicates(network: Network) -> bool {
    matches!(network, Network::Vk)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_hash_keeps_the_ledgers_text_form() {
        // Ledgers written before the hash was kept as 16 bytes hold the first 32 hex digits of
        // the BLAKE3 hash: the same text, so an upgrade reports no post as edited.
        let bytes = "Ёлка на площади в субботу".as_bytes();
        let written_before = blake3::hash(bytes).to_hex().as_str()[..32].to_owned();
        let h = ContentHash::of(bytes);
        assert_eq!(h.to_string(), written_before);
        assert!(h.matches(&written_before));
        assert!(!h.matches(&written_before[..31]));
        assert!(!h.matches(&ContentHash::of(b"other").to_string()));
        // A sign is not a hex digit, even where the number would be the same.
        assert!(!ContentHash(1).matches(&format!("+{}1", "0".repeat(30))));
        assert!(ContentHash(1).matches(&format!("{}1", "0".repeat(31))));
    }
}
